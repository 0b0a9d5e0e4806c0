//! Checking an official against the log: every filing, proof and challenge of theirs,
//! re-verified from the log's own entries.
//!
//! The steps, in order:
//!
//! 1. [`read`]: the log's latest checkpoint (verified with the pinned log key, consistent
//!    with the last one accepted), then the service's record of the official and the
//!    disclosures, then every entry under the checkpoint (their hashes must rebuild its root).
//!    The record and disclosures are read after the checkpoint, so they cover every entry it
//!    signs; anything newer in them is left out.
//! 2. [`Scan`]: the entries in log order. Filings are checked by the log's rules (a key
//!    registered before, a valid signature); proofs are rebuilt with their disclosed details
//!    (which must match the log's digests) and verified with the verifying key of the latest
//!    `ParamsPublished` entry before them; each answered challenge is held against what it
//!    asked.
//! 3. [`Scan::check_record`]: the service's record of the official against the log.
//! 4. [`Scan::finish`]: each filing with the proofs that end at its commitment, and what an
//!    honest filing should carry but does not (warnings, not failures).
//!
//! Failures and warnings are sentences for a person, in the order they were found.

use std::collections::{BTreeMap, HashMap, HashSet};

use probity_core::{
    Capacity, Commitment, IdHash, OfficialId, ParamsManifest, Period, PublicInputs, StatementKind,
};
use probity_ledger::{
    ChallengeAnswered, ChallengeDetail, ChallengeId, ChallengeIssued, DeclarationFiled, Disclosure,
    Entry, EntryBody, EntryRules, MemoryTree, ProofAccepted, SignedCheckpoint,
};
use probity_verifier::{verify_envelope, StatementVerifyingKey};
use serde_json::json;

use super::{Supervisor, SupervisorError};
use crate::{api, Connection, NewlyPinned, Progress};

/// What [`Supervisor::check_official`] found. The official is verified when there is no
/// failure ([`OfficialCheck::verified`]); warnings are worth a look but prove nothing wrong.
#[derive(Clone, Debug)]
pub struct OfficialCheck {
    /// The checkpoint everything was read under.
    pub checkpoint: SignedCheckpoint,
    /// The service's record of the official (checked against the log).
    pub record: api::OfficialRecord,
    /// The official's filings in the period asked for, in log order.
    pub filings: Vec<FilingCheck>,
    /// The official's accepted proofs about the period asked for, in log order.
    pub proofs: Vec<ProofCheck>,
    /// The answered challenges of the official about the period asked for, in log order.
    pub challenges: Vec<ChallengeCheck>,
    /// What does not check out, in the order found.
    pub failures: Vec<String>,
    /// What an honest official would have filed but did not, or keys that prove little.
    pub warnings: Vec<String>,
    /// The filing deadline of each period, as the log's latest `DeadlineSet` for it sets it
    /// (ms since the Unix epoch).
    pub deadlines: BTreeMap<Period, u64>,
    /// Set when this check pinned the log key (first contact).
    pub newly_pinned: Option<NewlyPinned>,
}

impl OfficialCheck {
    /// Whether everything checks out.
    pub fn verified(&self) -> bool {
        self.failures.is_empty()
    }

    /// The proofs that end at no filing of the period asked for (they are about another
    /// period's filing).
    pub fn other_proofs(&self) -> impl Iterator<Item = &ProofCheck> {
        let shown: HashSet<u64> = self
            .filings
            .iter()
            .flat_map(|f| f.proofs.iter().copied())
            .collect();
        self.proofs
            .iter()
            .filter(move |p| !shown.contains(&p.entry))
    }

    /// The proof accepted at `entry`, if it is one of [`OfficialCheck::proofs`].
    pub fn proof(&self, entry: u64) -> Option<&ProofCheck> {
        self.proofs.iter().find(|p| p.entry == entry)
    }

