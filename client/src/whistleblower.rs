//! The whistleblower's role: enroll once with a one-time code from the registrar, send sealed
//! tips about an official, and follow up with the receipt code (DESIGN.md §8).
//!
//! Nothing here signs: the credential presentation is the authorization, and it shows only
//! that the sender holds some valid credential of the official's jurisdiction. The tip is
//! sealed on this machine to the supervisors' tip key (padded, so that its length says little
//! of its contents); the service stores ciphertext only.
//!
//! Files in `DATA_DIR/whistleblower/`:
//!
//! | file | holds |
//! |---|---|
//! | `credential` | the anonymous credential, with its secret (mode 0600) |
//! | `keys.json` | the fingerprint of the issuer parameters and their expiry schedule, the schedule, and the supervisors' tip key, pinned at enrollment |
//! | `receipts/` | the ledger receipt of each tip sent (`TipReceived`: epoch, rate-limit tag and digest of the sealed tip; no subject, no text) |
//! | `pending/` | the sealed digest of each tip waiting in the service's tip pool, to recognise its entry once logged (nothing of its contents or subject) |
//!
//! # What the client holds the service to
//!
//! - Keys and schedule come from the log's `WhistleblowerKeysPublished` entries, not from
//!   the service's word, and every such entry in the log must carry the same schedule (a log
//!   keeps its schedule for life: one changed for some people only would mark them).
//! - The credential's expiry is computed here, from this machine's clock (the client's:
//!   [`Client::now`]) and that schedule,
//!   and nothing else is accepted: not at enrollment, and not at any tip
//!   (`ExpirySchedule::admits`). A service that announces another epoch length is refused.
//! - Tips are sent only with the keys and schedule pinned at enrollment: with other keys the
//!   service could read or link them.
//! - The official a tip is about is looked up in the full list of officials, so no request
//!   but the sealed, presented tip itself names them (a proxy's access log would otherwise
//!   tie the subject to the sender's address and the time).
//! - A tip's ledger receipt must verify with the pinned log key and be that tip's entry.
//!
//! A failure of any of these is an untrusted error ([`WhistleblowerError::is_untrusted`]).
//!
//! # Secrets
//!
//! The credential, the enrollment code and the receipt code never appear in `Debug`, `Display`
//! or errors: the receipt code of a tip ([`ReceiptCode`]) is shown once, by the front end,
//! and never stored.
//!
//! # Caution (for the front end to tell the user)
//!
//! The `credential` file marks its holder as a reporter, and with it anyone can compute which
//! official a logged tip was about (the tip's tag derives from the credential's secret).
//! The data folder belongs on an encrypted device that only the reporter uses, deleted when
//! they no longer report. Receipt codes are shown once and never stored. The service keeps no
//! IP address, but the network may.

use std::{
    io,
    path::{Path, PathBuf},
};

use base64::Engine as _;
use probity_credentials::{
    issuance, presentation, seal, Attachment, Credential, CredentialAttributes, EnrollmentCode,
    Epoch, ExpirySchedule, FieldError, IssuerPublicParams, PresentError, Scope, SealError, Subject,
    TipBody, TipContext, TipPublicKey,
};
use probity_ledger::{
    CheckpointVerifier, Entry, EntryBody, Receipt, TipReceived, WhistleblowerKeysPublished,
};
use serde::{Deserialize, Serialize};

use crate::{
    api, keys, Client, ClientError, Connection, ConnectionError, KeyError, NewlyPinned, Untrusted,
};

/// The whistleblower's folder, in the data folder.
pub const WHISTLEBLOWER_DIR: &str = "whistleblower";
/// The credential's file, in the whistleblower's folder: whether it exists tells a front end
/// whether this data folder is enrolled.
pub const CREDENTIAL_FILE: &str = "credential";
const KEYS_FILE: &str = "keys.json";
const RECEIPTS: &str = "receipts";
const PENDING: &str = "pending";

