//! Paying a shop's pay button (patent Fig. 7, the buyer initiating): read who
//! asks and how much, settle what an earlier lost reply left pending, buy a
//! purse through the shop when she has none for it, and pay on approval.
//!
//! Every step is `halfpenny_wallet::flows`' (saved before anything leaves,
//! and tested natively against every loss); this module only picks the
//! link (the shop page that opened this window, or the buyer herself
//! copying codes to and from a till in person) and words the outcome.

use halfpenny::messages::{AuthorizationOrder, Denomination, PaymentRequest, PurseRequest};
use halfpenny::wire::TextForm;
use halfpenny::{Amount, AmountError, Currency};
use halfpenny_idb::IdbStore;
use halfpenny_pay_protocol::ToWallet;
use halfpenny_store::{StoreError, WalletStore};
use halfpenny_wallet::flows::{self, FlowError, PayOutcome};
use halfpenny_wallet::{Keeper, KeeperError};
use halfpenny_web::browser::{self, BrowserError};

use crate::bank_api::Bank;
use crate::courier::Link;
use crate::shop_link::Incoming;

/// Why a step of paying a shop did not happen: data only (amounts, the
/// shop's refusal as it came, the step that failed). The page words it
/// (`app::sentences`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PayError {
    /// The shop's `pay` message, or the code she pasted, is not a payment
    /// request.
    #[error("the payment request could not be read")]
    Unreadable,
    /// The purse total she typed is not an amount.
    #[error("the purse total: {0}")]
    Total(AmountError),
    /// The purse total is not a whole number (above zero) of `coin`s.
    #[error("{total} is not a whole number of {coin} coins")]
    NotWholeCoins { total: Amount, coin: Amount },
    /// The purse would hold more than [`MAX_COINS`] coins.
    #[error("{count} coins, more than a purse holds")]
    TooManyCoins { count: u64 },
    /// The allowance she typed is not an amount.
    #[error("the allowance: {0}")]
    Allowance(AmountError),
    /// Her purses could not be read.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Her allowance for the shop could not be saved.
    #[error(transparent)]
    Keeper(#[from] KeeperError),
    /// Settling what a lost reply left pending with the shop stopped.
    #[error("recovering: {0}")]
    Recover(FlowError),
    /// Buying a purse through the shop stopped.
    #[error("buying a purse: {0}")]
    BuyPurse(FlowError),
    /// The payment itself stopped.
    #[error("paying: {0}")]
    Pay(FlowError),
    /// The browser's randomness.
    #[error(transparent)]
    Browser(#[from] BrowserError),
}

/// A shop's request, as the buyer is asked to approve it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ask {
    pub request: PaymentRequest,
    /// The web origin of the page that asks, as the browser reported it, or
    /// "a till in person".
    pub shop: String,
    pub price: String,
    pub requires: Option<String>,
}

impl Ask {
    /// A `pay` message from the shop page that opened this window.
    pub fn read(m: &Incoming) -> Result<Self, PayError> {
        match &m.message {
            Some(ToWallet::Pay { request, .. }) => Self::from_code(request, m.origin.clone()),
            _ => Err(PayError::Unreadable),
        }
    }

    /// A payment request code (`hpr1.…`) from `shop`.
    pub fn from_code(code: &str, shop: String) -> Result<Self, PayError> {
        let request = PaymentRequest::from_text(code.trim()).map_err(|_| PayError::Unreadable)?;
        Ok(Self {
            price: request.price.to_string(),
            requires: request.requires.as_ref().map(ToString::to_string),
            request,
            shop,
        })
    }
}

/// The coin sizes a buyer can choose for a new purse, in minor units.
pub const COINS: [u64; 4] = [1, 2, 5, 10];

/// How many proofs a purse for an item that needs one carries: each
/// payment uses one up.
pub const PROOFS: u32 = 5;

/// The most coins one purse holds.
pub const MAX_COINS: u32 = 10_000;

/// The purse she orders: `total` in coins of `coin` minor units, and proofs
/// of what the item requires, if anything.
pub fn order(ask: &Ask, total: &str, coin: u64) -> Result<PurseRequest, PayError> {
    let currency = ask.request.price.currency();
    let total = Amount::from_decimal(total, currency).map_err(PayError::Total)?;
    if coin == 0 || total.minor() == 0 || total.minor() % coin != 0 {
        return Err(PayError::NotWholeCoins {
            total,
            coin: Amount::new(coin, currency),
        });
    }
    let coins = total.minor() / coin;
    let count = u32::try_from(coins)
        .ok()
        .filter(|&c| c <= MAX_COINS)
        .ok_or(PayError::TooManyCoins { count: coins })?;
    Ok(PurseRequest {
        seller: ask.request.seller,
        currency,
        money: Denomination::list(&[(coin, count)]),
        authorizations: ask
            .request
            .requires
            .iter()
            .map(|a| AuthorizationOrder {
                assertion: a.clone(),
                count: PROOFS,
            })
            .collect(),
        suite: None,
    })
}

/// True when one of her purses for this seller can pay the price now, with
/// a proof of what the item requires.
pub async fn has_purse_for(keeper: &Keeper<IdbStore>, ask: &Ask) -> Result<bool, PayError> {
    let price = ask.request.price;
    let purses = keeper.store().purses().await?;
    Ok(purses.iter().any(|p| {
        let available = p.available();
        p.seller == ask.request.seller
            && available.currency() == price.currency()
            && available.minor() >= price.minor()
            && ask
                .request
                .requires
                .as_ref()
                .is_none_or(|a| p.authorizations(a) > 0)
    }))
}

