//! The bank, hosted in memory: accounts, books, purse records, nonces, cases.

use std::collections::{BTreeMap, BTreeSet};

use halfpenny::bank::{
    AccountRecord, Bank, BankConfig, PurseRecord, RefundCase, Role, Settlement, TokenChange,
    TokenStatus,
};
use halfpenny::crypto::PublicIdentity;
use halfpenny::crypto::rustcrypto::RustCrypto;
use halfpenny::crypto::seal::SealedBox;
use halfpenny::ledger::{Ledger, LedgerAccount, Posting, PostingKind};
use halfpenny::letter::{LetterKind, SignedLetter};
use halfpenny::messages::{
    ForwardedPurseRequest, InboxRequest, MintResponse, PurseRecoveryRequest, PurseRequest,
    RedemptionRequest, RedemptionResult, RefundRequest, RefundResult, ReturnResponse,
};
use halfpenny::{
    Amount, Attribute, BankId, CaseId, Currency, KeyId, Nonce, PurseId, Suite, Timestamp, testing,
};
use rand_core::CryptoRng;

use crate::SimError;

#[derive(Debug)]
pub struct BankHost {
    pub bank: Bank,
    pub accounts: BTreeMap<KeyId, AccountRecord>,
    pub ledger: Ledger,
    pub purses: BTreeMap<PurseId, PurseRecord>,
    pub nonces: BTreeSet<Nonce>,
    pub cases: BTreeMap<CaseId, RefundCase>,
    /// Each refund letter taken, with the case it opened: as the real bank,
    /// a resend of the very same letter gets its first answer.
    pub refund_answers: BTreeMap<Nonce, (SignedLetter, CaseId)>,
    /// Each purse request minted, with its answer and buyer: a resend of
    /// the very same letter gets the same purse, as at the real bank.
    pub mint_answers: BTreeMap<Nonce, (SignedLetter, KeyId, MintResponse)>,
    /// Letters waiting for a party to collect them (the queue a seller polls).
    pub outbox: Vec<(KeyId, SealedBox)>,
}

impl BankHost {
    /// A bank with the fixed test keys, one per suite.
    pub fn new(config: BankConfig) -> Result<Self, SimError> {
        let bank = Bank::new(
            config,
            testing::bank_identity(),
            testing::bank_token_keys(),
            Box::new(RustCrypto),
        )?;
        Ok(Self::with_bank(bank))
    }

    pub fn with_bank(bank: Bank) -> Self {
        Self {
            bank,
            accounts: BTreeMap::new(),
            ledger: Ledger::new(),
            purses: BTreeMap::new(),
            nonces: BTreeSet::new(),
            cases: BTreeMap::new(),
            refund_answers: BTreeMap::new(),
            mint_answers: BTreeMap::new(),
            outbox: Vec::new(),
        }
    }

    /// The demo bank, `demo-bank`, with default rules.
    /// The demo bank, minting `suite` tokens unless a request asks otherwise.
    pub fn demo(suite: Suite) -> Result<Self, SimError> {
        let id = BankId::new("demo-bank").map_err(|_| SimError::Unknown("bank id"))?;
        let mut config = BankConfig::new(id);
        config.default_suite = suite;
        Self::new(config)
    }

    pub fn register(
        &mut self,
        identity: PublicIdentity,
        role: Role,
        address: Option<String>,
    ) -> KeyId {
        let id = identity.id();
        self.accounts.insert(
            id,
            AccountRecord {
                identity,
                role,
                address,
                attributes: Vec::new(),
            },
        );
        id
    }

    pub fn record_attribute(&mut self, who: KeyId, attribute: Attribute) -> Result<(), SimError> {
        self.accounts
            .get_mut(&who)
            .ok_or(SimError::Unknown("account"))?
            .attributes
            .push(attribute);
        Ok(())
    }

    /// The operator's path: money arrives from outside.
    pub fn fund(&mut self, who: KeyId, amount: Amount) -> Result<(), SimError> {
        if !self.accounts.contains_key(&who) {
            return Err(SimError::Unknown("account"));
        }
        let p = Posting {
            kind: PostingKind::Funding,
            debit: LedgerAccount::Settlement,
            credit: LedgerAccount::Customer(who),
            amount,
        };
        self.ledger.post(&p).map_err(|e| SimError::Bank(e.into()))
    }

    pub fn balance(&self, who: KeyId, currency: Currency) -> i128 {
        self.ledger.balance(LedgerAccount::Customer(who), currency)
    }

    fn account(&self, id: &KeyId) -> Result<&AccountRecord, SimError> {
        self.accounts
            .get(id)
            .ok_or(SimError::Bank(halfpenny::bank::BankError::UnknownAccount))
    }

    /// Opens a letter and refuses a nonce seen before.
    fn open(
        &self,
        sealed: &SealedBox,
        kind: LetterKind,
        now: Timestamp,
    ) -> Result<SignedLetter, SimError> {
        let letter = self.bank.open(sealed, kind, now)?;
        if self.nonces.contains(&letter.letter.nonce) {
            return Err(SimError::Replay);
        }
        Ok(letter)
    }