/// Why a whistleblower's operation failed. The messages say what to do; none holds a secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WhistleblowerError {
    /// The service served something that does not check out: do not use it.
    #[error(transparent)]
    Untrusted(#[from] Untrusted),
    /// The log key, checkpoints or log do not check out, or this machine's state about the
    /// log cannot be kept.
    #[error(transparent)]
    Connection(#[from] ConnectionError),
    /// A request failed.
    #[error("{what}")]
    Request {
        /// What was asked for.
        what: &'static str,
        /// Why it failed.
        source: ClientError,
    },
    /// The service's answer is not what it should be.
    #[error("{0}")]
    Malformed(&'static str),
    /// A credential is already here.
    #[error("already enrolled: a credential is at {}. One code buys one credential; to enroll again (after it expires), move that folder away first", path.display())]
    AlreadyEnrolled {
        /// The credential.
        path: PathBuf,
    },
    /// The enrollment code is not one.
    #[error("that is not an enrollment code: type it exactly as the registrar gave it")]
    NotAnEnrollmentCode,
    /// The service has no jurisdiction yet.
    #[error("the service has no registered officials yet, so no scope: try again later, or pass --scope")]
    NoScope,
    /// The service has several jurisdictions and none was chosen.
    #[error("the service covers several jurisdictions ({}): pass --scope with the one your code was made for", .0.join(", "))]
    SeveralScopes(Vec<String>),
    /// The scope chosen is not a jurisdiction.
    #[error("--scope `{scope}` is not a jurisdiction ({reason})")]
    NotAScope {
        /// The scope given.
        scope: String,
        /// What is wrong with it.
        reason: FieldError,
    },
    /// This machine's clock and the service's disagree on the epoch.
    #[error("the service says the epoch is {service}, this machine's clock says {local}: set this machine's clock right before going on (a wrong epoch would set you apart from everyone else)")]
    ClockSkew {
        /// The service's epoch.
        service: u64,
        /// This machine's.
        local: Epoch,
    },
    /// The issuer's answer does not make a credential.
    #[error("the service's answer does not verify with the published issuer parameters, or carries other attributes than the public schedule: no credential was made; tell the registrar")]
    NotIssued,
    /// The credential cannot be written.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// A file of the whistleblower's folder cannot be written.
    #[error(transparent)]
    Write(#[from] probity_params::ParamsError),
    /// A file cannot be encoded.
    #[error(transparent)]
    Encode(#[from] serde_json::Error),
    /// A folder cannot be made.
    #[error("cannot create {}", path.display())]
    CreateDir {
        /// The folder.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// There is no credential: enroll first.
    #[error("no credential at {}: enroll first with `probity whistleblower enroll --code CODE`", path.display())]
    NotEnrolled {
        /// Where it should be.
        path: PathBuf,
        /// Why it cannot be read.
        source: io::Error,
    },
    /// The credential file is damaged.
    #[error("{} is not a credential: it is damaged", path.display())]
    DamagedCredential {
        /// The file.
        path: PathBuf,
    },
    /// The keys pinned at enrollment are missing or damaged.
    #[error("{} is missing, damaged, or from an older probity that did not pin the expiry schedule: enroll again", path.display())]
    PinnedKeys {
        /// The file.
        path: PathBuf,
    },
    /// The schedule pinned at enrollment is out of range.
    #[error("the pinned expiry schedule is damaged: enroll again")]
    PinnedSchedule,
    /// The subject is not an official's id.
    #[error("--subject must be an official's id as the service lists it (1 to 64 characters of A-Z a-z 0-9 . _ -)")]
    NotASubject,
    /// The tip is empty or too large.
    #[error("the tip cannot be sent ({0}): it needs some text or an attachment; at most 64 KiB of text and 8 attachments, 8 MiB in all")]
    BadTip(FieldError),
    /// The credential has expired.
    #[error(
        "your credential expired after epoch {expiry} (now {now}): enroll again with a new code"
    )]
    Expired {
        /// The credential's expiry.
        expiry: Epoch,
        /// The service's epoch.
        now: u64,
    },
    /// No official has that id.
    #[error("no official `{0}` is registered: use the id exactly as the service lists it (GET /v1/officials)")]
    UnknownOfficial(String),
    /// The official is outside the credential's jurisdiction.
    #[error(
        "your credential lets you report on officials of {scope}; {subject} is in {jurisdiction}"
    )]
    OtherJurisdiction {
        /// The credential's scope.
        scope: String,
        /// The official.
        subject: String,
        /// The official's jurisdiction.
        jurisdiction: String,
    },
    /// The tip cannot be sealed.
    #[error("cannot seal the tip")]
    Seal(#[source] SealError),
    /// The credential cannot be presented.
    #[error("cannot present the credential")]
    Present(#[source] PresentError),
    /// The receipt code is not one.
    #[error("that is not a receipt code: type it exactly as it was shown when the tip was sent")]
    NotAReceiptCode,
    /// No tip has the receipt code.
    #[error("no tip has this receipt code at {base}: check the code and the server")]
    UnknownReceipt {
        /// The service's address.
        base: String,
    },
}

impl WhistleblowerError {
    /// Whether the service served something that does not check out (rather than failing to
    /// answer, or the user or this machine being at fault).
    pub fn is_untrusted(&self) -> bool {
        match self {
            Self::Untrusted(_) => true,
            Self::Connection(e) => e.is_untrusted(),
            _ => false,
        }
    }
}

type Result<T, E = WhistleblowerError> = std::result::Result<T, E>;

/// A tip's receipt code: the only way to read the supervisors' replies. It is a secret shown
/// once and never stored, so it has no `Display` and its `Debug` hides it.
#[derive(Clone)]
pub struct ReceiptCode(String);

impl ReceiptCode {
    /// The code, to show the user once.
    pub fn reveal(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for ReceiptCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ReceiptCode(hidden)")
    }
}

/// What [`Whistleblower::enroll`] made.
#[derive(Clone, Debug)]
pub struct Enrollment {
    /// The credential's file (mode 0600).
    pub credential_file: PathBuf,
    /// The jurisdiction it may report on.
    pub scope: Scope,
    /// The last epoch it is valid in.
    pub expiry: Epoch,
    /// When it stops being valid, ms since the Unix epoch (the end of its last epoch).
    pub valid_until_ms: u64,
    /// The fingerprint of the issuer parameters with the schedule, pinned: the user compares
    /// it with what the operator publishes.
    pub issuer_fingerprint: String,
    /// Set when enrolling pinned the log key (first contact).
    pub newly_pinned: Option<NewlyPinned>,
}

/// A tip checked on this machine, ready to send ([`Whistleblower::draft_tip`]).
pub struct TipDraft {
    subject: Subject,
    credential: Credential,
    pinned: PinnedKeys,
}

impl std::fmt::Debug for TipDraft {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TipDraft")
            .field("subject", &self.subject.as_str())
            .finish_non_exhaustive()
    }
}

/// A tip the service accepted ([`Whistleblower::send_tip`]).
#[derive(Debug)]
pub struct TipSent {
    /// The official it is about.
    pub subject: Subject,
    /// Its receipt code: show it once, never store it.
    pub receipt_code: ReceiptCode,
    /// Where it went.
    pub outcome: TipOutcome,
    /// Set when sending pinned the log key (first contact).
    pub newly_pinned: Option<NewlyPinned>,
}

/// Where an accepted tip went.
#[derive(Debug)]
pub enum TipOutcome {
    /// It waits in the service's tip pool, logged in a random order by `until` (ms since the
    /// Unix epoch, when the service says).
    Pooled {
        /// When the pool is logged, at the latest.
        until: Option<u64>,
        /// Set when the tip's digest could not be noted in `pending/`; the status check
        /// still checks its receipt against the log.
        note_failed: Option<NoteFailed>,
    },
    /// It is on the log: its receipt verified and was kept.
    Logged {
        /// Its ledger entry.
        entry: u64,
        /// The kept receipt.
        receipt_file: PathBuf,
    },
    /// The service took it, but its receipt does not check out (or cannot be kept).
    Unchecked {
        /// The entry the receipt names.
        entry: u64,
        /// What is wrong.
        error: Box<WhistleblowerError>,
    },
}

/// The digest of a pooled tip could not be noted.
#[derive(Debug)]
pub struct NoteFailed {
    /// The `pending/` folder.
    pub dir: PathBuf,
    /// Why.
    pub error: probity_params::ParamsError,
}

/// A tip's status ([`Whistleblower::status`]).
pub struct TipStatusReport {
    /// What the service says: the status, the entry and receipt once logged, the replies.
    pub status: api::TipStatus,
    /// Once logged: the entry, whose receipt verified and was kept.
    pub logged: Option<LoggedTip>,
    /// Set when this check pinned the log key (first contact).
    pub newly_pinned: Option<NewlyPinned>,
}

impl std::fmt::Debug for TipStatusReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TipStatusReport")
            .field("status", &self.status.status)
            .field("replies", &self.status.replies.len())
            .field("logged", &self.logged)
            .field("newly_pinned", &self.newly_pinned)
            .finish()
    }
}

