//! CPU-heavy work (RSA) off the async workers, and the randomness each
//! request's work needs.

use rand_chacha::ChaCha20Rng;

/// Work that could not be done for a fault of the host, never of the
/// request: each server answers it as its internal error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unfinished {
    #[error("the operating system gave no randomness")]
    NoRandomness,
    #[error("the work on the blocking pool did not finish")]
    Aborted,
}

/// A generator seeded from the operating system, for one request.
pub fn fresh_rng() -> Result<ChaCha20Rng, Unfinished> {
    crate::rng::fresh_rng().map_err(|_| Unfinished::NoRandomness)
}

/// Runs `f` on tokio's blocking pool, off the async workers.
pub async fn blocking<T, E>(f: impl FnOnce() -> Result<T, E> + Send + 'static) -> Result<T, E>
where
    T: Send + 'static,
    E: From<Unfinished> + Send + 'static,
{
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|_| E::from(Unfinished::Aborted))?
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn work_runs_off_the_async_workers_and_a_panic_is_unfinished() {
        let here = std::thread::current().id();
        let there = blocking(move || Ok::<_, Unfinished>(std::thread::current().id()))
            .await
            .unwrap();
        assert_ne!(there, here);
        let failed: Result<(), Unfinished> = blocking(|| panic!("boom")).await;
        assert_eq!(failed, Err(Unfinished::Aborted));
        let refused: Result<(), Unfinished> = blocking(|| Err(Unfinished::NoRandomness)).await;
        assert_eq!(refused, Err(Unfinished::NoRandomness));
        assert!(fresh_rng().is_ok());
    }
}
