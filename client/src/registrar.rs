//! The registrar's role: make the registrar key once, then register officials and
//! supervisors, hand out one-time enrollment codes for whistleblowers and set filing
//! deadlines. Every write is one ledger entry; its receipt is checked against the pinned log
//! key and kept in the data folder's `receipts/` ([`Connection::keep_receipts`]).
//!
//! Files in the data folder, besides the connection's:
//!
//! | file | holds |
//! |---|---|
//! | `registrar.key` | the registrar's Ed25519 secret key, hex, mode 0600 |
//! | `registrar.pub` | its public key, hex: a service on the same data folder reads it |

use std::path::{Path, PathBuf};

use ed25519_dalek::VerifyingKey;
use probity_ledger::{Receipt, SupervisorId};

use crate::{
    api,
    keys::{self, KeyError, KeyRole},
    Client, ClientError, Connection, ConnectionError, NewlyPinned,
};

/// The file holding the registrar's public key, in the data folder (the name the service
/// reads).
pub const REGISTRAR_PUBLIC_KEY_FILE: &str = "registrar.pub";

/// Why a registrar's operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RegistrarError {
    /// The registrar key cannot be made or read.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// `registrar.pub` cannot be written.
    #[error("cannot write {}", path.display())]
    WritePublicKey {
        /// The file.
        path: PathBuf,
        /// Why.
        source: probity_params::ParamsError,
    },
    /// The service refused the request, or could not be reached.
    #[error("{what}")]
    Request {
        /// What was asked (`cannot register GOV-0001`).
        what: String,
        /// Why it failed.
        source: ClientError,
    },
    /// The receipts of the write do not check out, or cannot be kept.
    #[error(transparent)]
    Connection(#[from] ConnectionError),
}

impl RegistrarError {
    /// Whether the service served something that does not check out.
    pub fn is_untrusted(&self) -> bool {
        matches!(self, Self::Connection(e) if e.is_untrusted())
    }
}

/// What [`Registrar::init`] made.
#[derive(Clone, Debug)]
pub struct RegistrarInit {
    /// The registrar's public key.
    pub public_key: VerifyingKey,
    /// The secret key's file (mode 0600).
    pub key_file: PathBuf,
    /// The public key's file, which a service on the same data folder reads.
    pub public_key_file: PathBuf,
}

/// A write the service logged: the entries of its receipts, which were checked and kept.
#[derive(Clone, Debug)]
pub struct Logged {
    /// The ledger indices of the receipts, in log order.
    pub entries: Vec<u64>,
    /// Set when this operation pinned the log key (first contact).
    pub newly_pinned: Option<NewlyPinned>,
}

/// One-time enrollment codes, as [`Registrar::enrollment_codes`] received them. The codes
/// are secrets shown once: they are left out of `Debug`.
#[derive(Clone)]
pub struct IssuedCodes {
    /// The codes: hand each to one person whose identity was checked; keep no copy.
    pub codes: Vec<String>,
    /// The jurisdiction the credentials may report on.
    pub scope: String,
    /// The write's entries.
    pub logged: Logged,
}

impl std::fmt::Debug for IssuedCodes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedCodes")
            .field("codes", &format_args!("[{} hidden]", self.codes.len()))
            .field("scope", &self.scope)
            .field("logged", &self.logged)
            .finish()
    }
}

/// The registrar of one service: a connection signing with the registrar key.
#[derive(Clone, Debug)]
pub struct Registrar {
    conn: Connection,
}

impl Registrar {
    /// Makes the registrar key in `data_dir` (once: refuses if there is one) and writes its
    /// public key to `registrar.pub`.
    pub fn init(data_dir: &Path) -> Result<RegistrarInit, RegistrarError> {
        let key = keys::make_key(data_dir, KeyRole::Registrar)?;
        let public_key = key.verifying_key();
        let public_key_file = data_dir.join(REGISTRAR_PUBLIC_KEY_FILE);
        let text = format!("{}\n", hex::encode(public_key.as_bytes()));
        probity_params::write_atomic(&public_key_file, text.as_bytes()).map_err(|source| {
            RegistrarError::WritePublicKey {
                path: public_key_file.clone(),
                source,
            }
        })?;
        Ok(RegistrarInit {
            public_key,
            key_file: KeyRole::Registrar.path(data_dir),
            public_key_file,
        })
    }

