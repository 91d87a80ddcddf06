//! Every loss the buyer can meet, through the flows the pages use, against
//! the simulation with [`Faults`]: a purse answer lost, an order that never
//! arrived, a refund letter lost, a payment's answer lost, a message
//! delivered twice, an older backup restored. Each ends with every cent
//! home and in one state, exact at the bank, in her wallet and at the
//! seller.

use std::cell::RefCell;
use std::rc::Rc;

use halfpenny::messages::{Denomination, PaymentRequest, PurseRequest};
use halfpenny::{Currency, KeyId, Suite, Timestamp};
use halfpenny_store::WalletStore;
use halfpenny_store::backup::{export, import};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

use super::links::{Faults, SharedWorld, SimBank, SimSeller};
use super::{Connect, PURSE, balances, create_at, funded, history, reopen, usd};
use crate::flows::{
    self, FlowError, OrdersChecked, PayOutcome, buy_purse, collect_refunds, recover_orders,
    recover_payments,
};
use crate::{Keeper, Money};

/// Her new wallet, behind a connection to `wallet`.
async fn open<C: Connect>(world: &SharedWorld, wallet: &mut C) -> Keeper<C::Store> {
    let (bank, now) = {
        let w = world.borrow();
        (w.bank.bank.public(), w.now)
    };
    create_at(bank, now, wallet.connect().await)
        .await
        .expect("a new wallet takes an identity")
}

/// A world of `seed` with the buyer funded with $1, and links to it.
fn world(seed: u64) -> (SharedWorld, SimSeller, SimBank, ChaCha20Rng) {
    let world = Rc::new(RefCell::new(funded(seed, Suite::Rsa2048Sha256)));
    let seller = SimSeller {
        world: world.clone(),
        faults: Faults::default(),
    };
    let bank = SimBank {
        world: world.clone(),
        faults: Faults::default(),
    };
    (world, seller, bank, ChaCha20Rng::seed_from_u64(seed))
}

fn now(world: &SharedWorld) -> Timestamp {
    world.borrow().now
}

fn seller_id(world: &SharedWorld) -> KeyId {
    world.borrow().seller.id()
}

/// 15c for the world's seller: 5 x 1c and 2 x 5c.
fn order(world: &SharedWorld) -> PurseRequest {
    PurseRequest {
        seller: seller_id(world),
        currency: Currency::USD,
        money: Denomination::list(PURSE),
        authorizations: vec![],
        suite: None,
    }
}

/// The seller asks `minor` cents for `item`.
fn offer(world: &SharedWorld, item: &str, minor: u64) -> PaymentRequest {
    let w = &mut *world.borrow_mut();
    w.seller.offer(item, usd(minor), None, w.now, &mut w.rng)
}

/// Her money now in cents, by state (`Money::STATES`), in her one currency.
async fn held<S: WalletStore>(k: &Keeper<S>, world: &SharedWorld) -> [u64; 6] {
    let money: Vec<Money> = k.money(now(world)).await.unwrap();
    assert_eq!(money.len(), 1, "one currency: {money:?}");
    money[0].by_state()
}

/// She pays the seller `minor` cents for `item`; it must go through.
async fn pay_for<S: WalletStore>(
    k: &Keeper<S>,
    seller: &mut SimSeller,
    item: &str,
    minor: u64,
) -> PayOutcome {
    let request = offer(&seller.world, item, minor);
    let paid = flows::pay(k, seller, &request, now(&seller.world)).await;
    assert!(matches!(paid, Ok(PayOutcome::Paid { .. })), "{paid:?}");
    paid.unwrap()
}

/// (her balance at the bank, the seller's takings at his till, purses minted).
fn elsewhere(world: &SharedWorld) -> (i128, u64, usize) {
    let w = world.borrow();
    (
        w.bank.balance(w.buyer.id(), Currency::USD),
        w.seller.takings(),
        w.bank.purses.len(),
    )
}

/// Recovers her orders through the seller only, as the pay window does.
async fn through_seller<S: WalletStore>(
    k: &Keeper<S>,
    world: &SharedWorld,
    seller: &mut SimSeller,
    rng: &mut ChaCha20Rng,
) -> OrdersChecked {
    recover_orders(
        k,
        Some((seller_id(world), seller)),
        None::<&mut SimBank>,
        now(world),
        rng,
    )
    .await
    .expect("recovering touches only her store")
}

