//! The till's refusals, one by one: each refused payment consumes nothing.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{Fixture, NOW};
use halfpenny::messages::Payment;
use halfpenny::split::{Share, TokenShare};
use halfpenny::testing;
use halfpenny::till::{TillError, VerifyPolicy};
use halfpenny::wallet::WalletError;
use halfpenny::{Amount, Currency, Nonce, SessionSerial, Suite};
use rstest::rstest;

fn pay(
    f: &mut Fixture,
    price: u64,
    sessions: &[u32],
) -> (
    halfpenny::messages::PaymentRequest,
    Payment,
    halfpenny::till::SellerPurse,
) {
    let (sp, bp) = f.purse(&[(1, 5), (5, 2)], &[]);
    let req = f.request(price, None);
    let items = sessions
        .iter()
        .map(|s| TokenShare {
            session: SessionSerial(*s),
            share: bp.halves[&SessionSerial(*s)].share.clone(),
        })
        .collect();
    (
        req.clone(),
        Payment {
            payment: req.payment,
            purse: sp.id,
            halves: items,
        },
        sp,
    )
}

#[rstest]
fn a_good_payment_is_accepted_and_consumes_exactly_its_halves(
    #[values(Suite::Rsa2048Sha256, Suite::Ed25519)] suite: Suite,
) {
    let mut f = Fixture::new(suite, VerifyPolicy::All);
    let (req, payment, mut sp) = pay(&mut f, 6, &[0, 5]);
    let accepted = f.till.accept(&req, &payment, &sp, NOW, &mut f.rng).unwrap();
    assert_eq!(accepted.receipt.paid, Amount::new(6, Currency::USD));
    assert_eq!(accepted.tokens.len(), 2);
    assert!(sp.apply(&accepted));
    assert_eq!(sp.halves.len(), 5);
    assert_eq!(sp.unspent_value(), Amount::new(4 + 5, Currency::USD));
    assert!(
        !sp.apply(&accepted),
        "the same halves cannot be consumed twice"
    );
    let again = f.request(6, None);
    let replay = Payment {
        payment: again.payment,
        ..payment
    };
    assert_eq!(
        f.till
            .accept(&again, &replay, &sp, NOW, &mut f.rng)
            .unwrap_err(),
        TillError::AlreadySpent(vec![SessionSerial(0), SessionSerial(5)])
    );
}

#[rstest]
fn a_refusal_names_every_spent_half_and_consumes_none(
    #[values(Suite::Rsa2048Sha256, Suite::Ed25519)] suite: Suite,
) {
    let mut f = Fixture::new(suite, VerifyPolicy::All);
    // Sessions 0-4 are 1c halves, 5 and 6 are 5c.
    let (mut sp, bp) = f.purse(&[(1, 5), (5, 2)], &[]);
    let items = |sessions: &[u32]| -> Vec<TokenShare> {
        sessions
            .iter()
            .map(|s| TokenShare {
                session: SessionSerial(*s),
                share: bp.halves[&SessionSerial(*s)].share.clone(),
            })
            .collect()
    };
    let first = f.request(6, None);
    let paid = Payment {
        payment: first.payment,
        purse: sp.id,
        halves: items(&[5, 1]),
    };
    let accepted = f.till.accept(&first, &paid, &sp, NOW, &mut f.rng).unwrap();
    assert!(sp.apply(&accepted));

    // Two spent halves, out of order, around a fresh one: both named, in
    // session order, and nothing consumed.
    let second = f.request(7, None);
    let reused = Payment {
        payment: second.payment,
        purse: sp.id,
        halves: items(&[5, 2, 1]),
    };
    let before = sp.clone();
    let refused = f
        .till
        .accept(&second, &reused, &sp, NOW, &mut f.rng)
        .unwrap_err();
    assert_eq!(
        refused,
        TillError::AlreadySpent(vec![SessionSerial(1), SessionSerial(5)])
    );
    assert_eq!(refused.code(), "double_spend");
    assert_eq!(refused.to_string(), "halves #1 and #5 were already spent");
    assert_eq!(sp, before);

    // The fresh half still pays, in a payment of its own.
    let third = f.request(1, None);
    let fresh = Payment {
        payment: third.payment,
        purse: sp.id,
        halves: items(&[2]),
    };
    let accepted = f.till.accept(&third, &fresh, &sp, NOW, &mut f.rng).unwrap();
    assert_eq!(accepted.consumed, vec![SessionSerial(2)]);
    assert_eq!(accepted.receipt.paid, Amount::new(1, Currency::USD));
    assert!(sp.apply(&accepted));
    assert_eq!(sp.unspent_value(), Amount::new(3 + 5, Currency::USD));
}

