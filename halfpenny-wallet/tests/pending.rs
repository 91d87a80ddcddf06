//! What a lost reply leaves open, and her decisions about it, against the
//! simulation's bank and seller: the pending list, a payment she says the
//! till took (no receipt) or did not take, and a refund waiting for the
//! bank. Every balance exact, in the wallet, her history and at the bank.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use halfpenny::messages::{Denomination, PurseRequest};
use halfpenny::wallet::WalletError;
use halfpenny::{Amount, Currency, PurseId, testing};
use halfpenny_sim::World;
use halfpenny_store::{EventKind, MemoryStore, Via, WalletStore, spending_by_day};
use halfpenny_wallet::{Keeper, KeeperError, NO_RECEIPT_ITEM, SentNote};
use pollster::block_on;

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
    block_on(k.receive_purse(&hers, w.now)).unwrap().id
}

/// Her one purse: (available, pending, spent), in cents.
fn balances(k: &Keeper<&MemoryStore>) -> (u64, u64, u64) {
    let s = block_on(k.summaries()).unwrap();
    assert_eq!(s.len(), 1);
    (
        s[0].available.minor(),
        s[0].pending.minor(),
        s[0].spent.minor(),
    )
}

#[test]
fn she_settles_in_person_payments_herself_and_the_books_agree() {
    let mut w = World::new(21).unwrap();
    w.bank.fund(w.buyer.id(), usd(100)).unwrap();
    let store = MemoryStore::new();
    let k = keeper(&w, &store);
    let purse = buy_purse(&mut w, &k);
    assert_eq!(block_on(k.pending()).unwrap(), Default::default());

    // 6c to a till in person: the till takes it, the receipt never reaches her.
    let sent_at = w.now;
    let request = w.seller.offer("article-1", usd(6), None, w.now, &mut w.rng);
    let taken = block_on(k.pay(&request, w.now)).unwrap();
    block_on(k.note_sent(&taken, "article-1", Via::TillInPerson, w.now)).unwrap();
    w.seller
        .take_payment(&taken.payment, w.now, &mut w.rng)
        .unwrap();
    // A retry is the same payment: noted once.
    let again = block_on(k.pay(&request, w.now)).unwrap();
    assert!(again.retry);
    block_on(k.note_sent(&again, "article-1", Via::TillInPerson, w.now)).unwrap();

    // 3c to a till in person, an hour later, that it never took.
    w.advance(3_600);
    let request = w.seller.offer("article-2", usd(3), None, w.now, &mut w.rng);
    let lost = block_on(k.pay(&request, w.now)).unwrap();
    block_on(k.note_sent(&lost, "article-2", Via::TillInPerson, w.now)).unwrap();
    assert_eq!(balances(&k), (6, 9, 0));

    // Both are listed, oldest first, with what, when and how.
    let pending = block_on(k.pending()).unwrap();
    let listed: Vec<_> = pending
        .payments
        .iter()
        .map(|p| (p.purse, p.seller, p.payment, p.amount, p.sent.clone()))
        .collect();
    let note = |at, item: &str| {
        Some(SentNote {
            at,
            item: item.to_owned(),
            via: Via::TillInPerson,
        })
    };
    let seller = w.seller.id();
    assert_eq!(
        listed,
        [
            (
                purse,
                seller,
                taken.payment.payment,
                usd(6),
                note(sent_at, "article-1")
            ),
            (
                purse,
                seller,
                lost.payment.payment,
                usd(3),
                note(w.now, "article-2")
            ),
        ]
    );
    assert!(pending.refunds.is_empty());

    // "The till took it": spent, paid in her history and her chart.
    block_on(k.settle_without_receipt(purse, taken.payment.payment, w.now)).unwrap();
    assert_eq!(balances(&k), (6, 3, 6));
    // Twice is refused, and changes nothing.
    assert_eq!(
        block_on(k.settle_without_receipt(purse, taken.payment.payment, w.now)),
        Err(KeeperError::Wallet(WalletError::NoSuchPayment(
            taken.payment.payment
        )))
    );
    assert_eq!(balances(&k), (6, 3, 6));

    // "The till did not take it": the 3c are hers again.
    block_on(k.release(purse, lost.payment.payment, w.now)).unwrap();
    assert_eq!(balances(&k), (9, 0, 6));
    assert_eq!(block_on(k.pending()).unwrap(), Default::default());

    let events = block_on(store.events()).unwrap();
    let chart = spending_by_day(&events, Currency::USD, w.now, 1);
    assert_eq!(chart[0].paid, usd(6), "only what the till took is spending");
    let lines: Vec<(String, u64)> = events
        .iter()
        .map(|e| {
            let line = match &e.kind {
                EventKind::PurseReceived => "received".to_owned(),
                EventKind::Sent { item, .. } => format!("sent {item}"),
                EventKind::Paid { item, .. } => format!("paid {item}"),
                EventKind::Released { .. } => "released".to_owned(),
                EventKind::RefundRequested => "refund asked".to_owned(),
                EventKind::Refunded => "refunded".to_owned(),
                EventKind::SpentBefore { .. } => "spent before".to_owned(),
            };
            (line, e.amount.minor())
        })
        .collect();
    let expected = [
        ("received", 15),
        ("sent article-1", 6),
        ("sent article-2", 3),
        ("paid article-1", 6),
        ("released", 3),
    ];
    assert_eq!(
        lines,
        expected.map(|(l, a)| (l.to_owned(), a)).to_vec(),
        "each line once"
    );

    // Her refund waits for the bank, listed with when she asked.
    w.advance(60);
    let sealed = block_on(k.request_refund(purse, w.now, &mut w.rng)).unwrap();
    let refunds = block_on(k.pending()).unwrap().refunds;
    assert_eq!(refunds.len(), 1);
    assert_eq!(
        (refunds[0].purse, refunds[0].seller, refunds[0].amount),
        (purse, seller, usd(9))
    );
    assert_eq!(refunds[0].asked_at, Some(w.now));

    // The bank agrees with what she decided: the seller is paid the 6c the
    // till took, she gets back the 9c it did not.
    w.bank.refund(&sealed, w.now, &mut w.rng).unwrap();
    w.seller
        .answer_returns(&mut w.bank, w.now, &mut w.rng)
        .unwrap();
    let ask = k.inbox_request(0, w.now, &mut w.rng).unwrap();
    let results = w.bank.collect(&ask, w.now).unwrap();
    assert_eq!(results.len(), 1);
    let result = block_on(k.finish_refund(&results[0], w.now)).unwrap();
    assert_eq!(result.buyer_refunded, usd(9));
    assert_eq!(block_on(k.pending()).unwrap(), Default::default());
    assert_eq!(balances(&k), (0, 0, 6));
    assert_eq!(w.bank.balance(w.buyer.id(), Currency::USD), 85 + 9);
    assert_eq!(w.bank.balance(w.seller.id(), Currency::USD), 6);
    w.bank.check_books(Currency::USD).unwrap();
}

