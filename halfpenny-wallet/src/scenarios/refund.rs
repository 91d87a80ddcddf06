//! Refunds that never stick: the letter is saved with its halves and resent,
//! the very same bytes, until the bank answers; the bank answers a resend
//! with its first answer; a result is taken however late it is read.

use halfpenny::crypto::seal::SealedBox;
use halfpenny::wire::Encode;
use halfpenny::{Currency, Suite};
use halfpenny_sim::World;
use halfpenny_store::WalletStore;

use super::{Connect, PURSE, adopt, balances, buy, funded, history, reopen, usd};
use crate::Keeper;

/// (available, pending, refunding) in minor units, in her one purse.
async fn purse_money<S: WalletStore>(k: &Keeper<S>) -> (u64, u64, u64) {
    let (available, pending) = balances(k).await;
    (
        available,
        pending,
        k.summaries().await.unwrap()[0].refunding.minor(),
    )
}

/// The seller answers the bank's return request; her inbox is read at the
/// world's time and every letter in it opened by her wallet.
async fn seller_answers_and_she_reads<S: WalletStore>(w: &mut World, k: &Keeper<S>) {
    w.seller
        .answer_returns(&mut w.bank, w.now, &mut w.rng)
        .unwrap();
    let ask = k.inbox_request(0, w.now, &mut w.rng).unwrap();
    let results = w.bank.collect(&ask, w.now).unwrap();
    assert_eq!(results.len(), 1, "one refund result for her");
    k.finish_refund(&results[0], w.now).await.unwrap();
    k.finish_refund(&results[0], w.now).await.unwrap();
}

/// Her bank balance and the seller's, in minor units.
fn at_bank(w: &World) -> (i128, i128) {
    (
        w.bank.balance(w.buyer.id(), Currency::USD),
        w.bank.balance(w.seller.id(), Currency::USD),
    )
}

/// She pays 6c, then asks for the other 9c back; the letter never reaches
/// the bank (the page closed, the network fell). Reloaded, the wallet finds
/// the saved letter and resends it byte for byte; the bank takes it, the
/// seller answers, and the result comes home: every balance exact.
pub async fn a_refund_letter_lost_on_its_way_is_resent_after_a_reload<C: Connect>(mut wallet: C) {
    let mut w = funded(41, Suite::Rsa2048Sha256);
    let k = adopt(&w, wallet.connect().await).await;
    let purse = buy(&mut w, &k, PURSE).await;
    let request = w.seller.offer("article", usd(6), None, w.now, &mut w.rng);
    let prepared = k.pay(&request, w.now).await.unwrap();
    let receipt = w
        .seller
        .take_payment(&prepared.payment, w.now, &mut w.rng)
        .unwrap();
    k.settle(&receipt, w.now).await.unwrap();
    let lost: SealedBox = k.request_refund(purse, w.now, &mut w.rng).await.unwrap();
    assert_eq!(purse_money(&k).await, (0, 0, 9));
    drop(k);

    let k = reopen(&mut wallet).await;
    assert_eq!(purse_money(&k).await, (0, 0, 9), "still refunding");
    assert!(w.bank.cases.is_empty(), "the bank never got it");
    let to_send = k.refunds_to_send().await.unwrap();
    assert_eq!(to_send.len(), 1, "the saved letter: {to_send:?}");
    assert_eq!(to_send[0].purse, purse);
    assert_eq!(
        to_send[0].sealed.to_bytes(),
        lost.to_bytes(),
        "resent byte for byte"
    );
    let case = w
        .bank
        .refund(&to_send[0].sealed, w.now, &mut w.rng)
        .unwrap();
    k.refund_sent(to_send[0].nonce, case).await.unwrap();
    assert_eq!(
        k.refunds_to_send().await.unwrap(),
        [],
        "answered with a case, it is not sent again"
    );
    assert_eq!(
        k.store().refund_letters().await.unwrap()[0].case,
        Some(case),
        "kept until the result is in"
    );

    seller_answers_and_she_reads(&mut w, &k).await;
    assert_eq!(purse_money(&k).await, (0, 0, 0));
    assert_eq!(k.store().refund_letters().await.unwrap(), [], "dropped");
    assert_eq!(at_bank(&w), (85 + 9, 6));
    assert_eq!(w.seller.takings(), 0, "his 6c handed in with his answer");
    w.bank.check_books(Currency::USD).unwrap();
    assert_eq!(
        history(k.store()).await,
        [
            ("received", 15),
            ("paid", 6),
            ("refund asked", 9),
            ("refunded", 9)
        ]
    );
}

