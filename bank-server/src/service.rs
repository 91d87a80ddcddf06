//! Each flow as the host runs it: load, let the core decide, apply the
//! decision in one transaction (retrying if a racing request changed the
//! records first), answer. A request seen before gets its first answer.

use std::sync::Arc;

use halfpenny::bank::{AccountRecord, Authenticated, Bank, BankError, Role};
use halfpenny::crypto::seal::SealedBox;
use halfpenny::letter::{LetterKind, SignedLetter};
use halfpenny::messages::{
    AddressChange, CaseRequest, ForwardedPurseRequest, InboxRequest, MintResponse,
    PurseRecoveryRequest, PurseRequest, RedemptionRequest, RefundRequest, ReturnResponse,
    StatementRequest,
};
use halfpenny::wire::{Encode, TextForm};
use halfpenny::{KeyId, Timestamp};
use halfpenny_server_kit::api_error::BadInput;
use halfpenny_server_kit::blocking::blocking;
pub use halfpenny_server_kit::blocking::fresh_rng;
use halfpenny_server_kit::retry::retry_on_conflict;
use serde::Serialize;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::clock::Clock;
use crate::error::{ApiError, BankAnswers as _};
use crate::metrics::Metrics;
use crate::notice::{self, Delivery};
use crate::store::{Answer, Pruned, Store, StoreError};
use crate::views::{
    AddressReply, CaseView, InboxReply, PurseRecoveryReply, PurseReply, RedemptionReply,
    RefundReply, RefundResultView, StatementReply,
};

/// The bank server's state, shared by every request.
#[derive(Debug)]
pub struct App {
    pub bank: Arc<Bank>,
    pub store: Store,
    pub clock: Clock,
    pub metrics: Metrics,
    /// The operator's bearer token; `None` turns the operator endpoints off.
    pub operator_token: Option<Zeroizing<String>>,
    /// Lets sellers register, and the bank call, addresses inside its own
    /// network (loopback, private ranges…): for a local demo only.
    pub allow_private_addresses: bool,
    /// How long first answers and delivered letters are kept.
    pub retention: crate::retention::Retention,
}

pub use crate::notice::Notice;

pub use halfpenny_server_kit::json_text::JsonText;

fn json<T: Serialize>(v: &T) -> Result<String, ApiError> {
    serde_json::to_string(v).map_err(|_| ApiError::internal())
}

/// The SHA-256 of an opened letter's exact bytes: kind, sender, recipient,
/// nonce, time, body and signature. A stored first answer is given only to
/// a letter with the same digest, a retry of the very same letter.
pub fn letter_digest(letter: &SignedLetter) -> [u8; 32] {
    Sha256::digest(letter.to_bytes()).into()
}

/// The error of a decision that lost every race for its records.
fn busy() -> ApiError {
    StoreError::Conflict.into()
}

/// An opened letter and its digest.
struct Opened {
    letter: SignedLetter,
    digest: [u8; 32],
}

/// A request authenticated as from a registered account, with its letter's digest.
struct FromSender<B> {
    sender: AccountRecord,
    request: Authenticated<B>,
    digest: [u8; 32],
}

impl App {
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    async fn account(&self, id: &KeyId) -> Result<AccountRecord, ApiError> {
        self.store
            .account(id)
            .await?
            .ok_or_else(|| BankError::UnknownAccount.into())
    }

    /// Opens a sealed letter; if this very letter was answered before, that
    /// answer. Another letter with a known nonce is refused (`nonce_reused`).
    async fn open(
        self: &Arc<Self>,
        sealed: SealedBox,
        kind: LetterKind,
    ) -> Result<Result<Opened, JsonText>, ApiError> {
        let app = self.clone();
        let letter = blocking(move || Ok::<_, ApiError>(app.bank.unseal(&sealed)?)).await?;
        let digest = letter_digest(&letter);
        if let Some(first) = self
            .store
            .first_answer(letter.letter.nonce.as_bytes(), &digest)
            .await?
        {
            return Ok(Err(JsonText(first)));
        }
        self.bank.check(&letter, kind, self.now())?;
        Ok(Ok(Opened { letter, digest }))
    }

