//! What the bank posts to a seller's registered address, and how: best
//! effort (the same letter always waits in his inbox), within five seconds,
//! and never on to another address. A seller chooses his own address, so a
//! redirect from it must not send the bank's request anywhere else, such as
//! a service that trusts the bank's own network.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// How long the bank waits for a seller to take a notice.
const TIMEOUT: Duration = Duration::from_secs(5);

/// What the bank posts to a seller's address: a sealed letter for him.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub kind: String,
    pub letter: String,
}

/// The client the bank calls sellers with: it follows no redirect.
pub fn client() -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(TIMEOUT)
        .build()
}

/// How a delivery went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    Taken,
    /// He answered with this status (a redirect counts as a refusal).
    Refused(u16),
    Unreachable,
}

/// Posts `notice` to `address` once.
pub async fn deliver(http: &reqwest::Client, address: &str, notice: &Notice) -> Delivery {
    match http.post(address).json(notice).send().await {
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

    #[tokio::test]
    async fn a_notice_is_taken_at_the_address_and_never_follows_a_redirect() {
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
        let http = client().unwrap();
        let notice = Notice {
            kind: "return_request".into(),
            letter: "hps1.x".into(),
        };

        let moved = deliver(&http, &format!("http://{at}/moved"), &notice).await;
        assert_eq!(
            (moved, taken.load(Ordering::SeqCst)),
            (Delivery::Refused(307), 0)
        );

        let direct = deliver(&http, &format!("http://{at}/seller"), &notice).await;
        assert_eq!((direct, taken.load(Ordering::SeqCst)), (Delivery::Taken, 1));

        // A port bound and released at once: nobody listens there.
        let closed = {
            let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            l.local_addr().unwrap()
        };
        let gone = deliver(&http, &format!("http://{closed}/seller"), &notice).await;
        assert_eq!(gone, Delivery::Unreachable);
    }
}
