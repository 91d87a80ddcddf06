//! The shop server's API as the button calls it (PROTOCOL.md, "Shop server
//! API"): offers, purses, payments and payment status, and what each answer
//! means for the wallet and for the page. Reading the answers is pure; the
//! `fetch` calls themselves are in [`ShopApi`] (wasm only).

use crate::attributes::Attributes;
use crate::error::PayError;
use crate::messages::{
    self, Fields, MAX_ACCESS, MAX_ITEM, MAX_PLAIN, PAYMENT_REQUEST, PURSE, RECEIPT, ReadText,
    ToWallet,
};
use crate::price::{self, whole_number};

/// What came back from one call to the shop server.
#[derive(Debug, Clone)]
pub enum Reply<F> {
    /// A 2xx answer and its JSON body (`None`: not JSON).
    Success(Option<F>),
    /// A 4xx or 5xx answer and its JSON body, if it had one.
    Failure { status: u16, body: Option<F> },
    /// No answer at all: network error, time-out, redirect, or no window.
    NoAnswer,
}

/// The shop's `{"error": {"code", "message"}}`, and beside it, for a
/// `double_spend`, the `spent` halves it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShopError {
    pub code: String,
    pub message: String,
    /// Read only for `double_spend`, and only if well formed
    /// ([`messages::read_spent`]).
    pub spent: Option<Vec<u32>>,
}

/// The till's code for a payment holding halves already spent.
pub const DOUBLE_SPEND: &str = "double_spend";

impl ShopError {
    /// Reads an error body; `None` unless it has the protocol's shape, so
    /// that an error page from something in front of the shop is not taken
    /// for the till's word.
    pub fn read<F: Fields>(body: Option<&F>) -> Option<Self> {
        let error = body?.child("error")?;
        let code = error.text("code", 64)?;
        if messages::clean_code(Some(code.clone()), "") != code {
            return None;
        }
        let message =
            messages::clean_sentence(error.text("message", MAX_PLAIN), "The shop gave no reason.");
        let spent = body
            .filter(|_| code == DOUBLE_SPEND)
            .and_then(messages::read_spent);
        Some(Self {
            code,
            message,
            spent,
        })
    }
}

/// The shop's offer for one item (`POST /offers`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    /// `hpr1.…`, passed to the wallet as it is.
    pub request: String,
    pub item: String,
    pub price_minor: u64,
    pub currency: String,
    /// As the shop wrote it; the browser parses and checks it.
    pub wallet_url: String,
}

impl Offer {
    pub fn read<F: Fields>(body: &F) -> Option<Self> {
        Some(Self {
            request: PAYMENT_REQUEST.read(body, "request")?,
            item: body
                .text("item", MAX_ITEM)
                .filter(|i| messages::valid_item(i))?,
            price_minor: body.number("price_minor").and_then(whole_number)?,
            currency: price::parse_currency(&body.text("currency", 3)?).ok()?,
            wallet_url: body.text("wallet_url", 2048).filter(|u| !u.is_empty())?,
        })
    }

    /// The button sells what its attributes say, at that price, or not at all.
    pub fn check(&self, want: &Attributes) -> Result<(), PayError> {
        if self.item != want.item {
            return Err(PayError::ItemMismatch);
        }
        if self.price_minor != want.price_minor || self.currency != want.currency {
            return Err(PayError::PriceMismatch {
                shown: want.price_text(),
                asked: price::format(self.price_minor, &self.currency),
            });
        }
        Ok(())
    }
}

/// What opens the goods: the till's answer to a good payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paid {
    /// `hpc1.…`
    pub receipt: String,
    pub access: String,
    pub item: String,
}

impl Paid {
    pub fn read<F: Fields>(body: &F) -> Option<Self> {
        Some(Self {
            receipt: RECEIPT.read(body, "receipt")?,
            access: body
                .text("access", MAX_ACCESS)
                .filter(|a| messages::valid_access(a))?,
            item: body
                .text("item", MAX_ITEM)
                .filter(|i| messages::valid_item(i))?,
        })
    }
}

