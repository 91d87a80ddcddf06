//! Randomness from the operating system, for one request or one secret.

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use zeroize::Zeroizing;

/// 32 random bytes from the operating system, wiped when dropped.
pub fn fresh_secret() -> Result<Zeroizing<[u8; 32]>, getrandom::Error> {
    let mut secret = Zeroizing::new([0u8; 32]);
    getrandom::fill(secret.as_mut_slice())?;
    Ok(secret)
}

/// A generator seeded from the operating system, for one request.
pub fn fresh_rng() -> Result<ChaCha20Rng, getrandom::Error> {
    Ok(ChaCha20Rng::from_seed(*fresh_secret()?))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use rand_core::Rng as _;

    use super::*;

    #[test]
    fn two_generators_differ() {
        let (mut a, mut b) = (fresh_rng().unwrap(), fresh_rng().unwrap());
        assert_ne!(a.next_u64(), b.next_u64());
        assert_ne!(*fresh_secret().unwrap(), *fresh_secret().unwrap());
    }
}
