//! The wire types of the `/v1` API, shared by the service and its clients. Each derives its
//! OpenAPI schema (`/v1/openapi.json`); types from the other crates appear as their JSON
//! forms (`value_type`).

use probity_core::{Capacity, Commitment, OfficialId, Period, ProofEnvelope, StatementKind};
use probity_ledger::{
    ChallengeId, DeclarationFiled, NetWorthBand, PolicyPublished, Receipt, RegistryName,
    SupervisorId,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `Debug` that names the type and nothing else, for wire types that carry investigative
/// details, enrollment codes, receipt codes or whistleblowers' words: none of them may reach a
/// log through `{:?}`.
macro_rules! redacted_debug {
    ($($name:ident),* $(,)?) => {
        $(
            impl std::fmt::Debug for $name {
                fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.debug_struct(stringify!($name)).finish_non_exhaustive()
                }
            }
        )*
    };
}

redacted_debug!(
    EnrollmentCodes,
    Enroll,
    Enrolled,
    SubmitTip,
    TipAccepted,
    TipStatusQuery,
    TipStatus,
    TipReply,
    SealedTipView,
    ReplyToTip,
    IssueChallenge,
    IssueChallenges,
    RegistryChallenge,
    ChallengesIssued,
    ChallengeView,
    AlertDetail,
    AlertView,
    RiskView,
    RiskReason,
    DisclosureView,
);

/// What anyone may read about the service: its log, its keys, its policy.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceInfo {
    /// The log's origin (the first line of its checkpoints).
    pub origin: String,
    /// The log's verifier key (C2SP signed-note `vkey`), for checking checkpoints.
    pub log_key: String,
    /// The current tip epoch.
    pub epoch: u64,
    /// Length of an epoch, in seconds.
    pub epoch_seconds: u64,
    /// The expiry a credential issued now carries (the public schedule).
    pub credential_expiry: u64,
    /// The credential issuer's public parameters, hex.
    pub issuer_params: String,
    /// The supervisors' tip key (HPKE X25519), hex.
    pub tip_key: String,
    /// The jurisdictions of registered officials: the scopes of whistleblower credentials.
    pub scopes: Vec<String>,
    /// What a filing must prove.
    pub policy: FilingPolicy,
    /// How the service's Groth16 keys were made (the params manifest's `setup`): under `dev`
    /// keys, whoever made them can forge proofs.
    pub keys: KeySetup,
    /// The alert rules, with what fires each.
    pub rules: Vec<RuleInfo>,
}

/// An alert rule, as the service runs it.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleInfo {
    /// Its name, as `Alert` entries carry it.
    pub name: String,
    /// What fires it.
    pub fires_when: String,
    /// What one of its alerts adds to an official's total in the risk view.
    pub weight: u32,
    /// The settings it reads, with their values here.
    pub settings: Vec<RuleSetting>,
}

/// A setting of a rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleSetting {
    /// The setting, as the service's config names it.
    pub name: String,
    /// Its value.
    pub value: u64,
}

/// Supervisor: one official's open alerts, for the risk view: the total of their weights,
/// and every alert that makes it up, so that the ranking is explained, never a bare score.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RiskView {
    /// The official.
    #[schema(value_type = String)]
    pub official: OfficialId,
    /// Their name.
    pub name: String,
    /// Their position.
    pub position: String,
    /// Their jurisdiction.
    pub jurisdiction: String,
    /// The sum of the weights of `alerts`.
    pub weight: u32,
    /// The open alerts, heaviest first.
    pub alerts: Vec<RiskReason>,
}

/// One alert counted in a [`RiskView`].
#[derive(Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RiskReason {
    /// The rule.
    pub rule: String,
    /// Its weight.
    pub weight: u32,
    /// The `Alert` entry.
    pub entry: u64,
    /// What it is about.
    pub detail: AlertDetail,
}

/// How a set of Groth16 keys was made (DESIGN.md §6), as the params manifest's `setup` names
/// it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum KeySetup {
    /// On one machine with its own randomness (`probity setup --dev`, or `probity serve
    /// --dev` on first start): whoever made them can forge proofs. For development and tests
    /// only.
    Dev,
    /// By a multi-party ceremony: a proof can be forged only if every contributor colluded.
    Ceremony,
}

