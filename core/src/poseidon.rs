//! circomlib-compatible Poseidon over the BN254 scalar field (DESIGN.md §4).
//!
//! `Poseidon(x1..xk)` uses width `t = k + 1`, the x^5 S-box, 8 full rounds, circomlib's
//! partial-round count for that width, and circomlib's round constants and MDS matrix. The
//! constants come from `ark-crypto-primitives`' Grain LFSR (`find_poseidon_ark_and_mds`), which
//! is the generator circomlib used. The permutation is the library's
//! [`PoseidonSponge`]; only the output differs from the arkworks sponge: circomlib starts from
//! `[0, x1, .., xk]` and outputs `state[0]`, where the arkworks sponge squeezes `state[1]`.
//!
//! The in-circuit twin is `probity_circuits::poseidon`, which reads the same
//! [`PoseidonParameters`].

use std::sync::OnceLock;

use ark_crypto_primitives::sponge::{
    poseidon::{find_poseidon_ark_and_mds, PoseidonConfig, PoseidonSponge},
    CryptographicSponge,
};
use ark_ff::PrimeField;

use crate::Fr;

/// The largest number of inputs Probity hashes at once: five, for the commitment (leaves and
/// 4-ary tree nodes take four).
pub const MAX_ARITY: usize = 5;

/// Full rounds, for every width (circomlib `N_ROUNDS_F`).
pub const FULL_ROUNDS: usize = 8;

/// circomlib's partial-round counts `N_ROUNDS_P`, indexed by `t - 2` for `t = 2..=6`.
const PARTIAL_ROUNDS: [usize; MAX_ARITY] = [56, 57, 56, 60, 60];

/// The S-box exponent.
pub const ALPHA: u64 = 5;

/// Round constants and MDS matrix for one width `t = arity + 1`.
///
/// # Invariants
/// `ark.len() == FULL_ROUNDS + partial_rounds`, every row of `ark` and `mds` has `t` entries.
#[derive(Clone, Debug)]
pub struct PoseidonParameters {
    config: PoseidonConfig<Fr>,
}

impl PoseidonParameters {
    /// The parameters for hashing `arity` inputs (1 to [`MAX_ARITY`]).
    ///
    /// # Panics
    /// If `arity` is 0 or greater than [`MAX_ARITY`]: callers pass constants.
    pub fn for_arity(arity: usize) -> &'static Self {
        static CACHE: [OnceLock<PoseidonParameters>; MAX_ARITY] =
            [const { OnceLock::new() }; MAX_ARITY];
        assert!(
            (1..=MAX_ARITY).contains(&arity),
            "Poseidon arity {arity} is not supported"
        );
        CACHE[arity - 1].get_or_init(|| Self::generate(arity))
    }

    fn generate(arity: usize) -> Self {
        let partial_rounds = PARTIAL_ROUNDS[arity - 1];
        let (ark, mds) = find_poseidon_ark_and_mds::<Fr>(
            u64::from(Fr::MODULUS_BIT_SIZE),
            arity,
            FULL_ROUNDS as u64,
            partial_rounds as u64,
            0,
        );
        Self {
            config: PoseidonConfig::new(FULL_ROUNDS, partial_rounds, ALPHA, mds, ark, arity, 1),
        }
    }

    /// Width of the state, `arity + 1`.
    pub fn width(&self) -> usize {
        self.config.rate + 1
    }

    /// Number of partial rounds.
    pub fn partial_rounds(&self) -> usize {
        self.config.partial_rounds
    }

    /// Round constants, `ark[round][state_index]`.
    pub fn round_constants(&self) -> &[Vec<Fr>] {
        &self.config.ark
    }

    /// The MDS matrix: `new_state[i] = Σ_j mds[i][j] · state[j]`.
    pub fn mds(&self) -> &[Vec<Fr>] {
        &self.config.mds
    }
}

/// circomlib's `Poseidon(inputs)`.
///
/// # Panics
/// If `inputs` is empty or longer than [`MAX_ARITY`].
pub fn poseidon(inputs: &[Fr]) -> Fr {
    let params = PoseidonParameters::for_arity(inputs.len());
    let mut sponge = PoseidonSponge::new(&params.config);
    // Absorbing into a zero state writes the inputs to state[1..]; squeezing runs the
    // permutation once. circomlib's output is state[0] (the capacity element).
    sponge.absorb(&inputs);
    let _rate_element: Vec<Fr> = sponge.squeeze_field_elements(1);
    sponge.state[0]
}

/// `Poseidon(a, b, c, d)`: leaves and tree nodes are width 5.
pub fn poseidon4(inputs: [Fr; 4]) -> Fr {
    poseidon(&inputs)
}

/// `Poseidon(a, b, c, d, e)`: the commitment is width 6, so that no commitment input list can
/// be read as a leaf's or a node's.
pub fn poseidon5(inputs: [Fr; 5]) -> Fr {
    poseidon(&inputs)
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    fn fr(s: &str) -> Fr {
        Fr::from_str(s).expect("test vectors are decimal field elements")
    }

    #[test]
    fn circomlib_vector_two_inputs() {
        assert_eq!(
            poseidon(&[Fr::from(1u64), Fr::from(2u64)]),
            fr("7853200120776062878684798364095072458815029376092732009249414926327459813530")
        );
    }

    #[test]
    fn circomlib_vector_four_inputs() {
        let inputs = [1u64, 2, 3, 4].map(Fr::from);
        assert_eq!(
            poseidon4(inputs),
            fr("18821383157269793795438455681495246036402687001665670618754263018637548127333")
        );
    }

    #[test]
    fn circomlib_vector_five_inputs() {
        // circomlibjs 0.1.7, `buildPoseidonReference()([1, 2, 3, 4, 5])`.
        let inputs = [1u64, 2, 3, 4, 5].map(Fr::from);
        assert_eq!(
            poseidon5(inputs),
            fr("6183221330272524995739186171720101788151706631170188140075976616310159254464")
        );
    }

    #[test]
    fn parameters_have_circomlib_shape() {
        let p = PoseidonParameters::for_arity(4);
        assert_eq!(p.width(), 5);
        assert_eq!(p.partial_rounds(), 60);
        assert_eq!(p.round_constants().len(), 68);
        assert!(p.mds().iter().all(|row| row.len() == 5));
    }
}
