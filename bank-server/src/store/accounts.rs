//! Accounts and their verified attributes.

use halfpenny::bank::{AccountRecord, Role};
use halfpenny::crypto::{PublicIdentity, PublicKey};
use halfpenny::{Attribute, Date, KeyId, Timestamp};
use sqlx::Row;

use super::{Answer, Store, StoreError, to_i64};

fn role_code(r: Role) -> &'static str {
    match r {
        Role::Buyer => "buyer",
        Role::Seller => "seller",
    }
}

impl Store {
    /// Registers an account. False if one with this key already exists.
    pub async fn insert_account(
        &self,
        rec: &AccountRecord,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let sql = "INSERT INTO accounts (id, role, signing_key, sealing_key, address, created_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING";
        let done = self
            .query(sql)
            .bind(rec.id().as_bytes().to_vec())
            .bind(role_code(rec.role))
            .bind(rec.identity.signing.as_der().to_vec())
            .bind(rec.identity.sealing.as_der().to_vec())
            .bind(rec.address.clone())
            .bind(to_i64(now.0)?)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn account(&self, id: &KeyId) -> Result<Option<AccountRecord>, StoreError> {
        let Some(row) = self
            .query("SELECT role, signing_key, sealing_key, address FROM accounts WHERE id = $1")
            .bind(id.as_bytes().to_vec())
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let role = match row.try_get::<String, _>("role")?.as_str() {
            "buyer" => Role::Buyer,
            "seller" => Role::Seller,
            _ => return Err(StoreError::Corrupt("role")),
        };
        let key = |col: &str| -> Result<PublicKey, StoreError> {
            PublicKey::from_der(row.try_get::<Vec<u8>, _>(col)?)
                .map_err(|_| StoreError::Corrupt("public key"))
        };
        let identity = PublicIdentity {
            signing: key("signing_key")?,
            sealing: key("sealing_key")?,
        };
        let address: Option<String> = row.try_get("address")?;
        let mut attributes = Vec::new();
        for r in self
            .query("SELECT kind, value FROM attributes WHERE account = $1")
            .bind(id.as_bytes().to_vec())
            .fetch_all(&self.pool)
            .await?
        {
            let value: String = r.try_get("value")?;
            attributes.push(match r.try_get::<String, _>("kind")?.as_str() {
                "date_of_birth" => {
                    Attribute::DateOfBirth(Date::parse(&value).ok_or(StoreError::Corrupt("date"))?)
                }
                "flag" => Attribute::Flag(value),
                _ => return Err(StoreError::Corrupt("attribute kind")),
            });
        }
        Ok(Some(AccountRecord {
            identity,
            role,
            address,
            attributes,
        }))
    }

    /// Sets (or with `None` removes) a seller's address, recording the
    /// letter that asked in the same transaction.
    pub async fn apply_address_change(
        &self,
        id: &KeyId,
        address: Option<&str>,
        nonce: &[u8],
        answer: Answer<'_>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        self.record_request(&mut tx, nonce, "address", answer, now)
            .await?;
        let done = self
            .query("UPDATE accounts SET address = $1 WHERE id = $2 AND role = $3")
            .bind(address.map(str::to_owned))
            .bind(id.as_bytes().to_vec())
            .bind(role_code(Role::Seller))
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict);
        }
        tx.commit().await?;
        Ok(())
    }

    /// Every account of one role, oldest first.
    pub async fn accounts_with_role(&self, role: Role) -> Result<Vec<KeyId>, StoreError> {
        let rows = self
            .query("SELECT id FROM accounts WHERE role = $1 ORDER BY created_at, id")
            .bind(role_code(role))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                let id: Vec<u8> = r.try_get("id")?;
                let bytes: [u8; 32] = id
                    .try_into()
                    .map_err(|_| StoreError::Corrupt("account id"))?;
                Ok(KeyId(bytes))
            })
            .collect()
    }

    /// Records an attribute the operator verified. False if the account does not exist.
    pub async fn add_attribute(
        &self,
        id: &KeyId,
        attribute: &Attribute,
    ) -> Result<bool, StoreError> {
        if self.account(id).await?.is_none() {
            return Ok(false);
        }
        let (kind, value) = match attribute {
            Attribute::DateOfBirth(d) => ("date_of_birth", d.to_string()),
            Attribute::Flag(f) => ("flag", f.clone()),
        };
        self.query("INSERT INTO attributes (account, kind, value) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
            .bind(id.as_bytes().to_vec())
            .bind(kind)
            .bind(value)
            .execute(&self.pool)
            .await?;
        Ok(true)
    }
}