impl KeySetup {
    /// The manifest's word for it: `dev` or `ceremony`.
    pub const fn as_str(self) -> &'static str {
        match self {
            KeySetup::Dev => "dev",
            KeySetup::Ceremony => "ceremony",
        }
    }

    /// The setup a params manifest's `setup` names; `None` for a word this build does not
    /// know.
    pub fn from_manifest(setup: &str) -> Option<KeySetup> {
        [KeySetup::Dev, KeySetup::Ceremony]
            .into_iter()
            .find(|k| k.as_str() == setup)
    }
}

impl std::fmt::Display for KeySetup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The filing policy: which statements a filing carries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FilingPolicy {
    /// The public net-worth bands, in minor units: a filing proves `net_worth_range` for the
    /// band its net worth falls in, and no other bounds are accepted.
    pub net_worth_bands: Vec<Band>,
    /// Growth allowed beyond income in `wealth_growth`, in minor units.
    pub wealth_growth_tolerance: u64,
    /// The capacities the service has keys for.
    pub capacities: Vec<usize>,
}

/// A closed band `[lo, hi]` of net worth, in minor units.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Band {
    /// Lower bound.
    pub lo: i64,
    /// Upper bound.
    pub hi: i64,
}

impl From<NetWorthBand> for Band {
    fn from(b: NetWorthBand) -> Band {
        Band { lo: b.lo, hi: b.hi }
    }
}

impl FilingPolicy {
    /// This policy as `published` changes it for `period`: the bands and tolerance of the
    /// supervision policy in force for it, where that sets them.
    pub fn for_period(&self, published: &[PolicyView], period: Period) -> FilingPolicy {
        let mut policy = self.clone();
        if let Some(p) = policy_for(published, period) {
            if let Some(bands) = &p.net_worth_bands {
                policy.net_worth_bands = bands.iter().map(|&b| b.into()).collect();
            }
            if let Some(t) = p.wealth_growth_tolerance {
                policy.wealth_growth_tolerance = t.0;
            }
        }
        policy
    }

    /// The band holding `net_worth`, if any.
    pub fn band_for(&self, net_worth: i128) -> Option<Band> {
        self.net_worth_bands
            .iter()
            .copied()
            .find(|b| i128::from(b.lo) <= net_worth && net_worth <= i128::from(b.hi))
    }
}

/// A registered official, as the public sees them.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfficialInfo {
    /// The official's identifier.
    #[schema(value_type = String)]
    pub official: OfficialId,
    /// Name.
    pub name: String,
    /// Position.
    pub position: String,
    /// Jurisdiction.
    pub jurisdiction: String,
    /// Ed25519 public key, hex.
    pub public_key: String,
    /// The `OfficialRegistered` entry.
    pub entry: u64,
}

/// A registered supervisor.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SupervisorInfo {
    /// The supervisor's identifier.
    #[schema(value_type = String)]
    pub supervisor: SupervisorId,
    /// Ed25519 public key, hex.
    pub public_key: String,
    /// The `SupervisorRegistered` entry.
    pub entry: u64,
}

/// One filing: who filed for which period, when, and the commitment. Never an amount.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FilingInfo {
    /// The period.
    #[schema(value_type = u32)]
    pub period: Period,
    /// The capacity.
    #[schema(value_type = usize)]
    pub capacity: Capacity,
    /// The commitment (decimal).
    #[schema(value_type = String)]
    pub commitment: Commitment,
    /// The `DeclarationFiled` entry.
    pub entry: u64,
    /// When it was logged (ms since the epoch).
    pub time: u64,
    /// Whether it came after the period's deadline (absent when no deadline was set).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub late: Option<bool>,
}

/// An accepted proof.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProofInfo {
    /// The statement.
    #[schema(value_type = String)]
    pub statement: StatementKind,
    /// The period(s).
    #[schema(value_type = Vec<u32>)]
    pub periods: Vec<Period>,
    /// The `ProofAccepted` entry.
    pub entry: u64,
}

/// An official's public record.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfficialRecord {
    /// The official.
    pub official: OfficialInfo,
    /// Every filing, oldest first (amendments included).
    pub filings: Vec<FilingInfo>,
    /// Every accepted proof, oldest first.
    pub proofs: Vec<ProofInfo>,
}

/// A page of log entries, canonical JSON text each.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EntriesPage {
    /// The index of the first entry.
    pub start: u64,
    /// The entries.
    pub entries: Vec<String>,
}

/// What every acknowledged write returns: one receipt per entry it logged, each against a
/// signed checkpoint that includes it.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Written {
    /// The receipts, in log order.
    #[schema(value_type = Vec<Object>)]
    pub receipts: Vec<Receipt>,
}

