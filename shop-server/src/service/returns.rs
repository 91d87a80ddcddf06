//! Fig. 10 from the seller's side: the bank asks for a purse back when its
//! buyer wants a refund. The shop closes the purse to payments, hands in
//! everything it holds of it (unspent halves and unredeemed tokens), signed
//! and sealed for the bank, and sends that answer until the bank has read
//! it. Letters come as notices posted by the bank and, for those missed
//! while the shop was down, from the shop's inbox at the bank.

use std::sync::Arc;

use halfpenny::PurseId;
use halfpenny::crypto::seal::SealedBox;
use halfpenny::letter::LetterKind;
use halfpenny::messages::{RefundResult, ReturnRequest, SettledBy};
use halfpenny::wire::TextForm;
use halfpenny_bank_api::LineView as LineReply;

use super::App;
use crate::bank_client::BankCallError;
use crate::error::{ApiError, ShopAnswers as _};
use crate::store::{RefundResultRow, ReturnRow, StoreError};
use crate::views::NoticeReply;
use halfpenny_server_kit::blocking::{blocking, fresh_rng};

/// The code the bank gives a letter too old to read: it never acted on it.
const EXPIRED: &str = "message_expired";

fn handled(what: &str) -> NoticeReply {
    NoticeReply {
        handled: what.to_owned(),
    }
}

/// The outcome of each of the seller's tokens in a bank's answer: the first
/// line about each session (the seller's tokens are judged before the
/// buyer's halves).
pub(super) fn outcomes(
    purse: &PurseId,
    lines: &[LineReply],
) -> Vec<(halfpenny::SessionSerial, String)> {
    let mut seen = std::collections::BTreeSet::new();
    lines
        .iter()
        .filter(|l| PurseId::from_hex(&l.purse).ok().as_ref() == Some(purse))
        .filter(|l| seen.insert(l.session))
        .map(|l| (halfpenny::SessionSerial(l.session), outcome(l)))
        .collect()
}

pub(super) fn outcome(l: &LineReply) -> String {
    if l.outcome == "credited" {
        "credited".to_owned()
    } else {
        l.code.clone().unwrap_or_else(|| "refused".to_owned())
    }
}

impl App {
    /// A letter from the bank, posted to the shop or read from its inbox.
    pub async fn notice(
        self: &Arc<Self>,
        kind: &str,
        letter: &str,
    ) -> Result<NoticeReply, ApiError> {
        if kind != "return_request" && kind != "refund_result" {
            return Err(ApiError::unknown_notice());
        }
        let sealed = SealedBox::from_text(letter)?;
        let now = self.now();
        match kind {
            "return_request" => {
                let app = self.clone();
                let ask: ReturnRequest = blocking(move || {
                    Ok::<_, ApiError>(app.till.open_from_bank(
                        &app.identity,
                        &sealed,
                        LetterKind::ReturnRequest,
                        now,
                    )?)
                })
                .await?;
                self.answer_return(&ask).await
            }
            "refund_result" => {
                let app = self.clone();
                let r: RefundResult = blocking(move || {
                    Ok::<_, ApiError>(app.till.open_from_bank(
                        &app.identity,
                        &sealed,
                        LetterKind::RefundResult,
                        now,
                    )?)
                })
                .await?;
                self.store
                    .save_refund_result(&RefundResultRow {
                        case: r.case,
                        purse: r.purse,
                        settled_by: match r.settled_by {
                            SettledBy::SellerReturn => "seller_return",
                            SettledBy::Deadline => "deadline",
                        }
                        .to_owned(),
                        currency: r.seller_credited.currency(),
                        seller_credited_minor: r.seller_credited.minor(),
                        buyer_refunded_minor: r.buyer_refunded.minor(),
                        received_at: now,
                    })
                    .await?;
                tracing::info!(case = %r.case, credited = %r.seller_credited, "refund result received");
                Ok(handled("recorded"))
            }
            _ => Err(ApiError::unknown_notice()),
        }
    }

    /// Answers a return request once; asked again, sends the same answer
    /// again if the bank has not read it yet.
    async fn answer_return(self: &Arc<Self>, ask: &ReturnRequest) -> Result<NoticeReply, ApiError> {
        let _one_at_a_time = self.errands.lock().await;
        if let Some(row) = self.store.return_row(&ask.case).await? {
            return match row.state.as_str() {
                "sent" => self.send_return(row).await,
                other => Ok(handled(other)),
            };
        }
        // From here on no payment can consume a half of this purse.
        self.store.close_for_return(&ask.purse).await?;
        let letter = self.return_letter(ask).await?;
        let row = self.store.save_return(ask, &letter, self.now()).await?;
        tracing::info!(case = %ask.case, purse = %ask.purse, "the bank asked for a purse back");
        self.send_return(row).await
    }

