//! A blocking client of the `/v1` API, for every role's command line, the demo, the tests
//! and the load generator. With a key it signs every request ([`probity_api::signing`]).

use std::{sync::Arc, time::Duration};

use ed25519_dalek::SigningKey;
use probity_api::{signing, ErrorEnvelope};
use probity_ledger::{HttpSource, LogSource as _, TileError, Timestamp, CHECKPOINT_PATH};
use serde::{de::DeserializeOwned, Serialize};

/// Largest response body the client reads.
const MAX_RESPONSE: u64 = 64 << 20;

/// Where a service serves its log as C2SP tlog-tiles (`checkpoint`, `tile/…`), under its base
/// URL.
pub const LOG_TILES_PATH: &str = "/v1/log/";

/// The log at `url`, for an auditor or a witness, who may give the service's address (what
/// `--server` takes: `http://host:8080`, with or without a final `/`) or the base of the
/// log's tiles (the service's `…/v1/log`, or a mirror on any web server).
///
/// The URL as given is tried first; where it serves no checkpoint, a service's tiles under
/// it are. This only chooses where to read: the caller verifies all it reads against the
/// log's key. A URL that serves neither is returned as given, so the reader's error names it.
pub fn log_source(url: &str) -> Result<HttpSource, TileError> {
    let given = HttpSource::new(url)?;
    if !matches!(given.read(CHECKPOINT_PATH), Err(TileError::NotFound(_))) {
        return Ok(given);
    }
    let service = HttpSource::new(&format!("{}{LOG_TILES_PATH}", given.base()))?;
    Ok(if service.read(CHECKPOINT_PATH).is_ok() {
        service
    } else {
        given
    })
}

/// The time a signature is made at: the system clock unless a test moves it. The same type
/// as the service's clock, so that a test gives both one clock.
pub type Clock = Arc<dyn Fn() -> Timestamp + Send + Sync>;

/// A request that failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The service answered with an error envelope.
    #[error("the service refused ({status} {code}): {message}")]
    Api {
        /// HTTP status.
        status: u16,
        /// The envelope's code.
        code: String,
        /// The envelope's message.
        message: String,
    },
    /// The service could not be reached.
    #[error("cannot reach the service at {base}: {reason}")]
    Transport {
        /// The base URL.
        base: String,
        /// What failed.
        reason: String,
    },
    /// The answer is not what the route returns.
    #[error("the service's answer is not valid: {0}")]
    Decode(String),
}

