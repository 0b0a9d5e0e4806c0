//! In-circuit twin of [`probity_core::poseidon::poseidon`].
//!
//! The permutation is written directly on linear combinations: round-constant additions and
//! MDS mixing are free (linear), and each S-box `x^5` costs three constraints
//! (`x2 = x·x`, `x4 = x2·x2`, `x5 = x4·x`). An S-box whose input is a known constant (the
//! capacity element in the first round, a constant domain tag) is computed natively and costs
//! nothing. Linear combinations are only built when the constraint system constructs matrices
//! (key generation); when proving against cached matrices only values are tracked.
//!
//! Cost for 4 inputs: 8 full rounds × 5 S-boxes + 60 partial rounds × 1 S-box = 100 S-boxes,
//! 300 constraints, less 3 for the capacity element (a constant 0 in the first round) and 3
//! for every input that is constant: 297 for four variable inputs.

use ark_r1cs_std::fields::fp::{AllocatedFp, FpVar};
use ark_relations::gr1cs::{ConstraintSystemRef, LinearCombination, SynthesisError, Variable};
use probity_core::{poseidon::PoseidonParameters, Fr};

/// One state element: a constant, or a linear combination with its value.
#[derive(Clone)]
enum Elem {
    Const(Fr),
    /// `lc` is empty when matrices are not being constructed.
    Lc(LinearCombination<Fr>, Option<Fr>),
}

impl Elem {
    fn from_var(x: &FpVar<Fr>, build: bool) -> Self {
        match x {
            FpVar::Constant(c) => Elem::Const(*c),
            FpVar::Var(a) => {
                let lc = if build {
                    LinearCombination::from(a.variable)
                } else {
                    LinearCombination::zero()
                };
                Elem::Lc(lc, a.value().ok())
            }
        }
    }

    fn value(&self) -> Option<Fr> {
        match self {
            Elem::Const(c) => Some(*c),
            Elem::Lc(_, v) => *v,
        }
    }

    fn lc(&self) -> LinearCombination<Fr> {
        match self {
            Elem::Const(c) => LinearCombination::from((*c, Variable::One)),
            Elem::Lc(lc, _) => lc.clone(),
        }
    }

    fn add_const(self, c: Fr) -> Self {
        match self {
            Elem::Const(x) => Elem::Const(x + c),
            Elem::Lc(lc, v) => Elem::Lc(lc + (c, Variable::One), v.map(|v| v + c)),
        }
    }
}

/// `x^5` with three constraints, or natively for a constant.
fn sbox(cs: &ConstraintSystemRef<Fr>, x: Elem, build: bool) -> Result<Elem, SynthesisError> {
    let x_lc = match x {
        Elem::Const(c) => {
            let c2 = c * c;
            return Ok(Elem::Const(c2 * c2 * c));
        }
        Elem::Lc(ref lc, _) => lc,
    };
    let v = x.value();
    let v2 = v.map(|v| v * v);
    let v4 = v2.map(|v2| v2 * v2);
    let v5 = v4.zip(v).map(|(v4, v)| v4 * v);
    let x2 = cs.new_witness_variable(|| v2.ok_or(SynthesisError::AssignmentMissing))?;
    let x4 = cs.new_witness_variable(|| v4.ok_or(SynthesisError::AssignmentMissing))?;
    let x5 = cs.new_witness_variable(|| v5.ok_or(SynthesisError::AssignmentMissing))?;
    cs.enforce_r1cs_constraint(|| x_lc.clone(), || x_lc.clone(), || x2.into())?;
    cs.enforce_r1cs_constraint(|| x2.into(), || x2.into(), || x4.into())?;
    cs.enforce_r1cs_constraint(|| x4.into(), || x_lc.clone(), || x5.into())?;
    let lc = if build {
        LinearCombination::from(x5)
    } else {
        LinearCombination::zero()
    };
    Ok(Elem::Lc(lc, v5))
}

/// `new[i] = Σ_j mds[i][j] · state[j]`.
fn mix(state: &[Elem], mds: &[Vec<Fr>], build: bool) -> Vec<Elem> {
    let all_const = state.iter().all(|e| matches!(e, Elem::Const(_)));
    mds.iter()
        .map(|row| {
            let value = state
                .iter()
                .zip(row)
                .try_fold(Fr::from(0u64), |acc, (e, m)| {
                    e.value().map(|v| acc + *m * v)
                });
            if all_const {
                return Elem::Const(value.expect("constants have values"));
            }
            let lc = if build {
                let mut lc = LinearCombination::zero();
                for (e, m) in state.iter().zip(row) {
                    lc = lc + (*m, e.lc());
                }
                lc.compactify();
                lc
            } else {
                LinearCombination::zero()
            };
            Elem::Lc(lc, value)
        })
        .collect()
}