    fn apply_changes(&mut self, changes: &[TokenChange]) -> Result<(), SimError> {
        for c in changes {
            let purse = self
                .purses
                .get_mut(&c.purse)
                .ok_or(SimError::Conflict("purse"))?;
            if !purse.apply(c) {
                return Err(SimError::Conflict("token status"));
            }
        }
        Ok(())
    }

    fn post_all(&mut self, postings: &[Posting]) -> Result<(), SimError> {
        for p in postings {
            self.ledger.post(p).map_err(|e| SimError::Bank(e.into()))?;
        }
        Ok(())
    }

    /// A purse request forwarded by the seller `forwarded_by`.
    pub fn mint<R: CryptoRng>(
        &mut self,
        fwd: &ForwardedPurseRequest,
        forwarded_by: KeyId,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<MintResponse, SimError> {
        if fwd.bank != self.bank.config.id {
            return Err(SimError::Unknown("bank"));
        }
        let opened = self.bank.unseal(&fwd.sealed)?;
        if let Some((first, _, answer)) = self.mint_answers.get(&opened.letter.nonce) {
            return if *first == opened {
                Ok(answer.clone())
            } else {
                Err(SimError::Replay)
            };
        }
        let letter = self.open(&fwd.sealed, LetterKind::PurseRequest, now)?;
        let buyer = self.account(&letter.letter.sender)?.clone();
        let req = self.bank.authenticate::<PurseRequest>(&letter, &buyer)?;
        if req.body.seller != forwarded_by {
            return Err(SimError::Bank(halfpenny::bank::BankError::SellerMismatch));
        }
        let seller = self.account(&req.body.seller)?.clone();
        let balance = self.ledger.available(buyer.id(), req.body.currency);
        let minted = self.bank.mint(&req, &buyer, balance, &seller, now, rng)?;
        // One transaction: nonce, posting, purse.
        self.nonces.insert(minted.nonce);
        if let Some(p) = &minted.posting {
            self.ledger.post(p).map_err(|e| SimError::Bank(e.into()))?;
        }
        self.purses.insert(minted.purse.id, minted.purse);
        self.mint_answers
            .insert(minted.nonce, (letter, buyer.id(), minted.response.clone()));
        Ok(minted.response)
    }

    pub fn redeem(
        &mut self,
        sealed: &SealedBox,
        now: Timestamp,
    ) -> Result<RedemptionResult, SimError> {
        let letter = self.open(sealed, LetterKind::Redemption, now)?;
        let seller = self.account(&letter.letter.sender)?.clone();
        let req = self
            .bank
            .authenticate::<RedemptionRequest>(&letter, &seller)?;
        let decided = self.bank.redeem(&req, &seller, &self.purses, now)?;
        self.nonces.insert(decided.nonce);
        self.apply_changes(&decided.changes)?;
        self.post_all(&decided.postings)?;
        Ok(decided.result)
    }

    /// A buyer's refund request: opens a case and queues the return request
    /// for the seller (and, in a real bank, calls his address). The very
    /// same letter again, however late, gets its first answer (the case)
    /// and changes nothing; another letter with its nonce is a replay.
    pub fn refund<R: CryptoRng>(
        &mut self,
        sealed: &SealedBox,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<CaseId, SimError> {
        let letter = self.bank.unseal(sealed)?;
        if let Some((first, case)) = self.refund_answers.get(&letter.letter.nonce) {
            return if *first == letter {
                Ok(*case)
            } else {
                Err(SimError::Replay)
            };
        }
        self.bank.check(&letter, LetterKind::Refund, now)?;
        if self.nonces.contains(&letter.letter.nonce) {
            return Err(SimError::Replay);
        }
        let buyer = self.account(&letter.letter.sender)?.clone();
        let req = self.bank.authenticate::<RefundRequest>(&letter, &buyer)?;
        let purse = self
            .purses
            .get(&req.body.purse)
            .ok_or(SimError::Bank(halfpenny::bank::BankError::UnknownPurse))?;
        let seller = self.account(&purse.seller)?.clone();
        let opened = self
            .bank
            .open_refund(&req, &buyer, purse, &seller, now, rng)?;
        self.nonces.insert(opened.nonce);
        if let Some(p) = self.purses.get_mut(&opened.case.purse) {
            p.state = opened.purse_state;
        }
        let id = opened.case.id;
        self.refund_answers.insert(opened.nonce, (letter, id));
        self.cases.insert(id, opened.case);
        self.outbox.push((seller.id(), opened.return_request));
        Ok(id)
    }

    /// The seller's answer to a return request.
    pub fn take_return<R: CryptoRng>(
        &mut self,
        sealed: &SealedBox,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<RefundResult, SimError> {
        let letter = self.open(sealed, LetterKind::ReturnResponse, now)?;
        let seller = self.account(&letter.letter.sender)?.clone();
        let answer = self.bank.authenticate::<ReturnResponse>(&letter, &seller)?;
        let case = self
            .cases
            .get(&answer.body.case)
            .ok_or(SimError::Unknown("case"))?
            .clone();
        let purse = self
            .purses
            .get(&case.purse)
            .ok_or(SimError::Unknown("purse"))?
            .clone();
        let buyer = self.account(&case.buyer)?.clone();
        let s = self
            .bank
            .settle_with_return(&answer, &case, &purse, &buyer, &seller, now, rng)?;
        self.apply_settlement(s)
    }

    /// The deadline rule: settles every case whose seller did not answer in time.
    pub fn sweep_deadlines<R: CryptoRng>(
        &mut self,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<Vec<RefundResult>, SimError> {
        let due: Vec<RefundCase> = self
            .cases
            .values()
            .filter(|c| c.settled.is_none() && c.deadline <= now)
            .cloned()
            .collect();
        let mut out = Vec::new();
        for case in due {
            let purse = self
                .purses
                .get(&case.purse)
                .ok_or(SimError::Unknown("purse"))?
                .clone();
            let buyer = self.account(&case.buyer)?.clone();
            let seller = self.account(&case.seller)?.clone();
            let s = self
                .bank
                .settle_after_deadline(&case, &purse, &buyer, &seller, now, rng)?;
            out.push(self.apply_settlement(s)?);
        }
        Ok(out)
    }

    fn apply_settlement(&mut self, s: Settlement) -> Result<RefundResult, SimError> {
        if let Some(n) = s.nonce {
            self.nonces.insert(n);
        }
        self.apply_changes(&s.changes)?;
        self.post_all(&s.postings)?;
        if let Some(p) = self.purses.get_mut(&s.case.purse) {
            p.state = s.purse_state;
        }
        self.outbox.push((s.case.buyer, s.to_buyer));
        self.outbox.push((s.case.seller, s.to_seller));
        self.cases.insert(s.case.id, s.case);
        Ok(s.result)
    }

    /// The letters waiting for the sender of a signed, fresh
    /// `InboxRequest`, removed from the queue: as the real bank, it shows an
    /// inbox only to its owner. (This queue hands each letter out once, so
    /// the request's `after` is not needed here.)
    pub fn collect(
        &mut self,
        request: &SealedBox,
        now: Timestamp,
    ) -> Result<Vec<SealedBox>, SimError> {
        let letter = self.bank.open(request, LetterKind::InboxRequest, now)?;
        let who = self.account(&letter.letter.sender)?.clone();
        self.bank.authenticate::<InboxRequest>(&letter, &who)?;
        let (mine, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut self.outbox)
            .into_iter()
            .partition(|(to, _)| *to == who.id());
        self.outbox = rest;
        Ok(mine.into_iter().map(|(_, s)| s).collect())
    }

    /// The books: balanced, and what is owed on open tokens equals the
    /// outstanding account. Returns the outstanding total.
    /// Her letters, for her signed inbox request, left in place (as the
    /// real bank's inbox: reading twice shows them twice). A seller's
    /// host uses [`collect`](Self::collect).
    pub fn inbox(&self, request: &SealedBox, now: Timestamp) -> Result<Vec<SealedBox>, SimError> {
        let letter = self.bank.open(request, LetterKind::InboxRequest, now)?;
        let who = self.account(&letter.letter.sender)?;
        self.bank.authenticate::<InboxRequest>(&letter, who)?;
        Ok(self
            .outbox
            .iter()
            .filter(|(to, _)| *to == who.id())
            .map(|(_, s)| s.clone())
            .collect())
    }

    /// Her purse for one of her orders, for her signed recovery request;
    /// `None` when it minted none for her with that nonce.
    pub fn recover_purse(
        &self,
        request: &SealedBox,
        now: Timestamp,
    ) -> Result<Option<SealedBox>, SimError> {
        let letter = self.bank.open(request, LetterKind::PurseRecovery, now)?;
        let who = self.account(&letter.letter.sender)?;
        let ask = self
            .bank
            .authenticate::<PurseRecoveryRequest>(&letter, who)?;
        Ok(self
            .mint_answers
            .get(&ask.body.request)
            .filter(|(_, buyer, _)| *buyer == who.id())
            .map(|(_, _, answer)| answer.buyer_purse.clone()))
    }

    pub fn check_books(&self, currency: Currency) -> Result<i128, String> {
        self.ledger.check().map_err(|e| e.to_string())?;
        let open: i128 = self
            .purses
            .values()
            .filter(|p| p.currency == currency)
            .flat_map(|p| p.tokens.values())
            .filter(|t| t.status == TokenStatus::Outstanding)
            .filter_map(|t| t.kind.value())
            .map(|a| i128::from(a.minor()))
            .sum();
        let booked = self.ledger.balance(LedgerAccount::Outstanding, currency);
        if open != booked {
            return Err(format!(
                "open tokens are worth {open} but the outstanding account says {booked}"
            ));
        }
        let customers: i128 = self
            .accounts
            .keys()
            .map(|k| self.ledger.balance(LedgerAccount::Customer(*k), currency))
            .sum();
        if customers + booked != self.ledger.funded(currency) {
            return Err(format!(
                "customers {customers} + outstanding {booked} != funded {}",
                self.ledger.funded(currency)
            ));
        }
        Ok(booked)
    }
}
