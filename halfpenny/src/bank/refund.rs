//! Refunding a buyer's unspent halves (patent Fig. 10A-10B), with the deadline
//! rule described in the module above.

use rand_core::CryptoRng;
use subtle::ConstantTimeEq;

use super::redeem::{Tally, status_now};
use super::{
    AccountRecord, Authenticated, Bank, BankError, PurseRecord, PurseState, Role, TokenChange,
    TokenStatus,
};
use crate::amount::Amount;
use crate::crypto::seal::SealedBox;
use crate::ids::{CaseId, KeyId, Nonce, PurseId};
use crate::ledger::{LedgerAccount, Posting, PostingKind};
use crate::letter::{self, LetterKind};
use crate::messages::{
    RefundRequest, RefundResult, Refusal, ReturnRequest, ReturnResponse, SettledBy, SpentToken,
};
use crate::split::TokenShare;
use crate::time::Timestamp;

/// A buyer's refund, from her request until it is settled.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct RefundCase {
    pub id: CaseId,
    pub purse: PurseId,
    pub buyer: KeyId,
    pub seller: KeyId,
    pub opened_at: Timestamp,
    pub deadline: Timestamp,
    /// The halves she handed in, held until settlement.
    pub buyer_halves: Vec<TokenShare>,
    pub settled: Option<SettledBy>,
}

/// The decision to open a case: record the nonce, store the case, mark the
/// purse as refunding, then send the return request to the seller.
#[derive(Debug)]
pub struct RefundOpened {
    pub nonce: Nonce,
    pub case: RefundCase,
    pub purse_state: PurseState,
    pub return_request: SealedBox,
}

/// The decision to settle a case: move the token statuses, book the
/// postings, store the settled case and the purse's new state (closed when
/// nothing of it is outstanding, else open for a later case), tell both
/// parties.
#[derive(Debug)]
pub struct Settlement {
    /// The seller's answer's nonce, when he answered.
    pub nonce: Option<Nonce>,
    pub case: RefundCase,
    pub purse_state: PurseState,
    pub changes: Vec<TokenChange>,
    pub postings: Vec<Posting>,
    pub result: RefundResult,
    pub to_buyer: SealedBox,
    pub to_seller: SealedBox,
}

