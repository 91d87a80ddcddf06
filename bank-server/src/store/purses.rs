//! Purse records, their tokens, and the requests already answered (nonces).

use std::collections::BTreeMap;

use halfpenny::bank::{PurseRecord, PurseState, TokenRecord, TokenStatus};
use halfpenny::ids::{CaseId, Nonce, PurseId, SessionSerial, TokenSerial};
use halfpenny::token::TokenKind;
use halfpenny::wire::{Decode, Encode};
use halfpenny::{Currency, KeyId, Timestamp};
use sqlx::Row;

use super::{Store, StoreError, Tx, blob, to_i64, to_u64};

pub(super) fn status_code(s: TokenStatus) -> &'static str {
    s.code()
}

fn status_of(s: &str) -> Result<TokenStatus, StoreError> {
    [
        TokenStatus::Outstanding,
        TokenStatus::Redeemed,
        TokenStatus::Refunded,
        TokenStatus::ChargedBack,
    ]
    .into_iter()
    .find(|t| t.code() == s)
    .ok_or(StoreError::Corrupt("token status"))
}

pub(super) fn state_code(s: PurseState) -> (&'static str, Option<Vec<u8>>) {
    match s {
        PurseState::Open => ("open", None),
        PurseState::Refunding(c) => ("refunding", Some(c.as_bytes().to_vec())),
        PurseState::Closed => ("closed", None),
    }
}

impl Store {
    pub async fn purse(&self, id: &PurseId) -> Result<Option<PurseRecord>, StoreError> {
        let Some(p) = self
            .query("SELECT buyer, seller, currency, created_at, expires_at, state, refund_case FROM purses WHERE id = $1")
            .bind(id.as_bytes().to_vec())
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let case: Option<Vec<u8>> = p.try_get("refund_case")?;
        let state = match (p.try_get::<String, _>("state")?.as_str(), case) {
            ("open", _) => PurseState::Open,
            ("closed", _) => PurseState::Closed,
            ("refunding", Some(c)) => PurseState::Refunding(CaseId(
                c.try_into().map_err(|_| StoreError::Corrupt("case id"))?,
            )),
            _ => return Err(StoreError::Corrupt("purse state")),
        };
        let mut tokens = BTreeMap::new();
        let rows = self
            .query("SELECT session, serial, kind, token_digest, buyer_digest, seller_digest, status FROM tokens WHERE purse = $1")
            .bind(id.as_bytes().to_vec())
            .fetch_all(&self.pool)
            .await?;
        for r in rows {
            let session = u32::try_from(r.try_get::<i64, _>("session")?)
                .map_err(|_| StoreError::Corrupt("session"))?;
            let kind = TokenKind::from_bytes(&r.try_get::<Vec<u8>, _>("kind")?)
                .map_err(|_| StoreError::Corrupt("token kind"))?;
            tokens.insert(
                SessionSerial(session),
                TokenRecord {
                    serial: TokenSerial(blob(&r, "serial")?),
                    kind,
                    token_digest: blob(&r, "token_digest")?,
                    buyer_share_digest: blob(&r, "buyer_digest")?,
                    seller_share_digest: blob(&r, "seller_digest")?,
                    status: status_of(&r.try_get::<String, _>("status")?)?,
                },
            );
        }
        Ok(Some(PurseRecord {
            id: *id,
            buyer: KeyId(blob(&p, "buyer")?),
            seller: KeyId(blob(&p, "seller")?),
            currency: Currency::new(&p.try_get::<String, _>("currency")?)
                .map_err(|_| StoreError::Corrupt("currency"))?,
            created_at: Timestamp(to_u64(p.try_get("created_at")?)?),
            expires_at: Timestamp(to_u64(p.try_get("expires_at")?)?),
            state,
            tokens,
        }))
    }

    /// The purses named, those that exist.
    pub async fn purses(
        &self,
        ids: Vec<PurseId>,
    ) -> Result<BTreeMap<PurseId, PurseRecord>, StoreError> {
        let mut out = BTreeMap::new();
        for id in ids {
            if out.contains_key(&id) {
                continue;
            }
            if let Some(p) = self.purse(&id).await? {
                out.insert(id, p);
            }
        }
        Ok(out)
    }

    pub(super) async fn insert_purse(
        &self,
        tx: &mut Tx,
        p: &PurseRecord,
        request: &Nonce,
    ) -> Result<(), StoreError> {
        let (state, case) = state_code(p.state);
        self.query("INSERT INTO purses (id, buyer, seller, currency, created_at, expires_at, state, refund_case, request) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
            .bind(p.id.as_bytes().to_vec())
            .bind(p.buyer.as_bytes().to_vec())
            .bind(p.seller.as_bytes().to_vec())
            .bind(p.currency.code().to_owned())
            .bind(to_i64(p.created_at.0)?)
            .bind(to_i64(p.expires_at.0)?)
            .bind(state)
            .bind(case)
            .bind(request.as_bytes().to_vec())
            .execute(&mut **tx)
            .await?;
        // Many rows per statement: a purse of 1,000 tokens is 10 statements.
        let tokens: Vec<(&SessionSerial, &TokenRecord)> = p.tokens.iter().collect();
        for chunk in tokens.chunks(100) {
            let mut sql = String::from(
                "INSERT INTO tokens (purse, session, serial, kind, value_minor, token_digest, buyer_digest, seller_digest, status) VALUES ",
            );
            for i in 0..chunk.len() {
                let b = i * 9;
                if i > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!(
                    "(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})",
                    b + 1,
                    b + 2,
                    b + 3,
                    b + 4,
                    b + 5,
                    b + 6,
                    b + 7,
                    b + 8,
                    b + 9
                ));
            }
            let mut q = self.query(&sql);
            for (session, t) in chunk {
                q = q
                    .bind(p.id.as_bytes().to_vec())
                    .bind(i64::from(session.0))
                    .bind(t.serial.as_bytes().to_vec())
                    .bind(t.kind.to_bytes())
                    .bind(to_i64(t.kind.value().map_or(0, |a| a.minor()))?)
                    .bind(t.token_digest.to_vec())
                    .bind(t.buyer_share_digest.to_vec())
                    .bind(t.seller_share_digest.to_vec())
                    .bind(status_code(t.status));
            }
            q.execute(&mut **tx).await?;
        }
        Ok(())
    }

