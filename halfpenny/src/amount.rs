//! Money: integer minor units with a currency. No floats anywhere.

use std::fmt;

use crate::wire::{Decode, Encode, Reader, WireError, Writer};

/// Errors of amount arithmetic and parsing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    #[error("amounts in {0} and {1} cannot be combined")]
    CurrencyMismatch(Currency, Currency),
    #[error("the amount is too large")]
    Overflow,
    #[error("the amount would go below zero")]
    Underflow,
    #[error("a currency is three capital letters, like USD")]
    InvalidCurrency,
    #[error("write an amount like 1.50, with at most {0} digits after the point")]
    InvalidDecimal(u32),
}

impl AmountError {
    /// A stable code for the wire.
    pub fn code(&self) -> &'static str {
        match self {
            Self::CurrencyMismatch(..) => "currency_mismatch",
            Self::Overflow => "amount_overflow",
            Self::Underflow => "amount_underflow",
            Self::InvalidCurrency => "invalid_currency",
            Self::InvalidDecimal(_) => "invalid_amount",
        }
    }
}

/// An ISO-4217-style currency code: three ASCII capital letters.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency([u8; 3]);

impl Currency {
    pub const USD: Currency = Currency(*b"USD");
    pub const EUR: Currency = Currency(*b"EUR");

    pub fn new(code: &str) -> Result<Self, AmountError> {
        let bytes: [u8; 3] = code
            .as_bytes()
            .try_into()
            .map_err(|_| AmountError::InvalidCurrency)?;
        Self::from_bytes(bytes)
    }

    pub fn from_bytes(bytes: [u8; 3]) -> Result<Self, AmountError> {
        if bytes.iter().all(u8::is_ascii_uppercase) {
            Ok(Self(bytes))
        } else {
            Err(AmountError::InvalidCurrency)
        }
    }

    pub fn code(&self) -> &str {
        // Only ASCII capitals are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("???")
    }

    /// Digits after the decimal point when shown to people.
    pub fn exponent(&self) -> u32 {
        match &self.0 {
            b"JPY" | b"KRW" | b"ISK" | b"CLP" | b"VND" => 0,
            b"BHD" | b"KWD" | b"OMR" | b"JOD" | b"TND" => 3,
            _ => 2,
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A non-negative sum of money in the currency's minor units (cents for USD).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Amount {
    minor: u64,
    currency: Currency,
}

impl Amount {
    pub const fn new(minor: u64, currency: Currency) -> Self {
        Self { minor, currency }
    }

    pub const fn zero(currency: Currency) -> Self {
        Self::new(0, currency)
    }

    pub const fn minor(&self) -> u64 {
        self.minor
    }

    pub const fn currency(&self) -> Currency {
        self.currency
    }

    pub fn is_zero(&self) -> bool {
        self.minor == 0
    }

    fn same_currency(&self, other: &Amount) -> Result<(), AmountError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(AmountError::CurrencyMismatch(self.currency, other.currency))
        }
    }

    pub fn checked_add(self, other: Amount) -> Result<Amount, AmountError> {
        self.same_currency(&other)?;
        let minor = self
            .minor
            .checked_add(other.minor)
            .ok_or(AmountError::Overflow)?;
        Ok(Amount::new(minor, self.currency))
    }

    pub fn checked_sub(self, other: Amount) -> Result<Amount, AmountError> {
        self.same_currency(&other)?;
        let minor = self
            .minor
            .checked_sub(other.minor)
            .ok_or(AmountError::Underflow)?;
        Ok(Amount::new(minor, self.currency))
    }

    pub fn checked_mul(self, factor: u64) -> Result<Amount, AmountError> {
        let minor = self
            .minor
            .checked_mul(factor)
            .ok_or(AmountError::Overflow)?;
        Ok(Amount::new(minor, self.currency))
    }

    /// Reads what a person typed, `1.5` or `1.50` or `2`, as an exact amount:
    /// digits only, at most the currency's number of decimals, no sign.
    pub fn from_decimal(text: &str, currency: Currency) -> Result<Amount, AmountError> {
        let exp = currency.exponent();
        let bad = AmountError::InvalidDecimal(exp);
        let (whole, fraction) = text.trim().split_once('.').unwrap_or((text.trim(), ""));
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() && fraction.is_empty()
            || !digits(whole)
            || !digits(fraction)
            || fraction.len() > exp as usize
            || whole.len() > 19
        {
            return Err(bad);
        }
        let scale = 10u64.pow(exp);
        let whole: u64 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| bad.clone())?
        };
        let padded = format!("{fraction:0<width$}", width = exp as usize);
        let fraction: u64 = if padded.is_empty() {
            0
        } else {
            padded.parse().map_err(|_| bad)?
        };
        let minor = whole
            .checked_mul(scale)
            .and_then(|m| m.checked_add(fraction))
            .ok_or(AmountError::Overflow)?;
        Ok(Amount::new(minor, currency))
    }

    /// Adds up amounts that must all be in `currency`.
    pub fn sum<I: IntoIterator<Item = Amount>>(
        currency: Currency,
        amounts: I,
    ) -> Result<Amount, AmountError> {
        amounts
            .into_iter()
            .try_fold(Amount::zero(currency), Amount::checked_add)
    }
}

