//! `probity demo`: the whole story against a real service, each step saying what it shows.
//!
//! The demo starts the service in this process, on a temporary data folder and a free port of
//! 127.0.0.1, and plays every role against it over HTTP, as each role's own app would: the
//! registrar sets up, two officials file (one's wealth growth is explained by income, the
//! other's is not), a supervisor challenges, a whistleblower tips, and an auditor checks the
//! whole log from its tiles with nothing but the log's public key. It needs no setup and no
//! network: development keys for capacity 16 are made in the temporary folder.
//!
//! # The clock
//! The story spans two filing years, so the service runs on a clock the demo moves (the
//! service takes its clock as a parameter): it starts on 2 March 2026 and jumps forward as
//! the story does. Every signed request carries the same clock's time.
//!
//! # What is printed
//! Only what each role would see: commitments, public bands, proof sizes and times, ledger
//! entries. No declared amount is printed; the figures stay in the example files, on the
//! officials' side. With `--json`, a machine-readable summary goes to stdout instead of the
//! story, and progress to stderr.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    process::ExitCode,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use anyhow::{anyhow, bail, Context as _};
use base64::Engine as _;
use clap::Args;
use ed25519_dalek::SigningKey;
use probity_client::{api, official::commit_to_wallet, Client, ClientError, LOG_TILES_PATH};
use probity_core::{
    format_minor_units, Amount, AssetId, Capacity, Declaration, OfficialId, Opening, Period,
    ProofEnvelope, SignedAmount, StatementKind,
};
use probity_credentials::{
    issuance, presentation, seal, Credential, CredentialAttributes, EnrollmentCode, Epoch,
    ExpirySchedule, IssuerPublicParams, Scope, SealedTip, Subject, TipBody, TipContext,
    TipPublicKey, TipSecretKey,
};
use probity_ledger::{
    audit, read_entries, CheckpointVerifier, DeclarationFiled, Disclosure, Entry, EntryBody,
    HttpSource, MemoryTree, Receipt, SupervisorId, Timestamp, WithheldProof,
};
use probity_params::Params;
use probity_prover::{
    wallet::{Passphrase, Wallet},
    ProveError, Prover,
};
use probity_service::{rules, Background, Config, Service};
use probity_verifier::{verify_envelope, StatementVerifyingKey};
use rand::{rngs::OsRng, RngCore};
use serde_json::{json, Value};

use super::{setup::DEV_WARNING, Ctx};

const DECL_2025: &str = include_str!("../../examples/gov-0001-2025.toml");
const DECL_2026: &str = include_str!("../../examples/gov-0001-2026.toml");
const DECL_2026_UNEXPLAINED: &str = include_str!("../../examples/gov-0001-2026-unexplained.toml");

/// GOV-0001's flat, as the land registry records it (declared in both years).
const REGISTRY_DEED: &str = "浙(2018)杭州市不动产权第0123456号";
/// The least value the supervisor asks the registry flat to be declared at: its recorded
/// purchase price, in fen.
const REGISTRY_DEED_MIN: u64 = 300_000_000;
/// A flat the whistleblower names, which GOV-0001 did not declare.
const TIPPED_DEED: &str = "浙(2024)宁波市不动产权第0098765号";
/// The supervisors' jurisdiction, and the scope of the whistleblower's credential.
const JURISDICTION: &str = "CN-ZJ-HZ";
/// How long an official has to answer a challenge.
const CHALLENGE_DAYS: u64 = 14;
const DAY_MS: u64 = 86_400_000;
const HOUR_MS: u64 = 3_600_000;
/// The demo wallets' passphrase: they hold only the example declarations.
const WALLET_PASSPHRASE: &str = "probity demo passphrase";
/// How long to wait for the service's deadline sweep (it runs every second here).
const SWEEP_WAIT: Duration = Duration::from_secs(20);

#[derive(Debug, Args)]
pub(crate) struct Opts {
    /// Folder to work in; must be empty or missing [default: a new folder under the system's temp folder].
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
}

// ----- dates -------------------------------------------------------------------------------

/// Milliseconds since the Unix epoch at 00:00 UTC on a date.
fn utc_ms(year: i64, month: u32, day: u32) -> u64 {
    u64::try_from(probity_core::days_from_civil(year, month, day))
        .expect("the demo's dates are after 1970")
        * DAY_MS
}

/// A time as `YYYY-MM-DD HH:MM UTC`.
fn utc_text(ms: u64) -> String {
    probity_core::format_utc(ms / 1000)
}

// ----- output ------------------------------------------------------------------------------

/// The story as text on stdout, or, with `--json`, the facts of each step collected for one
/// JSON summary (and progress on stderr).
struct Out {
    json: bool,
    steps: Vec<Value>,
}

impl Out {
    fn indent(text: &str) -> String {
        wrap(text).replace('\n', "\n   ")
    }

    /// Starts a step: what happens, and what it shows (each one paragraph: line breaks in
    /// them are only where the source wraps).
    fn step(&mut self, title: &str, shows: &str) {
        let n = self.steps.len() + 1;
        if !self.json {
            outln!(
                "\n{n}. {}\n   {}",
                Self::indent(&title.replace('\n', " ")),
                Self::indent(&shows.replace('\n', " "))
            );
        }
        self.steps.push(json!({
            "step": n,
            "title": title.replace('\n', " "),
            "shows": shows.replace('\n', " "),
            "facts": {},
        }));
    }

    /// A line of the story (text mode only).
    fn line(&self, text: &str) {
        if !self.json {
            outln!("   {}", Self::indent(text));
        }
    }

    fn facts(&mut self) -> Option<&mut serde_json::Map<String, Value>> {
        self.steps
            .last_mut()
            .and_then(|s| s.get_mut("facts"))
            .and_then(Value::as_object_mut)
    }

    /// A fact of the current step (JSON mode).
    fn fact(&mut self, key: &str, value: impl serde::Serialize) {
        let value = serde_json::to_value(value).expect("facts serialize");
        if let Some(facts) = self.facts() {
            facts.insert(key.to_owned(), value);
        }
    }

    /// Appends to a list among the facts of the current step (JSON mode).
    fn push(&mut self, key: &str, value: impl serde::Serialize) {
        let value = serde_json::to_value(value).expect("facts serialize");
        if let Some(list) = self.facts().and_then(|facts| {
            facts
                .entry(key)
                .or_insert_with(|| Value::Array(Vec::new()))
                .as_array_mut()
        }) {
            list.push(value);
        }
    }

    /// Progress of a slow operation, finished by [`Out::done`].
    fn start(&self, text: &str) -> Instant {
        // `out!` and `eout!` flush: the line is shown now, and ends when the operation does.
        if self.json {
            eout!("{text} … ");
        } else {
            out!("   {text} … ");
        }
        Instant::now()
    }

    fn done(&self, text: &str) {
        if self.json {
            eoutln!("{text}");
        } else {
            outln!("{text}");
        }
    }

