//! Purses handed back to the bank for a buyer's refund (patent Fig. 10), and
//! the refund results the bank tells the seller about.

use halfpenny::ids::CaseId;
use halfpenny::messages::ReturnRequest;
use halfpenny::{Currency, PurseId, SessionSerial, Timestamp};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Store, StoreError, blob, to_i64, to_u64};

/// The seller's answer to one return request.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ReturnRow {
    pub case: CaseId,
    pub purse: PurseId,
    /// The bank's deadline for this answer.
    pub deadline: Timestamp,
    /// The sealed answer as text, kept to send again until the bank answers.
    pub letter: String,
    pub created_at: Timestamp,
    /// `sent`, `answered` or `refused`.
    pub state: String,
    pub currency: Option<Currency>,
    pub seller_credited_minor: Option<u64>,
    pub buyer_refunded_minor: Option<u64>,
    /// The bank's code when it refused the answer.
    pub code: Option<String>,
}

/// A refund result letter the bank sent the seller.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct RefundResultRow {
    pub case: CaseId,
    pub purse: PurseId,
    pub settled_by: String,
    pub currency: Currency,
    pub seller_credited_minor: u64,
    pub buyer_refunded_minor: u64,
    pub received_at: Timestamp,
}

fn opt_u64(r: &AnyRow, col: &str) -> Result<Option<u64>, StoreError> {
    r.try_get::<Option<i64>, _>(col)?.map(to_u64).transpose()
}

fn return_of(r: &AnyRow) -> Result<ReturnRow, StoreError> {
    Ok(ReturnRow {
        case: CaseId(blob(r, "case_id")?),
        purse: PurseId(blob(r, "purse")?),
        deadline: Timestamp(to_u64(r.try_get("deadline")?)?),
        letter: r.try_get("letter")?,
        created_at: Timestamp(to_u64(r.try_get("created_at")?)?),
        state: r.try_get("state")?,
        currency: r
            .try_get::<Option<String>, _>("currency")?
            .map(|c| Currency::new(&c).map_err(|_| StoreError::Corrupt("currency")))
            .transpose()?,
        seller_credited_minor: opt_u64(r, "seller_credited_minor")?,
        buyer_refunded_minor: opt_u64(r, "buyer_refunded_minor")?,
        code: r.try_get("code")?,
    })
}

const RETURN_COLUMNS: &str = "case_id, purse, deadline, letter, created_at, state, currency, seller_credited_minor, buyer_refunded_minor, code";

