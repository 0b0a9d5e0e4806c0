//! The `/v1` routes, by role. Each handler checks its input completely before it asks the
//! writer for anything, so that bad input gets a 4xx and writes nothing.
//!
//! | role | authorization |
//! |---|---|
//! | public | none: the log, the params (the manifest and the proving keys), the registry, who filed for which period |
//! | registrar | a request signed with the registrar key |
//! | official | a request signed with the key the registrar registered for them |
//! | supervisor | a request signed with a registered supervisor key |
//! | whistleblower | none: the credential presentation is the authorization |
//!
//! The tip routes (`/v1/enroll`, `/v1/tips`, `/v1/tips/status`) log nothing about a request,
//! and the service never reads a client address: nothing could link a tip to a network
//! identity.
//!
//! One module per role: [`public`], [`log`], [`registrar`], [`official`], [`supervisor`] and
//! [`whistleblower`]; and [`register`], the public register's HTML pages at `/` (outside
//! `/v1` and its OpenAPI document: they are for people, and answer even their errors in
//! HTML). This module holds what they share: the router and its layers, the signed-request
//! extractor, the role checks, and the OpenAPI document.

use std::{sync::Arc, time::Duration};

use axum::{
    body::Bytes,
    error_handling::HandleErrorLayer,
    extract::{DefaultBodyLimit, MatchedPath, State},
    http::{HeaderMap, Method, StatusCode, Uri},
    response::Response,
    routing::{get, post},
    Json, Router,
};
use probity_core::OfficialId;
use probity_ledger::SupervisorId;
use serde::de::DeserializeOwned;
use utoipa::OpenApi;

use crate::{
    auth,
    error::{envelope_middleware, ApiError},
    shared::Shared,
    state::{Principal, Tip},
};

mod log;
mod official;
mod public;
mod register;
mod registrar;
mod supervisor;
mod whistleblower;

use self::{
    log::*, official::*, public::*, register::*, registrar::*, supervisor::*, whistleblower::*,
};

type AppState = Arc<Shared>;
type ApiResult<T> = Result<Json<T>, ApiError>;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Probity",
        description = "Zero-knowledge asset declarations: officials file commitments and proofs, supervisors verify and challenge, whistleblowers tip anonymously, the public audits the log. Signed routes carry the probity-key, probity-timestamp, probity-nonce and probity-signature headers (see the service crate's auth module)."
    ),
    paths(
        healthz,
        metrics,
        openapi_json,
        info,
        params,
        params_file,
        checkpoint,
        tile,
        entries,
        inclusion,
        consistency,
        officials,
        official_record,
        supervisors,
        register_official,
        register_supervisor,
        enrollment_codes,
        set_deadline,
        publish_policy,
        policies,
        file_declaration,
        official_challenges,
        answer_challenge,
        issue_challenge,
        issue_challenges,
        supervisor_challenges,
        supervisor_tips,
        reply_to_tip,
        supervisor_alerts,
        supervisor_risk,
        supervisor_disclosures,
        enroll,
        submit_tip,
        tip_status,
    ),
    components(schemas(crate::error::ErrorEnvelope, crate::error::ErrorBody)),
    modifiers(&CommonResponses)
)]
struct ApiDoc;

/// Declares, on every operation, the failures that come from layers every route shares
/// rather than from its handler, each in the error envelope: 400 for a malformed path,
/// query or body; 401 and 403 on signed routes (a missing or bad signature, a role that may
/// not); 413 for a body over the route's limit; 408 past `request_timeout_secs`; 503 when
/// the service is at `max_concurrency`, its body budget is spent or its writer is full; 500
/// for a storage fault. A handler's own failures (404, 409, 422) are declared on its route.
struct CommonResponses;

/// The tags of the routes that take a signed request.
const SIGNED_TAGS: [&str; 3] = ["registrar", "official", "supervisor"];

impl utoipa::Modify for CommonResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let envelope = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ErrorEnvelope")))
                        .build(),
                )
                .build()
        };
        for item in openapi.paths.paths.values_mut() {
            for operation in [&mut item.get, &mut item.post].into_iter().flatten() {
                let signed = operation
                    .tags
                    .iter()
                    .flatten()
                    .any(|t| SIGNED_TAGS.contains(&t.as_str()));
                let has_body = operation.request_body.is_some();
                let has_params = operation.parameters.as_ref().is_some_and(|p| !p.is_empty());
                let mut add = |status: &str, description: &str| {
                    operation
                        .responses
                        .responses
                        .entry(status.to_owned())
                        .or_insert_with(|| envelope(description).into());
                };
                if has_body || has_params || signed {
                    add("400", "the path, query or body is malformed");
                }
                if signed {
                    add(
                        "401",
                        "the request's signature is missing, stale, replayed or does not verify, or its key is not registered",
                    );
                    add("403", "the signer's role may not do this");
                }
                if has_body {
                    add("413", "the body is larger than this route accepts");
                }
                add(
                    "414",
                    "the path and query are longer than the service reads (64 KiB)",
                );
                add("431", "the headers are larger than the service reads");
                add("408", "the request took longer than the service allows");
                add(
                    "503",
                    "the service is busy (too many requests or request bodies at once, or writes waiting); try again shortly",
                );
                add("500", "a fault of the service's storage");
            }
        }
    }
}

