//! The core's hot paths: splitting and joining a signed token, the wire and
//! text encodings, signing and verifying a token with the pure-Rust backend,
//! and a till accepting a one-token payment from a purse minted by the real
//! `Bank::mint`.
//!
//! Token signing, verifying and till payments run once per suite; the suite
//! is the last path component of the benchmark id. Ids name the operation as
//! a path component (`sign`, `verify`) so that `scripts/bench.sh` can compare
//! those rows with `openssl speed` for the same scheme.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common {
    pub mod till;
}

use std::hint::black_box;
use std::time::{Duration, Instant};

use common::till::{self, TillBench};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use halfpenny::crypto::Backend;
use halfpenny::crypto::rustcrypto::RustCrypto;
use halfpenny::split::{Half, TokenShare, join, split};
use halfpenny::testing;
use halfpenny::till::VerifyPolicy;
use halfpenny::wire::{Decode, Encode, TextForm};
use halfpenny::{Amount, Currency, SessionSerial, SignedToken, Suite, Timestamp, Token, TokenKind};
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
        share: TokenShare {
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

/// One-token payments, each a different token, through `Till::accept` and
/// `SellerPurse::apply` (the shared `common/till.rs`, also run in wasm by
/// `halfpenny-bench-wasm`). Refilling the purse is not timed.
fn till_pay(c: &mut Criterion) {
    let mut g = c.benchmark_group("till");
    g.throughput(Throughput::Elements(1));
    for suite in Suite::ALL {
        let mut bench = TillBench::new(suite, VerifyPolicy::All).unwrap();
        for (name, policy) in till::POLICIES {
            bench.set_policy(policy);
            g.bench_function(format!("pay_1_token/{name}/{suite}"), |b| {
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    let mut left = iters as usize;
                    while left > 0 {
                        if bench.left() == 0 {
                            bench.refill();
                        }
                        let n = left.min(bench.left());
                        let start = Instant::now();
                        bench.pay(n).unwrap();
                        total += start.elapsed();
                        left -= n;
                    }
                    total
                })
            });
        }
    }
    g.finish();
}

criterion_group!(benches, split_join, encodings, token_crypto, till_pay);
criterion_main!(benches);
