//! A bank, a till and a wallet wired together in memory, for the core's tests.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use halfpenny::bank::{AccountRecord, Authenticated, Bank, BankConfig, BankError, Minted, Role};
use halfpenny::crypto::PrivateIdentity;
use halfpenny::crypto::rustcrypto::RustCrypto;
use halfpenny::messages::{AuthorizationOrder, Denomination, PaymentRequest, PurseRequest};
use halfpenny::till::{SellerPurse, Till, VerifyPolicy};
use halfpenny::wallet::{BuyerPurse, Wallet};
use halfpenny::{Amount, Assertion, BankId, Currency, Nonce, Suite, Timestamp, TokenKeys, testing};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

pub const NOW: Timestamp = Timestamp(1_795_478_400);

pub struct Fixture {
    pub rng: ChaCha20Rng,
    pub bank: Bank,
    pub buyer: PrivateIdentity,
    pub seller: PrivateIdentity,
    pub buyer_account: AccountRecord,
    pub seller_account: AccountRecord,
    pub till: Till,
    pub wallet: Wallet,
    /// The suite purse requests ask for (none: the bank's default).
    pub ask_suite: Option<Suite>,
}

pub fn account(id: &PrivateIdentity, role: Role) -> AccountRecord {
    AccountRecord {
        identity: id.public(),
        role,
        address: None,
        attributes: vec![],
    }
}

impl Fixture {
    /// A bank that signs with every suite and mints `suite` tokens by default.
    pub fn new(suite: Suite, verify: VerifyPolicy) -> Self {
        Self::with_token_key(suite, verify, testing::bank_token_key_for(suite))
    }

    /// A bank that signs `suite` tokens with `token_key` while the till and
    /// wallet trust the published fixture token keys.
    pub fn with_token_key(
        suite: Suite,
        verify: VerifyPolicy,
        token_key: Box<dyn halfpenny::crypto::SigningKey>,
    ) -> Self {
        let mut config = BankConfig::new(BankId::new("demo-bank").unwrap());
        config.default_suite = suite;
        let mut keys = vec![token_key];
        keys.extend(
            Suite::ALL
                .into_iter()
                .filter(|s| *s != suite)
                .map(testing::bank_token_key_for),
        );
        let bank = Bank::new(config, testing::bank_identity(), keys, Box::new(RustCrypto)).unwrap();
        let mut public = bank.public();
        public.token_keys =
            TokenKeys::new(Suite::ALL.into_iter().map(testing::bank_token_public_for)).unwrap();
        let buyer = testing::buyer_identity();
        let seller = testing::seller_identity();
        let till = Till::new(seller.id(), public.clone(), &RustCrypto, verify).unwrap();
        let wallet = Wallet::new(public, &RustCrypto).unwrap();
        Self {
            rng: ChaCha20Rng::seed_from_u64(42),
            buyer_account: account(&buyer, Role::Buyer),
            seller_account: account(&seller, Role::Seller),
            bank,
            buyer,
            seller,
            till,
            wallet,
            ask_suite: None,
        }
    }

    /// Mints a purse straight from a request body (no letter), and unseals both sides.
    pub fn purse(
        &mut self,
        money: &[(u64, u32)],
        auth: &[(&str, u32)],
    ) -> (SellerPurse, BuyerPurse) {
        let body = PurseRequest {
            seller: self.seller.id(),
            currency: Currency::USD,
            money: Denomination::list(money),
            authorizations: auth
                .iter()
                .map(|(a, c)| AuthorizationOrder {
                    assertion: Assertion::parse(a).unwrap(),
                    count: *c,
                })
                .collect(),
            suite: self.ask_suite,
        };
        let minted = self.mint(body).unwrap();
        let sp = self
            .till
            .receive_purse(&self.seller, &minted.response.seller_purse, NOW)
            .unwrap();
        let bp = self
            .wallet
            .receive_purse(&self.buyer, &minted.response.buyer_purse, NOW)
            .unwrap();
        (sp, bp)
    }

    /// The bank's decision on a purse request, as if the buyer's letter had checked out.
    pub fn mint(&mut self, body: PurseRequest) -> Result<Minted, BankError> {
        let req = Authenticated {
            nonce: Nonce::random(&mut self.rng),
            sender: self.buyer.id(),
            body,
        };
        self.bank.mint(
            &req,
            &self.buyer_account,
            Amount::new(1_000_000, Currency::USD),
            &self.seller_account,
            NOW,
            &mut self.rng,
        )
    }

    pub fn request(&mut self, price: u64, requires: Option<&str>) -> PaymentRequest {
        PaymentRequest {
            seller: self.seller.id(),
            payment: Nonce::random(&mut self.rng),
            item: "article".into(),
            price: Amount::new(price, Currency::USD),
            requires: requires.map(|r| Assertion::parse(r).unwrap()),
            expires_at: NOW.plus(600),
        }
    }
}
