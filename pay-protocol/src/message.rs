//! The messages themselves, both ways, and their JSON: every message is an
//! object `{"halfpenny": 1, "type": "<kind>", …fields}` (PROTOCOL.md,
//! "Button ↔ wallet messages").
//!
//! [`Message::decode`] is the one door for text that arrives: it refuses
//! what is too large, what is not the protocol's, a kind that goes the
//! other way, and a message of a known kind whose fields are wrong — the
//! last with its [`Kind`], so that the reader can answer it.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::texts::{
    MAX_PLAIN, PAYMENT, PAYMENT_REQUEST, PURSE, PURSE_REQUEST, RECEIPT, valid_code, valid_nonce,
    valid_spent,
};

/// The protocol version every message carries as `halfpenny`.
pub const VERSION: u64 = 1;
/// The longest `type` read; a longer one is not the protocol's.
pub const MAX_KIND: usize = 32;
/// The longest message accepted, as JSON text: the largest field (a
/// payment or a purse, 4 MiB) and room for the rest.
pub const MAX_MESSAGE: usize = 4 * 1024 * 1024 + 256 * 1024;

/// Why a message could not be encoded or decoded.
#[derive(Debug, thiserror::Error)]
pub enum ProtocolError {
    #[error("the message is {len} bytes, more than {max}")]
    TooLarge { len: usize, max: usize },
    #[error("the message is not JSON: {0}")]
    NotJson(#[source] serde_json::Error),
    #[error("not a pay-protocol message (an object with \"halfpenny\": 1 and a \"type\")")]
    NotOurs,
    #[error("unknown message type `{0}`")]
    UnknownKind(String),
    #[error("a `{0}` message does not go this way")]
    WrongDirection(Kind),
    #[error("a `{kind}` message with wrong fields: {reason}")]
    Malformed { kind: Kind, reason: String },
    #[error("the message could not be encoded: {0}")]
    Encode(#[source] serde_json::Error),
}

impl ProtocolError {
    /// The kind of a message that is the protocol's but wrong inside: it
    /// may need an answer (see [`ToWallet::to_malformed`]).
    pub fn malformed_kind(&self) -> Option<Kind> {
        match self {
            Self::Malformed { kind, .. } => Some(*kind),
            _ => None,
        }
    }
}

/// Every message type, as its `type` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// wallet → button: the wallet page has loaded.
    Ready,
    /// button → wallet: please pay this request.
    Pay,
    /// wallet → button: forward this purse request to the shop.
    PurseRequest,
    /// button → wallet: the bank's answer, via the seller.
    Purse,
    /// wallet → button: the halves, for the till.
    Payment,
    /// button → wallet: the till took them.
    Receipt,
    /// button → wallet: the till refused them and consumed nothing.
    Refused,
    /// button → wallet: no answer from the shop.
    Unknown,
    /// wallet → button: did the till take this payment?
    Status,
    /// button → wallet: the till never took it.
    NotTaken,
    /// wallet → button: the buyer declined, or the wallet cannot pay.
    Cancel,
    /// button → wallet: the shop could not forward a purse request.
    Error,
}

impl Kind {
    /// All of them.
    pub const ALL: [Self; 12] = [
        Self::Ready,
        Self::Pay,
        Self::PurseRequest,
        Self::Purse,
        Self::Payment,
        Self::Receipt,
        Self::Refused,
        Self::Unknown,
        Self::Status,
        Self::NotTaken,
        Self::Cancel,
        Self::Error,
    ];

