//! Each flow as the shop runs it, the way every Halfpenny host drives the
//! core: load what the request needs, let the `Till` decide (RSA work on the
//! blocking pool), apply the decision in one transaction, then send.
//!
//! The bank is needed only to buy a purse, to redeem and to answer refunds;
//! a payment is judged here, off-line, with the bank's saved keys.

mod orders;
mod payments;
mod redemption;
mod returns;
mod summary;

use std::sync::Arc;

use halfpenny::bank::BankPublic;
use halfpenny::crypto::PrivateIdentity;
use halfpenny::messages::{ForwardedPurseRequest, MintResponse, PaymentRequest};
use halfpenny::till::Till;
use halfpenny::wire::TextForm;
use halfpenny::{KeyId, Nonce, Timestamp};
use halfpenny_server_kit::blocking::{blocking, fresh_rng};
use hmac::{KeyInit, Mac};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::bank_client::{BankCallError, BankClient};
use crate::catalog::Catalog;
use crate::clock::Clock;
use crate::error::{ApiError, ShopAnswers as _};
use crate::keys::AccessKey;
use crate::store::{PurseOrder, Store};
use crate::views::{ArticleView, OfferReply, PurseReply};

/// How long a payment request may be answered (the till refuses it after).
pub const OFFER_SECS: u64 = 600;

/// The shop server's state, shared by every request.
#[derive(Debug)]
pub struct App {
    pub identity: PrivateIdentity,
    pub till: Till,
    /// The bank's public keys, as last fetched (or saved, with the bank down).
    pub bank_public: BankPublic,
    pub bank: BankClient,
    pub store: Store,
    pub catalog: Catalog,
    pub clock: Clock,
    /// The buyer's wallet page, named in every offer.
    pub wallet_url: String,
    /// The operator's bearer token; `None` turns the operator endpoints off.
    pub operator_token: Option<Zeroizing<String>>,
    access_key: AccessKey,
    /// One errand at the bank at a time: redemptions and returns.
    errands: tokio::sync::Mutex<()>,
    /// The payments being judged now.
    judging: Arc<payments::Judging>,
}

pub use halfpenny_server_kit::json_text::JsonText;

/// The digest under which an access token is stored; the token itself never is.
pub fn access_digest(access: &str) -> [u8; 32] {
    Sha256::digest(access.as_bytes()).into()
}

