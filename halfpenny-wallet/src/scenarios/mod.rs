//! The keeper's scenarios, for every store (feature `scenarios`). Each one
//! drives a [`Keeper`] on one wallet against the simulation's bank and seller
//! (`halfpenny_sim::World`) and panics, naming what broke, unless every
//! balance is exact to the minor unit. The wallet is reached through a
//! [`Connect`]: every call opens another connection to the same saved state,
//! as a second tab does, or the page loaded again after a reload or a crash.
//!
//! `halfpenny-wallet`'s own tests run each scenario on a `MemoryStore` (every
//! connection is the same `&MemoryStore`); `halfpenny-idb`'s run
//! [`run_all`] on IndexedDB in headless Chromium (every connection is a new
//! `open` of one database). A new scenario goes in [`run_all`] and gets a
//! `#[test]` in `tests/keeper.rs`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod allowance;
mod identity;
pub mod links;
mod losses;
mod payment;
mod recovery;
mod refund;

pub use allowance::{
    a_failed_payment_gives_the_allowance_back, an_allowance_never_pays_more_than_it_holds,
    an_allowance_pays_without_asking_until_spent,
};
pub use identity::{
    a_second_identity_is_refused_and_changes_nothing, an_identity_reloads_with_working_keys,
    private_keys_never_show, two_tabs_creating_at_once_keep_one_identity,
};
pub use losses::{
    a_payment_answer_lost_is_settled_when_asked, a_purse_answer_lost_comes_home_from_the_bank,
    a_purse_answer_lost_comes_home_through_the_seller,
    a_refund_letter_too_old_for_the_bank_is_written_again,
    a_refund_lost_at_every_step_refunds_once, a_restored_backup_never_loops,
    an_order_that_never_arrived_is_dropped_once_it_cannot,
};
pub use payment::{
    pay_settle_release_and_refund, two_tabs_never_spend_a_half_twice,
    two_tabs_paying_at_once_never_share_a_half,
};
pub use recovery::{
    a_payment_pending_at_a_reload_is_released_after_it,
    a_payment_pending_at_a_reload_settles_after_it,
};
pub use refund::{
    a_refund_letter_lost_on_its_way_is_resent_after_a_reload,
    a_refund_letter_sent_twice_refunds_once, a_refund_result_read_30_days_later_still_lands,
};

use std::fmt;
use std::future::Future;

use halfpenny::bank::BankPublic;
use halfpenny::messages::{Denomination, PurseRequest};
use halfpenny::{Amount, Currency, PurseId, Suite, Timestamp, testing};
use halfpenny_sim::World;
use halfpenny_store::{EventKind, WalletStore};

use crate::{Keeper, KeeperError};

/// One wallet, empty at first. Each call to [`connect`](Self::connect) opens
/// another connection to it; a closure returning a future of a store is one.
pub trait Connect {
    type Store: WalletStore + fmt::Debug;

    fn connect(&mut self) -> impl Future<Output = Self::Store>;
}

impl<F, Fut> Connect for F
where
    F: FnMut() -> Fut,
    Fut: Future,
    Fut::Output: WalletStore + fmt::Debug,
{
    type Store = Fut::Output;

    fn connect(&mut self) -> impl Future<Output = Self::Store> {
        self()
    }
}

/// Runs every scenario (the token-suite ones for both suites), each on a
/// fresh, empty wallet from `fresh`.
pub async fn run_all<C, F, Fut>(mut fresh: F)
where
    C: Connect,
    F: FnMut() -> Fut,
    Fut: Future<Output = C>,
{
    for suite in [Suite::Rsa2048Sha256, Suite::Ed25519] {
        pay_settle_release_and_refund(fresh().await, suite).await;
    }
    two_tabs_never_spend_a_half_twice(fresh().await).await;
    two_tabs_paying_at_once_never_share_a_half(fresh().await).await;
    an_allowance_pays_without_asking_until_spent(fresh().await).await;
    a_failed_payment_gives_the_allowance_back(fresh().await).await;
    an_allowance_never_pays_more_than_it_holds(fresh().await).await;
    an_identity_reloads_with_working_keys(fresh().await).await;
    a_second_identity_is_refused_and_changes_nothing(fresh().await).await;
    two_tabs_creating_at_once_keep_one_identity(fresh().await).await;
    private_keys_never_show(fresh().await).await;
    a_payment_pending_at_a_reload_settles_after_it(fresh().await).await;
    a_payment_pending_at_a_reload_is_released_after_it(fresh().await).await;
    a_refund_letter_lost_on_its_way_is_resent_after_a_reload(fresh().await).await;
    a_refund_letter_sent_twice_refunds_once(fresh().await).await;
    a_refund_result_read_30_days_later_still_lands(fresh().await).await;
    a_purse_answer_lost_comes_home_through_the_seller(fresh().await).await;
    a_purse_answer_lost_comes_home_from_the_bank(fresh().await).await;
    an_order_that_never_arrived_is_dropped_once_it_cannot(fresh().await).await;
    a_payment_answer_lost_is_settled_when_asked(fresh().await).await;
    a_refund_lost_at_every_step_refunds_once(fresh().await).await;
    a_refund_letter_too_old_for_the_bank_is_written_again(fresh().await).await;
    a_restored_backup_never_loops(fresh().await).await;
}

