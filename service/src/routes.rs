//! The `/v1` routes, by role. Each handler checks its input completely before it asks the
//! writer for anything, so that bad input gets a 4xx and writes nothing.
//!
//! | role | authorization |
//! |---|---|
//! | public | none: the log, the params, the registry, who filed for which period |
//! | registrar | a request signed with the registrar key |
//! | official | a request signed with the key the registrar registered for them |
//! | supervisor | a request signed with a registered supervisor key |
//! | whistleblower | none: the credential presentation is the authorization |
//!
//! The tip routes (`/v1/enroll`, `/v1/tips`, `/v1/tips/status`) log nothing about a request,
//! and the service never reads a client address: nothing could link a tip to a network
//! identity.

use std::{sync::Arc, time::Duration};

use axum::{
    body::Bytes,
    error_handling::HandleErrorLayer,
    extract::{DefaultBodyLimit, MatchedPath, Path, Query, State},
    http::{header, HeaderMap, Method, StatusCode, Uri},
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use base64::Engine as _;
use probity_core::{Amount, AssetId, IdHash, OfficialId, PublicInputs, StatementKind};
use probity_credentials::{
    issuance, CredentialAttributes, EnrollmentCodeHash, EnrollmentStore, Epoch, Presentation,
    Redemption, Scope, SealedTip, Subject, TipContext,
};
use probity_ledger::{
    is_jurisdiction, Alert, ChallengeAnswered, ChallengeDetail, ChallengeExpired, ChallengeId,
    ChallengeIssued, DeadlineSet, Disclosure, EnrollmentCodesIssued, Entry, EntryBody, EntryIndex,
    OfficialRegistered, ProofAccepted, PublicKey, Receipt, RuleName, SupervisorId,
    SupervisorRegistered, Timestamp, TipClosed,
};
use rand::rngs::OsRng;
use serde::{de::DeserializeOwned, Deserialize};
use utoipa::OpenApi;

use crate::{
    api::*,
    auth,
    error::{envelope_middleware, ApiError},
    rules,
    service::{parse_public_key, Draft, Shared},
    state::{Principal, Private, State as Facts, Tip},
    tip_pool::PooledTip,
};

type AppState = Arc<Shared>;
type ApiResult<T> = Result<Json<T>, ApiError>;

/// Most enrollment codes per request.
const MAX_CODES: u64 = 1_000;
/// Most log entries per page.
const MAX_PAGE: u64 = 1_000;
/// Longest reply to a tip, in bytes.
const MAX_REPLY_LEN: usize = 4_096;

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
        file_declaration,
        official_challenges,
        answer_challenge,
        issue_challenge,
        supervisor_challenges,
        supervisor_tips,
        reply_to_tip,
        supervisor_alerts,
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
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/v1/openapi.json", get(openapi_json))
        .route("/v1/info", get(info))
        .route("/v1/params", get(params))
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
        .route("/v1/filings", post(file_declaration))
        .route("/v1/official/challenges", get(official_challenges))
        .route("/v1/challenges", post(issue_challenge))
        .route("/v1/challenges/{challenge}/answer", post(answer_challenge))
        .route("/v1/supervisor/challenges", get(supervisor_challenges))
        .route("/v1/supervisor/tips", get(supervisor_tips))
        .route("/v1/supervisor/tips/{entry}/reply", post(reply_to_tip))
        .route("/v1/supervisor/alerts", get(supervisor_alerts))
        .route("/v1/supervisor/disclosures", get(supervisor_disclosures))
        .route(ENROLL_ROUTE, post(enroll))
        .route(TIPS_ROUTE, post(submit_tip).layer(tip_limit))
        .route(TIP_STATUS_ROUTE, post(tip_status))
        .layer(DefaultBodyLimit::max(config.max_body_bytes))
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&shared),
            crate::budget::middleware,
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
            .ok_or_else(|| {
                ApiError::unauthorized(
                    "the signing key is not registered with this service: ask the registrar to register it",
                )
            })?;
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

pub(crate) fn alert(rule: &str, detail: AlertDetail) -> Draft {
    let disclosure = Disclosure::new(&mut OsRng, detail);
    Draft::with_private(
        Alert {
            rule: RuleName::new(rule).expect("rule names are valid"),
            detail: disclosure.digest(),
        },
        Private::Alert(disclosure),
    )
}

/// The rule names among the entries of some receipts.
fn alerts_in(receipts: &[Receipt]) -> Vec<String> {
    receipts
        .iter()
        .filter_map(|r| Entry::from_canonical_json(r.entry.as_bytes()).ok())
        .filter_map(|e| match e.body {
            EntryBody::Alert(a) => Some(a.rule.as_str().to_owned()),
            _ => None,
        })
        .collect()
}

/// What the deadlines set off at `now`: expired challenges (each with its alert) and
/// overdue declarations.
pub(crate) fn sweep_drafts(state: &Facts, now: Timestamp) -> Vec<Draft> {
    let mut drafts = Vec::new();
    for id in rules::expired_challenges(state, now) {
        let Some(c) = state.challenges.get(&id) else {
            continue;
        };
        drafts.push(Draft::public(ChallengeExpired { challenge: id }));
        drafts.push(alert(
            rules::CHALLENGE_EXPIRED,
            AlertDetail {
                official: c.official.clone(),
                period: Some(c.period),
                challenge: Some(id),
                message: format!(
                    "the challenge went unanswered past its deadline ({})",
                    rules::format_ms(c.deadline)
                ),
            },
        ));
    }
    for detail in rules::declaration_overdue(state, now) {
        drafts.push(alert(rules::DECLARATION_OVERDUE, detail));
    }
    drafts
}

// ----- public ------------------------------------------------------------------------------

/// Liveness.
#[utoipa::path(get, path = "/healthz", tag = "public", responses((status = 200, description = "ok", body = String, content_type = "text/plain; charset=utf-8")))]
async fn healthz() -> &'static str {
    "ok"
}

/// Prometheus metrics.
#[utoipa::path(get, path = "/metrics", tag = "public", responses((status = 200, description = "Prometheus text exposition", body = String, content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8")))]
async fn metrics(State(s): State<AppState>) -> Response {
    s.metrics.body_bytes_in_flight(s.body_budget.in_flight());
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        s.metrics.render(),
    )
        .into_response()
}