// The request schemas below state every rule the service checks on a field's text (the
// patterns of ids, jurisdictions, hex, base64 and codes), so that a body the schema accepts
// is not refused as malformed (400); rules that need state (who is registered, which epoch
// it is) or a curve (keys, proofs) are left to the service.

/// Registrar: register an official.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterOfficial {
    /// The identifier (1 to 64 characters of A-Z a-z 0-9 . _ -).
    #[schema(value_type = String, pattern = "^[A-Za-z0-9._-]{1,64}$")]
    pub official: OfficialId,
    /// Name (1 to 256 bytes of text, not only white space, without control characters).
    #[schema(
        min_length = 1,
        max_length = 256,
        pattern = "^[^\\x00-\\x1f\\x7f-\\x9f]*[^\\x00-\\x20\\x7f-\\x9f][^\\x00-\\x1f\\x7f-\\x9f]*$"
    )]
    pub name: String,
    /// Position (1 to 256 bytes of text, not only white space, without control characters).
    #[schema(
        min_length = 1,
        max_length = 256,
        pattern = "^[^\\x00-\\x1f\\x7f-\\x9f]*[^\\x00-\\x20\\x7f-\\x9f][^\\x00-\\x1f\\x7f-\\x9f]*$"
    )]
    pub position: String,
    /// Jurisdiction (1 to 64 characters of A-Z a-z 0-9 - . _ : /).
    #[schema(pattern = "^[A-Za-z0-9._:/-]{1,64}$")]
    pub jurisdiction: String,
    /// The official's Ed25519 public key, hex.
    #[schema(pattern = "^[0-9A-Fa-f]{64}$")]
    pub public_key: String,
}

/// Registrar: register a supervisor.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterSupervisor {
    /// The identifier (1 to 64 characters of A-Z a-z 0-9 . _ -).
    #[schema(value_type = String, pattern = "^[A-Za-z0-9._-]{1,64}$")]
    pub supervisor: SupervisorId,
    /// The supervisor's Ed25519 public key, hex.
    #[schema(pattern = "^[0-9A-Fa-f]{64}$")]
    pub public_key: String,
}

/// Registrar: make one-time enrollment codes.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueEnrollmentCodes {
    /// How many (1 to 1,000).
    #[schema(minimum = 1, maximum = 1000)]
    pub count: u64,
    /// The credentials' scope: a jurisdiction.
    #[schema(pattern = "^[A-Za-z0-9._:/-]{1,64}$")]
    pub scope: String,
}

/// The codes, shown once: the service keeps only their hashes.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnrollmentCodes {
    /// The codes.
    pub codes: Vec<String>,
    /// Their scope.
    pub scope: String,
    /// The receipt of the `EnrollmentCodesIssued` entry.
    #[schema(value_type = Vec<Object>)]
    pub receipts: Vec<Receipt>,
}

/// Registrar: set a period's filing deadline.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetDeadline {
    /// The period.
    #[schema(value_type = u32)]
    pub period: Period,
    /// The deadline, ms since the epoch.
    pub deadline: u64,
}

/// Registrar: publish the next version of the supervision policy. The service refuses a
/// `policy_version` that is not one more than the versions published (so a registrar never
/// publishes over a version they have not seen), and an `applies_from` that is not after
/// every period filed so far: a policy changes from the next period, never for one in
/// progress.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishPolicy {
    /// The policy, as it is to be logged.
    #[schema(value_type = Object)]
    pub policy: PolicyPublished,
}

/// A published policy, as `GET /v1/policies` lists it.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyView {
    /// The `PolicyPublished` entry.
    pub entry: u64,
    /// The policy.
    #[schema(value_type = Object)]
    pub policy: PolicyPublished,
}

/// The policy in force for `period` among `published` (in log order): the latest version
/// that holds for it ([`PolicyPublished::holds_for`]).
pub fn policy_for(published: &[PolicyView], period: Period) -> Option<&PolicyPublished> {
    published
        .iter()
        .map(|v| &v.policy)
        .filter(|p| p.holds_for(period))
        .max_by_key(|p| p.policy_version)
}

/// Official: file a declaration with the proofs the policy asks for.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FileDeclaration {
    /// The signed filing.
    #[schema(value_type = Object)]
    pub filing: DeclarationFiled,
    /// The proofs: `net_worth_range` for a public band, and `wealth_growth` from the
    /// previous filed period when there is one.
    #[schema(value_type = Vec<Object>)]
    pub proofs: Vec<ProofEnvelope>,
}

