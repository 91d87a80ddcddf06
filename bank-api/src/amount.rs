//! An amount on the wire: `{"currency":"USD","minor":5}`.

use halfpenny::{Amount, Currency};
use serde::{Deserialize, Serialize};

/// Why an [`AmountView`] is not an [`Amount`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    #[error("the currency is not three capital letters")]
    BadCurrency,
}

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

    /// The amount, read as strictly as the core reads a currency.
    pub fn to_amount(&self) -> Result<Amount, AmountError> {
        Currency::new(&self.currency)
            .map(|c| Amount::new(self.minor, c))
            .map_err(|_| AmountError::BadCurrency)
    }
}

impl From<Amount> for AmountView {
    fn from(a: Amount) -> Self {
        Self::new(a.currency(), a.minor())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn an_amount_is_its_currency_code_and_minor_units() {
        let view = AmountView::from(Amount::new(250, Currency::USD));
        assert_eq!(
            serde_json::to_string(&view).unwrap(),
            r#"{"currency":"USD","minor":250}"#
        );
        assert_eq!(view.to_amount(), Ok(Amount::new(250, Currency::USD)));
        let bad: AmountView = serde_json::from_str(r#"{"currency":"usd","minor":1}"#).unwrap();
        assert_eq!(bad.to_amount(), Err(AmountError::BadCurrency));
    }
}