    /// How the official stands at `now` (ms since the Unix epoch), from this check alone:
    /// the latest filing of the latest period filed, and the periods whose deadline passed
    /// with nothing filed. Meaningful for a check of every period (`period: None`).
    pub fn standing(&self, now: u64) -> Standing {
        let latest = self
            .filings
            .iter()
            .filter(|x| !x.superseded)
            .max_by_key(|x| (x.period, x.entry));
        let latest = latest.map(|x| {
            let earlier = self.filings.iter().any(|y| y.period < x.period);
            let proved = |kind: StatementKind| {
                x.proofs
                    .iter()
                    .filter_map(|e| self.proof(*e))
                    .any(|p| p.statement == kind && p.valid())
            };
            LatestFiling {
                period: x.period,
                entry: x.entry,
                time: x.time,
                late: x.late,
                valid: x.valid() && proved(StatementKind::NetWorthRange),
                growth_shown: earlier.then(|| proved(StatementKind::WealthGrowth)),
            }
        });
        let filed: HashSet<Period> = self.filings.iter().map(|x| x.period).collect();
        let missing = self
            .deadlines
            .iter()
            .filter(|(p, d)| **d < now && !filed.contains(p))
            .map(|(p, _)| *p)
            .collect();
        Standing {
            verified: self.verified(),
            latest,
            missing,
        }
    }
}

/// How an official stands, from an [`OfficialCheck`]: what a supervisor's dashboard shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Standing {
    /// Whether everything checked out ([`OfficialCheck::verified`]).
    pub verified: bool,
    /// The latest filing of the latest period filed, if any.
    pub latest: Option<LatestFiling>,
    /// The periods whose deadline has passed with no filing of the official, oldest first.
    pub missing: Vec<Period>,
}

/// The latest filing of an official, as the log shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LatestFiling {
    /// The period.
    pub period: Period,
    /// Its `DeclarationFiled` entry.
    pub entry: u64,
    /// When it was logged (ms since the Unix epoch).
    pub time: u64,
    /// Whether it came after its period's deadline (`None`: the log sets none).
    pub late: Option<bool>,
    /// Whether the log's rules accept it and a net_worth_range proof of it verified.
    pub valid: bool,
    /// Whether a verified wealth_growth proof ends at it (`None`: nothing was filed for an
    /// earlier period, so there is no growth to explain).
    pub growth_shown: Option<bool>,
}

/// One `DeclarationFiled` of the official.
#[derive(Clone, Debug)]
pub struct FilingCheck {
    /// Its entry.
    pub entry: u64,
    /// The period declared.
    pub period: Period,
    /// The declaration's capacity.
    pub capacity: Capacity,
    /// The commitment filed.
    pub commitment: Commitment,
    /// When the log took it (ms since the Unix epoch).
    pub time: u64,
    /// Whether it came after the period's deadline (`None`: the log sets none), against the
    /// latest `DeadlineSet` of the period under the checkpoint, as the register says it.
    pub late: Option<bool>,
    /// Why the log's rules reject it (filed before registration, a bad signature).
    pub problem: Option<String>,
    /// Whether a later filing of the same period amended it.
    pub superseded: bool,
    /// The entries of the proofs that end at this filing's commitment, in log order.
    pub proofs: Vec<u64>,
}

impl FilingCheck {
    /// Whether the log's rules accept it.
    pub fn valid(&self) -> bool {
        self.problem.is_none()
    }
}

/// One `ProofAccepted` of the official, as re-verified here.
#[derive(Clone)]
pub struct ProofCheck {
    /// Its entry.
    pub entry: u64,
    /// The statement proved.
    pub statement: StatementKind,
    /// The periods it is about.
    pub periods: Vec<Period>,
    /// The statement in words, when the proof verified.
    pub in_words: Option<String>,
    /// For a verified `asset_included` proof: the asset's id_hash and least value (details
    /// the log withholds: left out of `Debug`).
    pub asset: Option<(IdHash, u64)>,
    /// The filing the proof is about: its last period and that period's commitment.
    pub ends_at: Option<(Period, Commitment)>,
    /// Why it does not check out; empty when it verifies.
    pub problems: Vec<String>,
}

