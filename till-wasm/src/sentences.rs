//! What the till page says when `halfpenny-web` could not do something:
//! the one place its typed errors become the sentences he reads. Plain
//! Rust, tested natively.

use halfpenny_web::{BrowserError, CallError, EnrolError};

/// Why the bank gave no answer to use: its refusal is told as it came.
pub fn bank(e: &CallError) -> String {
    match e {
        CallError::Unreachable => "The bank cannot be reached right now.".to_owned(),
        CallError::Refused { message, .. } => message.clone(),
        CallError::Unreadable => "The bank's answer could not be read.".to_owned(),
    }
}

/// What the browser would not do.
pub fn browser(e: &BrowserError) -> String {
    match e {
        BrowserError::NoRandomness => "The browser gave no randomness.",
        BrowserError::NotSaved => "The browser could not save the file.",
        BrowserError::NoDocument => "The page has no document.",
        BrowserError::NoLink => "The page could not make a link.",
        // The till reads no file today.
        BrowserError::NoFileChosen => "Choose a file first.",
        BrowserError::FileUnreadable => "The file could not be read.",
    }
    .to_owned()
}

/// Why the till's keys were not set up; the page's own step (making and
/// saving them) is worded already.
pub fn enrolled(e: &EnrolError<String>) -> String {
    match e {
        EnrolError::Bank(e) => bank(e),
        EnrolError::Browser(e) => browser(e),
        EnrolError::Make(text) => text.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_banks_answers_are_worded_as_before() {
        assert_eq!(
            bank(&CallError::Unreachable),
            "The bank cannot be reached right now."
        );
        assert_eq!(
            bank(&CallError::Unreadable),
            "The bank's answer could not be read."
        );
        let refused = CallError::Refused {
            status: 409,
            code: "conflict".to_owned(),
            message: "That account exists with other keys.".to_owned(),
        };
        assert_eq!(bank(&refused), "That account exists with other keys.");
    }

    #[test]
    fn the_browsers_refusals_are_worded_as_before() {
        assert_eq!(
            browser(&BrowserError::NoRandomness),
            "The browser gave no randomness."
        );
        assert_eq!(
            browser(&BrowserError::NotSaved),
            "The browser could not save the file."
        );
        assert_eq!(
            browser(&BrowserError::FileUnreadable),
            "The file could not be read."
        );
    }

    #[test]
    fn enrolling_is_worded_by_step() {
        assert_eq!(
            enrolled(&EnrolError::Bank(CallError::Unreachable)),
            "The bank cannot be reached right now."
        );
        assert_eq!(
            enrolled(&EnrolError::Browser(BrowserError::NoRandomness)),
            "The browser gave no randomness."
        );
        let made = EnrolError::Make("This browser's storage is not available: blocked.".to_owned());
        assert_eq!(
            enrolled(&made),
            "This browser's storage is not available: blocked."
        );
    }
}
