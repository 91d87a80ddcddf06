//! The desk: a seller's identity and the core `Till` over a `TillStore`,
//! driven the way every Halfpenny host drives the core (load the records,
//! let the till decide, save the decision in one transaction, then hand
//! anything out). Plain values only: a page keeps its own signals.
//!
//! Taking a payment needs no network: the request, the purse and the
//! receipts are all in the store, and the till checks the halves itself.

use std::cell::Cell;
use std::collections::BTreeMap;

use halfpenny::bank::BankPublic;
use halfpenny::crypto::rustcrypto::{RsaKey, RustCrypto};
use halfpenny::crypto::seal::SealedBox;
use halfpenny::crypto::{PrivateIdentity, PublicIdentity};
use halfpenny::letter::LetterKind;
use halfpenny::messages::{
    ForwardedPurseRequest, MAX_ITEM_NAME, MintResponse, Payment, PaymentRequest, Receipt,
    ReturnRequest,
};
use halfpenny::till::{Till, TillError, VerifyPolicy};
use halfpenny::wire::TextForm;
use halfpenny::{Amount, Currency, KeyId, Nonce, PurseId, Timestamp};
use halfpenny_till_store::{Kept, Refusal, SavedIdentity, TakenTokens, TillStore};
use rand_core::CryptoRng;

use crate::DeskError;

/// How long a payment request may be answered.
pub const OFFER_SECS: u64 = 600;
/// How many times a payment is judged again when another tab consumed some
/// of its halves meanwhile.
const ATTEMPTS: usize = 5;

/// What forwarding a purse request gave.
#[derive(Clone, Debug)]
pub struct Forwarded {
    /// Her purse, sealed for her: the till hands it on unread.
    pub buyer_purse: SealedBox,
    /// What his new purse is worth; `None` if his half could not be opened
    /// (the bank has debited her: she can still have her purse refunded).
    pub value: Option<Amount>,
}

/// A redemption letter ready to send, and the payments it hands in.
#[derive(Clone, Debug)]
pub struct Redemption {
    pub letter: SealedBox,
    pub payments: Vec<Nonce>,
    pub value: Vec<Amount>,
}

/// The answer to a return request, and what it hands back.
#[derive(Clone, Debug)]
pub struct ReturnAnswer {
    pub letter: SealedBox,
    pub purse: PurseId,
    pub payments: Vec<Nonce>,
}

/// A seller's till on top of a store.
#[derive(Debug)]
pub struct TillDesk<S: TillStore> {
    store: S,
    identity: PrivateIdentity,
    saved: SavedIdentity,
    bank: BankPublic,
    verify: Cell<VerifyPolicy>,
}

