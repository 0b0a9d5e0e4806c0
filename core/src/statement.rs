//! The four statements of DESIGN.md §5 and their typed public inputs.
//!
//! Each statement's public inputs are a struct whose field order is the order the verifying key
//! expects; the offsets are named constants, and `to_public_inputs` / `from_public_inputs` are
//! the only places that lay them out. `from_public_inputs` refuses encodings outside each
//! field's range (a signed bound outside i64, a period that is not one, …), so a verifier never
//! has to reason about raw field elements.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{
    category::Category,
    types::{format_minor_units, Amount, Commitment, IdHash, OfficialTag, Period, SignedAmount},
    Fr,
};

/// Which statement a proof is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatementKind {
    /// `lo <= Σ assets − Σ liabilities <= hi`.
    NetWorthRange,
    /// `lo <= Σ values of one category <= hi`.
    CategoryTotalRange,
    /// `net_worth_curr − net_worth_prev <= income_curr + tolerance`.
    WealthGrowth,
    /// An asset with a given id_hash and `value >= min_value` is declared.
    AssetIncluded,
}

impl StatementKind {
    /// All statements.
    pub const ALL: [StatementKind; 4] = [
        Self::NetWorthRange,
        Self::CategoryTotalRange,
        Self::WealthGrowth,
        Self::AssetIncluded,
    ];

    /// The statement's name, the same everywhere: `net_worth_range`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::NetWorthRange => "net_worth_range",
            Self::CategoryTotalRange => "category_total_range",
            Self::WealthGrowth => "wealth_growth",
            Self::AssetIncluded => "asset_included",
        }
    }

    /// Parses `net_worth_range` or `net-worth-range`.
    pub fn parse(name: &str) -> Result<Self, String> {
        let name = name.replace('-', "_");
        Self::ALL
            .into_iter()
            .find(|k| k.name() == name)
            .ok_or_else(|| {
                format!(
                    "unknown statement `{name}`: use one of {}",
                    Self::ALL.map(Self::name).join(", ")
                )
            })
    }

    /// Number of public inputs.
    pub const fn num_public_inputs(self) -> usize {
        match self {
            Self::NetWorthRange => NetWorthRange::LEN,
            Self::CategoryTotalRange => CategoryTotalRange::LEN,
            Self::WealthGrowth => WealthGrowth::LEN,
            Self::AssetIncluded => AssetIncluded::LEN,
        }
    }
}

impl fmt::Display for StatementKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A public-input vector that does not decode.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PublicInputError {
    /// Wrong number of inputs.
    #[error("{statement} takes {expected} public inputs, got {got}")]
    Length {
        /// The statement.
        statement: StatementKind,
        /// Expected count.
        expected: usize,
        /// Given count.
        got: usize,
    },
    /// One input is outside its range.
    #[error("public input `{name}` of {statement} is out of range: {reason}")]
    OutOfRange {
        /// The statement.
        statement: StatementKind,
        /// The input's name.
        name: &'static str,
        /// Why.
        reason: &'static str,
    },
}

fn decode<T>(
    statement: StatementKind,
    name: &'static str,
    reason: &'static str,
    value: Option<T>,
) -> Result<T, PublicInputError> {
    value.ok_or(PublicInputError::OutOfRange {
        statement,
        name,
        reason,
    })
}

fn check_len(statement: StatementKind, inputs: &[Fr]) -> Result<(), PublicInputError> {
    let expected = statement.num_public_inputs();
    if inputs.len() == expected {
        Ok(())
    } else {
        Err(PublicInputError::Length {
            statement,
            expected,
            got: inputs.len(),
        })
    }
}

const SIGNED: &str = "a signed 64-bit integer is encoded as x mod p with -2^63 <= x < 2^63";
const UNSIGNED: &str = "an unsigned 64-bit integer is below 2^64";
const PERIOD: &str = "a period is a year (2026) or a month (202606)";
const CATEGORY: &str = "a category summed is a real category, 1 to 47 (0 is the empty slot)";
const PERIOD_ORDER: &str = "growth is proved from an earlier period to a later one";
const ID_HASH: &str = "id_hash 0 means no identifier, which no asset can be proved included by";

/// `net_worth_range`: `lo <= Σ assets − Σ liabilities <= hi`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetWorthRange {
    /// The declaration's commitment.
    pub commitment: Commitment,
    /// The official's tag.
    pub official_tag: OfficialTag,
    /// The declaration's period.
    pub period: Period,
    /// Lower bound, inclusive.
    pub lo: SignedAmount,
    /// Upper bound, inclusive.
    pub hi: SignedAmount,
}

