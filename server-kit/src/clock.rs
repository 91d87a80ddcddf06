//! The server's clock: the system's, plus an offset that only tests move.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use halfpenny::Timestamp;

#[derive(Debug, Default)]
pub struct Clock {
    ahead_secs: AtomicU64,
}

impl Clock {
    pub fn now(&self) -> Timestamp {
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Timestamp(secs).plus(self.ahead_secs.load(Ordering::Relaxed))
    }

    /// Moves this clock forward (tests of deadlines).
    pub fn advance(&self, secs: u64) {
        self.ahead_secs.fetch_add(secs, Ordering::Relaxed);
    }

    /// Sets how far ahead of the system's this clock runs, back to 0 too
    /// (end-to-end tests, through a server built for them).
    pub fn set_ahead(&self, secs: u64) {
        self.ahead_secs.store(secs, Ordering::Relaxed);
    }
}
