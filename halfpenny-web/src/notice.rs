//! A line that shows while a signal holds a text.

use leptos::prelude::*;

/// A paragraph that shows while `text` holds something (progress, an
/// error, an outcome).
#[component]
pub fn Notice(
    text: ReadSignal<Option<String>>,
    class: &'static str,
    testid: &'static str,
    /// `status` or `alert`.
    role: &'static str,
) -> impl IntoView {
    view! {
        <Show when=move || text.get().is_some()>
            <p class=class data-testid=testid role=role>
                {move || text.get().unwrap_or_default()}
            </p>
        </Show>
    }
}
