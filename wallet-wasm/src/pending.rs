//! What is still open in her wallet, as the page shows it: purse orders
//! whose purse has not come, payments whose answer was lost, and refunds
//! the bank has not answered, each with a
//! plain sentence saying what happened and what she can do; and her
//! decisions about a payment, made through the keeper.

use halfpenny::{Nonce, PurseId, Timestamp};
use halfpenny_idb::IdbStore;
use halfpenny_store::Via;
use halfpenny_wallet::{Keeper, KeeperError, PendingOrder, PendingPayment, PendingRefund};
use halfpenny_web::browser;

/// For `data-route`: where a pending payment's halves went — `till`,
/// `shop`, or `unknown` when the wallet did not note it (the page closed
/// between choosing the halves and noting them).
pub fn route_name(via: Option<Via>) -> &'static str {
    match via {
        Some(Via::TillInPerson) => "till",
        Some(Via::ShopPage) => "shop",
        None => "unknown",
    }
}

/// Her decisions need a confirmation unless she handed the halves to a
/// till herself.
pub fn needs_confirmation(via: Option<Via>) -> bool {
    via != Some(Via::TillInPerson)
}

/// A payment left pending, as the page shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaymentLine {
    pub purse: PurseId,
    pub payment: Nonce,
    /// The payment's id, for the page's `data-payment`.
    pub id: String,
    pub seller: String,
    pub amount: String,
    /// `2026-11-24 09:05 UTC`, or that it was not noted.
    pub when: String,
    /// Where its halves went; `None` when that was not noted.
    pub via: Option<Via>,
    /// `a till in person`, `a shop's web page`.
    pub to: String,
    pub happened: String,
    pub to_do: String,
    /// What a wrong decision costs her.
    pub warning: String,
}

/// A refund waiting for the bank, as the page shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefundLine {
    pub purse: String,
    pub seller: String,
    pub amount: String,
    pub happened: String,
    pub to_do: String,
}

/// A purse she ordered that has not come, as the page shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderLine {
    /// The order's id, for the page's `data-order`.
    pub id: String,
    pub seller: String,
    pub amount: String,
    pub when: String,
    pub happened: String,
    pub to_do: String,
}

/// What she says became of a pending payment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// The seller took it: its halves are spent (no receipt).
    Taken,
    /// The seller never took it: its halves are hers again.
    NotTaken,
}

impl Decision {
    /// The button's words for this decision about a payment sent `via`.
    pub fn label(self, via: Option<Via>) -> &'static str {
        match (via, self) {
            (Some(Via::TillInPerson), Self::Taken) => "The till took it",
            (Some(Via::TillInPerson), Self::NotTaken) => "The till did not take it",
            (Some(Via::ShopPage), Self::Taken) => "The shop took it",
            (Some(Via::ShopPage), Self::NotTaken) => "The shop did not take it",
            (None, Self::Taken) => "The seller took it",
            (None, Self::NotTaken) => "The seller did not take it",
        }
    }

    /// What she is asked to confirm before the wallet acts on it.
    pub fn confirmation(self) -> &'static str {
        match self {
            Self::Taken => {
                "You say the seller took these coins: they will count as spent, \
                 with no receipt, and the wallet will not ask about this payment \
                 again. Are you sure?"
            }
            Self::NotTaken => {
                "You say the seller did not take these coins: they come back to \
                 you, and the wallet will not ask about this payment again. Are \
                 you sure?"
            }
        }
    }
}

/// `2026-11-24 09:05 UTC`.
fn when(at: Timestamp) -> String {
    let s = at.0 % 86_400;
    format!("{} {:02}:{:02} UTC", at.date(), s / 3600, s / 60 % 60)
}