/// A logged tip.
#[derive(Clone, Debug)]
pub struct LoggedTip {
    /// Its ledger entry.
    pub entry: u64,
    /// Its kept receipt.
    pub receipt_file: PathBuf,
}

/// What enrollment pins: later tips refuse other keys and another schedule.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PinnedKeys {
    /// The log's origin the keys came from.
    origin: String,
    /// The fingerprint of the issuer's public parameters with the expiry schedule, hex
    /// (`IssuerPublicParams::fingerprint_with`).
    issuer_fingerprint: String,
    /// The supervisors' tip key (X25519), hex.
    tip_key: String,
    /// The published schedule: the epoch length in seconds, …
    epoch_seconds: u64,
    /// … the expiry period in epochs, …
    expiry_period_epochs: u64,
    /// … and the periods a credential outlasts its own.
    expiry_periods: u64,
}

impl PinnedKeys {
    fn schedule(&self) -> Result<ExpirySchedule> {
        ExpirySchedule::new(
            self.epoch_seconds,
            self.expiry_period_epochs,
            self.expiry_periods,
        )
        .map_err(|_| WhistleblowerError::PinnedSchedule)
    }
}

/// A whistleblower of one service: an unsigned connection, and the folder
/// `DATA_DIR/whistleblower/`.
#[derive(Clone, Debug)]
pub struct Whistleblower {
    conn: Connection,
    dir: PathBuf,
}

