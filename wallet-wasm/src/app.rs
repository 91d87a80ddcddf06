//! The page. Plain domain values come from the keeper; signals live here
//! and in the page's parts below it (`app/`) only.

mod allowance_edit;
mod money_table;
mod pending_list;

use halfpenny::bank::Role;
use halfpenny::{Amount, Currency, KeyId, Nonce, PurseId};
use halfpenny_pay_protocol::{FromWallet, Kind, ToWallet};
use halfpenny_store::backup;
use halfpenny_web::controls::{BusyButton, PasteBox, TextField};
use halfpenny_web::notice::Notice;
use halfpenny_web::{BankApi, at_once, browser, in_background, qr};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use crate::courier::Seller;
use crate::in_person::{Answers, InPerson, Shown};
use crate::pay::{self, Ask, COINS, Checked, Outcome};
use crate::pending::{self, Decision};
use crate::sentence;
use crate::shop_link::{Incoming, ShopLink};
use crate::wallet::{self, Balance, BankCheck, DayBar, Overview, Shared};
use allowance_edit::AllowanceEdit;
use money_table::MoneyTable;
use pending_list::PendingList;

/// Bars of what she paid per day (USD), scaled to the busiest day.
#[component]
fn SpendingChart(days: Vec<DayBar>) -> impl IntoView {
    const BAR: usize = 22;
    const HEIGHT: u64 = 60;
    let most = days.iter().map(|d| d.minor).max().unwrap_or(0).max(1);
    let width = days.len() * BAR;
    view! {
        <figure class="chart">
            <svg
                data-testid="spending-chart"
                viewBox=format!("0 0 {width} {}", HEIGHT + 14)
                role="img"
                aria-label="What you paid each day over the last two weeks"
            >
                {days
                    .into_iter()
                    .enumerate()
                    .map(|(i, d)| {
                        let h = d.minor * HEIGHT / most;
                        let x = i * BAR;
                        view! {
                            <g>
                                <rect
                                    data-testid="spending-bar"
                                    data-minor=d.minor.to_string()
                                    x=(x + 3).to_string()
                                    y=(HEIGHT - h).to_string()
                                    width=(BAR - 6).to_string()
                                    height=h.to_string()
                                >
                                    <title>{d.title}</title>
                                </rect>
                                <text x=(x + BAR / 2).to_string() y=(HEIGHT + 11).to_string()>{d.label}</text>
                            </g>
                        }
                    })
                    .collect_view()}
            </svg>
            <figcaption>"What you paid each day, last two weeks"</figcaption>
        </figure>
    }
}

