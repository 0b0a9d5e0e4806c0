//! The supervisor's role: verify an official against the log, challenge an official on an
//! asset, read and answer tips, read alerts (and audit the log, with [`crate::Auditor`]).
//!
//! A supervisor trusts the log's signed checkpoints and the verifying keys the log published,
//! not the service's word (DESIGN.md §1):
//!
//! - [`Supervisor::check_official`] reads the whole log up to a checkpoint verified with the
//!   pinned log key (and consistent with the last one this machine accepted), recomputes its
//!   root from the entries, takes the verifying keys from the log's own `ParamsPublished`
//!   entry, and re-verifies every proof of the official locally, with the details the log
//!   withholds (disclosed to supervisors) checked against the log's digests.
//! - [`Supervisor::tips`] checks each sealed tip against its `TipReceived` entry (inclusion
//!   proved under the checkpoint) before opening it with the supervisors' tip secret key.
//! - Every write (a challenge, a reply that closes a tip) comes back with receipts, checked
//!   against the pinned log key and kept ([`Connection::keep_receipts`]).
//!
//! What the service served that does not check out is an untrusted error
//! ([`SupervisorError::is_untrusted`]) when it makes the whole answer worthless (a log key
//! other than the pinned one, a log that does not hash to its checkpoint), and a finding
//! ([`OfficialCheck::failures`]) when it concerns one filing or proof. A front end reports
//! both as "not verified", and anything else (no key, no service) as an error of its own.
//!
//! Files in the data folder, besides the connection's:
//!
//! | file | holds |
//! |---|---|
//! | `supervisor.key` | the supervisor's Ed25519 secret key, hex, mode 0600 ([`crate::keys`]) |
//! | `supervisor-tip.key` | the supervisors' tip secret key (X25519), hex, mode 0600: shared among supervisors only, never with the service |

mod check;
mod registry;
mod tips;

use std::{
    io,
    path::{Path, PathBuf},
};

use ed25519_dalek::VerifyingKey;
use probity_core::{
    AssetId, EnvelopeError, IdHash, OfficialId, Period, ProofEnvelope, PublicInputs,
};
use probity_credentials::{TipPublicKey, TipSecretKey};
use probity_ledger::{ChallengeId, Receipt};
use probity_params::{Params, ParamsError};
use probity_verifier::{verify_envelope, EnvelopeVerifyError, StatementVerifyingKey};

use crate::{
    api,
    keys::{self, KeyError, KeyRole},
    Client, ClientError, Connection, ConnectionError, NewlyPinned,
};

pub use check::{
    latest_filings, ChallengeCheck, ChallengeProblem, FilingCheck, LatestFiling, LogFilings,
    OfficialCheck, ProofCheck, Standing,
};
pub use registry::{
    least_value, plan_import, read_registry_csv, BadRow, ImportPlan, ImportSummary,
    RegistryFileError, RegistryRow, IMPORT_BATCH, REGISTRY_COLUMNS,
};
pub use tips::{read_tip_key, OpenedTip, ReadTip, TipError, Tips};

/// The file holding the supervisors' tip secret key, in the data folder (the name a service
/// that makes its own tip key writes it under, in its own data folder).
pub const TIP_KEY_FILE: &str = "supervisor-tip.key";

