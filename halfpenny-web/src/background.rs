//! Work that runs after a click, with a progress line and an error line.
//!
//! The lines are any signal one can set: pass the signals themselves (an
//! `RwSignal` or `WriteSignal` made where the page is made), never a handle
//! made in a part that may be unmounted while the work runs — a handle
//! made under a disposed owner ignores `set`, and the progress line would
//! stay on for ever.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::browser;

/// Runs `work` with a progress line showing `message`, after a repaint, so
/// that the line shows before work that holds the page for seconds (making
/// keys, opening a large purse, a backup's passphrase), and shows its error,
/// if any.
pub fn in_background<L: Set<Value = Option<String>> + Copy + 'static>(
    busy: L,
    error: L,
    message: &str,
    work: impl Future<Output = Result<(), String>> + 'static,
) {
    run(busy, error, message, true, work);
}

/// As [`in_background`], but starts at once: for quick work that waits on
/// the browser rather than computing (a payment), so that nothing is added
/// to the time she waits. Its own awaits let the progress line show.
pub fn at_once<L: Set<Value = Option<String>> + Copy + 'static>(
    busy: L,
    error: L,
    message: &str,
    work: impl Future<Output = Result<(), String>> + 'static,
) {
    run(busy, error, message, false, work);
}

fn run<L: Set<Value = Option<String>> + Copy + 'static>(
    busy: L,
    error: L,
    message: &str,
    repaint_first: bool,
    work: impl Future<Output = Result<(), String>> + 'static,
) {
    error.set(None);
    busy.set(Some(message.to_owned()));
    spawn_local(async move {
        if repaint_first {
            browser::repaint().await;
        }
        if let Err(e) = work.await {
            error.set(Some(e));
        }
        busy.set(None);
    });
}
