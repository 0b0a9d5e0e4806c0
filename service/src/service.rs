//! The running service: its data folder, its state, and the one writer of its ledger.
//!
//! # Writes
//!
//! Every write goes through one writer thread. Handlers check everything that needs no
//! state (signatures, presentations; proofs in batches on the
//! [`ProofChecker`](crate::proofs)'s workers: the slow part) concurrently, then hand the
//! writer a `prepare` closure. The writer takes all waiting jobs at once (group commit):
//! under the state lock it runs each job's `prepare` against the state as the jobs before it
//! left it, applies the entries, stores their private data, appends the whole batch to the
//! ledger with one checkpoint in one atomic write (one flush) and answers every job with
//! its receipts. Readers of who is registered use a snapshot the writer publishes after
//! each durable batch, and never wait for the state lock. A job
//! that breaks a rule writes nothing and gets its error; a failed append rolls the state
//! back by replaying the ledger, so the state never runs ahead of what is durable.
//!
//! # Data folder
//!
//! | path | holds |
//! |---|---|
//! | `db/` | the sled database: the ledger, private details, nonces, enrollment codes, replies |
//! | `tip-pool/` | tips waiting to be logged, one file each, deleted once logged (see [`crate::tip_pool`]) |
//! | `log.key` | the log's checkpoint signing key (mode 0600) |
//! | `issuer.key` | the credential issuer's secret key (mode 0600) |
//! | `tip.pub` | the supervisors' tip public key |
//! | `supervisor-tip.key` | made on first start only: the supervisors' tip secret key, to hand over and delete |
//! | `params/` | Groth16 keys and their manifest (dev keys made on first start) |
//! | `registrar.pub` | the registrar's public key (written by `probity admin init`) |

use std::{
    collections::HashMap,
    ops::Range,
    path::{Path, PathBuf},
    sync::{mpsc, Arc, Mutex, PoisonError, RwLock},
    thread::JoinHandle,
};

use ed25519_dalek::VerifyingKey;
use probity_core::{Capacity, ParamsManifest, StatementKind};
use probity_credentials::{ExpirySchedule, Issuer, IssuerSecretKey, TipPublicKey, TipSecretKey};
use probity_ledger::{
    leaf_hash, CheckpointSigner, DurableDb, Entry, EntryBody, IssuerParamsBytes, Log,
    ParamsPublished, Receipt, SledStore, Timestamp, TipKeyBytes, WhistleblowerKeysPublished,
};
use probity_verifier::StatementVerifyingKey;

use crate::{
    config::Config,
    error::ApiError,
    metrics::Metrics,
    proofs::ProofChecker,
    state::{Directory, Private, State},
    tip_pool::{PoolDir, Reservations},
};

/// The service's clock: milliseconds since the Unix epoch. Tests pass their own.
pub type Clock = Arc<dyn Fn() -> Timestamp + Send + Sync>;

/// The system clock.
pub fn system_clock() -> Clock {
    Arc::new(Timestamp::now)
}

/// Most jobs one ledger append takes.
const MAX_BATCH: usize = 1024;
/// Most jobs waiting for the writer; more are refused with 503.
const MAX_QUEUE: usize = 8192;

/// File names in the data folder.
pub mod files {
    /// The sled database folder.
    pub const DB: &str = "db";
    /// The tip pool's folder.
    pub const TIP_POOL: &str = "tip-pool";
    /// The log's signing key.
    pub const LOG_KEY: &str = "log.key";
    /// The credential issuer's secret key.
    pub const ISSUER_KEY: &str = "issuer.key";
    /// The supervisors' tip public key.
    pub const TIP_PUBLIC_KEY: &str = "tip.pub";
    /// The supervisors' tip secret key, made on first start for handing over.
    pub const SUPERVISOR_TIP_KEY: &str = "supervisor-tip.key";
    /// The params folder.
    pub const PARAMS: &str = "params";
    /// The registrar's public key.
    pub const REGISTRAR_PUBLIC_KEY: &str = "registrar.pub";
    /// The chain operator's secret key, for anchoring (`probity serve --anchor evm`).
    pub const CHAIN_KEY: &str = "chain.key";
}

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct OpenError(pub String);

fn open_err(what: &str) -> impl Fn(String) -> OpenError + '_ {
    move |e| OpenError(format!("{what}: {e}"))
}

