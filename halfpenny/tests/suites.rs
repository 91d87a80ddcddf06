//! Which suite a purse's tokens get, and what a bank without a suite's key
//! does with a request for it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{Fixture, NOW};
use halfpenny::bank::{Bank, BankConfig, BankError};
use halfpenny::crypto::rustcrypto::RustCrypto;
use halfpenny::messages::{Denomination, PurseRequest};
use halfpenny::till::VerifyPolicy;
use halfpenny::{BankId, Currency, Suite, testing};
use rstest::rstest;

fn other(suite: Suite) -> Suite {
    match suite {
        Suite::Rsa2048Sha256 => Suite::Ed25519,
        Suite::Ed25519 => Suite::Rsa2048Sha256,
    }
}

/// The suites of every token in a purse, as the seller finds them when he
/// is paid with all of it.
fn paid_suites(f: &mut Fixture) -> Vec<Suite> {
    let (sp, bp) = f.purse(&[(1, 3)], &[]);
    let req = f.request(3, None);
    let prepared = f.wallet.prepare_payment(&bp, &req, NOW).unwrap();
    let accepted = f
        .till
        .accept(&req, &prepared.payment, &sp, NOW, &mut f.rng)
        .unwrap();
    accepted
        .tokens
        .iter()
        .map(|t| t.token.token.suite)
        .collect()
}

#[rstest]
fn a_purse_is_minted_in_the_default_suite_or_the_one_asked_for(
    #[values(Suite::Rsa2048Sha256, Suite::Ed25519)] suite: Suite,
) {
    let mut f = Fixture::new(suite, VerifyPolicy::All);
    assert_eq!(paid_suites(&mut f), vec![suite; 3]);
    f.ask_suite = Some(other(suite));
    assert_eq!(paid_suites(&mut f), vec![other(suite); 3]);
}

#[rstest]
fn a_bank_signs_only_the_suites_it_has_a_key_for(
    #[values(Suite::Rsa2048Sha256, Suite::Ed25519)] suite: Suite,
) {
    let id = BankId::new("demo-bank").unwrap();
    let mut config = BankConfig::new(id);
    config.default_suite = suite;
    // No key for the default suite: the bank does not start.
    let err = Bank::new(
        config.clone(),
        testing::bank_identity(),
        vec![testing::bank_token_key_for(other(suite))],
        Box::new(RustCrypto),
    )
    .unwrap_err();
    assert_eq!(err, BankError::UnsupportedSuite(suite));
    // Two keys for one suite: it does not start either.
    assert!(
        Bank::new(
            config.clone(),
            testing::bank_identity(),
            vec![
                testing::bank_token_key_for(suite),
                testing::bank_token_key_for(suite)
            ],
            Box::new(RustCrypto),
        )
        .is_err()
    );

    // A bank with one suite refuses a request for the other, clearly.
    let mut f = Fixture::new(suite, VerifyPolicy::All);
    f.bank = Bank::new(
        config,
        testing::bank_identity(),
        vec![testing::bank_token_key_for(suite)],
        Box::new(RustCrypto),
    )
    .unwrap();
    assert_eq!(
        f.bank
            .public()
            .token_keys
            .iter()
            .map(|(s, _)| s)
            .collect::<Vec<_>>(),
        vec![suite]
    );
    let body = PurseRequest {
        seller: f.seller.id(),
        currency: Currency::USD,
        money: vec![Denomination {
            value_minor: 1,
            count: 1,
        }],
        authorizations: vec![],
        suite: Some(other(suite)),
    };
    let err = f.mint(body).unwrap_err();
    assert_eq!(err, BankError::UnsupportedSuite(other(suite)));
    assert_eq!(err.code(), "unsupported_suite");
}