    /// Opens a letter to the bank and authenticates its sender: the sender's
    /// account and the request, or the first answer if it was handled before.
    async fn letter_from<B: halfpenny::wire::Decode>(
        self: &Arc<Self>,
        sealed: SealedBox,
        kind: LetterKind,
    ) -> Result<Result<FromSender<B>, JsonText>, ApiError> {
        let Opened { letter, digest } = match self.open(sealed, kind).await? {
            Ok(l) => l,
            Err(first) => return Ok(Err(first)),
        };
        let sender = self.account(&letter.letter.sender).await?;
        let request = self.bank.authenticate(&letter, &sender)?;
        Ok(Ok(FromSender {
            sender,
            request,
            digest,
        }))
    }

    /// Opens a read-only request (a lookup): fresh, of `kind`, signed by a
    /// registered account. Its nonce is not recorded: reading twice changes nothing.
    async fn lookup<B: halfpenny::wire::Decode>(
        self: &Arc<Self>,
        letter_text: &str,
        kind: LetterKind,
    ) -> Result<(AccountRecord, Authenticated<B>), ApiError> {
        let sealed = SealedBox::from_text(letter_text)?;
        let app = self.clone();
        let letter = blocking(move || Ok::<_, ApiError>(app.bank.unseal(&sealed)?)).await?;
        self.bank.check(&letter, kind, self.now())?;
        let who = self.account(&letter.letter.sender).await?;
        let request = self.bank.authenticate(&letter, &who)?;
        Ok((who, request))
    }

    async fn replayed(&self, nonce: &[u8], digest: &[u8; 32]) -> Result<JsonText, ApiError> {
        Ok(JsonText(
            self.store
                .first_answer(nonce, digest)
                .await?
                .ok_or_else(ApiError::internal)?,
        ))
    }

