//! Refunds (patent Fig. 10 from the buyer's side): the letter is saved with
//! its halves marked refunding, then sent, and sent again (the same bytes)
//! until the bank answers; the result is recorded whenever it is read.

use halfpenny::{PurseId, Timestamp};
use halfpenny_store::WalletStore;
use rand_core::CryptoRng;

use super::{BankLink, FlowError, LinkError};
use crate::Keeper;

/// Hands a purse's unspent halves to the bank: saved first, then sent with
/// any other letter the bank has not answered.
pub async fn refund<S: WalletStore, B: BankLink, R: CryptoRng + ?Sized>(
    keeper: &Keeper<S>,
    bank: &mut B,
    purse: PurseId,
    now: Timestamp,
    rng: &mut R,
) -> Result<(), FlowError> {
    keeper.request_refund(purse, now, rng).await?;
    send_refunds(keeper, bank, now, rng).await
}

/// Sends the bank, unchanged, every saved refund letter it has not answered
/// and notes the case it opens for each. The bank answers a letter it took
/// already with its first answer, so a resend never refunds twice. A letter
/// it refuses as too old never reached it while fresh: it is written again
/// (same halves, new letter) and sent. Every letter is tried; the first
/// failure, if any, is returned.
pub async fn send_refunds<S: WalletStore, B: BankLink, R: CryptoRng + ?Sized>(
    keeper: &Keeper<S>,
    bank: &mut B,
    now: Timestamp,
    rng: &mut R,
) -> Result<(), FlowError> {
    let mut failed = None;
    // A second round only for letters written again in the first.
    for round in 0..2 {
        let mut rewritten = false;
        for letter in keeper.refunds_to_send().await? {
            let sent = match bank.refund(&letter.sealed).await {
                Ok(case) => keeper
                    .refund_sent(letter.nonce, case)
                    .await
                    .map_err(FlowError::from),
                Err(LinkError::Refused { code, .. }) if code == TOO_OLD && round == 0 => {
                    rewritten |= keeper.rewrite_refund(letter.nonce, now, rng).await?;
                    Ok(())
                }
                Err(e) => Err(e.into()),
            };
            if let Err(e) = sent {
                failed.get_or_insert(e);
            }
        }
        if !rewritten {
            break;
        }
    }
    failed.map_or(Ok(()), Err)
}

/// The bank's code for a letter older than it accepts.
const TOO_OLD: &str = "message_expired";

/// Resends the refund letters the bank has not answered, then records the
/// refund results waiting in her inbox, however late (reading one twice
/// changes nothing).
pub async fn collect_refunds<S: WalletStore, B: BankLink, R: CryptoRng + ?Sized>(
    keeper: &Keeper<S>,
    bank: &mut B,
    now: Timestamp,
    rng: &mut R,
) -> Result<(), FlowError> {
    // Off-line, the inbox cannot be read either; the letters wait.
    let sent = send_refunds(keeper, bank, now, rng).await;
    let ask = keeper.inbox_request(0, now, rng)?;
    let letters = bank.inbox(&ask).await?;
    for l in letters.iter().filter(|l| l.kind == "refund_result") {
        // A result for a purse this wallet no longer holds is not hers to record.
        let _ = keeper.finish_refund(&l.letter, now).await;
    }
    sent
}
