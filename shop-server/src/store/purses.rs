//! The seller's purses and their halves, one row per half.

use std::collections::{BTreeMap, BTreeSet};

use halfpenny::messages::SpentToken;
use halfpenny::split::Share;
use halfpenny::till::{SellerHalf, SellerPurse};
use halfpenny::wire::{Decode, Encode};
use halfpenny::{BankId, PurseId, SessionSerial, SignedToken, Timestamp, TokenKind};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Store, StoreError, Tx, blob, currency, query_in, session, to_i64, to_u64};

/// Where a purse stands at the shop.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum PurseState {
    /// Takes payments.
    Open,
    /// The bank asked for it back (a buyer's refund): takes no payments.
    Returning,
    /// Handed back to the bank; its halves are gone.
    Returned,
}

impl PurseState {
    pub fn code(self) -> &'static str {
        match self {
            PurseState::Open => "open",
            PurseState::Returning => "returning",
            PurseState::Returned => "returned",
        }
    }

    fn parse(s: &str) -> Result<Self, StoreError> {
        match s {
            "open" => Ok(PurseState::Open),
            "returning" => Ok(PurseState::Returning),
            "returned" => Ok(PurseState::Returned),
            _ => Err(StoreError::Corrupt("purse state")),
        }
    }
}

/// A purse as the operator sees it. It never names the buyer: the seller
/// does not know her.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct PurseRow {
    pub id: PurseId,
    pub currency: halfpenny::Currency,
    pub state: PurseState,
    pub expires_at: Timestamp,
    pub unspent_minor: u64,
    pub halves_left: u64,
    pub spent: u64,
}

fn half_of(row: &AnyRow) -> Result<(SessionSerial, Option<SellerHalf>), StoreError> {
    let s = session(row, "session")?;
    let spent: Option<Vec<u8>> = row.try_get("spent_by")?;
    if spent.is_some() {
        return Ok((s, None));
    }
    let kind_bytes: Vec<u8> = row.try_get("kind")?;
    let kind = TokenKind::from_bytes(&kind_bytes).map_err(|_| StoreError::Corrupt("token kind"))?;
    let share = Share::from_bytes(row.try_get("share")?);
    Ok((s, Some(SellerHalf { kind, share })))
}

impl Store {
    /// Saves a purse the till opened. False if it was saved before (the
    /// bank answers a repeated request with the same purse).
    pub async fn insert_purse(&self, p: &SellerPurse, now: Timestamp) -> Result<bool, StoreError> {
        let mut tx = self.begin().await?;
        let new = self.insert_purse_in(&mut tx, p, now).await?;
        tx.commit().await?;
        Ok(new)
    }

    /// [`Store::insert_purse`] inside a transaction the caller commits.
    pub(super) async fn insert_purse_in(
        &self,
        tx: &mut Tx,
        p: &SellerPurse,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query("INSERT INTO purses (id, currency, expires_at, received_at, state) VALUES (?, ?, ?, ?, 'open') ON CONFLICT (id) DO NOTHING")
            .bind(p.id.as_bytes().to_vec())
            .bind(p.currency.code().to_owned())
            .bind(to_i64(p.expires_at.0)?)
            .bind(to_i64(now.0)?)
            .execute(&mut **tx)
            .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        let halves: Vec<(&SessionSerial, &SellerHalf)> = p.halves.iter().collect();
        for chunk in halves.chunks(100) {
            let rows = vec!["(?, ?, ?, ?, ?)"; chunk.len()].join(", ");
            let sql = format!(
                "INSERT INTO halves (purse, session, kind, value_minor, share) VALUES {rows}"
            );
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            for (s, h) in chunk {
                q = q
                    .bind(p.id.as_bytes().to_vec())
                    .bind(i64::from(s.0))
                    .bind(h.kind.to_bytes())
                    .bind(to_i64(h.kind.value().map_or(0, |a| a.minor()))?)
                    .bind(h.share.as_bytes().to_vec());
            }
            q.execute(&mut **tx).await?;
        }
        Ok(true)
    }

    /// The purse's state and the part of it a payment names: the halves of
    /// these sessions still unspent, and those already spent. Sessions the
    /// purse does not have are in neither.
    pub async fn purse_for_payment(
        &self,
        id: &PurseId,
        bank: &BankId,
        sessions: &BTreeSet<SessionSerial>,
    ) -> Result<Option<(PurseState, SellerPurse)>, StoreError> {
        let Some(head) = sqlx::query("SELECT currency, expires_at, state FROM purses WHERE id = ?")
            .bind(id.as_bytes().to_vec())
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let state = PurseState::parse(&head.try_get::<String, _>("state")?)?;
        let mut purse = SellerPurse {
            id: *id,
            bank: bank.clone(),
            currency: currency(&head, "currency")?,
            expires_at: Timestamp(to_u64(head.try_get("expires_at")?)?),
            halves: BTreeMap::new(),
            spent: BTreeSet::new(),
        };
        let list: Vec<&SessionSerial> = sessions.iter().collect();
        for chunk in list.chunks(500) {
            let mut q = query_in(
                "SELECT session, kind, share, spent_by FROM halves WHERE purse = ? AND session IN ",
                chunk.len(),
                "",
            )
            .bind(id.as_bytes().to_vec());
            for s in chunk {
                q = q.bind(i64::from(s.0));
            }
            for row in q.fetch_all(&self.pool).await? {
                match half_of(&row)? {
                    (s, Some(h)) => {
                        purse.halves.insert(s, h);
                    }
                    (s, None) => {
                        purse.spent.insert(s);
                    }
                }
            }
        }
        Ok(Some((state, purse)))
    }

