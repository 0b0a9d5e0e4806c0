//! The four statements of DESIGN.md §5 as circuits.
//!
//! Each circuit allocates its public inputs first, in the order of its typed public-input
//! struct in `probity_core` (the order the verifying key expects), then its witness. Each has
//! `empty(capacity)` for key generation, `new(..)` for an honest prover, and `from_parts(..)`
//! with raw field elements for tests that play a dishonest prover.

use ark_r1cs_std::{alloc::AllocVar, eq::EqGadget, fields::fp::FpVar};
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};
use probity_core::{
    AssetIncluded, Capacity, CategoryTotalRange, Fr, InclusionPath, NetWorthRange, Opening,
    StatementKind, WealthGrowth,
};

use crate::{
    category::{alloc_asset_code, CategoryVar},
    declaration::{commitment, sum_bits, DeclarationVar, DeclarationWitness},
    poseidon::poseidon,
    range::{
        alloc_amount, enforce_amount, enforce_bits, enforce_le, enforce_nonzero,
        enforce_signed_amount, AMOUNT_BITS, PERIOD_BITS,
    },
    tree::PathVar,
};

fn alloc_inputs(
    cs: &ConstraintSystemRef<Fr>,
    public: Option<&[Fr]>,
    len: usize,
) -> Result<Vec<FpVar<Fr>>, SynthesisError> {
    (0..len)
        .map(|i| {
            FpVar::new_input(cs.clone(), || {
                public
                    .and_then(|p| p.get(i).copied())
                    .ok_or(SynthesisError::AssignmentMissing)
            })
        })
        .collect()
}

/// `net_worth_range`: `lo <= Σ assets − Σ liabilities <= hi`.
#[derive(Clone)]
pub struct NetWorthRangeCircuit {
    capacity: Capacity,
    public: Option<Vec<Fr>>,
    witness: Option<DeclarationWitness>,
}

impl NetWorthRangeCircuit {
    /// The circuit without assignments, for key generation.
    pub fn empty(capacity: Capacity) -> Self {
        Self {
            capacity,
            public: None,
            witness: None,
        }
    }

    /// An honest prover's circuit.
    pub fn new(opening: &Opening, inputs: &NetWorthRange) -> Self {
        Self::from_parts(
            opening.capacity(),
            inputs.to_public_inputs(),
            DeclarationWitness::from_opening(opening),
        )
    }

    /// Any assignment at all, for adversarial tests.
    pub fn from_parts(capacity: Capacity, public: Vec<Fr>, witness: DeclarationWitness) -> Self {
        Self {
            capacity,
            public: Some(public),
            witness: Some(witness),
        }
    }
}

impl ConstraintSynthesizer<Fr> for NetWorthRangeCircuit {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        type P = NetWorthRange;
        let x = alloc_inputs(&cs, self.public.as_deref(), P::LEN)?;
        enforce_signed_amount(&x[P::LO])?;
        enforce_signed_amount(&x[P::HI])?;
        let decl = DeclarationVar::new_witness(
            &cs,
            self.capacity,
            self.witness.as_ref(),
            &x[P::OFFICIAL_TAG],
            &x[P::PERIOD],
        )?;
        decl.commitment.enforce_equal(&x[P::COMMITMENT])?;
        let net_worth = decl.net_worth()?;
        // |net_worth − bound| < 2^(64+2d) + 2^63 < 2^(65+2d).
        let bits = sum_bits(self.capacity) + 1;
        enforce_le(&x[P::LO], &net_worth, bits)?;
        enforce_le(&net_worth, &x[P::HI], bits)
    }
}

/// `category_total_range`: `lo <= Σ values of items with that category <= hi`.
#[derive(Clone)]
pub struct CategoryTotalRangeCircuit {
    capacity: Capacity,
    public: Option<Vec<Fr>>,
    witness: Option<DeclarationWitness>,
}

impl CategoryTotalRangeCircuit {
    /// The circuit without assignments, for key generation.
    pub fn empty(capacity: Capacity) -> Self {
        Self {
            capacity,
            public: None,
            witness: None,
        }
    }

    /// An honest prover's circuit.
    pub fn new(opening: &Opening, inputs: &CategoryTotalRange) -> Self {
        Self::from_parts(
            opening.capacity(),
            inputs.to_public_inputs(),
            DeclarationWitness::from_opening(opening),
        )
    }

    /// Any assignment at all, for adversarial tests.
    pub fn from_parts(capacity: Capacity, public: Vec<Fr>, witness: DeclarationWitness) -> Self {
        Self {
            capacity,
            public: Some(public),
            witness: Some(witness),
        }
    }
}

