//! Keys and entries shared by the ledger's integration tests.
#![allow(dead_code, unreachable_pub)]

use probity_ledger::{Alert, CheckpointSigner, DetailDigest, Entry, RuleName, Timestamp};

/// The test log's key, origin `probity.test/log`.
pub fn signer() -> CheckpointSigner {
    CheckpointSigner::new(
        "probity.test/log",
        ed25519_dalek::SigningKey::from_bytes(&[42; 32]),
    )
    .expect("valid name")
}

/// A witness's key.
pub fn witness_key() -> CheckpointSigner {
    CheckpointSigner::new(
        "witness.test/audit-office",
        ed25519_dalek::SigningKey::from_bytes(&[7; 32]),
    )
    .expect("valid name")
}

/// A distinct, valid entry for index `i` (an alert whose digest encodes `tag` and `i`).
pub fn entry(tag: u8, i: u64) -> Entry {
    let mut d = [tag; 32];
    d[..8].copy_from_slice(&i.to_be_bytes());
    Entry::at(
        Timestamp::from_millis(1_767_225_600_000 + i).expect("small"),
        Alert {
            rule: RuleName::new("test_rule").expect("valid"),
            detail: DetailDigest(d),
        },
    )
}
