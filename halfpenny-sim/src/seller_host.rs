//! A seller, hosted in memory: his till, purses, tokens and receipts.

use std::collections::BTreeMap;

use halfpenny::bank::BankPublic;
use halfpenny::crypto::PrivateIdentity;
use halfpenny::crypto::rustcrypto::RustCrypto;
use halfpenny::crypto::seal::SealedBox;
use halfpenny::letter::{LetterError, LetterKind};
use halfpenny::messages::{
    MintResponse, Payment, PaymentRequest, Receipt, RedemptionResult, RefundResult, ReturnRequest,
    SpentToken,
};
use halfpenny::till::{SellerPurse, Till, TillError, VerifyPolicy};
use halfpenny::{Amount, Assertion, KeyId, Nonce, PurseId, Timestamp};
use rand_core::CryptoRng;

use crate::{BankHost, SimError};

#[derive(Debug)]
pub struct SellerHost {
    pub identity: PrivateIdentity,
    pub till: Till,
    pub purses: BTreeMap<PurseId, SellerPurse>,
    /// Joined tokens not yet handed to the bank.
    pub tokens: Vec<SpentToken>,
    pub requests: BTreeMap<Nonce, PaymentRequest>,
    pub receipts: BTreeMap<Nonce, Receipt>,
    /// Refused payments and why, for the seller's operations view.
    pub refused: Vec<(Nonce, TillError)>,
    pub redeemed: Vec<RedemptionResult>,
    /// Tokens already handed to the bank (kept as a record).
    pub handed_in: Vec<SpentToken>,
}

impl SellerHost {
    pub fn new(
        identity: PrivateIdentity,
        bank: BankPublic,
        verify: VerifyPolicy,
    ) -> Result<Self, SimError> {
        let till = Till::new(identity.id(), bank, &RustCrypto, verify)?;
        Ok(Self {
            identity,
            till,
            purses: BTreeMap::new(),
            tokens: Vec::new(),
            requests: BTreeMap::new(),
            receipts: BTreeMap::new(),
            refused: Vec::new(),
            redeemed: Vec::new(),
            handed_in: Vec::new(),
        })
    }

    pub fn id(&self) -> KeyId {
        self.identity.id()
    }

    /// Fig. 5: stores his purse and hands back the buyer's, still sealed.
    pub fn receive(
        &mut self,
        response: &MintResponse,
        now: Timestamp,
    ) -> Result<SealedBox, SimError> {
        let purse = self
            .till
            .receive_purse(&self.identity, &response.seller_purse, now)?;
        self.purses.insert(purse.id, purse);
        Ok(response.buyer_purse.clone())
    }

    /// What the pay button shows: an item, a price, perhaps a requirement.
    pub fn offer<R: CryptoRng>(
        &mut self,
        item: &str,
        price: Amount,
        requires: Option<Assertion>,
        now: Timestamp,
        rng: &mut R,
    ) -> PaymentRequest {
        let request = PaymentRequest {
            seller: self.id(),
            payment: Nonce::random(rng),
            item: item.to_owned(),
            price,
            requires,
            expires_at: now.plus(600),
        };
        self.requests.insert(request.payment, request.clone());
        request
    }

    /// Fig. 8, hosted: the same payment twice gets the first receipt again.
    pub fn take_payment<R: CryptoRng>(
        &mut self,
        payment: &Payment,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<Receipt, SimError> {
        if let Some(r) = self.receipts.get(&payment.payment) {
            return Ok(r.clone());
        }
        let request = self
            .requests
            .get(&payment.payment)
            .ok_or(SimError::Unknown("payment request"))?;
        let purse = self
            .purses
            .get_mut(&payment.purse)
            .ok_or(SimError::Till(TillError::WrongPurse))?;
        match self.till.accept(request, payment, purse, now, rng) {
            Ok(accepted) => {
                // One transaction: consume halves, keep tokens, keep receipt.
                if !purse.apply(&accepted) {
                    return Err(SimError::Conflict("seller halves"));
                }
                self.tokens.extend(accepted.tokens);
                self.receipts
                    .insert(accepted.receipt.payment, accepted.receipt.clone());
                Ok(accepted.receipt)
            }
            Err(e) => {
                self.refused.push((payment.payment, e.clone()));
                Err(e.into())
            }
        }
    }

    /// What a wallet asks after a lost reply: did you take this payment?
    pub fn status(&self, payment: Nonce) -> Option<Receipt> {
        self.receipts.get(&payment).cloned()
    }

    /// What the till has taken, not yet redeemed.
    pub fn takings(&self) -> u64 {
        self.tokens
            .iter()
            .filter_map(|t| t.token.token.kind.value())
            .map(|a| a.minor())
            .sum()
    }

    /// Fig. 9: hands every joined token to the bank; keeps none afterwards.
    pub fn redeem<R: CryptoRng>(
        &mut self,
        bank: &mut BankHost,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<RedemptionResult, SimError> {
        let tokens: Vec<SpentToken> = self
            .tokens
            .iter()
            .filter(|t| t.token.token.kind.value().is_some())
            .cloned()
            .collect();
        let sealed = self
            .till
            .redemption(&self.identity, tokens.clone(), now, rng)?;
        let result = bank.redeem(&sealed, now)?;
        self.tokens.retain(|t| t.token.token.kind.value().is_none());
        self.handed_in.extend(tokens);
        self.redeemed.push(result.clone());
        Ok(result)
    }

    /// Answers every return request waiting at the bank (Fig. 10, seller side),
    /// and reads any refund results addressed to him.
    pub fn answer_returns<R: CryptoRng>(
        &mut self,
        bank: &mut BankHost,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<Vec<RefundResult>, SimError> {
        let mut results = Vec::new();
        let ask = self.till.inbox_request(&self.identity, 0, now, rng)?;
        for sealed in bank.collect(&ask, now)? {
            let ask = match self.till.open_from_bank::<ReturnRequest>(
                &self.identity,
                &sealed,
                LetterKind::ReturnRequest,
                now,
            ) {
                Ok(ask) => ask,
                Err(TillError::Letter(LetterError::WrongKind { .. })) => {
                    let r: RefundResult = self.till.open_from_bank(
                        &self.identity,
                        &sealed,
                        LetterKind::RefundResult,
                        now,
                    )?;
                    results.push(r);
                    continue;
                }
                // Too old to answer (as the shop does, skipped): the
                // return window is long past, and the bank settles the
                // case by the deadline rule.
                Err(_) => continue,
            };
            let purse = self
                .purses
                .get(&ask.purse)
                .ok_or(SimError::Unknown("purse"))?;
            let mine: Vec<SpentToken> = self
                .tokens
                .iter()
                .filter(|t| t.purse == ask.purse)
                .cloned()
                .collect();
            let answer = self
                .till
                .answer_return(&self.identity, &ask, purse, mine, now, rng)?;
            results.push(bank.take_return(&answer, now, rng)?);
            let (given, kept) = std::mem::take(&mut self.tokens)
                .into_iter()
                .partition(|t| t.purse == ask.purse);
            self.handed_in.extend::<Vec<SpentToken>>(given);
            self.tokens = kept;
            self.purses.remove(&ask.purse);
        }
        Ok(results)
    }
}
