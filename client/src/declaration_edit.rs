//! Editing an official's declaration file (DESIGN.md §3) as a front end shows it: the items
//! as rows of text, edits applied to the TOML document itself so that its comments and
//! layout survive, every result checked by core's own parser before it is written, and the
//! totals by class and the net worth.
//!
//! The file is the one the command line files (`probity official file DECL.toml`); its format
//! is core's ([`probity_core::Declaration::from_toml`]). An edit is applied with `toml_edit`
//! to the parsed document: the comments before an item, after a value, and every key this
//! module does not touch stay as they were. A removed item's leading comments (a section
//! heading such as `# --- Liabilities ---`) move to the item that follows it.
//!
//! Nothing is written unless the whole edited document parses as a declaration and no two
//! assets or liabilities share a registry id ([`DeclarationDraft::check`]); the write is
//! atomic and durable ([`probity_core::durable`]), so a crash leaves the old file or the new.
//!
//! Errors name items by their number in the file (from 1), never by a value or an id.

use std::path::{Path, PathBuf};

use probity_core::{
    durable, income, net_worth, Capacity, Category, Class, Declaration, DeclarationError,
    OfficialId, Period,
};
use toml_edit::{ArrayOfTables, DocumentMut, Item as TomlItem, Table, Value};

/// Why a declaration cannot be opened, edited or saved. Nothing was written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EditError {
    /// The file cannot be read.
    #[error("cannot read the declaration file {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not TOML at all.
    #[error("the declaration file is not valid TOML: {0}")]
    Syntax(String),
    /// `item` is there but is not a list of `[[item]]` tables.
    #[error("`item` in the declaration file is not a list of [[item]] tables: edit it by hand")]
    NotItems,
    /// No item with that number.
    #[error("the declaration has no item {0}")]
    NoSuchItem(usize),
    /// A value typed in yuan is not an amount.
    #[error("item {item}: the value is not an amount in yuan: type digits, with at most two decimals after the point (for example 3,200,000 or 1234.56)")]
    BadValue {
        /// The item, from 1.
        item: usize,
    },
    /// Core's parser refuses the edited document (its message names the item at fault).
    #[error(transparent)]
    Invalid(#[from] DeclarationError),
    /// Two assets or liabilities have the same registry id (after normalization).
    #[error("items {first} and {second} have the same asset id: each asset or liability is declared once; merge them or correct an id")]
    DuplicateId {
        /// The first item, from 1.
        first: usize,
        /// The second.
        second: usize,
    },
    /// The file cannot be written.
    #[error("cannot write the declaration file {}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// One item as text, as a form shows it and gives it back.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ItemFields {
    /// The category's file name (`real_estate`) or its code.
    pub category: String,
    /// The registry id (empty for none).
    pub asset_id: String,
    /// The value in yuan, as typed (`3,200,000.00`); read with [`parse_yuan`].
    pub value_yuan: String,
    /// `self`, `spouse` or `child`.
    pub owner: String,
    /// Free text.
    pub note: String,
}

impl std::fmt::Debug for ItemFields {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Values and ids are the official's secrets.
        f.debug_struct("ItemFields")
            .field("category", &self.category)
            .finish_non_exhaustive()
    }
}

/// Sums of a declaration, in minor units (fen). They are the official's secrets: `Debug`
/// shows none of them.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    /// Σ assets.
    pub assets: u128,
    /// Σ liabilities.
    pub liabilities: u128,
    /// Σ income of the period.
    pub income: u128,
    /// Σ assets − Σ liabilities.
    pub net_worth: i128,
}

impl std::fmt::Debug for Totals {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Totals").finish_non_exhaustive()
    }
}

impl Totals {
    /// The totals of `declaration`.
    pub fn of(declaration: &Declaration) -> Totals {
        let slots = declaration.slots();
        let class_total = |class: Class| -> u128 {
            declaration
                .items()
                .iter()
                .filter(|i| i.category.class() == class)
                .map(|i| u128::from(i.value.0))
                .sum()
        };
        Totals {
            assets: class_total(Class::Asset),
            liabilities: class_total(Class::Liability),
            income: income(&slots),
            net_worth: net_worth(&slots),
        }
    }
}

