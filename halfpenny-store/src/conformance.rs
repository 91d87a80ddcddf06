//! The suite every [`WalletStore`] backend must pass, behind the feature
//! `conformance`. A backend's tests call [`crate::wallet_store_conformance!`] with
//! a function that makes a fresh, empty store: one test per check, each
//! panicking with a message naming what broke.
//!
//! The fixtures are made up (fake keys, fake shares): a store saves bytes and
//! must not care what they mean.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;
use std::future::Future;

use halfpenny::bank::BankPublic;
use halfpenny::crypto::{PublicIdentity, PublicKey};
use halfpenny::messages::{Payment, Receipt};
use halfpenny::split::{Share, TokenShare};
use halfpenny::wallet::{BuyerHalf, BuyerPurse, HalfState};
use halfpenny::{
    Amount, BankId, CaseId, Currency, KeyId, Nonce, PurseId, SessionSerial, Suite, Timestamp,
    TokenKeys, TokenKind,
};
use zeroize::Zeroizing;

use crate::backup::Backup;
use crate::{
    Event, EventKind, SavedIdentity, SavedOrder, SavedRefund, StoreError, Via, WalletStore,
};

const NOW: Timestamp = Timestamp(1_795_478_400);

/// One test per check of this suite, each on a fresh store from `$fresh`
/// (an async function with no arguments), as cdk's `mint_db_test!` does:
///
/// - `wallet_store_conformance!(blocking fresh);` makes `#[test]` functions that run each
///   check with `pollster::block_on` (the caller depends on `pollster`);
/// - `wallet_store_conformance!(async #[wasm_bindgen_test] fresh);` makes async tests
///   with the attribute given.
///
/// A failing check names itself in the test list; its panic says what broke.
#[macro_export]
macro_rules! wallet_store_conformance {
    (blocking $fresh:path) => {
        $crate::wallet_store_conformance!(@each blocking $fresh;
            identity_is_created_once,
            purses_round_trip_in_id_order,
            a_purse_is_added_once,
            an_update_is_all_or_nothing,
            one_half_never_goes_to_two_payments,
            history_keeps_its_order,
            replace_swaps_everything,
            an_allowance_is_set_read_and_removed,
            an_allowance_is_spent_exactly,
            two_spends_of_the_last_allowance_never_both_succeed,
            a_refund_letter_is_saved_with_its_halves_or_not_at_all,
            a_refund_letter_is_answered_then_dropped,
            a_purse_order_is_saved_then_completed_once
        );
    };
    (async #[$test:meta] $fresh:path) => {
        $crate::wallet_store_conformance!(@each async #[$test] $fresh;
            identity_is_created_once,
            purses_round_trip_in_id_order,
            a_purse_is_added_once,
            an_update_is_all_or_nothing,
            one_half_never_goes_to_two_payments,
            history_keeps_its_order,
            replace_swaps_everything,
            an_allowance_is_set_read_and_removed,
            an_allowance_is_spent_exactly,
            two_spends_of_the_last_allowance_never_both_succeed,
            a_refund_letter_is_saved_with_its_halves_or_not_at_all,
            a_refund_letter_is_answered_then_dropped,
            a_purse_order_is_saved_then_completed_once
        );
    };
    (@each blocking $fresh:path; $($check:ident),* $(,)?) => {
        $(
            #[test]
            fn $check() {
                ::pollster::block_on(async { $crate::conformance::$check(&$fresh().await).await });
            }
        )*
    };
    (@each async #[$test:meta] $fresh:path; $($check:ident),* $(,)?) => {
        $(
            #[$test]
            async fn $check() {
                $crate::conformance::$check(&$fresh().await).await;
            }
        )*
    };
}

fn key(byte: u8) -> PublicKey {
    PublicKey::from_der(vec![byte; 64]).unwrap()
}

