//! The proof that the seller never learns who the buyer is.
//!
//! A real bank and two real shop servers on 127.0.0.1, each behind a
//! recording proxy (the buyer's calls and the bank's notices go through
//! it), each calling the bank through another (every answer the shop gets
//! from the bank), and the buyers' own calls to the bank through a third.
//! Two buyers, driven by the real wallet keeper, go through every flow: a
//! purse bought through the seller, payments, a proof of age, redemption,
//! a refund the seller is asked about, and one settled at the deadline
//! without him. Then everything the sellers received and answered over
//! HTTP, and every cell of every row of their SQLite files, is searched for
//! the buyers' identifiers in every text form (see `recorder.rs`), with
//! the letters each seller can open opened; the values each seller sees of
//! one buyer's purses are compared for shared 16-byte windows; and the
//! table in README.md ("what each party sees") is rebuilt from the same
//! recordings and compared.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
#[path = "common/recorder.rs"]
mod recorder;

use std::collections::{BTreeSet, HashMap};
use std::ops::Range;

use common::*;
use halfpenny::crypto::seal::{self, SealedBox};
use halfpenny::crypto::{DecryptionKey, PublicIdentity};
use halfpenny::letter::{LetterKind, SignedLetter};
use halfpenny::messages::{
    AuthorizationOrder, ForwardedPurseRequest, MintResponse, Payment, PaymentRequest, Receipt,
    SettledBy,
};
use halfpenny::wire::{Decode, Encode, TextForm};
use halfpenny::{Assertion, KeyId, Suite, Timestamp, testing};
use halfpenny_aws_lc::AwsLcKey;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use recorder::*;
use serde_json::json;

/// How far the clocks move for the deadline: past the 72-hour window.
const PAST_DEADLINE: u64 = 72 * 3600 + 120;
const DATE_OF_BIRTH: &str = "1990-04-01";

const STEPS: &[&str] = &[
    "buy a purse",
    "pay",
    "prove an assertion",
    "redemption",
    "refund (seller asked)",
    "deadline settlement",
];

/// A shop behind its two recording proxies: `front` (buyers, the bank's
/// notices and the seller's own desk reach the shop through it; the shop
/// is registered at the bank with its address) and `back` (the shop's
/// calls to the bank).
struct Recorded {
    shop: Shop,
    front: Proxy,
    _back: Proxy,
}

async fn recorded_shop(
    bank: &Bank,
    data: std::path::PathBuf,
    hops: (&'static str, &'static str),
    log: &Log,
) -> Recorded {
    let mut front = Proxy::bind().await;
    let back = Proxy::started(hops.1, &bank.url, log).await;
    let mut o = ShopOptions::new(data);
    o.bank_url = Some(back.url.clone());
    o.notice_address = Some(format!("{}/shop/v1/bank-notices", front.url));
    let mut shop = Shop::start_with(bank, o).await;
    front.start(hops.0, &shop.url, log);
    shop.url = front.url.clone();
    Recorded {
        shop,
        front,
        _back: back,
    }
}

/// A buyer with the given keys, registered at the bank through `via`.
async fn buyer(bank: &Bank, via: &Proxy, keys: (&[u8], &[u8]), seed: u64) -> Buyer {
    let (buyer, (status, reply)) = Buyer::with_keys(bank, &via.url, keys, seed).await;
    assert_eq!(status, 201, "{reply}");
    buyer
}

/// Her refund result, read from her inbox at the bank (the last one) by her
/// signed request dated `at` (lookups record no nonce: any generator will do).
async fn her_refund_result(buyer: &Buyer, via: &Proxy, at: Timestamp) -> SealedBox {
    let ask = buyer
        .keeper
        .inbox_request(0, at, &mut ChaCha20Rng::seed_from_u64(at.0))
        .unwrap();
    let (status, inbox) = answer(
        reqwest::Client::new()
            .post(format!("{}/v1/inbox", via.url))
            .json(&json!({ "letter": ask.to_text() })),
    )
    .await;
    assert_eq!(status, 200, "{inbox}");
    let text = inbox["letters"]
        .as_array()
        .unwrap()
        .iter()
        .rfind(|l| l["kind"] == "refund_result")
        .unwrap()["letter"]
        .as_str()
        .unwrap()
        .to_owned();
    SealedBox::from_text(&text).unwrap()
}

/// The 256 bytes of an RSA-2048 key's modulus, read from its SPKI DER.
fn modulus(der: &[u8]) -> Vec<u8> {
    let marker = [0x02, 0x82, 0x01, 0x01, 0x00];
    let at = memchr::memmem::find(der, &marker).expect("an RSA-2048 key") + marker.len();
    der[at..at + 256].to_vec()
}

