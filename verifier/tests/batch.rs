//! Batch verification: one key, many proofs, one multi-Miller loop.

mod common;

use common::{keys, prove, rng, sample};
use probity_core::{PublicInputs, StatementKind};
use probity_verifier::{verify, verify_batch, Proof, VerificationFailure};

const NWR: StatementKind = StatementKind::NetWorthRange;

fn batch(n: u64) -> (common::Keys, Vec<(PublicInputs, Proof)>) {
    let keys = keys(NWR, 1);
    let items = (0..n)
        .map(|i| {
            let inputs = sample(NWR, i);
            let proof = prove(&keys.pk, &inputs, 1_000 + i);
            (inputs, proof)
        })
        .collect();
    (keys, items)
}

fn refs(items: &[(PublicInputs, Proof)]) -> impl Iterator<Item = (&PublicInputs, &Proof)> {
    items.iter().map(|(x, p)| (x, p))
}

#[test]
fn all_good_passes() {
    let (keys, items) = batch(8);
    for (x, p) in &items {
        assert_eq!(verify(&keys.vk, x, p), Ok(()));
    }
    assert_eq!(verify_batch(&keys.vk, refs(&items), &mut rng(42)), Ok(()));
    assert_eq!(
        verify_batch(&keys.vk, refs(&items[..1]), &mut rng(43)),
        Ok(())
    );
}

#[test]
fn one_bad_proof_among_many_fails() {
    let (keys, mut items) = batch(8);
    // A well-formed proof of other inputs in slot 5.
    items[5].1 = prove(&keys.pk, &sample(NWR, 99), 7);
    assert_eq!(
        verify(&keys.vk, &items[5].0, &items[5].1),
        Err(VerificationFailure)
    );
    for seed in 0..4 {
        assert_eq!(
            verify_batch(&keys.vk, refs(&items), &mut rng(seed)),
            Err(VerificationFailure)
        );
    }
}

#[test]
fn swapped_inputs_do_not_cancel_out() {
    // Swapping the inputs of two proofs leaves Σ IC(x_i) unchanged, so an unweighted sum
    // of the equations would accept; the random weights must not.
    let (keys, mut items) = batch(4);
    let (x0, x1) = (items[0].0, items[1].0);
    items[0].0 = x1;
    items[1].0 = x0;
    assert_eq!(
        verify_batch(&keys.vk, refs(&items), &mut rng(5)),
        Err(VerificationFailure)
    );
}

#[test]
fn mixing_two_statements_fails() {
    let (keys, mut items) = batch(4);
    // asset_included has as many public inputs as net_worth_range; its proof is valid under
    // its own key, and must not pass in a net_worth_range batch, neither as asset_included
    // inputs nor relabelled as net_worth_range inputs.
    let other = common::keys(StatementKind::AssetIncluded, 2);
    let ai_inputs = sample(StatementKind::AssetIncluded, 1);
    let ai_proof = prove(&other.pk, &ai_inputs, 3);
    assert_eq!(verify(&other.vk, &ai_inputs, &ai_proof), Ok(()));

    let mut with_other_kind = items.clone();
    with_other_kind.push((ai_inputs, ai_proof));
    assert_eq!(
        verify_batch(&keys.vk, refs(&with_other_kind), &mut rng(6)),
        Err(VerificationFailure)
    );

    let nwr_under_other_key = prove(&other.pk, &sample(NWR, 50), 4);
    items.push((sample(NWR, 50), nwr_under_other_key));
    assert_eq!(
        verify_batch(&keys.vk, refs(&items), &mut rng(7)),
        Err(VerificationFailure)
    );
}

#[test]
fn empty_batch_fails() {
    let keys = keys(NWR, 1);
    assert_eq!(
        verify_batch(&keys.vk, std::iter::empty(), &mut rng(8)),
        Err(VerificationFailure)
    );
}
