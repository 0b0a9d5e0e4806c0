//! What the service knows, derived from the ledger.
//!
//! # Invariant
//!
//! The ledger is the system of record. [`State`] is a pure function of the ledger's entries
//! and the private data stored next to them (keyed by leaf hash): it is rebuilt by replaying
//! the log at start ([`State::replay`]), and the writer applies each entry with the same
//! [`State::apply`] as it logs it. Nothing here can disagree with the log after a crash.
//!
//! The exceptions are what never goes on the ledger and is stored on its own: replies to
//! tips (durable before they are acknowledged) and the registrar's key (configuration).

use std::collections::{BTreeMap, HashMap, HashSet};

use ed25519_dalek::VerifyingKey;
use probity_core::{
    parse_field_decimal, Capacity, Commitment, IdHash, OfficialId, Period, PublicInputs,
};
use probity_ledger::{
    ChallengeDetail, ChallengeId, Disclosure, Entry, EntryBody, ProofAccepted, SupervisorId,
    Timestamp, WhistleblowerKeysPublished, WithheldProof,
};
use serde::{Deserialize, Serialize};

use crate::api::{
    AlertDetail, AlertView, Band, ChallengeView, DisclosureView, FilingInfo, OfficialInfo,
    PolicyView, ProofInfo, SupervisorInfo, TipReply,
};

/// Rule: at least K distinct reporters on one official in one epoch of the window. Its
/// alerts wait for the end of the tip pool (the state's `alerts_due`), and an `Alert` entry
/// of this rule settles the oldest one due. [`rules`](crate::rules) lists every rule.
pub const MANY_REPORTERS: &str = "many_reporters";

/// Who signed a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Principal {
    /// The registrar.
    Registrar,
    /// A registered official.
    Official(OfficialId),
    /// A registered supervisor.
    Supervisor(SupervisorId),
}

/// What an entry keeps off the public ledger, stored privately under its leaf hash.
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub(crate) enum Private {
    /// What an `asset_included` proof withholds: its `id_hash`, `min_value` and proof.
    Proof(Disclosure<WithheldProof>),
    /// What a challenge asks.
    Challenge(Disclosure<ChallengeDetail>),
    /// A tip: its subject, the sealed body (base64) and the hash of its receipt code, and
    /// the `many_reporters` alert it raised, if any: logged later, after the whole tip pool
    /// ([`State::alerts_due`]).
    Tip {
        subject: String,
        sealed: String,
        receipt: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        raises: Option<AlertDetail>,
    },
    /// A tip's outcome.
    TipOutcome(Disclosure<String>),
    /// An alert's details.
    Alert(Disclosure<AlertDetail>),
}

/// A filed declaration.
#[derive(Clone, Debug)]
pub(crate) struct Filing {
    pub(crate) period: Period,
    pub(crate) capacity: Capacity,
    pub(crate) commitment: Commitment,
    pub(crate) entry: u64,
    pub(crate) time: Timestamp,
}

/// A challenge and where it stands.
#[derive(Clone, Debug)]
pub(crate) struct Challenge {
    pub(crate) supervisor: SupervisorId,
    pub(crate) official: OfficialId,
    pub(crate) period: Period,
    pub(crate) deadline: Timestamp,
    pub(crate) detail: Option<ChallengeDetail>,
    pub(crate) entry: u64,
    pub(crate) answer: Option<u64>,
    pub(crate) expired: bool,
}

/// A tip and where it stands. No `Debug`: its subject, seal and replies are the
/// whistleblower's.
#[derive(Clone)]
pub(crate) struct Tip {
    pub(crate) subject: String,
    pub(crate) epoch: u64,
    pub(crate) sealed: String,
    pub(crate) closed: bool,
    pub(crate) replies: Vec<TipReply>,
}

/// Who is registered: the part of the state that every signed request and every tip reads.
///
/// The state holds it behind an `Arc` and changes it copy-on-write, so the writer can hand
/// readers a snapshot ([`Shared::directory`](crate::shared::Shared)) that they read without
/// waiting for the state's lock, which the writer holds through its flushes.
#[derive(Clone, Default)]
pub(crate) struct Directory {
    pub(crate) registrar: Option<VerifyingKey>,
    keys: HashMap<[u8; 32], Principal>,
    pub(crate) officials: BTreeMap<OfficialId, OfficialInfo>,
}

