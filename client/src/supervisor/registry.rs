//! Registry cross-checks in bulk: a state register's records (land, vehicles, companies) become
//! challenges, one per (official, asset), which the official's app answers with
//! `asset_included` proofs without revealing anything else.
//!
//! An import runs in three steps, so that a file with a bad row changes nothing:
//!
//! 1. [`read_registry_csv`] reads the whole file and refuses it, listing every bad row by its
//!    line, unless every row is good.
//! 2. [`plan_import`] hashes each asset id (DESIGN.md §4 `id_hash`, so that the register's
//!    spelling and the official's agree), sets aside rows about nobody registered and rows
//!    that repeat an (official, asset), and turns each register value into the least value
//!    the official must prove (`--min-percent` of it).
//! 3. [`Supervisor::import_registry`] sends the challenges in batches. The service skips any
//!    (official, asset) challenged before, so importing the same register again, or again
//!    after an interrupted import, issues nothing twice.
//!
//! Asset ids and values are investigative details: no error or summary quotes them, only
//! line numbers and official ids.

use std::collections::{BTreeSet, HashSet};

use probity_core::{AssetId, IdHash, OfficialId};
use probity_ledger::RegistryName;

use super::{Supervisor, SupervisorError};
use crate::{api, NewlyPinned};

/// The columns of a registry file. `official` and `asset_id` are required, `value` (minor
/// units, as in declarations) and `date` (`YYYY-MM-DD`, when the register recorded the asset)
/// are optional; other columns are ignored.
pub const REGISTRY_COLUMNS: [&str; 4] = ["official", "asset_id", "value", "date"];

/// Challenges per request: well under the service's body limit.
pub const IMPORT_BATCH: usize = 500;

/// One record of a register. Its `Debug` gives the line and the official only: the asset id,
/// the register's value and its date are investigative details.
#[derive(Clone)]
pub struct RegistryRow {
    /// The file line it was read from (the header is line 1).
    pub line: u64,
    /// The official's id as the register writes it.
    pub official: String,
    /// The asset's identifier as the register writes it.
    pub asset_id: AssetId,
    /// The register's valuation, in minor units.
    pub value: Option<u64>,
    /// When the register recorded it, `YYYY-MM-DD`.
    pub date: Option<String>,
}

impl std::fmt::Debug for RegistryRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistryRow")
            .field("line", &self.line)
            .field("official", &self.official)
            .finish_non_exhaustive()
    }
}

/// A row that cannot be read, and why (never quoting the row's asset id or value).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadRow {
    /// Its line in the file.
    pub line: u64,
    /// Why.
    pub why: String,
}

/// Why a registry file cannot be imported.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RegistryFileError {
    /// The header lacks a required column.
    #[error("the first line must name the columns, with at least `official` and `asset_id` (and optionally `value` and `date`); it lacks `{0}`")]
    MissingColumn(&'static str),
    /// Rows that cannot be read: nothing was imported.
    #[error("{} bad row(s), nothing imported:\n{}", .0.len(), .0.iter().map(|b| format!("  line {}: {}", b.line, b.why)).collect::<Vec<_>>().join("\n"))]
    BadRows(Vec<BadRow>),
    /// The file has no rows.
    #[error("the file has a header and no rows: nothing to import")]
    Empty,
    /// The file is not CSV in UTF-8.
    #[error("the file is not CSV in UTF-8 ({0})")]
    NotCsv(String),
}