/// The filing was logged.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FilingAccepted {
    /// One receipt per entry logged (the filing, each proof, each alert).
    #[schema(value_type = Vec<Object>)]
    pub receipts: Vec<Receipt>,
    /// The rules the filing set off (e.g. `wealth_growth_missing`).
    pub alerts: Vec<String>,
}

/// Supervisor: ask an official to prove that an asset is declared.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueChallenge {
    /// The official.
    #[schema(value_type = String, pattern = "^[A-Za-z0-9._-]{1,64}$")]
    pub official: OfficialId,
    /// The period [default: the official's latest filed period].
    #[serde(default)]
    #[schema(value_type = Option<u32>)]
    pub period: Option<Period>,
    /// The asset's `id_hash` (decimal field element): clients hash the registry identifier.
    #[schema(pattern = "^[0-9]{1,78}$")]
    pub id_hash: String,
    /// The least declared value, minor units.
    pub min_value: u64,
    /// The deadline, ms since the epoch.
    pub deadline: u64,
}

/// Supervisor: challenges from a registry cross-check, issued together (at most
/// [`IssueChallenges::MAX`]), each on the official's latest filed period. A challenge on an
/// (official, `id_hash`) that was challenged before, by hand or by an import, is skipped:
/// importing the same register again issues nothing twice. Either every challenge the batch
/// issues is logged, or none is.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IssueChallenges {
    /// The register the records come from: kept in each challenge's supervisor-only details,
    /// and named by the alerts of its challenges.
    #[schema(value_type = String, pattern = "^[a-z][a-z0-9_-]{0,63}$")]
    pub registry: RegistryName,
    /// The deadline of every challenge, ms since the epoch.
    pub deadline: u64,
    /// The challenges.
    #[schema(min_items = 1, max_items = 1000)]
    pub challenges: Vec<RegistryChallenge>,
}

impl IssueChallenges {
    /// The most challenges one request may carry (about 120 bytes each on the wire).
    pub const MAX: usize = 1_000;
}

/// One registry record, as a challenge.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegistryChallenge {
    /// The official.
    #[schema(value_type = String, pattern = "^[A-Za-z0-9._-]{1,64}$")]
    pub official: OfficialId,
    /// The asset's `id_hash` (decimal field element).
    #[schema(pattern = "^[0-9]{1,78}$")]
    pub id_hash: String,
    /// The least declared value, minor units.
    pub min_value: u64,
    /// When the register recorded the asset (`YYYY-MM-DD`), if it says. A record made
    /// after the official's latest filed period ended is not challenged on that period: the
    /// declaration could not have held it ([`SkipReason::RecordedAfterPeriod`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    pub recorded_on: Option<String>,
}

/// What a batch of registry challenges did, by the position of each in the request.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChallengesIssued {
    /// The challenges logged.
    pub issued: Vec<BatchIssued>,
    /// The challenges not issued, each with why.
    pub skipped: Vec<BatchSkipped>,
    /// One receipt per `ChallengeIssued` entry, in the order of `issued`.
    #[schema(value_type = Vec<Object>)]
    pub receipts: Vec<Receipt>,
}

/// A challenge of a batch that was logged.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchIssued {
    /// Its position in the request, from 0.
    pub index: usize,
    /// The challenge, hex.
    #[schema(value_type = String)]
    pub challenge: ChallengeId,
    /// The period it is about: the official's latest filed one.
    #[schema(value_type = u32)]
    pub period: Period,
}

/// A challenge of a batch that was not issued.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchSkipped {
    /// Its position in the request, from 0.
    pub index: usize,
    /// Why.
    pub reason: SkipReason,
}

/// Why a registry challenge was not issued.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// The (official, asset) was challenged before.
    AlreadyChallenged,
    /// No official of that id is registered.
    UnknownOfficial,
    /// The official has not filed yet: there is no declaration to challenge.
    NotFiled,
    /// The register recorded the asset after the official's latest filed period ended: it
    /// is challenged by an import after a later period is filed.
    RecordedAfterPeriod,
}