    /// The `type` on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ready => "ready",
            Self::Pay => "pay",
            Self::PurseRequest => "purse-request",
            Self::Purse => "purse",
            Self::Payment => "payment",
            Self::Receipt => "receipt",
            Self::Refused => "refused",
            Self::Unknown => "unknown",
            Self::Status => "status",
            Self::NotTaken => "not-taken",
            Self::Cancel => "cancel",
            Self::Error => "error",
        }
    }

    /// The kind a `type` names, if it is one of the protocol's.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// Whether the wallet sends it (else the button does).
    pub fn from_wallet(self) -> bool {
        matches!(
            self,
            Self::Ready | Self::PurseRequest | Self::Payment | Self::Status | Self::Cancel
        )
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A message from the wallet page to the pay button.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum FromWallet {
    /// The wallet page has loaded (sent to `"*"`: it carries nothing).
    Ready,
    /// `hpq1.…`: forward to the shop's purses.
    PurseRequest { request: String },
    /// `hpp1.…`: the halves, already pending in the wallet; forward to the
    /// shop's payments.
    Payment { payment: String },
    /// `n_…`, a payment's nonce: did the till take it?
    Status { payment: String },
    /// The buyer declined or the wallet cannot pay; a sentence, if any.
    Cancel {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<String>,
    },
}

/// A message from the pay button to the wallet page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum ToWallet {
    /// Please pay this request (`hpr1.…`); `shop` is the page's origin
    /// (informational: the wallet trusts the event's origin).
    Pay { request: String, shop: String },
    /// `hps1.…`: the buyer's purse, sealed for her.
    Purse { purse: String },
    /// `hpc1.…`: the till took the payment: settle.
    Receipt { receipt: String },
    /// The till refused and consumed nothing: release the halves, except
    /// those named in `spent` (a `double_spend` only), which were already
    /// spent.
    Refused {
        code: String,
        message: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        spent: Option<Vec<u32>>,
    },
    /// No answer from the shop: keep the halves pending.
    Unknown { message: String },
    /// The till never took this payment (`n_…`): release.
    NotTaken { payment: String },
    /// The shop could not forward a purse request.
    Error { code: String, message: String },
}

/// A message of the protocol, one way or the other.
pub trait Message: Serialize + DeserializeOwned {
    /// Whether messages of `kind` go this way.
    fn carries(kind: Kind) -> bool;

    /// Its `type`.
    fn kind(&self) -> Kind;

    /// Its fields are what the protocol allows (prefixes, sizes, codes);
    /// if not, a sentence saying which is wrong.
    fn check(&self) -> Result<(), String>;

    /// The JSON text of the message, `halfpenny` and `type` first.
    fn encode(&self) -> Result<String, ProtocolError> {
        #[derive(Serialize)]
        struct Envelope<'a, M> {
            halfpenny: u64,
            #[serde(flatten)]
            message: &'a M,
        }
        serde_json::to_string(&Envelope {
            halfpenny: VERSION,
            message: self,
        })
        .map_err(ProtocolError::Encode)
    }

    /// Reads a message going this way from its JSON text, checked.
    fn decode(json: &str) -> Result<Self, ProtocolError> {
        if json.len() > MAX_MESSAGE {
            return Err(ProtocolError::TooLarge {
                len: json.len(),
                max: MAX_MESSAGE,
            });
        }
        let value: Value = serde_json::from_str(json).map_err(ProtocolError::NotJson)?;
        let ours = value.get("halfpenny").and_then(Value::as_u64) == Some(VERSION);
        let kind = value
            .get("type")
            .and_then(Value::as_str)
            .filter(|k| ours && !k.is_empty() && k.len() <= MAX_KIND)
            .ok_or(ProtocolError::NotOurs)?;
        let kind = Kind::parse(kind).ok_or_else(|| ProtocolError::UnknownKind(kind.to_owned()))?;
        if !Self::carries(kind) {
            return Err(ProtocolError::WrongDirection(kind));
        }
        let malformed = |reason: String| ProtocolError::Malformed { kind, reason };
        let message: Self = serde_json::from_value(value).map_err(|e| malformed(e.to_string()))?;
        message.check().map_err(malformed)?;
        Ok(message)
    }
}

fn sentence_ok(name: &str, text: &str) -> Result<(), String> {
    if text.len() <= MAX_PLAIN {
        Ok(())
    } else {
        Err(format!("`{name}` is longer than {MAX_PLAIN} bytes"))
    }
}

fn code_ok(code: &str) -> Result<(), String> {
    if valid_code(code) {
        Ok(())
    } else {
        Err("`code` is not a stable code".to_owned())
    }
}

fn text_ok(name: &str, ok: bool) -> Result<(), String> {
    if ok {
        Ok(())
    } else {
        Err(format!("`{name}` is not what it should be"))
    }
}

