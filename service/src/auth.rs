//! Signed requests (DESIGN.md §9): officials, supervisors and the registrar sign every request
//! with their Ed25519 key. The format (the signed bytes and the four headers) is
//! [`probity_api::signing`], shared with the clients; this module is the service's half: it
//! verifies a request's signature against that format and the service's clock.
//!
//! The service refuses a timestamp more than [`MAX_CLOCK_SKEW_SECS`] from its clock, and a
//! nonce it has seen from the same key: nonces are kept, durably, for twice that window, so
//! a replay is refused even across a restart. Whistleblowers never sign: their credential
//! presentation is their authorization, and nothing identifies them.

use ed25519_dalek::VerifyingKey;
pub use probity_api::signing::{
    sign_request, signing_message, KEY_HEADER, NONCE_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER,
};

use crate::error::ApiError;

/// The largest accepted difference between a request's timestamp and the service's clock.
pub const MAX_CLOCK_SKEW_SECS: u64 = 300;

/// A request whose signature verified: who signed it, and the nonce to record.
#[derive(Clone, Debug)]
pub(crate) struct VerifiedSignature {
    pub(crate) key: VerifyingKey,
    pub(crate) nonce: [u8; 16],
    pub(crate) timestamp: u64,
}

fn header<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> Result<&'a str, ApiError> {
    headers
        .get(name)
        .ok_or_else(|| {
            ApiError::unauthorized(format!(
                "this route needs a signed request: the `{name}` header is missing"
            ))
        })?
        .to_str()
        .map_err(|_| ApiError::unauthorized(format!("the `{name}` header is not ASCII")))
}

fn hex_array<const N: usize>(text: &str, name: &str) -> Result<[u8; N], ApiError> {
    hex::decode(text)
        .ok()
        .and_then(|b| <[u8; N]>::try_from(b).ok())
        .ok_or_else(|| {
            ApiError::unauthorized(format!(
                "the `{name}` header must be {} hex characters",
                2 * N
            ))
        })
}

/// Checks a request's signature headers against its method, path, body and the clock `now`
/// (POSIX seconds). Does not check the nonce against earlier requests: the caller records it.
pub(crate) fn verify_request(
    method: &str,
    path_and_query: &str,
    headers: &axum::http::HeaderMap,
    body: &[u8],
    now: u64,
) -> Result<VerifiedSignature, ApiError> {
    let key_text = header(headers, KEY_HEADER)?;
    let timestamp_text = header(headers, TIMESTAMP_HEADER)?;
    let nonce_text = header(headers, NONCE_HEADER)?;
    let signature_text = header(headers, SIGNATURE_HEADER)?;
    let key = VerifyingKey::from_bytes(&hex_array::<32>(key_text, KEY_HEADER)?)
        .map_err(|_| ApiError::unauthorized("the `probity-key` header is not an Ed25519 key"))?;
    let timestamp: u64 = timestamp_text.parse().map_err(|_| {
        ApiError::unauthorized("the `probity-timestamp` header must be POSIX seconds")
    })?;
    if timestamp.abs_diff(now) > MAX_CLOCK_SKEW_SECS {
        return Err(ApiError::unauthorized(format!(
            "the request's timestamp is more than {MAX_CLOCK_SKEW_SECS} seconds from the service's clock: check this machine's clock and send the request again"
        )));
    }
    let nonce = hex_array::<16>(nonce_text, NONCE_HEADER)?;
    // The nonce is signed as sent; lower case only, so one nonce has one spelling.
    if nonce_text != hex::encode(nonce) {
        return Err(ApiError::unauthorized(
            "the `probity-nonce` header must be lower-case hex",
        ));
    }
    let signature =
        ed25519_dalek::Signature::from_bytes(&hex_array::<64>(signature_text, SIGNATURE_HEADER)?);
    let message = signing_message(method, path_and_query, body, timestamp, nonce_text);
    key.verify_strict(&message, &signature).map_err(|_| {
        ApiError::unauthorized(
            "the request signature does not verify for this key, method, path and body",
        )
    })?;
    Ok(VerifiedSignature {
        key,
        nonce,
        timestamp,
    })
}

