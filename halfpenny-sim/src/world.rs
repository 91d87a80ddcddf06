//! A bank, one seller and one buyer, a fake clock and a seeded generator.

use halfpenny::bank::Role;
use halfpenny::till::VerifyPolicy;
use halfpenny::{Timestamp, testing};
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
    /// Everyone registered at the demo bank; nobody funded yet.
    pub fn new(seed: u64) -> Result<Self, SimError> {
        let mut bank = BankHost::demo()?;
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
