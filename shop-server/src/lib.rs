//! The Halfpenny shop server: the seller's till behind a web shop. It holds
//! the seller's halves in SQLite, judges payments off-line with the core's
//! `Till`, and talks to the bank only to buy purses for buyers, to redeem
//! and to answer refunds. Only this crate's `error` knows HTTP statuses.

pub mod api;
pub mod bank_client;
pub mod catalog;
pub use halfpenny_server_kit::clock;
pub mod error;
pub mod keys;
pub mod service;
pub mod store;
pub mod views;

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use halfpenny::bank::BankPublic;
use halfpenny::crypto::PrivateIdentity;
use halfpenny::till::{Till, VerifyPolicy};
use zeroize::Zeroizing;

use crate::bank_client::{BankCallError, BankClient};
use crate::store::Store;

pub use service::App;

/// Everything needed to start a shop.
#[derive(Debug)]
pub struct Settings {
    pub bank_url: String,
    /// Keys (`keys/`, mode 0700) and the database (`shop.db`).
    pub data_dir: PathBuf,
    /// The buyer's wallet page, named in every offer.
    pub wallet_url: String,
    /// Where the bank posts its notices (the seller's registered address).
    pub notice_address: String,
    pub catalog: catalog::Catalog,
    pub verify: VerifyPolicy,
    pub operator_token: Option<Zeroizing<String>>,
    /// How long a shop not yet registered waits for the bank at start.
    pub bank_wait: Duration,
}

/// `all`, or `sample:N` (about one token in N has its signature checked).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Verify(pub VerifyPolicy);

impl FromStr for Verify {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        if s == "all" {
            return Ok(Verify(VerifyPolicy::All));
        }
        match s.strip_prefix("sample:").map(str::parse::<u32>) {
            Some(Ok(one_in)) if one_in >= 1 => Ok(Verify(VerifyPolicy::Sample { one_in })),
            _ => Err("write `all` or `sample:N` with N at least 1".to_owned()),
        }
    }
}

/// Opens the data folder, makes the seller's keys on first start, links
/// to the bank (registering once) and builds the app around the till.
pub async fn build(settings: Settings) -> anyhow::Result<Arc<App>> {
    if !settings.data_dir.exists() {
        // The database holds the seller's halves: for his eyes only.
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::create_dir_all(&settings.data_dir)
            .and_then(|_| {
                std::fs::set_permissions(&settings.data_dir, std::fs::Permissions::from_mode(0o700))
            })
            .with_context(|| format!("creating {}", settings.data_dir.display()))?;
    }
    let key_dir = settings.data_dir.join("keys");
    for path in keys::ensure(&key_dir)? {
        tracing::info!(file = %path.display(), "created a new key (mode 0600)");
    }
    let keys = keys::load_or_create(&key_dir)?;
    let store = Store::open(&settings.data_dir.join("shop.db")).await?;
    let bank = BankClient::new(&settings.bank_url);
    let bank_public = link_bank(&store, &bank, &keys.identity, &settings).await?;
    let till = Till::new(
        keys.identity.id(),
        bank_public.clone(),
        &halfpenny_aws_lc::AwsLc,
        settings.verify,
    )
    .map_err(|e| anyhow::anyhow!("the bank's keys cannot be used: {e}"))?;
    Ok(Arc::new(App::new(
        keys.identity,
        till,
        bank_public,
        bank,
        store,
        settings.catalog,
        settings.wallet_url,
        settings.operator_token,
        keys.access,
    )))
}