/// The offer, or why there is none.
pub fn offer_outcome<F: Fields>(reply: Reply<F>) -> Result<Offer, PayError> {
    match reply {
        Reply::Success(body) => body
            .as_ref()
            .and_then(Offer::read)
            .ok_or(PayError::ShopUnreadable),
        Reply::Failure { body, .. } => Err(ShopError::read(body.as_ref()).map_or(
            PayError::ShopUnreachable,
            |e| PayError::Shop {
                code: e.code,
                message: e.message,
            },
        )),
        Reply::NoAnswer => Err(PayError::ShopUnreachable),
    }
}

/// The answer to the wallet's `purse-request`: `purse`, or `error`.
pub fn purse_outcome<F: Fields>(reply: Reply<F>) -> ToWallet {
    let error = |e: PayError| ToWallet::Error {
        code: e.code().to_owned(),
        message: e.to_string(),
    };
    match reply {
        Reply::Success(body) => match body.as_ref().and_then(|b| PURSE.read(b, "purse")) {
            Some(purse) => ToWallet::Purse { purse },
            None => error(PayError::ShopUnreadable),
        },
        Reply::Failure { body, .. } => match ShopError::read(body.as_ref()) {
            Some(e) => ToWallet::Error {
                code: e.code,
                message: e.message,
            },
            None => error(PayError::ShopUnreachable),
        },
        Reply::NoAnswer => error(PayError::ShopUnreachable),
    }
}

/// What a forwarded payment came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentOutcome {
    /// `receipt`, `refused` or `unknown`.
    pub to_wallet: ToWallet,
    /// For the page: `paid`, or `failed` with this error.
    pub result: Result<Paid, PayError>,
}

const UNKNOWN_FOR_WALLET: &str =
    "The shop did not answer; it is not known whether the payment went through.";

fn unknown() -> PaymentOutcome {
    PaymentOutcome {
        to_wallet: ToWallet::Unknown {
            message: UNKNOWN_FOR_WALLET.to_owned(),
        },
        result: Err(PayError::Unknown),
    }
}

/// The till's answer to `POST /payments`, for the wallet and the page.
///
/// Only a readable receipt is a `receipt`, and only a 4xx carrying the
/// shop's own error is a `refused` (the wallet releases the halves on it).
/// Everything else — no answer, a 5xx, a 2xx without a receipt, a 4xx from
/// something in front of the shop — is `unknown`: the halves stay pending.
pub fn payment_outcome<F: Fields>(reply: Reply<F>, item: &str) -> PaymentOutcome {
    match reply {
        Reply::Success(Some(body)) => match RECEIPT.read(&body, "receipt") {
            Some(receipt) => PaymentOutcome {
                to_wallet: ToWallet::Receipt { receipt },
                result: Paid::read(&body)
                    .filter(|p| p.item == item)
                    .ok_or(PayError::ReceiptUnusable),
            },
            None => unknown(),
        },
        Reply::Failure { status, body } if (400..500).contains(&status) => {
            match ShopError::read(body.as_ref()) {
                Some(e) => PaymentOutcome {
                    to_wallet: ToWallet::Refused {
                        code: e.code.clone(),
                        message: e.message.clone(),
                        spent: e.spent,
                    },
                    result: Err(PayError::Refused {
                        code: e.code,
                        message: e.message,
                    }),
                },
                None => unknown(),
            }
        }
        Reply::Success(None) | Reply::Failure { .. } | Reply::NoAnswer => unknown(),
    }
}

/// What a status question came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusOutcome {
    /// `receipt`, `not-taken` or `unknown`.
    pub to_wallet: ToWallet,
    /// Set when the till took it for this button's item: fire `paid`.
    pub paid: Option<Paid>,
}

