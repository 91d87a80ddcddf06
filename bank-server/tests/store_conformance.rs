//! The `Store` API on its own (no HTTP), against whichever database the
//! harness selects: a fresh SQLite file, or a fresh PostgreSQL database when
//! HALFPENNY_TEST_POSTGRES is set. Both dialects must behave the same: every
//! change conditional, every refusal leaving every table as it was.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use bank_server::store::schema;
use bank_server::store::schema::Dialect;
use bank_server::store::{Answer, PruneBefore, Pruned, Store, StoreError, StoredRequest, Totals};
use common::database_url;
use halfpenny::bank::{
    AccountRecord, Authenticated, Bank, BankConfig, Minted, PurseRecord, PurseState, Redeemed,
    Role, TokenChange, TokenStatus,
};
use halfpenny::crypto::PrivateIdentity;
use halfpenny::crypto::rustcrypto::RustCrypto;
use halfpenny::ledger::{LedgerAccount, Posting, PostingKind};
use halfpenny::messages::{
    AuthorizationOrder, Denomination, PurseRequest, RedemptionResult, RefundRequest,
    ReturnResponse, SettledBy,
};
use halfpenny::split::TokenShare;
use halfpenny::wallet::Wallet;
use halfpenny::wire::TextForm;
use halfpenny::{
    Amount, Assertion, Attribute, BankId, Currency, Date, KeyId, Nonce, PurseId, SessionSerial,
    Suite, Timestamp, TokenKind, testing,
};
use halfpenny_aws_lc::AwsLcKey;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use rstest::rstest;

const NOW: Timestamp = Timestamp(1_795_478_400);
const USD: Currency = Currency::USD;

fn usd(minor: u64) -> Amount {
    Amount::new(minor, USD)
}

fn aws(der: &[u8]) -> AwsLcKey {
    AwsLcKey::from_pkcs8_der(der).unwrap()
}

/// The core's bank with the published test keys (aws-lc, as the server runs
/// it), minting `suite` tokens.
fn bank(suite: Suite) -> Bank {
    let identity = PrivateIdentity {
        signing: Box::new(aws(testing::BANK_SIGNING)),
        sealing: Box::new(aws(testing::BANK_SEALING)),
    };
    let mut config = BankConfig::new(BankId::new("demo-bank").unwrap());
    config.default_suite = suite;
    Bank::new(
        config,
        identity,
        testing::bank_token_keys(),
        Box::new(halfpenny_aws_lc::AwsLc),
    )
    .unwrap()
}

fn account(id: &PrivateIdentity, role: Role, address: Option<&str>) -> AccountRecord {
    AccountRecord {
        identity: id.public(),
        role,
        address: address.map(str::to_owned),
        attributes: vec![],
    }
}

/// A fresh database (kept alive by the directory) and the store over it.
async fn fresh() -> (Store, String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = database_url(&dir).await;
    let store = Store::connect(&url).await.unwrap();
    (store, url, dir)
}

fn count(counts: &[(String, i64)], table: &str) -> i64 {
    counts
        .iter()
        .find(|(t, _)| t == table)
        .map(|(_, n)| *n)
        .unwrap()
}

/// A store with a buyer (who may carry the `staff` flag) and a seller, and the core to decide with.
struct World {
    store: Store,
    bank: Bank,
    buyer: PrivateIdentity,
    seller: PrivateIdentity,
    buyer_rec: AccountRecord,
    seller_rec: AccountRecord,
    rng: ChaCha20Rng,
    /// The database, for a second store beside this one.
    url: String,
    _dir: tempfile::TempDir,
}

/// Everything a refused request must leave as it was.
#[derive(Debug, PartialEq)]
struct Snapshot {
    rows: Vec<(String, i64)>,
    totals: Totals,
    balances: (i64, i64),
    purse: Option<PurseRecord>,
}

impl World {
    async fn new(seed: u64, suite: Suite) -> World {
        let (store, url, dir) = fresh().await;
        let (buyer, seller) = (testing::buyer_identity(), testing::seller_identity());
        let mut buyer_rec = account(&buyer, Role::Buyer, None);
        let seller_rec = account(&seller, Role::Seller, Some("http://127.0.0.1:9/halfpenny"));
        assert!(store.insert_account(&buyer_rec, NOW).await.unwrap());
        assert!(store.insert_account(&seller_rec, NOW).await.unwrap());
        let staff = Attribute::Flag("staff".into());
        assert!(store.add_attribute(&buyer_rec.id(), &staff).await.unwrap());
        buyer_rec.attributes.push(staff);
        World {
            store,
            bank: bank(suite),
            buyer,
            seller,
            buyer_rec,
            seller_rec,
            rng: ChaCha20Rng::seed_from_u64(seed),
            url,
            _dir: dir,
        }
    }

    fn buyer_account(&self) -> LedgerAccount {
        LedgerAccount::Customer(self.buyer.id())
    }

    fn seller_account(&self) -> LedgerAccount {
        LedgerAccount::Customer(self.seller.id())
    }

    async fn fund(&self, minor: u64, key: &str) -> i64 {
        let p = Posting {
            kind: PostingKind::Funding,
            debit: LedgerAccount::Settlement,
            credit: self.buyer_account(),
            amount: usd(minor),
        };
        self.store
            .operator_posting(key.as_bytes(), &p, NOW)
            .await
            .unwrap()
            .unwrap()
    }

    fn nonce(&mut self) -> Nonce {
        Nonce::random(&mut self.rng)
    }

    /// The core's decision to mint, on the balance the store shows now.
    async fn mint(&mut self, nonce: Nonce, money: &[(u64, u32)], staff: u32) -> Minted {
        let balance = self.store.available(self.buyer.id(), USD).await.unwrap();
        self.mint_on(nonce, money, staff, balance)
    }

    /// The core's decision to mint, on the balance given (a stale view).
    fn mint_on(
        &mut self,
        nonce: Nonce,
        money: &[(u64, u32)],
        staff: u32,
        balance: Amount,
    ) -> Minted {
        let authorizations = if staff > 0 {
            vec![AuthorizationOrder {
                assertion: Assertion::parse("staff").unwrap(),
                count: staff,
            }]
        } else {
            vec![]
        };
        let body = PurseRequest {
            seller: self.seller.id(),
            currency: USD,
            money: Denomination::list(money),
            authorizations,
            suite: None,
        };
        let req = Authenticated {
            nonce,
            sender: self.buyer.id(),
            body,
        };
        self.bank
            .mint(
                &req,
                &self.buyer_rec,
                balance,
                &self.seller_rec,
                NOW,
                &mut self.rng,
            )
            .unwrap()
    }

    /// Mints and stores a purse of money; returns its record.
    async fn purse(&mut self, money: &[(u64, u32)]) -> (Minted, PurseRecord) {
        let nonce = self.nonce();
        let minted = self.mint(nonce, money, 0).await;
        self.store.apply_mint(&minted, "minted", NOW).await.unwrap();
        let record = self.store.purse(&minted.purse.id).await.unwrap().unwrap();
        (minted, record)
    }

    async fn snapshot(&self, purse: PurseId) -> Snapshot {
        Snapshot {
            rows: self.store.row_counts().await.unwrap(),
            totals: self.store.totals().await.unwrap(),
            balances: (
                self.store.balance(self.buyer_account(), USD).await.unwrap(),
                self.store
                    .balance(self.seller_account(), USD)
                    .await
                    .unwrap(),
            ),
            purse: self.store.purse(&purse).await.unwrap(),
        }
    }

