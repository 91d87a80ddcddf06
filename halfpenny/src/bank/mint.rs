//! Minting a purse (patent Fig. 4A-4B).

use std::collections::BTreeMap;

use rand_core::CryptoRng;
use sha2::{Digest, Sha256};

use super::{
    AccountRecord, Bank, BankError, PurseRecord, PurseState, Role, TokenRecord, TokenStatus,
};
use crate::amount::Amount;
use crate::ids::{Nonce, PurseId, SessionSerial};
use crate::ledger::{LedgerAccount, Posting, PostingKind};
use crate::letter::{self, LetterKind, SignedLetter};
use crate::messages::{MintResponse, PurseContents, PurseEntry, PurseRequest};
use crate::split::split;
use crate::time::Timestamp;
use crate::token::{Token, TokenKind, sign_all};
use crate::wire::Encode;

/// A purse request whose sender's signature checked out.
#[derive(Clone, Debug)]
pub struct Authenticated<B> {
    pub nonce: Nonce,
    pub sender: crate::ids::KeyId,
    pub body: B,
}

/// The decision to mint: record the nonce, book the posting, store the purse
/// record, then send the response to the seller.
#[derive(Debug)]
pub struct Minted {
    pub nonce: Nonce,
    /// `None` for a purse of authorization tokens only.
    pub posting: Option<Posting>,
    pub purse: PurseRecord,
    pub response: MintResponse,
}

impl Bank {
    /// Checks the sender's signature on an opened letter and decodes its body.
    pub fn authenticate<B: crate::wire::Decode>(
        &self,
        letter: &SignedLetter,
        sender: &AccountRecord,
    ) -> Result<Authenticated<B>, BankError> {
        let body = self.authenticate_inner(letter, sender)?;
        Ok(Authenticated {
            nonce: letter.letter.nonce,
            sender: sender.id(),
            body,
        })
    }

    /// Steps 1014-1030: checks the order, debits the buyer, mints, signs and
    /// splits every token, and seals one purse for each party.
    pub fn mint<R: CryptoRng + ?Sized>(
        &self,
        request: &Authenticated<PurseRequest>,
        buyer: &AccountRecord,
        buyer_balance: Amount,
        seller: &AccountRecord,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<Minted, BankError> {
        let order = &request.body;
        Bank::require_role(buyer, Role::Buyer)?;
        Bank::require_role(seller, Role::Seller)?;
        if request.sender != buyer.id() {
            return Err(BankError::UnknownAccount);
        }
        if order.seller != seller.id() {
            return Err(BankError::SellerMismatch);
        }
        let currency = order.currency;
        let mut kinds: Vec<TokenKind> = Vec::new();
        let mut asked: u64 = 0;
        let mut cost = Amount::zero(currency);
        for d in &order.money {
            if d.value_minor == 0 || d.count == 0 {
                return Err(BankError::BadDenomination);
            }
            asked = asked.saturating_add(u64::from(d.count));
            if asked > self.config.max_tokens_per_purse as u64 {
                return Err(BankError::TooManyTokens {
                    asked,
                    max: self.config.max_tokens_per_purse,
                });
            }
            let value = Amount::new(d.value_minor, currency);
            cost = cost.checked_add(value.checked_mul(u64::from(d.count))?)?;
            kinds.extend(std::iter::repeat_n(
                TokenKind::Money(value),
                d.count as usize,
            ));
        }
        for a in &order.authorizations {
            if a.count == 0 {
                return Err(BankError::BadDenomination);
            }
            if !a.assertion.is_proved_by(&buyer.attributes, now) {
                return Err(BankError::AssertionNotProven(a.assertion.clone()));
            }
            asked = asked.saturating_add(u64::from(a.count));
            if asked > self.config.max_tokens_per_purse as u64 {
                return Err(BankError::TooManyTokens {
                    asked,
                    max: self.config.max_tokens_per_purse,
                });
            }
            kinds.extend(std::iter::repeat_n(
                TokenKind::Authorization(a.assertion.clone()),
                a.count as usize,
            ));
        }
        if kinds.is_empty() {
            return Err(BankError::EmptyRequest);
        }
        if cost.minor() > buyer_balance.minor() || buyer_balance.currency() != currency {
            return Err(BankError::InsufficientFunds {
                needed: cost.to_string(),
                available: buyer_balance.to_string(),
            });
        }

        let suite = order.suite.unwrap_or(self.config.default_suite);
        let token_key = self.token_key(suite)?;
        let purse_id = PurseId::random(rng);
        let expires_at = now.plus(self.config.token_lifetime_secs);
        let tokens: Vec<Token> = kinds
            .into_iter()
            .map(|k| Token::mint(suite, k, expires_at, rng))
            .collect();
        let signed = sign_all(tokens, token_key)?;

        let mut records = BTreeMap::new();
        let mut seller_entries = Vec::with_capacity(signed.len());
        let mut buyer_entries = Vec::with_capacity(signed.len());
        for (i, st) in signed.into_iter().enumerate() {
            let session = SessionSerial(u32::try_from(i).map_err(|_| BankError::EmptyRequest)?);
            let bytes = st.to_bytes();
            let mut shares = split(&bytes, 2, rng).map_err(|_| BankError::EmptyRequest)?;
            let (buyer_share, seller_share) = match (shares.pop(), shares.pop()) {
                (Some(q), Some(p)) => (p, q),
                _ => return Err(BankError::EmptyRequest),
            };
            records.insert(
                session,
                TokenRecord {
                    serial: st.token.serial,
                    kind: st.token.kind.clone(),
                    token_digest: Sha256::digest(&bytes).into(),
                    buyer_share_digest: buyer_share.digest(),
                    seller_share_digest: seller_share.digest(),
                    status: TokenStatus::Outstanding,
                },
            );
            seller_entries.push(PurseEntry {
                session,
                kind: st.token.kind.clone(),
                share: seller_share,
            });
            buyer_entries.push(PurseEntry {
                session,
                kind: st.token.kind,
                share: buyer_share,
            });
        }

        let contents = |entries| PurseContents {
            purse: purse_id,
            bank: self.config.id.clone(),
            seller: seller.id(),
            currency,
            expires_at,
            entries,
        };
        let signer = self.identity.signing.as_ref();
        let (seller_purse, _) = letter::send(
            LetterKind::SellerPurse,
            &contents(seller_entries),
            signer,
            &seller.identity,
            now,
            rng,
        )?;
        let (buyer_purse, _) = letter::send(
            LetterKind::BuyerPurse,
            &contents(buyer_entries),
            signer,
            &buyer.identity,
            now,
            rng,
        )?;

        let posting = (!cost.is_zero()).then(|| Posting {
            kind: PostingKind::Mint(purse_id),
            debit: LedgerAccount::Customer(buyer.id()),
            credit: LedgerAccount::Outstanding,
            amount: cost,
        });
        Ok(Minted {
            nonce: request.nonce,
            posting,
            purse: PurseRecord {
                id: purse_id,
                buyer: buyer.id(),
                seller: seller.id(),
                currency,
                created_at: now,
                expires_at,
                state: PurseState::Open,
                tokens: records,
            },
            response: MintResponse {
                seller_purse,
                buyer_purse,
            },
        })
    }
}
