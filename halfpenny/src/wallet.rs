//! The buyer's wallet (seed instructions 100, smart card 40) as a state
//! machine without I/O: ask for purses through a seller (Fig. 2), store them
//! (Fig. 6), pay (Fig. 7) and take back what was not spent (Fig. 10).
//!
//! Nothing is lost or paid twice: a payment's halves are marked pending, and
//! the host persists that mark *before* sending them. A receipt settles them;
//! if the reply is lost, the host asks the till about the payment and either
//! settles or releases them. Retrying a pending payment resends the very same
//! halves under the same payment id, which a till accepts at most once.

use std::collections::BTreeMap;

use rand_core::CryptoRng;

use crate::amount::{Amount, Currency};
use crate::assertion::Assertion;
use crate::bank::BankPublic;
use crate::coins::{self, CoinError};
use crate::crypto::seal::SealedBox;
use crate::crypto::{Backend, CryptoError, PrivateIdentity};
use crate::ids::{BankId, KeyId, Nonce, PurseId, SessionSerial};
use crate::letter::{self, Correspondent, Freshness, LetterError, LetterKind};
use crate::messages::MAX_TOKENS_PER_PURSE;
use crate::messages::{
    ForwardedPurseRequest, Outcome, Payment, PaymentRequest, PurseContents, PurseRequest, Receipt,
    RefundRequest, RefundResult, Refusal,
};
use crate::split::{Share, TokenShare};
use crate::till::PURSE_FRESHNESS;
use crate::time::Timestamp;
use crate::token::TokenKind;
use crate::wire::{Decode, Encode, Reader, WireError, Writer};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WalletError {
    #[error("the purse is not for the seller who is asking")]
    WrongSeller,
    #[error("the purse is not from this bank or not for this buyer")]
    NotOurPurse,
    #[error("the price is in {price} but the purse is in {purse}")]
    CurrencyMismatch { price: Currency, purse: Currency },
    #[error("the payment request expired; ask the seller for a new one")]
    RequestExpired,
    #[error("the purse's tokens have expired; ask the bank for a refund")]
    PurseExpired,
    #[error(transparent)]
    NotEnough(#[from] CoinError),
    #[error("the seller asks for proof of `{0}`, and this purse holds none")]
    MissingAuthorization(Assertion),
    #[error("{0} payments are still pending; settle them first")]
    PaymentsPending(usize),
    #[error("there is nothing left to refund in this purse")]
    NothingToRefund,
    #[error("the receipt does not match the pending payment")]
    ReceiptMismatch,
    #[error("no payment {0} is pending")]
    NoSuchPayment(Nonce),
    #[error(transparent)]
    Letter(#[from] LetterError),
    #[error(transparent)]
    Crypto(#[from] CryptoError),
}

impl WalletError {
    /// When several purses refuse one payment, keeps the refusal to show her,
    /// whatever the purses' order: any other reason (a missing authorization,
    /// say) tells more than a purse that is merely too small.
    pub fn keep_most_telling(kept: &mut Option<WalletError>, new: WalletError) {
        if matches!(kept, None | Some(WalletError::NotEnough(_))) {
            *kept = Some(new);
        }
    }

    /// A stable code for the wire.
    pub fn code(&self) -> &'static str {
        match self {
            Self::WrongSeller => "wrong_seller",
            Self::NotOurPurse => "not_our_purse",
            Self::CurrencyMismatch { .. } => "currency_mismatch",
            Self::RequestExpired => "request_expired",
            Self::PurseExpired => "purse_expired",
            Self::NotEnough(e) => e.code(),
            Self::MissingAuthorization(_) => "authorization_missing",
            Self::PaymentsPending(_) => "payments_pending",
            Self::NothingToRefund => "nothing_to_refund",
            Self::ReceiptMismatch => "receipt_mismatch",
            Self::NoSuchPayment(_) => "no_such_payment",
            Self::Letter(e) => e.code(),
            Self::Crypto(e) => e.code(),
        }
    }
}

/// Where one of the buyer's halves stands.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum HalfState {
    Available,
    /// Sent (or about to be) in this payment; not yet confirmed.
    Pending(Nonce),
    /// Accepted by the seller in this payment.
    Spent(Nonce),
    /// Handed to the bank for a refund.
    Refunding,
    Refunded,
    /// The bank refused to refund it.
    Refused(Refusal),
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct BuyerHalf {
    pub kind: TokenKind,
    pub share: Share,
    pub state: HalfState,
}

/// The buyer's side of one purse.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct BuyerPurse {
    pub id: PurseId,
    pub bank: BankId,
    pub seller: KeyId,
    pub currency: Currency,
    pub expires_at: Timestamp,
    pub halves: BTreeMap<SessionSerial, BuyerHalf>,
}

const SAVED_PURSE_VERSION: u8 = 1;

impl Encode for HalfState {
    fn encode(&self, w: &mut Writer) {
        match self {
            HalfState::Available => w.u8(0),
            HalfState::Pending(p) => {
                w.u8(1);
                p.encode(w);
            }
            HalfState::Spent(p) => {
                w.u8(2);
                p.encode(w);
            }
            HalfState::Refunding => w.u8(3),
            HalfState::Refunded => w.u8(4),
            HalfState::Refused(r) => {
                w.u8(5);
                w.u8(*r as u8);
            }
        }
    }
}

impl Decode for HalfState {
    fn decode(r: &mut Reader<'_>) -> Result<Self, WireError> {
        Ok(match r.u8()? {
            0 => HalfState::Available,
            1 => HalfState::Pending(Nonce::decode(r)?),
            2 => HalfState::Spent(Nonce::decode(r)?),
            3 => HalfState::Refunding,
            4 => HalfState::Refunded,
            5 => {
                let tag = r.u8()?;
                HalfState::Refused(Refusal::from_u8(tag).ok_or(WireError::UnknownTag {
                    field: "refusal",
                    tag,
                })?)
            }
            tag => {
                return Err(WireError::UnknownTag {
                    field: "half state",
                    tag,
                });
            }
        })
    }
}

/// One half as a host saves it: session serial, kind, share, state.
struct SavedHalf<'a>(SessionSerial, &'a BuyerHalf);