pub fn payment_line(p: PendingPayment) -> PaymentLine {
    let amount = p.amount.to_string();
    let (via, to, happened, to_do, warning) = match &p.sent {
        Some(sent) if sent.via == Via::TillInPerson => (
            Some(Via::TillInPerson),
            "a till in person",
            format!(
                "You showed a till in person a payment of {amount} for {} on {}, \
                 and no receipt came back. Its coins are set aside until you say \
                 what the till did.",
                sent.item,
                when(sent.at)
            ),
            "If the till took it (it gave you what you paid for), say so: the \
             coins count as spent. If it did not, take them back.",
            "Take the coins back only if you are sure the till did not take \
             them: coins it did take are refused later as already spent.",
        ),
        Some(sent) => (
            Some(Via::ShopPage),
            "a shop's web page",
            format!(
                "You paid {amount} for {} on a shop's web page on {}, and the \
                 shop's answer was lost. Its coins are set aside.",
                sent.item,
                when(sent.at)
            ),
            "Nothing: the next time you pay this shop, the wallet asks it what \
             happened and settles this by itself. Decide yourself only if you \
             know what the shop did.",
            "Coins you take back that the shop did take are refused later as \
             already spent; coins you call spent that it did not take cannot \
             be refunded to you.",
        ),
        None => (
            None,
            "a seller (not noted)",
            format!(
                "A payment of {amount} to this seller got no answer, and the \
                 wallet did not note where or when it went. Its coins are set \
                 aside."
            ),
            "If this seller is a web shop, the next time you pay it the wallet \
             asks it what happened and settles this by itself. Otherwise say \
             what happened, if you know.",
            "Coins you take back that the seller did take are refused later as \
             already spent; coins you call spent that it did not take cannot \
             be refunded to you.",
        ),
    };
    // The bank refunds a purse only once nothing in it is pending.
    let to_do = format!(
        "{to_do} Until it is settled, the rest of this purse cannot be taken \
         back from the bank."
    );
    PaymentLine {
        purse: p.purse,
        payment: p.payment,
        id: p.payment.to_string(),
        seller: p.seller.to_hex(),
        amount,
        when: p
            .sent
            .as_ref()
            .map_or_else(|| "not noted".to_owned(), |s| when(s.at)),
        via,
        to: to.to_owned(),
        happened,
        to_do,
        warning: warning.to_owned(),
    }
}

pub fn refund_line(r: PendingRefund) -> RefundLine {
    let asked = r
        .asked_at
        .map_or_else(String::new, |at| format!(" on {}", when(at)));
    RefundLine {
        purse: r.purse.to_hex(),
        seller: r.seller.to_hex(),
        amount: r.amount.to_string(),
        happened: format!(
            "You asked the bank{asked} to refund {} left unspent in this purse. \
             The bank first asks the seller what he took, and answers when he \
             does, or at its deadline if he does not (three days unless the \
             bank set another).",
            r.amount
        ),
        to_do: "Press \u{201c}Check with the bank\u{201d} to see whether the \
                refund has come; the wallet records it as soon as it has, and \
                sends your request again if the bank never got it."
            .to_owned(),
    }
}

pub fn order_line(o: PendingOrder) -> OrderLine {
    OrderLine {
        id: o.nonce.to_string(),
        seller: o.seller.to_hex(),
        amount: o.amount.to_string(),
        when: when(o.ordered_at),
        happened: format!(
            "You ordered a purse of {} on {}, and it has not reached your \
             wallet: the answer was lost, or the shop is down. If the bank \
             took the order it charged you once, and it keeps your purse for \
             you.",
            o.amount,
            when(o.ordered_at)
        ),
        to_do: "Press \u{201c}Check with the bank\u{201d}: the wallet asks \
                the bank for your purse with a request only you can sign (it \
                is also sent again the next time you pay this shop). If the \
                bank never got the order, it is dropped and you were not \
                charged."
            .to_owned(),
    }
}

/// Carries out her decision about a pending payment.
pub async fn decide(
    keeper: &Keeper<IdbStore>,
    purse: PurseId,
    payment: Nonce,
    decision: Decision,
) -> Result<(), KeeperError> {
    let now = browser::now();
    match decision {
        Decision::Taken => keeper.settle_without_receipt(purse, payment, now).await,
        Decision::NotTaken => keeper.release(purse, payment, now).await,
    }
}