#[test]
fn the_sentence_of_a_double_spend_names_the_first_few_halves() {
    let spent = |n: u32| TillError::AlreadySpent((0..n).map(SessionSerial).collect()).to_string();
    assert_eq!(spent(1), "half #0 was already spent");
    assert_eq!(spent(3), "halves #0, #1 and #2 were already spent");
    assert_eq!(spent(5), "halves #0, #1, #2, #3 and #4 were already spent");
    assert_eq!(
        spent(9_999),
        "halves #0, #1, #2, #3, #4 and 9994 more were already spent"
    );
}

#[rstest]
fn every_refusal_names_its_reason(#[values(Suite::Rsa2048Sha256, Suite::Ed25519)] suite: Suite) {
    let mut f = Fixture::new(suite, VerifyPolicy::All);
    let (req, payment, sp) = pay(&mut f, 6, &[0, 5]);
    let mut rng = f.rng.clone();
    let mut check =
        |req: &halfpenny::messages::PaymentRequest, p: &Payment, at, want: TillError| {
            assert_eq!(f.till.accept(req, p, &sp, at, &mut rng).unwrap_err(), want);
        };
    check(&req, &payment, NOW.plus(601), TillError::RequestExpired);
    check(
        &halfpenny::messages::PaymentRequest {
            seller: testing::other_identity().id(),
            ..req.clone()
        },
        &payment,
        NOW,
        TillError::WrongSeller,
    );
    check(
        &req,
        &Payment {
            payment: Nonce([0; 16]),
            ..payment.clone()
        },
        NOW,
        TillError::PaymentMismatch,
    );
    check(
        &req,
        &Payment {
            purse: halfpenny::PurseId([0; 16]),
            ..payment.clone()
        },
        NOW,
        TillError::WrongPurse,
    );
    check(
        &req,
        &Payment {
            halves: vec![],
            ..payment.clone()
        },
        NOW,
        TillError::EmptyPayment,
    );
    let dup = Payment {
        halves: vec![payment.halves[0].clone(), payment.halves[0].clone()],
        ..payment.clone()
    };
    check(&req, &dup, NOW, TillError::DuplicateHalf(SessionSerial(0)));
    let unknown = Payment {
        halves: vec![TokenShare {
            session: SessionSerial(99),
            share: payment.halves[0].share.clone(),
        }],
        ..payment.clone()
    };
    check(
        &req,
        &unknown,
        NOW,
        TillError::UnknownHalf(SessionSerial(99)),
    );
    let short = Payment {
        halves: vec![TokenShare {
            session: SessionSerial(0),
            share: Share::from_bytes(vec![1; 10]),
        }],
        ..payment.clone()
    };
    check(&req, &short, NOW, TillError::BadHalf(SessionSerial(0)));
    check(
        &halfpenny::messages::PaymentRequest {
            price: Amount::new(6, Currency::EUR),
            ..req.clone()
        },
        &payment,
        NOW,
        TillError::CurrencyMismatch {
            price: Currency::EUR,
            purse: Currency::USD,
        },
    );
    check(
        &halfpenny::messages::PaymentRequest {
            price: Amount::new(1, Currency::USD),
            ..req.clone()
        },
        &payment,
        NOW,
        TillError::TooManyTokens,
    );
    check(
        &halfpenny::messages::PaymentRequest {
            price: Amount::new(7, Currency::USD),
            ..req.clone()
        },
        &payment,
        NOW,
        TillError::NotEnough {
            paid: "USD 0.06".into(),
            price: "USD 0.07".into(),
        },
    );
    let late = halfpenny::messages::PaymentRequest {
        expires_at: NOW.plus(100 * 86_400),
        ..req.clone()
    };
    check(
        &late,
        &payment,
        NOW.plus(91 * 86_400),
        TillError::TokenExpired(SessionSerial(0)),
    );
}

