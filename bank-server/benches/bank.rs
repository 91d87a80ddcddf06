//! The bank's throughput over real HTTP on 127.0.0.1, with a real database,
//! once per token suite: minting a 1,000-token purse (one signature per
//! token, spread over every core), one request at a time and with
//! `IN_FLIGHT` buyers' requests at once (as a bank serves many buyers: one
//! request's signing overlaps another's database write), and redeeming
//! batches of 1,000 tokens (no signature per token: bound by the database). Runs on a SQLite file, and on PostgreSQL when
//! HALFPENNY_TEST_POSTGRES names a server. Each run checks its own output:
//! every token minted, every token credited exactly once, books balanced.
//!
//! Prints one JSON object per figure on stdout (for scripts/bench.sh)
//! and a readable line on stderr.
// Rates are timings, not money: floats are fine here.
#![allow(
    clippy::float_arithmetic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    dead_code
)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Instant;

use common::*;
use futures_util::future::join_all;
use halfpenny::crypto::PrivateIdentity;
use halfpenny::letter::LetterKind;
use halfpenny::messages::{RedemptionRequest, SpentToken};
use halfpenny::split::join;
use halfpenny::testing;
use halfpenny::wire::{Decode, TextForm};
use halfpenny::{SignedToken, Suite};
use halfpenny_aws_lc::AwsLcKey;
use serde_json::json;

const TOKENS: u32 = 1_000;
const RUNS: usize = 5;
/// Purse requests from different buyers sent at once in the concurrent figure.
const IN_FLIGHT: usize = 4;

fn summary(name: &str, database: &str, suite: Suite, per_sec: &mut [f64]) {
    per_sec.sort_by(f64::total_cmp);
    let median = per_sec[per_sec.len() / 2];
    let (min, max) = (per_sec[0], per_sec[per_sec.len() - 1]);
    eprintln!(
        "{name} on {database}, {suite}: median {median:.0} tokens/s (min {min:.0}, max {max:.0}, {} runs)",
        per_sec.len()
    );
    println!(
        "{}",
        json!({ "figure": name, "database": database, "suite": suite.name(), "median": median, "min": min, "max": max, "runs": per_sec.len(), "unit": "tokens/s" })
    );
}

async fn bench(database: &str, suite: Suite) {
    let s = Server::start(suite).await;
    let mut buyer = Party::new(&s, testing::buyer_identity(), "buyer", 1).await;
    let mut seller = Party::new(&s, testing::seller_identity(), "seller", 2).await;
    let purses = RUNS * 2 + 2;
    s.fund(&buyer.account, u64::from(TOKENS) * purses as u64, "bench")
        .await;

    // Minting: the first run warms up and is not counted.
    let mut minted = Vec::new();
    let mut mint_rates = Vec::new();
    for run in 0..=RUNS {
        let fwd = purse_request(&s, &mut buyer, &seller, &[(1, TOKENS)], vec![]);
        let body = json!({ "request": fwd.to_text() });
        let t = Instant::now();
        let (status, reply) = s.post("/v1/purses", &body).await;
        let secs = t.elapsed().as_secs_f64();
        assert_eq!(status, 200, "{reply}");
        let (sp, bp) = open_purses(&s, &buyer, &seller, &reply);
        assert_eq!(
            (sp.halves.len(), bp.halves.len()),
            (TOKENS as usize, TOKENS as usize),
            "every token minted"
        );
        let (session, mine) = sp.halves.iter().next().unwrap();
        let joined = join(&[&mine.share, &bp.halves[session].share]).unwrap();
        assert_eq!(
            SignedToken::from_bytes(&joined).unwrap().token.suite,
            suite,
            "minted in the suite asked for"
        );
        if run > 0 {
            mint_rates.push(f64::from(TOKENS) / secs);
        }
        minted.push((sp, bp));
    }
    summary("bank_minting", database, suite, &mut mint_rates);

    // Redemption of 1,000 joined tokens per request.
    let mut redeem_rates = Vec::new();
    let mut credited = 0u64;
    for (run, (sp, bp)) in minted.into_iter().enumerate() {
        let tokens: Vec<SpentToken> = sp
            .halves
            .iter()
            .map(|(session, mine)| {
                let hers = &bp.halves[session].share;
                let token = SignedToken::from_bytes(&join(&[&mine.share, hers]).unwrap()).unwrap();
                SpentToken {
                    purse: sp.id,
                    session: *session,
                    token,
                }
            })
            .collect();
        let letter = seller.letter(&s, LetterKind::Redemption, &RedemptionRequest { tokens });
        let body = json!({ "letter": letter });
        let t = Instant::now();
        let (status, reply) = s.post("/v1/redemptions", &body).await;
        let secs = t.elapsed().as_secs_f64();
        assert_eq!(status, 200, "{reply}");
        assert_eq!(
            reply["credited"],
            json!([{ "currency": "USD", "minor": TOKENS }]),
            "every token credited once"
        );
        credited += u64::from(TOKENS);
        if run > 0 {
            redeem_rates.push(f64::from(TOKENS) / secs);
        }
    }
    summary("bank_redemption", database, suite, &mut redeem_rates);
    assert_eq!(s.balance(seller.id()).await, credited as i64);
    let t = s.totals().await;
    assert_eq!(t.outstanding["USD"], 0);

    concurrent_minting(&s, &seller, database, suite).await;
}

