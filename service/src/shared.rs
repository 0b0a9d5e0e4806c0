//! What every handler and background task shares ([`Shared`]): the configuration, the ledger,
//! the state derived from it, the sled trees beside it, and the one writer of the ledger.
//! The bottom of the service with [`crate::state`]: it imports no module that handles
//! requests, rules, the tip pool or anchoring.
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

use std::{
    ops::Range,
    path::{Path, PathBuf},
    sync::{mpsc, Arc, Mutex, RwLock},
    thread::JoinHandle,
};

use ed25519_dalek::VerifyingKey;
use probity_core::ParamsManifest;
use probity_credentials::{ExpirySchedule, Issuer, TipPublicKey};
use probity_ledger::{
    leaf_hash, DurableDb, Entry, EntryBody, IssuerParamsBytes, Log, ParamsPublished, Receipt,
    SledStore, Timestamp, TipKeyBytes, WhistleblowerKeysPublished,
};

use crate::{
    api::{KeySetup, TipReply},
    auth::parse_public_key,
    budget::BodyBudget,
    clock::Clock,
    config::Config,
    error::{ApiError, OpenError},
    files,
    metrics::Metrics,
    proofs::ProofChecker,
    state::{Directory, Private, State},
    tip_store::{PoolDir, Reservations},
};

/// Most jobs one ledger append takes.
const MAX_BATCH: usize = 1024;
/// Most jobs waiting for the writer; more are refused with 503.
const MAX_QUEUE: usize = 8192;

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

/// Everything the handlers and the background tasks share.
pub(crate) struct Shared {
    pub(crate) config: Config,
    pub(crate) clock: Clock,
    /// The database; its `flush` is the durability barrier of every acknowledged write.
    pub(crate) db: DurableDb,
    pub(crate) log: Log<SledStore>,
    pub(crate) state: RwLock<State>,
    /// The state's directory as of the last durable write; see [`Directory`].
    directory: RwLock<Arc<Directory>>,
    /// The tip window (time ÷ `tip_batch_secs`) whose pool was last logged; the tip pool's
    /// sweep ([`crate::tip_pool`]) keeps it.
    pub(crate) tip_window: Mutex<u64>,
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
    /// How the manifest's keys were made: `/v1/info` and every page of the register say it.
    pub(crate) keys: KeySetup,
    pub(crate) proofs: ProofChecker,
    pub(crate) metrics: Metrics,
    /// The bytes of request bodies held at once, across all requests.
    pub(crate) body_budget: BodyBudget,
    writer: Mutex<Option<mpsc::SyncSender<Job>>>,
    data_dir: PathBuf,
}

/// What [`Service::open`](crate::Service::open) made of the configuration and the data
/// folder, for [`Shared::new`].
pub(crate) struct Parts {
    pub(crate) config: Config,
    pub(crate) clock: Clock,
    pub(crate) db: DurableDb,
    pub(crate) log: Log<SledStore>,
    pub(crate) registrar: Option<VerifyingKey>,
    pub(crate) trees: Trees,
    pub(crate) pool: PoolDir,
    pub(crate) issuer: Issuer,
    pub(crate) schedule: ExpirySchedule,
    pub(crate) tip_key: TipPublicKey,
    pub(crate) manifest: ParamsManifest,
    pub(crate) keys: KeySetup,
    pub(crate) proofs: ProofChecker,
    pub(crate) data_dir: PathBuf,
}

impl Trees {
    /// Opens (or makes) the trees in `db`.
    pub(crate) fn open(db: &DurableDb) -> Result<Self, OpenError> {
        let tree = |name: &str| {
            db.sled()
                .open_tree(name)
                .map_err(|e| OpenError(format!("cannot open the database: {e}")))
        };
        Ok(Trees {
            private: tree("private")?,
            nonces: tree("nonces")?,
            codes: tree("enrollment-codes")?,
            replies: tree("tip-replies")?,
            anchor: tree("anchor")?,
        })
    }
}

