//! A buyer, hosted in memory: her wallet and purses.

use std::collections::BTreeMap;

use halfpenny::bank::BankPublic;
use halfpenny::crypto::PrivateIdentity;
use halfpenny::crypto::rustcrypto::RustCrypto;
use halfpenny::crypto::seal::SealedBox;
use halfpenny::letter::{self, LetterKind};
use halfpenny::messages::{
    AuthorizationOrder, Denomination, ForwardedPurseRequest, InboxRequest, Payment, PaymentRequest,
    PurseRequest, Receipt, RefundResult,
};
use halfpenny::wallet::{BuyerPurse, PreparedPayment, Wallet, WalletError};
use halfpenny::{Currency, KeyId, PurseId, Timestamp};
use rand_core::CryptoRng;

use crate::{BankHost, SimError};

#[derive(Debug)]
pub struct BuyerHost {
    pub identity: PrivateIdentity,
    pub wallet: Wallet,
    pub purses: BTreeMap<PurseId, BuyerPurse>,
}

impl BuyerHost {
    pub fn new(identity: PrivateIdentity, bank: BankPublic) -> Result<Self, SimError> {
        Ok(Self {
            identity,
            wallet: Wallet::new(bank, &RustCrypto)?,
            purses: BTreeMap::new(),
        })
    }

    pub fn id(&self) -> KeyId {
        self.identity.id()
    }

    pub fn ask_purse<R: CryptoRng>(
        &self,
        seller: KeyId,
        currency: Currency,
        money: &[(u64, u32)],
        authorizations: Vec<AuthorizationOrder>,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<ForwardedPurseRequest, SimError> {
        let body = PurseRequest {
            seller,
            currency,
            money: Denomination::list(money),
            authorizations,
            suite: None,
        };
        Ok(self
            .wallet
            .request_purse(&self.identity, &body, now, rng)?
            .0)
    }

    pub fn store(&mut self, sealed: &SealedBox, now: Timestamp) -> Result<PurseId, SimError> {
        let purse = self.wallet.receive_purse(&self.identity, sealed, now)?;
        let id = purse.id;
        self.purses.insert(id, purse);
        Ok(id)
    }

    /// The purse she holds for a seller.
    pub fn purse_for(&self, seller: KeyId) -> Option<&BuyerPurse> {
        self.purses.values().find(|p| p.seller == seller)
    }

    /// Picks halves and marks them pending (persisted) before they are sent.
    /// Uses the first of her purses for this seller that can pay.
    pub fn pay(
        &mut self,
        request: &PaymentRequest,
        now: Timestamp,
    ) -> Result<PreparedPayment, SimError> {
        let mut refusal = None;
        let mut chosen = None;
        for purse in self.purses.values().filter(|p| p.seller == request.seller) {
            match self.wallet.prepare_payment(purse, request, now) {
                Ok(prepared) => {
                    chosen = Some(prepared);
                    break;
                }
                Err(e) => WalletError::keep_most_telling(&mut refusal, e),
            }
        }
        let prepared = chosen.ok_or_else(|| {
            refusal.map_or(SimError::Unknown("purse for this seller"), SimError::from)
        })?;
        let purse = self
            .purses
            .get_mut(&prepared.payment.purse)
            .ok_or(SimError::Unknown("purse"))?;
        if !purse.mark_pending(&prepared.payment) {
            return Err(SimError::NotAvailable);
        }
        Ok(prepared)
    }

    pub fn settle(&mut self, receipt: &Receipt) -> Result<(), SimError> {
        let purse = self
            .purses
            .get_mut(&receipt.purse)
            .ok_or(SimError::Unknown("purse"))?;
        Ok(purse.settle(receipt)?)
    }

    /// After a lost reply: settle on the till's receipt, or free the halves
    /// if the till never took the payment.
    pub fn recover(
        &mut self,
        payment: &Payment,
        till_says: Option<Receipt>,
    ) -> Result<(), SimError> {
        let purse = self
            .purses
            .get_mut(&payment.purse)
            .ok_or(SimError::Unknown("purse"))?;
        match till_says {
            Some(r) => Ok(purse.settle(&r)?),
            None => Ok(purse.release(payment.payment)?),
        }
    }

    pub fn refund<R: CryptoRng>(
        &mut self,
        purse: PurseId,
        bank: &mut BankHost,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<(), SimError> {
        let p = self
            .purses
            .get_mut(&purse)
            .ok_or(SimError::Unknown("purse"))?;
        let sealed = self.wallet.request_refund(&self.identity, p, now, rng)?;
        bank.refund(&sealed, now, rng)?;
        Ok(())
    }

    /// Reads the refund results waiting for her at the bank, asking by a
    /// signed request.
    pub fn collect_results<R: CryptoRng>(
        &mut self,
        bank: &mut BankHost,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<Vec<RefundResult>, SimError> {
        let (ask, _) = letter::send(
            LetterKind::InboxRequest,
            &InboxRequest { after: 0 },
            self.identity.signing.as_ref(),
            &bank.bank.public().identity,
            now,
            rng,
        )
        .map_err(WalletError::from)?;
        let mut out = Vec::new();
        for sealed in bank.collect(&ask, now)? {
            let r = self
                .wallet
                .open_refund_result(&self.identity, &sealed, now)?;
            if let Some(p) = self.purses.get_mut(&r.purse) {
                p.finish_refund(&r);
            }
            out.push(r);
        }
        Ok(out)
    }
}