/// The OpenAPI document of the API.
pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

pub(crate) fn router(shared: AppState) -> Router {
    let config = &shared.config;
    let tip_limit = DefaultBodyLimit::max(config.max_tip_bytes);
    let guard = tower::ServiceBuilder::new()
        .layer(HandleErrorLayer::new(|_: tower::BoxError| async {
            StatusCode::SERVICE_UNAVAILABLE
        }))
        .load_shed()
        .concurrency_limit(config.max_concurrency);
    #[allow(deprecated)] // `with_status_code` needs a newer tower-http than some mirrors carry
    let timeout =
        tower_http::timeout::TimeoutLayer::new(Duration::from_secs(config.request_timeout_secs));
    Router::new()
        .route("/", get(officials_page))
        .route("/officials/{official}", get(official_page))
        .route("/about", get(about_page))
        .route("/stats", get(stats_page))
        .route("/log", get(log_page))
        .route("/log/entries", get(entries_page))
        .route("/log/entries/{index}", get(entry_page))
        .route("/log/consistency", get(consistency_page))
        .route(probity_web::STYLESHEET_PATH, get(stylesheet))
        .route(probity_web::VERIFY_SCRIPT_PATH, get(verify_script))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/v1/openapi.json", get(openapi_json))
        .route("/v1/info", get(info))
        .route("/v1/params", get(params))
        .route("/v1/params/{file}", get(params_file))
        .route("/v1/log/checkpoint", get(checkpoint))
        .route("/v1/log/tile/{*path}", get(tile))
        .route("/v1/log/entries", get(entries))
        .route("/v1/log/inclusion", get(inclusion))
        .route("/v1/log/consistency", get(consistency))
        .route("/v1/officials", get(officials))
        .route("/v1/officials/{official}", get(official_record))
        .route("/v1/supervisors", get(supervisors))
        .route("/v1/admin/officials", post(register_official))
        .route("/v1/admin/supervisors", post(register_supervisor))
        .route("/v1/admin/enrollment-codes", post(enrollment_codes))
        .route("/v1/admin/deadlines", post(set_deadline))
        .route("/v1/admin/policy", post(publish_policy))
        .route("/v1/policies", get(policies))
        .route("/v1/filings", post(file_declaration))
        .route("/v1/official/challenges", get(official_challenges))
        .route("/v1/challenges", post(issue_challenge))
        .route("/v1/challenges/batch", post(issue_challenges))
        .route("/v1/challenges/{challenge}/answer", post(answer_challenge))
        .route("/v1/supervisor/challenges", get(supervisor_challenges))
        .route("/v1/supervisor/tips", get(supervisor_tips))
        .route("/v1/supervisor/tips/{entry}/reply", post(reply_to_tip))
        .route("/v1/supervisor/alerts", get(supervisor_alerts))
        .route("/v1/supervisor/risk", get(supervisor_risk))
        .route("/v1/supervisor/disclosures", get(supervisor_disclosures))
        .route(ENROLL_ROUTE, post(enroll))
        .route(TIPS_ROUTE, post(submit_tip).layer(tip_limit))
        .route(TIP_STATUS_ROUTE, post(tip_status))
        .layer(DefaultBodyLimit::max(config.max_body_bytes))
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&shared),
            body_budget,
        ))
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&shared),
            track,
        ))
        .layer(timeout)
        .layer(guard)
        .layer(axum::middleware::from_fn(envelope_middleware))
        .with_state(shared)
}

/// The whistleblower routes.
const ENROLL_ROUTE: &str = "/v1/enroll";
const TIPS_ROUTE: &str = "/v1/tips";
const TIP_STATUS_ROUTE: &str = "/v1/tips/status";

/// Routes that [`track`] leaves out of `/metrics` entirely (DESIGN.md §8: no public endpoint
/// gives a per-request signal of any whistleblower route). A counter, an error counter or a
/// latency histogram that moved with each tip, enrollment or status check would show
/// whoever polls `/metrics` when each one arrived, which the tip pool exists to hide.
const UNTRACKED_ROUTES: [&str; 3] = [ENROLL_ROUTE, TIPS_ROUTE, TIP_STATUS_ROUTE];

