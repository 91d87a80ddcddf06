//! Making a new identity's keys in the browser and registering them at the
//! bank.

use halfpenny::bank::{BankPublic, Role};
use halfpenny::crypto::PublicIdentity;
use rand_chacha::ChaCha20Rng;

use crate::{BankApi, browser};

pub use crate::error::EnrolError;

/// Sets up a new identity with the bank at `bank_url`: reads the bank's
/// public keys, has `make` create and save the keys with them and a
/// generator seeded by the browser, then registers the identity that
/// `public` gives as `role`. What `make` made.
pub async fn enrol<T, E>(
    bank_url: &str,
    role: Role,
    make: impl AsyncFnOnce(BankPublic, &mut ChaCha20Rng) -> Result<T, E>,
    public: impl FnOnce(&T) -> PublicIdentity,
) -> Result<T, EnrolError<E>> {
    let api = BankApi::new(bank_url);
    let bank = api.bank().await?;
    let mut rng = browser::rng()?;
    let made = make(bank, &mut rng).await.map_err(EnrolError::Make)?;
    api.register(role, &public(&made)).await?;
    Ok(made)
}
