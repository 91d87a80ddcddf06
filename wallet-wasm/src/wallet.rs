//! The wallet as the page reads it: plain domain values from the keeper and
//! the bank (no signals here), and the steps that change it.

use std::rc::Rc;

use halfpenny::{Amount, Currency, KeyId, PurseId, Timestamp};
use halfpenny_idb::IdbStore;
use halfpenny_store::StoreError;
use halfpenny_store::{EventKind, WalletStore, spending_by_day};
use halfpenny_wallet::{Keeper, KeeperError, Money};

use halfpenny::bank::Role;
use halfpenny_wallet::flows::{self, FlowError};
use halfpenny_web::CallError;
use halfpenny_web::browser::{self, BrowserError};
use halfpenny_web::enrol::{EnrolError, enrol};

use crate::bank_api::{Bank, StatementLine};
use crate::courier::Link;
use crate::pending::{self, OrderLine, PaymentLine, RefundLine};

/// The IndexedDB database this page keeps its wallet in.
const DATABASE: &str = "halfpenny-wallet";

pub type Shared = Rc<Keeper<IdbStore>>;

/// Why reading or changing her wallet failed. The page words each one
/// (`app::sentences`); nothing here is a sentence yet.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WalletError {
    /// IndexedDB could not be opened.
    #[error("this browser's storage is not available: {0}")]
    NoStorage(StoreError),
    /// Her saved wallet could not be read.
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Keeper(#[from] KeeperError),
    /// A step with the bank stopped (a refund).
    #[error(transparent)]
    Flow(#[from] FlowError),
    /// The bank's keys or registering there, as `halfpenny-web` got them.
    #[error(transparent)]
    Bank(#[from] CallError),
    /// The browser's randomness.
    #[error(transparent)]
    Browser(#[from] BrowserError),
}

/// What the page shows of a wallet that exists.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Overview {
    pub account: String,
    pub bank_url: String,
    pub balance: Balance,
    /// Her statement at the bank, newest first (empty off-line).
    pub bank_lines: Vec<BankLine>,
    pub purses: Vec<PurseLine>,
    /// Her money per currency, every cent in one state.
    pub money: Vec<MoneyLine>,
    /// Purses ordered that have not come, oldest first.
    pub orders_waiting: Vec<OrderLine>,
    /// Payments whose answer was lost, oldest first.
    pub pending: Vec<PaymentLine>,
    /// Refunds the bank has not answered yet.
    pub refunds_waiting: Vec<RefundLine>,
    pub history: Vec<HistoryLine>,
    /// What she paid each day of the last [`CHART_DAYS`], oldest first.
    pub spending: Vec<DayBar>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PurseLine {
    pub purse: PurseId,
    pub id: String,
    pub seller_id: KeyId,
    pub seller: String,
    pub currency: Currency,
    pub available: String,
    pub pending: String,
    pub spent: String,
    /// Empty when nothing is being refunded.
    pub refunding: Option<String>,
    pub can_refund: bool,
    /// What is left of her allowance for this purse's seller, if she gave one.
    pub allowance: Option<String>,
}

/// Her money in one currency, as the table shows it: each state's text and
/// minor units, in the order of `Money::STATES`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MoneyLine {
    pub currency: String,
    pub cells: Vec<(String, u64)>,
}

impl MoneyLine {
    /// Each state's title, in the order of `Money::STATES` (whose names
    /// the page's `data-testid="money-…"` use).
    pub const TITLES: [&'static str; 6] = [
        "Spendable",
        "Pending",
        "Spent",
        "Refunding",
        "Refunded",
        "Expired, not yet taken back",
    ];

    fn of(m: &Money) -> Self {
        Self {
            currency: m.currency.code().to_owned(),
            cells: m
                .by_state()
                .iter()
                .map(|&v| (m.amount(v).to_string(), v))
                .collect(),
        }
    }
}

/// Whether reading the overview asks the bank (her statement, the refund
/// results waiting for her). The pay window never asks on its own: paying
/// contacts no one but the seller, and needs no key of hers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BankCheck {
    Ask,
    Skip,
}

/// Her balance at the bank, as far as the page knows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Balance {
    Known(String),
    /// The bank was asked and could not be reached.
    Unreachable,
    /// The bank was not asked (the pay window).
    NotAsked,
}