#[component]
pub fn App() -> impl IntoView {
    let keeper = StoredValue::new_local(None::<Shared>);
    let (shown, set_shown) = signal(None::<Overview>);
    let (started, set_started) = signal(false);
    let (busy, set_busy) = signal(None::<String>);
    let (error, set_error) = signal(None::<String>);
    let (bank_url, set_bank_url) = signal(browser::origin());
    let (passphrase, set_passphrase) = signal(String::new());
    let (restore_passphrase, set_restore_passphrase) = signal(String::new());
    let restore_file = NodeRef::<leptos::html::Input>::new();
    // Who asks her to pay (a shop's pay button that opened this window, or
    // a till in person), its request, and whether she needs a purse for
    // that seller first.
    let link = StoredValue::new_local(ShopLink::open().map(Seller::Page));
    let popup = link.with_value(Option::is_some);
    let (code, set_code) = signal(None::<Shown>);
    let answers = StoredValue::new_local(None::<Answers>);
    let (request_code, set_request_code) = signal(String::new());
    let (pasted, set_pasted) = signal(String::new());
    let (ask, set_ask) = signal(None::<Ask>);
    let (needs_purse, set_needs_purse) = signal(false);
    // Whether the shop and her purses were asked about the ask shown: until
    // then she cannot approve it (it may have been paid before, by a
    // payment whose answer was lost).
    let (ask_checked, set_ask_checked) = signal(false);
    let (paid, set_paid) = signal(None::<String>);
    // Whether the browser keeps her wallet's storage under pressure.
    let (storage_kept, set_storage_kept) = signal(None::<bool>);
    // Asked once her wallet exists; asking again changes nothing.
    let keep_storage =
        move || spawn_local(async move { set_storage_kept.set(browser::keep_storage().await) });
    let (purse_total, set_purse_total) = signal("1.00".to_owned());
    let (purse_coin, set_purse_coin) = signal(COINS[0]);
    // The allowance she may give the shop when she approves.
    let (allowance_on, set_allowance_on) = signal(false);
    let (allowance_text, set_allowance_text) = signal(String::new());

    // Reads the overview again. The pay window asks the bank only when she
    // presses "Check with the bank": paying contacts no one but the seller.
    let read_overview = move |bank: BankCheck| {
        spawn_local(async move {
            let Some(k) = keeper.get_value() else { return };
            match wallet::overview(&k, bank).await {
                Ok(o) => set_shown.set(Some(o)),
                Err(e) => set_error.set(Some(e)),
            }
        })
    };
    let refresh = move || {
        read_overview(if popup {
            BankCheck::Skip
        } else {
            BankCheck::Ask
        })
    };

    // How a payment ended: paid (a shop's popup then closes), or unknown.
    let show_outcome = move |outcome: Outcome, from_page: bool| match outcome {
        Outcome::Paid(text) => {
            set_ask.set(None);
            set_paid.set(Some(text));
            if from_page {
                browser::close_soon();
            }
        }
        Outcome::Unknown(text) => set_paid.set(Some(text)),
    };

    // Settles what a lost reply left pending with this shop, then sees
    // whether she can pay it or needs a purse for it first, and pays at
    // once if her allowance for this shop covers it.
    let check_ask = move || {
        let (Some(k), Some(a)) = (keeper.get_value(), ask.get_untracked()) else {
            return;
        };
        let Some(mut l) = link.try_update_value(Option::take).flatten() else {
            return;
        };
        at_once(set_busy, set_error, "Checking with the shop…", async move {
            let checked = pay::check(&k, &mut l, &a).await;
            let from_page = matches!(l, Seller::Page(_));
            link.set_value(Some(l));
            set_ask_checked.set(true);
            match checked? {
                Checked::PaidBefore => {
                    // An earlier payment for this very item went through (the
                    // button has unlocked it): she must not pay twice.
                    set_ask.set(None);
                    set_paid.set(Some(format!(
                        "Your earlier payment for {} went through.",
                        a.request.item
                    )));
                    refresh();
                    browser::close_soon();
                }
                Checked::NeedsPurse => set_needs_purse.set(true),
                Checked::CanPay => set_needs_purse.set(false),
                Checked::PaidFromAllowance(outcome) => {
                    refresh();
                    show_outcome(outcome, from_page);
                }
            }
            Ok(())
        });
    };

    if popup {
        spawn_local(async move {
            let Some(Seller::Page(mut l)) = link.try_update_value(Option::take).flatten() else {
                return;
            };
            let request = l.next_request().await;
            link.set_value(Some(Seller::Page(l)));
            match request.as_ref().map(Ask::read) {
                Some(Ok(a)) => {
                    set_ask_checked.set(false);
                    set_ask.set(Some(a));
                    check_ask();
                }
                Some(Err(e)) => set_error.set(Some(e)),
                None => {}
            }
        });
    }

    spawn_local(async move {
        match wallet::load().await {
            Ok(found) => {
                let exists = found.is_some();
                keeper.set_value(found);
                if exists {
                    keep_storage();
                    refresh();
                    check_ask();
                }
            }
            Err(e) => set_error.set(Some(e)),
        }
        set_started.set(true);
    });

    let on_create = move |_| {
        in_background(
            set_busy,
            set_error,
            "Making your keys. This can take a few seconds…",
            async move {
                keeper.set_value(Some(wallet::create(bank_url.get_untracked()).await?));
                keep_storage();
                refresh();
                check_ask();
                Ok(())
            },
        );
    };

    let on_backup = move |_| {
        let Some(k) = keeper.get_value() else { return };
        let pass = passphrase.get_untracked();
        in_background(set_busy, set_error, "Encrypting your backup…", async move {
            let file = backup::export(k.store(), &pass, &mut browser::rng()?)
                .await
                .map_err(sentence)?;
            browser::download("halfpenny-wallet.backup", &file)?;
            set_passphrase.set(String::new());
            Ok(())
        });
    };

    let on_restore = move |_| {
        let Some(input) = restore_file.get_untracked() else {
            return;
        };
        let input: web_sys::HtmlInputElement = input.unchecked_into();
        let pass = restore_passphrase.get_untracked();
        in_background(set_busy, set_error, "Opening your backup…", async move {
            let file = browser::read_file(&input, "Choose a backup file first.").await?;
            let store = wallet::open_store().await?;
            backup::import(&store, &file, &pass)
                .await
                .map_err(sentence)?;
            let k = wallet::load().await?.ok_or("The backup held no wallet.")?;
            // Make sure the bank knows her (harmless if it does).
            BankApi::new(k.bank_url())
                .register(Role::Buyer, &k.public())
                .await?;
            keeper.set_value(Some(k));
            keep_storage();
            set_restore_passphrase.set(String::new());
            refresh();
            check_ask();
            Ok(())
        });
    };

    let on_buy = move |_| {
        let (Some(k), Some(a)) = (keeper.get_value(), ask.get_untracked()) else {
            return;
        };
        let order = pay::order(&a, &purse_total.get_untracked(), purse_coin.get_untracked());
        let Some(mut l) = link.try_update_value(Option::take).flatten() else {
            return;
        };
        let waiting = match l {
            Seller::Page(_) => "The bank is making your purse…",
            Seller::Till(_) => "Waiting for the purse from the till…",
        };
        in_background(set_busy, set_error, waiting, async move {
            let bought = match order {
                Ok(o) => pay::buy_purse(&k, &mut l, &o).await,
                Err(e) => Err(e),
            };
            link.set_value(Some(l));
            bought?;
            set_needs_purse.set(!pay::has_purse_for(&k, &a).await?);
            refresh();
            Ok(())
        });
    };

    let on_approve = move |_| {
        let (Some(k), Some(a)) = (keeper.get_value(), ask.get_untracked()) else {
            return;
        };
        // The allowance she gave this shop with her approval, if any.
        let allowance = if allowance_on.get_untracked() {
            match pay::allowance_amount(&a, &allowance_text.get_untracked()) {
                Ok(amount) => Some(amount),
                Err(e) => {
                    set_error.set(Some(e));
                    return;
                }
            }
        } else {
            None
        };
        let Some(mut l) = link.try_update_value(Option::take).flatten() else {
            return;
        };
        let waiting = match l {
            Seller::Page(_) => "Paying…",
            Seller::Till(_) => "Waiting for the till's receipt…",
        };
        at_once(set_busy, set_error, waiting, async move {
            let outcome = match allowance {
                Some(amount) => pay::allow(&k, &a, amount).await,
                None => Ok(()),
            };
            let outcome = match outcome {
                Ok(()) => pay::pay(&k, &mut l, &a).await,
                Err(e) => Err(e),
            };
            let from_page = matches!(l, Seller::Page(_));
            link.set_value(Some(l));
            refresh();
            show_outcome(outcome?, from_page);
            Ok(())
        });
    };

    let on_refund = move |purse: PurseId| {
        let Some(k) = keeper.get_value() else { return };
        in_background(
            set_busy,
            set_error,
            "Asking the bank for your refund…",
            async move {
                // The letter is saved with its halves refunding before it
                // is sent: show that even when it did not get through.
                let asked = wallet::refund(&k, purse).await;
                refresh();
                asked
            },
        );
    };

    // Her decision about a payment left pending.
    let on_decide = Callback::new(
        move |(purse, payment, decision): (PurseId, Nonce, Decision)| {
            let Some(k) = keeper.get_value() else { return };
            let waiting = match decision {
                Decision::Taken => "Marking the coins spent…",
                Decision::NotTaken => "Taking the coins back…",
            };
            in_background(set_busy, set_error, waiting, async move {
                pending::decide(&k, purse, payment, decision).await?;
                refresh();
                Ok(())
            });
        },
    );

    // Asks the bank again: the overview records any refund it answered.
    let on_check = Callback::new(move |()| read_overview(BankCheck::Ask));

    // A new allowance for a seller (what she typed), or none.
    let on_set_allowance = Callback::new(
        move |(seller, currency, text): (KeyId, Currency, Option<String>)| {
            let Some(k) = keeper.get_value() else { return };
            let amount = match text.map(|t| pay::read_allowance(&t, currency)).transpose() {
                Ok(a) => a,
                Err(e) => {
                    set_error.set(Some(e));
                    return;
                }
            };
            in_background(set_busy, set_error, "Saving the allowance…", async move {
                wallet::change_allowance(&k, seller, amount).await?;
                refresh();
                Ok(())
            });
        },
    );

    let on_decline = move |_| {
        link.with_value(|l| {
            if let Some(Seller::Page(l)) = l {
                let _ = l.send(&FromWallet::Cancel {
                    message: Some("The buyer declined to pay.".to_owned()),
                });
                browser::close_soon();
            }
        });
        // A till in person is not waiting for anything: stop waiting for
        // its answer (a payment already shown stays pending until she says).
        answers.set_value(None);
        set_ask.set(None);
        set_code.set(None);
    };

    // In person: she pastes the till's payment request; codes for the till
    // show on screen, and she pastes its answers back.
    let on_read =
        move |_| match Ask::from_code(&request_code.get_untracked(), "a till in person".to_owned())
        {
            Ok(a) => {
                let (till, tx) = InPerson::new(move |shown| set_code.set(shown));
                link.set_value(Some(Seller::Till(till)));
                answers.set_value(Some(tx));
                set_error.set(None);
                set_paid.set(None);
                set_request_code.set(String::new());
                set_ask_checked.set(false);
                set_ask.set(Some(a));
                check_ask();
            }
            Err(e) => set_error.set(Some(e)),
        };
    let answer = move |message: ToWallet| {
        answers.with_value(|tx| {
            if let Some(tx) = tx {
                let _ = tx.unbounded_send(Incoming::pasted(message));
            }
        });
        set_pasted.set(String::new());
    };

    let code_panel = move || {
        code.get().map(|shown| {
            let svg = qr::svg(&shown.code).unwrap_or_default();
            let purse = shown.kind == Kind::PurseRequest;
            let (label, testid, qr_testid) = if purse {
                ("Show the till this purse request:", "inperson-purse-request", "inperson-purse-request-qr")
            } else {
                ("Show the till this payment:", "inperson-payment", "inperson-payment-qr")
            };
            view! {
                <section class="code" data-testid="inperson-code">
                    <p>{label}</p>
                    <textarea readonly rows="4" data-testid=testid prop:value=shown.code.clone()></textarea>
                    <div class="qr" data-testid=qr_testid inner_html=svg></div>
                    {if purse {
                        view! {
                            <p>"Then paste the purse the till gives you:"</p>
                            <PasteBox testid="inperson-purse" rows="3" value=pasted set=set_pasted />
                            <button
                                data-testid="inperson-keep-purse"
                                on:click=move |_| answer(ToWallet::Purse { purse: pasted.get_untracked() })
                            >
                                "Keep this purse"
                            </button>
                        }
                        .into_any()
                    } else {
                        view! {
                            <p>"Then paste the till's receipt:"</p>
                            <PasteBox testid="inperson-receipt" rows="3" value=pasted set=set_pasted />
                            <button
                                data-testid="inperson-settle"
                                on:click=move |_| answer(ToWallet::Receipt { receipt: pasted.get_untracked() })
                            >
                                "Done: the till took it"
                            </button>
                            <button
                                data-testid="inperson-not-taken"
                                on:click=move |_| answer(ToWallet::Refused {
                                    code: "refused".to_owned(),
                                    message: "The till did not take it.".to_owned(),
                                    spent: None,
                                })
                            >
                                "The till did not take it"
                            </button>
                        }
                        .into_any()
                    }}
                </section>
            }
        })
    };

    let pay_panel = move || {
        ask.get().map(|a| {
            let item = a.request.item.clone();
            view! {
                <section class="pay" data-testid="pay-panel">
                    <h2>"A seller asks you to pay"</h2>
                    <p>
                        <span data-testid="pay-shop">{a.shop.clone()}</span>
                        " asks " <strong data-testid="pay-price">{a.price.clone()}</strong>
                        " for " <span data-testid="pay-item">{item}</span> "."
                    </p>
                    {a.requires.clone().map(|r| view! { <p>"It needs proof that " <code>{r}</code> "."</p> })}
                    <Show when=move || needs_purse.get()>
                        <div class="buy" data-testid="buy-purse">
                            <p>"You have no purse for this seller that can pay this. Buy one through the seller:"</p>
                            <label>
                                "Total "
                                <TextField
                                    testid="purse-total"
                                    inputmode="decimal"
                                    value=purse_total
                                    set=set_purse_total
                                />
                            </label>
                            <label>
                                " in coins of "
                                <select
                                    data-testid="purse-coin"
                                    on:change=move |ev| {
                                        if let Ok(c) = event_target_value(&ev).parse() {
                                            set_purse_coin.set(c);
                                        }
                                    }
                                >
                                    {COINS.iter().map(|c| {
                                        let label = Amount::new(*c, a.request.price.currency()).to_string();
                                        view! { <option value=c.to_string()>{label}</option> }
                                    }).collect_view()}
                                </select>
                            </label>
                            <BusyButton testid="purse-buy" busy=busy on_click=on_buy>
                                "Buy this purse"
                            </BusyButton>
                        </div>
                    </Show>
                    <Show when=move || popup>
                        <p class="allowance">
                            <label>
                                <input
                                    type="checkbox"
                                    data-testid="allowance-set"
                                    prop:checked=move || allowance_on.get()
                                    on:change=move |ev| set_allowance_on.set(event_target_checked(&ev))
                                />
                                " Let this shop take up to "
                            </label>
                            <TextField
                                testid="allowance-amount"
                                inputmode="decimal"
                                placeholder="0.10"
                                value=allowance_text
                                set=set_allowance_text
                            />
                            " without asking"
                        </p>
                    </Show>
                    <button
                        data-testid="pay-approve"
                        disabled=move || busy.get().is_some() || needs_purse.get() || !ask_checked.get()
                        on:click=on_approve
                    >
                        "Pay " {a.price.clone()}
                    </button>
                    <button data-testid="pay-decline" on:click=on_decline>"Decline"</button>
                </section>
            }
        })
    };

    let restore_form = move || {
        view! {
            <section class="restore">
                <h2>"Restore from a backup"</h2>
                <input type="file" node_ref=restore_file data-testid="restore-file" />
                <TextField
                    kind="password"
                    testid="restore-passphrase"
                    placeholder="Backup passphrase"
                    value=restore_passphrase
                    set=set_restore_passphrase
                />
                <button data-testid="restore-submit" on:click=on_restore>
                    "Restore"
                </button>
            </section>
        }
    };

    view! {
        <main>
            <h1>"Halfpenny wallet"</h1>
            <Notice text=busy class="progress" testid="progress" role="status" />
            <Notice text=error class="error" testid="error" role="alert" />
            {pay_panel}
            {code_panel}
            <Notice text=paid class="paid" testid="pay-result" role="status" />
            <Show when=move || started.get() && shown.get().is_none() && keeper.with_value(Option::is_none)>
                <section class="create">
                    <h2>"Create your wallet"</h2>
                    <label>
                        "Bank address "
                        <TextField testid="create-bank-url" value=bank_url set=set_bank_url />
                    </label>
                    <BusyButton testid="create-identity" busy=busy on_click=on_create>
                        "Create my wallet"
                    </BusyButton>
                </section>
                {restore_form()}
            </Show>
            {move || {
                shown
                    .get()
                    .map(|o| {
                        view! {
                            <section class="account">
                                <p>
                                    "Account " <code data-testid="account-id">{o.account.clone()}</code>
                                    " at " <span data-testid="bank-url">{o.bank_url.clone()}</span>
                                </p>
                                <p>
                                    "Balance at the bank: "
                                    <strong data-testid="bank-balance">
                                        {match o.balance.clone() {
                                            Balance::Known(b) => b,
                                            Balance::Unreachable => "unknown (the bank cannot be reached)".to_owned(),
                                            Balance::NotAsked => "not asked while you pay: paying tells the bank nothing".to_owned(),
                                        }}
                                    </strong>
                                </p>
                                <details>
                                    <summary>"Statement at the bank"</summary>
                                    <ul data-testid="statement">
                                        {o.bank_lines.iter().map(|l| view! {
                                            <li data-testid="statement-line">
                                                {l.day.clone()} " " {l.what.clone()} " "
                                                <span data-testid="statement-amount">{l.amount.clone()}</span>
                                            </li>
                                        }).collect_view()}
                                    </ul>
                                </details>
                            </section>
                            <section class="purses">
                                <h2>"Purses"</h2>
                                <ul data-testid="purse-list">
                                    {o.purses.iter().map(|p| {
                                        let purse = p.purse;
                                        let (seller, currency) = (p.seller_id, p.currency);
                                        view! {
                                            <li data-testid="purse" data-purse=p.id.clone()>
                                                <code>{p.id.clone()}</code>
                                                " for seller " <code>{p.seller.clone()}</code>
                                                ": " <span data-testid="purse-available">{p.available.clone()}</span>
                                                " available, " <span data-testid="purse-pending">{p.pending.clone()}</span>
                                                " pending, " <span data-testid="purse-spent">{p.spent.clone()}</span>
                                                " spent"
                                                {p.allowance.clone().map(|a| view! {
                                                    "; allowance left " <span data-testid="purse-allowance">{a}</span>
                                                    <AllowanceEdit seller=seller currency=currency busy=busy on_set=on_set_allowance />
                                                })}
                                                {p.refunding.clone().map(|r| view! {
                                                    ", " <span data-testid="purse-refunding">{r}</span>
                                                    " with the bank for a refund"
                                                })}
                                                <Show when={
                                                    let can = p.can_refund;
                                                    move || can
                                                }>
                                                    " "
                                                    <BusyButton testid="purse-refund" busy=busy on_click=move |_| on_refund(purse)>
                                                        "Take back what is unspent"
                                                    </BusyButton>
                                                </Show>
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                            </section>
                            <MoneyTable lines=o.money.clone() />
                            <PendingList
                                orders=o.orders_waiting.clone()
                                payments=o.pending.clone()
                                refunds=o.refunds_waiting.clone()
                                busy=busy
                                on_decide=on_decide
                                on_check=on_check
                            />
                            <Show when=move || !popup && ask.get().is_none()>
                                <section class="in-person">
                                    <h2>"Pay a till in person"</h2>
                                    <p>"Paste the payment request the till shows (it starts with hpr1.):"</p>
                                    <PasteBox
                                        testid="inperson-request"
                                        rows="3"
                                        value=request_code
                                        set=set_request_code
                                    />
                                    <button data-testid="inperson-read" on:click=on_read>"Read it"</button>
                                </section>
                            </Show>
                            <p>
                                <button data-testid="refresh" on:click=move |_| read_overview(BankCheck::Ask)>
                                    "Check with the bank"
                                </button>
                            </p>
                            <section class="history">
                                <h2>"History"</h2>
                                <SpendingChart days=o.spending.clone() />
                                <ul data-testid="history-list">
                                    {o.history.iter().map(|h| view! {
                                        <li>{h.what.clone()} ": " {h.amount.clone()}</li>
                                    }).collect_view()}
                                </ul>
                            </section>
                            <section class="backup">
                                <h2>"Back up"</h2>
                                <p data-testid="storage-kept" data-kept=move || storage_kept.get().map(|k| k.to_string())>
                                    {move || match storage_kept.get() {
                                        Some(true) => "This browser keeps your wallet's storage, even when space runs low.",
                                        Some(false) => "This browser may clear your wallet's storage when space runs low or its settings say so: save a backup, and keep it somewhere else.",
                                        None => "This browser does not say whether it keeps your wallet's storage: save a backup, and keep it somewhere else.",
                                    }}
                                </p>
                                <TextField
                                    kind="password"
                                    testid="backup-passphrase"
                                    placeholder="A passphrase of 10 characters or more"
                                    value=passphrase
                                    set=set_passphrase
                                />
                                <button data-testid="backup-save" on:click=on_backup>
                                    "Save a backup"
                                </button>
                            </section>
                        }
                    })
            }}
        </main>
    }
}
