//! The button's side of the pay protocol (PROTOCOL.md): reading the wallet's
//! messages and the checks on origins and on every text that arrives. The
//! messages themselves, both ways, and their JSON are the pay-protocol
//! crate's (`halfpenny-pay-protocol`), shared with the wallet page; what is
//! here is the button's own: reading the shop's answers through [`Fields`],
//! the checks on the shop's small fields, and cleaning what people see.
//!
//! Whatever comes over `postMessage` or `fetch` is untrusted: each field is
//! checked for its type, its length and its prefix before it is used or
//! forwarded, and a message that does not fit is never a reason to panic.

pub use halfpenny_pay_protocol::{
    FromWallet, Kind, MAX_KIND, MAX_PLAIN, MAX_SPENT, Message, PAYMENT, PAYMENT_REQUEST, PURSE,
    PURSE_REQUEST, ProtocolError, RECEIPT, TextKind, ToWallet, VERSION, valid_nonce,
};
use halfpenny_pay_protocol::{valid_code, valid_spent};

use crate::price::whole_number;

/// Read access to a JSON-like object (a message's `data`, a fetch answer).
pub trait Fields: Sized {
    /// The field if it is a string of at most `max` bytes; `None` otherwise.
    fn text(&self, name: &str, max: usize) -> Option<String>;
    /// The field if it is a number.
    fn number(&self, name: &str) -> Option<f64>;
    /// The field if it is an array of at most `max` numbers; `None` if it
    /// is anything else, longer, or holds anything but numbers.
    fn numbers(&self, name: &str, max: usize) -> Option<Vec<f64>>;
    /// The field if it is an object.
    fn child(&self, name: &str) -> Option<Self>;
}

/// Reading a protocol text from a JSON-like object.
pub trait ReadText {
    /// Reads `name` from `f` if it is a text of this kind.
    fn read<F: Fields>(&self, f: &F, name: &str) -> Option<String>;
}

impl ReadText for TextKind {
    fn read<F: Fields>(&self, f: &F, name: &str) -> Option<String> {
        f.text(name, self.max).filter(|t| self.accepts(t))
    }
}

const KIB: usize = 1024;

/// The longest `access` value accepted from the shop.
pub const MAX_ACCESS: usize = 64 * KIB;
/// The longest item name (the core's `MAX_ITEM_NAME`).
pub const MAX_ITEM: usize = 64;
/// Sentences from the wallet or the shop are cut to this many characters.
pub const MAX_SENTENCE_CHARS: usize = 300;

/// An item name: 1 to 64 bytes, no control characters.
pub fn valid_item(item: &str) -> bool {
    !item.is_empty() && item.len() <= MAX_ITEM && !item.chars().any(char::is_control)
}

/// An `access` value: 1 to 64 KiB of printable ASCII (it goes in a header).
pub fn valid_access(text: &str) -> bool {
    !text.is_empty() && text.len() <= MAX_ACCESS && text.bytes().all(|b| (0x20..0x7f).contains(&b))
}

/// A stable code from outside: 1 to 64 of `a-z`, `0-9`, `_`, `.`, `-`.
pub fn clean_code(code: Option<String>, fallback: &str) -> String {
    code.filter(|c| valid_code(c))
        .unwrap_or_else(|| fallback.to_owned())
}
/// A sentence from outside, safe to show: control characters become spaces,
/// at most [`MAX_SENTENCE_CHARS`] characters, the fallback when empty.
pub fn clean_sentence(text: Option<String>, fallback: &str) -> String {
    let text: String = text
        .unwrap_or_default()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let mut cleaned: String = text.trim().chars().take(MAX_SENTENCE_CHARS + 1).collect();
    if cleaned.chars().count() > MAX_SENTENCE_CHARS {
        cleaned = cleaned.chars().take(MAX_SENTENCE_CHARS - 1).collect();
        cleaned.push('…');
    }
    if cleaned.trim().is_empty() {
        fallback.to_owned()
    } else {
        cleaned
    }
}