    /// How a decision's transaction ended: the answer to give, or `None` when
    /// a racing request changed the records first and the request must be
    /// decided again. A request a racing copy already handled gets its answer.
    async fn settled(
        &self,
        nonce: &[u8],
        digest: &[u8; 32],
        reply: String,
        applied: Result<(), StoreError>,
    ) -> Result<Option<JsonText>, ApiError> {
        match applied {
            Ok(()) => Ok(Some(JsonText(reply))),
            Err(StoreError::Replay) => Ok(Some(self.replayed(nonce, digest).await?)),
            Err(StoreError::Conflict) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Fig. 4: a purse request forwarded by a seller.
    pub async fn mint(self: &Arc<Self>, request_text: &str) -> Result<JsonText, ApiError> {
        let fwd = ForwardedPurseRequest::from_text(request_text)?;
        if fwd.bank != self.bank.config.id {
            return Err(BadInput::new(
                "wrong_bank",
                format!("This bank is {}, not {}.", self.bank.config.id, fwd.bank),
            )
            .into());
        }
        let FromSender {
            sender: buyer,
            request: req,
            digest,
        } = match self
            .letter_from::<PurseRequest>(fwd.sealed, LetterKind::PurseRequest)
            .await?
        {
            Ok(found) => found,
            Err(first) => return Ok(first),
        };
        let seller = self.account(&req.body.seller).await?;
        let req = &Arc::new(req);
        let (buyer, seller) = (&Arc::new(buyer), &Arc::new(seller));
        retry_on_conflict(busy, move || async move {
            let balance = self.store.available(buyer.id(), req.body.currency).await?;
            let now = self.now();
            let (app, r, b, s) = (self.clone(), req.clone(), buyer.clone(), seller.clone());
            let minted = blocking(move || {
                Ok::<_, ApiError>(app.bank.mint(&r, &b, balance, &s, now, &mut fresh_rng()?)?)
            })
            .await?;
            let reply = json(&PurseReply {
                response: minted.response.to_text(),
            })?;
            let applied = match self
                .store
                .apply_mint(&minted, Answer::to_letter(&reply, &digest), now)
                .await
            {
                // The balance changed meanwhile: decide again on the new one.
                Err(StoreError::InsufficientFunds) => Err(StoreError::Conflict),
                other => other,
            };
            if applied.is_ok() {
                Metrics::add(&self.metrics.purses_minted, 1);
                Metrics::add(
                    &self.metrics.tokens_minted,
                    minted.purse.tokens.len() as u64,
                );
            }
            self.settled(req.nonce.as_bytes(), &digest, reply, applied)
                .await
        })
        .await
    }

    /// Fig. 9: a seller's redemption.
    pub async fn redeem(self: &Arc<Self>, letter_text: &str) -> Result<JsonText, ApiError> {
        let FromSender {
            sender: seller,
            request: req,
            digest,
        } = match self
            .letter_from::<RedemptionRequest>(
                SealedBox::from_text(letter_text)?,
                LetterKind::Redemption,
            )
            .await?
        {
            Ok(found) => found,
            Err(first) => return Ok(first),
        };
        let (req, seller) = (&req, &seller);
        retry_on_conflict(busy, move || async move {
            let ids: Vec<halfpenny::PurseId> = req.body.tokens.iter().map(|t| t.purse).collect();
            let purses = self.store.purses(ids).await?;
            let now = self.now();
            let decided = self.bank.redeem(req, seller, &purses, now)?;
            let reply = json(&RedemptionReply::from(&decided.result))?;
            let applied = self
                .store
                .apply_redemption(&decided, Answer::to_letter(&reply, &digest), now)
                .await;
            if applied.is_ok() {
                let credited = decided.changes.len() as u64;
                Metrics::add(&self.metrics.tokens_redeemed, credited);
                Metrics::add(
                    &self.metrics.double_spends_refused,
                    decided.result.lines.len() as u64 - credited,
                );
            }
            self.settled(req.nonce.as_bytes(), &digest, reply, applied)
                .await
        })
        .await
    }

    /// Fig. 10, first half: the buyer's request opens a case and asks the seller.
    pub async fn refund(self: &Arc<Self>, letter_text: &str) -> Result<JsonText, ApiError> {
        let FromSender {
            sender: buyer,
            request: req,
            digest,
        } = match self
            .letter_from::<RefundRequest>(SealedBox::from_text(letter_text)?, LetterKind::Refund)
            .await?
        {
            Ok(found) => found,
            Err(first) => return Ok(first),
        };
        let (req, buyer) = (&Arc::new(req), &Arc::new(buyer));
        retry_on_conflict(busy, move || async move {
            let purse = self
                .store
                .purse(&req.body.purse)
                .await?
                .ok_or(BankError::UnknownPurse)?;
            let seller = self.account(&purse.seller).await?;
            let (purse_id, address) = (purse.id, seller.address.clone());
            let now = self.now();
            let (app, r, b) = (self.clone(), req.clone(), buyer.clone());
            // Signs and seals the return request: RSA, on the blocking pool.
            let opened = blocking(move || {
                Ok::<_, ApiError>(app.bank.open_refund(
                    &r,
                    &b,
                    &purse,
                    &seller,
                    now,
                    &mut fresh_rng()?,
                )?)
            })
            .await?;
            let reply = json(&RefundReply {
                case: opened.case.id.to_hex(),
                purse: purse_id.to_hex(),
                deadline: opened.case.deadline.0,
            })?;
            let applied = self
                .store
                .apply_refund_opened(&opened, Answer::to_letter(&reply, &digest), now)
                .await;
            if applied.is_ok() {
                let notice = Notice {
                    kind: "return_request".into(),
                    letter: opened.return_request.to_text(),
                };
                self.notify(address, notice);
            }
            self.settled(req.nonce.as_bytes(), &digest, reply, applied)
                .await
        })
        .await
    }

    /// Fig. 10, second half: the seller hands in his purse; the case settles.
    pub async fn take_return(self: &Arc<Self>, letter_text: &str) -> Result<JsonText, ApiError> {
        let FromSender {
            sender: seller,
            request: answer,
            digest,
        } = match self
            .letter_from::<ReturnResponse>(
                SealedBox::from_text(letter_text)?,
                LetterKind::ReturnResponse,
            )
            .await?
        {
            Ok(found) => found,
            Err(first) => return Ok(first),
        };
        let (answer, seller) = (&Arc::new(answer), &Arc::new(seller));
        retry_on_conflict(busy, move || async move {
            // The purse before the case: a settlement that lands between the
            // two reads then shows as a settled case, not as a mismatch.
            let purse = self
                .store
                .purse(&answer.body.purse)
                .await?
                .ok_or(BankError::UnknownPurse)?;
            let case = self
                .store
                .case(&answer.body.case)
                .await?
                .ok_or(BankError::CaseMismatch)?;
            let buyer = self.account(&case.buyer).await?;
            let now = self.now();
            let (app, a, sel) = (self.clone(), answer.clone(), seller.clone());
            // Signs and seals both refund results: RSA, on the blocking pool.
            let s = blocking(move || {
                Ok::<_, ApiError>(app.bank.settle_with_return(
                    &a,
                    &case,
                    &purse,
                    &buyer,
                    &sel,
                    now,
                    &mut fresh_rng()?,
                )?)
            })
            .await?;
            let reply = json(&RefundResultView::from(&s.result))?;
            let applied = self
                .store
                .apply_settlement(&s, Answer::to_letter(&reply, &digest), now)
                .await;
            if applied.is_ok() {
                self.count_settlement(&s);
            }
            self.settled(answer.nonce.as_bytes(), &digest, reply, applied)
                .await
        })
        .await
    }

    /// Tells a seller at his address, best effort: if he is off-line the
    /// letter waits in his inbox, and the deadline rule still applies.
    fn notify(&self, address: Option<String>, notice: Notice) {
        let Some(address) = address else { return };
        let allow_private = self.allow_private_addresses;
        tokio::spawn(async move {
            let kind = &notice.kind;
            match notice::deliver(&address, &notice, allow_private).await {
                Delivery::Taken => tracing::info!(%kind, "seller notified"),
                Delivery::Refused(status) => {
                    tracing::info!(%kind, status, "seller refused the notice; it waits in his inbox")
                }
                Delivery::Unreachable => {
                    tracing::info!(%kind, "seller unreachable; the notice waits in his inbox")
                }
                Delivery::Inside => tracing::info!(
                    %kind,
                    "seller's address leads inside the bank's network, not called; the notice waits in his inbox"
                ),
            }
        });
    }

    fn count_settlement(&self, s: &halfpenny::bank::Settlement) {
        use halfpenny::bank::TokenStatus;
        Metrics::add(&self.metrics.refunds_settled, 1);
        Metrics::add(
            &self.metrics.tokens_refunded,
            s.changes
                .iter()
                .filter(|c| c.to == TokenStatus::Refunded)
                .count() as u64,
        );
        Metrics::add(
            &self.metrics.tokens_redeemed,
            s.changes
                .iter()
                .filter(|c| c.to != TokenStatus::Refunded)
                .count() as u64,
        );
        Metrics::add(
            &self.metrics.double_spends_refused,
            (s.result.lines.len() - s.changes.len()) as u64,
        );
    }

    /// The deadline rule: settles every case whose seller did not answer in
    /// time. Safe to run from several servers at once: each case settles once.
    pub async fn sweep(self: &Arc<Self>) -> Result<usize, ApiError> {
        let now = self.now();
        let mut settled = 0;
        for case in self.store.due_cases(now).await? {
            let purse = self
                .store
                .purse(&case.purse)
                .await?
                .ok_or(BankError::UnknownPurse)?;
            let buyer = self.account(&case.buyer).await?;
            let seller = self.account(&case.seller).await?;
            let app = self.clone();
            // Signs and seals both refund results: RSA, on the blocking pool.
            let settled_now = blocking(move || {
                Ok::<_, ApiError>(app.bank.settle_after_deadline(
                    &case,
                    &purse,
                    &buyer,
                    &seller,
                    now,
                    &mut fresh_rng()?,
                ))
            })
            .await?;
            let s = match settled_now {
                Ok(s) => s,
                // Settled meanwhile by the seller's answer or another server.
                Err(BankError::CaseMismatch | BankError::CaseSettled) => continue,
                Err(e) => return Err(e.into()),
            };
            let reply = json(&RefundResultView::from(&s.result))?;
            match self.store.apply_settlement(&s, reply.as_str(), now).await {
                Ok(()) => {
                    self.count_settlement(&s);
                    settled += 1;
                }
                // Another server settled it first, or the seller just answered.
                Err(StoreError::Replay | StoreError::Conflict) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(settled)
    }

    /// Deletes the first answers and delivered letters that the retention
    /// rule (`crate::retention`) says no retry or reader can need any more.
    /// Safe from several servers at once: each delete is by age.
    pub async fn prune(&self) -> Result<Pruned, ApiError> {
        let before = self
            .retention
            .before(self.now(), self.bank.config.return_window_secs);
        Ok(self.store.prune(&before).await?)
    }

    /// A signed request for one's own statement.
    pub async fn statement(
        self: &Arc<Self>,
        letter_text: &str,
    ) -> Result<StatementReply, ApiError> {
        let (who, req) = self
            .lookup::<StatementRequest>(letter_text, LetterKind::StatementRequest)
            .await?;
        let currency = req.body.currency;
        Ok(StatementReply {
            account: who.id().to_hex(),
            currency: currency.code().to_owned(),
            balance_minor: self
                .store
                .balance(
                    halfpenny::ledger::LedgerAccount::Customer(who.id()),
                    currency,
                )
                .await?,
            lines: self.store.statement(who.id(), currency).await?,
        })
    }

    /// A signed request for the letters waiting in the sender's own inbox.
    pub async fn inbox(self: &Arc<Self>, letter_text: &str) -> Result<InboxReply, ApiError> {
        let (who, req) = self
            .lookup::<InboxRequest>(letter_text, LetterKind::InboxRequest)
            .await?;
        // Letter ids are positive i64s: any `after` beyond them means none.
        let after = i64::try_from(req.body.after).unwrap_or(i64::MAX);
        Ok(InboxReply {
            letters: self.store.inbox(who.id(), after).await?,
        })
    }

    /// A signed request for where a refund case stands, answered only to its
    /// buyer or seller. Anyone else hears what a case that does not exist
    /// gets: nothing about who is in it or whether it exists.
    pub async fn case(self: &Arc<Self>, letter_text: &str) -> Result<CaseView, ApiError> {
        let (who, req) = self
            .lookup::<CaseRequest>(letter_text, LetterKind::CaseRequest)
            .await?;
        let c = self
            .store
            .case(&req.body.case)
            .await?
            .filter(|c| c.buyer == who.id() || c.seller == who.id())
            .ok_or_else(ApiError::unknown_case)?;
        Ok(CaseView {
            case: c.id.to_hex(),
            purse: c.purse.to_hex(),
            deadline: c.deadline.0,
            settled: c.settled.map(|s| format!("{s:?}").to_lowercase()),
        })
    }

    /// A buyer's signed request for her purse of a purse request the bank
    /// already answered (the answer was lost on its way back through the
    /// shop). Only her sealed purse is given, never the seller's.
    ///
    /// Once the letter is unsealed, every failure gets the one answer a
    /// nonce of no purse gets (404 `purse_unknown`): another account, the
    /// seller, a forged, unsigned, stale or unregistered letter, a refused
    /// or pruned request. So the answer tells no one but her whether a purse
    /// exists. The stored first answer is kept as long as
    /// `crate::retention` keeps purse answers (180 days by default).
    pub async fn recover_purse(
        self: &Arc<Self>,
        letter_text: &str,
    ) -> Result<PurseRecoveryReply, ApiError> {
        let sealed = SealedBox::from_text(letter_text)?;
        let app = self.clone();
        let letter = blocking(move || Ok::<_, ApiError>(app.bank.unseal(&sealed)?)).await?;
        let (who, request) = self
            .recovery_sender(letter)
            .await?
            .ok_or_else(ApiError::purse_unknown)?;
        let minted = self
            .store
            .minted_for(&request.body.request)
            .await?
            .filter(|m| m.buyer == who)
            .ok_or_else(ApiError::purse_unknown)?;
        // The stored answer was written by this bank: a row it cannot read
        // is a fault here, not the asker's.
        let reply: PurseReply =
            serde_json::from_str(&minted.response).map_err(|_| ApiError::internal())?;
        let response =
            MintResponse::from_text(&reply.response).map_err(|_| ApiError::internal())?;
        Ok(PurseRecoveryReply {
            purse: response.buyer_purse.to_text(),
        })
    }

    /// The sender of an opened purse recovery letter, if it is fresh, of
    /// that kind, from a registered account and signed by it.
    async fn recovery_sender(
        &self,
        letter: SignedLetter,
    ) -> Result<Option<(KeyId, Authenticated<PurseRecoveryRequest>)>, ApiError> {
        if self
            .bank
            .check(&letter, LetterKind::PurseRecovery, self.now())
            .is_err()
        {
            return Ok(None);
        }
        let Some(who) = self.store.account(&letter.letter.sender).await? else {
            return Ok(None);
        };
        Ok(self
            .bank
            .authenticate(&letter, &who)
            .ok()
            .map(|request| (who.id(), request)))
    }

    /// A seller's signed request to set or remove his address. Recorded by
    /// nonce like every change: a retry gets the first answer, and an old
    /// letter cannot be replayed to undo a newer change.
    pub async fn change_address(self: &Arc<Self>, letter_text: &str) -> Result<JsonText, ApiError> {
        let FromSender {
            sender,
            request,
            digest,
        } = match self
            .letter_from::<AddressChange>(
                SealedBox::from_text(letter_text)?,
                LetterKind::AddressChange,
            )
            .await?
        {
            Ok(found) => found,
            Err(first) => return Ok(first),
        };
        if sender.role != Role::Seller {
            return Err(BankError::WrongRole(Role::Seller).into());
        }
        let address = request.body.address;
        if let Some(a) = &address {
            self.check_address(a)?;
        }
        let reply = json(&AddressReply {
            account: sender.id().to_hex(),
            address: address.clone(),
        })?;
        let applied = self
            .store
            .apply_address_change(
                &sender.id(),
                address.as_deref(),
                request.nonce.as_bytes(),
                Answer::to_letter(&reply, &digest),
                self.now(),
            )
            .await;
        self.settled(request.nonce.as_bytes(), &digest, reply, applied)
            .await?
            .ok_or_else(|| StoreError::Conflict.into())
    }

    /// A seller's address must be one the bank will call.
    fn check_address(&self, address: &str) -> Result<(), ApiError> {
        notice::check_address(address, self.allow_private_addresses)
            .map_err(|e| ApiError::bad_address(e.to_string()))
    }

    /// Registers a buyer or seller.
    pub async fn register(
        &self,
        role: Role,
        identity: halfpenny::crypto::PublicIdentity,
        address: Option<String>,
    ) -> Result<(KeyId, bool), ApiError> {
        let backend = halfpenny_aws_lc::AwsLc;
        // Both keys must be usable RSA-2048 keys: letters are signed and
        // sealed with RSA-2048 whatever the tokens inside.
        for (which, k) in [
            ("signing", &identity.signing),
            ("sealing", &identity.sealing),
        ] {
            if k.algorithm() != halfpenny::crypto::KeyAlgorithm::Rsa2048 {
                return Err(BadInput::new(
                    "unusable_key",
                    format!(
                        "Letters need RSA-2048 keys: the {which} key is not an RSA-2048 public key."
                    ),
                )
                .into());
            }
            halfpenny::crypto::Backend::verifying_key(&backend, k).map_err(BankError::from)?;
        }
        if let Some(a) = &address {
            self.check_address(a)?;
        }
        let rec = AccountRecord {
            identity,
            role,
            address,
            attributes: vec![],
        };
        let id = rec.id();
        let created = self.store.insert_account(&rec, self.now()).await?;
        if !created {
            let existing = self.account(&id).await?;
            if existing.identity != rec.identity || existing.role != rec.role {
                return Err(ApiError::account_exists());
            }
        }
        Ok((id, created))
    }
}
