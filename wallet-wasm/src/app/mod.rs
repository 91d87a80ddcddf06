//! The page. Plain domain values come from the keeper; signals live here
//! and in the page's parts below it (`app/`) only. The root component
//! provides one [`Page`] (the state every part shares) as context; each
//! part takes it with [`page`].

mod account;
mod actions;
mod allowance_edit;
mod backup;
mod chart;
mod create;
mod in_person;
mod money_table;
mod pay_panel;
mod pending_list;
mod purses;
pub(crate) mod sentences;

use halfpenny_web::browser;
use halfpenny_web::notice::Notice;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::courier::Link;
use crate::in_person::{Answers, Shown};
use crate::pay::Ask;
use crate::shop_link::ShopLink;
use crate::wallet::{self, Overview, Shared};
use account::Account;
use backup::{BackupPanel, RestoreForm};
use chart::History;
use create::CreateForm;
use in_person::{CodePanel, InPersonForm};
use money_table::MoneyTable;
use pay_panel::PayPanel;
use pending_list::Pending;
use purses::Purses;

/// What every part of the page shares: her keeper, who asks her to pay,
/// and the signals the parts show and set. Copied into each part.
#[derive(Clone, Copy)]
pub struct Page {
    pub keeper: StoredValue<Option<Shared>, LocalStorage>,
    /// Who asks her to pay: a shop's pay button that opened this window, or
    /// a till in person.
    pub link: StoredValue<Option<Link>, LocalStorage>,
    /// Where the in-person buttons put what she pasted.
    pub answers: StoredValue<Option<Answers>, LocalStorage>,
    /// This window was opened by a shop's pay button.
    pub popup: bool,
    pub shown: RwSignal<Option<Overview>>,
    /// Her wallet has been looked for in this browser.
    pub started: RwSignal<bool>,
    pub busy: RwSignal<Option<String>>,
    pub error: RwSignal<Option<String>>,
    /// How the last payment ended.
    pub paid: RwSignal<Option<String>>,
    /// The code shown for a till in person.
    pub code: RwSignal<Option<Shown>>,
    /// The request she is asked to approve.
    pub ask: RwSignal<Option<Ask>>,
    /// She needs a purse for the asking seller first.
    pub needs_purse: RwSignal<bool>,
    /// Whether the shop and her purses were asked about the ask shown:
    /// until then she cannot approve it (it may have been paid before, by
    /// a payment whose answer was lost).
    pub ask_checked: RwSignal<bool>,
    /// Whether the browser keeps her wallet's storage under pressure.
    pub storage_kept: RwSignal<Option<bool>>,
    /// The till's payment request she is pasting (kept while the overview
    /// is shown again).
    pub request_code: RwSignal<String>,
    /// Her backup passphrase, as she types it.
    pub passphrase: RwSignal<String>,
}

/// The page's shared state, as the root provided it.
pub fn page() -> Page {
    expect_context::<Page>()
}

#[component]
pub fn App() -> impl IntoView {
    let link = StoredValue::new_local(ShopLink::open().map(Link::Page));
    let page = Page {
        keeper: StoredValue::new_local(None),
        popup: link.with_value(Option::is_some),
        link,
        answers: StoredValue::new_local(None),
        shown: RwSignal::new(None),
        started: RwSignal::new(false),
        busy: RwSignal::new(None),
        error: RwSignal::new(None),
        paid: RwSignal::new(None),
        code: RwSignal::new(None),
        ask: RwSignal::new(None),
        needs_purse: RwSignal::new(false),
        ask_checked: RwSignal::new(false),
        storage_kept: RwSignal::new(None),
        request_code: RwSignal::new(String::new()),
        passphrase: RwSignal::new(String::new()),
    };
    provide_context(page);

    if page.popup {
        spawn_local(async move {
            let Some(Link::Page(mut l)) = page.link.try_update_value(Option::take).flatten() else {
                return;
            };
            let request = l.next_request().await;
            page.link.set_value(Some(Link::Page(l)));
            match request.as_ref().map(Ask::read) {
                Some(Ok(a)) => {
                    page.ask_checked.set(false);
                    page.ask.set(Some(a));
                    page.check_ask();
                }
                Some(Err(e)) => page.fail(e),
                None => {}
            }
        });
    }

    spawn_local(async move {
        match wallet::load().await {
            Ok(found) => {
                let exists = found.is_some();
                page.keeper.set_value(found);
                if exists {
                    page.opened();
                }
            }
            Err(e) => page.fail(e),
        }
        page.started.set(true);
    });

    let (busy, error, paid) = (
        page.busy.read_only(),
        page.error.read_only(),
        page.paid.read_only(),
    );
    let shown = page.shown;
    view! {
        <main>
            <h1>"Halfpenny wallet"</h1>
            <Notice text=busy class="progress" testid="progress" role="status" />
            <Notice text=error class="error" testid="error" role="alert" />
            <PayPanel />
            <CodePanel />
            <Notice text=paid class="paid" testid="pay-result" role="status" />
            <Show when=move || {
                page.started.get() && shown.get().is_none() && page.keeper.with_value(Option::is_none)
            }>
                <CreateForm />
                <RestoreForm />
            </Show>
            {move || {
                shown
                    .get()
                    .map(|o| {
                        view! {
                            <Account overview=o.clone() />
                            <Purses purses=o.purses.clone() />
                            <MoneyTable lines=o.money.clone() />
                            <Pending overview=o.clone() />
                            <InPersonForm />
                            <p>
                                <button data-testid="refresh" on:click=move |_| page.check_with_bank()>
                                    "Check with the bank"
                                </button>
                            </p>
                            <History overview=o />
                            <BackupPanel />
                        }
                    })
            }}
        </main>
    }
}

/// Asks whether the browser keeps her wallet's storage. Asked once her
/// wallet exists; asking again changes nothing.
fn keep_storage(kept: RwSignal<Option<bool>>) {
    spawn_local(async move { kept.set(browser::keep_storage().await) });
}
