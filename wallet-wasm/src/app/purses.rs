//! Her purses: what each holds, its allowance, and taking back what is
//! unspent.

use halfpenny::{Currency, KeyId, PurseId};
use halfpenny_web::controls::BusyButton;
use leptos::prelude::*;

use super::allowance_edit::{AllowanceEdit, SetAllowance};
use super::{Page, page};
use crate::pay;
use crate::wallet::{self, PurseLine};

/// The Purses section.
#[component]
pub fn Purses(purses: Vec<PurseLine>) -> impl IntoView {
    let page = page();
    // A new allowance for a seller (what she typed), or none.
    let on_set: SetAllowance = Callback::new(
        move |(seller, currency, text): (KeyId, Currency, Option<String>)| {
            let Some(k) = page.keeper.get_value() else {
                return;
            };
            let amount = match text.map(|t| pay::read_allowance(&t, currency)).transpose() {
                Ok(a) => a,
                Err(e) => {
                    page.fail(e);
                    return;
                }
            };
            page.run("Saving the allowance…", async move {
                wallet::change_allowance(&k, seller, amount).await?;
                page.refresh();
                Ok(())
            });
        },
    );
    view! {
        <section class="purses">
            <h2>"Purses"</h2>
            <ul data-testid="purse-list">
                {purses
                    .into_iter()
                    .map(|p| view! { <Purse line=p on_set=on_set /> })
                    .collect_view()}
            </ul>
        </section>
    }
}

/// Takes back what is unspent in `purse`.
fn refund(page: Page, purse: PurseId) {
    let Some(k) = page.keeper.get_value() else {
        return;
    };
    page.run("Asking the bank for your refund…", async move {
        // The letter is saved with its halves refunding before it is sent:
        // show that even when it did not get through.
        let asked = wallet::refund(&k, purse).await;
        page.refresh();
        Ok(asked?)
    });
}

/// One purse.
#[component]
fn Purse(line: PurseLine, on_set: SetAllowance) -> impl IntoView {
    let page = page();
    let busy = page.busy.read_only();
    let p = line;
    let purse = p.purse;
    let (seller, currency) = (p.seller_id, p.currency);
    let can = p.can_refund;
    let id = p.id.clone();
    view! {
        <li data-testid="purse" data-purse=id>
            <code>{p.id}</code>
            " for seller " <code>{p.seller}</code>
            ": " <span data-testid="purse-available">{p.available}</span>
            " available, " <span data-testid="purse-pending">{p.pending}</span>
            " pending, " <span data-testid="purse-spent">{p.spent}</span>
            " spent"
            {p.allowance.map(|a| view! {
                "; allowance left " <span data-testid="purse-allowance">{a}</span>
                <AllowanceEdit seller=seller currency=currency busy=busy on_set=on_set />
            })}
            {p.refunding.map(|r| view! {
                ", " <span data-testid="purse-refunding">{r}</span>
                " with the bank for a refund"
            })}
            <Show when=move || can>
                " "
                <BusyButton testid="purse-refund" busy=busy on_click=move |_| refund(page, purse)>
                    "Take back what is unspent"
                </BusyButton>
            </Show>
        </li>
    }
}
