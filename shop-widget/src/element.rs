//! The `<halfpenny-pay>` element: its shadow root, its attributes, what it
//! shows, and the `paid` and `failed` events it fires.

use wasm_bindgen::prelude::*;
use web_sys::{
    CustomEvent, CustomEventInit, Event, HtmlButtonElement, HtmlElement, Node, ShadowRoot,
    ShadowRootInit, ShadowRootMode,
};

use crate::attributes::{Attributes, DEFAULT_SHOP};
use crate::error::PayError;
use crate::js::object;
use crate::session;
use crate::shop_api::Paid;

/// Styled through custom properties with fallbacks, and `::part(button)`,
/// `::part(status)` from the page.
const STYLE: &str = "\
:host{display:inline-flex;flex-wrap:wrap;align-items:center;gap:.5em;\
font-family:var(--halfpenny-font,system-ui,sans-serif);color:var(--halfpenny-text,inherit)}\
:host([hidden]){display:none}\
button{font:inherit;font-weight:600;line-height:1.2;padding:.5em 1.1em;cursor:pointer;\
border:2px solid var(--halfpenny-accent,#1d4ed8);border-radius:var(--halfpenny-radius,.4em);\
background:var(--halfpenny-accent,#1d4ed8);color:#fff}\
button:hover:not(:disabled){filter:brightness(1.12)}\
button:focus-visible{outline:3px solid var(--halfpenny-accent,#1d4ed8);outline-offset:3px}\
button:disabled{opacity:.6;cursor:default}\
button[aria-busy=true]{cursor:progress}\
[part=status]{font-size:.9em}\
[part=status]:empty{display:none}";

const BODY: &str = "<button part=\"button\" type=\"button\" data-testid=\"pay-button\">Pay</button>\
<span part=\"status\" data-testid=\"pay-status\" role=\"status\" aria-live=\"polite\"></span>";

/// Marks a status line that shows what is wrong with the attributes.
const ATTRIBUTE_PROBLEM: &str = "attributes";

/// `connectedCallback`: builds the shadow root once, then shows the price.
#[wasm_bindgen]
pub fn connected(el: HtmlElement) {
    render(&el);
}

/// `attributeChangedCallback`: shows the new price.
#[wasm_bindgen]
pub fn changed(el: HtmlElement) {
    render(&el);
}

/// The element's `item`, `price` and `currency`, checked.
pub fn attributes(el: &HtmlElement) -> Result<Attributes, PayError> {
    Attributes::read(
        el.get_attribute("item").as_deref(),
        el.get_attribute("price").as_deref(),
        el.get_attribute("currency").as_deref(),
    )
}

/// The `shop` attribute: the shop server's API base.
pub fn shop(el: &HtmlElement) -> String {
    el.get_attribute("shop")
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| DEFAULT_SHOP.to_owned())
}

/// What the button shows.
#[derive(Debug, Clone, Copy)]
pub enum View<'a> {
    /// Ready to be clicked; the status line is left as it is.
    Idle,
    /// A payment is under way: disabled, with a progress line.
    Busy(&'a str),
    /// It ended badly: clickable again, with the reason.
    Failed(&'a str),
    Paid,
}

struct Parts {
    button: HtmlButtonElement,
    status: HtmlElement,
}

fn parts(root: &ShadowRoot) -> Option<Parts> {
    Some(Parts {
        button: root.query_selector("button").ok()??.dyn_into().ok()?,
        status: root
            .query_selector("[part=status]")
            .ok()??
            .dyn_into()
            .ok()?,
    })
}

thread_local! {
    /// One click handler for every button on the page; it finds its element
    /// through the shadow root it is in.
    static ON_CLICK: Closure<dyn Fn(Event)> = Closure::new(|event: Event| {
        if let Some(el) = host_of(&event) {
            session::click(el);
        }
    });
}

fn host_of(event: &Event) -> Option<HtmlElement> {
    let node: Node = event.current_target()?.dyn_into().ok()?;
    let root: ShadowRoot = node.get_root_node().dyn_into().ok()?;
    root.host().dyn_into().ok()
}

fn build(el: &HtmlElement) -> Option<Parts> {
    let root = el
        .attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open))
        .ok()?;
    // Constant markup only; everything from outside goes in as text.
    root.set_inner_html(&format!("<style>{STYLE}</style>{BODY}"));
    let parts = parts(&root)?;
    ON_CLICK.with(|handler| {
        let _ = parts
            .button
            .add_event_listener_with_callback("click", handler.as_ref().unchecked_ref());
    });
    Some(parts)
}

fn render(el: &HtmlElement) {
    let Some(parts) = el
        .shadow_root()
        .and_then(|r| parts(&r))
        .or_else(|| build(el))
    else {
        return;
    };
    match attributes(el) {
        Ok(a) => {
            parts.button.set_text_content(Some(&a.label()));
            parts.button.set_disabled(session::is_busy(el));
            if parts.status.get_attribute("data-kind").as_deref() == Some(ATTRIBUTE_PROBLEM) {
                set_status(&parts, "", None);
            }
        }
        Err(e) => {
            parts.button.set_text_content(Some("Pay"));
            parts.button.set_disabled(true);
            set_status(&parts, &e.to_string(), Some(ATTRIBUTE_PROBLEM));
        }
    }
}

fn set_status(parts: &Parts, text: &str, kind: Option<&str>) {
    parts.status.set_text_content(Some(text));
    let _ = match kind {
        Some(k) => parts.status.set_attribute("data-kind", k),
        None => parts.status.remove_attribute("data-kind"),
    };
}

/// Shows `view`.
pub fn show(el: &HtmlElement, view: View<'_>) {
    let Some(parts) = el.shadow_root().and_then(|r| parts(&r)) else {
        return;
    };
    let usable = attributes(el).is_ok();
    let busy = matches!(view, View::Busy(_));
    parts.button.set_disabled(busy || !usable);
    let _ = if busy {
        parts.button.set_attribute("aria-busy", "true")
    } else {
        parts.button.remove_attribute("aria-busy")
    };
    match view {
        View::Idle => {}
        View::Busy(text) => set_status(&parts, text, None),
        View::Failed(text) => set_status(&parts, text, Some("failed")),
        View::Paid => set_status(&parts, "Paid.", Some("paid")),
    }
}

fn fire(el: &HtmlElement, name: &str, detail: &JsValue) {
    let init = CustomEventInit::new();
    init.set_bubbles(true);
    init.set_composed(true);
    init.set_detail(detail);
    if let Ok(event) = CustomEvent::new_with_event_init_dict(name, &init) {
        let _ = el.dispatch_event(&event);
    }
}

/// Shows "Paid." and fires `paid` with `{item, receipt, access}`.
pub fn paid(el: &HtmlElement, paid: &Paid) {
    show(el, View::Paid);
    let detail = object(&[
        ("item", JsValue::from_str(&paid.item)),
        ("receipt", JsValue::from_str(&paid.receipt)),
        ("access", JsValue::from_str(&paid.access)),
    ]);
    fire(el, "paid", &detail);
}

/// Shows the reason and fires `failed` with `{code, message}`.
pub fn failed(el: &HtmlElement, error: &PayError) {
    let message = error.to_string();
    show(el, View::Failed(&message));
    let detail = object(&[
        ("code", JsValue::from_str(error.code())),
        ("message", JsValue::from_str(&message)),
    ]);
    fire(el, "failed", &detail);
}