/// `IN_FLIGHT` buyers each send a 1,000-token purse request at the same
/// moment; the figure is all their tokens over the time until the last answer.
async fn concurrent_minting(s: &Server, seller: &Party, database: &str, suite: Suite) {
    let mut buyers = Vec::new();
    for i in 0..IN_FLIGHT {
        let identity = PrivateIdentity {
            signing: Box::new(AwsLcKey::generate().unwrap().0),
            sealing: Box::new(AwsLcKey::generate().unwrap().0),
        };
        let buyer = Party::new(s, identity, "buyer", 100 + i as u64).await;
        s.fund(
            &buyer.account,
            u64::from(TOKENS) * (RUNS as u64 + 1),
            &format!("c{i}"),
        )
        .await;
        buyers.push(buyer);
    }
    let outstanding_before = s.totals().await.outstanding["USD"];
    let mut rates = Vec::new();
    for run in 0..=RUNS {
        let bodies: Vec<serde_json::Value> = buyers
            .iter_mut()
            .map(|b| {
                let fwd = purse_request(s, b, seller, &[(1, TOKENS)], vec![]);
                json!({ "request": fwd.to_text() })
            })
            .collect();
        let t = Instant::now();
        let replies = join_all(bodies.iter().map(|body| s.post("/v1/purses", body))).await;
        let secs = t.elapsed().as_secs_f64();
        for (buyer, (status, reply)) in buyers.iter().zip(&replies) {
            assert_eq!(*status, 200, "{reply}");
            let (sp, bp) = open_purses(s, buyer, seller, reply);
            assert_eq!(
                bp.available().minor(),
                u64::from(TOKENS),
                "every token minted"
            );
            assert_eq!(token_suites(&sp, &bp), [suite].into());
        }
        if run > 0 {
            rates.push((IN_FLIGHT as f64) * f64::from(TOKENS) / secs);
        }
    }
    summary("bank_minting_concurrent", database, suite, &mut rates);
    for b in &buyers {
        assert_eq!(
            s.balance(b.id()).await,
            0,
            "each buyer paid for every token"
        );
    }
    let minted = (IN_FLIGHT * (RUNS + 1)) as i64 * i64::from(TOKENS);
    assert_eq!(
        s.totals().await.outstanding["USD"],
        outstanding_before + minted,
        "the books hold every token once"
    );
}

/// Runs on the database the harness selects: a SQLite file, or PostgreSQL
/// when HALFPENNY_TEST_POSTGRES is set (the script runs it both ways).
fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let on_postgres = std::env::var("HALFPENNY_TEST_POSTGRES").is_ok_and(|v| !v.is_empty());
    let database = if on_postgres { "postgresql" } else { "sqlite" };
    for suite in Suite::ALL {
        rt.block_on(bench(database, suite));
    }
}