/// Everything stable of hers: her account id, her two public keys (as
/// DER, as bare moduli, and the sealing key's fingerprint), her date of birth.
fn her_identifiers(who: &str, p: &PublicIdentity, born: Option<&str>) -> Vec<Needle> {
    let mut v = vec![
        Needle {
            name: format!("{who}'s account id"),
            class: "her account id",
            bytes: p.id().as_bytes().to_vec(),
        },
        Needle {
            name: format!("{who}'s sealing key id"),
            class: "her keys",
            bytes: p.sealing.id().as_bytes().to_vec(),
        },
    ];
    for (name, key) in [("signing", &p.signing), ("sealing", &p.sealing)] {
        v.push(Needle {
            name: format!("{who}'s {name} key (DER)"),
            class: "her keys",
            bytes: key.as_der().to_vec(),
        });
        v.push(Needle {
            name: format!("{who}'s {name} key (modulus)"),
            class: "her keys",
            bytes: modulus(key.as_der()),
        });
    }
    if let Some(date) = born {
        for form in [date.to_owned(), date.replace('-', "")] {
            v.push(Needle {
                name: format!("{who}'s date of birth ({form})"),
                class: "her date of birth",
                bytes: form.into_bytes(),
            });
        }
    }
    v
}

/// Who holds which private sealing key, for labelling what a box is.
struct Party {
    label: &'static str,
    /// Whom a box for this party is sealed to (a box names no one: the
    /// opener says who she is).
    id: KeyId,
    key: Box<dyn DecryptionKey>,
}

/// A sealed box: whose key opens it, and what is inside.
#[derive(Clone)]
struct Opened {
    owner: usize,
    plain: Vec<u8>,
    kind: LetterKind,
    sender: KeyId,
}

struct Openings {
    parties: Vec<Party>,
    /// The sellers' account ids: a letter from one is his own to him.
    sellers: Vec<KeyId>,
    cache: HashMap<Vec<u8>, Option<Opened>>,
}

impl Openings {
    fn open(&mut self, sealed: &SealedBox) -> Option<Opened> {
        let bytes = sealed.to_bytes();
        if let Some(known) = self.cache.get(&bytes) {
            return known.clone();
        }
        let found = self.parties.iter().enumerate().find_map(|(i, p)| {
            let plain = seal::open(p.key.as_ref(), p.id, sealed).ok()?;
            let letter = SignedLetter::from_bytes(&plain).ok()?;
            Some(Opened {
                owner: i,
                plain: plain.to_vec(),
                kind: letter.letter.kind,
                sender: letter.letter.sender,
            })
        });
        self.cache.insert(bytes, found.clone());
        found
    }
}

/// What a letter is, in the table's words. (By name, so a kind added
/// later still gets one.)
fn letter_name(kind: LetterKind) -> String {
    match format!("{kind:?}").as_str() {
        "PurseRequest" => "her purse request",
        "SellerPurse" => "his purse",
        "BuyerPurse" => "her purse",
        "Redemption" => "his redemption request",
        "Refund" => "her refund request",
        "ReturnRequest" => "the bank's return request",
        "ReturnResponse" => "his return of the purse",
        "RedemptionResult" => "his redemption result",
        "RefundResult" => "a refund result",
        "StatementRequest" => "her statement request",
        "InboxRequest" => "an inbox request",
        "CaseRequest" => "a case request",
        "AddressChange" => "his address change",
        "PurseRecovery" => "her purse recovery request",
        other => return format!("a letter ({other})"),
    }
    .to_owned()
}