/// A challenge with its details (for the supervisors and the official it asks).
#[derive(Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChallengeView {
    /// The challenge, hex.
    #[schema(value_type = String)]
    pub challenge: ChallengeId,
    /// Who asked.
    #[schema(value_type = String)]
    pub supervisor: SupervisorId,
    /// Who must answer.
    #[schema(value_type = String)]
    pub official: OfficialId,
    /// The period.
    #[schema(value_type = u32)]
    pub period: Period,
    /// Deadline, ms since the epoch.
    pub deadline: u64,
    /// The asset's `id_hash`.
    pub id_hash: String,
    /// The least value.
    pub min_value: u64,
    /// The register the asset was found in, for a challenge a registry import issued:
    /// supervisors only (the official it asks is not told which register).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub registry: Option<RegistryName>,
    /// `open`, `answered` or `expired`.
    pub status: String,
    /// The `ChallengeIssued` entry.
    pub entry: u64,
    /// The answering `ProofAccepted` entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<u64>,
}

/// Official: answer a challenge.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerChallenge {
    /// The `asset_included` proof.
    #[schema(value_type = Object)]
    pub proof: ProofEnvelope,
}

/// Whistleblower: an issuance request.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Enroll {
    /// `issuance::Request::to_bytes`, hex.
    #[schema(pattern = "^([0-9A-Fa-f]{2})+$")]
    pub request: String,
}

/// The issuer's answer.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Enrolled {
    /// `issuance::Response::to_bytes`, hex.
    pub response: String,
}

/// Whistleblower: a sealed tip with its credential presentation.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitTip {
    /// The official the tip is about (their registered id, byte for byte).
    #[schema(pattern = "^[A-Za-z0-9._-]{1,64}$")]
    pub subject: String,
    /// The epoch (must be the current one).
    pub epoch: u64,
    /// `SealedTip::to_bytes`, base64 (standard, padded).
    #[schema(
        pattern = "^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$",
        min_length = 4
    )]
    pub sealed: String,
    /// `Presentation::to_bytes`, hex.
    #[schema(pattern = "^([0-9A-Fa-f]{2})+$")]
    pub presentation: String,
}

/// The tip was accepted: it is durable, and on the ledger or in the tip pool.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TipAccepted {
    /// The receipt code for status and replies: keep it secret, it is shown once.
    pub receipt_code: String,
    /// The receipt of the `TipReceived` entry, when the service logs tips at once. A service
    /// that pools tips (to hide when each arrived) gives it in the tip's status once the
    /// pool is logged.
    #[schema(value_type = Option<Object>)]
    pub receipt: Option<Receipt>,
    /// When the tip pool is logged, at the latest, when the tip waits in it (POSIX
    /// milliseconds): ask for the status after that, plus a sweep interval.
    pub pooled_until: Option<u64>,
}

/// Whistleblower: ask about a tip.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TipStatusQuery {
    /// The receipt code: 32 symbols of Crockford's base32 (case and `-` or space between
    /// them do not matter).
    #[schema(pattern = "^[ -]*([0-9A-HJ-NP-TV-Za-hj-np-tv-zILOilo][ -]*){32}$")]
    pub receipt_code: String,
}

/// A tip's status and the supervisors' replies.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TipStatus {
    /// `pooled` (accepted, waiting for the tip pool to be logged), `open` or `closed`.
    pub status: String,
    /// The `TipReceived` entry, once logged.
    pub entry: Option<u64>,
    /// Its receipt against the latest checkpoint, once logged.
    #[schema(value_type = Option<Object>)]
    pub receipt: Option<Receipt>,
    /// Replies, oldest first.
    pub replies: Vec<TipReply>,
}

/// A supervisor's reply to a tip.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TipReply {
    /// The day it was written (UTC, `YYYY-MM-DD`).
    pub day: String,
    /// The text.
    pub message: String,
}

/// A sealed tip as supervisors receive it.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SealedTipView {
    /// The `TipReceived` entry.
    pub entry: u64,
    /// The official it is about.
    pub subject: String,
    /// The epoch.
    pub epoch: u64,
    /// The sealed tip, base64: open it with the supervisors' tip key.
    pub sealed: String,
    /// `open` or `closed`.
    pub status: String,
    /// Replies so far.
    pub replies: Vec<TipReply>,
}

/// Supervisor: reply to a tip, and optionally close it.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplyToTip {
    /// The reply the whistleblower will read (1 to 4,096 bytes of text, not only white
    /// space; no control characters but line feeds). The operator can read it too: put
    /// nothing confidential in it.
    #[schema(
        min_length = 1,
        max_length = 4096,
        pattern = "^[^\\x00-\\x09\\x0b-\\x1f\\x7f-\\x9f]*[^\\x00-\\x20\\x7f-\\x9f][^\\x00-\\x09\\x0b-\\x1f\\x7f-\\x9f]*$"
    )]
    pub message: String,
    /// Close the tip (logs `TipClosed`).
    #[serde(default)]
    pub close: bool,
}