impl Directory {
    /// The role of a signing key, if it is registered.
    pub(crate) fn principal(&self, key: &VerifyingKey) -> Option<&Principal> {
        self.keys.get(key.as_bytes())
    }
}

/// Everything derived from the ledger.
#[derive(Default)]
pub(crate) struct State {
    /// Entries applied: the index the next entry gets.
    pub(crate) size: u64,
    pub(crate) directory: std::sync::Arc<Directory>,
    pub(crate) supervisors: BTreeMap<SupervisorId, SupervisorInfo>,
    /// Filings per official, in log order (amendments included).
    pub(crate) filings: BTreeMap<OfficialId, Vec<Filing>>,
    pub(crate) proofs: BTreeMap<OfficialId, Vec<ProofInfo>>,
    /// The public bounds `[lo, hi]` (minor units) of each official's latest accepted
    /// `net_worth_range` proof, in log order, read from its entry's public inputs as it is
    /// applied. The register's statistics count officials per band from it: reading each
    /// official's latest proof from the log on every visit would be one read per official.
    pub(crate) net_worth_bands: BTreeMap<OfficialId, (i64, i64)>,
    /// The same per period: the bounds of the latest accepted `net_worth_range` proof of
    /// each (official, period), for the `band_jump` rule.
    pub(crate) bands_by_period: HashMap<OfficialId, BTreeMap<Period, Band>>,
    pub(crate) deadlines: BTreeMap<Period, Timestamp>,
    /// Every published policy, in log order.
    pub(crate) policies: Vec<PolicyView>,
    pub(crate) challenges: BTreeMap<ChallengeId, Challenge>,
    /// Every (official, asset) challenged so far, by hand or by a registry import, whatever
    /// became of the challenge: a registry import issues no second challenge on one.
    pub(crate) challenged: HashSet<(OfficialId, IdHash)>,
    pub(crate) tips: BTreeMap<u64, Tip>,
    /// Receipt-code hash (hex) → the tip's entry.
    pub(crate) tip_receipts: HashMap<String, u64>,
    /// Distinct reporter tags per subject and epoch.
    pub(crate) reporters: HashMap<String, BTreeMap<u64, HashSet<[u8; 32]>>>,
    pub(crate) alerts: Vec<AlertView>,
    /// `many_reporters` alerts raised by logged tips but not logged yet, oldest first. A tip
    /// that raises one records it in its private data, and the alert is logged after the
    /// whole tip pool ([`crate::tip_pool`]); an `Alert` entry of the rule settles the oldest
    /// one of its official. Derived from the ledger, so a crash between a pool and its alerts
    /// leaves them due, and the next pool logs them.
    pub(crate) alerts_due: Vec<AlertDetail>,
    /// (rule, official, period, challenge) already alerted: time-based rules fire once.
    pub(crate) alerted: HashSet<(String, OfficialId, Option<Period>, Option<ChallengeId>)>,
    pub(crate) disclosures: Vec<DisclosureView>,
    /// The last `WhistleblowerKeysPublished`: keys and expiry schedule.
    pub(crate) whistleblower_keys: Option<WhistleblowerKeysPublished>,
    pub(crate) params_published: Option<probity_core::ParamsManifest>,
}

/// The public inputs of an accepted proof, if none is withheld and all read.
pub(crate) fn proof_public_inputs(p: &ProofAccepted) -> Option<PublicInputs> {
    let inputs = p
        .public_inputs
        .iter()
        .map(|x| x.as_deref().map(parse_field_decimal)?.ok())
        .collect::<Option<Vec<_>>>()?;
    PublicInputs::from_public_inputs(p.statement, &inputs).ok()
}

fn disclosure_view<T: Serialize>(entry: u64, d: &Disclosure<T>) -> DisclosureView {
    DisclosureView {
        entry,
        salt: hex::encode(d.salt),
        detail: serde_json::to_value(&d.detail).unwrap_or(serde_json::Value::Null),
    }
}

