//! The keeper's scenarios (`halfpenny_wallet::scenarios`) on a `MemoryStore`,
//! one test each: every connection to the wallet is the same `&MemoryStore`.
//! `halfpenny-idb` runs the same scenarios on IndexedDB in headless Chromium.

use std::future::{Ready, ready};

use halfpenny::Suite;
use halfpenny_store::MemoryStore;
use halfpenny_wallet::scenarios;
use pollster::block_on;
use rstest::rstest;

/// Connections to `store`: the same store every time, as two tabs share it.
fn connect<'s>(store: &'s MemoryStore) -> impl FnMut() -> Ready<&'s MemoryStore> {
    move || ready(store)
}

#[rstest]
fn pay_settle_release_and_refund(#[values(Suite::Rsa2048Sha256, Suite::Ed25519)] suite: Suite) {
    let store = MemoryStore::new();
    block_on(scenarios::pay_settle_release_and_refund(
        connect(&store),
        suite,
    ));
}

#[test]
fn two_tabs_never_spend_a_half_twice() {
    let store = MemoryStore::new();
    block_on(scenarios::two_tabs_never_spend_a_half_twice(connect(
        &store,
    )));
}

#[test]
fn two_tabs_paying_at_once_never_share_a_half() {
    let store = MemoryStore::new();
    block_on(scenarios::two_tabs_paying_at_once_never_share_a_half(
        connect(&store),
    ));
}

#[test]
fn an_allowance_pays_without_asking_until_spent() {
    let store = MemoryStore::new();
    block_on(scenarios::an_allowance_pays_without_asking_until_spent(
        connect(&store),
    ));
}

#[test]
fn a_failed_payment_gives_the_allowance_back() {
    let store = MemoryStore::new();
    block_on(scenarios::a_failed_payment_gives_the_allowance_back(
        connect(&store),
    ));
}

#[test]
fn an_allowance_never_pays_more_than_it_holds() {
    let store = MemoryStore::new();
    block_on(scenarios::an_allowance_never_pays_more_than_it_holds(
        connect(&store),
    ));
}

#[test]
fn an_identity_reloads_with_working_keys() {
    let store = MemoryStore::new();
    block_on(scenarios::an_identity_reloads_with_working_keys(connect(
        &store,
    )));
}

#[test]
fn a_second_identity_is_refused_and_changes_nothing() {
    let store = MemoryStore::new();
    block_on(scenarios::a_second_identity_is_refused_and_changes_nothing(
        connect(&store),
    ));
}

#[test]
fn two_tabs_creating_at_once_keep_one_identity() {
    let store = MemoryStore::new();
    block_on(scenarios::two_tabs_creating_at_once_keep_one_identity(
        connect(&store),
    ));
}

#[test]
fn private_keys_never_show() {
    let store = MemoryStore::new();
    block_on(scenarios::private_keys_never_show(connect(&store)));
}

#[test]
fn a_payment_pending_at_a_reload_settles_after_it() {
    let store = MemoryStore::new();
    block_on(scenarios::a_payment_pending_at_a_reload_settles_after_it(
        connect(&store),
    ));
}

#[test]
fn a_payment_pending_at_a_reload_is_released_after_it() {
    let store = MemoryStore::new();
    block_on(scenarios::a_payment_pending_at_a_reload_is_released_after_it(connect(&store)));
}

#[test]
fn a_refund_letter_lost_on_its_way_is_resent_after_a_reload() {
    let store = MemoryStore::new();
    block_on(scenarios::a_refund_letter_lost_on_its_way_is_resent_after_a_reload(connect(&store)));
}

#[test]
fn a_refund_letter_sent_twice_refunds_once() {
    let store = MemoryStore::new();
    block_on(scenarios::a_refund_letter_sent_twice_refunds_once(connect(
        &store,
    )));
}

#[test]
fn a_refund_result_read_30_days_later_still_lands() {
    let store = MemoryStore::new();
    block_on(scenarios::a_refund_result_read_30_days_later_still_lands(
        connect(&store),
    ));
}

#[test]
fn every_scenario_runs_in_one_go() {
    block_on(scenarios::run_all(|| {
        // Each scenario's wallet lives as long as the test.
        let store: &MemoryStore = Box::leak(Box::default());
        ready(connect(store))
    }));
}

#[test]
fn a_purse_answer_lost_comes_home_through_the_seller() {
    let store = MemoryStore::new();
    block_on(scenarios::a_purse_answer_lost_comes_home_through_the_seller(connect(&store)));
}

#[test]
fn an_order_that_never_arrived_is_dropped_once_it_cannot() {
    let store = MemoryStore::new();
    block_on(scenarios::an_order_that_never_arrived_is_dropped_once_it_cannot(connect(&store)));
}

#[test]
fn a_payment_answer_lost_is_settled_when_asked() {
    let store = MemoryStore::new();
    block_on(scenarios::a_payment_answer_lost_is_settled_when_asked(
        connect(&store),
    ));
}

#[test]
fn a_refund_lost_at_every_step_refunds_once() {
    let store = MemoryStore::new();
    block_on(scenarios::a_refund_lost_at_every_step_refunds_once(
        connect(&store),
    ));
}

#[test]
fn a_restored_backup_never_loops() {
    let store = MemoryStore::new();
    block_on(scenarios::a_restored_backup_never_loops(connect(&store)));
}

#[test]
fn a_purse_answer_lost_comes_home_from_the_bank() {
    let store = MemoryStore::new();
    block_on(scenarios::a_purse_answer_lost_comes_home_from_the_bank(
        connect(&store),
    ));
}

#[test]
fn a_refund_letter_too_old_for_the_bank_is_written_again() {
    let store = MemoryStore::new();
    block_on(scenarios::a_refund_letter_too_old_for_the_bank_is_written_again(connect(&store)));
}