/// A made-up identity; `n` makes each one different.
pub fn identity(n: u8) -> SavedIdentity {
    let bank = BankPublic {
        id: BankId::new("demo-bank").unwrap(),
        identity: PublicIdentity {
            signing: key(1),
            sealing: key(2),
        },
        token_keys: TokenKeys::new([key(3)]).unwrap(),
        default_suite: Suite::Rsa2048Sha256,
    };
    SavedIdentity {
        signing_pkcs8: Zeroizing::new(vec![n; 1_218]),
        sealing_pkcs8: Zeroizing::new(vec![n.wrapping_add(1); 1_217]),
        bank_url: format!("http://127.0.0.1:870{n}"),
        bank,
        created_at: NOW,
    }
}

/// A made-up purse of `tokens` one-cent halves, all available.
pub fn purse(id: u8, tokens: u32) -> BuyerPurse {
    let halves: BTreeMap<SessionSerial, BuyerHalf> = (0..tokens)
        .map(|s| {
            (
                SessionSerial(s),
                BuyerHalf {
                    kind: TokenKind::Money(Amount::new(1, Currency::USD)),
                    share: Share::from_bytes(vec![id ^ (s as u8); 95]),
                    state: HalfState::Available,
                },
            )
        })
        .collect();
    BuyerPurse {
        id: PurseId([id; 16]),
        bank: BankId::new("demo-bank").unwrap(),
        seller: KeyId([9; 32]),
        currency: Currency::USD,
        expires_at: NOW.plus(90 * 86_400),
        halves,
    }
}

fn payment(purse: &BuyerPurse, id: u8, sessions: &[u32]) -> Payment {
    Payment {
        payment: Nonce([id; 16]),
        purse: purse.id,
        halves: sessions
            .iter()
            .map(|s| TokenShare {
                session: SessionSerial(*s),
                share: purse.halves[&SessionSerial(*s)].share.clone(),
            })
            .collect(),
    }
}

pub async fn identity_is_created_once<S: WalletStore>(store: &S) {
    assert_eq!(
        store.identity().await,
        Ok(None),
        "a new store has no identity"
    );
    let first = identity(1);
    assert_eq!(store.create_identity(&first).await, Ok(true));
    assert_eq!(
        store.create_identity(&identity(2)).await,
        Ok(false),
        "an identity is never overwritten"
    );
    assert_eq!(
        store.identity().await,
        Ok(Some(first)),
        "keys come back whole"
    );
}

pub async fn purses_round_trip_in_id_order<S: WalletStore>(store: &S) {
    let purses = [purse(7, 3), purse(2, 1), purse(200, 250)];
    for p in &purses {
        assert_eq!(store.add_purse(p).await, Ok(true));
    }
    let mut expected = purses.to_vec();
    expected.sort_by_key(|p| p.id);
    assert_eq!(store.purses().await, Ok(expected));
    assert_eq!(
        store.purse(PurseId([200; 16])).await,
        Ok(Some(purses[2].clone()))
    );
    assert_eq!(store.purse(PurseId([3; 16])).await, Ok(None));
}

pub async fn a_purse_is_added_once<S: WalletStore>(store: &S) {
    let original = purse(5, 4);
    assert_eq!(store.add_purse(&original).await, Ok(true));
    let mut again = original.clone();
    again.halves.clear();
    assert_eq!(
        store.add_purse(&again).await,
        Ok(false),
        "a purse delivered twice is kept as first saved"
    );
    assert_eq!(store.purse(original.id).await, Ok(Some(original)));
}

