//! The HTTP API: routes, body parsing with size limits, operator auth, and
//! the shop's static pages.

use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, header};
use axum::routing::{any, get, post};
use axum::{Json, Router};
use halfpenny_server_kit::body::{Body, JsonBodies};
use tower_http::services::ServeDir;

use crate::error::{ApiError, ShopAnswers as _, Statuses};
use crate::service::{App, JsonText};
use crate::views::*;

/// The largest request body: a payment of a couple of thousand halves.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

type Shared = State<Arc<App>>;

impl JsonBodies for App {
    type Statuses = Statuses;
    const MAX_BODY_BYTES: usize = MAX_BODY_BYTES;
}

/// Where the shop's pages are, if it serves them.
#[derive(Clone, Debug, Default)]
pub struct Pages {
    /// The shop's site, at `/`.
    pub site: Option<PathBuf>,
    /// The pay button's files, at `/widget/`.
    pub widget: Option<PathBuf>,
}

/// The shop's API (`/shop/v1/…`, `/articles/…`) and its pages.
pub fn router(app: Arc<App>, pages: Pages) -> Router {
    let mut router = Router::new()
        .route(
            "/shop/v1/health",
            get(|| async { Json(serde_json::json!({ "status": "ok" })) }),
        )
        .route("/shop/v1/offers", post(offer))
        .route("/shop/v1/purses", post(purse))
        .route("/shop/v1/payments", post(pay))
        .route("/shop/v1/payments/{payment}", get(payment_status))
        .route("/shop/v1/bank-notices", post(notice))
        .route("/shop/v1/operator/redeem", post(redeem))
        .route("/shop/v1/operator/summary", get(summary))
        .route("/shop/{*rest}", any(|| async { ApiError::not_found() }))
        .route("/articles/{item}", get(article))
        .method_not_allowed_fallback(|| async { ApiError::method_not_allowed() })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(app);
    if let Some(dir) = pages.widget {
        router = router.nest_service("/widget", ServeDir::new(dir));
    }
    match pages.site {
        Some(dir) => router.fallback_service(ServeDir::new(dir)),
        None => router.fallback(|| async { ApiError::not_found() }),
    }
}

/// A payment request for one item, at the shop's price.
async fn offer(State(app): Shared, Body(b): Body<OfferBody>) -> Result<Json<OfferReply>, ApiError> {
    app.offer(&b.item).await.map(Json)
}

/// Forwards the buyer's purse request to the bank; her purse, sealed for her.
async fn purse(State(app): Shared, Body(b): Body<PurseBody>) -> Result<Json<PurseReply>, ApiError> {
    app.forward_purse(&b.request).await.map(Json)
}

/// Takes a payment; the same payment again gets the same answer.
async fn pay(State(app): Shared, Body(b): Body<PaymentBody>) -> Result<JsonText, ApiError> {
    app.pay(&b.payment).await
}

/// Did the till take this payment?
async fn payment_status(
    State(app): Shared,
    Path(payment): Path<String>,
) -> Result<JsonText, ApiError> {
    app.payment_status(&payment).await
}

/// An item's content for the bearer of its access token, or its price.
async fn article(
    State(app): Shared,
    Path(item): Path<String>,
    headers: HeaderMap,
) -> Result<Json<ArticleView>, ApiError> {
    let access = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Halfpenny "));
    app.article(&item, access).await.map(Json)
}

/// A letter the bank posts: a return request or a refund result. It is
/// handled to the end even if the bank stops waiting for the answer.
async fn notice(
    State(app): Shared,
    Body(b): Body<NoticeBody>,
) -> Result<Json<NoticeReply>, ApiError> {
    let task = tokio::spawn(async move { app.notice(&b.kind, &b.letter).await });
    task.await.map_err(|_| ApiError::internal())?.map(Json)
}

/// Checks the operator's bearer token in constant time.
fn operator(app: &App, headers: &HeaderMap) -> Result<(), ApiError> {
    let expected = app.operator_token.as_ref().map(|t| t.as_str());
    Ok(halfpenny_server_kit::operator::check(expected, headers)?)
}

/// Redeems every token not yet handed in, now.
async fn redeem(State(app): Shared, headers: HeaderMap) -> Result<Json<RedeemReply>, ApiError> {
    operator(&app, &headers)?;
    app.redeem().await.map(Json)
}

/// Purses, takings, redemptions, returns and refusals.
async fn summary(State(app): Shared, headers: HeaderMap) -> Result<Json<SummaryView>, ApiError> {
    operator(&app, &headers)?;
    app.summary().await.map(Json)
}
