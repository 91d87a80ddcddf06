//! Property tests: encodings round-trip and are canonical, decoders refuse
//! damage without panicking, and splitting hides the token.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use halfpenny::crypto::Backend as _;
use halfpenny::crypto::rustcrypto::RustCrypto;
use halfpenny::ids::{PurseId, SessionSerial, TokenSerial};
use halfpenny::messages::{
    Payment, PaymentRequest, PurseContents, Receipt, RedemptionRequest, RefundRequest,
};
use halfpenny::split::{Half, Share, TokenShare, join, split};
use halfpenny::wire::{Decode, Encode, TextForm};
use halfpenny::{Amount, Assertion, Currency, Suite, Timestamp, Token, TokenKind, testing};
use proptest::prelude::*;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use rstest::rstest;

fn token_strategy() -> impl Strategy<Value = Token> {
    let kind = prop_oneof![
        ("[A-Z]{3}", 1u64..)
            .prop_map(|(c, v)| TokenKind::Money(Amount::new(v, Currency::new(&c).unwrap()))),
        (1u8..=150).prop_map(|n| TokenKind::Authorization(Assertion::AgeAtLeast(n))),
        "[a-z0-9_-]{1,32}".prop_map(|s| TokenKind::Authorization(Assertion::parse(&s).unwrap())),
    ];
    (
        prop::sample::select(Suite::ALL.to_vec()),
        kind,
        any::<[u8; 16]>(),
        any::<u64>(),
    )
        .prop_map(|(suite, kind, serial, exp)| Token {
            suite,
            kind,
            serial: TokenSerial(serial),
            expires_at: Timestamp(exp),
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn signed_tokens_round_trip_in_binary_and_text(token in token_strategy()) {
        let key = testing::bank_token_key_for(token.suite);
        let verifier = RustCrypto.verifying_key(key.public_key()).unwrap();
        let signed = token.clone().sign(key.as_ref()).unwrap();
        let bytes = signed.to_bytes();
        let back = halfpenny::SignedToken::from_bytes(&bytes).unwrap();
        prop_assert_eq!(&back, &signed);
        prop_assert_eq!(&back.token, &token);
        prop_assert!(back.verify(verifier.as_ref()).is_ok());
        prop_assert_eq!(signed.signature().len(), token.suite.signature_len());
        prop_assert_eq!(halfpenny::SignedToken::from_text(&signed.to_text()).unwrap(), signed);
        prop_assert!(bytes.len() <= halfpenny::token::MAX_SIGNED_TOKEN_BYTES);
    }

    #[test]
    fn any_damage_to_a_signed_token_is_caught(token in token_strategy(), at in any::<prop::sample::Index>(), flip in 1u8..) {
        let key = testing::bank_token_key_for(token.suite);
        let verifier = RustCrypto.verifying_key(key.public_key()).unwrap();
        let mut bytes = token.sign(key.as_ref()).unwrap().to_bytes();
        let i = at.index(bytes.len());
        bytes[i] ^= flip;
        // Either it no longer decodes, or the signature no longer holds.
        if let Ok(t) = halfpenny::SignedToken::from_bytes(&bytes) { prop_assert!(t.verify(verifier.as_ref()).is_err()) }
        // Truncation and trailing bytes never decode.
        let good = bytes.clone();
        prop_assert!(halfpenny::SignedToken::from_bytes(&good[..i]).is_err());
        let mut longer = good;
        longer.push(0);
        prop_assert!(halfpenny::SignedToken::from_bytes(&longer).is_err());
    }

    #[test]
    fn split_then_join_gives_the_token_back(secret in prop::collection::vec(any::<u8>(), 1..600), n in 2usize..=8, seed in any::<u64>()) {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let shares = split(&secret, n, &mut rng).unwrap();
        prop_assert_eq!(shares.len(), n);
        let all: Vec<&Share> = shares.iter().collect();
        prop_assert_eq!(join(&all).unwrap(), secret.clone());
        let reversed: Vec<&Share> = shares.iter().rev().collect();
        prop_assert_eq!(join(&reversed).unwrap(), secret);
    }

    /// Any n-1 items are consistent with *every* token of that length, and the
    /// pads do not depend on the token at all: n-1 items reveal nothing.
    #[test]
    fn any_n_minus_one_items_reveal_nothing(
        a in prop::collection::vec(any::<u8>(), 1..400),
        b_seed in any::<u64>(),
        n in 2usize..=8,
        missing in any::<prop::sample::Index>(),
        seed in any::<u64>(),
    ) {
        let b: Vec<u8> = {
            let mut r = ChaCha20Rng::seed_from_u64(b_seed);
            let mut v = vec![0u8; a.len()];
            rand_core::Rng::fill_bytes(&mut r, &mut v);
            v
        };
        let sa = split(&a, n, &mut ChaCha20Rng::seed_from_u64(seed)).unwrap();
        let sb = split(&b, n, &mut ChaCha20Rng::seed_from_u64(seed)).unwrap();
        prop_assert_eq!(&sa[..n - 1], &sb[..n - 1], "the pads are independent of the token");
        let k = missing.index(n);
        let others: Vec<&Share> = sa.iter().enumerate().filter(|(i, _)| *i != k).map(|(_, s)| s).collect();
        // The item that would complete the others into `b` instead of `a`:
        let mut completing = b.clone();
        for s in &others {
            for (c, x) in completing.iter_mut().zip(s.as_bytes()) { *c ^= x; }
        }
        let completing = Share::from_bytes(completing);
        let mut set = others.clone();
        set.push(&completing);
        prop_assert_eq!(join(&set).unwrap(), b);
    }

    #[test]
    fn decoders_never_panic_and_accept_only_canonical_bytes(bytes in prop::collection::vec(any::<u8>(), 0..700)) {
        fn canonical<T: Encode + Decode>(bytes: &[u8]) -> Result<(), TestCaseError> {
            if let Ok(v) = T::from_bytes(bytes) { prop_assert_eq!(v.to_bytes(), bytes.to_vec()) }
            Ok(())
        }
        canonical::<halfpenny::SignedToken>(&bytes)?;
        canonical::<Half>(&bytes)?;
        canonical::<Payment>(&bytes)?;
        canonical::<PaymentRequest>(&bytes)?;
        canonical::<Receipt>(&bytes)?;
        canonical::<PurseContents>(&bytes)?;
        canonical::<RedemptionRequest>(&bytes)?;
        canonical::<RefundRequest>(&bytes)?;
        canonical::<halfpenny::wallet::BuyerPurse>(&bytes)?;
        canonical::<halfpenny::bank::BankPublic>(&bytes)?;
        canonical::<halfpenny::crypto::seal::SealedBox>(&bytes)?;
        canonical::<halfpenny::letter::Letter>(&bytes)?;
        canonical::<halfpenny::letter::SignedLetter>(&bytes)?;
        canonical::<halfpenny::messages::ForwardedPurseRequest>(&bytes)?;
        canonical::<halfpenny::messages::ReturnResponse>(&bytes)?;
        canonical::<halfpenny::messages::RefundResult>(&bytes)?;
        canonical::<halfpenny::messages::RedemptionResult>(&bytes)?;
    }

    #[test]
    fn halves_and_payments_round_trip(purse in any::<[u8; 16]>(), items in prop::collection::vec((any::<u32>(), prop::collection::vec(any::<u8>(), 1..=halfpenny::token::MAX_SIGNED_TOKEN_BYTES)), 1..8)) {
        let items: Vec<TokenShare> = items.into_iter().map(|(s, b)| TokenShare { session: SessionSerial(s), share: Share::from_bytes(b) }).collect();
        let half = Half { purse: PurseId(purse), share: items[0].clone() };
        prop_assert_eq!(Half::from_text(&half.to_text()).unwrap(), half);
        let p = Payment { payment: halfpenny::Nonce([7; 16]), purse: PurseId(purse), halves: items };
        prop_assert_eq!(Payment::from_bytes(&p.to_bytes()).unwrap(), p.clone());
        prop_assert_eq!(Payment::from_text(&p.to_text()).unwrap(), p);
    }
}

fn half_state_strategy() -> impl Strategy<Value = halfpenny::wallet::HalfState> {
    use halfpenny::wallet::HalfState;
    prop_oneof![
        Just(HalfState::Available),
        any::<[u8; 16]>().prop_map(|n| HalfState::Pending(halfpenny::Nonce(n))),
        any::<[u8; 16]>().prop_map(|n| HalfState::Spent(halfpenny::Nonce(n))),
        Just(HalfState::Refunding),
        Just(HalfState::Refunded),
        Just(HalfState::Refused(
            halfpenny::messages::Refusal::AlreadyRedeemed
        )),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// A saved purse reads back as it was written, and its halves must come
    /// in session order, so one purse has one encoding.
    #[test]
    fn saved_purses_round_trip(
        id in any::<[u8; 16]>(),
        halves in prop::collection::btree_map(any::<u32>(), (1u64..1000, prop::collection::vec(any::<u8>(), 1..300), half_state_strategy()), 0..20),
    ) {
        use halfpenny::wallet::{BuyerHalf, BuyerPurse};
        let purse = BuyerPurse {
            id: PurseId(id),
            bank: halfpenny::BankId::new("demo-bank").unwrap(),
            seller: halfpenny::KeyId([3; 32]),
            currency: Currency::USD,
            expires_at: Timestamp(1_800_000_000),
            halves: halves.into_iter().map(|(s, (v, share, state))| (SessionSerial(s), BuyerHalf {
                kind: TokenKind::Money(Amount::new(v, Currency::USD)),
                share: Share::from_bytes(share),
                state,
            })).collect(),
        };
        let bytes = purse.to_bytes();
        prop_assert_eq!(BuyerPurse::from_bytes(&bytes).unwrap(), purse.clone());
        if purse.halves.len() >= 2 {
            // Swap the first two halves' records: same content, wrong order.
            let mut two: Vec<_> = purse.halves.iter().take(2).collect();
            two.reverse();
            let mut w = halfpenny::wire::Writer::new();
            let head_len = 1 + 16 + 1 + 9 + 32 + 3 + 8;
            w.array(&bytes[..head_len]);
            w.u32(purse.halves.len() as u32);
            for (s, h) in two.iter().copied().chain(purse.halves.iter().skip(2)) {
                s.encode(&mut w);
                h.kind.encode(&mut w);
                h.share.encode(&mut w);
                h.state.encode(&mut w);
            }
            prop_assert_eq!(
                BuyerPurse::from_bytes(&w.into_bytes()),
                Err(halfpenny::wire::WireError::Invalid("purse halves order"))
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// A till's saved purse reads back as it was written; its halves and its
    /// spent sessions must come in session order, and a session is held or
    /// spent, never both, so one purse has one encoding.
    #[test]
    fn saved_seller_purses_round_trip(
        id in any::<[u8; 16]>(),
        sessions in prop::collection::btree_map(any::<u32>(), (1u64..1000, prop::collection::vec(any::<u8>(), 1..300), any::<bool>()), 0..20),
    ) {
        use halfpenny::till::{SellerHalf, SellerPurse};
        let mut purse = SellerPurse {
            id: PurseId(id),
            bank: halfpenny::BankId::new("demo-bank").unwrap(),
            currency: Currency::USD,
            expires_at: Timestamp(1_800_000_000),
            halves: Default::default(),
            spent: Default::default(),
        };
        for (s, (v, share, spent)) in sessions {
            if spent {
                purse.spent.insert(SessionSerial(s));
            } else {
                purse.halves.insert(SessionSerial(s), SellerHalf {
                    kind: TokenKind::Money(Amount::new(v, Currency::USD)),
                    share: Share::from_bytes(share),
                });
            }
        }
        let bytes = purse.to_bytes();
        prop_assert_eq!(SellerPurse::from_bytes(&bytes).unwrap(), purse.clone());
        prop_assert_eq!(SellerPurse::from_bytes(&bytes).unwrap().to_bytes(), bytes.clone());
        let head_len = 1 + 16 + 1 + 9 + 3 + 8;
        let halves: Vec<_> = purse.halves.iter().collect();
        let write = |halves: &[(&SessionSerial, &SellerHalf)], spent: &[SessionSerial]| {
            let mut w = halfpenny::wire::Writer::new();
            w.array(&bytes[..head_len]);
            w.u32(halves.len() as u32);
            for (s, h) in halves {
                s.encode(&mut w);
                h.kind.encode(&mut w);
                h.share.encode(&mut w);
            }
            w.u32(spent.len() as u32);
            for s in spent {
                s.encode(&mut w);
            }
            w.into_bytes()
        };
        let spent: Vec<SessionSerial> = purse.spent.iter().copied().collect();
        prop_assert_eq!(write(&halves, &spent), bytes.clone());
        if halves.len() >= 2 {
            let mut swapped = halves.clone();
            swapped.swap(0, 1);
            prop_assert_eq!(
                SellerPurse::from_bytes(&write(&swapped, &spent)),
                Err(halfpenny::wire::WireError::Invalid("purse halves order"))
            );
        }
        if spent.len() >= 2 {
            let mut swapped = spent.clone();
            swapped.swap(0, 1);
            prop_assert_eq!(
                SellerPurse::from_bytes(&write(&halves, &swapped)),
                Err(halfpenny::wire::WireError::Invalid("spent sessions order"))
            );
        }
        if let Some((s, _)) = halves.first() {
            prop_assert_eq!(
                SellerPurse::from_bytes(&write(&halves, &[**s])),
                Err(halfpenny::wire::WireError::Invalid("a spent session still held"))
            );
        }
    }
}

#[test]
fn a_saved_seller_purse_of_another_version_is_refused() {
    let mut bytes = vec![2u8];
    bytes.extend_from_slice(&[0; 40]);
    assert_eq!(
        halfpenny::till::SellerPurse::from_bytes(&bytes),
        Err(halfpenny::wire::WireError::UnknownVersion(2))
    );
}

#[rstest]
fn three_party_split_needs_all_three_items(
    #[values(Suite::Rsa2048Sha256, Suite::Ed25519)] suite: Suite,
) {
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    let signed = Token::mint(
        suite,
        TokenKind::Money(Amount::new(25, Currency::USD)),
        Timestamp(10),
        &mut rng,
    )
    .sign(testing::bank_token_key_for(suite).as_ref())
    .unwrap();
    let shares = split(&signed.to_bytes(), 3, &mut rng).unwrap();
    let joined = join(&[&shares[0], &shares[1], &shares[2]]).unwrap();
    assert_eq!(halfpenny::SignedToken::from_bytes(&joined).unwrap(), signed);
    for (i, j) in [(0, 1), (0, 2), (1, 2)] {
        let two = join(&[&shares[i], &shares[j]]).unwrap();
        assert_ne!(two, signed.to_bytes());
        assert!(
            halfpenny::SignedToken::from_bytes(&two).is_err(),
            "two of three items make no token"
        );
    }
}

/// Token, half and half-as-text sizes for a one-cent token (see token.rs).
#[rstest]
#[case::rsa2048_sha256(Suite::Rsa2048Sha256, 287, 310, 419)]
#[case::ed25519(Suite::Ed25519, 95, 118, 163)]
fn sizes_are_what_the_docs_say(
    #[case] suite: Suite,
    #[case] token_bytes: usize,
    #[case] half_bytes: usize,
    #[case] half_chars: usize,
) {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let signed = Token::mint(
        suite,
        TokenKind::Money(Amount::new(1, Currency::USD)),
        Timestamp(10),
        &mut rng,
    )
    .sign(testing::bank_token_key_for(suite).as_ref())
    .unwrap();
    assert_eq!(signed.to_bytes().len(), token_bytes);
    let shares = split(&signed.to_bytes(), 2, &mut rng).unwrap();
    let half = Half {
        purse: PurseId([1; 16]),
        share: TokenShare {
            session: SessionSerial(1),
            share: shares[0].clone(),
        },
    };
    assert_eq!(half.to_bytes().len(), half_bytes);
    assert_eq!(half.to_text().len(), half_chars);
}