impl Whistleblower {
    /// The whistleblower of the service `client` talks to, with the connection's state in
    /// `data_dir` and the credential in `data_dir/whistleblower/`.
    pub fn new(client: Client, data_dir: &Path) -> Self {
        Self {
            conn: Connection::new(client, data_dir),
            dir: data_dir.join(WHISTLEBLOWER_DIR),
        }
    }

    /// The whistleblower's folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// This machine's time in seconds: the client's clock (the system clock unless the
    /// front end set one).
    fn unix_now(&self) -> u64 {
        self.conn.client().now().as_millis() / 1000
    }

    /// Redeems the one-time enrollment `code` for a credential of `scope` (by default the
    /// service's only jurisdiction), and pins the keys and schedule the log published.
    pub fn enroll(&self, code: &str, scope: Option<&str>) -> Result<Enrollment> {
        let path = self.dir.join(CREDENTIAL_FILE);
        if path.exists() {
            return Err(WhistleblowerError::AlreadyEnrolled { path });
        }
        let code = EnrollmentCode::parse(code.trim())
            .map_err(|_| WhistleblowerError::NotAnEnrollmentCode)?;
        let log = self.conn.log_key()?;
        let info = self.info()?;
        let scope = chosen_scope(scope, &info.scopes)?;
        let (params, tip_key) = announced_keys(&info)?;
        let schedule = self.published_keys_match(&log.key, &params, &tip_key)?;
        local_epoch(&info, &schedule, self.unix_now())?;
        // From this machine's clock and the published schedule only: the response must carry
        // exactly this expiry (`handle_response` refuses any other).
        let expiry = schedule.expected_expiry(self.unix_now());
        let expected = CredentialAttributes::new(expiry, scope.clone());
        let (request, state) = issuance::request(&params, code, expected, &mut rand::rngs::OsRng);
        let enrolled: api::Enrolled = self
            .conn
            .client()
            .post(
                "/v1/enroll",
                &api::Enroll {
                    request: hex::encode(request.to_bytes()),
                },
            )
            .map_err(|source| WhistleblowerError::Request {
                what: "enrollment failed",
                source,
            })?;
        let response = hex::decode(&enrolled.response)
            .ok()
            .and_then(|b| issuance::Response::from_bytes(&b).ok())
            .ok_or(WhistleblowerError::Malformed(
                "the service's answer is malformed: no credential was made",
            ))?;
        let credential = state
            .handle_response(response)
            .map_err(|_| WhistleblowerError::NotIssued)?;
        keys::write_new_secret(&path, &credential.to_bytes())?;
        let pinned = PinnedKeys {
            origin: info.origin.clone(),
            issuer_fingerprint: params.fingerprint_with(&schedule).to_string(),
            tip_key: hex::encode(tip_key.to_bytes()),
            epoch_seconds: schedule.epoch_seconds(),
            expiry_period_epochs: schedule.period_epochs(),
            expiry_periods: schedule.periods(),
        };
        probity_params::write_atomic(
            &self.dir.join(KEYS_FILE),
            &serde_json::to_vec_pretty(&pinned)?,
        )?;
        Ok(Enrollment {
            credential_file: path,
            scope,
            expiry,
            valid_until_ms: (expiry.0 + 1) * schedule.epoch_seconds() * 1000,
            issuer_fingerprint: pinned.issuer_fingerprint,
            newly_pinned: log.newly_pinned,
        })
    }

