//! Her history: what she paid each day as bars, and every event in her
//! wallet, newest first.

use leptos::prelude::*;

use crate::wallet::{DayBar, Overview};

/// The History section.
#[component]
pub fn History(overview: Overview) -> impl IntoView {
    view! {
        <section class="history">
            <h2>"History"</h2>
            <SpendingChart days=overview.spending />
            <ul data-testid="history-list">
                {overview.history.into_iter().map(|h| view! {
                    <li>{h.what} ": " {h.amount}</li>
                }).collect_view()}
            </ul>
        </section>
    }
}

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