impl ClientError {
    /// The HTTP status, for an API error.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Api { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// A client of one service.
#[derive(Clone)]
pub struct Client {
    base: String,
    agent: ureq::Agent,
    key: Option<SigningKey>,
    clock: Option<Clock>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.base)
            .field("signs", &self.key.is_some())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client of the service at `base` (`http://127.0.0.1:8080`), unsigned.
    pub fn new(base: &str) -> Self {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(120)))
            .build()
            .into();
        Self {
            base: base.trim_end_matches('/').to_owned(),
            agent,
            key: None,
            clock: None,
        }
    }

    /// This machine's time as the client sees it: the system clock, or the clock set with
    /// [`Client::with_clock`]. Signatures carry it, and whatever the roles compute from "now"
    /// (a credential's expiry, the current epoch) uses it.
    pub fn now(&self) -> Timestamp {
        self.clock.as_ref().map_or_else(Timestamp::now, |c| c())
    }

    /// The same client, timestamping signatures with `clock` instead of the system clock
    /// (for tests that move the service's clock).
    pub fn with_clock(&self, clock: Clock) -> Self {
        Self {
            clock: Some(clock),
            ..self.clone()
        }
    }

    /// The same client, signing every request with `key`.
    pub fn signed(&self, key: SigningKey) -> Self {
        Self {
            key: Some(key),
            ..self.clone()
        }
    }

    /// The base URL.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// `GET path` (with its query), decoded from JSON.
    pub fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        let bytes = self.send("GET", path, None)?;
        serde_json::from_slice(&bytes).map_err(|e| ClientError::Decode(e.to_string()))
    }

    /// `GET path`, the raw body.
    pub fn get_bytes(&self, path: &str) -> Result<Vec<u8>, ClientError> {
        self.send("GET", path, None)
    }

    /// `POST path` with a JSON body, decoded from JSON.
    pub fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, ClientError> {
        let body = serde_json::to_vec(body).map_err(|e| ClientError::Decode(e.to_string()))?;
        self.post_raw(path, body)
    }

    /// `POST path` with raw body bytes (for tests of malformed input), decoded from JSON.
    pub fn post_raw<T: DeserializeOwned>(
        &self,
        path: &str,
        body: Vec<u8>,
    ) -> Result<T, ClientError> {
        let bytes = self.send("POST", path, Some(body))?;
        serde_json::from_slice(&bytes).map_err(|e| ClientError::Decode(e.to_string()))
    }

    /// `GET path` (unsigned) for a file too large to hold in memory: its length as declared,
    /// if it is, and a reader of its body. The transfer has no overall time limit, only one on
    /// each read, so a large file on a slow link is not cut off. An error answer is read and
    /// returned as [`ClientError::Api`].
    pub fn get_large(
        &self,
        path: &str,
    ) -> Result<(Option<u64>, impl std::io::Read + 'static), ClientError> {
        let url = format!("{}{path}", self.base);
        let transport = |reason: String| ClientError::Transport {
            base: self.base.clone(),
            reason,
        };
        let response = self
            .agent
            .get(&url)
            .config()
            .timeout_global(None)
            .timeout_per_read(Some(Duration::from_secs(60)))
            .build()
            .call()
            .map_err(|e| transport(e.to_string()))?;
        let status = response.status().as_u16();
        let mut body = response.into_body();
        if !(200..300).contains(&status) {
            let bytes = body
                .with_config()
                .limit(MAX_RESPONSE)
                .read_to_vec()
                .map_err(|e| transport(e.to_string()))?;
            return Err(error_answer(status, &bytes));
        }
        let length = body.content_length();
        Ok((length, body.into_with_config().limit(u64::MAX).reader()))
    }

    fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<Vec<u8>>,
    ) -> Result<Vec<u8>, ClientError> {
        let url = format!("{}{path}", self.base);
        let transport = |reason: String| ClientError::Transport {
            base: self.base.clone(),
            reason,
        };
        let signature = self.key.as_ref().map(|key| {
            let now = self.now().as_millis() / 1000;
            signing::sign_request(key, method, path, body.as_deref().unwrap_or_default(), now)
        });
        let mut response = match (method, body) {
            ("GET", _) => {
                let mut request = self.agent.get(&url);
                for (name, value) in signature.iter().flatten() {
                    request = request.header(*name, value);
                }
                request.call()
            }
            (_, body) => {
                let mut request = self
                    .agent
                    .post(&url)
                    .header("content-type", "application/json");
                for (name, value) in signature.iter().flatten() {
                    request = request.header(*name, value);
                }
                request.send(body.unwrap_or_default())
            }
        }
        .map_err(|e| transport(e.to_string()))?;
        let status = response.status().as_u16();
        let bytes = response
            .body_mut()
            .with_config()
            .limit(MAX_RESPONSE)
            .read_to_vec()
            .map_err(|e| transport(e.to_string()))?;
        if (200..300).contains(&status) {
            return Ok(bytes);
        }
        Err(error_answer(status, &bytes))
    }
}

/// The error of an answer with status `status` and body `bytes`: the envelope's, or the
/// start of the body when it is not an envelope.
fn error_answer(status: u16, bytes: &[u8]) -> ClientError {
    match serde_json::from_slice::<ErrorEnvelope>(bytes) {
        Ok(envelope) => ClientError::Api {
            status,
            code: envelope.error.code,
            message: envelope.error.message,
        },
        Err(_) => ClientError::Api {
            status,
            code: "unknown".into(),
            message: String::from_utf8_lossy(bytes).chars().take(200).collect(),
        },
    }
}
