//! The suite every [`TillStore`] backend must pass, behind the feature
//! `conformance`. A backend's tests call [`crate::till_store_conformance!`] with a
//! function that makes a fresh, empty store: one test per check, each
//! panicking with a message naming what broke.
//!
//! The fixtures are made up (fake keys, fake shares, unsigned tokens): a
//! store saves bytes and must not care what they mean.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::{BTreeMap, BTreeSet};

use halfpenny::crypto::seal::SealedBox;
use halfpenny::messages::{ForwardedPurseRequest, PaymentRequest, Receipt, SpentToken};
use halfpenny::split::Share;
use halfpenny::till::{Acceptance, SellerHalf, SellerPurse};
use halfpenny::wire::{Decode, Encode};
use halfpenny::{
    Amount, BankId, Currency, KeyId, Nonce, PurseId, SessionSerial, SignedToken, Suite, Timestamp,
    Token, TokenKind, TokenSerial,
};

use crate::{Kept, Refusal, StoreError, TakenTokens, TillStore};

const NOW: Timestamp = Timestamp(1_795_478_400);

/// One test per check of this suite, each on a fresh store from `$fresh`
/// (an async function with no arguments), as cdk's `mint_db_test!` does:
///
/// - `till_store_conformance!(blocking fresh);` makes `#[test]` functions that run each
///   check with `pollster::block_on` (the caller depends on `pollster`);
/// - `till_store_conformance!(async #[wasm_bindgen_test] fresh);` makes async tests
///   with the attribute given.
///
/// A failing check names itself in the test list; its panic says what broke.
#[macro_export]
macro_rules! till_store_conformance {
    (blocking $fresh:path) => {
        $crate::till_store_conformance!(@each blocking $fresh;
            identity_is_created_once,
            purses_round_trip_in_id_order,
            a_purse_is_added_once,
            an_update_is_all_or_nothing,
            offers_are_remembered,
            purse_orders_wait_until_answered,
            a_payment_is_kept_whole_and_once,
            one_half_never_goes_to_two_payments,
            tokens_are_handed_in_once,
            refusals_keep_their_order,
            a_returned_purse_is_forgotten
        );
    };
    (async #[$test:meta] $fresh:path) => {
        $crate::till_store_conformance!(@each async #[$test] $fresh;
            identity_is_created_once,
            purses_round_trip_in_id_order,
            a_purse_is_added_once,
            an_update_is_all_or_nothing,
            offers_are_remembered,
            purse_orders_wait_until_answered,
            a_payment_is_kept_whole_and_once,
            one_half_never_goes_to_two_payments,
            tokens_are_handed_in_once,
            refusals_keep_their_order,
            a_returned_purse_is_forgotten
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

/// A made-up identity (the wallet's record: keys, bank address, bank).
pub fn identity(n: u8) -> crate::SavedIdentity {
    halfpenny_store::conformance::identity(n)
}

/// A made-up seller purse of `tokens` one-cent halves.
pub fn purse(id: u8, tokens: u32) -> SellerPurse {
    let halves: BTreeMap<SessionSerial, SellerHalf> = (0..tokens)
        .map(|s| {
            (
                SessionSerial(s),
                SellerHalf {
                    kind: TokenKind::Money(Amount::new(1, Currency::USD)),
                    share: Share::from_bytes(vec![id ^ (s as u8); 95]),
                },
            )
        })
        .collect();
    SellerPurse {
        id: PurseId([id; 16]),
        bank: BankId::new("demo-bank").unwrap(),
        currency: Currency::USD,
        expires_at: NOW.plus(90 * 86_400),
        halves,
        spent: BTreeSet::new(),
    }
}

/// A made-up token worth `minor` cents (its signature is filler).
pub fn token(serial: u8, minor: u64) -> SignedToken {
    let token = Token {
        suite: Suite::Ed25519,
        kind: TokenKind::Money(Amount::new(minor, Currency::USD)),
        serial: TokenSerial([serial; 16]),
        expires_at: NOW.plus(86_400),
    };
    let mut bytes = token.to_bytes();
    bytes.extend_from_slice(&[serial; 64]);
    SignedToken::from_bytes(&bytes).unwrap()
}

/// A made-up request for `price` cents, named by `id`.
pub fn request(id: u8, price: u64) -> PaymentRequest {
    PaymentRequest {
        seller: KeyId([9; 32]),
        payment: Nonce([id; 16]),
        item: format!("newspaper-{id}"),
        price: Amount::new(price, Currency::USD),
        requires: None,
        expires_at: NOW.plus(600),
    }
}

/// What the till would decide for payment `id` of these sessions of `purse`.
pub fn acceptance(purse: &SellerPurse, id: u8, sessions: &[u32]) -> Acceptance {
    let consumed: Vec<SessionSerial> = sessions.iter().map(|s| SessionSerial(*s)).collect();
    let tokens: Vec<SpentToken> = consumed
        .iter()
        .map(|s| SpentToken {
            purse: purse.id,
            session: *s,
            token: token(id.wrapping_add(s.0 as u8), 1),
        })
        .collect();
    let paid = Amount::new(sessions.len() as u64, Currency::USD);
    Acceptance {
        receipt: Receipt {
            payment: Nonce([id; 16]),
            purse: purse.id,
            item: format!("newspaper-{id}"),
            price: paid,
            paid,
            sessions: consumed.clone(),
            authorized: None,
            accepted_at: NOW,
        },
        consumed,
        tokens,
    }
}

pub async fn identity_is_created_once<S: TillStore>(store: &S) {
    assert_eq!(
        store.identity().await,
        Ok(None),
        "a new till has no identity"
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

pub async fn purses_round_trip_in_id_order<S: TillStore>(store: &S) {
    let mut spent = purse(7, 3);
    spent.halves.remove(&SessionSerial(1));
    spent.spent.insert(SessionSerial(1));
    let purses = [spent, purse(2, 1), purse(200, 250)];
    for p in &purses {
        assert_eq!(store.add_purse(p).await, Ok(true));
    }
    let mut expected = purses.to_vec();
    expected.sort_by_key(|p| p.id);
    assert_eq!(store.purses().await, Ok(expected));
    assert_eq!(
        store.purse(PurseId([7; 16])).await,
        Ok(Some(purses[0].clone())),
        "spent sessions come back too"
    );
    assert_eq!(store.purse(PurseId([3; 16])).await, Ok(None));
}

pub async fn a_purse_is_added_once<S: TillStore>(store: &S) {
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

pub async fn an_update_is_all_or_nothing<S: TillStore>(store: &S) {
    let original = purse(6, 5);
    store.add_purse(&original).await.unwrap();
    let gave_up = store
        .update_purse(original.id, |p| {
            p.halves.clear();
            false
        })
        .await;
    assert_eq!(gave_up, Ok(false));
    assert_eq!(store.purse(original.id).await, Ok(Some(original.clone())));
    let accepted = acceptance(&original, 1, &[0, 3]);
    assert_eq!(
        store
            .update_purse(original.id, |p| p.apply(&accepted))
            .await,
        Ok(true)
    );
    let saved = store.purse(original.id).await.unwrap().unwrap();
    assert_eq!(saved.unspent_value(), Amount::new(3, Currency::USD));
    assert_eq!(
        saved.spent,
        BTreeSet::from([SessionSerial(0), SessionSerial(3)])
    );
    assert_eq!(
        store
            .update_purse(original.id, |p| p.apply(&accepted))
            .await,
        Ok(false),
        "the same halves cannot be consumed twice"
    );
    assert_eq!(
        store.update_purse(PurseId([99; 16]), |_| true).await,
        Err(StoreError::NotFound)
    );
}

pub async fn offers_are_remembered<S: TillStore>(store: &S) {
    assert_eq!(store.offer(Nonce([1; 16])).await, Ok(None));
    let (a, b) = (request(1, 2), request(2, 3));
    store.save_offer(&a).await.unwrap();
    store.save_offer(&b).await.unwrap();
    assert_eq!(store.offer(Nonce([1; 16])).await, Ok(Some(a)));
    assert_eq!(store.offer(Nonce([2; 16])).await, Ok(Some(b)));
}

/// A made-up forwarded purse request, named by `id` (the box is filler).
pub fn order(id: u8) -> ForwardedPurseRequest {
    ForwardedPurseRequest {
        bank: BankId::new("demo-bank").unwrap(),
        sealed: SealedBox {
            named_recipient: None,
            wrapped_key: vec![id; 256],
            nonce: [id; 12],
            ciphertext: vec![id; 300],
        },
    }
}

pub async fn purse_orders_wait_until_answered<S: TillStore>(store: &S) {
    assert_eq!(store.orders().await, Ok(vec![]));
    let (a, b) = (order(1), order(2));
    store.save_order(&a).await.unwrap();
    store.save_order(&b).await.unwrap();
    store.save_order(&a).await.unwrap();
    let mut saved = store.orders().await.unwrap();
    saved.sort_by_key(|o| o.to_bytes());
    assert_eq!(
        saved,
        vec![a.clone(), b.clone()],
        "saved once each, byte for byte"
    );
    assert_eq!(store.drop_order(&a).await, Ok(true));
    assert_eq!(store.drop_order(&a).await, Ok(false));
    assert_eq!(store.orders().await, Ok(vec![b]));
}

pub async fn a_payment_is_kept_whole_and_once<S: TillStore>(store: &S) {
    let original = purse(4, 4);
    store.add_purse(&original).await.unwrap();
    let accepted = acceptance(&original, 1, &[1, 2]);
    assert_eq!(store.receipt(Nonce([1; 16])).await, Ok(None));
    assert_eq!(store.keep_payment(&accepted).await, Ok(Kept::Taken));
    // Halves, tokens and receipt, all saved.
    let saved = store.purse(original.id).await.unwrap().unwrap();
    assert_eq!(saved.halves.len(), 2);
    assert_eq!(
        saved.spent,
        BTreeSet::from([SessionSerial(1), SessionSerial(2)])
    );
    assert_eq!(
        store.receipt(Nonce([1; 16])).await,
        Ok(Some(accepted.receipt.clone()))
    );
    let taken = TakenTokens {
        payment: Nonce([1; 16]),
        tokens: accepted.tokens.clone(),
    };
    assert_eq!(store.unredeemed().await, Ok(vec![taken.clone()]));
    // The same payment again: its first receipt, nothing else changes,
    // even when this copy was judged with other details.
    let mut copy = accepted.clone();
    copy.receipt.accepted_at = NOW.plus(30);
    assert_eq!(
        store.keep_payment(&copy).await,
        Ok(Kept::AlreadyTaken(accepted.receipt.clone()))
    );
    assert_eq!(store.unredeemed().await, Ok(vec![taken]));
    assert_eq!(store.purse(original.id).await, Ok(Some(saved)));
    // A payment from a purse the till does not have.
    let stranger = acceptance(&purse(77, 1), 9, &[0]);
    assert_eq!(
        store.keep_payment(&stranger).await,
        Err(StoreError::NotFound)
    );
    assert_eq!(store.receipt(Nonce([9; 16])).await, Ok(None));
}

pub async fn one_half_never_goes_to_two_payments<S: TillStore>(store: &S) {
    let original = purse(8, 3);
    store.add_purse(&original).await.unwrap();
    let first = acceptance(&original, 1, &[1]);
    let second = acceptance(&original, 2, &[0, 1]);
    assert_eq!(store.keep_payment(&first).await, Ok(Kept::Taken));
    assert_eq!(
        store.keep_payment(&second).await,
        Ok(Kept::HalvesGone),
        "half 1 went to the first payment"
    );
    let saved = store.purse(original.id).await.unwrap().unwrap();
    assert!(
        saved.halves.contains_key(&SessionSerial(0)),
        "the refused payment took nothing"
    );
    assert_eq!(saved.spent, BTreeSet::from([SessionSerial(1)]));
    assert_eq!(store.receipt(Nonce([2; 16])).await, Ok(None));
    let unredeemed = store.unredeemed().await.unwrap();
    assert_eq!(unredeemed.len(), 1);
    assert_eq!(unredeemed[0].payment, Nonce([1; 16]));
}

pub async fn tokens_are_handed_in_once<S: TillStore>(store: &S) {
    let original = purse(3, 6);
    store.add_purse(&original).await.unwrap();
    // Kept out of nonce order; read back in nonce order.
    for (id, sessions) in [(5u8, &[0u32, 1][..]), (2, &[2]), (9, &[3, 4, 5])] {
        let a = acceptance(&original, id, sessions);
        assert_eq!(store.keep_payment(&a).await, Ok(Kept::Taken));
    }
    let all = store.unredeemed().await.unwrap();
    assert_eq!(
        all.iter().map(|t| t.payment).collect::<Vec<_>>(),
        vec![Nonce([2; 16]), Nonce([5; 16]), Nonce([9; 16])]
    );
    assert_eq!(
        TakenTokens::total(&all, Currency::USD),
        Amount::new(6, Currency::USD)
    );
    assert_eq!(store.handed_in().await, Ok(vec![]));
    assert_eq!(
        store
            .hand_in(&[Nonce([5; 16]), Nonce([2; 16]), Nonce([42; 16])])
            .await,
        Ok(2),
        "an unknown payment is skipped"
    );
    assert_eq!(store.unredeemed().await, Ok(vec![all[2].clone()]));
    assert_eq!(
        store.handed_in().await,
        Ok(vec![all[0].clone(), all[1].clone()])
    );
    assert_eq!(
        store.hand_in(&[Nonce([5; 16])]).await,
        Ok(0),
        "tokens are handed in once"
    );
    assert_eq!(
        store.receipt(Nonce([5; 16])).await.unwrap().map(|r| r.paid),
        Some(Amount::new(2, Currency::USD)),
        "receipts outlive the redemption"
    );
}

pub async fn refusals_keep_their_order<S: TillStore>(store: &S) {
    assert_eq!(store.refusals().await, Ok(vec![]));
    let refusals = vec![
        Refusal::new(
            Some(Nonce([3; 16])),
            "double_spend",
            "Half #3 was already spent.",
            NOW,
        ),
        Refusal::new(None, "bad_text", "This is not a payment.", NOW.plus(1)),
        Refusal::new(
            Some(Nonce([1; 16])),
            "not_enough",
            "The payment is worth USD 0.01 but the price is USD 0.02.",
            NOW.plus(2),
        ),
    ];
    for r in &refusals {
        store.record_refusal(r).await.unwrap();
    }
    assert_eq!(store.refusals().await, Ok(refusals));
}

pub async fn a_returned_purse_is_forgotten<S: TillStore>(store: &S) {
    store.add_purse(&purse(1, 2)).await.unwrap();
    store.add_purse(&purse(2, 2)).await.unwrap();
    assert_eq!(store.remove_purse(PurseId([1; 16])).await, Ok(true));
    assert_eq!(store.remove_purse(PurseId([1; 16])).await, Ok(false));
    assert_eq!(store.purses().await, Ok(vec![purse(2, 2)]));
}
