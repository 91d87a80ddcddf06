//! Deleting first answers and delivered letters no retry or reader can need
//! any more (the rule and its periods: `crate::retention`). Only `requests`
//! and `outbox` rows are deleted; nothing that moves money is touched.

use halfpenny::Timestamp;

use super::schema::Dialect;
use super::{Store, StoreError, to_i64};

/// The kinds of `requests` rows that answer a letter, or record a deadline
/// settlement: the ones pruned by age. A purse request's answer (`mint`) is
/// pruned on its own, later; operator postings (`funding`, `withdrawal`,
/// keyed `operator:…`) and any kind not listed are kept.
pub const PRUNED_REQUEST_KINDS: [&str; 5] =
    ["redemption", "refund", "return", "address", "deadline"];

/// How many rows one statement deletes: a large backlog goes in short
/// transactions, so requests are never held up for long.
pub const PRUNE_BATCH: i64 = 1_000;

/// Rows written strictly before these times are old enough to delete.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PruneBefore {
    /// First answers to letters and deadline records.
    pub answers: Timestamp,
    /// First answers to purse requests: her purse, which she may recover.
    pub purse_answers: Timestamp,
    /// Refund results in the outbox.
    pub results: Timestamp,
    /// Return requests in the outbox, once their case has settled.
    pub return_requests: Timestamp,
}

/// How many rows one pruning deleted, as the operator's API shows it.
pub use halfpenny_bank_api::Pruned;

impl Store {
    /// Deletes what is older than `before` allows, [`PRUNE_BATCH`] rows at a time.
    pub async fn prune(&self, before: &PruneBefore) -> Result<Pruned, StoreError> {
        self.prune_in_batches(before, PRUNE_BATCH).await
    }

    /// [`Store::prune`] with another batch size (tests of the batching).
    pub async fn prune_in_batches(
        &self,
        before: &PruneBefore,
        batch: i64,
    ) -> Result<Pruned, StoreError> {
        let kinds: Vec<String> = (0..PRUNED_REQUEST_KINDS.len())
            .map(|i| format!("${}", i + 3))
            .collect();
        let answers = format!(
            "DELETE FROM requests WHERE nonce IN (SELECT nonce FROM requests WHERE created_at < $1 AND kind IN ({}) LIMIT $2)",
            kinds.join(", ")
        );
        let purse_answers = "DELETE FROM requests WHERE nonce IN (SELECT nonce FROM requests WHERE created_at < $1 AND kind = 'mint' LIMIT $2)";
        let results = "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE kind = 'refund_result' AND created_at < $1 LIMIT $2)";
        let return_requests = "DELETE FROM outbox WHERE id IN (SELECT o.id FROM outbox o WHERE o.kind = 'return_request' AND o.created_at < $1 AND EXISTS (SELECT 1 FROM cases c WHERE c.id = o.about AND c.settled IS NOT NULL) LIMIT $2)";
        let answers = self
            .delete_in_batches(&answers, before.answers, batch, &PRUNED_REQUEST_KINDS)
            .await?
            + self
                .delete_in_batches(purse_answers, before.purse_answers, batch, &[])
                .await?;
        Ok(Pruned {
            answers,
            results: self
                .delete_in_batches(results, before.results, batch, &[])
                .await?,
            return_requests: self
                .delete_in_batches(return_requests, before.return_requests, batch, &[])
                .await?,
        })
    }

    /// Runs `sql` (a delete of at most `$2` rows older than `$1`, then
    /// `extra` as `$3`…) until it deletes fewer than a batch. One batch per
    /// transaction; on PostgreSQL under an advisory lock, so processes
    /// pruning at once take turns (SQLite has one writer at a time anyway).
    /// A batch short under the lock means nothing old is left: every
    /// process stops only once the rows are gone.
    async fn delete_in_batches(
        &self,
        sql: &str,
        before: Timestamp,
        batch: i64,
        extra: &[&str],
    ) -> Result<u64, StoreError> {
        let before = to_i64(before.0)?;
        let batch = batch.max(1);
        let mut deleted = 0;
        loop {
            let mut tx = self.begin().await?;
            if self.dialect == Dialect::Postgres {
                // Pruners take turns, a batch at a time: two deletes never
                // lock the same old rows in different orders.
                sqlx::raw_sql("SELECT pg_advisory_xact_lock(7244102)")
                    .execute(&mut *tx)
                    .await?;
            }
            let mut q = self.query(sql).bind(before).bind(batch);
            for value in extra {
                q = q.bind(*value);
            }
            let done = q.execute(&mut *tx).await?.rows_affected();
            tx.commit().await?;
            deleted += done;
            if done < batch.unsigned_abs() {
                return Ok(deleted);
            }
        }
    }
}