    pub(super) async fn set_purse_state(
        &self,
        tx: &mut Tx,
        id: &PurseId,
        from: PurseState,
        to: PurseState,
    ) -> Result<(), StoreError> {
        let (from_state, _) = state_code(from);
        let (to_state, case) = state_code(to);
        let done = self
            .query("UPDATE purses SET state = $1, refund_case = $2 WHERE id = $3 AND state = $4")
            .bind(to_state)
            .bind(case)
            .bind(id.as_bytes().to_vec())
            .bind(from_state)
            .execute(&mut **tx)
            .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict);
        }
        Ok(())
    }

    /// The purse minted for the purse request with nonce `request`: its
    /// buyer and the stored first answer (the mint's JSON reply), while that
    /// answer is kept. `None` for a nonce of no purse request, one refused
    /// (nothing was stored), or one whose answer was pruned.
    pub async fn minted_for(&self, request: &Nonce) -> Result<Option<MintedFor>, StoreError> {
        let row = self
            .query("SELECT p.buyer, r.response FROM requests r JOIN purses p ON p.request = r.nonce WHERE r.nonce = $1 AND r.kind = 'mint'")
            .bind(request.as_bytes().to_vec())
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            Some(r) => Some(MintedFor {
                buyer: KeyId(blob(&r, "buyer")?),
                response: r.try_get("response")?,
            }),
            None => None,
        })
    }

    /// The first answer to a request, if it was handled before.
    pub async fn stored_response(&self, nonce: &[u8]) -> Result<Option<String>, StoreError> {
        Ok(self.stored_request(nonce).await?.map(|r| r.response))
    }

    /// The first answer to a request and the digest of the letter it
    /// answered, if a request with this nonce was handled before.
    pub async fn stored_request(&self, nonce: &[u8]) -> Result<Option<StoredRequest>, StoreError> {
        let row = self
            .query("SELECT response, letter_digest FROM requests WHERE nonce = $1")
            .bind(nonce.to_vec())
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            Some(r) => Some(StoredRequest {
                response: r.try_get("response")?,
                letter_digest: r.try_get("letter_digest")?,
            }),
            None => None,
        })
    }

    /// The first answer to the letter with this nonce and digest: `None` if
    /// the nonce is new, [`StoreError::NonceReused`] if another letter used it.
    pub async fn first_answer(
        &self,
        nonce: &[u8],
        digest: &[u8; 32],
    ) -> Result<Option<String>, StoreError> {
        match self.stored_request(nonce).await? {
            None => Ok(None),
            Some(first) if first.answers(digest) => Ok(Some(first.response)),
            Some(_) => Err(StoreError::NonceReused),
        }
    }

    /// Records a request as handled, first thing in its transaction; a
    /// second copy racing it fails here.
    pub(super) async fn record_request(
        &self,
        tx: &mut Tx,
        nonce: &[u8],
        kind: &str,
        answer: Answer<'_>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let done = self
            .query("INSERT INTO requests (nonce, kind, response, created_at, letter_digest) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (nonce) DO NOTHING")
            .bind(nonce.to_vec())
            .bind(kind.to_owned())
            .bind(answer.response.to_owned())
            .bind(to_i64(now.0)?)
            .bind(answer.letter_digest.map(|d| d.to_vec()))
            .execute(&mut **tx)
            .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Replay);
        }
        Ok(())
    }
}

/// A purse request's stored first answer and the buyer of its purse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MintedFor {
    pub buyer: KeyId,
    /// The mint's JSON reply, as first given.
    pub response: String,
}

/// A first answer as stored, with the digest of the letter it answered
/// (`None` for rows from before digests were kept, and for operator and
/// deadline records, which no letter made).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredRequest {
    pub response: String,
    pub letter_digest: Option<Vec<u8>>,
}

impl StoredRequest {
    /// Whether this answer was given to the letter with `digest`, compared
    /// in constant time. A row without a digest answers no letter.
    pub fn answers(&self, digest: &[u8; 32]) -> bool {
        use subtle::ConstantTimeEq;
        match &self.letter_digest {
            Some(stored) => bool::from(stored.as_slice().ct_eq(digest.as_slice())),
            None => false,
        }
    }
}

/// What a request's first answer is stored with: the answer, and the SHA-256
/// of the signed letter it answers (none for operator and deadline records).
#[derive(Clone, Copy, Debug)]
pub struct Answer<'a> {
    pub response: &'a str,
    pub letter_digest: Option<&'a [u8; 32]>,
}

impl<'a> Answer<'a> {
    pub fn to_letter(response: &'a str, letter_digest: &'a [u8; 32]) -> Self {
        Self {
            response,
            letter_digest: Some(letter_digest),
        }
    }
}

/// An answer kept with no letter digest: no retry of a letter will get it.
impl<'a> From<&'a str> for Answer<'a> {
    fn from(response: &'a str) -> Self {
        Self {
            response,
            letter_digest: None,
        }
    }
}
