//! The one error envelope of the API: `{ "error": { "code", "message" } }` (DESIGN.md §9).
//!
//! The envelope's wire types are [`probity_api`]'s, shared with the clients that decode it.
//! Every failure a handler returns is an [`ApiError`]; failures that happen outside the
//! handlers (unknown route, wrong method, oversized body, timeout, overload) are rewritten into
//! the same envelope by [`envelope_middleware`]. Messages say what was wrong and what to do;
//! they never quote a secret (an amount, a blinding, a key, a tip). [`OpenError`] is the one
//! failure of starting the service.

use axum::{
    body::Body,
    http::{header, HeaderValue, Response, StatusCode},
    response::IntoResponse,
};
pub use probity_api::{ErrorBody, ErrorEnvelope};

/// An API failure: an HTTP status, a stable machine-readable code and a message for people.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The stable code, e.g. `bad_request`.
    pub code: &'static str,
    /// What went wrong and what to do.
    pub message: String,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    /// 400: the request is malformed.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    /// 401: the request's signature is missing, stale, replayed or does not verify.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    /// 403: the signer's role may not do this.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    /// 404: no such thing.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// 409: the request conflicts with what is already recorded.
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "conflict", message)
    }

    /// 413: the body is larger than the route accepts.
    pub fn payload_too_large() -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "the request body is larger than this route accepts",
        )
    }

    /// 416: the range asked for holds no byte of the file.
    pub fn range_not_satisfiable(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::RANGE_NOT_SATISFIABLE,
            "range_not_satisfiable",
            message,
        )
    }

    /// 422: a proof or presentation does not verify.
    pub fn invalid_proof(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_proof", message)
    }

    /// 422: well-formed, but breaks a rule of the protocol.
    pub fn unprocessable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "unprocessable", message)
    }

    /// 503: the service cannot take writes now.
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", message)
    }

    /// 503: the service has no room for this request now (the body budget is spent).
    pub fn overloaded(message: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "overloaded", message)
    }

    /// 500: a fault of the service (storage). The message names the component, never input.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
    }

    /// The envelope.
    pub fn envelope(&self) -> ErrorEnvelope {
        ErrorEnvelope {
            error: ErrorBody {
                code: self.code.to_owned(),
                message: self.message.clone(),
            },
        }
    }
}

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct OpenError(pub String);

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({}): {}",
            self.status.as_u16(),
            self.code,
            self.message
        )
    }
}

impl std::error::Error for ApiError {}

impl IntoResponse for ApiError {
    fn into_response(self) -> axum::response::Response {
        if self.status.is_server_error() {
            tracing::error!(code = self.code, message = %self.message, "request failed");
        }
        let body = serde_json::to_vec(&self.envelope()).unwrap_or_default();
        let mut response = Response::new(Body::from(body));
        *response.status_mut() = self.status;
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        response
    }
}

impl From<probity_ledger::LogError> for ApiError {
    fn from(e: probity_ledger::LogError) -> Self {
        Self::internal(format!("the ledger failed: {e}"))
    }
}

impl From<probity_ledger::StoreError> for ApiError {
    fn from(e: probity_ledger::StoreError) -> Self {
        Self::internal(e.to_string())
    }
}

impl From<sled::Error> for ApiError {
    fn from(e: sled::Error) -> Self {
        Self::internal(format!("the database failed: {e}"))
    }
}

/// Rewrites every error response that is not already an envelope (axum's own rejections, the
/// body limit, timeouts, the concurrency limit, unknown routes) into the envelope.
pub(crate) async fn envelope_middleware(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let response = next.run(request).await;
    let status = response.status();
    // A JSON error is already an envelope; an HTML one is a page of the register, which
    // answers people, not programs, in their language.
    let is_own = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| {
            v.as_bytes().starts_with(b"application/json") || v.as_bytes().starts_with(b"text/html")
        });
    if !(status.is_client_error() || status.is_server_error()) || is_own {
        return response;
    }
    let (code, message) = match status {
        StatusCode::NOT_FOUND => ("not_found", "no such route: see /v1/openapi.json"),
        StatusCode::METHOD_NOT_ALLOWED => (
            "method_not_allowed",
            "this route does not take that method: see /v1/openapi.json",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => (
            "payload_too_large",
            "the request body is larger than this route accepts",
        ),
        StatusCode::REQUEST_TIMEOUT => ("timeout", "the request took too long; try again"),
        StatusCode::SERVICE_UNAVAILABLE | StatusCode::TOO_MANY_REQUESTS => {
            ("overloaded", "the service is busy; try again shortly")
        }
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            "bad_request",
            "send the body as JSON with `content-type: application/json`",
        ),
        s if s.is_server_error() => ("internal", "the service failed; try again later"),
        _ => ("bad_request", "the request is not valid"),
    };
    ApiError::new(status, code, message).into_response()
}