    /// The registrar of the service `client` talks to, signing with the key in `data_dir`,
    /// where the connection keeps its state too.
    pub fn open(client: &Client, data_dir: &Path) -> Result<Self, RegistrarError> {
        let key = keys::load_key(data_dir, KeyRole::Registrar)?;
        Ok(Self {
            conn: Connection::new(client.signed(key), data_dir),
        })
    }

    /// The connection.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// Registers an official (or gives a registered official a new key).
    pub fn register_official(
        &self,
        registration: &api::RegisterOfficial,
    ) -> Result<Logged, RegistrarError> {
        let written: api::Written = self.post("/v1/admin/officials", registration, || {
            format!("cannot register {}", registration.official)
        })?;
        self.keep(&written.receipts)
    }

    /// Registers a supervisor (or gives a registered supervisor a new key).
    pub fn register_supervisor(
        &self,
        supervisor: &SupervisorId,
        public_key: &VerifyingKey,
    ) -> Result<Logged, RegistrarError> {
        let request = api::RegisterSupervisor {
            supervisor: supervisor.clone(),
            public_key: hex::encode(public_key.as_bytes()),
        };
        let written: api::Written = self.post("/v1/admin/supervisors", &request, || {
            format!("cannot register supervisor {}", supervisor.as_str())
        })?;
        self.keep(&written.receipts)
    }

    /// Makes `count` one-time enrollment codes for whistleblower credentials of `scope`.
    pub fn enrollment_codes(&self, count: u64, scope: &str) -> Result<IssuedCodes, RegistrarError> {
        let request = api::IssueEnrollmentCodes {
            count,
            scope: scope.to_owned(),
        };
        let issued: api::EnrollmentCodes =
            self.post("/v1/admin/enrollment-codes", &request, || {
                "cannot make enrollment codes".to_owned()
            })?;
        let logged = self.keep(&issued.receipts)?;
        Ok(IssuedCodes {
            codes: issued.codes,
            scope: issued.scope,
            logged,
        })
    }

    /// Sets the filing deadline of `period` (ms since the Unix epoch).
    pub fn set_deadline(
        &self,
        period: probity_core::Period,
        deadline: u64,
    ) -> Result<Logged, RegistrarError> {
        let request = api::SetDeadline { period, deadline };
        let written: api::Written = self.post("/v1/admin/deadlines", &request, || {
            format!("cannot set the deadline of {period}")
        })?;
        self.keep(&written.receipts)
    }

    /// Publishes `policy` as the next version of the supervision policy: its
    /// `policy_version` becomes one more than the versions the service lists now. Should
    /// another be published in between, the service refuses this one (409) rather than
    /// publish over a version this registrar has not seen.
    pub fn publish_policy(
        &self,
        policy: &probity_ledger::PolicyPublished,
    ) -> Result<Logged, RegistrarError> {
        let what = || format!("cannot publish the policy from {}", policy.applies_from);
        let published: Vec<api::PolicyView> =
            self.conn
                .client()
                .get("/v1/policies")
                .map_err(|source| RegistrarError::Request {
                    what: what(),
                    source,
                })?;
        let mut policy = policy.clone();
        policy.policy_version = u32::try_from(published.len())
            .ok()
            .and_then(|n| n.checked_add(1))
            .unwrap_or(u32::MAX);
        let request = api::PublishPolicy { policy };
        let written: api::Written = self.post("/v1/admin/policy", &request, what)?;
        self.keep(&written.receipts)
    }

    fn post<B: serde::Serialize, T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
        what: impl FnOnce() -> String,
    ) -> Result<T, RegistrarError> {
        self.conn
            .client()
            .post(path, body)
            .map_err(|source| RegistrarError::Request {
                what: what(),
                source,
            })
    }

    /// Checks the receipts against the pinned log key and keeps them.
    fn keep(&self, receipts: &[Receipt]) -> Result<Logged, RegistrarError> {
        let log = self.conn.log_key()?;
        self.conn.keep_receipts(&log.key, receipts)?;
        Ok(Logged {
            entries: receipts.iter().map(|r| r.proof.index).collect(),
            newly_pinned: log.newly_pinned,
        })
    }
}