    /// Everything the shop holds of the purse, signed and sealed for the bank.
    async fn return_letter(self: &Arc<Self>, ask: &ReturnRequest) -> Result<String, ApiError> {
        let (purse, tokens) = self
            .store
            .return_contents(&ask.purse, &self.bank_public.id)
            .await?;
        let (app, ask, now) = (self.clone(), ask.clone(), self.now());
        let sealed = blocking(move || {
            Ok::<_, ApiError>(app.till.answer_return(
                &app.identity,
                &ask,
                &purse,
                tokens,
                now,
                &mut fresh_rng()?,
            )?)
        })
        .await?;
        Ok(sealed.to_text())
    }

    /// Sends a saved answer. The bank's reply is recorded; no reply leaves
    /// it to be sent again; a letter the bank found too old is made anew.
    async fn send_return(self: &Arc<Self>, mut row: ReturnRow) -> Result<NoticeReply, ApiError> {
        for _ in 0..2 {
            match self.bank.take_return(&row.letter).await {
                Ok(reply) => {
                    let currency = halfpenny::Currency::new(&reply.seller_credited.currency)
                        .map_err(|_| ApiError::from(BankCallError::BadAnswer("a currency")))?;
                    let applied = self
                        .store
                        .apply_return(
                            &row.case,
                            &row.purse,
                            currency,
                            reply.seller_credited.minor,
                            reply.buyer_refunded.minor,
                            &outcomes(&row.purse, &reply.lines),
                            self.now(),
                        )
                        .await;
                    match applied {
                        Ok(()) | Err(StoreError::Replay) => {}
                        Err(e) => return Err(e.into()),
                    }
                    tracing::info!(case = %row.case, seller_credited = reply.seller_credited.minor, buyer_refunded = reply.buyer_refunded.minor, "purse handed back");
                    return Ok(handled("returned"));
                }
                Err(e) if e.bank_code() == Some(EXPIRED) => {
                    let ask = ReturnRequest {
                        case: row.case,
                        purse: row.purse,
                        deadline: row.deadline,
                    };
                    row.letter = self.return_letter(&ask).await?;
                    self.store
                        .renew_return(&row.case, &row.letter, self.now())
                        .await?;
                }
                Err(e) if e.is_final() => {
                    let code = e.bank_code().unwrap_or("refused").to_owned();
                    tracing::warn!(case = %row.case, %code, "the bank refused the purse's return");
                    self.store
                        .refuse_return(&row.case, &row.purse, &code, self.now())
                        .await?;
                    return Ok(handled("refused"));
                }
                Err(e) => {
                    tracing::warn!(case = %row.case, error = %e, "the return will be sent again");
                    return Ok(handled("return_pending"));
                }
            }
        }
        Ok(handled("return_pending"))
    }

    /// Sends again every answer the bank has not read.
    pub async fn retry_returns(self: &Arc<Self>) -> Result<(), ApiError> {
        let _one_at_a_time = self.errands.lock().await;
        for row in self.store.unanswered_returns().await? {
            self.send_return(row).await?;
        }
        Ok(())
    }

    /// Reads the letters waiting in the shop's inbox at the bank (those a
    /// notice may have missed) and handles each once.
    pub async fn poll_inbox(self: &Arc<Self>) -> Result<usize, ApiError> {
        let mut after = self.store.inbox_after().await?;
        let mut count = 0;
        loop {
            // His own signed request: the bank shows an inbox only to its owner.
            let (app, now) = (self.clone(), self.now());
            let from = u64::try_from(after).unwrap_or(0);
            let ask = blocking(move || {
                Ok::<_, ApiError>(app.till.inbox_request(
                    &app.identity,
                    from,
                    now,
                    &mut fresh_rng()?,
                )?)
            })
            .await?;
            let letters = self.bank.inbox(&ask.to_text()).await?;
            for l in &letters {
                match self.notice(&l.kind, &l.letter).await {
                    Ok(_) => count += 1,
                    // A letter the shop cannot use (too old, not for it) is skipped.
                    Err(e) if e.status.is_client_error() => {
                        tracing::warn!(id = l.id, code = %e.code, "an inbox letter was skipped")
                    }
                    // Anything else is tried again next time.
                    Err(e) => return Err(e),
                }
                after = l.id;
                self.store.set_inbox_after(after).await?;
            }
            if letters.len() < 100 {
                return Ok(count);
            }
        }
    }
}
