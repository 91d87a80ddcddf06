//! The button's side of the pay protocol (PROTOCOL.md): reading the wallet's
//! messages, building the button's, and the checks on origins and on every
//! text that arrives. Everything here is pure; the browser glue reads
//! JavaScript values through [`Fields`].
//!
//! Whatever comes over `postMessage` or `fetch` is untrusted: each field is
//! checked for its type, its length and its prefix before it is used or
//! forwarded, and a message that does not fit is never a reason to panic.

use crate::price::whole_number;

/// The protocol version every message carries as `halfpenny`.
pub const VERSION: u64 = 1;

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

/// One kind of protocol text: a prefix naming what it is, then base64url.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextKind {
    pub prefix: &'static str,
    /// The longest text accepted, prefix included, in bytes.
    pub max: usize,
}

const KIB: usize = 1024;
const MIB: usize = 1024 * KIB;

/// `hpr1.`: the shop's payment request (one item, one price).
pub const PAYMENT_REQUEST: TextKind = TextKind {
    prefix: "hpr1.",
    max: 64 * KIB,
};
/// `hpq1.`: the buyer's sealed purse request, forwarded to the bank.
pub const PURSE_REQUEST: TextKind = TextKind {
    prefix: "hpq1.",
    max: 256 * KIB,
};
/// `hps1.`: the buyer's purse, sealed for her. Carries her halves, so large.
pub const PURSE: TextKind = TextKind {
    prefix: "hps1.",
    max: 4 * MIB,
};
/// `hpp1.`: a payment, the buyer's halves. As large as a purse.
pub const PAYMENT: TextKind = TextKind {
    prefix: "hpp1.",
    max: 4 * MIB,
};
/// `hpc1.`: the till's receipt.
pub const RECEIPT: TextKind = TextKind {
    prefix: "hpc1.",
    max: 256 * KIB,
};

/// The longest `access` value accepted from the shop.
pub const MAX_ACCESS: usize = 64 * KIB;
/// The longest item name (the core's `MAX_ITEM_NAME`).
pub const MAX_ITEM: usize = 64;
/// The longest plain field read (codes, messages, URLs); longer is refused.
pub const MAX_PLAIN: usize = 64 * KIB;
/// Sentences from the wallet or the shop are cut to this many characters.
pub const MAX_SENTENCE_CHARS: usize = 300;
/// The most spent halves a `double_spend` may name: a payment holds no
/// more halves than this (the core's `MAX_HALVES_PER_MESSAGE`).
pub const MAX_SPENT: usize = 10_000;

impl TextKind {
    /// `text` has the prefix, fits, and is base64url after the prefix.
    pub fn accepts(&self, text: &str) -> bool {
        text.len() <= self.max
            && text.strip_prefix(self.prefix).is_some_and(|body| {
                !body.is_empty()
                    && body
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            })
    }

    /// Reads `name` from `f` if it is a text of this kind.
    pub fn read<F: Fields>(&self, f: &F, name: &str) -> Option<String> {
        f.text(name, self.max).filter(|t| self.accepts(t))
    }
}

/// An item name: 1 to 64 bytes, no control characters.
pub fn valid_item(item: &str) -> bool {
    !item.is_empty() && item.len() <= MAX_ITEM && !item.chars().any(char::is_control)
}

/// A payment's nonce as the wallet names it in `status`: `n_` and 32
/// lower-case hex digits (the core's `Nonce` display form), safe in a URL.
pub fn valid_nonce(text: &str) -> bool {
    text.strip_prefix("n_").is_some_and(|hex| {
        hex.len() == 32
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// An `access` value: 1 to 64 KiB of printable ASCII (it goes in a header).
pub fn valid_access(text: &str) -> bool {
    !text.is_empty() && text.len() <= MAX_ACCESS && text.bytes().all(|b| (0x20..0x7f).contains(&b))
}

/// A stable code from outside: 1 to 64 of `a-z`, `0-9`, `_`, `.`, `-`.
pub fn clean_code(code: Option<String>, fallback: &str) -> String {
    code.filter(|c| {
        !c.is_empty()
            && c.len() <= 64
            && c.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_.-".contains(&b))
    })
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
    let ordered = spent.windows(2).all(|w| w.first() < w.last());
    (!spent.is_empty() && ordered).then_some(spent)
}

/// The kinds of message the wallet sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WalletKind {
    Ready,
    PurseRequest,
    Payment,
    Status,
    Cancel,
}

/// A message from the wallet, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FromWallet {
    /// The wallet page has loaded.
    Ready,
    /// `hpq1.…`: forward to the shop's purses.
    PurseRequest(String),
    /// `hpp1.…`: forward to the shop's payments.
    Payment(String),
    /// `n_…`: did the till take this payment?
    Status(String),
    /// The buyer declined or the wallet cannot pay; a sentence.
    Cancel(String),
}

/// What an incoming `message` event's data turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Incoming {
    /// Not a pay-protocol message, or one the button never receives: ignored.
    Ignored,
    /// A protocol message of a known kind whose fields are wrong.
    Malformed(WalletKind),
    Message(FromWallet),
}