    /// Checks on this machine what a tip about `subject` needs: the credential and the keys
    /// pinned at enrollment, and that `subject` is an official's id. Nothing is sent.
    pub fn draft_tip(&self, subject: &str) -> Result<TipDraft> {
        let cred_path = self.dir.join(CREDENTIAL_FILE);
        let bytes =
            std::fs::read(&cred_path).map_err(|source| WhistleblowerError::NotEnrolled {
                path: cred_path.clone(),
                source,
            })?;
        let credential = Credential::from_bytes(&bytes)
            .map_err(|_| WhistleblowerError::DamagedCredential { path: cred_path })?;
        let keys_path = self.dir.join(KEYS_FILE);
        let pinned: PinnedKeys = std::fs::read(&keys_path)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or(WhistleblowerError::PinnedKeys { path: keys_path })?;
        let subject = Subject::new(subject.trim()).map_err(|_| WhistleblowerError::NotASubject)?;
        Ok(TipDraft {
            subject,
            credential,
            pinned,
        })
    }

    /// Seals `text` and `attachments` to the supervisors' tip key pinned at enrollment and
    /// sends them about the draft's subject, presenting the credential. Once the service has
    /// taken the tip, the result carries its receipt code whatever else goes wrong
    /// ([`TipOutcome::Unchecked`]).
    pub fn send_tip(
        &self,
        draft: TipDraft,
        text: &str,
        attachments: Vec<Attachment>,
    ) -> Result<TipSent> {
        let TipDraft {
            subject,
            credential,
            pinned,
        } = draft;
        let body = TipBody::new(text, attachments).map_err(WhistleblowerError::BadTip)?;
        let log = self.conn.log_key()?;
        let info = self.info()?;
        let (params, tip_key) = announced_keys(&info)?;
        let schedule = pinned.schedule()?;
        if params.fingerprint_with(&schedule).to_string() != pinned.issuer_fingerprint
            || hex::encode(tip_key.to_bytes()) != pinned.tip_key
        {
            return Err(Untrusted(
                "the service's credential or tip keys changed since you enrolled: nothing was sent (with other keys the service could read or link your tip); ask the registrar what happened".to_owned(),
            )
            .into());
        }
        let now = local_epoch(&info, &schedule, self.unix_now())?;
        check_expiry(&credential, &schedule, now, info.epoch)?;
        self.check_subject(&credential, &subject)?;
        let context = TipContext::new(subject.clone(), Epoch(info.epoch));
        let mut rng = rand::rngs::OsRng;
        let sealed = seal(&tip_key, &context, &body, &mut rng).map_err(WhistleblowerError::Seal)?;
        let shown = presentation::present(&credential, &params, &context, &sealed, &mut rng)
            .map_err(WhistleblowerError::Present)?;
        let accepted: api::TipAccepted = self
            .conn
            .client()
            .post(
                "/v1/tips",
                &api::SubmitTip {
                    subject: subject.as_str().to_owned(),
                    epoch: info.epoch,
                    sealed: base64::engine::general_purpose::STANDARD.encode(sealed.to_bytes()),
                    presentation: hex::encode(shown.to_bytes()),
                },
            )
            .map_err(|source| WhistleblowerError::Request {
                what: "the tip was not accepted",
                source,
            })?;
        // From here on the tip is in: the receipt code goes back whatever else goes wrong.
        let receipt_code = ReceiptCode(accepted.receipt_code);
        let outcome = self.tip_outcome(
            &log.key,
            accepted.receipt,
            accepted.pooled_until,
            sealed.digest().0,
            info.epoch,
        );
        Ok(TipSent {
            subject,
            receipt_code,
            outcome,
            newly_pinned: log.newly_pinned,
        })
    }