impl Encode for SavedHalf<'_> {
    fn encode(&self, w: &mut Writer) {
        self.0.encode(w);
        self.1.kind.encode(w);
        self.1.share.encode(w);
        self.1.state.encode(w);
    }
}

/// A buyer's purse as a host saves it (IndexedDB, a file): versioned, so a
/// later layout can still read what an older wallet wrote.
impl Encode for BuyerPurse {
    fn encode(&self, w: &mut Writer) {
        w.u8(SAVED_PURSE_VERSION);
        self.id.encode(w);
        self.bank.encode(w);
        self.seller.encode(w);
        self.currency.encode(w);
        self.expires_at.encode(w);
        let halves: Vec<SavedHalf<'_>> =
            self.halves.iter().map(|(s, h)| SavedHalf(*s, h)).collect();
        w.list(&halves);
    }
}

impl Decode for BuyerPurse {
    fn decode(r: &mut Reader<'_>) -> Result<Self, WireError> {
        match r.u8()? {
            SAVED_PURSE_VERSION => {}
            v => return Err(WireError::UnknownVersion(v)),
        }
        let id = PurseId::decode(r)?;
        let bank = BankId::decode(r)?;
        let seller = KeyId::decode(r)?;
        let currency = Currency::decode(r)?;
        let expires_at = Timestamp::decode(r)?;
        let count = r.u32()? as usize;
        if count > MAX_TOKENS_PER_PURSE {
            return Err(WireError::TooLong {
                field: "purse halves",
                len: count,
                max: MAX_TOKENS_PER_PURSE,
            });
        }
        let mut halves = BTreeMap::new();
        for _ in 0..count {
            let session = SessionSerial::decode(r)?;
            let half = BuyerHalf {
                kind: TokenKind::decode(r)?,
                share: Share::decode(r)?,
                state: HalfState::decode(r)?,
            };
            // Sorted and unique, so one purse has one encoding.
            if halves
                .last_key_value()
                .is_some_and(|(last, _)| *last >= session)
            {
                return Err(WireError::Invalid("purse halves order"));
            }
            halves.insert(session, half);
        }
        Ok(BuyerPurse {
            id,
            bank,
            seller,
            currency,
            expires_at,
            halves,
        })
    }
}