/// How many days the spending chart shows.
pub const CHART_DAYS: u32 = 14;

/// One day's bar in the spending chart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DayBar {
    /// `11-24`.
    pub label: String,
    /// `2026-11-24: USD 0.06`.
    pub title: String,
    pub minor: u64,
}

/// A line of her statement at the bank.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BankLine {
    pub what: String,
    /// Signed: `+USD 5.00`, `−USD 1.00`.
    pub amount: String,
    /// `2026-11-24`.
    pub day: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryLine {
    pub what: String,
    pub amount: String,
}

pub async fn open_store() -> Result<IdbStore, WalletError> {
    halfpenny_idb::open(DATABASE)
        .await
        .map_err(WalletError::NoStorage)
}

/// Hands a purse's unspent halves to the bank for a refund: the letter is
/// saved with the halves marked refunding, then sent (with any other the
/// bank has not answered). If it does not get through, "Check with the
/// bank" sends it again.
pub async fn refund(keeper: &Keeper<IdbStore>, purse: PurseId) -> Result<(), WalletError> {
    let mut rng = browser::rng()?;
    let mut bank = Bank::at(keeper.bank_url());
    flows::refund(keeper, &mut bank, purse, browser::now(), &mut rng).await?;
    Ok(())
}

/// Everything the bank can finish for her: her purse orders whose purse
/// never came (asked of the bank with her signed recovery request), the
/// refund letters it has not answered (sent again, the same bytes), and
/// the refund results waiting for her. Off-line, all of it waits.
async fn finish_with_bank(keeper: &Keeper<IdbStore>, bank: &mut Bank) -> Result<(), WalletError> {
    let mut rng = browser::rng()?;
    let orders = flows::recover_orders(
        keeper,
        None::<(KeyId, &mut Link)>,
        Some(&mut *bank),
        browser::now(),
        &mut rng,
    )
    .await;
    let refunds = flows::collect_refunds(keeper, bank, browser::now(), &mut rng).await;
    orders.map(drop).and(refunds)?;
    Ok(())
}

/// A line of her bank statement as the page shows it: `+USD 5.00`.
fn bank_line(l: &StatementLine) -> BankLine {
    let what = match l.kind.as_str() {
        "funding" => "Money in",
        "withdrawal" => "Money out",
        "mint" => "Purse bought",
        "redemption" => "Redeemed",
        "refund" => "Refund",
        "chargeback" => "Chargeback",
        _ => "Other",
    };
    let sign = if l.amount_minor < 0 { "−" } else { "+" };
    let amount = Amount::new(l.amount_minor.unsigned_abs(), Currency::USD);
    BankLine {
        what: what.to_owned(),
        amount: format!("{sign}{amount}"),
        day: Timestamp(u64::try_from(l.at).unwrap_or(0))
            .date()
            .to_string(),
    }
}

/// Her balance and statement lines, from a signed request to the bank, and
/// the refund results it keeps for her.
async fn ask_bank(keeper: &Keeper<IdbStore>) -> Result<(Balance, Vec<BankLine>), WalletError> {
    let mut bank = Bank::at(keeper.bank_url());
    // Off-line, the page still shows what the wallet holds.
    let _ = finish_with_bank(keeper, &mut bank).await;
    let mut rng = browser::rng()?;
    let letter = keeper.statement_request(Currency::USD, browser::now(), &mut rng)?;
    Ok(match bank.statement(&letter).await {
        Ok(s) => {
            let minor = u64::try_from(s.balance_minor).unwrap_or(0);
            (
                Balance::Known(Amount::new(minor, Currency::USD).to_string()),
                s.lines.iter().rev().map(bank_line).collect(),
            )
        }
        Err(_) => (Balance::Unreachable, Vec::new()),
    })
}