    /// Where a tip the service took went: pooled (its sealed digest noted in `pending/`, to
    /// recognise its entry later; the digest says nothing of the tip's contents or subject),
    /// or logged, with its receipt checked to be this tip's entry and kept.
    fn tip_outcome(
        &self,
        log: &CheckpointVerifier,
        receipt: Option<Receipt>,
        pooled_until: Option<u64>,
        digest: [u8; 32],
        epoch: u64,
    ) -> TipOutcome {
        let Some(receipt) = receipt else {
            let pending = self.dir.join(PENDING);
            let noted = probity_params::write_atomic(&pending.join(hex::encode(digest)), b"");
            return TipOutcome::Pooled {
                until: pooled_until,
                note_failed: noted.err().map(|error| NoteFailed {
                    dir: pending,
                    error,
                }),
            };
        };
        let entry = receipt.proof.index;
        let checked = self.keep_tip_receipt(log, &receipt, |t| {
            t.sealed_tip_sha256.0 == digest && t.epoch == epoch
        });
        match checked {
            Ok(receipt_file) => TipOutcome::Logged {
                entry,
                receipt_file,
            },
            Err(error) => TipOutcome::Unchecked {
                entry,
                error: Box::new(error),
            },
        }
    }

    /// The status of the tip with `receipt_code`, and the supervisors' replies. Once the tip
    /// is logged, its receipt is checked against the pinned log key and kept.
    pub fn status(&self, receipt_code: &str) -> Result<TipStatusReport> {
        let code = probity_credentials::Receipt::parse(receipt_code.trim())
            .map_err(|_| WhistleblowerError::NotAReceiptCode)?;
        let client = self.conn.client();
        let status: api::TipStatus = match client.post(
            "/v1/tips/status",
            &api::TipStatusQuery {
                receipt_code: code.to_string(),
            },
        ) {
            Ok(s) => s,
            Err(e) if e.status() == Some(404) => {
                return Err(WhistleblowerError::UnknownReceipt {
                    base: client.base().to_owned(),
                })
            }
            Err(source) => {
                return Err(WhistleblowerError::Request {
                    what: "cannot read the tip's status",
                    source,
                })
            }
        };
        let (Some(entry), Some(receipt)) = (status.entry, &status.receipt) else {
            return Ok(TipStatusReport {
                status,
                logged: None,
                newly_pinned: None,
            });
        };
        // A tip this machine sent is recognised by its sealed digest, noted when it was
        // pooled, or by its receipt, kept when it was logged at once. With neither on this
        // machine (the tip was sent from another), the receipt is only checked to be a tip's.
        let pending = self.dir.join(PENDING);
        let kept = self
            .dir
            .join(RECEIPTS)
            .join(format!("{:012}.json", receipt.proof.index))
            .exists();
        let log = self.conn.log_key()?;
        let mut sent_here = None;
        let receipt_file = self.keep_tip_receipt(&log.key, receipt, |t| {
            let note = pending.join(hex::encode(t.sealed_tip_sha256.0));
            let known = note.exists();
            if known {
                sent_here = Some(note);
            }
            known || kept || !pending.exists()
        })?;
        if let Some(note) = sent_here {
            let _ = std::fs::remove_file(note);
        }
        Ok(TipStatusReport {
            status,
            logged: Some(LoggedTip {
                entry,
                receipt_file,
            }),
            newly_pinned: log.newly_pinned,
        })
    }