impl BuyerPurse {
    fn money_in(&self, pick: impl Fn(&HalfState) -> bool) -> Amount {
        let minor = self
            .halves
            .values()
            .filter(|h| pick(&h.state))
            .filter_map(|h| h.kind.value())
            .fold(0u64, |a, v| a.saturating_add(v.minor()));
        Amount::new(minor, self.currency)
    }

    /// Money she can still spend with this seller.
    pub fn available(&self) -> Amount {
        self.money_in(|s| *s == HalfState::Available)
    }

    /// Money in payments not yet confirmed.
    pub fn pending(&self) -> Amount {
        self.money_in(|s| matches!(s, HalfState::Pending(_)))
    }

    /// Money the seller took in her payments.
    pub fn spent(&self) -> Amount {
        self.money_in(|s| matches!(s, HalfState::Spent(_)))
    }

    /// What the halves of this pending payment are worth.
    pub fn pending_in(&self, payment: Nonce) -> Amount {
        self.money_in(|s| *s == HalfState::Pending(payment))
    }

    /// Money handed to the bank for a refund, not yet answered.
    pub fn refunding(&self) -> Amount {
        self.money_in(|s| *s == HalfState::Refunding)
    }

    /// Payments sent but not confirmed, each with its halves.
    pub fn pending_payments(&self) -> BTreeMap<Nonce, Vec<SessionSerial>> {
        let mut out: BTreeMap<Nonce, Vec<SessionSerial>> = BTreeMap::new();
        for (s, h) in &self.halves {
            if let HalfState::Pending(p) = h.state {
                out.entry(p).or_default().push(*s);
            }
        }
        out
    }

    /// Authorization halves she can still present for `assertion`.
    pub fn authorizations(&self, assertion: &Assertion) -> usize {
        self.halves
            .values()
            .filter(|h| {
                h.state == HalfState::Available
                    && h.kind == TokenKind::Authorization(assertion.clone())
            })
            .count()
    }

    fn set(
        &mut self,
        sessions: &[SessionSerial],
        from: impl Fn(&HalfState) -> bool,
        to: HalfState,
    ) -> bool {
        if !sessions
            .iter()
            .all(|s| self.halves.get(s).is_some_and(|h| from(&h.state)))
        {
            return false;
        }
        for s in sessions {
            if let Some(h) = self.halves.get_mut(s) {
                h.state = to;
            }
        }
        true
    }

    /// Her halves in the given states, as shares to send.
    pub fn shares(&self, pick: impl Fn(&HalfState) -> bool) -> Vec<TokenShare> {
        self.halves
            .iter()
            .filter(|(_, h)| pick(&h.state))
            .map(|(s, h)| TokenShare {
                session: *s,
                share: h.share.clone(),
            })
            .collect()
    }

    /// Marks a prepared payment's halves pending. The host persists this
    /// before it sends the payment. False, and nothing changed, if any half
    /// is no longer available.
    pub fn mark_pending(&mut self, payment: &Payment) -> bool {
        let sessions: Vec<SessionSerial> = payment.halves.iter().map(|i| i.session).collect();
        let id = payment.payment;
        self.set(
            &sessions,
            |s| *s == HalfState::Available || *s == HalfState::Pending(id),
            HalfState::Pending(id),
        )
    }