impl ConstraintSynthesizer<Fr> for CategoryTotalRangeCircuit {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        type P = CategoryTotalRange;
        let x = alloc_inputs(&cs, self.public.as_deref(), P::LEN)?;
        let category = CategoryVar::new_witness(&cs, self.public.as_ref().map(|p| p[P::CATEGORY]))?;
        category.code.enforce_equal(&x[P::CATEGORY])?;
        // DESIGN.md §5: the category is a real one, 1–47; code 0 marks the empty slot.
        enforce_nonzero(&cs, &x[P::CATEGORY])?;
        enforce_signed_amount(&x[P::LO])?;
        enforce_signed_amount(&x[P::HI])?;
        let decl = DeclarationVar::new_witness(
            &cs,
            self.capacity,
            self.witness.as_ref(),
            &x[P::OFFICIAL_TAG],
            &x[P::PERIOD],
        )?;
        decl.commitment.enforce_equal(&x[P::COMMITMENT])?;
        let total = decl.category_total(&x[P::CATEGORY])?;
        let bits = sum_bits(self.capacity) + 1;
        enforce_le(&x[P::LO], &total, bits)?;
        enforce_le(&total, &x[P::HI], bits)
    }
}

/// `wealth_growth`: `net_worth_curr − net_worth_prev <= income_curr + tolerance`.
#[derive(Clone)]
pub struct WealthGrowthCircuit {
    capacity: Capacity,
    public: Option<Vec<Fr>>,
    witness: Option<(DeclarationWitness, DeclarationWitness)>,
}

impl WealthGrowthCircuit {
    /// The circuit without assignments, for key generation.
    pub fn empty(capacity: Capacity) -> Self {
        Self {
            capacity,
            public: None,
            witness: None,
        }
    }

    /// An honest prover's circuit. Both openings have the same capacity.
    pub fn new(prev: &Opening, curr: &Opening, inputs: &WealthGrowth) -> Self {
        Self::from_parts(
            curr.capacity(),
            inputs.to_public_inputs(),
            DeclarationWitness::from_opening(prev),
            DeclarationWitness::from_opening(curr),
        )
    }

    /// Any assignment at all, for adversarial tests.
    pub fn from_parts(
        capacity: Capacity,
        public: Vec<Fr>,
        prev: DeclarationWitness,
        curr: DeclarationWitness,
    ) -> Self {
        Self {
            capacity,
            public: Some(public),
            witness: Some((prev, curr)),
        }
    }
}

impl ConstraintSynthesizer<Fr> for WealthGrowthCircuit {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        type P = WealthGrowth;
        let x = alloc_inputs(&cs, self.public.as_deref(), P::LEN)?;
        enforce_amount(&x[P::TOLERANCE])?;
        // DESIGN.md §5: `period_prev < period_curr`, both below 2^32. With both below 2^32,
        // `period_curr − period_prev − 1` lies in (−2^32, 2^32), so 32 bits decide its sign.
        enforce_bits(&x[P::PERIOD_PREV], PERIOD_BITS)?;
        enforce_bits(&x[P::PERIOD_CURR], PERIOD_BITS)?;
        enforce_le(
            &(&x[P::PERIOD_PREV] + Fr::from(1u64)),
            &x[P::PERIOD_CURR],
            PERIOD_BITS,
        )?;
        let (prev, curr) = match &self.witness {
            Some((p, c)) => (Some(p), Some(c)),
            None => (None, None),
        };
        let tag = &x[P::OFFICIAL_TAG];
        let prev = DeclarationVar::new_witness(&cs, self.capacity, prev, tag, &x[P::PERIOD_PREV])?;
        prev.commitment.enforce_equal(&x[P::COMMITMENT_PREV])?;
        let curr = DeclarationVar::new_witness(&cs, self.capacity, curr, tag, &x[P::PERIOD_CURR])?;
        curr.commitment.enforce_equal(&x[P::COMMITMENT_CURR])?;
        let growth = curr.net_worth()? - prev.net_worth()?;
        let allowed = curr.income()? + &x[P::TOLERANCE];
        // |allowed − growth| < 3 · 2^(64+2d) + 2^64 < 2^(66+2d).
        enforce_le(&growth, &allowed, sum_bits(self.capacity) + 2)
    }
}

/// The private witness of `asset_included`: one slot and its path; nothing else of the
/// declaration enters the circuit.
#[derive(Clone)]
pub struct AssetWitness {
    /// The category code.
    pub category: Fr,
    /// The value.
    pub value: Fr,
    /// The blinding.
    pub blinding: Fr,
    /// The slot's inclusion path.
    pub path: InclusionPath,
}

impl std::fmt::Debug for AssetWitness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AssetWitness").finish_non_exhaustive()
    }
}

/// `asset_included`: an asset item with that `id_hash` and `value >= min_value` is declared.
#[derive(Clone)]
pub struct AssetIncludedCircuit {
    capacity: Capacity,
    public: Option<Vec<Fr>>,
    witness: Option<AssetWitness>,
}

