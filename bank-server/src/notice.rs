//! What the bank posts to a seller's registered address, and how: best
//! effort (the same letter always waits in his inbox), within five seconds,
//! and never on to another address. A seller chooses his own address, so a
//! redirect from it must not send the bank's request anywhere else, such as
//! a service that trusts the bank's own network.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use reqwest::Url;
use serde::{Deserialize, Serialize};

/// How long the bank waits for a seller to take a notice.
const TIMEOUT: Duration = Duration::from_secs(5);

/// What the bank posts to a seller's address: a sealed letter for him.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub kind: String,
    pub letter: String,
}

/// The client the bank calls sellers with: it follows no redirect, uses no
/// proxy, and connects only to the addresses it is given for the host.
fn client(host: Option<(&str, &[SocketAddr])>) -> reqwest::Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(TIMEOUT);
    if let Some((name, addrs)) = host {
        builder = builder.resolve_to_addrs(name, addrs);
    }
    builder.build()
}

/// How a delivery went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    Taken,
    /// He answered with this status (a redirect counts as a refusal).
    Refused(u16),
    Unreachable,
    /// His address is, or resolves to, an address inside the bank's own
    /// network; the bank did not call it.
    Inside,
}

/// Why the bank will not use an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    #[error("A seller's address is an http(s) URL with a host, of at most 512 characters.")]
    Malformed,
    #[error(
        "The bank does not call addresses inside its own network (loopback, private, link-local and the like)."
    )]
    Inside,
}

/// Checks a seller's address as he registers it: an http(s) URL with a
/// host, at most 512 bytes, and (unless `allow_private`) no literal IP
/// address inside the bank's network. Names are checked when called.
pub fn check_address(address: &str, allow_private: bool) -> Result<(), AddressError> {
    if address.len() > halfpenny::messages::MAX_ADDRESS_BYTES {
        return Err(AddressError::Malformed);
    }
    let url = Url::parse(address).map_err(|_| AddressError::Malformed)?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(AddressError::Malformed);
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(AddressError::Malformed);
    }
    match literal_ip(&url) {
        Some(ip) if !allow_private && is_inside(ip) => Err(AddressError::Inside),
        _ => Ok(()),
    }
}

/// The host of `url` if it is a literal IP address (the URL parser has
/// already turned odd IPv4 spellings such as `0x7f.1` into `127.0.0.1`).
fn literal_ip(url: &Url) -> Option<IpAddr> {
    let host = url.host_str()?;
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    bare.parse().ok()
}

/// Whether `ip` is inside the bank's own network or otherwise not a public
/// unicast address: loopback, unspecified, private, shared (CGNAT),
/// link-local, multicast, broadcast and reserved IPv4; loopback,
/// unspecified, unique-local, link-local and multicast IPv6; and the IPv6
/// forms that carry an IPv4 address (mapped, compatible, NAT64) of those.
pub fn is_inside(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4_inside(v4),
        IpAddr::V6(v6) => v6_inside(v6),
    }
}

fn v4_inside(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    a == 0 // "this network", 0.0.0.0 among it
        || a == 10
        || a == 127
        || (a == 100 && (64..128).contains(&b))
        || (a == 169 && b == 254)
        || (a == 172 && (16..32).contains(&b))
        || (a == 192 && b == 168)
        || a >= 224 // multicast, reserved and the broadcast address
}

fn v6_inside(ip: Ipv6Addr) -> bool {
    let segments = ip.segments();
    if ip.is_loopback() || ip.is_unspecified() {
        return true;
    }
    // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d).
    if let Some(v4) = ip.to_ipv4() {
        return v4_inside(v4);
    }
    // The well-known NAT64 prefix 64:ff9b::/96 carries an IPv4 address too.
    if segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        let [.., a, b, c, d] = ip.octets();
        return v4_inside(Ipv4Addr::new(a, b, c, d));
    }
    let first = segments[0];
    (first & 0xfe00) == 0xfc00 // unique local fc00::/7
        || (first & 0xffc0) == 0xfe80 // link-local fe80::/10
        || (first & 0xff00) == 0xff00 // multicast ff00::/8
}

/// Where a delivery may connect: the host's addresses, each checked.
enum Target {
    /// The URL names a literal address (checked): connect to it.
    Literal,
    /// The name and the addresses it resolved to (all checked): connect only to those.
    Resolved(String, Vec<SocketAddr>),
}

async fn target(url: &Url, allow_private: bool) -> Result<Target, Delivery> {
    let port = url.port_or_known_default().ok_or(Delivery::Unreachable)?;
    let checked = |ip: IpAddr| {
        if !allow_private && is_inside(ip) {
            Err(Delivery::Inside)
        } else {
            Ok(())
        }
    };
    if let Some(ip) = literal_ip(url) {
        return checked(ip).map(|()| Target::Literal);
    }
    match url.host_str() {
        None | Some("") => Err(Delivery::Unreachable),
        Some(name) => {
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((name, port))
                .await
                .map_err(|_| Delivery::Unreachable)?
                .collect();
            if addrs.is_empty() {
                return Err(Delivery::Unreachable);
            }
            // One address inside is enough to refuse: the name is not his to point there.
            for a in &addrs {
                checked(a.ip())?;
            }
            Ok(Target::Resolved(name.to_owned(), addrs))
        }
    }
}