#[rstest]
fn tokens_signed_by_the_wrong_key_are_caught_by_the_signature_check(
    #[values(Suite::Rsa2048Sha256, Suite::Ed25519)] suite: Suite,
) {
    // A bank (or forger) that signs with a key the till does not trust.
    let mut f = Fixture::with_token_key(
        suite,
        VerifyPolicy::All,
        testing::other_token_key_for(suite),
    );
    let (req, payment, sp) = pay(&mut f, 1, &[0]);
    assert_eq!(
        f.till
            .accept(&req, &payment, &sp, NOW, &mut f.rng)
            .unwrap_err(),
        TillError::BadSignature(SessionSerial(0))
    );
    // Sampling one in ten checks some of them; over many payments it catches them.
    let mut sampled = Fixture::with_token_key(
        suite,
        VerifyPolicy::Sample { one_in: 10 },
        testing::other_token_key_for(suite),
    );
    let (req, payment, sp) = pay(&mut sampled, 1, &[0]);
    let caught = (0..200)
        .filter(|_| {
            sampled
                .till
                .accept(&req, &payment, &sp, NOW, &mut sampled.rng)
                .is_err()
        })
        .count();
    assert!(
        (5..=60).contains(&caught),
        "about one in ten checked, got {caught} of 200"
    );
}

#[rstest]
fn the_wallet_pays_exactly_and_never_spends_a_pending_half_twice(
    #[values(Suite::Rsa2048Sha256, Suite::Ed25519)] suite: Suite,
) {
    let mut f = Fixture::new(suite, VerifyPolicy::All);
    let (_sp, mut bp) = f.purse(&[(1, 5), (5, 2)], &[]);
    let req = f.request(6, None);
    let prepared = f.wallet.prepare_payment(&bp, &req, NOW).unwrap();
    assert_eq!(
        (
            prepared.paying,
            prepared.overpay,
            prepared.payment.halves.len()
        ),
        (
            Amount::new(6, Currency::USD),
            Amount::new(0, Currency::USD),
            2
        )
    );
    assert!(bp.mark_pending(&prepared.payment));
    assert_eq!(
        (bp.available(), bp.pending()),
        (Amount::new(9, Currency::USD), Amount::new(6, Currency::USD))
    );
    // Another payment at the same time cannot pick the pending halves.
    let other = f.request(9, None);
    let second = f.wallet.prepare_payment(&bp, &other, NOW).unwrap();
    assert!(second.payment.halves.iter().all(|i| {
        !prepared
            .payment
            .halves
            .iter()
            .any(|j| j.session == i.session)
    }));
    assert!(bp.mark_pending(&second.payment));
    let third = f.request(1, None);
    assert_eq!(
        f.wallet.prepare_payment(&bp, &third, NOW).unwrap_err(),
        WalletError::NotEnough(halfpenny::coins::CoinError::NotEnough { have: 0, need: 1 })
    );
    // Marking a payment whose halves were taken meanwhile fails and changes nothing.
    assert!(!bp.mark_pending(&Payment {
        payment: third.payment,
        ..prepared.payment.clone()
    }));
    assert_eq!(bp.pending_payments().len(), 2);
    // A refund waits for pending payments.
    let err = f
        .wallet
        .request_refund(&f.buyer, &mut bp, NOW, &mut f.rng)
        .unwrap_err();
    assert_eq!(err, WalletError::PaymentsPending(2));
}
