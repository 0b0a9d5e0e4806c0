//! Declarations (DESIGN.md §3) and their commitments (§4).
//!
//! A [`Declaration`] is what the official types; its [`Slot`]s are what is committed (category,
//! id_hash, value), padded with empty slots to the capacity; [`Blindings`] are drawn once per
//! declaration and kept in the official's wallet. An [`Opening`] is both together: everything a
//! proof needs, and nothing that may leave the official's machine.

use std::fmt;

use ark_ff::UniformRand;
use rand::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};

use crate::{
    category::{Category, Class},
    poseidon::{poseidon4, poseidon5},
    tree::{InclusionPath, ItemsTree},
    types::{Amount, AssetId, Commitment, IdHash, OfficialId, OfficialTag, Period},
    Fr,
};

/// `DOMAIN_DECLARATION`: the bytes of "probity" read as a big-endian integer.
pub const DOMAIN_DECLARATION: u64 = 0x70726f62697479;

/// The number of slots of a declaration, `N = 4^d` for `d` in 2..=5.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "usize", into = "usize")]
pub struct Capacity {
    depth: u8,
}

impl Capacity {
    /// 16 slots.
    pub const C16: Capacity = Capacity { depth: 2 };
    /// 64 slots, the default.
    pub const C64: Capacity = Capacity { depth: 3 };
    /// 256 slots.
    pub const C256: Capacity = Capacity { depth: 4 };
    /// 1024 slots.
    pub const C1024: Capacity = Capacity { depth: 5 };
    /// Every supported capacity, smallest first.
    pub const ALL: [Capacity; 4] = [Self::C16, Self::C64, Self::C256, Self::C1024];

    /// The capacity with `slots` slots, if supported.
    pub fn new(slots: usize) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|c| c.slots() == slots)
            .ok_or_else(|| format!("capacity {slots} is not supported: use 16, 64, 256 or 1024"))
    }

    /// `N`.
    pub const fn slots(self) -> usize {
        1 << (2 * self.depth)
    }

    /// `d`, the number of levels above the leaves.
    pub const fn depth(self) -> usize {
        self.depth as usize
    }

    /// `N` as a field element, as the commitment binds it.
    pub fn to_field(self) -> Fr {
        Fr::from(self.slots() as u64)
    }
}

impl Default for Capacity {
    fn default() -> Self {
        Self::C64
    }
}

impl TryFrom<usize> for Capacity {
    type Error = String;
    fn try_from(n: usize) -> Result<Self, String> {
        Self::new(n)
    }
}

impl From<Capacity> for usize {
    fn from(c: Capacity) -> usize {
        c.slots()
    }
}

impl fmt::Display for Capacity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.slots())
    }
}

/// Whose an item is. Kept in the official's file, not in the commitment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Owner {
    /// The official.
    #[default]
    #[serde(rename = "self")]
    Official,
    /// The official's spouse.
    Spouse,
    /// A child of the official.
    Child,
}

/// One line of a declaration.
#[derive(Clone, PartialEq, Eq)]
pub struct Item {
    /// What it is; never [`Category::EMPTY`].
    pub category: Category,
    /// The registry identifier, possibly empty.
    pub asset_id: AssetId,
    /// The value in minor units.
    pub value: Amount,
    /// Whose it is (not committed).
    pub owner: Owner,
    /// Free text (not committed).
    pub note: String,
}

impl Item {
    /// What is committed of this item.
    pub fn slot(&self) -> Slot {
        Slot {
            category: self.category,
            id_hash: self.asset_id.id_hash(),
            value: self.value,
        }
    }
}

impl fmt::Debug for Item {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Values and identifiers are the official's secrets.
        f.debug_struct("Item")
            .field("category", &self.category)
            .finish_non_exhaustive()
    }
}

/// What is committed of one slot.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    /// The category code.
    pub category: Category,
    /// `id_hash` of the asset id.
    pub id_hash: IdHash,
    /// The value.
    pub value: Amount,
}

impl Slot {
    /// A padding slot: category 0, id_hash 0, value 0.
    pub const EMPTY: Slot = Slot {
        category: Category::EMPTY,
        id_hash: IdHash::NONE,
        value: Amount(0),
    };