impl fmt::Display for Amount {
    /// `USD 0.05`: integer arithmetic only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let exp = self.currency.exponent();
        if exp == 0 {
            return write!(f, "{} {}", self.currency, self.minor);
        }
        let scale = 10u64.pow(exp);
        write!(
            f,
            "{} {}.{:0width$}",
            self.currency,
            self.minor / scale,
            self.minor % scale,
            width = exp as usize
        )
    }
}

impl Encode for Currency {
    fn encode(&self, w: &mut Writer) {
        w.array(&self.0);
    }
}

impl Decode for Currency {
    fn decode(r: &mut Reader<'_>) -> Result<Self, WireError> {
        Currency::from_bytes(r.array()?).map_err(|_| WireError::invalid("currency"))
    }
}

impl Encode for Amount {
    fn encode(&self, w: &mut Writer) {
        self.currency.encode(w);
        w.u64(self.minor);
    }
}

impl Decode for Amount {
    fn decode(r: &mut Reader<'_>) -> Result<Self, WireError> {
        let currency = Currency::decode(r)?;
        Ok(Amount::new(r.u64()?, currency))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_decimals_exactly() {
        let usd = |t: &str| Amount::from_decimal(t, Currency::USD).map(|a| a.minor());
        assert_eq!(usd("1.50"), Ok(150));
        assert_eq!(usd("1.5"), Ok(150));
        assert_eq!(usd(" 2 "), Ok(200));
        assert_eq!(usd(".05"), Ok(5));
        assert_eq!(usd("0.01"), Ok(1));
        for bad in ["", ".", "1.005", "-1", "1,50", "1e3", "+1", "1.2.3", "x"] {
            assert_eq!(usd(bad), Err(AmountError::InvalidDecimal(2)), "{bad:?}");
        }
        assert_eq!(
            usd("99999999999999999999"),
            Err(AmountError::InvalidDecimal(2))
        );
        assert_eq!(usd("999999999999999999"), Err(AmountError::Overflow));
    }

    #[test]
    fn displays_minor_units_without_floats() {
        assert_eq!(Amount::new(5, Currency::USD).to_string(), "USD 0.05");
        assert_eq!(
            Amount::new(123_456, Currency::USD).to_string(),
            "USD 1234.56"
        );
        assert_eq!(
            Amount::new(7, Currency::new("JPY").unwrap()).to_string(),
            "JPY 7"
        );
        assert_eq!(
            Amount::new(1_001, Currency::new("KWD").unwrap()).to_string(),
            "KWD 1.001"
        );
    }

    #[test]
    fn rejects_bad_currency_codes() {
        for bad in ["usd", "US", "USDX", "U$D", ""] {
            assert_eq!(
                Currency::new(bad),
                Err(AmountError::InvalidCurrency),
                "{bad}"
            );
        }
    }

    #[test]
    fn refuses_to_mix_currencies() {
        let err = Amount::new(1, Currency::USD).checked_add(Amount::new(1, Currency::EUR));
        assert_eq!(
            err,
            Err(AmountError::CurrencyMismatch(Currency::USD, Currency::EUR))
        );
    }

    proptest! {
        #[test]
        fn add_then_sub_is_identity(a in any::<u64>(), b in any::<u64>()) {
            let x = Amount::new(a, Currency::USD);
            let y = Amount::new(b, Currency::USD);
            match x.checked_add(y) {
                Ok(s) => {
                    prop_assert_eq!(s.minor() as u128, a as u128 + b as u128);
                    prop_assert_eq!(s.checked_sub(y), Ok(x));
                }
                Err(e) => {
                    prop_assert_eq!(e, AmountError::Overflow);
                    prop_assert!(a as u128 + b as u128 > u64::MAX as u128);
                }
            }
        }

        #[test]
        fn sub_never_goes_negative(a in any::<u64>(), b in any::<u64>()) {
            let r = Amount::new(a, Currency::USD).checked_sub(Amount::new(b, Currency::USD));
            if a >= b {
                prop_assert_eq!(r.map(|x| x.minor()), Ok(a - b));
            } else {
                prop_assert_eq!(r, Err(AmountError::Underflow));
            }
        }

        #[test]
        fn mul_is_exact_or_overflows(a in any::<u64>(), k in any::<u64>()) {
            let r = Amount::new(a, Currency::USD).checked_mul(k);
            let exact = a as u128 * k as u128;
            if exact <= u64::MAX as u128 {
                prop_assert_eq!(r.map(|x| x.minor() as u128), Ok(exact));
            } else {
                prop_assert_eq!(r, Err(AmountError::Overflow));
            }
        }
    }
}