/// Reads everything the page shows: what her wallet holds, from her own
/// store, and what the bank says only when `bank` is [`BankCheck::Ask`].
pub async fn overview(keeper: &Keeper<IdbStore>, bank: BankCheck) -> Result<Overview, WalletError> {
    let (balance, bank_lines) = match bank {
        BankCheck::Ask => ask_bank(keeper).await?,
        BankCheck::Skip => (Balance::NotAsked, Vec::new()),
    };
    let mut purses = Vec::new();
    for p in keeper.summaries().await? {
        let allowance = keeper.allowance(p.seller).await?;
        purses.push(PurseLine {
            id: p.purse.to_hex(),
            seller_id: p.seller,
            seller: p.seller.to_hex(),
            currency: p.available.currency(),
            available: p.available.to_string(),
            pending: p.pending.to_string(),
            spent: p.spent.to_string(),
            refunding: (!p.refunding.is_zero()).then(|| p.refunding.to_string()),
            can_refund: !p.available.is_zero(),
            allowance: allowance.map(|a| a.to_string()),
            purse: p.purse,
        });
    }
    let waiting = keeper.pending().await?;
    let events = keeper.store().events().await?;
    let spending = spending_by_day(&events, Currency::USD, browser::now(), CHART_DAYS)
        .into_iter()
        .map(|d| DayBar {
            label: d.day.to_string().get(5..).unwrap_or_default().to_owned(),
            title: format!("{}: {}", d.day, d.paid),
            minor: d.paid.minor(),
        })
        .collect();
    let history = events
        .into_iter()
        .rev()
        .filter_map(|e| {
            let what = match e.kind {
                EventKind::PurseReceived => "Purse received".to_owned(),
                EventKind::Paid { item, .. } => format!("Paid for {item}"),
                EventKind::Released { .. } => "Payment not taken; money back".to_owned(),
                EventKind::RefundRequested => "Refund asked".to_owned(),
                EventKind::Refunded => "Refunded".to_owned(),
                EventKind::SpentBefore { .. } => {
                    "Spent already by an earlier copy of this wallet (a restored backup)".to_owned()
                }
                // Where the halves went is shown while the payment is pending;
                // its outcome is the history line.
                EventKind::Sent { .. } => return None,
            };
            Some(HistoryLine {
                what,
                amount: e.amount.to_string(),
            })
        })
        .collect();
    Ok(Overview {
        account: keeper.public().id().to_hex(),
        bank_url: keeper.bank_url().to_owned(),
        balance,
        bank_lines,
        purses,
        money: keeper
            .money(browser::now())
            .await?
            .iter()
            .map(MoneyLine::of)
            .collect(),
        orders_waiting: waiting
            .orders
            .into_iter()
            .map(pending::order_line)
            .collect(),
        pending: waiting
            .payments
            .into_iter()
            .map(pending::payment_line)
            .collect(),
        refunds_waiting: waiting
            .refunds
            .into_iter()
            .map(pending::refund_line)
            .collect(),
        history,
        spending,
    })
}

/// Sets the allowance she gives a seller to `amount`, or removes it.
pub async fn change_allowance(
    keeper: &Keeper<IdbStore>,
    seller: KeyId,
    amount: Option<Amount>,
) -> Result<(), WalletError> {
    Ok(keeper.set_allowance(seller, amount).await?)
}

/// Makes her keys, registers them at the bank and saves them. Her storage
/// is opened first; each step's error stays typed for the page to word.
pub async fn create(bank_url: String) -> Result<Shared, WalletError> {
    let url = bank_url.clone();
    let store = open_store().await?;
    let make = async move |bank, rng: &mut _| {
        Keeper::create(store, bank_url, bank, browser::now(), rng).await
    };
    let keeper = enrol(&url, Role::Buyer, make, Keeper::public)
        .await
        .map_err(|e| match e {
            EnrolError::Bank(e) => WalletError::Bank(e),
            EnrolError::Browser(e) => WalletError::Browser(e),
            EnrolError::Make(e) => WalletError::Keeper(e),
        })?;
    Ok(Rc::new(keeper))
}

pub async fn load() -> Result<Option<Shared>, WalletError> {
    let keeper = Keeper::load(open_store().await?).await?;
    Ok(keeper.map(Rc::new))
}
