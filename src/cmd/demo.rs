//! `probity demo`: the whole story against a real service, each step saying what it shows.
//!
//! The demo starts the service in this process, on a temporary data folder and a free port of
//! 127.0.0.1, and plays every role against it over HTTP through the client library
//! (`probity-client`), as each role's own app would, each from a data folder of its own: the
//! registrar sets up, two officials file (one's wealth growth is explained by income, the
//! other's is not), a supervisor challenges, a whistleblower tips, and an auditor checks the
//! whole log from its tiles, re-verifies every proof, and holds the log to every receipt the
//! parties kept. Nothing passes between the parties' folders but the service's address: each
//! pins the log key on first contact, and the officials download their proving keys from the
//! service, checked against the log. It needs no setup and no network: development keys for
//! capacity 16 are made in the temporary folder.
//!
//! # The clock
//! The story spans two filing years, so the service runs on a clock the demo moves (the
//! service takes its clock as a parameter): it starts on 2 March 2026 and jumps forward as
//! the story does. Every party's client reads the same clock ([`Client::with_clock`]), for
//! its signatures and for the whistleblower's epochs.
//!
//! # What is printed
//! Only what each role would see: commitments, public bands, proof times, ledger entries. No
//! declared amount is printed; the figures stay in the declaration files, in the officials'
//! folders. With `--json`, a machine-readable summary goes to stdout instead of the story, and
//! progress to stderr.