/// Posts `notice` to `address` once, after checking where it leads:
/// unless `allow_private`, an address that is or resolves to one inside the
/// bank's network is not called, and the connection goes only to the
/// addresses checked (a name that resolves elsewhere a moment later is not
/// asked again).
pub async fn deliver(address: &str, notice: &Notice, allow_private: bool) -> Delivery {
    let Ok(url) = Url::parse(address) else {
        return Delivery::Unreachable;
    };
    let target = match target(&url, allow_private).await {
        Ok(t) => t,
        Err(d) => return d,
    };
    let http = match &target {
        Target::Literal => client(None),
        Target::Resolved(name, addrs) => client(Some((name.as_str(), addrs.as_slice()))),
    };
    let Ok(http) = http else {
        return Delivery::Unreachable;
    };
    match http.post(url).json(notice).send().await {
        Ok(r) if r.status().is_success() => Delivery::Taken,
        Ok(r) => Delivery::Refused(r.status().as_u16()),
        Err(_) => Delivery::Unreachable,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use axum::http::{StatusCode, header};
    use axum::routing::post;

    use super::*;

    /// A seller on 127.0.0.1 that counts the notices it takes.
    async fn seller() -> (SocketAddr, Arc<AtomicUsize>) {
        let taken = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&taken);
        let router = axum::Router::new()
            .route(
                "/seller",
                post(move || {
                    counter.fetch_add(1, Ordering::SeqCst);
                    async { StatusCode::NO_CONTENT }
                }),
            )
            .route(
                "/moved",
                post(|| async {
                    (
                        StatusCode::TEMPORARY_REDIRECT,
                        [(header::LOCATION, "/seller")],
                    )
                }),
            );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let at = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        (at, taken)
    }

    fn notice() -> Notice {
        Notice {
            kind: "return_request".into(),
            letter: "hps1.x".into(),
        }
    }

    #[tokio::test]
    async fn a_notice_is_taken_at_the_address_and_never_follows_a_redirect() {
        let (at, taken) = seller().await;
        let notice = notice();

        let moved = deliver(&format!("http://{at}/moved"), &notice, true).await;
        assert_eq!(
            (moved, taken.load(Ordering::SeqCst)),
            (Delivery::Refused(307), 0)
        );

        let direct = deliver(&format!("http://{at}/seller"), &notice, true).await;
        assert_eq!((direct, taken.load(Ordering::SeqCst)), (Delivery::Taken, 1));

        // A port bound and released at once: nobody listens there.
        let closed = {
            let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            l.local_addr().unwrap()
        };
        let gone = deliver(&format!("http://{closed}/seller"), &notice, true).await;
        assert_eq!(gone, Delivery::Unreachable);
    }

    #[tokio::test]
    async fn a_seller_inside_the_banks_network_is_never_called_unless_allowed() {
        let (at, taken) = seller().await;
        let port = at.port();
        let notice = notice();
        for address in [
            format!("http://127.0.0.1:{port}/seller"),
            // A name that resolves inside.
            format!("http://localhost:{port}/seller"),
            // Other spellings of the same address.
            format!("http://0x7f.1:{port}/seller"),
            format!("http://[::ffff:127.0.0.1]:{port}/seller"),
        ] {
            assert_eq!(
                deliver(&address, &notice, false).await,
                Delivery::Inside,
                "{address}"
            );
        }
        assert_eq!(taken.load(Ordering::SeqCst), 0);

        // With private addresses allowed (a demo on one machine), both reach him.
        for address in [
            format!("http://127.0.0.1:{port}/seller"),
            format!("http://localhost:{port}/seller"),
        ] {
            assert_eq!(
                deliver(&address, &notice, true).await,
                Delivery::Taken,
                "{address}"
            );
        }
        assert_eq!(taken.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn addresses_inside_the_banks_network_are_recognised() {
        let inside = [
            "127.0.0.1",
            "127.255.0.9",
            "0.0.0.0",
            "10.0.0.1",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "100.64.0.1",
            "100.127.255.255",
            "169.254.169.254",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fc00::1",
            "fdff::1",
            "fe80::1",
            "febf::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
            "::192.168.0.1",
            "64:ff9b::10.0.0.1",
        ];
        let outside = [
            "8.8.8.8",
            "1.1.1.1",
            "172.15.255.255",
            "172.32.0.1",
            "100.63.255.255",
            "100.128.0.1",
            "169.253.0.1",
            "192.167.1.1",
            "223.255.255.255",
            "2001:4860:4860::8888",
            "2606:4700::1111",
            "fec0::1",
            "::ffff:8.8.8.8",
            "64:ff9b::8.8.8.8",
        ];
        for ip in inside {
            assert!(is_inside(ip.parse().unwrap()), "{ip} is inside");
        }
        for ip in outside {
            assert!(!is_inside(ip.parse().unwrap()), "{ip} is outside");
        }
    }

    #[test]
    fn registration_refuses_literal_addresses_inside_unless_allowed() {
        for address in [
            "http://127.0.0.1:8710/halfpenny",
            "http://[::1]/halfpenny",
            "https://10.1.2.3/",
            "http://169.254.169.254/latest/meta-data",
            "http://0x7f.1/",
            "http://2130706433/",
            "http://[::ffff:192.168.0.1]/",
        ] {
            assert_eq!(
                check_address(address, false),
                Err(AddressError::Inside),
                "{address}"
            );
            assert_eq!(check_address(address, true), Ok(()), "{address}");
        }
        // A name is checked when called, not here: it may move.
        assert_eq!(check_address("http://localhost:8710/x", false), Ok(()));
        assert_eq!(
            check_address("https://shop.example/halfpenny", false),
            Ok(())
        );
        assert_eq!(check_address("https://93.184.215.14/", false), Ok(()));
        for bad in [
            "ftp://shop.example/",
            "shop.example",
            "http://",
            "mailto:x@shop.example",
        ] {
            assert_eq!(
                check_address(bad, true),
                Err(AddressError::Malformed),
                "{bad}"
            );
        }
        let long = format!("https://shop.example/{}", "a".repeat(492));
        assert_eq!(check_address(&long, true), Err(AddressError::Malformed));
    }
}