    /// A line of progress outside any step.
    fn progress(&self, text: &str) {
        if self.json {
            eoutln!("{text}");
        } else {
            outln!("   {}", Self::indent(text));
        }
    }
}

// ----- the in-process service --------------------------------------------------------------

/// The service on 127.0.0.1 with a port the system chose, running on a thread of its own
/// with the demo's clock.
struct Server {
    base: String,
    clock: Arc<AtomicU64>,
    running: Background,
}

impl Server {
    fn start(config: Config, start_ms: u64) -> anyhow::Result<Self> {
        let clock = Arc::new(AtomicU64::new(start_ms));
        let c = Arc::clone(&clock);
        let service = Service::open(
            config,
            Arc::new(move || {
                Timestamp::from_millis(c.load(Ordering::SeqCst))
                    .expect("the demo's clock stays within range")
            }),
        )
        .context("the service did not start")?;
        let running = Background::start(service).context("cannot start the server")?;
        Ok(Self {
            base: running.base_url(),
            clock,
            running,
        })
    }

    /// An unsigned client whose signatures (once signed) carry the demo's clock.
    fn client(&self) -> Client {
        let c = Arc::clone(&self.clock);
        Client::new(&self.base).with_clock(Arc::new(move || {
            Timestamp::from_millis(c.load(Ordering::SeqCst))
                .expect("the demo's clock stays within range")
        }))
    }

    fn now_ms(&self) -> u64 {
        self.clock.load(Ordering::SeqCst)
    }

    fn set_clock(&self, ms: u64) {
        self.clock.store(ms, Ordering::SeqCst);
    }

    /// Stops taking requests, finishes every acknowledged write and flushes the database.
    fn stop(self) -> anyhow::Result<()> {
        self.running.stop().context("the server failed")
    }
}

// ----- the parties -------------------------------------------------------------------------

/// An official's machine: their key, their wallet of blindings, their client.
struct Official {
    id: OfficialId,
    key: SigningKey,
    client: Client,
    wallet: Wallet,
}

/// The official's app: one prover per statement it uses, each holding its proving key.
struct Provers {
    net_worth_range: Prover,
    wealth_growth: Prover,
    asset_included: Prover,
}

/// Everything the story has made so far.
struct Story {
    out: Out,
    dir: PathBuf,
    server: Server,
    log: CheckpointVerifier,
    provers: Provers,
    policy: api::FilingPolicy,
    /// Every receipt handed out, with the step that got it.
    receipts: Vec<(usize, Receipt)>,
    /// The largest checkpoint seen in a receipt.
    log_size: u64,
    proofs_made: Vec<Value>,
}

fn parse(text: &str, official: &str) -> anyhow::Result<Declaration> {
    // The second official's declarations are the examples with the official id replaced.
    let text = text.replace(
        "official = \"GOV-0001\"",
        &format!("official = \"{official}\""),
    );
    Declaration::from_toml(&text).context("an embedded example declaration is invalid")
}

fn fresh_dir(explicit: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    let dir = match explicit {
        Some(d) => d,
        None => std::env::temp_dir().join(format!("probity-demo-{:08x}", OsRng.next_u32())),
    };
    if dir.exists()
        && dir
            .read_dir()
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        bail!(
            "{} is not empty: the demo needs an empty or missing folder",
            dir.display()
        );
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(dir)
}

/// Width of the story's text, indent excluded.
const WIDTH: usize = 88;

/// Wraps each line of `text` at spaces to [`WIDTH`] characters (a word longer than that, a
/// path say, keeps its own line).
fn wrap(text: &str) -> String {
    let mut lines = Vec::new();
    for line in text.split('\n') {
        let mut current = String::new();
        for word in line.split(' ') {
            if !current.is_empty() && current.chars().count() + 1 + word.chars().count() > WIDTH {
                lines.push(std::mem::take(&mut current));
            }
            if !current.is_empty() {
                current.push(' ');
            }
            current.push_str(word);
        }
        lines.push(current);
    }
    lines.join("\n")
}

/// A short duration in words: milliseconds below a second.
fn duration_text(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{} ms", d.as_millis().max(1))
    } else {
        format!("{:.2} s", d.as_secs_f64())
    }
}