/// The till's answer to `GET /payments/{payment}`. Only a 404 with the code
/// `payment_unknown` means the till never took it; anything unclear is
/// `unknown` (a 409 `payment_in_progress` too: the till is still judging
/// it), so the wallet never releases halves the till may hold.
pub fn status_outcome<F: Fields>(reply: Reply<F>, payment: &str, item: &str) -> StatusOutcome {
    let unknown = || StatusOutcome {
        to_wallet: ToWallet::Unknown {
            message: UNKNOWN_FOR_WALLET.to_owned(),
        },
        paid: None,
    };
    match reply {
        Reply::Success(Some(body)) => match RECEIPT.read(&body, "receipt") {
            Some(receipt) => StatusOutcome {
                to_wallet: ToWallet::Receipt { receipt },
                paid: Paid::read(&body).filter(|p| p.item == item),
            },
            None => unknown(),
        },
        Reply::Failure { status: 404, body }
            if ShopError::read(body.as_ref()).is_some_and(|e| e.code == "payment_unknown") =>
        {
            StatusOutcome {
                to_wallet: ToWallet::NotTaken {
                    payment: payment.to_owned(),
                },
                paid: None,
            }
        }
        Reply::Success(None) | Reply::Failure { .. } | Reply::NoAnswer => unknown(),
    }
}

#[cfg(target_arch = "wasm32")]
pub use http::ShopApi;

#[cfg(target_arch = "wasm32")]
mod http {
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{
        AbortSignal, Headers, Request, RequestCache, RequestCredentials, RequestInit,
        RequestRedirect, Response,
    };

    use super::{Offer, PaymentOutcome, Reply, StatusOutcome};
    use crate::error::PayError;
    use crate::js::{Js, object};
    use crate::messages::{self, ToWallet};

    /// Offers and status questions are small; purses and payments may mean
    /// minting or checking thousands of tokens.
    const SHORT_MS: u32 = 30_000;
    const LONG_MS: u32 = 120_000;

    /// The shop server's API at one base URL on the page's own origin.
    #[derive(Debug, Clone)]
    pub struct ShopApi {
        base: String,
    }

    impl ShopApi {
        /// The API named by the `shop` attribute, resolved against the page;
        /// refused unless it is on the page's origin.
        pub fn for_page(shop: &str, page_href: &str, page_origin: &str) -> Result<Self, PayError> {
            let url =
                web_sys::Url::new_with_base(shop, page_href).map_err(|_| PayError::BadShop)?;
            if !messages::shop_on_page_origin(&url.protocol(), &url.origin(), page_origin) {
                return Err(PayError::BadShop);
            }
            let path = url.pathname();
            Ok(Self {
                base: format!("{}{}", url.origin(), path.trim_end_matches('/')),
            })
        }

        pub async fn offer(&self, item: &str) -> Result<Offer, PayError> {
            super::offer_outcome(self.call("/offers", Some(("item", item)), SHORT_MS).await)
        }

        pub async fn purse(&self, request: &str) -> ToWallet {
            super::purse_outcome(
                self.call("/purses", Some(("request", request)), LONG_MS)
                    .await,
            )
        }

        pub async fn payment(&self, payment: &str, item: &str) -> PaymentOutcome {
            let reply = self
                .call("/payments", Some(("payment", payment)), LONG_MS)
                .await;
            super::payment_outcome(reply, item)
        }

        /// `payment` has been checked by `messages::valid_nonce`: URL-safe.
        pub async fn status(&self, payment: &str, item: &str) -> StatusOutcome {
            let reply = self
                .call(&format!("/payments/{payment}"), None, SHORT_MS)
                .await;
            super::status_outcome(reply, payment, item)
        }

        /// POSTs `{name: value}` as JSON, or GETs when there is no body.
        async fn call(&self, path: &str, body: Option<(&str, &str)>, ms: u32) -> Reply<Js> {
            let Some(request) = self.request(path, body, ms) else {
                return Reply::NoAnswer;
            };
            let Some(window) = web_sys::window() else {
                return Reply::NoAnswer;
            };
            let Ok(answer) = JsFuture::from(window.fetch_with_request(&request)).await else {
                return Reply::NoAnswer;
            };
            let Ok(answer) = answer.dyn_into::<Response>() else {
                return Reply::NoAnswer;
            };
            let status = answer.status();
            let json = match answer.json() {
                Ok(promise) => JsFuture::from(promise).await.ok().map(Js),
                Err(_) => None,
            };
            if (200..300).contains(&status) {
                Reply::Success(json)
            } else {
                Reply::Failure { status, body: json }
            }
        }

