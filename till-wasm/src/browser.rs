//! What the page borrows from the browser: the clock, randomness, a pause
//! that lets the page repaint, and its own address.

use halfpenny::Timestamp;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use wasm_bindgen_futures::JsFuture;

/// Now, from the browser's clock.
pub fn now() -> Timestamp {
    // Milliseconds since 1970, as a whole number, then seconds.
    Timestamp(js_sys::Date::now() as u64 / 1000)
}

/// A generator seeded from the browser's `crypto.getRandomValues`.
pub fn rng() -> Result<ChaCha20Rng, String> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|_| "The browser gave no randomness.".to_owned())?;
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
