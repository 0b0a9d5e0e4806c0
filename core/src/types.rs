//! Semantic newtypes of the public API: amounts, identifiers, periods, field-valued tags.
//!
//! Each type owns its canonical field encoding, so that the native code, the circuits and the
//! verifier cannot disagree on how a value enters the field.

use std::{fmt, str::FromStr};

use ark_ff::{BigInteger, PrimeField};
use serde::{Deserialize, Serialize};

use crate::{
    encoding::{normalize_asset_id, to_field, ASSET_ID_TAG, OFFICIAL_TAG},
    Fr,
};

/// A declared value in the minor unit of the declared currency (e.g. fen).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Amount(pub u64);

impl Amount {
    /// The field encoding: the integer itself.
    pub fn to_field(self) -> Fr {
        Fr::from(self.0)
    }

    /// Decodes a field element that must be below 2^64.
    pub fn from_field(x: &Fr) -> Option<Self> {
        field_to_u128(x)
            .and_then(|v| u64::try_from(v).ok())
            .map(Amount)
    }
}

/// A signed bound, `lo` or `hi` of a range statement, in minor units.
///
/// Encoded in the field as `x mod p`: a negative bound is `p - |x|`.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct SignedAmount(pub i64);

impl SignedAmount {
    /// `x mod p`.
    pub fn to_field(self) -> Fr {
        i128_to_field(i128::from(self.0))
    }

    /// Decodes `x mod p` for `x` in the signed 64-bit range; anything else is `None`.
    pub fn from_field(x: &Fr) -> Option<Self> {
        if let Some(v) = field_to_u128(x) {
            return i64::try_from(v).ok().map(SignedAmount);
        }
        let neg = field_to_u128(&-*x)?;
        i64::try_from(-i128::try_from(neg).ok()?)
            .ok()
            .map(SignedAmount)
    }
}

/// `x mod p` for a signed integer; sums of at most 1024 64-bit values fit easily.
pub fn i128_to_field(x: i128) -> Fr {
    let magnitude = Fr::from(x.unsigned_abs());
    if x < 0 {
        -magnitude
    } else {
        magnitude
    }
}

/// The field element as an integer, if it is below 2^128.
pub fn field_to_u128(x: &Fr) -> Option<u128> {
    let bytes = x.into_bigint().to_bytes_le();
    if bytes[16..].iter().any(|b| *b != 0) {
        return None;
    }
    let mut low = [0u8; 16];
    low.copy_from_slice(&bytes[..16]);
    Some(u128::from_le_bytes(low))
}

/// Formats minor units as a decimal amount with two fraction digits: `-1234567` → `-12,345.67`.
pub fn format_minor_units(x: i128) -> String {
    let sign = if x < 0 { "-" } else { "" };
    let abs = x.unsigned_abs();
    let whole = (abs / 100).to_string();
    let mut grouped = String::new();
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    format!("{sign}{grouped}.{:02}", abs % 100)
}

macro_rules! field_newtype {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash)]
        pub struct $name(pub Fr);

        impl $name {
            /// The field element.
            pub fn to_field(self) -> Fr {
                self.0
            }
        }

        impl fmt::Display for $name {
            /// Decimal, as circom and snarkjs print field elements.
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }

        impl FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                parse_field_decimal(s).map($name)
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}

field_newtype!(
    /// `Poseidon(DOMAIN_DECLARATION, official_tag, period, capacity, items_root)`: what an
    /// official files (format v2).
    Commitment
);
field_newtype!(
    /// `to_field("probity/official/v1", official_id)`.
    OfficialTag
);
field_newtype!(
    /// `to_field("probity/asset-id/v1", normalize(asset_id))`, or 0 for an empty id.
    IdHash
);

impl IdHash {
    /// Id_hash 0: "no identifier". No challenge and no `asset_included` proof may name it.
    pub const NONE: IdHash = IdHash(Fr::new(ark_ff::BigInt::zero()));

    /// Whether this is [`IdHash::NONE`].
    pub fn is_none(self) -> bool {
        self == Self::NONE
    }
}

/// Parses a canonical decimal field element: digits only, no sign, below the modulus.
pub fn parse_field_decimal(s: &str) -> Result<Fr, String> {
    let canonical =
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'));
    let value = if canonical {
        Fr::from_str(s).ok()
    } else {
        None
    };
    match value {
        // Fr::from_str reduces silently; a canonical string must print back unchanged.
        Some(x) if x.to_string() == s => Ok(x),
        _ => Err(format!(
            "`{s}` is not a field element: expected a decimal integer below the BN254 scalar modulus"
        )),
    }
}