impl NetWorthRange {
    /// Offset of `commitment`.
    pub const COMMITMENT: usize = 0;
    /// Offset of `official_tag`.
    pub const OFFICIAL_TAG: usize = 1;
    /// Offset of `period`.
    pub const PERIOD: usize = 2;
    /// Offset of `lo`.
    pub const LO: usize = 3;
    /// Offset of `hi`.
    pub const HI: usize = 4;
    /// Number of public inputs.
    pub const LEN: usize = 5;

    /// The public-input vector, in verifying-key order.
    pub fn to_public_inputs(&self) -> Vec<Fr> {
        vec![
            self.commitment.0,
            self.official_tag.0,
            self.period.to_field(),
            self.lo.to_field(),
            self.hi.to_field(),
        ]
    }

    /// Decodes and range-checks a public-input vector.
    pub fn from_public_inputs(x: &[Fr]) -> Result<Self, PublicInputError> {
        let k = StatementKind::NetWorthRange;
        check_len(k, x)?;
        Ok(Self {
            commitment: Commitment(x[Self::COMMITMENT]),
            official_tag: OfficialTag(x[Self::OFFICIAL_TAG]),
            period: decode(k, "period", PERIOD, Period::from_field(&x[Self::PERIOD]))?,
            lo: decode(k, "lo", SIGNED, SignedAmount::from_field(&x[Self::LO]))?,
            hi: decode(k, "hi", SIGNED, SignedAmount::from_field(&x[Self::HI]))?,
        })
    }
}

/// `category_total_range`: `lo <= Σ values of items with that category <= hi`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryTotalRange {
    /// The declaration's commitment.
    pub commitment: Commitment,
    /// The official's tag.
    pub official_tag: OfficialTag,
    /// The declaration's period.
    pub period: Period,
    /// The category summed.
    pub category: Category,
    /// Lower bound, inclusive.
    pub lo: SignedAmount,
    /// Upper bound, inclusive.
    pub hi: SignedAmount,
}

impl CategoryTotalRange {
    /// Offset of `commitment`.
    pub const COMMITMENT: usize = 0;
    /// Offset of `official_tag`.
    pub const OFFICIAL_TAG: usize = 1;
    /// Offset of `period`.
    pub const PERIOD: usize = 2;
    /// Offset of `category`.
    pub const CATEGORY: usize = 3;
    /// Offset of `lo`.
    pub const LO: usize = 4;
    /// Offset of `hi`.
    pub const HI: usize = 5;
    /// Number of public inputs.
    pub const LEN: usize = 6;

    /// The public-input vector, in verifying-key order.
    pub fn to_public_inputs(&self) -> Vec<Fr> {
        vec![
            self.commitment.0,
            self.official_tag.0,
            self.period.to_field(),
            Fr::from(self.category.code()),
            self.lo.to_field(),
            self.hi.to_field(),
        ]
    }

    /// Decodes and range-checks a public-input vector.
    pub fn from_public_inputs(x: &[Fr]) -> Result<Self, PublicInputError> {
        let k = StatementKind::CategoryTotalRange;
        check_len(k, x)?;
        // DESIGN.md §5: the circuit refuses category 0 too; refusing it here names the cause.
        let category = Amount::from_field(&x[Self::CATEGORY])
            .and_then(|c| u8::try_from(c.0).ok())
            .and_then(|c| Category::from_code(c).ok())
            .filter(|c| *c != Category::EMPTY);
        Ok(Self {
            commitment: Commitment(x[Self::COMMITMENT]),
            official_tag: OfficialTag(x[Self::OFFICIAL_TAG]),
            period: decode(k, "period", PERIOD, Period::from_field(&x[Self::PERIOD]))?,
            category: decode(k, "category", CATEGORY, category)?,
            lo: decode(k, "lo", SIGNED, SignedAmount::from_field(&x[Self::LO]))?,
            hi: decode(k, "hi", SIGNED, SignedAmount::from_field(&x[Self::HI]))?,
        })
    }
}

/// `wealth_growth`: `net_worth_curr − net_worth_prev <= income_curr + tolerance`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WealthGrowth {
    /// The earlier declaration's commitment.
    pub commitment_prev: Commitment,
    /// The later declaration's commitment.
    pub commitment_curr: Commitment,
    /// The official's tag (the same for both).
    pub official_tag: OfficialTag,
    /// The earlier period.
    pub period_prev: Period,
    /// The later period.
    pub period_curr: Period,
    /// Growth allowed beyond declared income.
    pub tolerance: Amount,
}

impl WealthGrowth {
    /// Offset of `commitment_prev`.
    pub const COMMITMENT_PREV: usize = 0;
    /// Offset of `commitment_curr`.
    pub const COMMITMENT_CURR: usize = 1;
    /// Offset of `official_tag`.
    pub const OFFICIAL_TAG: usize = 2;
    /// Offset of `period_prev`.
    pub const PERIOD_PREV: usize = 3;
    /// Offset of `period_curr`.
    pub const PERIOD_CURR: usize = 4;
    /// Offset of `tolerance`.
    pub const TOLERANCE: usize = 5;
    /// Number of public inputs.
    pub const LEN: usize = 6;

