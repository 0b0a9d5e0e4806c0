//! The running service: it opens its data folder, assembles the shared state
//! ([`crate::shared`]), the background tasks and the routes, and shuts them down. The one
//! module, with [`crate::serve`], that imports the routes.
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
//! | `params/` | Groth16 keys and their manifest (ceremony keys put there, or dev keys made on first start under [`Config::allow_dev_keys`]) |
//! | `registrar.pub` | the registrar's public key (written by `probity admin init`) |

use std::{collections::HashMap, path::Path, sync::Arc, thread::JoinHandle};

use probity_core::{Capacity, ParamsManifest, StatementKind};
use probity_credentials::{Issuer, IssuerSecretKey, TipPublicKey, TipSecretKey};
use probity_ledger::{CheckpointSigner, DurableDb, Log, SledStore};
use probity_verifier::StatementVerifyingKey;

use crate::{
    api::KeySetup,
    auth::parse_public_key,
    clock::Clock,
    config::Config,
    error::{ApiError, OpenError},
    files::{self, write_secret},
    proofs::ProofChecker,
    shared::{read_registrar_file, Parts, Shared, Trees},
    tip_store::PoolDir,
};

fn open_err(what: &str) -> impl Fn(String) -> OpenError + '_ {
    move |e| OpenError(format!("{what}: {e}"))
}

/// A running service: open it, take its [`router`](Service::router), and
/// [`shutdown`](Service::shutdown) when done.
pub struct Service {
    pub(crate) shared: Arc<Shared>,
    writer: Option<JoinHandle<()>>,
    /// Where commitments and checkpoints are anchored, if anywhere: taken by [`crate::serve`]
    /// for the anchoring task.
    #[cfg(feature = "evm")]
    pub(crate) anchoring: Option<crate::anchor::Anchoring>,
}

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Service")
            .field("data_dir", &self.shared.data_dir())
            .finish_non_exhaustive()
    }
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

impl Service {
    /// Opens the service on `config.data_dir`, making what is missing on first start: the
    /// database, the log key, the issuer key, the tip key pair and, if
    /// [`Config::allow_dev_keys`], dev params.
    ///
    /// Without `allow_dev_keys` it opens only on ceremony keys for every configured capacity:
    /// on dev keys, or where it would have to make them, it refuses before it makes or
    /// changes anything.
    pub fn open(config: Config, clock: Clock) -> Result<Self, OpenError> {
        config.validate().map_err(OpenError)?;
        let schedule = config.expiry_schedule().map_err(OpenError)?;
        let dir = config.data_dir.clone();
        // Before anything is made: keys whose maker could forge proofs, unless allowed, are
        // refused with the folder left as it was.
        let params = plan_params(
            &dir.join(files::PARAMS),
            &config.capacities,
            config.allow_dev_keys,
        )?;
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

        let manifest = ensure_params(params)?;
        let setup = KeySetup::from_manifest(&manifest.setup).ok_or_else(|| {
            OpenError(format!(
                "the params manifest says setup `{}`, which this build does not know",
                manifest.setup
            ))
        })?;
        if setup == KeySetup::Dev {
            tracing::warn!(
                "running on DEVELOPMENT Groth16 keys: whoever made them can forge proofs. /v1/info and every page of the register say so; for production, use ceremony keys"
            );
        }
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
        let trees = Trees::open(&db)?;
        let pool = PoolDir::open(dir.join(files::TIP_POOL)).map_err(OpenError)?;
        let shared = Arc::new(Shared::new(Parts {
            config,
            clock,
            db,
            log,
            registrar,
            trees,
            pool,
            issuer,
            schedule,
            tip_key,
            manifest,
            keys: setup,
            proofs,
            data_dir: dir,
        }));
        let registrar = shared.state().directory.registrar;
        let state = shared.replay(registrar).map_err(|e| OpenError(e.message))?;
        // A tag reserved by a tip that reached neither the ledger nor the pool (a crash
        // between the two) is free again.
        shared
            .reserve_logged_and_pooled_tags(&state)
            .map_err(|e| OpenError(e.message))?;
        shared.install(state);
        // Tips pooled before a restart wait for the end of the current window.
        shared.resume_tip_window();
        shared.publish_keys().map_err(|e| OpenError(e.message))?;
        let writer = shared.start_writer()?;
        Ok(Service {
            shared,
            writer: Some(writer),
            #[cfg(feature = "evm")]
            anchoring,
        })
    }
    /// The log's public key as a signed-note verifier key (`origin+keyid+base64`): what the
    /// operator publishes, so that visitors and clients can pin it without asking the service.
    pub fn log_key(&self) -> String {
        self.shared.log.verifier().ed25519_vkey()
    }

    /// The axum application.
    pub fn router(&self) -> axum::Router {
        crate::routes::router(Arc::clone(&self.shared))
    }

    /// How the Groth16 keys it verifies with were made.
    pub fn keys(&self) -> KeySetup {
        self.shared.keys
    }