/// The bank's public information: fetched (and saved) when the bank is up;
/// the saved copy when it is down and the seller is already registered, so
/// the shop takes payments off-line. A shop not yet registered waits for
/// the bank a while, then gives up.
async fn link_bank(
    store: &Store,
    bank: &BankClient,
    me: &PrivateIdentity,
    settings: &Settings,
) -> anyhow::Result<BankPublic> {
    let saved = store.bank_link().await?;
    let started = Instant::now();
    let mut attempt = 0u32;
    loop {
        attempt += 1;
        let e = match link_once(store, bank, me, settings, saved.as_ref()).await {
            Ok(public) => return Ok(public),
            Err(LinkError::Fatal(e)) => return Err(e),
            Err(LinkError::Retry(e)) => e,
        };
        if let Some(link) = saved.as_ref().filter(|l| l.account.is_some()) {
            tracing::warn!(bank = %bank.url(), error = %e, "the bank cannot be reached: taking payments off-line with its saved keys; redemption waits until it is back");
            return Ok(link.bank.clone());
        }
        if started.elapsed() >= settings.bank_wait {
            bail!(
                "the bank at {} could not be reached for {} s ({e}); start the bank first",
                bank.url(),
                settings.bank_wait.as_secs()
            );
        }
        tracing::warn!(bank = %bank.url(), attempt, error = %e, "waiting for the bank to register this shop");
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
}

enum LinkError {
    Retry(BankCallError),
    Fatal(anyhow::Error),
}

impl From<BankCallError> for LinkError {
    fn from(e: BankCallError) -> Self {
        if e.is_final() {
            LinkError::Fatal(anyhow::anyhow!("the bank refused this shop: {e}"))
        } else {
            LinkError::Retry(e)
        }
    }
}

impl From<store::StoreError> for LinkError {
    fn from(e: store::StoreError) -> Self {
        LinkError::Fatal(e.into())
    }
}

async fn link_once(
    store: &Store,
    bank: &BankClient,
    me: &PrivateIdentity,
    settings: &Settings,
    saved: Option<&store::BankLink>,
) -> Result<BankPublic, LinkError> {
    let public = bank.bank().await?;
    if let Some(s) = saved {
        if s.bank.id != public.id {
            return Err(LinkError::Fatal(anyhow::anyhow!(
                "the bank at {} is {}, but this shop's purses are from {}",
                bank.url(),
                public.id,
                s.bank.id
            )));
        }
        if s.bank != public {
            tracing::warn!(bank = %public.id, "the bank publishes new keys; using them");
        }
    }
    let now = halfpenny::Timestamp(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
    );
    store.save_bank(&public, now).await?;
    if saved.and_then(|s| s.account).is_none() {
        let account = bank
            .register(&me.public(), &settings.notice_address)
            .await?;
        if account != me.id() {
            return Err(LinkError::Fatal(anyhow::anyhow!(
                "the bank registered another account than this seller's key"
            )));
        }
        store
            .save_account(account, &settings.notice_address, now)
            .await?;
        tracing::info!(account = %account.to_hex(), address = %settings.notice_address, "registered at the bank as a seller");
    } else if let Some(account) = saved.and_then(|s| s.account)
        && saved.and_then(|s| s.address.as_deref()) != Some(settings.notice_address.as_str())
    {
        // The shop moved: it tells the bank by a letter it signs.
        let mut rng = halfpenny_server_kit::rng::fresh_rng()
            .map_err(|_| LinkError::Fatal(anyhow::anyhow!("no randomness from the system")))?;
        let (letter, _) = halfpenny::letter::send(
            halfpenny::letter::LetterKind::AddressChange,
            &halfpenny::messages::AddressChange {
                address: Some(settings.notice_address.clone()),
            },
            me.signing.as_ref(),
            &public.identity,
            now,
            &mut rng,
        )
        .map_err(|e| LinkError::Fatal(anyhow::anyhow!("signing the address change: {e}")))?;
        bank.change_address(&halfpenny::wire::TextForm::to_text(&letter))
            .await?;
        store
            .save_account(account, &settings.notice_address, now)
            .await?;
        tracing::info!(address = %settings.notice_address, "told the bank this shop's new address");
    }
    Ok(public)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_verify_policy_is_all_or_a_sample() {
        assert_eq!("all".parse(), Ok(Verify(VerifyPolicy::All)));
        assert_eq!(
            "sample:20".parse(),
            Ok(Verify(VerifyPolicy::Sample { one_in: 20 }))
        );
        for bad in ["", "some", "sample:", "sample:0", "sample:-1", "sample:x"] {
            assert!(bad.parse::<Verify>().is_err(), "{bad}");
        }
    }
}
