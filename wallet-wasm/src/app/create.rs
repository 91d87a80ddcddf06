//! Making a new wallet: her keys, registered at the bank she names.

use halfpenny_web::browser;
use halfpenny_web::controls::{BusyButton, TextField};
use leptos::prelude::*;

use super::page;
use crate::wallet;

/// The form that makes her wallet.
#[component]
pub fn CreateForm() -> impl IntoView {
    let page = page();
    let (bank_url, set_bank_url) = signal(browser::origin());
    let on_create = move |_| {
        page.run(
            "Making your keys. This can take a few seconds…",
            async move {
                page.keeper
                    .set_value(Some(wallet::create(bank_url.get_untracked()).await?));
                page.opened();
                Ok(())
            },
        );
    };
    view! {
        <section class="create">
            <h2>"Create your wallet"</h2>
            <label>
                "Bank address "
                <TextField testid="create-bank-url" value=bank_url set=set_bank_url />
            </label>
            <BusyButton testid="create-identity" busy=page.busy.read_only() on_click=on_create>
                "Create my wallet"
            </BusyButton>
        </section>
    }
}