impl AssetIncludedCircuit {
    /// The circuit without assignments, for key generation.
    pub fn empty(capacity: Capacity) -> Self {
        Self {
            capacity,
            public: None,
            witness: None,
        }
    }

    /// An honest prover's circuit for the item in `slot`.
    pub fn new(opening: &Opening, slot: usize, inputs: &AssetIncluded) -> Self {
        let s = opening.slots()[slot];
        let witness = AssetWitness {
            category: Fr::from(s.category.code()),
            value: s.value.to_field(),
            blinding: opening.blindings().as_slice()[slot].0,
            path: opening.path(slot),
        };
        Self::from_parts(opening.capacity(), inputs.to_public_inputs(), witness)
    }

    /// Any assignment at all, for adversarial tests.
    pub fn from_parts(capacity: Capacity, public: Vec<Fr>, witness: AssetWitness) -> Self {
        Self {
            capacity,
            public: Some(public),
            witness: Some(witness),
        }
    }
}

impl ConstraintSynthesizer<Fr> for AssetIncludedCircuit {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        type P = AssetIncluded;
        let missing = || SynthesisError::AssignmentMissing;
        let x = alloc_inputs(&cs, self.public.as_deref(), P::LEN)?;
        enforce_amount(&x[P::MIN_VALUE])?;
        // DESIGN.md §5: `id_hash != 0`, an item without an identifier answers no challenge.
        enforce_nonzero(&cs, &x[P::ID_HASH])?;
        let w = self.witness.as_ref();
        let category = alloc_asset_code(&cs, w.map(|w| w.category))?;
        let value = alloc_amount(&cs, w.map(|w| w.value))?;
        let blinding =
            FpVar::new_witness(cs.clone(), || w.map(|w| w.blinding).ok_or_else(missing))?;
        enforce_le(&x[P::MIN_VALUE], &value, AMOUNT_BITS)?;
        let leaf = poseidon(&cs, &[category, x[P::ID_HASH].clone(), value, blinding])?;
        let path = PathVar::new_witness(&cs, self.capacity.depth(), w.map(|w| &w.path))?;
        let root = path.root(&cs, &leaf)?;
        let commitment = commitment(&cs, &x[P::OFFICIAL_TAG], &x[P::PERIOD], self.capacity, root)?;
        commitment.enforce_equal(&x[P::COMMITMENT])
    }
}

/// Circuit structs print their capacity and whether they are assigned, never the witness.
macro_rules! redacted_debug {
    ($($name:ident),*) => {$(
        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("capacity", &self.capacity)
                    .field("assigned", &self.witness.is_some())
                    .finish_non_exhaustive()
            }
        }
    )*};
}
redacted_debug!(
    NetWorthRangeCircuit,
    CategoryTotalRangeCircuit,
    WealthGrowthCircuit,
    AssetIncludedCircuit
);

/// Any statement's circuit, for code that handles every statement alike (key generation).
#[derive(Clone, Debug)]
pub enum StatementCircuit {
    /// See [`NetWorthRangeCircuit`].
    NetWorthRange(NetWorthRangeCircuit),
    /// See [`CategoryTotalRangeCircuit`].
    CategoryTotalRange(CategoryTotalRangeCircuit),
    /// See [`WealthGrowthCircuit`].
    WealthGrowth(WealthGrowthCircuit),
    /// See [`AssetIncludedCircuit`].
    AssetIncluded(AssetIncludedCircuit),
}

impl StatementCircuit {
    /// The circuit of `kind` at `capacity` without assignments.
    pub fn empty(kind: StatementKind, capacity: Capacity) -> Self {
        match kind {
            StatementKind::NetWorthRange => {
                Self::NetWorthRange(NetWorthRangeCircuit::empty(capacity))
            }
            StatementKind::CategoryTotalRange => {
                Self::CategoryTotalRange(CategoryTotalRangeCircuit::empty(capacity))
            }
            StatementKind::WealthGrowth => Self::WealthGrowth(WealthGrowthCircuit::empty(capacity)),
            StatementKind::AssetIncluded => {
                Self::AssetIncluded(AssetIncludedCircuit::empty(capacity))
            }
        }
    }

    /// The statement.
    pub fn kind(&self) -> StatementKind {
        match self {
            Self::NetWorthRange(_) => StatementKind::NetWorthRange,
            Self::CategoryTotalRange(_) => StatementKind::CategoryTotalRange,
            Self::WealthGrowth(_) => StatementKind::WealthGrowth,
            Self::AssetIncluded(_) => StatementKind::AssetIncluded,
        }
    }
}

impl ConstraintSynthesizer<Fr> for StatementCircuit {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        match self {
            Self::NetWorthRange(c) => c.generate_constraints(cs),
            Self::CategoryTotalRange(c) => c.generate_constraints(cs),
            Self::WealthGrowth(c) => c.generate_constraints(cs),
            Self::AssetIncluded(c) => c.generate_constraints(cs),
        }
    }
}
