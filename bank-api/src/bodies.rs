//! The request and answer bodies of the bank's API, other than the bank's
//! keys ([`crate::BankInfo`]), amounts and errors. Field order is the order on
//! the wire.

use std::collections::BTreeMap;

use halfpenny::bank::Role;
use halfpenny::crypto::PublicIdentity;
use halfpenny::messages::{Line, Outcome, RedemptionResult, RefundResult, SettledBy};
use serde::{Deserialize, Serialize};

use crate::amount::AmountView;

// `POST /v1/accounts`. (No doc comment: it would become a description in
// the bank's checked-in openapi.json.)
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegisterBody {
    pub role: String,
    pub signing_key: String,
    pub sealing_key: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub address: Option<String>,
}

impl RegisterBody {
    /// `who`'s keys as `role` (`buyer` or `seller`), with the address a
    /// seller's notices are posted to, if any.
    pub fn new(role: Role, who: &PublicIdentity, address: Option<String>) -> Self {
        Self {
            role: match role {
                Role::Buyer => "buyer",
                Role::Seller => "seller",
            }
            .to_owned(),
            signing_key: who.signing.to_base64url(),
            sealing_key: who.sealing.to_base64url(),
            address,
        }
    }
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegisterReply {
    pub account: String,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FundBody {
    pub account: String,
    pub amount_minor: u64,
    pub currency: String,
    /// `credit` (money in, the default) or `debit` (money out).
    #[serde(default)]
    pub direction: Option<String>,
    /// The same key twice moves money once: the same request again gets the
    /// first answer; the key with another account, amount, currency or
    /// direction is refused (409 `idempotency_key_reused`).
    pub idempotency_key: String,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FundReply {
    pub account: String,
    pub currency: String,
    pub balance_minor: i64,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttributeBody {
    pub account: String,
    #[serde(default)]
    pub date_of_birth: Option<String>,
    #[serde(default)]
    pub flag: Option<String>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PurseBody {
    /// The forwarded purse request (`hpq1.…`).
    pub request: String,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PurseReply {
    /// Both sealed purses (`hpm1.…`), for the seller to open his and pass hers on.
    pub response: String,
}

/// The buyer's own purse of a purse request the bank answered before.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PurseRecoveryReply {
    /// Her purse, sealed for her (`hps1.…`); never the seller's.
    pub purse: String,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LetterBody {
    /// A signed letter sealed for the bank (`hps1.…`).
    pub letter: String,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LineView {
    pub purse: String,
    pub session: u32,
    /// `credited` or `refused`.
    pub outcome: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub amount_minor: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub message: Option<String>,
}

impl From<&Line> for LineView {
    fn from(l: &Line) -> Self {
        let (outcome, amount_minor, code, message) = match &l.outcome {
            Outcome::Credited(a) => ("credited", Some(a.minor()), None, None),
            Outcome::Refused(r) => (
                "refused",
                None,
                Some(r.code().to_owned()),
                Some(r.sentence().to_owned()),
            ),
        };
        Self {
            purse: l.purse.to_hex(),
            session: l.session.0,
            outcome: outcome.to_owned(),
            amount_minor,
            code,
            message,
        }
    }
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RedemptionReply {
    pub credited: Vec<AmountView>,
    pub lines: Vec<LineView>,
}

impl From<&RedemptionResult> for RedemptionReply {
    fn from(r: &RedemptionResult) -> Self {
        Self {
            credited: r.credited.iter().copied().map(Into::into).collect(),
            lines: r.lines.iter().map(Into::into).collect(),
        }
    }
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefundReply {
    pub case: String,
    pub purse: String,
    /// Unix seconds: the seller must answer by then, or the bank settles without him.
    pub deadline: u64,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefundResultView {
    pub case: String,
    pub purse: String,
    pub settled_by: String,
    pub seller_credited: AmountView,
    pub buyer_refunded: AmountView,
    pub lines: Vec<LineView>,
}

impl From<&RefundResult> for RefundResultView {
    fn from(r: &RefundResult) -> Self {
        Self {
            case: r.case.to_hex(),
            purse: r.purse.to_hex(),
            settled_by: match r.settled_by {
                SettledBy::SellerReturn => "seller_return",
                SettledBy::Deadline => "deadline",
            }
            .to_owned(),
            seller_credited: r.seller_credited.into(),
            buyer_refunded: r.buyer_refunded.into(),
            lines: r.lines.iter().map(Into::into).collect(),
        }
    }
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseView {
    pub case: String,
    pub purse: String,
    pub deadline: u64,
    pub settled: Option<String>,
}

/// A seller's address as the bank now keeps it.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AddressReply {
    pub account: String,
    /// `None` when he has no address: his letters wait in his inbox.
    pub address: Option<String>,
}

/// A letter waiting in the outbox.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = OutboxLetter))]
pub struct InboxLetter {
    pub id: i64,
    pub kind: String,
    /// The sealed letter, as text.
    pub letter: String,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InboxReply {
    pub letters: Vec<InboxLetter>,
}

/// One line of an account statement.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatementLine {
    pub id: i64,
    pub kind: String,
    /// Positive when money came in, negative when it went out.
    pub amount_minor: i64,
    pub currency: String,
    pub purse: Option<String>,
    pub at: i64,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatementReply {
    pub account: String,
    pub currency: String,
    pub balance_minor: i64,
    pub lines: Vec<StatementLine>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HealthView {
    pub status: String,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SweepView {
    /// Refund cases settled by this sweep.
    pub settled: usize,
}

/// The whole books, per currency.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Totals {
    /// Sum of every balance; zero when the books balance.
    pub sum_of_balances: BTreeMap<String, i64>,
    /// The outstanding-tokens account.
    pub outstanding: BTreeMap<String, i64>,
    /// What the open tokens are worth, counted from the token records.
    pub open_token_value: BTreeMap<String, i64>,
    /// Net money from outside (minus the settlement account).
    pub funded: BTreeMap<String, i64>,
    pub postings: i64,
}

impl Totals {
    /// The invariants: balances sum to zero, and the outstanding account
    /// equals the value of open tokens, in every currency.
    pub fn balanced(&self) -> bool {
        self.sum_of_balances.values().all(|v| *v == 0)
            && self
                .open_token_value
                .iter()
                .all(|(c, v)| self.outstanding.get(c).copied().unwrap_or(0) == *v)
            && self
                .outstanding
                .iter()
                .all(|(c, v)| *v == 0 || self.open_token_value.contains_key(c))
    }
}

/// How many rows one pruning deleted.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Pruned {
    /// First answers (purse requests' too) and deadline records.
    pub answers: u64,
    /// Refund results.
    pub results: u64,
    /// Return requests of settled cases.
    pub return_requests: u64,
}

/// `PUT /v1/test/clock` (a bank built with `test-clock` only).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct TestClockBody {
    /// How far ahead of the system's clock the bank's runs, in seconds.
    pub ahead_secs: u64,
}

/// The bank's time after the move, in seconds since 1970.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct TestClockView {
    pub now: u64,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use halfpenny::messages::Refusal;
    use halfpenny::{Amount, CaseId, Currency, PurseId, SessionSerial, testing};
    use serde::de::DeserializeOwned;

    /// `value` is written as exactly `json`, and `json` reads back as `value`.
    fn pinned<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(
        value: &T,
        json: &str,
    ) {
        assert_eq!(serde_json::to_string(value).unwrap(), json);
        assert_eq!(&serde_json::from_str::<T>(json).unwrap(), value);
    }

    fn purse() -> PurseId {
        PurseId([1; 16])
    }

    fn lines() -> Vec<Line> {
        vec![
            Line {
                purse: purse(),
                session: SessionSerial(0),
                outcome: Outcome::Credited(Amount::new(5, Currency::USD)),
            },
            Line {
                purse: purse(),
                session: SessionSerial(1),
                outcome: Outcome::Refused(Refusal::AlreadyRedeemed),
            },
        ]
    }

    fn lines_json() -> String {
        let p = "01".repeat(16);
        format!(
            concat!(
                r#"[{{"purse":"{p}","session":0,"outcome":"credited","amount_minor":5}},"#,
                r#"{{"purse":"{p}","session":1,"outcome":"refused","code":"already_redeemed","#,
                r#""message":"This token was already paid out."}}]"#
            ),
            p = p
        )
    }

    #[test]
    fn letter_and_purse_bodies_are_one_text_field() {
        pinned(
            &LetterBody {
                letter: "hps1.abc".into(),
            },
            r#"{"letter":"hps1.abc"}"#,
        );
        pinned(
            &PurseBody {
                request: "hpq1.abc".into(),
            },
            r#"{"request":"hpq1.abc"}"#,
        );
        pinned(
            &PurseReply {
                response: "hpm1.abc".into(),
            },
            r#"{"response":"hpm1.abc"}"#,
        );
        pinned(
            &PurseRecoveryReply {
                purse: "hps1.abc".into(),
            },
            r#"{"purse":"hps1.abc"}"#,
        );
    }

    #[test]
    fn a_registration_names_its_role_and_keys_and_only_a_given_address() {
        let who = testing::seller_identity().public();
        let (sign, seal) = (who.signing.to_base64url(), who.sealing.to_base64url());
        pinned(
            &RegisterBody::new(Role::Buyer, &who, None),
            &format!(r#"{{"role":"buyer","signing_key":"{sign}","sealing_key":"{seal}"}}"#),
        );
        pinned(
            &RegisterBody::new(Role::Seller, &who, Some("https://shop.example/n".into())),
            &format!(
                r#"{{"role":"seller","signing_key":"{sign}","sealing_key":"{seal}","address":"https://shop.example/n"}}"#
            ),
        );
        pinned(
            &RegisterReply {
                account: "ab".into(),
            },
            r#"{"account":"ab"}"#,
        );
    }

    #[test]
    fn a_redemption_answer_is_the_credited_amounts_and_one_line_per_token() {
        let reply = RedemptionReply::from(&RedemptionResult {
            credited: vec![Amount::new(5, Currency::USD)],
            lines: lines(),
        });
        pinned(
            &reply,
            &format!(
                r#"{{"credited":[{{"currency":"USD","minor":5}}],"lines":{}}}"#,
                lines_json()
            ),
        );
    }

    #[test]
    fn a_refund_result_names_its_case_purse_settlement_and_amounts() {
        let view = RefundResultView::from(&RefundResult {
            case: CaseId([2; 16]),
            purse: purse(),
            settled_by: SettledBy::Deadline,
            seller_credited: Amount::new(5, Currency::USD),
            buyer_refunded: Amount::new(0, Currency::USD),
            lines: lines(),
        });
        pinned(
            &view,
            &format!(
                concat!(
                    r#"{{"case":"{c}","purse":"{p}","settled_by":"deadline","#,
                    r#""seller_credited":{{"currency":"USD","minor":5}},"#,
                    r#""buyer_refunded":{{"currency":"USD","minor":0}},"lines":{l}}}"#
                ),
                c = "02".repeat(16),
                p = "01".repeat(16),
                l = lines_json()
            ),
        );
        pinned(
            &RefundReply {
                case: "02".into(),
                purse: "01".into(),
                deadline: 1_700_000_000,
            },
            r#"{"case":"02","purse":"01","deadline":1700000000}"#,
        );
        pinned(
            &CaseView {
                case: "02".into(),
                purse: "01".into(),
                deadline: 7,
                settled: None,
            },
            r#"{"case":"02","purse":"01","deadline":7,"settled":null}"#,
        );
    }

    #[test]
    fn inbox_and_statement_answers_list_their_letters_and_lines() {
        pinned(
            &InboxReply {
                letters: vec![InboxLetter {
                    id: 3,
                    kind: "return_request".into(),
                    letter: "hps1.abc".into(),
                }],
            },
            r#"{"letters":[{"id":3,"kind":"return_request","letter":"hps1.abc"}]}"#,
        );
        pinned(
            &StatementReply {
                account: "ab".into(),
                currency: "USD".into(),
                balance_minor: -5,
                lines: vec![StatementLine {
                    id: 1,
                    kind: "mint".into(),
                    amount_minor: -5,
                    currency: "USD".into(),
                    purse: None,
                    at: 60,
                }],
            },
            concat!(
                r#"{"account":"ab","currency":"USD","balance_minor":-5,"lines":[{"id":1,"#,
                r#""kind":"mint","amount_minor":-5,"currency":"USD","purse":null,"at":60}]}"#
            ),
        );
        pinned(
            &AddressReply {
                account: "ab".into(),
                address: None,
            },
            r#"{"account":"ab","address":null}"#,
        );
    }

    #[test]
    fn operator_bodies_keep_their_fields() {
        pinned(
            &FundBody {
                account: "ab".into(),
                amount_minor: 500,
                currency: "USD".into(),
                direction: None,
                idempotency_key: "k".into(),
            },
            r#"{"account":"ab","amount_minor":500,"currency":"USD","direction":null,"idempotency_key":"k"}"#,
        );
        pinned(
            &FundReply {
                account: "ab".into(),
                currency: "USD".into(),
                balance_minor: 500,
            },
            r#"{"account":"ab","currency":"USD","balance_minor":500}"#,
        );
        pinned(
            &AttributeBody {
                account: "ab".into(),
                date_of_birth: Some("2000-01-31".into()),
                flag: None,
            },
            r#"{"account":"ab","date_of_birth":"2000-01-31","flag":null}"#,
        );
        pinned(&SweepView { settled: 2 }, r#"{"settled":2}"#);
        pinned(
            &HealthView {
                status: "ok".into(),
            },
            r#"{"status":"ok"}"#,
        );
        let mut totals = Totals {
            postings: 2,
            ..Totals::default()
        };
        totals.sum_of_balances.insert("USD".into(), 0);
        totals.outstanding.insert("USD".into(), 5);
        totals.open_token_value.insert("USD".into(), 5);
        totals.funded.insert("USD".into(), 10);
        pinned(
            &totals,
            concat!(
                r#"{"sum_of_balances":{"USD":0},"outstanding":{"USD":5},"#,
                r#""open_token_value":{"USD":5},"funded":{"USD":10},"postings":2}"#
            ),
        );
        assert!(totals.balanced());
        totals.outstanding.insert("USD".into(), 4);
        assert!(!totals.balanced());
        pinned(
            &Pruned {
                answers: 1,
                results: 2,
                return_requests: 3,
            },
            r#"{"answers":1,"results":2,"return_requests":3}"#,
        );
        pinned(&TestClockBody { ahead_secs: 9 }, r#"{"ahead_secs":9}"#);
        pinned(&TestClockView { now: 9 }, r#"{"now":9}"#);
        assert!(serde_json::from_str::<TestClockBody>(r#"{"ahead_secs":9,"x":1}"#).is_err());
    }
}