/// An entry a job wants logged, with what it keeps off the public ledger.
pub(crate) struct Draft {
    pub(crate) body: EntryBody,
    pub(crate) private: Option<Private>,
    /// The entry's time, if not the batch's (tips log a coarse time).
    pub(crate) time: Option<Timestamp>,
}

impl Draft {
    pub(crate) fn public(body: impl Into<EntryBody>) -> Self {
        Self {
            body: body.into(),
            private: None,
            time: None,
        }
    }

    pub(crate) fn with_private(body: impl Into<EntryBody>, private: Private) -> Self {
        Self {
            body: body.into(),
            private: Some(private),
            time: None,
        }
    }
}

/// What a job does under the state lock: check its rules against the state and say what to
/// log. It must not block.
pub(crate) type Prepare = Box<dyn FnOnce(&State, Timestamp) -> Result<Vec<Draft>, ApiError> + Send>;

/// Prepares handed to the writer together, each with its own result, in order.
struct Job {
    prepares: Vec<Prepare>,
    /// Whether the answers carry receipts (inclusion proofs), or only entry counts.
    receipts: bool,
    reply: tokio::sync::oneshot::Sender<Vec<Result<Logged, ApiError>>>,
}

/// What one prepare logged.
pub(crate) struct Logged {
    /// The number of entries.
    pub(crate) entries: u64,
    /// Their receipts, if the job asked for them.
    pub(crate) receipts: Vec<Receipt>,
}

/// The sled trees next to the ledger.
pub(crate) struct Trees {
    /// Leaf hash → [`Private`] (JSON).
    pub(crate) private: sled::Tree,
    /// Signer key ‖ nonce → timestamp: replayed nonces are refused.
    pub(crate) nonces: sled::Tree,
    /// Enrollment code hash → scope and the request that spent it.
    pub(crate) codes: sled::Tree,
    /// Tip entry ‖ sequence → reply (JSON).
    pub(crate) replies: sled::Tree,
    /// Registry address → how far anchoring got (see `crate::anchor`).
    #[cfg_attr(not(feature = "evm"), allow(dead_code))]
    pub(crate) anchor: sled::Tree,
}

/// Everything the handlers share.
pub(crate) struct Shared {
    pub(crate) config: Config,
    pub(crate) clock: Clock,
    /// The database; its `flush` is the durability barrier of every acknowledged write.
    pub(crate) db: DurableDb,
    pub(crate) log: Log<SledStore>,
    pub(crate) state: RwLock<State>,
    /// The state's directory as of the last durable write; see [`Directory`].
    directory: RwLock<Arc<Directory>>,
    /// The tip window (time ÷ `tip_batch_secs`) whose pool was last logged.
    tip_window: Mutex<u64>,
    /// Writes made durable by [`Shared::flush`] so far, and how many were asked for.
    flushed: tokio::sync::Mutex<u64>,
    flush_requests: std::sync::atomic::AtomicU64,
    pub(crate) trees: Trees,
    /// Tips waiting to be logged.
    pub(crate) pool: PoolDir,
    /// Tags of accepted tips (one tip per tag), in memory only.
    pub(crate) reserved: Reservations,
    pub(crate) issuer: Issuer,
    /// The published schedule of epochs and credential expiries.
    pub(crate) schedule: ExpirySchedule,
    pub(crate) tip_key: TipPublicKey,
    pub(crate) manifest: ParamsManifest,
    pub(crate) proofs: ProofChecker,
    pub(crate) metrics: Metrics,
    /// The bytes of request bodies held at once, across all requests.
    pub(crate) body_budget: crate::budget::BodyBudget,
    /// Where commitments and checkpoints are anchored, if anywhere.
    #[cfg(feature = "evm")]
    pub(crate) anchoring: Option<crate::anchor::Anchoring>,
    writer: Mutex<Option<mpsc::SyncSender<Job>>>,
    data_dir: PathBuf,
}

/// A running service: open it, take its [`router`](Service::router), and
/// [`shutdown`](Service::shutdown) when done.
pub struct Service {
    pub(crate) shared: Arc<Shared>,
    writer: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Service")
            .field("data_dir", &self.shared.data_dir)
            .finish_non_exhaustive()
    }
}