/// A declaration file being edited: its path and its TOML document.
pub struct DeclarationDraft {
    path: PathBuf,
    doc: DocumentMut,
}

impl std::fmt::Debug for DeclarationDraft {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeclarationDraft")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl DeclarationDraft {
    /// Reads the file at `path` (it need not be a valid declaration yet: only TOML).
    pub fn open(path: &Path) -> Result<Self, EditError> {
        let text = std::fs::read_to_string(path).map_err(|source| EditError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::from_text(path, &text)
    }

    /// A draft of `text`, to be saved at `path`.
    pub fn from_text(path: &Path, text: &str) -> Result<Self, EditError> {
        let doc: DocumentMut = text
            .parse()
            .map_err(|e: toml_edit::TomlError| EditError::Syntax(e.message().to_owned()))?;
        if doc.get("item").is_some_and(|i| !i.is_array_of_tables()) {
            return Err(EditError::NotItems);
        }
        Ok(Self {
            path: path.to_owned(),
            doc,
        })
    }

    /// A new declaration from the template, to be saved at `path`.
    pub fn new_from_template(
        path: &Path,
        official: &OfficialId,
        period: Period,
        capacity: Capacity,
    ) -> Result<Self, EditError> {
        Self::from_text(path, &template(official, period, capacity))
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The document as it would be saved.
    pub fn text(&self) -> String {
        self.doc.to_string()
    }

    /// The items as text, in file order; a value as it is in the file, in yuan.
    pub fn items(&self) -> Vec<ItemFields> {
        let Some(items) = self.doc.get("item").and_then(TomlItem::as_array_of_tables) else {
            return Vec::new();
        };
        items.iter().map(fields_of).collect()
    }

    /// Changes item `number` (from 1) to `fields`, keeping its comments and other keys.
    pub fn set_item(&mut self, number: usize, fields: &ItemFields) -> Result<(), EditError> {
        let value = parse_yuan(&fields.value_yuan).ok_or(EditError::BadValue { item: number })?;
        let table = self
            .items_mut()?
            .get_mut(number.wrapping_sub(1))
            .ok_or(EditError::NoSuchItem(number))?;
        write_fields(table, fields, value);
        Ok(())
    }

    /// Adds an item at the end.
    pub fn add_item(&mut self, fields: &ItemFields) -> Result<(), EditError> {
        let number = self.items().len() + 1;
        let value = parse_yuan(&fields.value_yuan).ok_or(EditError::BadValue { item: number })?;
        let mut table = Table::new();
        write_fields(&mut table, fields, value);
        self.items_mut()?.push(table);
        Ok(())
    }

    /// Removes item `number` (from 1); its leading comments go to the item after it.
    pub fn remove_item(&mut self, number: usize) -> Result<(), EditError> {
        let items = self.items_mut()?;
        if number == 0 || number > items.len() {
            return Err(EditError::NoSuchItem(number));
        }
        let prefix = items
            .get(number - 1)
            .and_then(|t| t.decor().prefix())
            .and_then(|p| p.as_str())
            .map(str::to_owned);
        items.remove(number - 1);
        if let (Some(prefix), Some(next)) = (prefix, items.get_mut(number - 1)) {
            let own = next
                .decor()
                .prefix()
                .and_then(|p| p.as_str())
                .unwrap_or_default()
                .to_owned();
            if prefix.contains('#') {
                next.decor_mut().set_prefix(format!("{prefix}{own}"));
            }
        }
        Ok(())
    }

    /// The edited document, checked as the command line would read it: core's parser (values,
    /// categories, owners, the capacity), then no registry id twice among assets and
    /// liabilities. The declaration and its totals.
    pub fn check(&self) -> Result<(Declaration, Totals), EditError> {
        let declaration = Declaration::from_toml(&self.text())?;
        check_unique_ids(&declaration)?;
        let totals = Totals::of(&declaration);
        Ok((declaration, totals))
    }

    /// Checks, then writes the file atomically and durably. On any error nothing is written.
    pub fn save(&self) -> Result<(Declaration, Totals), EditError> {
        let checked = self.check()?;
        durable::write_atomic(&self.path, self.text().as_bytes()).map_err(|source| {
            EditError::Write {
                path: self.path.clone(),
                source,
            }
        })?;
        Ok(checked)
    }

    fn items_mut(&mut self) -> Result<&mut ArrayOfTables, EditError> {
        self.doc
            .entry("item")
            .or_insert(TomlItem::ArrayOfTables(ArrayOfTables::new()))
            .as_array_of_tables_mut()
            .ok_or(EditError::NotItems)
    }
}

/// No two assets or liabilities with the same registry id (as committed: normalized).
fn check_unique_ids(declaration: &Declaration) -> Result<(), EditError> {
    let keyed: Vec<(usize, _)> = declaration
        .items()
        .iter()
        .enumerate()
        .filter(|(_, i)| i.category.class() != Class::Income && !i.asset_id.id_hash().is_none())
        .map(|(n, i)| (n + 1, i.asset_id.id_hash()))
        .collect();
    for (k, (first, hash)) in keyed.iter().enumerate() {
        if let Some((second, _)) = keyed[k + 1..].iter().find(|(_, h)| h == hash) {
            return Err(EditError::DuplicateId {
                first: *first,
                second: *second,
            });
        }
    }
    Ok(())
}

/// One `[[item]]` table as text.
fn fields_of(table: &Table) -> ItemFields {
    let text = |key: &str| -> String {
        match table.get(key).and_then(TomlItem::as_value) {
            Some(Value::String(s)) => s.value().clone(),
            Some(Value::Integer(i)) => i.value().to_string(),
            Some(other) => other.to_string().trim().to_owned(),
            None => String::new(),
        }
    };
    let value = match table.get("value").and_then(TomlItem::as_value) {
        Some(Value::Integer(i)) => {
            u64::try_from(*i.value()).map_or_else(|_| text("value"), format_fen)
        }
        Some(Value::String(s)) => s
            .value()
            .trim()
            .replace('_', "")
            .parse::<u64>()
            .map_or_else(|_| s.value().clone(), format_fen),
        _ => text("value"),
    };
    let category = text("category");
    let category = category
        .parse::<u8>()
        .ok()
        .and_then(|c| Category::from_code(c).ok()?.name())
        .map_or(category, str::to_owned);
    ItemFields {
        category,
        asset_id: text("asset_id"),
        value_yuan: value,
        owner: match text("owner") {
            o if o.is_empty() => "self".to_owned(),
            o => o,
        },
        note: text("note"),
    }
}

/// Writes `fields` into `table`: each key's value replaced in place (its trailing comment
/// kept), an emptied optional key removed.
fn write_fields(table: &mut Table, fields: &ItemFields, fen: u64) {
    let value = match i64::try_from(fen) {
        Ok(v) => Value::from(v),
        Err(_) => Value::from(fen.to_string()),
    };
    set_keeping_decor(table, "category", Value::from(fields.category.trim()));
    set_or_remove(table, "asset_id", fields.asset_id.trim());
    set_keeping_decor(table, "value", value);
    let owner = fields.owner.trim();
    if owner.is_empty() || (owner == "self" && !table.contains_key("owner")) {
        table.remove("owner");
    } else {
        set_keeping_decor(table, "owner", Value::from(owner));
    }
    set_or_remove(table, "note", fields.note.trim());
}

fn set_or_remove(table: &mut Table, key: &str, text: &str) {
    if text.is_empty() {
        table.remove(key);
    } else {
        set_keeping_decor(table, key, Value::from(text));
    }
}

/// Sets `key` to `value`; if the key was there, its value's comments and spacing stay.
fn set_keeping_decor(table: &mut Table, key: &str, mut value: Value) {
    if let Some(old) = table.get(key).and_then(TomlItem::as_value) {
        if old.to_string().trim() == value.to_string().trim() {
            return;
        }
        *value.decor_mut() = old.decor().clone();
    }
    table.insert(key, TomlItem::Value(value));
}

/// Reads an amount in yuan: digits with `,` `_` or spaces between groups, an optional `¥`,
/// and at most two decimals. The amount in fen; `None` if it is not one.
pub fn parse_yuan(text: &str) -> Option<u64> {
    let cleaned: String = text
        .trim()
        .trim_start_matches(['¥', '￥'])
        .chars()
        .filter(|c| !matches!(c, ',' | '_' | ' ' | '\u{a0}' | '，'))
        .collect();
    let (whole, fraction) = cleaned.split_once('.').unwrap_or((&cleaned, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(fraction) || fraction.len() > 2 {
        return None;
    }
    let cents: u64 = format!("{fraction:0<2}").parse().ok()?;
    whole
        .parse::<u64>()
        .ok()?
        .checked_mul(100)?
        .checked_add(cents)
}

/// An amount in fen as yuan with thousands separators and two decimals: `1234567` →
/// `12,345.67` (core's [`probity_core::format_minor_units`]).
pub fn format_fen(fen: u64) -> String {
    probity_core::format_minor_units(i128::from(fen))
}

/// A new declaration's text, with comments saying what each key means.
pub fn template(official: &OfficialId, period: Period, capacity: Capacity) -> String {
    format!(
        "# Asset declaration of {official} for {period}.\n\
         #\n\
         # One [[item]] per asset, liability or income of the period. Values are in fen (1 yuan =\n\
         # 100 fen); `owner` is self, spouse or child; `note` is not committed and stays on this\n\
         # computer. Categories: real_estate, bank_deposit, securities, insurance_pension,\n\
         # vehicle, business_interest, crypto_asset, cash_valuables, loan_receivable, other_asset\n\
         # (assets); mortgage, loan_payable, other_liability (liabilities); salary,\n\
         # other_employment_income, investment_income, gift_inheritance, other_income (income).\n\
         \n\
         official = \"{}\"\n\
         period = {}\n\
         capacity = {}              # 16, 64, 256 or 1024 items at most\n\
         currency = \"CNY\"\n",
        official.as_str(),
        period.get(),
        capacity.slots(),
    )
}

/// The declaration files in `dir`: its `*.toml` files, sorted by name.
pub fn declaration_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(listing) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = listing
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"# Declaration of GOV-0001 for 2026.
official = "GOV-0001"
period = 2026
capacity = 16

# --- Assets ---

[[item]]
category = "real_estate"
asset_id = "浙(2018)杭州市不动产权第0123456号"
value = 320000000            # 3,200,000 yuan, purchase price
owner = "self"
note = "西湖区住宅"

# --- Liabilities ---

[[item]]
category = "mortgage"
asset_id = "HZGJJ-2018-0012345"
value = 107000000            # 1,070,000 yuan
note = "住房公积金"

[[item]]
category = "salary"
value = 26800000
"#;

    fn draft(dir: &Path) -> DeclarationDraft {
        let path = dir.join("2026.toml");
        std::fs::write(&path, FILE).expect("write");
        DeclarationDraft::open(&path).expect("opens")
    }

    fn fields(category: &str, asset_id: &str, yuan: &str) -> ItemFields {
        ItemFields {
            category: category.to_owned(),
            asset_id: asset_id.to_owned(),
            value_yuan: yuan.to_owned(),
            owner: "spouse".to_owned(),
            note: String::new(),
        }
    }

    #[test]
    fn rows_read_values_in_yuan_and_owners_by_default() {
        let dir = tempfile::tempdir().expect("tempdir");
        let items = draft(dir.path()).items();
        assert_eq!(items.len(), 3);
        assert_eq!(items[0].category, "real_estate");
        assert_eq!(items[0].value_yuan, "3,200,000.00");
        assert_eq!(items[1].owner, "self");
        assert_eq!(items[2].asset_id, "");
    }

    #[test]
    fn an_edit_keeps_the_comments_and_the_totals_follow() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut d = draft(dir.path());
        let mut first = d.items()[0].clone();
        first.value_yuan = "3,300,000".to_owned();
        d.set_item(1, &first).expect("set");
        d.add_item(&fields("bank_deposit", "6222 0212", "520,000.50"))
            .expect("add");
        d.remove_item(2).expect("remove the mortgage");
        let (declaration, totals) = d.save().expect("saves");
        let text = std::fs::read_to_string(d.path()).expect("read");
        for kept in [
            "# Declaration of GOV-0001 for 2026.",
            "# --- Assets ---",
            "# 3,200,000 yuan, purchase price",
            "# --- Liabilities ---",
            "note = \"西湖区住宅\"",
        ] {
            assert!(text.contains(kept), "{kept:?} kept in\n{text}");
        }
        assert!(text.contains("value = 330000000"), "{text}");
        assert!(!text.contains("HZGJJ"), "{text}");
        assert_eq!(declaration.items().len(), 3);
        assert_eq!(
            totals,
            Totals {
                assets: 330_000_000 + 52_000_050,
                liabilities: 0,
                income: 26_800_000,
                net_worth: 330_000_000 + 52_000_050,
            }
        );
        // The sums are secrets: Debug shows none of them.
        assert_eq!(format!("{totals:?}"), "Totals { .. }");
        assert_eq!(
            format!("{:?}", d.items()[0]),
            "ItemFields { category: \"real_estate\", .. }"
        );
    }

    #[test]
    fn a_bad_edit_gives_the_message_and_writes_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut d = draft(dir.path());
        assert!(matches!(
            d.set_item(1, &fields("real_estate", "", "12.345")),
            Err(EditError::BadValue { item: 1 })
        ));
        assert!(matches!(
            d.add_item(&fields("bank_deposit", "", "-5")),
            Err(EditError::BadValue { item: 4 })
        ));
        // A duplicate id (the same after normalization): refused, file unchanged.
        d.add_item(&fields("vehicle", "hzgjj-2018-0012345 ", "1"))
            .expect("add");
        let e = d.save().expect_err("duplicate");
        assert!(
            matches!(
                e,
                EditError::DuplicateId {
                    first: 2,
                    second: 4
                }
            ),
            "{e}"
        );
        assert_eq!(std::fs::read_to_string(d.path()).expect("read"), FILE);
        // An unknown category: core's message, naming the item; nothing written.
        let mut d = draft(dir.path());
        d.add_item(&fields("yacht", "", "1")).expect("add");
        let e = d.save().expect_err("unknown category").to_string();
        assert!(e.contains("item 4: unknown category `yacht`"), "{e}");
        assert_eq!(std::fs::read_to_string(d.path()).expect("read"), FILE);
        // Over capacity: core's message.
        let mut d = draft(dir.path());
        for n in 0..14 {
            d.add_item(&fields("other_asset", &format!("X{n}"), "1"))
                .expect("add");
        }
        let e = d.save().expect_err("too many").to_string();
        assert!(e.contains("17 items but capacity 16"), "{e}");
        assert_eq!(std::fs::read_to_string(d.path()).expect("read"), FILE);
        assert!(matches!(d.remove_item(99), Err(EditError::NoSuchItem(99))));
    }

    #[test]
    fn the_template_is_a_valid_empty_declaration() {
        let dir = tempfile::tempdir().expect("tempdir");
        let official = OfficialId::new("GOV-0001").expect("id");
        let period = Period::new(2027).expect("period");
        let mut d = DeclarationDraft::new_from_template(
            &dir.path().join("2027.toml"),
            &official,
            period,
            Capacity::C16,
        )
        .expect("template");
        let (declaration, totals) = d.check().expect("valid");
        assert_eq!(declaration.period(), period);
        assert_eq!(declaration.capacity(), Capacity::C16);
        assert_eq!(totals, Totals::default());
        d.add_item(&fields("salary", "", "100")).expect("add");
        d.save().expect("saves");
        let text = std::fs::read_to_string(d.path()).expect("read");
        assert!(text.contains("# One [[item]] per asset"), "{text}");
        assert_eq!(
            DeclarationDraft::open(d.path())
                .expect("reopens")
                .items()
                .len(),
            1
        );
        assert_eq!(
            declaration_files(dir.path()),
            vec![dir.path().join("2027.toml")]
        );
    }

    #[test]
    fn yuan_are_read_with_separators_and_two_decimals_at_most() {
        assert_eq!(parse_yuan("3,200,000"), Some(320_000_000));
        assert_eq!(parse_yuan(" ¥1 234.5 "), Some(123_450));
        assert_eq!(parse_yuan("0.07"), Some(7));
        for bad in [
            "",
            "1.234",
            "-1",
            "1e5",
            "abc",
            ".5",
            "184467440737095516.16",
        ] {
            assert_eq!(parse_yuan(bad), None, "{bad:?}");
        }
        assert_eq!(format_fen(123_456_789), "1,234,567.89");
    }
}
