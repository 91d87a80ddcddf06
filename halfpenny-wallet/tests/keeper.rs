//! The keeper against the simulation's bank and seller, saving to a
//! `MemoryStore`: every balance exact, nothing lost, nothing paid twice.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use halfpenny::messages::{Denomination, PurseRequest};
use halfpenny::wallet::WalletError;
use halfpenny::{Amount, Currency, PurseId, Suite, testing};
use halfpenny_sim::World;
use halfpenny_store::{EventKind, MemoryStore, WalletStore};
use halfpenny_wallet::{Keeper, KeeperError};
use pollster::block_on;
use rstest::rstest;

fn usd(m: u64) -> Amount {
    Amount::new(m, Currency::USD)
}

/// The fixture buyer (registered in the world's bank) as a keeper.
fn keeper<'s>(w: &World, store: &'s MemoryStore) -> Keeper<&'s MemoryStore> {
    block_on(Keeper::create_with(
        store,
        &testing::key(testing::BUYER_SIGNING),
        &testing::key(testing::BUYER_SEALING),
        "http://127.0.0.1:8700".into(),
        w.bank.bank.public(),
        w.now,
    ))
    .unwrap()
}

/// Buys a purse of 5 x 1c and 2 x 5c through the seller.
fn buy_purse(w: &mut World, k: &Keeper<&MemoryStore>) -> PurseId {
    let body = PurseRequest {
        seller: w.seller.id(),
        currency: Currency::USD,
        money: Denomination::list(&[(1, 5), (5, 2)]),
        authorizations: vec![],
        suite: None,
    };
    let fwd = k.request_purse(&body, w.now, &mut w.rng).unwrap();
    let response = w.bank.mint(&fwd, w.seller.id(), w.now, &mut w.rng).unwrap();
    let hers = w.seller.receive(&response, w.now).unwrap();
    let purse = block_on(k.receive_purse(&hers, w.now)).unwrap();
    // Delivered twice, saved once.
    block_on(k.receive_purse(&hers, w.now)).unwrap();
    purse.id
}

fn available(k: &Keeper<&MemoryStore>) -> (u64, u64) {
    let s = block_on(k.summaries()).unwrap();
    assert_eq!(s.len(), 1);
    (s[0].available.minor(), s[0].pending.minor())
}

#[rstest]
fn pay_settle_recover_and_refund_with_exact_balances(
    #[values(Suite::Rsa2048Sha256, Suite::Ed25519)] suite: Suite,
) {
    let mut w = World::with_suite(11, suite).unwrap();
    w.bank.fund(w.buyer.id(), usd(100)).unwrap();
    let store = MemoryStore::new();
    let k = keeper(&w, &store);
    let purse = buy_purse(&mut w, &k);
    assert_eq!(available(&k), (15, 0));
    assert_eq!(w.bank.balance(w.buyer.id(), Currency::USD), 85);

    // Pay 6c: pending before it leaves, spent on the receipt.
    let request = w.seller.offer("article-1", usd(6), None, w.now, &mut w.rng);
    let prepared = block_on(k.pay(&request, w.now)).unwrap();
    assert_eq!(available(&k), (9, 6), "marked pending before sending");
    let receipt = w
        .seller
        .take_payment(&prepared.payment, w.now, &mut w.rng)
        .unwrap();
    block_on(k.settle(&receipt, w.now)).unwrap();
    block_on(k.settle(&receipt, w.now)).unwrap();
    assert_eq!(available(&k), (9, 0));

    // A lost reply: asking again resends the very same halves.
    let request = w.seller.offer("article-2", usd(3), None, w.now, &mut w.rng);
    let first = block_on(k.pay(&request, w.now)).unwrap();
    let again = block_on(k.pay(&request, w.now)).unwrap();
    assert!(again.retry);
    assert_eq!(again.payment, first.payment);
    let receipt = w
        .seller
        .take_payment(&again.payment, w.now, &mut w.rng)
        .unwrap();
    block_on(k.settle(&receipt, w.now)).unwrap();
    assert_eq!(available(&k), (6, 0));

    // A payment the till never got: released, the halves are hers again.
    let request = w.seller.offer("article-3", usd(1), None, w.now, &mut w.rng);
    let lost = block_on(k.pay(&request, w.now)).unwrap();
    assert_eq!(available(&k), (5, 1));
    assert_eq!(w.seller.status(lost.payment.payment), None);
    block_on(k.release(purse, lost.payment.payment, w.now)).unwrap();
    assert_eq!(available(&k), (6, 0));

    // Refund the rest: the seller hands in his tokens first, she gets 6c.
    let sealed = block_on(k.request_refund(purse, w.now, &mut w.rng)).unwrap();
    let refunding =
        |k: &Keeper<&MemoryStore>| block_on(k.summaries()).unwrap()[0].refunding.minor();
    assert_eq!(available(&k), (0, 0));
    assert_eq!(refunding(&k), 6);
    w.bank.refund(&sealed, w.now, &mut w.rng).unwrap();
    w.seller
        .answer_returns(&mut w.bank, w.now, &mut w.rng)
        .unwrap();
    let results = w.bank.collect(w.buyer.id());
    assert_eq!(results.len(), 1);
    let result = block_on(k.finish_refund(&results[0], w.now)).unwrap();
    block_on(k.finish_refund(&results[0], w.now)).unwrap();
    assert_eq!(result.buyer_refunded, usd(6));
    assert_eq!(available(&k), (0, 0));
    assert_eq!(refunding(&k), 0);
    assert_eq!(w.bank.balance(w.buyer.id(), Currency::USD), 85 + 6);
    assert_eq!(w.bank.balance(w.seller.id(), Currency::USD), 9);
    w.bank.check_books(Currency::USD).unwrap();

    // Her history, in order, each line once.
    let kinds: Vec<(String, u64)> = block_on(store.events())
        .unwrap()
        .into_iter()
        .map(|e| {
            let name = match e.kind {
                EventKind::PurseReceived => "received",
                EventKind::Paid { .. } => "paid",
                EventKind::Released { .. } => "released",
                EventKind::RefundRequested => "refund asked",
                EventKind::Refunded => "refunded",
                EventKind::Sent { .. } => "sent",
            };
            (name.to_owned(), e.amount.minor())
        })
        .collect();
    let expected = [
        ("received", 15),
        ("paid", 6),
        ("paid", 3),
        ("released", 1),
        ("refund asked", 6),
        ("refunded", 6),
    ];
    assert_eq!(
        kinds,
        expected
            .iter()
            .map(|(n, a)| (n.to_string(), *a))
            .collect::<Vec<_>>()
    );
}