/// The identifier of an official, as the registrar assigns it (`GOV-0001`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OfficialId(String);

impl OfficialId {
    /// Longest accepted identifier.
    pub const MAX_LEN: usize = 64;

    /// Validates an identifier: 1 to 64 characters of `A-Z a-z 0-9 . _ -`.
    pub fn new(id: &str) -> Result<Self, String> {
        let ok = !id.is_empty()
            && id.len() <= Self::MAX_LEN
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
        if ok {
            Ok(OfficialId(id.to_owned()))
        } else {
            Err(format!(
                "official id `{id}` is not valid: use 1 to {} characters of letters, digits, `.`, `_` or `-`",
                Self::MAX_LEN
            ))
        }
    }

    /// The identifier text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `official_tag = to_field("probity/official/v1", official_id)`.
    pub fn tag(&self) -> OfficialTag {
        OfficialTag(to_field(OFFICIAL_TAG, self.0.as_bytes()))
    }
}

impl TryFrom<String> for OfficialId {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::new(&s)
    }
}

impl From<OfficialId> for String {
    fn from(id: OfficialId) -> String {
        id.0
    }
}

impl fmt::Display for OfficialId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A registry identifier of an asset or liability, as typed (may be empty).
///
/// An asset id is as secret as a declared value (the official's holdings, or what a supervisor
/// challenged): its `Debug` says only whether it is empty, so no struct that holds one can
/// print it by accident.
#[derive(Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AssetId(pub String);

impl fmt::Debug for AssetId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            f.write_str("AssetId(empty)")
        } else {
            f.write_str("AssetId(..)")
        }
    }
}

impl AssetId {
    /// `id_hash`: 0 for an id that normalizes to nothing.
    pub fn id_hash(&self) -> IdHash {
        let normal = normalize_asset_id(&self.0);
        if normal.is_empty() {
            IdHash::NONE
        } else {
            IdHash(to_field(ASSET_ID_TAG, normal.as_bytes()))
        }
    }
}

/// A declaration period: a year (`2026`) or a month (`202606`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct Period(u32);

impl Period {
    /// Validates a year `1900..=9999` or a month `YYYYMM` in those years.
    pub fn new(p: u32) -> Result<Self, String> {
        let year_ok = |y: u32| (1900..=9999).contains(&y);
        let ok = match p {
            0..=9999 => year_ok(p),
            190_001..=999_912 => year_ok(p / 100) && (1..=12).contains(&(p % 100)),
            _ => false,
        };
        if ok {
            Ok(Period(p))
        } else {
            Err(format!(
                "period {p} is not valid: use a year (2026) or a month (202606)"
            ))
        }
    }

    /// The number.
    pub fn get(self) -> u32 {
        self.0
    }

    /// Whether it is a month (`YYYYMM`) rather than a year.
    pub fn is_month(self) -> bool {
        self.0 > 9999
    }

    /// The period after it, of the same kind (a year after a year, a month after a month),
    /// if that is a valid period.
    pub fn next(self) -> Option<Period> {
        let next = if self.is_month() && self.0 % 100 == 12 {
            (self.0 / 100 + 1) * 100 + 1
        } else {
            self.0 + 1
        };
        Period::new(next).ok()
    }

    /// The day it begins, in days since 1970-01-01 (UTC).
    pub fn start_day(self) -> i64 {
        if self.is_month() {
            crate::date::days_from_civil(i64::from(self.0 / 100), self.0 % 100, 1)
        } else {
            crate::date::days_from_civil(i64::from(self.0), 1, 1)
        }
    }

    /// The first day after it, in days since 1970-01-01 (UTC).
    pub fn end_day(self) -> i64 {
        let (y, m) = if self.is_month() {
            match self.0 % 100 {
                12 => (i64::from(self.0 / 100) + 1, 1),
                m => (i64::from(self.0 / 100), m + 1),
            }
        } else {
            (i64::from(self.0) + 1, 1)
        };
        crate::date::days_from_civil(y, m, 1)
    }

    /// The field encoding.
    pub fn to_field(self) -> Fr {
        Fr::from(self.0)
    }

    /// Decodes a field element holding a valid period.
    pub fn from_field(x: &Fr) -> Option<Self> {
        let v = u32::try_from(field_to_u128(x)?).ok()?;
        Period::new(v).ok()
    }
}

