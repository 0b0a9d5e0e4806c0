//! The public routes: liveness, metrics, this API's document, the service's keys and
//! policy, the params, and the registry of officials and supervisors. No authorization.

use axum::{
    body::Body,
    extract::{Path, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use probity_core::OfficialId;
use probity_credentials::Epoch;

use super::{openapi, ApiResult, AppState};
use crate::{
    api::*,
    download::{self, FileChunks, Ranged},
    error::ApiError,
    files, rules,
};

/// Liveness.
#[utoipa::path(get, path = "/healthz", tag = "public", responses((status = 200, description = "ok", body = String, content_type = "text/plain; charset=utf-8")))]
pub(super) async fn healthz() -> &'static str {
    "ok"
}

/// Prometheus metrics.
#[utoipa::path(get, path = "/metrics", tag = "public", responses((status = 200, description = "Prometheus text exposition", body = String, content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8")))]
pub(super) async fn metrics(State(s): State<AppState>) -> Response {
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
pub(super) async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(openapi())
}

/// The service's keys, epoch and filing policy.
#[utoipa::path(get, path = "/v1/info", tag = "public", responses((status = 200, body = ServiceInfo)))]
pub(super) async fn info(State(s): State<AppState>) -> ApiResult<ServiceInfo> {
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
        keys: s.keys,
        rules: rules::ALL
            .iter()
            .map(|r| RuleInfo {
                name: r.name.to_owned(),
                fires_when: r.fires_when.to_owned(),
                weight: r.weight,
                settings: rules::settings(r.name, &s.config)
                    .into_iter()
                    .map(|(name, value)| RuleSetting {
                        name: name.to_owned(),
                        value,
                    })
                    .collect(),
            })
            .collect(),
    }))
}

/// Every published supervision policy, oldest first: what each position must prove.
#[utoipa::path(get, path = "/v1/policies", tag = "public", responses((status = 200, body = Vec<PolicyView>)))]
pub(super) async fn policies(State(s): State<AppState>) -> ApiResult<Vec<PolicyView>> {
    Ok(Json(s.state().policies.clone()))
}

/// The params manifest (verifying keys).
#[utoipa::path(get, path = "/v1/params", tag = "public", responses((status = 200, description = "the params manifest", body = Object)))]
pub(super) async fn params(State(s): State<AppState>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        s.manifest.to_json(),
    )
        .into_response()
}

/// How long a cache may reuse a proving key before asking again.
///
/// Not `immutable`: a file's name (`net_worth_range-16.pk`) names a statement and a capacity,
/// not a key, and params made again serve other bytes under the same name. The `ETag` is the
/// manifest's SHA-256 of the file, so asking again costs a 304; an hour bounds how long a
/// cache may serve a key the service has replaced. A stale or altered key can only fail a
/// download: clients check each key against the manifest on the log, never trust this route.
const PARAMS_FILE_MAX_AGE_SECS: u64 = 3600;