impl Message for FromWallet {
    fn carries(kind: Kind) -> bool {
        kind.from_wallet()
    }

    fn kind(&self) -> Kind {
        match self {
            Self::Ready => Kind::Ready,
            Self::PurseRequest { .. } => Kind::PurseRequest,
            Self::Payment { .. } => Kind::Payment,
            Self::Status { .. } => Kind::Status,
            Self::Cancel { .. } => Kind::Cancel,
        }
    }

    fn check(&self) -> Result<(), String> {
        match self {
            Self::Ready => Ok(()),
            Self::PurseRequest { request } => text_ok("request", PURSE_REQUEST.accepts(request)),
            Self::Payment { payment } => text_ok("payment", PAYMENT.accepts(payment)),
            Self::Status { payment } => text_ok("payment", valid_nonce(payment)),
            Self::Cancel { message } => message
                .as_deref()
                .map_or(Ok(()), |m| sentence_ok("message", m)),
        }
    }
}

impl Message for ToWallet {
    fn carries(kind: Kind) -> bool {
        !kind.from_wallet()
    }

    fn kind(&self) -> Kind {
        match self {
            Self::Pay { .. } => Kind::Pay,
            Self::Purse { .. } => Kind::Purse,
            Self::Receipt { .. } => Kind::Receipt,
            Self::Refused { .. } => Kind::Refused,
            Self::Unknown { .. } => Kind::Unknown,
            Self::NotTaken { .. } => Kind::NotTaken,
            Self::Error { .. } => Kind::Error,
        }
    }

    fn check(&self) -> Result<(), String> {
        match self {
            Self::Pay { request, shop } => {
                text_ok("request", PAYMENT_REQUEST.accepts(request))?;
                sentence_ok("shop", shop)
            }
            Self::Purse { purse } => text_ok("purse", PURSE.accepts(purse)),
            Self::Receipt { receipt } => text_ok("receipt", RECEIPT.accepts(receipt)),
            Self::Refused {
                code,
                message,
                spent,
            } => {
                code_ok(code)?;
                sentence_ok("message", message)?;
                text_ok("spent", spent.as_deref().is_none_or(valid_spent))
            }
            Self::Unknown { message } => sentence_ok("message", message),
            Self::NotTaken { payment } => text_ok("payment", valid_nonce(payment)),
            Self::Error { code, message } => {
                code_ok(code)?;
                sentence_ok("message", message)
            }
        }
    }
}

impl ToWallet {
    /// A refusal naming halves spent already (an older backup restored):
    /// the wallet marks them spent and tries once more with others, so the
    /// button must stay to carry that second payment.
    pub fn wallet_will_retry(&self) -> bool {
        matches!(self, Self::Refused { spent: Some(spent), .. } if !spent.is_empty())
    }