    /// The seller's receipt: the pending halves of that payment are spent.
    pub fn settle(&mut self, receipt: &Receipt) -> Result<(), WalletError> {
        let pending = self
            .pending_payments()
            .remove(&receipt.payment)
            .ok_or(WalletError::NoSuchPayment(receipt.payment))?;
        let mut got = receipt.sessions.clone();
        got.sort();
        if receipt.purse != self.id || got != pending {
            return Err(WalletError::ReceiptMismatch);
        }
        self.set(&pending, |_| true, HalfState::Spent(receipt.payment));
        Ok(())
    }

    /// She says the till took this payment, though no receipt came back (a
    /// till in person cannot be asked again): its pending halves are spent.
    pub fn settle_without_receipt(&mut self, payment: Nonce) -> Result<(), WalletError> {
        let pending = self
            .pending_payments()
            .remove(&payment)
            .ok_or(WalletError::NoSuchPayment(payment))?;
        self.set(&pending, |_| true, HalfState::Spent(payment));
        Ok(())
    }

    /// The till says it never accepted this payment: its halves are free again.
    pub fn release(&mut self, payment: Nonce) -> Result<(), WalletError> {
        let pending = self
            .pending_payments()
            .remove(&payment)
            .ok_or(WalletError::NoSuchPayment(payment))?;
        self.set(&pending, |_| true, HalfState::Available);
        Ok(())
    }

    /// Records the bank's answer to her refund: how many of this purse's
    /// refunding halves it settled (none when it was recorded before).
    pub fn finish_refund(&mut self, result: &RefundResult) -> usize {
        let mut settled = 0;
        for line in result.lines.iter().filter(|l| l.purse == self.id) {
            if let Some(h) = self.halves.get_mut(&line.session)
                && h.state == HalfState::Refunding
            {
                h.state = match line.outcome {
                    Outcome::Credited(_) => HalfState::Refunded,
                    Outcome::Refused(r) => HalfState::Refused(r),
                };
                settled += 1;
            }
        }
        settled
    }
}

/// How old a refund result (or a purse the bank gives back to her recovery
/// request) may be when she reads it: any age. It answers a request she
/// made and signed, and waits in her inbox until she looks,
/// which may be weeks later; refusing it for age would leave her halves
/// refunding for ever. A result dated in her future is still refused.
pub const REFUND_RESULT_FRESHNESS: Freshness = Freshness {
    max_age_secs: u64::MAX,
    max_skew_secs: PURSE_FRESHNESS.max_skew_secs,
};

/// A refund request ready to leave: the exact sealed letter, its nonce (the
/// bank answers a resend of it with its first answer) and the halves it
/// hands back. The host saves all of it with the halves marked refunding,
/// then sends `sealed`, unchanged, until the bank answers.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct RefundLetter {
    pub sealed: SealedBox,
    pub nonce: Nonce,
    pub sessions: Vec<SessionSerial>,
}

/// A payment ready to send, and what it costs her.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct PreparedPayment {
    pub payment: Payment,
    pub paying: Amount,
    /// More than the price when it could not be paid exactly (no change is given).
    pub overpay: Amount,
    /// True when this resends a pending payment's halves.
    pub retry: bool,
}

/// The wallet: which bank it trusts.
#[derive(Debug)]
pub struct Wallet {
    bank: BankPublic,
    bank_letters: Correspondent,
    /// The bank again, for answers to a request she has just signed
    /// (refund results, recovered purses): any age.
    answers: Correspondent,
}

impl Wallet {
    pub fn new(bank: BankPublic, backend: &dyn Backend) -> Result<Self, WalletError> {
        Ok(Self {
            bank_letters: Correspondent::new(
                backend.verifying_key(&bank.identity.signing)?,
                PURSE_FRESHNESS,
            ),
            answers: Correspondent::new(
                backend.verifying_key(&bank.identity.signing)?,
                REFUND_RESULT_FRESHNESS,
            ),
            bank,
        })
    }

