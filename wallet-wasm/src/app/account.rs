//! Her account at the bank: its id, her balance and her statement.

use leptos::prelude::*;

use crate::wallet::{Balance, Overview};

/// Her balance as the page words it.
fn balance_text(balance: Balance) -> String {
    match balance {
        Balance::Known(b) => b,
        Balance::Unreachable => "unknown (the bank cannot be reached)".to_owned(),
        Balance::NotAsked => "not asked while you pay: paying tells the bank nothing".to_owned(),
    }
}

/// The account section.
#[component]
pub fn Account(overview: Overview) -> impl IntoView {
    view! {
        <section class="account">
            <p>
                "Account " <code data-testid="account-id">{overview.account}</code>
                " at " <span data-testid="bank-url">{overview.bank_url}</span>
            </p>
            <p>
                "Balance at the bank: "
                <strong data-testid="bank-balance">{balance_text(overview.balance)}</strong>
            </p>
            <details>
                <summary>"Statement at the bank"</summary>
                <ul data-testid="statement">
                    {overview.bank_lines.into_iter().map(|l| view! {
                        <li data-testid="statement-line">
                            {l.day} " " {l.what} " "
                            <span data-testid="statement-amount">{l.amount}</span>
                        </li>
                    }).collect_view()}
                </ul>
            </details>
        </section>
    }
}
