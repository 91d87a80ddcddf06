//! Counters in the Prometheus text format.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug, Default)]
pub struct Metrics {
    pub purses_minted: AtomicU64,
    pub tokens_minted: AtomicU64,
    pub tokens_redeemed: AtomicU64,
    pub tokens_refunded: AtomicU64,
    pub double_spends_refused: AtomicU64,
    pub refunds_settled: AtomicU64,
    pub requests_refused: AtomicU64,
}

impl Metrics {
    pub fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    pub fn render(&self) -> String {
        let mut s = String::new();
        for (name, help, v) in [
            (
                "halfpenny_purses_minted_total",
                "Purses minted.",
                &self.purses_minted,
            ),
            (
                "halfpenny_tokens_minted_total",
                "Tokens minted.",
                &self.tokens_minted,
            ),
            (
                "halfpenny_tokens_redeemed_total",
                "Tokens credited to sellers.",
                &self.tokens_redeemed,
            ),
            (
                "halfpenny_tokens_refunded_total",
                "Tokens refunded to buyers.",
                &self.tokens_refunded,
            ),
            (
                "halfpenny_double_spends_refused_total",
                "Tokens or halves handed in again and refused.",
                &self.double_spends_refused,
            ),
            (
                "halfpenny_refunds_settled_total",
                "Refund cases settled.",
                &self.refunds_settled,
            ),
            (
                "halfpenny_requests_refused_total",
                "Requests answered with an error.",
                &self.requests_refused,
            ),
        ] {
            let _ = writeln!(
                s,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}",
                v.load(Ordering::Relaxed)
            );
        }
        s
    }
}