/// Writes `bytes` to `path` with mode 0600 (Unix), atomically and durably (the file synced
/// before the rename, the folder after), with modification time `mtime` if given.
pub(crate) fn write_secret(
    path: &Path,
    bytes: &[u8],
    mtime: Option<std::time::SystemTime>,
) -> Result<(), String> {
    use std::io::Write as _;
    let tmp = path.with_extension("tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options
        .open(&tmp)
        .map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
    file.write_all(bytes)
        .and_then(|()| mtime.map_or(Ok(()), |t| file.set_modified(t)))
        .and_then(|()| file.sync_all())
        .map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    probity_params::sync_parent(path).map_err(|e| e.to_string())
}

fn read_hex_file(path: &Path) -> Result<Option<Vec<u8>>, String> {
    match std::fs::read_to_string(path) {
        Ok(text) => hex::decode(text.trim())
            .map(Some)
            .map_err(|_| format!("{} is not hex: it is damaged", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

/// Parses an Ed25519 public key in hex.
pub(crate) fn parse_public_key(text: &str) -> Result<VerifyingKey, String> {
    hex::decode(text.trim())
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .and_then(|b| VerifyingKey::from_bytes(&b).ok())
        .ok_or_else(|| "not an Ed25519 public key (64 hex characters)".to_owned())
}

impl Service {
    /// Opens the service on `config.data_dir`, making what is missing on first start: the
    /// database, the log key, the issuer key, the tip key pair and dev params.
    pub fn open(config: Config, clock: Clock) -> Result<Self, OpenError> {
        config.validate().map_err(OpenError)?;
        let schedule = config.expiry_schedule().map_err(OpenError)?;
        let dir = config.data_dir.clone();
        // Before anything is made: a mistaken anchoring setup leaves the folder untouched.
        #[cfg(feature = "evm")]
        let anchoring = config
            .anchor
            .as_ref()
            .map(|a| crate::anchor::Anchoring::open(a, &dir))
            .transpose()?;
        #[cfg(not(feature = "evm"))]
        if config.anchor.is_some() {
            return Err(OpenError(
                "this probity was built without EVM support, so it cannot anchor: build it with `--features evm`".into(),
            ));
        }
        std::fs::create_dir_all(&dir)
            .map_err(|e| OpenError(format!("cannot create {}: {e}", dir.display())))?;
        let db = DurableDb::open(dir.join(files::DB)).map_err(|e| OpenError(format!("cannot open the database in {}: {e}; is another probity serve running on this folder?", dir.display())))?;

        let log_key = dir.join(files::LOG_KEY);
        let signer = if log_key.exists() {
            CheckpointSigner::load(&log_key).map_err(|e| OpenError(e.to_string()))?
        } else {
            let s = CheckpointSigner::generate(&config.origin, &mut rand::rngs::OsRng)
                .map_err(|e| OpenError(e.to_string()))?;
            s.save(&log_key).map_err(|e| OpenError(e.to_string()))?;
            s
        };
        if signer.name() != config.origin {
            return Err(OpenError(format!(
                "the log key in {} is for origin `{}`, but the config says `{}`: a log keeps its origin for life",
                log_key.display(),
                signer.name(),
                config.origin
            )));
        }

        let issuer_path = dir.join(files::ISSUER_KEY);
        let issuer = match read_hex_file(&issuer_path).map_err(OpenError)? {
            Some(bytes) => Issuer::from_secret_key(
                IssuerSecretKey::from_bytes(&bytes)
                    .map_err(|e| OpenError(format!("{} is damaged: {e}", issuer_path.display())))?,
            ),
            None => {
                let issuer = Issuer::generate(&mut rand::rngs::OsRng);
                write_secret(
                    &issuer_path,
                    hex::encode(&*issuer.secret_key().to_bytes()).as_bytes(),
                    None,
                )
                .map_err(OpenError)?;
                issuer
            }
        };

        let tip_path = dir.join(files::TIP_PUBLIC_KEY);
        let configured_tip_key = config
            .tip_public_key
            .as_deref()
            .map(|text| {
                hex::decode(text.trim())
                    .ok()
                    .and_then(|b| TipPublicKey::from_bytes(&b).ok())
                    .ok_or_else(|| {
                        OpenError(
                            "tip_public_key is not a tip public key (hex, from `probity supervisor tip-keygen`)"
                                .into(),
                        )
                    })
            })
            .transpose()?;
        let tip_key = match configured_tip_key {
            Some(key) => key,
            None => match read_hex_file(&tip_path).map_err(OpenError)? {
                Some(bytes) => TipPublicKey::from_bytes(&bytes)
                    .map_err(|e| OpenError(format!("{} is damaged: {e}", tip_path.display())))?,
                None => {
                    // The service keeps only the public half; the secret half is for supervisors.
                    let secret = TipSecretKey::generate(&mut rand::rngs::OsRng);
                    write_secret(
                        &dir.join(files::SUPERVISOR_TIP_KEY),
                        hex::encode(*secret.to_bytes()).as_bytes(),
                        None,
                    )
                    .map_err(OpenError)?;
                    let public = secret.public_key();
                    write_secret(&tip_path, hex::encode(public.to_bytes()).as_bytes(), None)
                        .map_err(OpenError)?;
                    tracing::warn!(
                    "made the supervisors' tip key pair: hand {} to the supervisors and delete it from this machine",
                    dir.join(files::SUPERVISOR_TIP_KEY).display()
                );
                    public
                }
            },
        };

        let manifest = ensure_params(&dir.join(files::PARAMS), &config.capacities)?;
        let mut keys = HashMap::new();
        for entry in &manifest.keys {
            let vk = StatementVerifyingKey::from_manifest_entry(entry)
                .map_err(|e| OpenError(format!("the params manifest is damaged: {e}")))?;
            keys.insert((entry.statement, entry.capacity), vk);
        }
        let workers = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
        let proofs = ProofChecker::start(keys, workers)
            .map_err(|e| OpenError(format!("cannot start the proof checkers: {e}")))?;

        let registrar = match &config.registrar_key {
            Some(text) => {
                Some(parse_public_key(text).map_err(open_err("the configured registrar key"))?)
            }
            None => read_registrar_file(&dir).map_err(OpenError)?,
        };

        let store = SledStore::from_db(db.clone()).map_err(|e| OpenError(e.to_string()))?;
        let log = Log::open(store, signer).map_err(|e| OpenError(e.to_string()))?;
        let tree = |name: &str| {
            db.sled()
                .open_tree(name)
                .map_err(|e| OpenError(format!("cannot open the database: {e}")))
        };
        let trees = Trees {
            private: tree("private")?,
            nonces: tree("nonces")?,
            codes: tree("enrollment-codes")?,
            replies: tree("tip-replies")?,
            anchor: tree("anchor")?,
        };
        let body_budget = crate::budget::BodyBudget::new(config.max_body_bytes_in_flight);
        let pool = PoolDir::open(dir.join(files::TIP_POOL)).map_err(OpenError)?;
        let shared = Arc::new(Shared {
            config,
            clock,
            db,
            log,
            state: RwLock::new(State::new(registrar)),
            directory: RwLock::default(),
            tip_window: Mutex::new(0),
            flushed: tokio::sync::Mutex::new(0),
            flush_requests: std::sync::atomic::AtomicU64::new(0),
            trees,
            pool,
            reserved: Reservations::default(),
            issuer,
            schedule,
            tip_key,
            manifest,
            proofs,
            metrics: Metrics::new(),
            body_budget,
            #[cfg(feature = "evm")]
            anchoring,
            writer: Mutex::new(None),
            data_dir: dir,
        });
        let state = shared.replay().map_err(|e| OpenError(e.message))?;
        // A tag reserved by a tip that reached neither the ledger nor the pool (a crash
        // between the two) is free again.
        shared
            .reserve_logged_and_pooled_tags(&state)
            .map_err(|e| OpenError(e.message))?;
        shared.publish_directory(&state);
        *shared.state_mut() = state;
        // Tips pooled before a restart wait for the end of the current window.
        if let Some(window) = shared.tip_window_now() {
            *shared
                .tip_window
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = window;
        }
        shared.publish_keys().map_err(|e| OpenError(e.message))?;

        let (tx, rx) = mpsc::sync_channel::<Job>(MAX_QUEUE);
        *shared
            .writer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(tx);
        let writer_shared = Arc::clone(&shared);
        let writer = std::thread::Builder::new()
            .name("probity-writer".into())
            .spawn(move || writer_shared.run_writer(&rx))
            .map_err(|e| OpenError(format!("cannot start the writer: {e}")))?;
        Ok(Service {
            shared,
            writer: Some(writer),
        })
    }

    /// The axum application.
    pub fn router(&self) -> axum::Router {
        crate::routes::router(Arc::clone(&self.shared))
    }

    /// The data folder.
    pub fn data_dir(&self) -> &Path {
        &self.shared.data_dir
    }

    /// Checks deadlines now (overdue filings, expired challenges) and logs what fired, and
    /// logs the tip pool if its window has closed. Returns the number of entries logged.
    /// The server does this every `sweep_interval_secs`.
    pub async fn sweep(&self) -> Result<usize, ApiError> {
        self.shared.sweep().await
    }

    /// Stops taking writes, lets the writer finish every job it accepted, and flushes.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        self.shared
            .writer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(handle) = self.writer.take() {
            let _ = handle.join();
        }
        let _ = self.shared.db.flush();
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        self.stop();
    }
}

fn read_registrar_file(dir: &Path) -> Result<Option<VerifyingKey>, String> {
    let path = dir.join(files::REGISTRAR_PUBLIC_KEY);
    match std::fs::read_to_string(&path) {
        Ok(text) => parse_public_key(&text)
            .map(Some)
            .map_err(|e| format!("{}: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

/// Opens the params folder, making dev keys for every statement at each missing capacity.
fn ensure_params(dir: &Path, capacities: &[usize]) -> Result<ParamsManifest, OpenError> {
    let have = match probity_params::Params::open(dir) {
        Ok(p) => p.manifest().clone(),
        Err(probity_params::ParamsError::NoManifest(_)) => ParamsManifest {
            version: probity_core::PARAMS_MANIFEST_VERSION,
            setup: "dev".into(),
            keys: Vec::new(),
        },
        Err(e) => return Err(OpenError(e.to_string())),
    };
    let missing: Vec<Capacity> = capacities
        .iter()
        .filter_map(|c| Capacity::new(*c).ok())
        .filter(|c| {
            StatementKind::ALL
                .iter()
                .any(|k| have.entry(*k, *c).is_none())
        })
        .collect();
    if missing.is_empty() {
        return Ok(have);
    }
    tracing::warn!(
        "making DEVELOPMENT Groth16 keys in {} (whoever makes dev keys can forge proofs: use ceremony keys in production)",
        dir.display()
    );
    probity_params::setup_dev(
        dir,
        &StatementKind::ALL,
        &missing,
        &mut rand::rngs::OsRng,
        |step| {
            tracing::info!(
                "dev key {}/{}: {} at capacity {}",
                step.index + 1,
                step.total,
                step.statement,
                step.capacity
            );
        },
    )
    .map_err(|e| OpenError(e.to_string()))
}

impl Shared {
    pub(crate) fn state(&self) -> std::sync::RwLockReadGuard<'_, State> {
        self.state
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn state_mut(&self) -> std::sync::RwLockWriteGuard<'_, State> {
        self.state
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Who is registered, as of the last durable write. Unlike [`Self::state`], this never
    /// waits for the writer.
    pub(crate) fn directory(&self) -> Arc<Directory> {
        Arc::clone(
            &self
                .directory
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }

    /// Makes `state`'s directory the one readers see. Call it only with a state that is no
    /// further ahead than the ledger on disk.
    fn publish_directory(&self, state: &State) {
        let mut directory = self
            .directory
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if !Arc::ptr_eq(&directory, &state.directory) {
            *directory = Arc::clone(&state.directory);
        }
    }

    pub(crate) fn now(&self) -> Timestamp {
        (self.clock)()
    }

    /// The current tip epoch.
    pub(crate) fn epoch(&self) -> u64 {
        self.schedule.epoch_at(self.now().as_millis() / 1000).0
    }

    /// The registrar key: the configured one, else `DATA/registrar.pub`, read again while
    /// there is none (so `probity admin init` works without a restart).
    pub(crate) fn refresh_registrar(&self) {
        if self.config.registrar_key.is_some() || self.directory().registrar.is_some() {
            return;
        }
        if let Ok(Some(key)) = read_registrar_file(&self.data_dir) {
            let mut state = self.state_mut();
            state.set_registrar(Some(key));
            self.publish_directory(&state);
        }
    }

    /// Rebuilds the state from the ledger and the private data.
    fn replay(&self) -> Result<State, ApiError> {
        let registrar = self.state().directory.registrar;
        let mut state = State::new(registrar);
        let size = self.log.size()?;
        let mut start = 0;
        while start < size {
            let end = (start + 4096).min(size);
            for (i, bytes) in (start..).zip(self.log.entries_bytes(start, end)?) {
                let entry = Entry::from_canonical_json(&bytes).map_err(|e| {
                    ApiError::internal(format!("ledger entry {i} cannot be read: {e}"))
                })?;
                let private = self
                    .trees
                    .private
                    .get(leaf_hash(&bytes).0)?
                    .map(|v| serde_json::from_slice::<Private>(&v))
                    .transpose()
                    .map_err(|e| {
                        ApiError::internal(format!("the private data of entry {i} is damaged: {e}"))
                    })?;
                state.apply(i, &entry, private.as_ref());
            }
            start = end;
        }
        // Replies never go on the ledger; they join their tips here.
        for item in self.trees.replies.iter() {
            let (key, value) = item?;
            let entry = key
                .get(..8)
                .and_then(|k| <[u8; 8]>::try_from(k).ok())
                .map(u64::from_be_bytes)
                .ok_or_else(|| ApiError::internal("a stored reply key is damaged"))?;
            let reply: crate::api::TipReply = serde_json::from_slice(&value)
                .map_err(|e| ApiError::internal(format!("a stored reply is damaged: {e}")))?;
            if let Some(tip) = state.tips.get_mut(&entry) {
                tip.replies.push(reply);
            }
        }
        Ok(state)
    }

    /// Adds a reply, already stored durably, to its tip.
    pub(crate) fn add_reply(&self, entry: u64, reply: crate::api::TipReply) {
        if let Some(tip) = self.state_mut().tips.get_mut(&entry) {
            tip.replies.push(reply);
        }
    }

    /// Logs the params manifest and the whistleblower keys when the ledger lacks them, and
    /// signs a checkpoint if the last one is behind the log (after a crash).
    fn publish_keys(&self) -> Result<(), ApiError> {
        let mut state = self.state_mut();
        let mut drafts = Vec::new();
        if state.params_published.as_ref() != Some(&self.manifest) {
            drafts.push(Draft::public(ParamsPublished {
                manifest: self.manifest.clone(),
            }));
        }
        let issuer_params = IssuerParamsBytes(
            self.issuer
                .public_params()
                .to_bytes()
                .try_into()
                .map_err(|_| ApiError::internal("issuer parameters have an unexpected length"))?,
        );
        // A log keeps its schedule for life: clients refuse a log that changes it, since a
        // schedule changed for some people only would mark them.
        if let Some(published) = &state.whistleblower_keys {
            let logged = (
                published.epoch_seconds,
                published.expiry_period_epochs,
                published.expiry_periods,
            );
            let configured = (
                self.schedule.epoch_seconds(),
                self.schedule.period_epochs(),
                self.schedule.periods(),
            );
            if logged != configured {
                return Err(ApiError::internal(format!(
                    "the log published tip epochs of {} s (expiry periods of {} epochs, {} periods), but the configuration asks for epochs of {} s: a log keeps its epoch length for life, because whistleblowers' clients refuse a log that changes it; set epoch_seconds = {}",
                    logged.0, logged.1, logged.2, configured.0, logged.0
                )));
            }
        }
        let keys = WhistleblowerKeysPublished {
            issuer_params,
            tip_key: TipKeyBytes(self.tip_key.to_bytes()),
            epoch_seconds: self.schedule.epoch_seconds(),
            expiry_period_epochs: self.schedule.period_epochs(),
            expiry_periods: self.schedule.periods(),
        };
        if state.whistleblower_keys.as_ref() != Some(&keys) {
            drafts.push(Draft::public(keys));
        }
        let now = self.now();
        if !drafts.is_empty() {
            self.commit(
                &mut state,
                vec![(Box::new(move |_: &State, _| Ok(drafts)) as Prepare)],
                now,
            )
            .0
            .into_iter()
            .next()
            .unwrap_or_else(|| Err(ApiError::internal("no result")))?;
        }
        let behind = match self.log.latest_checkpoint()? {
            Some(cp) => cp.size() < self.log.size()?,
            None => true,
        };
        if behind {
            self.log.checkpoint_at(now.as_millis() / 1000)?;
        }
        Ok(())
    }

    /// Makes every write this task made so far durable (for the handlers' writes beside the
    /// ledger: the tip pool, replies).
    ///
    /// One barrier ([`DurableDb::flush`]: sled's flush, then `fdatasync`) at a time, on a
    /// blocking thread, and one for every request waiting: a request whose write an earlier
    /// barrier covered returns at once. (sled's own
    /// `flush_async` runs on sled's I/O pool; many at once occupy every thread of it and wait
    /// for buffer writes that need the same pool, and nothing moves again.)
    pub(crate) async fn flush(self: &Arc<Self>) -> Result<(), ApiError> {
        use std::sync::atomic::Ordering::SeqCst;
        // Counted after the write: a flush that starts after this count covers the write.
        let mine = self.flush_requests.fetch_add(1, SeqCst) + 1;
        let mut flushed = self.flushed.lock().await;
        if *flushed >= mine {
            return Ok(());
        }
        let covers = self.flush_requests.load(SeqCst);
        let shared = Arc::clone(self);
        tokio::task::spawn_blocking(move || shared.db.flush())
            .await
            .map_err(|_| ApiError::internal("a flush stopped"))??;
        *flushed = covers;
        Ok(())
    }

    /// Hands a job to the writer and waits for its receipts.
    pub(crate) async fn write(&self, prepare: Prepare) -> Result<Vec<Receipt>, ApiError> {
        self.write_all(vec![prepare], true)
            .await?
            .pop()
            .unwrap_or_else(|| Err(ApiError::internal("the writer gave no answer")))
            .map(|logged| logged.receipts)
    }

    /// Hands jobs to the writer at once, to run in this order (each sees the state the ones
    /// before it left), and waits for what each one logged, with receipts if asked.
    pub(crate) async fn write_all(
        &self,
        prepares: Vec<Prepare>,
        receipts: bool,
    ) -> Result<Vec<Result<Logged, ApiError>>, ApiError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        {
            let writer = self
                .writer
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let tx = writer
                .as_ref()
                .ok_or_else(|| ApiError::unavailable("the service is shutting down"))?;
            tx.try_send(Job {
                prepares,
                receipts,
                reply,
            })
            .map_err(|e| match e {
                mpsc::TrySendError::Full(_) => {
                    ApiError::unavailable("too many writes are waiting; try again shortly")
                }
                mpsc::TrySendError::Disconnected(_) => {
                    ApiError::unavailable("the service is shutting down")
                }
            })?;
        }
        answer
            .await
            .map_err(|_| ApiError::internal("the writer stopped before answering"))
    }

    fn run_writer(&self, rx: &mpsc::Receiver<Job>) {
        while let Ok(first) = rx.recv() {
            let mut jobs = vec![first];
            while jobs.len() < MAX_BATCH {
                match rx.try_recv() {
                    Ok(job) => jobs.push(job),
                    Err(_) => break,
                }
            }
            let mut prepares = Vec::new();
            let mut replies = Vec::with_capacity(jobs.len());
            for job in jobs {
                replies.push((job.reply, job.prepares.len(), job.receipts));
                prepares.extend(job.prepares);
            }
            self.metrics.batch(prepares.len());
            let now = self.now();
            let (results, checkpoint) = {
                let mut state = self.state_mut();
                let results = self.commit(&mut state, prepares, now);
                self.publish_directory(&state);
                results
            };
            // Receipts are read from the durable log, without the state lock.
            let mut results = results.into_iter();
            for (reply, count, with_receipts) in replies {
                let answers = results
                    .by_ref()
                    .take(count)
                    .map(|result| {
                        let range = result?;
                        let receipts = match &checkpoint {
                            Some(cp) if with_receipts => range
                                .clone()
                                .map(|i| self.log.receipt(i, cp).map_err(ApiError::from))
                                .collect::<Result<_, _>>()?,
                            _ => Vec::new(),
                        };
                        Ok(Logged {
                            entries: range.end - range.start,
                            receipts,
                        })
                    })
                    .collect();
                let _ = reply.send(answers);
            }
        }
    }

    /// Runs the jobs against the state, logs what they ask in one append and one checkpoint,
    /// and returns the entries each job logged, and the checkpoint if anything was. On a
    /// failed append the state is rebuilt from the ledger and every job fails.
    fn commit(
        &self,
        state: &mut State,
        prepares: Vec<Prepare>,
        now: Timestamp,
    ) -> (
        Vec<Result<Range<u64>, ApiError>>,
        Option<probity_ledger::SignedCheckpoint>,
    ) {
        let mut encoded: Vec<Vec<u8>> = Vec::new();
        let mut privates: Vec<([u8; 32], Vec<u8>)> = Vec::new();
        let mut outcomes: Vec<Result<Range<u64>, ApiError>> = Vec::with_capacity(prepares.len());
        for prepare in prepares {
            let outcome = prepare(state, now).and_then(|drafts| {
                let mut entries = Vec::with_capacity(drafts.len());
                for d in drafts {
                    let entry = Entry::at(d.time.unwrap_or(now), d.body);
                    let bytes = entry
                        .to_canonical_json()
                        .map_err(|e| ApiError::unprocessable(e.to_string()))?;
                    let private_bytes = d
                        .private
                        .as_ref()
                        .map(serde_json::to_vec)
                        .transpose()
                        .map_err(|e| {
                            ApiError::internal(format!("cannot encode private data: {e}"))
                        })?;
                    entries.push((entry, bytes, d.private, private_bytes));
                }
                let first = state.size;
                for (entry, bytes, private, private_bytes) in entries {
                    state.apply(state.size, &entry, private.as_ref());
                    if let Some(p) = private_bytes {
                        privates.push((leaf_hash(&bytes).0, p));
                    }
                    encoded.push(bytes);
                }
                Ok(first..state.size)
            });
            outcomes.push(outcome);
        }
        if encoded.is_empty() {
            return (outcomes, None);
        }
        let durable = (|| -> Result<probity_ledger::SignedCheckpoint, ApiError> {
            // Private data first: the ledger append's one flush makes the private data, the
            // entries and their checkpoint durable, and a crash before it leaves at most
            // unreferenced private data.
            for (hash, private) in &privates {
                self.trees.private.insert(hash, private.as_slice())?;
            }
            // Signed on the service's clock, the same one the entries carry.
            Ok(self
                .log
                .append_checkpointed(encoded, now.as_millis() / 1000)?
                .1)
        })();
        let checkpoint = match durable {
            Ok(cp) => cp,
            Err(e) => {
                tracing::error!(error = %e, "a ledger append failed; rebuilding the state from the ledger");
                match self.replay() {
                    Ok(fresh) => *state = fresh,
                    Err(e) => tracing::error!(error = %e, "cannot rebuild the state"),
                }
                let failed = outcomes
                    .into_iter()
                    .map(|_| {
                        Err(ApiError::internal(
                            "the ledger could not be written; nothing was recorded; try again",
                        ))
                    })
                    .collect();
                return (failed, None);
            }
        };
        self.metrics.ledger_size(checkpoint.size());
        (outcomes, Some(checkpoint))
    }

    /// Logs what the deadlines set off, and forgets nonces too old to be replayed.
    pub(crate) async fn sweep(self: &Arc<Self>) -> Result<usize, ApiError> {
        let receipts = self
            .write(Box::new(|state, now| {
                Ok(crate::routes::sweep_drafts(state, now))
            }))
            .await?;
        let tips = self.sweep_tip_pool().await?;
        // The previous epoch's too are kept: a tip checked just before the epoch turned
        // reserves its tag just after.
        self.reserved.forget_before(self.epoch().saturating_sub(1));
        let horizon = self
            .now()
            .as_millis()
            .saturating_div(1000)
            .saturating_sub(2 * crate::auth::MAX_CLOCK_SKEW_SECS);
        for item in self.trees.nonces.iter() {
            let (key, value) = item?;
            let ts = <[u8; 8]>::try_from(value.as_ref()).map_or(0, u64::from_be_bytes);
            if ts < horizon {
                self.trees.nonces.remove(key)?;
            }
        }
        Ok(receipts.len() + tips)
    }

    /// Logs the tip pool if the window it filled in has closed. Without pooling, logs any
    /// pool left from a restart under another setting.
    async fn sweep_tip_pool(self: &Arc<Self>) -> Result<usize, ApiError> {
        let window = self.tip_window_now();
        let last = *self
            .tip_window
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if window.is_some_and(|w| w <= last) {
            return Ok(0);
        }
        let logged = self.log_tip_pool().await?;
        if let Some(w) = window {
            *self
                .tip_window
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = w;
        }
        Ok(logged)
    }

    /// The current tip window (time ÷ `tip_batch_secs`), if tips are pooled.
    fn tip_window_now(&self) -> Option<u64> {
        let batch = self.config.tip_batch_secs;
        (batch > 0).then(|| self.now().as_millis() / 1000 / batch)
    }

    /// When the current tip window closes (POSIX milliseconds), if tips are pooled.
    pub(crate) fn tip_window_end(&self) -> Option<u64> {
        let batch = self.config.tip_batch_secs;
        (batch > 0).then(|| (self.now().as_millis() / 1000 / batch + 1) * batch * 1000)
    }
}

/// A tag reservation ([`crate::tip_pool::Reservations`]): epoch (big-endian) ‖ tag.
pub(crate) fn tag_key(epoch: u64, tag: &[u8; 32]) -> [u8; 40] {
    let mut k = [0u8; 40];
    k[..8].copy_from_slice(&epoch.to_be_bytes());
    k[8..].copy_from_slice(tag);
    k
}