    async fn balanced(&self) -> Totals {
        let t = self.store.totals().await.unwrap();
        assert!(t.balanced(), "books out of balance: {t:?}");
        t
    }
}

fn change(purse: PurseId, session: u32, from: TokenStatus, to: TokenStatus) -> TokenChange {
    TokenChange {
        purse,
        session: SessionSerial(session),
        from,
        to,
    }
}

/// A redemption decision as the core would hand it over (the answer itself does not matter to the store).
fn redeemed(nonce: Nonce, changes: Vec<TokenChange>, postings: Vec<Posting>) -> Redeemed {
    Redeemed {
        nonce,
        changes,
        postings,
        result: RedemptionResult {
            credited: vec![],
            lines: vec![],
        },
    }
}

fn statuses(p: &PurseRecord) -> Vec<TokenStatus> {
    p.tokens.values().map(|t| t.status).collect()
}

#[tokio::test]
async fn accounts_attributes_and_row_counts() {
    let (store, _, _dir) = fresh().await;
    let tables = [
        "accounts",
        "attributes",
        "balances",
        "postings",
        "purses",
        "tokens",
        "requests",
        "cases",
        "outbox",
    ];
    let empty = store.row_counts().await.unwrap();
    assert_eq!(
        empty,
        tables
            .iter()
            .map(|t| (t.to_string(), 0))
            .collect::<Vec<_>>()
    );
    let t = store.totals().await.unwrap();
    assert!(t.balanced() && t == Totals::default(), "{t:?}");

    let buyer = account(&testing::buyer_identity(), Role::Buyer, None);
    let seller = account(
        &testing::seller_identity(),
        Role::Seller,
        Some("https://seller.example/halfpenny"),
    );
    assert!(store.insert_account(&buyer, NOW).await.unwrap());
    assert!(
        !store.insert_account(&buyer, NOW).await.unwrap(),
        "the same key twice is no new account"
    );
    let mut as_seller = buyer.clone();
    as_seller.role = Role::Seller;
    assert!(
        !store.insert_account(&as_seller, NOW).await.unwrap(),
        "nor is the same key with another role"
    );
    assert!(store.insert_account(&seller, NOW).await.unwrap());
    assert_eq!(
        store.account(&buyer.id()).await.unwrap(),
        Some(buyer.clone()),
        "the first record stands"
    );
    assert_eq!(
        store.account(&seller.id()).await.unwrap(),
        Some(seller.clone())
    );
    let stranger = testing::other_identity().id();
    assert_eq!(store.account(&stranger).await.unwrap(), None);

    let born = Attribute::DateOfBirth(Date::parse("2000-02-29").unwrap());
    let staff = Attribute::Flag("staff".into());
    assert!(store.add_attribute(&buyer.id(), &born).await.unwrap());
    assert!(store.add_attribute(&buyer.id(), &staff).await.unwrap());
    assert!(
        store.add_attribute(&buyer.id(), &staff).await.unwrap(),
        "recording a fact twice is harmless"
    );
    assert!(
        !store.add_attribute(&stranger, &staff).await.unwrap(),
        "no attributes for unknown accounts"
    );
    let read = store.account(&buyer.id()).await.unwrap().unwrap();
    assert_eq!(read.attributes.len(), 2, "{:?}", read.attributes);
    assert!(
        read.attributes.contains(&born) && read.attributes.contains(&staff),
        "{:?}",
        read.attributes
    );
    assert!(
        store
            .account(&seller.id())
            .await
            .unwrap()
            .unwrap()
            .attributes
            .is_empty()
    );

    let counts = store.row_counts().await.unwrap();
    assert_eq!(
        counts.iter().map(|(t, _)| t.as_str()).collect::<Vec<_>>(),
        tables
    );
    assert_eq!(
        (count(&counts, "accounts"), count(&counts, "attributes")),
        (2, 2)
    );
    assert!(
        tables[2..].iter().all(|t| count(&counts, t) == 0),
        "{counts:?}"
    );
}

#[tokio::test]
async fn operator_postings_are_idempotent_and_guarded() {
    let w = World::new(1, Suite::Rsa2048Sha256).await;
    let (buyer, seller) = (w.buyer_account(), w.seller_account());
    a_key_posts_once_and_is_refused_for_any_other_posting(&w, buyer, seller).await;
    no_withdrawal_goes_below_zero_and_a_refusal_leaves_no_trace(&w, buyer, seller).await;
    the_statement_and_the_books_show_exactly_what_was_posted(&w).await;
}

/// The operator funds `to` with `minor` cents.
fn funding(to: LedgerAccount, minor: u64) -> Posting {
    Posting {
        kind: PostingKind::Funding,
        debit: LedgerAccount::Settlement,
        credit: to,
        amount: usd(minor),
    }
}

/// The operator pays `minor` cents out of `who`'s account.
fn withdrawal(who: LedgerAccount, minor: u64) -> Posting {
    Posting {
        kind: PostingKind::Withdrawal,
        debit: who,
        credit: LedgerAccount::Settlement,
        amount: usd(minor),
    }
}

async fn a_key_posts_once_and_is_refused_for_any_other_posting(
    w: &World,
    buyer: LedgerAccount,
    seller: LedgerAccount,
) {
    let fund = |minor| funding(buyer, minor);
    assert_eq!(
        w.store
            .operator_posting(b"k1", &fund(500), NOW)
            .await
            .unwrap(),
        Ok(500)
    );
    assert_eq!(
        w.store
            .operator_posting(b"k1", &fund(500), NOW)
            .await
            .unwrap(),
        Err(500),
        "the first answer"
    );
    let before = w.store.row_counts().await.unwrap();
    for (what, other) in [
        ("another amount", fund(9)),
        (
            "another account",
            Posting {
                credit: seller,
                ..fund(500)
            },
        ),
        ("another direction", withdrawal(buyer, 500)),
        (
            "another currency",
            Posting {
                amount: halfpenny::Amount::new(500, halfpenny::Currency::new("EUR").unwrap()),
                ..fund(500)
            },
        ),
    ] {
        assert!(
            matches!(
                w.store.operator_posting(b"k1", &other, NOW).await,
                Err(StoreError::IdempotencyKeyReused)
            ),
            "the key reused for {what}"
        );
    }
    assert_eq!(w.store.row_counts().await.unwrap(), before, "nothing moved");
    assert_eq!(
        w.store
            .operator_posting(b"k2", &fund(250), NOW)
            .await
            .unwrap(),
        Ok(750)
    );
    let first: serde_json::Value =
        serde_json::from_str(&w.store.stored_response(b"k1").await.unwrap().unwrap()).unwrap();
    assert_eq!(
        (&first["balance_minor"], &first["request"]["amount_minor"]),
        (&serde_json::json!(500), &serde_json::json!(500)),
        "the first answer is stored with what it answered"
    );
}

