//! Errors as people read them.

/// An error as people read it: a capital first letter and a full stop.
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