pub async fn an_update_is_all_or_nothing<S: WalletStore>(store: &S) {
    let original = purse(6, 5);
    store.add_purse(&original).await.unwrap();
    let pay = payment(&original, 1, &[0, 3]);
    // A change that gives up leaves nothing behind, even what it touched.
    let gave_up = store
        .update_purse(original.id, |p| {
            p.halves.clear();
            false
        })
        .await;
    assert_eq!(gave_up, Ok(false));
    assert_eq!(store.purse(original.id).await, Ok(Some(original.clone())));
    // A change that goes through is saved.
    assert_eq!(
        store
            .update_purse(original.id, |p| p.mark_pending(&pay))
            .await,
        Ok(true)
    );
    let saved = store.purse(original.id).await.unwrap().unwrap();
    assert_eq!(saved.pending(), Amount::new(2, Currency::USD));
    assert_eq!(saved.available(), Amount::new(3, Currency::USD));
    let receipt = Receipt {
        payment: pay.payment,
        purse: original.id,
        item: "article".into(),
        price: Amount::new(2, Currency::USD),
        paid: Amount::new(2, Currency::USD),
        sessions: vec![SessionSerial(0), SessionSerial(3)],
        authorized: None,
        accepted_at: NOW,
    };
    assert_eq!(
        store
            .update_purse(original.id, |p| p.settle(&receipt).is_ok())
            .await,
        Ok(true)
    );
    let saved = store.purse(original.id).await.unwrap().unwrap();
    assert_eq!(
        (saved.pending(), saved.available()),
        (Amount::new(0, Currency::USD), Amount::new(3, Currency::USD))
    );
    assert_eq!(
        saved.halves[&SessionSerial(3)].state,
        HalfState::Spent(pay.payment)
    );
    assert_eq!(
        store.update_purse(PurseId([99; 16]), |_| true).await,
        Err(StoreError::NotFound)
    );
}

pub async fn one_half_never_goes_to_two_payments<S: WalletStore>(store: &S) {
    let original = purse(8, 2);
    store.add_purse(&original).await.unwrap();
    let first = payment(&original, 1, &[1]);
    let second = payment(&original, 2, &[0, 1]);
    assert_eq!(
        store
            .update_purse(original.id, |p| p.mark_pending(&first))
            .await,
        Ok(true)
    );
    assert_eq!(
        store
            .update_purse(original.id, |p| p.mark_pending(&second))
            .await,
        Ok(false),
        "half 1 is pending in the first payment"
    );
    let saved = store.purse(original.id).await.unwrap().unwrap();
    assert_eq!(
        saved.halves[&SessionSerial(1)].state,
        HalfState::Pending(first.payment)
    );
    assert_eq!(
        saved.halves[&SessionSerial(0)].state,
        HalfState::Available,
        "the refused payment took nothing"
    );
}

pub async fn history_keeps_its_order<S: WalletStore>(store: &S) {
    assert_eq!(store.events().await, Ok(vec![]));
    let events = history();
    for e in &events {
        store.record(e).await.unwrap();
    }
    assert_eq!(store.events().await, Ok(events));
}

fn history() -> Vec<Event> {
    let cents = |m| Amount::new(m, Currency::USD);
    vec![
        Event {
            at: NOW,
            purse: PurseId([1; 16]),
            amount: cents(170),
            kind: EventKind::PurseReceived,
        },
        Event {
            at: NOW.plus(5),
            purse: PurseId([1; 16]),
            amount: cents(3),
            kind: EventKind::Paid {
                payment: Nonce([4; 16]),
                item: "article-42".into(),
            },
        },
        Event {
            at: NOW.plus(6),
            purse: PurseId([1; 16]),
            amount: cents(2),
            kind: EventKind::Sent {
                payment: Nonce([5; 16]),
                item: "article-7".into(),
                via: Via::TillInPerson,
            },
        },
        Event {
            at: NOW.plus(6),
            purse: PurseId([1; 16]),
            amount: cents(2),
            kind: EventKind::Released {
                payment: Nonce([5; 16]),
            },
        },
        Event {
            at: NOW.plus(7),
            purse: PurseId([1; 16]),
            amount: cents(167),
            kind: EventKind::RefundRequested,
        },
        Event {
            at: NOW.plus(8),
            purse: PurseId([1; 16]),
            amount: cents(167),
            kind: EventKind::Refunded,
        },
        Event {
            at: NOW.plus(9),
            purse: PurseId([1; 16]),
            amount: cents(2),
            kind: EventKind::SpentBefore {
                payment: Nonce([6; 16]),
            },
        },
    ]
}

