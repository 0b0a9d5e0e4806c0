//! Signed requests (DESIGN.md §9): officials, supervisors and the registrar sign every request
//! with their Ed25519 key.
//!
//! The signature covers, one per line, the label `probity/request/v1`, the method, the path
//! with its query, the lower-case hex SHA-256 of the body, the timestamp (POSIX seconds) and
//! the nonce (16 random bytes in hex). It travels in four headers:
//!
//! | header | value |
//! |---|---|
//! | `probity-key` | the signer's public key, 64 hex characters |
//! | `probity-timestamp` | POSIX seconds |
//! | `probity-nonce` | 32 hex characters |
//! | `probity-signature` | the Ed25519 signature, 128 hex characters |
//!
//! [`signing_message`] is the one definition of the signed bytes: clients sign them
//! ([`sign_request`]) and the service verifies them. How fresh a timestamp must be and how
//! nonces are remembered is the service's policy, not part of the format. Whistleblowers never
//! sign: their credential presentation is their authorization, and nothing identifies them.

use ed25519_dalek::{Signer as _, SigningKey};
use sha2::{Digest as _, Sha256};

/// Header: the signer's public key.
pub const KEY_HEADER: &str = "probity-key";
/// Header: the timestamp.
pub const TIMESTAMP_HEADER: &str = "probity-timestamp";
/// Header: the nonce.
pub const NONCE_HEADER: &str = "probity-nonce";
/// Header: the signature.
pub const SIGNATURE_HEADER: &str = "probity-signature";

const LABEL: &str = "probity/request/v1";

/// The bytes a request signature covers.
pub fn signing_message(
    method: &str,
    path_and_query: &str,
    body: &[u8],
    timestamp: u64,
    nonce: &str,
) -> Vec<u8> {
    format!(
        "{LABEL}\n{method}\n{path_and_query}\n{}\n{timestamp}\n{nonce}",
        hex::encode(Sha256::digest(body))
    )
    .into_bytes()
}

/// The four headers that sign a request, made with `key` at `timestamp` with a fresh nonce.
pub fn sign_request(
    key: &SigningKey,
    method: &str,
    path_and_query: &str,
    body: &[u8],
    timestamp: u64,
) -> [(&'static str, String); 4] {
    let mut nonce = [0u8; 16];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut nonce);
    let nonce = hex::encode(nonce);
    let signature = key.sign(&signing_message(
        method,
        path_and_query,
        body,
        timestamp,
        &nonce,
    ));
    [
        (KEY_HEADER, hex::encode(key.verifying_key().as_bytes())),
        (TIMESTAMP_HEADER, timestamp.to_string()),
        (NONCE_HEADER, nonce),
        (SIGNATURE_HEADER, hex::encode(signature.to_bytes())),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The signed bytes are a protocol constant: a change here breaks every deployed client.
    #[test]
    fn the_signed_message_is_the_documented_lines() {
        let message = signing_message("POST", "/v1/filings?x=1", b"{}", 1_800_000_000, "ab");
        assert_eq!(
            String::from_utf8(message).expect("text"),
            "probity/request/v1\nPOST\n/v1/filings?x=1\n\
             44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a\n\
             1800000000\nab"
        );
    }
}