#[test]
fn a_payment_sent_without_a_note_is_listed_and_settled_all_the_same() {
    let mut w = World::new(22).unwrap();
    w.bank.fund(w.buyer.id(), usd(100)).unwrap();
    let store = MemoryStore::new();
    let k = keeper(&w, &store);
    let purse = buy_purse(&mut w, &k);

    // The page closed between choosing the halves and noting them.
    let request = w.seller.offer("article-1", usd(5), None, w.now, &mut w.rng);
    let prepared = block_on(k.pay(&request, w.now)).unwrap();
    let pending = block_on(k.pending()).unwrap();
    assert_eq!(pending.payments.len(), 1);
    assert_eq!(pending.payments[0].amount, usd(5));
    assert_eq!(pending.payments[0].sent, None);

    block_on(k.settle_without_receipt(purse, prepared.payment.payment, w.now)).unwrap();
    assert_eq!(balances(&k), (10, 0, 5));
    let events = block_on(store.events()).unwrap();
    let last = events.last().unwrap();
    assert_eq!(last.amount, usd(5));
    assert_eq!(
        last.kind,
        EventKind::Paid {
            payment: prepared.payment.payment,
            item: NO_RECEIPT_ITEM.to_owned(),
        }
    );

    // A purse she does not hold: refused, nothing recorded.
    assert_eq!(
        block_on(k.settle_without_receipt(PurseId([7; 16]), prepared.payment.payment, w.now)),
        Err(KeeperError::UnknownPurse)
    );
    assert_eq!(block_on(store.events()).unwrap().len(), events.len());
}