pub async fn replace_swaps_everything<S: WalletStore>(store: &S) {
    store.create_identity(&identity(1)).await.unwrap();
    store.add_purse(&purse(1, 2)).await.unwrap();
    store.record(&history()[0]).await.unwrap();
    store
        .start_refund(PurseId([1; 16]), |p| Some(refunding(p, 1, &[0])))
        .await
        .unwrap();
    store.save_order(&order(7)).await.unwrap();
    let mut restored_letter = refunding(&mut purse(4, 3), 2, &[1]);
    restored_letter.purse = PurseId([4; 16]);
    let backup = Backup {
        identity: identity(3),
        purses: vec![purse(4, 3), purse(9, 1)],
        events: history(),
        refunds: vec![restored_letter],
        orders: vec![order(8)],
    };
    store.replace(&backup).await.unwrap();
    assert_eq!(store.identity().await, Ok(Some(backup.identity)));
    assert_eq!(store.purses().await, Ok(backup.purses));
    assert_eq!(store.events().await, Ok(backup.events));
    assert_eq!(
        store.refund_letters().await,
        Ok(backup.refunds),
        "the old wallet's refund letters go with it; the backup's come back"
    );
    assert_eq!(store.orders().await, Ok(backup.orders));
}

/// A purse order numbered `n`, for the seller of [`purse`].
pub fn order(n: u8) -> SavedOrder {
    SavedOrder {
        nonce: Nonce([n; 16]),
        seller: KeyId([9; 32]),
        value: usd(15),
        request: vec![n; 400],
        created_at: Timestamp(1_795_478_400 + u64::from(n)),
    }
}

pub async fn a_purse_order_is_saved_then_completed_once<S: WalletStore>(store: &S) {
    assert_eq!(store.orders().await, Ok(vec![]));
    assert_eq!(store.save_order(&order(2)).await, Ok(true));
    assert_eq!(store.save_order(&order(1)).await, Ok(true));
    let mut changed = order(2);
    changed.request = vec![0; 10];
    assert_eq!(
        store.save_order(&changed).await,
        Ok(false),
        "an order is never overwritten"
    );
    assert_eq!(store.orders().await, Ok(vec![order(1), order(2)]));
    let brought = purse(5, 2);
    assert_eq!(
        store.complete_order(Nonce([2; 16]), &brought).await,
        Ok(true)
    );
    assert_eq!(store.purses().await, Ok(vec![brought.clone()]));
    assert_eq!(store.orders().await, Ok(vec![order(1)]));
    // The same purse again (a resend's answer, or the bank's copy): saved once.
    let mut spent = brought.clone();
    spent.halves.clear();
    assert_eq!(
        store.complete_order(Nonce([2; 16]), &spent).await,
        Ok(false)
    );
    assert_eq!(store.purses().await, Ok(vec![brought.clone()]));
    // An older purse passed off as another order's: the order stays.
    store.save_order(&order(3)).await.unwrap();
    assert_eq!(
        store.complete_order(Nonce([3; 16]), &brought).await,
        Ok(false)
    );
    assert_eq!(store.orders().await, Ok(vec![order(1), order(3)]));
    assert_eq!(store.drop_order(Nonce([3; 16])).await, Ok(true));
    assert_eq!(store.drop_order(Nonce([1; 16])).await, Ok(true));
    assert_eq!(store.drop_order(Nonce([1; 16])).await, Ok(false));
    assert_eq!(store.orders().await, Ok(vec![]));
}

fn usd(minor: u64) -> Amount {
    Amount::new(minor, Currency::USD)
}