/// The `spent` list of a shop's `double_spend` refusal: 1 to
/// [`MAX_SPENT`] session numbers (whole numbers that fit in 32 bits), in
/// strictly increasing order, as the till names them. Anything else is
/// `None`: the refusal still stands, without a list.
pub fn read_spent<F: Fields>(body: &F) -> Option<Vec<u32>> {
    let numbers = body.numbers("spent", MAX_SPENT)?;
    let spent: Vec<u32> = numbers
        .into_iter()
        .map(|n| whole_number(n).and_then(|n| u32::try_from(n).ok()))
        .collect::<Option<_>>()?;
    valid_spent(&spent).then_some(spent)
}

/// What an incoming `message` event's data turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Incoming {
    /// Not a pay-protocol message, or one the button never receives: ignored.
    Ignored,
    /// A protocol message of a known kind whose fields are wrong.
    Malformed(Kind),
    Message(FromWallet),
}

const NO_REASON: &str = "The wallet did not pay.";

/// Reads a message event's data, as JSON text. Only `{"halfpenny": 1,
/// "type": …}` objects are the protocol's; anything else is ignored. A
/// `cancel` always cancels, with a clean sentence.
pub fn read_wallet(json: &str) -> Incoming {
    match FromWallet::decode(json) {
        Ok(FromWallet::Cancel { message }) => Incoming::Message(FromWallet::Cancel {
            message: Some(clean_sentence(message, NO_REASON)),
        }),
        Ok(message) => Incoming::Message(message),
        Err(ProtocolError::Malformed {
            kind: Kind::Cancel, ..
        }) => Incoming::Message(FromWallet::Cancel {
            message: Some(NO_REASON.to_owned()),
        }),
        Err(ProtocolError::Malformed { kind, .. }) => Incoming::Malformed(kind),
        Err(_) => Incoming::Ignored,
    }
}

/// A message event's data too large to read (more than
/// `halfpenny_pay_protocol::MAX_MESSAGE`): wrong inside if it says it is a
/// wallet message, so that it is answered; ignored otherwise.
pub fn read_too_large<F: Fields>(data: &F) -> Incoming {
    if data.number("halfpenny").and_then(whole_number) != Some(VERSION) {
        return Incoming::Ignored;
    }
    match data.text("type", MAX_KIND).as_deref().and_then(Kind::parse) {
        Some(Kind::Cancel) => Incoming::Message(FromWallet::Cancel {
            message: Some(NO_REASON.to_owned()),
        }),
        Some(kind) if kind.from_wallet() => Incoming::Malformed(kind),
        _ => Incoming::Ignored,
    }
}

/// The sentence of a `cancel` read by [`read_wallet`].
pub fn cancel_reason(message: Option<String>) -> String {
    message.unwrap_or_else(|| NO_REASON.to_owned())
}

/// Whether a `message` event is from the wallet this button opened: its
/// origin is exactly the wallet's and its source is the popup itself.
pub fn from_our_wallet(wallet_origin: &str, event_origin: &str, from_popup: bool) -> bool {
    from_popup && is_web_origin(wallet_origin) && event_origin == wallet_origin
}

/// An `http`/`https` origin as browsers serialize it (`null` is not one).
pub fn is_web_origin(origin: &str) -> bool {
    origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
        .is_some_and(|host| !host.is_empty() && !host.contains(['/', '?', '#', '@', ' ']))
}

/// Whether the wallet's URL, parsed by the browser, may be opened: http or
/// https, no user name or password, a real origin.
pub fn wallet_url_ok(protocol: &str, origin: &str, has_credentials: bool) -> bool {
    matches!(protocol, "http:" | "https:") && !has_credentials && is_web_origin(origin)
}

/// Whether the `shop` attribute, resolved against the page, is on the
/// page's own origin: the halves go to no other.
pub fn shop_on_page_origin(protocol: &str, shop_origin: &str, page_origin: &str) -> bool {
    matches!(protocol, "http:" | "https:")
        && is_web_origin(page_origin)
        && shop_origin == page_origin
}

#[cfg(test)]
pub(crate) mod testing {
    //! A tiny JSON-like value for the tests, read through [`Fields`].

    use super::Fields;

    #[derive(Debug, Clone)]
    pub enum V {
        S(String),
        N(f64),
        O(Obj),
        A(Vec<V>),
        Null,
    }