pub(crate) fn read_registrar_file(dir: &Path) -> Result<Option<VerifyingKey>, String> {
    let path = dir.join(files::REGISTRAR_PUBLIC_KEY);
    match std::fs::read_to_string(&path) {
        Ok(text) => parse_public_key(&text)
            .map(Some)
            .map_err(|e| format!("{}: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

impl Shared {
    /// The shared part of a service being opened: an empty state, no writer yet. Then, in
    /// this order: [`Self::replay`] the ledger, [`Self::install`] the state, publish the keys
    /// ([`Self::publish_keys`]) and [`Self::start_writer`].
    pub(crate) fn new(parts: Parts) -> Self {
        let body_budget = BodyBudget::new(parts.config.max_body_bytes_in_flight);
        Shared {
            config: parts.config,
            clock: parts.clock,
            db: parts.db,
            log: parts.log,
            state: RwLock::new(State::new(parts.registrar)),
            directory: RwLock::default(),
            tip_window: Mutex::new(0),
            flushed: tokio::sync::Mutex::new(0),
            flush_requests: std::sync::atomic::AtomicU64::new(0),
            trees: parts.trees,
            pool: parts.pool,
            reserved: Reservations::default(),
            issuer: parts.issuer,
            schedule: parts.schedule,
            tip_key: parts.tip_key,
            manifest: parts.manifest,
            keys: parts.keys,
            proofs: parts.proofs,
            metrics: Metrics::new(),
            body_budget,
            writer: Mutex::new(None),
            data_dir: parts.data_dir,
        }
    }

    /// Makes `state` (replayed from the ledger, so no further ahead than it) the state, and
    /// its directory the one readers see.
    pub(crate) fn install(&self, state: State) {
        self.publish_directory(&state);
        *self.state_mut() = state;
    }

    /// Starts the writer thread; writes are refused until then.
    pub(crate) fn start_writer(self: &Arc<Self>) -> Result<JoinHandle<()>, OpenError> {
        let (tx, rx) = mpsc::sync_channel::<Job>(MAX_QUEUE);
        *self
            .writer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(tx);
        let writer_shared = Arc::clone(self);
        std::thread::Builder::new()
            .name("probity-writer".into())
            .spawn(move || writer_shared.run_writer(&rx))
            .map_err(|e| OpenError(format!("cannot start the writer: {e}")))
    }

    /// Stops taking writes: the writer finishes the jobs it accepted, then its thread ends.
    pub(crate) fn stop_writer(&self) {
        self.writer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
    }

    /// The data folder.
    pub(crate) fn data_dir(&self) -> &Path {
        &self.data_dir
    }

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

    /// Rebuilds the state from the ledger and the private data, with `registrar` as the
    /// registrar's key (which is configuration, not on the ledger). It takes no lock: the
    /// writer calls it while it holds the state's.
    pub(crate) fn replay(&self, registrar: Option<VerifyingKey>) -> Result<State, ApiError> {
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
            let reply: TipReply = serde_json::from_slice(&value)
                .map_err(|e| ApiError::internal(format!("a stored reply is damaged: {e}")))?;
            if let Some(tip) = state.tips.get_mut(&entry) {
                tip.replies.push(reply);
            }
        }
        Ok(state)
    }

    /// Adds a reply, already stored durably, to its tip.
    pub(crate) fn add_reply(&self, entry: u64, reply: TipReply) {
        if let Some(tip) = self.state_mut().tips.get_mut(&entry) {
            tip.replies.push(reply);
        }
    }

    /// Logs the params manifest and the whistleblower keys when the ledger lacks them, and
    /// signs a checkpoint if the last one is behind the log (after a crash).
    pub(crate) fn publish_keys(&self) -> Result<(), ApiError> {
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
                // The writer holds the state's lock: reading the registrar key through
                // `self.state()` here would wait for itself forever.
                match self.replay(state.directory.registrar) {
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
}
