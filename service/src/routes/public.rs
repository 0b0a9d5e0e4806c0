//! The public routes: liveness, metrics, this API's document, the service's keys and
//! policy, the params, and the registry of officials and supervisors. No authorization.

use axum::{
    extract::{Path, State},
    http::header,
    response::{IntoResponse, Response},
    Json,
};
use probity_core::OfficialId;
use probity_credentials::Epoch;

use super::{openapi, ApiResult, AppState};
use crate::{api::*, error::ApiError};

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
    }))
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