impl ProofCheck {
    /// Whether it verifies.
    pub fn valid(&self) -> bool {
        self.problems.is_empty()
    }
}

impl std::fmt::Debug for ProofCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProofCheck")
            .field("entry", &self.entry)
            .field("statement", &self.statement)
            .field("periods", &self.periods)
            .field("in_words", &self.in_words)
            .field("ends_at", &self.ends_at)
            .field("problems", &self.problems)
            .finish_non_exhaustive()
    }
}

/// Why an answered challenge does not check out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ChallengeProblem {
    /// No disclosure of the challenge matches the log's digest of it.
    #[error("the service disclosed no matching details for the challenge")]
    NoDetails,
    /// The answer is not a verified `asset_included` proof of the official.
    #[error("its answer is not a verified asset_included proof of this official")]
    NotAnAnswer,
    /// The answer proves something else than what was asked.
    #[error("the answer proves another asset, or a lower value, than the challenge asked")]
    Mismatch,
}

/// One answered challenge of the official.
#[derive(Clone, Debug)]
pub struct ChallengeCheck {
    /// The challenge.
    pub challenge: ChallengeId,
    /// Its `ChallengeIssued` entry.
    pub issued: u64,
    /// Its `ChallengeAnswered` entry.
    pub answered_at: u64,
    /// The entry of the proof that answers it.
    pub proof: u64,
    /// Why the answer does not check out; `None` when it proves what was asked.
    pub problem: Option<ChallengeProblem>,
}

/// The official's latest filing per period on the log, with the log itself, for holding a
/// proof file against the log (and a chain against both).
#[derive(Clone, Debug)]
pub struct LogFilings {
    /// The checkpoint the log was read under.
    pub checkpoint: SignedCheckpoint,
    /// The tree of every entry under it (its root is the checkpoint's).
    pub tree: MemoryTree,
    /// The commitment of the official's latest filing of each period.
    pub latest: HashMap<Period, Commitment>,
    /// Set when this read pinned the log key (first contact).
    pub newly_pinned: Option<NewlyPinned>,
}

/// Reads the whole log under its latest checkpoint (verified with the pinned log key) and
/// finds `official`'s latest filing of each period. Needs no key: anyone can.
pub fn latest_filings(
    conn: &Connection,
    official: &OfficialId,
    progress: &dyn Progress,
) -> Result<LogFilings, SupervisorError> {
    let log = conn.log_key()?;
    let checkpoint = conn.latest_checkpoint(&log.key)?;
    let entries = conn.entries_under_with(&checkpoint, progress)?;
    let mut latest = HashMap::new();
    let mut tree = MemoryTree::new();
    for (index, bytes) in (0u64..).zip(&entries) {
        tree.push(probity_ledger::leaf_hash(bytes));
        let entry = Entry::from_canonical_json(bytes)
            .map_err(|source| SupervisorError::InvalidEntry { index, source })?;
        if let EntryBody::DeclarationFiled(d) = entry.body {
            if d.official == *official {
                latest.insert(d.period, d.commitment);
            }
        }
    }
    Ok(LogFilings {
        checkpoint,
        tree,
        latest,
        newly_pinned: log.newly_pinned,
    })
}