/// This document.
#[utoipa::path(get, path = "/v1/openapi.json", tag = "public", responses((status = 200, description = "the OpenAPI document of the API", body = Object)))]
async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(openapi())
}

/// The service's keys, epoch and filing policy.
#[utoipa::path(get, path = "/v1/info", tag = "public", responses((status = 200, body = ServiceInfo)))]
async fn info(State(s): State<AppState>) -> ApiResult<ServiceInfo> {
    let epoch = s.epoch();
    let state = s.state();
    let mut scopes: Vec<String> = state
        .officials()
        .values()
        .map(|o| o.jurisdiction.clone())
        .collect();
    scopes.sort();
    scopes.dedup();
    Ok(Json(ServiceInfo {
        origin: s.log.origin().to_owned(),
        log_key: s.log.verifier().ed25519_vkey(),
        epoch,
        epoch_seconds: s.config.epoch_seconds,
        credential_expiry: s.schedule.expiry_for(Epoch(epoch)).0,
        issuer_params: hex::encode(s.issuer.public_params().to_bytes()),
        tip_key: hex::encode(s.tip_key.to_bytes()),
        scopes,
        policy: FilingPolicy {
            net_worth_bands: s.config.net_worth_bands.clone(),
            wealth_growth_tolerance: s.config.wealth_growth_tolerance,
            capacities: s.config.capacities.clone(),
        },
    }))
}

/// The params manifest (verifying keys).
#[utoipa::path(get, path = "/v1/params", tag = "public", responses((status = 200, description = "the params manifest", body = Object)))]
async fn params(State(s): State<AppState>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        s.manifest.to_json(),
    )
        .into_response()
}

/// The latest signed checkpoint (C2SP tlog-checkpoint, signed note).
#[utoipa::path(get, path = "/v1/log/checkpoint", tag = "log", responses((status = 200, description = "the checkpoint note", body = String, content_type = "text/plain; charset=utf-8"), (status = 404, description = "the log has no checkpoint yet", body = crate::error::ErrorEnvelope)))]
async fn checkpoint(State(s): State<AppState>) -> Result<Response, ApiError> {
    let cp = s
        .log
        .latest_checkpoint()?
        .ok_or_else(|| ApiError::not_found("the log has no checkpoint yet"))?;
    Ok((
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        cp.to_bytes().to_vec(),
    )
        .into_response())
}