#[test]
fn two_tabs_on_one_store_never_spend_a_half_twice() {
    let mut w = World::new(12).unwrap();
    w.bank.fund(w.buyer.id(), usd(100)).unwrap();
    let store = MemoryStore::new();
    let tab_a = keeper(&w, &store);
    buy_purse(&mut w, &tab_a);
    let tab_b = block_on(Keeper::load(&store)).unwrap().unwrap();
    // Each asks for all 15c for a different article.
    let ra = w.seller.offer("a", usd(15), None, w.now, &mut w.rng);
    let rb = w.seller.offer("b", usd(15), None, w.now, &mut w.rng);
    let a = block_on(tab_a.pay(&ra, w.now)).unwrap();
    let b = block_on(tab_b.pay(&rb, w.now)).unwrap_err();
    assert!(
        matches!(b, KeeperError::CannotPay(WalletError::NotEnough(_))),
        "{b}"
    );
    assert_eq!(a.payment.items.len(), 7);
    assert_eq!(available(&tab_b), (0, 15));
    // And a second identity cannot be made over the first.
    let err = block_on(Keeper::create_with(
        &store,
        &testing::key(testing::OTHER_SIGNING),
        &testing::key(testing::OTHER_SEALING),
        "http://127.0.0.1:8700".into(),
        w.bank.bank.public(),
        w.now,
    ))
    .unwrap_err();
    assert_eq!(err, KeeperError::AlreadyCreated);
    assert_eq!(tab_b.public(), testing::buyer_identity().public());
    assert_eq!(tab_a.public(), tab_b.public());
}

/// Buys a purse of the given coins (minor units, count) through the seller.
fn buy_coins(w: &mut World, k: &Keeper<&MemoryStore>, coins: &[(u64, u32)]) {
    let body = PurseRequest {
        seller: w.seller.id(),
        currency: Currency::USD,
        money: Denomination::list(coins),
        authorizations: vec![],
        suite: None,
    };
    let fwd = k.request_purse(&body, w.now, &mut w.rng).unwrap();
    let response = w.bank.mint(&fwd, w.seller.id(), w.now, &mut w.rng).unwrap();
    let hers = w.seller.receive(&response, w.now).unwrap();
    block_on(k.receive_purse(&hers, w.now)).unwrap();
}

