//! Proofs with keys from a ceremony in snarkjs's format (`probity ceremony`): a key made from
//! the test powers of tau, with a contribution and a beacon, checks, proves a declared asset,
//! and its proof verifies with the supervisor's verifier and not once a public input changes.
//! The same key with arkworks' default reduction makes no proof: the reduction is the key's.

use std::{fs, path::PathBuf};

use probity_core::{
    parse_field_decimal, AssetId, Blindings, Capacity, Declaration, Fr, Opening, PublicInputs,
    StatementKind,
};
use probity_params::ceremony;
use probity_prover::{KeySource, ProveError, Prover};
use probity_verifier::{Proof, StatementVerifyingKey};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

fn repository(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(path)
}

#[test]
fn a_ceremony_key_proves_and_its_proofs_verify() {
    let (kind, capacity) = (StatementKind::AssetIncluded, Capacity::C16);
    let ptau = ceremony::Ptau::open(&repository("tests/fixtures/ceremony/pot12.ptau"))
        .expect("the test powers of tau");
    let initial = ceremony::init(kind, capacity, &ptau).expect("initial key");
    let one = ceremony::contribute(&initial.bytes, Some("one"), b"typed").expect("contributed");
    let last = ceremony::beacon(&one.bytes, Some("beacon"), &[9; 32], 10).expect("beacon");
    let circuit = ceremony::reference(kind, capacity, &ptau).expect("the circuit");
    let checked = ceremony::verify(&last.bytes, &circuit).expect("the key checks");
    assert_eq!(checked.contributions.len(), 2);
    let proving_key = ceremony::proving_key(&last.bytes).expect("a proving key");

    let text = fs::read_to_string(repository("examples/gov-0001-2026.toml")).expect("example");
    let declaration = Declaration::from_toml(&text).expect("valid");
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    let opening = Opening::new(&declaration, Blindings::random(capacity, &mut rng)).expect("opens");
    let home = declaration
        .items()
        .iter()
        .find(|i| i.category.code() == 1)
        .expect("real estate");

    let prover = Prover::with_keys(kind, capacity, proving_key.clone(), KeySource::Ceremony)
        .expect("prover");
    let envelope = prover
        .asset_included(&opening, &home.asset_id, home.value, &mut rng)
        .expect("a proof");
    let key = StatementVerifyingKey::from_verifying_key(kind, capacity, proving_key.vk.clone())
        .expect("verifying key");
    let bytes: [u8; 128] = hex::decode(&envelope.proof)
        .expect("hex")
        .try_into()
        .expect("128 bytes");
    let proof = Proof::from_bytes(&bytes).expect("decodes");
    let inputs: Vec<Fr> = envelope
        .public_inputs
        .iter()
        .map(|s| parse_field_decimal(s).expect("canonical"))
        .collect();
    let typed = PublicInputs::from_public_inputs(kind, &inputs).expect("typed");
    assert!(probity_verifier::verify(&key, &typed, &proof).is_ok());
    let mut altered = inputs.clone();
    altered[0] += Fr::from(1u64);
    let verifies_altered = PublicInputs::from_public_inputs(kind, &altered)
        .map(|t| probity_verifier::verify(&key, &t, &proof).is_ok())
        .unwrap_or(false);
    assert!(!verifies_altered, "an altered input does not verify");
    assert!(matches!(
        prover.asset_included(
            &opening,
            &AssetId("not-declared".into()),
            home.value,
            &mut rng
        ),
        Err(ProveError::DoesNotHold(_))
    ));

    // The same key under the other reduction: its H has a point too many, and it is refused
    // when the prover is made, not blamed on the declaration at the first proof.
    assert!(matches!(
        Prover::with_keys(kind, capacity, proving_key, KeySource::Dev),
        Err(ProveError::Internal(message)) if message.contains("does not fit")
    ));
}
