//! Work that runs after a click, with a progress line and an error line.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::browser;

/// Runs `work` with a progress line showing `message` (after a repaint, so
/// the line shows before seconds of work), and shows its error, if any.
pub fn in_background(
    busy: WriteSignal<Option<String>>,
    error: WriteSignal<Option<String>>,
    message: &str,
    work: impl Future<Output = Result<(), String>> + 'static,
) {
    error.set(None);
    busy.set(Some(message.to_owned()));
    spawn_local(async move {
        browser::repaint().await;
        if let Err(e) = work.await {
            error.set(Some(e));
        }
        busy.set(None);
    });
}