/// Her purse's answer is lost on its way back (the window closed, the
/// network fell): the bank debited her and minted, her wallet has the saved
/// order, pending. Reopened, the wallet sends the very same order through
/// the seller; the bank answers with its first answer, delivered twice: one
/// purse, saved once, every balance exact.
pub async fn a_purse_answer_lost_comes_home_through_the_seller<C: Connect>(mut wallet: C) {
    let (world, mut seller, _, mut rng) = world(51);
    let k = open(&world, &mut wallet).await;
    seller.faults.lose_answer = 1;
    let lost = buy_purse(&k, &mut seller, &order(&world), now(&world), &mut rng).await;
    assert!(
        matches!(lost, Err(FlowError::NoAnswer(_))),
        "no answer: {lost:?}"
    );
    assert_eq!(elsewhere(&world), (85, 0, 1), "the bank minted and debited");
    assert_eq!(
        held(&k, &world).await,
        [0, 15, 0, 0, 0, 0],
        "her 15c are pending, not gone"
    );
    let pending = k.pending().await.unwrap();
    assert_eq!(pending.orders.len(), 1);
    assert_eq!(pending.orders[0].amount, usd(15));

    let k = reopen(&mut wallet).await;
    seller.faults.duplicate = 1;
    let checked = through_seller(&k, &world, &mut seller, &mut rng).await;
    assert_eq!(
        (checked.received.len(), checked.dropped, checked.waiting),
        (1, 0, 0)
    );
    assert_eq!(balances(&k).await, (15, 0));
    assert_eq!(held(&k, &world).await, [15, 0, 0, 0, 0, 0]);
    assert_eq!(elsewhere(&world), (85, 0, 1), "minted once");
    assert_eq!(k.pending().await.unwrap(), Default::default());
    // Nothing left to send: asking again changes nothing.
    let again = through_seller(&k, &world, &mut seller, &mut rng).await;
    assert_eq!(again, OrdersChecked::default());
    assert_eq!(history(k.store()).await, vec![("received", 15)]);

    // Her purse pays, once.
    pay_for(&k, &mut seller, "article", 6).await;
    assert_eq!(elsewhere(&world), (85, 6, 1));
    assert_eq!(held(&k, &world).await, [9, 0, 6, 0, 0, 0]);
}

/// Her order is lost on its way to the seller: the bank never saw it. The
/// saved order waits while the bank could still take it; once it cannot,
/// and the bank says it minted nothing, the order is dropped. Nothing was
/// debited and nothing is counted.
pub async fn an_order_that_never_arrived_is_dropped_once_it_cannot<C: Connect>(mut wallet: C) {
    let (world, mut seller, mut bank, mut rng) = world(52);
    let k = open(&world, &mut wallet).await;
    seller.faults.lose_message = 1;
    let lost = buy_purse(&k, &mut seller, &order(&world), now(&world), &mut rng).await;
    assert!(matches!(lost, Err(FlowError::NoAnswer(_))), "{lost:?}");
    assert_eq!(elsewhere(&world), (100, 0, 0));
    let early = recover_orders(
        &k,
        None::<(KeyId, &mut SimSeller)>,
        Some(&mut bank),
        now(&world),
        &mut rng,
    )
    .await
    .unwrap();
    assert_eq!(
        (early.dropped, early.waiting),
        (0, 1),
        "it could still arrive"
    );
    world.borrow_mut().advance(721);
    let k = reopen(&mut wallet).await;
    let late = recover_orders(
        &k,
        None::<(KeyId, &mut SimSeller)>,
        Some(&mut bank),
        now(&world),
        &mut rng,
    )
    .await
    .unwrap();
    assert_eq!((late.dropped, late.waiting), (1, 0));
    assert_eq!(k.money(now(&world)).await.unwrap(), vec![]);
    assert_eq!(k.pending().await.unwrap(), Default::default());
    assert_eq!(elsewhere(&world), (100, 0, 0));
}

