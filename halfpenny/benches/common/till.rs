//! Till acceptance throughput: one-token payments through `Till::accept` and
//! `SellerPurse::apply`, each payment a different token of a purse minted by
//! the real `Bank::mint` with the fixed `testing` keys.
//!
//! Shared, as source, by the criterion bench `halfpenny/benches/core.rs`
//! (native) and by `halfpenny-bench-wasm` (the same code in wasm32, timed in
//! the browser), so that both measure exactly the same work. Lint-clean under
//! the workspace lints: no unwrap, no panic, no indexing.

use std::hint::black_box;

use halfpenny::bank::{AccountRecord, Authenticated, Bank, BankConfig, Role};
use halfpenny::crypto::rustcrypto::RustCrypto;
use halfpenny::messages::{Denomination, Payment, PaymentRequest, PurseRequest};
use halfpenny::till::{SellerPurse, Till, VerifyPolicy};
use halfpenny::wallet::{HalfState, Wallet};
use halfpenny::{Amount, BankId, Currency, Nonce, Suite, Timestamp, testing};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;

/// The fixed "now" of every step: tokens and requests are valid well after it.
pub const NOW: Timestamp = Timestamp(1_800_000_000);

/// Tokens per purse: enough that refilling (untimed) is rare, few enough that
/// minting them (RSA signatures with the pure-Rust backend, in wasm too) is quick.
pub fn purse_tokens(suite: Suite) -> u32 {
    match suite {
        Suite::Rsa2048Sha256 => 100,
        Suite::Ed25519 => 1_000,
    }
}

/// A till with one seller purse of one-cent tokens and one prepared
/// one-token payment per token.
#[derive(Debug)]
pub struct TillBench {
    till: Till,
    rng: ChaCha20Rng,
    pristine: SellerPurse,
    purse: SellerPurse,
    payments: Vec<(PaymentRequest, Payment)>,
    next: usize,
}

impl TillBench {
    /// Mints a purse of [`purse_tokens`] one-cent tokens of `suite` and
    /// prepares one payment per token.
    pub fn new(suite: Suite, policy: VerifyPolicy) -> Result<Self, String> {
        let mut rng = ChaCha20Rng::seed_from_u64(4);
        let tokens = purse_tokens(suite);
        let bank_id = BankId::new("demo-bank").map_err(|e| e.to_string())?;
        let mut config = BankConfig::new(bank_id);
        config.default_suite = suite;
        let bank = Bank::new(
            config,
            testing::bank_identity(),
            testing::bank_token_keys(),
            Box::new(RustCrypto),
        )
        .map_err(|e| e.to_string())?;
        let public = bank.public();
        let buyer = testing::buyer_identity();
        let seller = testing::seller_identity();
        let account =
            |identity: &halfpenny::crypto::PrivateIdentity, role, address| AccountRecord {
                identity: identity.public(),
                role,
                address,
                attributes: vec![],
            };
        let order = Authenticated {
            nonce: Nonce::random(&mut rng),
            sender: buyer.id(),
            body: PurseRequest {
                seller: seller.id(),
                currency: Currency::USD,
                money: vec![Denomination {
                    value_minor: 1,
                    count: tokens,
                }],
                authorizations: vec![],
                suite: None,
            },
        };
        let minted = bank
            .mint(
                &order,
                &account(&buyer, Role::Buyer, None),
                Amount::new(u64::from(tokens), Currency::USD),
                &account(&seller, Role::Seller, Some("https://seller.example".into())),
                NOW,
                &mut rng,
            )
            .map_err(|e| e.to_string())?;
        let till = Till::new(seller.id(), public.clone(), &RustCrypto, policy)
            .map_err(|e| e.to_string())?;
        let purse = till
            .receive_purse(&seller, &minted.response.seller_purse, NOW)
            .map_err(|e| e.to_string())?;
        let wallet = Wallet::new(public, &RustCrypto).map_err(|e| e.to_string())?;
        let buyer_purse = wallet
            .receive_purse(&buyer, &minted.response.buyer_purse, NOW)
            .map_err(|e| e.to_string())?;
        let payments: Vec<(PaymentRequest, Payment)> = buyer_purse
            .shares(|s| matches!(s, HalfState::Available))
            .into_iter()
            .map(|item| {
                let request = PaymentRequest {
                    seller: seller.id(),
                    payment: Nonce::random(&mut rng),
                    item: "one article".into(),
                    price: Amount::new(1, Currency::USD),
                    requires: None,
                    expires_at: NOW.plus(600),
                };
                let payment = Payment {
                    payment: request.payment,
                    purse: buyer_purse.id,
                    halves: vec![item],
                };
                (request, payment)
            })
            .collect();
        if payments.len() != tokens as usize {
            return Err(format!(
                "the purse holds {} halves, not {tokens}",
                payments.len()
            ));
        }
        let mut bench = Self {
            till,
            rng,
            pristine: purse.clone(),
            purse,
            payments,
            next: 0,
        };
        // Every payment must be good: pay them all once, then start again.
        bench.pay(bench.left())?;
        if !bench.purse.halves.is_empty() {
            return Err("halves were left after paying with every token".into());
        }
        bench.refill();
        Ok(bench)
    }

    pub fn set_policy(&mut self, policy: VerifyPolicy) {
        self.till.verify = policy;
    }

    /// Payments left before the purse must be refilled.
    pub fn left(&self) -> usize {
        self.payments.len().saturating_sub(self.next)
    }

    /// Gives the seller his whole purse back (not part of what is timed).
    pub fn refill(&mut self) {
        self.purse.clone_from(&self.pristine);
        self.next = 0;
    }

    /// Takes the next `n` payments (at most [`Self::left`]): each judged by
    /// `Till::accept` and then consumed by `SellerPurse::apply`.
    pub fn pay(&mut self, n: usize) -> Result<usize, String> {
        let end = self.next.saturating_add(n).min(self.payments.len());
        let batch = self.payments.get(self.next..end).unwrap_or(&[]);
        for (request, payment) in batch {
            let accepted = self
                .till
                .accept(request, black_box(payment), &self.purse, NOW, &mut self.rng)
                .map_err(|e| e.to_string())?;
            if !self.purse.apply(&accepted) {
                return Err("the purse refused an accepted payment".into());
            }
            black_box(accepted);
        }
        let paid = batch.len();
        self.next = end;
        Ok(paid)
    }
}

/// The verify policies measured, with the names used in benchmark ids.
pub const POLICIES: [(&str, VerifyPolicy); 2] = [
    ("verify_all", VerifyPolicy::All),
    ("verify_1_in_10", VerifyPolicy::Sample { one_in: 10 }),
];
