//! The keeper: a buyer's identity and her core `Wallet`, with every change
//! saved through a `WalletStore` before the host sends anything.

use halfpenny::bank::BankPublic;
use halfpenny::crypto::rustcrypto::{RsaKey, RustCrypto};
use halfpenny::crypto::seal::SealedBox;
use halfpenny::crypto::{PrivateIdentity, PublicIdentity};
use halfpenny::letter::{self, LetterKind};
use halfpenny::messages::{
    CaseRequest, ForwardedPurseRequest, InboxRequest, PaymentRequest, PurseRequest, Receipt,
    RefundResult, StatementRequest,
};
use halfpenny::wallet::{
    BuyerPurse, HalfState, PreparedPayment, RefundLetter, Wallet, WalletError,
};
use halfpenny::wire::{Decode, Encode};
use halfpenny::{Amount, CaseId, Currency, KeyId, Nonce, PurseId, Timestamp};
use halfpenny_store::{Event, EventKind, SavedIdentity, SavedRefund, StoreError, Via, WalletStore};
use std::sync::atomic::{AtomicU64, Ordering};

use rand_core::CryptoRng;

use crate::KeeperError;

/// What her history names as bought by a payment settled without a receipt
/// whose sending was not noted.
pub const NO_RECEIPT_ITEM: &str = "an item (no receipt)";

/// What the wallet shows for one purse.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct PurseSummary {
    pub purse: PurseId,
    pub seller: KeyId,
    pub available: Amount,
    pub pending: Amount,
    /// Taken by the seller.
    pub spent: Amount,
    /// Handed to the bank for a refund, not yet answered.
    pub refunding: Amount,
    /// Payments sent and not yet settled or released: what to recover.
    pub pending_payments: Vec<Nonce>,
    pub expires_at: Timestamp,
}

/// A refund letter the bank has not answered yet: send `sealed` (the very
/// bytes saved when her halves were marked refunding) to the bank, and
/// note its answer with [`Keeper::refund_sent`].
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct RefundToSend {
    pub nonce: Nonce,
    pub purse: PurseId,
    pub sealed: SealedBox,
    pub created_at: Timestamp,
}

/// A buyer's wallet on top of a store.
#[derive(Debug)]
pub struct Keeper<S: WalletStore> {
    pub(crate) store: S,
    /// Reached only through [`Keeper::keys`], which counts.
    identity: PrivateIdentity,
    private_key_uses: AtomicU64,
    saved: SavedIdentity,
    pub(crate) wallet: Wallet,
}

