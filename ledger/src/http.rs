//! Reading a log over HTTP(S): a web server or bucket that serves its tiles.
//!
//! Nothing read here is trusted: the checkpoint is verified against the log's key, and every
//! hash and entry against the checkpoint, by the callers of [`LogSource`]. What this source
//! adds is bounded work per request: a timeout for the whole exchange, and a size limit per
//! response that follows from the path (a checkpoint note is at most 1,000,000 bytes, a hash
//! tile 256 hashes, an entry bundle 256 entries of at most [`MAX_ENTRY_LEN`] bytes each).

use std::{fmt, time::Duration};

use crate::{
    entry::MAX_ENTRY_LEN,
    tiles::{parse_tile_path, LogSource, TileError, CHECKPOINT_PATH, TILE_WIDTH},
};

/// Largest checkpoint note read: `signed_note`'s own limit on a note.
const MAX_CHECKPOINT_LEN: u64 = 1_000_000;

/// Largest hash tile: 256 SHA-256 hashes.
const MAX_HASH_TILE_LEN: u64 = TILE_WIDTH * tlog_tiles::HASH_SIZE as u64;

/// Largest entry bundle: 256 entries, each behind a 2-byte length.
const MAX_BUNDLE_LEN: u64 = TILE_WIDTH * (2 + MAX_ENTRY_LEN as u64);

/// How long one request may take, from connecting to the end of the body, by default.
pub const DEFAULT_HTTP_TIMEOUT: Duration = Duration::from_secs(30);

/// A log served over HTTP or HTTPS, at a base URL under which `checkpoint` and `tile/…` are
/// found (C2SP tlog-tiles).
///
/// Requests are blocking, one at a time, each bounded by a timeout and a size limit. A `404`
/// or `410` is [`TileError::NotFound`] (so that a reader falls back from a partial tile to the
/// full one); any other status but `200` is [`TileError::HttpStatus`].
#[derive(Clone)]
pub struct HttpSource {
    base: String,
    timeout: Duration,
    agent: ureq::Agent,
}

impl fmt::Debug for HttpSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpSource")
            .field("base", &self.base)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl HttpSource {
    /// The log at `base` (`https://host/path`, with or without a final `/`), with
    /// [`DEFAULT_HTTP_TIMEOUT`].
    pub fn new(base: &str) -> Result<Self, TileError> {
        Self::with_timeout(base, DEFAULT_HTTP_TIMEOUT)
    }

    /// The log at `base`, each request bounded by `timeout`.
    pub fn with_timeout(base: &str, timeout: Duration) -> Result<Self, TileError> {
        let has_host = base
            .strip_prefix("https://")
            .or_else(|| base.strip_prefix("http://"))
            .is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/'));
        if !has_host || base.contains(['?', '#']) || base.chars().any(char::is_whitespace) {
            return Err(TileError::BadUrl(base.to_owned()));
        }
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .http_status_as_error(false)
            .user_agent(concat!("probity-ledger/", env!("CARGO_PKG_VERSION")))
            .build();
        Ok(Self {
            base: base.trim_end_matches('/').to_owned(),
            timeout,
            agent: ureq::Agent::new_with_config(config),
        })
    }

    /// The base URL, without a final `/`.
    pub fn base(&self) -> &str {
        &self.base
    }

    fn url(&self, path: &str) -> String {
        format!("{}/{path}", self.base)
    }
}

/// The most a log can serve at `path` (a checkpoint or a valid tile path).
fn limit_for(path: &str) -> u64 {
    if path == CHECKPOINT_PATH {
        MAX_CHECKPOINT_LEN
    } else if path.starts_with("tile/entries/") {
        MAX_BUNDLE_LEN
    } else {
        MAX_HASH_TILE_LEN
    }
}

impl LogSource for HttpSource {
    fn read(&self, path: &str) -> Result<Vec<u8>, TileError> {
        if path != CHECKPOINT_PATH {
            parse_tile_path(path)?; // only tlog-tiles paths are ever requested
        }
        let url = self.url(path);
        let limit = limit_for(path);
        let failed = |e: ureq::Error| match e {
            ureq::Error::BodyExceedsLimit(_) => TileError::TooLarge {
                path: path.to_owned(),
                limit,
            },
            ureq::Error::Timeout(_) => TileError::Unreachable {
                url: url.clone(),
                reason: format!("no complete answer within {} s", self.timeout.as_secs_f32()),
            },
            ureq::Error::HostNotFound => TileError::Unreachable {
                url: url.clone(),
                reason: "the host name does not resolve".into(),
            },
            other => TileError::Unreachable {
                url: url.clone(),
                reason: other.to_string(),
            },
        };
        let response = self.agent.get(&url).call().map_err(failed)?;
        match response.status().as_u16() {
            200 => {}
            404 | 410 => return Err(TileError::NotFound(path.to_owned())),
            status => return Err(TileError::HttpStatus { url, status }),
        }
        let declared = response
            .headers()
            .get("content-length")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > limit) {
            return Err(TileError::TooLarge {
                path: path.to_owned(),
                limit,
            });
        }
        // ureq's limit refuses a body of exactly `limit` bytes (it fails on the read after the
        // last byte), so read one more and check here.
        let body = response
            .into_body()
            .with_config()
            .limit(limit + 1)
            .read_to_vec()
            .map_err(failed)?;
        if body.len() as u64 > limit {
            return Err(TileError::TooLarge {
                path: path.to_owned(),
                limit,
            });
        }
        Ok(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_checked() {
        for good in [
            "http://127.0.0.1:8080",
            "https://log.example/probity/",
            "https://log.example/a/b",
        ] {
            assert!(HttpSource::new(good).is_ok(), "{good}");
        }
        for bad in [
            "log.example",
            "ftp://log.example",
            "https://",
            "https:///path",
            "https://log.example/?x=1",
            "https://log.example/#top",
            "https://log example",
        ] {
            assert!(
                matches!(HttpSource::new(bad), Err(TileError::BadUrl(_))),
                "{bad}"
            );
        }
        assert_eq!(
            HttpSource::new("https://log.example/probity/")
                .expect("valid")
                .url("checkpoint"),
            "https://log.example/probity/checkpoint"
        );
    }

    #[test]
    fn limits_follow_the_path() {
        assert_eq!(limit_for("checkpoint"), 1_000_000);
        assert_eq!(limit_for("tile/0/000"), 8192);
        assert_eq!(limit_for("tile/1/000.p/3"), 8192);
        assert_eq!(limit_for("tile/entries/000"), 256 * 65_537);
    }

    #[test]
    fn only_tile_paths_are_requested() {
        // Refused before any request is made: nothing listens on port 9 of this test.
        let source = HttpSource::new("http://127.0.0.1:9").expect("valid");
        assert!(matches!(
            source.read("../secret"),
            Err(TileError::BadPath(_))
        ));
    }
}
