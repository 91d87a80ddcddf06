//! Offers, taken payments with their tokens and access digests, and the
//! record of refused payments.

use halfpenny::messages::PaymentRequest;
use halfpenny::till::Acceptance;
use halfpenny::wire::{Decode, Encode, TextForm};
use halfpenny::{Nonce, Timestamp};
use sqlx::Row;

use super::{Store, StoreError, to_i64, to_u64};

/// How many refused payments are kept for the operator.
const REFUSALS_KEPT: i64 = 1000;

/// A payment the till took: what its answer is made of.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct TakenPayment {
    /// The receipt as text (`hpc1.…`).
    pub receipt: String,
    pub item: String,
}

/// A refused payment, for the operator.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Refusal {
    pub payment: Option<Nonce>,
    pub code: String,
    pub message: String,
    pub at: Timestamp,
}

impl Store {
    /// Remembers a payment request until it expires.
    pub async fn save_offer(&self, r: &PaymentRequest) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO offers (payment, item, request, expires_at) VALUES (?, ?, ?, ?)")
            .bind(r.payment.as_bytes().to_vec())
            .bind(r.item.clone())
            .bind(r.to_bytes())
            .bind(to_i64(r.expires_at.0)?)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn offer(&self, payment: &Nonce) -> Result<Option<PaymentRequest>, StoreError> {
        let row = sqlx::query("SELECT request FROM offers WHERE payment = ?")
            .bind(payment.as_bytes().to_vec())
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            let bytes: Vec<u8> = r.try_get("request")?;
            PaymentRequest::from_bytes(&bytes).map_err(|_| StoreError::Corrupt("offer"))
        })
        .transpose()
    }

    /// Withdraws an offer: no payment for it can be taken afterwards (one
    /// arriving later finds no offer and is refused). False if there was
    /// none.
    pub async fn withdraw_offer(&self, payment: &Nonce) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM offers WHERE payment = ?")
            .bind(payment.as_bytes().to_vec())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Forgets offers that expired before `before` (taken ones keep their receipt).
    pub async fn prune_offers(&self, before: Timestamp) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM offers WHERE expires_at < ?")
            .bind(to_i64(before.0)?)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    /// The payment the till took with this nonce, if any.
    pub async fn taken(&self, payment: &Nonce) -> Result<Option<TakenPayment>, StoreError> {
        let row = sqlx::query("SELECT receipt, item FROM payments WHERE payment = ?")
            .bind(payment.as_bytes().to_vec())
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            Ok(TakenPayment {
                receipt: r.try_get("receipt")?,
                item: r.try_get("item")?,
            })
        })
        .transpose()
    }

    /// Applies an accepted payment in one transaction: its halves are
    /// consumed (only if still unspent: `Conflict` otherwise, and the payment
    /// must be decided again), its tokens kept unredeemed, its receipt and
    /// the digest of its access token stored. `Replay` if a racing copy of
    /// the same payment was applied first.
    pub async fn apply_payment(
        &self,
        a: &Acceptance,
        access_digest: [u8; 32],
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let nonce = a.receipt.payment.as_bytes().to_vec();
        let mut tx = self.begin().await?;
        let seen = sqlx::query("SELECT 1 AS one FROM payments WHERE payment = ?")
            .bind(nonce.clone())
            .fetch_optional(&mut *tx)
            .await?;
        if seen.is_some() {
            return Err(StoreError::Replay);
        }
        self.spend_halves(&mut tx, &a.receipt.purse, &a.consumed, &nonce)
            .await?;
        let r = &a.receipt;
        sqlx::query("INSERT INTO payments (payment, purse, item, currency, price_minor, paid_minor, receipt, accepted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
            .bind(nonce.clone())
            .bind(r.purse.as_bytes().to_vec())
            .bind(r.item.clone())
            .bind(r.price.currency().code().to_owned())
            .bind(to_i64(r.price.minor())?)
            .bind(to_i64(r.paid.minor())?)
            .bind(r.to_text())
            .bind(to_i64(now.0)?)
            .execute(&mut *tx)
            .await?;
        for t in &a.tokens {
            let kind = &t.token.token.kind;
            sqlx::query("INSERT INTO tokens (purse, session, payment, currency, value_minor, token) VALUES (?, ?, ?, ?, ?, ?)")
                .bind(t.purse.as_bytes().to_vec())
                .bind(i64::from(t.session.0))
                .bind(nonce.clone())
                .bind(r.price.currency().code().to_owned())
                .bind(to_i64(kind.value().map_or(0, |v| v.minor()))?)
                .bind(t.token.to_bytes())
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("INSERT INTO access (digest, item, payment) VALUES (?, ?, ?)")
            .bind(access_digest.to_vec())
            .bind(r.item.clone())
            .bind(nonce)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The item an access token (by its digest) unlocks.
    pub async fn access_item(&self, digest: [u8; 32]) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT item FROM access WHERE digest = ?")
            .bind(digest.to_vec())
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| Ok(r.try_get("item")?)).transpose()
    }

    /// Records a refused payment; only the newest are kept.
    pub async fn record_refusal(
        &self,
        payment: Option<Nonce>,
        code: &str,
        message: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        sqlx::query("INSERT INTO refusals (payment, code, message, at) VALUES (?, ?, ?, ?)")
            .bind(payment.map(|n| n.as_bytes().to_vec()))
            .bind(code.to_owned())
            .bind(message.to_owned())
            .bind(to_i64(now.0)?)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM refusals WHERE id <= (SELECT MAX(id) FROM refusals) - ?")
            .bind(REFUSALS_KEPT)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Refused payments, newest first.
    pub async fn refusals(&self, limit: i64) -> Result<Vec<Refusal>, StoreError> {
        let rows =
            sqlx::query("SELECT payment, code, message, at FROM refusals ORDER BY id DESC LIMIT ?")
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
        rows.iter()
            .map(|r| {
                let payment = match r.try_get::<Option<Vec<u8>>, _>("payment")? {
                    Some(b) => Some(Nonce(
                        b.try_into()
                            .map_err(|_| StoreError::Corrupt("payment nonce"))?,
                    )),
                    None => None,
                };
                Ok(Refusal {
                    payment,
                    code: r.try_get("code")?,
                    message: r.try_get("message")?,
                    at: Timestamp(to_u64(r.try_get("at")?)?),
                })
            })
            .collect()
    }
}