impl State {
    /// An empty state with the registrar's key.
    pub(crate) fn new(registrar: Option<VerifyingKey>) -> Self {
        let mut state = Self::default();
        state.set_registrar(registrar);
        state
    }

    pub(crate) fn set_registrar(&mut self, registrar: Option<VerifyingKey>) {
        let directory = std::sync::Arc::make_mut(&mut self.directory);
        if let Some(old) = directory.registrar.take() {
            directory.keys.remove(old.as_bytes());
        }
        if let Some(key) = registrar {
            directory.keys.insert(key.to_bytes(), Principal::Registrar);
        }
        directory.registrar = registrar;
    }

    /// The role of a signing key, if it is registered.
    pub(crate) fn principal(&self, key: &VerifyingKey) -> Option<&Principal> {
        self.directory.principal(key)
    }

    /// The registered officials.
    pub(crate) fn officials(&self) -> &BTreeMap<OfficialId, OfficialInfo> {
        &self.directory.officials
    }

    /// The latest filing of an official for a period.
    pub(crate) fn filing(&self, official: &OfficialId, period: Period) -> Option<&Filing> {
        self.filings
            .get(official)?
            .iter()
            .rev()
            .find(|f| f.period == period)
    }

    /// The latest period before `period` the official filed for.
    pub(crate) fn previous_period(&self, official: &OfficialId, period: Period) -> Option<Period> {
        self.filings
            .get(official)?
            .iter()
            .map(|f| f.period)
            .filter(|p| *p < period)
            .max()
    }

    /// The public net-worth band the official's latest accepted proof for `period` shows.
    pub(crate) fn band(&self, official: &OfficialId, period: Period) -> Option<Band> {
        self.bands_by_period.get(official)?.get(&period).copied()
    }

    /// The latest period the official filed for.
    pub(crate) fn latest_period(&self, official: &OfficialId) -> Option<Period> {
        self.filings.get(official)?.iter().map(|f| f.period).max()
    }

    /// Distinct reporters on `subject` in epochs `from..=to`: the most distinct tags in any
    /// one of those epochs. A reporter's tag is per subject *and epoch*, so tags of different
    /// epochs cannot be matched: adding them up would count one reporter once per epoch, and
    /// let one person raise the alert alone by waiting.
    pub(crate) fn distinct_reporters(&self, subject: &str, from: u64, to: u64) -> usize {
        self.reporters.get(subject).map_or(0, |epochs| {
            epochs
                .range(from..=to)
                .map(|(_, tags)| tags.len())
                .max()
                .unwrap_or(0)
        })
    }

    pub(crate) fn challenge_view(&self, id: &ChallengeId, c: &Challenge) -> ChallengeView {
        ChallengeView {
            challenge: *id,
            supervisor: c.supervisor.clone(),
            official: c.official.clone(),
            period: c.period,
            deadline: c.deadline.as_millis(),
            id_hash: c
                .detail
                .as_ref()
                .map(|d| d.id_hash.to_string())
                .unwrap_or_default(),
            min_value: c.detail.as_ref().map_or(0, |d| d.min_value.0),
            registry: c.detail.as_ref().and_then(|d| d.registry.clone()),
            status: if c.answer.is_some() {
                "answered"
            } else if c.expired {
                "expired"
            } else {
                "open"
            }
            .into(),
            entry: c.entry,
            answer: c.answer,
        }
    }