fn usd(minor: u64) -> Amount {
    Amount::new(minor, Currency::USD)
}

/// The world of `seed` (its bank minting `suite` tokens), the buyer funded
/// with $1.
fn funded(seed: u64, suite: Suite) -> World {
    let mut w = World::with_suite(seed, suite).unwrap();
    w.bank.fund(w.buyer.id(), usd(100)).unwrap();
    w
}

/// The address every scenario's wallet saves for its bank.
const BANK_URL: &str = "http://127.0.0.1:8700";

/// The fixture buyer (registered in the world's bank) makes the wallet's
/// identity on `store`: the keeper, or why not.
async fn create<S: WalletStore>(w: &World, store: S) -> Result<Keeper<S>, KeeperError> {
    create_at(w.bank.bank.public(), w.now, store).await
}

/// As [`create`], for her bank's keys and the time.
async fn create_at<S: WalletStore>(
    bank: BankPublic,
    now: Timestamp,
    store: S,
) -> Result<Keeper<S>, KeeperError> {
    Keeper::create_with(
        store,
        &testing::key(testing::BUYER_SIGNING),
        &testing::key(testing::BUYER_SEALING),
        BANK_URL.into(),
        bank,
        now,
    )
    .await
}

/// The fixture buyer made the wallet's identity on `store`.
async fn adopt<S: WalletStore>(w: &World, store: S) -> Keeper<S> {
    create(w, store)
        .await
        .expect("a new wallet takes an identity")
}

/// The wallet saved behind a new connection, as a reloaded page finds it.
async fn reopen<C: Connect>(wallet: &mut C) -> Keeper<C::Store> {
    Keeper::load(wallet.connect().await)
        .await
        .expect("the saved wallet loads")
        .expect("the saved wallet has an identity")
}

/// 5 x 1c and 2 x 5c: 15c.
const PURSE: &[(u64, u32)] = &[(1, 5), (5, 2)];

/// Buys a purse of `coins` (minor units, how many) through the seller; it is
/// delivered twice and must be saved once.
async fn buy<S: WalletStore>(w: &mut World, k: &Keeper<S>, coins: &[(u64, u32)]) -> PurseId {
    let body = PurseRequest {
        seller: w.seller.id(),
        currency: Currency::USD,
        money: Denomination::list(coins),
        authorizations: vec![],
        suite: None,
    };
    let forwarded = k.request_purse(&body, w.now, &mut w.rng).unwrap();
    let response = w
        .bank
        .mint(&forwarded, w.seller.id(), w.now, &mut w.rng)
        .expect("the bank accepts her signed purse request");
    let hers = w.seller.receive(&response, w.now).unwrap();
    let purse = k
        .receive_purse(&hers, w.now)
        .await
        .expect("her sealing key opens her purse");
    k.receive_purse(&hers, w.now).await.unwrap();
    purse.id
}

/// (available, pending) in minor units, in her one purse.
async fn balances<S: WalletStore>(k: &Keeper<S>) -> (u64, u64) {
    let summaries = k.summaries().await.unwrap();
    assert_eq!(summaries.len(), 1, "one purse: {summaries:?}");
    (summaries[0].available.minor(), summaries[0].pending.minor())
}

/// Her history, oldest first, as (what, minor units).
async fn history<S: WalletStore>(store: &S) -> Vec<(&'static str, u64)> {
    store
        .events()
        .await
        .unwrap()
        .into_iter()
        .map(|e| {
            let what = match e.kind {
                EventKind::PurseReceived => "received",
                EventKind::Paid { .. } => "paid",
                EventKind::Released { .. } => "released",
                EventKind::RefundRequested => "refund asked",
                EventKind::Refunded => "refunded",
                EventKind::Sent { .. } => "sent",
                EventKind::SpentBefore { .. } => "spent before",
            };
            (what, e.amount.minor())
        })
        .collect()
}