/// The sealed boxes inside one text form.
fn sealed_in(prefix: &str, bytes: &[u8]) -> Vec<SealedBox> {
    match prefix {
        "hps1." => SealedBox::from_bytes(bytes).into_iter().collect(),
        "hpq1." => ForwardedPurseRequest::from_bytes(bytes)
            .map(|f| vec![f.sealed])
            .unwrap_or_default(),
        "hpm1." => MintResponse::from_bytes(bytes)
            .map(|m| vec![m.seller_purse, m.buyer_purse])
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// Who looks.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Viewer {
    Seller,
    Bank,
    Observer,
}

const FRONT: [&str; 2] = ["shop 1", "shop 2"];
const BACK: [&str; 2] = ["shop 1 → bank", "shop 2 → bank"];
const BUYER_BANK: &str = "buyer → bank";

/// The texts of one exchange a viewer sees: (where, bytes).
fn seen(e: &Exchange, v: Viewer) -> Texts {
    let at = |what: &str| format!("[{}] {} {} {} {what}", e.step, e.hop, e.method, e.path);
    let request = || {
        let mut t = vec![(at("path"), e.path.clone().into_bytes())];
        for (k, h) in &e.request_headers {
            t.push((at(&format!("request header {k}")), h.clone()));
        }
        t.push((at("request body"), e.request.clone()));
        t
    };
    let response = || {
        let mut t = Vec::new();
        for (k, h) in &e.response_headers {
            t.push((at(&format!("response header {k}")), h.clone()));
        }
        t.push((at("response body"), e.response.clone()));
        t
    };
    let front = FRONT.contains(&e.hop);
    let back = BACK.contains(&e.hop);
    let notice = e.path.contains("bank-notices");
    match v {
        Viewer::Observer => [request(), response()].concat(),
        Viewer::Seller if front || back => [request(), response()].concat(),
        Viewer::Bank if back || e.hop == BUYER_BANK => request(),
        Viewer::Bank if front && notice => response(),
        _ => Vec::new(),
    }
}

/// What a viewer makes of the texts he sees: every expansion to scan
/// (including the plain text of each letter he can open), and the labels
/// of the messages that crossed.
struct Analysis {
    expansions: Vec<(String, Texts)>,
    labels: BTreeSet<String>,
}

fn analyse(texts: &[(String, Vec<u8>)], v: Viewer, openings: &mut Openings) -> Analysis {
    let can_open = |owner: &str| match v {
        Viewer::Seller => owner == "the seller",
        Viewer::Bank => owner == "the bank",
        Viewer::Observer => false,
    };
    let mut expansions = Vec::new();
    let mut labels = BTreeSet::new();
    for (place, bytes) in texts {
        let mut all = expand(bytes);
        let mut forms = Vec::new();
        for (_, x) in &all {
            forms.extend(text_forms(x));
        }
        for (prefix, decoded) in forms {
            match prefix.as_str() {
                "hpp1." => {
                    labels.insert("her halves".to_owned());
                }
                "hpr1." => {
                    if let Ok(r) = PaymentRequest::from_bytes(&decoded) {
                        labels.insert(match r.requires {
                            Some(a) => format!("his offer, asking for {a}"),
                            None => "his offer".to_owned(),
                        });
                    }
                }
                "hpc1." => {
                    if let Ok(r) = Receipt::from_bytes(&decoded) {
                        labels.insert(match r.authorized {
                            Some(a) => format!("his receipt, {a} proven"),
                            None => "his receipt".to_owned(),
                        });
                    }
                }
                _ => {}
            }
            for sealed in sealed_in(&prefix, &decoded) {
                let Some(o) = openings.open(&sealed) else {
                    labels.insert("a sealed box nobody here opens".to_owned());
                    continue;
                };
                let owner = openings.parties[o.owner].label;
                let name = letter_name(o.kind);
                if can_open(owner) {
                    labels.insert(format!("{name} (opened)"));
                    all.extend(
                        expand(&o.plain)
                            .into_iter()
                            .map(|(how, b)| (format!("opened {name} > {how}"), b)),
                    );
                } else if v == Viewer::Seller && openings.sellers.contains(&o.sender) {
                    labels.insert(format!("{name}, his own, sealed for {owner}"));
                } else {
                    labels.insert(format!("{name}, sealed for {owner} (opaque)"));
                }
            }
        }
        expansions.push((place.clone(), all));
    }
    Analysis { expansions, labels }
}

/// One cell of the table: the identifiers found (in this order), then the
/// messages that crossed; "nothing" if nothing crossed.
fn cell(
    texts: &[(String, Vec<u8>)],
    v: Viewer,
    needles: &[Needle],
    openings: &mut Openings,
) -> String {
    if texts.is_empty() {
        return "nothing".to_owned();
    }
    let a = analyse(texts, v, openings);
    let mut found = BTreeSet::new();
    for (_, x) in &a.expansions {
        for (i, _) in find(needles, x) {
            found.insert(i);
        }
    }
    let order = [
        "her account id",
        "her keys",
        "her date of birth",
        "the seller's account id",
        "the purse id",
    ];
    let mut parts: Vec<String> = order
        .iter()
        .filter(|c| !(v == Viewer::Seller && **c == "the seller's account id"))
        .filter(|c| found.iter().any(|i| needles[*i].class == **c))
        .map(|c| c.to_string())
        .collect();
    parts.extend(a.labels);
    if parts.is_empty() {
        "nothing".to_owned()
    } else {
        parts.join("; ")
    }
}

/// The values of one of her purses that a seller sees and that are
/// neither his nor the bank's: the sealed box in her forwarded request,
/// her purse sealed for her (in the bank's answer to him), and the purse
/// id and every item (session serial and share) of each payment she made
/// from it. Taken from the recordings of the exchanges of that purse.
fn her_values(log: &[Exchange], ranges: &[Range<usize>], known: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let mut values = Vec::new();
    for e in ranges.iter().flat_map(|r| &log[r.clone()]) {
        if !(FRONT.contains(&e.hop) || BACK.contains(&e.hop)) {
            continue;
        }
        for body in [&e.request, &e.response] {
            for (prefix, bytes) in text_forms(body) {
                match prefix.as_str() {
                    "hpq1." => {
                        let f = ForwardedPurseRequest::from_bytes(&bytes).unwrap();
                        values.push(f.sealed.to_bytes());
                    }
                    "hpm1." => {
                        let m = MintResponse::from_bytes(&bytes).unwrap();
                        values.push(m.buyer_purse.to_bytes());
                    }
                    "hpp1." => {
                        let p = Payment::from_bytes(&bytes).unwrap();
                        values.push(p.purse.as_bytes().to_vec());
                        values.extend(p.halves.iter().map(Encode::to_bytes));
                    }
                    _ => {}
                }
            }
        }
    }
    values.iter().flat_map(|v| cut(v, known)).collect()
}

fn readme() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md")
}

