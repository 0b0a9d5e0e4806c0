//! The log's routes (C2SP tlog-checkpoint and tlog-tiles, entries, proofs): public, so that
//! anyone can audit the ledger.

use axum::{
    extract::{Path, Query, State},
    http::header,
    response::{IntoResponse, Response},
    Json,
};
use serde::Deserialize;

use super::{ApiResult, AppState};
use crate::{api::*, error::ApiError};

/// Most log entries per page.
const MAX_PAGE: u64 = 1_000;

/// The latest signed checkpoint (C2SP tlog-checkpoint, signed note).
#[utoipa::path(get, path = "/v1/log/checkpoint", tag = "log", responses((status = 200, description = "the checkpoint note", body = String, content_type = "text/plain; charset=utf-8"), (status = 404, description = "the log has no checkpoint yet", body = crate::error::ErrorEnvelope)))]
pub(super) async fn checkpoint(State(s): State<AppState>) -> Result<Response, ApiError> {
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
pub(super) async fn tile(
    State(s): State<AppState>,
    Path(path): Path<String>,
) -> Result<Response, ApiError> {
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
pub(super) struct Range {
    start: u64,
    end: u64,
}

/// Entries `start..end` (at most 1,000) of the latest checkpoint's tree, as canonical JSON.
#[utoipa::path(get, path = "/v1/log/entries", tag = "log", params(("start" = u64, Query, description = "first index"), ("end" = u64, Query, description = "one past the last index")), responses((status = 200, body = EntriesPage), (status = 400, body = crate::error::ErrorEnvelope)))]
pub(super) async fn entries(
    State(s): State<AppState>,
    Query(r): Query<Range>,
) -> ApiResult<EntriesPage> {
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
pub(super) struct InclusionQuery {
    index: u64,
    size: u64,
}

/// The inclusion proof of entry `index` in the tree of `size` entries.
#[utoipa::path(get, path = "/v1/log/inclusion", tag = "log", params(("index" = u64, Query, description = "the entry"), ("size" = u64, Query, description = "the tree size")), responses((status = 200, description = "the proof", body = Object), (status = 400, body = crate::error::ErrorEnvelope)))]
pub(super) async fn inclusion(
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
pub(super) struct ConsistencyQuery {
    old: u64,
    new: u64,
}

/// The consistency proof from tree size `old` to `new`.
#[utoipa::path(get, path = "/v1/log/consistency", tag = "log", params(("old" = u64, Query, description = "the older size"), ("new" = u64, Query, description = "the newer size")), responses((status = 200, description = "the proof", body = Object), (status = 400, body = crate::error::ErrorEnvelope)))]
pub(super) async fn consistency(
    State(s): State<AppState>,
    Query(q): Query<ConsistencyQuery>,
) -> Result<Response, ApiError> {
    let proof = s
        .log
        .consistency_proof(q.old, q.new)
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    Ok(Json(proof).into_response())
}
