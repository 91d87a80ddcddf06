//! One payment, from the click to `paid` or `failed`: the wallet popup, the
//! messages to and from it, and the calls to the shop server
//! (PROTOCOL.md).
//!
//! Every button opens the same named window, so a page has at most one
//! payment under way ([`ACTIVE`]); a click on another button while it lasts
//! is refused. A session hears only its own popup, on the wallet's exact
//! origin, and removes its listener and timer when it ends.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::Object;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use wasm_bindgen_futures::spawn_local;
use web_sys::{HtmlElement, MessageEvent, Window};

use crate::attributes::Attributes;
use crate::element::{self, View};
use crate::error::PayError;
use crate::js;
use crate::messages::{self, FromWallet, Incoming, Kind, ToWallet};
use crate::shop_api::{Paid, ShopApi};

/// The wallet window's name: one wallet window, whichever button opened it.
const WINDOW_NAME: &str = "halfpenny-wallet";
const WINDOW_FEATURES: &str = "popup,width=460,height=720";
/// How often to look whether the buyer closed the wallet window.
const POLL_MS: i32 = 500;

thread_local! {
    /// The payment under way on this page, if any.
    static ACTIVE: RefCell<Option<Rc<Session>>> = const { RefCell::new(None) };
}

fn active() -> Option<Rc<Session>> {
    ACTIVE.with(|a| a.borrow().clone())
}

/// Whether `el`'s own payment is under way (its button stays disabled).
pub fn is_busy(el: &HtmlElement) -> bool {
    active().is_some_and(|s| {
        Object::is(&s.el, el) && {
            let state = s.state.borrow();
            !state.ended && !state.lingering
        }
    })
}

/// The button was clicked: open the wallet window now, inside the user's
/// gesture, then fetch the offer and point the window at the wallet.
pub fn click(el: HtmlElement) {
    if let Err(e) = start(&el) {
        element::failed(&el, &e);
    }
}

struct Session {
    el: HtmlElement,
    want: Attributes,
    api: ShopApi,
    page_href: String,
    page_origin: String,
    popup: Window,
    state: RefCell<State>,
}

#[derive(Default)]
struct State {
    /// Set once the offer named the wallet; until then nothing is heard.
    wallet_origin: Option<String>,
    /// The offer's `hpr1.…`, sent in `pay` when the wallet is ready.
    request: Option<String>,
    /// The popup has left `about:blank` for the wallet.
    navigated: bool,
    pay_sent: bool,
    /// The till refused halves spent already and the wallet may try once
    /// more with others, as it does (PROTOCOL.md); a second such refusal ends.
    retried: bool,
    payments_in_flight: u32,
    /// `unknown` was answered: the page was told, the button is usable
    /// again, and the session stays only to answer the wallet's `status`.
    lingering: bool,
    ended: bool,
    listener: Option<Closure<dyn FnMut(MessageEvent)>>,
    poll: Option<(i32, Closure<dyn FnMut()>)>,
}

enum End {
    Paid(Paid),
    Failed(PayError),
    /// Nothing new to tell the page.
    Quiet,
}

fn start(el: &HtmlElement) -> Result<(), PayError> {
    let want = element::attributes(el)?;
    let window = web_sys::window().ok_or(PayError::PopupBlocked)?;
    let location = window.location();
    let page_href = location.href().map_err(|_| PayError::BadShop)?;
    let page_origin = location.origin().map_err(|_| PayError::BadShop)?;
    let api = ShopApi::for_page(&element::shop(el), &page_href, &page_origin)?;
    if let Some(old) = active() {
        if old.is_live() {
            let _ = old.popup.focus();
            return Err(PayError::Busy);
        }
        old.abandon();
    }
    // Synchronously, or pop-up blockers refuse it; the wallet's address
    // comes with the offer, so the window starts blank.
    let popup = window
        .open_with_url_and_target_and_features("about:blank", WINDOW_NAME, WINDOW_FEATURES)
        .ok()
        .flatten()
        .ok_or(PayError::PopupBlocked)?;
    let session = Rc::new(Session {
        el: el.clone(),
        want,
        api,
        page_href,
        page_origin,
        popup,
        state: RefCell::default(),
    });
    session.listen(&window);
    session.watch(&window);
    ACTIVE.with(|a| *a.borrow_mut() = Some(Rc::clone(&session)));
    element::show(el, View::Busy("Opening the wallet…"));
    spawn_local(session.open_wallet());
    Ok(())
}

