//! Fig. 8 hosted: a payment is judged whole by the till against the
//! halves it names, then applied in one transaction. The same payment again
//! gets the first answer, byte for byte; a refused one is recorded and
//! changes nothing else.
//!
//! While a payment is being judged its nonce is in [`Judging`], from before
//! the till looks at it until after its answer is committed, so a status
//! question never calls it unknown in between: it waits for the judgement,
//! or answers `payment_in_progress`. The set lives in memory: a crash ends
//! the judgement and the set together, so nothing stays "in progress".

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use halfpenny::messages::Payment;
use halfpenny::till::TillError;
use halfpenny::wire::TextForm;
use halfpenny::{Nonce, SessionSerial};

use super::{App, JsonText, access_digest};
use crate::error::{ApiError, ShopAnswers as _};
use crate::store::{PurseState, StoreError, TakenPayment};
use crate::views::PaymentReply;
use halfpenny_server_kit::api_error::BadInput;
use halfpenny_server_kit::blocking::{blocking, fresh_rng};
use halfpenny_server_kit::retry::retry_on_conflict;

/// How long a status question waits for a judgement under way before it
/// answers `payment_in_progress`.
const STATUS_WAIT: Duration = Duration::from_secs(10);

/// The payments being judged now (a count per nonce: copies of one payment
/// may race), and a signal each time a judgement ends.
#[derive(Debug)]
pub struct Judging {
    nonces: Mutex<HashMap<Nonce, usize>>,
    ended: tokio::sync::watch::Sender<u64>,
}

impl Default for Judging {
    fn default() -> Self {
        Self {
            nonces: Mutex::new(HashMap::new()),
            ended: tokio::sync::watch::Sender::new(0),
        }
    }
}

impl Judging {
    fn nonces(&self) -> MutexGuard<'_, HashMap<Nonce, usize>> {
        // A panic while holding it cannot leave the map half-changed.
        self.nonces.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Marks a payment as being judged until the guard is dropped (its
    /// answer given, or its request abandoned).
    fn start(self: &Arc<Self>, nonce: Nonce) -> JudgingGuard {
        *self.nonces().entry(nonce).or_insert(0) += 1;
        JudgingGuard {
            judging: self.clone(),
            nonce,
        }
    }

    fn contains(&self, nonce: &Nonce) -> bool {
        self.nonces().contains_key(nonce)
    }
}

/// One judgement under way; dropping it ends it.
#[derive(Debug)]
struct JudgingGuard {
    judging: Arc<Judging>,
    nonce: Nonce,
}

impl Drop for JudgingGuard {
    fn drop(&mut self) {
        {
            let mut nonces = self.judging.nonces();
            if let Some(n) = nonces.get_mut(&self.nonce) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    nonces.remove(&self.nonce);
                }
            }
        }
        self.judging.ended.send_modify(|g| *g = g.wrapping_add(1));
    }
}

impl App {
    /// The answer to a taken payment, always the same bytes.
    fn answer(&self, payment: &Nonce, taken: &TakenPayment) -> Result<JsonText, ApiError> {
        let reply = PaymentReply {
            receipt: taken.receipt.clone(),
            access: self.access_token(payment),
            item: taken.item.clone(),
        };
        serde_json::to_string(&reply)
            .map(JsonText)
            .map_err(|_| ApiError::internal())
    }

    /// Records a refusal for the operator, and returns it.
    async fn refuse(&self, payment: Option<Nonce>, e: ApiError) -> ApiError {
        tracing::info!(code = %e.code, "payment refused");
        if let Err(failed) = self
            .store
            .record_refusal(payment, &e.code, &e.message, self.now())
            .await
        {
            tracing::warn!(error = %failed, "could not record a refused payment");
        }
        e
    }

