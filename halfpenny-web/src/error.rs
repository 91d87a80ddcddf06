//! What `halfpenny-web` cannot do, as data: the bank's answer as it came,
//! or the browser's refusal. Each page words them in its own view. Plain
//! Rust, so that a page's wording can be tested natively.

/// How the flows' text errors (`LinkError::BadAnswer`) say that the bank's
/// answer is not what was expected.
pub const UNREADABLE: &str = "The bank's answer could not be read.";

/// Why a request to the bank got no answer to use. Its text is what the
/// flows carry in their own text errors (`LinkError`); the pages word it
/// themselves.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallError {
    #[error("The bank cannot be reached right now.")]
    Unreachable,
    /// The bank's refusal: its code and message as it sent them (an empty
    /// code, and a general message, when its body could not be read).
    #[error("{message}")]
    Refused {
        status: u16,
        code: String,
        message: String,
    },
    #[error("{UNREADABLE}")]
    Unreadable,
}

/// What the browser would not do; each page words it in its own view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BrowserError {
    /// `crypto.getRandomValues` failed.
    #[error("the browser gave no randomness")]
    NoRandomness,
    /// A file to download could not be made or offered.
    #[error("the browser could not save the file")]
    NotSaved,
    /// The page has no document to add a download link to.
    #[error("the page has no document")]
    NoDocument,
    /// The download link could not be made.
    #[error("the page could not make a link")]
    NoLink,
    /// No file was chosen in the file input.
    #[error("no file was chosen")]
    NoFileChosen,
    /// The chosen file could not be read.
    #[error("the file could not be read")]
    FileUnreadable,
}

/// Why an identity was not set up: the step that stopped, with its error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnrolError<E> {
    /// Reading the bank's keys, or registering at the bank.
    #[error(transparent)]
    Bank(#[from] CallError),
    /// The browser's randomness.
    #[error(transparent)]
    Browser(#[from] BrowserError),
    /// The app's own step: making and saving the keys.
    #[error("{0}")]
    Make(E),
}