impl<S: WalletStore> Keeper<S> {
    /// Makes her two RSA-2048 keys from `rng` (slow in a browser: seconds)
    /// and saves them with her bank's address and keys.
    pub async fn create<R: CryptoRng + ?Sized>(
        store: S,
        bank_url: String,
        bank: BankPublic,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<Self, KeeperError> {
        if store.identity().await?.is_some() {
            return Err(KeeperError::AlreadyCreated);
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
    ) -> Result<Self, KeeperError> {
        let saved = SavedIdentity::new(signing, sealing, bank_url, bank, now)?;
        // Another tab may have made one meanwhile: it is kept, this one dropped.
        if !store.create_identity(&saved).await? {
            return Err(KeeperError::AlreadyCreated);
        }
        Self::from_saved(store, saved)
    }

    /// The wallet saved in `store`, if it has an identity.
    pub async fn load(store: S) -> Result<Option<Self>, KeeperError> {
        match store.identity().await? {
            Some(saved) => Ok(Some(Self::from_saved(store, saved)?)),
            None => Ok(None),
        }
    }

    fn from_saved(store: S, saved: SavedIdentity) -> Result<Self, KeeperError> {
        let identity = saved.private_identity().ok_or(KeeperError::BadSavedKeys)?;
        let wallet = Wallet::new(saved.bank.clone(), &RustCrypto)?;
        Ok(Self {
            store,
            identity,
            private_key_uses: AtomicU64::new(0),
            saved,
            wallet,
        })
    }

    /// Her private keys, for a step that signs or opens something. Every
    /// use is counted, so tests can hold the pay path to none.
    pub(crate) fn keys(&self) -> &PrivateIdentity {
        self.private_key_uses.fetch_add(1, Ordering::Relaxed);
        &self.identity
    }

    /// How many steps of this keeper have used her private keys. Paying,
    /// settling, releasing and allowances use none: a payment costs her no
    /// cryptography.
    pub fn private_key_uses(&self) -> u64 {
        self.private_key_uses.load(Ordering::Relaxed)
    }

    /// What she registers at the bank.
    pub fn public(&self) -> PublicIdentity {
        self.identity.public()
    }

    pub fn bank(&self) -> &BankPublic {
        &self.saved.bank
    }

    pub fn bank_url(&self) -> &str {
        &self.saved.bank_url
    }

    pub fn store(&self) -> &S {
        &self.store
    }

    /// A purse request sealed for the bank, for the seller to forward.
    pub fn request_purse<R: CryptoRng + ?Sized>(
        &self,
        body: &PurseRequest,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<ForwardedPurseRequest, KeeperError> {
        Ok(self.wallet.request_purse(self.keys(), body, now, rng)?.0)
    }

    /// A signed request for her balance and entries, sealed for the bank.
    pub fn statement_request<R: CryptoRng + ?Sized>(
        &self,
        currency: Currency,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<SealedBox, KeeperError> {
        self.to_bank(
            LetterKind::StatementRequest,
            &StatementRequest { currency },
            now,
            rng,
        )
    }

    /// A letter of hers to her bank: signed by her, sealed for it.
    pub(crate) fn to_bank<R: CryptoRng + ?Sized>(
        &self,
        kind: LetterKind,
        body: &impl Encode,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<SealedBox, KeeperError> {
        let (sealed, _) = letter::send(
            kind,
            body,
            self.keys().signing.as_ref(),
            &self.saved.bank.identity,
            now,
            rng,
        )?;
        Ok(sealed)
    }

    /// A signed request for the letters waiting in her inbox at the bank
    /// after the one with id `after` (0 for all), sealed for the bank.
    pub fn inbox_request<R: CryptoRng + ?Sized>(
        &self,
        after: u64,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<SealedBox, KeeperError> {
        self.to_bank(LetterKind::InboxRequest, &InboxRequest { after }, now, rng)
    }

    /// A signed request for where one of her refund cases stands, sealed
    /// for the bank.
    pub fn case_request<R: CryptoRng + ?Sized>(
        &self,
        case: CaseId,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<SealedBox, KeeperError> {
        self.to_bank(LetterKind::CaseRequest, &CaseRequest { case }, now, rng)
    }

    /// Opens and saves her purse. A purse delivered twice is saved once.
    pub async fn receive_purse(
        &self,
        sealed: &SealedBox,
        now: Timestamp,
    ) -> Result<BuyerPurse, KeeperError> {
        let purse = self.wallet.receive_purse(self.keys(), sealed, now)?;
        if self.store.add_purse(&purse).await? {
            self.record(now, purse.id, purse.available(), EventKind::PurseReceived)
                .await?;
        }
        Ok(purse)
    }

    pub async fn summaries(&self) -> Result<Vec<PurseSummary>, KeeperError> {
        Ok(self
            .store
            .purses()
            .await?
            .into_iter()
            .map(|p| PurseSummary {
                purse: p.id,
                seller: p.seller,
                available: p.available(),
                pending: p.pending(),
                spent: p.spent(),
                refunding: p.refunding(),
                pending_payments: p.pending_payments().into_keys().collect(),
                expires_at: p.expires_at,
            })
            .collect())
    }

    /// Chooses halves for the request from a purse for this seller and marks
    /// them pending, in one store transaction. Send the payment only after
    /// this returns. Asked again for the same request (a lost reply), it
    /// returns the very same halves (`retry`).
    pub async fn pay(
        &self,
        request: &PaymentRequest,
        now: Timestamp,
    ) -> Result<PreparedPayment, KeeperError> {
        let mut refusal: Option<WalletError> = None;
        for purse in self.store.purses().await? {
            if purse.seller != request.seller {
                continue;
            }
            let mut prepared = None;
            let mut refused = None;
            let marked = self
                .store
                .update_purse(purse.id, |fresh| {
                    // Chosen from the purse as saved now, not as read above:
                    // another tab may have spent some halves meanwhile.
                    match self.wallet.prepare_payment(fresh, request, now) {
                        Ok(p) => {
                            let ok = fresh.mark_pending(&p.payment);
                            prepared = Some(p);
                            ok
                        }
                        Err(e) => {
                            refused = Some(e);
                            false
                        }
                    }
                })
                .await?;
            if let (true, Some(p)) = (marked, prepared) {
                return Ok(p);
            }
            if let Some(e) = refused {
                WalletError::keep_most_telling(&mut refusal, e);
            }
        }
        Err(refusal.map_or(KeeperError::NoPurseForSeller, KeeperError::CannotPay))
    }

    /// What is left of the allowance she gave this seller, if any.
    pub async fn allowance(&self, seller: KeyId) -> Result<Option<Amount>, KeeperError> {
        Ok(self.store.allowance(seller).await?)
    }

    /// Lets the wallet pay this seller up to `amount` without asking her
    /// (`None`: always ask).
    pub async fn set_allowance(
        &self,
        seller: KeyId,
        amount: Option<Amount>,
    ) -> Result<(), KeeperError> {
        Ok(self.store.set_allowance(seller, amount).await?)
    }

    /// Gives back to the seller's allowance what a payment that did not go
    /// through took from it. Nothing if she removed the allowance meanwhile.
    pub async fn refund_allowance(&self, seller: KeyId, amount: Amount) -> Result<(), KeeperError> {
        self.store.refund_allowance(seller, amount).await?;
        Ok(())
    }

    /// Pays without asking her if the seller's allowance covers it: takes
    /// the price from the allowance (one store transaction), then [`pay`]s.
    /// `None`, and nothing changed, when the allowance does not cover it (or
    /// there is none): ask her. If paying fails, or would take more than the
    /// price (no change) beyond what is left, the allowance gets back all
    /// it gave and no half is left pending.
    ///
    /// [`pay`]: Self::pay
    pub async fn pay_within_allowance(
        &self,
        request: &PaymentRequest,
        now: Timestamp,
    ) -> Result<Option<PreparedPayment>, KeeperError> {
        let seller = request.seller;
        if !self.store.spend_allowance(seller, request.price).await? {
            return Ok(None);
        }
        let taken = request.price;
        let outcome = self.pay(request, now).await;
        let prepared = match outcome {
            Ok(p) if p.retry => {
                // The same halves again, already paid for (from the allowance
                // or with her approval): nothing new to take.
                self.refund_allowance(seller, taken).await?;
                return Ok(Some(p));
            }
            Ok(p) => p,
            Err(e) => {
                self.refund_allowance(seller, taken).await?;
                return Err(e);
            }
        };
        if !prepared.overpay.is_zero()
            && !self.store.spend_allowance(seller, prepared.overpay).await?
        {
            // More than she allowed: the halves go back, unsent.
            let payment = prepared.payment.payment;
            self.update(prepared.payment.purse, |p| p.release(payment).is_ok())
                .await?;
            self.refund_allowance(seller, taken).await?;
            return Ok(None);
        }
        Ok(Some(prepared))
    }

    /// The seller's receipt: the payment's halves are spent. The same receipt
    /// twice changes nothing the second time.
    pub async fn settle(&self, receipt: &Receipt, now: Timestamp) -> Result<(), KeeperError> {
        let mut outcome = Ok(true);
        self.update(receipt.purse, |p| match p.settle(receipt) {
            Ok(()) => true,
            Err(e) => {
                let already = receipt.sessions.iter().all(|s| {
                    p.halves.get(s).map(|h| &h.state) == Some(&HalfState::Spent(receipt.payment))
                });
                outcome = if already { Ok(false) } else { Err(e) };
                false
            }
        })
        .await?;
        if outcome? {
            self.record(
                now,
                receipt.purse,
                receipt.paid,
                EventKind::Paid {
                    payment: receipt.payment,
                    item: receipt.item.clone(),
                },
            )
            .await?;
        }
        Ok(())
    }

    /// Notes in her history where a prepared payment's halves are going and
    /// for what (`Sent`), so that if its answer is lost she can be shown it
    /// and told what to do. Call it before sending; a retry (the same halves
    /// again) was noted when first sent, and is not noted twice.
    pub async fn note_sent(
        &self,
        prepared: &PreparedPayment,
        item: &str,
        via: Via,
        now: Timestamp,
    ) -> Result<(), KeeperError> {
        if prepared.retry {
            return Ok(());
        }
        self.record(
            now,
            prepared.payment.purse,
            prepared.paying,
            EventKind::Sent {
                payment: prepared.payment.payment,
                item: item.to_owned(),
                via,
            },
        )
        .await
    }

    /// She says the till took this payment, though no receipt came back (a
    /// till in person cannot be asked): its halves are spent, in one store
    /// transaction, and her history records it as paid for the item it was
    /// sent for, like a receipt would.
    pub async fn settle_without_receipt(
        &self,
        purse: PurseId,
        payment: Nonce,
        now: Timestamp,
    ) -> Result<(), KeeperError> {
        let item = self.sent_item(payment).await?;
        let amount = self
            .try_update(purse, |p| {
                let amount = p.pending_in(payment);
                p.settle_without_receipt(payment)?;
                Ok(amount)
            })
            .await?;
        self.record(
            now,
            purse,
            amount,
            EventKind::Paid {
                payment,
                item: item.unwrap_or_else(|| NO_RECEIPT_ITEM.to_owned()),
            },
        )
        .await
    }

    /// The item a payment was sent for, if its sending was noted.
    async fn sent_item(&self, payment: Nonce) -> Result<Option<String>, KeeperError> {
        Ok(self
            .store
            .events()
            .await?
            .into_iter()
            .find_map(|e| match e.kind {
                EventKind::Sent {
                    payment: p, item, ..
                } if p == payment => Some(item),
                _ => None,
            }))
    }

    /// The till says it never took this payment: its halves are hers again.
    pub async fn release(
        &self,
        purse: PurseId,
        payment: Nonce,
        now: Timestamp,
    ) -> Result<(), KeeperError> {
        let amount = self
            .try_update(purse, |p| {
                let before = p.available();
                p.release(payment)?;
                p.available()
                    .checked_sub(before)
                    .map_err(|_| KeeperError::Wallet(WalletError::NoSuchPayment(payment)))
            })
            .await?;
        self.record(now, purse, amount, EventKind::Released { payment })
            .await
    }

    /// Marks every available half of the purse as being refunded and saves
    /// the request sealed for the bank with them, in one store transaction;
    /// returns it. Send it only after this returns; if its answer is lost,
    /// [`refunds_to_send`](Self::refunds_to_send) gives it back, unchanged,
    /// to send again.
    pub async fn request_refund<R: CryptoRng + ?Sized>(
        &self,
        purse: PurseId,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<SealedBox, KeeperError> {
        let mut outcome = Err(KeeperError::UnknownPurse);
        let started = self
            .store
            .start_refund(purse, |p| {
                let value = p.available();
                match self.wallet.refund_letter(self.keys(), p, now, rng) {
                    Ok(letter) => {
                        outcome = Ok((letter.sealed.clone(), value));
                        Some(to_save(letter, p.id, now))
                    }
                    Err(e) => {
                        outcome = Err(e.into());
                        None
                    }
                }
            })
            .await;
        match started {
            Err(StoreError::NotFound) => return Err(KeeperError::UnknownPurse),
            other => other?,
        };
        let (sealed, amount) = outcome?;
        self.record(now, purse, amount, EventKind::RefundRequested)
            .await?;
        Ok(sealed)
    }

    /// The saved refund letters to send (again): those the bank has not
    /// answered with a case, whose halves still wait, oldest first. Each is
    /// the exact letter first sent; the bank answers a letter it knows with
    /// its first answer, so sending one twice refunds once. Letters whose
    /// halves are all settled are dropped on the way.
    pub async fn refunds_to_send(&self) -> Result<Vec<RefundToSend>, KeeperError> {
        let mut out = Vec::new();
        for saved in self.store.refund_letters().await? {
            let waiting = match self.store.purse(saved.purse).await? {
                Some(p) => still_refunding(&p, &saved),
                None => false,
            };
            if !waiting {
                self.store.drop_refund_letter(saved.nonce).await?;
                continue;
            }
            if saved.case.is_some() {
                continue;
            }
            let sealed = SealedBox::from_bytes(&saved.letter)
                .map_err(|_| KeeperError::Store(StoreError::Corrupt("refund letter")))?;
            out.push(RefundToSend {
                nonce: saved.nonce,
                purse: saved.purse,
                sealed,
                created_at: saved.created_at,
            });
        }
        out.sort_by_key(|r| r.created_at);
        Ok(out)
    }

    /// The bank refused the saved refund letter `nonce` as too old: it never
    /// reached the bank while fresh (a letter it took gets its first
    /// answer, whatever its age). A new letter for its halves still
    /// refunding replaces it, saved (with the purse, in one transaction)
    /// before the old one is dropped; send it like any other. False, and
    /// nothing new, if there is no such letter or a later one already
    /// hands those halves back.
    pub async fn rewrite_refund<R: CryptoRng + ?Sized>(
        &self,
        nonce: Nonce,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<bool, KeeperError> {
        let letters = self.store.refund_letters().await?;
        let Some(old) = letters.iter().find(|l| l.nonce == nonce) else {
            return Ok(false);
        };
        let replaced = letters.iter().any(|l| {
            l.nonce != nonce
                && l.created_at >= old.created_at
                && l.sessions.iter().any(|s| old.sessions.contains(s))
        });
        if !replaced {
            let mut outcome = Ok(());
            self.store
                .start_refund(old.purse, |p| {
                    match self
                        .wallet
                        .refund_letter_again(self.keys(), p, &old.sessions, now, rng)
                    {
                        Ok(letter) => Some(to_save(letter, p.id, now)),
                        Err(e) => {
                            outcome = Err(e);
                            None
                        }
                    }
                })
                .await?;
            // Nothing still refunding: the old letter has nothing to do.
            if let Err(e) = outcome
                && e != WalletError::NothingToRefund
            {
                return Err(e.into());
            }
        }
        self.store.drop_refund_letter(nonce).await?;
        Ok(!replaced)
    }

    /// The bank opened `case` for the refund letter `nonce`: it need not be
    /// sent again. Its result comes later, through her inbox.
    pub async fn refund_sent(&self, nonce: Nonce, case: CaseId) -> Result<(), KeeperError> {
        self.store.refund_answered(nonce, case).await?;
        Ok(())
    }

    /// Opens the bank's refund result and records what came back, however
    /// late it is read (a result has no maximum age; it must be signed by
    /// her bank, sealed for her, and name a purse of hers). The saved letter
    /// it answers is dropped. The same result twice is recorded once.
    pub async fn finish_refund(
        &self,
        sealed: &SealedBox,
        now: Timestamp,
    ) -> Result<RefundResult, KeeperError> {
        let result = self.wallet.open_refund_result(self.keys(), sealed, now)?;
        // Only halves still waiting for this answer change.
        let changed = self
            .update(result.purse, |p| p.finish_refund(&result) > 0)
            .await?;
        if changed {
            self.record(
                now,
                result.purse,
                result.buyer_refunded,
                EventKind::Refunded,
            )
            .await?;
        }
        let purse = self.store.purse(result.purse).await?;
        for saved in self.store.refund_letters().await? {
            let answered = saved.case == Some(result.case)
                || (saved.purse == result.purse
                    && !purse.as_ref().is_some_and(|p| still_refunding(p, &saved)));
            if answered {
                self.store.drop_refund_letter(saved.nonce).await?;
            }
        }
        Ok(result)
    }

    /// Adds a line to her history.
    pub(crate) async fn record(
        &self,
        at: Timestamp,
        purse: PurseId,
        amount: Amount,
        kind: EventKind,
    ) -> Result<(), KeeperError> {
        self.store
            .record(&Event {
                at,
                purse,
                amount,
                kind,
            })
            .await?;
        Ok(())
    }

    /// Runs a fallible change on the saved purse; it is saved only if it
    /// succeeds, and its result is returned.
    pub(crate) async fn try_update<T>(
        &self,
        purse: PurseId,
        change: impl FnOnce(&mut BuyerPurse) -> Result<T, KeeperError>,
    ) -> Result<T, KeeperError> {
        let mut outcome = Err(KeeperError::UnknownPurse);
        self.update(purse, |p| {
            outcome = change(p);
            outcome.is_ok()
        })
        .await?;
        outcome
    }

    async fn update<F>(&self, purse: PurseId, change: F) -> Result<bool, KeeperError>
    where
        F: FnOnce(&mut BuyerPurse) -> bool,
    {
        match self.store.update_purse(purse, change).await {
            Err(StoreError::NotFound) => Err(KeeperError::UnknownPurse),
            other => Ok(other?),
        }
    }
}

/// A refund letter as it is saved until the bank answers it.
fn to_save(letter: RefundLetter, purse: PurseId, now: Timestamp) -> SavedRefund {
    SavedRefund {
        nonce: letter.nonce,
        purse,
        sessions: letter.sessions,
        letter: letter.sealed.to_bytes(),
        created_at: now,
        case: None,
    }
}

/// Whether any half a saved refund letter hands back still waits for the
/// bank's result.
fn still_refunding(purse: &BuyerPurse, saved: &SavedRefund) -> bool {
    purse.id == saved.purse
        && saved
            .sessions
            .iter()
            .any(|s| purse.halves.get(s).map(|h| &h.state) == Some(&HalfState::Refunding))
}
