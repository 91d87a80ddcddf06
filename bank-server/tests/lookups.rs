//! Lookups need proof, and a stored first answer goes only to a retry of the
//! very same letter. Over real HTTP with a real database (SQLite, or
//! PostgreSQL when HALFPENNY_TEST_POSTGRES is set).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use halfpenny::crypto::PrivateIdentity;
use halfpenny::crypto::seal::{self, SealedBox};
use halfpenny::letter::{Letter, LetterKind};
use halfpenny::messages::{
    AddressChange, CaseRequest, Denomination, ForwardedPurseRequest, InboxRequest, PurseRequest,
    RefundRequest, StatementRequest,
};
use halfpenny::wire::{Encode, TextForm, Writer};
use halfpenny::{BankId, CaseId, KeyId, Nonce, Suite, Timestamp, testing};
use serde_json::{Value, json};

/// How a hand-made letter is signed.
enum Signature<'a> {
    By(&'a PrivateIdentity),
    /// No signature at all.
    None,
}

/// A letter sealed for the bank with every part chosen.
#[allow(clippy::too_many_arguments)]
fn letter(
    s: &Server,
    kind: LetterKind,
    sender: KeyId,
    signature: Signature<'_>,
    nonce: Nonce,
    created_at: Timestamp,
    body: &impl Encode,
) -> SealedBox {
    let bytes = Letter {
        kind,
        sender,
        recipient: s.bank.identity.id(),
        nonce,
        created_at,
        body: body.to_bytes(),
    }
    .to_bytes();
    let signature = match signature {
        Signature::By(who) => {
            // The core's signing label (crypto::labelled): label, a zero, the bytes.
            let mut signed = b"halfpenny letter v1".to_vec();
            signed.push(0);
            signed.extend_from_slice(&bytes);
            who.signing.sign(&signed).unwrap()
        }
        Signature::None => vec![],
    };
    let mut w = Writer::new();
    w.bytes32(&bytes);
    w.bytes16(&signature);
    let mut rng = <rand_chacha::ChaCha20Rng as rand_core::SeedableRng>::seed_from_u64(99);
    seal::seal(
        s.bank.identity.id(),
        &s.bank.identity.sealing,
        &w.into_bytes(),
        &mut rng,
    )
    .unwrap()
}

fn code(reply: &Value) -> &str {
    reply["error"]["code"].as_str().unwrap_or("<none>")
}

/// A buyer with a refund case open against a seller: (server, buyer, seller, other, case id).
async fn a_refund_case() -> (Server, Party, Party, Party, String) {
    let s = Server::start(Suite::Rsa2048Sha256).await;
    let mut buyer = Party::new(&s, testing::buyer_identity(), "buyer", 1).await;
    let seller = Party::new(&s, testing::seller_identity(), "seller", 2).await;
    let other = Party::new(&s, testing::other_identity(), "buyer", 3).await;
    s.fund(&buyer.account, 100, "f-buyer").await;
    let (_, bp) = buy_purse(&s, &mut buyer, &seller, &[(5, 2)], vec![])
        .await
        .unwrap();
    let refund = buyer.letter(
        &s,
        LetterKind::Refund,
        &RefundRequest {
            purse: bp.id,
            halves: bp.shares(|_| true),
        },
    );
    let (status, opened) = s.post("/v1/refunds", &json!({ "letter": refund })).await;
    assert_eq!(status, 200, "{opened}");
    let case = opened["case"].as_str().unwrap().to_owned();
    (s, buyer, seller, other, case)
}

