//! The proof re-verification that audits and witnesses add to the ledger's checks, with the
//! verifying keys the log itself published: a real proof verifies; a forged one, a proof
//! before any published key, and a proof under keys that a later `ParamsPublished` replaced
//! are each refused.
#![allow(missing_docs)]

use probity_client::witness::ProofRecheck;
use probity_core::{
    Blindings, Capacity, Declaration, Opening, ProofEnvelope, SignedAmount, StatementKind,
};
use probity_ledger::{Entry, ParamsPublished, ProofAccepted, ProofCheck, Timestamp};

fn declaration() -> Declaration {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/gov-0001-2025.toml"
    ))
    .expect("the example");
    Declaration::from_toml(&text).expect("valid")
}

/// Dev keys for `net_worth_range` at capacity 16 in a new folder, and a proof made with them.
fn keys_and_proof() -> (
    tempfile::TempDir,
    probity_core::ParamsManifest,
    ProofEnvelope,
) {
    let dir = tempfile::tempdir().expect("tempdir");
    let kind = StatementKind::NetWorthRange;
    let manifest = probity_params::setup_dev(
        dir.path(),
        &[kind],
        &[Capacity::C16],
        &mut rand::rngs::OsRng,
        |_| {},
    )
    .expect("dev keys");
    let params = probity_params::Params::open(dir.path()).expect("params");
    let d = declaration();
    let opening =
        Opening::new(&d, Blindings::random(d.capacity(), &mut rand::rngs::OsRng)).expect("opening");
    let envelope = probity_prover::Prover::from_params(&params, kind, Capacity::C16)
        .expect("prover")
        .net_worth_range(
            &opening,
            SignedAmount(i64::MIN / 2),
            SignedAmount(i64::MAX / 2),
            &mut rand::rngs::OsRng,
        )
        .expect("proved");
    (dir, manifest, envelope)
}

fn published(manifest: &probity_core::ParamsManifest) -> Entry {
    Entry::at(
        Timestamp::from_millis(1).expect("small"),
        ParamsPublished {
            manifest: manifest.clone(),
        },
    )
}

fn accepted(envelope: &ProofEnvelope) -> ProofAccepted {
    ProofAccepted::from_envelope(envelope, &mut rand::rngs::OsRng)
        .expect("a well-formed entry")
        .0
}

#[test]
fn proofs_are_judged_by_the_keys_the_log_published_before_them() {
    let (_dir, manifest, envelope) = keys_and_proof();
    let proof = accepted(&envelope);

    // Before any ParamsPublished, there is no key to judge a proof by.
    let recheck = ProofRecheck::with_keys_from_log(Vec::new());
    let err = recheck.check(1, &proof).expect_err("no key yet");
    assert!(err.contains("no ParamsPublished entry"), "{err}");

    // With the published keys, the real proof verifies and is counted.
    recheck
        .observe(0, &published(&manifest))
        .expect("keys taken");
    recheck.check(1, &proof).expect("the proof verifies");
    let counts = recheck.counts();
    assert!(counts.with_params);
    assert_eq!((counts.reverified, counts.form_checked_only), (1, 0));

    // A forged proof (another proof's bytes under these inputs) is refused.
    let mut forged_bytes = envelope.proof_bytes().expect("bytes");
    forged_bytes[0] ^= 1;
    let inputs = envelope.inputs().expect("inputs");
    let forged = ProofEnvelope::new(
        envelope.capacity,
        envelope.official.clone(),
        &inputs,
        &forged_bytes,
    );
    let err = recheck
        .check(2, &accepted(&forged))
        .expect_err("a forged proof is refused");
    assert!(err.contains("does not verify"), "{err}");

    // Keys published later replace the earlier ones: the proof made under the old keys no
    // longer verifies.
    let (_other_dir, other, _) = keys_and_proof();
    recheck.observe(3, &published(&other)).expect("keys taken");
    let err = recheck
        .check(4, &proof)
        .expect_err("judged by the new keys");
    assert!(err.contains("does not verify"), "{err}");
}

#[test]
fn without_keys_proofs_are_counted_as_form_checked_only() {
    let (_dir, manifest, envelope) = keys_and_proof();
    let recheck = ProofRecheck::new(None, Vec::new());
    recheck.observe(0, &published(&manifest)).expect("ignored");
    recheck.check(1, &accepted(&envelope)).expect("form only");
    let counts = recheck.counts();
    assert!(!counts.with_params);
    assert_eq!((counts.reverified, counts.form_checked_only), (0, 1));
}
