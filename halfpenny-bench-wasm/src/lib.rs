//! The till's acceptance throughput in the browser: the very code of
//! `halfpenny/benches/common/till.rs` (also the native criterion bench),
//! compiled to wasm32 and timed with `performance.now()`.
//!
//! Built by `scripts/bench.sh` with `scripts/wasm-page.sh --bench` and run in headless Chromium by
//! `e2e/bench/till-wasm.bench.ts`. Not part of any product.

#[path = "../../halfpenny/benches/common/till.rs"]
mod till;

pub use till::{POLICIES, TillBench, purse_tokens};

#[cfg(target_arch = "wasm32")]
// Timing is milliseconds in floating point, as the browser gives them.
#[allow(clippy::float_arithmetic)]
mod browser {
    use halfpenny::Suite;
    use wasm_bindgen::prelude::*;

    use crate::till::{POLICIES, TillBench};

    fn now_ms() -> Result<f64, JsError> {
        web_sys::window()
            .and_then(|w| w.performance())
            .map(|p| p.now())
            .ok_or_else(|| JsError::new("performance.now() is not available"))
    }

    /// One-token payments through `Till::accept` and `SellerPurse::apply`,
    /// for `suite` (`rsa2048-sha256` or `ed25519`) and `policy`
    /// (`verify_all` or `verify_1_in_10`): a warm-up of `ms` milliseconds,
    /// then `runs` runs of at least `ms` each. Minting the purse and refilling
    /// it are not timed. Returns `[payments, milliseconds]` for each run, in
    /// one flat list. Every payment must be accepted, or this fails.
    #[wasm_bindgen]
    pub fn till_payments(
        suite: &str,
        policy: &str,
        ms: f64,
        runs: u32,
    ) -> Result<Vec<f64>, JsError> {
        let suite: Suite = suite
            .parse()
            .map_err(|_| JsError::new(&format!("unknown suite {suite}")))?;
        let Some((_, policy)) = POLICIES.iter().find(|(name, _)| *name == policy) else {
            return Err(JsError::new(&format!("unknown policy {policy}")));
        };
        let mut bench = TillBench::new(suite, *policy).map_err(|e| JsError::new(&e))?;
        let mut result = Vec::new();
        // Run 0 is the warm-up; only `pay` is inside the clock.
        for run in 0..=runs {
            let mut elapsed = 0.0;
            let mut payments = 0usize;
            while elapsed < ms {
                if bench.left() == 0 {
                    bench.refill();
                }
                let n = bench.left();
                let start = now_ms()?;
                payments += bench.pay(n).map_err(|e| JsError::new(&e))?;
                elapsed += now_ms()? - start;
            }
            if run > 0 {
                result.extend([payments as f64, elapsed]);
            }
        }
        Ok(result)
    }
}
