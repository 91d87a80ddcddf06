//! Form controls both pages use: fields bound to a signal, and a button
//! that waits while work runs.

use leptos::ev::MouseEvent;
use leptos::prelude::*;

/// A one-line field bound to a signal (`kind="password"` for a passphrase).
#[component]
pub fn TextField(
    testid: &'static str,
    value: ReadSignal<String>,
    set: WriteSignal<String>,
    /// The input's `type`; a text field without it.
    #[prop(optional)]
    kind: Option<&'static str>,
    #[prop(optional)] placeholder: Option<&'static str>,
    #[prop(optional)] inputmode: Option<&'static str>,
) -> impl IntoView {
    view! {
        <input
            type=kind
            placeholder=placeholder
            inputmode=inputmode
            data-testid=testid
            prop:value=move || value.get()
            on:input=move |ev| set.set(event_target_value(&ev))
        />
    }
}

/// A text area for a pasted code, bound to a signal.
#[component]
pub fn PasteBox(
    testid: &'static str,
    rows: &'static str,
    value: ReadSignal<String>,
    set: WriteSignal<String>,
    #[prop(optional)] placeholder: Option<&'static str>,
) -> impl IntoView {
    view! {
        <textarea
            rows=rows
            placeholder=placeholder
            data-testid=testid
            prop:value=move || value.get()
            on:input=move |ev| set.set(event_target_value(&ev))
        ></textarea>
    }
}

/// A button that cannot be pressed while work runs (`busy` holds its
/// progress line).
#[component]
pub fn BusyButton(
    testid: &'static str,
    busy: ReadSignal<Option<String>>,
    on_click: impl FnMut(MouseEvent) + 'static,
    children: Children,
) -> impl IntoView {
    view! {
        <button data-testid=testid disabled=move || busy.get().is_some() on:click=on_click>
            {children()}
        </button>
    }
}