impl TryFrom<u32> for Period {
    type Error = String;
    fn try_from(p: u32) -> Result<Self, String> {
        Self::new(p)
    }
}

impl From<Period> for u32 {
    fn from(p: Period) -> u32 {
        p.0
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 > 9999 {
            write!(f, "{}-{:02}", self.0 / 100, self.0 % 100)
        } else {
            write!(f, "{}", self.0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_asset_ids_debug_never_shows_it() {
        let deed = AssetId("浙(2018)杭州市不动产权第0123456号".into());
        let printed = format!("{deed:?} {:?}", Some(&deed));
        assert!(
            !printed.contains("0123456") && !printed.contains('浙'),
            "{printed}"
        );
        assert_eq!(format!("{deed:?}"), "AssetId(..)");
        assert_eq!(format!("{:?}", AssetId::default()), "AssetId(empty)");
    }

    #[test]
    fn periods_know_their_days_and_their_successor() {
        let p = |n| Period::new(n).expect("valid");
        assert_eq!(
            p(2027).start_day(),
            crate::date::parse_date("2027-01-01").expect("date")
        );
        assert_eq!(
            p(2027).end_day(),
            crate::date::parse_date("2028-01-01").expect("date")
        );
        assert_eq!(
            p(202402).end_day(),
            crate::date::parse_date("2024-03-01").expect("date")
        );
        assert_eq!(
            p(202412).end_day(),
            crate::date::parse_date("2025-01-01").expect("date")
        );
        assert_eq!(
            p(202412).start_day(),
            crate::date::parse_date("2024-12-01").expect("date")
        );
        assert_eq!(p(2027).next(), Some(p(2028)));
        assert_eq!(p(202412).next(), Some(p(202501)));
        assert_eq!(p(202403).next(), Some(p(202404)));
        assert_eq!(p(9999).next(), None);
        assert_eq!(p(999_912).next(), None);
        assert!(p(202403).is_month() && !p(2024).is_month());
    }

    #[test]
    fn signed_amount_round_trips_and_rejects_out_of_range() {
        for x in [0, 1, -1, i64::MAX, i64::MIN, -123_456] {
            let s = SignedAmount(x);
            assert_eq!(SignedAmount::from_field(&s.to_field()), Some(s));
        }
        assert_eq!(SignedAmount::from_field(&Fr::from(1u128 << 63)), None);
        assert_eq!(
            SignedAmount::from_field(&-Fr::from((1u128 << 63) + 1)),
            None
        );
        assert_eq!(SignedAmount(-5).to_field(), -Fr::from(5u64));
    }

    #[test]
    fn amount_rejects_at_and_above_2_pow_64() {
        assert_eq!(
            Amount::from_field(&Fr::from(u64::MAX)),
            Some(Amount(u64::MAX))
        );
        assert_eq!(Amount::from_field(&Fr::from(1u128 << 64)), None);
        assert_eq!(Amount::from_field(&-Fr::from(1u64)), None);
    }

    #[test]
    fn field_decimal_is_canonical() {
        assert!(parse_field_decimal("0").is_ok());
        assert!(parse_field_decimal("007").is_err());
        assert!(parse_field_decimal("-1").is_err());
        assert!(parse_field_decimal("").is_err());
        // p itself is not canonical.
        assert!(parse_field_decimal(
            "21888242871839275222246405745257275088548364400416034343698204186575808495617"
        )
        .is_err());
    }

    #[test]
    fn periods() {
        assert!(Period::new(2026).is_ok());
        assert!(Period::new(202612).is_ok());
        assert!(Period::new(202613).is_err());
        assert!(Period::new(20261).is_err());
        assert!(Period::new(0).is_err());
        assert_eq!(
            Period::new(202606).map(|p| p.to_string()),
            Ok("2026-06".into())
        );
    }

    #[test]
    fn official_ids() {
        assert!(OfficialId::new("GOV-0001").is_ok());
        assert!(OfficialId::new("").is_err());
        assert!(OfficialId::new("a b").is_err());
        assert_ne!(
            OfficialId::new("A").map(|i| i.tag()),
            OfficialId::new("B").map(|i| i.tag())
        );
    }

    #[test]
    fn minor_units_format() {
        assert_eq!(format_minor_units(-123_456_789), "-1,234,567.89");
        assert_eq!(format_minor_units(5), "0.05");
        assert_eq!(format_minor_units(100_000), "1,000.00");
    }
}