const NO_REASON: &str = "The wallet did not pay.";

/// Reads a message event's data. Only `{"halfpenny": 1, "type": …}` objects
/// are the protocol's; anything else is ignored.
pub fn read_wallet<F: Fields>(data: &F) -> Incoming {
    if data.number("halfpenny").and_then(whole_number) != Some(VERSION) {
        return Incoming::Ignored;
    }
    let Some(kind) = data.text("type", 32) else {
        return Incoming::Ignored;
    };
    let (kind, message) = match kind.as_str() {
        "ready" => (WalletKind::Ready, Some(FromWallet::Ready)),
        "purse-request" => (
            WalletKind::PurseRequest,
            PURSE_REQUEST
                .read(data, "request")
                .map(FromWallet::PurseRequest),
        ),
        "payment" => (
            WalletKind::Payment,
            PAYMENT.read(data, "payment").map(FromWallet::Payment),
        ),
        "status" => (
            WalletKind::Status,
            data.text("payment", 64)
                .filter(|p| valid_nonce(p))
                .map(FromWallet::Status),
        ),
        "cancel" => (
            WalletKind::Cancel,
            Some(FromWallet::Cancel(clean_sentence(
                data.text("message", MAX_PLAIN),
                NO_REASON,
            ))),
        ),
        _ => return Incoming::Ignored,
    };
    message.map_or(Incoming::Malformed(kind), Incoming::Message)
}

/// A message from the button to the wallet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToWallet {
    /// Please pay this request; `shop` is the page's origin (informational).
    Pay {
        request: String,
        shop: String,
    },
    Purse {
        purse: String,
    },
    Receipt {
        receipt: String,
    },
    /// The till refused and consumed nothing: release the halves, except
    /// those named in `spent` (a `double_spend` only), which were already
    /// spent.
    Refused {
        code: String,
        message: String,
        spent: Option<Vec<u32>>,
    },
    /// No answer from the shop: keep the halves pending.
    Unknown {
        message: String,
    },
    /// The till never took this payment: release.
    NotTaken {
        payment: String,
    },
    /// The shop could not forward a purse request.
    Error {
        code: String,
        message: String,
    },
}

impl ToWallet {
    /// A refusal naming halves spent already (an older backup restored):
    /// the wallet marks them spent and tries once more with others, so the
    /// session must stay to carry that second payment.
    pub fn wallet_will_retry(&self) -> bool {
        matches!(self, Self::Refused { spent: Some(spent), .. } if !spent.is_empty())
    }

