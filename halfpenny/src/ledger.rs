//! The bank's double-entry books. Every movement is a [`Posting`] that debits
//! one account and credits another by the same amount, so the sum of all
//! balances is zero at all times. Customer accounts and the outstanding-tokens
//! account are the bank's liabilities; the settlement account is where money
//! from outside (cards, transfers) enters and leaves.
//!
//! [`Ledger`] is the in-memory reference: the simulation uses it, and database
//! hosts test their SQL against the same rules.

use std::collections::BTreeMap;
use std::fmt;

use crate::amount::{Amount, Currency};
use crate::ids::{KeyId, PurseId};

#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub enum LedgerAccount {
    /// What the bank owes a buyer or seller.
    Customer(KeyId),
    /// What the bank owes on tokens it minted and has not yet paid out.
    Outstanding,
    /// Money that came in from, or went out to, the world outside the ledger.
    Settlement,
}

impl fmt::Display for LedgerAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LedgerAccount::Customer(id) => write!(f, "customer:{}", id.to_hex()),
            LedgerAccount::Outstanding => f.write_str("outstanding"),
            LedgerAccount::Settlement => f.write_str("settlement"),
        }
    }
}

/// Why money moved.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum PostingKind {
    /// Operator credit from outside (settlement → customer).
    Funding,
    /// Operator debit to outside (customer → settlement).
    Withdrawal,
    /// A buyer paid for a purse (buyer → outstanding).
    Mint(PurseId),
    /// A seller was paid for spent tokens (outstanding → seller).
    Redemption(PurseId),
    /// A buyer got unspent tokens back (outstanding → buyer).
    Refund(PurseId),
    /// A seller proved, with the joined token, that a buyer spent a token she
    /// was later refunded for (buyer → seller).
    Chargeback(PurseId),
}

impl PostingKind {
    pub fn code(&self) -> &'static str {
        match self {
            PostingKind::Funding => "funding",
            PostingKind::Withdrawal => "withdrawal",
            PostingKind::Mint(_) => "mint",
            PostingKind::Redemption(_) => "redemption",
            PostingKind::Refund(_) => "refund",
            PostingKind::Chargeback(_) => "chargeback",
        }
    }
}

/// One movement: `amount` leaves `debit` and arrives at `credit`.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Posting {
    pub kind: PostingKind,
    pub debit: LedgerAccount,
    pub credit: LedgerAccount,
    pub amount: Amount,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    #[error("the account has {available} but {needed} is needed")]
    InsufficientFunds { needed: Amount, available: i128 },
    #[error("a posting must move a positive amount between two different accounts")]
    Degenerate,
    #[error("the books do not balance in {0}: the balances add up to {1}, not zero")]
    Unbalanced(Currency, i128),
}

impl LedgerError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::InsufficientFunds { .. } => "insufficient_funds",
            Self::Degenerate => "degenerate_posting",
            Self::Unbalanced(..) => "books_unbalanced",
        }
    }
}

/// In-memory double-entry books.
#[derive(Debug, Default, Clone)]
pub struct Ledger {
    /// Credits minus debits, per account and currency.
    balances: BTreeMap<(LedgerAccount, Currency), i128>,
    postings: Vec<Posting>,
}

impl Ledger {
    pub fn new() -> Self {
        Self::default()
    }

    /// Credits minus debits: what the bank owes the account holder.
    pub fn balance(&self, account: LedgerAccount, currency: Currency) -> i128 {
        self.balances
            .get(&(account, currency))
            .copied()
            .unwrap_or(0)
    }

    /// A customer's balance as an amount (zero if overdrawn by a chargeback).
    pub fn available(&self, customer: KeyId, currency: Currency) -> Amount {
        let b = self.balance(LedgerAccount::Customer(customer), currency);
        Amount::new(u64::try_from(b.max(0)).unwrap_or(u64::MAX), currency)
    }

    pub fn postings(&self) -> &[Posting] {
        &self.postings
    }

    /// Books a posting. A customer account may not go below zero, except by a
    /// chargeback (the bank then holds a claim on the buyer).
    pub fn post(&mut self, p: &Posting) -> Result<(), LedgerError> {
        check_posting(p)?;
        let cur = p.amount.currency();
        let amount = i128::from(p.amount.minor());
        if let LedgerAccount::Customer(_) = p.debit {
            let available = self.balance(p.debit, cur);
            if available < amount && !matches!(p.kind, PostingKind::Chargeback(_)) {
                return Err(LedgerError::InsufficientFunds {
                    needed: p.amount,
                    available,
                });
            }
        }
        *self.balances.entry((p.debit, cur)).or_insert(0) -= amount;
        *self.balances.entry((p.credit, cur)).or_insert(0) += amount;
        self.postings.push(p.clone());
        Ok(())
    }

    /// The double-entry invariant: in every currency the balances sum to zero.
    pub fn check(&self) -> Result<(), LedgerError> {
        let mut sums: BTreeMap<Currency, i128> = BTreeMap::new();
        for ((_, cur), b) in &self.balances {
            *sums.entry(*cur).or_insert(0) += b;
        }
        match sums.into_iter().find(|(_, s)| *s != 0) {
            Some((cur, s)) => Err(LedgerError::Unbalanced(cur, s)),
            None => Ok(()),
        }
    }

    /// Money that entered from outside, net: what customers and open tokens
    /// together must add up to.
    pub fn funded(&self, currency: Currency) -> i128 {
        -self.balance(LedgerAccount::Settlement, currency)
    }
}

/// Rules every posting obeys, in memory or in a database.
pub fn check_posting(p: &Posting) -> Result<(), LedgerError> {
    if p.amount.is_zero() || p.debit == p.credit {
        return Err(LedgerError::Degenerate);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd(m: u64) -> Amount {
        Amount::new(m, Currency::USD)
    }

    #[test]
    fn postings_keep_the_books_balanced_and_customers_solvent() {
        let alice = LedgerAccount::Customer(KeyId([1; 32]));
        let mut l = Ledger::new();
        l.post(&Posting {
            kind: PostingKind::Funding,
            debit: LedgerAccount::Settlement,
            credit: alice,
            amount: usd(500),
        })
        .unwrap();
        let p = PurseId([9; 16]);
        l.post(&Posting {
            kind: PostingKind::Mint(p),
            debit: alice,
            credit: LedgerAccount::Outstanding,
            amount: usd(300),
        })
        .unwrap();
        let too_much = Posting {
            kind: PostingKind::Mint(p),
            debit: alice,
            credit: LedgerAccount::Outstanding,
            amount: usd(201),
        };
        assert_eq!(
            l.post(&too_much),
            Err(LedgerError::InsufficientFunds {
                needed: usd(201),
                available: 200
            })
        );
        assert_eq!(l.balance(alice, Currency::USD), 200);
        assert_eq!(l.balance(LedgerAccount::Outstanding, Currency::USD), 300);
        assert_eq!(l.funded(Currency::USD), 500);
        l.check().unwrap();
        assert_eq!(
            l.post(&Posting {
                kind: PostingKind::Funding,
                debit: alice,
                credit: alice,
                amount: usd(1)
            }),
            Err(LedgerError::Degenerate)
        );
    }
}