/// The policy's public bands, the outer two as open-ended.
fn bands_text(policy: &api::FilingPolicy) -> String {
    let bands = &policy.net_worth_bands;
    let lowest = bands.iter().map(|b| b.lo).min();
    let highest = bands.iter().map(|b| b.hi).max();
    bands
        .iter()
        .map(|b| {
            if Some(b.lo) == lowest {
                format!("below {}", format_minor_units(i128::from(b.hi) + 1))
            } else if Some(b.hi) == highest {
                format!("{} or more", format_minor_units(b.lo.into()))
            } else {
                format!(
                    "{} to {}",
                    format_minor_units(b.lo.into()),
                    format_minor_units(b.hi.into())
                )
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn band_text(band: api::Band) -> String {
    format!(
        "{} and {}",
        format_minor_units(band.lo.into()),
        format_minor_units(band.hi.into())
    )
}

/// The HTTP status of a refusal, or the error if it was not a refusal.
fn refusal(e: ClientError) -> anyhow::Result<(u16, String)> {
    match e {
        ClientError::Api {
            status, message, ..
        } => Ok((status, message)),
        other => Err(other.into()),
    }
}

impl Story {
    fn step(&self) -> usize {
        self.out.steps.len()
    }

    /// Checks receipts against the log's key as they arrive and keeps them for the audit;
    /// returns them in words ("DeclarationFiled #7, ProofAccepted #8").
    fn keep(&mut self, receipts: &[Receipt]) -> anyhow::Result<String> {
        let mut names = Vec::new();
        for r in receipts {
            let (entry, checkpoint) = r
                .verify(&self.log)
                .map_err(|e| anyhow!("a receipt does not verify against the log key: {e}"))?;
            self.log_size = self.log_size.max(checkpoint.size());
            names.push(format!("{} #{}", entry.body.type_name(), r.proof.index));
            self.receipts.push((self.step(), r.clone()));
        }
        Ok(names.join(", "))
    }

    /// Says what a write logged, with its receipts checked.
    fn logged(&mut self, receipts: &[Receipt]) -> anyhow::Result<()> {
        let names = self.keep(receipts)?;
        self.out.line(&format!(
            "logged: {names}; {} receipt(s) verify against the log key (log size {})",
            receipts.len(),
            self.log_size
        ));
        self.out.fact("logged", &names);
        self.out.fact("log_size", self.log_size);
        Ok(())
    }

    fn prove(
        &mut self,
        what: &str,
        prove: impl FnOnce(&Provers) -> Result<ProofEnvelope, ProveError>,
    ) -> anyhow::Result<ProofEnvelope> {
        let t = self.out.start(&format!("proving {what}"));
        let envelope = prove(&self.provers)?;
        let took = t.elapsed();
        let seconds = took.as_secs_f64();
        let bytes = envelope.proof_bytes()?.len();
        self.out
            .done(&format!("{}, {bytes}-byte proof", duration_text(took)));
        let record = json!({
            "step": self.step(),
            "what": what,
            "statement": envelope.statement,
            "seconds": seconds,
            "bytes": bytes,
        });
        self.out.push("proofs", &record);
        self.proofs_made.push(record);
        Ok(envelope)
    }

    /// The official's app tries to prove something false, and must be refused.
    fn refused_to_prove(
        &mut self,
        what: &str,
        prove: impl FnOnce(&Provers) -> Result<ProofEnvelope, ProveError>,
    ) -> anyhow::Result<()> {
        match prove(&self.provers) {
            Err(e @ ProveError::DoesNotHold(_)) => {
                let message = e.to_string();
                self.out
                    .line(&format!("the official's app refuses {what}: {message}"));
                self.out.push(
                    "refused_to_prove",
                    json!({ "what": what, "message": message }),
                );
                Ok(())
            }
            Err(e) => Err(e.into()),
            Ok(_) => bail!("{what} was proved although it does not hold: this is a bug"),
        }
    }

    fn band_proof(
        &mut self,
        official: &Official,
        opening: &Opening,
    ) -> anyhow::Result<(ProofEnvelope, api::Band)> {
        let band = self
            .policy
            .band_for(opening.net_worth())
            .context("the service's bands cover every net worth")?;
        let envelope = self.prove(
            &format!("net_worth_range for {} {}", official.id, opening.period()),
            |p| {
                p.net_worth_range.net_worth_range(
                    opening,
                    SignedAmount(band.lo),
                    SignedAmount(band.hi),
                    &mut OsRng,
                )
            },
        )?;
        Ok((envelope, band))
    }

    /// Signs and files a commitment with its proofs; returns the alerts it raised.
    fn file(
        &mut self,
        official: &Official,
        opening: &Opening,
        proofs: Vec<ProofEnvelope>,
    ) -> anyhow::Result<Vec<String>> {
        let filing = api::FileDeclaration {
            filing: DeclarationFiled::sign(
                official.id.clone(),
                opening.period(),
                opening.capacity(),
                opening.commitment(),
                &official.key,
            ),
            proofs,
        };
        let accepted: api::FilingAccepted = official
            .client
            .post("/v1/filings", &filing)
            .with_context(|| format!("{}'s {} filing", official.id, opening.period()))?;
        self.logged(&accepted.receipts)?;
        Ok(accepted.alerts)
    }
}

fn open_official(
    server: &Server,
    dir: &Path,
    registrar: &Client,
    id: &str,
    name: &str,
    position: &str,
) -> anyhow::Result<(Official, Vec<Receipt>)> {
    let id = OfficialId::new(id).map_err(anyhow::Error::msg)?;
    let key = SigningKey::generate(&mut OsRng);
    let folder = dir.join(id.as_str().to_lowercase());
    std::fs::create_dir_all(&folder)
        .with_context(|| format!("cannot create {}", folder.display()))?;
    let wallet = Wallet::create(
        &folder.join("wallet.probity"),
        &Passphrase::new(WALLET_PASSPHRASE),
    )?;
    let written: api::Written = registrar.post(
        "/v1/admin/officials",
        &api::RegisterOfficial {
            official: id.clone(),
            name: name.into(),
            position: position.into(),
            jurisdiction: JURISDICTION.into(),
            public_key: hex::encode(key.verifying_key().as_bytes()),
        },
    )?;
    let client = server.client().signed(key.clone());
    Ok((
        Official {
            id,
            key,
            client,
            wallet,
        },
        written.receipts,
    ))
}

pub(crate) fn run(ctx: &Ctx, opts: Opts) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let dir = fresh_dir(opts.dir)?;
    let mut out = Out {
        json: ctx.json,
        steps: Vec::new(),
    };
    if !ctx.json {
        outln!("Probity demo in {}", dir.display());
        outln!(
            "{}",
            wrap(&format!(
                "The whole story against a real service, which runs in this process on a free \
                 port of 127.0.0.1 with its data in {}. Every role talks to it over HTTP, as its \
                 own app would. The service's clock starts on 2 March 2026 and jumps forward as \
                 the story does.",
                dir.join("service").display()
            ))
        );
    }

    // ----- the registrar sets up -----------------------------------------------------------
    out.step(
        "Development keys for the four statements at capacity 16.",
        DEV_WARNING,
    );
    let service_dir = dir.join("service");
    let params_dir = service_dir.join("params");
    let t = Instant::now();
    let manifest = probity_params::setup_dev(
        &params_dir,
        &StatementKind::ALL,
        &[Capacity::C16],
        &mut OsRng,
        |s| {
            out.progress(&format!(
                "key {} of {}: {} ({} s so far)",
                s.index + 1,
                s.total,
                s.statement,
                t.elapsed().as_secs()
            ))
        },
    )?;
    let t_keys = t.elapsed().as_secs_f64();
    let params = Params::open(&params_dir)?;
    let t = out.start("the officials' app loads the proving keys");
    let provers = Provers {
        net_worth_range: Prover::from_params(&params, StatementKind::NetWorthRange, Capacity::C16)?,
        wealth_growth: Prover::from_params(&params, StatementKind::WealthGrowth, Capacity::C16)?,
        asset_included: Prover::from_params(&params, StatementKind::AssetIncluded, Capacity::C16)?,
    };
    out.done(&duration_text(t.elapsed()));
    out.line(&format!(
        "keys made in {t_keys:.1} s; constraints: {}",
        manifest
            .keys
            .iter()
            .map(|k| format!("{} {}", k.statement, k.num_constraints))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    out.fact("seconds", t_keys);
    out.fact(
        "constraints",
        manifest
            .keys
            .iter()
            .map(|k| (k.statement.name(), k.num_constraints))
            .collect::<BTreeMap<_, _>>(),
    );

    out.step(
        "The registrar makes a signing key and starts the service with its public key.",
        "Only the registrar can register people. On first start the service makes its log key (it\n\
         signs every checkpoint), the whistleblower credential issuer key, and the supervisors'\n\
         tip key pair: it keeps the public half and writes the secret half to\n\
         supervisor-tip.key for the supervisors (in real life it is handed over and deleted from\n\
         the server). The log opens with the verifying keys (ParamsPublished) and the\n\
         whistleblower keys (WhistleblowerKeysPublished), so that everyone pins the same ones.",
    );
    let registrar_key = SigningKey::generate(&mut OsRng);
    let start_ms = utc_ms(2026, 3, 2) + 9 * HOUR_MS;
    let server = Server::start(
        Config {
            data_dir: service_dir.clone(),
            capacities: vec![Capacity::C16.slots()],
            registrar_key: Some(hex::encode(registrar_key.verifying_key().as_bytes())),
            sweep_interval_secs: 1,
            ..Config::default()
        },
        start_ms,
    )?;
    let info: api::ServiceInfo = server.client().get("/v1/info")?;
    let log = CheckpointVerifier::from_vkey(&info.log_key)?;
    out.line(&format!("listening on {}", server.base));
    out.line(&format!("log {} with key {}", info.origin, info.log_key));
    out.line(&format!("service clock: {}", utc_text(start_ms)));
    out.fact("server", &server.base);
    out.fact("log_key", &info.log_key);
    let mut story = Story {
        out,
        dir: dir.clone(),
        server,
        log,
        provers,
        policy: info.policy.clone(),
        receipts: Vec::new(),
        log_size: 0,
        proofs_made: Vec::new(),
    };
    let summary = play(&mut story, &registrar_key)?;
    let Story {
        out, server, dir, ..
    } = story;
    server.stop()?;
    let seconds = started.elapsed().as_secs_f64();
    if out.json {
        let report = json!({
            "dir": dir,
            "ok": true,
            "seconds": seconds,
            "summary": summary,
            "steps": out.steps,
        });
        outln!(
            "{}",
            serde_json::to_string_pretty(&report).expect("JSON values serialize")
        );
    } else {
        outln!(
            "\n{}",
            wrap(&format!(
                "Done in {seconds:.1} s. The service's data (database, log key, supervisors' tip \
                 key, params) is in {}; the officials' wallets are in {} and {}.",
                dir.join("service").display(),
                dir.join("gov-0001").display(),
                dir.join("gov-0002").display()
            ))
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The story after the service started; returns the summary.
fn play(s: &mut Story, registrar_key: &SigningKey) -> anyhow::Result<Value> {
    let registrar = s.server.client().signed(registrar_key.clone());

    s.out.step(
        "The registrar registers two officials and a supervisor, and sets the filing deadlines.",
        "Each registration is a ledger entry. Officials and supervisors sign every request with\n\
         their own Ed25519 key, made on their own machines. Declarations for 2025 are due by the\n\
         end of 31 March 2026, for 2026 by the end of 31 March 2027: after a deadline, a missing\n\
         declaration raises an alert.",
    );
    let (mut gov1, receipts) = open_official(
        &s.server,
        &s.dir,
        &registrar,
        "GOV-0001",
        "Zhang Wei",
        "Head of the Urban Planning Bureau",
    )?;
    s.keep(&receipts)?;
    let (mut gov2, receipts) = open_official(
        &s.server,
        &s.dir,
        &registrar,
        "GOV-0002",
        "Li Na",
        "Deputy Head of the Transport Bureau",
    )?;
    s.keep(&receipts)?;
    let supervisor_key = SigningKey::generate(&mut OsRng);
    let written: api::Written = registrar.post(
        "/v1/admin/supervisors",
        &api::RegisterSupervisor {
            supervisor: SupervisorId::new("HZ-DISCIPLINE").map_err(anyhow::Error::msg)?,
            public_key: hex::encode(supervisor_key.verifying_key().as_bytes()),
        },
    )?;
    s.keep(&written.receipts)?;
    let supervisor = s.server.client().signed(supervisor_key);
    for (period, deadline) in [(2025, utc_ms(2026, 4, 1)), (2026, utc_ms(2027, 4, 1))] {
        let written: api::Written = registrar.post(
            "/v1/admin/deadlines",
            &api::SetDeadline {
                period: Period::new(period).map_err(anyhow::Error::msg)?,
                deadline,
            },
        )?;
        s.keep(&written.receipts)?;
    }
    s.out.line(&format!(
        "officials GOV-0001 (Zhang Wei) and GOV-0002 (Li Na) in {JURISDICTION}; supervisor HZ-DISCIPLINE"
    ));
    s.out.line(&format!(
        "{} entries logged so far, each with a receipt that verifies against the log key",
        s.log_size
    ));
    s.out.fact("log_size", s.log_size);

    // ----- filings -------------------------------------------------------------------------
    s.out.step(
        "Both officials file their 2025 declarations (examples/gov-0001-2025.toml; GOV-0002's is\n\
         the same file under its own id).",
        "The declaration never leaves the official's machine. The official commits to it (the\n\
         random blindings go into an encrypted wallet), signs the commitment, and proves\n\
         net_worth_range for the public band the net worth falls in. The service verifies the\n\
         proof and logs the filing and the proof. The supervisor learns that the net worth is in\n\
         that band, never the figure; the commitment reveals nothing (every slot, padding\n\
         included, has its own blinding, so even the number of items is hidden). The receipt\n\
         proves the filing is in the log: it can never be denied or quietly dropped.",
    );
    s.out.line(&format!(
        "the filing policy (GET /v1/info): net_worth_range for one of the public bands ({}), \
         and from the second filing on, wealth_growth from the previous one with tolerance {}",
        bands_text(&s.policy),
        format_minor_units(s.policy.wealth_growth_tolerance.into())
    ));
    let d1_2025 = parse(DECL_2025, "GOV-0001")?;
    let (o1_2025, _) = commit_to_wallet(&mut gov1.wallet, &d1_2025, false)?;
    s.out.line(&format!(
        "GOV-0001 2025 commitment {} (public), blindings in {}",
        o1_2025.commitment(),
        gov1.wallet.path().display()
    ));
    let (band_proof, band) = s.band_proof(&gov1, &o1_2025)?;
    let alerts = s.file(&gov1, &o1_2025, vec![band_proof])?;
    s.out.line(&format!(
        "the supervisor learns: GOV-0001's net worth for 2025 is between {}",
        band_text(band)
    ));
    expect_no_alerts(&alerts)?;
    let d2_2025 = parse(DECL_2025, "GOV-0002")?;
    let (o2_2025, _) = commit_to_wallet(&mut gov2.wallet, &d2_2025, false)?;
    let (band_proof, _) = s.band_proof(&gov2, &o2_2025)?;
    let alerts = s.file(&gov2, &o2_2025, vec![band_proof])?;
    expect_no_alerts(&alerts)?;
    s.out.fact("band_2025", band_text(band));

    let filing_2026 = utc_ms(2027, 3, 1) + 9 * HOUR_MS;
    s.server.set_clock(filing_2026);
    s.out.step(
        "A year later (the clock moves to 1 March 2027), GOV-0001 files for 2026\n\
         (examples/gov-0001-2026.toml), with wealth_growth.",
        "wealth_growth proves that net worth grew from 2025 to 2026 by no more than the income\n\
         declared for 2026 (tolerance 0, the service's policy), against the two filed\n\
         commitments. The supervisor learns that the growth is explained by income, and the\n\
         new band; not the growth, not the income.",
    );
    let d1_2026 = parse(DECL_2026, "GOV-0001")?;
    let (o1_2026, _) = commit_to_wallet(&mut gov1.wallet, &d1_2026, false)?;
    let (band_proof, band) = s.band_proof(&gov1, &o1_2026)?;
    let tolerance = Amount(s.policy.wealth_growth_tolerance);
    let growth = s.prove("wealth_growth for GOV-0001 2025 → 2026", |p| {
        p.wealth_growth
            .wealth_growth(&o1_2025, &o1_2026, tolerance, &mut OsRng)
    })?;
    let alerts = s.file(&gov1, &o1_2026, vec![band_proof, growth])?;
    expect_no_alerts(&alerts)?;
    s.out.line(&format!(
        "the supervisor learns: GOV-0001's net worth for 2026 is between {}, and grew from \
         2025 by no more than the income declared for 2026; no alert",
        band_text(band)
    ));

    s.out.step(
        "GOV-0002 files for 2026 a declaration with a second flat and a large deposit that no\n\
         declared income explains (examples/gov-0001-2026-unexplained.toml under GOV-0002).",
        "A false statement has no proof: the official's own app cannot make the wealth_growth\n\
         proof. The filing still goes in, with the band proof only, and the service's rules\n\
         raise a wealth_growth_missing alert. Supervisors read the alert's details; the public\n\
         ledger shows only that an alert was raised, with a salted digest of its details.",
    );
    let d2_2026 = parse(DECL_2026_UNEXPLAINED, "GOV-0002")?;
    let (o2_2026, _) = commit_to_wallet(&mut gov2.wallet, &d2_2026, false)?;
    s.refused_to_prove("wealth_growth for GOV-0002 2025 → 2026", |p| {
        p.wealth_growth
            .wealth_growth(&o2_2025, &o2_2026, tolerance, &mut OsRng)
    })?;
    let (band_proof, band) = s.band_proof(&gov2, &o2_2026)?;
    let alerts = s.file(&gov2, &o2_2026, vec![band_proof])?;
    if alerts != [rules::WEALTH_GROWTH_MISSING] {
        bail!("GOV-0002's filing raised {alerts:?}, not wealth_growth_missing: this is a bug");
    }
    s.out.line(&format!(
        "the supervisor learns: GOV-0002's net worth for 2026 is between {}, and the growth \
         since 2025 is not shown to be explained",
        band_text(band)
    ));
    let seen: Vec<api::AlertView> = supervisor.get("/v1/supervisor/alerts")?;
    let alert = seen
        .iter()
        .find(|a| a.rule == rules::WEALTH_GROWTH_MISSING && a.detail.official == gov2.id)
        .context("the supervisors do not see the wealth_growth_missing alert")?;
    s.out.line(&format!(
        "supervisors' alerts: {} (entry #{}): {}",
        alert.rule, alert.entry, alert.detail.message
    ));
    s.out.fact("alerts", &alerts);
    s.out.fact("alert_message", &alert.detail.message);

    s.out.step(
        "What the public sees: GOV-0001's record (GET /v1/officials/GOV-0001).",
        "Anyone can read every official's filings (period, commitment, time, whether late) and\n\
         which statements were proved about them. No amount appears anywhere in the service's\n\
         answers or on the ledger.",
    );
    let record: api::OfficialRecord = s.server.client().get("/v1/officials/GOV-0001")?;
    for f in &record.filings {
        s.out.line(&format!(
            "filing {} at {} (entry #{}), commitment {}…",
            f.period,
            utc_text(f.time),
            f.entry,
            f.commitment
                .to_string()
                .chars()
                .take(24)
                .collect::<String>()
        ));
    }
    for p in &record.proofs {
        s.out.line(&format!(
            "proof {} for {} (entry #{})",
            p.statement,
            p.periods
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(" → "),
            p.entry
        ));
    }
    s.out.fact("filings", record.filings.len());
    s.out.fact("proofs", record.proofs.len());

    // ----- a challenge ---------------------------------------------------------------------
    s.out.step(
        &format!(
            "A supervisor finds GOV-0001's flat in the land registry ({REGISTRY_DEED}) and asks:\n\
             is it in the 2026 declaration at {} or more?",
            format_minor_units(REGISTRY_DEED_MIN.into())
        ),
        "The challenge goes on the ledger with a deadline; which asset and value it is about stay\n\
         with the supervisors (the public entry holds a salted digest). The official answers with\n\
         asset_included, proved from the declaration on their machine against the filed\n\
         commitment: the asset is declared at that value or more; nothing else of the\n\
         declaration is used. The answer's public entry withholds the asset, the value and the\n\
         proof behind a salted digest too.",
    );
    let deed = AssetId(REGISTRY_DEED.into());
    let registry = challenge(s, &supervisor, &gov1.id, &deed, REGISTRY_DEED_MIN)?;
    let answer = s.prove("asset_included for GOV-0001 2026", |p| {
        p.asset_included
            .asset_included(&o1_2026, &deed, Amount(REGISTRY_DEED_MIN), &mut OsRng)
    })?;
    let written: api::Written = gov1.client.post(
        &format!("/v1/challenges/{}/answer", registry.challenge),
        &api::AnswerChallenge { proof: answer },
    )?;
    s.logged(&written.receipts)?;
    let status = challenge_status(&supervisor, &registry)?;
    if status != "answered" {
        bail!("the answered challenge is `{status}`: this is a bug");
    }
    s.out
        .line(&format!("the supervisor sees the challenge {status}"));
    s.out.fact("status", status);

    // ----- a whistleblower -----------------------------------------------------------------
    s.out.step(
        "The registrar hands a one-time enrollment code to a person whose identity it checked\n\
         in person; the person enrolls as a whistleblower.",
        "The code buys exactly one anonymous credential. The whistleblower's app takes the\n\
         issuer key and the tip key from the log (WhistleblowerKeysPublished) and enrolls by\n\
         blind issuance: the service learns that the code was used, never the credential's\n\
         secret, so it cannot link any later tip to this enrollment. The log records only that\n\
         codes were issued, and how many.",
    );
    let codes: api::EnrollmentCodes = registrar.post(
        "/v1/admin/enrollment-codes",
        &api::IssueEnrollmentCodes {
            count: 1,
            scope: JURISDICTION.into(),
        },
    )?;
    s.logged(&codes.receipts)?;
    // The whistleblower's app reads the service's info now: the credential's expiry follows
    // the current epoch.
    let info: api::ServiceInfo = s.server.client().get("/v1/info")?;
    let info = &info;
    let (issuer, tip_key, schedule) = whistleblower_keys(s, info)?;
    let code = EnrollmentCode::parse(
        codes
            .codes
            .first()
            .context("the registrar asked for one code")?,
    )?;
    let t = s.out.start("enrolling (blind issuance)");
    let credential = enroll(s, &issuer, code, schedule.expiry_for(Epoch(info.epoch)))?;
    s.out.done(&duration_text(t.elapsed()));
    s.out.line(&format!(
        "a credential for {JURISDICTION}, valid to epoch {} (an epoch is a week); the issuer key \
         and the tip key the service gave match those on the log",
        credential.expiry()
    ));

    s.out.step(
        "The whistleblower sends a sealed tip about GOV-0001.",
        "The tip is sealed with HPKE to the supervisors' tip key on the whistleblower's machine:\n\
         the service stores ciphertext only. The credential presentation proves a valid\n\
         credential without saying which. The ledger gets a TipReceived entry with the day, a\n\
         rate-limit tag and the ciphertext's SHA-256: not the official, not the text, so not\n\
         even the official learns a tip exists. The whistleblower keeps a receipt code (for\n\
         replies) and the ledger receipt: the tip cannot be silently buried.",
    );
    let tip_text = format!(
        "GOV-0001's family holds a flat in Ningbo that is not in the declaration: property \
         certificate {TIPPED_DEED}."
    );
    let epoch = info.epoch;
    let context = TipContext::new(Subject::new(gov1.id.as_str())?, Epoch(epoch));
    let t = s.out.start("sealing and presenting");
    let tip = sealed_tip(&credential, &issuer, &tip_key, (&gov1.id, epoch), &tip_text)?;
    s.out.done(&duration_text(t.elapsed()));
    let sizes = (
        base64::engine::general_purpose::STANDARD
            .decode(&tip.sealed)?
            .len(),
        tip.presentation.len() / 2,
    );
    let accepted: api::TipAccepted = s.server.client().post("/v1/tips", &tip)?;
    s.out.line(&format!(
        "tip text: \"{tip_text}\"\nsealed tip {} bytes, presentation {} bytes; the whistleblower keeps the receipt code",
        sizes.0, sizes.1
    ));
    s.out.fact("sealed_bytes", sizes.0);
    s.out.fact("presentation_bytes", sizes.1);

    s.out.step(
        "The same credential tries a second tip about GOV-0001 in the same epoch.",
        "Same person, same official, same epoch: the same rate-limit tag, so the service\n\
         refuses it (follow-ups go through the receipt code). One person cannot flood the\n\
         supervisors, and the count of distinct tags on an official is a count of independent\n\
         reporters that no one can inflate with fake accounts.",
    );
    let again = sealed_tip(
        &credential,
        &issuer,
        &tip_key,
        (&gov1.id, epoch),
        "Again: the flat in Ningbo.",
    )?;
    let (second_tip, message) = match s
        .server
        .client()
        .post::<_, api::TipAccepted>("/v1/tips", &again)
    {
        Ok(_) => bail!("a second tip with the same credential was accepted: this is a bug"),
        Err(e) => refusal(e)?,
    };
    if second_tip != 409 {
        bail!("the second tip was refused with {second_tip}, not 409: {message}");
    }
    s.out.line(&format!("refused ({second_tip}): {message}"));
    s.out.fact("refused_status", second_tip);
    s.out.fact("refused_message", &message);

    s.out.step(
        "The supervisor reads the tip and replies; the whistleblower reads the reply.",
        "The supervisor fetches the sealed tips and opens this one on their own machine with the\n\
         supervisors' tip key (supervisor-tip.key): the service never could. The reply is kept\n\
         for the whistleblower, who reads it with the receipt code: no account, no identity.",
    );
    let tip_status = |s: &Story| -> anyhow::Result<api::TipStatus> {
        Ok(s.server.client().post(
            "/v1/tips/status",
            &api::TipStatusQuery {
                receipt_code: accepted.receipt_code.clone(),
            },
        )?)
    };
    let until = accepted
        .pooled_until
        .context("the service logged the tip at once instead of pooling it")?;
    let pooled = tip_status(s)?;
    s.out.line(&format!(
        "status: {} until the pool is logged at {} (the pool hides when each tip arrived)",
        pooled.status,
        utc_text(until)
    ));
    s.out.fact("pooled_status", &pooled.status);
    s.server.set_clock(until + 1_000);
    let deadline = Instant::now() + Duration::from_secs(30);
    let tip_receipt = loop {
        if let Some(r) = tip_status(s)?.receipt {
            break r;
        }
        if Instant::now() > deadline {
            bail!("the tip pool was not logged within 30 s of its window closing: this is a bug");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    s.logged(std::slice::from_ref(&tip_receipt))?;
    let tips: Vec<api::SealedTipView> = supervisor.get("/v1/supervisor/tips")?;
    let view = tips
        .iter()
        .find(|t| t.entry == tip_receipt.proof.index)
        .context("the supervisors do not see the tip")?;
    let secret = TipSecretKey::from_bytes(&hex::decode(
        std::fs::read_to_string(
            s.dir
                .join("service")
                .join(probity_service::files::SUPERVISOR_TIP_KEY),
        )
        .context("the service did not write the supervisors' tip key")?
        .trim(),
    )?)?;
    let sealed =
        SealedTip::from_bytes(&base64::engine::general_purpose::STANDARD.decode(&view.sealed)?)?;
    let opened = probity_credentials::open(&secret, &context, &sealed)?;
    if opened.text() != tip_text {
        bail!("the opened tip differs from the one sent: this is a bug");
    }
    s.out.line(&format!(
        "the supervisor opens tip #{} about {}: \"{}\"",
        view.entry,
        view.subject,
        opened.text()
    ));
    let reply = "Thank you. We are looking into it.";
    let written: api::Written = supervisor.post(
        &format!("/v1/supervisor/tips/{}/reply", view.entry),
        &api::ReplyToTip {
            message: reply.into(),
            close: false,
        },
    )?;
    s.keep(&written.receipts)?;
    let status: api::TipStatus = s.server.client().post(
        "/v1/tips/status",
        &api::TipStatusQuery {
            receipt_code: accepted.receipt_code.clone(),
        },
    )?;
    let read = status
        .replies
        .last()
        .context("the whistleblower sees no reply")?;
    s.out.line(&format!(
        "the whistleblower reads (tip {}): \"{}\" ({})",
        status.status, read.message, read.day
    ));
    s.out.fact("tip_status", &status.status);
    s.out.fact("replies", status.replies.len());

    s.out.step(
        &format!(
            "The supervisor challenges GOV-0001 on the flat named in the tip ({TIPPED_DEED}):\n\
             is it in the 2026 declaration at all?"
        ),
        "It is not, so it cannot be answered: the official's app cannot make asset_included for\n\
         an asset missing from the committed declaration, and the service refuses a proof about\n\
         any other asset. The deadline passes; the service logs ChallengeExpired and raises a\n\
         challenge_expired alert.",
    );
    let flat = AssetId(TIPPED_DEED.into());
    let tipped = challenge(s, &supervisor, &gov1.id, &flat, 0)?;
    s.refused_to_prove("asset_included for the Ningbo flat", |p| {
        p.asset_included
            .asset_included(&o1_2026, &flat, Amount(0), &mut OsRng)
    })?;
    let dodge = s.prove("asset_included for the Hangzhou flat instead", |p| {
        p.asset_included
            .asset_included(&o1_2026, &deed, Amount(0), &mut OsRng)
    })?;
    let (status, message) = match gov1.client.post::<_, api::Written>(
        &format!("/v1/challenges/{}/answer", tipped.challenge),
        &api::AnswerChallenge { proof: dodge },
    ) {
        Ok(_) => bail!("an answer about another asset was accepted: this is a bug"),
        Err(e) => refusal(e)?,
    };
    s.out.line(&format!(
        "the service refuses an answer about the other flat ({status}): {message}"
    ));
    s.out.fact("dodge_refused_status", status);
    let expired_at = tipped.deadline + DAY_MS;
    s.server.set_clock(expired_at);
    s.out.line(&format!(
        "the clock moves past the deadline, to {}",
        utc_text(expired_at)
    ));
    let t = s.out.start("waiting for the service's deadline sweep");
    let alert = wait_for_alert(&supervisor, rules::CHALLENGE_EXPIRED, &tipped)?;
    s.out.done(&duration_text(t.elapsed()));
    s.out.line(&format!(
        "supervisors' alerts: {} (entry #{}): {}",
        alert.rule, alert.entry, alert.detail.message
    ));
    let status = challenge_status(&supervisor, &tipped)?;
    s.out.fact("status", &status);
    s.out.fact("alert", &alert.rule);

    // ----- the audit -----------------------------------------------------------------------
    s.out.step(
        "An auditor checks the whole log from its tiles, and every receipt handed out.",
        "The auditor needs only the log's public key. It reads the checkpoint and the tiles from\n\
         /v1/log/, recomputes the tree from every entry and checks its root against the signed\n\
         checkpoint, checks every entry's form and the rules between entries (each filing\n\
         signed by the key its official registered; each proof about commitments filed before),\n\
         and re-verifies every public proof with the verifying keys published on the log.\n\
         asset_included proofs withhold the asset, the value and the proof from the public: a\n\
         supervisor re-verifies them from the disclosure, checked against the public digest.\n\
         Every receipt handed out\n\
         must verify, and its checkpoint must be a prefix of the audited log: nothing\n\
         acknowledged was dropped or rewritten.",
    );
    let audit = audit_log(s, &supervisor)?;

    s.out.step(
        "What zero knowledge shows, and what it does not.",
        "Each proof shows that the committed figures satisfy a statement, and nothing more:\n\
         GOV-0001's growth is explained by income; GOV-0002's is not, and no proof of it can\n\
         exist. No proof can show that a declaration is complete: GOV-0001's filings are\n\
         consistent and explained, yet a tip named a flat missing from them, and only the\n\
         challenge, unanswerable and now on the ledger with its alert, brought that out.\n\
         Nor can a proof show that a declared value is true: a flat declared below its price\n\
         passes every proof, and it is the registry's figure in a challenge that holds it up.\n\
         Completeness and honest values come from challenges on registry records and from tips,\n\
         on a ledger where every filing, challenge and tip is permanent and timestamped.",
    );

    let alerts: Vec<api::AlertView> = supervisor.get("/v1/supervisor/alerts")?;
    Ok(json!({
        "log_entries": audit["entries"],
        "alerts": alerts.iter().map(|a| json!({
            "rule": a.rule, "official": a.detail.official, "entry": a.entry,
        })).collect::<Vec<_>>(),
        "wealth_growth": {
            "GOV-0001": "proved: growth explained by income",
            "GOV-0002": "cannot be proved: filed without it, alert raised",
        },
        "challenges": {
            "registry_asset": "answered",
            "undeclared_asset": status,
        },
        "tips": { "accepted": 1, "second_tip_refused_with": second_tip },
        "proofs_made": s.proofs_made,
        "receipts_verified": s.receipts.len(),
        "audit": audit,
    }))
}

fn expect_no_alerts(alerts: &[String]) -> anyhow::Result<()> {
    if alerts.is_empty() {
        Ok(())
    } else {
        bail!("the filing raised {alerts:?}: this is a bug")
    }
}

/// The supervisor challenges an official on a registry asset (by its `id_hash`).
fn challenge(
    s: &mut Story,
    supervisor: &Client,
    official: &OfficialId,
    asset: &AssetId,
    min_value: u64,
) -> anyhow::Result<ChallengeRef> {
    let deadline = s.server.now_ms() + CHALLENGE_DAYS * DAY_MS;
    let created: api::ChallengeCreated = supervisor.post(
        "/v1/challenges",
        &api::IssueChallenge {
            official: official.clone(),
            period: None,
            id_hash: asset.id_hash().to_string(),
            min_value,
            deadline,
        },
    )?;
    s.out.line(&format!(
        "challenge {} to {official} about the {} declaration, to answer by {}",
        created.challenge,
        created.period,
        utc_text(deadline)
    ));
    s.logged(&created.receipts)?;
    Ok(ChallengeRef {
        challenge: created.challenge.to_string(),
        deadline,
    })
}

struct ChallengeRef {
    challenge: String,
    deadline: u64,
}

fn challenge_status(supervisor: &Client, c: &ChallengeRef) -> anyhow::Result<String> {
    let all: Vec<api::ChallengeView> = supervisor.get("/v1/supervisor/challenges")?;
    all.into_iter()
        .find(|v| v.challenge.to_string() == c.challenge)
        .map(|v| v.status)
        .context("the supervisors do not see the challenge")
}

fn wait_for_alert(
    supervisor: &Client,
    rule: &str,
    c: &ChallengeRef,
) -> anyhow::Result<api::AlertView> {
    let until = Instant::now() + SWEEP_WAIT;
    loop {
        let alerts: Vec<api::AlertView> = supervisor.get("/v1/supervisor/alerts")?;
        if let Some(a) = alerts.into_iter().find(|a| {
            a.rule == rule
                && a.detail
                    .challenge
                    .is_some_and(|id| id.to_string() == c.challenge)
        }) {
            return Ok(a);
        }
        if Instant::now() > until {
            bail!(
                "no {rule} alert after {} s: the service's deadline sweep did not run",
                SWEEP_WAIT.as_secs()
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The whistleblower's app reads the issuer's parameters, the tip key and the expiry schedule
/// from the log, and holds the service's `/v1/info` to them.
fn whistleblower_keys(
    s: &mut Story,
    info: &api::ServiceInfo,
) -> anyhow::Result<(IssuerPublicParams, TipPublicKey, ExpirySchedule)> {
    let source = HttpSource::new(&format!("{}{LOG_TILES_PATH}", s.server.base))?;
    let checkpoint = probity_ledger::SignedCheckpoint::verify(
        &probity_ledger::LogSource::checkpoint(&source)?,
        &s.log,
    )?;
    let entries = read_entries(&source, 0, checkpoint.size(), checkpoint.size())?;
    let published = entries
        .iter()
        .rev()
        .filter_map(|b| Entry::from_canonical_json(b).ok())
        .filter_map(|e| match e.body {
            EntryBody::WhistleblowerKeysPublished(w) => Some(w),
            _ => None,
        })
        .next()
        .context("the log holds no WhistleblowerKeysPublished entry")?;
    if published.issuer_params.to_hex() != info.issuer_params
        || published.tip_key.to_hex() != info.tip_key
        || published.epoch_seconds != info.epoch_seconds
    {
        bail!("the service's keys or epoch length differ from those on its log: do not trust it");
    }
    let issuer = IssuerPublicParams::from_bytes(&published.issuer_params.0)?;
    let tip_key = TipPublicKey::from_bytes(&published.tip_key.0)?;
    let schedule = ExpirySchedule::new(
        published.epoch_seconds,
        published.expiry_period_epochs,
        published.expiry_periods,
    )?;
    s.out.fact(
        "issuer_fingerprint",
        issuer.fingerprint_with(&schedule).to_string(),
    );
    Ok((issuer, tip_key, schedule))
}

/// Enrolls for a credential with `expiry`: the published schedule's expiry at the story's
/// date (the app's own clock, which in the story is the service's simulated one).
fn enroll(
    s: &Story,
    issuer: &IssuerPublicParams,
    code: EnrollmentCode,
    expiry: Epoch,
) -> anyhow::Result<Credential> {
    // The attributes come from the public schedule, not from the issuer: a per-person expiry
    // would mark the credential.
    let expected = CredentialAttributes::new(expiry, Scope::new(JURISDICTION)?);
    let (request, state) = issuance::request(issuer, code, expected, &mut OsRng);
    let enrolled: api::Enrolled = s.server.client().post(
        "/v1/enroll",
        &api::Enroll {
            request: hex::encode(request.to_bytes()),
        },
    )?;
    let response = issuance::Response::from_bytes(&hex::decode(enrolled.response)?)?;
    state
        .handle_response(response)
        .map_err(|_| anyhow!("the issuer's response does not verify: do not use this service"))
}

fn sealed_tip(
    credential: &Credential,
    issuer: &IssuerPublicParams,
    tip_key: &TipPublicKey,
    (subject, epoch): (&OfficialId, u64),
    text: &str,
) -> anyhow::Result<api::SubmitTip> {
    let context = &TipContext::new(Subject::new(subject.as_str())?, Epoch(epoch));
    let body = TipBody::new(text, Vec::new())?;
    let sealed = seal(tip_key, context, &body, &mut OsRng)?;
    let shown = presentation::present(credential, issuer, context, &sealed, &mut OsRng)?;
    Ok(api::SubmitTip {
        subject: subject.as_str().to_owned(),
        epoch,
        sealed: base64::engine::general_purpose::STANDARD.encode(sealed.to_bytes()),
        presentation: hex::encode(shown.to_bytes()),
    })
}

/// The auditor's check of the whole log, the public re-verification of its proofs, the
/// supervisor's re-verification of withheld ones, and every receipt against the audited log.
fn audit_log(s: &mut Story, supervisor: &Client) -> anyhow::Result<Value> {
    let t = s.out.start("auditing the log from its tiles");
    let source = HttpSource::new(&format!("{}{LOG_TILES_PATH}", s.server.base))?;
    let report = audit::verify_log(&source, &s.log).context("the log does not audit")?;
    let size = report.checkpoint.size();
    let entries = read_entries(&source, 0, size, size)?;
    let mut tree = MemoryTree::new();
    let mut keys: BTreeMap<(String, usize), StatementVerifyingKey> = BTreeMap::new();
    let disclosures: Vec<api::DisclosureView> = supervisor.get("/v1/supervisor/disclosures")?;
    let (mut public, mut withheld) = (0u64, 0u64);
    for (index, bytes) in (0u64..).zip(&entries) {
        tree.push(probity_ledger::leaf_hash(bytes));
        let entry = Entry::from_canonical_json(bytes)?;
        match entry.body {
            EntryBody::ParamsPublished(p) => {
                for k in &p.manifest.keys {
                    keys.insert(
                        (k.statement.name().to_owned(), k.capacity.slots()),
                        StatementVerifyingKey::from_manifest_entry(k)?,
                    );
                }
            }
            EntryBody::ProofAccepted(p) => {
                let disclosure = match p.withheld {
                    None => None,
                    Some(_) => {
                        let view = disclosures
                            .iter()
                            .find(|d| d.entry == index)
                            .with_context(|| format!("no disclosure for entry {index}"))?;
                        let d: Disclosure<WithheldProof> = serde_json::from_value(
                            json!({ "salt": view.salt, "detail": view.detail }),
                        )?;
                        Some(d)
                    }
                };
                let envelope = p.to_envelope(disclosure.as_ref())?;
                let key = keys
                    .get(&(p.statement.name().to_owned(), p.capacity.slots()))
                    .with_context(|| format!("entry {index}: no published key for its proof"))?;
                verify_envelope(key, &envelope).map_err(|e| {
                    anyhow!(
                        "entry {index}: the {} proof does not verify: {e}",
                        p.statement
                    )
                })?;
                if disclosure.is_some() {
                    withheld += 1;
                } else {
                    public += 1;
                }
            }
            _ => {}
        }
    }
    let mut receipts = 0;
    for (step, r) in &s.receipts {
        let (_, checkpoint) = r.verify(&s.log)?;
        let index = r.proof.index;
        let in_log = tree.root(checkpoint.size())? == checkpoint.root()
            && entries.get(usize::try_from(index)?).map(Vec::as_slice) == Some(r.entry.as_bytes());
        if !in_log {
            bail!("the receipt of entry {index} (step {step}) is not in the audited log");
        }
        receipts += 1;
    }
    s.out.done(&duration_text(t.elapsed()));
    s.out.line(&format!(
        "the log audits: {size} entries hash to the signed checkpoint, every entry is well formed \
         and follows from the entries before it"
    ));
    s.out.line(&format!(
        "entries: {}",
        report
            .counts
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    s.out.line(&format!(
        "proofs re-verified: {public} by anyone from the log alone, {withheld} asset_included by the \
         supervisor with the disclosed id_hash, min_value and proof"
    ));
    s.out.line(&format!(
        "receipts: all {receipts} handed out verify, and each is in the audited log at its place"
    ));
    let summary = json!({
        "entries": size,
        "counts": report.counts,
        "proofs_reverified_public": public,
        "proofs_reverified_with_disclosure": withheld,
        "receipts_checked": receipts,
    });
    s.out.fact("audit", &summary);
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip() {
        assert_eq!(utc_ms(1970, 1, 1), 0);
        assert_eq!(utc_ms(2026, 3, 1), 1_772_323_200_000);
        assert_eq!(utc_ms(2000, 3, 1), 951_868_800_000);
        assert_eq!(
            utc_text(utc_ms(2027, 4, 1) + 9 * HOUR_MS + 5 * 60_000),
            "2027-04-01 09:05 UTC"
        );
        assert_eq!(utc_text(utc_ms(2024, 2, 29)), "2024-02-29 00:00 UTC");
    }
}
