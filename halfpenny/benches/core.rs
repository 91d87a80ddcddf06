//! The core's hot paths: splitting and joining a signed token, the wire and
//! text encodings, signing and verifying a token with the pure-Rust backend,
//! and a till accepting a one-token payment from a purse minted by the real
//! `Bank::mint`.
//!
//! Token signing, verifying and till acceptance run once per suite; the suite
//! is the last path component of the benchmark id. Ids name the operation as
//! a path component (`sign`, `verify`) so that `scripts/bench.sh` can compare
//! those rows with `openssl speed` for the same scheme.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::measurement::WallTime;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use halfpenny::bank::{AccountRecord, Authenticated, Bank, BankConfig, Role};
use halfpenny::crypto::Backend;
use halfpenny::crypto::rustcrypto::RustCrypto;
use halfpenny::messages::{Denomination, PaymentRequest, PurseRequest};
use halfpenny::split::{Half, Item, join, split};
use halfpenny::testing;
use halfpenny::till::{Till, VerifyPolicy};
use halfpenny::wallet::Wallet;
use halfpenny::wire::{Decode, Encode, TextForm};
use halfpenny::{
    Amount, BankId, Currency, Nonce, SessionSerial, SignedToken, Suite, Timestamp, Token, TokenKind,
};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;

const NOW: Timestamp = Timestamp(1_800_000_000);

/// A signed one-cent money token of the suite.
fn signed_token(suite: Suite, rng: &mut ChaCha20Rng) -> (Token, SignedToken) {
    let token = Token::mint(
        suite,
        TokenKind::Money(Amount::new(1, Currency::EUR)),
        NOW.plus(86_400),
        rng,
    );
    let signed = token
        .clone()
        .sign(testing::bank_token_key_for(suite).as_ref())
        .unwrap();
    (token, signed)
}

fn split_join(c: &mut Criterion) {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let (_, signed) = signed_token(Suite::Rsa2048Sha256, &mut rng);
    let bytes = signed.to_bytes();
    let mut g = c.benchmark_group("split");
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    for parties in [2usize, 3] {
        let shares = split(&bytes, parties, &mut rng).unwrap();
        let refs: Vec<_> = shares.iter().collect();
        assert_eq!(join(&refs).unwrap(), bytes);
        g.bench_function(format!("split_{parties}way"), |b| {
            b.iter(|| split(black_box(&bytes), parties, &mut rng).unwrap())
        });
        g.bench_function(format!("join_{parties}way"), |b| {
            b.iter(|| join(black_box(&refs)).unwrap())
        });
    }
    g.finish();
}

fn encodings(c: &mut Criterion) {
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    let (_, signed) = signed_token(Suite::Rsa2048Sha256, &mut rng);
    let bytes = signed.to_bytes();
    let text = signed.to_text();
    let mut shares = split(&bytes, 2, &mut rng).unwrap();
    let half = Half {
        purse: halfpenny::PurseId::random(&mut rng),
        item: Item {
            session: SessionSerial(7),
            share: shares.pop().unwrap(),
        },
    };
    let half_bytes = half.to_bytes();
    let half_text = half.to_text();
    assert_eq!(SignedToken::from_text(&text).unwrap(), signed);
    assert_eq!(Half::from_text(&half_text).unwrap(), half);

    let mut g = c.benchmark_group("wire");
    g.bench_function("token_encode/binary", |b| {
        b.iter(|| black_box(&signed).to_bytes())
    });
    g.bench_function("token_decode/binary", |b| {
        b.iter(|| SignedToken::from_bytes(black_box(&bytes)).unwrap())
    });
    g.bench_function("token_encode/text", |b| {
        b.iter(|| black_box(&signed).to_text())
    });
    g.bench_function("token_decode/text", |b| {
        b.iter(|| SignedToken::from_text(black_box(&text)).unwrap())
    });
    g.bench_function("half_encode/binary", |b| {
        b.iter(|| black_box(&half).to_bytes())
    });
    g.bench_function("half_decode/binary", |b| {
        b.iter(|| Half::from_bytes(black_box(&half_bytes)).unwrap())
    });
    g.bench_function("half_encode/text", |b| {
        b.iter(|| black_box(&half).to_text())
    });
    g.bench_function("half_decode/text", |b| {
        b.iter(|| Half::from_text(black_box(&half_text)).unwrap())
    });
    g.finish();
}

