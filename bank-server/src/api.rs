//! The HTTP API: routes, body parsing with size limits, operator auth.

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use halfpenny::bank::Role;
use halfpenny::crypto::PublicIdentity;
use halfpenny::ledger::{LedgerAccount, Posting, PostingKind};
use halfpenny::{Amount, Currency};
use halfpenny_server_kit::api_error::BadInput;
use halfpenny_server_kit::body::{Body, JsonBodies};

use crate::error::{ApiError, Statuses};
use crate::service::{App, JsonText};
use crate::views::*;

/// The largest request body (a redemption of 10,000 tokens fits).
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

type Shared = State<Arc<App>>;

impl JsonBodies for App {
    type Statuses = Statuses;
    const MAX_BODY_BYTES: usize = MAX_BODY_BYTES;
}

pub fn router(app: Arc<App>) -> Router {
    let routes = Router::new();
    #[cfg(feature = "test-clock")]
    let routes = routes.route("/v1/test/clock", axum::routing::put(test_clock));
    routes
        .route("/v1/health", get(health))
        .route("/v1/bank", get(bank_info))
        .route("/v1/accounts", post(register))
        .route("/v1/purses", post(mint))
        .route("/v1/purses/recover", post(recover_purse))
        .route("/v1/redemptions", post(redeem))
        .route("/v1/refunds", post(refund))
        .route("/v1/returns", post(take_return))
        .route("/v1/statements", post(statement))
        .route("/v1/inbox", post(inbox))
        .route("/v1/cases", post(case))
        .route("/v1/accounts/address", post(change_address))
        .route("/v1/operator/fund", post(fund))
        .route("/v1/operator/attributes", post(attribute))
        .route("/v1/operator/sweep", post(sweep))
        .route("/v1/operator/prune", post(prune))
        .route("/v1/operator/totals", get(totals))
        .route("/metrics", get(metrics))
        .route("/v1/openapi.json", get(|| async { Json(openapi()) }))
        .fallback(|| async {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                "There is no such endpoint.",
            )
        })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(app)
}

/// Is the bank up?
#[utoipa::path(get, path = "/v1/health", tag = "bank", responses((status = 200, body = HealthView)))]
async fn health() -> Json<HealthView> {
    Json(HealthView {
        status: "ok".into(),
    })
}

/// The bank's name and public keys (letters, sealing, tokens).
#[utoipa::path(get, path = "/v1/bank", tag = "bank", responses((status = 200, body = BankInfo)))]
async fn bank_info(State(app): Shared) -> Json<BankInfo> {
    Json(BankInfo::from(&app.bank.public()))
}

/// Registers a buyer or a seller by their public keys.
#[utoipa::path(post, path = "/v1/accounts", tag = "accounts", request_body = RegisterBody, responses((status = 201, body = RegisterReply, description = "Created"), (status = 200, body = RegisterReply, description = "Already registered"), (status = 400, body = ErrorView), (status = 409, body = ErrorView)))]
async fn register(
    State(app): Shared,
    Body(b): Body<RegisterBody>,
) -> Result<(StatusCode, Json<RegisterReply>), ApiError> {
    let role = match b.role.as_str() {
        "buyer" => Role::Buyer,
        "seller" => Role::Seller,
        _ => {
            return Err(BadInput::new("bad_role", "The role is `buyer` or `seller`.").into());
        }
    };
    if role == Role::Buyer && b.address.is_some() {
        return Err(BadInput::new("bad_address", "Only sellers register an address.").into());
    }
    let identity = PublicIdentity {
        signing: key_from_text("signing key", &b.signing_key)?,
        sealing: key_from_text("sealing key", &b.sealing_key)?,
    };
    let (id, created) = app.register(role, identity, b.address).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(RegisterReply {
            account: id.to_hex(),
        }),
    ))
}

/// Mints a purse from a buyer's sealed request, forwarded by the seller. The same request twice gets the first answer.
#[utoipa::path(post, path = "/v1/purses", tag = "purses", request_body = PurseBody, responses((status = 200, body = PurseReply), (status = 400, body = ErrorView), (status = 401, body = ErrorView), (status = 402, body = ErrorView, description = "Balance too low"), (status = 403, body = ErrorView), (status = 404, body = ErrorView)))]
async fn mint(State(app): Shared, Body(b): Body<PurseBody>) -> Result<JsonText, ApiError> {
    counted(&app, app.mint(&b.request).await)
}