#[tokio::test]
async fn each_party_reads_only_her_own_inbox_and_cases() {
    let (s, mut buyer, mut seller, mut other, case) = a_refund_case().await;

    // The seller's inbox holds the return request; hers and the other
    // buyer's hold nothing yet.
    let (status, reply) = seller.inbox(&s, 0).await;
    assert_eq!(status, 200, "{reply}");
    let letters = reply["letters"].as_array().unwrap();
    assert_eq!(
        (letters.len(), letters[0]["kind"].as_str()),
        (1, Some("return_request"))
    );
    let first_id = letters[0]["id"].as_u64().unwrap();
    // After its id, nothing.
    assert_eq!(
        seller.inbox(&s, first_id).await,
        (200, json!({ "letters": [] }))
    );
    assert_eq!(buyer.inbox(&s, 0).await, (200, json!({ "letters": [] })));
    // The other buyer's signed request gets his own (empty) inbox: there is
    // no way to name someone else's.
    assert_eq!(other.inbox(&s, 0).await, (200, json!({ "letters": [] })));

    // The case: its buyer and its seller see it.
    let (status, seen) = buyer.case(&s, &case).await;
    assert_eq!(status, 200, "{seen}");
    assert_eq!(
        (seen["case"].as_str(), seen["settled"].clone()),
        (Some(case.as_str()), Value::Null)
    );
    assert_eq!(seller.case(&s, &case).await, (200, seen.clone()));

    // Anyone else gets exactly what a case that does not exist gets.
    let missing = other.case(&s, &"ab".repeat(16)).await;
    assert_eq!(
        (missing.0, code(&missing.1)),
        (404, "unknown_case"),
        "{missing:?}"
    );
    assert_eq!(other.case(&s, &case).await, missing);

    // Lookups are read-only: the same request twice gets the same answer,
    // and they record nothing.
    let before = s.app.store.row_counts().await.unwrap();
    let ask = seller.letter(&s, LetterKind::InboxRequest, &InboxRequest { after: 0 });
    let once = s.post("/v1/inbox", &json!({ "letter": ask })).await;
    let twice = s.post("/v1/inbox", &json!({ "letter": ask })).await;
    assert_eq!((once.0, &once.1), (200, &twice.1));
    assert_eq!(s.app.store.row_counts().await.unwrap(), before);
}

#[tokio::test]
async fn lookups_without_proof_are_refused_and_the_old_paths_are_gone() {
    let (s, buyer, seller, other, case) = a_refund_case().await;
    let now = s.now();
    let mut nonces = (0u8..).map(|i| Nonce([i; 16]));
    let mut n = || nonces.next().unwrap();
    let mut cases = inbox_requests_without_proof(&s, &seller, &other, now, &mut n);
    cases.extend(case_requests_without_proof(
        &s,
        (&buyer, &other),
        &case,
        now,
        &mut n,
    ));
    each_is_refused_and_answers_nothing(&s, cases).await;
    the_unsigned_lookups_of_old_answer_nothing(&s, &seller, &case).await;
}