/// The guard: no withdrawal below zero, and a refused one leaves no trace, not even its key.
async fn no_withdrawal_goes_below_zero_and_a_refusal_leaves_no_trace(
    w: &World,
    buyer: LedgerAccount,
    seller: LedgerAccount,
) {
    let fund = |minor| funding(buyer, minor);
    let before = w.store.row_counts().await.unwrap();
    assert!(matches!(
        w.store
            .operator_posting(b"w1", &withdrawal(buyer, 1_000), NOW)
            .await,
        Err(StoreError::InsufficientFunds)
    ));
    assert!(
        matches!(
            w.store
                .operator_posting(b"w9", &withdrawal(seller, 1), NOW)
                .await,
            Err(StoreError::InsufficientFunds)
        ),
        "nor from an account never credited"
    );
    let zero = Posting {
        amount: usd(0),
        ..fund(1)
    };
    assert!(
        matches!(
            w.store.operator_posting(b"w8", &zero, NOW).await,
            Err(StoreError::Corrupt(_))
        ),
        "a posting of nothing"
    );
    assert_eq!(
        w.store.row_counts().await.unwrap(),
        before,
        "refusals leave every table as it was"
    );
    for key in [&b"w1"[..], b"w9", b"w8"] {
        assert_eq!(w.store.stored_response(key).await.unwrap(), None);
    }
    assert_eq!(w.store.balance(buyer, USD).await.unwrap(), 750);
    assert_eq!(
        w.store
            .operator_posting(b"w1", &withdrawal(buyer, 750), NOW)
            .await
            .unwrap(),
        Ok(0),
        "the key is free again"
    );
    assert!(matches!(
        w.store
            .operator_posting(b"w2", &withdrawal(buyer, 1), NOW)
            .await,
        Err(StoreError::InsufficientFunds)
    ));
    assert_eq!(w.store.balance(buyer, USD).await.unwrap(), 0);
    assert_eq!(w.store.available(w.buyer.id(), USD).await.unwrap(), usd(0));
}

async fn the_statement_and_the_books_show_exactly_what_was_posted(w: &World) {
    let lines = w.store.statement(w.buyer.id(), USD).await.unwrap();
    let seen: Vec<(&str, i64)> = lines
        .iter()
        .map(|l| (l.kind.as_str(), l.amount_minor))
        .collect();
    assert_eq!(
        seen,
        [("funding", 500), ("funding", 250), ("withdrawal", -750)]
    );
    assert!(
        lines.windows(2).all(|p| p[0].id < p[1].id)
            && lines
                .iter()
                .all(|l| l.purse.is_none() && l.at == NOW.0 as i64)
    );
    assert!(
        w.store
            .statement(w.seller.id(), USD)
            .await
            .unwrap()
            .is_empty()
    );
    let t = w.balanced().await;
    assert_eq!(
        (t.funded["USD"], t.postings, t.sum_of_balances["USD"]),
        (0, 3, 0)
    );
}

#[rstest]
#[tokio::test]
async fn a_minted_purse_round_trips_and_is_stored_once(
    #[values(Suite::Rsa2048Sha256, Suite::Ed25519)] suite: Suite,
) {
    let mut w = World::new(2, suite).await;
    w.fund(1_000, "f1").await;
    let n1 = w.nonce();
    let minted = w.mint(n1, &[(1, 3), (25, 2)], 2).await;
    w.store
        .apply_mint(&minted, "the first answer", NOW)
        .await
        .unwrap();

    // Every field of the record comes back as the core made it.
    let read = w.store.purse(&minted.purse.id).await.unwrap().unwrap();
    assert_eq!(read, minted.purse);
    assert_eq!(
        (read.id, read.buyer, read.seller, read.currency),
        (minted.purse.id, w.buyer.id(), w.seller.id(), USD)
    );
    assert_eq!((read.created_at, read.state), (NOW, PurseState::Open));
    assert!(read.expires_at > NOW);
    assert_eq!(
        read.tokens.keys().map(|s| s.0).collect::<Vec<_>>(),
        (0..7).collect::<Vec<_>>()
    );
    let kinds: Vec<&TokenKind> = read.tokens.values().map(|t| &t.kind).collect();
    assert_eq!(
        kinds.iter().filter(|k| k.value() == Some(usd(1))).count(),
        3
    );
    assert_eq!(
        kinds.iter().filter(|k| k.value() == Some(usd(25))).count(),
        2
    );
    assert_eq!(
        kinds
            .iter()
            .filter(|k| **k == &TokenKind::Authorization(Assertion::parse("staff").unwrap()))
            .count(),
        2
    );
    assert!(
        read.tokens
            .values()
            .all(|t| t.status == TokenStatus::Outstanding)
    );
    assert_eq!(
        w.store
            .stored_response(n1.as_bytes())
            .await
            .unwrap()
            .as_deref(),
        Some("the first answer")
    );
    assert_eq!(w.store.balance(w.buyer_account(), USD).await.unwrap(), 947);
    let t = w.balanced().await;
    assert_eq!(
        (t.outstanding["USD"], t.open_token_value["USD"], t.postings),
        (53, 53, 2)
    );

    // The same request decided again (another purse, the same nonce): refused, nothing stored.
    let before = w.snapshot(minted.purse.id).await;
    let again = w.mint(n1, &[(1, 3), (25, 2)], 2).await;
    assert_ne!(again.purse.id, minted.purse.id);
    assert!(matches!(
        w.store.apply_mint(&again, "a second answer", NOW).await,
        Err(StoreError::Replay)
    ));
    assert_eq!(w.store.purse(&again.purse.id).await.unwrap(), None);
    assert_eq!(w.snapshot(minted.purse.id).await, before);
    assert_eq!(
        w.store
            .stored_response(n1.as_bytes())
            .await
            .unwrap()
            .as_deref(),
        Some("the first answer")
    );

    // Decided on a balance that is no longer there: the guard refuses it, nothing stored.
    let n3 = w.nonce();
    let too_much = w.mint_on(n3, &[(100, 10)], 0, usd(10_000));
    assert!(matches!(
        w.store.apply_mint(&too_much, "x", NOW).await,
        Err(StoreError::InsufficientFunds)
    ));
    assert_eq!(w.snapshot(minted.purse.id).await, before);
    assert_eq!(w.store.stored_response(n3.as_bytes()).await.unwrap(), None);
    assert_eq!(w.store.purse(&too_much.purse.id).await.unwrap(), None);

    // Authorization tokens only: no posting, no money moves.
    let n4 = w.nonce();
    let auth = w.mint(n4, &[], 1).await;
    assert!(auth.posting.is_none());
    w.store.apply_mint(&auth, "auth", NOW).await.unwrap();
    assert_eq!(
        w.store.purse(&auth.purse.id).await.unwrap().as_ref(),
        Some(&auth.purse)
    );
    assert_eq!(w.store.balance(w.buyer_account(), USD).await.unwrap(), 947);

    let unknown = PurseId::random(&mut w.rng);
    assert_eq!(w.store.purse(&unknown).await.unwrap(), None);
    let found = w
        .store
        .purses(vec![
            minted.purse.id,
            unknown,
            auth.purse.id,
            minted.purse.id,
        ])
        .await
        .unwrap();
    assert_eq!(found.keys().copied().collect::<Vec<_>>(), {
        let mut ids = vec![minted.purse.id, auth.purse.id];
        ids.sort();
        ids
    });
    assert_eq!(found[&auth.purse.id], auth.purse);
    let counts = w.store.row_counts().await.unwrap();
    assert_eq!(
        (
            count(&counts, "purses"),
            count(&counts, "tokens"),
            count(&counts, "requests")
        ),
        (2, 8, 3)
    );
    w.balanced().await;
}

#[rstest]
#[tokio::test]
async fn token_moves_are_conditional_and_only_chargebacks_overdraw(
    #[values(Suite::Rsa2048Sha256, Suite::Ed25519)] suite: Suite,
) {
    let mut w = World::new(3, suite).await;
    w.fund(1_000, "f1").await;
    let (_, purse) = w.purse(&[(10, 3)]).await;
    let p = purse.id;
    let (buyer, seller) = (w.buyer_account(), w.seller_account());
    decisions_on_a_stale_view_move_nothing(&mut w, p, seller).await;
    a_decision_on_the_true_state_is_applied_once(&mut w, p, seller).await;
    the_last_token_is_refunded_and_she_takes_her_money_out(&mut w, p, buyer).await;
    only_a_chargeback_may_overdraw_her(&mut w, p, buyer, seller).await;
}

