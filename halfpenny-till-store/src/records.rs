//! The till's own records, encoded canonically with a version byte.

use halfpenny::messages::{MAX_TOKENS_PER_PURSE, SpentToken};
use halfpenny::wire::{Decode, Encode, Reader, WireError, Writer, get_option, put_option};
use halfpenny::{Amount, Currency, Nonce, Timestamp};

const VERSION: u8 = 1;
/// The longest refusal code kept.
pub const MAX_CODE: usize = 64;
/// The longest refusal sentence kept (longer ones are cut at a character).
pub const MAX_MESSAGE: usize = 1024;

fn version(r: &mut Reader<'_>) -> Result<(), WireError> {
    match r.u8()? {
        VERSION => Ok(()),
        v => Err(WireError::UnknownVersion(v)),
    }
}

/// The tokens one accepted payment brought, kept until handed in.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct TakenTokens {
    pub payment: Nonce,
    pub tokens: Vec<SpentToken>,
}

impl TakenTokens {
    /// What the money tokens are worth, per currency.
    pub fn money(&self) -> impl Iterator<Item = Amount> + '_ {
        self.tokens
            .iter()
            .filter_map(|t| t.token.token.kind.value())
    }

    /// What the money tokens of many payments are worth in one currency.
    pub fn total(groups: &[TakenTokens], currency: Currency) -> Amount {
        let minor = groups
            .iter()
            .flat_map(TakenTokens::money)
            .filter(|a| a.currency() == currency)
            .fold(0u64, |sum, a| sum.saturating_add(a.minor()));
        Amount::new(minor, currency)
    }
}

impl Encode for TakenTokens {
    fn encode(&self, w: &mut Writer) {
        w.u8(VERSION);
        self.payment.encode(w);
        w.list(&self.tokens);
    }
}

impl Decode for TakenTokens {
    fn decode(r: &mut Reader<'_>) -> Result<Self, WireError> {
        version(r)?;
        Ok(TakenTokens {
            payment: Nonce::decode(r)?,
            tokens: r.list("payment tokens", MAX_TOKENS_PER_PURSE)?,
        })
    }
}

/// A payment the till refused: which (if it could be read), the stable
/// code, the sentence shown, and when.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Refusal {
    pub payment: Option<Nonce>,
    pub code: String,
    pub message: String,
    pub at: Timestamp,
}

/// `text` cut to at most `max` bytes, at a character boundary.
fn cut(text: &str, max: usize) -> &str {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.get(..end).unwrap_or_default()
}

impl Refusal {
    pub fn new(payment: Option<Nonce>, code: &str, message: &str, at: Timestamp) -> Self {
        Self {
            payment,
            code: cut(code, MAX_CODE).to_owned(),
            message: cut(message, MAX_MESSAGE).to_owned(),
            at,
        }
    }
}

impl Encode for Refusal {
    fn encode(&self, w: &mut Writer) {
        w.u8(VERSION);
        put_option(w, &self.payment);
        w.str8(cut(&self.code, MAX_CODE));
        w.bytes16(cut(&self.message, MAX_MESSAGE).as_bytes());
        self.at.encode(w);
    }
}

impl Decode for Refusal {
    fn decode(r: &mut Reader<'_>) -> Result<Self, WireError> {
        version(r)?;
        let payment = get_option(r, "refused payment")?;
        let code = r.str8("refusal code", MAX_CODE)?.to_owned();
        let message = std::str::from_utf8(r.bytes16("refusal message", MAX_MESSAGE)?)
            .map_err(|_| WireError::Invalid("refusal message"))?
            .to_owned();
        Ok(Refusal {
            payment,
            code,
            message,
            at: Timestamp::decode(r)?,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn a_long_message_is_cut_at_a_character() {
        let long = "é".repeat(MAX_MESSAGE);
        let r = Refusal::new(None, "double_spend", &long, Timestamp(5));
        assert_eq!(r.message.len(), MAX_MESSAGE);
        assert_eq!(Refusal::from_bytes(&r.to_bytes()).unwrap(), r);
    }

    #[test]
    fn another_version_is_refused() {
        let mut bytes = Refusal::new(None, "x", "y", Timestamp(1)).to_bytes();
        bytes[0] = 2;
        assert_eq!(
            Refusal::from_bytes(&bytes),
            Err(WireError::UnknownVersion(2))
        );
    }
}
