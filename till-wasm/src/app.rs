//! The till page. Plain values come from the desk; signals live here only.

use std::rc::Rc;

use halfpenny::Currency;
use halfpenny::bank::Role;
use halfpenny::till::VerifyPolicy;
use halfpenny::wire::TextForm;
use halfpenny_idb::till::IdbTillStore;
use halfpenny_till_store::TillStore;
use halfpenny_web::controls::{BusyButton, PasteBox, TextField};
use halfpenny_web::enrol::enrol;
use halfpenny_web::notice::Notice;
use halfpenny_web::{BankApi, browser, in_background, qr, sentence};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::bank_api::TillBank;
use crate::desk::{self, TillDesk, flows};
use crate::sentences;

/// The IndexedDB database this page keeps its till in.
const DATABASE: &str = "halfpenny-till";
/// The till sells in one currency.
const CURRENCY: Currency = Currency::USD;

type Shared = Rc<TillDesk<IdbTillStore>>;

/// What the page shows of the day.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
struct Day {
    takings: String,
    purses: usize,
    refused: Vec<String>,
}

/// A payment request on show: its code and its QR code.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Offer {
    code: String,
    qr: Option<String>,
    what: String,
}

async fn open_store() -> Result<IdbTillStore, String> {
    halfpenny_idb::till::open(DATABASE)
        .await
        .map_err(|e| format!("This browser's storage is not available: {e}."))
}