fn pay(kind: PostingKind, debit: LedgerAccount, credit: LedgerAccount, minor: u64) -> Posting {
    Posting {
        kind,
        debit,
        credit,
        amount: usd(minor),
    }
}

/// The seller's credit for tokens of purse `p`.
fn redemption(p: PurseId, seller: LedgerAccount, minor: u64) -> Posting {
    pay(
        PostingKind::Redemption(p),
        LedgerAccount::Outstanding,
        seller,
        minor,
    )
}

/// Decisions made on a stale view: the whole transaction fails, nothing moves, the nonce stays free.
async fn decisions_on_a_stale_view_move_nothing(w: &mut World, p: PurseId, seller: LedgerAccount) {
    use TokenStatus::*;
    let before = w.snapshot(p).await;
    let stale: [Vec<TokenChange>; 3] = [
        vec![change(p, 0, Refunded, ChargedBack)],
        vec![
            change(p, 0, Outstanding, Redeemed),
            change(p, 1, Redeemed, ChargedBack),
        ],
        vec![change(
            PurseId::random(&mut w.rng),
            0,
            Outstanding,
            Redeemed,
        )],
    ];
    for changes in stale {
        let n = w.nonce();
        let decision = redeemed(
            n,
            changes.clone(),
            vec![redemption(p, seller, 10 * changes.len() as u64)],
        );
        assert!(
            matches!(
                w.store.apply_redemption(&decision, "x", NOW).await,
                Err(StoreError::Conflict)
            ),
            "{changes:?}"
        );
        assert_eq!(w.snapshot(p).await, before, "{changes:?}");
        assert_eq!(w.store.stored_response(n.as_bytes()).await.unwrap(), None);
    }
}

/// Decided on the true state: applied, once.
async fn a_decision_on_the_true_state_is_applied_once(
    w: &mut World,
    p: PurseId,
    seller: LedgerAccount,
) {
    use TokenStatus::*;
    let n1 = w.nonce();
    let first = redeemed(
        n1,
        vec![
            change(p, 0, Outstanding, Redeemed),
            change(p, 1, Outstanding, Redeemed),
        ],
        vec![redemption(p, seller, 20)],
    );
    w.store
        .apply_redemption(&first, "credited 20", NOW)
        .await
        .unwrap();
    assert_eq!(
        statuses(&w.store.purse(&p).await.unwrap().unwrap()),
        [Redeemed, Redeemed, Outstanding]
    );
    assert_eq!(w.store.balance(seller, USD).await.unwrap(), 20);
    let t = w.balanced().await;
    assert_eq!((t.outstanding["USD"], t.open_token_value["USD"]), (10, 10));
    // The racing copy (its own nonce, the same view) loses; the same letter again is a replay.
    let after = w.snapshot(p).await;
    let n2 = w.nonce();
    let loser = redeemed(n2, first.changes.clone(), first.postings.clone());
    assert!(matches!(
        w.store.apply_redemption(&loser, "x", NOW).await,
        Err(StoreError::Conflict)
    ));
    assert!(matches!(
        w.store.apply_redemption(&first, "x", NOW).await,
        Err(StoreError::Replay)
    ));
    assert_eq!(w.snapshot(p).await, after);
    assert_eq!(
        w.store
            .stored_response(n1.as_bytes())
            .await
            .unwrap()
            .as_deref(),
        Some("credited 20")
    );
}

/// The last token is refunded to her, and she takes all her money out.
async fn the_last_token_is_refunded_and_she_takes_her_money_out(
    w: &mut World,
    p: PurseId,
    buyer: LedgerAccount,
) {
    use TokenStatus::*;
    let n3 = w.nonce();
    let refund = pay(
        PostingKind::Refund(p),
        LedgerAccount::Outstanding,
        buyer,
        10,
    );
    w.store
        .apply_redemption(
            &redeemed(n3, vec![change(p, 2, Outstanding, Refunded)], vec![refund]),
            "r",
            NOW,
        )
        .await
        .unwrap();
    assert_eq!(w.store.balance(buyer, USD).await.unwrap(), 980);
    let out = pay(
        PostingKind::Withdrawal,
        buyer,
        LedgerAccount::Settlement,
        980,
    );
    assert_eq!(
        w.store.operator_posting(b"w1", &out, NOW).await.unwrap(),
        Ok(0)
    );
}

/// Then the seller proves she had spent it. Any other debit of an empty
/// account is refused, with the token move it came with...
async fn only_a_chargeback_may_overdraw_her(
    w: &mut World,
    p: PurseId,
    buyer: LedgerAccount,
    seller: LedgerAccount,
) {
    use TokenStatus::*;
    let before = w.snapshot(p).await;
    let n4 = w.nonce();
    let not_a_chargeback = pay(PostingKind::Redemption(p), buyer, seller, 10);
    let decision = redeemed(
        n4,
        vec![change(p, 2, Refunded, ChargedBack)],
        vec![not_a_chargeback],
    );
    assert!(matches!(
        w.store.apply_redemption(&decision, "x", NOW).await,
        Err(StoreError::InsufficientFunds)
    ));
    assert_eq!(w.snapshot(p).await, before, "the token did not move either");
    assert_eq!(w.store.stored_response(n4.as_bytes()).await.unwrap(), None);
    // ...but a chargeback may take her below zero.
    let chargeback = pay(PostingKind::Chargeback(p), buyer, seller, 10);
    let decision = redeemed(
        n4,
        vec![change(p, 2, Refunded, ChargedBack)],
        vec![chargeback],
    );
    w.store
        .apply_redemption(&decision, "charged back", NOW)
        .await
        .unwrap();
    assert_eq!(
        statuses(&w.store.purse(&p).await.unwrap().unwrap()),
        [Redeemed, Redeemed, ChargedBack]
    );
    assert_eq!(
        (
            w.store.balance(buyer, USD).await.unwrap(),
            w.store.balance(seller, USD).await.unwrap()
        ),
        (-10, 30)
    );
    assert_eq!(
        w.store.available(w.buyer.id(), USD).await.unwrap(),
        usd(0),
        "an overdrawn account has nothing to spend"
    );
    let t = w.balanced().await;
    assert_eq!(
        (
            t.outstanding["USD"],
            t.funded["USD"],
            t.sum_of_balances["USD"]
        ),
        (0, 20, 0)
    );
    assert!(!t.open_token_value.contains_key("USD"));
    let kinds: Vec<String> = w
        .store
        .statement(w.buyer.id(), USD)
        .await
        .unwrap()
        .into_iter()
        .map(|l| l.kind)
        .collect();
    assert_eq!(
        kinds,
        ["funding", "mint", "refund", "withdrawal", "chargeback"]
    );
}

#[rstest]
#[tokio::test]
async fn refund_cases_settle_once_and_letters_queue_in_order(
    #[values(Suite::Rsa2048Sha256, Suite::Ed25519)] suite: Suite,
) {
    let mut w = World::new(4, suite).await;
    let h = her_purse_with_its_first_token_redeemed(&mut w).await;
    let (opened, case, refunding) = a_case_opens_with_every_field_stored(&mut w, &h).await;
    a_second_case_on_the_old_purse_is_refused(&mut w, &h, &opened).await;
    the_case_is_due_only_from_its_deadline(&w, &case).await;
    the_seller_is_asked_and_she_is_not(&w, &opened).await;
    let settled = the_deadline_settles_it_without_him(&mut w, h.p, &case, &refunding).await;
    it_settles_once_and_his_late_answer_is_refused(&mut w, h.p, &case, &refunding, &settled).await;
    both_are_told_each_letter_in_order(&w, &settled).await;
}