/// circomlib's `Poseidon(inputs)` in the circuit: the state starts `[0, inputs..]` and the
/// output is `state[0]`.
///
/// # Panics
/// If `inputs` is empty or longer than [`probity_core::poseidon::MAX_ARITY`].
pub fn poseidon(
    cs: &ConstraintSystemRef<Fr>,
    inputs: &[FpVar<Fr>],
) -> Result<FpVar<Fr>, SynthesisError> {
    let params = PoseidonParameters::for_arity(inputs.len());
    let build = cs.should_construct_matrices();
    let mut state: Vec<Elem> = std::iter::once(Elem::Const(Fr::from(0u64)))
        .chain(inputs.iter().map(|x| Elem::from_var(x, build)))
        .collect();
    let half_full = probity_core::poseidon::FULL_ROUNDS / 2;
    let partial = params.partial_rounds();
    for (round, constants) in params.round_constants().iter().enumerate() {
        let full = round < half_full || round >= half_full + partial;
        let mut next = Vec::with_capacity(state.len());
        for (i, (e, c)) in state.into_iter().zip(constants).enumerate() {
            let e = e.add_const(*c);
            next.push(if full || i == 0 {
                sbox(cs, e, build)?
            } else {
                e
            });
        }
        state = mix(&next, params.mds(), build);
    }
    let out = state.swap_remove(0);
    match out {
        Elem::Const(c) => Ok(FpVar::Constant(c)),
        Elem::Lc(lc, value) => {
            let var = cs.new_lc(|| lc)?;
            Ok(FpVar::Var(AllocatedFp::new(value, var, cs.clone())))
        }
    }
}

#[cfg(test)]
mod tests {
    use ark_r1cs_std::{alloc::AllocVar, eq::EqGadget, GR1CSVar};
    use ark_relations::gr1cs::ConstraintSystem;
    use probity_core::poseidon::poseidon as native;

    use super::*;

    fn check(inputs: &[Fr]) -> usize {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let vars: Vec<FpVar<Fr>> = inputs
            .iter()
            .map(|x| FpVar::new_witness(cs.clone(), || Ok(*x)).expect("alloc"))
            .collect();
        let out = poseidon(&cs, &vars).expect("synthesis");
        assert_eq!(out.value().expect("value"), native(inputs));
        let expected = FpVar::new_input(cs.clone(), || Ok(native(inputs))).expect("alloc");
        out.enforce_equal(&expected).expect("enforce");
        assert!(cs.is_satisfied().expect("satisfiable check"));
        cs.num_constraints()
    }

    #[test]
    fn gadget_matches_native_on_edge_and_random_inputs() {
        let minus_one = -Fr::from(1u64);
        let cases = [
            [0u64, 0, 0, 0].map(Fr::from),
            [1u64, 2, 3, 4].map(Fr::from),
            [Fr::from(u64::MAX), minus_one, Fr::from(0u64), minus_one],
            [7u64, 1 << 63, 99, 12345].map(Fr::from),
        ];
        for inputs in cases {
            // 100 S-boxes less the constant capacity element's first one, plus the equality
            // with the expected output.
            assert_eq!(check(&inputs), 3 * 99 + 1);
        }
        assert_eq!(
            check(&[Fr::from(1u64), Fr::from(2u64)]),
            3 * (8 * 3 + 57 - 1) + 1
        );
    }

    #[test]
    fn gadget_matches_native_on_seeded_random_inputs_of_every_arity() {
        use ark_std::UniformRand;
        use rand::SeedableRng;
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(42);
        for arity in 1..=probity_core::poseidon::MAX_ARITY {
            for _ in 0..8 {
                let inputs: Vec<Fr> = (0..arity).map(|_| Fr::rand(&mut rng)).collect();
                check(&inputs);
            }
        }
    }

    #[test]
    fn a_wrong_output_is_unsatisfiable() {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let inputs = [1u64, 2, 3, 4].map(Fr::from);
        let vars: Vec<FpVar<Fr>> = inputs
            .iter()
            .map(|x| FpVar::new_witness(cs.clone(), || Ok(*x)).expect("alloc"))
            .collect();
        let out = poseidon(&cs, &vars).expect("synthesis");
        let wrong =
            FpVar::new_input(cs.clone(), || Ok(native(&inputs) + Fr::from(1u64))).expect("alloc");
        out.enforce_equal(&wrong).expect("enforce");
        assert!(!cs.is_satisfied().expect("satisfiable check"));
    }

    #[test]
    fn constant_inputs_cost_nothing_in_the_first_round() {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let x = FpVar::new_witness(cs.clone(), || Ok(Fr::from(5u64))).expect("alloc");
        let inputs = [FpVar::Constant(Fr::from(9u64)), x.clone(), x.clone(), x];
        let out = poseidon(&cs, &inputs).expect("synthesis");
        assert_eq!(
            out.value().expect("value"),
            native(&[9u64, 5, 5, 5].map(Fr::from))
        );
        assert_eq!(cs.num_constraints(), 3 * 98);
    }
}
