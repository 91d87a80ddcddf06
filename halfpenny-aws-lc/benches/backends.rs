//! RSA-2048 with each backend: one signature, one verification, and a batch
//! of 1,000 signatures spread over every core by aws-lc's `sign_many`; and
//! the same for Ed25519 (`ed25519-dalek`, spread by `OnEveryCore`).
//!
//! Benchmark ids name the scheme first and the operation as a path component
//! (`sign`, `verify`, `sign_many_1000`) so that `scripts/bench.sh` can compare
//! each row with `openssl speed` for the same scheme.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use halfpenny::crypto::SigningKey;
use halfpenny::crypto::VerifyingKey;
use halfpenny::crypto::ed25519::{Ed25519Key, Ed25519Verifier};
use halfpenny::crypto::rustcrypto::RsaVerifier;
use halfpenny::testing;
use halfpenny_aws_lc::{AwsLcKey, AwsLcVerifier, OnEveryCore};

fn backends(c: &mut Criterion) {
    let rustcrypto = testing::bank_token_key();
    let aws_lc = AwsLcKey::from_pkcs8_der(testing::BANK_TOKEN).unwrap();
    let public = rustcrypto.public_key().clone();
    let rustcrypto_verifier = RsaVerifier::new(&public).unwrap();
    let aws_lc_verifier = AwsLcVerifier::new(&public).unwrap();
    // About the size of what is signed in practice: a labelled token body.
    let message = [0x5Au8; 70];
    let signature = rustcrypto.sign(&message).unwrap();
    assert_eq!(aws_lc.sign(&message).unwrap(), signature);

    let mut one = c.benchmark_group("rsa2048");
    one.throughput(Throughput::Elements(1));
    // A RustCrypto signature takes milliseconds: fewer samples keep the run short.
    one.sample_size(20);
    one.bench_function("sign/rustcrypto", |b| {
        b.iter(|| rustcrypto.sign(black_box(&message)).unwrap())
    });
    one.bench_function("sign/aws-lc", |b| {
        b.iter(|| aws_lc.sign(black_box(&message)).unwrap())
    });
    one.bench_function("verify/rustcrypto", |b| {
        b.iter(|| {
            rustcrypto_verifier
                .verify(black_box(&message), black_box(&signature))
                .unwrap()
        })
    });
    one.bench_function("verify/aws-lc", |b| {
        b.iter(|| {
            aws_lc_verifier
                .verify(black_box(&message), black_box(&signature))
                .unwrap()
        })
    });
    one.finish();

    let messages: Vec<Vec<u8>> = (0..1_000u32)
        .map(|i| {
            let mut m = message.to_vec();
            m.extend_from_slice(&i.to_be_bytes());
            m
        })
        .collect();
    let mut batch = c.benchmark_group("rsa2048_batch");
    batch.throughput(Throughput::Elements(1_000));
    // Each iteration takes about a second: flat sampling, the fewest samples.
    batch.sampling_mode(SamplingMode::Flat);
    batch.sample_size(10);
    batch.bench_function("sign_many_1000/aws-lc", |b| {
        b.iter(|| aws_lc.sign_many(black_box(&messages)).unwrap())
    });
    batch.finish();

    let ed = OnEveryCore(Ed25519Key::from_pkcs8_der(testing::BANK_TOKEN_ED25519).unwrap());
    let ed_verifier = Ed25519Verifier::new(ed.public_key()).unwrap();
    let ed_signature = ed.sign(&message).unwrap();
    let mut one = c.benchmark_group("ed25519");
    one.throughput(Throughput::Elements(1));
    one.bench_function("sign/dalek", |b| {
        b.iter(|| ed.sign(black_box(&message)).unwrap())
    });
    one.bench_function("verify/dalek", |b| {
        b.iter(|| {
            ed_verifier
                .verify(black_box(&message), black_box(&ed_signature))
                .unwrap()
        })
    });
    one.finish();
    let mut batch = c.benchmark_group("ed25519_batch");
    batch.throughput(Throughput::Elements(1_000));
    batch.bench_function("sign_many_1000/dalek-on-every-core", |b| {
        b.iter(|| ed.sign_many(black_box(&messages)).unwrap())
    });
    batch.finish();
}

criterion_group!(benches, backends);
criterion_main!(benches);