/// Her purse (4 x 5c, the first token redeemed by the seller) and all her
/// halves of it.
struct Her {
    p: PurseId,
    open_purse: PurseRecord,
    halves: Vec<TokenShare>,
    her: KeyId,
}

impl Her {
    /// Her letter asking for all her halves back.
    fn ask(&self, nonce: Nonce) -> Authenticated<RefundRequest> {
        Authenticated {
            nonce,
            sender: self.her,
            body: RefundRequest {
                purse: self.p,
                halves: self.halves.clone(),
            },
        }
    }
}

async fn her_purse_with_its_first_token_redeemed(w: &mut World) -> Her {
    w.fund(1_000, "f1").await;
    let (minted, open_purse) = w.purse(&[(5, 4)]).await;
    let p = open_purse.id;
    // The seller was paid for the first token before she asked for her money back.
    let seller_paid = Posting {
        kind: PostingKind::Redemption(p),
        debit: LedgerAccount::Outstanding,
        credit: w.seller_account(),
        amount: usd(5),
    };
    let n = w.nonce();
    let first = redeemed(
        n,
        vec![change(
            p,
            0,
            TokenStatus::Outstanding,
            TokenStatus::Redeemed,
        )],
        vec![seller_paid],
    );
    w.store.apply_redemption(&first, "r", NOW).await.unwrap();
    let open_purse = w.store.purse(&p).await.unwrap().unwrap();

    // Her halves, from her own purse.
    let wallet = Wallet::new(w.bank.public(), &RustCrypto).unwrap();
    let bp = wallet
        .receive_purse(&w.buyer, &minted.response.buyer_purse, NOW)
        .unwrap();
    let halves: Vec<TokenShare> = bp.shares(|_| true);
    assert_eq!(halves.len(), 4);
    let her = w.buyer.id();
    Her {
        p,
        open_purse,
        halves,
        her,
    }
}

/// Her case opens: every field of it is stored, and the purse is refunding.
async fn a_case_opens_with_every_field_stored(
    w: &mut World,
    h: &Her,
) -> (
    halfpenny::bank::RefundOpened,
    halfpenny::bank::RefundCase,
    PurseRecord,
) {
    let Her {
        open_purse, halves, ..
    } = h;
    let p = h.p;
    let ask = |nonce| h.ask(nonce);
    let n1 = w.nonce();
    let opened = w
        .bank
        .open_refund(
            &ask(n1),
            &w.buyer_rec,
            open_purse,
            &w.seller_rec,
            NOW,
            &mut w.rng,
        )
        .unwrap();
    w.store
        .apply_refund_opened(&opened, "opened", NOW)
        .await
        .unwrap();
    let case = w.store.case(&opened.case.id).await.unwrap().unwrap();
    assert_eq!(
        case, opened.case,
        "every field of the case, her halves included"
    );
    assert_eq!(case.buyer_halves, *halves);
    let refunding = w.store.purse(&p).await.unwrap().unwrap();
    assert_eq!(refunding.state, PurseState::Refunding(case.id));
    assert_eq!(
        w.store
            .case(&halfpenny::CaseId::random(&mut w.rng))
            .await
            .unwrap(),
        None
    );
    (opened, case, refunding)
}

/// A second case decided on the purse as it was: refused; the same letter again: a replay.
async fn a_second_case_on_the_old_purse_is_refused(
    w: &mut World,
    h: &Her,
    opened: &halfpenny::bank::RefundOpened,
) {
    let (p, open_purse) = (h.p, &h.open_purse);
    let ask = |nonce| h.ask(nonce);
    let before = w.snapshot(p).await;
    let n2 = w.nonce();
    let stale = w
        .bank
        .open_refund(
            &ask(n2),
            &w.buyer_rec,
            open_purse,
            &w.seller_rec,
            NOW,
            &mut w.rng,
        )
        .unwrap();
    assert!(matches!(
        w.store.apply_refund_opened(&stale, "x", NOW).await,
        Err(StoreError::Conflict)
    ));
    assert!(matches!(
        w.store.apply_refund_opened(opened, "x", NOW).await,
        Err(StoreError::Replay)
    ));
    assert_eq!(w.snapshot(p).await, before);
    assert_eq!(w.store.stored_response(n2.as_bytes()).await.unwrap(), None);
}

/// Due only from its deadline on.
async fn the_case_is_due_only_from_its_deadline(w: &World, case: &halfpenny::bank::RefundCase) {
    assert!(w.store.due_cases(NOW).await.unwrap().is_empty());
    assert!(
        w.store
            .due_cases(Timestamp(case.deadline.0 - 1))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        w.store.due_cases(case.deadline).await.unwrap(),
        vec![case.clone()]
    );
}

/// The seller was asked: one letter in his inbox, none in hers.
async fn the_seller_is_asked_and_she_is_not(w: &World, opened: &halfpenny::bank::RefundOpened) {
    let seller_inbox = w.store.inbox(w.seller.id(), 0).await.unwrap();
    assert_eq!(seller_inbox.len(), 1);
    assert_eq!(
        (seller_inbox[0].kind.as_str(), &seller_inbox[0].letter),
        ("return_request", &opened.return_request.to_text())
    );
    assert!(w.store.inbox(w.buyer.id(), 0).await.unwrap().is_empty());
}

/// The deadline passes: settled without him. Her three unspent halves come back.
async fn the_deadline_settles_it_without_him(
    w: &mut World,
    p: PurseId,
    case: &halfpenny::bank::RefundCase,
    refunding: &PurseRecord,
) -> halfpenny::bank::Settlement {
    let at = case.deadline;
    let settled = w
        .bank
        .settle_after_deadline(case, refunding, &w.buyer_rec, &w.seller_rec, at, &mut w.rng)
        .unwrap();
    w.store
        .apply_settlement(&settled, "settled", at)
        .await
        .unwrap();
    let closed = w.store.purse(&p).await.unwrap().unwrap();
    assert_eq!(closed.state, PurseState::Closed);
    use TokenStatus::*;
    assert_eq!(statuses(&closed), [Redeemed, Refunded, Refunded, Refunded]);
    assert_eq!(
        w.store.case(&case.id).await.unwrap().unwrap().settled,
        Some(SettledBy::Deadline)
    );
    assert!(w.store.due_cases(at).await.unwrap().is_empty());
    assert_eq!(
        w.store.balance(w.buyer_account(), USD).await.unwrap(),
        1_000 - 20 + 15
    );
    assert_eq!(w.store.balance(w.seller_account(), USD).await.unwrap(), 5);
    let t = w.balanced().await;
    assert_eq!((t.outstanding["USD"], t.funded["USD"]), (0, 1_000));
    settled
}

