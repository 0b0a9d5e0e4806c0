//! Verifying many proofs of one statement at once: see [`verify_batch`].

use ark_bn254::{Bn254, Fr, G1Affine, G1Projective};
use ark_ec::{pairing::Pairing, AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::Zero;
use probity_core::PublicInputs;
use rand::{CryptoRng, RngCore};

use crate::{error::VerificationFailure, key::StatementVerifyingKey, proof::Proof};

/// Verifies a batch of proofs of `vk`'s statement with a random linear combination.
///
/// Fails, opaquely, if any proof does not verify or any inputs are for another statement.
/// An empty batch fails: it proves nothing, and a caller whose filtering left nothing to
/// verify must not read that as "all verified".
///
/// # The check
/// For proofs `(A_i, B_i, C_i)` of public inputs `x_i`, each valid proof satisfies
///
/// ```text
/// e(A_i, B_i) = e(alpha, beta) · e(IC(x_i), gamma) · e(C_i, delta)
/// ```
///
/// With independent random nonzero 128-bit scalars `r_i`, the batch accepts when
///
/// ```text
/// Π e(r_i·A_i, B_i) = e((Σ r_i)·alpha, beta) · e(Σ r_i·IC(x_i), gamma) · e(Σ r_i·C_i, delta)
/// ```
///
/// computed as one multi-Miller loop over `n + 3` pairs, with the right-hand side moved left
/// through negated points, and one final exponentiation compared against 1. The right-hand
/// side costs three pairings however many proofs there are, and
/// `Σ r_i·IC(x_i) = (Σ r_i)·IC_0 + Σ_j (Σ_i r_i·x_{i,j})·IC_j` is one multi-scalar
/// multiplication over the key's `IC` points.
///
/// # Soundness
/// Write `T_i ∈ G_T` for the quotient of the two sides of proof `i`'s own equation (so proof
/// `i` is valid iff `T_i = 1`). The Miller loop followed by the final exponentiation computes
/// `Π T_i^{r_i}`. If some `T_k ≠ 1`, then because `G_T` has prime order `r`, for any fixed
/// other `r_i` exactly one residue of `r_k` modulo `r` makes the product 1, and since
/// `r_k < 2^128 < r` at most one of its values does: the batch accepts with probability at
/// most `1/(2^128 − 1)` over the caller's RNG.
/// This needs every point in its prime-order subgroup, which [`Proof::from_bytes`] and the
/// key's decoding guarantee; it also needs `r_i` that the prover cannot predict, hence a
/// `CryptoRng`.
///
/// # Failures
/// A failed batch says that at least one proof is bad, not which. To find them, verify the
/// proofs one by one with [`verify`](crate::verify).
///
/// # Caution
/// As with [`verify`](crate::verify), each proof still has to be held against the ledger
/// entry of its commitment.
pub fn verify_batch<'a, R: RngCore + CryptoRng>(
    vk: &StatementVerifyingKey,
    batch: impl IntoIterator<Item = (&'a PublicInputs, &'a Proof)>,
    rng: &mut R,
) -> Result<(), VerificationFailure> {
    let key = &vk.prepared.vk;
    let num_inputs = vk.statement().num_public_inputs();

    let mut a_scaled = Vec::new();
    let mut b_points = Vec::new();
    let mut r_sum = Fr::zero();
    // input_scalars[j] = Σ_i r_i·x_{i,j}
    let mut input_scalars = vec![Fr::zero(); num_inputs];
    let mut c_sum = G1Projective::zero();

    for (inputs, proof) in batch {
        if inputs.kind() != vk.statement() {
            return Err(VerificationFailure);
        }
        let x = inputs.to_public_inputs();
        if x.len() != num_inputs {
            return Err(VerificationFailure);
        }
        let r = nonzero_u128(rng);
        let r_limbs = [r as u64, (r >> 64) as u64];
        let r_field = Fr::from(r);

        a_scaled.push(proof.0.a.mul_bigint(r_limbs));
        b_points.push(proof.0.b);
        r_sum += r_field;
        for (acc, x_j) in input_scalars.iter_mut().zip(&x) {
            *acc += r_field * x_j;
        }
        c_sum += proof.0.c.mul_bigint(r_limbs);
    }
    if b_points.is_empty() {
        return Err(VerificationFailure);
    }

    // Σ r_i·IC(x_i) over the key's IC_0, IC_1, .., IC_n.
    let mut scalars = Vec::with_capacity(num_inputs + 1);
    scalars.push(r_sum);
    scalars.extend_from_slice(&input_scalars);
    let ic_sum = G1Projective::msm(&key.gamma_abc_g1, &scalars)
        .expect("the key has one IC point per input plus IC_0 (checked when the key was built)");
    let alpha_neg = -(key.alpha_g1 * r_sum);

    // Left side, then the right side moved over: e(-(Σr)·alpha, beta), e(ΣrIC, -gamma),
    // e(ΣrC, -delta). arkworks' prepared key holds -gamma and -delta prepared; beta is
    // prepared once per key.
    let mut g1 = a_scaled;
    g1.extend([alpha_neg, ic_sum, c_sum]);
    let g1: Vec<<Bn254 as Pairing>::G1Prepared> = G1Projective::normalize_batch(&g1)
        .into_iter()
        .map(G1Affine::into)
        .collect();
    let mut g2: Vec<<Bn254 as Pairing>::G2Prepared> =
        b_points.into_iter().map(Into::into).collect();
    g2.extend([
        vk.beta_prepared.clone(),
        vk.prepared.gamma_g2_neg_pc.clone(),
        vk.prepared.delta_g2_neg_pc.clone(),
    ]);

    let miller = Bn254::multi_miller_loop(g1, g2);
    match Bn254::final_exponentiation(miller) {
        Some(product) if product.is_zero() => Ok(()),
        _ => Err(VerificationFailure),
    }
}

/// A uniformly random nonzero 128-bit integer. (Zero would drop a proof from the check.)
fn nonzero_u128<R: RngCore + CryptoRng>(rng: &mut R) -> u128 {
    loop {
        let mut bytes = [0u8; 16];
        rng.fill_bytes(&mut bytes);
        let r = u128::from_le_bytes(bytes);
        if r != 0 {
            return r;
        }
    }
}
