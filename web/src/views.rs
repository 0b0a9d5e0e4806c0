//! What the pages show, built from the service's public data: the wire types of its JSON
//! routes and the public inputs of logged proofs. Nothing here holds an amount of a
//! declaration, an asset or what a challenge asked: the types have no field for them.

use probity_api::{OfficialInfo, OfficialRecord, ProofInfo};
use probity_core::{Period, PublicInputs, StatementKind};

/// Whether an official filed for a period with a deadline, judged against it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    /// Filed no later than the deadline.
    OnTime,
    /// Filed after the deadline.
    Late,
    /// The deadline passed and nothing was filed.
    Missing,
    /// Nothing filed yet, and the deadline (ms since the epoch) has not passed.
    Due(u64),
}

impl Standing {
    /// Judges a period whose deadline is `deadline_ms`: `first_filed_ms` is when the
    /// official first filed for it (an amendment does not make a filing late), `now_ms` the
    /// service's clock. A filing at the deadline's millisecond is on time, as the service's
    /// `late` flag has it.
    pub fn judge(deadline_ms: u64, first_filed_ms: Option<u64>, now_ms: u64) -> Standing {
        match first_filed_ms {
            Some(filed) if filed <= deadline_ms => Standing::OnTime,
            Some(_) => Standing::Late,
            None if now_ms > deadline_ms => Standing::Missing,
            None => Standing::Due(deadline_ms),
        }
    }
}

/// One row of the officials list.
#[derive(Clone, Debug)]
pub struct OfficialRow<'a> {
    /// The official.
    pub official: &'a OfficialInfo,
    /// The latest period they filed for.
    pub latest_filed: Option<Period>,
    /// The latest period with a deadline, and how they stand for it (`None`: no deadline is
    /// set).
    pub standing: Option<(Period, Standing)>,
}

/// A statement proved about an official's declarations, in the terms its public inputs give.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Statement {
    /// `net_worth_range`: net worth in `[lo, hi]`, minor units.
    NetWorth {
        /// The period.
        period: Period,
        /// Lower bound.
        lo: i64,
        /// Upper bound.
        hi: i64,
    },
    /// `category_total_range`: the total of one category in `[lo, hi]`, minor units.
    CategoryTotal {
        /// The period.
        period: Period,
        /// The category's code.
        category: u8,
        /// Lower bound.
        lo: i64,
        /// Upper bound.
        hi: i64,
    },
    /// `wealth_growth`: growth of net worth from one period to a later one is at most the
    /// income of the later one plus `tolerance` (minor units).
    WealthGrowth {
        /// The earlier period.
        from: Period,
        /// The later period.
        to: Period,
        /// Growth allowed beyond income.
        tolerance: u64,
    },
    /// `asset_included`: an asset a supervisor named is declared. Which asset, and the least
    /// value asked, are withheld from the public log and never shown.
    AssetIncluded {
        /// The period.
        period: Period,
    },
    /// A proof whose public inputs could not be read here: shown by its statement's name.
    Other {
        /// The statement.
        kind: StatementKind,
        /// Its periods.
        periods: Vec<Period>,
    },
}

impl Statement {
    /// The statement of an accepted proof, from the public inputs of its `ProofAccepted`
    /// entry (`None` when they are withheld or unreadable). `asset_included` is always read
    /// from `info` alone: its public inputs are withheld, and shown they would name the asset.
    pub fn of(info: &ProofInfo, inputs: Option<&PublicInputs>) -> Statement {
        let first = info.periods.first().copied();
        match (info.statement, inputs, first) {
            (StatementKind::AssetIncluded, _, Some(period)) => Statement::AssetIncluded { period },
            (_, Some(PublicInputs::NetWorthRange(x)), _) => Statement::NetWorth {
                period: x.period,
                lo: x.lo.0,
                hi: x.hi.0,
            },
            (_, Some(PublicInputs::CategoryTotalRange(x)), _) => Statement::CategoryTotal {
                period: x.period,
                category: x.category.code(),
                lo: x.lo.0,
                hi: x.hi.0,
            },
            (_, Some(PublicInputs::WealthGrowth(x)), _) => Statement::WealthGrowth {
                from: x.period_prev,
                to: x.period_curr,
                tolerance: x.tolerance.0,
            },
            _ => Statement::Other {
                kind: info.statement,
                periods: info.periods.clone(),
            },
        }
    }
}

/// A proved statement and the `ProofAccepted` entry that logged it. The service logs only
/// proofs it verified, so each is shown as verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProvedStatement {
    /// What was proved.
    pub statement: Statement,
    /// The `ProofAccepted` entry.
    pub entry: u64,
}

/// Where a challenge stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChallengeOutcome {
    /// Waiting for an answer before its deadline.
    Open,
    /// Answered with a verified `asset_included` proof.
    Answered,
    /// Its deadline passed without an answer.
    Expired,
}

/// A challenge as the public log shows it: who must answer for which period, when it was
/// issued, its deadline and outcome. Never which asset or what value it asks about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChallengeSummary {
    /// The period.
    pub period: Period,
    /// When it was logged, ms since the epoch.
    pub issued_ms: u64,
    /// Its deadline, ms since the epoch.
    pub deadline_ms: u64,
    /// Where it stands.
    pub outcome: ChallengeOutcome,
    /// The `ChallengeIssued` entry.
    pub entry: u64,
}

/// How many alerts of one rule were raised about an official.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlertCount {
    /// The rule's name (`filed_after_deadline`, …).
    pub rule: String,
    /// How many.
    pub count: usize,
}

/// Everything the page of one official shows.
#[derive(Clone, Debug)]
pub struct OfficialPage<'a> {
    /// The public record (`GET /v1/officials/{id}`).
    pub record: &'a OfficialRecord,
    /// The proved statements, oldest first.
    pub statements: Vec<ProvedStatement>,
    /// The challenges, oldest first.
    pub challenges: Vec<ChallengeSummary>,
    /// Alerts by rule, the rules in a stable order.
    pub alerts: Vec<AlertCount>,
    /// The page's absolute URL, for its QR code.
    pub url: String,
    /// The latest checkpoint and a proof of each entry the page names (the registration,
    /// filings, proofs and challenges), for the in-browser check; `None` while the log has
    /// no checkpoint.
    pub log: Option<OfficialLog<'a>>,
}

/// The log behind an official's page: what its script checks each entry against.
#[derive(Clone, Debug)]
pub struct OfficialLog<'a> {
    /// The latest checkpoint.
    pub checkpoint: crate::log::CheckpointView<'a>,
    /// The entries the page names, by index, each with its proof in that checkpoint.
    pub proofs: &'a std::collections::BTreeMap<u64, crate::log::EntryProof>,
}

/// What the about page says about the service.
#[derive(Clone, Debug)]
pub struct AboutPage<'a> {
    /// The params manifest's `setup`: `dev` or `ceremony`.
    pub setup: &'a str,
    /// The log's origin.
    pub origin: &'a str,
    /// The log's verifier key.
    pub log_key: &'a str,
    /// The service's base URL (no trailing `/`), for the commands to type.
    pub base_url: &'a str,
}