    /// Applies entry `index` (the next one) with its private data.
    pub(crate) fn apply(&mut self, index: u64, entry: &Entry, private: Option<&Private>) {
        debug_assert_eq!(index, self.size, "entries are applied in log order");
        self.size = index + 1;
        let time = entry.time;
        match &entry.body {
            EntryBody::OfficialRegistered(r) => {
                let directory = std::sync::Arc::make_mut(&mut self.directory);
                if let Some(old) = directory.officials.get(&r.official) {
                    if let Ok(old_key) = probity_ledger::PublicKey::from_hex(&old.public_key) {
                        directory.keys.remove(old_key.0.as_bytes());
                    }
                }
                directory.keys.insert(
                    r.public_key.0.to_bytes(),
                    Principal::Official(r.official.clone()),
                );
                directory.officials.insert(
                    r.official.clone(),
                    OfficialInfo {
                        official: r.official.clone(),
                        name: r.name.clone(),
                        position: r.position.clone(),
                        jurisdiction: r.jurisdiction.clone(),
                        public_key: r.public_key.to_hex(),
                        entry: index,
                    },
                );
            }
            EntryBody::SupervisorRegistered(r) => {
                let keys = &mut std::sync::Arc::make_mut(&mut self.directory).keys;
                if let Some(old) = self.supervisors.get(&r.supervisor) {
                    if let Ok(old_key) = probity_ledger::PublicKey::from_hex(&old.public_key) {
                        keys.remove(old_key.0.as_bytes());
                    }
                }
                keys.insert(
                    r.public_key.0.to_bytes(),
                    Principal::Supervisor(r.supervisor.clone()),
                );
                self.supervisors.insert(
                    r.supervisor.clone(),
                    SupervisorInfo {
                        supervisor: r.supervisor.clone(),
                        public_key: r.public_key.to_hex(),
                        entry: index,
                    },
                );
            }
            EntryBody::ParamsPublished(p) => self.params_published = Some(p.manifest.clone()),
            EntryBody::WhistleblowerKeysPublished(k) => {
                self.whistleblower_keys = Some(k.clone());
            }
            EntryBody::PolicyPublished(p) => self.policies.push(PolicyView {
                entry: index,
                policy: p.clone(),
            }),
            EntryBody::DeadlineSet(d) => {
                self.deadlines.insert(d.period, d.deadline);
            }
            EntryBody::DeclarationFiled(d) => {
                self.filings
                    .entry(d.official.clone())
                    .or_default()
                    .push(Filing {
                        period: d.period,
                        capacity: d.capacity,
                        commitment: d.commitment,
                        entry: index,
                        time,
                    });
            }
            EntryBody::ProofAccepted(p) => {
                self.proofs
                    .entry(p.official.clone())
                    .or_default()
                    .push(ProofInfo {
                        statement: p.statement,
                        periods: p.periods.clone(),
                        entry: index,
                    });
                if let Some(PublicInputs::NetWorthRange(x)) = proof_public_inputs(p) {
                    self.net_worth_bands
                        .insert(p.official.clone(), (x.lo.0, x.hi.0));
                    self.bands_by_period
                        .entry(p.official.clone())
                        .or_default()
                        .insert(
                            x.period,
                            Band {
                                lo: x.lo.0,
                                hi: x.hi.0,
                            },
                        );
                }
                if let Some(Private::Proof(d)) = private {
                    self.disclosures.push(disclosure_view(index, d));
                }
            }
            EntryBody::ChallengeIssued(c) => {
                let detail = match private {
                    Some(Private::Challenge(d)) => {
                        self.disclosures.push(disclosure_view(index, d));
                        self.challenged
                            .insert((c.official.clone(), d.detail.id_hash));
                        Some(d.detail.clone())
                    }
                    _ => None,
                };
                self.challenges.insert(
                    c.challenge,
                    Challenge {
                        supervisor: c.supervisor.clone(),
                        official: c.official.clone(),
                        period: c.period,
                        deadline: c.deadline,
                        detail,
                        entry: index,
                        answer: None,
                        expired: false,
                    },
                );
            }
            EntryBody::ChallengeAnswered(a) => {
                if let Some(c) = self.challenges.get_mut(&a.challenge) {
                    c.answer = Some(a.proof_entry.get());
                }
            }
            EntryBody::ChallengeExpired(e) => {
                if let Some(c) = self.challenges.get_mut(&e.challenge) {
                    c.expired = true;
                }
            }
            EntryBody::TipReceived(t) => {
                if let Some(Private::Tip {
                    subject,
                    sealed,
                    receipt,
                    raises,
                }) = private
                {
                    self.alerts_due.extend(raises.clone());
                    self.tips.insert(
                        index,
                        Tip {
                            subject: subject.clone(),
                            epoch: t.epoch,
                            sealed: sealed.clone(),
                            closed: false,
                            replies: Vec::new(),
                        },
                    );
                    self.tip_receipts.insert(receipt.clone(), index);
                    self.reporters
                        .entry(subject.clone())
                        .or_default()
                        .entry(t.epoch)
                        .or_default()
                        .insert(t.tag.0);
                }
            }
            EntryBody::TipClosed(c) => {
                if let Some(t) = self.tips.get_mut(&c.tip_entry.get()) {
                    t.closed = true;
                }
                if let Some(Private::TipOutcome(d)) = private {
                    self.disclosures.push(disclosure_view(index, d));
                }
            }
            EntryBody::Alert(a) => {
                if let Some(Private::Alert(d)) = private {
                    if a.rule.as_str() == MANY_REPORTERS {
                        if let Some(due) = self
                            .alerts_due
                            .iter()
                            .position(|due| due.official == d.detail.official)
                        {
                            self.alerts_due.remove(due);
                        }
                    }
                    self.alerted.insert((
                        a.rule.as_str().to_owned(),
                        d.detail.official.clone(),
                        d.detail.period,
                        d.detail.challenge,
                    ));
                    self.disclosures.push(disclosure_view(index, d));
                    self.alerts.push(AlertView {
                        entry: index,
                        rule: a.rule.as_str().to_owned(),
                        time: time.as_millis(),
                        detail: d.detail.clone(),
                    });
                }
            }
            _ => {}
        }
    }