/// Settled once: the same settlement again is a replay; the seller's late
/// answer, decided on the open case, is refused; nothing changes.
async fn it_settles_once_and_his_late_answer_is_refused(
    w: &mut World,
    p: PurseId,
    case: &halfpenny::bank::RefundCase,
    refunding: &PurseRecord,
    settled: &halfpenny::bank::Settlement,
) {
    let at = case.deadline;
    let after = w.snapshot(p).await;
    assert!(matches!(
        w.store.apply_settlement(settled, "x", at).await,
        Err(StoreError::Replay)
    ));
    let n3 = w.nonce();
    let late = Authenticated {
        nonce: n3,
        sender: w.seller.id(),
        body: ReturnResponse {
            case: case.id,
            purse: p,
            spent: vec![],
            unspent: vec![],
        },
    };
    let late = w
        .bank
        .settle_with_return(
            &late,
            case,
            refunding,
            &w.buyer_rec,
            &w.seller_rec,
            at,
            &mut w.rng,
        )
        .unwrap();
    assert!(matches!(
        w.store.apply_settlement(&late, "x", at).await,
        Err(StoreError::Conflict)
    ));
    assert_eq!(w.snapshot(p).await, after);
    assert_eq!(w.store.stored_response(n3.as_bytes()).await.unwrap(), None);
}

/// Both were told, each letter in order after the ones before.
async fn both_are_told_each_letter_in_order(w: &World, settled: &halfpenny::bank::Settlement) {
    let seller_inbox = w.store.inbox(w.seller.id(), 0).await.unwrap();
    let kinds: Vec<&str> = seller_inbox.iter().map(|l| l.kind.as_str()).collect();
    assert_eq!(kinds, ["return_request", "refund_result"]);
    assert!(seller_inbox[0].id < seller_inbox[1].id);
    assert_eq!(seller_inbox[1].letter, settled.to_seller.to_text());
    assert_eq!(
        w.store
            .inbox(w.seller.id(), seller_inbox[0].id)
            .await
            .unwrap(),
        seller_inbox[1..].to_vec()
    );
    assert!(
        w.store
            .inbox(w.seller.id(), seller_inbox[1].id)
            .await
            .unwrap()
            .is_empty()
    );
    let buyer_inbox = w.store.inbox(w.buyer.id(), 0).await.unwrap();
    assert_eq!(buyer_inbox.len(), 1);
    assert_eq!(
        (buyer_inbox[0].kind.as_str(), &buyer_inbox[0].letter),
        ("refund_result", &settled.to_buyer.to_text())
    );
    assert!(buyer_inbox[0].id > seller_inbox[0].id);
    let counts = w.store.row_counts().await.unwrap();
    assert_eq!((count(&counts, "cases"), count(&counts, "outbox")), (1, 3));
}

#[rstest]
#[tokio::test]
async fn inbox_pages_oldest_first_a_hundred_at_a_time(
    #[values(Suite::Rsa2048Sha256, Suite::Ed25519)] suite: Suite,
) {
    // 101 refund cases against one seller: one return request each. Her
    // halves are only stored with a case, so one purse's halves serve all.
    let mut w = World::new(5, suite).await;
    w.fund(1_000, "f1").await;
    let (minted, _) = w.purse(&[(1, 1)]).await;
    let wallet = Wallet::new(w.bank.public(), &RustCrypto).unwrap();
    let bp = wallet
        .receive_purse(&w.buyer, &minted.response.buyer_purse, NOW)
        .unwrap();
    let items: Vec<TokenShare> = bp.shares(|_| true);
    let mut expected = Vec::new();
    for _ in 0..101 {
        let (_, purse) = w.purse(&[(1, 1)]).await;
        let n = w.nonce();
        let ask = Authenticated {
            nonce: n,
            sender: w.buyer.id(),
            body: RefundRequest {
                purse: purse.id,
                halves: items.clone(),
            },
        };
        let opened = w
            .bank
            .open_refund(&ask, &w.buyer_rec, &purse, &w.seller_rec, NOW, &mut w.rng)
            .unwrap();
        w.store
            .apply_refund_opened(&opened, "opened", NOW)
            .await
            .unwrap();
        expected.push(opened.return_request.to_text());
    }
    let page = w.store.inbox(w.seller.id(), 0).await.unwrap();
    assert_eq!(page.len(), 100, "a hundred at a time");
    assert!(page.windows(2).all(|p| p[0].id < p[1].id));
    let rest = w.store.inbox(w.seller.id(), page[99].id).await.unwrap();
    assert_eq!(rest.len(), 1);
    let all: Vec<String> = page.iter().chain(&rest).map(|l| l.letter.clone()).collect();
    assert_eq!(all, expected, "oldest first");
    assert_eq!(
        w.store.inbox(w.seller.id(), page[49].id).await.unwrap()[0],
        page[50],
        "after a given letter"
    );
    assert!(
        w.store
            .inbox(w.seller.id(), rest[0].id)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        w.store.inbox(w.buyer.id(), 0).await.unwrap().is_empty(),
        "nobody else's letters"
    );
    assert!(w.store.inbox(KeyId([7; 32]), 0).await.unwrap().is_empty());
}

#[tokio::test]
async fn connecting_again_migrates_nothing_and_keeps_everything() {
    let (store, url, _dir) = fresh().await;
    let expected = if url.starts_with("sqlite:") {
        Dialect::Sqlite
    } else {
        Dialect::Postgres
    };
    assert_eq!(
        (store.dialect(), Dialect::of_url(&url)),
        (expected, Some(expected))
    );
    let buyer = account(&testing::buyer_identity(), Role::Buyer, None);
    assert!(store.insert_account(&buyer, NOW).await.unwrap());
    let again = Store::connect(&url).await.unwrap();
    assert_eq!(
        again.account(&buyer.id()).await.unwrap(),
        Some(buyer.clone())
    );
    assert_eq!(
        again.row_counts().await.unwrap(),
        store.row_counts().await.unwrap()
    );
    assert!(
        !again.insert_account(&buyer, NOW).await.unwrap(),
        "one database behind both"
    );

    assert!(matches!(
        Store::connect("mysql://127.0.0.1/bank").await,
        Err(StoreError::UnknownDatabase)
    ));
    assert_eq!(
        Dialect::of_url("postgresql://h/db"),
        Some(Dialect::Postgres)
    );
    assert_eq!(
        Dialect::Sqlite.sql("a = $1 AND b = $2"),
        "a = ?1 AND b = ?2"
    );
    assert_eq!(Dialect::Postgres.sql("a = $1"), "a = $1");
}

#[tokio::test]
async fn a_first_answer_is_kept_with_its_letters_digest_and_given_only_to_that_letter() {
    let mut w = World::new(7, Suite::Ed25519).await;
    w.fund(100, "f1").await;
    let n = w.nonce();
    let minted = w.mint(n, &[(1, 2)], 0).await;
    let digest = [0x5a; 32];
    w.store
        .apply_mint(&minted, Answer::to_letter("first", &digest), NOW)
        .await
        .unwrap();
    assert_eq!(
        w.store.stored_request(n.as_bytes()).await.unwrap(),
        Some(StoredRequest {
            response: "first".into(),
            letter_digest: Some(digest.to_vec()),
        })
    );
    assert_eq!(
        w.store.first_answer(n.as_bytes(), &digest).await.unwrap(),
        Some("first".into())
    );
    let mut other = digest;
    other[31] ^= 1;
    assert!(matches!(
        w.store.first_answer(n.as_bytes(), &other).await,
        Err(StoreError::NonceReused)
    ));
    let fresh = w.nonce();
    assert_eq!(
        w.store
            .first_answer(fresh.as_bytes(), &digest)
            .await
            .unwrap(),
        None
    );
    // An operator's record has no letter: no letter's retry gets its answer.
    assert_eq!(
        w.store
            .stored_request(b"f1")
            .await
            .unwrap()
            .map(|r| r.letter_digest),
        Some(None)
    );
    assert!(matches!(
        w.store.first_answer(b"f1", &digest).await,
        Err(StoreError::NonceReused)
    ));
}