/// A buyer's signed `PurseRecovery` for her purse of a purse request the bank already answered (its nonce): her sealed purse only, never the seller's. Anyone else, a letter that does not prove she asks (forged, unsigned, stale), and a request never minted or past retention get the same 404 `purse_unknown`.
#[utoipa::path(post, path = "/v1/purses/recover", tag = "purses", request_body = LetterBody, responses((status = 200, body = PurseRecoveryReply), (status = 400, body = ErrorView, description = "Not a sealed letter for this bank"), (status = 404, body = ErrorView, description = "`purse_unknown`, whatever the reason")))]
async fn recover_purse(
    State(app): Shared,
    Body(b): Body<LetterBody>,
) -> Result<Json<PurseRecoveryReply>, ApiError> {
    counted(&app, app.recover_purse(&b.letter).await).map(Json)
}

/// Credits a seller's tokens, each once; says per token what was credited or refused and why.
#[utoipa::path(post, path = "/v1/redemptions", tag = "purses", request_body = LetterBody, responses((status = 200, body = RedemptionReply), (status = 400, body = ErrorView), (status = 401, body = ErrorView), (status = 403, body = ErrorView)))]
async fn redeem(State(app): Shared, Body(b): Body<LetterBody>) -> Result<JsonText, ApiError> {
    counted(&app, app.redeem(&b.letter).await)
}

/// Opens a refund case for a buyer's unspent halves and asks the seller to hand in his purse.
#[utoipa::path(post, path = "/v1/refunds", tag = "refunds", request_body = LetterBody, responses((status = 200, body = RefundReply), (status = 400, body = ErrorView), (status = 403, body = ErrorView), (status = 404, body = ErrorView), (status = 409, body = ErrorView)))]
async fn refund(State(app): Shared, Body(b): Body<LetterBody>) -> Result<JsonText, ApiError> {
    counted(&app, app.refund(&b.letter).await)
}

/// The seller's answer to a return request: his tokens are credited first, then her halves refunded.
#[utoipa::path(post, path = "/v1/returns", tag = "refunds", request_body = LetterBody, responses((status = 200, body = RefundResultView), (status = 400, body = ErrorView), (status = 409, body = ErrorView)))]
async fn take_return(State(app): Shared, Body(b): Body<LetterBody>) -> Result<JsonText, ApiError> {
    counted(&app, app.take_return(&b.letter).await)
}

/// An account holder's signed request for entries and balance.
#[utoipa::path(post, path = "/v1/statements", tag = "accounts", request_body = LetterBody, responses((status = 200, body = StatementReply), (status = 400, body = ErrorView), (status = 401, body = ErrorView)))]
async fn statement(
    State(app): Shared,
    Body(b): Body<LetterBody>,
) -> Result<Json<StatementReply>, ApiError> {
    counted(&app, app.statement(&b.letter).await).map(Json)
}

fn counted<T>(app: &App, r: Result<T, ApiError>) -> Result<T, ApiError> {
    if r.is_err() {
        crate::metrics::Metrics::add(&app.metrics.requests_refused, 1);
    }
    r
}

/// Letters waiting for the sender of a signed `InboxRequest` (sealed for
/// it): return requests and refund results, oldest first, after `after`.
#[utoipa::path(post, path = "/v1/inbox", tag = "refunds", request_body = LetterBody, responses((status = 200, body = InboxReply), (status = 400, body = ErrorView), (status = 401, body = ErrorView), (status = 404, body = ErrorView)))]
async fn inbox(
    State(app): Shared,
    Body(b): Body<LetterBody>,
) -> Result<Json<InboxReply>, ApiError> {
    counted(&app, app.inbox(&b.letter).await).map(Json)
}