/// Reads a whole registry file (CSV, UTF-8, a header line first), or lists every bad row.
pub fn read_registry_csv(text: &str) -> Result<Vec<RegistryRow>, RegistryFileError> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header = reader
        .headers()
        .map_err(|e| RegistryFileError::NotCsv(e.to_string()))?
        .clone();
    let column = |name: &str| header.iter().position(|h| h.eq_ignore_ascii_case(name));
    let official_at = column("official").ok_or(RegistryFileError::MissingColumn("official"))?;
    let asset_at = column("asset_id").ok_or(RegistryFileError::MissingColumn("asset_id"))?;
    let (value_at, date_at) = (column("value"), column("date"));
    // The line a record starts on, counted from its byte offset: the reader's own line count
    // leaves out the blank lines it skips.
    let line_at = |p: Option<&csv::Position>| {
        p.map_or(0, |p| {
            let bytes = text.as_bytes();
            let mut start = usize::try_from(p.byte())
                .unwrap_or(usize::MAX)
                .min(bytes.len());
            // A record's position is where the reader began it, before the blank lines.
            while bytes.get(start).is_some_and(|b| *b == b'\n' || *b == b'\r') {
                start += 1;
            }
            1 + bytes[..start].iter().filter(|b| **b == b'\n').count() as u64
        })
    };
    let mut rows = Vec::new();
    let mut bad = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = line_at(e.position());
                bad.push(BadRow {
                    line,
                    why: "not readable as CSV in UTF-8".into(),
                });
                continue;
            }
        };
        let line = line_at(record.position());
        if record.iter().all(str::is_empty) {
            continue; // a blank line
        }
        let field = |at: Option<usize>| at.and_then(|i| record.get(i)).filter(|s| !s.is_empty());
        match read_row(
            line,
            field(Some(official_at)),
            field(Some(asset_at)),
            field(value_at),
            field(date_at),
        ) {
            Ok(row) => rows.push(row),
            Err(why) => bad.push(BadRow { line, why }),
        }
    }
    if !bad.is_empty() {
        return Err(RegistryFileError::BadRows(bad));
    }
    if rows.is_empty() {
        return Err(RegistryFileError::Empty);
    }
    Ok(rows)
}

fn read_row(
    line: u64,
    official: Option<&str>,
    asset_id: Option<&str>,
    value: Option<&str>,
    date: Option<&str>,
) -> Result<RegistryRow, String> {
    let official = official.ok_or("no official id")?;
    let asset_id = AssetId(asset_id.ok_or("no asset id")?.to_owned());
    if asset_id.id_hash().is_none() {
        return Err("the asset id is only white space: it identifies nothing".into());
    }
    let value = value
        .map(|v| {
            let digits = v.replace([',', '_'], "");
            digits.parse::<u64>().map_err(|_| {
                "the value is not a whole number of minor units below 2^64 (no sign, no decimal point)".to_owned()
            })
        })
        .transpose()?;
    if let Some(d) = date {
        probity_core::parse_date(d).ok_or("the date is not a calendar date YYYY-MM-DD")?;
    }
    Ok(RegistryRow {
        line,
        official: official.to_owned(),
        asset_id,
        value,
        date: date.map(str::to_owned),
    })
}

/// An import, planned: what will be sent, and what was set aside.
#[derive(Clone)]
pub struct ImportPlan {
    /// The register.
    pub registry: RegistryName,
    /// The least value asked, as a percentage of the register's value.
    pub min_percent: u8,
    /// Rows read.
    pub rows: usize,
    /// The challenges to send, each with its line.
    to_send: Vec<(u64, api::RegistryChallenge)>,
    /// Officials named by the rows to send.
    pub officials_matched: usize,
    /// Rows about no registered official: line and id as written.
    pub unknown_officials: Vec<(u64, String)>,
    /// Rows repeating an (official, asset) of an earlier row: their lines.
    pub duplicates: Vec<u64>,
}

impl std::fmt::Debug for ImportPlan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImportPlan")
            .field("registry", &self.registry)
            .field("rows", &self.rows)
            .field("to_send", &self.to_send.len())
            .finish_non_exhaustive()
    }
}

impl ImportPlan {
    /// How many challenges the plan sends.
    pub fn to_send(&self) -> usize {
        self.to_send.len()
    }
}

