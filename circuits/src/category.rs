//! In-circuit twin of [`probity_core::Category`] and [`probity_core::Class`].
//!
//! A code is allocated as `code = low + 16·c` with `low` four boolean witnesses and
//! `c ∈ {0, 1, 2}` enforced by `c2 = c·c` and `c·c2 = 3·c2 − 2·c` (the roots of
//! `c(c−1)(c−2)`): 6 constraints, and every code 0..=47 and nothing else is reachable. The
//! class is `c` (0 asset or empty, 1 liability, 2 income), so the class selectors are linear in
//! `(c, c2)` and cost nothing:
//!
//! - `is_liability = 2c − c2`   (1 at c = 1, else 0)
//! - `is_income = (c2 − c) / 2` (1 at c = 2, else 0)
//! - `net_worth_sign = 1 − 2·is_liability − is_income = 1 − 7c/2 + 3c2/2` (+1, −1, 0)

use ark_ff::{Field, PrimeField};
use ark_r1cs_std::{alloc::AllocVar, eq::EqGadget, fields::fp::FpVar, fields::FieldVar};
use ark_relations::gr1cs::{ConstraintSystemRef, SynthesisError};
use probity_core::Fr;

use crate::range::alloc_bits;

/// A category code known to be in `0..=47`, with its class.
#[derive(Clone)]
pub struct CategoryVar {
    /// The code, `low + 16·c`.
    pub code: FpVar<Fr>,
    c: FpVar<Fr>,
    c2: FpVar<Fr>,
}

impl CategoryVar {
    /// Allocates a code witness (6 constraints). A claimed code outside `0..=47` makes the
    /// constraint system unsatisfiable or the allocated code differ from the claim.
    pub fn new_witness(
        cs: &ConstraintSystemRef<Fr>,
        code: Option<Fr>,
    ) -> Result<Self, SynthesisError> {
        let low64 = code.map(|v| v.into_bigint().as_ref()[0]);
        let low = alloc_bits(cs, low64.map(|v| Fr::from(v & 15)), 4)?;
        let c_value = low64.map(|v| Fr::from(v >> 4));
        let c = FpVar::new_witness(cs.clone(), || {
            c_value.ok_or(SynthesisError::AssignmentMissing)
        })?;
        let c2 = c.square()?;
        // c·c2 = 3·c2 − 2·c  ⇔  c ∈ {0, 1, 2}.
        c.mul_equals(&c2, &(&c2 * Fr::from(3u64) - &c * Fr::from(2u64)))?;
        let code = low + &c * Fr::from(16u64);
        Ok(Self { code, c, c2 })
    }

    /// 1 for a liability, else 0.
    pub fn is_liability(&self) -> FpVar<Fr> {
        &self.c * Fr::from(2u64) - &self.c2
    }

    /// 1 for income, else 0.
    pub fn is_income(&self) -> FpVar<Fr> {
        (&self.c2 - &self.c) * two_inverse()
    }

    /// +1 for an asset or the empty slot, −1 for a liability, 0 for income.
    pub fn net_worth_sign(&self) -> FpVar<Fr> {
        FpVar::one() - self.is_liability() * Fr::from(2u64) - self.is_income()
    }
}

fn two_inverse() -> Fr {
    Fr::from(2u64).inverse().expect("2 is invertible")
}

/// An asset code, `1..=15`: four boolean witnesses and a non-zero check (5 constraints).
pub fn alloc_asset_code(
    cs: &ConstraintSystemRef<Fr>,
    code: Option<Fr>,
) -> Result<FpVar<Fr>, SynthesisError> {
    let low = alloc_bits(
        cs,
        code.map(|v| Fr::from(v.into_bigint().as_ref()[0] & 15)),
        4,
    )?;
    low.enforce_not_equal(&FpVar::zero())?;
    Ok(low)
}

#[cfg(test)]
mod tests {
    use ark_r1cs_std::GR1CSVar;
    use ark_relations::gr1cs::ConstraintSystem;
    use probity_core::{Category, Class};

    use super::*;

    /// Allocates `claimed`, enforces that the allocated code equals it, and reports satisfaction.
    fn run(claimed: Fr) -> (bool, Option<(Fr, Fr, Fr)>) {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let v = CategoryVar::new_witness(&cs, Some(claimed)).expect("alloc");
        let public = FpVar::new_input(cs.clone(), || Ok(claimed)).expect("alloc");
        v.code.enforce_equal(&public).expect("enforce");
        let sel = (
            v.is_liability().value().expect("value"),
            v.is_income().value().expect("value"),
            v.net_worth_sign().value().expect("value"),
        );
        (cs.is_satisfied().expect("check"), Some(sel))
    }

    #[test]
    fn selectors_match_the_native_class_for_every_valid_code() {
        for cat in Category::all() {
            let (ok, sel) = run(Fr::from(cat.code()));
            assert!(ok, "code {}", cat.code());
            let (liab, inc, sign) = sel.expect("values");
            let (e_liab, e_inc, e_sign) = match cat.class() {
                Class::Empty | Class::Asset => (0i64, 0i64, 1i64),
                Class::Liability => (1, 0, -1),
                Class::Income => (0, 1, 0),
            };
            assert_eq!(liab, Fr::from(e_liab));
            assert_eq!(inc, Fr::from(e_inc));
            assert_eq!(sign, Fr::from(e_sign));
        }
    }

    #[test]
    fn invalid_codes_are_unsatisfiable() {
        for bad in [
            Fr::from(48u64),
            Fr::from(63u64),
            Fr::from(64u64),
            Fr::from(255u64),
            -Fr::from(1u64),
            -Fr::from(16u64),
        ] {
            assert!(!run(bad).0, "code {bad} must be refused");
        }
    }

    #[test]
    fn asset_codes() {
        for code in 0u64..=64 {
            let cs = ConstraintSystem::<Fr>::new_ref();
            let v = alloc_asset_code(&cs, Some(Fr::from(code))).expect("alloc");
            let public = FpVar::new_input(cs.clone(), || Ok(Fr::from(code))).expect("alloc");
            v.enforce_equal(&public).expect("enforce");
            let expected = Category::from_code(code as u8)
                .map(|c| c.class() == Class::Asset)
                .unwrap_or(false);
            assert_eq!(cs.is_satisfied().expect("check"), expected, "code {code}");
        }
    }

    #[test]
    fn constraint_count() {
        let cs = ConstraintSystem::<Fr>::new_ref();
        CategoryVar::new_witness(&cs, Some(Fr::from(17u64))).expect("alloc");
        assert_eq!(cs.num_constraints(), 6);
    }
}
