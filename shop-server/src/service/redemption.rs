//! Fig. 9 hosted: the joined money tokens go to the bank in signed, sealed
//! letters. A letter is saved with its tokens before it is sent and sent
//! again until the bank answers it (the bank answers a letter it has seen
//! with its first answer, and pays each token once); only the answer marks
//! tokens handed in. A failed call changes nothing the operator sees.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use halfpenny::{Currency, PurseId, SessionSerial};

use super::App;
use super::returns::outcome;
use crate::bank_client::BankCallError;
use crate::error::ApiError;
use crate::store::{LineRow, StoreError};
use crate::views::{AmountView, LineView, RedeemReply};
use halfpenny_server_kit::blocking::{blocking, fresh_rng};

/// The most tokens in one redemption letter.
const TOKENS_PER_LETTER: i64 = 1000;
/// The most letters one call sends (the rest wait for the next).
const LETTERS_PER_CALL: usize = 100;
/// A letter this old may have aged past the bank's freshness window (600 s).
const STALE_SECS: u64 = 300;

impl App {
    /// Redeems every money token not yet handed in.
    pub async fn redeem(self: &Arc<Self>) -> Result<RedeemReply, ApiError> {
        let _one_at_a_time = self.errands.lock().await;
        let mut reply = RedeemReply::default();
        let mut credited: BTreeMap<Currency, u64> = BTreeMap::new();
        for _ in 0..LETTERS_PER_CALL {
            let batch = match self.store.pending_batch().await? {
                Some(b) => b,
                None => {
                    let tokens = self.store.tokens_to_redeem(TOKENS_PER_LETTER).await?;
                    if tokens.is_empty() {
                        break;
                    }
                    let (app, t, now) = (self.clone(), tokens.clone(), self.now());
                    let sealed = blocking(move || {
                        Ok::<_, ApiError>(app.till.redemption(
                            &app.identity,
                            t,
                            now,
                            &mut fresh_rng()?,
                        )?)
                    })
                    .await?;
                    let text = halfpenny::wire::TextForm::to_text(&sealed);
                    self.store.save_batch(&text, &tokens, now).await?
                }
            };
            let answer = match self.bank.redeem(&batch.letter).await {
                Ok(a) => a,
                Err(e) if e.is_final() => {
                    let code = e.bank_code().unwrap_or("refused").to_owned();
                    let expired = code == "message_expired";
                    self.store.drop_batch(batch.id, &code, expired).await?;
                    // The bank never read a letter it found too old: the same
                    // tokens go in a new one, unless the letter was new by
                    // this clock (then the two clocks disagree; say so).
                    if expired && batch.created_at.plus(STALE_SECS) <= self.now() {
                        continue;
                    }
                    tracing::warn!(%code, "the bank refused a redemption letter");
                    return Err(e.into());
                }
                Err(e) => {
                    tracing::warn!(error = %e, "redemption failed; it will be sent again");
                    return Err(e.into());
                }
            };
            let mut lines = Vec::with_capacity(answer.lines.len());
            for l in &answer.lines {
                let purse = PurseId::from_hex(&l.purse)
                    .map_err(|_| ApiError::from(BankCallError::BadAnswer("a purse id")))?;
                lines.push(LineRow {
                    purse,
                    session: SessionSerial(l.session),
                    outcome: outcome(l),
                    currency: None,
                    amount_minor: l.amount_minor.unwrap_or(0),
                });
            }
            match self
                .store
                .apply_redemption(batch.id, &lines, self.now())
                .await
            {
                Ok(()) | Err(StoreError::Replay) => {}
                Err(e) => return Err(e.into()),
            }
            for a in &answer.credited {
                let c = Currency::new(&a.currency)
                    .map_err(|_| ApiError::from(BankCallError::BadAnswer("a currency")))?;
                let t = credited.entry(c).or_insert(0);
                *t = t.saturating_add(a.minor);
            }
            reply.letters += 1;
            reply.tokens += lines.len() as u64;
            reply.lines.extend(lines.iter().map(|l| LineView {
                purse: l.purse.to_hex(),
                session: l.session.0,
                outcome: l.outcome.clone(),
                amount_minor: l.amount_minor,
            }));
        }
        reply.credited = credited
            .into_iter()
            .map(|(c, m)| AmountView::new(c, m))
            .collect();
        if reply.letters > 0 {
            tracing::info!(
                letters = reply.letters,
                tokens = reply.tokens,
                "tokens redeemed"
            );
        }
        Ok(reply)
    }

    /// The scheduled errands: purse requests whose answer was lost, letters
    /// missed while down, answers the bank has not read, redemption, and
    /// forgetting long-expired offers.
    pub async fn errands_once(self: &Arc<Self>) {
        if let Err(e) = self.resend_purse_orders().await {
            tracing::info!(code = %e.code, "purse requests not sent again this time");
        }
        if let Err(e) = self.poll_inbox().await {
            tracing::info!(code = %e.code, "inbox not read this time");
        }
        if let Err(e) = self.retry_returns().await {
            tracing::info!(code = %e.code, "returns not sent this time");
        }
        if let Err(e) = self.redeem().await {
            tracing::info!(code = %e.code, "redemption not done this time");
        }
        if let Err(e) = self.store.prune_offers(self.now().minus(86_400)).await {
            tracing::warn!(error = %e, "expired offers not pruned");
        }
    }

    /// Runs the errands now (at start) and then every `every`, for ever.
    pub fn spawn_errands(self: &Arc<Self>, every: Duration) -> tokio::task::JoinHandle<()> {
        let app = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every.max(Duration::from_secs(1)));
            loop {
                tick.tick().await;
                app.errands_once().await;
            }
        })
    }
}
