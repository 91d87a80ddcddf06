//! The protocol's texts and small fields, and the checks every side makes
//! before it uses or forwards one (PROTOCOL.md, "Fields are checked").

/// One kind of protocol text: a prefix naming what it is, then base64url.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextKind {
    pub prefix: &'static str,
    /// The longest text accepted, prefix included, in bytes.
    pub max: usize,
}

const KIB: usize = 1024;
const MIB: usize = 1024 * KIB;

/// `hpr1.`: the shop's payment request (one item, one price).
pub const PAYMENT_REQUEST: TextKind = TextKind {
    prefix: "hpr1.",
    max: 64 * KIB,
};
/// `hpq1.`: the buyer's sealed purse request, forwarded to the bank.
pub const PURSE_REQUEST: TextKind = TextKind {
    prefix: "hpq1.",
    max: 256 * KIB,
};
/// `hps1.`: the buyer's purse, sealed for her. Carries her halves, so large.
pub const PURSE: TextKind = TextKind {
    prefix: "hps1.",
    max: 4 * MIB,
};
/// `hpp1.`: a payment, the buyer's halves. As large as a purse.
pub const PAYMENT: TextKind = TextKind {
    prefix: "hpp1.",
    max: 4 * MIB,
};
/// `hpc1.`: the till's receipt.
pub const RECEIPT: TextKind = TextKind {
    prefix: "hpc1.",
    max: 256 * KIB,
};

/// The longest plain field (codes, sentences, origins); longer is refused.
pub const MAX_PLAIN: usize = 64 * KIB;
/// The longest stable code (`double_spend`, `bad_message`).
pub const MAX_CODE: usize = 64;
/// The most spent halves a `double_spend` may name: a payment holds no
/// more halves than this (the core's `MAX_HALVES_PER_MESSAGE`).
pub const MAX_SPENT: usize = 10_000;

impl TextKind {
    /// `text` has the prefix, fits, and is base64url after the prefix.
    pub fn accepts(&self, text: &str) -> bool {
        text.len() <= self.max
            && text.strip_prefix(self.prefix).is_some_and(|body| {
                !body.is_empty()
                    && body
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            })
    }
}

/// A payment's nonce as the wallet names it in `status`: `n_` and 32
/// lower-case hex digits (the core's `Nonce` display form), safe in a URL.
pub fn valid_nonce(text: &str) -> bool {
    text.strip_prefix("n_").is_some_and(|hex| {
        hex.len() == 32
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// A stable code: 1 to 64 of `a-z`, `0-9`, `_`, `.`, `-`.
pub fn valid_code(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= MAX_CODE
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_.-".contains(&b))
}

/// A list of spent halves: 1 to [`MAX_SPENT`] session numbers, strictly
/// increasing.
pub fn valid_spent(spent: &[u32]) -> bool {
    !spent.is_empty() && spent.len() <= MAX_SPENT && spent.windows(2).all(|w| w.first() < w.last())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NONCE: &str = "n_0123456789abcdef0123456789abcdef";

    #[test]
    fn texts_need_their_prefix_and_base64url() {
        assert!(PAYMENT.accepts("hpp1.AAEC-_zz"));
        assert!(!PAYMENT.accepts("hpp1."));
        assert!(!PAYMENT.accepts("hpc1.AAEC"));
        assert!(!PAYMENT.accepts("HPP1.AAEC"));
        assert!(!PAYMENT.accepts(" hpp1.AAEC"));
        assert!(!PAYMENT.accepts("hpp1.AA=="));
        assert!(!PAYMENT.accepts("hpp1.AA+/"));
        assert!(!PAYMENT.accepts("hpp1.AA\nBB"));
        assert!(!PAYMENT.accepts("hpp1.<script>"));
        let at_limit = format!("hpr1.{}", "A".repeat(PAYMENT_REQUEST.max - 5));
        assert!(PAYMENT_REQUEST.accepts(&at_limit));
        assert!(!PAYMENT_REQUEST.accepts(&format!("{at_limit}A")));
    }

    #[test]
    fn small_fields_are_checked() {
        assert!(valid_nonce(NONCE));
        assert!(!valid_nonce("0123456789abcdef0123456789abcdef"));
        assert!(!valid_nonce("n_0123456789ABCDEF0123456789abcdef"));
        assert!(!valid_nonce("n_0123456789abcdef0123456789abcde"));
        assert!(!valid_nonce("n_0123456789abcdef0123456789abcdef0"));
        assert!(!valid_nonce("n_../../operator/summary/aaaaaaaaaaa"));
        assert!(valid_code("double_spend"));
        assert!(valid_code("a.b-c_9"));
        assert!(!valid_code(""));
        assert!(!valid_code("Bad Code"));
        assert!(valid_code(&"a".repeat(MAX_CODE)));
        assert!(!valid_code(&"a".repeat(MAX_CODE + 1)));
    }

    #[test]
    fn spent_lists_are_increasing_and_bounded() {
        assert!(valid_spent(&[3, 7]));
        assert!(valid_spent(&[0]));
        assert!(valid_spent(&[u32::MAX]));
        let longest: Vec<u32> = (0..10_000).collect();
        assert!(valid_spent(&longest));
        let over: Vec<u32> = (0..10_001).collect();
        assert!(!valid_spent(&over));
        assert!(!valid_spent(&[]));
        assert!(!valid_spent(&[7, 3]));
        assert!(!valid_spent(&[3, 3]));
    }
}
