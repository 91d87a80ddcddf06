//! JSON views both servers' APIs show alike.

use halfpenny::{Amount, Currency};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AmountView {
    pub currency: String,
    pub minor: u64,
}

impl AmountView {
    pub fn new(currency: Currency, minor: u64) -> Self {
        Self {
            currency: currency.code().to_owned(),
            minor,
        }
    }
}

impl From<Amount> for AmountView {
    fn from(a: Amount) -> Self {
        Self::new(a.currency(), a.minor())
    }
}