/// Amounts as a list (`USD 0.05, EUR 0.02`); nothing is `USD 0.00`.
fn listed(amounts: &[halfpenny::Amount]) -> String {
    if amounts.is_empty() {
        return halfpenny::Amount::new(0, CURRENCY).to_string();
    }
    amounts
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

async fn day(desk: &TillDesk<IdbTillStore>) -> Result<Day, String> {
    let takings = listed(&desk.takings().await.map_err(sentence)?);
    let purses = desk.store().purses().await.map_err(sentence)?.len();
    let refused = desk
        .refusals()
        .await
        .map_err(sentence)?
        .into_iter()
        .map(|r| r.message)
        .collect();
    Ok(Day {
        takings,
        purses,
        refused,
    })
}

/// Makes his keys, registers them at the bank as a seller and saves them.
async fn create(bank_url: String) -> Result<Shared, String> {
    let url = bank_url.clone();
    let make = async move |bank, rng: &mut _| {
        TillDesk::create(open_store().await?, bank_url, bank, browser::now(), rng)
            .await
            .map_err(sentence)
    };
    let desk = enrol(&url, Role::Seller, make, TillDesk::public)
        .await
        .map_err(|e| sentences::enrolled(&e))?;
    Ok(Rc::new(desk))
}

async fn load() -> Result<Option<Shared>, String> {
    let desk = TillDesk::load(open_store().await?)
        .await
        .map_err(sentence)?;
    Ok(desk.map(Rc::new))
}

/// Forwards her purse request to the bank, keeps his purse, and gives back
/// hers as text.
async fn forward(desk: &TillDesk<IdbTillStore>, text: &str) -> Result<String, String> {
    let mut bank = TillBank(BankApi::new(desk.bank_url()));
    let forwarded = flows::forward_purse(desk, &mut bank, text, browser::now())
        .await
        .map_err(sentence)?;
    if forwarded.value.is_none() {
        return Err(format!(
            "The bank made the purse, but this till could not open its half; give the buyer her purse so she can have it refunded: {}",
            forwarded.buyer_purse.to_text()
        ));
    }
    Ok(forwarded.buyer_purse.to_text())
}

/// Sends again the purse requests the bank has not answered (his purses
/// are kept; hers her wallet recovers from the bank), answers the bank's
/// return requests waiting in the inbox (one that fails is tried at the
/// next redemption), then hands the takings to the bank; they are marked
/// handed in only once it answered.
async fn redeem(desk: &TillDesk<IdbTillStore>) -> Result<String, String> {
    let mut bank = TillBank(BankApi::new(desk.bank_url()));
    flows::resend_orders(desk, &mut bank, browser::now())
        .await
        .map_err(sentence)?;
    let mut rng = browser::rng().map_err(|e| sentences::browser(&e))?;
    flows::answer_returns(desk, &mut bank, browser::now(), &mut rng)
        .await
        .map_err(sentence)?;
    let credited = match flows::redeem(desk, &mut bank, browser::now(), &mut rng)
        .await
        .map_err(sentence)?
    {
        Some(r) => r.credited,
        None => {
            return Ok(format!(
                "Nothing to redeem: the bank credited {}.",
                halfpenny::Amount::new(0, CURRENCY)
            ));
        }
    };
    Ok(format!("The bank credited {}.", listed(&credited)))
}

/// A read-only text code for the other side to copy.
#[component]
fn Code(testid: &'static str, code: String) -> impl IntoView {
    view! { <textarea data-testid=testid readonly=true rows="4">{code.clone()}</textarea> }
}

#[component]
pub fn App() -> impl IntoView {
    let desk = StoredValue::new_local(None::<Shared>);
    let (ready, set_ready) = signal(false);
    let (started, set_started) = signal(false);
    let (busy, set_busy) = signal(None::<String>);
    let (error, set_error) = signal(None::<String>);
    let (bank_url, set_bank_url) = signal(browser::origin());
    let (seller, set_seller) = signal(String::new());
    let (shown, set_shown) = signal(Day::default());
    let (purse_request, set_purse_request) = signal(String::new());
    let (buyer_purse, set_buyer_purse) = signal(None::<String>);
    let (item, set_item) = signal(String::new());
    let (price, set_price) = signal(String::new());
    let (offer, set_offer) = signal(None::<Offer>);
    let (payment, set_payment) = signal(String::new());
    let (receipt, set_receipt) = signal(None::<String>);
    // The sentence, and what the buyer copies back to her wallet.
    let (refused, set_refused) = signal(None::<(String, Option<String>)>);
    let (redeemed, set_redeemed) = signal(None::<String>);

    let refresh = move || {
        spawn_local(async move {
            let Some(d) = desk.get_value() else { return };
            match day(&d).await {
                Ok(x) => set_shown.set(x),
                Err(e) => set_error.set(Some(e)),
            }
        })
    };

    let show = move |d: Shared| {
        set_seller.set(d.seller().to_hex());
        desk.set_value(Some(d));
        set_ready.set(true);
        refresh();
    };

    spawn_local(async move {
        match load().await {
            Ok(Some(d)) => show(d),
            Ok(None) => {}
            Err(e) => set_error.set(Some(e)),
        }
        set_started.set(true);
    });

    let on_create = move |_| {
        in_background(
            set_busy,
            set_error,
            "Making the till's keys. This can take a few seconds…",
            async move {
                show(create(bank_url.get_untracked()).await?);
                Ok(())
            },
        );
    };

    let on_verify = move |ev| {
        let policy = match event_target_value(&ev).as_str() {
            "sample" => VerifyPolicy::Sample { one_in: 10 },
            _ => VerifyPolicy::All,
        };
        desk.with_value(|d| {
            if let Some(d) = d {
                d.set_verify(policy);
            }
        });
    };

    let on_forward = move |_| {
        let Some(d) = desk.get_value() else { return };
        let text = purse_request.get_untracked();
        set_buyer_purse.set(None);
        in_background(
            set_busy,
            set_error,
            "The bank is making the purse…",
            async move {
                set_buyer_purse.set(Some(forward(&d, &text).await?));
                set_purse_request.set(String::new());
                refresh();
                Ok(())
            },
        );
    };

    let on_offer = move |_| {
        let Some(d) = desk.get_value() else { return };
        let (what, cost) = (item.get_untracked(), price.get_untracked());
        set_offer.set(None);
        set_receipt.set(None);
        set_refused.set(None);
        in_background(set_busy, set_error, "Making the request…", async move {
            let amount = desk::price(&cost, CURRENCY).map_err(sentence)?;
            let mut rng = browser::rng().map_err(|e| sentences::browser(&e))?;
            let request = d
                .offer(&what, amount, browser::now(), &mut rng)
                .await
                .map_err(sentence)?;
            let code = request.to_text();
            set_offer.set(Some(Offer {
                qr: qr::svg(&code),
                what: format!("{} for {}", request.price, request.item),
                code,
            }));
            Ok(())
        });
    };

    let on_accept = move |_| {
        let Some(d) = desk.get_value() else { return };
        let text = payment.get_untracked();
        set_receipt.set(None);
        set_refused.set(None);
        in_background(set_busy, set_error, "Checking the payment…", async move {
            let mut rng = browser::rng().map_err(|e| sentences::browser(&e))?;
            match d.take(&text, browser::now(), &mut rng).await {
                Ok(r) => {
                    set_receipt.set(Some(r.to_text()));
                    set_payment.set(String::new());
                }
                Err(e) => {
                    let back = desk::refusal_for_buyer(&text, &e);
                    set_refused.set(Some((sentence(&e), back)));
                }
            }
            refresh();
            Ok(())
        });
    };

    let on_redeem = move |_| {
        let Some(d) = desk.get_value() else { return };
        set_redeemed.set(None);
        in_background(
            set_busy,
            set_error,
            "Handing the takings to the bank…",
            async move {
                let outcome = redeem(&d).await;
                refresh();
                set_redeemed.set(Some(outcome?));
                Ok(())
            },
        );
    };

    view! {
        <main>
            <h1>"Halfpenny till"</h1>
            <Notice text=busy class="progress" testid="till-progress" role="status" />
            <Notice text=error class="error" testid="till-error" role="alert" />
            <Show when=move || started.get() && !ready.get()>
                <section class="setup">
                    <h2>"Set up this till"</h2>
                    <label>
                        "Bank address "
                        <TextField testid="till-bank-url" value=bank_url set=set_bank_url />
                    </label>
                    <BusyButton testid="till-create" busy=busy on_click=on_create>
                        "Make the till's keys and register"
                    </BusyButton>
                </section>
            </Show>
            <Show when=move || ready.get()>
                <section class="identity">
                    <p>
                        "Seller " <code data-testid="till-seller-id">{move || seller.get()}</code>
                    </p>
                    <label>
                        "Check the bank's signature on "
                        <select data-testid="till-verify" on:change=on_verify>
                            <option value="all" selected=true>"every token"</option>
                            <option value="sample">"one token in 10"</option>
                        </select>
                    </label>
                </section>
                <section class="sell">
                    <h2>"Sell"</h2>
                    <label>
                        "Item "
                        <TextField
                            testid="till-item"
                            placeholder="newspaper"
                            value=item
                            set=set_item
                        />
                    </label>
                    <label>
                        " Price (USD) "
                        <TextField
                            testid="till-price"
                            inputmode="decimal"
                            placeholder="0.02"
                            value=price
                            set=set_price
                        />
                    </label>
                    <BusyButton testid="till-offer" busy=busy on_click=on_offer>
                        "Ask for payment"
                    </BusyButton>
                    {move || offer.get().map(|o| view! {
                        <div class="offer">
                            <p>"Show the buyer this request (" {o.what.clone()} "):"</p>
                            <Code testid="till-payment-request" code=o.code.clone() />
                            {o.qr.clone().map(|svg| view! {
                                <figure class="qr" data-testid="till-payment-request-qr" inner_html=svg></figure>
                            })}
                        </div>
                    })}
                </section>
                <section class="take">
                    <h2>"Take a payment"</h2>
                    <textarea
                        data-testid="till-payment"
                        rows="4"
                        placeholder="Paste the buyer's payment (hpp1.…)"
                        prop:value=move || payment.get()
                        on:input=move |ev| {
                            // A new payment: the last one's outcome goes.
                            set_receipt.set(None);
                            set_refused.set(None);
                            set_payment.set(event_target_value(&ev));
                        }
                    ></textarea>
                    <BusyButton testid="till-accept" busy=busy on_click=on_accept>
                        "Take it"
                    </BusyButton>
                    {move || receipt.get().map(|r| view! {
                        <div class="receipt">
                            <p>"Taken. Give the buyer her receipt:"</p>
                            <Code testid="till-receipt" code=r />
                        </div>
                    })}
                    {move || refused.get().map(|(r, back)| view! {
                        <p class="refused" data-testid="till-refused" role="alert">{r}</p>
                        {back.map(|b| view! {
                            <div class="refusal">
                                <p>"Nothing was taken. Give the buyer this refusal for her wallet:"</p>
                                <Code testid="till-refusal" code=b />
                            </div>
                        })}
                    })}
                </section>
                <section class="purses">
                    <h2>"Purses"</h2>
                    <p>
                        "This till holds " {move || shown.get().purses}
                        " purse(s). A buyer without one pastes her purse request here; the till forwards it to the bank (this needs the network)."
                    </p>
                    <PasteBox
                        testid="till-purse-request"
                        rows="4"
                        placeholder="Paste the buyer's purse request (hpq1.…)"
                        value=purse_request
                        set=set_purse_request
                    />
                    <BusyButton testid="till-forward" busy=busy on_click=on_forward>
                        "Forward to the bank"
                    </BusyButton>
                    {move || buyer_purse.get().map(|p| view! {
                        <div class="buyer-purse">
                            <p>"Her purse, sealed for her: give it to the buyer."</p>
                            <Code testid="till-buyer-purse" code=p />
                        </div>
                    })}
                </section>
                <section class="day">
                    <h2>"The day"</h2>
                    <p>
                        "Takings not yet redeemed: "
                        <strong data-testid="till-takings">{move || shown.get().takings}</strong>
                    </p>
                    <BusyButton testid="till-redeem" busy=busy on_click=on_redeem>
                        "Redeem at the bank"
                    </BusyButton>
                    {move || redeemed.get().map(|r| view! {
                        <p class="redeemed" data-testid="till-redeem-result" role="status">{r}</p>
                    })}
                    <h3>"Refused payments"</h3>
                    <ul data-testid="till-refused-list">
                        {move || shown.get().refused.into_iter().map(|r| view! { <li>{r}</li> }).collect_view()}
                    </ul>
                </section>
            </Show>
        </main>
    }
}
