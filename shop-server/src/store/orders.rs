//! Purse requests forwarded for buyers (`purse_orders`). Each is saved before
//! it is sent to the bank and marked answered in the same transaction that
//! stores the seller's purse from the bank's answer; until then it is sent
//! again, the same bytes, and the bank answers with its first answer.

use halfpenny::Timestamp;
use halfpenny::till::SellerPurse;
use sha2::{Digest, Sha256};
use sqlx::Row;

use super::{Store, StoreError, blob, to_i64, to_u64};

/// A saved purse request: its id is the SHA-256 of its text.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct PurseOrder {
    pub id: [u8; 32],
    /// The forwarded request (`hpq1.…`), exactly as it was sent.
    pub request: String,
    pub created_at: Timestamp,
}

impl PurseOrder {
    /// The id of a request's text.
    pub fn id_of(request: &str) -> [u8; 32] {
        Sha256::digest(request.as_bytes()).into()
    }

    /// A short name for logs: the first bytes of the id, which tell
    /// nothing of what is inside the sealed request.
    pub fn name(&self) -> String {
        self.id[..8].iter().map(|b| format!("{b:02x}")).collect()
    }
}

impl Store {
    /// Saves a request about to be forwarded. The same request saved again
    /// (the buyer retrying) keeps its first time and whether it was answered.
    pub async fn save_purse_order(
        &self,
        request: &str,
        now: Timestamp,
    ) -> Result<PurseOrder, StoreError> {
        let id = PurseOrder::id_of(request);
        sqlx::query("INSERT INTO purse_orders (id, request, created_at) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING")
            .bind(id.to_vec())
            .bind(request.to_owned())
            .bind(to_i64(now.0)?)
            .execute(&self.pool)
            .await?;
        let row = sqlx::query("SELECT created_at FROM purse_orders WHERE id = ?")
            .bind(id.to_vec())
            .fetch_one(&self.pool)
            .await?;
        Ok(PurseOrder {
            id,
            request: request.to_owned(),
            created_at: Timestamp(to_u64(row.try_get("created_at")?)?),
        })
    }

    /// The oldest requests the bank has not answered yet, at most `limit`.
    pub async fn unanswered_purse_orders(&self, limit: i64) -> Result<Vec<PurseOrder>, StoreError> {
        let rows = sqlx::query("SELECT id, request, created_at FROM purse_orders WHERE answered_at IS NULL ORDER BY created_at, id LIMIT ?")
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(PurseOrder {
                    id: blob(r, "id")?,
                    request: r.try_get("request")?,
                    created_at: Timestamp(to_u64(r.try_get("created_at")?)?),
                })
            })
            .collect()
    }

    /// The bank answered the request: saves the seller's purse (if it could
    /// be opened; once, however often it arrives) and marks the order
    /// answered, in one transaction. True if the purse is new here.
    pub async fn answer_purse_order(
        &self,
        order: &[u8; 32],
        purse: Option<&SellerPurse>,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let new = match purse {
            Some(p) => self.insert_purse_in(&mut tx, p, now).await?,
            None => false,
        };
        sqlx::query("UPDATE purse_orders SET answered_at = ? WHERE id = ? AND answered_at IS NULL")
            .bind(to_i64(now.0)?)
            .bind(order.to_vec())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(new)
    }

    /// Forgets an order: the bank refused it (nothing was minted), or it is
    /// older than the bank keeps first answers.
    pub async fn drop_purse_order(&self, order: &[u8; 32]) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM purse_orders WHERE id = ?")
            .bind(order.to_vec())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Forgets answered orders answered before `before`: their purse is
    /// stored, and a retry by the buyer is simply saved again.
    pub async fn prune_purse_orders(&self, before: Timestamp) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "DELETE FROM purse_orders WHERE answered_at IS NOT NULL AND answered_at < ?",
        )
        .bind(to_i64(before.0)?)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    /// Whether an order is saved, and when it was answered (tests, operator).
    pub async fn purse_order_answered(
        &self,
        order: &[u8; 32],
    ) -> Result<Option<Option<Timestamp>>, StoreError> {
        let row = sqlx::query("SELECT answered_at FROM purse_orders WHERE id = ?")
            .bind(order.to_vec())
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            Ok(match r.try_get::<Option<i64>, _>("answered_at")? {
                Some(t) => Some(Timestamp(to_u64(t)?)),
                None => None,
            })
        })
        .transpose()
    }
}
