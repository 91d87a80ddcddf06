//! Applying the core's decisions: each in one transaction, the request's
//! nonce first, every change conditional on the state the core saw.

use std::collections::BTreeMap;

use halfpenny::Timestamp;
use halfpenny::bank::{Minted, PurseState, Redeemed, RefundOpened, Settlement, TokenChange};
use halfpenny::ids::PurseId;
use halfpenny::wire::TextForm;

use super::purses::status_code;
use super::{Answer, Store, StoreError, Tx};

impl Store {
    pub async fn apply_mint(
        &self,
        m: &Minted,
        answer: impl Into<Answer<'_>>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        self.record_request(&mut tx, m.nonce.as_bytes(), "mint", answer.into(), now)
            .await?;
        self.post_all(&mut tx, m.posting.as_slice(), now).await?;
        self.insert_purse(&mut tx, &m.purse, &m.nonce).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn apply_redemption(
        &self,
        r: &Redeemed,
        answer: impl Into<Answer<'_>>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        self.record_request(
            &mut tx,
            r.nonce.as_bytes(),
            "redemption",
            answer.into(),
            now,
        )
        .await?;
        self.move_tokens(&mut tx, &r.changes).await?;
        self.post_all(&mut tx, &r.postings, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Opens a refund case and queues the return request for the seller.
    pub async fn apply_refund_opened(
        &self,
        o: &RefundOpened,
        answer: impl Into<Answer<'_>>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        self.record_request(&mut tx, o.nonce.as_bytes(), "refund", answer.into(), now)
            .await?;
        self.set_purse_state(&mut tx, &o.case.purse, PurseState::Open, o.purse_state)
            .await?;
        self.insert_case(&mut tx, &o.case).await?;
        self.queue_letter(
            &mut tx,
            o.case.seller,
            "return_request",
            o.return_request.to_text(),
            Some(o.case.id),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Settles a case: tokens, postings, the case, the purse, and a letter to each party.
    pub async fn apply_settlement(
        &self,
        s: &Settlement,
        answer: impl Into<Answer<'_>>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        match s.nonce {
            Some(n) => {
                self.record_request(&mut tx, n.as_bytes(), "return", answer.into(), now)
                    .await?
            }
            None => {
                self.record_request(
                    &mut tx,
                    &deadline_key(&s.case.id),
                    "deadline",
                    answer.into(),
                    now,
                )
                .await?
            }
        }
        self.settle_case(&mut tx, &s.case).await?;
        self.move_tokens(&mut tx, &s.changes).await?;
        self.post_all(&mut tx, &s.postings, now).await?;
        self.set_purse_state(
            &mut tx,
            &s.case.purse,
            PurseState::Refunding(s.case.id),
            s.purse_state,
        )
        .await?;
        self.queue_letter(
            &mut tx,
            s.case.buyer,
            "refund_result",
            s.to_buyer.to_text(),
            Some(s.case.id),
            now,
        )
        .await?;
        self.queue_letter(
            &mut tx,
            s.case.seller,
            "refund_result",
            s.to_seller.to_text(),
            Some(s.case.id),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Moves token statuses, one statement per purse and move, and fails
    /// the whole transaction unless every token was where the core saw it.
    async fn move_tokens(&self, tx: &mut Tx, changes: &[TokenChange]) -> Result<(), StoreError> {
        let mut groups: BTreeMap<(PurseId, &'static str, &'static str), Vec<i64>> = BTreeMap::new();
        for c in changes {
            groups
                .entry((c.purse, status_code(c.from), status_code(c.to)))
                .or_default()
                .push(i64::from(c.session.0));
        }
        for ((purse, from, to), sessions) in groups {
            for chunk in sessions.chunks(500) {
                let list: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 4)).collect();
                let sql = format!(
                    "UPDATE tokens SET status = $1 WHERE purse = $2 AND status = $3 AND session IN ({})",
                    list.join(", ")
                );
                let mut q = self
                    .query(&sql)
                    .bind(to)
                    .bind(purse.as_bytes().to_vec())
                    .bind(from);
                for s in chunk {
                    q = q.bind(*s);
                }
                let done = q.execute(&mut **tx).await?;
                if done.rows_affected() != chunk.len() as u64 {
                    return Err(StoreError::Conflict);
                }
            }
        }
        Ok(())
    }
}

/// The request key under which a deadline settlement is recorded: at most one per case.
fn deadline_key(case: &halfpenny::ids::CaseId) -> Vec<u8> {
    let mut k = b"deadline:".to_vec();
    k.extend_from_slice(case.as_bytes());
    k
}