#[test]
fn an_allowance_pays_without_asking_until_it_is_spent() {
    let mut w = World::new(13).unwrap();
    w.bank.fund(w.buyer.id(), usd(100)).unwrap();
    let store = MemoryStore::new();
    let k = keeper(&w, &store);
    buy_purse(&mut w, &k);
    let shop = w.seller.id();
    assert_eq!(block_on(k.allowance(shop)), Ok(None));
    let first = w.seller.offer("article-1", usd(1), None, w.now, &mut w.rng);
    assert_eq!(
        block_on(k.pay_within_allowance(&first, w.now)),
        Ok(None),
        "no allowance: she is asked"
    );
    assert_eq!(available(&k), (15, 0), "and nothing was set aside");

    block_on(k.set_allowance(shop, Some(usd(5)))).unwrap();
    for (item, price, left) in [("article-2", 2, 3), ("article-3", 3, 0)] {
        let request = w.seller.offer(item, usd(price), None, w.now, &mut w.rng);
        let prepared = block_on(k.pay_within_allowance(&request, w.now))
            .unwrap()
            .expect("within the allowance");
        assert_eq!(prepared.paying, usd(price));
        assert_eq!(block_on(k.allowance(shop)), Ok(Some(usd(left))));
        let receipt = w
            .seller
            .take_payment(&prepared.payment, w.now, &mut w.rng)
            .unwrap();
        block_on(k.settle(&receipt, w.now)).unwrap();
    }
    assert_eq!(available(&k), (10, 0));

    // Spent: the next one is hers to approve, and nothing is taken.
    let fourth = w.seller.offer("article-4", usd(5), None, w.now, &mut w.rng);
    assert_eq!(block_on(k.pay_within_allowance(&fourth, w.now)), Ok(None));
    assert_eq!(block_on(k.allowance(shop)), Ok(Some(usd(0))));
    assert_eq!(available(&k), (10, 0));
    let prepared = block_on(k.pay(&fourth, w.now)).unwrap();
    assert_eq!(prepared.paying, usd(5));
    assert_eq!(available(&k), (5, 5));
    assert_eq!(
        block_on(k.allowance(shop)),
        Ok(Some(usd(0))),
        "paying with her approval leaves the allowance alone"
    );

    // Another currency, or removed: always asked.
    block_on(k.set_allowance(shop, None)).unwrap();
    let fifth = w.seller.offer("article-5", usd(1), None, w.now, &mut w.rng);
    assert_eq!(block_on(k.pay_within_allowance(&fifth, w.now)), Ok(None));
    assert_eq!(block_on(k.allowance(shop)), Ok(None));
}

#[test]
fn a_payment_that_fails_gives_the_allowance_back() {
    let mut w = World::new(14).unwrap();
    w.bank.fund(w.buyer.id(), usd(100)).unwrap();
    let store = MemoryStore::new();
    let k = keeper(&w, &store);
    buy_purse(&mut w, &k);
    let shop = w.seller.id();
    block_on(k.set_allowance(shop, Some(usd(20)))).unwrap();
    // 16c is within the allowance but more than the 15c purse holds.
    let request = w.seller.offer("big", usd(16), None, w.now, &mut w.rng);
    let err = block_on(k.pay_within_allowance(&request, w.now)).unwrap_err();
    assert!(
        matches!(err, KeeperError::CannotPay(WalletError::NotEnough(_))),
        "{err}"
    );
    assert_eq!(
        block_on(k.allowance(shop)),
        Ok(Some(usd(20))),
        "nothing lost"
    );
    assert_eq!(available(&k), (15, 0));

    // The same request again after a lost reply resends the same halves and
    // takes nothing more from the allowance.
    let request = w.seller.offer("article", usd(4), None, w.now, &mut w.rng);
    let once = block_on(k.pay_within_allowance(&request, w.now))
        .unwrap()
        .unwrap();
    assert_eq!(block_on(k.allowance(shop)), Ok(Some(usd(16))));
    let again = block_on(k.pay_within_allowance(&request, w.now))
        .unwrap()
        .unwrap();
    assert!(again.retry);
    assert_eq!(again.payment, once.payment);
    assert_eq!(block_on(k.allowance(shop)), Ok(Some(usd(16))));
    assert_eq!(available(&k), (11, 4));
}

#[test]
fn an_allowance_never_pays_more_than_it_holds_when_there_is_no_change() {
    let mut w = World::new(15).unwrap();
    w.bank.fund(w.buyer.id(), usd(100)).unwrap();
    let store = MemoryStore::new();
    let k = keeper(&w, &store);
    buy_coins(&mut w, &k, &[(5, 3)]);
    let shop = w.seller.id();
    block_on(k.set_allowance(shop, Some(usd(4)))).unwrap();
    // 3c needs a 5c coin: 2c more than the 4c allowance can also give.
    let request = w.seller.offer("article", usd(3), None, w.now, &mut w.rng);
    assert_eq!(block_on(k.pay_within_allowance(&request, w.now)), Ok(None));
    assert_eq!(block_on(k.allowance(shop)), Ok(Some(usd(4))));
    assert_eq!(available(&k), (15, 0), "the coin went back unsent");

    block_on(k.set_allowance(shop, Some(usd(6)))).unwrap();
    let prepared = block_on(k.pay_within_allowance(&request, w.now))
        .unwrap()
        .unwrap();
    assert_eq!((prepared.paying, prepared.overpay), (usd(5), usd(2)));
    assert_eq!(block_on(k.allowance(shop)), Ok(Some(usd(1))));
    assert_eq!(available(&k), (10, 5));
}
