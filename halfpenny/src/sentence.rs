//! Errors as people read them.

/// An error as people read it: a capital first letter and a full stop.
/// The pages word their errors with it, and the till driver words the
/// refusals it logs for the seller.
pub fn sentence(e: impl std::fmt::Display) -> String {
    let text = e.to_string();
    let mut chars = text.chars();
    let mut out: String = chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default();
    if !out.ends_with(['.', '!', '?']) {
        out.push('.');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::sentence;

    #[test]
    fn a_capital_first_and_one_closing_mark() {
        assert_eq!(sentence("the bank is down"), "The bank is down.");
        assert_eq!(sentence("is it down?"), "Is it down?");
        assert_eq!(sentence("Already one."), "Already one.");
        assert_eq!(sentence(""), ".");
    }
}
