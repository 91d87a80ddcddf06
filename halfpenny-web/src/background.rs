//! Work that runs after a click, with a progress line and an error line.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::browser;

/// Runs `work` with a progress line showing `message`, after a repaint, so
/// that the line shows before work that holds the page for seconds (making
/// keys, opening a large purse, a backup's passphrase), and shows its error,
/// if any.
pub fn in_background(
    busy: WriteSignal<Option<String>>,
    error: WriteSignal<Option<String>>,
    message: &str,
    work: impl Future<Output = Result<(), String>> + 'static,
) {
    run(busy, error, message, true, work);
}

/// As [`in_background`], but starts at once: for quick work that waits on
/// the browser rather than computing (a payment), so that nothing is added
/// to the time she waits. Its own awaits let the progress line show.
pub fn at_once(
    busy: WriteSignal<Option<String>>,
    error: WriteSignal<Option<String>>,
    message: &str,
    work: impl Future<Output = Result<(), String>> + 'static,
) {
    run(busy, error, message, false, work);
}

fn run(
    busy: WriteSignal<Option<String>>,
    error: WriteSignal<Option<String>>,
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