    /// The message's `type`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Pay { .. } => "pay",
            Self::Purse { .. } => "purse",
            Self::Receipt { .. } => "receipt",
            Self::Refused { .. } => "refused",
            Self::Unknown { .. } => "unknown",
            Self::NotTaken { .. } => "not-taken",
            Self::Error { .. } => "error",
        }
    }

    /// The fields besides `halfpenny` and `type`: strings, and the list
    /// of spent halves of a `refused` that has one.
    pub fn fields(&self) -> Vec<(&'static str, Field<'_>)> {
        use Field::Text;
        match self {
            Self::Pay { request, shop } => vec![("request", Text(request)), ("shop", Text(shop))],
            Self::Purse { purse } => vec![("purse", Text(purse))],
            Self::Receipt { receipt } => vec![("receipt", Text(receipt))],
            Self::Refused {
                code,
                message,
                spent,
            } => {
                let mut fields = vec![("code", Text(code)), ("message", Text(message))];
                if let Some(spent) = spent {
                    fields.push(("spent", Field::Numbers(spent)));
                }
                fields
            }
            Self::Error { code, message } => vec![("code", Text(code)), ("message", Text(message))],
            Self::Unknown { message } => vec![("message", Text(message))],
            Self::NotTaken { payment } => vec![("payment", Text(payment))],
        }
    }

    /// The answer to a message of `kind` whose fields were wrong, if it
    /// needs one so that the wallet does not wait for ever. A payment that
    /// was never forwarded was consumed by nobody: the wallet may release it.
    pub fn to_malformed(kind: WalletKind) -> Option<Self> {
        let code = "bad_message".to_owned();
        let message = "The shop's page could not read the wallet's message.".to_owned();
        match kind {
            WalletKind::PurseRequest => Some(Self::Error { code, message }),
            WalletKind::Payment => Some(Self::Refused {
                code,
                message,
                spent: None,
            }),
            WalletKind::Status => Some(Self::Unknown { message }),
            WalletKind::Ready | WalletKind::Cancel => None,
        }
    }
}