/// A supervision policy file, as the registrar writes it (TOML). Everything but
/// `applies_from` may be left out: the service's own settings (`/v1/info`) then hold.
///
/// ```toml
/// applies_from = 2027            # the first period it holds for
/// wealth_growth_tolerance = 0    # growth allowed beyond income, in minor units
/// filing_deadline_days = 90      # filings are due by the end of the 90th day after a period
///
/// [[net_worth_band]]             # the public bands, lowest first, apart
/// lo = 0                         # in minor units
/// hi = 99999999
///
/// [[requirement]]
/// name = "no_securities"         # a-z 0-9 _, named by the required_proof_missing alert
/// positions = ["Financial regulation"]   # leave out for every position
/// jurisdictions = ["CN-ZJ"]      # and those under it; leave out for every jurisdiction
/// category = "securities"        # a declaration category, by name or code
/// lo = 0                         # the declared total, in minor units, within lo..=hi
/// hi = 0
///
/// [rules]
/// off = ["declaration_amended"]  # rules switched off for these periods
/// band_jump_bands = 3            # and thresholds, by the names /v1/info lists
/// ```
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    applies_from: u32,
    wealth_growth_tolerance: Option<u64>,
    filing_deadline_days: Option<u32>,
    #[serde(default, rename = "net_worth_band")]
    net_worth_bands: Option<Vec<probity_ledger::NetWorthBand>>,
    #[serde(default, rename = "requirement")]
    requirements: Vec<RequirementFile>,
    #[serde(default)]
    rules: RulesFile,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RequirementFile {
    name: String,
    #[serde(default)]
    positions: Vec<String>,
    #[serde(default)]
    jurisdictions: Vec<String>,
    category: toml::Value,
    lo: u64,
    hi: u64,
}

/// `[rules]`: `off`, and every other key a threshold (the service knows which exist).
#[derive(Default, serde::Deserialize)]
struct RulesFile {
    #[serde(default)]
    off: Vec<String>,
    #[serde(flatten)]
    settings: std::collections::BTreeMap<String, u64>,
}

