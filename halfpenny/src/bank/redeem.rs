//! Redeeming a seller's tokens (patent Fig. 9): each token credited once.

use std::collections::{BTreeMap, BTreeSet};

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::{
    AccountRecord, Authenticated, Bank, BankError, PurseRecord, Role, TokenChange, TokenStatus,
};
use crate::amount::Amount;
use crate::ids::{KeyId, Nonce, PurseId, SessionSerial};
use crate::ledger::{LedgerAccount, Posting, PostingKind};
use crate::messages::{Line, Outcome, RedemptionRequest, RedemptionResult, Refusal, SpentToken};
use crate::time::Timestamp;
use crate::wire::Encode;

/// The decision on a redemption: record the nonce, move the token statuses
/// (each only from the status named), book the postings, answer.
#[derive(Debug)]
pub struct Redeemed {
    pub nonce: Nonce,
    pub changes: Vec<TokenChange>,
    pub postings: Vec<Posting>,
    pub result: RedemptionResult,
}

/// Changes, postings and lines being gathered for one decision. Postings are
/// summed per purse and kind, so a batch of 1,000 tokens books one posting.
#[derive(Debug, Default)]
pub(super) struct Tally {
    pub changes: Vec<TokenChange>,
    pub lines: Vec<Line>,
    sums: BTreeMap<(PurseId, &'static str), Posting>,
    seen: BTreeSet<(PurseId, SessionSerial)>,
}

impl Tally {
    pub fn refuse(&mut self, purse: PurseId, session: SessionSerial, why: Refusal) {
        self.lines.push(Line {
            purse,
            session,
            outcome: Outcome::Refused(why),
        });
    }

    /// False if this token was already handled in the same decision.
    pub fn first_time(&mut self, purse: PurseId, session: SessionSerial) -> bool {
        self.seen.insert((purse, session))
    }

    pub fn credit(
        &mut self,
        change: TokenChange,
        posting: Option<Posting>,
        value: Amount,
    ) -> Result<(), BankError> {
        self.changes.push(change);
        self.lines.push(Line {
            purse: change.purse,
            session: change.session,
            outcome: Outcome::Credited(value),
        });
        if let Some(p) = posting {
            let tag = p.kind.code();
            match self.sums.get_mut(&(change.purse, tag)) {
                Some(sum) => sum.amount = sum.amount.checked_add(p.amount)?,
                None => {
                    self.sums.insert((change.purse, tag), p);
                }
            }
        }
        Ok(())
    }

    pub fn postings(&self) -> Vec<Posting> {
        self.sums.values().cloned().collect()
    }

    /// Totals credited to `who`, one per currency.
    pub fn credited_to(&self, who: LedgerAccount) -> Vec<Amount> {
        let mut totals: BTreeMap<crate::amount::Currency, u64> = BTreeMap::new();
        for p in self.sums.values().filter(|p| p.credit == who) {
            let t = totals.entry(p.amount.currency()).or_insert(0);
            *t = t.saturating_add(p.amount.minor());
        }
        totals.into_iter().map(|(c, m)| Amount::new(m, c)).collect()
    }
}

/// The status of a token as far as this decision has got, so that a token
/// handled twice in one decision is judged on its new status.
pub(super) fn status_now(
    tally: &Tally,
    record: &PurseRecord,
    session: SessionSerial,
) -> Option<TokenStatus> {
    let base = record.tokens.get(&session)?.status;
    Some(
        tally
            .changes
            .iter()
            .rev()
            .find(|c| c.purse == record.id && c.session == session)
            .map_or(base, |c| c.to),
    )
}

impl Bank {
    /// Steps 1060-1068: credits each token the seller hands in, once.
    pub fn redeem(
        &self,
        request: &Authenticated<RedemptionRequest>,
        seller: &AccountRecord,
        purses: &BTreeMap<PurseId, PurseRecord>,
        now: Timestamp,
    ) -> Result<Redeemed, BankError> {
        Bank::require_role(seller, Role::Seller)?;
        if request.body.tokens.is_empty() {
            return Err(BankError::EmptyRequest);
        }
        let mut tally = Tally::default();
        for spent in &request.body.tokens {
            self.redeem_one(
                &mut tally,
                spent,
                seller.id(),
                purses.get(&spent.purse),
                now,
            )?;
        }
        let result = RedemptionResult {
            credited: tally.credited_to(LedgerAccount::Customer(seller.id())),
            lines: tally.lines.clone(),
        };
        Ok(Redeemed {
            nonce: request.nonce,
            changes: tally.changes.clone(),
            postings: tally.postings(),
            result,
        })
    }

    /// Judges one joined token and adds the outcome to the tally.
    pub(super) fn redeem_one(
        &self,
        tally: &mut Tally,
        spent: &SpentToken,
        seller: KeyId,
        purse: Option<&PurseRecord>,
        now: Timestamp,
    ) -> Result<(), BankError> {
        let (p, s) = (spent.purse, spent.session);
        let Some(purse) = purse else {
            tally.refuse(p, s, Refusal::UnknownPurse);
            return Ok(());
        };
        if purse.seller != seller {
            tally.refuse(p, s, Refusal::NotYourPurse);
            return Ok(());
        }
        let Some(record) = purse.tokens.get(&s) else {
            tally.refuse(p, s, Refusal::UnknownSession);
            return Ok(());
        };
        // The joined token must be exactly the one minted for this place:
        // its digest proves the seller held both halves.
        let digest: [u8; 32] = Sha256::digest(spent.token.to_bytes()).into();
        if !bool::from(digest.ct_eq(&record.token_digest)) {
            tally.refuse(p, s, Refusal::NotThisToken);
            return Ok(());
        }
        if !tally.first_time(p, s) {
            tally.refuse(p, s, Refusal::Duplicate);
            return Ok(());
        }
        let Some(value) = record.kind.value() else {
            tally.refuse(p, s, Refusal::NotMoney);
            return Ok(());
        };
        if now
            > spent
                .token
                .token
                .expires_at
                .plus(self.config.redemption_grace_secs)
        {
            tally.refuse(p, s, Refusal::RedemptionPeriodOver);
            return Ok(());
        }
        let seller_account = LedgerAccount::Customer(seller);
        match status_now(tally, purse, s) {
            Some(TokenStatus::Outstanding) => {
                let change = TokenChange {
                    purse: p,
                    session: s,
                    from: TokenStatus::Outstanding,
                    to: TokenStatus::Redeemed,
                };
                let posting = Posting {
                    kind: PostingKind::Redemption(p),
                    debit: LedgerAccount::Outstanding,
                    credit: seller_account,
                    amount: value,
                };
                tally.credit(change, Some(posting), value)
            }
            Some(TokenStatus::Refunded) => {
                // The buyer was refunded for a token she had spent: she pays the seller.
                let change = TokenChange {
                    purse: p,
                    session: s,
                    from: TokenStatus::Refunded,
                    to: TokenStatus::ChargedBack,
                };
                let posting = Posting {
                    kind: PostingKind::Chargeback(p),
                    debit: LedgerAccount::Customer(purse.buyer),
                    credit: seller_account,
                    amount: value,
                };
                tally.credit(change, Some(posting), value)
            }
            Some(TokenStatus::Redeemed | TokenStatus::ChargedBack) | None => {
                tally.refuse(p, s, Refusal::AlreadyRedeemed);
                Ok(())
            }
        }
    }
}