/// A lookup letter that must be refused: path, what is wrong, the letter,
/// and the status and code it gets.
type Unproven = (&'static str, &'static str, SealedBox, u16, &'static str);

fn inbox_requests_without_proof(
    s: &Server,
    seller: &Party,
    other: &Party,
    now: Timestamp,
    n: &mut impl FnMut() -> Nonce,
) -> Vec<Unproven> {
    let inbox = InboxRequest { after: 0 };
    let seller_id = seller.id();
    vec![
        (
            "/v1/inbox",
            "unsigned",
            letter(
                s,
                LetterKind::InboxRequest,
                seller_id,
                Signature::None,
                n(),
                now,
                &inbox,
            ),
            401,
            "bad_signature",
        ),
        (
            "/v1/inbox",
            "forged: the seller named, the other buyer signing",
            letter(
                s,
                LetterKind::InboxRequest,
                seller_id,
                Signature::By(&other.identity),
                n(),
                now,
                &inbox,
            ),
            401,
            "bad_signature",
        ),
        (
            "/v1/inbox",
            "stale: 11 minutes old",
            letter(
                s,
                LetterKind::InboxRequest,
                seller_id,
                Signature::By(&seller.identity),
                n(),
                now.minus(660),
                &inbox,
            ),
            400,
            "message_expired",
        ),
        (
            "/v1/inbox",
            "a statement request",
            letter(
                s,
                LetterKind::StatementRequest,
                seller_id,
                Signature::By(&seller.identity),
                n(),
                now,
                &StatementRequest { currency: USD },
            ),
            400,
            "wrong_message_kind",
        ),
        (
            "/v1/inbox",
            "an unregistered sender",
            letter(
                s,
                LetterKind::InboxRequest,
                testing::bank_identity().id(),
                Signature::By(&testing::bank_identity()),
                n(),
                now,
                &inbox,
            ),
            404,
            "unknown_account",
        ),
    ]
}

fn case_requests_without_proof(
    s: &Server,
    (buyer, other): (&Party, &Party),
    case: &str,
    now: Timestamp,
    n: &mut impl FnMut() -> Nonce,
) -> Vec<Unproven> {
    let inbox = InboxRequest { after: 0 };
    let case_body = CaseRequest {
        case: CaseId::from_hex(case).unwrap(),
    };
    let buyer_id = buyer.id();
    vec![
        (
            "/v1/cases",
            "unsigned",
            letter(
                s,
                LetterKind::CaseRequest,
                buyer_id,
                Signature::None,
                n(),
                now,
                &case_body,
            ),
            401,
            "bad_signature",
        ),
        (
            "/v1/cases",
            "forged: the buyer named, the other buyer signing",
            letter(
                s,
                LetterKind::CaseRequest,
                buyer_id,
                Signature::By(&other.identity),
                n(),
                now,
                &case_body,
            ),
            401,
            "bad_signature",
        ),
        (
            "/v1/cases",
            "stale: 11 minutes old",
            letter(
                s,
                LetterKind::CaseRequest,
                buyer_id,
                Signature::By(&buyer.identity),
                n(),
                now.minus(660),
                &case_body,
            ),
            400,
            "message_expired",
        ),
        (
            "/v1/cases",
            "an inbox request",
            letter(
                s,
                LetterKind::InboxRequest,
                buyer_id,
                Signature::By(&buyer.identity),
                n(),
                now,
                &inbox,
            ),
            400,
            "wrong_message_kind",
        ),
    ]
}

async fn each_is_refused_and_answers_nothing(s: &Server, cases: Vec<Unproven>) {
    for (path, what, sealed, status, expected) in cases {
        let (got, reply) = s.post(path, &json!({ "letter": sealed.to_text() })).await;
        assert_eq!(
            (got, code(&reply)),
            (status, expected),
            "{path} {what}: {reply}"
        );
        assert!(reply.get("letters").is_none() && reply.get("case").is_none());
    }
}

/// The unsigned lookups of old answer nothing.
async fn the_unsigned_lookups_of_old_answer_nothing(s: &Server, seller: &Party, case: &str) {
    for path in [
        format!("/v1/inbox/{}", seller.account),
        format!("/v1/inbox/{}?after=0", seller.account),
        format!("/v1/cases/{case}"),
    ] {
        let (status, reply) = s.get(&path).await;
        assert_eq!((status, code(&reply)), (404, "not_found"), "{path}");
    }
}

/// A purse request with a chosen nonce, forwarded as the seller would.
fn purse_request(s: &Server, buyer: &Party, seller: &Party, nonce: Nonce) -> String {
    let body = PurseRequest {
        seller: seller.id(),
        currency: USD,
        money: Denomination::list(&[(5, 2)]),
        authorizations: vec![],
        suite: None,
    };
    let sealed = letter(
        s,
        LetterKind::PurseRequest,
        buyer.id(),
        Signature::By(&buyer.identity),
        nonce,
        s.now(),
        &body,
    );
    ForwardedPurseRequest {
        bank: BankId::new("demo-bank").unwrap(),
        sealed,
    }
    .to_text()
}

#[tokio::test]
async fn a_stored_answer_is_given_only_to_a_retry_of_the_same_letter() {
    let s = Server::start(Suite::Rsa2048Sha256).await;
    let buyer = Party::new(&s, testing::buyer_identity(), "buyer", 1).await;
    let seller = Party::new(&s, testing::seller_identity(), "seller", 2).await;
    s.fund(&buyer.account, 100, "f-buyer").await;
    let nonce = Nonce([42; 16]);

    // Her purse request is answered: both sealed purses.
    let request = purse_request(&s, &buyer, &seller, nonce);
    let (status, first) = s.post("/v1/purses", &json!({ "request": request })).await;
    assert_eq!(status, 200, "{first}");
    assert!(first["response"].as_str().unwrap().starts_with("hpm1."));

    // A retry of that very letter gets the same answer.
    assert_eq!(
        s.post("/v1/purses", &json!({ "request": request })).await,
        (200, first.clone())
    );
    let before = s.app.store.row_counts().await.unwrap();
    let balance = s.balance(buyer.id()).await;

    // A stranger (no account) reuses her nonce in a letter of another kind,
    // signed with his own key: he gets nothing of hers.
    let stranger = testing::bank_identity();
    let reused = letter(
        &s,
        LetterKind::Refund,
        stranger.id(),
        Signature::By(&stranger),
        nonce,
        s.now(),
        &RefundRequest {
            purse: halfpenny::PurseId([1; 16]),
            halves: vec![],
        },
    );
    let (status, reply) = s
        .post("/v1/refunds", &json!({ "letter": reused.to_text() }))
        .await;
    assert_eq!(
        (status, code(&reply), reply.get("response")),
        (409, "nonce_reused", None),
        "{reply}"
    );
    assert_eq!(
        reply["error"]["message"],
        "This request's number was already used by another request; make a new one."
    );

    // Nor does her own new purse request that reuses the nonce (another
    // letter: another time), nor a purse request in her name signed by him.
    s.app.clock.advance(1);
    let later = purse_request(&s, &buyer, &seller, nonce);
    let forged = {
        let sealed = letter(
            &s,
            LetterKind::PurseRequest,
            buyer.id(),
            Signature::By(&stranger),
            nonce,
            s.now(),
            &PurseRequest {
                seller: seller.id(),
                currency: USD,
                money: Denomination::list(&[(5, 2)]),
                authorizations: vec![],
                suite: None,
            },
        );
        ForwardedPurseRequest {
            bank: BankId::new("demo-bank").unwrap(),
            sealed,
        }
        .to_text()
    };
    for other in [later, forged] {
        let (status, reply) = s.post("/v1/purses", &json!({ "request": other })).await;
        assert_eq!((status, code(&reply)), (409, "nonce_reused"), "{reply}");
    }

    // Nothing changed.
    assert_eq!(s.app.store.row_counts().await.unwrap(), before);
    assert_eq!(s.balance(buyer.id()).await, balance);
}

#[tokio::test]
async fn a_seller_changes_his_address_by_a_signed_letter_only() {
    let s = Server::start_strict().await;
    let seller_identity = testing::seller_identity();
    let p = seller_identity.public();
    let register = |address: &str| {
        json!({
            "role": "seller",
            "signing_key": p.signing.to_base64url(),
            "sealing_key": p.sealing.to_base64url(),
            "address": address,
        })
    };
    // By default, an address inside the bank's network is refused, whatever its spelling.
    for inside in [
        "http://127.0.0.1:8710/halfpenny",
        "http://[::1]:8710/halfpenny",
        "http://10.0.0.7/halfpenny",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:192.168.1.1]/halfpenny",
    ] {
        let (status, reply) = s.post("/v1/accounts", &register(inside)).await;
        assert_eq!((status, code(&reply)), (400, "bad_address"), "{inside}");
    }
    assert_eq!(
        s.app.store.account(&seller_identity.id()).await.unwrap(),
        None
    );
    let (status, _) = s
        .post("/v1/accounts", &register("https://shop.example/halfpenny"))
        .await;
    assert_eq!(status, 201);
    let mut seller = Party {
        identity: seller_identity,
        account: String::new(),
        rng: <rand_chacha::ChaCha20Rng as rand_core::SeedableRng>::seed_from_u64(5),
    };
    let buyer = Party::new(&s, testing::buyer_identity(), "buyer", 6).await;
    let address_of =
        async |s: &Server, who: KeyId| s.app.store.account(&who).await.unwrap().unwrap().address;
    let change = |seller: &mut Party, address: Option<&str>| {
        let letter = seller.letter(
            &s,
            LetterKind::AddressChange,
            &AddressChange {
                address: address.map(str::to_owned),
            },
        );
        json!({ "letter": letter })
    };

    // A signed change to another public address.
    let moved = change(&mut seller, Some("https://new.example/halfpenny"));
    let (status, reply) = s.post("/v1/accounts/address", &moved).await;
    assert_eq!(
        (status, reply.clone()),
        (
            200,
            json!({ "account": seller.id().to_hex(), "address": "https://new.example/halfpenny" })
        )
    );
    assert_eq!(
        address_of(&s, seller.id()).await.as_deref(),
        Some("https://new.example/halfpenny")
    );

    // Refused: an address inside, a forged letter, an unsigned one, a buyer's.
    let inside = change(&mut seller, Some("http://192.168.0.10/halfpenny"));
    let body = AddressChange {
        address: Some("https://evil.example/".into()),
    };
    let forged = letter(
        &s,
        LetterKind::AddressChange,
        seller.id(),
        Signature::By(&buyer.identity),
        Nonce([8; 16]),
        s.now(),
        &body,
    );
    let unsigned = letter(
        &s,
        LetterKind::AddressChange,
        seller.id(),
        Signature::None,
        Nonce([9; 16]),
        s.now(),
        &body,
    );
    let by_buyer = letter(
        &s,
        LetterKind::AddressChange,
        buyer.id(),
        Signature::By(&buyer.identity),
        Nonce([10; 16]),
        s.now(),
        &body,
    );
    let before = s.app.store.row_counts().await.unwrap();
    for (what, body, status, expected) in [
        ("inside", inside, 400, "bad_address"),
        (
            "forged",
            json!({ "letter": forged.to_text() }),
            401,
            "bad_signature",
        ),
        (
            "unsigned",
            json!({ "letter": unsigned.to_text() }),
            401,
            "bad_signature",
        ),
        (
            "a buyer's",
            json!({ "letter": by_buyer.to_text() }),
            403,
            "wrong_role",
        ),
    ] {
        let (got, reply) = s.post("/v1/accounts/address", &body).await;
        assert_eq!((got, code(&reply)), (status, expected), "{what}: {reply}");
    }
    assert_eq!(s.app.store.row_counts().await.unwrap(), before);
    assert_eq!(
        address_of(&s, seller.id()).await.as_deref(),
        Some("https://new.example/halfpenny")
    );

    // Removing it; then the first letter again gets its first answer and
    // does not put the old address back.
    let removed = change(&mut seller, None);
    assert_eq!(
        s.post("/v1/accounts/address", &removed).await,
        (
            200,
            json!({ "account": seller.id().to_hex(), "address": null })
        )
    );
    assert_eq!(address_of(&s, seller.id()).await, None);
    assert_eq!(s.post("/v1/accounts/address", &moved).await, (200, reply));
    assert_eq!(address_of(&s, seller.id()).await, None);
}