/// Plans an import of `rows` from `registry` against the `registered` officials: the least
/// value of each challenge is `min_percent` % of the register's value, rounded down (0 when
/// the register has none: then any declared value answers).
pub fn plan_import(
    registry: RegistryName,
    rows: &[RegistryRow],
    registered: &BTreeSet<OfficialId>,
    min_percent: u8,
) -> ImportPlan {
    let mut to_send = Vec::new();
    let mut unknown_officials = Vec::new();
    let mut duplicates = Vec::new();
    let mut seen: HashSet<(OfficialId, IdHash)> = HashSet::new();
    let mut matched = BTreeSet::new();
    for row in rows {
        let Some(official) = OfficialId::new(&row.official)
            .ok()
            .filter(|o| registered.contains(o))
        else {
            unknown_officials.push((row.line, row.official.clone()));
            continue;
        };
        let id_hash = row.asset_id.id_hash();
        if !seen.insert((official.clone(), id_hash)) {
            duplicates.push(row.line);
            continue;
        }
        matched.insert(official.clone());
        to_send.push((
            row.line,
            api::RegistryChallenge {
                official,
                id_hash: id_hash.to_string(),
                min_value: least_value(row.value, min_percent),
                recorded_on: row.date.clone(),
            },
        ));
    }
    ImportPlan {
        registry,
        min_percent,
        rows: rows.len(),
        to_send,
        officials_matched: matched.len(),
        unknown_officials,
        duplicates,
    }
}

/// `percent` % of `value`, rounded down: what an official must show the asset declared at.
pub fn least_value(value: Option<u64>, percent: u8) -> u64 {
    let value = u128::from(value.unwrap_or(0));
    u64::try_from(value * u128::from(percent.min(100)) / 100).unwrap_or(u64::MAX)
}

/// What an import did.
#[derive(Clone, Debug, Default)]
pub struct ImportSummary {
    /// Rows read.
    pub rows: usize,
    /// Officials the rows matched.
    pub officials_matched: usize,
    /// Rows about no registered official: line and id as written.
    pub unknown_officials: Vec<(u64, String)>,
    /// Rows repeating an earlier row's (official, asset): their lines.
    pub duplicates: Vec<u64>,
    /// Challenges issued, each with its line and id.
    pub issued: Vec<(u64, api::BatchIssued)>,
    /// Rows whose (official, asset) was challenged before: their lines.
    pub already_challenged: Vec<u64>,
    /// Rows about officials who have not filed yet (nothing to challenge): their lines.
    pub not_filed: Vec<u64>,
    /// Rows the register recorded after the official's latest filed period ended (asked
    /// again by an import after a later filing): their lines.
    pub recorded_after_period: Vec<u64>,
    /// Requests sent.
    pub batches: usize,
    /// The ledger entries logged, their receipts checked and kept.
    pub entries: Vec<u64>,
    /// Set when this pinned the log key (first contact).
    pub newly_pinned: Option<NewlyPinned>,
}

impl Supervisor {
    /// The ids of the registered officials.
    pub fn registered_officials(&self) -> Result<BTreeSet<OfficialId>, SupervisorError> {
        let officials: Vec<api::OfficialInfo> =
            self.get("/v1/officials", "cannot list the officials")?;
        Ok(officials.into_iter().map(|o| o.official).collect())
    }