impl Bank {
    /// Steps 1082-1084: opens a refund case and asks the seller for his return.
    pub fn open_refund<R: CryptoRng + ?Sized>(
        &self,
        request: &Authenticated<RefundRequest>,
        buyer: &AccountRecord,
        purse: &PurseRecord,
        seller: &AccountRecord,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<RefundOpened, BankError> {
        Bank::require_role(buyer, Role::Buyer)?;
        if request.sender != buyer.id()
            || purse.buyer != buyer.id()
            || request.body.purse != purse.id
        {
            return Err(BankError::NotYourPurse);
        }
        if purse.seller != seller.id() {
            return Err(BankError::SellerMismatch);
        }
        match purse.state {
            PurseState::Open => {}
            PurseState::Refunding(_) => return Err(BankError::RefundInProgress),
            PurseState::Closed => return Err(BankError::PurseClosed),
        }
        // Every token redeemed or refunded (the seller may redeem after a
        // case reopened the purse): nothing is left to give back.
        if !purse
            .tokens
            .values()
            .any(|t| t.status == TokenStatus::Outstanding)
        {
            return Err(BankError::PurseClosed);
        }
        if request.body.halves.is_empty() {
            return Err(BankError::EmptyRequest);
        }
        let case = RefundCase {
            id: CaseId::random(rng),
            purse: purse.id,
            buyer: buyer.id(),
            seller: seller.id(),
            opened_at: now,
            deadline: now.plus(self.config.return_window_secs),
            buyer_halves: request.body.halves.clone(),
            settled: None,
        };
        let ask = ReturnRequest {
            case: case.id,
            purse: purse.id,
            deadline: case.deadline,
        };
        let (return_request, _) = letter::send(
            LetterKind::ReturnRequest,
            &ask,
            self.identity.signing.as_ref(),
            &seller.identity,
            now,
            rng,
        )?;
        Ok(RefundOpened {
            nonce: request.nonce,
            purse_state: PurseState::Refunding(case.id),
            case,
            return_request,
        })
    }

    /// Steps 1086-1099: the seller answered; his tokens first, then her halves.
    #[allow(clippy::too_many_arguments)]
    pub fn settle_with_return<R: CryptoRng + ?Sized>(
        &self,
        answer: &Authenticated<ReturnResponse>,
        case: &RefundCase,
        purse: &PurseRecord,
        buyer: &AccountRecord,
        seller: &AccountRecord,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<Settlement, BankError> {
        if answer.sender != case.seller
            || answer.body.case != case.id
            || answer.body.purse != case.purse
        {
            return Err(BankError::CaseMismatch);
        }
        let mut s = self.settle(
            &answer.body.spent,
            SettledBy::SellerReturn,
            case,
            purse,
            buyer,
            seller,
            now,
            rng,
        )?;
        s.nonce = Some(answer.nonce);
        Ok(s)
    }

    /// The deadline rule: the seller did not answer in time; settle without him.
    pub fn settle_after_deadline<R: CryptoRng + ?Sized>(
        &self,
        case: &RefundCase,
        purse: &PurseRecord,
        buyer: &AccountRecord,
        seller: &AccountRecord,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<Settlement, BankError> {
        if now < case.deadline {
            return Err(BankError::DeadlineNotReached(case.deadline));
        }
        self.settle(
            &[],
            SettledBy::Deadline,
            case,
            purse,
            buyer,
            seller,
            now,
            rng,
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn settle<R: CryptoRng + ?Sized>(
        &self,
        spent: &[SpentToken],
        by: SettledBy,
        case: &RefundCase,
        purse: &PurseRecord,
        buyer: &AccountRecord,
        seller: &AccountRecord,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<Settlement, BankError> {
        if case.settled.is_some() {
            return Err(BankError::CaseSettled);
        }
        if purse.id != case.purse || purse.state != PurseState::Refunding(case.id) {
            return Err(BankError::CaseMismatch);
        }
        if buyer.id() != case.buyer || seller.id() != case.seller {
            return Err(BankError::NotYourPurse);
        }
        let mut tally = Tally::default();
        // Step 1088: the seller's spent tokens are redeemed first.
        for t in spent.iter().filter(|t| t.purse == purse.id) {
            self.redeem_one(&mut tally, t, seller.id(), Some(purse), now)?;
        }
        let seller_credited = tally.credited_to(LedgerAccount::Customer(seller.id()));
        // Steps 1090-1098: then each of her halves still outstanding.
        for item in &case.buyer_halves {
            refund_one(&mut tally, purse, item)?;
        }
        let buyer_refunded = tally.credited_to(LedgerAccount::Customer(buyer.id()));
        let zero = Amount::zero(purse.currency);
        let total = |v: Vec<Amount>| {
            v.into_iter()
                .find(|a| a.currency() == purse.currency)
                .unwrap_or(zero)
        };
        let result = RefundResult {
            case: case.id,
            purse: purse.id,
            settled_by: by,
            seller_credited: total(seller_credited),
            buyer_refunded: total(buyer_refunded),
            lines: tally.lines.clone(),
        };
        let signer = self.identity.signing.as_ref();
        let (to_buyer, _) = letter::send(
            LetterKind::RefundResult,
            &result,
            signer,
            &buyer.identity,
            now,
            rng,
        )?;
        let (to_seller, _) = letter::send(
            LetterKind::RefundResult,
            &result,
            signer,
            &seller.identity,
            now,
            rng,
        )?;
        // The purse closes only when none of its tokens is outstanding any
        // more. Otherwise it opens again: what she did not ask for this
        // time stays hers to ask for in a later case (and what the seller
        // keeps unredeemed stays his to redeem).
        let still_outstanding = purse
            .tokens
            .keys()
            .any(|s| status_now(&tally, purse, *s) == Some(TokenStatus::Outstanding));
        let purse_state = if still_outstanding {
            PurseState::Open
        } else {
            PurseState::Closed
        };
        let mut settled = case.clone();
        settled.settled = Some(by);
        Ok(Settlement {
            nonce: None,
            case: settled,
            purse_state,
            changes: tally.changes.clone(),
            postings: tally.postings(),
            result,
            to_buyer,
            to_seller,
        })
    }
}

/// Judges one half the buyer handed in.
fn refund_one(tally: &mut Tally, purse: &PurseRecord, item: &TokenShare) -> Result<(), BankError> {
    let (p, s) = (purse.id, item.session);
    let Some(record) = purse.tokens.get(&s) else {
        tally.refuse(p, s, Refusal::UnknownSession);
        return Ok(());
    };
    if !bool::from(item.share.digest().ct_eq(&record.buyer_share_digest)) {
        tally.refuse(p, s, Refusal::WrongShare);
        return Ok(());
    }
    if !tally.first_time(p, s) {
        // Already handled in this decision: redeemed for the seller just now,
        // or listed twice by the buyer.
        let why = match status_now(tally, purse, s) {
            Some(TokenStatus::Redeemed) => Refusal::AlreadyRedeemed,
            _ => Refusal::Duplicate,
        };
        tally.refuse(p, s, why);
        return Ok(());
    }
    match status_now(tally, purse, s) {
        Some(TokenStatus::Outstanding) => {
            let change = TokenChange {
                purse: p,
                session: s,
                from: TokenStatus::Outstanding,
                to: TokenStatus::Refunded,
            };
            let value = record.kind.value().unwrap_or(Amount::zero(purse.currency));
            let posting = (!value.is_zero()).then_some(Posting {
                kind: PostingKind::Refund(p),
                debit: LedgerAccount::Outstanding,
                credit: LedgerAccount::Customer(purse.buyer),
                amount: value,
            });
            tally.credit(change, posting, value)
        }
        Some(TokenStatus::Refunded) => {
            tally.refuse(p, s, Refusal::AlreadyRefunded);
            Ok(())
        }
        Some(TokenStatus::Redeemed | TokenStatus::ChargedBack) | None => {
            tally.refuse(p, s, Refusal::AlreadyRedeemed);
            Ok(())
        }
    }
}
