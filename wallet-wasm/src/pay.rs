//! Paying a shop's pay button (seed Fig. 8 from the buyer's side): read who
//! asks and how much, settle what an earlier lost reply left pending, buy a
//! purse through the shop when she has none for it, and pay on approval.
//!
//! Every step goes through the keeper first (halves are marked pending before
//! the payment leaves the page); this module only moves the messages, over a
//! [`Courier`]: the shop page that opened this window, or the buyer herself
//! copying codes to and from a till in person.

use halfpenny::crypto::seal::SealedBox;
use halfpenny::messages::{
    AuthorizationOrder, Denomination, PaymentRequest, PurseRequest, Receipt,
};
use halfpenny::wallet::PreparedPayment;
use halfpenny::wire::TextForm;
use halfpenny::{Amount, Currency, Nonce};
use halfpenny_idb::IdbStore;
use halfpenny_store::WalletStore;
use halfpenny_wallet::Keeper;
use halfpenny_web::browser;
use serde_json::json;

use crate::courier::{Courier, Seller};
use crate::sentence;
use crate::shop_link::Incoming;

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
    pub fn read(m: &Incoming) -> Result<Self, String> {
        Self::from_code(m.text("request")?, m.origin.clone())
    }

    /// A payment request code (`hpr1.…`) from `shop`.
    pub fn from_code(code: &str, shop: String) -> Result<Self, String> {
        let request = PaymentRequest::from_text(code.trim())
            .map_err(|_| "The payment request could not be read.".to_owned())?;
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

/// The purse she orders: `total` in coins of `coin` minor units, and proofs
/// of what the item requires, if anything.
pub fn order(ask: &Ask, total: &str, coin: u64) -> Result<PurseRequest, String> {
    let currency = ask.request.price.currency();
    let total = Amount::from_decimal(total, currency).map_err(sentence)?;
    if coin == 0 || total.minor() == 0 || total.minor() % coin != 0 {
        return Err(format!(
            "Choose a total that is a whole number of {} coins.",
            Amount::new(coin, currency)
        ));
    }
    let count = u32::try_from(total.minor() / coin)
        .ok()
        .filter(|&c| c <= 10_000)
        .ok_or("A purse holds at most 10,000 coins; choose larger coins.")?;
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
pub async fn has_purse_for(keeper: &Keeper<IdbStore>, ask: &Ask) -> Result<bool, String> {
    let price = ask.request.price;
    let purses = keeper.store().purses().await.map_err(sentence)?;
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

/// Asks the shop about every payment to it that a lost reply left pending:
/// settled if the till took it, released if it never did, else kept.
/// Returns the items of the payments it found taken: if one is what the
/// shop asks for now, she has paid for it already.
pub async fn recover(
    keeper: &Keeper<IdbStore>,
    link: &mut impl Courier,
    ask: &Ask,
) -> Result<Vec<String>, String> {
    let mut taken = Vec::new();
    for purse in keeper.summaries().await.map_err(sentence)? {
        if purse.seller != ask.request.seller {
            continue;
        }
        for payment in purse.pending_payments {
            let answer = link
                .ask(
                    "status",
                    json!({ "payment": payment.to_string() }),
                    &["receipt", "not-taken", "unknown"],
                )
                .await?;
            match answer.kind.as_str() {
                "receipt" => taken.push(settle(keeper, &answer, payment).await?),
                "not-taken" => keeper
                    .release(purse.purse, payment, browser::now())
                    .await
                    .map_err(sentence)?,
                _ => {}
            }
        }
    }
    Ok(taken)
}

/// Orders a purse through the shop and keeps her halves.
pub async fn buy_purse(
    keeper: &Keeper<IdbStore>,
    link: &mut impl Courier,
    order: &PurseRequest,
) -> Result<(), String> {
    let mut rng = browser::rng()?;
    let forwarded = keeper
        .request_purse(order, browser::now(), &mut rng)
        .map_err(sentence)?;
    let answer = link
        .ask(
            "purse-request",
            json!({ "request": forwarded.to_text() }),
            &["purse", "error"],
        )
        .await?;
    if answer.kind == "error" {
        return Err(format!(
            "The shop could not get a purse: {}",
            answer.message()
        ));
    }
    let sealed = SealedBox::from_text(answer.text("purse")?)
        .map_err(|_| "The purse the shop passed on could not be read.".to_owned())?;
    keeper
        .receive_purse(&sealed, browser::now())
        .await
        .map_err(sentence)?;
    Ok(())
}

/// How a payment ended, as the page tells her.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Paid(String),
    /// The shop did not answer: the halves stay set aside until it does.
    Unknown(String),
}

/// Marks the halves pending, sends them and settles or releases them on the
/// shop's answer.
pub async fn pay(
    keeper: &Keeper<IdbStore>,
    link: &mut impl Courier,
    ask: &Ask,
) -> Result<Outcome, String> {
    let prepared = keeper
        .pay(&ask.request, browser::now())
        .await
        .map_err(sentence)?;
    send(keeper, link, ask, prepared, false).await
}

/// Pays at once, without asking her, when her allowance for this shop
/// covers it; `None` (nothing taken) when she must approve.
pub async fn pay_within_allowance(
    keeper: &Keeper<IdbStore>,
    link: &mut impl Courier,
    ask: &Ask,
) -> Result<Option<Outcome>, String> {
    let Some(prepared) = keeper
        .pay_within_allowance(&ask.request, browser::now())
        .await
        .map_err(sentence)?
    else {
        return Ok(None);
    };
    send(keeper, link, ask, prepared, true).await.map(Some)
}

/// Reads the allowance she typed for this shop (`0.10`), in the price's
/// currency.
pub fn allowance_amount(ask: &Ask, text: &str) -> Result<Amount, String> {
    read_allowance(text, ask.request.price.currency())
}

/// Reads an allowance she typed (`0.10`) as exact minor units of `currency`.
pub fn read_allowance(text: &str, currency: Currency) -> Result<Amount, String> {
    Amount::from_decimal(text, currency)
        .map_err(|e| format!("The allowance could not be read: {}", sentence(e)))
}

/// Lets this shop take up to `amount` without asking her again.
pub async fn allow(keeper: &Keeper<IdbStore>, ask: &Ask, amount: Amount) -> Result<(), String> {
    keeper
        .set_allowance(ask.request.seller, Some(amount))
        .await
        .map_err(sentence)
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
    link: &mut Seller,
    ask: &Ask,
) -> Result<Checked, String> {
    // A till in person cannot be asked: her pending payments wait for the
    // receipt she pastes, or for her to release them.
    let from_page = matches!(link, Seller::Page(_));
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

/// Sends prepared halves and settles or releases them on the shop's answer.
/// `automatic`: paid from her allowance, which gets back what a refused
/// payment took from it.
async fn send(
    keeper: &Keeper<IdbStore>,
    link: &mut impl Courier,
    ask: &Ask,
    prepared: PreparedPayment,
    automatic: bool,
) -> Result<Outcome, String> {
    let payment = prepared.payment.payment;
    // Noted before the halves leave: if the answer is lost, her pending
    // list says where they went.
    keeper
        .note_sent(&prepared, &ask.request.item, link.via(), browser::now())
        .await
        .map_err(sentence)?;
    let answer = link
        .ask(
            "payment",
            json!({ "payment": prepared.payment.to_text() }),
            &["receipt", "refused", "unknown"],
        )
        .await?;
    match answer.kind.as_str() {
        "receipt" => {
            settle(keeper, &answer, payment).await?;
            let paid = format!("{} for {}", prepared.paying, ask.request.item);
            Ok(Outcome::Paid(if automatic {
                format!("Paid automatically from your allowance for this shop: {paid}.")
            } else {
                format!("Paid {paid}.")
            }))
        }
        "refused" => {
            keeper
                .release(prepared.payment.purse, payment, browser::now())
                .await
                .map_err(sentence)?;
            if automatic && !prepared.retry {
                keeper
                    .refund_allowance(ask.request.seller, prepared.paying)
                    .await
                    .map_err(sentence)?;
            }
            Err(format!(
                "The seller refused the payment and kept nothing: {}",
                answer.message()
            ))
        }
        _ => Ok(Outcome::Unknown(
            "The shop did not answer. Your coins for this payment stay set aside; \
             open this shop's page again and the wallet will ask it what happened."
                .to_owned(),
        )),
    }
}

/// Checks the receipt is for this payment and marks its halves spent; the
/// item it paid for.
async fn settle(
    keeper: &Keeper<IdbStore>,
    answer: &Incoming,
    payment: Nonce,
) -> Result<String, String> {
    let receipt = Receipt::from_text(answer.text("receipt")?)
        .map_err(|_| "The shop's receipt could not be read.".to_owned())?;
    if receipt.payment != payment {
        return Err("The shop's receipt is for another payment.".to_owned());
    }
    keeper
        .settle(&receipt, browser::now())
        .await
        .map_err(sentence)?;
    Ok(receipt.item)
}
