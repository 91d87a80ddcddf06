//! Paying a till in person: she pastes the till's payment request; codes
//! for the till show on screen, and she pastes its answers back.

use halfpenny_pay_protocol::{Kind, ToWallet};
use halfpenny_web::controls::PasteBox;
use halfpenny_web::qr;
use leptos::prelude::*;

use super::page;
use crate::courier::Link;
use crate::in_person::InPerson;
use crate::pay::Ask;
use crate::shop_link::Incoming;

/// Where she pastes a till's payment request (not while a seller asks).
#[component]
pub fn InPersonForm() -> impl IntoView {
    let page = page();
    let request_code = page.request_code;
    let on_read =
        move |_| match Ask::from_code(&request_code.get_untracked(), "a till in person".to_owned())
        {
            Ok(a) => {
                let code = page.code;
                let (till, tx) = InPerson::new(move |shown| code.set(shown));
                page.link.set_value(Some(Link::Till(till)));
                page.answers.set_value(Some(tx));
                page.error.set(None);
                page.paid.set(None);
                request_code.set(String::new());
                page.ask_checked.set(false);
                page.ask.set(Some(a));
                page.check_ask();
            }
            Err(e) => page.fail(e),
        };
    view! {
        <Show when=move || !page.popup && page.ask.get().is_none()>
            <section class="in-person">
                <h2>"Pay a till in person"</h2>
                <p>"Paste the payment request the till shows (it starts with hpr1.):"</p>
                <PasteBox
                    testid="inperson-request"
                    rows="3"
                    value=request_code.read_only()
                    set=request_code.write_only()
                />
                <button data-testid="inperson-read" on:click=on_read>"Read it"</button>
            </section>
        </Show>
    }
}

/// The code shown for the till, and where she pastes its answer.
#[component]
pub fn CodePanel() -> impl IntoView {
    let page = page();
    let (pasted, set_pasted) = signal(String::new());
    let answer = move |message: ToWallet| {
        page.answers.with_value(|tx| {
            if let Some(tx) = tx {
                let _ = tx.unbounded_send(Incoming::pasted(message));
            }
        });
        set_pasted.set(String::new());
    };
    move || {
        page.code.get().map(|shown| {
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
    }
}
