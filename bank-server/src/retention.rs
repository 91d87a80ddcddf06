//! How long the bank keeps what only a retry or a reader needs: stored first
//! answers (`requests`) and delivered letters (`outbox`). Every period is
//! here; `App::prune` applies them, hourly and on `POST /v1/operator/prune`.
//!
//! ## The rule
//! - **A first answer to a letter** (redemption, refund, return, address
//!   change; a purse request's is kept longer, below) and a deadline settlement's record are kept
//!   [`Retention::answers_secs`] after they were written (7 days by default),
//!   then deleted. A known nonce is answered before the letter's age is
//!   checked, so until then a late retry of the very same letter gets its
//!   first answer. After that the retry is judged like any letter: the bank
//!   accepts a letter only while its own timestamp is at most `max_age_secs`
//!   old and `max_skew_secs` ahead (600 + 120 s), and it was accepted once
//!   no later than the answer was written, so from 720 s after the answer
//!   on the same bytes are refused as `message_expired` and change nothing.
//!   The period must therefore exceed that window plus any disagreement
//!   between the clocks of bank processes sharing a database; it may not be
//!   set below [`MIN_RETENTION_SECS`] (a day). Seven days is how long a till
//!   or a wallet accepts the bank's purse letter (`PURSE_FRESHNESS`): a
//!   retried purse request gets its purse for as long as the purse could
//!   still be received, and a seller's server that resends its saved
//!   redemption or return letter after a week away still gets its answer.
//!   A pruned nonce is free again, but only its sender can sign a new letter
//!   with it: that is a new request of hers, not a replay.
//! - **A purse request's first answer** is kept
//!   [`Retention::results_secs`] (180 days by default), longer than any
//!   purse's tokens can be spent or refunded (90 + 30 days): purse recovery
//!   (`POST /v1/purses/recover`) reads it, so a buyer whose answer was lost
//!   gets her purse from the bank, and her wallet opens it at any age (it
//!   answers a recovery request she has just signed). Until then the bank's
//!   `purse_unknown` to her, once her order is too old to be taken
//!   (720 s), truly means it never minted it, and her wallet drops the
//!   order. A late retry of the very same purse request gets its purse for
//!   as long too; the shop resends its saved purse orders for 7 days, how
//!   long a till accepts the bank's purse letter (`PURSE_FRESHNESS`).
//! - **An operator's idempotency key** (`operator:…`: `fund`, `demo-grants`,
//!   `POST /v1/operator/fund`) carries no timestamp, so nothing would refuse
//!   a late retry: these rows are kept for ever. They grow with the
//!   operator's fundings, not with customers' letters.
//! - **A refund result** (to the buyer and to the seller) is kept
//!   [`Retention::results_secs`] after the case settled (180 days by
//!   default): she may read it weeks or months later, whenever her wallet
//!   next asks. That is longer than any token lives and can be redeemed
//!   (90 + 30 days). The case itself (`POST /v1/cases`: settled, and by whom)
//!   stays readable for ever.
//! - **A return request** is kept while its case is open, whatever its age,
//!   and once the case has settled until it is older than the return window
//!   plus [`Retention::answers_secs`]: as long as the seller's answer to it
//!   could be sent (by the deadline) and its retry still get a first answer.
//!
//! Pruning deletes only rows of `requests` and `outbox`; purses, tokens,
//! cases, postings and balances are never touched, so the books balance and
//! no token can be paid twice. Each delete is by age, so it is idempotent
//! and safe with several bank processes on one database.

use halfpenny::Timestamp;
use halfpenny::letter::Freshness;

use crate::store::PruneBefore;

/// The shortest period any retention may be set to: far beyond the
/// 720 s in which a letter can be accepted, and any clock error.
pub const MIN_RETENTION_SECS: u64 = 86_400;

/// How long first answers and delivered letters are kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retention {
    /// First answers to letters, and deadline records (7 days by default).
    pub answers_secs: u64,
    /// Refund results, for the buyer and the seller, and first answers to
    /// purse requests (180 days by default).
    pub results_secs: u64,
}

impl Default for Retention {
    fn default() -> Self {
        Self {
            answers_secs: 7 * 86_400,
            results_secs: 180 * 86_400,
        }
    }
}

impl Retention {
    /// Refuses periods that would let a pruned letter be accepted again.
    pub fn check(&self, freshness: Freshness) -> Result<(), String> {
        let window = freshness
            .max_age_secs
            .saturating_add(freshness.max_skew_secs);
        let floor = MIN_RETENTION_SECS.max(window);
        for (name, secs) in [
            ("answer retention", self.answers_secs),
            ("result retention", self.results_secs),
        ] {
            if secs < floor {
                return Err(format!(
                    "the {name} is {secs} s; it must be at least {floor} s"
                ));
            }
        }
        Ok(())
    }

    /// What is old enough to delete at `now`, with this return window.
    pub fn before(&self, now: Timestamp, return_window_secs: u64) -> PruneBefore {
        PruneBefore {
            answers: now.minus(self.answers_secs),
            purse_answers: now.minus(self.results_secs),
            results: now.minus(self.results_secs),
            return_requests: now.minus(return_window_secs.saturating_add(self.answers_secs)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_keep_answers_as_long_as_a_purse_letter_is_accepted() {
        let r = Retention::default();
        assert_eq!(r.check(Freshness::default()), Ok(()));
        assert_eq!(
            r.answers_secs,
            halfpenny::till::PURSE_FRESHNESS.max_age_secs
        );
        let window = Freshness::default().max_age_secs + Freshness::default().max_skew_secs;
        assert!(MIN_RETENTION_SECS > window);
    }

    #[test]
    fn a_period_below_a_day_or_the_window_is_refused() {
        let short = Retention {
            answers_secs: 86_399,
            ..Retention::default()
        };
        assert_eq!(
            short.check(Freshness::default()),
            Err("the answer retention is 86399 s; it must be at least 86400 s".into())
        );
        let wide = Freshness {
            max_age_secs: 8 * 86_400,
            max_skew_secs: 60,
        };
        assert_eq!(
            Retention::default().check(wide),
            Err("the answer retention is 604800 s; it must be at least 691260 s".into())
        );
    }

    #[test]
    fn cutoffs_count_back_from_now() {
        let r = Retention::default();
        let now = Timestamp(1_000_000_000);
        assert_eq!(
            r.before(now, 72 * 3600),
            PruneBefore {
                answers: Timestamp(1_000_000_000 - 604_800),
                purse_answers: Timestamp(1_000_000_000 - 15_552_000),
                results: Timestamp(1_000_000_000 - 15_552_000),
                return_requests: Timestamp(1_000_000_000 - 604_800 - 259_200),
            }
        );
    }
}