/// A payment's answer is lost; the seller took it. Asked again, he says
/// so and her halves are spent, once. Another payment arrives twice at the
/// till: one receipt, one charge.
pub async fn a_payment_answer_lost_is_settled_when_asked<C: Connect>(mut wallet: C) {
    let (world, mut seller, _, mut rng) = world(53);
    let k = open(&world, &mut wallet).await;
    buy_purse(&k, &mut seller, &order(&world), now(&world), &mut rng)
        .await
        .unwrap();
    seller.faults.lose_answer = 1;
    let request = offer(&world, "article-1", 6);
    let unknown = flows::pay(&k, &mut seller, &request, now(&world)).await;
    assert_eq!(unknown, Ok(PayOutcome::Unknown));
    assert_eq!(held(&k, &world).await, [9, 6, 0, 0, 0, 0]);
    let k = reopen(&mut wallet).await;
    let taken = recover_payments(&k, &mut seller, seller_id(&world), now(&world))
        .await
        .unwrap();
    assert_eq!(taken, vec!["article-1".to_owned()]);
    assert_eq!(held(&k, &world).await, [9, 0, 6, 0, 0, 0]);
    seller.faults.duplicate = 1;
    pay_for(&k, &mut seller, "article-2", 2).await;
    assert_eq!(elsewhere(&world), (85, 8, 1));
    assert_eq!(held(&k, &world).await, [7, 0, 8, 0, 0, 0]);
}

/// Her refund letter is lost on its way, then its answer is lost, then it
/// arrives twice: the bank opens one case. The seller answers; the result
/// comes home whenever it is read, once. Every balance exact.
pub async fn a_refund_lost_at_every_step_refunds_once<C: Connect>(mut wallet: C) {
    let (world, mut seller, mut bank, mut rng) = world(54);
    let k = open(&world, &mut wallet).await;
    let purse = buy_purse(&k, &mut seller, &order(&world), now(&world), &mut rng)
        .await
        .unwrap();
    pay_for(&k, &mut seller, "article", 6).await;
    bank.faults = Faults {
        lose_message: 1,
        lose_answer: 1,
        duplicate: 1,
        down: false,
    };
    let lost = flows::refund(&k, &mut bank, purse.id, now(&world), &mut rng).await;
    assert!(matches!(lost, Err(FlowError::NoAnswer(_))), "{lost:?}");
    assert_eq!(held(&k, &world).await, [0, 0, 6, 9, 0, 0]);
    let k = reopen(&mut wallet).await;
    // Answer lost (the case opened), then the result is not in yet.
    let _ = collect_refunds(&k, &mut bank, now(&world), &mut rng).await;
    collect_refunds(&k, &mut bank, now(&world), &mut rng)
        .await
        .unwrap();
    assert_eq!(world.borrow().bank.cases.len(), 1, "one case");
    {
        let w = &mut *world.borrow_mut();
        w.seller
            .answer_returns(&mut w.bank, w.now, &mut w.rng)
            .unwrap();
        w.advance(40 * 86_400);
    }
    collect_refunds(&k, &mut bank, now(&world), &mut rng)
        .await
        .unwrap();
    collect_refunds(&k, &mut bank, now(&world), &mut rng)
        .await
        .unwrap();
    assert_eq!(held(&k, &world).await, [0, 0, 6, 0, 9, 0]);
    assert_eq!(k.pending().await.unwrap(), Default::default());
    let (balance, _, minted) = elsewhere(&world);
    assert_eq!((balance, minted), (94, 1), "9c back at the bank, once");
}

/// An older backup is restored: it holds as available a half she has
/// since spent. The seller refuses it as spent; the wallet marks it spent
/// (her history says why), pays with other halves, and never offers it
/// again. Every balance exact.
pub async fn a_restored_backup_never_loops<C: Connect>(mut wallet: C) {
    const PASS: &str = "a passphrase long enough";
    let (world, mut seller, _, mut rng) = world(55);
    let k = open(&world, &mut wallet).await;
    buy_purse(&k, &mut seller, &order(&world), now(&world), &mut rng)
        .await
        .unwrap();
    let older = export(k.store(), PASS, &mut rng).await.unwrap();
    pay_for(&k, &mut seller, "article-1", 5).await;
    assert_eq!(elsewhere(&world), (85, 5, 1));

    let store = wallet.connect().await;
    import(&store, &older, PASS).await.unwrap();
    let k = reopen(&mut wallet).await;
    assert_eq!(
        held(&k, &world).await,
        [15, 0, 0, 0, 0, 0],
        "the backup brings the spent 5c back as spendable"
    );
    let second = offer(&world, "article-2", 5);
    let paid = flows::pay(&k, &mut seller, &second, now(&world)).await;
    let Ok(PayOutcome::Paid { spent_before, .. }) = paid else {
        panic!("paid with other halves: {paid:?}");
    };
    assert_eq!(spent_before, usd(5), "the refused half was worth 5c");
    assert_eq!(elsewhere(&world), (85, 10, 1));
    assert_eq!(held(&k, &world).await, [5, 0, 10, 0, 0, 0]);
    let third = offer(&world, "article-3", 5);
    let paid = flows::pay(&k, &mut seller, &third, now(&world)).await;
    assert!(
        matches!(paid, Ok(PayOutcome::Paid { spent_before, .. }) if spent_before.is_zero()),
        "no refusal again: {paid:?}"
    );
    assert_eq!(elsewhere(&world), (85, 15, 1));
    assert_eq!(held(&k, &world).await, [0, 0, 15, 0, 0, 0]);
    let lines = history(k.store()).await;
    assert!(
        lines.contains(&("spent before", 5)),
        "the refusal is the reason in her history: {lines:?}"
    );
}

