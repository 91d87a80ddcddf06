//! Her backup: saving one (encrypted with her passphrase), restoring one,
//! and whether the browser keeps her wallet's storage at all.

use halfpenny::bank::Role;
use halfpenny_store::backup;
use halfpenny_web::controls::TextField;
use halfpenny_web::{BankApi, browser};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::page;
use super::sentences::AppError;
use crate::wallet;

/// What the page says of the browser keeping her storage.
fn kept_text(kept: Option<bool>) -> &'static str {
    match kept {
        Some(true) => "This browser keeps your wallet's storage, even when space runs low.",
        Some(false) => {
            "This browser may clear your wallet's storage when space runs low or its settings say so: save a backup, and keep it somewhere else."
        }
        None => {
            "This browser does not say whether it keeps your wallet's storage: save a backup, and keep it somewhere else."
        }
    }
}

/// The Back up section.
#[component]
pub fn BackupPanel() -> impl IntoView {
    let page = page();
    let passphrase = page.passphrase;
    let on_backup = move |_| {
        let Some(k) = page.keeper.get_value() else {
            return;
        };
        let pass = passphrase.get_untracked();
        page.run("Encrypting your backup…", async move {
            let file = backup::export(k.store(), &pass, &mut browser::rng()?).await?;
            browser::download("halfpenny-wallet.backup", &file)?;
            passphrase.set(String::new());
            Ok(())
        });
    };
    let kept = page.storage_kept;
    view! {
        <section class="backup">
            <h2>"Back up"</h2>
            <p data-testid="storage-kept" data-kept=move || kept.get().map(|k| k.to_string())>
                {move || kept_text(kept.get())}
            </p>
            <TextField
                kind="password"
                testid="backup-passphrase"
                placeholder="A passphrase of 10 characters or more"
                value=passphrase.read_only()
                set=passphrase.write_only()
            />
            <button data-testid="backup-save" on:click=on_backup>
                "Save a backup"
            </button>
        </section>
    }
}

/// The form that restores her wallet from a backup file.
#[component]
pub fn RestoreForm() -> impl IntoView {
    let page = page();
    let (restore_passphrase, set_restore_passphrase) = signal(String::new());
    let restore_file = NodeRef::<leptos::html::Input>::new();
    let on_restore = move |_| {
        let Some(input) = restore_file.get_untracked() else {
            return;
        };
        let input: web_sys::HtmlInputElement = input.unchecked_into();
        let pass = restore_passphrase.get_untracked();
        page.run("Opening your backup…", async move {
            let file = browser::read_file(&input).await?;
            let store = wallet::open_store().await?;
            backup::import(&store, &file, &pass).await?;
            let k = wallet::load().await?.ok_or(AppError::NoWalletInBackup)?;
            // Make sure the bank knows her (harmless if it does).
            BankApi::new(k.bank_url())
                .register(Role::Buyer, &k.public())
                .await?;
            page.keeper.set_value(Some(k));
            set_restore_passphrase.set(String::new());
            page.opened();
            Ok(())
        });
    };
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
}
