//! Joined tokens and their redemption. A redemption letter is saved with
//! the tokens it carries before it is sent, and sent again (the bank answers
//! a known letter with its first answer) until the bank has answered it; only
//! then are its tokens marked handed in, each with the bank's outcome.

use halfpenny::messages::SpentToken;
use halfpenny::wire::Decode;
use halfpenny::{Currency, PurseId, SessionSerial, SignedToken, Timestamp};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Store, StoreError, blob, currency, session, to_i64, to_u64};

/// A redemption letter saved before sending.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Batch {
    pub id: i64,
    /// The sealed letter as text.
    pub letter: String,
    pub created_at: Timestamp,
}

/// One line of the bank's answer about one token.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct LineRow {
    pub purse: PurseId,
    pub session: SessionSerial,
    /// `credited`, or the bank's refusal code.
    pub outcome: String,
    pub currency: Option<Currency>,
    pub amount_minor: u64,
}

/// A redemption as the operator sees it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct BatchView {
    pub id: i64,
    pub tokens: u64,
    pub created_at: Timestamp,
    pub answered_at: Option<Timestamp>,
    /// The bank refused the whole letter with this code (nothing moved).
    pub refused: Option<String>,
    pub lines: Vec<LineRow>,
}

/// A joined token not yet handed in, for the operator's totals.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct TokenRow {
    pub currency: Currency,
    pub minor: u64,
    pub count: u64,
}

fn line_of(r: &AnyRow) -> Result<LineRow, StoreError> {
    Ok(LineRow {
        purse: PurseId(blob(r, "purse")?),
        session: session(r, "session")?,
        outcome: r.try_get("outcome")?,
        currency: match r.try_get::<Option<String>, _>("currency")? {
            Some(c) => Some(Currency::new(&c).map_err(|_| StoreError::Corrupt("currency"))?),
            None => None,
        },
        amount_minor: to_u64(r.try_get("amount_minor")?)?,
    })
}

