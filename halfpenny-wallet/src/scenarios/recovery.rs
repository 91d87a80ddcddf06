//! A payment pending when the page went away (a reload, a crash): after
//! reopening, its halves are still pending, a resend is the same payment,
//! and it ends settled by the receipt or released, exactly those halves.

use std::collections::BTreeSet;

use halfpenny::Suite;
use halfpenny::wallet::{HalfState, WalletError};
use halfpenny_store::WalletStore;

use super::{Connect, PURSE, adopt, balances, buy, funded, history, reopen, usd};
use crate::KeeperError;

/// The till took the payment but the tab died before the receipt came back.
/// Reopened, the halves are still pending; asked again, the wallet resends
/// the same halves and marks nothing new; the till's first receipt settles
/// them.
pub async fn a_payment_pending_at_a_reload_settles_after_it<C: Connect>(mut wallet: C) {
    let mut w = funded(31, Suite::Rsa2048Sha256);
    let k = adopt(&w, wallet.connect().await).await;
    let purse = buy(&mut w, &k, PURSE).await;
    let request = w.seller.offer("article", usd(6), None, w.now, &mut w.rng);
    let sent = k.pay(&request, w.now).await.unwrap();
    assert_eq!(balances(&k).await, (9, 6));
    let receipt = w
        .seller
        .take_payment(&sent.payment, w.now, &mut w.rng)
        .unwrap();
    drop(k);

    let k = reopen(&mut wallet).await;
    assert_eq!(balances(&k).await, (9, 6), "still pending after the reload");
    assert_eq!(
        k.summaries().await.unwrap()[0].pending_payments,
        [request.payment],
        "the payment to recover"
    );
    let saved = k.store().purse(purse).await.unwrap().unwrap();
    for item in &sent.payment.halves {
        assert_eq!(
            saved.halves[&item.session].state,
            HalfState::Pending(request.payment)
        );
    }
    let more = w.seller.offer("more", usd(10), None, w.now, &mut w.rng);
    let err = k.pay(&more, w.now).await.unwrap_err();
    assert!(
        matches!(err, KeeperError::CannotPay(WalletError::NotEnough(_))),
        "pending halves are not available: {err}"
    );

    let again = k.pay(&request, w.now).await.unwrap();
    assert!(again.retry, "the second ask is a resend");
    assert_eq!(again.payment, sent.payment, "the same halves");
    assert_eq!((again.paying, again.overpay), (usd(6), usd(0)));
    assert_eq!(
        k.store().purse(purse).await.unwrap(),
        Some(saved),
        "nothing new marked"
    );
    assert_eq!(
        w.seller
            .take_payment(&again.payment, w.now, &mut w.rng)
            .unwrap(),
        receipt,
        "the till answers a resend with its first receipt"
    );

    k.settle(&receipt, w.now).await.unwrap();
    k.settle(&receipt, w.now).await.unwrap();
    assert_eq!(balances(&k).await, (9, 0));
    let spent = k.store().purse(purse).await.unwrap().unwrap();
    for item in &sent.payment.halves {
        assert_eq!(
            spent.halves[&item.session].state,
            HalfState::Spent(request.payment)
        );
    }
    assert_eq!(w.seller.takings(), 6);
    assert_eq!(history(k.store()).await, [("received", 15), ("paid", 6)]);
}

/// Two payments pending when the page went away; the till never got the
/// first. Reopened, releasing it puts back exactly its halves (the other
/// payment's stay pending); released again, it is refused and nothing moves.
pub async fn a_payment_pending_at_a_reload_is_released_after_it<C: Connect>(mut wallet: C) {
    let mut w = funded(32, Suite::Rsa2048Sha256);
    let k = adopt(&w, wallet.connect().await).await;
    let purse = buy(&mut w, &k, PURSE).await;
    let as_bought = k.store().purse(purse).await.unwrap().unwrap();
    let lost = w.seller.offer("lost", usd(6), None, w.now, &mut w.rng);
    let kept = w.seller.offer("kept", usd(1), None, w.now, &mut w.rng);
    k.pay(&lost, w.now).await.unwrap();
    let other = k.pay(&kept, w.now).await.unwrap();
    assert_eq!(balances(&k).await, (8, 7));
    drop(k);

    let k = reopen(&mut wallet).await;
    assert_eq!(balances(&k).await, (8, 7), "still pending after the reload");
    let pending: BTreeSet<_> = k.summaries().await.unwrap()[0]
        .pending_payments
        .iter()
        .copied()
        .collect();
    assert_eq!(pending, BTreeSet::from([lost.payment, kept.payment]));
    assert_eq!(w.seller.status(lost.payment), None, "the till never got it");

    k.release(purse, lost.payment, w.now).await.unwrap();
    assert_eq!(balances(&k).await, (14, 1));
    let mut expected = as_bought;
    for item in &other.payment.halves {
        expected.halves.get_mut(&item.session).unwrap().state = HalfState::Pending(kept.payment);
    }
    assert_eq!(
        k.store().purse(purse).await.unwrap(),
        Some(expected.clone()),
        "exactly the released payment's halves are available again"
    );
    assert_eq!(
        k.release(purse, lost.payment, w.now).await,
        Err(KeeperError::Wallet(WalletError::NoSuchPayment(
            lost.payment
        )))
    );
    assert_eq!(k.store().purse(purse).await.unwrap(), Some(expected));

    let receipt = w
        .seller
        .take_payment(&other.payment, w.now, &mut w.rng)
        .unwrap();
    k.settle(&receipt, w.now).await.unwrap();
    assert_eq!(balances(&k).await, (14, 0));
    // Released, the request is paid anew, not resent.
    let anew = k.pay(&lost, w.now).await.unwrap();
    assert!(!anew.retry, "a released payment is not resent");
    assert_eq!(anew.paying, usd(6));
    let receipt = w
        .seller
        .take_payment(&anew.payment, w.now, &mut w.rng)
        .unwrap();
    k.settle(&receipt, w.now).await.unwrap();
    assert_eq!(balances(&k).await, (8, 0));
    assert_eq!(w.seller.takings(), 7);
    assert_eq!(
        history(k.store()).await,
        [("received", 15), ("released", 6), ("paid", 1), ("paid", 6)]
    );
}
