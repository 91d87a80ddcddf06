//! Refund cases and the outbox: letters waiting for a party to collect them.

use halfpenny::bank::RefundCase;
use halfpenny::ids::{CaseId, PurseId};
use halfpenny::messages::{MAX_TOKENS_PER_PURSE, SettledBy};
use halfpenny::split::TokenShare;
use halfpenny::wire::{Reader, Writer};
use halfpenny::{KeyId, Timestamp};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Store, StoreError, Tx, blob, to_i64, to_u64};

/// A letter waiting in the outbox: the inbox letter of the bank's API.
pub use halfpenny_bank_api::InboxLetter as OutboxLetter;

fn settled_code(s: Option<SettledBy>) -> Option<&'static str> {
    s.map(|s| match s {
        SettledBy::SellerReturn => "seller_return",
        SettledBy::Deadline => "deadline",
    })
}

fn halves_bytes(items: &[TokenShare]) -> Vec<u8> {
    let mut w = Writer::new();
    w.list(items);
    w.into_bytes()
}

fn case_of(r: &AnyRow) -> Result<RefundCase, StoreError> {
    let bytes: Vec<u8> = r.try_get("buyer_items")?;
    let mut reader = Reader::new(&bytes);
    let buyer_halves = reader
        .list("items", MAX_TOKENS_PER_PURSE)
        .map_err(|_| StoreError::Corrupt("case items"))?;
    let settled = match r.try_get::<Option<String>, _>("settled")?.as_deref() {
        None => None,
        Some("seller_return") => Some(SettledBy::SellerReturn),
        Some("deadline") => Some(SettledBy::Deadline),
        Some(_) => return Err(StoreError::Corrupt("case state")),
    };
    Ok(RefundCase {
        id: CaseId(blob(r, "id")?),
        purse: PurseId(blob(r, "purse")?),
        buyer: KeyId(blob(r, "buyer")?),
        seller: KeyId(blob(r, "seller")?),
        opened_at: Timestamp(to_u64(r.try_get("opened_at")?)?),
        deadline: Timestamp(to_u64(r.try_get("deadline")?)?),
        buyer_halves,
        settled,
    })
}

const CASE_COLUMNS: &str = "id, purse, buyer, seller, opened_at, deadline, buyer_items, settled";

impl Store {
    pub async fn case(&self, id: &CaseId) -> Result<Option<RefundCase>, StoreError> {
        let row = self
            .query(&format!("SELECT {CASE_COLUMNS} FROM cases WHERE id = $1"))
            .bind(id.as_bytes().to_vec())
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(case_of).transpose()
    }

    /// Open cases whose seller's time is up.
    pub async fn due_cases(&self, now: Timestamp) -> Result<Vec<RefundCase>, StoreError> {
        let rows = self
            .query(&format!("SELECT {CASE_COLUMNS} FROM cases WHERE settled IS NULL AND deadline <= $1 ORDER BY deadline"))
            .bind(to_i64(now.0)?)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(case_of).collect()
    }

    pub(super) async fn insert_case(&self, tx: &mut Tx, c: &RefundCase) -> Result<(), StoreError> {
        self.query(&format!(
            "INSERT INTO cases ({CASE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        ))
        .bind(c.id.as_bytes().to_vec())
        .bind(c.purse.as_bytes().to_vec())
        .bind(c.buyer.as_bytes().to_vec())
        .bind(c.seller.as_bytes().to_vec())
        .bind(to_i64(c.opened_at.0)?)
        .bind(to_i64(c.deadline.0)?)
        .bind(halves_bytes(&c.buyer_halves))
        .bind(settled_code(c.settled))
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Marks a case settled, only if it was still open.
    pub(super) async fn settle_case(&self, tx: &mut Tx, c: &RefundCase) -> Result<(), StoreError> {
        let done = self
            .query("UPDATE cases SET settled = $1 WHERE id = $2 AND settled IS NULL")
            .bind(settled_code(c.settled))
            .bind(c.id.as_bytes().to_vec())
            .execute(&mut **tx)
            .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict);
        }
        Ok(())
    }

    pub(super) async fn queue_letter(
        &self,
        tx: &mut Tx,
        to: KeyId,
        kind: &str,
        letter: String,
        about: Option<CaseId>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.query("INSERT INTO outbox (recipient, kind, letter, about, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(to.as_bytes().to_vec())
            .bind(kind.to_owned())
            .bind(letter)
            .bind(about.map(|c| c.as_bytes().to_vec()))
            .bind(to_i64(now.0)?)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    /// Letters waiting for a party (sealed: only the recipient can read
    /// them), oldest first, after the given id.
    pub async fn inbox(&self, who: KeyId, after: i64) -> Result<Vec<OutboxLetter>, StoreError> {
        let rows = self
            .query("SELECT id, kind, letter FROM outbox WHERE recipient = $1 AND id > $2 ORDER BY id LIMIT 100")
            .bind(who.as_bytes().to_vec())
            .bind(after)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(OutboxLetter {
                    id: r.try_get("id")?,
                    kind: r.try_get("kind")?,
                    letter: r.try_get("letter")?,
                })
            })
            .collect()
    }
}