fn token_crypto(c: &mut Criterion) {
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    let mut g = c.benchmark_group("token");
    g.throughput(Throughput::Elements(1));
    // A RustCrypto RSA signature takes milliseconds: fewer samples keep the run short.
    g.sample_size(20);
    for suite in Suite::ALL {
        let (token, signed) = signed_token(suite, &mut rng);
        let key = testing::bank_token_key_for(suite);
        let verifier = RustCrypto.verifying_key(key.public_key()).unwrap();
        signed.verify(verifier.as_ref()).unwrap();
        g.bench_function(format!("sign/rustcrypto/{suite}"), |b| {
            b.iter(|| black_box(&token).clone().sign(key.as_ref()).unwrap())
        });
        g.bench_function(format!("verify/rustcrypto/{suite}"), |b| {
            b.iter(|| black_box(&signed).verify(verifier.as_ref()).unwrap())
        });
    }
    g.finish();
}

fn till_accept(c: &mut Criterion) {
    let mut g = c.benchmark_group("till");
    g.throughput(Throughput::Elements(1));
    for suite in Suite::ALL {
        till_accept_suite(&mut g, suite);
    }
    g.finish();
}

/// One-token payments from a purse minted by the real `Bank::mint`.
fn till_accept_suite(g: &mut criterion::BenchmarkGroup<'_, WallTime>, suite: Suite) {
    let mut rng = ChaCha20Rng::seed_from_u64(4);
    let mut config = BankConfig::new(BankId::new("demo-bank").unwrap());
    config.default_suite = suite;
    let bank = Bank::new(
        config,
        testing::bank_identity(),
        testing::bank_token_keys(),
        Box::new(RustCrypto),
    )
    .unwrap();
    let public = bank.public();
    let buyer = testing::buyer_identity();
    let seller = testing::seller_identity();
    let buyer_account = AccountRecord {
        identity: buyer.public(),
        role: Role::Buyer,
        address: None,
        attributes: vec![],
    };
    let seller_account = AccountRecord {
        identity: seller.public(),
        role: Role::Seller,
        address: Some("https://seller.example".into()),
        attributes: vec![],
    };

    // What the bank sees once it has opened and checked the buyer's letter.
    let order = Authenticated {
        nonce: Nonce::random(&mut rng),
        sender: buyer.id(),
        body: PurseRequest {
            seller: seller.id(),
            currency: Currency::EUR,
            money: vec![Denomination {
                value_minor: 1,
                count: 10,
            }],
            authorizations: vec![],
            suite: None,
        },
    };
    let balance = Amount::new(100, Currency::EUR);
    let minted = bank
        .mint(
            &order,
            &buyer_account,
            balance,
            &seller_account,
            NOW,
            &mut rng,
        )
        .unwrap();

    let mut till = Till::new(seller.id(), public.clone(), &RustCrypto, VerifyPolicy::All).unwrap();
    let seller_purse = till
        .receive_purse(&seller, &minted.response.seller_purse, NOW)
        .unwrap();
    let wallet = Wallet::new(public, &RustCrypto).unwrap();
    let buyer_purse = wallet
        .receive_purse(&buyer, &minted.response.buyer_purse, NOW)
        .unwrap();

    let request = PaymentRequest {
        seller: seller.id(),
        payment: Nonce::random(&mut rng),
        item: "one article".into(),
        price: Amount::new(1, Currency::EUR),
        requires: None,
        expires_at: NOW.plus(600),
    };
    let prepared = wallet.prepare_payment(&buyer_purse, &request, NOW).unwrap();
    assert_eq!(prepared.payment.items.len(), 1);
    let accepted = till
        .accept(&request, &prepared.payment, &seller_purse, NOW, &mut rng)
        .unwrap();
    assert_eq!(accepted.consumed.len(), 1);
    assert_eq!(accepted.tokens.first().unwrap().token.token.suite, suite);

    for (name, policy) in [
        ("accept_1_token/verify_all", VerifyPolicy::All),
        (
            "accept_1_token/verify_1_in_10",
            VerifyPolicy::Sample { one_in: 10 },
        ),
    ] {
        till.verify = policy;
        g.bench_function(format!("{name}/{suite}"), |b| {
            b.iter(|| {
                till.accept(
                    &request,
                    black_box(&prepared.payment),
                    &seller_purse,
                    NOW,
                    &mut rng,
                )
                .unwrap()
            })
        });
    }
}

criterion_group!(benches, split_join, encodings, token_crypto, till_accept);
criterion_main!(benches);