/// One field of a message to the wallet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field<'a> {
    Text(&'a str),
    /// An array of numbers.
    Numbers(&'a [u32]),
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
    fn texts_need_their_prefix_and_base64url() {
        assert!(PAYMENT.accepts("hpp1.AAEC-_zz"));
        assert!(!PAYMENT.accepts("hpp1."));
        assert!(!PAYMENT.accepts("hpc1.AAEC"));
        assert!(!PAYMENT.accepts("HPP1.AAEC"));
        assert!(!PAYMENT.accepts(" hpp1.AAEC"));
        assert!(!PAYMENT.accepts("hpp1.AA=="));
        assert!(!PAYMENT.accepts("hpp1.AA+/"));
        assert!(!PAYMENT.accepts("hpp1.AA\nBB"));
        assert!(!PAYMENT.accepts("hpp1.<script>"));
        let at_limit = format!("hpr1.{}", "A".repeat(PAYMENT_REQUEST.max - 5));
        assert!(PAYMENT_REQUEST.accepts(&at_limit));
        let over = format!("{at_limit}A");
        assert!(!PAYMENT_REQUEST.accepts(&over));
        let f = Obj::new().s("request", &over);
        assert_eq!(PAYMENT_REQUEST.read(&f, "request"), None);
        let f = Obj::new().s("request", &at_limit);
        assert_eq!(PAYMENT_REQUEST.read(&f, "request"), Some(at_limit));
        assert_eq!(
            PAYMENT_REQUEST.read(&Obj::new().n("request", 1.0), "request"),
            None
        );
    }

    #[test]
    fn small_fields_are_checked() {
        assert!(valid_nonce(NONCE));
        assert!(!valid_nonce("0123456789abcdef0123456789abcdef"));
        assert!(!valid_nonce("n_0123456789ABCDEF0123456789abcdef"));
        assert!(!valid_nonce("n_0123456789abcdef0123456789abcde"));
        assert!(!valid_nonce("n_0123456789abcdef0123456789abcdef0"));
        assert!(!valid_nonce("n_../../operator/summary/aaaaaaaaaaa"));
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
        use FromWallet::*;
        let m = |o: Obj| read_wallet(&o);
        assert_eq!(m(Obj::msg("ready")), Incoming::Message(Ready));
        assert_eq!(
            m(Obj::msg("purse-request").s("request", "hpq1.abc")),
            Incoming::Message(PurseRequest("hpq1.abc".into()))
        );
        assert_eq!(
            m(Obj::msg("payment").s("payment", "hpp1.abc")),
            Incoming::Message(Payment("hpp1.abc".into()))
        );
        assert_eq!(
            m(Obj::msg("status").s("payment", NONCE)),
            Incoming::Message(Status(NONCE.into()))
        );
        assert_eq!(
            m(Obj::msg("cancel").s("message", "She declined.")),
            Incoming::Message(Cancel("She declined.".into()))
        );
        assert_eq!(
            m(Obj::msg("cancel")),
            Incoming::Message(Cancel(NO_REASON.into()))
        );
    }

    #[test]
    fn malformed_and_foreign_messages() {
        let m = |o: Obj| read_wallet(&o);
        // Not ours at all.
        assert_eq!(m(Obj::new()), Incoming::Ignored);
        assert_eq!(m(Obj::new().s("type", "ready")), Incoming::Ignored);
        assert_eq!(
            m(Obj::new().s("halfpenny", "1").s("type", "ready")),
            Incoming::Ignored
        );
        assert_eq!(
            m(Obj::new().n("halfpenny", 2.0).s("type", "ready")),
            Incoming::Ignored
        );
        assert_eq!(
            m(Obj::new().n("halfpenny", 1.5).s("type", "ready")),
            Incoming::Ignored
        );
        assert_eq!(m(Obj::new().n("halfpenny", 1.0)), Incoming::Ignored);
        assert_eq!(m(Obj::msg("pay").s("request", "hpr1.x")), Incoming::Ignored);
        assert_eq!(m(Obj::msg("receipt")), Incoming::Ignored);
        assert_eq!(m(Obj::msg(&"x".repeat(33))), Incoming::Ignored);
        // Ours, but wrong inside.
        assert_eq!(
            m(Obj::msg("payment").s("payment", "hph1.abc")),
            Incoming::Malformed(WalletKind::Payment)
        );
        assert_eq!(
            m(Obj::msg("payment").n("payment", 3.0)),
            Incoming::Malformed(WalletKind::Payment)
        );
        assert_eq!(
            m(Obj::msg("payment").o("payment", Obj::new())),
            Incoming::Malformed(WalletKind::Payment)
        );
        assert_eq!(
            m(Obj::msg("payment").s("payment", &format!("hpp1.{}", "A".repeat(PAYMENT.max)))),
            Incoming::Malformed(WalletKind::Payment)
        );
        assert_eq!(
            m(Obj::msg("purse-request").null("request")),
            Incoming::Malformed(WalletKind::PurseRequest)
        );
        assert_eq!(
            m(Obj::msg("status").s("payment", "../x")),
            Incoming::Malformed(WalletKind::Status)
        );
    }

    #[test]
    fn malformed_messages_get_an_answer_that_keeps_the_wallet_safe() {
        assert_eq!(
            ToWallet::to_malformed(WalletKind::Payment).map(|m| m.kind()),
            Some("refused")
        );
        assert_eq!(
            ToWallet::to_malformed(WalletKind::Status).map(|m| m.kind()),
            Some("unknown")
        );
        assert_eq!(
            ToWallet::to_malformed(WalletKind::PurseRequest).map(|m| m.kind()),
            Some("error")
        );
        assert_eq!(ToWallet::to_malformed(WalletKind::Ready), None);
    }

    #[test]
    fn builds_each_button_message() {
        let pay = ToWallet::Pay {
            request: "hpr1.x".into(),
            shop: "https://shop.example".into(),
        };
        assert_eq!(pay.kind(), "pay");
        assert_eq!(
            pay.fields(),
            vec![
                ("request", Field::Text("hpr1.x")),
                ("shop", Field::Text("https://shop.example"))
            ]
        );
        let not_taken = ToWallet::NotTaken {
            payment: NONCE.into(),
        };
        assert_eq!(not_taken.kind(), "not-taken");
        assert_eq!(not_taken.fields(), vec![("payment", Field::Text(NONCE))]);
        let refused = ToWallet::Refused {
            code: "c".into(),
            message: "m".into(),
            spent: None,
        };
        assert_eq!(refused.kind(), "refused");
        assert_eq!(
            refused.fields(),
            vec![("code", Field::Text("c")), ("message", Field::Text("m"))]
        );
        let spent = ToWallet::Refused {
            code: "double_spend".into(),
            message: "Halves #3 and #7 were already spent.".into(),
            spent: Some(vec![3, 7]),
        };
        assert_eq!(
            spent.fields(),
            vec![
                ("code", Field::Text("double_spend")),
                (
                    "message",
                    Field::Text("Halves #3 and #7 were already spent.")
                ),
                ("spent", Field::Numbers(&[3, 7])),
            ]
        );
        // Only a refusal naming spent halves brings a second payment.
        assert!(spent.wallet_will_retry());
        assert!(!refused.wallet_will_retry());
        let empty = ToWallet::Refused {
            code: "double_spend".into(),
            message: "m".into(),
            spent: Some(vec![]),
        };
        assert!(!empty.wallet_will_retry());
        assert!(!not_taken.wallet_will_retry());
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