pub async fn an_allowance_is_set_read_and_removed<S: WalletStore>(store: &S) {
    let (shop, other) = (KeyId([9; 32]), KeyId([10; 32]));
    assert_eq!(
        store.allowance(shop).await,
        Ok(None),
        "no allowance at first"
    );
    store.set_allowance(shop, Some(usd(25))).await.unwrap();
    store.set_allowance(other, Some(usd(3))).await.unwrap();
    assert_eq!(store.allowance(shop).await, Ok(Some(usd(25))));
    assert_eq!(store.allowance(other).await, Ok(Some(usd(3))));
    store.set_allowance(shop, Some(usd(7))).await.unwrap();
    assert_eq!(
        store.allowance(shop).await,
        Ok(Some(usd(7))),
        "a new allowance replaces the old"
    );
    store.set_allowance(shop, None).await.unwrap();
    assert_eq!(store.allowance(shop).await, Ok(None), "removed");
    assert_eq!(
        store.spend_allowance(shop, usd(1)).await,
        Ok(false),
        "nothing to spend once removed"
    );
    assert_eq!(
        store.refund_allowance(shop, usd(1)).await,
        Ok(false),
        "a refund does not bring a removed allowance back"
    );
    assert_eq!(store.allowance(shop).await, Ok(None));
    assert_eq!(
        store.allowance(other).await,
        Ok(Some(usd(3))),
        "another seller's allowance is untouched"
    );
}

pub async fn an_allowance_is_spent_exactly<S: WalletStore>(store: &S) {
    let shop = KeyId([9; 32]);
    store.set_allowance(shop, Some(usd(5))).await.unwrap();
    assert_eq!(store.spend_allowance(shop, usd(2)).await, Ok(true));
    assert_eq!(store.allowance(shop).await, Ok(Some(usd(3))));
    assert_eq!(
        store.spend_allowance(shop, usd(4)).await,
        Ok(false),
        "more than is left is refused"
    );
    assert_eq!(
        store.allowance(shop).await,
        Ok(Some(usd(3))),
        "and takes nothing"
    );
    let euros = Amount::new(1, Currency::new("EUR").unwrap());
    assert_eq!(
        store.spend_allowance(shop, euros).await,
        Ok(false),
        "another currency is refused"
    );
    assert_eq!(store.refund_allowance(shop, euros).await, Ok(false));
    assert_eq!(store.allowance(shop).await, Ok(Some(usd(3))));
    assert_eq!(store.spend_allowance(shop, usd(3)).await, Ok(true));
    assert_eq!(
        store.allowance(shop).await,
        Ok(Some(usd(0))),
        "spent exactly to zero, it is kept at zero"
    );
    assert_eq!(store.spend_allowance(shop, usd(1)).await, Ok(false));
    assert_eq!(
        store.spend_allowance(shop, usd(0)).await,
        Ok(true),
        "nothing fits in nothing"
    );
    assert_eq!(store.refund_allowance(shop, usd(2)).await, Ok(true));
    assert_eq!(store.allowance(shop).await, Ok(Some(usd(2))), "given back");
}

pub async fn two_spends_of_the_last_allowance_never_both_succeed<S: WalletStore>(store: &S) {
    let shop = KeyId([9; 32]);
    store.set_allowance(shop, Some(usd(4))).await.unwrap();
    let (first, second) = join(
        store.spend_allowance(shop, usd(3)),
        store.spend_allowance(shop, usd(3)),
    )
    .await;
    let (first, second) = (first.unwrap(), second.unwrap());
    assert!(
        first ^ second,
        "exactly one spend gets the last of the allowance: {first} {second}"
    );
    assert_eq!(store.allowance(shop).await, Ok(Some(usd(1))));
}

/// Marks `sessions` of `p` refunding; the made-up letter handing them back.
fn refunding(p: &mut BuyerPurse, nonce: u8, sessions: &[u32]) -> SavedRefund {
    for s in sessions {
        p.halves.get_mut(&SessionSerial(*s)).unwrap().state = HalfState::Refunding;
    }
    SavedRefund {
        nonce: Nonce([nonce; 16]),
        purse: p.id,
        sessions: sessions.iter().map(|s| SessionSerial(*s)).collect(),
        letter: vec![nonce; 700],
        created_at: NOW,
        case: None,
    }
}