/// The wallet's address with `#pay`, and its origin; only http(s).
fn wallet_address(wallet_url: &str, page_href: &str) -> Result<(String, String), PayError> {
    let url =
        web_sys::Url::new_with_base(wallet_url, page_href).map_err(|_| PayError::BadWalletUrl)?;
    let credentials = !url.username().is_empty() || !url.password().is_empty();
    if !messages::wallet_url_ok(&url.protocol(), &url.origin(), credentials) {
        return Err(PayError::BadWalletUrl);
    }
    url.set_hash("pay");
    Ok((url.origin(), url.href()))
}

impl Session {
    fn popup_closed(&self) -> bool {
        // `closed` may be read across origins; if even that fails, it is gone.
        self.popup.closed().unwrap_or(true)
    }

    /// Still needs the wallet window: a new payment must wait.
    fn is_live(&self) -> bool {
        let s = self.state.borrow();
        !s.ended && (s.payments_in_flight > 0 || (!s.lingering && !self.popup_closed()))
    }

    /// Ends a session that no longer holds the window, for a new one.
    fn abandon(self: &Rc<Self>) {
        let lingering = self.state.borrow().lingering;
        self.finish(if lingering {
            End::Quiet
        } else {
            End::Failed(PayError::PopupClosed)
        });
    }

    async fn open_wallet(self: Rc<Self>) {
        let offer = match self.api.offer(&self.want.item).await {
            Ok(offer) => offer,
            Err(e) => return self.finish(End::Failed(e)),
        };
        if let Err(e) = offer.check(&self.want) {
            return self.finish(End::Failed(e));
        }
        let (origin, href) = match wallet_address(&offer.wallet_url, &self.page_href) {
            Ok(address) => address,
            Err(e) => return self.finish(End::Failed(e)),
        };
        {
            let mut s = self.state.borrow_mut();
            if s.ended {
                return;
            }
            s.wallet_origin = Some(origin);
            s.request = Some(offer.request);
        }
        // The blank window is still ours (same origin), so it can be sent on.
        if self.popup.location().replace(&href).is_err() {
            return self.finish(End::Failed(PayError::PopupClosed));
        }
        self.state.borrow_mut().navigated = true;
        element::show(&self.el, View::Busy("Waiting for the wallet…"));
    }