    /// `leaf = Poseidon(category, id_hash, value, blinding)`.
    pub fn leaf(&self, blinding: &Blinding) -> Fr {
        poseidon4([
            Fr::from(self.category.code()),
            self.id_hash.0,
            self.value.to_field(),
            blinding.0,
        ])
    }
}

impl fmt::Debug for Slot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Slot")
            .field("category", &self.category)
            .finish_non_exhaustive()
    }
}

/// Errors of building a declaration.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DeclarationError {
    /// More items than slots.
    #[error("the declaration has {items} items but capacity {capacity}: set `capacity` to a larger value (16, 64, 256 or 1024)")]
    TooManyItems {
        /// Items given.
        items: usize,
        /// Slots available.
        capacity: Capacity,
    },
    /// An item uses the padding category.
    #[error("item {index} has category 0, which marks an empty slot: give it a real category")]
    EmptyCategoryItem {
        /// 1-based index of the item.
        index: usize,
    },
    /// The file could not be read as a declaration.
    #[error("the declaration file is not valid: {0}")]
    Format(String),
}

/// One official's declaration for one period.
#[derive(Clone, PartialEq, Eq)]
pub struct Declaration {
    official: OfficialId,
    period: Period,
    capacity: Capacity,
    currency: String,
    items: Vec<Item>,
}

impl Declaration {
    /// Validates and builds a declaration.
    pub fn new(
        official: OfficialId,
        period: Period,
        capacity: Capacity,
        currency: String,
        items: Vec<Item>,
    ) -> Result<Self, DeclarationError> {
        if items.len() > capacity.slots() {
            return Err(DeclarationError::TooManyItems {
                items: items.len(),
                capacity,
            });
        }
        if let Some(i) = items.iter().position(|it| it.category == Category::EMPTY) {
            return Err(DeclarationError::EmptyCategoryItem { index: i + 1 });
        }
        Ok(Self {
            official,
            period,
            capacity,
            currency,
            items,
        })
    }

    /// The official.
    pub fn official(&self) -> &OfficialId {
        &self.official
    }
    /// The period.
    pub fn period(&self) -> Period {
        self.period
    }
    /// The capacity.
    pub fn capacity(&self) -> Capacity {
        self.capacity
    }
    /// The currency code of all values (informational, not committed).
    pub fn currency(&self) -> &str {
        &self.currency
    }
    /// The items, in slot order.
    pub fn items(&self) -> &[Item] {
        &self.items
    }

    /// The committed slots: the items in order, then empty slots up to the capacity.
    pub fn slots(&self) -> Vec<Slot> {
        let mut slots: Vec<Slot> = self.items.iter().map(Item::slot).collect();
        slots.resize(self.capacity.slots(), Slot::EMPTY);
        slots
    }
}

impl fmt::Debug for Declaration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Declaration")
            .field("official", &self.official)
            .field("period", &self.period)
            .field("capacity", &self.capacity)
            .finish_non_exhaustive()
    }
}

/// A slot's blinding, uniform in `Fr`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Blinding(pub Fr);

impl fmt::Debug for Blinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Blinding(..)")
    }
}

/// One blinding per slot, drawn once per declaration.
#[derive(Clone, PartialEq, Eq)]
pub struct Blindings(Vec<Blinding>);

impl Blindings {
    /// Fresh uniform blindings for every slot, padding included, so the item count stays hidden.
    pub fn random<R: RngCore + CryptoRng>(capacity: Capacity, rng: &mut R) -> Self {
        Self(
            (0..capacity.slots())
                .map(|_| Blinding(Fr::rand(rng)))
                .collect(),
        )
    }

    /// Blindings read back from a wallet; the length must be a capacity.
    pub fn from_vec(blindings: Vec<Fr>) -> Result<Self, String> {
        Capacity::new(blindings.len())?;
        Ok(Self(blindings.into_iter().map(Blinding).collect()))
    }

    /// The blindings in slot order.
    pub fn as_slice(&self) -> &[Blinding] {
        &self.0
    }
}

impl fmt::Debug for Blindings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Blindings({} slots)", self.0.len())
    }
}