impl Store {
    /// A letter sent and not yet answered, if any.
    pub async fn pending_batch(&self) -> Result<Option<Batch>, StoreError> {
        let row = sqlx::query("SELECT id, letter, created_at FROM redemptions WHERE answered_at IS NULL AND refused IS NULL ORDER BY id LIMIT 1")
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            Ok(Batch {
                id: r.try_get("id")?,
                letter: r.try_get("letter")?,
                created_at: Timestamp(to_u64(r.try_get("created_at")?)?),
            })
        })
        .transpose()
    }

    /// Up to `limit` money tokens not yet handed in nor in a letter, except
    /// those of purses being handed back (their return carries them).
    pub async fn tokens_to_redeem(&self, limit: i64) -> Result<Vec<SpentToken>, StoreError> {
        let rows = sqlx::query(
            "SELECT t.purse, t.session, t.token FROM tokens t JOIN purses p ON p.id = t.purse
             WHERE t.handed_in IS NULL AND t.batch IS NULL AND t.value_minor > 0 AND p.state <> 'returning'
             ORDER BY t.purse, t.session LIMIT ?",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let bytes: Vec<u8> = r.try_get("token")?;
                Ok(SpentToken {
                    purse: PurseId(blob(r, "purse")?),
                    session: session(r, "session")?,
                    token: SignedToken::from_bytes(&bytes)
                        .map_err(|_| StoreError::Corrupt("token"))?,
                })
            })
            .collect()
    }

    /// Saves a letter and ties its tokens to it, before it is sent.
    pub async fn save_batch(
        &self,
        letter: &str,
        tokens: &[SpentToken],
        now: Timestamp,
    ) -> Result<Batch, StoreError> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "INSERT INTO redemptions (letter, tokens, created_at) VALUES (?, ?, ?) RETURNING id",
        )
        .bind(letter.to_owned())
        .bind(to_i64(tokens.len() as u64)?)
        .bind(to_i64(now.0)?)
        .fetch_one(&mut *tx)
        .await?;
        let id: i64 = row.try_get("id")?;
        for t in tokens {
            let done = sqlx::query("UPDATE tokens SET batch = ? WHERE purse = ? AND session = ? AND batch IS NULL AND handed_in IS NULL")
                .bind(id)
                .bind(t.purse.as_bytes().to_vec())
                .bind(i64::from(t.session.0))
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Conflict);
            }
        }
        tx.commit().await?;
        Ok(Batch {
            id,
            letter: letter.to_owned(),
            created_at: now,
        })
    }

    /// The bank answered a letter: record each line and mark its tokens
    /// handed in. `Replay` if this answer was recorded before.
    pub async fn apply_redemption(
        &self,
        batch: i64,
        lines: &[LineRow],
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let done = sqlx::query("UPDATE redemptions SET answered_at = ? WHERE id = ? AND answered_at IS NULL AND refused IS NULL")
            .bind(to_i64(now.0)?)
            .bind(batch)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Replay);
        }
        for l in lines {
            // The line's currency is its purse's (unknown purse: none).
            sqlx::query("INSERT INTO redemption_lines (redemption, purse, session, outcome, currency, amount_minor) VALUES (?, ?, ?, ?, (SELECT currency FROM purses WHERE id = ?), ?)")
                .bind(batch)
                .bind(l.purse.as_bytes().to_vec())
                .bind(i64::from(l.session.0))
                .bind(l.outcome.clone())
                .bind(l.purse.as_bytes().to_vec())
                .bind(to_i64(l.amount_minor)?)
                .execute(&mut *tx)
                .await?;
            sqlx::query("UPDATE tokens SET handed_in = 'redemption', outcome = ? WHERE purse = ? AND session = ? AND batch = ? AND handed_in IS NULL")
                .bind(l.outcome.clone())
                .bind(l.purse.as_bytes().to_vec())
                .bind(i64::from(l.session.0))
                .bind(batch)
                .execute(&mut *tx)
                .await?;
        }
        // A token the answer did not mention goes into a later letter.
        sqlx::query("UPDATE tokens SET batch = NULL WHERE batch = ? AND handed_in IS NULL")
            .bind(batch)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The bank refused the whole letter (nothing moved there): its tokens
    /// are free for a new letter. The refusal is kept for the operator,
    /// unless `forget` (a letter the bank never read: it came too late).
    pub async fn drop_batch(&self, batch: i64, code: &str, forget: bool) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE tokens SET batch = NULL WHERE batch = ? AND handed_in IS NULL")
            .bind(batch)
            .execute(&mut *tx)
            .await?;
        if forget {
            sqlx::query("DELETE FROM redemptions WHERE id = ? AND answered_at IS NULL")
                .bind(batch)
                .execute(&mut *tx)
                .await?;
        } else {
            sqlx::query("UPDATE redemptions SET refused = ? WHERE id = ? AND answered_at IS NULL")
                .bind(code.to_owned())
                .bind(batch)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The latest redemptions with their lines, newest first.
    pub async fn batches(&self, limit: i64) -> Result<Vec<BatchView>, StoreError> {
        let rows = sqlx::query("SELECT id, tokens, created_at, answered_at, refused FROM redemptions ORDER BY id DESC LIMIT ?")
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let id: i64 = r.try_get("id")?;
            let lines = sqlx::query("SELECT purse, session, outcome, currency, amount_minor FROM redemption_lines WHERE redemption = ? ORDER BY rowid")
                .bind(id)
                .fetch_all(&self.pool)
                .await?;
            out.push(BatchView {
                id,
                tokens: to_u64(r.try_get("tokens")?)?,
                created_at: Timestamp(to_u64(r.try_get("created_at")?)?),
                answered_at: r
                    .try_get::<Option<i64>, _>("answered_at")?
                    .map(|t| to_u64(t).map(Timestamp))
                    .transpose()?,
                refused: r.try_get("refused")?,
                lines: lines.iter().map(line_of).collect::<Result<_, _>>()?,
            });
        }
        Ok(out)
    }

    /// Money tokens taken and not yet handed in, per currency.
    pub async fn takings(&self) -> Result<Vec<TokenRow>, StoreError> {
        let rows = sqlx::query("SELECT currency, SUM(value_minor) AS minor, COUNT(*) AS n FROM tokens WHERE handed_in IS NULL AND value_minor > 0 GROUP BY currency ORDER BY currency")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(TokenRow {
                    currency: currency(r, "currency")?,
                    minor: to_u64(r.try_get("minor")?)?,
                    count: to_u64(r.try_get("n")?)?,
                })
            })
            .collect()
    }

    /// What the bank credited the seller, per currency: redemptions and
    /// the tokens he handed in with returns.
    pub async fn redeemed(&self) -> Result<Vec<(Currency, u64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT currency, SUM(minor) AS minor FROM (
                SELECT currency, amount_minor AS minor FROM redemption_lines WHERE outcome = 'credited'
                UNION ALL
                SELECT currency, seller_credited_minor AS minor FROM returns WHERE state = 'answered'
             ) GROUP BY currency ORDER BY currency",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((currency(r, "currency")?, to_u64(r.try_get("minor")?)?)))
            .collect()
    }
}