#[tokio::test]
async fn a_request_stored_before_digests_were_kept_answers_no_letter() {
    // A database as version 1 of the schema left it, with one answered request.
    let dir = tempfile::tempdir().unwrap();
    let url = database_url(&dir).await;
    let dialect = Dialect::of_url(&url).unwrap();
    sqlx::any::install_default_drivers();
    let url_rwc = if dialect == Dialect::Sqlite {
        format!("{url}?mode=rwc")
    } else {
        url.clone()
    };
    {
        let pool = sqlx::AnyPool::connect(&url_rwc).await.unwrap();
        sqlx::raw_sql("CREATE TABLE IF NOT EXISTS bank_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)")
            .execute(&pool)
            .await
            .unwrap();
        let (version, ddl) = schema::MIGRATIONS[0];
        assert_eq!(version, 1);
        for statement in schema::statements(dialect, ddl) {
            sqlx::raw_sql(sqlx::AssertSqlSafe(statement))
                .execute(&pool)
                .await
                .unwrap();
        }
        sqlx::raw_sql("INSERT INTO bank_migrations (version, applied_at) VALUES (1, 0)")
            .execute(&pool)
            .await
            .unwrap();
        sqlx::query(sqlx::AssertSqlSafe(dialect.sql(
            "INSERT INTO requests (nonce, kind, response, created_at) VALUES ($1, 'mint', 'old answer', 0)",
        )))
        .bind(vec![9u8; 16])
        .execute(&pool)
        .await
        .unwrap();
        pool.close().await;
    }
    // The store migrates it: the old row is kept, with no digest.
    let store = Store::connect(&url).await.unwrap();
    assert_eq!(
        store.stored_request(&[9; 16]).await.unwrap(),
        Some(StoredRequest {
            response: "old answer".into(),
            letter_digest: None,
        })
    );
    assert!(matches!(
        store.first_answer(&[9; 16], &[0; 32]).await,
        Err(StoreError::NonceReused)
    ));
}

/// The rows but `requests` and `outbox`, the books, both balances and the purses.
type Untouched = (
    Vec<(String, i64)>,
    Totals,
    (i64, i64),
    Vec<Option<PurseRecord>>,
);

/// Every table but the two that pruning may shrink, with the books and
/// both purses: what pruning must leave exactly as it was.
async fn untouched(w: &World, purses: &[PurseId]) -> Untouched {
    let mut rows = w.store.row_counts().await.unwrap();
    rows.retain(|(t, _)| t != "requests" && t != "outbox");
    let mut records = Vec::new();
    for p in purses {
        records.push(w.store.purse(p).await.unwrap());
    }
    let s = w.snapshot(purses[0]).await;
    (rows, s.totals, s.balances, records)
}

/// The retention rule in the store: first answers to letters and deadline
/// records older than their cutoff are deleted, younger ones and operator
/// keys kept; refund results by age; a return request by age and only once
/// its case has settled. Exact counts, batch by batch, from two stores at
/// once; nothing that moves money changes, and nothing can happen twice.
#[tokio::test]
async fn pruning_deletes_exactly_what_is_older_than_the_rule() {
    let mut w = World::new(8, Suite::Ed25519).await;
    let h = a_history_of_every_kind_of_row(&mut w).await;
    let (counts, kept) = the_rows_and_the_books_before_pruning(&w, &h).await;
    nothing_is_older_than_the_earliest_cutoffs(&w, &counts).await;
    later_cutoffs_take_exactly_the_old_rows(&w, &h, &kept).await;
    two_stores_at_once_take_everything_old_once(&w, &h, &kept).await;
    what_was_pruned_still_cannot_happen_twice(&w, &h, &kept).await;
}

/// What the history wrote: the three purses, their mints' nonces, the
/// redemption's, the three refunds opened, case A's deadline and its
/// settlement.
struct History {
    purses: [PurseId; 3],
    mints: [Nonce; 3],
    n_redeem: Nonce,
    opened: Vec<(Nonce, halfpenny::bank::RefundOpened)>,
    at: Timestamp,
    settled: halfpenny::bank::Settlement,
}

/// An operator key, three mints, a redemption, three refunds (settled at
/// the deadline, left open, settled by the seller's answer) and an address
/// change.
async fn a_history_of_every_kind_of_row(w: &mut World) -> History {
    w.fund(1_000, "f1").await; // an operator key, at NOW
    let (minted_a, _) = w.purse(&[(5, 2)]).await; // a first answer at NOW
    let (minted_b, _) = w.purse(&[(5, 1)]).await; // another at NOW
    let (minted_c, _) = w.purse(&[(5, 1)]).await; // a third at NOW
    let (a, b, c) = (minted_a.purse.id, minted_b.purse.id, minted_c.purse.id);
    let n_redeem = a_redemption_at_now_plus_10(w, a).await;
    let opened = her_three_refunds(w, [&minted_a, &minted_b, &minted_c]).await;
    let (at, settled) = a_settled_at_its_deadline_c_by_his_answer(w, &opened, a, c).await;
    his_address_change_at_now_plus_40(w).await;
    History {
        purses: [a, b, c],
        mints: [minted_a.nonce, minted_b.nonce, minted_c.nonce],
        n_redeem,
        opened,
        at,
        settled,
    }
}

/// A redemption of purse A's first token at NOW + 10; returns its nonce.
async fn a_redemption_at_now_plus_10(w: &mut World, a: PurseId) -> Nonce {
    let n_redeem = w.nonce();
    let paid = Posting {
        kind: PostingKind::Redemption(a),
        debit: LedgerAccount::Outstanding,
        credit: w.seller_account(),
        amount: usd(5),
    };
    let r = redeemed(
        n_redeem,
        vec![change(
            a,
            0,
            TokenStatus::Outstanding,
            TokenStatus::Redeemed,
        )],
        vec![paid],
    );
    w.store
        .apply_redemption(&r, Answer::to_letter("r", &[1; 32]), NOW.plus(10))
        .await
        .unwrap();
    n_redeem
}

/// Her refund of purse A at NOW + 20, of purse B at NOW + 30, of purse C at
/// NOW + 50; returns each letter's nonce and the case opened.
async fn her_three_refunds(
    w: &mut World,
    [minted_a, minted_b, minted_c]: [&Minted; 3],
) -> Vec<(Nonce, halfpenny::bank::RefundOpened)> {
    let wallet = Wallet::new(w.bank.public(), &RustCrypto).unwrap();
    let mut opened = Vec::new();
    for (minted, at) in [
        (minted_a, NOW.plus(20)),
        (minted_b, NOW.plus(30)),
        (minted_c, NOW.plus(50)),
    ] {
        let bp = wallet
            .receive_purse(&w.buyer, &minted.response.buyer_purse, NOW)
            .unwrap();
        let purse = w.store.purse(&minted.purse.id).await.unwrap().unwrap();
        let n = w.nonce();
        let ask = Authenticated {
            nonce: n,
            sender: w.buyer.id(),
            body: RefundRequest {
                purse: purse.id,
                halves: bp.shares(|_| true),
            },
        };
        let o = w
            .bank
            .open_refund(&ask, &w.buyer_rec, &purse, &w.seller_rec, at, &mut w.rng)
            .unwrap();
        w.store
            .apply_refund_opened(&o, Answer::to_letter("opened", &[2; 32]), at)
            .await
            .unwrap();
        opened.push((n, o));
    }
    opened
}