    /// `GET /v1/info`: the service's keys, epoch and scopes.
    fn info(&self) -> Result<api::ServiceInfo> {
        self.conn
            .client()
            .get("/v1/info")
            .map_err(|source| WhistleblowerError::Request {
                what: "cannot read the service's keys",
                source,
            })
    }

    /// Checks the announced keys against the log's latest `WhistleblowerKeysPublished` entry
    /// (in a log whose entries rebuild a checkpoint signed with the pinned log key): the
    /// operator cannot hand one person keys of their own without it showing on the public
    /// log. Returns the published expiry schedule, which every such entry of the log must
    /// carry alike.
    fn published_keys_match(
        &self,
        log: &CheckpointVerifier,
        params: &IssuerPublicParams,
        tip_key: &TipPublicKey,
    ) -> Result<ExpirySchedule> {
        let checkpoint = self.conn.latest_checkpoint(log)?;
        let entries = self.conn.entries_under(&checkpoint)?;
        let all: Vec<_> = entries
            .iter()
            .filter_map(|b| match Entry::from_canonical_json(b).ok()?.body {
                EntryBody::WhistleblowerKeysPublished(k) => Some(k),
                _ => None,
            })
            .collect();
        let published = all
            .last()
            .ok_or_else(|| Untrusted("the log holds no WhistleblowerKeysPublished entry: the service's credential keys are not published, so do not enroll".to_owned()))?;
        let schedule = |k: &WhistleblowerKeysPublished| {
            (k.epoch_seconds, k.expiry_period_epochs, k.expiry_periods)
        };
        if all.iter().any(|k| schedule(k) != schedule(published)) {
            return Err(Untrusted(
                "the log changed its epoch length or expiry schedule: a log keeps its schedule for life, and one changed for some people only would mark their credentials; do not enroll".to_owned(),
            )
            .into());
        }
        let (epoch_seconds, period_epochs, periods) = schedule(published);
        let schedule =
            ExpirySchedule::new(epoch_seconds, period_epochs, periods).map_err(|_| {
                Untrusted("the log's expiry schedule is out of range: do not enroll".to_owned())
            })?;
        if published.issuer_params.0.as_slice() != params.to_bytes().as_slice()
            || published.tip_key.0 != tip_key.to_bytes()
        {
            return Err(Untrusted(
                "the credential keys the service announces are not the ones its log published: do not enroll or send tips through it".to_owned(),
            )
            .into());
        }
        Ok(schedule)
    }

    /// Finds `subject` in the whole list of officials, never asking for the one official by
    /// name: a request naming the subject would tie them, in any access log on the way, to
    /// this address and this time. The official must be in the credential's jurisdiction.
    fn check_subject(&self, credential: &Credential, subject: &Subject) -> Result<()> {
        let officials: Vec<api::OfficialInfo> =
            self.conn.client().get("/v1/officials").map_err(|source| {
                WhistleblowerError::Request {
                    what: "cannot read the list of officials",
                    source,
                }
            })?;
        let Some(official) = officials
            .iter()
            .find(|o| o.official.as_str() == subject.as_str())
        else {
            return Err(WhistleblowerError::UnknownOfficial(
                subject.as_str().to_owned(),
            ));
        };
        if official.jurisdiction != credential.scope().as_str() {
            return Err(WhistleblowerError::OtherJurisdiction {
                scope: credential.scope().as_str().to_owned(),
                subject: subject.as_str().to_owned(),
                jurisdiction: official.jurisdiction.clone(),
            });
        }
        Ok(())
    }

