//! A seller asks her to pay: what and how much, buying a purse for that
//! seller when she has none that can pay, the allowance she may give a
//! shop, and approving or declining.

use halfpenny::Amount;
use halfpenny_pay_protocol::FromWallet;
use halfpenny_web::browser;
use halfpenny_web::controls::{BusyButton, TextField};
use leptos::prelude::*;

use super::{Page, page};
use crate::courier::Link;
use crate::pay::{self, COINS};

/// The ask, while a seller asks. Her choices (the purse to buy, the
/// allowance) stay while the page lives.
#[component]
pub fn PayPanel() -> impl IntoView {
    let page = page();
    let purse_total = RwSignal::new("1.00".to_owned());
    let purse_coin = RwSignal::new(COINS[0]);
    // The allowance she may give the shop when she approves.
    let allowance_on = RwSignal::new(false);
    let allowance_text = RwSignal::new(String::new());
    let busy = page.busy.read_only();

    let on_buy = move |_| {
        let (Some(k), Some(a)) = (page.keeper.get_value(), page.ask.get_untracked()) else {
            return;
        };
        let order = pay::order(&a, &purse_total.get_untracked(), purse_coin.get_untracked());
        let Some(mut l) = page.link.try_update_value(Option::take).flatten() else {
            return;
        };
        let waiting = match l {
            Link::Page(_) => "The bank is making your purse…",
            Link::Till(_) => "Waiting for the purse from the till…",
        };
        page.run(waiting, async move {
            let bought = match order {
                Ok(o) => pay::buy_purse(&k, &mut l, &o).await,
                Err(e) => Err(e),
            };
            page.link.set_value(Some(l));
            bought?;
            page.needs_purse.set(!pay::has_purse_for(&k, &a).await?);
            page.refresh();
            Ok(())
        });
    };

    let on_approve = move |_| {
        approve(
            page,
            allowance_on.get_untracked(),
            allowance_text.get_untracked(),
        )
    };

    move || {
        page.ask.get().map(|a| {
            let item = a.request.item.clone();
            let currency = a.request.price.currency();
            view! {
                <section class="pay" data-testid="pay-panel">
                    <h2>"A seller asks you to pay"</h2>
                    <p>
                        <span data-testid="pay-shop">{a.shop.clone()}</span>
                        " asks " <strong data-testid="pay-price">{a.price.clone()}</strong>
                        " for " <span data-testid="pay-item">{item}</span> "."
                    </p>
                    {a.requires.clone().map(|r| view! { <p>"It needs proof that " <code>{r}</code> "."</p> })}
                    <Show when=move || page.needs_purse.get()>
                        <div class="buy" data-testid="buy-purse">
                            <p>"You have no purse for this seller that can pay this. Buy one through the seller:"</p>
                            <label>
                                "Total "
                                <TextField
                                    testid="purse-total"
                                    inputmode="decimal"
                                    value=purse_total.read_only()
                                    set=purse_total.write_only()
                                />
                            </label>
                            <label>
                                " in coins of "
                                <select
                                    data-testid="purse-coin"
                                    on:change=move |ev| {
                                        if let Ok(c) = event_target_value(&ev).parse() {
                                            purse_coin.set(c);
                                        }
                                    }
                                >
                                    {COINS.iter().map(|c| {
                                        let label = Amount::new(*c, currency).to_string();
                                        view! { <option value=c.to_string()>{label}</option> }
                                    }).collect_view()}
                                </select>
                            </label>
                            <BusyButton testid="purse-buy" busy=busy on_click=on_buy>
                                "Buy this purse"
                            </BusyButton>
                        </div>
                    </Show>
                    <Show when=move || page.popup>
                        <p class="allowance">
                            <label>
                                <input
                                    type="checkbox"
                                    data-testid="allowance-set"
                                    prop:checked=move || allowance_on.get()
                                    on:change=move |ev| allowance_on.set(event_target_checked(&ev))
                                />
                                " Let this shop take up to "
                            </label>
                            <TextField
                                testid="allowance-amount"
                                inputmode="decimal"
                                placeholder="0.10"
                                value=allowance_text.read_only()
                                set=allowance_text.write_only()
                            />
                            " without asking"
                        </p>
                    </Show>
                    <button
                        data-testid="pay-approve"
                        disabled=move || {
                            busy.get().is_some() || page.needs_purse.get() || !page.ask_checked.get()
                        }
                        on:click=on_approve
                    >
                        "Pay " {a.price.clone()}
                    </button>
                    <button data-testid="pay-decline" on:click=move |_| decline(page)>"Decline"</button>
                </section>
            }
        })
    }
}

/// She approves the ask, giving the shop an allowance if she ticked it.
fn approve(page: Page, allowance_on: bool, allowance_text: String) {
    let (Some(k), Some(a)) = (page.keeper.get_value(), page.ask.get_untracked()) else {
        return;
    };
    // The allowance she gave this shop with her approval, if any.
    let allowance = if allowance_on {
        match pay::allowance_amount(&a, &allowance_text) {
            Ok(amount) => Some(amount),
            Err(e) => {
                page.fail(e);
                return;
            }
        }
    } else {
        None
    };
    let Some(mut l) = page.link.try_update_value(Option::take).flatten() else {
        return;
    };
    let waiting = match l {
        Link::Page(_) => "Paying…",
        Link::Till(_) => "Waiting for the till's receipt…",
    };
    page.run_now(waiting, async move {
        let outcome = match allowance {
            Some(amount) => pay::allow(&k, &a, amount).await,
            None => Ok(()),
        };
        let outcome = match outcome {
            Ok(()) => pay::pay(&k, &mut l, &a).await,
            Err(e) => Err(e),
        };
        let from_page = matches!(l, Link::Page(_));
        page.link.set_value(Some(l));
        page.refresh();
        page.show_outcome(outcome?, from_page);
        Ok(())
    });
}

/// She declines: the shop's page is told; a till in person is not waiting
/// for anything, so the page stops waiting for its answer (a payment
/// already shown stays pending until she says).
fn decline(page: Page) {
    page.link.with_value(|l| {
        if let Some(Link::Page(l)) = l {
            let _ = l.send(&FromWallet::Cancel {
                message: Some("The buyer declined to pay.".to_owned()),
            });
            browser::close_soon();
        }
    });
    page.answers.set_value(None);
    page.ask.set(None);
    page.code.set(None);
}
