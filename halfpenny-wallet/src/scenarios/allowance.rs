//! The per-seller allowance: paid without asking her while it lasts, given
//! back whole when a payment does not go through, never overdrawn by a coin
//! that gives no change.

use halfpenny::Suite;
use halfpenny::wallet::WalletError;

use super::{Connect, PURSE, adopt, balances, buy, funded, usd};
use crate::KeeperError;

/// No allowance: she is asked. With one, payments go through without her
/// until it is spent; paying with her approval leaves it alone.
pub async fn an_allowance_pays_without_asking_until_spent<C: Connect>(mut wallet: C) {
    let mut w = funded(13, Suite::Rsa2048Sha256);
    let k = adopt(&w, wallet.connect().await).await;
    buy(&mut w, &k, PURSE).await;
    let key_uses = k.private_key_uses();
    let shop = w.seller.id();
    assert_eq!(k.allowance(shop).await, Ok(None));
    let first = w.seller.offer("article-1", usd(1), None, w.now, &mut w.rng);
    assert_eq!(
        k.pay_within_allowance(&first, w.now).await,
        Ok(None),
        "no allowance: she is asked"
    );
    assert_eq!(balances(&k).await, (15, 0), "and nothing was set aside");

    k.set_allowance(shop, Some(usd(5))).await.unwrap();
    for (item, price, left) in [("article-2", 2, 3), ("article-3", 3, 0)] {
        let request = w.seller.offer(item, usd(price), None, w.now, &mut w.rng);
        let prepared = k
            .pay_within_allowance(&request, w.now)
            .await
            .unwrap()
            .expect("within the allowance");
        assert_eq!(prepared.paying, usd(price));
        assert_eq!(k.allowance(shop).await, Ok(Some(usd(left))));
        let receipt = w
            .seller
            .take_payment(&prepared.payment, w.now, &mut w.rng)
            .unwrap();
        k.settle(&receipt, w.now).await.unwrap();
    }
    assert_eq!(balances(&k).await, (10, 0));

    // Spent: the next one is hers to approve, and nothing is taken.
    let fourth = w.seller.offer("article-4", usd(5), None, w.now, &mut w.rng);
    assert_eq!(k.pay_within_allowance(&fourth, w.now).await, Ok(None));
    assert_eq!(k.allowance(shop).await, Ok(Some(usd(0))));
    assert_eq!(balances(&k).await, (10, 0));
    let prepared = k.pay(&fourth, w.now).await.unwrap();
    assert_eq!(prepared.paying, usd(5));
    assert_eq!(balances(&k).await, (5, 5));
    assert_eq!(
        k.allowance(shop).await,
        Ok(Some(usd(0))),
        "paying with her approval leaves the allowance alone"
    );

    // Removed: always asked.
    k.set_allowance(shop, None).await.unwrap();
    let fifth = w.seller.offer("article-5", usd(1), None, w.now, &mut w.rng);
    assert_eq!(k.pay_within_allowance(&fifth, w.now).await, Ok(None));
    assert_eq!(k.allowance(shop).await, Ok(None));
    assert_eq!(
        k.private_key_uses(),
        key_uses,
        "paying without asking her uses no private key either"
    );
}

/// A payment the purse cannot make gives the allowance back whole; a resend
/// after a lost reply takes nothing more from it.
pub async fn a_failed_payment_gives_the_allowance_back<C: Connect>(mut wallet: C) {
    let mut w = funded(14, Suite::Rsa2048Sha256);
    let k = adopt(&w, wallet.connect().await).await;
    buy(&mut w, &k, PURSE).await;
    let shop = w.seller.id();
    k.set_allowance(shop, Some(usd(20))).await.unwrap();
    // 16c is within the allowance but more than the 15c purse holds.
    let request = w.seller.offer("big", usd(16), None, w.now, &mut w.rng);
    let err = k.pay_within_allowance(&request, w.now).await.unwrap_err();
    assert!(
        matches!(err, KeeperError::CannotPay(WalletError::NotEnough(_))),
        "{err}"
    );
    assert_eq!(k.allowance(shop).await, Ok(Some(usd(20))), "nothing lost");
    assert_eq!(balances(&k).await, (15, 0));

    // The same request again after a lost reply resends the same halves and
    // takes nothing more from the allowance.
    let request = w.seller.offer("article", usd(4), None, w.now, &mut w.rng);
    let once = k
        .pay_within_allowance(&request, w.now)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(k.allowance(shop).await, Ok(Some(usd(16))));
    let again = k
        .pay_within_allowance(&request, w.now)
        .await
        .unwrap()
        .unwrap();
    assert!(again.retry, "the second ask is a resend");
    assert_eq!(again.payment, once.payment);
    assert_eq!(k.allowance(shop).await, Ok(Some(usd(16))));
    assert_eq!(balances(&k).await, (11, 4));
}

/// A price that needs a bigger coin (no change is given) is paid from the
/// allowance only if it covers the coin; otherwise the coin goes back unsent.
pub async fn an_allowance_never_pays_more_than_it_holds<C: Connect>(mut wallet: C) {
    let mut w = funded(15, Suite::Rsa2048Sha256);
    let k = adopt(&w, wallet.connect().await).await;
    buy(&mut w, &k, &[(5, 3)]).await;
    let shop = w.seller.id();
    k.set_allowance(shop, Some(usd(4))).await.unwrap();
    // 3c needs a 5c coin: 2c more than the 4c allowance can also give.
    let request = w.seller.offer("article", usd(3), None, w.now, &mut w.rng);
    assert_eq!(k.pay_within_allowance(&request, w.now).await, Ok(None));
    assert_eq!(k.allowance(shop).await, Ok(Some(usd(4))));
    assert_eq!(balances(&k).await, (15, 0), "the coin went back unsent");

    k.set_allowance(shop, Some(usd(6))).await.unwrap();
    let prepared = k
        .pay_within_allowance(&request, w.now)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((prepared.paying, prepared.overpay), (usd(5), usd(2)));
    assert_eq!(k.allowance(shop).await, Ok(Some(usd(1))));
    assert_eq!(balances(&k).await, (10, 5));
}