/// Parses an Ed25519 public key in hex.
pub(crate) fn parse_public_key(text: &str) -> Result<VerifyingKey, String> {
    hex::decode(text.trim())
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .and_then(|b| VerifyingKey::from_bytes(&b).ok())
        .ok_or_else(|| "not an Ed25519 public key (64 hex characters)".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{HeaderMap, HeaderValue};
    use ed25519_dalek::SigningKey;

    fn headers(signed: [(&'static str, String); 4]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (name, value) in signed {
            h.insert(name, HeaderValue::from_str(&value).expect("ascii"));
        }
        h
    }

    #[test]
    fn a_signed_request_verifies_and_any_change_fails() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let now = 1_800_000_000;
        let h = headers(sign_request(&key, "POST", "/v1/filings", b"{}", now));
        let ok = verify_request("POST", "/v1/filings", &h, b"{}", now).expect("verifies");
        assert_eq!(ok.key, key.verifying_key());
        assert!(verify_request("PUT", "/v1/filings", &h, b"{}", now).is_err());
        assert!(verify_request("POST", "/v1/filings?x=1", &h, b"{}", now).is_err());
        assert!(verify_request("POST", "/v1/filings", &h, b"{ }", now).is_err());
        assert!(verify_request("POST", "/v1/filings", &h, b"{}", now + 301).is_err());
        assert!(verify_request("POST", "/v1/filings", &h, b"{}", now - 301).is_err());
        assert!(verify_request("POST", "/v1/filings", &h, b"{}", now + 300).is_ok());
        for name in [KEY_HEADER, TIMESTAMP_HEADER, NONCE_HEADER, SIGNATURE_HEADER] {
            let mut missing = h.clone();
            missing.remove(name);
            assert!(verify_request("POST", "/v1/filings", &missing, b"{}", now).is_err());
        }
        let mut other_nonce = h.clone();
        other_nonce.insert(
            NONCE_HEADER,
            HeaderValue::from_static("00000000000000000000000000000000"),
        );
        assert!(verify_request("POST", "/v1/filings", &other_nonce, b"{}", now).is_err());
        let mut other_key = h.clone();
        let stranger = SigningKey::from_bytes(&[8; 32]);
        other_key.insert(
            KEY_HEADER,
            HeaderValue::from_str(&hex::encode(stranger.verifying_key().as_bytes()))
                .expect("ascii"),
        );
        assert!(verify_request("POST", "/v1/filings", &other_key, b"{}", now).is_err());
    }

    /// A header value as a client may send it: any bytes a header can carry.
    fn header_bytes() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
        proptest::collection::vec(
            proptest::prop_oneof![
                0x20u8..=0x7e,
                0x80u8..=0xff,
                proptest::strategy::Just(b'\t')
            ],
            0..140,
        )
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        /// The four headers come from anyone: any value gets a 401, never a panic.
        #[test]
        fn any_signature_headers_are_refused_without_panicking(
            values in proptest::array::uniform4(header_bytes()),
            keep in proptest::array::uniform4(proptest::bool::ANY),
            now in proptest::prop_oneof![proptest::strategy::Just(1_800_000_000u64), proptest::num::u64::ANY],
        ) {
            let key = SigningKey::from_bytes(&[7; 32]);
            let mut h = headers(sign_request(&key, "POST", "/v1/filings", b"{}", 1_800_000_000));
            let names = [KEY_HEADER, TIMESTAMP_HEADER, NONCE_HEADER, SIGNATURE_HEADER];
            for ((name, value), keep) in names.into_iter().zip(values).zip(keep) {
                if !keep {
                    h.insert(name, HeaderValue::from_bytes(&value).expect("header bytes"));
                }
            }
            let verified = verify_request("POST", "/v1/filings", &h, b"{}", now);
            if keep.iter().any(|k| !k) {
                proptest::prop_assert!(verified.is_err());
            }
        }
    }
}
