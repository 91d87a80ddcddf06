//! What the IndexedDB test files share.

use std::cell::Cell;

thread_local! {
    static NEXT: Cell<u32> = const { Cell::new(0) };
}

/// `prefix-N`: a database name no other check of this test binary uses.
pub fn unique_name(prefix: &str) -> String {
    let n = NEXT.with(|c| {
        c.set(c.get() + 1);
        c.get()
    });
    format!("{prefix}-{n}")
}
