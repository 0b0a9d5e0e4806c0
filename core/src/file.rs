//! The declaration file the official edits: TOML.
//!
//! ```toml
//! official = "GOV-0001"
//! period = 2026
//! capacity = 64          # optional: 16, 64 (default), 256 or 1024
//! currency = "CNY"       # optional, informational
//!
//! [[item]]
//! category = "real_estate"  # a name from the category table, or its code
//! asset_id = "京(2020)朝阳区不动产权第0001234号"   # optional
//! value = 350000000         # minor units (fen); a string of digits also works, for values above 2^63
//! owner = "self"            # self (default), spouse or child
//! note = "apartment"        # optional, not committed
//! ```

use serde::Deserialize;

use crate::{
    category::Category,
    declaration::{Capacity, Declaration, DeclarationError, Item, Owner},
    types::{Amount, AssetId, OfficialId, Period},
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDoc {
    official: String,
    period: u32,
    #[serde(default)]
    capacity: Option<usize>,
    #[serde(default)]
    currency: Option<String>,
    #[serde(default, rename = "item")]
    items: Vec<FileItem>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileItem {
    category: CategoryField,
    #[serde(default)]
    asset_id: String,
    value: ValueField,
    #[serde(default)]
    owner: Owner,
    #[serde(default)]
    note: String,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum CategoryField {
    Code(i64),
    Name(String),
}

#[derive(Deserialize)]
#[serde(untagged)]
enum ValueField {
    Integer(i64),
    Digits(String),
}

impl Declaration {
    /// Parses a declaration file. Every error names the item and the field at fault.
    pub fn from_toml(text: &str) -> Result<Self, DeclarationError> {
        let doc: FileDoc =
            toml::from_str(text).map_err(|e| DeclarationError::Format(e.to_string()))?;
        let bad = |msg: String| DeclarationError::Format(msg);
        let official = OfficialId::new(&doc.official).map_err(bad)?;
        let period = Period::new(doc.period).map_err(bad)?;
        let capacity = match doc.capacity {
            Some(n) => Capacity::new(n).map_err(bad)?,
            None => Capacity::default(),
        };
        let mut items = Vec::with_capacity(doc.items.len());
        for (i, it) in doc.items.into_iter().enumerate() {
            let at = |msg: String| DeclarationError::Format(format!("item {}: {msg}", i + 1));
            let category = match it.category {
                CategoryField::Code(c) => u8::try_from(c)
                    .map_err(|_| format!("category code {c} is not valid: codes are 0 to 47"))
                    .and_then(|c| Category::from_code(c).map_err(|e| e.to_string())),
                CategoryField::Name(n) => Category::parse(&n),
            }
            .map_err(at)?;
            let value = match it.value {
                ValueField::Integer(v) => u64::try_from(v)
                    .map_err(|_| format!("value {v} is negative: values are amounts in minor units; declare a debt as a liability")),
                ValueField::Digits(s) => s.trim().replace('_', "").parse::<u64>().map_err(|_| {
                    format!("value `{s}` is not a whole number of minor units from 0 to 18446744073709551615")
                }),
            }
            .map_err(at)?;
            items.push(Item {
                category,
                asset_id: AssetId(it.asset_id),
                value: Amount(value),
                owner: it.owner,
                note: it.note,
            });
        }
        Declaration::new(
            official,
            period,
            capacity,
            doc.currency.unwrap_or_default(),
            items,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names_codes_and_big_values() {
        let d = Declaration::from_toml(
            r#"
            official = "GOV-0001"
            period = 2026
            capacity = 16
            [[item]]
            category = "mortgage"
            value = 5
            owner = "spouse"
            [[item]]
            category = 2
            value = "18446744073709551615"
            "#,
        )
        .expect("valid file");
        assert_eq!(d.items().len(), 2);
        assert_eq!(d.items()[0].category.code(), 16);
        assert_eq!(d.items()[0].owner, Owner::Spouse);
        assert_eq!(d.items()[1].value, Amount(u64::MAX));
        assert_eq!(d.slots().len(), 16);
    }

    #[test]
    fn rejects_bad_input_with_the_item_named() {
        let base = "official = \"GOV-1\"\nperiod = 2026\ncapacity = 16\n";
        for (item, needle) in [
            ("category = 48\nvalue = 1", "item 1: category code 48"),
            (
                "category = \"yacht\"\nvalue = 1",
                "item 1: unknown category",
            ),
            ("category = 1\nvalue = -1", "item 1: value -1 is negative"),
            (
                "category = 1\nvalue = \"18446744073709551616\"",
                "item 1: value",
            ),
            ("category = 0\nvalue = 0", "category 0"),
            ("category = 1\nvalue = 1\ncolour = \"red\"", "unknown field"),
        ] {
            let text = format!("{base}[[item]]\n{item}\n");
            let err = Declaration::from_toml(&text).expect_err(needle).to_string();
            assert!(err.contains(needle), "{err:?} should mention {needle:?}");
        }
        let too_many = format!("{base}{}", "[[item]]\ncategory = 1\nvalue = 1\n".repeat(17));
        assert!(matches!(
            Declaration::from_toml(&too_many),
            Err(DeclarationError::TooManyItems { .. })
        ));
    }
}
