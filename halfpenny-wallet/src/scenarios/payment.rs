//! Payments from start to end: pending before they leave, spent on the
//! receipt, resent after a lost reply, released when the till never took
//! them, refunded at the bank; and two tabs that never share a half.

use std::collections::BTreeSet;

use halfpenny::wallet::WalletError;
use halfpenny::{Currency, SessionSerial, Suite, testing};
use halfpenny_store::conformance::join;

use super::{BANK_URL, Connect, PURSE, adopt, balances, buy, funded, history, usd};
use crate::{Keeper, KeeperError};

/// Pays, settles, resends, releases and refunds, with every balance exact:
/// hers in the wallet, hers and the seller's at the bank.
pub async fn pay_settle_release_and_refund<C: Connect>(mut wallet: C, suite: Suite) {
    let mut w = funded(11, suite);
    let store = wallet.connect().await;
    let k = adopt(&w, &store).await;
    let purse = buy(&mut w, &k, PURSE).await;
    assert_eq!(balances(&k).await, (15, 0));
    assert_eq!(w.bank.balance(w.buyer.id(), Currency::USD), 85);
    // Opening her purse used her key; paying from it uses none.
    let key_uses = k.private_key_uses();
    assert!(key_uses >= 1);

    // Pay 6c: pending before it leaves, spent on the receipt.
    let request = w.seller.offer("article-1", usd(6), None, w.now, &mut w.rng);
    let prepared = k.pay(&request, w.now).await.unwrap();
    assert_eq!(balances(&k).await, (9, 6), "marked pending before sending");
    let receipt = w
        .seller
        .take_payment(&prepared.payment, w.now, &mut w.rng)
        .unwrap();
    k.settle(&receipt, w.now).await.unwrap();
    k.settle(&receipt, w.now).await.unwrap();
    assert_eq!(balances(&k).await, (9, 0));

    // A lost reply: asking again resends the very same halves.
    let request = w.seller.offer("article-2", usd(3), None, w.now, &mut w.rng);
    let first = k.pay(&request, w.now).await.unwrap();
    let again = k.pay(&request, w.now).await.unwrap();
    assert!(again.retry, "the second ask is a resend");
    assert_eq!(again.payment, first.payment);
    let receipt = w
        .seller
        .take_payment(&again.payment, w.now, &mut w.rng)
        .unwrap();
    k.settle(&receipt, w.now).await.unwrap();
    assert_eq!(balances(&k).await, (6, 0));

    // A payment the till never got: released, the halves are hers again.
    let request = w.seller.offer("article-3", usd(1), None, w.now, &mut w.rng);
    let lost = k.pay(&request, w.now).await.unwrap();
    assert_eq!(balances(&k).await, (5, 1));
    assert_eq!(w.seller.status(lost.payment.payment), None);
    k.release(purse, lost.payment.payment, w.now).await.unwrap();
    assert_eq!(balances(&k).await, (6, 0));
    assert_eq!(
        k.private_key_uses(),
        key_uses,
        "paying, settling, resending and releasing use no private key"
    );

    // Refund the rest: the seller hands in his tokens first, she gets 6c.
    let sealed = k.request_refund(purse, w.now, &mut w.rng).await.unwrap();
    assert_eq!(balances(&k).await, (0, 0));
    assert_eq!(refunding(&k).await, 6);
    w.bank.refund(&sealed, w.now, &mut w.rng).unwrap();
    w.seller
        .answer_returns(&mut w.bank, w.now, &mut w.rng)
        .unwrap();
    let ask = k.inbox_request(0, w.now, &mut w.rng).unwrap();
    let results = w.bank.collect(&ask, w.now).unwrap();
    assert_eq!(results.len(), 1, "one refund result for her");
    let result = k.finish_refund(&results[0], w.now).await.unwrap();
    k.finish_refund(&results[0], w.now).await.unwrap();
    assert_eq!(result.buyer_refunded, usd(6));
    assert_eq!(balances(&k).await, (0, 0));
    assert_eq!(refunding(&k).await, 0);
    assert_eq!(w.bank.balance(w.buyer.id(), Currency::USD), 85 + 6);
    assert_eq!(w.bank.balance(w.seller.id(), Currency::USD), 9);
    w.bank.check_books(Currency::USD).unwrap();

    // Her history, in order, each line once.
    assert_eq!(
        history(&store).await,
        [
            ("received", 15),
            ("paid", 6),
            ("paid", 3),
            ("released", 1),
            ("refund asked", 6),
            ("refunded", 6),
        ]
    );
}

async fn refunding<S: halfpenny_store::WalletStore>(k: &Keeper<S>) -> u64 {
    k.summaries().await.unwrap()[0].refunding.minor()
}