pub async fn a_refund_letter_is_saved_with_its_halves_or_not_at_all<S: WalletStore>(store: &S) {
    let original = purse(3, 4);
    store.add_purse(&original).await.unwrap();
    // A change that gives up saves neither the halves nor a letter.
    assert_eq!(
        store
            .start_refund(original.id, |p| {
                refunding(p, 1, &[0, 1]);
                None
            })
            .await,
        Ok(false)
    );
    assert_eq!(store.purse(original.id).await, Ok(Some(original.clone())));
    assert_eq!(store.refund_letters().await, Ok(vec![]));
    assert_eq!(
        store
            .start_refund(PurseId([99; 16]), |p| Some(refunding(p, 1, &[0])))
            .await,
        Err(StoreError::NotFound)
    );
    assert_eq!(store.refund_letters().await, Ok(vec![]));

    let mut letter = None;
    assert_eq!(
        store
            .start_refund(original.id, |p| {
                let l = refunding(p, 1, &[0, 2]);
                letter = Some(l.clone());
                Some(l)
            })
            .await,
        Ok(true)
    );
    let saved = store.purse(original.id).await.unwrap().unwrap();
    assert_eq!(saved.refunding(), usd(2), "the halves are marked");
    assert_eq!(saved.available(), usd(2));
    assert_eq!(
        store.refund_letters().await,
        Ok(vec![letter.unwrap()]),
        "and the letter saved, byte for byte"
    );
}

pub async fn a_refund_letter_is_answered_then_dropped<S: WalletStore>(store: &S) {
    let (a, b) = (purse(4, 2), purse(5, 2));
    store.add_purse(&a).await.unwrap();
    store.add_purse(&b).await.unwrap();
    let mut letters = vec![];
    for (p, nonce) in [(&b, 9), (&a, 2)] {
        store
            .start_refund(p.id, |p| {
                let l = refunding(p, nonce, &[0, 1]);
                letters.push(l.clone());
                Some(l)
            })
            .await
            .unwrap();
    }
    letters.reverse();
    assert_eq!(
        store.refund_letters().await,
        Ok(letters.clone()),
        "in nonce order"
    );
    let case = CaseId([6; 16]);
    assert_eq!(store.refund_answered(Nonce([9; 16]), case).await, Ok(true));
    assert_eq!(
        store.refund_answered(Nonce([8; 16]), case).await,
        Ok(false),
        "no such letter"
    );
    letters[1].case = Some(case);
    assert_eq!(store.refund_letters().await, Ok(letters.clone()));
    assert_eq!(store.drop_refund_letter(Nonce([2; 16])).await, Ok(true));
    assert_eq!(store.drop_refund_letter(Nonce([2; 16])).await, Ok(false));
    assert_eq!(store.refund_letters().await, Ok(vec![letters[1].clone()]));
    assert_eq!(
        store.purse(a.id).await.unwrap().unwrap().refunding(),
        usd(2),
        "dropping a letter leaves the purse alone"
    );
}

/// Runs two futures at once on one thread, as two tabs' tasks interleave:
/// the races of this suite, of the keeper's scenarios and of the browser's
/// own tests (whatever runs them, natively or in wasm).
pub async fn join<A: Future, B: Future>(a: A, b: B) -> (A::Output, B::Output) {
    use std::pin::pin;
    use std::task::Poll;
    let (mut a, mut b) = (pin!(a), pin!(b));
    let (mut ra, mut rb) = (None, None);
    std::future::poll_fn(|cx| {
        if ra.is_none()
            && let Poll::Ready(v) = a.as_mut().poll(cx)
        {
            ra = Some(v);
        }
        if rb.is_none()
            && let Poll::Ready(v) = b.as_mut().poll(cx)
        {
            rb = Some(v);
        }
        if ra.is_some() && rb.is_some() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await;
    (ra.unwrap(), rb.unwrap())
}
