//! Prices: integer minor units, shown as `USD 0.02`. Integer arithmetic only.

use crate::error::PayError;

/// Digits after the decimal point when a price is shown to people; the same
/// table as the core's `Currency::exponent`, so the button shows what the
/// shop's `price_text` says.
pub fn exponent(currency: &str) -> u32 {
    match currency {
        "JPY" | "KRW" | "ISK" | "CLP" | "VND" => 0,
        "BHD" | "KWD" | "OMR" | "JOD" | "TND" => 3,
        _ => 2,
    }
}

/// `USD 0.02`, `JPY 5`, `KWD 1.250`.
pub fn format(minor: u64, currency: &str) -> String {
    let exp = exponent(currency);
    if exp == 0 {
        return format!("{currency} {minor}");
    }
    let scale = 10u64.pow(exp);
    format!(
        "{currency} {}.{:0width$}",
        minor / scale,
        minor % scale,
        width = exp as usize
    )
}

/// The `price` attribute: a whole number of minor units, digits only.
pub fn parse_minor(text: &str) -> Result<u64, PayError> {
    let text = text.trim();
    if text.is_empty() || text.len() > 19 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(PayError::BadPrice);
    }
    text.parse().map_err(|_| PayError::BadPrice)
}

/// The `currency` attribute: three ASCII capital letters.
pub fn parse_currency(text: &str) -> Result<String, PayError> {
    let text = text.trim();
    if text.len() == 3 && text.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(text.to_owned())
    } else {
        Err(PayError::BadCurrency)
    }
}

/// The largest integer a JavaScript number holds exactly (2^53 − 1).
const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// A JSON number as a whole, non-negative, exactly representable integer.
pub fn whole_number(n: f64) -> Option<u64> {
    // The range check refuses NaN and the infinities too.
    if !(0.0..=MAX_SAFE_INTEGER as f64).contains(&n) {
        return None;
    }
    let whole = n as u64;
    (whole as f64 == n).then_some(whole)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_with_the_currency_exponent() {
        assert_eq!(format(2, "USD"), "USD 0.02");
        assert_eq!(format(0, "EUR"), "EUR 0.00");
        assert_eq!(format(150, "EUR"), "EUR 1.50");
        assert_eq!(format(123_456, "GBP"), "GBP 1234.56");
        assert_eq!(format(5, "JPY"), "JPY 5");
        assert_eq!(format(1200, "KRW"), "KRW 1200");
        assert_eq!(format(1250, "KWD"), "KWD 1.250");
        assert_eq!(format(7, "KWD"), "KWD 0.007");
        assert_eq!(
            format(u64::MAX, "USD"),
            "USD 184467440737095516.15",
            "no overflow at the top"
        );
    }

    #[test]
    fn reads_the_price_attribute() {
        assert_eq!(parse_minor("2"), Ok(2));
        assert_eq!(parse_minor(" 150 "), Ok(150));
        assert_eq!(parse_minor("0"), Ok(0));
        assert_eq!(parse_minor("18446744073709551615"), Err(PayError::BadPrice));
        assert_eq!(
            parse_minor("9999999999999999999"),
            Ok(9_999_999_999_999_999_999)
        );
        for bad in ["", " ", "-1", "+1", "1.5", "0x10", "1e3", "2 USD", "１"] {
            assert_eq!(parse_minor(bad), Err(PayError::BadPrice), "{bad:?}");
        }
    }

    #[test]
    fn reads_the_currency_attribute() {
        assert_eq!(parse_currency("USD"), Ok("USD".to_owned()));
        assert_eq!(parse_currency(" JPY "), Ok("JPY".to_owned()));
        for bad in ["", "usd", "US", "USDT", "U$D", "ÜSD"] {
            assert_eq!(parse_currency(bad), Err(PayError::BadCurrency), "{bad:?}");
        }
    }

    #[test]
    fn reads_whole_json_numbers_only() {
        assert_eq!(whole_number(0.0), Some(0));
        assert_eq!(whole_number(2.0), Some(2));
        assert_eq!(
            whole_number(9_007_199_254_740_991.0),
            Some(MAX_SAFE_INTEGER)
        );
        assert_eq!(whole_number(9_007_199_254_740_992.0), None);
        assert_eq!(whole_number(2.5), None);
        assert_eq!(whole_number(-1.0), None);
        assert_eq!(whole_number(-0.0), Some(0));
        assert_eq!(whole_number(f64::NAN), None);
        assert_eq!(whole_number(f64::INFINITY), None);
    }
}