    #[derive(Debug, Clone, Default)]
    pub struct Obj(pub Vec<(String, V)>);

    impl Obj {
        pub fn new() -> Self {
            Self::default()
        }
        pub fn s(mut self, k: &str, v: &str) -> Self {
            self.0.push((k.into(), V::S(v.into())));
            self
        }
        pub fn n(mut self, k: &str, v: f64) -> Self {
            self.0.push((k.into(), V::N(v)));
            self
        }
        pub fn o(mut self, k: &str, v: Obj) -> Self {
            self.0.push((k.into(), V::O(v)));
            self
        }
        pub fn a(mut self, k: &str, v: Vec<V>) -> Self {
            self.0.push((k.into(), V::A(v)));
            self
        }
        pub fn null(mut self, k: &str) -> Self {
            self.0.push((k.into(), V::Null));
            self
        }
        fn get(&self, name: &str) -> Option<&V> {
            self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v)
        }
        /// A protocol message: `{"halfpenny": 1, "type": kind}`.
        pub fn msg(kind: &str) -> Self {
            Self::new().n("halfpenny", 1.0).s("type", kind)
        }
    }

    impl Fields for Obj {
        fn text(&self, name: &str, max: usize) -> Option<String> {
            match self.get(name)? {
                V::S(s) if s.len() <= max => Some(s.clone()),
                _ => None,
            }
        }
        fn number(&self, name: &str) -> Option<f64> {
            match self.get(name)? {
                V::N(n) => Some(*n),
                _ => None,
            }
        }
        fn numbers(&self, name: &str, max: usize) -> Option<Vec<f64>> {
            match self.get(name)? {
                V::A(items) if items.len() <= max => items
                    .iter()
                    .map(|v| match v {
                        V::N(n) => Some(*n),
                        _ => None,
                    })
                    .collect(),
                _ => None,
            }
        }
        fn child(&self, name: &str) -> Option<Self> {
            match self.get(name)? {
                V::O(o) => Some(o.clone()),
                _ => None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testing::Obj;
    use super::*;

    const NONCE: &str = "n_0123456789abcdef0123456789abcdef";

    #[test]
    fn texts_are_read_through_fields() {
        let at_limit = format!("hpr1.{}", "A".repeat(PAYMENT_REQUEST.max - 5));
        let over = format!("{at_limit}A");
        let f = Obj::new().s("request", &over);
        assert_eq!(PAYMENT_REQUEST.read(&f, "request"), None);
        let f = Obj::new().s("request", &at_limit);
        assert_eq!(PAYMENT_REQUEST.read(&f, "request"), Some(at_limit));
        assert_eq!(
            PAYMENT_REQUEST.read(&Obj::new().n("request", 1.0), "request"),
            None
        );
        assert_eq!(
            PAYMENT_REQUEST.read(&Obj::new().s("request", "hpp1.AA"), "request"),
            None
        );
    }

    #[test]
    fn small_fields_are_checked() {
        assert!(valid_item("article-42"));
        assert!(!valid_item(""));
        assert!(!valid_item("a\u{0}b"));
        assert!(valid_access("hpa1.abc def"));
        assert!(!valid_access(""));
        assert!(!valid_access("a\r\nSet-Cookie: x"));
        assert!(!valid_access("é"));
        assert_eq!(clean_code(Some("double_spend".into()), "x"), "double_spend");
        assert_eq!(clean_code(Some("Bad Code".into()), "refused"), "refused");
        assert_eq!(clean_code(None, "refused"), "refused");
        assert_eq!(clean_code(Some("a".repeat(65)), "refused"), "refused");
    }

    #[test]
    fn sentences_are_cleaned_and_cut() {
        assert_eq!(
            clean_sentence(Some(" No thanks. ".into()), "x"),
            "No thanks."
        );
        assert_eq!(clean_sentence(Some("a\u{1b}[31mb".into()), "x"), "a [31mb");
        assert_eq!(
            clean_sentence(Some("  \n ".into()), "Fallback."),
            "Fallback."
        );
        assert_eq!(clean_sentence(None, "Fallback."), "Fallback.");
        assert_eq!(
            clean_sentence(Some("Declined.\u{7}\n".into()), "x"),
            "Declined."
        );
        let long = clean_sentence(Some("é".repeat(10_000)), "x");
        assert_eq!(long.chars().count(), MAX_SENTENCE_CHARS);
        assert!(long.ends_with('…'));
        let exact = "e".repeat(MAX_SENTENCE_CHARS);
        assert_eq!(clean_sentence(Some(exact.clone()), "x"), exact);
    }

    #[test]
    fn reads_each_wallet_message() {
        let m = read_wallet;
        assert_eq!(
            m(r#"{"halfpenny":1,"type":"ready"}"#),
            Incoming::Message(FromWallet::Ready)
        );
        assert_eq!(
            m(r#"{"halfpenny":1,"type":"purse-request","request":"hpq1.abc"}"#),
            Incoming::Message(FromWallet::PurseRequest {
                request: "hpq1.abc".into()
            })
        );
        assert_eq!(
            m(r#"{"halfpenny":1,"type":"payment","payment":"hpp1.abc"}"#),
            Incoming::Message(FromWallet::Payment {
                payment: "hpp1.abc".into()
            })
        );
        assert_eq!(
            m(&format!(
                r#"{{"halfpenny":1,"type":"status","payment":"{NONCE}"}}"#
            )),
            Incoming::Message(FromWallet::Status {
                payment: NONCE.into()
            })
        );
        let cancel = |message: &str| {
            Incoming::Message(FromWallet::Cancel {
                message: Some(message.into()),
            })
        };
        assert_eq!(
            m(r#"{"halfpenny":1,"type":"cancel","message":" She declined.\u0007"}"#),
            cancel("She declined.")
        );
        assert_eq!(m(r#"{"halfpenny":1,"type":"cancel"}"#), cancel(NO_REASON));
        // A cancel always cancels, whatever its message.
        assert_eq!(
            m(r#"{"halfpenny":1,"type":"cancel","message":7}"#),
            cancel(NO_REASON)
        );
        assert_eq!(cancel_reason(None), NO_REASON);
        assert_eq!(cancel_reason(Some("No.".into())), "No.");
    }

    #[test]
    fn malformed_and_foreign_messages() {
        let m = read_wallet;
        // Not ours at all.
        for json in [
            "",
            "null",
            "{}",
            r#"{"type":"ready"}"#,
            r#"{"halfpenny":"1","type":"ready"}"#,
            r#"{"halfpenny":2,"type":"ready"}"#,
            r#"{"halfpenny":1.5,"type":"ready"}"#,
            r#"{"halfpenny":1}"#,
            r#"{"halfpenny":1,"type":"pay","request":"hpr1.x"}"#,
            r#"{"halfpenny":1,"type":"receipt"}"#,
        ] {
            assert_eq!(m(json), Incoming::Ignored, "{json}");
        }
        let long = format!(r#"{{"halfpenny":1,"type":"{}"}}"#, "x".repeat(33));
        assert_eq!(m(&long), Incoming::Ignored);
        // Ours, but wrong inside.
        let payment = Incoming::Malformed(Kind::Payment);
        assert_eq!(
            m(r#"{"halfpenny":1,"type":"payment","payment":"hph1.abc"}"#),
            payment
        );
        assert_eq!(
            m(r#"{"halfpenny":1,"type":"payment","payment":3}"#),
            payment
        );
        assert_eq!(
            m(r#"{"halfpenny":1,"type":"payment","payment":{}}"#),
            payment
        );
        let over = format!(
            r#"{{"halfpenny":1,"type":"payment","payment":"hpp1.{}"}}"#,
            "A".repeat(PAYMENT.max)
        );
        assert_eq!(m(&over), payment);
        assert_eq!(
            m(r#"{"halfpenny":1,"type":"purse-request","request":null}"#),
            Incoming::Malformed(Kind::PurseRequest)
        );
        assert_eq!(
            m(r#"{"halfpenny":1,"type":"status","payment":"../x"}"#),
            Incoming::Malformed(Kind::Status)
        );
    }

    #[test]
    fn messages_too_large_to_read_are_answered_if_ours() {
        assert_eq!(
            read_too_large(&Obj::msg("payment")),
            Incoming::Malformed(Kind::Payment)
        );
        assert_eq!(
            read_too_large(&Obj::msg("cancel")),
            Incoming::Message(FromWallet::Cancel {
                message: Some(NO_REASON.into())
            })
        );
        assert_eq!(read_too_large(&Obj::msg("receipt")), Incoming::Ignored);
        assert_eq!(read_too_large(&Obj::msg("hello")), Incoming::Ignored);
        assert_eq!(
            read_too_large(&Obj::new().s("type", "payment")),
            Incoming::Ignored
        );
    }

    #[test]
    fn a_spent_list_is_increasing_session_numbers_and_bounded() {
        use super::testing::V;
        let read = |items: Vec<V>| read_spent(&Obj::new().a("spent", items));
        let n = |v: f64| V::N(v);
        assert_eq!(read(vec![n(3.0), n(7.0)]), Some(vec![3, 7]));
        assert_eq!(read(vec![n(0.0)]), Some(vec![0]));
        assert_eq!(read(vec![n(f64::from(u32::MAX))]), Some(vec![u32::MAX]));
        let longest: Vec<V> = (0..MAX_SPENT).map(|i| n(i as f64)).collect();
        assert_eq!(read(longest.clone()).map(|s| s.len()), Some(MAX_SPENT));
        let mut over = longest;
        over.push(n(MAX_SPENT as f64));
        for bad in [
            over,
            vec![],
            vec![n(7.0), n(3.0)],
            vec![n(3.0), n(3.0)],
            vec![n(-1.0)],
            vec![n(1.5)],
            vec![n(f64::from(u32::MAX) + 1.0)],
            vec![n(f64::NAN)],
            vec![n(f64::INFINITY)],
            vec![V::S("3".into())],
            vec![n(3.0), V::Null],
            vec![V::A(vec![n(3.0)])],
        ] {
            assert_eq!(read(bad.clone()), None, "{bad:?}");
        }
        assert_eq!(read_spent(&Obj::new()), None);
        assert_eq!(read_spent(&Obj::new().s("spent", "3,7")), None);
        assert_eq!(read_spent(&Obj::new().n("spent", 3.0)), None);
        assert_eq!(
            read_spent(&Obj::new().o("spent", Obj::new().n("0", 3.0))),
            None
        );
    }

    #[test]
    fn only_the_wallet_we_opened_is_heard() {
        let wallet = "https://bank.example";
        assert!(from_our_wallet(wallet, "https://bank.example", true));
        assert!(!from_our_wallet(wallet, "https://bank.example", false));
        assert!(!from_our_wallet(wallet, "https://evil.example", true));
        assert!(!from_our_wallet(wallet, "http://bank.example", true));
        assert!(!from_our_wallet(wallet, "https://bank.example:8443", true));
        assert!(!from_our_wallet(wallet, "https://bank.example.evil", true));
        assert!(!from_our_wallet("null", "null", true));
        assert!(!from_our_wallet("", "", true));
    }

    #[test]
    fn origins_and_urls() {
        assert!(is_web_origin("http://127.0.0.1:8790"));
        assert!(is_web_origin("https://bank.example"));
        assert!(!is_web_origin("null"));
        assert!(!is_web_origin("https://"));
        assert!(!is_web_origin("https://bank.example/wallet"));
        assert!(!is_web_origin("file://"));
        assert!(wallet_url_ok("https:", "https://bank.example", false));
        assert!(wallet_url_ok("http:", "http://127.0.0.1:8790", false));
        assert!(!wallet_url_ok("javascript:", "null", false));
        assert!(!wallet_url_ok("data:", "null", false));
        assert!(!wallet_url_ok("https:", "https://bank.example", true));
        let page = "https://shop.example";
        assert!(shop_on_page_origin("https:", "https://shop.example", page));
        assert!(!shop_on_page_origin(
            "https:",
            "https://api.shop.example",
            page
        ));
        assert!(!shop_on_page_origin("http:", "http://shop.example", page));
        assert!(!shop_on_page_origin("blob:", "https://shop.example", page));
        assert!(!shop_on_page_origin("https:", "null", "null"));
    }
}
