//! The R1CS-to-QAP reduction that snarkjs's keys assume, for proving with keys from the
//! ceremony (`probity ceremony`).
//!
//! arkworks' default (`LibsnarkReduction`) has the prover evaluate `h = (A·B − C)/Z` and its
//! keys carry `τ^i·Z(τ)/δ` for H. A snarkjs key instead carries, for H, the Lagrange basis of
//! the domain of size 2n at its odd points (the coset ω₂ₙ·⟨ωₙ⟩, where Z = xⁿ − 1 is the
//! constant −2), divided by δ. So the prover evaluates `A·B − C` on that coset: interpolate A,
//! B and C on the domain of size n, shift each coefficient i by ω₂ₙⁱ, and evaluate again. The
//! constant factor is in the key's points. (The ark-circom project documents the same
//! difference; this is our own implementation of it.)

use ark_ff::PrimeField;
use ark_groth16::r1cs_to_qap::{evaluate_constraint, R1CSToQAP};
use ark_poly::EvaluationDomain;
use ark_relations::gr1cs::{ConstraintSystemRef, Matrix, SynthesisError};
use zeroize::Zeroize;

/// The reduction of snarkjs-made keys.
pub(crate) struct CosetReduction;

impl R1CSToQAP for CosetReduction {
    /// Keys for this reduction come from a ceremony, never from arkworks' generator.
    fn instance_map_with_evaluation<F: PrimeField, D: EvaluationDomain<F>>(
        _cs: ConstraintSystemRef<F>,
        _t: &F,
    ) -> Result<(Vec<F>, Vec<F>, Vec<F>, F, usize, usize), SynthesisError> {
        Err(SynthesisError::Unsatisfiable)
    }

    fn witness_map_from_matrices<F: PrimeField, D: EvaluationDomain<F>>(
        matrices: &[Matrix<F>],
        num_inputs: usize,
        num_constraints: usize,
        full_assignment: &[F],
    ) -> Result<Vec<F>, SynthesisError> {
        let [a_matrix, b_matrix, ..] = matrices else {
            return Err(SynthesisError::Unsatisfiable);
        };
        let domain =
            D::new(num_constraints + num_inputs).ok_or(SynthesisError::PolynomialDegreeTooLarge)?;
        let n = domain.size();
        let mut a = vec![F::zero(); n];
        let mut b = vec![F::zero(); n];
        for (i, (ai, bi)) in a_matrix.iter().zip(b_matrix).enumerate() {
            a[i] = evaluate_constraint(ai, full_assignment);
            b[i] = evaluate_constraint(bi, full_assignment);
        }
        // The extra row of each public input: the input alone in A.
        a[num_constraints..num_constraints + num_inputs]
            .copy_from_slice(&full_assignment[..num_inputs]);
        let mut c = vec![F::zero(); n];
        for i in 0..num_constraints {
            c[i] = a[i] * b[i];
        }
        let shift = D::new(2 * n)
            .ok_or(SynthesisError::PolynomialDegreeTooLarge)?
            .element(1);
        for values in [&mut a, &mut b, &mut c] {
            domain.ifft_in_place(values);
            D::distribute_powers_and_mul_by_const(values, shift, F::one());
            domain.fft_in_place(values);
        }
        let h = a
            .iter()
            .zip(&b)
            .zip(&c)
            .map(|((a, b), c)| *a * b - c)
            .collect();
        // Evaluations of the witness's polynomials: zeroed like the assignment they come from.
        for values in [&mut a, &mut b, &mut c] {
            values.zeroize();
        }
        Ok(h)
    }

    /// Keys for this reduction come from a ceremony, never from arkworks' generator.
    fn h_query_scalars<F: PrimeField, D: EvaluationDomain<F>>(
        _max_power: usize,
        _t: F,
        _zt: F,
        _delta_inverse: F,
    ) -> Result<Vec<F>, SynthesisError> {
        Err(SynthesisError::Unsatisfiable)
    }
}
