//! Beside "allowance left" on a purse: change the allowance she gives its
//! seller, or remove it.

use halfpenny::{Currency, KeyId};
use halfpenny_web::controls::TextField;
use leptos::prelude::*;

/// A new allowance for a seller, in the purse's currency: what she typed,
/// or `None` to remove it.
/// The page shows the purses again once it is saved, which closes the form;
/// a mistake leaves it open with what she typed.
pub type SetAllowance = Callback<(KeyId, Currency, Option<String>)>;

#[component]
pub fn AllowanceEdit(
    seller: KeyId,
    currency: Currency,
    busy: ReadSignal<Option<String>>,
    on_set: SetAllowance,
) -> impl IntoView {
    let (open, set_open) = signal(false);
    let (text, set_text) = signal(String::new());
    let idle = move || busy.get().is_none();
    view! {
        " "
        <Show
            when=move || open.get()
            fallback=move || view! {
                <button data-testid="allowance-change" on:click=move |_| set_open.set(true)>
                    "Change"
                </button>
            }
        >
            <span class="allowance-edit">
                <label>
                    " New allowance "
                    <TextField
                        testid="allowance-new"
                        inputmode="decimal"
                        placeholder="0.10"
                        value=text
                        set=set_text
                    />
                </label>
                " "
                <button
                    data-testid="allowance-save"
                    disabled=move || !idle()
                    on:click=move |_| on_set.run((seller, currency, Some(text.get_untracked())))
                >
                    "Set"
                </button>
                " "
                <button
                    data-testid="allowance-remove"
                    disabled=move || !idle()
                    on:click=move |_| on_set.run((seller, currency, None))
                >
                    "Remove it (always ask me)"
                </button>
                " "
                <button data-testid="allowance-cancel" on:click=move |_| set_open.set(false)>
                    "Cancel"
                </button>
            </span>
        </Show>
    }
}
