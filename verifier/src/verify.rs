//! Verifying one proof.

use ark_bn254::Bn254;
use ark_groth16::Groth16;
use probity_core::{ProofEnvelope, PublicInputs};

use crate::{
    error::{EnvelopeVerifyError, VerificationFailure},
    key::StatementVerifyingKey,
    proof::Proof,
};

/// Verifies a proof of `inputs` under `vk`.
///
/// Checks that the inputs are for the key's statement, then the Groth16 equation
/// `e(A, B) = e(alpha, beta) · e(IC(x), gamma) · e(C, delta)` with
/// `IC(x) = IC_0 + Σ x_j·IC_j`.
///
/// # Caution
/// `Ok(())` means the *committed* figures satisfy the statement. It does not mean the
/// commitment is the official's filed declaration: look the commitment up on the ledger for
/// `(official, period)` and reject the proof if its commitment or official tag differ (see
/// the [crate] documentation).
pub fn verify(
    vk: &StatementVerifyingKey,
    inputs: &PublicInputs,
    proof: &Proof,
) -> Result<(), VerificationFailure> {
    if inputs.kind() != vk.statement() {
        return Err(VerificationFailure);
    }
    let x = inputs.to_public_inputs();
    // arkworks zips the inputs with IC_1.. and silently ignores a length mismatch; the key's
    // invariant and the typed inputs make the lengths agree, and this keeps it so.
    if x.len() + 1 != vk.prepared.vk.gamma_abc_g1.len() {
        return Err(VerificationFailure);
    }
    // `verify_proof` answers `Ok(false)` for a proof that does not verify: both that and an
    // `Err` are the same opaque failure here.
    match Groth16::<Bn254>::verify_proof(&vk.prepared, &proof.0, &x) {
        Ok(true) => Ok(()),
        Ok(false) | Err(_) => Err(VerificationFailure),
    }
}

/// Verifies a proof file: checks the envelope (version, public inputs, official id and
/// periods agreeing with the inputs, proof encoding), that `vk` is the key for the
/// envelope's statement and capacity, and the proof. Returns the typed public inputs, which
/// the caller must still hold against the ledger (see [`verify`]).
pub fn verify_envelope(
    vk: &StatementVerifyingKey,
    envelope: &ProofEnvelope,
) -> Result<PublicInputs, EnvelopeVerifyError> {
    let (inputs, proof) = decode_envelope(vk, envelope)?;
    verify(vk, &inputs, &proof)?;
    Ok(inputs)
}

/// Everything [`verify_envelope`] checks but the proof equation: the envelope's rules, that
/// `vk` is its key, and the proof's encoding (points on the curve, in their subgroups).
/// Returns the typed inputs and the decoded proof, for [`verify`] or
/// [`verify_batch`](crate::verify_batch). Nothing is verified until one of those succeeds.
pub fn decode_envelope(
    vk: &StatementVerifyingKey,
    envelope: &ProofEnvelope,
) -> Result<(PublicInputs, Proof), EnvelopeVerifyError> {
    // The envelope's consistency rules belong to probity-core; they run here too, because a
    // value built in memory has not been through `from_json`.
    let inputs = envelope.validate()?;
    if envelope.statement != vk.statement() || envelope.capacity != vk.capacity() {
        return Err(EnvelopeVerifyError::WrongKey {
            key_statement: vk.statement(),
            key_capacity: vk.capacity(),
            envelope_statement: envelope.statement,
            envelope_capacity: envelope.capacity,
        });
    }
    let proof = Proof::from_bytes(&envelope.proof_bytes()?)?;
    Ok((inputs, proof))
}
