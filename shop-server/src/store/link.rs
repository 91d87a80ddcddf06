//! What the shop remembers of its bank: the bank's public keys (so payments
//! are judged with the bank down), the seller's account there, and how far
//! it has read its inbox.

use halfpenny::bank::BankPublic;
use halfpenny::wire::{Decode, Encode};
use halfpenny::{KeyId, Timestamp};
use sqlx::Row;

use super::{Store, StoreError, blob, to_i64};

/// The saved link to the bank.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct BankLink {
    pub bank: BankPublic,
    /// The seller's account, once registered.
    pub account: Option<KeyId>,
    pub address: Option<String>,
}

impl Store {
    pub async fn bank_link(&self) -> Result<Option<BankLink>, StoreError> {
        let Some(row) = sqlx::query("SELECT bank_public, account, address FROM bank_link")
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let bytes: Vec<u8> = row.try_get("bank_public")?;
        let bank = BankPublic::from_bytes(&bytes).map_err(|_| StoreError::Corrupt("bank keys"))?;
        let account = match row.try_get::<Option<Vec<u8>>, _>("account")? {
            Some(_) => Some(KeyId(blob(&row, "account")?)),
            None => None,
        };
        Ok(Some(BankLink {
            bank,
            account,
            address: row.try_get("address")?,
        }))
    }

    /// Saves the bank's public information as last fetched.
    pub async fn save_bank(&self, bank: &BankPublic, now: Timestamp) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO bank_link (one, bank_public, updated_at) VALUES (1, ?, ?) ON CONFLICT (one) DO UPDATE SET bank_public = excluded.bank_public, updated_at = excluded.updated_at")
            .bind(bank.to_bytes())
            .bind(to_i64(now.0)?)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Remembers that the bank registered the seller (after `save_bank`).
    pub async fn save_account(
        &self,
        account: KeyId,
        address: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE bank_link SET account = ?, address = ?, updated_at = ? WHERE one = 1",
        )
        .bind(account.as_bytes().to_vec())
        .bind(address.to_owned())
        .bind(to_i64(now.0)?)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Corrupt("no bank saved"));
        }
        Ok(())
    }

    /// The id of the last inbox letter handled.
    pub async fn inbox_after(&self) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT inbox_after FROM bank_link")
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            Some(r) => r.try_get("inbox_after")?,
            None => 0,
        })
    }

    pub async fn set_inbox_after(&self, id: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE bank_link SET inbox_after = ? WHERE one = 1 AND inbox_after < ?")
            .bind(id)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