use std::{
    cell::RefCell,
    collections::BTreeMap,
    path::{Path, PathBuf},
    process::ExitCode,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use anyhow::{bail, Context as _};
use clap::Args;
use probity_client::{
    api,
    official::{
        self, DeclarationFile, Filed, GrowthOutcome, Notice, ParamsSource, Planned, Statement,
    },
    supervisor::{read_tip_key, Challenge},
    whistleblower::TipOutcome,
    Auditor, Client, ClientError, Connection, Official, OfficialError, Progress, Registrar,
    Supervisor, Task, Whistleblower, WhistleblowerError,
};
use probity_core::{format_minor_units, Amount, AssetId, OfficialId, Period, StatementKind};
use probity_ledger::{CheckpointVerifier, Receipt, SupervisorId, Timestamp};
use probity_params::Params;
use probity_prover::wallet::{Passphrase, Wallet};
use probity_service::{rules, Background, Config, Service};
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
    /// After the story, keep the service running and print the public register's address, to
    /// look at its pages; Ctrl-C stops it.
    #[arg(long)]
    keep_serving: bool,
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
        show_start(self.json, text)
    }

    fn done(&self, text: &str) {
        show_done(self.json, text);
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

/// Shows the start of a slow operation: on stdout in the story, on stderr with `--json`.
fn show_start(json: bool, text: &str) -> Instant {
    // `out!` and `eout!` flush: the line is shown now, and ends when the operation does.
    if json {
        eout!("{text} … ");
    } else {
        out!("   {text} … ");
    }
    Instant::now()
}

/// Ends the line [`show_start`] began.
fn show_done(json: bool, text: &str) {
    if json {
        eoutln!("{text}");
    } else {
        outln!("{text}");
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

/// An official's machine: their app (key and connection), their wallet of blindings, and the
/// folder holding both, their declaration files, the proving keys and the receipts.
struct OfficialParty {
    id: OfficialId,
    app: Official,
    wallet: Wallet,
    folder: PathBuf,
}

impl OfficialParty {
    /// Writes an embedded example declaration into the official's folder, under its own id,
    /// as the file their app files from.
    fn declaration(&self, text: &str, name: &str) -> anyhow::Result<DeclarationFile> {
        // The second official's declarations are the examples with the official id replaced.
        let text = text.replace(
            "official = \"GOV-0001\"",
            &format!("official = \"{}\"", self.id),
        );
        let path = self.folder.join(name);
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
        Ok(DeclarationFile::read(&path)?)
    }
}

/// Everyone in the story but the auditor, who comes last with a folder of their own.
struct Cast {
    registrar: Registrar,
    registrar_folder: PathBuf,
    gov1: OfficialParty,
    gov2: OfficialParty,
    supervisor: Supervisor,
    supervisor_folder: PathBuf,
}

/// Watches the officials' apps (key downloads, proofs) as lines of the story, and times the
/// proofs.
struct Watch {
    json: bool,
    current: RefCell<Option<(Task, Instant)>>,
    /// The proofs made since last taken: what, and how long it took in seconds.
    proofs: RefCell<Vec<(String, f64)>>,
}

impl Watch {
    fn new(json: bool) -> Self {
        Self {
            json,
            current: RefCell::new(None),
            proofs: RefCell::new(Vec::new()),
        }
    }
}

impl Progress for Watch {
    fn start(&self, task: Task, _total: Option<u64>) {
        let shown = match task {
            Task::Prove(statement) => format!("proving {statement}"),
            Task::DownloadKey { .. } => format!("downloading the {task}"),
            _ => format!("{task}"),
        };
        let started = show_start(self.json, &shown);
        *self.current.borrow_mut() = Some((task, started));
    }

    fn advance(&self, _n: u64) {}

    fn finish(&self) {
        if let Some((task, started)) = self.current.borrow_mut().take() {
            let took = started.elapsed();
            show_done(self.json, &duration_text(took));
            if let Task::Prove(statement) = task {
                self.proofs
                    .borrow_mut()
                    .push((statement.to_string(), took.as_secs_f64()));
            }
        }
    }
}

/// Everything the story has made so far.
struct Story {
    out: Out,
    dir: PathBuf,
    server: Server,
    log: CheckpointVerifier,
    policy: api::FilingPolicy,
    watch: Watch,
    /// How many receipts the parties were handed, each checked against the log key.
    receipts: usize,
    /// The largest checkpoint seen in a receipt.
    log_size: u64,
    proofs_made: Vec<Value>,
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

/// The receipts a party's app kept in `folder` for `entries`.
fn kept_receipts(folder: &Path, entries: &[u64]) -> anyhow::Result<Vec<Receipt>> {
    entries
        .iter()
        .map(|index| {
            let path = folder
                .join(probity_client::RECEIPTS_DIR)
                .join(format!("{index:012}.json"));
            let bytes = std::fs::read(&path)
                .with_context(|| format!("the receipt of entry {index} was not kept"))?;
            serde_json::from_slice(&bytes)
                .with_context(|| format!("{} is not a receipt", path.display()))
        })
        .collect()
}

impl Story {
    fn step(&self) -> usize {
        self.out.steps.len()
    }

    /// Checks the receipts a party's app kept for `entries` against the log's key, as the
    /// story's own eyes; returns them in words ("DeclarationFiled #7, ProofAccepted #8").
    fn keep(&mut self, folder: &Path, entries: &[u64]) -> anyhow::Result<String> {
        let mut names = Vec::new();
        for r in kept_receipts(folder, entries)? {
            let (entry, checkpoint) = r.verify(&self.log).map_err(|e| {
                anyhow::anyhow!("a receipt does not verify against the log key: {e}")
            })?;
            self.log_size = self.log_size.max(checkpoint.size());
            names.push(format!("{} #{}", entry.body.type_name(), r.proof.index));
            self.receipts += 1;
        }
        Ok(names.join(", "))
    }

    /// Says what a write logged, with its receipts checked.
    fn logged(&mut self, folder: &Path, entries: &[u64]) -> anyhow::Result<()> {
        let names = self.keep(folder, entries)?;
        self.out.line(&format!(
            "logged: {names}; {} receipt(s) verify against the log key (log size {})",
            entries.len(),
            self.log_size
        ));
        self.out.fact("logged", &names);
        self.out.fact("log_size", self.log_size);
        Ok(())
    }

    /// Records the proofs the watch timed since last asked that were made, `made` (an
    /// attempt at a statement that does not hold is timed too, and is no proof).
    fn take_proofs(&mut self, whose: &str, made: &[StatementKind]) {
        let mut made: Vec<&str> = made.iter().map(|k| k.name()).collect();
        let timed: Vec<_> = self.watch.proofs.borrow_mut().drain(..).collect();
        for (statement, seconds) in timed {
            let Some(i) = made.iter().position(|m| *m == statement) else {
                continue;
            };
            made.remove(i);
            let record = json!({
                "step": self.step(),
                "what": format!("{statement} for {whose}"),
                "statement": statement,
                "seconds": seconds,
            });
            self.out.push("proofs", &record);
            self.proofs_made.push(record);
        }
    }

    /// The official's app files `decl` (with `prev`, the latest earlier filing's file, for
    /// wealth_growth): plans under the service's policy, downloads the keys it lacks, commits,
    /// proves, signs and sends; the receipts are checked and kept.
    fn file(
        &mut self,
        who: &mut OfficialParty,
        decl: &DeclarationFile,
        prev: Option<&Path>,
    ) -> anyhow::Result<Filed> {
        let planned = who.app.plan_filing(
            decl,
            prev,
            false,
            false,
            &ParamsSource::Service,
            &self.watch,
        )?;
        let Planned::File(plan) = planned else {
            bail!(
                "{} {} was filed before: this is a bug",
                who.id,
                decl.declaration.period()
            );
        };
        let filed = who.app.file(*plan, &mut who.wallet, &self.watch)?;
        self.take_proofs(&format!("{} {}", who.id, filed.period), &filed.proofs);
        self.logged(&who.folder, &filed.logged.entries)?;
        Ok(filed)
    }

    /// The supervisor challenges an official on a registry asset (only its `id_hash` leaves
    /// the supervisor's machine).
    fn challenge(
        &mut self,
        cast: &Cast,
        official: &OfficialId,
        asset: &str,
        min_value: u64,
    ) -> anyhow::Result<ChallengeRef> {
        let deadline = self.server.now_ms() + CHALLENGE_DAYS * DAY_MS;
        let issued = cast.supervisor.challenge(&Challenge::new(
            official.clone(),
            asset,
            min_value,
            deadline,
            None,
        )?)?;
        self.out.line(&format!(
            "challenge {} to {official} about the {} declaration, to answer by {}",
            issued.challenge,
            issued.period,
            utc_text(deadline)
        ));
        self.logged(&cast.supervisor_folder, &issued.entries)?;
        Ok(ChallengeRef {
            challenge: issued.challenge,
            deadline,
        })
    }
}

/// A challenge the story follows.
struct ChallengeRef {
    challenge: probity_ledger::ChallengeId,
    deadline: u64,
}

fn challenge_status(supervisor: &Supervisor, c: &ChallengeRef) -> anyhow::Result<String> {
    supervisor
        .challenges()?
        .into_iter()
        .find(|v| v.challenge == c.challenge)
        .map(|v| v.status)
        .context("the supervisors do not see the challenge")
}

fn wait_for_alert(
    supervisor: &Supervisor,
    rule: &str,
    c: &ChallengeRef,
) -> anyhow::Result<api::AlertView> {
    let until = Instant::now() + SWEEP_WAIT;
    loop {
        if let Some(a) = supervisor
            .alerts()?
            .into_iter()
            .find(|a| a.rule == rule && a.detail.challenge == Some(c.challenge))
        {
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

fn expect_no_alerts(alerts: &[String]) -> anyhow::Result<()> {
    if alerts.is_empty() {
        Ok(())
    } else {
        bail!("the filing raised {alerts:?}: this is a bug")
    }
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
                 port of 127.0.0.1 with its data in {}. Every role talks to it over HTTP through \
                 the client library, from a folder of its own, as its own app would. The \
                 service's clock starts on 2 March 2026 and jumps forward as the story does.",
                dir.join("service").display()
            ))
        );
    }
    dev_keys(&mut out, &dir.join("service").join("params"))?;
    let mut story = start_service(out, &dir)?;
    let summary = play(&mut story)?;
    let Story {
        out,
        server,
        dir,
        log,
        ..
    } = story;
    let seconds = started.elapsed().as_secs_f64();
    let register = format!("{}/", server.base);
    // Without --keep-serving, stopped before the summary: it flushes the database.
    let server = if opts.keep_serving {
        Some(server)
    } else {
        server.stop()?;
        None
    };
    if out.json {
        let mut report = json!({
            "dir": dir,
            "ok": true,
            "seconds": seconds,
            "summary": summary,
            "steps": out.steps,
        });
        if opts.keep_serving {
            report["register"] = json!(register);
        }
        outln!(
            "{}",
            serde_json::to_string_pretty(&report).expect("JSON values serialize")
        );
    } else {
        outln!(
            "\n{}",
            wrap(&format!(
                "Done in {seconds:.1} s. The service's data (database, log key, supervisors' tip \
                 key, params) is in {}; each party's folder (keys, pinned log key, receipts; the \
                 officials' wallets, declarations and downloaded proving keys) is beside it: {}.",
                dir.join("service").display(),
                PARTIES
                    .iter()
                    .map(|p| dir.join(p).display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        );
    }
    if let Some(server) = server {
        keep_serving(out.json, &register, &log)?;
        server.stop()?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints the register's address and waits for Ctrl-C (or SIGTERM), the service answering
/// meanwhile (on the story's clock, where the story left it). With `--json` the lines go to
/// stderr, so that stdout stays one JSON document.
fn keep_serving(json: bool, register: &str, log: &CheckpointVerifier) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot wait for Ctrl-C")?;
    runtime.block_on(async {
        // The handlers are in place before the address is printed: a Ctrl-C (or SIGTERM)
        // from whoever read it stops the service cleanly, never kills the process mid-write.
        #[cfg(unix)]
        let (mut interrupt, mut terminate) = {
            use tokio::signal::unix::{signal, SignalKind};
            (
                signal(SignalKind::interrupt()).context("cannot wait for Ctrl-C")?,
                signal(SignalKind::terminate()).context("cannot wait for SIGTERM")?,
            )
        };
        // One line each, never wrapped: the address is copied from here.
        let text = format!(
            "The service keeps running, on the story's clock; Ctrl-C stops it.\n\
             The public register: {register}\n\
             The log key its pages check the log under: {}",
            log.ed25519_vkey()
        );
        if json {
            eoutln!("{text}");
        } else {
            outln!("\n{text}");
        }
        #[cfg(unix)]
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
        #[cfg(not(unix))]
        tokio::signal::ctrl_c()
            .await
            .context("cannot wait for Ctrl-C")?;
        Ok(())
    })
}

/// The parties' folders, beside the service's.
const PARTIES: [&str; 6] = [
    "registrar",
    "gov-0001",
    "gov-0002",
    "supervisor",
    "whistleblower",
    "auditor",
];

/// The first step: development keys in the service's params folder.
fn dev_keys(out: &mut Out, params_dir: &Path) -> anyhow::Result<()> {
    out.step(
        "Development keys for the four statements at capacity 16.",
        DEV_WARNING,
    );
    let t = Instant::now();
    let manifest = probity_params::setup_dev(
        params_dir,
        &StatementKind::ALL,
        &[probity_core::Capacity::C16],
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
    Ok(())
}

/// The second step: the registrar's key, and the service started with it.
fn start_service(mut out: Out, dir: &Path) -> anyhow::Result<Story> {
    out.step(
        "The registrar makes a signing key and starts the service with its public key.",
        "Only the registrar can register people. On first start the service makes its log key (it\n\
         signs every checkpoint), the whistleblower credential issuer key, and the supervisors'\n\
         tip key pair: it keeps the public half and writes the secret half to\n\
         supervisor-tip.key for the supervisors (in real life it is handed over and deleted from\n\
         the server). The log opens with the verifying keys (ParamsPublished) and the\n\
         whistleblower keys (WhistleblowerKeysPublished), so that everyone pins the same ones.",
    );
    let registrar = Registrar::init(&dir.join("registrar"))?;
    let start_ms = utc_ms(2026, 3, 2) + 9 * HOUR_MS;
    let server = Server::start(
        Config {
            data_dir: dir.join("service"),
            capacities: vec![probity_core::Capacity::C16.slots()],
            registrar_key: Some(hex::encode(registrar.public_key.as_bytes())),
            sweep_interval_secs: 1,
            // The demo's own keys, made on this machine for it and thrown away with its folder.
            allow_dev_keys: true,
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
    let watch = Watch::new(out.json);
    Ok(Story {
        out,
        dir: dir.to_owned(),
        server,
        log,
        policy: info.policy,
        watch,
        receipts: 0,
        log_size: 0,
        proofs_made: Vec::new(),
    })
}

/// An official's machine: a key made there, registered by the registrar, and a wallet.
fn open_official(
    s: &mut Story,
    registrar: &Registrar,
    (id, name, position): (&str, &str, &str),
) -> anyhow::Result<OfficialParty> {
    let id = OfficialId::new(id).map_err(anyhow::Error::msg)?;
    let folder = s.dir.join(id.as_str().to_lowercase());
    let wallet_path = folder.join("wallet.probity");
    let passphrase = Passphrase::new(WALLET_PASSPHRASE);
    let made = Official::init(&folder, &wallet_path, Some(&passphrase))?;
    let logged = registrar.register_official(&api::RegisterOfficial {
        official: id.clone(),
        name: name.into(),
        position: position.into(),
        jurisdiction: JURISDICTION.into(),
        public_key: hex::encode(made.public_key.as_bytes()),
    })?;
    s.keep(&s.dir.join("registrar"), &logged.entries)?;
    Ok(OfficialParty {
        app: Official::open(&s.server.client(), &folder)?,
        wallet: Wallet::open(&wallet_path, &passphrase)?,
        id,
        folder,
    })
}

/// The registrar registers the officials and the supervisor, and sets the deadlines.
fn register(s: &mut Story) -> anyhow::Result<Cast> {
    s.out.step(
        "The registrar registers two officials and a supervisor, and sets the filing deadlines.",
        "Each registration is a ledger entry. Officials and supervisors sign every request with\n\
         their own Ed25519 key, made on their own machines. Declarations for 2025 are due by the\n\
         end of 31 March 2026, for 2026 by the end of 31 March 2027: after a deadline, a missing\n\
         declaration raises an alert.",
    );
    let registrar_folder = s.dir.join("registrar");
    let registrar = Registrar::open(&s.server.client(), &registrar_folder)?;
    let gov1 = open_official(
        s,
        &registrar,
        ("GOV-0001", "Zhang Wei", "Head of the Urban Planning Bureau"),
    )?;
    let gov2 = open_official(
        s,
        &registrar,
        ("GOV-0002", "Li Na", "Deputy Head of the Transport Bureau"),
    )?;
    let supervisor_folder = s.dir.join("supervisor");
    let made = Supervisor::init(&supervisor_folder)?;
    let id = SupervisorId::new("HZ-DISCIPLINE").map_err(anyhow::Error::msg)?;
    let logged = registrar.register_supervisor(&id, &made.public_key)?;
    s.keep(&registrar_folder, &logged.entries)?;
    for (period, deadline) in [(2025, utc_ms(2026, 4, 1)), (2026, utc_ms(2027, 4, 1))] {
        let period = Period::new(period).map_err(anyhow::Error::msg)?;
        let logged = registrar.set_deadline(period, deadline)?;
        s.keep(&registrar_folder, &logged.entries)?;
    }
    s.out.line(&format!(
        "officials GOV-0001 (Zhang Wei) and GOV-0002 (Li Na) in {JURISDICTION}; supervisor HZ-DISCIPLINE"
    ));
    s.out.line(&format!(
        "{} entries logged so far, each with a receipt that verifies against the log key",
        s.log_size
    ));
    s.out.fact("log_size", s.log_size);
    Ok(Cast {
        supervisor: Supervisor::open(&s.server.client(), &supervisor_folder)?,
        registrar,
        registrar_folder,
        gov1,
        gov2,
        supervisor_folder,
    })
}

/// The story after the service started; returns the summary.
fn play(s: &mut Story) -> anyhow::Result<Value> {
    let mut cast = register(s)?;
    let files = file_2025(s, &mut cast)?;
    let decl_2026 = file_2026(s, &mut cast, &files)?;
    file_unexplained(s, &mut cast, &files)?;
    public_record(s)?;
    answer_registry_challenge(s, &cast, &decl_2026)?;
    let whistleblower = enroll(s, &cast)?;
    let tip = send_tip(s, &cast, &whistleblower)?;
    let second_tip = second_tip(s, &cast, &whistleblower)?;
    read_tip(s, &cast, &whistleblower, &tip)?;
    let status = unanswerable_challenge(s, &cast, &decl_2026)?;
    let audit = audit_log(s, &cast)?;

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
    let alerts = cast.supervisor.alerts()?;
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
        "receipts_verified": s.receipts,
        "audit": audit,
    }))
}

/// The 2025 declaration files, in each official's folder.
struct Files2025 {
    gov1: PathBuf,
    gov2: PathBuf,
}

fn file_2025(s: &mut Story, cast: &mut Cast) -> anyhow::Result<Files2025> {
    s.out.step(
        "Both officials file their 2025 declarations (examples/gov-0001-2025.toml; GOV-0002's is\n\
         the same file under its own id).",
        "The declaration never leaves the official's machine. The official's app downloads the\n\
         proving key from the service, checked against the verifying keys published on the\n\
         log. It commits to the declaration (the random blindings go into an encrypted wallet),\n\
         signs the commitment, and proves net_worth_range for the public band the net worth\n\
         falls in. The service verifies the proof and logs the filing and the proof. The\n\
         supervisor learns that the net worth is in that band, never the figure; the commitment\n\
         reveals nothing (every slot, padding included, has its own blinding, so even the number\n\
         of items is hidden). The receipt proves the filing is in the log: it can never be\n\
         denied or quietly dropped.",
    );
    s.out.line(&format!(
        "the filing policy (GET /v1/info): net_worth_range for one of the public bands ({}), \
         and from the second filing on, wealth_growth from the previous one with tolerance {}",
        bands_text(&s.policy),
        format_minor_units(s.policy.wealth_growth_tolerance.into())
    ));
    let d1 = cast.gov1.declaration(DECL_2025, "2025.toml")?;
    let filed = s.file(&mut cast.gov1, &d1, None)?;
    s.out.line(&format!(
        "GOV-0001 2025 commitment {} (public), blindings in {}",
        filed.commitment,
        cast.gov1.wallet.path().display()
    ));
    s.out.line(&format!(
        "the supervisor learns: GOV-0001's net worth for 2025 is between {}",
        band_text(filed.band)
    ));
    expect_no_alerts(&filed.alerts)?;
    let d2 = cast.gov2.declaration(DECL_2025, "2025.toml")?;
    let filed_2 = s.file(&mut cast.gov2, &d2, None)?;
    expect_no_alerts(&filed_2.alerts)?;
    s.out.fact("band_2025", band_text(filed.band));
    Ok(Files2025 {
        gov1: d1.path,
        gov2: d2.path,
    })
}

fn file_2026(s: &mut Story, cast: &mut Cast, files: &Files2025) -> anyhow::Result<DeclarationFile> {
    s.server.set_clock(utc_ms(2027, 3, 1) + 9 * HOUR_MS);
    s.out.step(
        "A year later (the clock moves to 1 March 2027), GOV-0001 files for 2026\n\
         (examples/gov-0001-2026.toml), with wealth_growth.",
        "wealth_growth proves that net worth grew from 2025 to 2026 by no more than the income\n\
         declared for 2026 (tolerance 0, the service's policy), against the two filed\n\
         commitments. The supervisor learns that the growth is explained by income, and the\n\
         new band; not the growth, not the income.",
    );
    let decl = cast.gov1.declaration(DECL_2026, "2026.toml")?;
    let filed = s.file(&mut cast.gov1, &decl, Some(&files.gov1))?;
    if filed.wealth_growth.as_str() != "proved" {
        bail!("GOV-0001's wealth_growth was not proved: this is a bug");
    }
    expect_no_alerts(&filed.alerts)?;
    s.out.line(&format!(
        "the supervisor learns: GOV-0001's net worth for 2026 is between {}, and grew from \
         2025 by no more than the income declared for 2026; no alert",
        band_text(filed.band)
    ));
    Ok(decl)
}

fn file_unexplained(s: &mut Story, cast: &mut Cast, files: &Files2025) -> anyhow::Result<()> {
    s.out.step(
        "GOV-0002 files for 2026 a declaration with a second flat and a large deposit that no\n\
         declared income explains (examples/gov-0001-2026-unexplained.toml under GOV-0002).",
        "A false statement has no proof: the official's own app cannot make the wealth_growth\n\
         proof. The filing still goes in, with the band proof only, and the service's rules\n\
         raise a wealth_growth_missing alert. Supervisors read the alert's details; the public\n\
         ledger shows only that an alert was raised, with a salted digest of its details.",
    );
    let decl = cast.gov2.declaration(DECL_2026_UNEXPLAINED, "2026.toml")?;
    let filed = s.file(&mut cast.gov2, &decl, Some(&files.gov2))?;
    let GrowthOutcome::DoesNotHold { from } = filed.wealth_growth else {
        bail!("GOV-0002's unexplained growth was not refused: this is a bug");
    };
    for notice in &filed.notices {
        if let Notice::WealthGrowthDoesNotHold { .. } = notice {
            let what = format!("wealth_growth for GOV-0002 {from} → {}", filed.period);
            s.out.line(&format!(
                "the official's app refuses {what}: it does not hold, so it cannot be proved; \
                 the filing goes without it"
            ));
            s.out.push("refused_to_prove", json!({ "what": what }));
        }
    }
    if filed.alerts != [rules::WEALTH_GROWTH_MISSING] {
        let alerts = &filed.alerts;
        bail!("GOV-0002's filing raised {alerts:?}, not wealth_growth_missing: this is a bug");
    }
    s.out.line(&format!(
        "the supervisor learns: GOV-0002's net worth for 2026 is between {}, and the growth \
         since 2025 is not shown to be explained",
        band_text(filed.band)
    ));
    let alert = cast
        .supervisor
        .alerts()?
        .into_iter()
        .find(|a| a.rule == rules::WEALTH_GROWTH_MISSING && a.detail.official == cast.gov2.id)
        .context("the supervisors do not see the wealth_growth_missing alert")?;
    s.out.line(&format!(
        "supervisors' alerts: {} (entry #{}): {}",
        alert.rule, alert.entry, alert.detail.message
    ));
    s.out.fact("alerts", &filed.alerts);
    s.out.fact("alert_message", &alert.detail.message);
    Ok(())
}

fn public_record(s: &mut Story) -> anyhow::Result<()> {
    s.out.step(
        "What the public sees: GOV-0001's record (GET /v1/officials/GOV-0001).",
        "Anyone can read every official's filings (period, commitment, time, whether late) and\n\
         which statements were proved about them. No amount appears anywhere in the service's\n\
         answers or on the ledger.",
    );
    let record: api::OfficialRecord = s.server.client().get("/v1/officials/GOV-0001")?;
    for f in &record.filings {
        let commitment: String = f.commitment.to_string().chars().take(24).collect();
        s.out.line(&format!(
            "filing {} at {} (entry #{}), commitment {commitment}…",
            f.period,
            utc_text(f.time),
            f.entry,
        ));
    }
    for p in &record.proofs {
        let periods: Vec<String> = p.periods.iter().map(ToString::to_string).collect();
        s.out.line(&format!(
            "proof {} for {} (entry #{})",
            p.statement,
            periods.join(" → "),
            p.entry
        ));
    }
    s.out.fact("filings", record.filings.len());
    s.out.fact("proofs", record.proofs.len());
    Ok(())
}

fn answer_registry_challenge(
    s: &mut Story,
    cast: &Cast,
    decl_2026: &DeclarationFile,
) -> anyhow::Result<()> {
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
    let official = cast.gov1.id.clone();
    let registry = s.challenge(cast, &official, REGISTRY_DEED, REGISTRY_DEED_MIN)?;
    let gov1 = &cast.gov1;
    let plan = gov1.app.plan_answer(
        registry.challenge,
        decl_2026,
        &ParamsSource::Service,
        &s.watch,
    )?;
    let answered = gov1.app.answer(plan, &gov1.wallet, &s.watch)?;
    s.take_proofs("GOV-0001 2026", &[StatementKind::AssetIncluded]);
    s.logged(&cast.gov1.folder, &answered.logged.entries)?;
    let status = challenge_status(&cast.supervisor, &registry)?;
    if status != "answered" {
        bail!("the answered challenge is `{status}`: this is a bug");
    }
    s.out
        .line(&format!("the supervisor sees the challenge {status}"));
    s.out.fact("status", status);
    Ok(())
}

fn enroll(s: &mut Story, cast: &Cast) -> anyhow::Result<Whistleblower> {
    s.out.step(
        "The registrar hands a one-time enrollment code to a person whose identity it checked\n\
         in person; the person enrolls as a whistleblower.",
        "The code buys exactly one anonymous credential. The whistleblower's app takes the\n\
         issuer key and the tip key from the log (WhistleblowerKeysPublished) and enrolls by\n\
         blind issuance: the service learns that the code was used, never the credential's\n\
         secret, so it cannot link any later tip to this enrollment. The log records only that\n\
         codes were issued, and how many.",
    );
    let issued = cast.registrar.enrollment_codes(1, JURISDICTION)?;
    s.logged(&cast.registrar_folder, &issued.logged.entries)?;
    let code = issued
        .codes
        .first()
        .context("the registrar asked for one code")?;
    let whistleblower = Whistleblower::new(s.server.client(), &s.dir.join("whistleblower"));
    let t = s.out.start("enrolling (blind issuance)");
    let enrolled = whistleblower.enroll(code, Some(JURISDICTION))?;
    s.out.done(&duration_text(t.elapsed()));
    s.out.line(&format!(
        "a credential for {}, valid to epoch {} (an epoch is a week); the issuer key and the \
         tip key the service gave match those on the log",
        enrolled.scope.as_str(),
        enrolled.expiry
    ));
    s.out
        .fact("issuer_fingerprint", &enrolled.issuer_fingerprint);
    Ok(whistleblower)
}

/// A tip the whistleblower sent, with what they keep of it.
struct SentTip {
    text: String,
    receipt_code: String,
    pooled_until: u64,
}

fn send_tip(s: &mut Story, cast: &Cast, whistleblower: &Whistleblower) -> anyhow::Result<SentTip> {
    s.out.step(
        "The whistleblower sends a sealed tip about GOV-0001.",
        "The tip is sealed with HPKE to the supervisors' tip key on the whistleblower's machine:\n\
         the service stores ciphertext only. The credential presentation proves a valid\n\
         credential without saying which. The ledger gets a TipReceived entry with the day, a\n\
         rate-limit tag and the ciphertext's SHA-256: not the official, not the text, so not\n\
         even the official learns a tip exists. The whistleblower keeps a receipt code (for\n\
         replies) and the ledger receipt: the tip cannot be silently buried.",
    );
    let text = format!(
        "GOV-0001's family holds a flat in Ningbo that is not in the declaration: property \
         certificate {TIPPED_DEED}."
    );
    let t = s.out.start("sealing and presenting");
    let draft = whistleblower.draft_tip(cast.gov1.id.as_str())?;
    let sent = whistleblower.send_tip(draft, &text, Vec::new())?;
    s.out.done(&duration_text(t.elapsed()));
    let TipOutcome::Pooled {
        until: Some(pooled_until),
        ..
    } = sent.outcome
    else {
        bail!("the service did not pool the tip until a set time: this is a bug");
    };
    s.out.line(&format!(
        "tip text: \"{text}\"\nsealed on the whistleblower's machine and sent with a fresh \
         presentation of the credential; the whistleblower keeps the receipt code"
    ));
    Ok(SentTip {
        text,
        receipt_code: sent.receipt_code.reveal().to_owned(),
        pooled_until,
    })
}

fn second_tip(s: &mut Story, cast: &Cast, whistleblower: &Whistleblower) -> anyhow::Result<u16> {
    s.out.step(
        "The same credential tries a second tip about GOV-0001 in the same epoch.",
        "Same person, same official, same epoch: the same rate-limit tag, so the service\n\
         refuses it (follow-ups go through the receipt code). One person cannot flood the\n\
         supervisors, and the count of distinct tags on an official is a count of independent\n\
         reporters that no one can inflate with fake accounts.",
    );
    let draft = whistleblower.draft_tip(cast.gov1.id.as_str())?;
    let (status, message) =
        match whistleblower.send_tip(draft, "Again: the flat in Ningbo.", Vec::new()) {
            Ok(_) => bail!("a second tip with the same credential was accepted: this is a bug"),
            Err(WhistleblowerError::Request { source, .. }) => refusal(source)?,
            Err(other) => return Err(other.into()),
        };
    if status != 409 {
        bail!("the second tip was refused with {status}, not 409: {message}");
    }
    s.out.line(&format!("refused ({status}): {message}"));
    s.out.fact("refused_status", status);
    s.out.fact("refused_message", &message);
    Ok(status)
}

fn read_tip(
    s: &mut Story,
    cast: &Cast,
    whistleblower: &Whistleblower,
    tip: &SentTip,
) -> anyhow::Result<()> {
    s.out.step(
        "The supervisor reads the tip and replies; the whistleblower reads the reply.",
        "The supervisor fetches the sealed tips, checks each against its TipReceived entry on\n\
         the log, and opens this one on their own machine with the supervisors' tip key\n\
         (supervisor-tip.key): the service never could. The reply is kept for the\n\
         whistleblower, who reads it with the receipt code: no account, no identity.",
    );
    let pooled = whistleblower.status(&tip.receipt_code)?;
    s.out.line(&format!(
        "status: {} until the pool is logged at {} (the pool hides when each tip arrived)",
        pooled.status.status,
        utc_text(tip.pooled_until)
    ));
    s.out.fact("pooled_status", &pooled.status.status);
    s.server.set_clock(tip.pooled_until + 1_000);
    let deadline = Instant::now() + Duration::from_secs(30);
    let entry = loop {
        if let Some(logged) = whistleblower.status(&tip.receipt_code)?.logged {
            break logged.entry;
        }
        if Instant::now() > deadline {
            bail!("the tip pool was not logged within 30 s of its window closing: this is a bug");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    s.logged(whistleblower.dir(), &[entry])?;
    let secret = read_tip_key(
        &s.dir
            .join("service")
            .join(probity_service::files::SUPERVISOR_TIP_KEY),
    )?;
    let tips = cast.supervisor.tips(&secret)?;
    let read = tips
        .tips
        .iter()
        .find(|t| t.view.entry == entry)
        .context("the supervisors do not see the tip")?;
    let opened = read
        .opened
        .as_ref()
        .map_err(|e| anyhow::anyhow!("the supervisor cannot read the tip: {e}"))?;
    if opened.body.text() != tip.text {
        bail!("the opened tip differs from the one sent: this is a bug");
    }
    s.out.line(&format!(
        "the supervisor opens tip #{entry} about {}: \"{}\"",
        read.view.subject,
        opened.body.text()
    ));
    cast.supervisor
        .reply(entry, "Thank you. We are looking into it.", false)?;
    let status = whistleblower.status(&tip.receipt_code)?.status;
    let reply = status
        .replies
        .last()
        .context("the whistleblower sees no reply")?;
    s.out.line(&format!(
        "the whistleblower reads (tip {}): \"{}\" ({})",
        status.status, reply.message, reply.day
    ));
    s.out.fact("tip_status", &status.status);
    s.out.fact("replies", status.replies.len());
    Ok(())
}

fn unanswerable_challenge(
    s: &mut Story,
    cast: &Cast,
    decl_2026: &DeclarationFile,
) -> anyhow::Result<String> {
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
    let official = cast.gov1.id.clone();
    let tipped = s.challenge(cast, &official, TIPPED_DEED, 0)?;
    let gov1 = &cast.gov1;
    match gov1.app.plan_answer(
        tipped.challenge,
        decl_2026,
        &ParamsSource::Service,
        &s.watch,
    ) {
        Err(e @ OfficialError::NotDeclared { .. }) => {
            let what = "asset_included for the Ningbo flat";
            s.out
                .line(&format!("the official's app refuses {what}: {e}"));
            s.out.push(
                "refused_to_prove",
                json!({ "what": what, "message": e.to_string() }),
            );
        }
        Err(e) => return Err(e.into()),
        Ok(_) => bail!("the app would answer about an undeclared asset: this is a bug"),
    }
    dodge(s, gov1, decl_2026, &tipped)?;
    let expired_at = tipped.deadline + DAY_MS;
    s.server.set_clock(expired_at);
    s.out.line(&format!(
        "the clock moves past the deadline, to {}",
        utc_text(expired_at)
    ));
    let t = s.out.start("waiting for the service's deadline sweep");
    let alert = wait_for_alert(&cast.supervisor, rules::CHALLENGE_EXPIRED, &tipped)?;
    s.out.done(&duration_text(t.elapsed()));
    s.out.line(&format!(
        "supervisors' alerts: {} (entry #{}): {}",
        alert.rule, alert.entry, alert.detail.message
    ));
    let status = challenge_status(&cast.supervisor, &tipped)?;
    s.out.fact("status", &status);
    s.out.fact("alert", &alert.rule);
    Ok(status)
}

/// A dishonest app, which the library would not be: it proves asset_included for the flat
/// that is declared and sends that as the answer about the one that is not. The service
/// refuses it: the proof's asset is not the one the challenge asks about.
fn dodge(
    s: &mut Story,
    gov1: &OfficialParty,
    decl_2026: &DeclarationFile,
    tipped: &ChallengeRef,
) -> anyhow::Result<()> {
    let params = Params::open(&gov1.folder.join("params"))?;
    let proof = official::prove_statement(
        &params,
        &gov1.wallet,
        &decl_2026.declaration,
        None,
        &Statement::AssetIncluded {
            asset_id: AssetId(REGISTRY_DEED.into()),
            min_value: Amount(0),
        },
        &s.watch,
    )?;
    s.take_proofs("the Hangzhou flat instead", &[StatementKind::AssetIncluded]);
    let sent = gov1.app.connection().client().post::<_, api::Written>(
        &format!("/v1/challenges/{}/answer", tipped.challenge),
        &api::AnswerChallenge { proof },
    );
    let (status, message) = match sent {
        Ok(_) => bail!("an answer about another asset was accepted: this is a bug"),
        Err(e) => refusal(e)?,
    };
    s.out.line(&format!(
        "the service refuses an answer about the other flat ({status}): {message}"
    ));
    s.out.fact("dodge_refused_status", status);
    Ok(())
}

/// The auditor's check of the whole log, the re-verification of every proof (the withheld
/// ones with the supervisor's disclosures), and every receipt any party kept against the
/// audited log.
fn audit_log(s: &mut Story, cast: &Cast) -> anyhow::Result<Value> {
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
    let t = s.out.start("auditing the log from its tiles");
    let conn = Connection::new(s.server.client(), s.dir.join("auditor"));
    let auditor = Auditor::new(conn.clone());
    let (report, counts) = auditor.audit_proofs(cast.supervisor.disclosures()?)?;
    let mut receipts = Vec::new();
    for party in PARTIES {
        let folder = s.dir.join(party);
        receipts.extend(Connection::new(s.server.client(), &folder).kept_receipts()?);
        let tips = folder.join(probity_client::whistleblower::WHISTLEBLOWER_DIR);
        receipts.extend(Connection::new(s.server.client(), &tips).kept_receipts()?);
    }
    conn.check_receipts_under(&s.log, &report.checkpoint, &receipts)?;
    s.out.done(&duration_text(t.elapsed()));
    let size = report.checkpoint.size();
    let public = counts.reverified - counts.from_disclosure;
    let counts_text: Vec<String> = report
        .counts
        .iter()
        .flatten()
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    s.out.line(&format!(
        "the log audits: {size} entries hash to the signed checkpoint, every entry is well formed \
         and follows from the entries before it"
    ));
    s.out.line(&format!("entries: {}", counts_text.join(", ")));
    s.out.line(&format!(
        "proofs re-verified: {public} by anyone from the log alone, {} asset_included by the \
         supervisor with the disclosed id_hash, min_value and proof",
        counts.from_disclosure
    ));
    s.out.line(&format!(
        "receipts: all {} the parties kept verify, and each is in the audited log at its place",
        receipts.len()
    ));
    let summary = json!({
        "entries": size,
        "counts": report.counts,
        "proofs_reverified_public": public,
        "proofs_reverified_with_disclosure": counts.from_disclosure,
        "withheld_form_checked": counts.withheld_form_checked,
        "receipts_checked": receipts.len(),
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
