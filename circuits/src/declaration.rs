//! In-circuit twin of [`probity_core::Opening`]: every slot range-checked and hashed, the items
//! root, the commitment, and the sums the statements compare.
//!
//! Per slot (73 constraints besides its leaf hash): a category (6), a 64-bit value (64), and
//! "an empty slot carries nothing" (2): `value = code · w1` and `id_hash = code · w2` for
//! prover-chosen `w1, w2`, satisfiable with code 0 only when value and id_hash are 0. Sums cost
//! one product per slot and per sum.

use std::fmt;

use ark_ff::Field;
use ark_r1cs_std::{
    alloc::AllocVar,
    eq::EqGadget,
    fields::{fp::FpVar, FieldVar},
    GR1CSVar,
};
use ark_relations::gr1cs::{ConstraintSystemRef, SynthesisError};
use probity_core::{Capacity, Fr, Opening, DOMAIN_DECLARATION};

use crate::{category::CategoryVar, poseidon::poseidon, range::alloc_amount, tree::items_root};

/// One slot as the circuit sees it: raw field elements, so that tests can also feed the
/// witness of a dishonest prover (a value at or above 2^64, a "negative" value, an invalid code).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct SlotWitness {
    /// The category code.
    pub category: Fr,
    /// The id_hash.
    pub id_hash: Fr,
    /// The value.
    pub value: Fr,
    /// The blinding.
    pub blinding: Fr,
}

impl fmt::Debug for SlotWitness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SlotWitness").finish_non_exhaustive()
    }
}

/// The private witness of one declaration: every slot in order.
#[derive(Clone, PartialEq, Eq)]
pub struct DeclarationWitness {
    /// The slots, `capacity` of them.
    pub slots: Vec<SlotWitness>,
}

impl DeclarationWitness {
    /// The witness of an honest opening.
    pub fn from_opening(opening: &Opening) -> Self {
        let slots = opening
            .slots()
            .iter()
            .zip(opening.blindings().as_slice())
            .map(|(s, b)| SlotWitness {
                category: Fr::from(s.category.code()),
                id_hash: s.id_hash.0,
                value: s.value.to_field(),
                blinding: b.0,
            })
            .collect();
        Self { slots }
    }
}

impl fmt::Debug for DeclarationWitness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DeclarationWitness({} slots)", self.slots.len())
    }
}

struct SlotVar {
    category: CategoryVar,
    value: FpVar<Fr>,
}

/// A declaration allocated in the circuit, with its recomputed commitment.
pub struct DeclarationVar {
    slots: Vec<SlotVar>,
    /// `Poseidon(DOMAIN_DECLARATION, official_tag, period, capacity, items_root)`.
    pub commitment: FpVar<Fr>,
}

/// The in-circuit twin of [`probity_core::commitment`] (format v2):
/// `Poseidon(DOMAIN_DECLARATION, official_tag, period, capacity, items_root)`.
///
/// The domain and the capacity are constants of the circuit, so they cost nothing: a key for
/// capacity `N` can only ever prove about commitments made for `N` slots (DESIGN.md §4).
pub fn commitment(
    cs: &ConstraintSystemRef<Fr>,
    official_tag: &FpVar<Fr>,
    period: &FpVar<Fr>,
    capacity: Capacity,
    items_root: FpVar<Fr>,
) -> Result<FpVar<Fr>, SynthesisError> {
    poseidon(
        cs,
        &[
            FpVar::Constant(Fr::from(DOMAIN_DECLARATION)),
            official_tag.clone(),
            period.clone(),
            FpVar::Constant(capacity.to_field()),
            items_root,
        ],
    )
}

/// `x / y`, or 0 when `y` is 0: the witness of `x = y · w`.
fn quotient(x: Option<Fr>, y: Option<Fr>) -> Option<Fr> {
    x.zip(y)
        .map(|(x, y)| y.inverse().map_or(Fr::from(0u64), |inv| x * inv))
}

impl DeclarationVar {
    /// Allocates `capacity` slots (from `witness`, or unassigned for key generation) and
    /// recomputes the commitment under the given official tag and period.
    pub fn new_witness(
        cs: &ConstraintSystemRef<Fr>,
        capacity: Capacity,
        witness: Option<&DeclarationWitness>,
        official_tag: &FpVar<Fr>,
        period: &FpVar<Fr>,
    ) -> Result<Self, SynthesisError> {
        let missing = || SynthesisError::AssignmentMissing;
        let mut slots = Vec::with_capacity(capacity.slots());
        let mut leaves = Vec::with_capacity(capacity.slots());
        for i in 0..capacity.slots() {
            let w = witness.and_then(|w| w.slots.get(i));
            let category = CategoryVar::new_witness(cs, w.map(|w| w.category))?;
            let id_hash =
                FpVar::new_witness(cs.clone(), || w.map(|w| w.id_hash).ok_or_else(missing))?;
            let value = alloc_amount(cs, w.map(|w| w.value))?;
            let blinding =
                FpVar::new_witness(cs.clone(), || w.map(|w| w.blinding).ok_or_else(missing))?;

            // DESIGN.md §3: an empty slot (code 0) has value 0 and id_hash 0.
            let code = category.code.value().ok();
            for carried in [&value, &id_hash] {
                let q = quotient(carried.value().ok(), code);
                let w = FpVar::new_witness(cs.clone(), || q.ok_or_else(missing))?;
                category.code.mul_equals(&w, carried)?;
            }

            leaves.push(poseidon(
                cs,
                &[category.code.clone(), id_hash, value.clone(), blinding],
            )?);
            slots.push(SlotVar { category, value });
        }
        let root = items_root(cs, &leaves)?;
        let commitment = commitment(cs, official_tag, period, capacity, root)?;
        Ok(Self { slots, commitment })
    }

    fn sum(
        &self,
        term: impl Fn(&SlotVar) -> Result<FpVar<Fr>, SynthesisError>,
    ) -> Result<FpVar<Fr>, SynthesisError> {
        self.slots
            .iter()
            .try_fold(FpVar::zero(), |acc, s| Ok(acc + term(s)?))
    }

    /// `Σ assets − Σ liabilities`, one constraint per slot. Its absolute value is below
    /// `capacity · 2^64`.
    pub fn net_worth(&self) -> Result<FpVar<Fr>, SynthesisError> {
        self.sum(|s| Ok(&s.value * s.category.net_worth_sign()))
    }

    /// `Σ income`, one constraint per slot.
    pub fn income(&self) -> Result<FpVar<Fr>, SynthesisError> {
        self.sum(|s| Ok(&s.value * s.category.is_income()))
    }

    /// `Σ values of slots whose code equals category`.
    pub fn category_total(&self, category: &FpVar<Fr>) -> Result<FpVar<Fr>, SynthesisError> {
        self.sum(|s| {
            let selected = FpVar::from(s.category.code.is_eq(category)?);
            Ok(&s.value * selected)
        })
    }
}

/// Bits that bound `|Σ|` of one declaration's values: `capacity · 2^64 = 2^(64 + 2d)`.
pub fn sum_bits(capacity: Capacity) -> usize {
    64 + 2 * capacity.depth()
}
