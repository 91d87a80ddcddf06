//! Identifiers: token serials, session serials, purses, parties, nonces.

use std::fmt;

use rand_core::CryptoRng;
use sha2::{Digest, Sha256};

use crate::wire::{Decode, Encode, Reader, WireError, Writer};

macro_rules! random_id {
    ($(#[$doc:meta])* $name:ident, $len:literal, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub [u8; $len]);

        impl $name {
            /// A fresh random value from the caller's generator.
            pub fn random<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
                let mut b = [0u8; $len];
                rng.fill_bytes(&mut b);
                Self(b)
            }

            pub fn as_bytes(&self) -> &[u8; $len] {
                &self.0
            }

            /// Lower-case hex, as used in URLs and logs.
            pub fn to_hex(&self) -> String {
                hex(&self.0)
            }

            pub fn from_hex(s: &str) -> Result<Self, WireError> {
                unhex::<$len>(s).map(Self).ok_or(WireError::Invalid(stringify!($name)))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}{}", $prefix, self.to_hex())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(self, f)
            }
        }

        impl Encode for $name {
            fn encode(&self, w: &mut Writer) {
                w.array(&self.0);
            }
        }

        impl Decode for $name {
            fn decode(r: &mut Reader<'_>) -> Result<Self, WireError> {
                Ok(Self(r.array()?))
            }
        }
    };
}

random_id!(
    /// The token's own serial: 128 random bits, unique across every token a
    /// bank ever issues and never sequential, so it reveals no order.
    TokenSerial, 16, "tok_"
);
random_id!(
    /// Names one purse: the group of tokens minted for one buyer and one seller.
    PurseId, 16, "purse_"
);
random_id!(
    /// A single-use value that makes a signed message unique, so a replay is seen.
    Nonce, 16, "n_"
);
random_id!(
    /// A refund case at the bank.
    CaseId, 16, "case_"
);
random_id!(
    /// A party: the SHA-256 fingerprint of its signing public key. Buyers,
    /// sellers and the bank are all named this way.
    KeyId, 32, "key_"
);

impl KeyId {
    /// The fingerprint of a public key's encoding.
    pub fn of(public_key_der: &[u8]) -> Self {
        Self(Sha256::digest(public_key_der).into())
    }
}

/// Pairs the items of one split token inside a purse. Unique within the purse.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct SessionSerial(pub u32);

impl fmt::Display for SessionSerial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

impl Encode for SessionSerial {
    fn encode(&self, w: &mut Writer) {
        w.u32(self.0);
    }
}

impl Decode for SessionSerial {
    fn decode(r: &mut Reader<'_>) -> Result<Self, WireError> {
        Ok(Self(r.u32()?))
    }
}

/// The bank's short public name, as written in every token it issues:
/// 1 to 32 characters of `a-z`, `0-9`, `.` and `-`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct BankId(String);

impl BankId {
    pub const MAX_LEN: usize = 32;

    pub fn new(name: &str) -> Result<Self, WireError> {
        let ok = (1..=Self::MAX_LEN).contains(&name.len())
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-');
        if ok {
            Ok(Self(name.to_owned()))
        } else {
            Err(WireError::Invalid("bank id"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for BankId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Encode for BankId {
    fn encode(&self, w: &mut Writer) {
        w.str8(&self.0);
    }
}

impl Decode for BankId {
    fn decode(r: &mut Reader<'_>) -> Result<Self, WireError> {
        BankId::new(r.str8("bank id", Self::MAX_LEN)?)
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

fn unhex<const N: usize>(s: &str) -> Option<[u8; N]> {
    let s = s.as_bytes();
    if s.len() != 2 * N {
        return None;
    }
    let nibble = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    let mut out = [0u8; N];
    for (o, pair) in out.iter_mut().zip(s.chunks_exact(2)) {
        *o = (nibble(*pair.first()?)? << 4) | nibble(*pair.get(1)?)?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips_and_refuses_upper_case_and_wrong_length() {
        let id = PurseId([0xab; 16]);
        assert_eq!(PurseId::from_hex(&id.to_hex()), Ok(id));
        assert!(PurseId::from_hex(&id.to_hex().to_uppercase()).is_err());
        assert!(PurseId::from_hex("abcd").is_err());
        assert_eq!(id.to_string(), format!("purse_{}", "ab".repeat(16)));
    }

    #[test]
    fn bank_ids_are_short_lower_case_names() {
        assert!(BankId::new("demo-bank.example").is_ok());
        for bad in ["", "Demo", "a b", &"x".repeat(33), "bank/1"] {
            assert!(BankId::new(bad).is_err(), "{bad:?}");
        }
    }
}
