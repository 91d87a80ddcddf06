//! Where every cent is: per currency, her money in each state.

use leptos::prelude::*;

use halfpenny_wallet::Money;

use crate::wallet::MoneyLine;

/// One row per currency; each state's cell carries its minor units
/// (`data-minor`) for tests.
#[component]
pub fn MoneyTable(lines: Vec<MoneyLine>) -> impl IntoView {
    view! {
        <section class="money" data-testid="money">
            <h2>"Where your money is"</h2>
            <table>
                <thead>
                    <tr>
                        <th>"Currency"</th>
                        {MoneyLine::TITLES.iter().map(|title| view! { <th>{*title}</th> }).collect_view()}
                    </tr>
                </thead>
                <tbody>
                    {lines.into_iter().map(|line| view! {
                        <tr data-testid="money-row" data-currency=line.currency.clone()>
                            <td>{line.currency.clone()}</td>
                            {line.cells.into_iter().zip(Money::STATES).map(|((text, minor), name)| view! {
                                <td data-testid=format!("money-{name}") data-minor=minor.to_string()>{text}</td>
                            }).collect_view()}
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
            <p class="hint">
                "Pending: sent or ordered, the answer not in yet (see Pending below). "
                "Expired: in a purse past its date; take it back from the bank."
            </p>
        </section>
    }
}