    /// Whether a filing of `official` at `time` for `period` came after the period's deadline.
    pub(crate) fn late(&self, period: Period, time: Timestamp) -> Option<bool> {
        self.deadline(period).map(|d| time > d)
    }

    /// The filing deadline of `period`: the registrar's `DeadlineSet` for it, or else the
    /// one the policy in force for it sets.
    pub(crate) fn deadline(&self, period: Period) -> Option<Timestamp> {
        self.deadlines
            .get(&period)
            .copied()
            .or_else(|| crate::api::policy_for(&self.policies, period)?.deadline_for(period))
    }

    /// Every period begun by `now` that has a deadline, with it: those the registrar set,
    /// and those the policies set (each for the periods it is in force for, of its kind).
    pub(crate) fn deadlines_until(&self, now: Timestamp) -> BTreeMap<Period, Timestamp> {
        let mut all = self.deadlines.clone();
        let begun = |p: Period| {
            u64::try_from(p.start_day())
                .ok()
                .and_then(|d| d.checked_mul(86_400_000))
                .is_some_and(|start| start <= now.as_millis())
        };
        for view in &self.policies {
            let policy = &view.policy;
            if policy.filing_deadline_days.is_none() {
                continue;
            }
            let mut period = Some(policy.applies_from);
            while let Some(p) = period.filter(|&p| begun(p)) {
                // A later version in force from here on sets its own (or none).
                if crate::api::policy_for(&self.policies, p) != Some(policy) {
                    break;
                }
                if let Some(deadline) = policy.deadline_for(p) {
                    all.entry(p).or_insert(deadline);
                }
                period = p.next();
            }
        }
        all
    }

    /// An official's public record.
    pub(crate) fn filing_infos(&self, official: &OfficialId) -> Vec<FilingInfo> {
        self.filings
            .get(official)
            .map(|fs| {
                fs.iter()
                    .map(|f| FilingInfo {
                        period: f.period,
                        capacity: f.capacity,
                        commitment: f.commitment,
                        entry: f.entry,
                        time: f.time.as_millis(),
                        late: self.late(f.period, f.time),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reporters_are_counted_within_one_epoch() {
        let mut state = State::new(None);
        let epochs = state.reporters.entry("GOV-0001".into()).or_default();
        epochs.entry(10).or_default().extend([[1u8; 32], [2; 32]]);
        // One reporter tipping in three epochs has three tags, one per epoch.
        for (epoch, tag) in [(11, [3u8; 32]), (12, [4; 32]), (13, [5; 32])] {
            epochs.entry(epoch).or_default().insert(tag);
        }
        assert_eq!(state.distinct_reporters("GOV-0001", 10, 13), 2);
        assert_eq!(state.distinct_reporters("GOV-0001", 11, 13), 1);
        assert_eq!(state.distinct_reporters("GOV-0001", 14, 20), 0);
        assert_eq!(state.distinct_reporters("GOV-0002", 10, 13), 0);
    }
}
