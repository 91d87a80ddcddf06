//! Prints, for each token suite, the size of a signed one-cent token and of
//! one half in binary and as text, as JSON lines (read by scripts/bench.sh).
//!
//!     cargo run -p halfpenny --example sizes
#![allow(clippy::unwrap_used)]

use halfpenny::split::{Half, TokenShare, split};
use halfpenny::testing;
use halfpenny::wire::{Encode, TextForm};
use halfpenny::{Amount, Currency, PurseId, SessionSerial, Suite, Timestamp, Token, TokenKind};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

fn main() {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    for suite in Suite::ALL {
        for value in [1u64, 100, 10_000] {
            let signed = Token::mint(
                suite,
                TokenKind::Money(Amount::new(value, Currency::USD)),
                Timestamp(1_795_478_400),
                &mut rng,
            )
            .sign(testing::bank_token_key_for(suite).as_ref())
            .unwrap();
            let token_bytes = signed.to_bytes();
            let mut shares = split(&token_bytes, 2, &mut rng).unwrap();
            let half = Half {
                purse: PurseId::random(&mut rng),
                share: TokenShare {
                    session: SessionSerial(0),
                    share: shares.pop().unwrap(),
                },
            };
            println!(
                "{{\"figure\":\"sizes\",\"suite\":\"{suite}\",\"value_minor\":{value},\"token_bytes\":{},\"half_bytes\":{},\"half_chars\":{}}}",
                token_bytes.len(),
                half.to_bytes().len(),
                half.to_text().len()
            );
        }
    }
}