    /// Consumes halves for a payment, only if each is still unspent and the
    /// purse still takes payments; wipes their shares. `Conflict` otherwise.
    pub(super) async fn spend_halves(
        &self,
        tx: &mut Tx,
        purse: &PurseId,
        sessions: &[SessionSerial],
        payment: &[u8],
    ) -> Result<(), StoreError> {
        for chunk in sessions.chunks(500) {
            let mut q = query_in(
                "UPDATE halves SET spent_by = ?, share = ? WHERE purse = ? AND spent_by IS NULL AND EXISTS (SELECT 1 FROM purses WHERE id = halves.purse AND state = 'open') AND session IN ",
                chunk.len(),
                "",
            )
            .bind(payment.to_vec())
            .bind(Vec::<u8>::new())
            .bind(purse.as_bytes().to_vec());
            for s in chunk {
                q = q.bind(i64::from(s.0));
            }
            let done = q.execute(&mut **tx).await?;
            if done.rows_affected() != chunk.len() as u64 {
                return Err(StoreError::Conflict);
            }
        }
        Ok(())
    }

    /// Closes an open purse to payments before it is handed back. Returns
    /// its state afterwards, or `None` if the shop never had it.
    pub async fn close_for_return(&self, id: &PurseId) -> Result<Option<PurseState>, StoreError> {
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE purses SET state = 'returning' WHERE id = ? AND state = 'open'")
            .bind(id.as_bytes().to_vec())
            .execute(&mut *tx)
            .await?;
        let row = sqlx::query("SELECT state FROM purses WHERE id = ?")
            .bind(id.as_bytes().to_vec())
            .fetch_optional(&mut *tx)
            .await?;
        tx.commit().await?;
        row.map(|r| PurseState::parse(&r.try_get::<String, _>("state")?))
            .transpose()
    }

    /// Everything the seller still holds of a purse closed for its return:
    /// the unspent halves and the joined money tokens not yet handed in.
    pub async fn return_contents(
        &self,
        id: &PurseId,
        bank: &BankId,
    ) -> Result<(SellerPurse, Vec<SpentToken>), StoreError> {
        let head = sqlx::query("SELECT currency, expires_at FROM purses WHERE id = ?")
            .bind(id.as_bytes().to_vec())
            .fetch_optional(&self.pool)
            .await?;
        let mut purse = SellerPurse {
            id: *id,
            bank: bank.clone(),
            currency: halfpenny::Currency::USD,
            expires_at: Timestamp(0),
            halves: BTreeMap::new(),
            spent: BTreeSet::new(),
        };
        if let Some(h) = head {
            purse.currency = currency(&h, "currency")?;
            purse.expires_at = Timestamp(to_u64(h.try_get("expires_at")?)?);
        }
        // Wiped shares (a purse already handed back) are not halves any more.
        let rows = sqlx::query("SELECT session, kind, share, spent_by FROM halves WHERE purse = ? AND length(share) > 0")
            .bind(id.as_bytes().to_vec())
            .fetch_all(&self.pool)
            .await?;
        for row in &rows {
            if let (s, Some(h)) = half_of(row)? {
                purse.halves.insert(s, h);
            }
        }
        let rows = sqlx::query("SELECT session, token FROM tokens WHERE purse = ? AND handed_in IS NULL AND value_minor > 0 ORDER BY session")
            .bind(id.as_bytes().to_vec())
            .fetch_all(&self.pool)
            .await?;
        let mut tokens = Vec::with_capacity(rows.len());
        for row in &rows {
            let bytes: Vec<u8> = row.try_get("token")?;
            tokens.push(SpentToken {
                purse: *id,
                session: session(row, "session")?,
                token: SignedToken::from_bytes(&bytes).map_err(|_| StoreError::Corrupt("token"))?,
            });
        }
        Ok((purse, tokens))
    }

    /// Every purse, newest first, with what is left in it.
    pub async fn purse_rows(&self) -> Result<Vec<PurseRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT p.id, p.currency, p.state, p.expires_at,
                COALESCE(SUM(CASE WHEN h.spent_by IS NULL THEN h.value_minor ELSE 0 END), 0) AS unspent,
                COALESCE(SUM(CASE WHEN h.spent_by IS NULL THEN 1 ELSE 0 END), 0) AS left_count,
                COALESCE(SUM(CASE WHEN h.spent_by IS NULL THEN 0 ELSE 1 END), 0) AS spent_count
             FROM purses p LEFT JOIN halves h ON h.purse = p.id
             GROUP BY p.id, p.currency, p.state, p.expires_at, p.received_at
             ORDER BY p.received_at DESC, p.id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let state = PurseState::parse(&r.try_get::<String, _>("state")?)?;
                // A returned purse's unspent halves went back to the bank.
                let held = |v: u64| if state == PurseState::Returned { 0 } else { v };
                Ok(PurseRow {
                    id: PurseId(blob(r, "id")?),
                    currency: currency(r, "currency")?,
                    state,
                    expires_at: Timestamp(to_u64(r.try_get("expires_at")?)?),
                    unspent_minor: held(to_u64(r.try_get("unspent")?)?),
                    halves_left: held(to_u64(r.try_get("left_count")?)?),
                    spent: to_u64(r.try_get("spent_count")?)?,
                })
            })
            .collect()
    }
}
