//! Fig. 7-8 hosted: a payment is judged whole by the till against the
//! halves it names, then applied in one transaction. The same payment again
//! gets the first answer, byte for byte; a refused one is recorded and
//! changes nothing else.

use std::collections::BTreeSet;
use std::sync::Arc;

use halfpenny::messages::Payment;
use halfpenny::till::TillError;
use halfpenny::wire::TextForm;
use halfpenny::{Nonce, SessionSerial};

use super::{App, JsonText, access_digest, blocking, fresh_rng};
use crate::error::ApiError;
use crate::store::{PurseState, StoreError, TakenPayment};
use crate::views::PaymentReply;

/// How many times a payment is judged again when a racing one changed its halves.
const ATTEMPTS: usize = 5;

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
        if let Some(taken) = self.store.taken(&nonce).await? {
            return self.answer(&nonce, &taken);
        }
        let Some(request) = self.store.offer(&nonce).await? else {
            return Err(self.refuse(Some(nonce), ApiError::unknown_offer()).await);
        };
        let request = Arc::new(request);
        let sessions: BTreeSet<SessionSerial> = payment.items.iter().map(|i| i.session).collect();
        for _ in 0..ATTEMPTS {
            let loaded = self
                .store
                .purse_for_payment(&payment.purse, &self.bank_public.id, &sessions)
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
                blocking(move || Ok(app.till.accept(&r, &p, &purse, now, &mut fresh_rng()?)))
                    .await?;
            let accepted = match judged {
                Ok(a) => a,
                Err(e) => {
                    // A copy of this very payment may have taken these
                    // halves just now: then this is its answer, not a refusal.
                    if let Some(taken) = self.store.taken(&nonce).await? {
                        return self.answer(&nonce, &taken);
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
                    return self.answer(&nonce, &taken);
                }
                // A copy of the same payment was applied first: its answer.
                Err(StoreError::Replay) => return self.payment_status_of(&nonce).await,
                // A racing payment spent some of these halves: judge again.
                Err(StoreError::Conflict) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(StoreError::Conflict.into())
    }

    async fn payment_status_of(&self, nonce: &Nonce) -> Result<JsonText, ApiError> {
        match self.store.taken(nonce).await? {
            Some(taken) => self.answer(nonce, &taken),
            None => Err(ApiError::payment_unknown()),
        }
    }

    /// Did the till take this payment? `payment` is its nonce in hex
    /// (`n_` before it is allowed).
    pub async fn payment_status(&self, payment: &str) -> Result<JsonText, ApiError> {
        let hex = payment.strip_prefix("n_").unwrap_or(payment);
        let nonce = Nonce::from_hex(hex).map_err(|_| {
            ApiError::bad_request("bad_payment_id", "A payment is named by 32 hex digits.")
        })?;
        self.payment_status_of(&nonce).await
    }
}
