//! Groth16's prover, over [`crate::msm`].
//!
//! The same proof arkworks' `create_proof_with_reduction_and_matrices` makes, to the byte,
//! for the same `r` and `s` (a test holds the two equal): only the MSMs are ours. With the
//! assignment z = (1, public inputs, witness), the witness part w and the QAP's quotient h:
//!
//! - A = α + Σ zᵢ·Aᵢ + r·δ (G1)
//! - B = β + Σ zᵢ·Bᵢ + s·δ (G2, and in G1 for C)
//! - C = s·A + r·B₁ − r·s·δ + Σ wᵢ·Lᵢ + Σ hᵢ·Hᵢ (G1)

use ark_bn254::{Bn254, Fr, G1Projective};
use ark_ec::CurveGroup;
use ark_ff::One;
use ark_groth16::{r1cs_to_qap::R1CSToQAP, Proof, ProvingKey};
use ark_poly::{EvaluationDomain, GeneralEvaluationDomain};
use ark_relations::gr1cs::Matrix;

use zeroize::Zeroize;

use crate::{msm::msm, KeySource, ProveError};

/// Whether `pk` has the query lengths a circuit of this shape needs under the reduction its
/// key source assumes: a point per variable in A and B, per witness variable in L, and in H
/// one per power of the QAP's domain for ceremony keys (snarkjs's layout) or one less for
/// arkworks' keys (whose top power's coefficient is always zero). The MSMs would otherwise
/// silently drop the terms past the shorter side, and a key under the wrong reduction would
/// only fail its first proof's check, as if the declaration were at fault.
pub(crate) fn key_fits(
    pk: &ProvingKey<Bn254>,
    keys: KeySource,
    num_inputs: usize,
    num_witnesses: usize,
    num_constraints: usize,
) -> bool {
    let variables = num_inputs + num_witnesses;
    let Some(domain) = GeneralEvaluationDomain::<Fr>::new(num_constraints + num_inputs) else {
        return false;
    };
    let h_points = match keys {
        KeySource::Dev => domain.size() - 1,
        KeySource::Ceremony => domain.size(),
    };
    pk.vk.gamma_abc_g1.len() == num_inputs
        && pk.a_query.len() == variables
        && pk.b_g1_query.len() == variables
        && pk.b_g2_query.len() == variables
        && pk.l_query.len() == num_witnesses
        && pk.h_query.len() == h_points
}

/// A proof with randomness `r`, `s` of the full assignment `z` (instance, then witness, with
/// the constant 1 first) of a circuit with these `matrices`. The key must fit the circuit
/// ([`key_fits`]); `z` is checked against it here, before any work.
pub(crate) fn create_proof<QAP: R1CSToQAP>(
    pk: &ProvingKey<Bn254>,
    r: Fr,
    s: Fr,
    matrices: &[Matrix<Fr>],
    num_inputs: usize,
    num_constraints: usize,
    z: &[Fr],
) -> Result<Proof<Bn254>, ProveError> {
    // The MSMs pair z with the A and B points and stop at the shorter side, and they weigh
    // the first points (the constant's, which arkworks adds unweighted) by z₀.
    if z.len() != pk.a_query.len() || z.first() != Some(&Fr::one()) || num_inputs > z.len() {
        return Err(ProveError::Internal(
            "the witness does not fit the proving key".into(),
        ));
    }
    let mut h = QAP::witness_map_from_matrices::<Fr, GeneralEvaluationDomain<Fr>>(
        matrices,
        num_inputs,
        num_constraints,
        z,
    )
    .map_err(|e| ProveError::Internal(e.to_string()))?;
    let witness = &z[num_inputs..];
    let delta = pk.delta_g1;

    let a = pk.vk.alpha_g1 + msm(&pk.a_query, z) + delta * r;
    let b_g2 = pk.vk.beta_g2 + msm(&pk.b_g2_query, z) + pk.vk.delta_g2 * s;
    let b_g1 = pk.beta_g1 + msm(&pk.b_g1_query, z) + delta * s;
    let c: G1Projective =
        a * s + b_g1 * r - delta * (r * s) + msm(&pk.l_query, witness) + msm(&pk.h_query, &h);
    // The quotient is computed from the witness: zeroed like the assignment.
    h.zeroize();

    Ok(Proof {
        a: a.into_affine(),
        b: b_g2.into_affine(),
        c: c.into_affine(),
    })
}
