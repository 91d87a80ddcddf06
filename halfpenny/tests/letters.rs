//! Signed, sealed letters: only the recipient opens them, and forwarding,
//! replaying late, relabelling or forging is caught.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use halfpenny::crypto::rustcrypto::RsaVerifier;
use halfpenny::crypto::seal::{self, SealedBox};
use halfpenny::crypto::{CryptoError, PublicIdentity};
use halfpenny::letter::{self, Freshness, LetterError, LetterKind, SignedLetter};
use halfpenny::messages::RefundRequest;
use halfpenny::wire::{Decode, Encode, TextForm};
use halfpenny::{PurseId, Timestamp, testing};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

const NOW: Timestamp = Timestamp(1_795_478_400);

fn body() -> RefundRequest {
    RefundRequest {
        purse: PurseId([3; 16]),
        halves: vec![],
    }
}

fn sealed_to_bank(rng: &mut ChaCha20Rng) -> (SealedBox, PublicIdentity) {
    let bank = testing::bank_identity().public();
    let buyer = testing::buyer_identity();
    let (sealed, _) = letter::send(
        LetterKind::Refund,
        &body(),
        buyer.signing.as_ref(),
        &bank,
        NOW,
        rng,
    )
    .unwrap();
    (sealed, bank)
}

#[test]
fn the_recipient_opens_and_verifies_a_letter() {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let (sealed, bank_pub) = sealed_to_bank(&mut rng);
    let bank = testing::bank_identity();
    let opened = letter::open(
        &sealed,
        bank_pub.id(),
        bank.sealing.as_ref(),
        LetterKind::Refund,
        NOW,
        Freshness::default(),
    )
    .unwrap();
    let buyer = testing::buyer_identity();
    let verifier = RsaVerifier::new(buyer.signing.public_key()).unwrap();
    assert_eq!(opened.verify::<RefundRequest>(&verifier).unwrap(), body());
    assert_eq!(opened.letter.sender, buyer.id());
    // The text form carries it too.
    assert_eq!(SealedBox::from_text(&sealed.to_text()).unwrap(), sealed);
}

#[test]
fn nobody_else_can_open_it() {
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    let (sealed, bank_pub) = sealed_to_bank(&mut rng);
    let other = testing::other_identity();
    // Claiming to be the recipient does not help without its key.
    let err = letter::open(
        &sealed,
        bank_pub.id(),
        other.sealing.as_ref(),
        LetterKind::Refund,
        NOW,
        Freshness::default(),
    );
    assert_eq!(err, Err(LetterError::Crypto(CryptoError::CannotUnseal)));
    // The box names no one; opened as if it were someone else's, the
    // recipient bound into it does not match.
    let err = letter::open(
        &sealed,
        other.id(),
        testing::bank_identity().sealing.as_ref(),
        LetterKind::Refund,
        NOW,
        Freshness::default(),
    );
    assert_eq!(err, Err(LetterError::Crypto(CryptoError::CannotUnseal)));
}

#[test]
fn a_letter_forwarded_to_another_party_is_refused() {
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    let (sealed, bank_pub) = sealed_to_bank(&mut rng);
    let bank = testing::bank_identity();
    let opened = letter::open(
        &sealed,
        bank_pub.id(),
        bank.sealing.as_ref(),
        LetterKind::Refund,
        NOW,
        Freshness::default(),
    )
    .unwrap();
    // The bank (or anyone who got the plaintext) reseals the same signed letter for the seller.
    let seller = testing::seller_identity();
    let forwarded = seal::seal(
        seller.id(),
        &seller.public().sealing,
        &opened.to_bytes(),
        &mut rng,
    )
    .unwrap();
    let err = letter::open(
        &forwarded,
        seller.id(),
        seller.sealing.as_ref(),
        LetterKind::Refund,
        NOW,
        Freshness::default(),
    );
    assert_eq!(err, Err(LetterError::WrongRecipient));
}

#[test]
fn stale_future_and_mislabelled_letters_are_refused() {
    let mut rng = ChaCha20Rng::seed_from_u64(4);
    let (sealed, bank_pub) = sealed_to_bank(&mut rng);
    let bank = testing::bank_identity();
    let open_at = |t: Timestamp, k: LetterKind| {
        letter::open(
            &sealed,
            bank_pub.id(),
            bank.sealing.as_ref(),
            k,
            t,
            Freshness::default(),
        )
    };
    assert_eq!(
        open_at(NOW.plus(601), LetterKind::Refund),
        Err(LetterError::Expired)
    );
    assert_eq!(
        open_at(NOW.minus(121), LetterKind::Refund),
        Err(LetterError::FromTheFuture)
    );
    assert!(open_at(NOW.plus(600), LetterKind::Refund).is_ok());
    assert_eq!(
        open_at(NOW, LetterKind::Redemption),
        Err(LetterError::WrongKind {
            expected: LetterKind::Redemption,
            got: LetterKind::Refund
        })
    );
}

#[test]
fn forged_signatures_are_refused() {
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    let (sealed, bank_pub) = sealed_to_bank(&mut rng);
    let bank = testing::bank_identity();
    let opened = letter::open(
        &sealed,
        bank_pub.id(),
        bank.sealing.as_ref(),
        LetterKind::Refund,
        NOW,
        Freshness::default(),
    )
    .unwrap();
    // Checked against someone else's key: refused before any maths.
    let other = RsaVerifier::new(testing::other_identity().signing.public_key()).unwrap();
    assert_eq!(
        opened.verify::<RefundRequest>(&other),
        Err(LetterError::WrongSender)
    );
    // One bit of the signature changed.
    let mut bytes = opened.to_bytes();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    let tampered = SignedLetter::from_bytes(&bytes).unwrap();
    let buyer = RsaVerifier::new(testing::buyer_identity().signing.public_key()).unwrap();
    assert_eq!(
        tampered.verify::<RefundRequest>(&buyer),
        Err(LetterError::Crypto(CryptoError::BadSignature))
    );
    // A letter that says it is from the buyer but was signed by someone else.
    let forger = testing::other_identity();
    let forged = letter::sign(
        LetterKind::Refund,
        &body(),
        forger.signing.as_ref(),
        bank_pub.id(),
        NOW,
        &mut rng,
    )
    .unwrap();
    assert_eq!(
        forged.letter.sender,
        forger.id(),
        "the sender is always the signer's key"
    );
    assert_eq!(
        forged.verify::<RefundRequest>(&buyer),
        Err(LetterError::WrongSender)
    );
}