/// Why a supervisor's operation failed. The messages say what to do; none holds a secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SupervisorError {
    /// The supervisor key cannot be made or read, or a secret file cannot be written.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// The log key, checkpoints, entries or receipts do not check out (see
    /// [`SupervisorError::is_untrusted`]), or this machine's state about the log cannot be
    /// kept.
    #[error(transparent)]
    Connection(#[from] ConnectionError),
    /// The service refused a request, or could not be reached.
    #[error("{what}")]
    Request {
        /// What was asked (`cannot read the tips`).
        what: String,
        /// Why it failed.
        source: ClientError,
    },
    /// The official is not registered.
    #[error("`{0}` is not registered")]
    NotRegistered(OfficialId),
    /// The asset id of a challenge names no asset.
    #[error(
        "--asset-id `{}` is empty once white space is removed, so it names no asset (id_hash 0 means \"no identifier\"): give the registry identifier; nothing was sent",
        .0.escape_debug()
    )]
    NoAssetId(String),
    /// There is no tip secret key where it was looked for.
    #[error("no tip key at {}: make the supervisors' key pair with `probity supervisor tip-keygen` (before the service first starts), or copy the key there (a service that made its own writes `supervisor-tip.key` in its data folder), or pass --tip-key FILE", path.display())]
    NoTipKey {
        /// Where it was looked for.
        path: PathBuf,
        /// Why it cannot be read.
        source: io::Error,
    },
    /// The tip key file does not hold a key.
    #[error("{} is not a tip secret key (64 hex characters)", path.display())]
    NotATipKey {
        /// The file.
        path: PathBuf,
    },
    /// The data folder holds a tip key already.
    #[error("{} already holds a tip key: a new key would leave every tip sealed to the old one unreadable (move it away first to replace it on purpose)", path.display())]
    TipKeyExists {
        /// The file.
        path: PathBuf,
    },
    /// The local params cannot be read, or have no key for a proof.
    #[error(transparent)]
    Params(#[from] ParamsError),
    /// A verifying key of the params is not one.
    #[error(transparent)]
    VerifyingKey(#[from] probity_verifier::KeyError),
    /// A proof file's public inputs do not make a statement.
    #[error(transparent)]
    ProofFile(#[from] EnvelopeError),
    /// A proof file cannot be checked (other than by failing to verify).
    #[error("{0}")]
    Unverifiable(EnvelopeVerifyError),
    /// A log entry does not decode.
    #[error("log entry {index} is not a valid entry")]
    InvalidEntry {
        /// Its index.
        index: u64,
        /// Why.
        source: probity_ledger::EntryError,
    },
    /// A folder for tip attachments cannot be made.
    #[error("cannot create {}", path.display())]
    CreateDir {
        /// The folder.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// A tip attachment cannot be written.
    #[error("cannot write {}", path.display())]
    WriteFile {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
}

impl SupervisorError {
    /// Whether the service served something that does not check out (rather than failing to
    /// answer, or this machine lacking a key).
    pub fn is_untrusted(&self) -> bool {
        matches!(self, Self::Connection(e) if e.is_untrusted())
    }
}

/// What [`Supervisor::init`] made.
#[derive(Clone, Debug)]
pub struct SupervisorInit {
    /// The supervisor's public key, for the registrar.
    pub public_key: VerifyingKey,
    /// The secret key's file (mode 0600).
    pub key_file: PathBuf,
}

/// What [`Supervisor::tip_keygen`] made.
#[derive(Clone, Debug)]
pub struct TipKeyMade {
    /// The public half, for the service's operator.
    pub public_key: TipPublicKey,
    /// The secret half's file (mode 0600): for the other supervisors only.
    pub key_file: PathBuf,
}

/// A challenge to send: an official must prove that an asset is in their declaration at no
/// less than a value. Made by [`Challenge::new`], which refuses an asset id naming nothing.
#[derive(Clone)]
pub struct Challenge {
    /// The official.
    pub official: OfficialId,
    /// The asset's `id_hash` (the registry identifier itself never leaves this machine).
    pub id_hash: IdHash,
    /// The least value, in minor units.
    pub min_value: u64,
    /// The deadline, ms since the Unix epoch.
    pub deadline: u64,
    /// The period; the service takes the official's latest filed period when `None`.
    pub period: Option<Period>,
}

impl std::fmt::Debug for Challenge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The asset and its value are investigative details: the log holds only digests.
        f.debug_struct("Challenge")
            .field("official", &self.official)
            .field("period", &self.period)
            .finish_non_exhaustive()
    }
}

impl Challenge {
    /// A challenge on the asset the registry names `asset_id` (hashed here). An id that
    /// normalizes to nothing has id_hash 0, "no identifier" (DESIGN.md §4): no proof can
    /// answer a challenge on it, and the service refuses one, so it is refused here before
    /// anything is sent.
    pub fn new(
        official: OfficialId,
        asset_id: &str,
        min_value: u64,
        deadline: u64,
        period: Option<Period>,
    ) -> Result<Self, SupervisorError> {
        let id_hash = AssetId(asset_id.to_owned()).id_hash();
        if id_hash == AssetId::default().id_hash() {
            return Err(SupervisorError::NoAssetId(asset_id.to_owned()));
        }
        Ok(Self {
            official,
            id_hash,
            min_value,
            deadline,
            period,
        })
    }
}

/// A challenge the service logged.
#[derive(Clone, Debug)]
pub struct ChallengeIssued {
    /// The challenge.
    pub challenge: ChallengeId,
    /// The period it is about.
    pub period: Period,
    /// The `ChallengeIssued` entry (its receipt checked and kept).
    pub entries: Vec<u64>,
    /// Set when this operation pinned the log key (first contact).
    pub newly_pinned: Option<NewlyPinned>,
}

/// A reply the service took.
#[derive(Clone, Debug)]
pub struct Replied {
    /// The `TipClosed` entry, when the reply closed the tip (its receipt checked and kept).
    pub entries: Vec<u64>,
    /// Set when this operation pinned the log key (first contact).
    pub newly_pinned: Option<NewlyPinned>,
}

/// A proof file checked with local verifying keys: its statement, and whether it holds.
#[derive(Clone, Debug)]
pub struct ProofVerdict {
    /// The statement the proof is about.
    pub inputs: PublicInputs,
    /// Whether the proof verifies with the key of its statement and capacity.
    pub valid: bool,
}

/// The verifying key a proof of `envelope`'s statement and capacity verifies with, from the
/// params manifest in `params_dir`.
pub fn verifying_key(
    params_dir: &Path,
    envelope: &ProofEnvelope,
) -> Result<StatementVerifyingKey, SupervisorError> {
    let params = Params::open(params_dir)?;
    let entry = params.entry(envelope.statement, envelope.capacity)?;
    Ok(StatementVerifyingKey::from_manifest_entry(entry)?)
}

/// Verifies a proof file with the verifying keys of the params in `params_dir`. A proof that
/// does not verify is a verdict (`valid: false`), not an error; a proof file that cannot be
/// checked at all (no key, a malformed proof) is an error.
pub fn verify_proof(
    params_dir: &Path,
    envelope: &ProofEnvelope,
) -> Result<ProofVerdict, SupervisorError> {
    let inputs = envelope.inputs()?;
    let key = verifying_key(params_dir, envelope)?;
    let valid = match verify_envelope(&key, envelope) {
        Ok(_) => true,
        Err(EnvelopeVerifyError::Failed(_)) => false,
        Err(e) => return Err(SupervisorError::Unverifiable(e)),
    };
    Ok(ProofVerdict { inputs, valid })
}

/// A supervisor of one service: a connection signing with the supervisor key.
#[derive(Clone, Debug)]
pub struct Supervisor {
    conn: Connection,
}

impl Supervisor {
    /// Makes the supervisor key in `data_dir` (once: refuses if there is one).
    pub fn init(data_dir: &Path) -> Result<SupervisorInit, SupervisorError> {
        let key = keys::make_key(data_dir, KeyRole::Supervisor)?;
        Ok(SupervisorInit {
            public_key: key.verifying_key(),
            key_file: KeyRole::Supervisor.path(data_dir),
        })
    }

    /// Makes the supervisors' tip key pair in `data_dir` (`supervisor-tip.key`), refusing to
    /// replace one: a new key would leave every tip sealed to the old one unreadable.
    pub fn tip_keygen(data_dir: &Path) -> Result<TipKeyMade, SupervisorError> {
        let path = data_dir.join(TIP_KEY_FILE);
        if path.exists() {
            return Err(SupervisorError::TipKeyExists { path });
        }
        let secret = TipSecretKey::generate(&mut rand::rngs::OsRng);
        keys::write_new_secret(&path, hex::encode(secret.to_bytes().as_slice()).as_bytes())?;
        Ok(TipKeyMade {
            public_key: secret.public_key(),
            key_file: path,
        })
    }

    /// The supervisor of the service `client` talks to, signing with the key in `data_dir`,
    /// where the connection keeps its state too.
    pub fn open(client: &Client, data_dir: &Path) -> Result<Self, SupervisorError> {
        let key = keys::load_key(data_dir, KeyRole::Supervisor)?;
        Ok(Self {
            conn: Connection::new(client.signed(key), data_dir),
        })
    }

    /// The connection.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// Asks an official to prove that an asset is in their declaration.
    pub fn challenge(&self, challenge: &Challenge) -> Result<ChallengeIssued, SupervisorError> {
        let request = api::IssueChallenge {
            official: challenge.official.clone(),
            period: challenge.period,
            id_hash: challenge.id_hash.to_string(),
            min_value: challenge.min_value,
            deadline: challenge.deadline,
        };
        let created: api::ChallengeCreated = self
            .conn
            .client()
            .post("/v1/challenges", &request)
            .map_err(|source| SupervisorError::Request {
                what: format!("cannot challenge {}", challenge.official),
                source,
            })?;
        let (entries, newly_pinned) = self.keep(&created.receipts)?;
        Ok(ChallengeIssued {
            challenge: created.challenge,
            period: created.period,
            entries,
            newly_pinned,
        })
    }

    /// Every challenge and its status.
    pub fn challenges(&self) -> Result<Vec<api::ChallengeView>, SupervisorError> {
        self.get("/v1/supervisor/challenges", "cannot list the challenges")
    }

    /// Replies to the tip logged at `tip`; `close` closes it (logs `TipClosed`).
    pub fn reply(&self, tip: u64, message: &str, close: bool) -> Result<Replied, SupervisorError> {
        let request = api::ReplyToTip {
            message: message.to_owned(),
            close,
        };
        let written: api::Written = self
            .conn
            .client()
            .post(&format!("/v1/supervisor/tips/{tip}/reply"), &request)
            .map_err(|source| SupervisorError::Request {
                what: format!("cannot reply to the tip at entry {tip}"),
                source,
            })?;
        if written.receipts.is_empty() {
            return Ok(Replied {
                entries: Vec::new(),
                newly_pinned: None,
            });
        }
        let (entries, newly_pinned) = self.keep(&written.receipts)?;
        Ok(Replied {
            entries,
            newly_pinned,
        })
    }

    /// The alerts the service's rules raised.
    pub fn alerts(&self) -> Result<Vec<api::AlertView>, SupervisorError> {
        self.get("/v1/supervisor/alerts", "cannot read the alerts")
    }

    /// The risk view: officials with open alerts, heaviest total first, with every alert
    /// behind each total.
    pub fn risk(&self) -> Result<Vec<api::RiskView>, SupervisorError> {
        self.get("/v1/supervisor/risk", "cannot read the risk view")
    }

    /// The disclosures of the log's withheld details (what supervisors may read), for an audit
    /// that re-verifies withheld proofs too ([`Auditor::audit_proofs`](crate::Auditor::audit_proofs)).
    /// Each is checked against its entry's public digest where it is used.
    pub fn disclosures(&self) -> Result<Vec<api::DisclosureView>, SupervisorError> {
        self.get(
            "/v1/supervisor/disclosures",
            "cannot read the disclosures (only registered supervisors may)",
        )
    }

    fn get<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        what: &str,
    ) -> Result<T, SupervisorError> {
        self.conn
            .client()
            .get(path)
            .map_err(|source| SupervisorError::Request {
                what: what.to_owned(),
                source,
            })
    }

    /// Checks the receipts against the pinned log key and keeps them; their entries.
    fn keep(
        &self,
        receipts: &[Receipt],
    ) -> Result<(Vec<u64>, Option<NewlyPinned>), SupervisorError> {
        let log = self.conn.log_key()?;
        self.conn.keep_receipts(&log.key, receipts)?;
        let entries = receipts.iter().map(|r| r.proof.index).collect();
        Ok((entries, log.newly_pinned))
    }
}