/// Where a refund case stands, for a signed `CaseRequest` from its buyer or
/// seller; anyone else gets `unknown_case`, as for a case that does not exist.
#[utoipa::path(post, path = "/v1/cases", tag = "refunds", request_body = LetterBody, responses((status = 200, body = CaseView), (status = 400, body = ErrorView), (status = 401, body = ErrorView), (status = 404, body = ErrorView)))]
async fn case(State(app): Shared, Body(b): Body<LetterBody>) -> Result<Json<CaseView>, ApiError> {
    counted(&app, app.case(&b.letter).await).map(Json)
}

/// A seller's signed `AddressChange`: sets the address notices are posted to, or removes it.
#[utoipa::path(post, path = "/v1/accounts/address", tag = "accounts", request_body = LetterBody, responses((status = 200, body = AddressReply), (status = 400, body = ErrorView), (status = 401, body = ErrorView), (status = 403, body = ErrorView), (status = 404, body = ErrorView), (status = 409, body = ErrorView)))]
async fn change_address(
    State(app): Shared,
    Body(b): Body<LetterBody>,
) -> Result<JsonText, ApiError> {
    counted(&app, app.change_address(&b.letter).await)
}

/// Checks the operator's bearer token in constant time.
fn operator(app: &App, headers: &HeaderMap) -> Result<(), ApiError> {
    let expected = app.operator_token.as_ref().map(|t| t.as_str());
    Ok(halfpenny_server_kit::operator::check(expected, headers)?)
}

/// Credits or debits an account from outside, once per idempotency key: the same request again gets the first answer; the key with another account, amount, currency or direction is refused (409 `idempotency_key_reused`).
#[utoipa::path(post, path = "/v1/operator/fund", tag = "operator", request_body = FundBody, responses((status = 200, body = FundReply), (status = 400, body = ErrorView), (status = 401, body = ErrorView), (status = 402, body = ErrorView), (status = 409, body = ErrorView, description = "The idempotency key was used for a different request")), security(("operator" = [])))]
async fn fund(
    State(app): Shared,
    headers: HeaderMap,
    Body(b): Body<FundBody>,
) -> Result<Json<FundReply>, ApiError> {
    operator(&app, &headers)?;
    let who = account_from_text(&b.account)?;
    let currency = Currency::new(&b.currency)
        .map_err(|e| BadInput::new(e.code(), "A currency is three capital letters, like USD."))?;
    if b.amount_minor == 0 || b.amount_minor > i64::MAX as u64 {
        return Err(BadInput::new(
            "bad_amount",
            "The amount must be above zero and below 2^63 minor units.",
        )
        .into());
    }
    if b.idempotency_key.is_empty() || b.idempotency_key.len() > 128 {
        return Err(BadInput::new(
            "bad_idempotency_key",
            "The idempotency key is 1 to 128 characters.",
        )
        .into());
    }
    if app.store.account(&who).await?.is_none() {
        return Err(halfpenny::bank::BankError::UnknownAccount.into());
    }
    let amount = Amount::new(b.amount_minor, currency);
    let customer = LedgerAccount::Customer(who);
    let posting = match b.direction.as_deref().unwrap_or("credit") {
        "credit" => Posting {
            kind: PostingKind::Funding,
            debit: LedgerAccount::Settlement,
            credit: customer,
            amount,
        },
        "debit" => Posting {
            kind: PostingKind::Withdrawal,
            debit: customer,
            credit: LedgerAccount::Settlement,
            amount,
        },
        _ => {
            return Err(
                BadInput::new("bad_direction", "The direction is `credit` or `debit`.").into(),
            );
        }
    };
    let mut key = b"operator:".to_vec();
    key.extend_from_slice(b.idempotency_key.as_bytes());
    // A retry of the same request gets the first answer.
    let balance = match app
        .store
        .operator_posting(&key, &posting, app.now())
        .await?
    {
        Ok(balance) | Err(balance) => balance,
    };
    Ok(Json(FundReply {
        account: who.to_hex(),
        currency: currency.code().to_owned(),
        balance_minor: balance,
    }))
}