/// Counts requests per route template, except the [`UNTRACKED_ROUTES`]. Never records a
/// concrete path or anything about the client.
async fn track(
    State(shared): State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |m| m.as_str().to_owned());
    if UNTRACKED_ROUTES.contains(&route.as_str()) {
        return next.run(request).await;
    }
    let start = std::time::Instant::now();
    let response = next.run(request).await;
    shared.metrics.request(
        &route,
        response.status().as_u16(),
        start.elapsed().as_secs_f64(),
    );
    response
}

/// Puts every request body under the service's body budget ([`crate::budget`]).
async fn body_budget(
    State(shared): State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    crate::budget::limit(&shared.body_budget, request, next).await
}

// ----- helpers -----------------------------------------------------------------------------

fn json<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("the body is not valid for this route: {e}")))
}

impl Shared {
    /// Checks a signed request and returns who signed it.
    ///
    /// Nothing is written for a request that is not from a registered key: anyone can sign
    /// with a key of their own, and storing their nonces would let them fill the disk. A
    /// registered signer's nonce is recorded before the route runs, so a replay is refused
    /// whatever the first request's fate.
    fn authenticate(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Principal, ApiError> {
        self.refresh_registrar();
        let path = uri.path_and_query().map_or(uri.path(), |p| p.as_str());
        let now = self.now().as_millis() / 1000;
        let signed = auth::verify_request(method.as_str(), path, headers, body, now)?;
        let principal = self
            .directory()
            .principal(&signed.key)
            .cloned()
            .ok_or_else(|| ApiError::unauthorized(unknown_key_message(uri.path())))?;
        let mut key = [0u8; 48];
        key[..32].copy_from_slice(signed.key.as_bytes());
        key[32..].copy_from_slice(&signed.nonce);
        if self
            .trees
            .nonces
            .compare_and_swap(
                key,
                None as Option<&[u8]>,
                Some(&signed.timestamp.to_be_bytes()[..]),
            )?
            .is_err()
        {
            return Err(ApiError::unauthorized(
                "this request was already received (its nonce was used): sign every request afresh",
            ));
        }
        Ok(principal)
    }
}

/// The path prefix of the registrar's routes.
const ADMIN_PREFIX: &str = "/v1/admin/";

/// Why a signed request from an unknown key is refused, and the fix. On the registrar's routes
/// the fix is on the server (nobody registers the registrar): the service must be told the
/// registrar's public key. Elsewhere the registrar must register the key.
fn unknown_key_message(path: &str) -> &'static str {
    if path.starts_with(ADMIN_PREFIX) {
        "the signing key is not registered as this service's registrar key: start the service with `--registrar-key HEX` or `PROBITY_REGISTRAR_KEY=HEX`, HEX being the public key `probity admin init` printed (or run `probity admin init` on the server's data folder, which writes registrar.pub there)"
    } else {
        "the signing key is not registered with this service: ask the registrar to register it"
    }
}

/// A signed request, checked: who signed it (their nonce recorded) and its body. Every
/// route of the registrar, officials and supervisors takes one.
struct Signed {
    principal: Principal,
    body: Bytes,
}

impl axum::extract::FromRequest<AppState> for Signed {
    type Rejection = ApiError;

    async fn from_request(
        request: axum::extract::Request,
        state: &AppState,
    ) -> Result<Self, ApiError> {
        let (parts, body) = request.into_parts();
        let body = Bytes::from_request(
            axum::extract::Request::from_parts(parts.clone(), body),
            state,
        )
        .await
        .map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::payload_too_large()
            } else {
                ApiError::bad_request(rejection.body_text())
            }
        })?;
        let principal = state.authenticate(&parts.method, &parts.uri, &parts.headers, &body)?;
        Ok(Self { principal, body })
    }
}

fn require_registrar(p: &Principal) -> Result<(), ApiError> {
    match p {
        Principal::Registrar => Ok(()),
        _ => Err(ApiError::forbidden("only the registrar may do this")),
    }
}

fn require_official(p: &Principal) -> Result<OfficialId, ApiError> {
    match p {
        Principal::Official(id) => Ok(id.clone()),
        _ => Err(ApiError::forbidden(
            "only a registered official may do this",
        )),
    }
}

fn require_supervisor(p: &Principal) -> Result<SupervisorId, ApiError> {
    match p {
        Principal::Supervisor(id) => Ok(id.clone()),
        _ => Err(ApiError::forbidden(
            "only a registered supervisor may do this",
        )),
    }
}

/// A tip's status as supervisors and its whistleblower read it.
fn tip_status_text(t: &Tip) -> String {
    if t.closed { "closed" } else { "open" }.into()
}