/// Reads a policy file (the format above) into the policy to publish, or says what is
/// wrong with it. Its `policy_version` is 1 until [`Registrar::publish_policy`] numbers it.
pub fn read_policy_toml(text: &str) -> Result<probity_ledger::PolicyPublished, String> {
    let file: PolicyFile =
        toml::from_str(text).map_err(|e| format!("the policy file is not valid: {e}"))?;
    let applies_from = probity_core::Period::new(file.applies_from)?;
    let mut requirements = Vec::new();
    for r in file.requirements {
        let category = match &r.category {
            toml::Value::String(s) => probity_core::Category::parse(s),
            toml::Value::Integer(i) => u8::try_from(*i)
                .map_err(|_| format!("category {i} is not a category code"))
                .and_then(|c| probity_core::Category::from_code(c).map_err(|e| e.to_string())),
            other => Err(format!("category {other} is not a name or a code")),
        }
        .map_err(|e| format!("requirement `{}`: {e}", r.name))?;
        requirements.push(probity_ledger::PolicyRequirement {
            name: probity_ledger::RuleName::new(&r.name)?,
            positions: r.positions,
            jurisdictions: r.jurisdictions,
            category,
            lo: probity_core::Amount(r.lo),
            hi: probity_core::Amount(r.hi),
        });
    }
    let rules_off = file
        .rules
        .off
        .iter()
        .map(|r| probity_ledger::RuleName::new(r).map_err(|e| format!("[rules] off: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    let policy = probity_ledger::PolicyPublished {
        policy_version: 1,
        applies_from,
        net_worth_bands: file.net_worth_bands,
        wealth_growth_tolerance: file.wealth_growth_tolerance.map(probity_core::Amount),
        filing_deadline_days: file.filing_deadline_days,
        requirements,
        rules_off,
        rule_settings: file.rules.settings,
    };
    // The checks the service makes too, so that a mistake is caught before anything is sent.
    policy.check()?;
    Ok(policy)
}

#[cfg(test)]
mod policy_tests {
    use super::*;

    #[test]
    fn the_example_policy_reads() {
        let text = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/policy.toml"),
        )
        .expect("the example");
        let policy = read_policy_toml(&text).expect("reads");
        assert_eq!(policy.requirements.len(), 3);
        assert_eq!(policy.filing_deadline_days, Some(90));
        assert_eq!(
            policy.wealth_growth_tolerance,
            Some(probity_core::Amount(0))
        );
        assert_eq!(policy.rule_settings.get("band_jump_bands"), Some(&2));
    }

    #[test]
    fn a_policy_file_reads_with_names_or_codes_and_mistakes_are_named() {
        let policy = read_policy_toml(
            "applies_from = 2027\n[[requirement]]\nname = \"no_securities\"\npositions = [\"Financial regulation\"]\ncategory = \"securities\"\nlo = 0\nhi = 0\n[[requirement]]\nname = \"land_cap\"\njurisdictions = [\"CN-ZJ\"]\ncategory = 1\nlo = 0\nhi = 500000000\n",
        )
        .expect("reads");
        assert_eq!(policy.applies_from.get(), 2027);
        assert_eq!(policy.requirements.len(), 2);
        assert_eq!(policy.requirements[0].category.code(), 3);
        assert_eq!(policy.requirements[1].category.code(), 1);
        assert_eq!(policy.requirements[1].hi.0, 500_000_000);
        assert_eq!(policy.net_worth_bands, None, "the service's bands");
        assert!(policy.rules_off.is_empty() && policy.rule_settings.is_empty());

        let full = read_policy_toml(
            "applies_from = 2027\nwealth_growth_tolerance = 50000\nfiling_deadline_days = 90\n[[net_worth_band]]\nlo = -100\nhi = -1\n[[net_worth_band]]\nlo = 0\nhi = 999\n[rules]\noff = [\"declaration_amended\"]\nband_jump_bands = 3\n",
        )
        .expect("reads");
        assert_eq!(
            full.wealth_growth_tolerance,
            Some(probity_core::Amount(50_000))
        );
        assert_eq!(full.filing_deadline_days, Some(90));
        assert_eq!(
            full.net_worth_bands,
            Some(vec![
                probity_ledger::NetWorthBand { lo: -100, hi: -1 },
                probity_ledger::NetWorthBand { lo: 0, hi: 999 }
            ])
        );
        assert_eq!(full.rules_off[0].as_str(), "declaration_amended");
        assert_eq!(full.rule_settings.get("band_jump_bands"), Some(&3));
        for (bad, says) in [
            ("applies_from = 2027\n[[requirement]]\nname = \"x\"\ncategory = \"yachts\"\nlo = 0\nhi = 0\n", "unknown category"),
            ("applies_from = 2027\n[[requirement]]\nname = \"x\"\ncategory = 3\nlo = 5\nhi = 0\n", "lo is above hi"),
            ("applies_from = 2027\n[[requirement]]\nname = \"No Securities\"\ncategory = 3\nlo = 0\nhi = 0\n", "not valid"),
            ("applies_from = 2027\n[[requirement]]\nname = \"x\"\ncategory = 0\nlo = 0\nhi = 0\n", "empty slot"),
            ("applies_from = 2027\nrequirements = []\n", "unknown field"),
            ("applies_from = 2027\n[[net_worth_band]]\nlo = 10\nhi = 20\n[[net_worth_band]]\nlo = 0\nhi = 9\n", "ascending"),
            ("applies_from = 2027\n[rules]\noff = [\"band_jump\", \"band_jump\"]\n", "twice"),
            ("applies_from = 2027\n[rules]\nband_jump_bands = \"three\"\n", "not valid"),
            ("applies_from = 2027\nfiling_deadline_days = 99999\n", "at most"),
        ] {
            let err = read_policy_toml(bad).expect_err(bad);
            assert!(err.contains(says), "{bad}: {err}");
        }
    }
}
