//! The element's attributes: what the shop's page says this button sells.

use crate::error::PayError;
use crate::messages::valid_item;
use crate::price;

/// Where the shop server's API is when the `shop` attribute is absent.
pub const DEFAULT_SHOP: &str = "/shop/v1";

/// `item`, `price` and `currency`, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attributes {
    pub item: String,
    pub price_minor: u64,
    pub currency: String,
}

impl Attributes {
    /// Reads the attributes as the element has them (`None`: absent).
    pub fn read(
        item: Option<&str>,
        price: Option<&str>,
        currency: Option<&str>,
    ) -> Result<Self, PayError> {
        let item = item.map(str::trim).unwrap_or_default();
        if !valid_item(item) {
            return Err(PayError::BadItem);
        }
        Ok(Self {
            item: item.to_owned(),
            price_minor: price::parse_minor(price.ok_or(PayError::BadPrice)?)?,
            currency: price::parse_currency(currency.ok_or(PayError::BadCurrency)?)?,
        })
    }

    /// `USD 0.02`.
    pub fn price_text(&self) -> String {
        price::format(self.price_minor, &self.currency)
    }

    /// What the button says: `Pay USD 0.02`.
    pub fn label(&self) -> String {
        format!("Pay {}", self.price_text())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_good_attributes() {
        let a = Attributes::read(Some("article-42"), Some("2"), Some("USD"));
        assert_eq!(
            a,
            Ok(Attributes {
                item: "article-42".into(),
                price_minor: 2,
                currency: "USD".into()
            })
        );
        assert_eq!(a.map(|a| a.label()), Ok("Pay USD 0.02".to_owned()));
    }

    #[test]
    fn refuses_missing_or_bad_attributes() {
        let read = Attributes::read;
        assert_eq!(read(None, Some("2"), Some("USD")), Err(PayError::BadItem));
        assert_eq!(
            read(Some(" "), Some("2"), Some("USD")),
            Err(PayError::BadItem)
        );
        assert_eq!(
            read(Some(&"x".repeat(65)), Some("2"), Some("USD")),
            Err(PayError::BadItem)
        );
        assert_eq!(read(Some("a"), None, Some("USD")), Err(PayError::BadPrice));
        assert_eq!(
            read(Some("a"), Some("2.00"), Some("USD")),
            Err(PayError::BadPrice)
        );
        assert_eq!(read(Some("a"), Some("2"), None), Err(PayError::BadCurrency));
        assert_eq!(
            read(Some("a"), Some("2"), Some("usd")),
            Err(PayError::BadCurrency)
        );
    }
}