/// A proving key named in the params manifest (its `proving_key_file`), for officials to
/// download on first use. One byte range may be asked for (`Range: bytes=…`, honoured as long
/// as `If-Range`, if sent, is the current `ETag`); the `ETag` is the file's SHA-256 from the
/// manifest, which clients check against the manifest on the log, not against this route.
#[utoipa::path(
    get,
    path = "/v1/params/{file}",
    tag = "public",
    params(
        ("file" = String, Path, description = "a `proving_key_file` of the params manifest (GET /v1/params)"),
        ("range" = Option<String>, Header, description = "one byte range: `bytes=START-END`, `bytes=START-` or `bytes=-LENGTH`"),
        ("if-range" = Option<String>, Header, description = "the `ETag` the range is asked of: another one gets the whole file"),
        ("if-none-match" = Option<String>, Header, description = "an `ETag` held: 304 if it is still the file's"),
    ),
    responses(
        (status = 200, description = "the whole proving key", body = String, content_type = "application/octet-stream"),
        (status = 206, description = "the byte range asked for, with `Content-Range`", body = String, content_type = "application/octet-stream"),
        (status = 304, description = "the `ETag` sent is still the file's"),
        (status = 404, description = "the manifest names no such file", body = crate::error::ErrorEnvelope),
        (status = 416, description = "the range holds no byte of the file", body = crate::error::ErrorEnvelope),
    )
)]
pub(super) async fn params_file(
    State(s): State<AppState>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    // Only the files the manifest names, and only plain names: nothing else of the data
    // folder is reachable through this route.
    let entry = s
        .manifest
        .keys
        .iter()
        .find(|e| e.proving_key_file == file)
        .filter(|e| {
            std::path::Path::new(&e.proving_key_file)
                .file_name()
                .is_some_and(|n| n == e.proving_key_file.as_str())
        })
        .ok_or_else(|| {
            ApiError::not_found(
                "the params manifest names no such file: the proving keys are the `proving_key_file`s of GET /v1/params",
            )
        })?;
    let etag = HeaderValue::from_str(&format!("\"{}\"", entry.proving_key_sha256))
        .map_err(|_| ApiError::internal("the params manifest has a malformed SHA-256"))?;
    let cache = HeaderValue::from_str(&format!("public, max-age={PARAMS_FILE_MAX_AGE_SECS}"))
        .expect("the header value is ASCII");
    let matches = |name: header::HeaderName| {
        headers.get(name).is_some_and(|v| {
            v.to_str().is_ok_and(|v| {
                v.split(',')
                    .any(|t| t.trim() == "*" || t.trim().trim_start_matches("W/") == etag)
            })
        })
    };
    if matches(header::IF_NONE_MATCH) {
        return Ok((
            StatusCode::NOT_MODIFIED,
            [(header::ETAG, etag), (header::CACHE_CONTROL, cache)],
        )
            .into_response());
    }
    let path = s
        .data_dir()
        .join(files::PARAMS)
        .join(&entry.proving_key_file);
    let (opened, len) = download::open(path).await.map_err(|e| {
        ApiError::internal(format!(
            "cannot read a proving key of the params folder: {e}"
        ))
    })?;
    let asked = headers
        .get(header::RANGE)
        .filter(|_| !headers.contains_key(header::IF_RANGE) || matches(header::IF_RANGE))
        .and_then(|v| v.to_str().ok())
        .map_or(Ranged::Whole, |v| download::range(v, len));
    let (status, start, end) = match asked {
        Ranged::Whole => (StatusCode::OK, 0, len),
        Ranged::Part { start, end } => (StatusCode::PARTIAL_CONTENT, start, end + 1),
        Ranged::Unsatisfiable => {
            let mut response = ApiError::range_not_satisfiable(format!(
                "the range holds no byte of the file, which has {len} bytes"
            ))
            .into_response();
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{len}")) {
                response.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            return Ok(response);
        }
    };
    let mut response = Response::new(Body::new(FileChunks::new(opened, start, end - start)));
    *response.status_mut() = status;
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(end - start));
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(header::ETAG, etag);
    h.insert(header::CACHE_CONTROL, cache);
    if status == StatusCode::PARTIAL_CONTENT {
        if let Ok(v) = HeaderValue::from_str(&format!("bytes {start}-{}/{len}", end - 1)) {
            h.insert(header::CONTENT_RANGE, v);
        }
    }
    Ok(response)
}

/// Every registered official.
#[utoipa::path(get, path = "/v1/officials", tag = "public", responses((status = 200, body = Vec<OfficialInfo>)))]
pub(super) async fn officials(State(s): State<AppState>) -> ApiResult<Vec<OfficialInfo>> {
    Ok(Json(s.directory().officials.values().cloned().collect()))
}

/// An official's public record: who they are, what they filed when, which proofs were
/// accepted. Never an amount.
#[utoipa::path(get, path = "/v1/officials/{official}", tag = "public", params(("official" = String, Path, description = "the official's id")), responses((status = 200, body = OfficialRecord), (status = 404, body = crate::error::ErrorEnvelope)))]
pub(super) async fn official_record(
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
pub(super) async fn supervisors(State(s): State<AppState>) -> ApiResult<Vec<SupervisorInfo>> {
    Ok(Json(s.state().supervisors.values().cloned().collect()))
}