impl<S: TillStore> TillDesk<S> {
    /// Makes his two RSA-2048 keys from `rng` (seconds in a browser) and
    /// saves them with his bank's address and keys.
    pub async fn create<R: CryptoRng + ?Sized>(
        store: S,
        bank_url: String,
        bank: BankPublic,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<Self, DeskError> {
        if store.identity().await?.is_some() {
            return Err(DeskError::AlreadyCreated);
        }
        let (signing, sealing) = (RsaKey::generate(rng)?, RsaKey::generate(rng)?);
        Self::create_with(store, &signing, &sealing, bank_url, bank, now).await
    }

    /// Saves an identity made of existing keys.
    pub async fn create_with(
        store: S,
        signing: &RsaKey,
        sealing: &RsaKey,
        bank_url: String,
        bank: BankPublic,
        now: Timestamp,
    ) -> Result<Self, DeskError> {
        let saved = SavedIdentity::new(signing, sealing, bank_url, bank, now)?;
        // Another tab may have set one up meanwhile: it is kept.
        if !store.create_identity(&saved).await? {
            return Err(DeskError::AlreadyCreated);
        }
        Self::from_saved(store, saved)
    }

    /// The till saved in `store`, if it was set up.
    pub async fn load(store: S) -> Result<Option<Self>, DeskError> {
        match store.identity().await? {
            Some(saved) => Ok(Some(Self::from_saved(store, saved)?)),
            None => Ok(None),
        }
    }

    fn from_saved(store: S, saved: SavedIdentity) -> Result<Self, DeskError> {
        let identity = saved.private_identity().ok_or(DeskError::BadSavedKeys)?;
        Ok(Self {
            store,
            identity,
            bank: saved.bank.clone(),
            saved,
            verify: Cell::new(VerifyPolicy::All),
        })
    }

    /// The core till, with the verification policy now chosen.
    fn till(&self) -> Result<Till, DeskError> {
        Ok(Till::new(
            self.identity.id(),
            self.bank.clone(),
            &RustCrypto,
            self.verify.get(),
        )?)
    }

    pub fn seller(&self) -> KeyId {
        self.identity.id()
    }

    /// What he registers at the bank.
    pub fn public(&self) -> PublicIdentity {
        self.identity.public()
    }

    pub fn bank_url(&self) -> &str {
        &self.saved.bank_url
    }

    pub fn store(&self) -> &S {
        &self.store
    }

    pub fn verify(&self) -> VerifyPolicy {
        self.verify.get()
    }

    /// Check every token's bank signature, or about one in `one_in`.
    pub fn set_verify(&self, policy: VerifyPolicy) {
        self.verify.set(policy);
    }

    /// Reads a buyer's purse request (`hpq1.…`) and checks it is for his bank.
    pub fn purse_request(&self, text: &str) -> Result<ForwardedPurseRequest, DeskError> {
        let fwd = ForwardedPurseRequest::from_text(text.trim())?;
        if fwd.bank != self.bank.id {
            return Err(DeskError::WrongBank(fwd.bank));
        }
        Ok(fwd)
    }

    /// Fig. 5: keeps his purse from the bank's answer and hands back hers,
    /// still sealed for her.
    pub async fn receive(
        &self,
        response: &MintResponse,
        now: Timestamp,
    ) -> Result<Forwarded, DeskError> {
        let value = match self
            .till()?
            .receive_purse(&self.identity, &response.seller_purse, now)
        {
            Ok(purse) => {
                self.store.add_purse(&purse).await?;
                Some(purse.unspent_value())
            }
            Err(_) => None,
        };
        Ok(Forwarded {
            buyer_purse: response.buyer_purse.clone(),
            value,
        })
    }

    /// A payment request for `item` at `price`, saved until answered.
    pub async fn offer<R: CryptoRng + ?Sized>(
        &self,
        item: &str,
        price: Amount,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<PaymentRequest, DeskError> {
        let item = item.trim();
        if item.is_empty() || item.len() > MAX_ITEM_NAME {
            return Err(DeskError::BadItem);
        }
        if price.is_zero() {
            return Err(DeskError::ZeroPrice);
        }
        let request = PaymentRequest {
            seller: self.seller(),
            payment: Nonce::random(rng),
            item: item.to_owned(),
            price,
            requires: None,
            expires_at: now.plus(OFFER_SECS),
        };
        self.store.save_offer(&request).await?;
        Ok(request)
    }

    /// Fig. 8, off-line: takes a payment (`hpp1.…`). The same payment again
    /// gets its first receipt; a refused one is recorded and consumes nothing.
    pub async fn take<R: CryptoRng + ?Sized>(
        &self,
        text: &str,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<Receipt, DeskError> {
        let payment = match Payment::from_text(text.trim()) {
            Ok(p) => p,
            Err(e) => return Err(self.refuse(None, e.into(), now).await),
        };
        let nonce = payment.payment;
        if let Some(first) = self.store.receipt(nonce).await? {
            return Ok(first);
        }
        let Some(request) = self.store.offer(nonce).await? else {
            return Err(self
                .refuse(Some(nonce), DeskError::UnknownRequest, now)
                .await);
        };
        let till = self.till()?;
        for _ in 0..ATTEMPTS {
            let Some(purse) = self.store.purse(payment.purse).await? else {
                let e = TillError::WrongPurse.into();
                return Err(self.refuse(Some(nonce), e, now).await);
            };
            let accepted = match till.accept(&request, &payment, &purse, now, rng) {
                Ok(a) => a,
                Err(e) => {
                    // A copy of this very payment may have just been taken
                    // in another tab: then this is its answer.
                    if let Some(first) = self.store.receipt(nonce).await? {
                        return Ok(first);
                    }
                    return Err(self.refuse(Some(nonce), e.into(), now).await);
                }
            };
            match self.store.keep_payment(&accepted).await? {
                Kept::Taken => return Ok(accepted.receipt),
                Kept::AlreadyTaken(first) => return Ok(first),
                // Another tab consumed some of these halves: judge again.
                Kept::HalvesGone => continue,
            }
        }
        Err(DeskError::Busy)
    }

    /// Records a refusal (best effort: a full disk must not hide the reason).
    async fn refuse(&self, payment: Option<Nonce>, e: DeskError, now: Timestamp) -> DeskError {
        let refusal = Refusal::new(payment, e.code(), &halfpenny::sentence(&e), now);
        let _ = self.store.record_refusal(&refusal).await;
        e
    }

    /// The payment request a payment answers, if this till made it.
    pub async fn offer_of(&self, payment: Nonce) -> Result<Option<PaymentRequest>, DeskError> {
        Ok(self.store.offer(payment).await?)
    }

    /// Joined money not yet redeemed, per currency.
    pub async fn takings(&self) -> Result<Vec<Amount>, DeskError> {
        Ok(totals(&self.store.unredeemed().await?))
    }

    /// Refused payments, newest first.
    pub async fn refusals(&self) -> Result<Vec<Refusal>, DeskError> {
        let mut all = self.store.refusals().await?;
        all.reverse();
        Ok(all)
    }

    /// His signed request for the letters waiting in his inbox at the bank
    /// (all of them: a till reads them all each time), sealed for the bank.
    pub fn inbox_request<R: CryptoRng + ?Sized>(
        &self,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<SealedBox, DeskError> {
        Ok(self.till()?.inbox_request(&self.identity, 0, now, rng)?)
    }

    /// Fig. 9: a letter handing every joined money token to the bank, or
    /// `None` when there is nothing to redeem. Nothing is marked until the
    /// bank answers: then call [`Self::redeemed`].
    pub async fn redemption<R: CryptoRng + ?Sized>(
        &self,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<Option<Redemption>, DeskError> {
        let groups = self.store.unredeemed().await?;
        let tokens: Vec<_> = groups
            .iter()
            .flat_map(|g| g.tokens.iter())
            .filter(|t| t.token.token.kind.value().is_some())
            .cloned()
            .collect();
        if tokens.is_empty() {
            return Ok(None);
        }
        let letter = self.till()?.redemption(&self.identity, tokens, now, rng)?;
        Ok(Some(Redemption {
            letter,
            payments: groups.iter().map(|g| g.payment).collect(),
            value: totals(&groups),
        }))
    }

    /// The bank answered a redemption: its tokens are handed in.
    pub async fn redeemed(&self, payments: &[Nonce]) -> Result<usize, DeskError> {
        Ok(self.store.hand_in(payments).await?)
    }

    /// Step 1084: everything the till holds of the purse a return request
    /// (a letter from the bank inbox) asks for, signed and sealed for the
    /// bank. `None` if the till no longer holds that purse.
    pub async fn answer_return<R: CryptoRng + ?Sized>(
        &self,
        sealed: &SealedBox,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<Option<ReturnAnswer>, DeskError> {
        let till = self.till()?;
        let ask: ReturnRequest =
            till.open_from_bank(&self.identity, sealed, LetterKind::ReturnRequest, now)?;
        let Some(purse) = self.store.purse(ask.purse).await? else {
            return Ok(None);
        };
        let groups: Vec<TakenTokens> = self
            .store
            .unredeemed()
            .await?
            .into_iter()
            .filter(|g| g.tokens.iter().any(|t| t.purse == ask.purse))
            .collect();
        let tokens = groups.iter().flat_map(|g| g.tokens.clone()).collect();
        let letter = till.answer_return(&self.identity, &ask, &purse, tokens, now, rng)?;
        Ok(Some(ReturnAnswer {
            letter,
            purse: ask.purse,
            payments: groups.iter().map(|g| g.payment).collect(),
        }))
    }

    /// The bank took a purse back: its tokens are handed in, the purse gone.
    pub async fn returned(&self, answer: &ReturnAnswer) -> Result<(), DeskError> {
        self.store.hand_in(&answer.payments).await?;
        self.store.remove_purse(answer.purse).await?;
        Ok(())
    }
}

/// What money tokens are worth, per currency, in currency order.
fn totals(groups: &[TakenTokens]) -> Vec<Amount> {
    let mut by: BTreeMap<String, Currency> = BTreeMap::new();
    for a in groups.iter().flat_map(TakenTokens::money) {
        by.insert(a.currency().code().to_owned(), a.currency());
    }
    by.into_values()
        .map(|c| TakenTokens::total(groups, c))
        .collect()
}

/// A price typed at the till (`0.02`), in `currency`; above zero.
pub fn price(text: &str, currency: Currency) -> Result<Amount, DeskError> {
    let amount = Amount::from_decimal(text.trim(), currency)?;
    if amount.is_zero() {
        return Err(DeskError::ZeroPrice);
    }
    Ok(amount)
}