    /// Takes a payment (`hpp1.…`) for an offer this shop made.
    pub async fn pay(self: &Arc<Self>, text: &str) -> Result<JsonText, ApiError> {
        let payment = match Payment::from_text(text) {
            Ok(p) => Arc::new(p),
            Err(e) => return Err(self.refuse(None, e.into()).await),
        };
        let nonce = payment.payment;
        // Before anything is looked at, until the answer is committed.
        let _judging = self.judging.start(nonce);
        if let Some(taken) = self.store.taken(&nonce).await? {
            return self.answer(&nonce, &taken);
        }
        let Some(request) = self.store.offer(&nonce).await? else {
            return Err(self.refuse(Some(nonce), ApiError::unknown_offer()).await);
        };
        let request = Arc::new(request);
        let sessions: BTreeSet<SessionSerial> = payment.halves.iter().map(|i| i.session).collect();
        let (payment, request, sessions) = (&payment, &request, &sessions);
        // A racing payment that spent some of these halves: judge again.
        let busy = || ApiError::from(StoreError::Conflict);
        retry_on_conflict(busy, move || async move {
            let loaded = self
                .store
                .purse_for_payment(&payment.purse, &self.bank_public.id, sessions)
                .await?;
            let purse = match loaded {
                Some((PurseState::Open, purse)) => purse,
                Some(_) => return Err(self.refuse(Some(nonce), ApiError::purse_returned()).await),
                None => {
                    let e = TillError::WrongPurse.into();
                    return Err(self.refuse(Some(nonce), e).await);
                }
            };
            let now = self.now();
            let (app, r, p) = (self.clone(), request.clone(), payment.clone());
            let judged =
                blocking(move || Ok::<_, ApiError>(app.till.accept(&r, &p, &purse, now, &mut fresh_rng()?)))
                    .await?;
            let accepted = match judged {
                Ok(a) => a,
                Err(e) => {
                    // A copy of this very payment may have taken these
                    // halves just now: then this is its answer, not a refusal.
                    if let Some(taken) = self.store.taken(&nonce).await? {
                        return self.answer(&nonce, &taken).map(Some);
                    }
                    return Err(self.refuse(Some(nonce), e.into()).await);
                }
            };
            let access = self.access_token(&nonce);
            match self
                .store
                .apply_payment(&accepted, access_digest(&access), now)
                .await
            {
                Ok(()) => {
                    let r = &accepted.receipt;
                    tracing::info!(item = %r.item, paid = %r.paid, halves = accepted.consumed.len(), "payment taken");
                    let taken = TakenPayment {
                        receipt: r.to_text(),
                        item: r.item.clone(),
                    };
                    self.answer(&nonce, &taken).map(Some)
                }
                // A copy of the same payment was applied first: its answer.
                Err(StoreError::Replay) => self.payment_status_of(&nonce).await.map(Some),
                Err(StoreError::Conflict) => Ok(None),
                Err(e) => Err(e.into()),
            }
        })
        .await
    }

    async fn payment_status_of(&self, nonce: &Nonce) -> Result<JsonText, ApiError> {
        match self.store.taken(nonce).await? {
            Some(taken) => self.answer(nonce, &taken),
            None => Err(ApiError::payment_unknown()),
        }
    }

    /// Did the till take this payment? `payment` is its nonce in hex
    /// (`n_` before it is allowed). A payment being judged is never
    /// unknown: the answer waits for its judgement, or says it is under way.
    /// "Never taken" is an answer for good: the offer is withdrawn first,
    /// so the same payment arriving late is refused, not taken.
    pub async fn payment_status(&self, payment: &str) -> Result<JsonText, ApiError> {
        let hex = payment.strip_prefix("n_").unwrap_or(payment);
        let nonce = Nonce::from_hex(hex)
            .map_err(|_| BadInput::new("bad_payment_id", "A payment is named by 32 hex digits."))?;
        let deadline = tokio::time::Instant::now() + STATUS_WAIT;
        // Subscribed before looking, so no judgement can end unseen.
        let mut ended = self.judging.ended.subscribe();
        loop {
            if let Some(taken) = self.store.taken(&nonce).await? {
                return self.answer(&nonce, &taken);
            }
            if !self.judging.contains(&nonce) {
                // About to say "never taken": first make it true for good.
                // With its offer withdrawn, a payment that arrives later is
                // refused; one that arrived meanwhile is being judged (it
                // registers before it reads the offer), and is waited for.
                self.store.withdraw_offer(&nonce).await?;
                if !self.judging.contains(&nonce) {
                    // Its judgement may have ended between the looks, and
                    // an answer is committed before its judgement ends.
                    return self.payment_status_of(&nonce).await;
                }
            }
            match tokio::time::timeout_at(deadline, ended.changed()).await {
                Ok(Ok(())) => continue,
                Ok(Err(_)) | Err(_) => return Err(ApiError::payment_in_progress()),
            }
        }
    }
}
