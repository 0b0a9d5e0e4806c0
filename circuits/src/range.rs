//! Range gadgets: the in-circuit twins of [`probity_core::Amount`] (u64) and
//! [`probity_core::SignedAmount`] (i64 as `x mod p`), and the non-negativity test that every
//! comparison reduces to.
//!
//! A comparison `a <= b` between integers whose difference is known to lie in `(-2^k, 2^k)` is
//! enforced by decomposing `b - a` into `k` bits: a negative difference is `p - |b - a|`, far
//! above `2^k` (`k` stays below 80 and `p > 2^253`), so it has no `k`-bit decomposition.

use ark_ff::{BigInteger, Field, PrimeField};
use ark_r1cs_std::{
    alloc::AllocVar,
    boolean::Boolean,
    fields::{fp::FpVar, FieldVar},
    GR1CSVar,
};
use ark_relations::gr1cs::{ConstraintSystemRef, SynthesisError};
use probity_core::Fr;

/// Bits of an amount.
pub const AMOUNT_BITS: usize = 64;

/// Bits of a period as `wealth_growth` orders them (DESIGN.md §5: both below 2^32).
pub const PERIOD_BITS: usize = 32;

/// Allocates a witness in `[0, 2^64)` as 64 boolean witnesses whose weighted sum is the value:
/// 64 constraints, no separate equality. A claimed value at or above `2^64` is allocated as its
/// low 64 bits, so it can never equal the committed value.
pub fn alloc_amount(
    cs: &ConstraintSystemRef<Fr>,
    value: Option<Fr>,
) -> Result<FpVar<Fr>, SynthesisError> {
    alloc_bits(cs, value, AMOUNT_BITS)
}

/// Allocates a witness as `n` boolean witnesses and returns their weighted sum.
pub(crate) fn alloc_bits(
    cs: &ConstraintSystemRef<Fr>,
    value: Option<Fr>,
    n: usize,
) -> Result<FpVar<Fr>, SynthesisError> {
    let bits = value.map(|v| v.into_bigint().to_bits_le());
    let vars = (0..n)
        .map(|i| {
            Boolean::new_witness(cs.clone(), || {
                bits.as_ref()
                    .map(|b| b[i])
                    .ok_or(SynthesisError::AssignmentMissing)
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Boolean::le_bits_to_fp(&vars)
}

/// Enforces `0 <= x < 2^bits` (`bits + 1` constraints).
pub fn enforce_bits(x: &FpVar<Fr>, bits: usize) -> Result<(), SynthesisError> {
    x.to_bits_le_with_top_bits_zero(bits).map(|_| ())
}

/// Enforces that a public unsigned input is below `2^64` (65 constraints).
pub fn enforce_amount(x: &FpVar<Fr>) -> Result<(), SynthesisError> {
    enforce_bits(x, AMOUNT_BITS)
}

/// Enforces that `x` encodes a signed 64-bit integer, `x mod p` with `-2^63 <= x < 2^63`:
/// `x + 2^63` must be below `2^64` (65 constraints).
pub fn enforce_signed_amount(x: &FpVar<Fr>) -> Result<(), SynthesisError> {
    enforce_bits(&(x + Fr::from(1u64 << 63)), AMOUNT_BITS)
}

/// Enforces `x != 0` (1 constraint): `x · inv = 1` has a witness `inv` only when `x` is not 0.
pub fn enforce_nonzero(cs: &ConstraintSystemRef<Fr>, x: &FpVar<Fr>) -> Result<(), SynthesisError> {
    let inverse = x.value().ok().map(|v| v.inverse().unwrap_or_default());
    let inverse = FpVar::new_witness(cs.clone(), || {
        inverse.ok_or(SynthesisError::AssignmentMissing)
    })?;
    x.mul_equals(&inverse, &FpVar::one())
}

/// Enforces `a <= b` given `|b - a| < 2^bits`.
pub fn enforce_le(a: &FpVar<Fr>, b: &FpVar<Fr>, bits: usize) -> Result<(), SynthesisError> {
    enforce_bits(&(b - a), bits)
}

#[cfg(test)]
mod tests {
    use ark_relations::gr1cs::ConstraintSystem;

    use super::*;

    fn satisfied(f: impl FnOnce(&ConstraintSystemRef<Fr>) -> Result<(), SynthesisError>) -> bool {
        let cs = ConstraintSystem::<Fr>::new_ref();
        f(&cs).expect("synthesis");
        cs.is_satisfied().expect("satisfiable check")
    }

    fn input(cs: &ConstraintSystemRef<Fr>, x: Fr) -> FpVar<Fr> {
        FpVar::new_input(cs.clone(), || Ok(x)).expect("alloc")
    }

    #[test]
    fn amounts_at_the_edges() {
        for (x, ok) in [
            (Fr::from(0u64), true),
            (Fr::from(u64::MAX), true),
            (Fr::from(1u128 << 64), false),
            (-Fr::from(1u64), false),
        ] {
            assert_eq!(satisfied(|cs| enforce_amount(&input(cs, x))), ok, "{x}");
            // The bit allocation reproduces exactly the values below 2^64.
            let cs = ConstraintSystem::<Fr>::new_ref();
            let v = alloc_amount(&cs, Some(x)).expect("alloc");
            assert_eq!(v.value().ok() == Some(x), ok);
            assert_eq!(cs.num_constraints(), 64);
        }
    }

    #[test]
    fn signed_amounts_at_the_edges() {
        let enc = |x: i128| probity_core::i128_to_field(x);
        for (x, ok) in [
            (0i128, true),
            (-1, true),
            (i128::from(i64::MIN), true),
            (i128::from(i64::MAX), true),
            (i128::from(i64::MIN) - 1, false),
            (i128::from(i64::MAX) + 1, false),
        ] {
            assert_eq!(
                satisfied(|cs| enforce_signed_amount(&input(cs, enc(x)))),
                ok,
                "{x}"
            );
        }
        // p - 1 is -1: valid. (p-1)/2 is neither small positive nor small negative.
        assert!(!satisfied(|cs| enforce_signed_amount(&input(
            cs,
            Fr::from(-Fr::from(1u64)) / Fr::from(2u64)
        ))));
    }

    #[test]
    fn le_is_exact_at_the_boundary_and_for_negatives() {
        let enc = probity_core::i128_to_field;
        for (a, b, ok) in [
            (5i128, 5i128, true),
            (5, 4, false),
            (-10, -9, true),
            (-9, -10, false),
            (-1, 0, true),
        ] {
            assert_eq!(
                satisfied(|cs| enforce_le(&input(cs, enc(a)), &input(cs, enc(b)), 71)),
                ok,
                "{a} <= {b}"
            );
        }
    }
}