impl Store {
    pub async fn return_row(&self, case: &CaseId) -> Result<Option<ReturnRow>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {RETURN_COLUMNS} FROM returns WHERE case_id = ?"
        )))
        .bind(case.as_bytes().to_vec())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(return_of).transpose()
    }

    /// Saves an answer before it is sent. If one was saved for this case
    /// meanwhile, that one is kept and returned.
    pub async fn save_return(
        &self,
        ask: &ReturnRequest,
        letter: &str,
        now: Timestamp,
    ) -> Result<ReturnRow, StoreError> {
        sqlx::query("INSERT INTO returns (case_id, purse, deadline, letter, created_at, state) VALUES (?, ?, ?, ?, ?, 'sent') ON CONFLICT (case_id) DO NOTHING")
            .bind(ask.case.as_bytes().to_vec())
            .bind(ask.purse.as_bytes().to_vec())
            .bind(to_i64(ask.deadline.0)?)
            .bind(letter.to_owned())
            .bind(to_i64(now.0)?)
            .execute(&self.pool)
            .await?;
        self.return_row(&ask.case)
            .await?
            .ok_or(StoreError::Corrupt("return just saved"))
    }

    /// Replaces an answer the bank never read (it arrived too late to be
    /// fresh) with a new letter of the same content.
    pub async fn renew_return(
        &self,
        case: &CaseId,
        letter: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE returns SET letter = ?, created_at = ? WHERE case_id = ? AND state = 'sent'",
        )
        .bind(letter.to_owned())
        .bind(to_i64(now.0)?)
        .bind(case.as_bytes().to_vec())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Answers sent and not yet answered by the bank.
    pub async fn unanswered_returns(&self) -> Result<Vec<ReturnRow>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {RETURN_COLUMNS} FROM returns WHERE state = 'sent' ORDER BY created_at"
        )))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(return_of).collect()
    }

    /// The bank settled the case with the seller's answer: the tokens it
    /// carried are handed in (each with the bank's outcome), the purse is
    /// returned and its unspent shares wiped. `Replay` if recorded before.
    #[allow(clippy::too_many_arguments)]
    pub async fn apply_return(
        &self,
        case: &CaseId,
        purse: &PurseId,
        currency: Currency,
        seller_credited: u64,
        buyer_refunded: u64,
        outcomes: &[(SessionSerial, String)],
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let done = sqlx::query("UPDATE returns SET state = 'answered', currency = ?, seller_credited_minor = ?, buyer_refunded_minor = ?, answered_at = ? WHERE case_id = ? AND state = 'sent'")
            .bind(currency.code().to_owned())
            .bind(to_i64(seller_credited)?)
            .bind(to_i64(buyer_refunded)?)
            .bind(to_i64(now.0)?)
            .bind(case.as_bytes().to_vec())
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Replay);
        }
        for (session, outcome) in outcomes {
            sqlx::query("UPDATE tokens SET handed_in = 'return', outcome = ? WHERE purse = ? AND session = ? AND handed_in IS NULL")
                .bind(outcome.clone())
                .bind(purse.as_bytes().to_vec())
                .bind(i64::from(session.0))
                .execute(&mut *tx)
                .await?;
        }
        Self::close_returned(&mut tx, purse).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The bank refused the answer for good (e.g. the case was already
    /// settled at its deadline): the purse is closed there, so here too.
    /// Tokens not handed in stay for the next redemption.
    pub async fn refuse_return(
        &self,
        case: &CaseId,
        purse: &PurseId,
        code: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE returns SET state = 'refused', code = ?, answered_at = ? WHERE case_id = ? AND state = 'sent'")
            .bind(code.to_owned())
            .bind(to_i64(now.0)?)
            .bind(case.as_bytes().to_vec())
            .execute(&mut *tx)
            .await?;
        Self::close_returned(&mut tx, purse).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn close_returned(tx: &mut super::Tx, purse: &PurseId) -> Result<(), StoreError> {
        sqlx::query("UPDATE purses SET state = 'returned' WHERE id = ?")
            .bind(purse.as_bytes().to_vec())
            .execute(&mut **tx)
            .await?;
        sqlx::query("UPDATE halves SET share = ? WHERE purse = ? AND spent_by IS NULL")
            .bind(Vec::<u8>::new())
            .bind(purse.as_bytes().to_vec())
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    /// The latest answers, newest first.
    pub async fn returns(&self, limit: i64) -> Result<Vec<ReturnRow>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {RETURN_COLUMNS} FROM returns ORDER BY created_at DESC LIMIT ?"
        )))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(return_of).collect()
    }

    /// Records a refund result letter; the same case twice is kept once.
    pub async fn save_refund_result(&self, r: &RefundResultRow) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO refund_results (case_id, purse, settled_by, currency, seller_credited_minor, buyer_refunded_minor, received_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (case_id) DO NOTHING")
            .bind(r.case.as_bytes().to_vec())
            .bind(r.purse.as_bytes().to_vec())
            .bind(r.settled_by.clone())
            .bind(r.currency.code().to_owned())
            .bind(to_i64(r.seller_credited_minor)?)
            .bind(to_i64(r.buyer_refunded_minor)?)
            .bind(to_i64(r.received_at.0)?)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn refund_results(&self, limit: i64) -> Result<Vec<RefundResultRow>, StoreError> {
        let rows = sqlx::query("SELECT case_id, purse, settled_by, currency, seller_credited_minor, buyer_refunded_minor, received_at FROM refund_results ORDER BY received_at DESC LIMIT ?")
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(RefundResultRow {
                    case: CaseId(blob(r, "case_id")?),
                    purse: PurseId(blob(r, "purse")?),
                    settled_by: r.try_get("settled_by")?,
                    currency: super::currency(r, "currency")?,
                    seller_credited_minor: to_u64(r.try_get("seller_credited_minor")?)?,
                    buyer_refunded_minor: to_u64(r.try_get("buyer_refunded_minor")?)?,
                    received_at: Timestamp(to_u64(r.try_get("received_at")?)?),
                })
            })
            .collect()
    }
}