/// Finishes what a lost answer left open with this shop, through the shop
/// only (paying contacts no one else): her purse orders for it are sent
/// again, the same bytes; her pending payments to it are asked about and
/// settled or released. Returns the items of the payments it found taken:
/// if one is what the shop asks for now, she has paid for it already.
pub async fn recover(
    keeper: &Keeper<IdbStore>,
    link: &mut Link,
    ask: &Ask,
) -> Result<Vec<String>, PayError> {
    let seller = ask.request.seller;
    let mut rng = browser::rng()?;
    flows::recover_orders(
        keeper,
        Some((seller, &mut *link)),
        None::<&mut Bank>,
        browser::now(),
        &mut rng,
    )
    .await
    .map_err(PayError::Recover)?;
    flows::recover_payments(keeper, link, seller, browser::now())
        .await
        .map_err(PayError::Recover)
}

/// Orders a purse through the shop and keeps her halves. The order is
/// saved first; if no answer comes it stays pending and is sent again.
pub async fn buy_purse(
    keeper: &Keeper<IdbStore>,
    link: &mut Link,
    order: &PurseRequest,
) -> Result<(), PayError> {
    let mut rng = browser::rng()?;
    flows::buy_purse(keeper, link, order, browser::now(), &mut rng)
        .await
        .map(|_| ())
        .map_err(PayError::BuyPurse)
}

/// How a payment ended, as the page tells her.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Paid(String),
    /// The shop did not answer: the halves stay set aside until it does.
    Unknown(String),
}

/// What she is told of a payment's outcome.
fn told(outcome: PayOutcome, ask: &Ask, automatic: bool) -> Outcome {
    match outcome {
        PayOutcome::Paid {
            paying,
            spent_before,
            ..
        } => {
            let paid = format!("{paying} for {}", ask.request.item);
            let mut line = if automatic {
                format!("Paid automatically from your allowance for this shop: {paid}.")
            } else {
                format!("Paid {paid}.")
            };
            if !spent_before.is_zero() {
                line.push_str(&format!(
                    " {spent_before} of your coins had been spent already (an older \
                     backup was restored); they are marked spent and were not used."
                ));
            }
            Outcome::Paid(line)
        }
        PayOutcome::Unknown => Outcome::Unknown(
            "The shop did not answer. Your coins for this payment stay set aside; \
             open this shop's page again and the wallet will ask it what happened."
                .to_owned(),
        ),
    }
}

/// Marks the halves pending, sends them and settles or releases them on the
/// shop's answer.
pub async fn pay(
    keeper: &Keeper<IdbStore>,
    link: &mut Link,
    ask: &Ask,
) -> Result<Outcome, PayError> {
    flows::pay(keeper, link, &ask.request, browser::now())
        .await
        .map(|o| told(o, ask, false))
        .map_err(PayError::Pay)
}

/// Pays at once, without asking her, when her allowance for this shop
/// covers it; `None` (nothing taken) when she must approve.
pub async fn pay_within_allowance(
    keeper: &Keeper<IdbStore>,
    link: &mut Link,
    ask: &Ask,
) -> Result<Option<Outcome>, PayError> {
    flows::pay_within_allowance(keeper, link, &ask.request, browser::now())
        .await
        .map(|o| o.map(|o| told(o, ask, true)))
        .map_err(PayError::Pay)
}

/// Reads the allowance she typed for this shop (`0.10`), in the price's
/// currency.
pub fn allowance_amount(ask: &Ask, text: &str) -> Result<Amount, PayError> {
    read_allowance(text, ask.request.price.currency())
}

/// Reads an allowance she typed (`0.10`) as exact minor units of `currency`.
pub fn read_allowance(text: &str, currency: Currency) -> Result<Amount, PayError> {
    Amount::from_decimal(text, currency).map_err(PayError::Allowance)
}

/// Lets this shop take up to `amount` without asking her again.
pub async fn allow(keeper: &Keeper<IdbStore>, ask: &Ask, amount: Amount) -> Result<(), PayError> {
    Ok(keeper
        .set_allowance(ask.request.seller, Some(amount))
        .await?)
}

/// What the wallet found when a shop's request came in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Checked {
    /// An earlier payment for this very item went through.
    PaidBefore,
    /// She has no purse for this seller that can pay it.
    NeedsPurse,
    /// She can pay; she is asked to approve.
    CanPay,
    /// Her allowance for this shop covered it: paid without asking.
    PaidFromAllowance(Outcome),
}

/// Settles what a lost reply left pending with this shop (if the shop can
/// be asked), then sees whether she can pay, and pays at once if the shop
/// can be asked and her allowance for it covers the price.
pub async fn check(
    keeper: &Keeper<IdbStore>,
    link: &mut Link,
    ask: &Ask,
) -> Result<Checked, PayError> {
    // A till in person cannot be asked: her pending payments wait for the
    // receipt she pastes, or for her to release them.
    let from_page = matches!(link, Link::Page(_));
    if from_page
        && recover(keeper, link, ask)
            .await?
            .contains(&ask.request.item)
    {
        return Ok(Checked::PaidBefore);
    }
    if !has_purse_for(keeper, ask).await? {
        return Ok(Checked::NeedsPurse);
    }
    if from_page && let Some(outcome) = pay_within_allowance(keeper, link, ask).await? {
        return Ok(Checked::PaidFromAllowance(outcome));
    }
    Ok(Checked::CanPay)
}
