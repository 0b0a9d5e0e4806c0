//! The one error envelope of the API: `{ "error": { "code", "message" } }` (DESIGN.md §9).
//! Messages say what was wrong and what to do; they never quote a secret.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The error envelope on the wire.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ErrorEnvelope {
    /// The error.
    pub error: ErrorBody,
}

/// The body of the error envelope.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
pub struct ErrorBody {
    /// Stable code: `bad_request`, `unauthorized`, `forbidden`, `not_found`,
    /// `method_not_allowed`, `conflict`, `payload_too_large`, `uri_too_long`,
    /// `headers_too_large`, `invalid_proof`, `unprocessable`, `timeout`, `overloaded`,
    /// `unavailable` or `internal`.
    pub code: String,
    /// What went wrong and what to do.
    pub message: String,
}