impl Supervisor {
    /// Reads the log and re-verifies everything about `official` (in `period`, if given:
    /// its filings, the proofs naming it, the challenges about it). `progress` sees the log
    /// being read.
    pub fn check_official(
        &self,
        official: &OfficialId,
        period: Option<Period>,
        progress: &dyn Progress,
    ) -> Result<OfficialCheck, SupervisorError> {
        let read = read(&self.conn, official, progress)?;
        let disclosures = read.disclosures.iter().map(|d| (d.entry, d)).collect();
        let mut scan = Scan::new(official, period, disclosures);
        for (index, bytes) in (0u64..).zip(&read.entries) {
            scan.entry(index, bytes);
        }
        scan.check_record(&read.record, read.checkpoint.size());
        let (filings, proofs, challenges, failures, warnings, deadlines) = scan.finish();
        Ok(OfficialCheck {
            checkpoint: read.checkpoint,
            record: read.record,
            filings,
            proofs,
            challenges,
            failures,
            warnings,
            deadlines,
            newly_pinned: read.newly_pinned,
        })
    }
}

/// What [`read`] read.
struct Read {
    checkpoint: SignedCheckpoint,
    record: api::OfficialRecord,
    disclosures: Vec<api::DisclosureView>,
    entries: Vec<Vec<u8>>,
    newly_pinned: Option<NewlyPinned>,
}

/// Reads, under the log's latest checkpoint, the official's record, the disclosures and the
/// log's entries.
fn read(
    conn: &Connection,
    official: &OfficialId,
    progress: &dyn Progress,
) -> Result<Read, SupervisorError> {
    let client = conn.client();
    let log = conn.log_key()?;
    // The checkpoint first: the record and the disclosures read after it cover every entry
    // it signs (anything newer in them is left out).
    let checkpoint = conn.latest_checkpoint(&log.key)?;
    let record: api::OfficialRecord = match client.get(&format!("/v1/officials/{official}")) {
        Ok(r) => r,
        Err(e) if e.status() == Some(404) => {
            return Err(SupervisorError::NotRegistered(official.clone()))
        }
        Err(source) => {
            return Err(SupervisorError::Request {
                what: "cannot read the official's record".to_owned(),
                source,
            })
        }
    };
    let disclosures =
        client
            .get("/v1/supervisor/disclosures")
            .map_err(|source| SupervisorError::Request {
                what: "cannot read the disclosures (only registered supervisors may)".to_owned(),
                source,
            })?;
    let entries = conn.entries_under_with(&checkpoint, progress)?;
    Ok(Read {
        checkpoint,
        record,
        disclosures,
        entries,
        newly_pinned: log.newly_pinned,
    })
}

/// A disclosure served by the service, decoded for type `T`.
fn disclosure<T: serde::de::DeserializeOwned>(
    view: &api::DisclosureView,
) -> Result<Disclosure<T>, serde_json::Error> {
    serde_json::from_value(json!({ "salt": view.salt, "detail": view.detail }))
}

/// A `ChallengeIssued` of the official: its entry, period, and the detail disclosed for it
/// (only one that matches the log's digest).
type Asked = (u64, Period, Option<ChallengeDetail>);

/// The entries in log order, and what they say about one official.
struct Scan<'a> {
    official: &'a OfficialId,
    period: Option<Period>,
    disclosures: HashMap<u64, &'a api::DisclosureView>,
    rules: EntryRules,
    /// The latest `ParamsPublished`: its entry and manifest.
    manifest: Option<(u64, ParamsManifest)>,
    /// The verifying keys made so far, by `ParamsPublished` entry, statement and capacity.
    keys: HashMap<(u64, StatementKind, Capacity), StatementVerifyingKey>,
    /// The official's latest registration: its entry and public key, hex.
    registered: Option<(u64, String)>,
    filings: Vec<FilingCheck>,
    proofs: Vec<ProofCheck>,
    /// Every filing of the official, whatever the period: entry, period, commitment.
    all_filings: HashSet<(u64, Period, Commitment)>,
    /// Every accepted proof of the official, whatever the periods.
    all_proofs: HashSet<u64>,
    asked: HashMap<ChallengeId, Asked>,
    challenges: Vec<ChallengeCheck>,
    /// Each period's deadline, by the latest `DeadlineSet` so far.
    deadlines: BTreeMap<Period, u64>,
    failures: Vec<String>,
    warnings: Vec<String>,
}