    /// Checks a tip's receipt against the pinned log key, checks its entry with `is_the_tip`,
    /// advances the last checkpoint seen, and keeps the receipt in `receipts/`.
    fn keep_tip_receipt(
        &self,
        log: &CheckpointVerifier,
        receipt: &Receipt,
        mut is_the_tip: impl FnMut(&TipReceived) -> bool,
    ) -> Result<PathBuf> {
        let (entry, checkpoint) = receipt.verify(log).map_err(|e| {
            Untrusted(format!("the tip's receipt does not verify with the pinned log key ({e}): it is NOT proved to be on the log"))
        })?;
        match entry.body {
            EntryBody::TipReceived(t) if is_the_tip(&t) => {}
            _ => return Err(Untrusted(
                "the receipt is for another entry than this tip: it is NOT proved to be on the log"
                    .to_owned(),
            )
            .into()),
        }
        self.conn.advance_checkpoint(log, &checkpoint)?;
        let receipts = self.dir.join(RECEIPTS);
        std::fs::create_dir_all(&receipts).map_err(|source| WhistleblowerError::CreateDir {
            path: receipts.clone(),
            source,
        })?;
        let path = receipts.join(format!("{:012}.json", receipt.proof.index));
        probity_params::write_atomic(&path, &serde_json::to_vec_pretty(receipt)?)?;
        Ok(path)
    }
}

/// The scope asked for, or the service's only one.
fn chosen_scope(asked: Option<&str>, scopes: &[String]) -> Result<Scope> {
    let scope = match (asked, scopes) {
        (Some(s), _) => s.to_owned(),
        (None, [one]) => one.clone(),
        (None, []) => return Err(WhistleblowerError::NoScope),
        (None, many) => return Err(WhistleblowerError::SeveralScopes(many.to_vec())),
    };
    Scope::new(&scope).map_err(|reason| WhistleblowerError::NotAScope { scope, reason })
}

/// The issuer parameters and tip key the service announces.
fn announced_keys(info: &api::ServiceInfo) -> Result<(IssuerPublicParams, TipPublicKey)> {
    let params = hex::decode(&info.issuer_params)
        .ok()
        .and_then(|b| IssuerPublicParams::from_bytes(&b).ok())
        .ok_or(WhistleblowerError::Malformed(
            "the service's issuer parameters are malformed",
        ))?;
    let tip_key = hex::decode(&info.tip_key)
        .ok()
        .and_then(|b| TipPublicKey::from_bytes(&b).ok())
        .ok_or(WhistleblowerError::Malformed(
            "the service's tip key is malformed",
        ))?;
    Ok((params, tip_key))
}

/// The current epoch by this machine's clock and the pinned schedule. A service that told one
/// person another epoch, or another epoch length, would give them a credential expiry, or
/// tags, unlike everyone else's: refused.
/// The epoch at `unix_now` (seconds), which must be the service's within one.
fn local_epoch(info: &api::ServiceInfo, schedule: &ExpirySchedule, unix_now: u64) -> Result<Epoch> {
    if info.epoch_seconds != schedule.epoch_seconds() {
        return Err(Untrusted(format!(
            "the service announces epochs of {} s, but its log publishes epochs of {} s: an epoch length told to some people only would mark their credentials and tips; nothing was sent, do not use this service",
            info.epoch_seconds,
            schedule.epoch_seconds()
        ))
        .into());
    }
    let local = schedule.epoch_at(unix_now);
    if info.epoch.abs_diff(local.0) > 1 {
        return Err(WhistleblowerError::ClockSkew {
            service: info.epoch,
            local,
        });
    }
    Ok(local)
}

/// The credential must be valid now, and carry an expiry the published schedule gives
/// everyone who enrolls about now: any other marks its holder.
fn check_expiry(
    credential: &Credential,
    schedule: &ExpirySchedule,
    now: Epoch,
    service_epoch: u64,
) -> Result<()> {
    let expiry = credential.expiry();
    if expiry < now.max(Epoch(service_epoch)) {
        return Err(WhistleblowerError::Expired {
            expiry,
            now: service_epoch,
        });
    }
    if !schedule.admits(expiry, now) {
        return Err(Untrusted(format!(
            "your credential expires at epoch {expiry}, which the published schedule gives nobody now (a credential issued in epoch {now} expires at {}): whoever set it could recognise every tip you send, so nothing was sent. Enroll again with a new code, and tell the registrar",
            schedule.expiry_for(now)
        ))
        .into());
    }
    Ok(())
}