/// What an alert is about (supervisors only).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AlertDetail {
    /// The official.
    #[schema(value_type = String)]
    pub official: OfficialId,
    /// The period, where one applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<u32>)]
    pub period: Option<Period>,
    /// The challenge, where one applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub challenge: Option<ChallengeId>,
    /// The register whose record the alert is about, so that it reaches the department that
    /// owns the register (a registry challenge's expiry).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub registry: Option<RegistryName>,
    /// What happened.
    pub message: String,
}

/// An alert with its details.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AlertView {
    /// The `Alert` entry.
    pub entry: u64,
    /// The rule.
    pub rule: String,
    /// When it was logged (ms since the epoch).
    pub time: u64,
    /// What it is about.
    pub detail: AlertDetail,
}

/// An investigative detail with its salt, for checking against a public digest.
#[derive(Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DisclosureView {
    /// The entry whose digest it opens.
    pub entry: u64,
    /// The salt, hex.
    pub salt: String,
    /// The detail, as its JSON: an object for a challenge or an alert, a decimal string for
    /// an `asset_included` proof's `id_hash`, a string for a tip's outcome.
    #[schema(value_type = Value)]
    pub detail: serde_json::Value,
}

/// The challenge was logged.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChallengeCreated {
    /// The challenge, hex.
    #[schema(value_type = String)]
    pub challenge: ChallengeId,
    /// The period it is about.
    #[schema(value_type = u32)]
    pub period: Period,
    /// The receipt of the `ChallengeIssued` entry.
    #[schema(value_type = Vec<Object>)]
    pub receipts: Vec<Receipt>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_filing_takes_the_bands_and_tolerance_of_the_policy_in_force_for_its_period() {
        let service = FilingPolicy {
            net_worth_bands: vec![Band { lo: 0, hi: 9 }, Band { lo: 10, hi: 99 }],
            wealth_growth_tolerance: 0,
            capacities: vec![16],
        };
        let period = |p| Period::new(p).expect("valid");
        let mut policy = PolicyPublished::with_requirements(1, period(2027), Vec::new());
        policy.net_worth_bands = Some(vec![NetWorthBand { lo: 0, hi: 99 }]);
        let mut later = PolicyPublished::with_requirements(2, period(2029), Vec::new());
        later.wealth_growth_tolerance = Some(probity_core::Amount(5));
        let published = [
            PolicyView { entry: 3, policy },
            PolicyView {
                entry: 9,
                policy: later,
            },
        ];
        assert_eq!(service.for_period(&published, period(2026)), service);
        let in_2027 = service.for_period(&published, period(2027));
        assert_eq!(in_2027.band_for(50), Some(Band { lo: 0, hi: 99 }));
        assert_eq!(in_2027.wealth_growth_tolerance, 0);
        assert_eq!(in_2027.capacities, service.capacities);
        // Version 2 sets the tolerance and leaves the bands to the service.
        let in_2030 = service.for_period(&published, period(2030));
        assert_eq!(in_2030.band_for(50), Some(Band { lo: 10, hi: 99 }));
        assert_eq!(in_2030.wealth_growth_tolerance, 5);
    }

    #[test]
    fn debug_keeps_tips_codes_and_details_out() {
        let tip = SubmitTip {
            subject: "GOV-0001".into(),
            epoch: 7,
            sealed: "c2VhbGVk".into(),
            presentation: "abcdef".into(),
        };
        let status = TipStatusQuery {
            receipt_code: "RCPT-SECRET".into(),
        };
        let reply = ReplyToTip {
            message: "we found the flat".into(),
            close: false,
        };
        let text = format!("{tip:?} {status:?} {reply:?}");
        for secret in ["GOV-0001", "c2VhbGVk", "abcdef", "RCPT-SECRET", "flat"] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        assert!(text.contains("SubmitTip"));
    }

    #[test]
    fn a_key_setup_reads_and_writes_the_manifest_word() {
        for keys in [KeySetup::Dev, KeySetup::Ceremony] {
            assert_eq!(KeySetup::from_manifest(keys.as_str()), Some(keys));
            assert_eq!(
                serde_json::to_string(&keys).expect("serializes"),
                format!("\"{keys}\"")
            );
        }
        assert_eq!(KeySetup::from_manifest("Dev"), None);
        assert_eq!(KeySetup::from_manifest(""), None);
    }
}