/// A C2SP tlog-tiles tile of the latest checkpoint's tree.
#[utoipa::path(get, path = "/v1/log/tile/{path}", tag = "log", params(("path" = String, Path, description = "the tile path, e.g. 0/000 or entries/000.p/5")), responses((status = 200, description = "the tile", body = Vec<u8>, content_type = "application/octet-stream"), (status = 404, body = crate::error::ErrorEnvelope)))]
async fn tile(State(s): State<AppState>, Path(path): Path<String>) -> Result<Response, ApiError> {
    let size = s.log.latest_checkpoint()?.map_or(0, |cp| cp.size());
    let data = s
        .log
        .tile(&format!("tile/{path}"), size)
        .map_err(|e| match e {
            probity_ledger::TileError::BeyondTree { .. }
            | probity_ledger::TileError::BadPath(_) => ApiError::not_found(e.to_string()),
            other => ApiError::internal(other.to_string()),
        })?;
    Ok(([(header::CONTENT_TYPE, "application/octet-stream")], data).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Range {
    start: u64,
    end: u64,
}

/// Entries `start..end` (at most 1,000) of the latest checkpoint's tree, as canonical JSON.
#[utoipa::path(get, path = "/v1/log/entries", tag = "log", params(("start" = u64, Query, description = "first index"), ("end" = u64, Query, description = "one past the last index")), responses((status = 200, body = EntriesPage), (status = 400, body = crate::error::ErrorEnvelope)))]
async fn entries(State(s): State<AppState>, Query(r): Query<Range>) -> ApiResult<EntriesPage> {
    let size = s.log.latest_checkpoint()?.map_or(0, |cp| cp.size());
    if r.start >= r.end || r.end > size || r.end - r.start > MAX_PAGE {
        return Err(ApiError::bad_request(format!(
            "ask for start < end <= {size} (the checkpoint's size), at most {MAX_PAGE} entries"
        )));
    }
    let entries = s
        .log
        .entries_bytes(r.start, r.end)?
        .into_iter()
        .map(|b| {
            String::from_utf8(b).map_err(|_| ApiError::internal("a ledger entry is not UTF-8"))
        })
        .collect::<Result<_, _>>()?;
    Ok(Json(EntriesPage {
        start: r.start,
        entries,
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InclusionQuery {
    index: u64,
    size: u64,
}

/// The inclusion proof of entry `index` in the tree of `size` entries.
#[utoipa::path(get, path = "/v1/log/inclusion", tag = "log", params(("index" = u64, Query, description = "the entry"), ("size" = u64, Query, description = "the tree size")), responses((status = 200, description = "the proof", body = Object), (status = 400, body = crate::error::ErrorEnvelope)))]
async fn inclusion(
    State(s): State<AppState>,
    Query(q): Query<InclusionQuery>,
) -> Result<Response, ApiError> {
    let proof = s
        .log
        .inclusion_proof(q.index, q.size)
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    Ok(Json(proof).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConsistencyQuery {
    old: u64,
    new: u64,
}

/// The consistency proof from tree size `old` to `new`.
#[utoipa::path(get, path = "/v1/log/consistency", tag = "log", params(("old" = u64, Query, description = "the older size"), ("new" = u64, Query, description = "the newer size")), responses((status = 200, description = "the proof", body = Object), (status = 400, body = crate::error::ErrorEnvelope)))]
async fn consistency(
    State(s): State<AppState>,
    Query(q): Query<ConsistencyQuery>,
) -> Result<Response, ApiError> {
    let proof = s
        .log
        .consistency_proof(q.old, q.new)
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    Ok(Json(proof).into_response())
}

/// Every registered official.
#[utoipa::path(get, path = "/v1/officials", tag = "public", responses((status = 200, body = Vec<OfficialInfo>)))]
async fn officials(State(s): State<AppState>) -> ApiResult<Vec<OfficialInfo>> {
    Ok(Json(s.directory().officials.values().cloned().collect()))
}

/// An official's public record: who they are, what they filed when, which proofs were
/// accepted. Never an amount.
#[utoipa::path(get, path = "/v1/officials/{official}", tag = "public", params(("official" = String, Path, description = "the official's id")), responses((status = 200, body = OfficialRecord), (status = 404, body = crate::error::ErrorEnvelope)))]
async fn official_record(
    State(s): State<AppState>,
    Path(official): Path<String>,
) -> ApiResult<OfficialRecord> {
    let id = OfficialId::new(&official).map_err(ApiError::bad_request)?;
    let state = s.state();
    let info = state
        .officials()
        .get(&id)
        .cloned()
        .ok_or_else(|| ApiError::not_found(format!("no official `{id}` is registered")))?;
    Ok(Json(OfficialRecord {
        official: info,
        filings: state.filing_infos(&id),
        proofs: state.proofs.get(&id).cloned().unwrap_or_default(),
    }))
}

/// Every registered supervisor.
#[utoipa::path(get, path = "/v1/supervisors", tag = "public", responses((status = 200, body = Vec<SupervisorInfo>)))]
async fn supervisors(State(s): State<AppState>) -> ApiResult<Vec<SupervisorInfo>> {
    Ok(Json(s.state().supervisors.values().cloned().collect()))
}

// ----- registrar ---------------------------------------------------------------------------

/// Register (or re-key) an official.
#[utoipa::path(post, path = "/v1/admin/officials", tag = "registrar", request_body = RegisterOfficial, responses((status = 200, body = Written), (status = 401, body = crate::error::ErrorEnvelope), (status = 403, body = crate::error::ErrorEnvelope)))]
async fn register_official(State(s): State<AppState>, signed: Signed) -> ApiResult<Written> {
    require_registrar(&signed.principal)?;
    let req: RegisterOfficial = json(&signed.body)?;
    let key = parse_public_key(&req.public_key)
        .map_err(|e| ApiError::bad_request(format!("public_key: {e}")))?;
    let entry = OfficialRegistered {
        official: req.official,
        public_key: PublicKey(key),
        name: req.name,
        position: req.position,
        jurisdiction: req.jurisdiction,
    };
    Entry::at(Timestamp::now(), entry.clone())
        .to_canonical_json()
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    let receipts = s
        .write(Box::new(move |state, _| {
            check_key_free(state, &key, &Principal::Official(entry.official.clone()))?;
            Ok(vec![Draft::public(entry)])
        }))
        .await?;
    Ok(Json(Written { receipts }))
}

/// A key may belong to one party only.
fn check_key_free(
    state: &Facts,
    key: &ed25519_dalek::VerifyingKey,
    for_whom: &Principal,
) -> Result<(), ApiError> {
    match state.principal(key) {
        Some(p) if p != for_whom => Err(ApiError::conflict(
            "this public key is already registered to someone else: every party needs its own key",
        )),
        _ => Ok(()),
    }
}

/// Register (or re-key) a supervisor.
#[utoipa::path(post, path = "/v1/admin/supervisors", tag = "registrar", request_body = RegisterSupervisor, responses((status = 200, body = Written), (status = 401, body = crate::error::ErrorEnvelope), (status = 403, body = crate::error::ErrorEnvelope)))]
async fn register_supervisor(State(s): State<AppState>, signed: Signed) -> ApiResult<Written> {
    require_registrar(&signed.principal)?;
    let req: RegisterSupervisor = json(&signed.body)?;
    let key = parse_public_key(&req.public_key)
        .map_err(|e| ApiError::bad_request(format!("public_key: {e}")))?;
    let entry = SupervisorRegistered {
        supervisor: req.supervisor,
        public_key: PublicKey(key),
    };
    let receipts = s
        .write(Box::new(move |state, _| {
            check_key_free(
                state,
                &key,
                &Principal::Supervisor(entry.supervisor.clone()),
            )?;
            Ok(vec![Draft::public(entry)])
        }))
        .await?;
    Ok(Json(Written { receipts }))
}

/// The enrollment codes on sled: code hash → `{scope, spent}`.
struct SledCodes<'a> {
    tree: &'a sled::Tree,
    /// Its `flush` is the durability barrier a spent code needs before it is acknowledged.
    db: &'a probity_ledger::DurableDb,
}

#[derive(serde::Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct CodeRecord {
    scope: String,
    /// The request digest that spent it, hex.
    spent: Option<String>,
}

fn store_err(e: impl std::fmt::Display) -> probity_credentials::StoreError {
    probity_credentials::StoreError::new(e.to_string())
}

impl SledCodes<'_> {
    fn record(
        &self,
        code: &EnrollmentCodeHash,
    ) -> Result<Option<(sled::IVec, CodeRecord)>, probity_credentials::StoreError> {
        self.tree
            .get(code.0)
            .map_err(store_err)?
            .map(|v| {
                let r = serde_json::from_slice(&v).map_err(store_err)?;
                Ok((v, r))
            })
            .transpose()
    }

    fn insert_scoped(
        &self,
        code: &EnrollmentCodeHash,
        scope: &str,
    ) -> Result<(), probity_credentials::StoreError> {
        let record = serde_json::to_vec(&CodeRecord {
            scope: scope.to_owned(),
            spent: None,
        })
        .map_err(store_err)?;
        self.tree
            .compare_and_swap(code.0, None as Option<&[u8]>, Some(record))
            .map_err(store_err)?
            .map_err(|_| store_err("enrollment code already recorded"))
    }
}

impl EnrollmentStore for SledCodes<'_> {
    fn insert(&self, code: &EnrollmentCodeHash) -> Result<(), probity_credentials::StoreError> {
        self.insert_scoped(code, "unscoped")
    }

    fn redeem(
        &self,
        code: &EnrollmentCodeHash,
        request: &issuance::RequestDigest,
    ) -> Result<Redemption, probity_credentials::StoreError> {
        loop {
            let Some((old, record)) = self.record(code)? else {
                return Ok(Redemption::Unknown);
            };
            let digest = hex::encode(request.0);
            match &record.spent {
                Some(d) if *d == digest => return Ok(Redemption::Repeated),
                Some(_) => return Ok(Redemption::AlreadyUsed),
                None => {}
            }
            let new = serde_json::to_vec(&CodeRecord {
                spent: Some(digest),
                ..record
            })
            .map_err(store_err)?;
            if self
                .tree
                .compare_and_swap(code.0, Some(old), Some(new))
                .map_err(store_err)?
                .is_ok()
            {
                self.db.flush().map_err(store_err)?;
                return Ok(Redemption::Redeemed);
            }
        }
    }
}

/// Make one-time enrollment codes for whistleblower credentials of a scope. The codes are
/// shown once; the service keeps their hashes.
#[utoipa::path(post, path = "/v1/admin/enrollment-codes", tag = "registrar", request_body = IssueEnrollmentCodes, responses((status = 200, body = EnrollmentCodes), (status = 401, body = crate::error::ErrorEnvelope), (status = 403, body = crate::error::ErrorEnvelope)))]
async fn enrollment_codes(State(s): State<AppState>, signed: Signed) -> ApiResult<EnrollmentCodes> {
    require_registrar(&signed.principal)?;
    let req: IssueEnrollmentCodes = json(&signed.body)?;
    if !(1..=MAX_CODES).contains(&req.count) {
        return Err(ApiError::bad_request(format!(
            "count must be 1 to {MAX_CODES}"
        )));
    }
    if !is_jurisdiction(&req.scope) {
        return Err(ApiError::bad_request(
            "scope must be a jurisdiction: 1 to 64 characters of A-Z, a-z, 0-9 and - . _ : /",
        ));
    }
    let store = SledCodes {
        tree: &s.trees.codes,
        db: &s.db,
    };
    let mut codes = Vec::new();
    for _ in 0..req.count {
        let code = probity_credentials::EnrollmentCode::generate(&mut OsRng);
        store
            .insert_scoped(&code.storage_hash(), &req.scope)
            .map_err(|e| ApiError::internal(format!("the enrollment store failed: {e}")))?;
        codes.push(code);
    }
    let entry = EnrollmentCodesIssued {
        count: req.count,
        scope: req.scope.clone(),
    };
    let written = s
        .write(Box::new(move |_, _| Ok(vec![Draft::public(entry)])))
        .await;
    let receipts = match written {
        Ok(r) => r,
        Err(e) => {
            // Not on the ledger: the codes must not work either.
            for code in &codes {
                let _ = s.trees.codes.remove(code.storage_hash().0);
            }
            return Err(e);
        }
    };
    Ok(Json(EnrollmentCodes {
        codes: codes.iter().map(ToString::to_string).collect(),
        scope: req.scope,
        receipts,
    }))
}

/// Set a period's filing deadline.
#[utoipa::path(post, path = "/v1/admin/deadlines", tag = "registrar", request_body = SetDeadline, responses((status = 200, body = Written), (status = 401, body = crate::error::ErrorEnvelope), (status = 403, body = crate::error::ErrorEnvelope)))]
async fn set_deadline(State(s): State<AppState>, signed: Signed) -> ApiResult<Written> {
    require_registrar(&signed.principal)?;
    let req: SetDeadline = json(&signed.body)?;
    let deadline = Timestamp::from_millis(req.deadline).map_err(ApiError::bad_request)?;
    let entry = DeadlineSet {
        period: req.period,
        deadline,
    };
    let receipts = s
        .write(Box::new(move |_, _| Ok(vec![Draft::public(entry)])))
        .await?;
    Ok(Json(Written { receipts }))
}

// ----- officials ---------------------------------------------------------------------------

/// File a declaration's commitment with the proofs the policy asks for.
#[utoipa::path(post, path = "/v1/filings", tag = "official", request_body = FileDeclaration, responses((status = 200, body = FilingAccepted), (status = 401, body = crate::error::ErrorEnvelope), (status = 403, body = crate::error::ErrorEnvelope), (status = 422, body = crate::error::ErrorEnvelope)))]
async fn file_declaration(State(s): State<AppState>, signed: Signed) -> ApiResult<FilingAccepted> {
    let official = require_official(&signed.principal)?;
    let req: FileDeclaration = json(&signed.body)?;
    let filing = req.filing;
    if filing.official != official {
        return Err(ApiError::forbidden(format!(
            "you are signed in as `{official}` and may file only for yourself, not for `{}`",
            filing.official
        )));
    }
    {
        let directory = s.directory();
        let info = directory
            .officials
            .get(&official)
            .ok_or_else(|| ApiError::unauthorized("you are not registered"))?;
        let key = PublicKey::from_hex(&info.public_key).map_err(ApiError::internal)?;
        filing.verify_signature(&key).map_err(|_| {
            ApiError::unprocessable(
                "the filing's signature does not verify with your registered key",
            )
        })?;
    }
    if !s
        .proofs
        .accepts(StatementKind::NetWorthRange, filing.capacity)
    {
        return Err(ApiError::unprocessable(format!(
            "the service has no keys for capacity {}: it accepts {:?}",
            filing.capacity, s.config.capacities
        )));
    }
    let count = |k: StatementKind| req.proofs.iter().filter(|p| p.statement == k).count();
    if count(StatementKind::NetWorthRange) != 1
        || count(StatementKind::WealthGrowth) > 1
        || req.proofs.len()
            != count(StatementKind::NetWorthRange) + count(StatementKind::WealthGrowth)
    {
        return Err(ApiError::unprocessable(
            "a filing carries exactly one net_worth_range proof, and at most one wealth_growth proof (from the previous filed period)",
        ));
    }
    if let Some(p) = req
        .proofs
        .iter()
        .find(|p| p.official != official || p.capacity != filing.capacity)
    {
        return Err(ApiError::unprocessable(format!(
            "the {} proof is about `{}` at capacity {}, not this filing",
            p.statement, p.official, p.capacity
        )));
    }
    let inputs = s.proofs.verify(req.proofs.clone()).await?;
    let mut growth = None;
    for x in &inputs {
        match x {
            PublicInputs::NetWorthRange(n) => {
                if n.commitment != filing.commitment || n.period != filing.period {
                    return Err(ApiError::unprocessable(
                        "the net_worth_range proof is about another commitment or period than this filing",
                    ));
                }
                let band = Band {
                    lo: n.lo.0,
                    hi: n.hi.0,
                };
                if !s.config.net_worth_bands.contains(&band) {
                    return Err(ApiError::unprocessable(
                        "the net_worth_range bounds are not one of the public bands: see /v1/info",
                    ));
                }
            }
            PublicInputs::WealthGrowth(w) => {
                if w.commitment_curr != filing.commitment || w.period_curr != filing.period {
                    return Err(ApiError::unprocessable(
                        "the wealth_growth proof must end at this filing's commitment and period",
                    ));
                }
                if w.tolerance.0 != s.config.wealth_growth_tolerance {
                    return Err(ApiError::unprocessable(format!(
                        "the wealth_growth tolerance must be the policy's, {}",
                        s.config.wealth_growth_tolerance
                    )));
                }
                growth = Some((w.period_prev, w.commitment_prev));
            }
            _ => {}
        }
    }
    let proofs = req.proofs;
    let receipts = s
        .write(Box::new(move |state, now| {
            if !state.officials().contains_key(&official) {
                return Err(ApiError::unauthorized("you are not registered"));
            }
            let period = filing.period;
            let previous = state.previous_period(&official, period);
            if let Some((prev_period, prev_commitment)) = growth {
                let prev = state.filing(&official, prev_period);
                let matches = previous == Some(prev_period)
                    && prev.is_some_and(|f| {
                        f.commitment == prev_commitment && f.capacity == filing.capacity
                    });
                if !matches {
                    return Err(ApiError::unprocessable(format!(
                        "the wealth_growth proof must start from your latest filing before {period} ({}), with its commitment and capacity",
                        previous.map_or_else(|| "there is none".to_owned(), |p| p.to_string())
                    )));
                }
            }
            let mut drafts = Vec::new();
            if rules::declaration_amended(state, &official, period) {
                drafts.push(alert(
                    rules::DECLARATION_AMENDED,
                    AlertDetail {
                        official: official.clone(),
                        period: Some(period),
                        challenge: None,
                        message: format!("a second declaration for {period} replaces the earlier one"),
                    },
                ));
            }
            if rules::filed_after_deadline(state.deadlines.get(&period).copied(), now) {
                drafts.push(alert(
                    rules::FILED_AFTER_DEADLINE,
                    AlertDetail {
                        official: official.clone(),
                        period: Some(period),
                        challenge: None,
                        message: format!("filed after the {period} deadline"),
                    },
                ));
            }
            if rules::wealth_growth_missing(previous, growth.is_some()) {
                drafts.push(alert(
                    rules::WEALTH_GROWTH_MISSING,
                    AlertDetail {
                        official: official.clone(),
                        period: Some(period),
                        challenge: None,
                        message: format!(
                            "filed for {period} without a wealth_growth proof from {}: growth is not shown to be explained by income",
                            previous.map(|p| p.to_string()).unwrap_or_default()
                        ),
                    },
                ));
            }
            let mut entries = vec![Draft::public(filing)];
            for envelope in &proofs {
                let (entry, _) = ProofAccepted::from_envelope(envelope, &mut OsRng)
                    .map_err(|e| ApiError::unprocessable(e.to_string()))?;
                entries.push(Draft::public(entry));
            }
            entries.extend(drafts);
            Ok(entries)
        }))
        .await?;
    let alerts = alerts_in(&receipts);
    Ok(Json(FilingAccepted { receipts, alerts }))
}

/// The challenges addressed to the signed-in official.
#[utoipa::path(get, path = "/v1/official/challenges", tag = "official", responses((status = 200, body = Vec<ChallengeView>), (status = 401, body = crate::error::ErrorEnvelope), (status = 403, body = crate::error::ErrorEnvelope)))]
async fn official_challenges(
    State(s): State<AppState>,
    signed: Signed,
) -> ApiResult<Vec<ChallengeView>> {
    let official = require_official(&signed.principal)?;
    let state = s.state();
    Ok(Json(
        state
            .challenges
            .iter()
            .filter(|(_, c)| c.official == official)
            .map(|(id, c)| state.challenge_view(id, c))
            .collect(),
    ))
}

/// Answer a challenge with an `asset_included` proof.
#[utoipa::path(post, path = "/v1/challenges/{challenge}/answer", tag = "official", params(("challenge" = String, Path, description = "the challenge id, hex")), request_body = AnswerChallenge, responses((status = 200, body = Written), (status = 404, body = crate::error::ErrorEnvelope), (status = 409, body = crate::error::ErrorEnvelope), (status = 422, body = crate::error::ErrorEnvelope)))]
async fn answer_challenge(
    State(s): State<AppState>,
    Path(challenge): Path<String>,
    signed: Signed,
) -> ApiResult<Written> {
    let official = require_official(&signed.principal)?;
    let id = ChallengeId::from_hex(&challenge)
        .map_err(|e| ApiError::bad_request(format!("challenge id: {e}")))?;
    let req: AnswerChallenge = json(&signed.body)?;
    let detail = {
        let state = s.state();
        let c = state
            .challenges
            .get(&id)
            .filter(|c| c.official == official)
            .ok_or_else(|| ApiError::not_found("you have no challenge with this id"))?;
        open_challenge(c, s.now())?;
        c.detail
            .clone()
            .ok_or_else(|| ApiError::internal("the challenge's details are missing"))?
    };
    if req.proof.statement != StatementKind::AssetIncluded || req.proof.official != official {
        return Err(ApiError::unprocessable(
            "answer with an asset_included proof about your own declaration",
        ));
    }
    let inputs = s.proofs.verify(vec![req.proof.clone()]).await?;
    let Some(PublicInputs::AssetIncluded(proved)) = inputs.into_iter().next() else {
        return Err(ApiError::unprocessable(
            "answer with an asset_included proof",
        ));
    };
    if proved.id_hash != detail.id_hash || proved.min_value.0 < detail.min_value.0 {
        return Err(ApiError::unprocessable(
            "the proof is about another asset, or a lower value, than the challenge asks",
        ));
    }
    let envelope = req.proof;
    let receipts = s
        .write(Box::new(move |state, now| {
            let c = state
                .challenges
                .get(&id)
                .ok_or_else(|| ApiError::not_found("you have no challenge with this id"))?;
            open_challenge(c, now)?;
            let filed = state.filing(&official, c.period).ok_or_else(|| {
                ApiError::unprocessable(format!("you have not filed for {}", c.period))
            })?;
            if proved.period != c.period
                || proved.commitment != filed.commitment
                || envelope.capacity != filed.capacity
            {
                return Err(ApiError::unprocessable(format!(
                    "the proof must be about your latest filing for {} (entry {})",
                    c.period, filed.entry
                )));
            }
            let (entry, disclosure) = ProofAccepted::from_envelope(&envelope, &mut OsRng)
                .map_err(|e| ApiError::unprocessable(e.to_string()))?;
            let disclosure = disclosure.ok_or_else(|| {
                ApiError::internal("asset_included withholds its inputs and proof")
            })?;
            let proof_entry = EntryIndex::new(state.size).map_err(ApiError::internal)?;
            Ok(vec![
                Draft::with_private(entry, Private::Proof(disclosure)),
                Draft::public(ChallengeAnswered {
                    challenge: id,
                    proof_entry,
                }),
            ])
        }))
        .await?;
    Ok(Json(Written { receipts }))
}

fn open_challenge(c: &crate::state::Challenge, now: Timestamp) -> Result<(), ApiError> {
    if c.answer.is_some() {
        return Err(ApiError::conflict("this challenge is already answered"));
    }
    if c.expired || now > c.deadline {
        return Err(ApiError::conflict(format!(
            "this challenge's deadline ({}) has passed",
            rules::format_ms(c.deadline)
        )));
    }
    Ok(())
}

// ----- supervisors -------------------------------------------------------------------------

/// Ask an official to prove that an asset is in their declaration.
#[utoipa::path(post, path = "/v1/challenges", tag = "supervisor", request_body = IssueChallenge, responses((status = 200, body = ChallengeCreated), (status = 401, body = crate::error::ErrorEnvelope), (status = 403, body = crate::error::ErrorEnvelope), (status = 422, body = crate::error::ErrorEnvelope)))]
async fn issue_challenge(State(s): State<AppState>, signed: Signed) -> ApiResult<ChallengeCreated> {
    let supervisor = require_supervisor(&signed.principal)?;
    let req: IssueChallenge = json(&signed.body)?;
    let id_hash: IdHash = req
        .id_hash
        .parse()
        .map_err(|_: String| ApiError::bad_request("id_hash is not a field element in decimal"))?;
    // DESIGN.md §4: id_hash 0 is what an item without an identifier (cash) carries, and no
    // asset_included proof can name it; a challenge on it could never be answered.
    if id_hash == AssetId::default().id_hash() {
        return Err(ApiError::bad_request(
            "id_hash 0 means \"no identifier\": challenge an asset by its registry identifier's id_hash",
        ));
    }
    let deadline = Timestamp::from_millis(req.deadline).map_err(ApiError::bad_request)?;
    if deadline <= s.now() {
        return Err(ApiError::unprocessable(
            "the deadline must be in the future",
        ));
    }
    let challenge = {
        let mut bytes = [0u8; 16];
        rand::RngCore::fill_bytes(&mut OsRng, &mut bytes);
        ChallengeId(bytes)
    };
    let official = req.official;
    let asked_period = req.period;
    let detail = Disclosure::new(
        &mut OsRng,
        ChallengeDetail {
            id_hash,
            min_value: Amount(req.min_value),
        },
    );
    let (tx_period, rx_period) = std::sync::mpsc::channel();
    let receipts = s
        .write(Box::new(move |state, _| {
            if !state.officials().contains_key(&official) {
                return Err(ApiError::not_found(format!(
                    "no official `{official}` is registered"
                )));
            }
            let period = match asked_period {
                Some(p) if state.filing(&official, p).is_some() => p,
                Some(p) => {
                    return Err(ApiError::unprocessable(format!(
                        "`{official}` has not filed for {p}: nothing to challenge"
                    )))
                }
                None => state.latest_period(&official).ok_or_else(|| {
                    ApiError::unprocessable(format!(
                        "`{official}` has not filed yet: nothing to challenge"
                    ))
                })?,
            };
            let _ = tx_period.send(period);
            Ok(vec![Draft::with_private(
                ChallengeIssued {
                    challenge,
                    supervisor,
                    official,
                    period,
                    deadline,
                    detail: detail.digest(),
                },
                Private::Challenge(detail),
            )])
        }))
        .await?;
    let period = rx_period
        .try_recv()
        .map_err(|_| ApiError::internal("the challenge's period was not recorded"))?;
    Ok(Json(ChallengeCreated {
        challenge,
        period,
        receipts,
    }))
}

/// Every challenge, with its details.
#[utoipa::path(get, path = "/v1/supervisor/challenges", tag = "supervisor", responses((status = 200, body = Vec<ChallengeView>), (status = 401, body = crate::error::ErrorEnvelope), (status = 403, body = crate::error::ErrorEnvelope)))]
async fn supervisor_challenges(
    State(s): State<AppState>,
    signed: Signed,
) -> ApiResult<Vec<ChallengeView>> {
    require_supervisor(&signed.principal)?;
    let state = s.state();
    Ok(Json(
        state
            .challenges
            .iter()
            .map(|(id, c)| state.challenge_view(id, c))
            .collect(),
    ))
}

fn tip_status_text(t: &Tip) -> String {
    if t.closed { "closed" } else { "open" }.into()
}

/// Every sealed tip, oldest first: open them with the supervisors' tip key.
#[utoipa::path(get, path = "/v1/supervisor/tips", tag = "supervisor", responses((status = 200, body = Vec<SealedTipView>), (status = 401, body = crate::error::ErrorEnvelope), (status = 403, body = crate::error::ErrorEnvelope)))]
async fn supervisor_tips(
    State(s): State<AppState>,
    signed: Signed,
) -> ApiResult<Vec<SealedTipView>> {
    require_supervisor(&signed.principal)?;
    let state = s.state();
    Ok(Json(
        state
            .tips
            .iter()
            .map(|(entry, t)| SealedTipView {
                entry: *entry,
                subject: t.subject.clone(),
                epoch: t.epoch,
                sealed: t.sealed.clone(),
                status: tip_status_text(t),
                replies: t.replies.clone(),
            })
            .collect(),
    ))
}

/// Reply to a tip (the whistleblower reads it with their receipt), and optionally close it.
#[utoipa::path(post, path = "/v1/supervisor/tips/{entry}/reply", tag = "supervisor", params(("entry" = u64, Path, description = "the TipReceived entry")), request_body = ReplyToTip, responses((status = 200, body = Written), (status = 404, body = crate::error::ErrorEnvelope), (status = 409, body = crate::error::ErrorEnvelope)))]
async fn reply_to_tip(
    State(s): State<AppState>,
    Path(entry): Path<u64>,
    signed: Signed,
) -> ApiResult<Written> {
    require_supervisor(&signed.principal)?;
    let req: ReplyToTip = json(&signed.body)?;
    if req.message.trim().is_empty()
        || req.message.len() > MAX_REPLY_LEN
        || req.message.chars().any(|c| c.is_control() && c != '\n')
    {
        return Err(ApiError::bad_request(format!(
            "the reply must be 1 to {MAX_REPLY_LEN} bytes of text"
        )));
    }
    {
        let state = s.state();
        let tip = state
            .tips
            .get(&entry)
            .ok_or_else(|| ApiError::not_found("no tip at this entry"))?;
        if tip.closed {
            return Err(ApiError::conflict("this tip is closed"));
        }
    }
    let reply = TipReply {
        day: rules::day_of(s.now()),
        message: req.message.clone(),
    };
    let seq = s.db.sled().generate_id()?;
    let mut key = [0u8; 16];
    key[..8].copy_from_slice(&entry.to_be_bytes());
    key[8..].copy_from_slice(&seq.to_be_bytes());
    let value = serde_json::to_vec(&reply).map_err(|e| ApiError::internal(e.to_string()))?;
    s.trees.replies.insert(key, value)?;
    s.flush().await?;
    let receipts = if req.close {
        let outcome = Disclosure::new(&mut OsRng, req.message);
        let written = s
            .write(Box::new(move |state, _| {
                let tip = state
                    .tips
                    .get(&entry)
                    .ok_or_else(|| ApiError::not_found("no tip at this entry"))?;
                // Checked again in log order: of two closes racing past the check above,
                // one closes the tip and the other is refused.
                if tip.closed {
                    return Err(ApiError::conflict("this tip is closed"));
                }
                let tip_entry = EntryIndex::new(entry).map_err(ApiError::internal)?;
                Ok(vec![Draft::with_private(
                    TipClosed {
                        tip_entry,
                        outcome: outcome.digest(),
                    },
                    Private::TipOutcome(outcome),
                )])
            }))
            .await;
        match written {
            Ok(receipts) => receipts,
            Err(e) => {
                // Refused: its reply must not stay behind either (it would reappear after a
                // restart).
                let _ = s.trees.replies.remove(key);
                let _ = s.flush().await;
                return Err(e);
            }
        }
    } else {
        Vec::new()
    };
    s.add_reply(entry, reply);
    Ok(Json(Written { receipts }))
}

/// Every alert, with its details.
#[utoipa::path(get, path = "/v1/supervisor/alerts", tag = "supervisor", responses((status = 200, body = Vec<AlertView>), (status = 401, body = crate::error::ErrorEnvelope), (status = 403, body = crate::error::ErrorEnvelope)))]
async fn supervisor_alerts(State(s): State<AppState>, signed: Signed) -> ApiResult<Vec<AlertView>> {
    require_supervisor(&signed.principal)?;
    Ok(Json(s.state().alerts.clone()))
}

/// Every investigative detail with its salt, by entry: check each against the entry's
/// public digest, and rebuild withheld `asset_included` proofs to re-verify them.
#[utoipa::path(get, path = "/v1/supervisor/disclosures", tag = "supervisor", responses((status = 200, body = Vec<DisclosureView>), (status = 401, body = crate::error::ErrorEnvelope), (status = 403, body = crate::error::ErrorEnvelope)))]
async fn supervisor_disclosures(
    State(s): State<AppState>,
    signed: Signed,
) -> ApiResult<Vec<DisclosureView>> {
    require_supervisor(&signed.principal)?;
    Ok(Json(s.state().disclosures.clone()))
}

// ----- whistleblowers ----------------------------------------------------------------------

/// The expiry an issuance now may carry: the one the request asks for if it is the
/// schedule's expiry at some time within [`crate::auth::MAX_CLOCK_SKEW_SECS`] of this
/// service's clock (a client a little ahead or behind, near a period boundary), else the one
/// for this service's clock, which the request then does not match. Either way a public
/// schedule value that everyone enrolling then shares, never one chosen per person.
fn issuable_expiry(s: &Shared, asked: Epoch) -> Epoch {
    let now = s.now().as_millis() / 1000;
    let skew = crate::auth::MAX_CLOCK_SKEW_SECS;
    let mine = s.schedule.expected_expiry(now);
    [now.saturating_sub(skew), now.saturating_add(skew)]
        .into_iter()
        .map(|t| s.schedule.expected_expiry(t))
        .find(|e| *e == asked)
        .unwrap_or(mine)
}

/// Redeem an enrollment code for a credential (blind issuance: the service never learns
/// the credential's secret).
#[utoipa::path(post, path = "/v1/enroll", tag = "whistleblower", request_body = Enroll, responses((status = 200, body = Enrolled), (status = 403, body = crate::error::ErrorEnvelope), (status = 409, body = crate::error::ErrorEnvelope), (status = 422, body = crate::error::ErrorEnvelope)))]
async fn enroll(State(s): State<AppState>, body: Bytes) -> ApiResult<Enrolled> {
    let req: Enroll = json(&body)?;
    let bytes =
        hex::decode(&req.request).map_err(|_| ApiError::bad_request("request must be hex"))?;
    let request = issuance::Request::from_bytes(&bytes)
        .map_err(|e| ApiError::bad_request(format!("the issuance request is malformed: {e}")))?;
    let codes = SledCodes {
        tree: &s.trees.codes,
        db: &s.db,
    };
    let record = codes
        .record(&request.enrollment_code().storage_hash())
        .map_err(|e| ApiError::internal(format!("the enrollment store failed: {e}")))?
        .ok_or_else(|| ApiError::forbidden("this enrollment code was never issued"))?
        .1;
    let scope = Scope::new(&record.scope)
        .map_err(|_| ApiError::internal("a stored enrollment scope is not valid"))?;
    let attributes =
        CredentialAttributes::new(issuable_expiry(&s, request.attributes().expiry), scope);
    let shared = Arc::clone(&s);
    let response = tokio::task::spawn_blocking(move || {
        let codes = SledCodes {
            tree: &shared.trees.codes,
            db: &shared.db,
        };
        shared
            .issuer
            .handle_issuance(&request, &codes, &attributes, &mut OsRng)
    })
    .await
    .map_err(|_| ApiError::internal("issuance stopped"))?
    .map_err(|e| match e {
        probity_credentials::IssueError::InvalidRequest(_) => {
            ApiError::invalid_proof("the issuance request's proof does not verify")
        }
        probity_credentials::IssueError::UnexpectedAttributes => ApiError::unprocessable(
            "the request expects another scope or expiry than this code buys: check the scope and this machine's clock",
        ),
        probity_credentials::IssueError::UnknownEnrollmentCode => {
            ApiError::forbidden("this enrollment code was never issued")
        }
        probity_credentials::IssueError::EnrollmentCodeUsed => {
            ApiError::conflict("this enrollment code was already used")
        }
        other => ApiError::internal(format!("issuance failed: {other}")),
    })?;
    Ok(Json(Enrolled {
        response: hex::encode(response.to_bytes()),
    }))
}

/// Send a sealed tip about an official, with a credential presentation. One tip per
/// credential, official and epoch. The tip is durable when this answers: in the tip pool,
/// which is logged when its window closes (`pooled_until`; the receipt then comes with the
/// tip's status), or, on a service that logs tips at once, on the ledger with its receipt.
#[utoipa::path(post, path = "/v1/tips", tag = "whistleblower", request_body = SubmitTip, responses((status = 200, body = TipAccepted), (status = 409, body = crate::error::ErrorEnvelope), (status = 413, body = crate::error::ErrorEnvelope), (status = 422, body = crate::error::ErrorEnvelope)))]
async fn submit_tip(State(s): State<AppState>, body: Bytes) -> ApiResult<TipAccepted> {
    let req: SubmitTip = json(&body)?;
    let subject = Subject::new(&req.subject).map_err(|_| {
        ApiError::bad_request(
            "subject must be an official id: 1 to 64 characters of A-Z a-z 0-9 . _ -",
        )
    })?;
    let official = OfficialId::new(subject.as_str()).map_err(ApiError::bad_request)?;
    let jurisdiction = s
        .directory()
        .officials
        .get(&official)
        .map(|o| o.jurisdiction.clone())
        .ok_or_else(|| ApiError::unprocessable("the subject is not a registered official: use the id exactly as /v1/officials lists it"))?;
    let epoch = s.epoch();
    if req.epoch != epoch {
        return Err(ApiError::unprocessable(format!(
            "the tip is for epoch {} but the current epoch is {epoch}: make the tip again",
            req.epoch
        )));
    }
    let sealed_bytes = base64::engine::general_purpose::STANDARD
        .decode(&req.sealed)
        .map_err(|_| ApiError::bad_request("sealed must be standard base64"))?;
    let sealed = SealedTip::from_bytes(&sealed_bytes)
        .map_err(|e| ApiError::bad_request(format!("the sealed tip is malformed: {e}")))?;
    let presentation = hex::decode(&req.presentation)
        .ok()
        .and_then(|b| Presentation::from_bytes(&b).ok())
        .ok_or_else(|| ApiError::bad_request("the presentation is malformed"))?;
    let scope = Scope::new(&jurisdiction)
        .map_err(|_| ApiError::internal("a registered jurisdiction is not a valid scope"))?;
    let context = TipContext::new(subject, Epoch(epoch));
    let shared = Arc::clone(&s);
    let sealed_for_check = sealed.clone();
    let tag = tokio::task::spawn_blocking(move || {
        shared
            .issuer
            .verify_presentation(&presentation, &context, &scope, &sealed_for_check)
    })
    .await
    .map_err(|_| ApiError::internal("verification stopped"))?
    .map_err(|_| {
        ApiError::invalid_proof(
            "the credential presentation does not verify for this official, epoch and sealed tip",
        )
    })?;
    // One tip per tag: an atomic insert-if-absent, so of two racing tips only one wins.
    if !s.reserved.reserve(epoch, &tag.0) {
        return Err(ApiError::conflict(
            "this credential already sent a tip about this official in this epoch: follow up with your receipt",
        ));
    }
    let receipt_code = probity_credentials::Receipt::generate(&mut OsRng);
    let tip = PooledTip {
        subject: official,
        epoch,
        tag: hex::encode(tag.0),
        sealed_sha256: hex::encode(sealed.digest().0),
        sealed: req.sealed,
        receipt: hex::encode(receipt_code.storage_hash().0),
    };
    let accepted = match s.tip_window_end() {
        Some(until) => s.pool_tip(&tip).await.map(|()| (None, Some(until))),
        None => {
            let prepare = tip.prepare(
                s.config.reporters_threshold,
                s.config.reporters_window_epochs,
                true,
            );
            s.write(prepare).await.and_then(|mut receipts| {
                (!receipts.is_empty())
                    .then(|| (Some(receipts.swap_remove(0)), None))
                    .ok_or_else(|| ApiError::internal("the tip was not logged"))
            })
        }
    };
    let (receipt, pooled_until) = match accepted {
        Ok(a) => a,
        Err(e) => {
            // Nothing durable holds the tip: free its tag for a retry.
            s.reserved.release(epoch, &tag.0);
            return Err(e);
        }
    };
    Ok(Json(TipAccepted {
        receipt_code: receipt_code.to_string(),
        receipt,
        pooled_until,
    }))
}

/// A tip's status and the supervisors' replies, by receipt code.
#[utoipa::path(post, path = "/v1/tips/status", tag = "whistleblower", request_body = TipStatusQuery, responses((status = 200, body = TipStatus), (status = 404, body = crate::error::ErrorEnvelope)))]
async fn tip_status(State(s): State<AppState>, body: Bytes) -> ApiResult<TipStatus> {
    let req: TipStatusQuery = json(&body)?;
    let code = probity_credentials::Receipt::parse(&req.receipt_code)
        .map_err(|_| ApiError::bad_request("the receipt code is not valid"))?;
    let hash = hex::encode(code.storage_hash().0);
    let logged = {
        let state = s.state();
        state.tip_receipts.get(&hash).map(|&entry| {
            state
                .tips
                .get(&entry)
                .map(|tip| (entry, tip_status_text(tip), tip.replies.clone()))
        })
    };
    match logged {
        Some(Some((entry, status, replies))) => {
            let checkpoint = s
                .log
                .latest_checkpoint()?
                .ok_or_else(|| ApiError::internal("a logged tip has no checkpoint"))?;
            Ok(Json(TipStatus {
                status,
                entry: Some(entry),
                receipt: Some(s.log.receipt(entry, &checkpoint)?),
                replies,
            }))
        }
        Some(None) => Err(ApiError::internal("a receipt points at a missing tip")),
        None if s.pooled_tip(&hash)?.is_some() => Ok(Json(TipStatus {
            status: "pooled".into(),
            entry: None,
            receipt: None,
            replies: Vec::new(),
        })),
        None => Err(ApiError::not_found("no tip has this receipt code")),
    }
}
