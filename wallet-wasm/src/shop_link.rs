//! The wallet's end of the pay protocol (`shop-widget/PROTOCOL.md`): the
//! messages exchanged with the shop page that opened this window.
//!
//! Only messages from the opener are read, and every answer goes to the exact
//! origin that sent the `pay` request, never to `"*"`: the halves reach the
//! shop's page and no other.

use futures_channel::mpsc::{UnboundedReceiver, unbounded};
use futures_util::StreamExt;
use halfpenny_store::Via;
use serde_json::{Map, Value, json};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;

use crate::courier::Courier;

/// The protocol version every message carries.
const VERSION: u64 = 1;
/// The longest text field accepted from a shop (a large purse is ~1 MB).
const MAX_FIELD: usize = 4 * 1024 * 1024;

/// One message from the shop page, already checked for shape.
#[derive(Debug, Clone, PartialEq)]
pub struct Incoming {
    pub origin: String,
    pub kind: String,
    fields: Map<String, Value>,
}

impl Incoming {
    /// A text field, or a sentence saying what is wrong with it.
    pub fn text(&self, name: &str) -> Result<&str, String> {
        match self.fields.get(name).and_then(Value::as_str) {
            Some(s) if s.len() <= MAX_FIELD => Ok(s),
            Some(_) => Err(format!("The shop sent a `{name}` that is far too long.")),
            None => Err(format!("The shop's message has no `{name}`.")),
        }
    }

    /// A field as it came, whatever its type.
    pub fn field(&self, name: &str) -> Option<&Value> {
        self.fields.get(name)
    }

    /// What the shop said went wrong, as it said it.
    pub fn message(&self) -> String {
        self.text("message")
            .map(|m| m.chars().take(300).collect())
            .unwrap_or_else(|_| "The shop gave no reason.".to_owned())
    }

    /// An answer the buyer pasted herself: `field` holds `text`.
    pub fn pasted(kind: &str, field: &str, text: String) -> Self {
        let mut fields = Map::new();
        fields.insert(field.to_owned(), Value::String(text));
        Self {
            origin: String::new(),
            kind: kind.to_owned(),
            fields,
        }
    }

    /// Reads the raw `data` of a `message` event; `None` if it is not ours.
    fn read(origin: String, data: Value) -> Option<Self> {
        let Value::Object(fields) = data else {
            return None;
        };
        if fields.get("halfpenny").and_then(Value::as_u64) != Some(VERSION) {
            return None;
        }
        let kind = fields.get("type")?.as_str()?;
        if kind.is_empty() || kind.len() > 32 {
            return None;
        }
        Some(Self {
            origin,
            kind: kind.to_owned(),
            fields,
        })
    }
}

/// The window that opened this one, and what it sends us.
#[derive(Debug)]
pub struct ShopLink {
    opener: web_sys::Window,
    inbox: UnboundedReceiver<Incoming>,
    /// Where answers go: the origin of the `pay` request, once known.
    origin: Option<String>,
    _listener: Closure<dyn FnMut(web_sys::MessageEvent)>,
}

impl ShopLink {
    /// When a shop's pay button opened this page (`#pay`), starts listening
    /// to it and tells it the wallet is ready.
    pub fn open() -> Option<Self> {
        let window = web_sys::window()?;
        if window.location().hash().ok()?.as_str() != "#pay" {
            return None;
        }
        let opener = window.opener().ok()?;
        if opener.is_null() || opener.is_undefined() {
            return None;
        }
        // A cross-origin window proxy: `instanceof Window` would fail.
        let opener: web_sys::Window = opener.unchecked_into();
        let (tx, inbox) = unbounded();
        let from = opener.clone();
        let listener = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(
            move |event: web_sys::MessageEvent| {
                let from_opener = event
                    .source()
                    .is_some_and(|s| js_sys::Object::is(&s, &from));
                if !from_opener {
                    return;
                }
                let data = js_sys::JSON::stringify(&event.data())
                    .ok()
                    .and_then(|s| s.as_string())
                    .and_then(|s| serde_json::from_str(&s).ok());
                if let Some(m) = data.and_then(|d| Incoming::read(event.origin(), d)) {
                    let _ = tx.unbounded_send(m);
                }
            },
        );
        window
            .add_event_listener_with_callback("message", listener.as_ref().unchecked_ref())
            .ok()?;
        let link = Self {
            opener,
            inbox,
            origin: None,
            _listener: listener,
        };
        // `ready` carries nothing, so any origin may hear it.
        link.post(&json!({ "halfpenny": VERSION, "type": "ready" }), "*")
            .ok()?;
        Some(link)
    }

    /// Waits for the shop's `pay` request and remembers where it came from.
    pub async fn next_request(&mut self) -> Option<Incoming> {
        loop {
            let m = self.inbox.next().await?;
            if m.kind == "pay" {
                self.origin = Some(m.origin.clone());
                return Some(m);
            }
        }
    }

    /// Sends `kind` with `fields` to the shop's origin.
    pub fn send(&self, kind: &str, fields: Value) -> Result<(), String> {
        let origin = self
            .origin
            .as_deref()
            .ok_or("No shop has asked for a payment.")?;
        let mut message = match fields {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        message.insert("halfpenny".into(), VERSION.into());
        message.insert("type".into(), kind.into());
        self.post(&Value::Object(message), origin)
    }

    fn post(&self, message: &Value, target: &str) -> Result<(), String> {
        let data = js_sys::JSON::parse(&message.to_string())
            .map_err(|_| "The message could not be prepared.".to_owned())?;
        self.opener
            .post_message(&data, target)
            .map_err(|_| "The shop's page cannot be reached.".to_owned())
    }
}

impl Courier for ShopLink {
    /// Sends and waits for the shop's answer: the first message from its
    /// origin whose type is one of `answers`.
    async fn ask(
        &mut self,
        kind: &str,
        fields: Value,
        answers: &[&str],
    ) -> Result<Incoming, String> {
        self.send(kind, fields)?;
        let origin = self.origin.clone();
        loop {
            let m = self
                .inbox
                .next()
                .await
                .ok_or("The shop's page went away.")?;
            if Some(&m.origin) == origin.as_ref() && answers.contains(&m.kind.as_str()) {
                return Ok(m);
            }
        }
    }

    fn via(&self) -> Via {
        Via::ShopPage
    }
}