    fn listen(self: &Rc<Self>, window: &Window) {
        let me = Rc::clone(self);
        let listener = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            if let Some(incoming) = me.accept(&event) {
                spawn_local(Rc::clone(&me).handle(incoming));
            }
        });
        if window
            .add_event_listener_with_callback("message", listener.as_ref().unchecked_ref())
            .is_ok()
        {
            self.state.borrow_mut().listener = Some(listener);
        }
    }

    fn watch(self: &Rc<Self>, window: &Window) {
        let me = Rc::clone(self);
        let tick = Closure::<dyn FnMut()>::new(move || me.check_popup());
        if let Ok(handle) = window.set_interval_with_callback_and_timeout_and_arguments_0(
            tick.as_ref().unchecked_ref(),
            POLL_MS,
        ) {
            self.state.borrow_mut().poll = Some((handle, tick));
        }
    }

    fn check_popup(self: &Rc<Self>) {
        if !self.popup_closed() {
            return;
        }
        let (paying, lingering) = {
            let s = self.state.borrow();
            (s.payments_in_flight > 0, s.lingering)
        };
        if paying {
            // The till's answer decides, and ends the session.
            return;
        }
        self.finish(if lingering {
            End::Quiet
        } else {
            End::Failed(PayError::PopupClosed)
        });
    }

    /// A message event, if it is a protocol message from our own popup on
    /// the wallet's origin.
    fn accept(&self, event: &MessageEvent) -> Option<Incoming> {
        let origin = {
            let s = self.state.borrow();
            if s.ended {
                return None;
            }
            s.wallet_origin.clone()?
        };
        let from_popup = event
            .source()
            .is_some_and(|source| Object::is(&source, &self.popup));
        if !messages::from_our_wallet(&origin, &event.origin(), from_popup) {
            return None;
        }
        match js::read_wallet(event.data()) {
            Incoming::Ignored => None,
            incoming => Some(incoming),
        }
    }

    async fn handle(self: Rc<Self>, incoming: Incoming) {
        if self.state.borrow().ended {
            return;
        }
        match incoming {
            Incoming::Ignored => {}
            Incoming::Malformed(kind) => {
                if let Some(answer) = ToWallet::to_malformed(kind) {
                    self.post(&answer);
                }
                if kind == Kind::Payment {
                    self.finish(End::Failed(PayError::BadMessage));
                }
            }
            Incoming::Message(FromWallet::Ready) => self.send_pay(),
            Incoming::Message(FromWallet::PurseRequest { request }) => {
                self.progress("Buying a purse at the bank…");
                let answer = self.api.purse(&request).await;
                self.post(&answer);
                self.progress("Waiting for the wallet…");
            }
            Incoming::Message(FromWallet::Payment { payment }) => self.pay(&payment).await,
            Incoming::Message(FromWallet::Status { payment }) => {
                let out = self.api.status(&payment, &self.want.item).await;
                self.post(&out.to_wallet);
                if let Some(paid) = out.paid {
                    self.finish(End::Paid(paid));
                }
            }
            Incoming::Message(FromWallet::Cancel { message }) => {
                let message = messages::cancel_reason(message);
                self.finish(End::Failed(PayError::Cancelled(message)));
            }
        }
    }

    /// Shows progress, unless the session is over or only lingering.
    fn progress(&self, text: &str) {
        let quiet = {
            let s = self.state.borrow();
            s.ended || s.lingering
        };
        if !quiet {
            element::show(&self.el, View::Busy(text));
        }
    }

    fn send_pay(&self) {
        // Once: a second `ready` (the wallet reloaded) must not pay twice.
        let request = {
            let mut s = self.state.borrow_mut();
            if s.pay_sent {
                return;
            }
            s.pay_sent = true;
            s.request.clone()
        };
        if let Some(request) = request {
            self.post(&ToWallet::Pay {
                request,
                shop: self.page_origin.clone(),
            });
            self.progress("Confirm the payment in the wallet window.");
        }
    }

    async fn pay(self: &Rc<Self>, payment: &str) {
        {
            let mut s = self.state.borrow_mut();
            s.payments_in_flight = s.payments_in_flight.saturating_add(1);
            s.lingering = false;
        }
        element::show(&self.el, View::Busy("Paying…"));
        let out = self.api.payment(payment, &self.want.item).await;
        {
            let mut s = self.state.borrow_mut();
            s.payments_in_flight = s.payments_in_flight.saturating_sub(1);
        }
        // Even if the window was closed meanwhile: the wallet may still be
        // there to settle, and the page must hear what the till decided.
        self.post(&out.to_wallet);
        match out.result {
            Ok(paid) => self.finish(End::Paid(paid)),
            Err(PayError::Unknown) if !self.popup_closed() && !self.state.borrow().ended => {
                self.linger();
            }
            Err(_) if out.to_wallet.wallet_will_retry() && self.await_retry() => {
                element::show(
                    &self.el,
                    View::Busy("Some coins were spent already; the wallet is trying others…"),
                );
            }
            Err(e) => self.finish(End::Failed(e)),
        }
    }

    /// Whether to stay for the wallet's one retry after a refusal of
    /// halves spent already: only the first time, with the window open.
    fn await_retry(&self) -> bool {
        let mut s = self.state.borrow_mut();
        let stay = !s.ended && !s.retried && !self.popup_closed();
        s.retried = true;
        stay
    }

    /// After `unknown`: tell the page, free the button, and stay to answer
    /// the wallet's `status` until its window closes or a new payment starts.
    fn linger(&self) {
        self.state.borrow_mut().lingering = true;
        element::failed(&self.el, &PayError::Unknown);
    }

    fn post(&self, message: &ToWallet) {
        let Some(origin) = self.state.borrow().wallet_origin.clone() else {
            return;
        };
        // Never to "*": only the wallet's exact origin may read it.
        if let Some(data) = js::message(message) {
            let _ = self.popup.post_message(&data, &origin);
        }
    }

    fn finish(self: &Rc<Self>, end: End) {
        let (listener, poll, close) = {
            let mut s = self.state.borrow_mut();
            let first = !std::mem::replace(&mut s.ended, true);
            (s.listener.take(), s.poll.take(), first && !s.navigated)
        };
        if let Some(window) = web_sys::window() {
            if let Some(listener) = &listener {
                let _ = window.remove_event_listener_with_callback(
                    "message",
                    listener.as_ref().unchecked_ref(),
                );
            }
            if let Some((handle, _)) = &poll {
                window.clear_interval_with_handle(*handle);
            }
        }
        // One of them may be the closure running this very call.
        spawn_local(async move { drop((listener, poll)) });
        if close {
            // Still our blank window: nobody else will close it.
            let _ = self.popup.close();
        }
        ACTIVE.with(|a| {
            let mut a = a.borrow_mut();
            if a.as_ref().is_some_and(|s| Rc::ptr_eq(s, self)) {
                *a = None;
            }
        });
        // Last: the page's listeners may start another payment.
        match end {
            End::Paid(paid) => element::paid(&self.el, &paid),
            End::Failed(e) => element::failed(&self.el, &e),
            End::Quiet => element::show(&self.el, View::Idle),
        }
    }
}