/// Two tabs, one after the other, each asking for all 15c: the second is
/// refused, and a second identity cannot be made over the first.
pub async fn two_tabs_never_spend_a_half_twice<C: Connect>(mut wallet: C) {
    let mut w = funded(12, Suite::Rsa2048Sha256);
    let tab_a = adopt(&w, wallet.connect().await).await;
    buy(&mut w, &tab_a, PURSE).await;
    let tab_b = super::reopen(&mut wallet).await;
    let ra = w.seller.offer("a", usd(15), None, w.now, &mut w.rng);
    let rb = w.seller.offer("b", usd(15), None, w.now, &mut w.rng);
    let a = tab_a.pay(&ra, w.now).await.unwrap();
    let b = tab_b.pay(&rb, w.now).await.unwrap_err();
    assert!(
        matches!(b, KeeperError::CannotPay(WalletError::NotEnough(_))),
        "{b}"
    );
    assert_eq!(a.payment.halves.len(), 7);
    assert_eq!(balances(&tab_b).await, (0, 15));
    let err = Keeper::create_with(
        wallet.connect().await,
        &testing::key(testing::OTHER_SIGNING),
        &testing::key(testing::OTHER_SEALING),
        BANK_URL.into(),
        w.bank.bank.public(),
        w.now,
    )
    .await
    .unwrap_err();
    assert_eq!(err, KeeperError::AlreadyCreated);
    assert_eq!(tab_b.public(), testing::buyer_identity().public());
    assert_eq!(tab_a.public(), tab_b.public());
}

/// Two tabs paying at the same moment: both get halves when there are enough
/// for both, never the same one; when there are enough for only one, exactly
/// one is paid and the other refused. The till takes every payment.
pub async fn two_tabs_paying_at_once_never_share_a_half<C: Connect>(mut wallet: C) {
    let mut w = funded(16, Suite::Rsa2048Sha256);
    let tab_a = adopt(&w, wallet.connect().await).await;
    buy(&mut w, &tab_a, PURSE).await;
    let tab_b = super::reopen(&mut wallet).await;

    // 6c each out of 15c: each gets a 5c and a 1c, not the same ones.
    let ra = w.seller.offer("a", usd(6), None, w.now, &mut w.rng);
    let rb = w.seller.offer("b", usd(6), None, w.now, &mut w.rng);
    let (a, b) = join(tab_a.pay(&ra, w.now), tab_b.pay(&rb, w.now)).await;
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!((a.paying, b.paying), (usd(6), usd(6)));
    let sessions = |p: &halfpenny::messages::Payment| -> BTreeSet<SessionSerial> {
        p.halves.iter().map(|i| i.session).collect()
    };
    let (sa, sb) = (sessions(&a.payment), sessions(&b.payment));
    assert_eq!((sa.len(), sb.len()), (2, 2));
    assert!(
        sa.is_disjoint(&sb),
        "one half in two payments: {sa:?} {sb:?}"
    );
    assert_eq!(balances(&tab_a).await, (3, 12));

    // 3c each out of the 3c left: exactly one is paid.
    let rc = w.seller.offer("c", usd(3), None, w.now, &mut w.rng);
    let rd = w.seller.offer("d", usd(3), None, w.now, &mut w.rng);
    let (c, d) = join(tab_a.pay(&rc, w.now), tab_b.pay(&rd, w.now)).await;
    let (paid, refused) = match (c, d) {
        (Ok(p), Err(e)) => ((p, &tab_a), e),
        (Err(e), Ok(p)) => ((p, &tab_b), e),
        (c, d) => panic!("exactly one tab pays the last 3c: {c:?} {d:?}"),
    };
    assert!(
        matches!(refused, KeeperError::CannotPay(WalletError::NotEnough(_))),
        "{refused}"
    );
    let sc = sessions(&paid.0.payment);
    assert_eq!(sc.len(), 3);
    assert!(sc.is_disjoint(&sa) && sc.is_disjoint(&sb));
    assert_eq!(balances(&tab_b).await, (0, 15));

    // The till accepts all three: no half was sent twice.
    for (prepared, tab) in [(a, &tab_a), (b, &tab_b), paid] {
        let receipt = w
            .seller
            .take_payment(&prepared.payment, w.now, &mut w.rng)
            .unwrap();
        tab.settle(&receipt, w.now).await.unwrap();
    }
    assert_eq!(w.seller.takings(), 15);
    assert_eq!(balances(&tab_a).await, (0, 0));
    assert_eq!(
        history(tab_a.store()).await,
        [("received", 15), ("paid", 6), ("paid", 6), ("paid", 3)]
    );
}