/// What [`Scan::finish`] hands back: filings, proofs, challenges, failures, warnings,
/// deadlines.
type Found = (
    Vec<FilingCheck>,
    Vec<ProofCheck>,
    Vec<ChallengeCheck>,
    Vec<String>,
    Vec<String>,
    BTreeMap<Period, u64>,
);

impl<'a> Scan<'a> {
    fn new(
        official: &'a OfficialId,
        period: Option<Period>,
        disclosures: HashMap<u64, &'a api::DisclosureView>,
    ) -> Self {
        Self {
            official,
            period,
            disclosures,
            rules: EntryRules::new(),
            manifest: None,
            keys: HashMap::new(),
            registered: None,
            filings: Vec::new(),
            proofs: Vec::new(),
            all_filings: HashSet::new(),
            all_proofs: HashSet::new(),
            asked: HashMap::new(),
            challenges: Vec::new(),
            deadlines: BTreeMap::new(),
            failures: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// Whether something about `periods` is in the period asked for.
    fn in_period(&self, periods: &[Period]) -> bool {
        !matches!(self.period, Some(p) if !periods.contains(&p))
    }

    /// The entry at `index`.
    fn entry(&mut self, index: u64, bytes: &[u8]) {
        let entry = match Entry::from_canonical_json(bytes) {
            Ok(e) => e,
            Err(e) => {
                self.failures
                    .push(format!("log entry {index} is not a valid entry: {e}"));
                return;
            }
        };
        let rule = self.rules.check(index, &entry);
        let official = self.official;
        match &entry.body {
            EntryBody::ParamsPublished(p) => self.manifest = Some((index, p.manifest.clone())),
            EntryBody::DeadlineSet(d) => {
                self.deadlines.insert(d.period, d.deadline.as_millis());
            }
            EntryBody::OfficialRegistered(r) if &r.official == official => {
                self.registered = Some((index, r.public_key.to_hex()));
            }
            EntryBody::DeclarationFiled(d) if &d.official == official => {
                self.filing(index, entry.time.as_millis(), d, rule.err());
            }
            EntryBody::ProofAccepted(p) if &p.official == official => {
                self.proof(index, p, rule.err());
            }
            EntryBody::ChallengeIssued(c) if &c.official == official => self.asked(index, c),
            EntryBody::ChallengeAnswered(a) => self.answered(index, a),
            _ => {}
        }
    }

    fn filing(&mut self, index: u64, time: u64, d: &DeclarationFiled, problem: Option<String>) {
        self.all_filings.insert((index, d.period, d.commitment));
        if self.in_period(&[d.period]) {
            self.filings.push(FilingCheck {
                entry: index,
                period: d.period,
                capacity: d.capacity,
                commitment: d.commitment,
                time,
                late: None,
                problem,
                superseded: false,
                proofs: Vec::new(),
            });
        }
    }

    /// A proof: rebuilt with its disclosure when the log withholds part of it, and verified
    /// with the verifying key the log published last before it.
    fn proof(&mut self, index: u64, p: &ProofAccepted, problem: Option<String>) {
        self.all_proofs.insert(index);
        if !self.in_period(&p.periods) {
            return;
        }
        let mut checked = ProofCheck {
            entry: index,
            statement: p.statement,
            periods: p.periods.clone(),
            in_words: None,
            asset: None,
            ends_at: p.named_commitments().ok().and_then(|c| c.last().copied()),
            problems: problem.into_iter().collect(),
        };
        match self.envelope(index, p).and_then(|envelope| {
            let key = self.key(p.statement, p.capacity)?;
            Ok((envelope, key))
        }) {
            Ok((envelope, key)) => match verify_envelope(&key, &envelope) {
                Ok(inputs) => {
                    if let PublicInputs::AssetIncluded(a) = &inputs {
                        checked.asset = Some((a.id_hash, a.min_value.0));
                    }
                    checked.in_words = Some(inputs.to_string());
                }
                Err(e) => checked.problems.push(format!(
                    "it does NOT verify with the verifying key the ledger published ({e})"
                )),
            },
            Err(why) => checked.problems.push(why),
        }
        self.proofs.push(checked);
    }

    /// The proof file of the proof accepted at `index`, rebuilt from the entry and, for what
    /// it withholds, the service's disclosure (whose digest must be the entry's).
    fn envelope(
        &self,
        index: u64,
        p: &ProofAccepted,
    ) -> Result<probity_core::ProofEnvelope, String> {
        let withheld = match (p.withheld, self.disclosures.get(&index)) {
            (None, _) => None,
            (Some(_), Some(view)) => Some(disclosure(view).map_err(|e| {
                format!("the service's disclosure is malformed: {e}")
            })?),
            (Some(_), None) => return Err(
                "the service disclosed nothing for it (its id_hash, min_value and proof are withheld), so it cannot be re-verified"
                    .to_owned(),
            ),
        };
        p.to_envelope(withheld.as_ref()).map_err(|e| {
            format!(
                "the entry and its disclosure do not rebuild a proof: {}",
                chain(&e)
            )
        })
    }

    /// The verifying key for `statement` at `capacity` that the latest `ParamsPublished`
    /// entry publishes.
    fn key(
        &mut self,
        statement: StatementKind,
        capacity: Capacity,
    ) -> Result<StatementVerifyingKey, String> {
        let Some((at, manifest)) = &self.manifest else {
            return Err("no ParamsPublished entry comes before it: there is no published verifying key to check it with".to_owned());
        };
        if let Some(k) = self.keys.get(&(*at, statement, capacity)) {
            return Ok(k.clone());
        }
        let entry = manifest.entry(statement, capacity).ok_or_else(|| {
            format!("the published params (entry {at}) have no key for {statement} at capacity {capacity}")
        })?;
        let key = StatementVerifyingKey::from_manifest_entry(entry).map_err(|e| chain(&e))?;
        self.keys.insert((*at, statement, capacity), key.clone());
        Ok(key)
    }

    fn asked(&mut self, index: u64, c: &ChallengeIssued) {
        let detail = self
            .disclosures
            .get(&index)
            .and_then(|v| disclosure::<ChallengeDetail>(v).ok())
            .filter(|d| d.matches(&c.detail))
            .map(|d| d.detail);
        self.asked.insert(c.challenge, (index, c.period, detail));
    }

    /// An answer to a challenge of the official: the proof must be a verified
    /// `asset_included` proof of the asset asked, at no less than the value asked.
    fn answered(&mut self, index: u64, a: &ChallengeAnswered) {
        let Some((issued, asked_period, detail)) = self.asked.get(&a.challenge) else {
            return;
        };
        if !self.in_period(&[*asked_period]) {
            return;
        }
        let proof = a.proof_entry.get();
        let answer = self
            .proofs
            .iter()
            .find(|p| p.entry == proof)
            .and_then(|p| p.asset);
        let problem = match (detail, answer) {
            (None, _) => Some(ChallengeProblem::NoDetails),
            (_, None) => Some(ChallengeProblem::NotAnAnswer),
            (Some(d), Some((id_hash, min))) if d.id_hash == id_hash && min >= d.min_value.0 => None,
            _ => Some(ChallengeProblem::Mismatch),
        };
        if let Some(why) = problem {
            self.failures.push(format!(
                "challenge {} (entry {issued}), answered at entry {index}: {why}",
                a.challenge
            ));
        }
        self.challenges.push(ChallengeCheck {
            challenge: a.challenge,
            issued: *issued,
            answered_at: index,
            proof,
            problem,
        });
    }

    /// The service's record of the official against the log under a checkpoint of `size`
    /// entries (what the record holds beyond it is left out).
    fn check_record(&mut self, record: &api::OfficialRecord, size: u64) {
        let official = &record.official;
        match &self.registered {
            _ if official.entry >= size => {} // re-registered after the checkpoint
            Some((at, key)) if *at == official.entry && *key == official.public_key => {}
            Some((at, _)) => self.failures.push(format!(
                "the service's record names registration entry {} and key {}, but the latest registration on the ledger is entry {at}",
                official.entry, official.public_key
            )),
            None => self
                .failures
                .push(format!("the ledger holds no registration of {}", self.official)),
        }
        let listed: HashSet<_> = record
            .filings
            .iter()
            .filter(|x| x.entry < size)
            .map(|x| (x.entry, x.period, x.commitment))
            .collect();
        if listed != self.all_filings {
            self.failures.push(
                "the service's record of filings differs from the DeclarationFiled entries on the ledger"
                    .to_owned(),
            );
        }
        let listed: HashSet<_> = record
            .proofs
            .iter()
            .map(|x| x.entry)
            .filter(|e| *e < size)
            .collect();
        if listed != self.all_proofs {
            self.failures.push(
                "the service's record of accepted proofs differs from the ProofAccepted entries on the ledger"
                    .to_owned(),
            );
        }
        if let Some((at, m)) = &self.manifest {
            if m.setup == "dev" {
                self.warnings.push(format!(
                    "the verifying keys (ParamsPublished, entry {at}) are development keys: whoever made them can forge proofs"
                ));
            }
        }
    }

    /// Each filing with the proofs that end at its commitment; what a filing should carry
    /// but does not; then the failures of the filings and of the proofs.
    fn finish(mut self) -> Found {
        let latest: HashMap<Period, u64> =
            self.filings.iter().map(|x| (x.period, x.entry)).collect();
        for x in &mut self.filings {
            x.superseded = latest.get(&x.period) != Some(&x.entry);
            x.late = self.deadlines.get(&x.period).map(|d| x.time > *d);
            x.proofs = self
                .proofs
                .iter()
                .filter(|p| p.ends_at == Some((x.period, x.commitment)))
                .map(|p| p.entry)
                .collect();
            if let Some(why) = &x.problem {
                self.failures
                    .push(format!("filing at entry {}: {why}", x.entry));
            }
            if !x.superseded {
                self.warnings
                    .extend(missing_proofs(x, &self.proofs, &self.all_filings));
            }
        }
        for p in &self.proofs {
            for why in &p.problems {
                self.failures
                    .push(format!("{} proof at entry {}: {why}", p.statement, p.entry));
            }
        }
        (
            self.filings,
            self.proofs,
            self.challenges,
            self.failures,
            self.warnings,
            self.deadlines,
        )
    }
}

/// What the latest filing of a period should carry but does not: a verified band proof, and,
/// when an earlier period was filed, a verified growth proof.
fn missing_proofs(
    filing: &FilingCheck,
    proofs: &[ProofCheck],
    all_filings: &HashSet<(u64, Period, Commitment)>,
) -> Vec<String> {
    let has = |kind: StatementKind| {
        proofs
            .iter()
            .filter(|p| filing.proofs.contains(&p.entry))
            .any(|p| p.statement == kind && p.valid())
    };
    let mut missing = Vec::new();
    if !has(StatementKind::NetWorthRange) {
        missing.push(format!(
            "no verified net_worth_range proof for the {} filing",
            filing.period
        ));
    }
    let earlier = all_filings.iter().any(|(_, p, _)| *p < filing.period);
    if earlier && !has(StatementKind::WealthGrowth) {
        missing.push(format!(
            "no wealth_growth proof ends at the {} filing: growth since the previous filing is not shown to be explained by income",
            filing.period
        ));
    }
    missing
}

/// An error and its causes, `: `-separated (as a front end shows a chain).
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(&format!(": {s}"));
        source = s.source();
    }
    text
}