#[tokio::test]
async fn a_strict_bank_never_calls_a_seller_whose_name_leads_inside_and_keeps_his_letter() {
    let s = Server::start_strict().await;
    // His server listens on 127.0.0.1; he registers it by a name (names
    // are checked when called), which resolves inside the bank's network.
    let (address, mut notices) = seller_address().await;
    let by_name = address.replace("127.0.0.1", "localhost");
    let mut seller = Party {
        identity: testing::seller_identity(),
        account: String::new(),
        rng: <rand_chacha::ChaCha20Rng as rand_core::SeedableRng>::seed_from_u64(2),
    };
    seller.account = s
        .register_at(&seller.identity, "seller", Some(&by_name))
        .await;
    let mut buyer = Party::new(&s, testing::buyer_identity(), "buyer", 1).await;
    s.fund(&buyer.account, 100, "f-buyer").await;
    let (_, bp) = buy_purse(&s, &mut buyer, &seller, &[(5, 2)], vec![])
        .await
        .unwrap();
    let refund = buyer.letter(
        &s,
        LetterKind::Refund,
        &RefundRequest {
            purse: bp.id,
            halves: bp.shares(|_| true),
        },
    );
    let (status, opened) = s.post("/v1/refunds", &json!({ "letter": refund })).await;
    assert_eq!(status, 200, "{opened}");

    // The bank does not call him; the return request waits in his inbox.
    let called = tokio::time::timeout(std::time::Duration::from_secs(2), notices.recv()).await;
    assert!(called.is_err(), "the seller was called: {called:?}");
    let letters = seller.letters(&s).await;
    assert_eq!(
        (letters.len(), letters[0]["kind"].as_str()),
        (1, Some("return_request"))
    );
}