/// `commitment = Poseidon(DOMAIN_DECLARATION, official_tag, period, capacity, items_root)`
/// (format v2, DESIGN.md §4).
///
/// # Why the capacity is bound
/// Leaves and tree nodes are both 4-input Poseidon, so a slot whose four inputs are chosen as
/// child hashes reads as an inner node of a deeper tree. Without the capacity in the
/// commitment, an `asset_included` proof for a larger capacity could "include" an item that a
/// smaller declaration does not hold. With it, a proof for capacity `N` only ever opens a
/// commitment made for `N` slots.
pub fn commitment(
    official_tag: OfficialTag,
    period: Period,
    capacity: Capacity,
    items_root: Fr,
) -> Commitment {
    Commitment(poseidon5([
        Fr::from(DOMAIN_DECLARATION),
        official_tag.0,
        period.to_field(),
        capacity.to_field(),
        items_root,
    ]))
}

/// A declaration with its blindings: everything a proof about it needs.
#[derive(Clone)]
pub struct Opening {
    official: OfficialId,
    period: Period,
    slots: Vec<Slot>,
    blindings: Blindings,
    tree: ItemsTree,
    commitment: Commitment,
}

impl Opening {
    /// Opens `declaration` with `blindings` and computes its tree and commitment.
    pub fn new(declaration: &Declaration, blindings: Blindings) -> Result<Self, String> {
        Self::from_slots(
            declaration.official.clone(),
            declaration.period,
            declaration.slots(),
            blindings,
        )
    }

    /// Opens raw slots; used by tests that need slots no [`Declaration`] would accept.
    pub fn from_slots(
        official: OfficialId,
        period: Period,
        slots: Vec<Slot>,
        blindings: Blindings,
    ) -> Result<Self, String> {
        if slots.len() != blindings.0.len() {
            return Err(format!(
                "the wallet holds {} blindings but the declaration has {} slots: the capacity changed since it was committed",
                blindings.0.len(),
                slots.len()
            ));
        }
        let leaves = slots
            .iter()
            .zip(&blindings.0)
            .map(|(s, b)| s.leaf(b))
            .collect();
        let capacity = Capacity::new(slots.len())?;
        let tree = ItemsTree::from_leaves(leaves);
        let commitment = commitment(official.tag(), period, capacity, tree.root());
        Ok(Self {
            official,
            period,
            slots,
            blindings,
            tree,
            commitment,
        })
    }

    /// The official.
    pub fn official(&self) -> &OfficialId {
        &self.official
    }
    /// The period.
    pub fn period(&self) -> Period {
        self.period
    }
    /// The capacity.
    pub fn capacity(&self) -> Capacity {
        Capacity::new(self.slots.len()).expect("slot count was checked against a capacity")
    }
    /// The committed slots.
    pub fn slots(&self) -> &[Slot] {
        &self.slots
    }
    /// The blindings.
    pub fn blindings(&self) -> &Blindings {
        &self.blindings
    }
    /// The items tree.
    pub fn tree(&self) -> &ItemsTree {
        &self.tree
    }
    /// The commitment.
    pub fn commitment(&self) -> Commitment {
        self.commitment
    }
    /// The inclusion path of `slot`.
    pub fn path(&self, slot: usize) -> InclusionPath {
        self.tree.path(slot)
    }

    /// `Σ assets − Σ liabilities`.
    pub fn net_worth(&self) -> i128 {
        net_worth(&self.slots)
    }
}

impl fmt::Debug for Opening {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Opening")
            .field("official", &self.official)
            .field("period", &self.period)
            .field("commitment", &self.commitment)
            .finish_non_exhaustive()
    }
}

/// `Σ assets − Σ liabilities`; the native twin of the circuits' net-worth sum.
pub fn net_worth(slots: &[Slot]) -> i128 {
    slots
        .iter()
        .map(|s| match s.category.class() {
            Class::Asset | Class::Empty => i128::from(s.value.0),
            Class::Liability => -i128::from(s.value.0),
            Class::Income => 0,
        })
        .sum()
}

/// `Σ values of income items`.
pub fn income(slots: &[Slot]) -> u128 {
    slots
        .iter()
        .filter(|s| s.category.class() == Class::Income)
        .map(|s| u128::from(s.value.0))
        .sum()
}

/// `Σ values of items with that category`.
pub fn category_total(slots: &[Slot], category: Category) -> u128 {
    slots
        .iter()
        .filter(|s| s.category == category)
        .map(|s| u128::from(s.value.0))
        .sum()
}