    /// Sends `plan`'s challenges, due at `deadline` (ms since the epoch), in batches; after
    /// each batch, `progress` gets the challenges sent so far. Each batch is logged whole or
    /// not at all; if one fails, the batches before it stay logged, and importing the file
    /// again issues the rest, nothing twice.
    pub fn import_registry(
        &self,
        plan: &ImportPlan,
        deadline: u64,
        progress: &mut dyn FnMut(usize),
    ) -> Result<ImportSummary, SupervisorError> {
        let mut summary = ImportSummary {
            rows: plan.rows,
            officials_matched: plan.officials_matched,
            unknown_officials: plan.unknown_officials.clone(),
            duplicates: plan.duplicates.clone(),
            ..ImportSummary::default()
        };
        let mut sent = 0;
        for batch in plan.to_send.chunks(IMPORT_BATCH) {
            let request = api::IssueChallenges {
                registry: plan.registry.clone(),
                deadline,
                challenges: batch.iter().map(|(_, c)| c.clone()).collect(),
            };
            let done: api::ChallengesIssued = self
                .conn
                .client()
                .post("/v1/challenges/batch", &request)
                .map_err(|source| SupervisorError::Request {
                    what: format!(
                        "cannot issue the challenges of lines {} to {} ({sent} sent before were logged; import the file again to send the rest: nothing is issued twice)",
                        batch.first().map_or(0, |(l, _)| *l),
                        batch.last().map_or(0, |(l, _)| *l),
                    ),
                    source,
                })?;
            let line = |index: usize| batch.get(index).map_or(0, |(l, _)| *l);
            for skipped in &done.skipped {
                let list = match skipped.reason {
                    api::SkipReason::AlreadyChallenged => &mut summary.already_challenged,
                    api::SkipReason::NotFiled => &mut summary.not_filed,
                    api::SkipReason::RecordedAfterPeriod => &mut summary.recorded_after_period,
                    api::SkipReason::UnknownOfficial => {
                        let official = batch
                            .get(skipped.index)
                            .map(|(_, c)| c.official.to_string())
                            .unwrap_or_default();
                        summary
                            .unknown_officials
                            .push((line(skipped.index), official));
                        continue;
                    }
                };
                list.push(line(skipped.index));
            }
            if !done.receipts.is_empty() {
                let (entries, newly_pinned) = self.keep(&done.receipts)?;
                summary.entries.extend(entries);
                summary.newly_pinned = summary.newly_pinned.take().or(newly_pinned);
            }
            summary.issued.extend(
                done.issued
                    .into_iter()
                    .map(|issued| (line(issued.index), issued)),
            );
            summary.batches += 1;
            sent += batch.len();
            progress(sent);
        }
        summary.unknown_officials.sort();
        Ok(summary)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registered(ids: &[&str]) -> BTreeSet<OfficialId> {
        ids.iter()
            .map(|i| OfficialId::new(i).expect("valid"))
            .collect()
    }

    #[test]
    fn a_good_file_reads_with_its_lines_and_optional_columns() {
        let text = "official,asset_id,value,date\nGOV-0001, 浙(2018)杭州市不动产权第0123456号 ,320000000,2018-05-02\n\nGOV-0002,\"VIN 1HGCM82633A004352, blue\",\"1,500,000\",\nGOV-0003,ACC-1,,\n";
        let rows = read_registry_csv(text).expect("reads");
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].line, 2);
        assert_eq!(rows[0].value, Some(320_000_000));
        assert_eq!(rows[0].date.as_deref(), Some("2018-05-02"));
        assert_eq!(
            rows[0].asset_id.id_hash(),
            AssetId("浙(2018)杭州市不动产权第0123456号".into()).id_hash(),
            "the register's spacing does not change the id_hash"
        );
        assert_eq!(rows[1].line, 4, "a blank line keeps the numbering");
        assert_eq!(rows[1].value, Some(1_500_000), "thousands separators");
        assert_eq!(
            rows[1].asset_id.0, "VIN 1HGCM82633A004352, blue",
            "quoted comma"
        );
        assert_eq!((rows[2].value, rows[2].date.as_deref()), (None, None));
        let shown = format!("{:?}", rows[0]);
        assert!(
            shown.contains("GOV-0001")
                && !shown.contains("320000000")
                && !shown.contains("2018-05-02"),
            "Debug keeps the register's value and date out: {shown}"
        );
        // Columns in any order, other columns ignored, names in any case.
        let rows = read_registry_csv(
            "Date,Asset_ID,owner name,OFFICIAL\n2020-01-01,X-1,Zhang San,GOV-0001\n",
        )
        .expect("reads");
        assert_eq!(rows[0].official, "GOV-0001");
        assert_eq!(rows[0].asset_id.0, "X-1");
    }

    #[test]
    fn every_bad_row_is_listed_by_line_without_its_secret_fields() {
        let text = "official,asset_id,value,date\nGOV-0001,SECRET-ID-1,12.5,\n,SECRET-ID-2,1,\nGOV-0002,  ,1,\nGOV-0003,SECRET-ID-3,-4,\nGOV-0004,SECRET-ID-4,9,2026-02-30\nGOV-0005,SECRET-ID-5,99999999999999999999,\nGOV-0006,SECRET-ID-6,7,2026-01-01\n";
        let err = read_registry_csv(text).expect_err("refused");
        let RegistryFileError::BadRows(bad) = &err else {
            panic!("{err}");
        };
        let lines: Vec<u64> = bad.iter().map(|b| b.line).collect();
        assert_eq!(lines, [2, 3, 4, 5, 6, 7]);
        let text = err.to_string();
        assert!(text.contains("nothing imported"), "{text}");
        for secret in ["SECRET", "12.5", "-4", "99999999999999999999"] {
            assert!(!text.contains(secret), "{secret} in {text}");
            assert!(!format!("{err:?}").contains(secret), "{secret} in Debug");
        }
    }

    #[test]
    fn a_file_without_its_columns_or_rows_is_refused() {
        assert!(matches!(
            read_registry_csv("id,asset\nGOV-0001,X\n"),
            Err(RegistryFileError::MissingColumn("official"))
        ));
        assert!(matches!(
            read_registry_csv("official,asset\nGOV-0001,X\n"),
            Err(RegistryFileError::MissingColumn("asset_id"))
        ));
        assert!(matches!(
            read_registry_csv("official,asset_id\n"),
            Err(RegistryFileError::Empty)
        ));
    }

    #[test]
    fn the_plan_sets_aside_unknown_officials_and_repeats_and_takes_the_least_value() {
        let text = "official,asset_id,value,date\nGOV-0001,LAND-1,1000,2019-04-01\nGOV-0001, land-1 ,2000,\nGOV-9999,LAND-2,10,\nnot an id,LAND-3,10,\nGOV-0002,CAR-1,999,\nGOV-0002,CAR-2,,\n";
        let rows = read_registry_csv(text).expect("reads");
        let plan = plan_import(
            RegistryName::new("land").expect("valid"),
            &rows,
            &registered(&["GOV-0001", "GOV-0002"]),
            80,
        );
        assert_eq!(plan.rows, 6);
        assert_eq!(plan.to_send(), 3);
        assert_eq!(plan.officials_matched, 2);
        assert_eq!(plan.duplicates, [3], "` land-1 ` is LAND-1 once normalised");
        assert_eq!(
            plan.unknown_officials,
            [(4, "GOV-9999".to_owned()), (5, "not an id".to_owned())]
        );
        let least: Vec<u64> = plan.to_send.iter().map(|(_, c)| c.min_value).collect();
        assert_eq!(least, [800, 799, 0], "80 %, rounded down; no value asks 0");
        let recorded: Vec<Option<&str>> = plan
            .to_send
            .iter()
            .map(|(_, c)| c.recorded_on.as_deref())
            .collect();
        assert_eq!(
            recorded,
            [Some("2019-04-01"), None, None],
            "the register's date goes with its record"
        );
        assert!(!format!("{plan:?}").contains("LAND"));
    }

    #[test]
    fn the_least_value_never_overflows_or_exceeds_the_value() {
        assert_eq!(least_value(Some(u64::MAX), 100), u64::MAX);
        assert_eq!(least_value(Some(u64::MAX), 80), 14_757_395_258_967_641_292);
        assert_eq!(least_value(Some(7), 250), 7, "at most 100 %");
        assert_eq!(least_value(Some(7), 0), 0);
        assert_eq!(least_value(None, 80), 0);
    }
}