    /// The public-input vector, in verifying-key order.
    pub fn to_public_inputs(&self) -> Vec<Fr> {
        vec![
            self.commitment_prev.0,
            self.commitment_curr.0,
            self.official_tag.0,
            self.period_prev.to_field(),
            self.period_curr.to_field(),
            self.tolerance.to_field(),
        ]
    }

    /// Decodes and range-checks a public-input vector.
    pub fn from_public_inputs(x: &[Fr]) -> Result<Self, PublicInputError> {
        let k = StatementKind::WealthGrowth;
        check_len(k, x)?;
        let growth = Self {
            commitment_prev: Commitment(x[Self::COMMITMENT_PREV]),
            commitment_curr: Commitment(x[Self::COMMITMENT_CURR]),
            official_tag: OfficialTag(x[Self::OFFICIAL_TAG]),
            period_prev: decode(
                k,
                "period_prev",
                PERIOD,
                Period::from_field(&x[Self::PERIOD_PREV]),
            )?,
            period_curr: decode(
                k,
                "period_curr",
                PERIOD,
                Period::from_field(&x[Self::PERIOD_CURR]),
            )?,
            tolerance: decode(
                k,
                "tolerance",
                UNSIGNED,
                Amount::from_field(&x[Self::TOLERANCE]),
            )?,
        };
        // DESIGN.md §5: the circuit enforces `period_prev < period_curr` as well.
        let ordered = growth.period_prev < growth.period_curr;
        decode(k, "period_prev", PERIOD_ORDER, ordered.then_some(growth))
    }
}

/// `asset_included`: an asset item with `id_hash` and `value >= min_value` is declared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssetIncluded {
    /// The declaration's commitment.
    pub commitment: Commitment,
    /// The official's tag.
    pub official_tag: OfficialTag,
    /// The declaration's period.
    pub period: Period,
    /// The asset's id_hash.
    pub id_hash: IdHash,
    /// The least value the asset must be declared at.
    pub min_value: Amount,
}

impl AssetIncluded {
    /// Offset of `commitment`.
    pub const COMMITMENT: usize = 0;
    /// Offset of `official_tag`.
    pub const OFFICIAL_TAG: usize = 1;
    /// Offset of `period`.
    pub const PERIOD: usize = 2;
    /// Offset of `id_hash`.
    pub const ID_HASH: usize = 3;
    /// Offset of `min_value`.
    pub const MIN_VALUE: usize = 4;
    /// Number of public inputs.
    pub const LEN: usize = 5;

    /// The public-input vector, in verifying-key order.
    pub fn to_public_inputs(&self) -> Vec<Fr> {
        vec![
            self.commitment.0,
            self.official_tag.0,
            self.period.to_field(),
            self.id_hash.0,
            self.min_value.to_field(),
        ]
    }

    /// Decodes and range-checks a public-input vector.
    pub fn from_public_inputs(x: &[Fr]) -> Result<Self, PublicInputError> {
        let k = StatementKind::AssetIncluded;
        check_len(k, x)?;
        Ok(Self {
            commitment: Commitment(x[Self::COMMITMENT]),
            official_tag: OfficialTag(x[Self::OFFICIAL_TAG]),
            period: decode(k, "period", PERIOD, Period::from_field(&x[Self::PERIOD]))?,
            // DESIGN.md §4/§5: the circuit refuses id_hash 0 as well.
            id_hash: decode(
                k,
                "id_hash",
                ID_HASH,
                Some(IdHash(x[Self::ID_HASH])).filter(|h| !h.is_none()),
            )?,
            min_value: decode(
                k,
                "min_value",
                UNSIGNED,
                Amount::from_field(&x[Self::MIN_VALUE]),
            )?,
        })
    }
}

/// The public inputs of any statement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "statement", rename_all = "snake_case")]
pub enum PublicInputs {
    /// See [`NetWorthRange`].
    NetWorthRange(NetWorthRange),
    /// See [`CategoryTotalRange`].
    CategoryTotalRange(CategoryTotalRange),
    /// See [`WealthGrowth`].
    WealthGrowth(WealthGrowth),
    /// See [`AssetIncluded`].
    AssetIncluded(AssetIncluded),
}

impl PublicInputs {
    /// The statement.
    pub fn kind(&self) -> StatementKind {
        match self {
            Self::NetWorthRange(_) => StatementKind::NetWorthRange,
            Self::CategoryTotalRange(_) => StatementKind::CategoryTotalRange,
            Self::WealthGrowth(_) => StatementKind::WealthGrowth,
            Self::AssetIncluded(_) => StatementKind::AssetIncluded,
        }
    }

