//! What a page borrows from the browser: the clock, randomness, a pause
//! that lets the page repaint, its own address, storage it keeps,
//! downloads, file reads and closing a popup.

use halfpenny::Timestamp;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

pub use crate::error::BrowserError;

/// Now, from the browser's clock.
pub fn now() -> Timestamp {
    // Milliseconds since 1970, as a whole number, then seconds.
    Timestamp(js_sys::Date::now() as u64 / 1000)
}

/// A generator seeded from the browser's `crypto.getRandomValues`.
pub fn rng() -> Result<ChaCha20Rng, BrowserError> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|_| BrowserError::NoRandomness)?;
    Ok(ChaCha20Rng::from_seed(seed))
}

/// Waits one turn of the event loop, so a progress message shows before
/// seconds of key generation.
pub async fn repaint() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 30);
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// The page's own origin, e.g. `http://127.0.0.1:8700`.
pub fn origin() -> String {
    web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default()
}

/// Asks the browser to keep this origin's storage even under pressure
/// (granted once, it stays granted; asking again changes nothing) and says
/// whether it does. `None` when the browser has no storage manager.
pub async fn keep_storage() -> Option<bool> {
    let storage = web_sys::window()?.navigator().storage();
    let granted = JsFuture::from(storage.persist().ok()?).await.ok()?;
    granted.as_bool()
}

/// Offers `bytes` as a file download named `name`.
pub fn download(name: &str, bytes: &[u8]) -> Result<(), BrowserError> {
    let fail = |_: JsValue| BrowserError::NotSaved;
    let array = js_sys::Uint8Array::from(bytes);
    let parts = js_sys::Array::of1(&array);
    let blob = web_sys::Blob::new_with_u8_array_sequence(&parts).map_err(fail)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(fail)?;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or(BrowserError::NoDocument)?;
    let a: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(fail)?
        .dyn_into()
        .map_err(|_| BrowserError::NoLink)?;
    a.set_href(&url);
    a.set_download(name);
    a.click();
    web_sys::Url::revoke_object_url(&url).map_err(fail)?;
    Ok(())
}

/// The bytes of the first file chosen in an `<input type=file>`.
pub async fn read_file(input: &web_sys::HtmlInputElement) -> Result<Vec<u8>, BrowserError> {
    let file = input
        .files()
        .and_then(|f| f.get(0))
        .ok_or(BrowserError::NoFileChosen)?;
    let buffer = JsFuture::from(file.array_buffer())
        .await
        .map_err(|_| BrowserError::FileUnreadable)?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// Closes this window (a popup a shop opened) after a moment, so the
/// person sees the outcome first.
pub fn close_soon() {
    let Some(w) = web_sys::window() else { return };
    let close = wasm_bindgen::closure::Closure::once_into_js(move || {
        if let Some(w) = web_sys::window() {
            let _ = w.close();
        }
    });
    let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(close.unchecked_ref(), 1200);
}
