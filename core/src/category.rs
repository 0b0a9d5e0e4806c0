//! The category table of DESIGN.md §3.
//!
//! A code is a byte; codes 0..=47 are valid and the class is a function of the range, so that
//! circuits decide it from the code's bits: bits 4 and 5 are `00` for assets (and the empty slot,
//! code 0), `01` for liabilities, `10` for income; `11` (48..=63) and any higher bit are invalid.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A valid category code, `0..=47`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Category(u8);

/// What a category counts as in sums.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Class {
    /// Code 0: a padding slot; it holds value 0 and id_hash 0.
    Empty,
    /// Codes 1..=15: counted positively in net worth.
    Asset,
    /// Codes 16..=31: counted negatively in net worth.
    Liability,
    /// Codes 32..=47: income of the period; not part of net worth.
    Income,
}

/// Error for a code outside `0..=47`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("category code {0} is not valid: codes are 0 to 47 (1-15 assets, 16-31 liabilities, 32-47 income)")]
pub struct InvalidCategory(pub u8);

/// Named categories: code, file name, English label.
const NAMED: &[(u8, &str, &str)] = &[
    (1, "real_estate", "real estate"),
    (2, "bank_deposit", "bank deposit"),
    (3, "securities", "securities and funds"),
    (4, "insurance_pension", "insurance and pension"),
    (5, "vehicle", "vehicle"),
    (6, "business_interest", "business interest"),
    (7, "crypto_asset", "crypto asset"),
    (8, "cash_valuables", "cash and valuables"),
    (9, "loan_receivable", "loan receivable"),
    (15, "other_asset", "other asset"),
    (16, "mortgage", "mortgage"),
    (17, "loan_payable", "loan payable"),
    (31, "other_liability", "other liability"),
    (32, "salary", "salary"),
    (33, "other_employment_income", "other employment income"),
    (34, "investment_income", "investment income"),
    (35, "gift_inheritance", "gift or inheritance"),
    (47, "other_income", "other income"),
];

impl Category {
    /// The padding category.
    pub const EMPTY: Category = Category(0);
    /// One past the largest valid code.
    pub const END: u8 = 48;
    /// Codes fit in this many bits.
    pub const BITS: usize = 6;

    /// The category with this code.
    pub const fn from_code(code: u8) -> Result<Self, InvalidCategory> {
        if code < Self::END {
            Ok(Category(code))
        } else {
            Err(InvalidCategory(code))
        }
    }

    /// The code.
    pub const fn code(self) -> u8 {
        self.0
    }

    /// The class, from the code's range.
    pub const fn class(self) -> Class {
        match self.0 {
            0 => Class::Empty,
            1..=15 => Class::Asset,
            16..=31 => Class::Liability,
            _ => Class::Income,
        }
    }

    /// The file name (`real_estate`), if the code has one.
    pub fn name(self) -> Option<&'static str> {
        NAMED
            .iter()
            .find(|(c, _, _)| *c == self.0)
            .map(|(_, n, _)| *n)
    }

    /// Looks a category up by file name or decimal code.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if let Some((code, _, _)) = NAMED.iter().find(|(_, n, _)| *n == text) {
            return Ok(Category(*code));
        }
        match text.parse::<u8>() {
            Ok(code) => Self::from_code(code).map_err(|e| e.to_string()),
            Err(_) => Err(format!(
                "unknown category `{text}`: use a code 0-47 or one of {}",
                NAMED
                    .iter()
                    .map(|(_, n, _)| *n)
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }

    /// Every valid category, in code order.
    pub fn all() -> impl Iterator<Item = Category> {
        (0..Self::END).map(Category)
    }
}

impl TryFrom<u8> for Category {
    type Error = InvalidCategory;
    fn try_from(code: u8) -> Result<Self, Self::Error> {
        Self::from_code(code)
    }
}

impl From<Category> for u8 {
    fn from(c: Category) -> u8 {
        c.0
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match NAMED.iter().find(|(c, _, _)| *c == self.0) {
            Some((_, _, label)) => write!(f, "{label} ({})", self.0),
            None if self.0 == 0 => write!(f, "empty slot (0)"),
            None => write!(f, "unnamed {:?} category ({})", self.class(), self.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_is_decided_by_bits_4_and_5() {
        for c in Category::all() {
            let bits = (c.code() >> 4) & 0b11;
            let expected = match (c.code(), bits) {
                (0, _) => Class::Empty,
                (_, 0) => Class::Asset,
                (_, 1) => Class::Liability,
                (_, 2) => Class::Income,
                _ => unreachable!("48..=63 are not valid codes"),
            };
            assert_eq!(c.class(), expected, "code {}", c.code());
        }
        assert_eq!(Category::from_code(48), Err(InvalidCategory(48)));
        assert_eq!(Category::from_code(255), Err(InvalidCategory(255)));
    }

    #[test]
    fn parse_names_and_codes() {
        assert_eq!(Category::parse("mortgage").map(Category::code), Ok(16));
        assert_eq!(Category::parse("32").map(Category::code), Ok(32));
        assert!(Category::parse("48").is_err());
        let err = Category::parse("yacht").expect_err("not a category");
        assert!(err.contains("real_estate"), "{err}");
    }
}