impl App {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        identity: PrivateIdentity,
        till: Till,
        bank_public: BankPublic,
        bank: BankClient,
        store: Store,
        catalog: Catalog,
        wallet_url: String,
        operator_token: Option<Zeroizing<String>>,
        access_key: AccessKey,
    ) -> Self {
        Self {
            identity,
            till,
            bank_public,
            bank,
            store,
            catalog,
            clock: Clock::default(),
            wallet_url,
            operator_token,
            access_key,
            errands: tokio::sync::Mutex::new(()),
            judging: Arc::default(),
        }
    }

    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    pub fn seller(&self) -> KeyId {
        self.till.seller()
    }

    /// The access token of a taken payment: derived from the payment's nonce
    /// with the shop's secret, so the same payment always gets the same one
    /// and only its digest needs storing.
    fn access_token(&self, payment: &Nonce) -> String {
        let mut mac = match hmac::Hmac::<Sha256>::new_from_slice(self.access_key.0.as_slice()) {
            Ok(m) => m,
            // A 32-byte key always fits HMAC; unreachable, and harmless.
            Err(_) => return String::new(),
        };
        mac.update(b"halfpenny shop access v1\0");
        mac.update(payment.as_bytes());
        let tag = mac.finalize().into_bytes();
        base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, tag)
    }

    /// A payment request for one item at the catalog's price, remembered
    /// until it expires.
    pub async fn offer(&self, item: &str) -> Result<OfferReply, ApiError> {
        let item = self.catalog.get(item).ok_or_else(ApiError::unknown_item)?;
        let request = PaymentRequest {
            seller: self.seller(),
            payment: Nonce::random(&mut fresh_rng()?),
            item: item.id.clone(),
            price: item.price,
            requires: item.requires.clone(),
            expires_at: self.now().plus(OFFER_SECS),
        };
        self.store.save_offer(&request).await?;
        Ok(OfferReply {
            request: request.to_text(),
            item: item.id.clone(),
            title: item.title.clone(),
            price_minor: item.price.minor(),
            currency: item.price.currency().code().to_owned(),
            price_text: item.price.to_string(),
            requires: item.requires.as_ref().map(ToString::to_string),
            seller: self.seller().to_hex(),
            bank: self.bank_public.id.to_string(),
            wallet_url: self.wallet_url.clone(),
        })
    }

    /// Fig. 3-5: forwards the buyer's sealed purse request to the bank
    /// (the shop cannot read it), keeps the seller's purse, and passes the
    /// buyer's on, still sealed for her. The request is saved before it is
    /// sent: if the answer is lost, the errands send it again (see
    /// `orders.rs`), so the seller still gets his halves of a purse the bank
    /// minted.
    pub async fn forward_purse(self: &Arc<Self>, text: &str) -> Result<PurseReply, ApiError> {
        let text = text.trim();
        let fwd = ForwardedPurseRequest::from_text(text)?;
        if fwd.bank != self.bank_public.id {
            return Err(ApiError::wrong_bank(self.bank_public.id.as_str()));
        }
        let order = self.store.save_purse_order(text, self.now()).await?;
        let response = self.send_purse_order(&order).await??;
        Ok(PurseReply {
            purse: response.buyer_purse.to_text(),
        })
    }

    /// Sends a saved purse request to the bank and stores its answer: the
    /// seller's purse, and the order marked answered, in one transaction.
    /// The bank's refusal (it minted nothing) forgets the order; a bank that
    /// cannot be reached or fails leaves it to be sent again.
    async fn send_purse_order(
        self: &Arc<Self>,
        order: &PurseOrder,
    ) -> Result<Result<MintResponse, BankCallError>, ApiError> {
        let answer = match self.bank.mint(&order.request).await {
            Ok(a) => a,
            Err(e) => {
                if e.is_final() {
                    self.store.drop_purse_order(&order.id).await?;
                }
                return Ok(Err(e));
            }
        };
        let response = match MintResponse::from_text(&answer) {
            Ok(r) => r,
            Err(_) => return Ok(Err(BankCallError::BadAnswer("a mint response"))),
        };
        let now = self.now();
        let (app, sealed) = (self.clone(), response.seller_purse.clone());
        let opened = blocking(move || {
            Ok::<_, ApiError>(app.till.receive_purse(&app.identity, &sealed, now))
        })
        .await?;
        let purse = match opened {
            Ok(purse) => Some(purse),
            // The bank has debited her already: her purse still goes to her
            // (she can have it refunded), but this shop cannot take it.
            Err(e) => {
                tracing::warn!(code = e.code(), order = %order.name(), "the seller's purse could not be opened");
                None
            }
        };
        if self
            .store
            .answer_purse_order(&order.id, purse.as_ref(), now)
            .await?
            && let Some(p) = &purse
        {
            tracing::info!(purse = %p.id, tokens = p.halves.len(), value = %p.unspent_value(), "purse received");
        }
        Ok(Ok(response))
    }

    /// A paid item's content, for the bearer of its access token.
    pub async fn article(&self, id: &str, access: Option<&str>) -> Result<ArticleView, ApiError> {
        let item = self.catalog.get(id).ok_or_else(ApiError::unknown_item)?;
        let unlocked = match access
            .map(str::trim)
            .filter(|a| !a.is_empty() && a.len() <= 128)
        {
            Some(a) => self.store.access_item(access_digest(a)).await?.as_deref() == Some(id),
            None => false,
        };
        if !unlocked {
            return Err(ApiError::payment_required(item));
        }
        Ok(ArticleView {
            item: item.id.clone(),
            title: item.title.clone(),
            body: item.body.clone(),
        })
    }
}