        fn request(&self, path: &str, body: Option<(&str, &str)>, ms: u32) -> Option<Request> {
            let init = RequestInit::new();
            // Same origin only, and never followed elsewhere by a redirect.
            init.set_credentials(RequestCredentials::SameOrigin);
            init.set_redirect(RequestRedirect::Error);
            init.set_cache(RequestCache::NoStore);
            init.set_signal(Some(&AbortSignal::timeout_with_u32(ms)));
            match body {
                Some((name, value)) => {
                    init.set_method("POST");
                    let json =
                        js_sys::JSON::stringify(&object(&[(name, JsValue::from_str(value))]))
                            .ok()?;
                    init.set_body(&json.into());
                    let headers = Headers::new().ok()?;
                    headers.set("content-type", "application/json").ok()?;
                    init.set_headers(&headers);
                }
                None => init.set_method("GET"),
            }
            Request::new_with_str_and_init(&format!("{}{path}", self.base), &init).ok()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::messages::testing::Obj;
    use crate::messages::{Kind, Message};

    const NONCE: &str = "n_0123456789abcdef0123456789abcdef";

    fn want() -> Attributes {
        Attributes {
            item: "article-42".into(),
            price_minor: 2,
            currency: "USD".into(),
        }
    }

    fn offer_body() -> Obj {
        Obj::new()
            .s("request", "hpr1.AAAA")
            .s("item", "article-42")
            .s("title", "The forty-second article")
            .n("price_minor", 2.0)
            .s("currency", "USD")
            .s("price_text", "USD 0.02")
            .null("requires")
            .s("seller", "key_ab")
            .s("bank", "bank.example")
            .s("wallet_url", "https://bank.example/wallet/")
    }

    fn error(status: u16, code: &str, message: &str) -> Reply<Obj> {
        Reply::Failure {
            status,
            body: Some(Obj::new().o("error", Obj::new().s("code", code).s("message", message))),
        }
    }

    fn paid_body(item: &str) -> Obj {
        Obj::new()
            .s("receipt", "hpc1.BBBB")
            .s("access", "acc-123")
            .s("item", item)
    }

    #[test]
    fn reads_and_checks_an_offer() {
        let offer = offer_outcome(Reply::Success(Some(offer_body())));
        let Ok(offer) = offer else {
            unreachable!("a good offer: {offer:?}")
        };
        assert_eq!(offer.request, "hpr1.AAAA");
        assert_eq!(offer.wallet_url, "https://bank.example/wallet/");
        assert_eq!(offer.check(&want()), Ok(()));

        let dearer = Attributes {
            price_minor: 3,
            ..want()
        };
        assert_eq!(
            offer.check(&dearer),
            Err(PayError::PriceMismatch {
                shown: "USD 0.03".into(),
                asked: "USD 0.02".into()
            })
        );
        let euros = Attributes {
            currency: "EUR".into(),
            ..want()
        };
        assert!(matches!(
            offer.check(&euros),
            Err(PayError::PriceMismatch { .. })
        ));
        let other = Attributes {
            item: "article-7".into(),
            ..want()
        };
        assert_eq!(offer.check(&other), Err(PayError::ItemMismatch));
    }

    #[test]
    fn refuses_unreadable_offers() {
        let bad = [
            offer_body().s("request", "hpp1.AAAA"),
            offer_body().n("price_minor", 2.5),
            offer_body().n("price_minor", -2.0),
            offer_body().s("price_minor", "2"),
            offer_body().s("currency", "usd"),
            offer_body().s("wallet_url", ""),
            offer_body().s("item", ""),
        ];
        for body in bad {
            // The first of a repeated key wins in `Obj`; put the bad one first.
            let mut fields = body.0.clone();
            if let Some(last) = fields.pop() {
                fields.insert(0, last);
            }
            let reply = Reply::Success(Some(Obj(fields)));
            assert_eq!(offer_outcome(reply).err(), Some(PayError::ShopUnreadable));
        }
        assert_eq!(
            offer_outcome(Reply::<Obj>::Success(None)).err(),
            Some(PayError::ShopUnreadable)
        );
    }

    #[test]
    fn offer_errors_carry_the_shops_words() {
        assert_eq!(
            offer_outcome(error(404, "item_unknown", "There is no such article.")).err(),
            Some(PayError::Shop {
                code: "item_unknown".into(),
                message: "There is no such article.".into()
            })
        );
        let html_page = Reply::<Obj>::Failure {
            status: 502,
            body: None,
        };
        assert_eq!(
            offer_outcome(html_page).err(),
            Some(PayError::ShopUnreachable)
        );
        assert_eq!(
            offer_outcome(Reply::<Obj>::NoAnswer).err(),
            Some(PayError::ShopUnreachable)
        );
        // An error object of the wrong shape is not the shop's word.
        let odd = Reply::Failure {
            status: 400,
            body: Some(Obj::new().o("error", Obj::new().s("code", "Not A Code"))),
        };
        assert_eq!(offer_outcome(odd).err(), Some(PayError::ShopUnreachable));
    }

    #[test]
    fn purse_answers() {
        assert_eq!(
            purse_outcome(Reply::Success(Some(Obj::new().s("purse", "hps1.CCCC")))),
            ToWallet::Purse {
                purse: "hps1.CCCC".into()
            }
        );
        assert!(matches!(
            purse_outcome(Reply::Success(Some(Obj::new().s("purse", "hpq1.CCCC")))),
            ToWallet::Error { code, .. } if code == "shop_unreadable"
        ));
        assert_eq!(
            purse_outcome(error(402, "insufficient_funds", "Her account is short.")),
            ToWallet::Error {
                code: "insufficient_funds".into(),
                message: "Her account is short.".into()
            }
        );
        assert!(matches!(
            purse_outcome(Reply::<Obj>::NoAnswer),
            ToWallet::Error { code, .. } if code == "shop_unreachable"
        ));
    }

    #[test]
    fn a_good_payment_is_a_receipt_and_paid() {
        let out = payment_outcome(Reply::Success(Some(paid_body("article-42"))), "article-42");
        assert_eq!(
            out.to_wallet,
            ToWallet::Receipt {
                receipt: "hpc1.BBBB".into()
            }
        );
        assert_eq!(
            out.result,
            Ok(Paid {
                receipt: "hpc1.BBBB".into(),
                access: "acc-123".into(),
                item: "article-42".into()
            })
        );
    }

    #[test]
    fn a_receipt_always_reaches_the_wallet() {
        // For another item, or with an unusable access: the till took it, so
        // the wallet settles, and the page hears it cannot open the item.
        let out = payment_outcome(Reply::Success(Some(paid_body("article-7"))), "article-42");
        assert_eq!(out.to_wallet.kind(), Kind::Receipt);
        assert_eq!(out.result, Err(PayError::ReceiptUnusable));
        let no_access = Obj::new().s("receipt", "hpc1.BBBB").s("item", "article-42");
        let out = payment_outcome(Reply::Success(Some(no_access)), "article-42");
        assert_eq!(out.to_wallet.kind(), Kind::Receipt);
        assert_eq!(out.result, Err(PayError::ReceiptUnusable));
    }

    #[test]
    fn a_refusal_releases_only_when_the_till_said_so() {
        let out = payment_outcome(
            error(409, "double_spend", "These coins were spent already."),
            "article-42",
        );
        assert_eq!(
            out.to_wallet,
            ToWallet::Refused {
                code: "double_spend".into(),
                message: "These coins were spent already.".into(),
                spent: None,
            }
        );
        assert_eq!(
            out.result.err().map(|e| e.code().to_owned()),
            Some("double_spend".into())
        );

        let unknowns = [
            Reply::NoAnswer,
            Reply::Success(None),
            Reply::Success(Some(Obj::new().s("receipt", "nonsense"))),
            error(500, "internal", "Something broke."),
            error(503, "busy", "Try later."),
            Reply::Failure {
                status: 413,
                body: None,
            },
            Reply::Failure {
                status: 302,
                body: None,
            },
        ];
        for reply in unknowns {
            let out = payment_outcome(reply, "article-42");
            assert_eq!(out.to_wallet.kind(), Kind::Unknown);
            assert_eq!(out.result, Err(PayError::Unknown));
        }
    }

    #[test]
    fn a_double_spend_passes_on_the_spent_halves_it_names() {
        use crate::messages::testing::V;
        let spent = |code: &str, list: Vec<V>| Reply::Failure {
            status: 409,
            body: Some(
                Obj::new()
                    .o(
                        "error",
                        Obj::new()
                            .s("code", code)
                            .s("message", "Halves #3 and #7 were already spent."),
                    )
                    .a("spent", list),
            ),
        };
        let out = payment_outcome(
            spent("double_spend", vec![V::N(3.0), V::N(7.0)]),
            "article-42",
        );
        assert_eq!(
            out.to_wallet,
            ToWallet::Refused {
                code: "double_spend".into(),
                message: "Halves #3 and #7 were already spent.".into(),
                spent: Some(vec![3, 7]),
            }
        );
        assert_eq!(
            out.result,
            Err(PayError::Refused {
                code: "double_spend".into(),
                message: "Halves #3 and #7 were already spent.".into(),
            })
        );
        // A list that is not session numbers in order is dropped; the
        // refusal itself stands.
        for bad in [
            vec![V::N(7.0), V::N(3.0)],
            vec![V::S("3".into())],
            vec![V::N(-3.0)],
            vec![],
        ] {
            let out = payment_outcome(spent("double_spend", bad), "article-42");
            assert_eq!(
                out.to_wallet,
                ToWallet::Refused {
                    code: "double_spend".into(),
                    message: "Halves #3 and #7 were already spent.".into(),
                    spent: None,
                }
            );
        }
        // Only a double spend names spent halves.
        let out = payment_outcome(
            spent("not_enough", vec![V::N(3.0), V::N(7.0)]),
            "article-42",
        );
        assert!(matches!(
            out.to_wallet,
            ToWallet::Refused { code, spent: None, .. } if code == "not_enough"
        ));
    }

    #[test]
    fn status_answers() {
        let taken = status_outcome(
            Reply::Success(Some(paid_body("article-42"))),
            NONCE,
            "article-42",
        );
        assert_eq!(taken.to_wallet.kind(), Kind::Receipt);
        assert!(taken.paid.is_some());

        let elsewhere = status_outcome(
            Reply::Success(Some(paid_body("article-7"))),
            NONCE,
            "article-42",
        );
        assert_eq!(elsewhere.to_wallet.kind(), Kind::Receipt);
        assert_eq!(elsewhere.paid, None);

        let never = status_outcome(
            error(404, "payment_unknown", "The till never took it."),
            NONCE,
            "article-42",
        );
        assert_eq!(
            never.to_wallet,
            ToWallet::NotTaken {
                payment: NONCE.into()
            }
        );

        for reply in [
            error(404, "not_found", "No such route."),
            Reply::Failure {
                status: 404,
                body: None,
            },
            error(400, "payment_unknown", "Odd."),
            // Still being judged: ask again later, never release.
            error(409, "payment_in_progress", "Ask again in a moment."),
            error(500, "internal", "Broken."),
            Reply::NoAnswer,
            Reply::Success(None),
        ] {
            let out = status_outcome(reply, NONCE, "article-42");
            assert_eq!(out.to_wallet.kind(), Kind::Unknown);
            assert_eq!(out.paid, None);
        }
    }
}