/// Her purse's answer is lost and the shop is gone for good: the wallet
/// page asks the bank with a recovery request only she can sign, and her
/// purse comes home, once. The seller asking for it gets nothing.
pub async fn a_purse_answer_lost_comes_home_from_the_bank<C: Connect>(mut wallet: C) {
    let (world, mut seller, mut bank, mut rng) = world(56);
    let k = open(&world, &mut wallet).await;
    seller.faults.lose_answer = 1;
    let ordered = buy_purse(&k, &mut seller, &order(&world), now(&world), &mut rng).await;
    assert!(
        matches!(ordered, Err(FlowError::NoAnswer(_))),
        "{ordered:?}"
    );
    let nonce = k.pending().await.unwrap().orders[0].nonce;

    // The seller signs a recovery request for her order: nothing for him.
    let his = {
        let w = &mut *world.borrow_mut();
        let (sealed, _) = halfpenny::letter::send(
            halfpenny::letter::LetterKind::PurseRecovery,
            &halfpenny::messages::PurseRecoveryRequest { request: nonce },
            w.seller.identity.signing.as_ref(),
            &w.bank.bank.public().identity,
            w.now,
            &mut w.rng,
        )
        .unwrap();
        w.bank.recover_purse(&sealed, w.now)
    };
    assert_eq!(his, Ok(None), "nobody else gets her purse");

    seller.faults.down = true;
    let k = reopen(&mut wallet).await;
    let checked = recover_orders(
        &k,
        Some((seller_id(&world), &mut seller)),
        Some(&mut bank),
        now(&world),
        &mut rng,
    )
    .await
    .unwrap();
    assert_eq!((checked.received.len(), checked.waiting), (1, 0));
    assert_eq!(held(&k, &world).await, [15, 0, 0, 0, 0, 0]);
    assert_eq!(elsewhere(&world), (85, 0, 1));
    assert_eq!(history(k.store()).await, vec![("received", 15)]);
}

/// Her refund letter is lost on its way and the page is opened again only
/// an hour later: the bank refuses the saved letter as too old (it never
/// took it), so the wallet writes it again for the same halves and sends
/// that. One case, one refund, exact.
pub async fn a_refund_letter_too_old_for_the_bank_is_written_again<C: Connect>(mut wallet: C) {
    let (world, mut seller, mut bank, mut rng) = world(57);
    let k = open(&world, &mut wallet).await;
    let purse = buy_purse(&k, &mut seller, &order(&world), now(&world), &mut rng)
        .await
        .unwrap();
    bank.faults.lose_message = 1;
    let lost = flows::refund(&k, &mut bank, purse.id, now(&world), &mut rng).await;
    assert!(matches!(lost, Err(FlowError::NoAnswer(_))), "{lost:?}");
    let first = k.refunds_to_send().await.unwrap();
    assert_eq!(first.len(), 1);

    world.borrow_mut().advance(3_600);
    let k = reopen(&mut wallet).await;
    collect_refunds(&k, &mut bank, now(&world), &mut rng)
        .await
        .unwrap();
    assert_eq!(
        world.borrow().bank.cases.len(),
        1,
        "the new letter opened one case"
    );
    let saved = k.store().refund_letters().await.unwrap();
    assert_eq!(saved.len(), 1, "the old letter is gone, the new one kept");
    assert_ne!(saved[0].nonce, first[0].nonce);
    assert_eq!(
        saved[0].sessions,
        purse.halves.keys().copied().collect::<Vec<_>>()
    );
    {
        let w = &mut *world.borrow_mut();
        w.seller
            .answer_returns(&mut w.bank, w.now, &mut w.rng)
            .unwrap();
    }
    collect_refunds(&k, &mut bank, now(&world), &mut rng)
        .await
        .unwrap();
    assert_eq!(held(&k, &world).await, [0, 0, 0, 0, 15, 0]);
    assert_eq!(elsewhere(&world), (100, 0, 1), "15c back, once");
}