/// Its answer lost, her letter is sent again (and once more after the
/// result): the bank answers the very same letter with its first case and
/// refunds once.
pub async fn a_refund_letter_sent_twice_refunds_once<C: Connect>(mut wallet: C) {
    let mut w = funded(42, Suite::Rsa2048Sha256);
    let k = adopt(&w, wallet.connect().await).await;
    let purse = buy(&mut w, &k, PURSE).await;
    let sealed = k.request_refund(purse, w.now, &mut w.rng).await.unwrap();
    let first = w.bank.refund(&sealed, w.now, &mut w.rng).unwrap();
    // The answer never reached her: the letter is still to send.
    let again = k.refunds_to_send().await.unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].sealed.to_bytes(), sealed.to_bytes());
    w.advance(3_600);
    let second = w.bank.refund(&again[0].sealed, w.now, &mut w.rng).unwrap();
    assert_eq!(second, first, "the first answer, an hour later");
    assert_eq!(w.bank.cases.len(), 1, "one case");
    assert_eq!(
        w.bank
            .outbox
            .iter()
            .filter(|(to, _)| *to == w.seller.id())
            .count(),
        1,
        "one return request for the seller"
    );
    k.refund_sent(again[0].nonce, second).await.unwrap();

    seller_answers_and_she_reads(&mut w, &k).await;
    assert_eq!(purse_money(&k).await, (0, 0, 0));
    assert_eq!(at_bank(&w), (100, 0), "15c back, once");
    let after = w.bank.refund(&sealed, w.now, &mut w.rng).unwrap();
    assert_eq!(after, first, "even after the result");
    assert_eq!(at_bank(&w), (100, 0), "and nothing moves");
    assert!(
        w.bank.outbox.iter().all(|(to, _)| *to != w.buyer.id()),
        "no second result for her"
    );
    w.bank.check_books(Currency::USD).unwrap();
    assert_eq!(k.refunds_to_send().await.unwrap(), []);
    assert_eq!(k.store().refund_letters().await.unwrap(), []);
    assert_eq!(
        history(k.store()).await,
        [("received", 15), ("refund asked", 15), ("refunded", 15)]
    );
}

/// The bank settles her refund at once, but she opens her wallet 30 days
/// later: the result is older than any purse letter may be, and still lands.
pub async fn a_refund_result_read_30_days_later_still_lands<C: Connect>(mut wallet: C) {
    let mut w = funded(43, Suite::Rsa2048Sha256);
    let k = adopt(&w, wallet.connect().await).await;
    let purse = buy(&mut w, &k, PURSE).await;
    let request = w.seller.offer("article", usd(5), None, w.now, &mut w.rng);
    let prepared = k.pay(&request, w.now).await.unwrap();
    let receipt = w
        .seller
        .take_payment(&prepared.payment, w.now, &mut w.rng)
        .unwrap();
    k.settle(&receipt, w.now).await.unwrap();
    let sealed = k.request_refund(purse, w.now, &mut w.rng).await.unwrap();
    let case = w.bank.refund(&sealed, w.now, &mut w.rng).unwrap();
    k.refund_sent(k.refunds_to_send().await.unwrap()[0].nonce, case)
        .await
        .unwrap();
    w.seller
        .answer_returns(&mut w.bank, w.now, &mut w.rng)
        .unwrap();
    assert_eq!(at_bank(&w), (85 + 10, 5), "settled at the bank at once");
    drop(k);

    w.advance(30 * 86_400);
    let k = reopen(&mut wallet).await;
    assert_eq!(
        purse_money(&k).await,
        (0, 0, 10),
        "refunding until she reads"
    );
    let ask = k.inbox_request(0, w.now, &mut w.rng).unwrap();
    let results = w.bank.collect(&ask, w.now).unwrap();
    assert_eq!(results.len(), 1);
    let result = k.finish_refund(&results[0], w.now).await.unwrap();
    assert_eq!((result.case, result.buyer_refunded), (case, usd(10)));
    k.finish_refund(&results[0], w.now).await.unwrap();
    assert_eq!(purse_money(&k).await, (0, 0, 0));
    assert_eq!(k.store().refund_letters().await.unwrap(), []);
    assert_eq!(at_bank(&w), (95, 5));
    w.bank.check_books(Currency::USD).unwrap();
    assert_eq!(
        history(k.store()).await,
        [
            ("received", 15),
            ("paid", 5),
            ("refund asked", 10),
            ("refunded", 10)
        ]
    );
}
