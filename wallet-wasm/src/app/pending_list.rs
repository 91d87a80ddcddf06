//! The Pending section: every purse ordered that has not come, every
//! payment whose answer was lost and every refund waiting for the bank,
//! with what happened and what she can do.

use halfpenny::{Nonce, PurseId};
use leptos::prelude::*;

use super::page;
use crate::pending::{self, Decision, OrderLine, PaymentLine, RefundLine};
use crate::wallet::Overview;

/// Her decision about one payment: its purse, its id, what she says.
pub type Decide = Callback<(PurseId, Nonce, Decision)>;

#[component]
pub fn PendingList(
    orders: Vec<OrderLine>,
    payments: Vec<PaymentLine>,
    refunds: Vec<RefundLine>,
    busy: ReadSignal<Option<String>>,
    on_decide: Decide,
    /// Asks the bank again (and records any refund it has answered).
    on_check: Callback<()>,
) -> impl IntoView {
    let nothing = orders.is_empty() && payments.is_empty() && refunds.is_empty();
    view! {
        <section class="pending" data-testid="pending">
            <h2>"Pending"</h2>
            {nothing.then(|| view! {
                <p data-testid="pending-none">"Nothing is waiting for an answer."</p>
            })}
            <ul data-testid="pending-list">
                {orders
                    .into_iter()
                    .map(|line| view! { <PendingOrder line=line busy=busy on_check=on_check /> })
                    .collect_view()}
                {payments
                    .into_iter()
                    .map(|line| view! { <PendingPayment line=line busy=busy on_decide=on_decide /> })
                    .collect_view()}
                {refunds
                    .into_iter()
                    .map(|line| view! { <PendingRefund line=line busy=busy on_check=on_check /> })
                    .collect_view()}
            </ul>
        </section>
    }
}

/// A payment left pending. Handed to a till in person, she decides at
/// once; sent to a web page (or not noted), only after a confirmation.
#[component]
fn PendingPayment(
    line: PaymentLine,
    busy: ReadSignal<Option<String>>,
    on_decide: Decide,
) -> impl IntoView {
    let (asking, set_asking) = signal(None::<Decision>);
    let (purse, payment, via) = (line.purse, line.payment, line.via);
    let choose = move |d: Decision| {
        if pending::needs_confirmation(via) {
            set_asking.set(Some(d));
        } else {
            on_decide.run((purse, payment, d));
        }
    };
    let warning = line.warning.clone();
    let button = move |d: Decision, testid: &'static str| {
        view! {
            <button data-testid=testid disabled=move || busy.get().is_some() on:click=move |_| choose(d)>
                {d.label(via)}
            </button>
        }
    };
    view! {
        <li data-testid="pending-item" data-payment=line.id.clone() data-route=pending::route_name(via)>
            <p>
                <strong data-testid="pending-amount">{line.amount.clone()}</strong>
                " to " <span data-testid="pending-to">{line.to.clone()}</span>
                ", seller " <code data-testid="pending-seller">{line.seller.clone()}</code>
                ", sent " <span data-testid="pending-when">{line.when.clone()}</span>
            </p>
            <p data-testid="pending-happened">{line.happened.clone()}</p>
            <p data-testid="pending-to-do">{line.to_do.clone()}</p>
            {(!pending::needs_confirmation(via)).then(|| view! {
                <p class="warning" data-testid="pending-warning">{line.warning.clone()}</p>
            })}
            {button(Decision::Taken, "pending-taken")}
            " "
            {button(Decision::NotTaken, "pending-not-taken")}
            {move || asking.get().map(|d| view! {
                <div class="confirm" data-testid="pending-confirmation">
                    <p>{d.confirmation()}</p>
                    <p class="warning" data-testid="pending-warning">{warning.clone()}</p>
                    <button
                        data-testid="pending-confirm"
                        disabled=move || busy.get().is_some()
                        on:click=move |_| {
                            set_asking.set(None);
                            on_decide.run((purse, payment, d));
                        }
                    >
                        "Yes: " {d.label(via)}
                    </button>
                    " "
                    <button data-testid="pending-cancel" on:click=move |_| set_asking.set(None)>
                        "Cancel"
                    </button>
                </div>
            })}
        </li>
    }
}

/// A purse ordered that has not come: she can ask the bank for it.
#[component]
fn PendingOrder(
    line: OrderLine,
    busy: ReadSignal<Option<String>>,
    on_check: Callback<()>,
) -> impl IntoView {
    view! {
        <li data-testid="pending-order" data-order=line.id.clone()>
            <p>
                <strong data-testid="pending-order-amount">{line.amount.clone()}</strong>
                " ordered as a purse for seller " <code>{line.seller.clone()}</code>
                ", on " {line.when.clone()}
            </p>
            <WaitingForBank happened=line.happened to_do=line.to_do busy=busy on_check=on_check />
        </li>
    }
}

/// A refund the bank has not answered yet: she can ask it again.
#[component]
fn PendingRefund(
    line: RefundLine,
    busy: ReadSignal<Option<String>>,
    on_check: Callback<()>,
) -> impl IntoView {
    view! {
        <li data-testid="pending-refund" data-purse=line.purse.clone()>
            <p>
                <strong data-testid="pending-refund-amount">{line.amount.clone()}</strong>
                " with the bank for a refund, from the purse for seller "
                <code>{line.seller.clone()}</code>
            </p>
            <WaitingForBank happened=line.happened to_do=line.to_do busy=busy on_check=on_check />
        </li>
    }
}

/// What happened to something the bank has to answer, what she can do,
/// and the button that asks the bank again.
#[component]
fn WaitingForBank(
    happened: String,
    to_do: String,
    busy: ReadSignal<Option<String>>,
    on_check: Callback<()>,
) -> impl IntoView {
    view! {
        <p data-testid="pending-happened">{happened}</p>
        <p data-testid="pending-to-do">{to_do}</p>
        <button
            data-testid="pending-check-bank"
            disabled=move || busy.get().is_some()
            on:click=move |_| on_check.run(())
        >
            "Check with the bank"
        </button>
    }
}

/// The Pending section for the overview shown, with her decisions carried
/// out through the shared page.
#[component]
pub fn Pending(overview: Overview) -> impl IntoView {
    let page = page();
    // Her decision about a payment left pending.
    let on_decide = Callback::new(
        move |(purse, payment, decision): (PurseId, Nonce, Decision)| {
            let Some(k) = page.keeper.get_value() else {
                return;
            };
            let waiting = match decision {
                Decision::Taken => "Marking the coins spent…",
                Decision::NotTaken => "Taking the coins back…",
            };
            page.run(waiting, async move {
                pending::decide(&k, purse, payment, decision).await?;
                page.refresh();
                Ok(())
            });
        },
    );
    // Asks the bank again: the overview records any refund it answered.
    let on_check = Callback::new(move |()| page.check_with_bank());
    view! {
        <PendingList
            orders=overview.orders_waiting
            payments=overview.pending
            refunds=overview.refunds_waiting
            busy=page.busy.read_only()
            on_decide=on_decide
            on_check=on_check
        />
    }
}
