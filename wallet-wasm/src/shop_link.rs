//! The wallet's end of the pay protocol (`shop-widget/PROTOCOL.md`): the
//! messages exchanged with the shop page that opened this window.
//!
//! Only messages from the opener are read, and every answer goes to the exact
//! origin that sent the `pay` request, never to `"*"`: the halves reach the
//! shop's page and no other.

use futures_channel::mpsc::{UnboundedReceiver, unbounded};
use futures_util::StreamExt;
use halfpenny_pay_protocol::{FromWallet, Kind, MAX_MESSAGE, Message, ToWallet};
use halfpenny_store::Via;
use js_sys::{JSON, JsString};
use wasm_bindgen::prelude::Closure;
use wasm_bindgen::{JsCast, JsValue};

use crate::courier::{AskError, Courier};

/// Why a message could not go to the shop's page, or its answer could not
/// come back. The page words it (`app::sentences`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// An answer was to be sent before the shop's `pay` request came, so
    /// there is no origin to send it to.
    #[error("no shop has asked for a payment")]
    NoRequestYet,
    /// The message could not be turned into the JSON the page reads.
    #[error("the `{0}` message could not be encoded")]
    NotEncoded(Kind),
    /// `postMessage` to the opener failed.
    #[error("the shop's page cannot be reached")]
    Unreachable,
    /// The page stopped listening before the shop answered.
    #[error("the shop's page went away")]
    Gone,
}

/// One message from the shop page (or an answer the buyer pasted), read
/// through the pay protocol (`halfpenny-pay-protocol`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incoming {
    pub origin: String,
    pub kind: Kind,
    /// The message; `None` when it is of a known kind but its fields are
    /// wrong: it still answers what was asked, saying nothing usable.
    pub message: Option<ToWallet>,
}

impl Incoming {
    /// An answer the buyer pasted herself.
    pub fn pasted(message: ToWallet) -> Self {
        Self {
            origin: String::new(),
            kind: message.kind(),
            message: Some(message),
        }
    }

    /// Reads the JSON text of a `message` event's data; `None` if it is not
    /// a message the shop page sends.
    fn read(origin: String, json: &str) -> Option<Self> {
        match ToWallet::decode(json) {
            Ok(message) => Some(Self {
                origin,
                kind: message.kind(),
                message: Some(message),
            }),
            Err(e) => e.malformed_kind().map(|kind| Self {
                origin,
                kind,
                message: None,
            }),
        }
    }
}

/// A `message` event's data as JSON text, if it is small enough to be one
/// of the protocol's: measured before it is copied (more than
/// `MAX_MESSAGE` UTF-16 units is more than `MAX_MESSAGE` UTF-8 bytes too).
fn json_of(data: &JsValue) -> Option<String> {
    let json: JsString = JSON::stringify(data)
        .ok()
        .filter(|s| AsRef::<JsValue>::as_ref(s).is_string())?;
    (json.length() as usize <= MAX_MESSAGE).then(|| String::from(json))
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
                let message =
                    json_of(&event.data()).and_then(|json| Incoming::read(event.origin(), &json));
                if let Some(m) = message {
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
        link.post(&FromWallet::Ready, "*").ok()?;
        Some(link)
    }

    /// Waits for the shop's `pay` request and remembers where it came from.
    pub async fn next_request(&mut self) -> Option<Incoming> {
        loop {
            let m = self.inbox.next().await?;
            if m.kind == Kind::Pay {
                self.origin = Some(m.origin.clone());
                return Some(m);
            }
        }
    }

    /// Sends `message` to the shop's origin.
    pub fn send(&self, message: &FromWallet) -> Result<(), LinkError> {
        let origin = self.origin.as_deref().ok_or(LinkError::NoRequestYet)?;
        self.post(message, origin)
    }

    fn post(&self, message: &FromWallet, target: &str) -> Result<(), LinkError> {
        let data = message
            .encode()
            .ok()
            .and_then(|json| JSON::parse(&json).ok())
            .ok_or(LinkError::NotEncoded(message.kind()))?;
        self.opener
            .post_message(&data, target)
            .map_err(|_| LinkError::Unreachable)
    }
}

impl Courier for ShopLink {
    /// Sends and waits for the shop's answer: the first message from its
    /// origin whose kind is one of `answers`.
    async fn ask(&mut self, message: FromWallet, answers: &[Kind]) -> Result<Incoming, AskError> {
        self.send(&message)?;
        let origin = self.origin.clone();
        loop {
            let m = self.inbox.next().await.ok_or(LinkError::Gone)?;
            if Some(&m.origin) == origin.as_ref() && answers.contains(&m.kind) {
                return Ok(m);
            }
        }
    }

    fn via(&self) -> Via {
        Via::ShopPage
    }
}