    /// The data folder.
    pub fn data_dir(&self) -> &Path {
        self.shared.data_dir()
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
        self.shared.stop_writer();
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

/// What the params folder holds and what [`ensure_params`] will make in it: the checks of
/// [`Service::open`] that read the folder and change nothing.
struct ParamsPlan {
    dir: std::path::PathBuf,
    /// The manifest as it is (an empty dev one where there is none).
    have: ParamsManifest,
    /// The capacities some statement has no key for: dev keys are made for them. Empty
    /// unless dev keys are allowed.
    missing: Vec<Capacity>,
}

/// Reads the params folder's manifest and decides whether this start may use it: with
/// `allow_dev` any known setup, dev keys to be made for every capacity that lacks a key;
/// without it, only ceremony keys that cover every capacity.
fn plan_params(dir: &Path, capacities: &[usize], allow_dev: bool) -> Result<ParamsPlan, OpenError> {
    let found = match probity_params::Params::open(dir) {
        Ok(p) => Some(p.manifest().clone()),
        Err(probity_params::ParamsError::NoManifest(_)) => None,
        Err(e) => return Err(OpenError(e.to_string())),
    };
    let setup = match &found {
        Some(m) => Some(KeySetup::from_manifest(&m.setup).ok_or_else(|| {
            OpenError(format!(
                "the params manifest in {} says setup `{}`, which this build does not know (it knows `dev` and `ceremony`)",
                dir.display(),
                m.setup
            ))
        })?),
        None => None,
    };
    let have = found.unwrap_or_else(|| ParamsManifest {
        version: probity_core::PARAMS_MANIFEST_VERSION,
        setup: KeySetup::Dev.as_str().into(),
        keys: Vec::new(),
    });
    let missing: Vec<Capacity> = capacities
        .iter()
        .filter_map(|c| Capacity::new(*c).ok())
        .filter(|c| {
            StatementKind::ALL
                .iter()
                .any(|k| have.entry(*k, *c).is_none())
        })
        .collect();
    if !allow_dev {
        let why = "whoever made development keys can forge proofs";
        let what_to_do = "Start with --dev to develop or test on development keys; for production, put the keys of a multi-party ceremony there (`probity ceremony`)";
        match setup {
            None => {
                return Err(OpenError(format!(
                    "there are no Groth16 keys in {}, and the keys this service makes are development keys: {why}. {what_to_do}",
                    dir.display()
                )))
            }
            Some(KeySetup::Dev) => {
                return Err(OpenError(format!(
                    "the Groth16 keys in {} are development keys: {why}. {what_to_do}",
                    dir.display()
                )))
            }
            Some(KeySetup::Ceremony) if !missing.is_empty() => {
                let names: Vec<String> = missing.iter().map(ToString::to_string).collect();
                return Err(OpenError(format!(
                    "the ceremony keys in {} have no key for capacity {}: add that capacity's keys from the ceremony, or leave it out of `capacities` (--dev would make development keys for it, and {why})",
                    dir.display(),
                    names.join(", ")
                )));
            }
            Some(KeySetup::Ceremony) => {}
        }
    }
    Ok(ParamsPlan {
        dir: dir.to_owned(),
        have,
        missing,
    })
}

/// Makes dev keys for every statement at each capacity [`plan_params`] found missing, and
/// returns the manifest.
fn ensure_params(plan: ParamsPlan) -> Result<ParamsManifest, OpenError> {
    let ParamsPlan { dir, have, missing } = plan;
    let dir = dir.as_path();
    if missing.is_empty() {
        return Ok(have);
    }
    tracing::warn!(
        "making DEVELOPMENT Groth16 keys in {} (whoever makes dev keys can forge proofs: use ceremony keys in production)",
        dir.display()
    );
    // Each step is reported when the next one starts (or setup ends), with how long it took:
    // the operator sees what a capacity costs on this machine.
    let started = std::time::Instant::now();
    let mut last: Option<(String, std::time::Instant)> = None;
    let report = |done: Option<(String, std::time::Instant)>| {
        if let Some((what, at)) = done {
            tracing::info!("made {what} in {:.1} s", at.elapsed().as_secs_f64());
        }
    };
    let manifest = probity_params::setup_dev(
        dir,
        &StatementKind::ALL,
        &missing,
        &mut rand::rngs::OsRng,
        |step| {
            report(last.take());
            let what = format!(
                "dev key {}/{}: {} at capacity {}",
                step.index + 1,
                step.total,
                step.statement,
                step.capacity
            );
            tracing::info!("making {what}");
            last = Some((what, std::time::Instant::now()));
        },
    )
    .map_err(|e| OpenError(e.to_string()))?;
    report(last);
    let capacities: Vec<String> = missing.iter().map(ToString::to_string).collect();
    tracing::info!(
        "made the dev keys for capacity {} in {:.1} s",
        capacities.join(", "),
        started.elapsed().as_secs_f64()
    );
    Ok(manifest)
}
