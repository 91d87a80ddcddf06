//! The operator's view: purses, takings, what the bank credited, and what
//! was refused. It names no buyer; the seller never learns who paid.

use std::collections::BTreeMap;

use halfpenny::Currency;

use super::App;
use crate::error::ApiError;
use crate::store::LineRow;
use crate::views::{
    AmountView, LineView, PurseView, RedemptionView, RefundResultView, RefusalView, ReturnView,
    SummaryView, TakingsView,
};

/// How many of each history the summary shows.
const RECENT: i64 = 50;

fn line_view(l: &LineRow) -> LineView {
    LineView {
        purse: l.purse.to_hex(),
        session: l.session.0,
        outcome: l.outcome.clone(),
        amount_minor: l.amount_minor,
    }
}

fn credited(lines: &[LineRow]) -> Vec<AmountView> {
    let mut sums: BTreeMap<Currency, u64> = BTreeMap::new();
    for l in lines.iter().filter(|l| l.outcome == "credited") {
        if let Some(c) = l.currency {
            let s = sums.entry(c).or_insert(0);
            *s = s.saturating_add(l.amount_minor);
        }
    }
    sums.into_iter()
        .map(|(c, m)| AmountView::new(c, m))
        .collect()
}

impl App {
    pub async fn summary(&self) -> Result<SummaryView, ApiError> {
        let s = &self.store;
        Ok(SummaryView {
            seller: self.seller().to_hex(),
            bank: self.bank_public.id.to_string(),
            purses: s
                .purse_rows()
                .await?
                .into_iter()
                .map(|p| PurseView {
                    purse: p.id.to_hex(),
                    currency: p.currency.code().to_owned(),
                    state: p.state.code().to_owned(),
                    expires_at: p.expires_at.0,
                    unspent_minor: p.unspent_minor,
                    halves_left: p.halves_left,
                    spent: p.spent,
                })
                .collect(),
            takings: s
                .takings()
                .await?
                .into_iter()
                .map(|t| TakingsView {
                    currency: t.currency.code().to_owned(),
                    minor: t.minor,
                    tokens: t.count,
                })
                .collect(),
            redeemed: s
                .redeemed()
                .await?
                .into_iter()
                .map(|(c, m)| AmountView::new(c, m))
                .collect(),
            redemptions: s
                .batches(RECENT)
                .await?
                .into_iter()
                .map(|b| RedemptionView {
                    id: b.id,
                    tokens: b.tokens,
                    created_at: b.created_at.0,
                    answered_at: b.answered_at.map(|t| t.0),
                    refused: b.refused,
                    credited: credited(&b.lines),
                    lines: b.lines.iter().map(line_view).collect(),
                })
                .collect(),
            returns: s
                .returns(RECENT)
                .await?
                .into_iter()
                .map(|r| {
                    let amount =
                        |m: Option<u64>| r.currency.zip(m).map(|(c, m)| AmountView::new(c, m));
                    ReturnView {
                        case: r.case.to_hex(),
                        purse: r.purse.to_hex(),
                        state: r.state.clone(),
                        created_at: r.created_at.0,
                        seller_credited: amount(r.seller_credited_minor),
                        buyer_refunded: amount(r.buyer_refunded_minor),
                        code: r.code.clone(),
                    }
                })
                .collect(),
            refund_results: s
                .refund_results(RECENT)
                .await?
                .into_iter()
                .map(|r| RefundResultView {
                    case: r.case.to_hex(),
                    purse: r.purse.to_hex(),
                    settled_by: r.settled_by,
                    seller_credited: AmountView::new(r.currency, r.seller_credited_minor),
                    buyer_refunded: AmountView::new(r.currency, r.buyer_refunded_minor),
                    received_at: r.received_at.0,
                })
                .collect(),
            refused: s
                .refusals(RECENT)
                .await?
                .into_iter()
                .map(|r| RefusalView {
                    payment: r.payment.map(|n| n.to_hex()),
                    code: r.code,
                    message: r.message,
                    at: r.at.0,
                })
                .collect(),
        })
    }
}