/// Case A settled at its deadline; case C settled by the seller's answer at
/// NOW + 60 (case B is left open). Returns A's deadline and settlement.
async fn a_settled_at_its_deadline_c_by_his_answer(
    w: &mut World,
    opened: &[(Nonce, halfpenny::bank::RefundOpened)],
    a: PurseId,
    c: PurseId,
) -> (Timestamp, halfpenny::bank::Settlement) {
    let case_a = opened[0].1.case.clone();
    let at = case_a.deadline;
    let refunding = w.store.purse(&a).await.unwrap().unwrap();
    let settled = w
        .bank
        .settle_after_deadline(
            &case_a,
            &refunding,
            &w.buyer_rec,
            &w.seller_rec,
            at,
            &mut w.rng,
        )
        .unwrap();
    w.store
        .apply_settlement(&settled, "settled", at)
        .await
        .unwrap();

    let case_c = opened[2].1.case.clone();
    let n_return = w.nonce();
    let handed_in = Authenticated {
        nonce: n_return,
        sender: w.seller.id(),
        body: ReturnResponse {
            case: case_c.id,
            purse: c,
            spent: vec![],
            unspent: vec![],
        },
    };
    let refunding_c = w.store.purse(&c).await.unwrap().unwrap();
    let returned = w
        .bank
        .settle_with_return(
            &handed_in,
            &case_c,
            &refunding_c,
            &w.buyer_rec,
            &w.seller_rec,
            NOW.plus(60),
            &mut w.rng,
        )
        .unwrap();
    w.store
        .apply_settlement(
            &returned,
            Answer::to_letter("returned", &[4; 32]),
            NOW.plus(60),
        )
        .await
        .unwrap();
    (at, settled)
}

/// His address change at NOW + 40.
async fn his_address_change_at_now_plus_40(w: &mut World) {
    let n_address = w.nonce();
    w.store
        .apply_address_change(
            &w.seller.id(),
            Some("http://127.0.0.1:9/new"),
            n_address.as_bytes(),
            Answer::to_letter("moved", &[3; 32]),
            NOW.plus(40),
        )
        .await
        .unwrap();
}

async fn the_rows_and_the_books_before_pruning(
    w: &World,
    h: &History,
) -> (Vec<(String, i64)>, Untouched) {
    let [a, b, c] = h.purses;
    let counts = w.store.row_counts().await.unwrap();
    assert_eq!(
        (count(&counts, "requests"), count(&counts, "outbox")),
        (11, 7),
        "f1, 3 mints, a redemption, 3 refunds, a return, a deadline, an address; 3 return requests, 4 results"
    );
    let kept = untouched(w, &[a, b, c]).await;
    let t = w.balanced().await;
    assert_eq!(
        (
            w.store.balance(w.buyer_account(), USD).await.unwrap(),
            w.store.balance(w.seller_account(), USD).await.unwrap()
        ),
        (1_000 - 20 + 5 + 5, 5)
    );
    assert_eq!(t.funded["USD"], 1_000);
    (counts, kept)
}

/// Nothing is strictly older than these cutoffs: nothing goes.
async fn nothing_is_older_than_the_earliest_cutoffs(w: &World, counts: &[(String, i64)]) {
    let none = PruneBefore {
        answers: NOW,
        purse_answers: NOW,
        results: NOW.plus(60),
        return_requests: NOW.plus(20),
    };
    assert_eq!(
        w.store.prune_in_batches(&none, 2).await.unwrap(),
        Pruned::default()
    );
    assert_eq!(w.store.row_counts().await.unwrap(), counts);
}

/// Later cutoffs: the three mints and the redemption (in batches of
/// two), all four results, and the return request of case A, settled.
/// The operator's key written at NOW stays; so does the open case's
/// return request, old as it is, and case C's, younger than its cutoff.
async fn later_cutoffs_take_exactly_the_old_rows(w: &World, h: &History, kept: &Untouched) {
    let History {
        purses: [a, b, c],
        mints: [mint_a, mint_b, mint_c],
        n_redeem,
        ref opened,
        at,
        ..
    } = *h;
    let some = PruneBefore {
        answers: NOW.plus(20),
        purse_answers: NOW.plus(20),
        results: at.plus(1),
        return_requests: NOW.plus(31),
    };
    assert_eq!(
        w.store.prune_in_batches(&some, 2).await.unwrap(),
        Pruned {
            answers: 4,
            results: 4,
            return_requests: 1,
        }
    );
    for gone in [mint_a, mint_b, mint_c, n_redeem] {
        assert_eq!(w.store.stored_request(gone.as_bytes()).await.unwrap(), None);
    }
    assert_eq!(
        w.store
            .stored_response(opened[0].0.as_bytes())
            .await
            .unwrap(),
        Some("opened".into())
    );
    let seller_inbox = w.store.inbox(w.seller.id(), 0).await.unwrap();
    assert_eq!(
        seller_inbox
            .iter()
            .map(|l| (l.kind.as_str(), l.letter.clone()))
            .collect::<Vec<_>>(),
        [
            ("return_request", opened[1].1.return_request.to_text()),
            ("return_request", opened[2].1.return_request.to_text())
        ],
        "the open case's request waits for him"
    );
    assert!(w.store.inbox(w.buyer.id(), 0).await.unwrap().is_empty());
    assert_eq!(untouched(w, &[a, b, c]).await, *kept);
}

/// Everything old, from two stores at once, one row per batch: every
/// remaining first answer (three refunds, the return, the address) and
/// the deadline record go, and case C's return request; each once.
async fn two_stores_at_once_take_everything_old_once(w: &World, h: &History, kept: &Untouched) {
    let [a, b, c] = h.purses;
    let at = h.at;
    let far = PruneBefore {
        answers: at.plus(400 * 86_400),
        purse_answers: at.plus(400 * 86_400),
        results: at.plus(400 * 86_400),
        return_requests: at.plus(400 * 86_400),
    };
    let other = Store::connect(&w.url).await.unwrap();
    let (one, two) = tokio::join!(
        w.store.prune_in_batches(&far, 1),
        other.prune_in_batches(&far, 1)
    );
    let (one, two) = (one.unwrap(), two.unwrap());
    assert_eq!(
        (
            one.answers + two.answers,
            one.results + two.results,
            one.return_requests + two.return_requests
        ),
        (6, 0, 1)
    );
    let counts = w.store.row_counts().await.unwrap();
    assert_eq!(
        (count(&counts, "requests"), count(&counts, "outbox")),
        (1, 1),
        "the operator's key, and the open case's return request"
    );
    assert_eq!(
        w.store.prune(&far).await.unwrap(),
        Pruned::default(),
        "again: nothing"
    );
    assert_eq!(untouched(w, &[a, b, c]).await, *kept);
    w.balanced().await;
}

/// The operator's key still answers its retry with the first balance, and
/// the case settles once even with its deadline record gone.
async fn what_was_pruned_still_cannot_happen_twice(w: &World, h: &History, kept: &Untouched) {
    let [a, b, c] = h.purses;
    let History {
        at, ref settled, ..
    } = *h;
    let again = Posting {
        kind: PostingKind::Funding,
        debit: LedgerAccount::Settlement,
        credit: w.buyer_account(),
        amount: usd(1_000),
    };
    assert_eq!(
        w.store
            .operator_posting(b"f1", &again, at.plus(400 * 86_400))
            .await
            .unwrap(),
        Err(1_000)
    );
    // The case settles once even with its deadline record gone.
    assert!(matches!(
        w.store.apply_settlement(settled, "x", at).await,
        Err(StoreError::Conflict)
    ));
    assert_eq!(untouched(w, &[a, b, c]).await, *kept);
}
