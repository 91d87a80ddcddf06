//! Assertions that authorization tokens carry (patent claim 9), and the verified
//! attributes a bank checks them against.
//!
//! Two forms: `age>=N` (proved by a date of birth) and a plain name such as
//! `cleared-for-archive` (proved by a flag the bank recorded).

use std::fmt;

use crate::time::{Date, Timestamp};
use crate::wire::{Decode, Encode, Reader, WireError, Writer};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssertionError {
    #[error("an assertion is `age>=N` or a name of 1 to 32 characters a-z, 0-9, '-' and '_'")]
    Malformed,
}

impl AssertionError {
    pub fn code(&self) -> &'static str {
        "malformed_assertion"
    }
}

/// Something a buyer proves about herself without saying who she is.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub enum Assertion {
    /// At least this many whole years old.
    AgeAtLeast(u8),
    /// Holds the named clearance or membership.
    Flag(String),
}

impl Assertion {
    pub const MAX_LEN: usize = 32;

    pub fn parse(s: &str) -> Result<Self, AssertionError> {
        if let Some(n) = s.strip_prefix("age>=") {
            let ok = (1..=3).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_digit());
            return match n.parse::<u8>() {
                Ok(age) if ok => Ok(Assertion::AgeAtLeast(age)),
                _ => Err(AssertionError::Malformed),
            };
        }
        let ok = (1..=Self::MAX_LEN).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if ok {
            Ok(Assertion::Flag(s.to_owned()))
        } else {
            Err(AssertionError::Malformed)
        }
    }

    /// Whether the attributes a bank holds for a party prove this assertion at `now`.
    pub fn is_proved_by(&self, attributes: &[Attribute], now: Timestamp) -> bool {
        attributes.iter().any(|a| match (self, a) {
            (Assertion::AgeAtLeast(min), Attribute::DateOfBirth(born)) => {
                born.years_until(now.date()) >= i32::from(*min)
            }
            (Assertion::Flag(want), Attribute::Flag(have)) => want == have,
            _ => false,
        })
    }
}

impl fmt::Display for Assertion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Assertion::AgeAtLeast(n) => write!(f, "age>={n}"),
            Assertion::Flag(s) => f.write_str(s),
        }
    }
}

impl Encode for Assertion {
    fn encode(&self, w: &mut Writer) {
        w.str8(&self.to_string());
    }
}

impl Decode for Assertion {
    fn decode(r: &mut Reader<'_>) -> Result<Self, WireError> {
        let s = r.str8("assertion", Self::MAX_LEN)?;
        let a = Assertion::parse(s).map_err(|_| WireError::Invalid("assertion"))?;
        // Only the canonical spelling decodes (`age>=018` does not).
        if a.to_string() != s {
            return Err(WireError::Invalid("assertion"));
        }
        Ok(a)
    }
}

/// A fact about a party that the bank's operator verified and recorded.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Attribute {
    DateOfBirth(Date),
    Flag(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_canonically() {
        assert_eq!(Assertion::parse("age>=21"), Ok(Assertion::AgeAtLeast(21)));
        assert_eq!(
            Assertion::parse("cleared-for-archive").unwrap().to_string(),
            "cleared-for-archive"
        );
        for bad in [
            "age>=",
            "age>=1000",
            "age>=-1",
            "Age>=21",
            "",
            "has space",
            &"x".repeat(33),
        ] {
            assert_eq!(
                Assertion::parse(bad),
                Err(AssertionError::Malformed),
                "{bad:?}"
            );
        }
        let mut w = Writer::new();
        w.str8("age>=018");
        assert!(Assertion::from_bytes(&w.into_bytes()).is_err());
    }

    #[test]
    fn age_is_proved_only_from_the_birthday_on() {
        let attrs = [Attribute::DateOfBirth(Date::new(2008, 11, 24).unwrap())];
        let day_before = Timestamp(1_795_392_000); // 2026-11-23
        let birthday = Timestamp(1_795_478_400); // 2026-11-24
        assert!(!Assertion::AgeAtLeast(18).is_proved_by(&attrs, day_before));
        assert!(Assertion::AgeAtLeast(18).is_proved_by(&attrs, birthday));
        assert!(!Assertion::Flag("x".into()).is_proved_by(&attrs, birthday));
        assert!(Assertion::Flag("x".into()).is_proved_by(&[Attribute::Flag("x".into())], birthday));
    }
}