    /// The button's answer to a wallet message of `kind` whose fields were
    /// wrong, if it needs one so that the wallet does not wait for ever. A
    /// payment that was never forwarded was consumed by nobody: the wallet
    /// may release it.
    pub fn to_malformed(kind: Kind) -> Option<Self> {
        let code = "bad_message".to_owned();
        let message = "The shop's page could not read the wallet's message.".to_owned();
        match kind {
            Kind::PurseRequest => Some(Self::Error { code, message }),
            Kind::Payment => Some(Self::Refused {
                code,
                message,
                spent: None,
            }),
            Kind::Status => Some(Self::Unknown { message }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::texts::MAX_SPENT;

    const NONCE: &str = "n_0123456789abcdef0123456789abcdef";

    fn round_trip<M: Message + PartialEq + std::fmt::Debug>(m: &M, json: &str) {
        assert_eq!(m.encode().ok().as_deref(), Some(json));
        assert_eq!(M::decode(json).ok().as_ref(), Some(m));
    }

    #[test]
    fn each_wallet_message_has_its_exact_json() {
        round_trip(&FromWallet::Ready, r#"{"halfpenny":1,"type":"ready"}"#);
        round_trip(
            &FromWallet::PurseRequest {
                request: "hpq1.abc".into(),
            },
            r#"{"halfpenny":1,"type":"purse-request","request":"hpq1.abc"}"#,
        );
        round_trip(
            &FromWallet::Payment {
                payment: "hpp1.abc".into(),
            },
            r#"{"halfpenny":1,"type":"payment","payment":"hpp1.abc"}"#,
        );
        round_trip(
            &FromWallet::Status {
                payment: NONCE.into(),
            },
            r#"{"halfpenny":1,"type":"status","payment":"n_0123456789abcdef0123456789abcdef"}"#,
        );
        round_trip(
            &FromWallet::Cancel {
                message: Some("The buyer declined to pay.".into()),
            },
            r#"{"halfpenny":1,"type":"cancel","message":"The buyer declined to pay."}"#,
        );
        round_trip(
            &FromWallet::Cancel { message: None },
            r#"{"halfpenny":1,"type":"cancel"}"#,
        );
    }

    #[test]
    fn each_button_message_has_its_exact_json() {
        round_trip(
            &ToWallet::Pay {
                request: "hpr1.x".into(),
                shop: "https://shop.example".into(),
            },
            r#"{"halfpenny":1,"type":"pay","request":"hpr1.x","shop":"https://shop.example"}"#,
        );
        round_trip(
            &ToWallet::Purse {
                purse: "hps1.x".into(),
            },
            r#"{"halfpenny":1,"type":"purse","purse":"hps1.x"}"#,
        );
        round_trip(
            &ToWallet::Receipt {
                receipt: "hpc1.x".into(),
            },
            r#"{"halfpenny":1,"type":"receipt","receipt":"hpc1.x"}"#,
        );
        round_trip(
            &ToWallet::Refused {
                code: "c".into(),
                message: "m".into(),
                spent: None,
            },
            r#"{"halfpenny":1,"type":"refused","code":"c","message":"m"}"#,
        );
        round_trip(
            &ToWallet::Refused {
                code: "double_spend".into(),
                message: "Halves #3 and #7 were already spent.".into(),
                spent: Some(vec![3, 7]),
            },
            r#"{"halfpenny":1,"type":"refused","code":"double_spend","message":"Halves #3 and #7 were already spent.","spent":[3,7]}"#,
        );
        round_trip(
            &ToWallet::Unknown {
                message: "No answer.".into(),
            },
            r#"{"halfpenny":1,"type":"unknown","message":"No answer."}"#,
        );
        round_trip(
            &ToWallet::NotTaken {
                payment: NONCE.into(),
            },
            r#"{"halfpenny":1,"type":"not-taken","payment":"n_0123456789abcdef0123456789abcdef"}"#,
        );
        round_trip(
            &ToWallet::Error {
                code: "shop_unreachable".into(),
                message: "m".into(),
            },
            r#"{"halfpenny":1,"type":"error","code":"shop_unreachable","message":"m"}"#,
        );
    }

    #[test]
    fn kinds_name_their_wire_type_and_direction() {
        let wallet: Vec<&str> = Kind::ALL
            .into_iter()
            .filter(|k| k.from_wallet())
            .map(Kind::as_str)
            .collect();
        assert_eq!(
            wallet,
            ["ready", "purse-request", "payment", "status", "cancel"]
        );
        for kind in Kind::ALL {
            assert_eq!(Kind::parse(kind.as_str()), Some(kind));
            assert_eq!(kind.to_string(), kind.as_str());
        }
        assert_eq!(Kind::parse("Payment"), None);
        assert_eq!(Kind::parse("not_taken"), None);
        let m = ToWallet::NotTaken {
            payment: NONCE.into(),
        };
        assert_eq!(m.kind(), Kind::NotTaken);
        assert_eq!(FromWallet::Ready.kind(), Kind::Ready);
    }

    #[test]
    fn key_order_and_extra_fields_do_not_matter_when_reading() {
        let m = FromWallet::decode(
            r#"{"payment":"hpp1.abc","extra":[1,{}],"type":"payment","halfpenny":1}"#,
        );
        assert_eq!(
            m.ok(),
            Some(FromWallet::Payment {
                payment: "hpp1.abc".into()
            })
        );
        // The till's refusal carries the payment's nonce beside it.
        let till = r#"{"halfpenny":1,"type":"refused","payment":"n_0123456789abcdef0123456789abcdef","code":"double_spend","message":"Halves #3 and #7 were already spent.","spent":[3,7]}"#;
        assert_eq!(
            ToWallet::decode(till).ok(),
            Some(ToWallet::Refused {
                code: "double_spend".into(),
                message: "Halves #3 and #7 were already spent.".into(),
                spent: Some(vec![3, 7]),
            })
        );
    }

    #[test]
    fn what_is_not_the_protocols_is_refused() {
        let not_ours = |json: &str| matches!(FromWallet::decode(json), Err(ProtocolError::NotOurs));
        assert!(matches!(
            FromWallet::decode("not json"),
            Err(ProtocolError::NotJson(_))
        ));
        assert!(matches!(
            FromWallet::decode(""),
            Err(ProtocolError::NotJson(_))
        ));
        assert!(not_ours("null"));
        assert!(not_ours("[1]"));
        assert!(not_ours(r#""ready""#));
        assert!(not_ours("{}"));
        assert!(not_ours(r#"{"type":"ready"}"#));
        assert!(not_ours(r#"{"halfpenny":"1","type":"ready"}"#));
        assert!(not_ours(r#"{"halfpenny":2,"type":"ready"}"#));
        assert!(not_ours(r#"{"halfpenny":1.5,"type":"ready"}"#));
        assert!(not_ours(r#"{"halfpenny":-1,"type":"ready"}"#));
        assert!(not_ours(r#"{"halfpenny":1}"#));
        assert!(not_ours(r#"{"halfpenny":1,"type":""}"#));
        assert!(not_ours(r#"{"halfpenny":1,"type":7}"#));
        let long = format!(r#"{{"halfpenny":1,"type":"{}"}}"#, "x".repeat(MAX_KIND + 1));
        assert!(not_ours(&long));
        assert!(matches!(
            FromWallet::decode(r#"{"halfpenny":1,"type":"hello"}"#),
            Err(ProtocolError::UnknownKind(k)) if k == "hello"
        ));
        assert!(matches!(
            FromWallet::decode(r#"{"halfpenny":1,"type":"pay","request":"hpr1.x","shop":"s"}"#),
            Err(ProtocolError::WrongDirection(Kind::Pay))
        ));
        assert!(matches!(
            ToWallet::decode(r#"{"halfpenny":1,"type":"payment","payment":"hpp1.x"}"#),
            Err(ProtocolError::WrongDirection(Kind::Payment))
        ));
    }

    #[test]
    fn oversized_input_is_refused_before_it_is_read() {
        let payment = format!("hpp1.{}", "A".repeat(MAX_MESSAGE));
        let json = format!(r#"{{"halfpenny":1,"type":"payment","payment":"{payment}"}}"#);
        match FromWallet::decode(&json) {
            Err(ProtocolError::TooLarge { len, max }) => {
                assert_eq!((len, max), (json.len(), MAX_MESSAGE));
            }
            other => panic!("{other:?}"),
        }
        // A payment at its limit fits; one byte more is wrong inside.
        let at_limit = format!("hpp1.{}", "A".repeat(PAYMENT.max - 5));
        let json = format!(r#"{{"halfpenny":1,"type":"payment","payment":"{at_limit}"}}"#);
        assert_eq!(
            FromWallet::decode(&json).ok(),
            Some(FromWallet::Payment { payment: at_limit })
        );
        let over = format!("hpp1.{}", "A".repeat(PAYMENT.max - 4));
        let json = format!(r#"{{"halfpenny":1,"type":"payment","payment":"{over}"}}"#);
        assert_eq!(
            FromWallet::decode(&json)
                .err()
                .and_then(|e| e.malformed_kind()),
            Some(Kind::Payment)
        );
    }

    #[test]
    fn wrong_fields_are_refused_with_their_kind() {
        let kind_of = |json: &str| {
            FromWallet::decode(json)
                .err()
                .and_then(|e| e.malformed_kind())
        };
        let m = |rest: &str| format!(r#"{{"halfpenny":1,"type":{rest}}}"#);
        for (json, kind) in [
            (m(r#""payment","payment":"hph1.abc""#), Kind::Payment),
            (m(r#""payment","payment":3"#), Kind::Payment),
            (m(r#""payment","payment":{}"#), Kind::Payment),
            (m(r#""payment""#), Kind::Payment),
            (m(r#""purse-request","request":null"#), Kind::PurseRequest),
            (
                m(r#""purse-request","request":"hpp1.abc""#),
                Kind::PurseRequest,
            ),
            (m(r#""status","payment":"../x""#), Kind::Status),
            (m(r#""cancel","message":7"#), Kind::Cancel),
        ] {
            assert_eq!(kind_of(&json), Some(kind), "{json}");
        }
        let long = format!(
            r#"{{"halfpenny":1,"type":"cancel","message":"{}"}}"#,
            "a".repeat(MAX_PLAIN + 1)
        );
        assert_eq!(kind_of(&long), Some(Kind::Cancel));

        let kind_of = |json: &str| {
            ToWallet::decode(json)
                .err()
                .and_then(|e| e.malformed_kind())
        };
        let descending = m(r#""refused","code":"double_spend","message":"m","spent":[7,3]"#);
        let empty = m(r#""refused","code":"double_spend","message":"m","spent":[]"#);
        let negative = m(r#""refused","code":"double_spend","message":"m","spent":[-1]"#);
        let fraction = m(r#""refused","code":"double_spend","message":"m","spent":[1.5]"#);
        let huge = m(r#""refused","code":"double_spend","message":"m","spent":[4294967296]"#);
        let too_many: Vec<String> = (0..=MAX_SPENT).map(|i| i.to_string()).collect();
        let too_many = m(&format!(
            r#""refused","code":"double_spend","message":"m","spent":[{}]"#,
            too_many.join(",")
        ));
        for (json, kind) in [
            (m(r#""receipt","receipt":"hpp1.abc""#), Kind::Receipt),
            (m(r#""purse","purse":"""#), Kind::Purse),
            (m(r#""pay","request":"hpr1.x""#), Kind::Pay),
            (
                m(r#""refused","code":"Bad Code","message":"m""#),
                Kind::Refused,
            ),
            (m(r#""refused","message":"m""#), Kind::Refused),
            (descending, Kind::Refused),
            (empty, Kind::Refused),
            (negative, Kind::Refused),
            (fraction, Kind::Refused),
            (huge, Kind::Refused),
            (too_many, Kind::Refused),
            (m(r#""not-taken","payment":"n_1""#), Kind::NotTaken),
            (m(r#""error","code":"","message":"m""#), Kind::Error),
            (m(r#""unknown""#), Kind::Unknown),
        ] {
            assert_eq!(kind_of(&json), Some(kind), "{json}");
        }
    }

    #[test]
    fn malformed_messages_get_an_answer_that_keeps_the_wallet_safe() {
        let message = "The shop's page could not read the wallet's message.".to_owned();
        assert_eq!(
            ToWallet::to_malformed(Kind::Payment),
            Some(ToWallet::Refused {
                code: "bad_message".into(),
                message: message.clone(),
                spent: None
            })
        );
        assert_eq!(
            ToWallet::to_malformed(Kind::Status),
            Some(ToWallet::Unknown {
                message: message.clone()
            })
        );
        assert_eq!(
            ToWallet::to_malformed(Kind::PurseRequest),
            Some(ToWallet::Error {
                code: "bad_message".into(),
                message
            })
        );
        assert_eq!(ToWallet::to_malformed(Kind::Ready), None);
        assert_eq!(ToWallet::to_malformed(Kind::Cancel), None);
    }

    #[test]
    fn only_a_refusal_naming_spent_halves_brings_a_second_payment() {
        let refused = |spent| ToWallet::Refused {
            code: "double_spend".into(),
            message: "m".into(),
            spent,
        };
        assert!(refused(Some(vec![3, 7])).wallet_will_retry());
        assert!(!refused(Some(vec![])).wallet_will_retry());
        assert!(!refused(None).wallet_will_retry());
        let not_taken = ToWallet::NotTaken {
            payment: NONCE.into(),
        };
        assert!(!not_taken.wallet_will_retry());
    }
}
