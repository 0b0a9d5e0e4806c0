//! Pinned fixtures (STYLE.md §4): a seeded setup of `net_worth_range` at capacity 16 must
//! reproduce the checked-in verifying key, and the checked-in proof file of the DESIGN.md
//! golden declaration must keep verifying with it. A change to the circuit, the setup, the
//! encodings or the proof-file format fails here first.
//!
//! Regenerate only on purpose: `PROBITY_REGENERATE_FIXTURES=1 cargo test -p probity-prover --test fixtures`.

use std::{fs, path::PathBuf};

use probity_core::{Capacity, ProofEnvelope, SignedAmount, StatementKind};
use probity_prover::Prover;
use probity_verifier::{verify_envelope, StatementVerifyingKey};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn golden() -> probity_core::Opening {
    probity_core::testing::golden_opening()
}

#[test]
fn seeded_setup_and_golden_proof_are_pinned() {
    let kind = StatementKind::NetWorthRange;
    let keys =
        probity_params::generate_keys(kind, Capacity::C16, &mut ChaCha20Rng::seed_from_u64(2026))
            .expect("setup");
    let vk = StatementVerifyingKey::from_verifying_key(kind, Capacity::C16, keys.verifying_key)
        .expect("valid key");
    let vk_hex = hex::encode(vk.to_bytes());

    let (vk_file, proof_file) = (
        fixture("net_worth_range-16.vk.hex"),
        fixture("net_worth_range-16.proof.json"),
    );
    if std::env::var_os("PROBITY_REGENERATE_FIXTURES").is_some() {
        let prover = Prover::new(kind, Capacity::C16, keys.proving_key).expect("prover");
        let envelope = prover
            .net_worth_range(
                &golden(),
                SignedAmount(200_000_000),
                SignedAmount(250_000_000),
                &mut ChaCha20Rng::seed_from_u64(7),
            )
            .expect("2,120,000.00 is in the band");
        fs::write(&vk_file, &vk_hex).expect("write vk fixture");
        fs::write(&proof_file, envelope.to_json()).expect("write proof fixture");
    }

    let pinned_vk = fs::read_to_string(&vk_file).expect("vk fixture is checked in");
    assert_eq!(
        vk_hex,
        pinned_vk.trim(),
        "the seeded setup no longer gives the pinned verifying key: the circuit changed"
    );
    let envelope = ProofEnvelope::from_json(
        &fs::read_to_string(&proof_file).expect("proof fixture is checked in"),
    )
    .expect("the pinned proof file still parses");
    assert_eq!(
        envelope.public_inputs[0],
        golden().commitment().to_string(),
        "the golden commitment"
    );
    verify_envelope(&vk, &envelope).expect("the pinned proof still verifies");
}
