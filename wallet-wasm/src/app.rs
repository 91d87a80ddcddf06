//! The page. Plain domain values come from the keeper; signals live here only.

use std::rc::Rc;

use halfpenny::{Amount, Currency};
use halfpenny_idb::IdbStore;
use halfpenny_store::{EventKind, WalletStore, backup};
use halfpenny_wallet::Keeper;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use crate::bank_api::BankApi;
use crate::browser;

/// The IndexedDB database this page keeps its wallet in.
const DATABASE: &str = "halfpenny-wallet";

type Shared = Rc<Keeper<IdbStore>>;

/// What the page shows of a wallet that exists.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Overview {
    account: String,
    bank_url: String,
    /// `None` while the bank cannot be reached.
    balance: Option<String>,
    purses: Vec<PurseLine>,
    history: Vec<HistoryLine>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct PurseLine {
    id: String,
    seller: String,
    available: String,
    pending: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct HistoryLine {
    what: String,
    amount: String,
}

/// An error as people read it: a capital first letter and a full stop.
fn sentence(e: impl std::fmt::Display) -> String {
    let text = e.to_string();
    let mut chars = text.chars();
    let mut out: String = chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default();
    if !out.ends_with(['.', '!', '?']) {
        out.push('.');
    }
    out
}

async fn open_store() -> Result<IdbStore, String> {
    halfpenny_idb::open(DATABASE)
        .await
        .map_err(|e| format!("This browser's storage is not available: {e}."))
}

/// Reads everything the page shows, asking the bank for her balance.
async fn overview(keeper: &Keeper<IdbStore>) -> Result<Overview, String> {
    let api = BankApi::new(keeper.bank_url());
    let mut rng = browser::rng()?;
    let letter = keeper
        .statement_request(Currency::USD, browser::now(), &mut rng)
        .map_err(sentence)?;
    let balance = api.statement(&letter).await.ok().map(|s| {
        let minor = u64::try_from(s.balance_minor).unwrap_or(0);
        Amount::new(minor, Currency::USD).to_string()
    });
    let purses = keeper
        .summaries()
        .await
        .map_err(sentence)?
        .into_iter()
        .map(|p| PurseLine {
            id: p.purse.to_hex(),
            seller: p.seller.to_hex(),
            available: p.available.to_string(),
            pending: p.pending.to_string(),
        })
        .collect();
    let history = keeper
        .store()
        .events()
        .await
        .map_err(sentence)?
        .into_iter()
        .rev()
        .map(|e| HistoryLine {
            what: match e.kind {
                EventKind::PurseReceived => "Purse received".to_owned(),
                EventKind::Paid { item, .. } => format!("Paid for {item}"),
                EventKind::Released { .. } => "Payment not taken; money back".to_owned(),
                EventKind::RefundRequested => "Refund asked".to_owned(),
                EventKind::Refunded => "Refunded".to_owned(),
            },
            amount: e.amount.to_string(),
        })
        .collect();
    Ok(Overview {
        account: keeper.public().id().to_hex(),
        bank_url: keeper.bank_url().to_owned(),
        balance,
        purses,
        history,
    })
}

/// Makes her keys, registers them at the bank and saves them.
async fn create(bank_url: String) -> Result<Shared, String> {
    let api = BankApi::new(&bank_url);
    let bank = api.bank().await?;
    let mut rng = browser::rng()?;
    let keeper = Keeper::create(
        open_store().await?,
        bank_url,
        bank,
        browser::now(),
        &mut rng,
    )
    .await
    .map_err(sentence)?;
    api.register(&keeper.public()).await?;
    Ok(Rc::new(keeper))
}

async fn load() -> Result<Option<Shared>, String> {
    let keeper = Keeper::load(open_store().await?).await.map_err(sentence)?;
    Ok(keeper.map(Rc::new))
}

/// Runs `work` with a progress line showing `message` (after a repaint, so
/// the line shows before seconds of work), and shows its error, if any.
fn in_background(
    busy: WriteSignal<Option<String>>,
    error: WriteSignal<Option<String>>,
    message: &str,
    work: impl Future<Output = Result<(), String>> + 'static,
) {
    error.set(None);
    busy.set(Some(message.to_owned()));
    spawn_local(async move {
        browser::repaint().await;
        if let Err(e) = work.await {
            error.set(Some(e));
        }
        busy.set(None);
    });
}

/// A passphrase field bound to a signal.
#[component]
fn Passphrase(
    testid: &'static str,
    placeholder: &'static str,
    value: ReadSignal<String>,
    set: WriteSignal<String>,
) -> impl IntoView {
    view! {
        <input
            type="password"
            placeholder=placeholder
            data-testid=testid
            prop:value=move || value.get()
            on:input=move |ev| set.set(event_target_value(&ev))
        />
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

    let refresh = move || {
        spawn_local(async move {
            let Some(k) = keeper.get_value() else { return };
            match overview(&k).await {
                Ok(o) => set_shown.set(Some(o)),
                Err(e) => set_error.set(Some(e)),
            }
        })
    };

    spawn_local(async move {
        match load().await {
            Ok(found) => {
                let exists = found.is_some();
                keeper.set_value(found);
                if exists {
                    refresh();
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
                keeper.set_value(Some(create(bank_url.get_untracked()).await?));
                refresh();
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
            let file = browser::read_file(&input).await?;
            let store = open_store().await?;
            backup::import(&store, &file, &pass)
                .await
                .map_err(sentence)?;
            let k = load().await?.ok_or("The backup held no wallet.")?;
            // Make sure the bank knows her (harmless if it does).
            BankApi::new(k.bank_url()).register(&k.public()).await?;
            keeper.set_value(Some(k));
            set_restore_passphrase.set(String::new());
            refresh();
            Ok(())
        });
    };

    let restore_form = move || {
        view! {
            <section class="restore">
                <h2>"Restore from a backup"</h2>
                <input type="file" node_ref=restore_file data-testid="restore-file" />
                <Passphrase
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
            <Show when=move || busy.get().is_some()>
                <p class="progress" data-testid="progress" role="status">
                    {move || busy.get().unwrap_or_default()}
                </p>
            </Show>
            <Show when=move || error.get().is_some()>
                <p class="error" data-testid="error" role="alert">
                    {move || error.get().unwrap_or_default()}
                </p>
            </Show>
            <Show when=move || started.get() && shown.get().is_none() && keeper.with_value(Option::is_none)>
                <section class="create">
                    <h2>"Create your wallet"</h2>
                    <label>
                        "Bank address "
                        <input
                            data-testid="create-bank-url"
                            prop:value=move || bank_url.get()
                            on:input=move |ev| set_bank_url.set(event_target_value(&ev))
                        />
                    </label>
                    <button
                        data-testid="create-identity"
                        disabled=move || busy.get().is_some()
                        on:click=on_create
                    >
                        "Create my wallet"
                    </button>
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
                                        {o.balance.clone().unwrap_or_else(|| "unknown (the bank cannot be reached)".to_owned())}
                                    </strong>
                                </p>
                            </section>
                            <section class="purses">
                                <h2>"Purses"</h2>
                                <ul data-testid="purse-list">
                                    {o.purses.iter().map(|p| view! {
                                        <li data-testid="purse">
                                            <code>{p.id.clone()}</code>
                                            " for seller " <code>{p.seller.clone()}</code>
                                            ": " <span data-testid="purse-available">{p.available.clone()}</span>
                                            " available, " {p.pending.clone()} " pending"
                                        </li>
                                    }).collect_view()}
                                </ul>
                            </section>
                            <section class="history">
                                <h2>"History"</h2>
                                <ul data-testid="history-list">
                                    {o.history.iter().map(|h| view! {
                                        <li>{h.what.clone()} ": " {h.amount.clone()}</li>
                                    }).collect_view()}
                                </ul>
                            </section>
                            <section class="backup">
                                <h2>"Back up"</h2>
                                <Passphrase
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
