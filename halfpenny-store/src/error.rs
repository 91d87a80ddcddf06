/// Errors of a store. They never carry key material or purse contents.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    #[error("there is no such purse in this wallet")]
    NotFound,
    #[error("saved data could not be read ({0}); it was not changed")]
    Corrupt(&'static str),
    #[error("the browser's storage failed: {0}")]
    Backend(String),
}

impl StoreError {
    /// A stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound => "not_found",
            Self::Corrupt(_) => "corrupt",
            Self::Backend(_) => "storage_failed",
        }
    }
}