    /// Fig. 2: a signed purse request sealed for the bank, wrapped for the
    /// seller to forward. The nonce is returned so the host can match the answer.
    pub fn request_purse<R: CryptoRng + ?Sized>(
        &self,
        identity: &PrivateIdentity,
        body: &PurseRequest,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<(ForwardedPurseRequest, Nonce), WalletError> {
        let (sealed, nonce) = letter::send(
            LetterKind::PurseRequest,
            body,
            identity.signing.as_ref(),
            &self.bank.identity,
            now,
            rng,
        )?;
        Ok((
            ForwardedPurseRequest {
                bank: self.bank.id.clone(),
                sealed,
            },
            nonce,
        ))
    }

    fn open<B: Decode>(
        &self,
        identity: &PrivateIdentity,
        sealed: &SealedBox,
        kind: LetterKind,
        now: Timestamp,
    ) -> Result<B, WalletError> {
        Ok(self
            .bank_letters
            .open(sealed, identity.id(), identity.sealing.as_ref(), kind, now)?)
    }

    /// Fig. 6: unseals her purse, as it comes back through the seller: at
    /// most [`PURSE_FRESHNESS`] old.
    pub fn receive_purse(
        &self,
        identity: &PrivateIdentity,
        sealed: &SealedBox,
        now: Timestamp,
    ) -> Result<BuyerPurse, WalletError> {
        let c: PurseContents = self.open(identity, sealed, LetterKind::BuyerPurse, now)?;
        self.purse_of(c)
    }

    /// Her purse as the bank gives it back for her signed recovery request
    /// (the answer to her purse order was lost): of any age, as a refund
    /// result is. It answers a request she made just now, straight to her
    /// bank, and the purse may have been minted weeks ago.
    pub fn receive_recovered_purse(
        &self,
        identity: &PrivateIdentity,
        sealed: &SealedBox,
        now: Timestamp,
    ) -> Result<BuyerPurse, WalletError> {
        let c: PurseContents = self.answers.open(
            sealed,
            identity.id(),
            identity.sealing.as_ref(),
            LetterKind::BuyerPurse,
            now,
        )?;
        self.purse_of(c)
    }

    fn purse_of(&self, c: PurseContents) -> Result<BuyerPurse, WalletError> {
        if c.bank != self.bank.id {
            return Err(WalletError::NotOurPurse);
        }
        let mut halves = BTreeMap::new();
        for e in c.entries {
            let half = BuyerHalf {
                kind: e.kind,
                share: e.share,
                state: HalfState::Available,
            };
            if halves.insert(e.session, half).is_some() {
                return Err(WalletError::NotOurPurse);
            }
        }
        Ok(BuyerPurse {
            id: c.purse,
            bank: c.bank,
            seller: c.seller,
            currency: c.currency,
            expires_at: c.expires_at,
            halves,
        })
    }

    /// Fig. 7: picks halves for a payment request. Changes nothing: the host
    /// calls [`BuyerPurse::mark_pending`] and persists before sending.
    pub fn prepare_payment(
        &self,
        purse: &BuyerPurse,
        request: &PaymentRequest,
        now: Timestamp,
    ) -> Result<PreparedPayment, WalletError> {
        if request.seller != purse.seller {
            return Err(WalletError::WrongSeller);
        }
        if request.price.currency() != purse.currency {
            return Err(WalletError::CurrencyMismatch {
                price: request.price.currency(),
                purse: purse.currency,
            });
        }
        let share_of = |s: &SessionSerial| {
            purse.halves.get(s).map(|h| TokenShare {
                session: *s,
                share: h.share.clone(),
            })
        };
        if let Some(sessions) = purse.pending_payments().remove(&request.payment) {
            let paying = sessions
                .iter()
                .filter_map(|s| purse.halves.get(s)?.kind.value())
                .fold(0u64, |a, v| a + v.minor());
            return Ok(PreparedPayment {
                payment: Payment {
                    payment: request.payment,
                    purse: purse.id,
                    halves: sessions.iter().filter_map(share_of).collect(),
                },
                paying: Amount::new(paying, purse.currency),
                overpay: Amount::new(paying.saturating_sub(request.price.minor()), purse.currency),
                retry: true,
            });
        }
        if now > request.expires_at {
            return Err(WalletError::RequestExpired);
        }
        if now > purse.expires_at {
            return Err(WalletError::PurseExpired);
        }
        let money: Vec<(SessionSerial, u64)> = purse
            .halves
            .iter()
            .filter(|(_, h)| h.state == HalfState::Available)
            .filter_map(|(s, h)| Some((*s, h.kind.value()?.minor())))
            .collect();
        let chosen = coins::select(&money, request.price.minor())?;
        let mut sessions = chosen.sessions;
        if let Some(needed) = &request.requires {
            let want = TokenKind::Authorization(needed.clone());
            let auth = purse
                .halves
                .iter()
                .find(|(_, h)| h.state == HalfState::Available && h.kind == want)
                .map(|(s, _)| *s)
                .ok_or_else(|| WalletError::MissingAuthorization(needed.clone()))?;
            sessions.push(auth);
        }
        Ok(PreparedPayment {
            payment: Payment {
                payment: request.payment,
                purse: purse.id,
                halves: sessions.iter().filter_map(share_of).collect(),
            },
            paying: Amount::new(chosen.total, purse.currency),
            overpay: Amount::new(chosen.overpay, purse.currency),
            retry: false,
        })
    }

    /// Fig. 10 from her side: every available half back to the bank, signed
    /// and sealed. Marks them refunding; the host persists before sending.
    pub fn request_refund<R: CryptoRng + ?Sized>(
        &self,
        identity: &PrivateIdentity,
        purse: &mut BuyerPurse,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<SealedBox, WalletError> {
        Ok(self.refund_letter(identity, purse, now, rng)?.sealed)
    }

    /// [`request_refund`](Self::request_refund), with what the host saves to
    /// resend it: the letter's nonce and the halves it hands back.
    pub fn refund_letter<R: CryptoRng + ?Sized>(
        &self,
        identity: &PrivateIdentity,
        purse: &mut BuyerPurse,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<RefundLetter, WalletError> {
        let pending = purse.pending_payments().len();
        if pending > 0 {
            return Err(WalletError::PaymentsPending(pending));
        }
        let halves = purse.shares(|s| *s == HalfState::Available);
        if halves.is_empty() {
            return Err(WalletError::NothingToRefund);
        }
        let letter = self.refund_of(identity, purse.id, halves, now, rng)?;
        purse.set(&letter.sessions, |_| true, HalfState::Refunding);
        Ok(letter)
    }

    /// A refund letter handing back `halves` of the purse, signed by her and
    /// sealed for the bank.
    fn refund_of<R: CryptoRng + ?Sized>(
        &self,
        identity: &PrivateIdentity,
        purse: PurseId,
        halves: Vec<TokenShare>,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<RefundLetter, WalletError> {
        let sessions: Vec<SessionSerial> = halves.iter().map(|i| i.session).collect();
        let (sealed, nonce) = letter::send(
            LetterKind::Refund,
            &RefundRequest { purse, halves },
            identity.signing.as_ref(),
            &self.bank.identity,
            now,
            rng,
        )?;
        Ok(RefundLetter {
            sealed,
            nonce,
            sessions,
        })
    }

    /// A new refund letter for halves of an earlier one that are still
    /// refunding, when the bank can no longer take the earlier letter (it
    /// never reached the bank while fresh). The halves stay refunding; only
    /// the letter is new (new nonce, new time).
    pub fn refund_letter_again<R: CryptoRng + ?Sized>(
        &self,
        identity: &PrivateIdentity,
        purse: &BuyerPurse,
        sessions: &[SessionSerial],
        now: Timestamp,
        rng: &mut R,
    ) -> Result<RefundLetter, WalletError> {
        let halves: Vec<TokenShare> = purse
            .shares(|s| *s == HalfState::Refunding)
            .into_iter()
            .filter(|i| sessions.contains(&i.session))
            .collect();
        if halves.is_empty() {
            return Err(WalletError::NothingToRefund);
        }
        self.refund_of(identity, purse.id, halves, now, rng)
    }

    /// Opens the bank's letter telling her how her refund was settled: sealed
    /// for her, signed by her bank, of any age ([`REFUND_RESULT_FRESHNESS`]:
    /// it answers a request of hers, whenever she reads it), but not from the
    /// future. Applying it ([`BuyerPurse::finish_refund`]) changes only halves
    /// still refunding, so the same result read twice counts once.
    pub fn open_refund_result(
        &self,
        identity: &PrivateIdentity,
        sealed: &SealedBox,
        now: Timestamp,
    ) -> Result<RefundResult, WalletError> {
        Ok(self.answers.open(
            sealed,
            identity.id(),
            identity.sealing.as_ref(),
            LetterKind::RefundResult,
            now,
        )?)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    use super::*;
    use crate::crypto::rustcrypto::RustCrypto;
    use crate::ids::CaseId;
    use crate::messages::{Line, SettledBy};
    use crate::testing;
    use crate::{Suite, TokenKeys};

    const NOW: Timestamp = Timestamp(1_795_478_400);
    const DAY: u64 = 86_400;

    fn bank() -> BankPublic {
        BankPublic {
            id: BankId::new("demo-bank").unwrap(),
            identity: testing::bank_identity().public(),
            token_keys: TokenKeys::new([testing::bank_token_public()]).unwrap(),
            default_suite: Suite::Rsa2048Sha256,
        }
    }

    /// Three one-cent halves, all available.
    fn purse() -> BuyerPurse {
        let halves = (0..3)
            .map(|s| {
                let half = BuyerHalf {
                    kind: TokenKind::Money(Amount::new(1, Currency::USD)),
                    share: Share::from_bytes(vec![s as u8; 95]),
                    state: HalfState::Available,
                };
                (SessionSerial(s), half)
            })
            .collect();
        BuyerPurse {
            id: PurseId([7; 16]),
            bank: bank().id,
            seller: KeyId([9; 32]),
            currency: Currency::USD,
            expires_at: NOW.plus(90 * DAY),
            halves,
        }
    }

    /// The bank's answer crediting every half of `purse`, signed by
    /// `signer` and sealed for `to` at `at`.
    fn result_letter(
        purse: &BuyerPurse,
        signer: &PrivateIdentity,
        to: &PrivateIdentity,
        at: Timestamp,
        rng: &mut ChaCha20Rng,
    ) -> SealedBox {
        let cent = Amount::new(1, Currency::USD);
        let result = RefundResult {
            case: CaseId([3; 16]),
            purse: purse.id,
            settled_by: SettledBy::SellerReturn,
            seller_credited: Amount::new(0, Currency::USD),
            buyer_refunded: Amount::new(3, Currency::USD),
            lines: purse
                .halves
                .keys()
                .map(|s| Line {
                    purse: purse.id,
                    session: *s,
                    outcome: Outcome::Credited(cent),
                })
                .collect(),
        };
        letter::send(
            LetterKind::RefundResult,
            &result,
            signer.signing.as_ref(),
            &to.public(),
            at,
            rng,
        )
        .unwrap()
        .0
    }

    #[test]
    fn a_refund_letter_names_its_nonce_and_halves() {
        let (wallet, buyer) = (
            Wallet::new(bank(), &RustCrypto).unwrap(),
            testing::buyer_identity(),
        );
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let mut p = purse();
        let letter = wallet.refund_letter(&buyer, &mut p, NOW, &mut rng).unwrap();
        assert_eq!(
            letter.sessions,
            [SessionSerial(0), SessionSerial(1), SessionSerial(2)]
        );
        assert_eq!(p.refunding(), Amount::new(3, Currency::USD));
        let bank = testing::bank_identity();
        let opened = letter::open(
            &letter.sealed,
            bank.id(),
            bank.sealing.as_ref(),
            LetterKind::Refund,
            NOW,
            Freshness::default(),
        )
        .unwrap();
        assert_eq!(opened.letter.nonce, letter.nonce, "the nonce the bank sees");
        assert_eq!(
            wallet.refund_letter(&buyer, &mut p, NOW, &mut rng),
            Err(WalletError::NothingToRefund)
        );
    }

    #[test]
    fn a_refund_result_30_days_old_is_accepted_and_applied_once() {
        let (wallet, buyer) = (
            Wallet::new(bank(), &RustCrypto).unwrap(),
            testing::buyer_identity(),
        );
        let mut rng = ChaCha20Rng::seed_from_u64(2);
        let mut p = purse();
        wallet.refund_letter(&buyer, &mut p, NOW, &mut rng).unwrap();
        let sealed = result_letter(&p, &testing::bank_identity(), &buyer, NOW, &mut rng);
        let later = NOW.plus(30 * DAY);
        let result = wallet.open_refund_result(&buyer, &sealed, later).unwrap();
        assert_eq!(result.buyer_refunded, Amount::new(3, Currency::USD));
        assert_eq!(p.finish_refund(&result), 3);
        assert_eq!(p.refunding(), Amount::new(0, Currency::USD));
        assert!(p.halves.values().all(|h| h.state == HalfState::Refunded));
        let again = wallet.open_refund_result(&buyer, &sealed, later).unwrap();
        assert_eq!(p.finish_refund(&again), 0, "the same result counts once");
        assert!(p.halves.values().all(|h| h.state == HalfState::Refunded));
    }

    #[test]
    fn a_forged_or_someone_elses_refund_result_is_refused() {
        let (wallet, buyer) = (
            Wallet::new(bank(), &RustCrypto).unwrap(),
            testing::buyer_identity(),
        );
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let mut p = purse();
        wallet.refund_letter(&buyer, &mut p, NOW, &mut rng).unwrap();
        let later = NOW.plus(30 * DAY);
        // Signed by a key that is not her bank's.
        let forged = result_letter(&p, &testing::other_identity(), &buyer, NOW, &mut rng);
        assert_eq!(
            wallet.open_refund_result(&buyer, &forged, later),
            Err(WalletError::Letter(LetterError::WrongSender))
        );
        // Her bank's, but sealed for another buyer.
        let other = testing::other_identity();
        let theirs = result_letter(&p, &testing::bank_identity(), &other, NOW, &mut rng);
        assert!(wallet.open_refund_result(&buyer, &theirs, later).is_err());
        // Dated beyond the clock's allowed skew.
        let ahead = result_letter(
            &p,
            &testing::bank_identity(),
            &buyer,
            later.plus(PURSE_FRESHNESS.max_skew_secs + 1),
            &mut rng,
        );
        assert_eq!(
            wallet.open_refund_result(&buyer, &ahead, later),
            Err(WalletError::Letter(LetterError::FromTheFuture))
        );
        assert_eq!(
            p.refunding(),
            Amount::new(3, Currency::USD),
            "nothing applied"
        );
        // A purse letter through the seller keeps its own window: 8 days
        // old is too old. The bank's answer to her recovery request is
        // opened at any age.
        let purse_letter = letter::send(
            LetterKind::BuyerPurse,
            &PurseContents {
                purse: p.id,
                bank: p.bank.clone(),
                seller: p.seller,
                currency: p.currency,
                expires_at: p.expires_at,
                entries: vec![],
            },
            testing::bank_identity().signing.as_ref(),
            &buyer.public(),
            NOW,
            &mut rng,
        )
        .unwrap()
        .0;
        assert_eq!(
            wallet.receive_purse(&buyer, &purse_letter, NOW.plus(8 * DAY)),
            Err(WalletError::Letter(LetterError::Expired))
        );
        assert_eq!(
            wallet
                .receive_recovered_purse(&buyer, &purse_letter, NOW.plus(30 * DAY))
                .map(|r| r.id),
            Ok(p.id)
        );
    }
}