    /// The public-input vector, in verifying-key order.
    pub fn to_public_inputs(&self) -> Vec<Fr> {
        match self {
            Self::NetWorthRange(x) => x.to_public_inputs(),
            Self::CategoryTotalRange(x) => x.to_public_inputs(),
            Self::WealthGrowth(x) => x.to_public_inputs(),
            Self::AssetIncluded(x) => x.to_public_inputs(),
        }
    }

    /// Decodes the public inputs of statement `kind`.
    pub fn from_public_inputs(kind: StatementKind, x: &[Fr]) -> Result<Self, PublicInputError> {
        Ok(match kind {
            StatementKind::NetWorthRange => {
                Self::NetWorthRange(NetWorthRange::from_public_inputs(x)?)
            }
            StatementKind::CategoryTotalRange => {
                Self::CategoryTotalRange(CategoryTotalRange::from_public_inputs(x)?)
            }
            StatementKind::WealthGrowth => Self::WealthGrowth(WealthGrowth::from_public_inputs(x)?),
            StatementKind::AssetIncluded => {
                Self::AssetIncluded(AssetIncluded::from_public_inputs(x)?)
            }
        })
    }

    /// The commitments the statement is about, each with its period: one, or the earlier and
    /// the later for `wealth_growth`. A verifier looks each up on the ledger (DESIGN.md §5).
    pub fn named_commitments(&self) -> Vec<(Period, Commitment)> {
        match self {
            Self::NetWorthRange(x) => vec![(x.period, x.commitment)],
            Self::CategoryTotalRange(x) => vec![(x.period, x.commitment)],
            Self::WealthGrowth(x) => vec![
                (x.period_prev, x.commitment_prev),
                (x.period_curr, x.commitment_curr),
            ],
            Self::AssetIncluded(x) => vec![(x.period, x.commitment)],
        }
    }

    /// The official tag the statement is about.
    pub fn official_tag(&self) -> OfficialTag {
        match self {
            Self::NetWorthRange(x) => x.official_tag,
            Self::CategoryTotalRange(x) => x.official_tag,
            Self::WealthGrowth(x) => x.official_tag,
            Self::AssetIncluded(x) => x.official_tag,
        }
    }
}

impl fmt::Display for PublicInputs {
    /// The statement in words; amounts shown as minor units with two decimals.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let signed = |x: SignedAmount| format_minor_units(i128::from(x.0));
        let unsigned = |x: Amount| format_minor_units(i128::from(x.0));
        match self {
            Self::NetWorthRange(x) => write!(
                f,
                "net worth (assets minus liabilities) for {} is between {} and {}",
                x.period,
                signed(x.lo),
                signed(x.hi)
            ),
            Self::CategoryTotalRange(x) => write!(
                f,
                "total of {} for {} is between {} and {}",
                x.category,
                x.period,
                signed(x.lo),
                signed(x.hi)
            ),
            Self::WealthGrowth(x) => write!(
                f,
                "net worth grew from {} to {} by no more than declared income for {} plus a tolerance of {}",
                x.period_prev,
                x.period_curr,
                x.period_curr,
                unsigned(x.tolerance)
            ),
            Self::AssetIncluded(x) => write!(
                f,
                "the declaration for {} includes the asset with id_hash {} at a value of at least {}",
                x.period,
                x.id_hash,
                unsigned(x.min_value)
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_bad_encodings() {
        let p = NetWorthRange {
            commitment: Commitment(Fr::from(9u64)),
            official_tag: OfficialTag(Fr::from(8u64)),
            period: Period::new(2026).expect("valid"),
            lo: SignedAmount(-5),
            hi: SignedAmount(i64::MAX),
        };
        let mut x = p.to_public_inputs();
        assert_eq!(NetWorthRange::from_public_inputs(&x), Ok(p));
        x[NetWorthRange::HI] = Fr::from(1u128 << 63);
        assert!(matches!(
            NetWorthRange::from_public_inputs(&x),
            Err(PublicInputError::OutOfRange { name: "hi", .. })
        ));
        assert!(matches!(
            NetWorthRange::from_public_inputs(&x[..4]),
            Err(PublicInputError::Length {
                expected: 5,
                got: 4,
                ..
            })
        ));
    }

    #[test]
    fn statement_names() {
        for k in StatementKind::ALL {
            assert_eq!(StatementKind::parse(k.name()), Ok(k));
            assert_eq!(StatementKind::parse(&k.name().replace('_', "-")), Ok(k));
        }
        assert!(StatementKind::parse("solvency").is_err());
    }
}