const START: &str = "<!-- privacy-table:start -->";
const END: &str = "<!-- privacy-table:end -->";

/// Two shops behind recording proxies, a bank, and two buyers, Ann and
/// Bea, registered and funded; Ann's date of birth is on record.
struct Scene {
    ann: Buyer,
    bea: Buyer,
    two: Recorded,
    one: Recorded,
    _dir: tempfile::TempDir,
    to_bank: Proxy,
    bank: Bank,
    log: Log,
    /// The exchanges of each of Ann's purses, for the disjointness check.
    ranges: [Vec<Range<usize>>; 3],
}

/// What the recordings are searched for: her identifiers (Ann's and
/// Bea's), everyone's (with the sellers' account ids and the purse ids),
/// and the keys that open the letters.
struct Needles {
    hers: Vec<Needle>,
    everyone: Vec<Needle>,
    openings: Openings,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seller_never_learns_who_the_buyer_is() {
    let mut s = Scene::set_up().await;
    let p1 = s.ann_buys_pays_and_proves_her_age_at_shop_one().await;
    s.the_seller_is_asked_before_her_refund(p1).await;
    let p2 = s.more_purses_at_both_shops_and_another_buyer().await;
    let later = s.the_deadline_settles_her_refund_without_him(p2).await;
    s.the_money_is_exact(later).await;

    // ---------------------------------------------------------- what each saw
    let recorded = s.log.all();
    let Needles {
        hers,
        everyone,
        mut openings,
    } = s.what_is_looked_for().await;
    let mut failures = Vec::new();
    every_step_was_seen_by_a_seller(&recorded);
    s.nothing_a_seller_received_names_her(&recorded, &hers, &mut openings, &mut failures)
        .await;
    s.her_purses_share_nothing(&recorded, &mut failures);
    the_readme_table_is_what_was_measured(&recorded, &everyone, &mut openings, &mut failures);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

fn every_step_was_seen_by_a_seller(recorded: &[Exchange]) {
    for step in STEPS {
        assert!(
            recorded
                .iter()
                .any(|e| e.step == *step && !seen(e, Viewer::Seller).is_empty()),
            "nothing recorded for {step}"
        );
    }
}

/// 3. The table, from the same recordings.
fn the_readme_table_is_what_was_measured(
    recorded: &[Exchange],
    everyone: &[Needle],
    openings: &mut Openings,
    failures: &mut Vec<String>,
) {
    let mut table = String::from(
        "| step | the seller sees | the bank sees | a network observer sees (no keys, no TLS) |\n|---|---|---|---|\n",
    );
    for step in STEPS {
        let mut row = format!("| {step} |");
        for v in [Viewer::Seller, Viewer::Bank, Viewer::Observer] {
            let texts: Texts = recorded
                .iter()
                .filter(|e| e.step == *step)
                .flat_map(|e| seen(e, v))
                .collect();
            row.push_str(&format!(" {} |", cell(&texts, v, everyone, openings)));
        }
        table.push_str(&row);
        table.push('\n');
    }
    let path = readme();
    let text = std::fs::read_to_string(&path).unwrap();
    let (before, rest) = text
        .split_once(START)
        .expect("README has the table's start marker");
    let (current, after) = rest
        .split_once(END)
        .expect("README has the table's end marker");
    let wanted = format!("\n{table}");
    if std::env::var("HALFPENNY_WRITE_PRIVACY_TABLE").as_deref() == Ok("1") {
        std::fs::write(&path, format!("{before}{START}{wanted}{END}{after}")).unwrap();
    } else if current != wanted {
        failures.push(format!(
            "README.md's privacy table is not what was measured (HALFPENNY_WRITE_PRIVACY_TABLE=1 rewrites it):\n{table}"
        ));
    }
}

impl Scene {
    async fn set_up() -> Scene {
        let log = Log::default();
        log.step("setup");
        let bank = Bank::start(Suite::Rsa2048Sha256).await;
        let to_bank = Proxy::started(BUYER_BANK, &bank.url, &log).await;
        let dir = tempfile::tempdir().unwrap();
        let one = recorded_shop(&bank, dir.path().join("shop1"), (FRONT[0], BACK[0]), &log).await;
        let two = recorded_shop(&bank, dir.path().join("shop2"), (FRONT[1], BACK[1]), &log).await;
        let ann = buyer(
            &bank,
            &to_bank,
            (testing::BUYER_SIGNING, testing::BUYER_SEALING),
            1,
        )
        .await;
        let bea = buyer(
            &bank,
            &to_bank,
            (testing::OTHER_SIGNING, testing::OTHER_SEALING),
            2,
        )
        .await;
        bank.fund(ann.id(), 200).await;
        bank.fund(bea.id(), 100).await;
        let (status, reply) = bank
            .operator(
                "/v1/operator/attributes",
                &json!({ "account": ann.id().to_hex(), "date_of_birth": DATE_OF_BIRTH }),
            )
            .await;
        assert_eq!(status, 204, "{reply}");
        Scene {
            ann,
            bea,
            two,
            one,
            _dir: dir,
            to_bank,
            bank,
            log,
            ranges: Default::default(),
        }
    }

    /// Her first purse (RSA, the default suite), with a proof of age: 8 cents.
    async fn ann_buys_pays_and_proves_her_age_at_shop_one(&mut self) -> halfpenny::PurseId {
        let Scene {
            ann,
            one,
            log,
            ranges,
            ..
        } = self;
        let shop1 = &one.shop;
        let adult = AuthorizationOrder {
            assertion: Assertion::AgeAtLeast(18),
            count: 1,
        };
        log.step("buy a purse");
        let at = log.len();
        let p1 = ann
            .buy_purse(shop1, &[(1, 4), (2, 2)], vec![adult], Suite::Rsa2048Sha256)
            .await;
        ranges[0].push(at..log.len());
        log.step("pay");
        let at = log.len();
        ann.buy(shop1, "article-1").await;
        ann.buy(shop1, "article-2").await;
        ranges[0].push(at..log.len());
        log.step("prove an assertion");
        let at = log.len();
        let reply = ann.buy(shop1, "wine-review").await;
        ranges[0].push(at..log.len());
        let (status, article) = shop1.article("wine-review", reply["access"].as_str()).await;
        assert_eq!((status, &article["item"]), (200, &json!("wine-review")));
        assert_eq!(ann.holds().await, (1, 0));
        log.step("redemption");
        let r = shop1.redeem().await;
        assert_eq!(r["credited"], json!([{ "currency": "USD", "minor": 7 }]));
        p1
    }

    /// She takes back her last cent; the bank asks the seller first.
    async fn the_seller_is_asked_before_her_refund(&mut self, p1: halfpenny::PurseId) {
        let Scene {
            ann, to_bank, log, ..
        } = self;
        log.step("refund (seller asked)");
        let letter = ann
            .keeper
            .request_refund(p1, now(), &mut ann.rng)
            .await
            .unwrap();
        let (status, case) = answer(
            reqwest::Client::new()
                .post(format!("{}/v1/refunds", to_bank.url))
                .json(&json!({ "letter": letter.to_text() })),
        )
        .await;
        assert_eq!(status, 200, "{case}");
        // The bank's notice reached the shop, which handed the purse back
        // before answering it.
        let answered = |log: &Log| {
            log.all()
                .iter()
                .any(|e| e.step == "refund (seller asked)" && e.path.contains("bank-notices"))
        };
        eventually("the shop's answer to the notice", || async {
            answered(log)
        })
        .await;
        let result = ann
            .keeper
            .finish_refund(&her_refund_result(ann, to_bank, now()).await, now())
            .await
            .unwrap();
        assert_eq!(
            (
                result.seller_credited.minor(),
                result.buyer_refunded.minor()
            ),
            (0, 1)
        );
        assert_eq!(result.settled_by, SettledBy::SellerReturn);
    }

    /// Her second purse at the same shop (Ed25519): 10 cents, 3 spent; her
    /// third at the second shop; the other buyer's; the shops redeem.
    async fn more_purses_at_both_shops_and_another_buyer(&mut self) -> halfpenny::PurseId {
        let Scene {
            ann,
            bea,
            one,
            two,
            log,
            ranges,
            ..
        } = self;
        let (shop1, shop2) = (&one.shop, &two.shop);
        log.step("buy a purse");
        let at = log.len();
        let p2 = ann
            .buy_purse(shop1, &[(1, 5), (5, 1)], vec![], Suite::Ed25519)
            .await;
        ranges[1].push(at..log.len());
        log.step("pay");
        let at = log.len();
        ann.buy(shop1, "article-3").await;
        ranges[1].push(at..log.len());
        // Her third, at the second shop: 2 cents, 1 spent.
        log.step("buy a purse");
        let at = log.len();
        ann.buy_purse(shop2, &[(1, 2)], vec![], Suite::Ed25519)
            .await;
        ranges[2].push(at..log.len());
        log.step("pay");
        let at = log.len();
        ann.buy(shop2, "article-1").await;
        ranges[2].push(at..log.len());
        // The other buyer: 5 cents, 2 spent.
        log.step("buy a purse");
        bea.buy_purse(shop1, &[(1, 3), (2, 1)], vec![], Suite::Ed25519)
            .await;
        log.step("pay");
        bea.buy(shop1, "article-2").await;
        log.step("redemption");
        let r = shop1.redeem().await;
        assert_eq!(r["credited"], json!([{ "currency": "USD", "minor": 5 }]));
        let r = shop2.redeem().await;
        assert_eq!(r["credited"], json!([{ "currency": "USD", "minor": 1 }]));
        p2
    }

    /// She asks for the rest of her second purse back while the first shop
    /// is unreachable; at the deadline the bank settles without him, and he
    /// reads the result from his inbox later.
    async fn the_deadline_settles_her_refund_without_him(
        &mut self,
        p2: halfpenny::PurseId,
    ) -> Timestamp {
        let Scene {
            ann,
            one,
            two,
            to_bank,
            bank,
            log,
            ..
        } = self;
        let (shop1, shop2) = (&one.shop, &two.shop);
        log.step("deadline settlement");
        one.front
            .refuse
            .store(true, std::sync::atomic::Ordering::SeqCst);
        let letter = ann
            .keeper
            .request_refund(p2, now(), &mut ann.rng)
            .await
            .unwrap();
        let (status, case) = answer(
            reqwest::Client::new()
                .post(format!("{}/v1/refunds", to_bank.url))
                .json(&json!({ "letter": letter.to_text() })),
        )
        .await;
        assert_eq!(status, 200, "{case}");
        let refused = |log: &Log| {
            log.all().iter().any(|e| {
                e.step == "deadline settlement" && e.path.contains("bank-notices") && e.status == 0
            })
        };
        eventually("the notice the shop could not take", || async {
            refused(log)
        })
        .await;
        one.front
            .refuse
            .store(false, std::sync::atomic::Ordering::SeqCst);
        bank.app.clock.advance(PAST_DEADLINE);
        shop1.app.clock.advance(PAST_DEADLINE);
        shop2.app.clock.advance(PAST_DEADLINE);
        let (status, swept) = bank.operator("/v1/operator/sweep", &json!({})).await;
        assert_eq!((status, &swept["settled"]), (200, &json!(1)), "{swept}");
        shop1.app.errands_once().await;
        let later = now().plus(PAST_DEADLINE);
        let result = ann
            .keeper
            .finish_refund(&her_refund_result(ann, to_bank, later).await, later)
            .await
            .unwrap();
        assert_eq!(
            (
                result.seller_credited.minor(),
                result.buyer_refunded.minor()
            ),
            (0, 7)
        );
        assert_eq!(result.settled_by, SettledBy::Deadline);
        later
    }

    /// Exact money: Ann paid 8 + 10 + 2 and got 1 + 7 back; Bea paid 5.
    async fn the_money_is_exact(&mut self, later: Timestamp) {
        let Scene {
            ann,
            bea,
            one,
            two,
            to_bank,
            bank,
            log,
            ..
        } = self;
        let (shop1, shop2) = (&one.shop, &two.shop);
        log.step("checks");
        let statement = ann
            .keeper
            .statement_request(USD, later, &mut ann.rng)
            .unwrap();
        let (status, reply) = answer(
            reqwest::Client::new()
                .post(format!("{}/v1/statements", to_bank.url))
                .json(&json!({ "letter": statement.to_text() })),
        )
        .await;
        assert_eq!(
            (status, &reply["balance_minor"]),
            (200, &json!(188)),
            "{reply}"
        );
        assert_eq!(bank.balance(ann.id()).await, 200 - 20 + 8);
        assert_eq!(bank.balance(bea.id()).await, 95);
        assert_eq!(bank.balance(shop1.seller()).await, 7 + 3 + 2);
        assert_eq!(bank.balance(shop2.seller()).await, 1);
        assert_eq!(shop1.totals().await, (0, 12));
        assert_eq!(shop2.totals().await, (0, 1));
        assert_eq!(ann.holds().await, (1, 0));
        assert_eq!(bea.holds().await, (3, 0));
        let t = bank.check_books().await;
        assert_eq!(t.open_token_value.get("USD").copied().unwrap_or(0), 1 + 3);
        let s = shop1.summary().await;
        // Both results, in either order: the shop lists them newest first by
        // the second it received them, and both may come in the same second.
        let mut results: Vec<_> = s["refund_results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["settled_by"].to_string(), r["buyer_refunded"].clone()))
            .collect();
        results.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(
            results,
            vec![
                (
                    json!("deadline").to_string(),
                    json!({ "currency": "USD", "minor": 7 })
                ),
                (
                    json!("seller_return").to_string(),
                    json!({ "currency": "USD", "minor": 1 })
                ),
            ]
        );
    }

    async fn what_is_looked_for(&self) -> Needles {
        let Scene {
            ann, bea, one, two, ..
        } = self;
        let (shop1, shop2) = (&one.shop, &two.shop);
        let ann_public = ann.keeper.public();
        let bea_public = bea.keeper.public();
        let mut hers = her_identifiers("Ann", &ann_public, Some(DATE_OF_BIRTH));
        let beas = her_identifiers("Bea", &bea_public, None);
        // Two buyers: nothing looked for is common to both, so each is one's own.
        assert!(hers.iter().all(|a| beas.iter().all(|b| a.bytes != b.bytes)));
        hers.extend(beas);
        let mut everyone = hers.clone();
        for (who, s) in [("shop 1", shop1), ("shop 2", shop2)] {
            everyone.push(Needle {
                name: format!("{who}'s account id"),
                class: "the seller's account id",
                bytes: s.seller().as_bytes().to_vec(),
            });
        }
        for (i, p) in ann
            .keeper
            .summaries()
            .await
            .unwrap()
            .iter()
            .map(|s| s.purse)
            .chain(
                bea.keeper
                    .summaries()
                    .await
                    .unwrap()
                    .iter()
                    .map(|s| s.purse),
            )
            .enumerate()
        {
            everyone.push(Needle {
                name: format!("purse {i}"),
                class: "the purse id",
                bytes: p.as_bytes().to_vec(),
            });
        }
        let aws = |der: &[u8]| -> Box<dyn DecryptionKey> {
            Box::new(AwsLcKey::from_pkcs8_der(der).unwrap())
        };
        let mut openings = Openings {
            parties: vec![
                Party {
                    label: "her",
                    id: testing::buyer_identity().id(),
                    key: aws(testing::BUYER_SEALING),
                },
                Party {
                    label: "her",
                    id: testing::other_identity().id(),
                    key: aws(testing::OTHER_SEALING),
                },
                Party {
                    label: "the bank",
                    id: testing::bank_identity().id(),
                    key: aws(testing::BANK_SEALING),
                },
            ],
            sellers: vec![shop1.seller(), shop2.seller()],
            cache: HashMap::new(),
        };
        // The sellers' own keys, read from their data folders.
        for s in [shop1, shop2] {
            let keys = shop_server::keys::load_or_create(&s.data.join("keys")).unwrap();
            openings.parties.push(Party {
                label: "the seller",
                id: keys.identity.id(),
                key: keys.identity.sealing,
            });
        }
        Needles {
            hers,
            everyone,
            openings,
        }
    }

    /// 1. Nothing a seller received, answered or stored names her.
    async fn nothing_a_seller_received_names_her(
        &self,
        recorded: &[Exchange],
        hers: &[Needle],
        openings: &mut Openings,
        failures: &mut Vec<String>,
    ) {
        let (shop1, shop2) = (&self.one.shop, &self.two.shop);
        let mut texts: Texts = recorded
            .iter()
            .flat_map(|e| seen(e, Viewer::Seller))
            .collect();
        for (n, s) in [shop1, shop2].into_iter().enumerate() {
            let cells = dump_sqlite(&s.data.join("shop.db")).await;
            let tables: BTreeSet<&str> = cells
                .iter()
                .filter_map(|(c, _)| c.split('.').next())
                .collect();
            for t in ["halves", "purses", "payments", "redemptions"] {
                assert!(
                    tables.contains(t),
                    "shop {}: no rows in {t}: {tables:?}",
                    n + 1
                );
            }
            for (column, bytes) in cells {
                texts.push((format!("shop {} row {column}", n + 1), bytes));
            }
        }
        let a = analyse(&texts, Viewer::Seller, openings);
        let mut leaks = Vec::new();
        for (place, x) in &a.expansions {
            for (i, how) in find(hers, x) {
                leaks.push(format!("  {} in {place} ({how})", hers[i].name));
            }
        }
        if !leaks.is_empty() {
            let n = leaks.len();
            leaks.truncate(12);
            failures.push(format!(
                "the seller sees the buyer's identifiers in {n} places:\n{}",
                leaks.join("\n")
            ));
        }
    }

    /// 2. Her purses share nothing a seller could link them by.
    fn her_purses_share_nothing(&self, recorded: &[Exchange], failures: &mut Vec<String>) {
        let (shop1, shop2) = (&self.one.shop, &self.two.shop);
        let bank_public = self.bank.app.bank.public();
        let mut known: Vec<Vec<u8>> = vec![
            bank_public.identity.signing.as_der().to_vec(),
            bank_public.identity.sealing.as_der().to_vec(),
            bank_public.identity.signing.id().as_bytes().to_vec(),
            bank_public.identity.sealing.id().as_bytes().to_vec(),
            bank_public.id.as_str().as_bytes().to_vec(),
        ];
        known.extend(
            bank_public
                .token_keys
                .iter()
                .map(|(_, k)| k.as_der().to_vec()),
        );
        for s in [shop1, shop2] {
            let p = s.app.identity.public();
            known.extend([
                p.signing.as_der().to_vec(),
                p.sealing.as_der().to_vec(),
                p.id().as_bytes().to_vec(),
                p.sealing.id().as_bytes().to_vec(),
            ]);
        }
        let values: Vec<Vec<Vec<u8>>> = self
            .ranges
            .iter()
            .map(|r| her_values(recorded, r, &known))
            .collect();
        let names = [
            "her purse 1 (shop 1)",
            "her purse 2 (shop 1)",
            "her purse 3 (shop 2)",
        ];
        for v in &values {
            assert!(
                v.len() >= 3,
                "each purse has a request, a purse and a payment"
            );
        }
        for (i, j) in [(0, 1), (0, 2), (1, 2)] {
            let shared = windows(&values[i])
                .intersection(&windows(&values[j]))
                .count();
            if shared > 0 {
                failures.push(format!(
                    "{} and {} share {shared} 16-byte windows of what the seller sees",
                    names[i], names[j]
                ));
            }
        }
    }
}

#[test]
fn the_scanner_finds_an_identifier_in_every_form_and_only_there() {
    use base64::Engine as _;
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    let id: Vec<u8> = (0u8..32)
        .map(|i| i.wrapping_mul(37).wrapping_add(11))
        .collect();
    let needles = vec![Needle {
        name: "id".into(),
        class: "her account id",
        bytes: id.clone(),
    }];
    let around = |lead: usize, tail: usize| {
        let mut m: Vec<u8> = (0..lead).map(|i| (i * 7 + 200) as u8).collect();
        m.extend(&id);
        m.extend((0..tail).map(|i| (i * 13 + 1) as u8));
        m
    };
    let hits = |text: &[u8]| find(&needles, &expand(text));
    for lead in [0, 1, 2, 3, 7, 13] {
        let message = around(lead, 5);
        // Inside a base64url text form, at an odd offset.
        let form = format!(
            "{{\"letter\":\"hpm1.{}\"}}",
            URL_SAFE_NO_PAD.encode(&message)
        );
        assert!(!hits(form.as_bytes()).is_empty(), "base64url, lead {lead}");
        // Inside padded standard base64, in a header.
        let std = format!("Bearer {}", STANDARD.encode(&message));
        assert!(!hits(std.as_bytes()).is_empty(), "base64, lead {lead}");
        // Inside hex, upper and lower case, in a path.
        let hex: String = message.iter().map(|b| format!("{b:02x}")).collect();
        assert!(!hits(format!("/v1/inbox/{hex}?after=0").as_bytes()).is_empty());
        assert!(!hits(hex.to_uppercase().as_bytes()).is_empty());
        // Inside raw bytes.
        assert!(!hits(&message).is_empty(), "raw, lead {lead}");
        // In JSON inside base64url inside JSON.
        let inner = format!("{{\"k\":\"{}\"}}", URL_SAFE_NO_PAD.encode(&message));
        let outer = format!("{{\"x\":\"{}\"}}", URL_SAFE_NO_PAD.encode(inner.as_bytes()));
        assert!(!hits(outer.as_bytes()).is_empty(), "nested, lead {lead}");
        // Base64 of a longer message whose first character is cut off (so
        // no decoding alignment starts at the message's start): the id,
        // intact after a lead byte, is still found by its encodings.
        if lead > 0 {
            let cut_text = &URL_SAFE_NO_PAD.encode(&message)[1..];
            assert!(!hits(cut_text.as_bytes()).is_empty(), "cut, lead {lead}");
        }
        // Percent-encoded.
        let pct: String = STANDARD
            .encode(&message)
            .replace('+', "%2B")
            .replace('/', "%2F");
        assert!(!hits(pct.as_bytes()).is_empty(), "percent, lead {lead}");
    }
    // Absent: the same messages with one byte of the id changed.
    let mut other = id.clone();
    other[17] ^= 0x40;
    let mut absent: Vec<u8> = vec![9, 9, 9];
    absent.extend(&other);
    for text in [
        absent.clone(),
        format!("hpm1.{}", URL_SAFE_NO_PAD.encode(&absent)).into_bytes(),
        STANDARD.encode(&absent).into_bytes(),
        absent
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
            .into_bytes(),
    ] {
        assert_eq!(hits(&text), vec![], "{}", String::from_utf8_lossy(&text));
    }

    // Windows: two values sharing 16 bytes are found; cut values are not.
    let shared: Vec<u8> = (100u8..132).collect();
    let a = vec![[vec![1, 2, 3], shared.clone(), vec![4]].concat()];
    let b = vec![[vec![5], shared[4..24].to_vec()].concat()];
    assert!(windows(&a).intersection(&windows(&b)).count() > 0);
    let a = cut(&a[0], std::slice::from_ref(&shared));
    let b = cut(&b[0], &[shared[4..24].to_vec()]);
    assert_eq!(windows(&a).intersection(&windows(&b)).count(), 0);

    // Text forms are found in JSON and decoded.
    let found = text_forms(b"{\"a\":\"hpq1.AQID\",\"b\":\"xhpq1.AQ\"}");
    assert_eq!(found, vec![("hpq1.".to_owned(), vec![1, 2, 3])]);
}