/// Records an attribute the operator verified (a date of birth, a clearance).
#[utoipa::path(post, path = "/v1/operator/attributes", tag = "operator", request_body = AttributeBody, responses((status = 204, description = "Recorded"), (status = 400, body = ErrorView), (status = 401, body = ErrorView), (status = 404, body = ErrorView)), security(("operator" = [])))]
async fn attribute(
    State(app): Shared,
    headers: HeaderMap,
    Body(b): Body<AttributeBody>,
) -> Result<StatusCode, ApiError> {
    operator(&app, &headers)?;
    let who = account_from_text(&b.account)?;
    let attr = attribute_from(b.date_of_birth, b.flag)?;
    if app.store.add_attribute(&who, &attr).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(halfpenny::bank::BankError::UnknownAccount.into())
    }
}

/// Settles every refund case whose seller did not answer in time (also done every few seconds).
#[utoipa::path(post, path = "/v1/operator/sweep", tag = "operator", responses((status = 200, body = SweepView), (status = 401, body = ErrorView)), security(("operator" = [])))]
async fn sweep(State(app): Shared, headers: HeaderMap) -> Result<Json<SweepView>, ApiError> {
    operator(&app, &headers)?;
    Ok(Json(SweepView {
        settled: app.sweep().await?,
    }))
}

/// Deletes the first answers and inbox letters past their retention (also done every hour). By default: first answers to letters after 7 days (to purse requests, and refund results, after 180), a settled case's return request after the return window and 7 days. Operator idempotency keys, purses, tokens, cases and the books are never deleted.
#[utoipa::path(post, path = "/v1/operator/prune", tag = "operator", responses((status = 200, body = crate::store::Pruned), (status = 401, body = ErrorView)), security(("operator" = [])))]
async fn prune(
    State(app): Shared,
    headers: HeaderMap,
) -> Result<Json<crate::store::Pruned>, ApiError> {
    operator(&app, &headers)?;
    Ok(Json(app.prune().await?))
}

/// The whole books, to check they balance.
#[utoipa::path(get, path = "/v1/operator/totals", tag = "operator", responses((status = 200, body = crate::store::Totals), (status = 401, body = ErrorView)), security(("operator" = [])))]
async fn totals(
    State(app): Shared,
    headers: HeaderMap,
) -> Result<Json<crate::store::Totals>, ApiError> {
    operator(&app, &headers)?;
    Ok(Json(app.store.totals().await?))
}

/// Moves the bank's clock `ahead_secs` ahead of the system's (0 puts it
/// back); only in a bank built with the `test-clock` feature.
#[cfg(feature = "test-clock")]
async fn test_clock(
    State(app): Shared,
    headers: HeaderMap,
    Body(body): Body<TestClockBody>,
) -> Result<Json<TestClockView>, ApiError> {
    operator(&app, &headers)?;
    // A year at most: enough for every window, and no overflow.
    if body.ahead_secs > 366 * 24 * 3600 {
        return Err(BadInput::new("bad_clock", "The clock moves at most a year ahead.").into());
    }
    app.clock.set_ahead(body.ahead_secs);
    tracing::warn!(ahead_secs = body.ahead_secs, "test clock moved");
    Ok(Json(TestClockView { now: app.now().0 }))
}

async fn metrics(State(app): Shared) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        app.metrics.render(),
    )
}

struct OperatorAuth;

impl utoipa::Modify for OperatorAuth {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "operator",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

#[derive(utoipa::OpenApi)]
#[openapi(
    info(title = "Halfpenny bank", description = "Split-token purses: minting, redemption, refunds, books. Protocol messages travel as text (`hpq1.`, `hps1.`, `hpm1.`) inside JSON."),
    paths(health, bank_info, register, change_address, mint, recover_purse, redeem, refund, take_return, statement, inbox, case, fund, attribute, sweep, prune, totals),
    modifiers(&OperatorAuth)
)]
struct ApiDoc;

/// The OpenAPI document of this API, generated from the code.
pub fn openapi() -> utoipa::openapi::OpenApi {
    <ApiDoc as utoipa::OpenApi>::openapi()
}

#[cfg(test)]
mod tests {
    /// The checked-in document is the one the code generates; regenerate with
    /// `cargo run -p bank-server -- openapi > bank-server/openapi.json`.
    #[test]
    fn the_checked_in_openapi_document_is_current() {
        let generated = super::openapi().to_pretty_json().unwrap();
        assert_eq!(
            include_str!("../openapi.json").trim_end(),
            generated.trim_end()
        );
    }
}
