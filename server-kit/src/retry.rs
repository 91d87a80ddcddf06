//! The loop every decision runs in: load, decide, apply in one
//! transaction; if a racing request changed the records first, decide
//! again on the new ones, a bounded number of times.

use std::future::Future;

/// How many times a decision is taken when racing requests changed its records.
pub const ATTEMPTS: usize = 5;

/// Runs `attempt` until it gives an answer (`Ok(Some)`) or an error, at
/// most [`ATTEMPTS`] times; `Ok(None)` means a racing request changed the
/// records first. If every attempt lost a race, the error `gave_up` makes.
pub async fn retry_on_conflict<T, E, Fut>(
    gave_up: impl FnOnce() -> E,
    mut attempt: impl FnMut() -> Fut,
) -> Result<T, E>
where
    Fut: Future<Output = Result<Option<T>, E>>,
{
    for _ in 0..ATTEMPTS {
        if let Some(answer) = attempt().await? {
            return Ok(answer);
        }
    }
    Err(gave_up())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::cell::Cell;

    use super::*;

    #[tokio::test]
    async fn attempts_stop_at_an_answer_an_error_or_the_bound() {
        let tries = Cell::new(0);
        let third = retry_on_conflict(
            || "gave up",
            || async {
                tries.set(tries.get() + 1);
                Ok(Some(tries.get()).filter(|&n| n == 3))
            },
        )
        .await;
        assert_eq!((third, tries.get()), (Ok(3), 3));

        tries.set(0);
        let never: Result<(), _> = retry_on_conflict(
            || "gave up",
            || async {
                tries.set(tries.get() + 1);
                Ok(None)
            },
        )
        .await;
        assert_eq!((never, tries.get()), (Err("gave up"), ATTEMPTS));

        tries.set(0);
        let failed: Result<(), _> = retry_on_conflict(
            || "gave up",
            || async {
                tries.set(tries.get() + 1);
                Err("refused")
            },
        )
        .await;
        assert_eq!((failed, tries.get()), (Err("refused"), 1));
    }
}
