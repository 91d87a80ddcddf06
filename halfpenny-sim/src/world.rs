//! A bank, one seller and one buyer, a fake clock and a seeded generator.

use halfpenny::bank::Role;
use halfpenny::till::VerifyPolicy;
use halfpenny::{Suite, Timestamp, testing};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

use crate::{BankHost, BuyerHost, SellerHost, SimError};

/// 2026-11-24T00:00:00Z: the simulation's first instant.
pub const START: Timestamp = Timestamp(1_795_478_400);

#[derive(Debug)]
pub struct World {
    pub now: Timestamp,
    pub rng: ChaCha20Rng,
    pub bank: BankHost,
    pub seller: SellerHost,
    pub buyer: BuyerHost,
}

impl World {
    /// Everyone registered at the demo bank, which mints RSA-2048 tokens;
    /// nobody funded yet.
    pub fn new(seed: u64) -> Result<Self, SimError> {
        Self::with_suite(seed, Suite::Rsa2048Sha256)
    }

    /// The same world with a bank that mints `suite` tokens.
    pub fn with_suite(seed: u64, suite: Suite) -> Result<Self, SimError> {
        let mut bank = BankHost::demo(suite)?;
        let public = bank.bank.public();
        let seller = SellerHost::new(
            testing::seller_identity(),
            public.clone(),
            VerifyPolicy::All,
        )?;
        let buyer = BuyerHost::new(testing::buyer_identity(), public)?;
        bank.register(
            seller.identity.public(),
            Role::Seller,
            Some("http://127.0.0.1:0/seller".into()),
        );
        bank.register(buyer.identity.public(), Role::Buyer, None);
        Ok(Self {
            now: START,
            rng: ChaCha20Rng::seed_from_u64(seed),
            bank,
            seller,
            buyer,
        })
    }

    pub fn advance(&mut self, seconds: u64) {
        self.now = self.now.plus(seconds);
    }
}
