//! Load on the service over real HTTP: how many filings and tips per second it logs, and how
//! long each takes, on this machine.
//!
//! `cargo bench --bench service_load` starts the service in this process (`Service::open` and
//! [`probity_service::serve`] on 127.0.0.1:0, the tokio runtime `probity serve` uses, the
//! system clock, a fresh data folder with capacity-16 dev keys), prepares everything slow
//! before the clock starts, then drives it from client threads, each with its own blocking
//! [`Client`] and connection, each signing its own requests:
//!
//! 1. **filings**: every thread re-files its official's declaration. The body (a signed
//!    `DeclarationFiled` and its `net_worth_range` proof) is made once per official before the
//!    load; every request is signed afresh, and every re-filing is an amendment the service
//!    checks in full (request signature and nonce, the filing's signature, the Groth16 proof,
//!    the band, the rules) and logs as three entries (the filing, the proof, the
//!    `declaration_amended` alert), each with a receipt. Each official files once before the
//!    load so that every timed filing is such an amendment.
//! 2. **tips**: every thread sends ready tips: one per (credential, official), each with a
//!    distinct rate-limit tag, so the service accepts every one. Sealing and presenting are
//!    done before the load; the service verifies each presentation and logs one entry.
//! 3. **mixed**: half the threads file, half tip, at once.
//!
//! Each phase runs for a fixed time or until its tips run out. It prints throughput (answers
//! per second, counting only successes) and p50/p99/max latency (from the request to the
//! decoded answer, client side), the writer's batches (from `/metrics`), and the hardware.
//! After the load, every receipt handed out is checked against the log's key, off the clock.
//!
//! The client threads run in this process and share its cores with the service: the figures
//! are what the service does with what the machine has left, a lower bound. (Each request of
//! the blocking client also starts a short-lived thread: ureq resolves the address on its own
//! thread when a timeout is set.) The load average printed before the load shows whether
//! anything else was running.
//!
//! # Sizes
//!
//! | variable | default | what |
//! |---|---|---|
//! | `PROBITY_LOAD_OFFICIALS` | 64 | officials, each with one proof made before the load |
//! | `PROBITY_LOAD_CREDENTIALS` | 512 | whistleblower credentials; tips = credentials × officials |
//! | `PROBITY_LOAD_THREADS` | 64 | client threads |
//! | `PROBITY_LOAD_SECS` | 10 | length of each phase, in seconds |
//! | `PROBITY_LOAD_PHASES` | `filings,tips,mixed` | the phases to run |
//!
//! No figure here is asserted (DESIGN.md §10): they are measurements for people.

use std::{
    collections::BTreeMap,
    sync::atomic::{AtomicUsize, Ordering},
    time::{Duration, Instant},
};

use ed25519_dalek::SigningKey;
use probity_client::{api, Client, ClientError};
use probity_ledger::{CheckpointVerifier, Receipt};
use probity_service::{Config, Service};
use rand::rngs::OsRng;

#[path = "../tests/load/mod.rs"]
mod load;

/// The sizes of a run, from the environment.
struct Sizes {
    officials: usize,
    credentials: usize,
    threads: usize,
    secs: u64,
    /// The phases to run (`PROBITY_LOAD_PHASES`, comma-separated; all by default).
    phases: Vec<String>,
}

fn env_or(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => v
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}=`{v}` is not a whole number")),
        Err(_) => default,
    }
}

impl Sizes {
    fn from_env() -> Self {
        let size = |name, default| {
            usize::try_from(env_or(name, default).max(1)).expect("a size that fits in memory")
        };
        Self {
            officials: size("PROBITY_LOAD_OFFICIALS", 64),
            credentials: size("PROBITY_LOAD_CREDENTIALS", 512),
            threads: size("PROBITY_LOAD_THREADS", 64),
            secs: env_or("PROBITY_LOAD_SECS", 10).max(1),
            phases: std::env::var("PROBITY_LOAD_PHASES")
                .unwrap_or_else(|_| "filings,tips,mixed".to_owned())
                .split(',')
                .map(|p| p.trim().to_owned())
                .collect(),
        }
    }

    fn runs(&self, phase: &str) -> bool {
        self.phases.iter().any(|p| p == phase)
    }
}

/// The server in this process.
struct Server {
    base: String,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    fn start(config: Config) -> Self {
        let service =
            Service::open(config, probity_service::system_clock()).expect("the service opens");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            // As `probity serve` builds it: one worker per core.
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("a port");
                addr_tx
                    .send(listener.local_addr().expect("an address"))
                    .expect("the bench waits for the address");
                probity_service::serve(service, listener, async {
                    let _ = rx.await;
                })
                .await
                .expect("the server runs");
            });
        });
        let addr = addr_rx.recv().expect("the server's address");
        Self {
            base: format!("http://{addr}"),
            shutdown: Some(tx),
            thread: Some(thread),
        }
    }

    fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            t.join().expect("the server thread");
        }
    }
}

/// What one kind of request did in a phase.
#[derive(Default)]
struct Tally {
    /// From the phase's start to the last answer of this kind: the rate's denominator
    /// (tips may run out before the phase ends).
    active: Duration,
    latencies: Vec<Duration>,
    errors: BTreeMap<String, usize>,
    receipts: Vec<Receipt>,
    /// Receipt codes of tips that went to the tip pool, to fetch their receipts later.
    pooled: Vec<String>,
}

impl Tally {
    fn merge(&mut self, other: Self) {
        self.active = self.active.max(other.active);
        self.latencies.extend(other.latencies);
        for (k, v) in other.errors {
            *self.errors.entry(k).or_default() += v;
        }
        self.receipts.extend(other.receipts);
        self.pooled.extend(other.pooled);
    }

    fn record(&mut self, start: Instant, result: Result<Vec<Receipt>, ClientError>) {
        match result {
            Ok(receipts) => {
                self.latencies.push(start.elapsed());
                self.receipts.extend(receipts);
            }
            Err(e) => {
                let key = match e.status() {
                    Some(status) => format!("HTTP {status}"),
                    None => "transport".to_owned(),
                };
                if self.errors.is_empty() {
                    eprintln!("  first error: {e}");
                }
                *self.errors.entry(key).or_default() += 1;
            }
        }
    }
}

/// The `p`-th percentile (nearest rank) of sorted durations.
fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

/// The writer's batch counters from `/metrics`: (jobs, batches).
fn writer_batches(client: &Client) -> (f64, f64) {
    let text = String::from_utf8(client.get_bytes("/metrics").expect("metrics")).expect("text");
    let value = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.trim().parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (
        value("probity_writer_batch_jobs_sum"),
        value("probity_writer_batch_jobs_count"),
    )
}

/// What a client thread does in a phase.
#[derive(Clone, Copy, PartialEq)]
enum Role {
    File,
    Tip,
}

struct Phase {
    name: &'static str,
    elapsed: Duration,
    filings: Tally,
    tips: Tally,
    batches: (f64, f64),
    ran_out: bool,
}

/// What every phase draws on: the server, the officials' filings, and the prepared tips with
/// the index of the next one to send.
struct Load<'a> {
    server: &'a Server,
    officials: &'a [load::Official],
    tips: &'a [load::Tip],
    cursor: &'a AtomicUsize,
}

/// Runs one client thread per role for `length`; tip threads stop early when the tips before
/// `tips_end` run out.
fn run_phase(
    load: &Load<'_>,
    name: &'static str,
    tips_end: usize,
    roles: &[Role],
    length: Duration,
) -> Phase {
    let Load {
        server,
        officials,
        tips,
        cursor,
    } = *load;
    let metrics = Client::new(&server.base);
    let before = writer_batches(&metrics);
    let ran_out = AtomicUsize::new(0);
    let start = Instant::now();
    let until = start + length;
    let (filings, tip_tally) = std::thread::scope(|s| {
        let workers: Vec<_> = roles
            .iter()
            .enumerate()
            .map(|(i, role)| {
                let role = *role;
                let ran_out = &ran_out;
                // Named, so that a profile tells the load from the service.
                let thread = std::thread::Builder::new().name(format!("load-client-{i}"));
                thread
                    .spawn_scoped(s, move || {
                        // Its own client: its own connection, kept alive.
                        let plain = Client::new(&server.base);
                        let official = &officials[i % officials.len()];
                        let signed = plain.signed(official.key.clone());
                        let mut filings = Tally::default();
                        let mut tips_done = Tally::default();
                        while Instant::now() < until {
                            match role {
                                Role::File => {
                                    let t = Instant::now();
                                    let r = signed
                                        .post_raw::<api::FilingAccepted>(
                                            "/v1/filings",
                                            official.filing.clone(),
                                        )
                                        .map(|a| a.receipts);
                                    filings.record(t, r);
                                }
                                Role::Tip => {
                                    let k = cursor.fetch_add(1, Ordering::Relaxed);
                                    if k >= tips_end {
                                        ran_out.store(1, Ordering::Relaxed);
                                        break;
                                    }
                                    let t = Instant::now();
                                    let r = plain
                                        .post_raw::<api::TipAccepted>(
                                            "/v1/tips",
                                            tips[k].body.clone(),
                                        )
                                        .map(|a| match a.receipt {
                                            Some(r) => vec![r],
                                            None => {
                                                tips_done.pooled.push(a.receipt_code);
                                                Vec::new()
                                            }
                                        });
                                    tips_done.record(t, r);
                                }
                            }
                        }
                        match role {
                            Role::File => filings.active = start.elapsed(),
                            Role::Tip => tips_done.active = start.elapsed(),
                        }
                        (filings, tips_done)
                    })
                    .expect("a client thread starts")
            })
            .collect();
        let mut filings = Tally::default();
        let mut tips = Tally::default();
        for w in workers {
            let (f, t) = w.join().expect("a client thread");
            filings.merge(f);
            tips.merge(t);
        }
        (filings, tips)
    });
    let elapsed = start.elapsed();
    let after = writer_batches(&metrics);
    Phase {
        name,
        elapsed,
        filings,
        tips: tip_tally,
        batches: (after.0 - before.0, after.1 - before.1),
        ran_out: ran_out.load(Ordering::Relaxed) == 1,
    }
}

fn report(phase: &mut Phase) {
    println!(
        "\n{} ({:.1} s{}; writer: {} batches, {:.1} jobs per batch, {:.0} batches/s)",
        phase.name,
        phase.elapsed.as_secs_f64(),
        if phase.ran_out {
            ", ended when the prepared tips ran out"
        } else {
            ""
        },
        phase.batches.1,
        if phase.batches.1 > 0.0 {
            phase.batches.0 / phase.batches.1
        } else {
            0.0
        },
        phase.batches.1 / phase.elapsed.as_secs_f64()
    );
    println!(
        "  {:<8} {:>8} {:>7} {:>9} {:>9} {:>9} {:>9}  errors",
        "", "count", "over", "per sec", "p50", "p99", "max"
    );
    for (label, tally) in [("filings", &mut phase.filings), ("tips", &mut phase.tips)] {
        if tally.latencies.is_empty() && tally.errors.is_empty() {
            continue;
        }
        tally.latencies.sort_unstable();
        let n = tally.latencies.len();
        let active = tally.active.as_secs_f64().max(f64::EPSILON);
        println!(
            "  {:<8} {:>8} {:>5.1} s {:>9.0} {:>9} {:>9} {:>9}  {}",
            label,
            n,
            active,
            n as f64 / active,
            ms(percentile(&tally.latencies, 50.0)),
            ms(percentile(&tally.latencies, 99.0)),
            ms(tally.latencies.last().copied().unwrap_or_default()),
            if tally.errors.is_empty() {
                "none".to_owned()
            } else {
                format!("{:?}", tally.errors)
            }
        );
    }
}

fn hardware() -> String {
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find_map(|l| l.strip_prefix("model name")?.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    format!("nproc {cores}, {model}")
}

/// The 1-minute load average: anything else running on the machine skews the figures.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|t| t.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "n/a".to_owned())
}

fn main() {
    let sizes = Sizes::from_env();
    println!(
        "service_load: {}; load average before: {}",
        hardware(),
        load_average()
    );
    println!(
        "sizes: {} officials, {} credentials ({} tips), {} client threads, {} s per phase",
        sizes.officials,
        sizes.credentials,
        sizes.credentials * sizes.officials,
        sizes.threads,
        sizes.secs
    );

    // ----- preparation, off the clock ---------------------------------------------------------
    let prep = Instant::now();
    let dir = tempfile::tempdir().expect("a temp folder");
    let registrar = SigningKey::generate(&mut OsRng);
    let server = Server::start(Config {
        data_dir: dir.path().to_owned(),
        capacities: vec![16],
        // Tips go through the pool, as in production, but it is logged every 2 s rather than
        // every 10 minutes, so that the receipts can be checked after the load.
        tip_batch_secs: 2,
        sweep_interval_secs: 1,
        registrar_key: Some(hex::encode(registrar.verifying_key().as_bytes())),
        // A bench on dev keys made for it.
        allow_dev_keys: true,
        ..Config::default()
    });
    println!(
        "server on {} ({:.1} s, dev keys included)",
        server.base,
        prep.elapsed().as_secs_f64()
    );
    let client = Client::new(&server.base);
    let as_registrar = client.signed(registrar);
    let info: api::ServiceInfo = client.get("/v1/info").expect("info");
    let log = CheckpointVerifier::from_vkey(&info.log_key).expect("the log key");

    let t = Instant::now();
    let officials = load::officials(&as_registrar, &dir.path().join("params"), sizes.officials);
    println!(
        "{} officials registered, one net_worth_range proof each: {:.1} s",
        officials.len(),
        t.elapsed().as_secs_f64()
    );
    // Each official files once, so that every timed filing is an amendment.
    for o in &officials {
        let accepted: api::FilingAccepted = client
            .signed(o.key.clone())
            .post_raw("/v1/filings", o.filing.clone())
            .expect("the first filing is accepted");
        for r in &accepted.receipts {
            r.verify(&log).expect("a first filing's receipt verifies");
        }
    }

    let t = Instant::now();
    let keys = load::keys(&client);
    let cores = std::thread::available_parallelism().map_or(2, usize::from);
    let credentials = load::credentials(&as_registrar, &client, &keys, sizes.credentials, 8);
    let subjects: Vec<String> = officials.iter().map(|o| o.id.clone()).collect();
    let tips = load::tips(&credentials, &keys, &subjects, cores);
    println!(
        "{} credentials enrolled, {} tips sealed and presented: {:.1} s",
        credentials.len(),
        tips.len(),
        t.elapsed().as_secs_f64()
    );
    println!("preparation: {:.1} s", prep.elapsed().as_secs_f64());

    // ----- the load ----------------------------------------------------------------------------
    let length = Duration::from_secs(sizes.secs);
    let cursor = AtomicUsize::new(0);
    // Two thirds of the tips for the tips phase, the rest for the mixed one.
    let tips_split = tips.len() * 2 / 3;
    let all = |role| vec![role; sizes.threads];
    let mixed: Vec<Role> = (0..sizes.threads)
        .map(|i| if i % 2 == 0 { Role::File } else { Role::Tip })
        .collect();
    let load = Load {
        server: &server,
        officials: &officials,
        tips: &tips,
        cursor: &cursor,
    };
    let mut phases = Vec::new();
    if sizes.runs("filings") {
        phases.push(run_phase(
            &load,
            "filings (each one an amendment, verified in full)",
            0,
            &all(Role::File),
            length,
        ));
    }
    if sizes.runs("tips") {
        phases.push(run_phase(
            &load,
            "tips (each with a distinct tag)",
            tips_split,
            &all(Role::Tip),
            length,
        ));
    }
    if sizes.runs("mixed") {
        cursor.store(tips_split, Ordering::Relaxed);
        phases.push(run_phase(
            &load,
            "mixed (half the threads file, half tip)",
            tips.len(),
            &mixed,
            length,
        ));
    }
    for phase in &mut phases {
        report(phase);
    }

    // ----- every receipt, off the clock -------------------------------------------------------
    let t = Instant::now();
    let mut checked = 0usize;
    let mut pooled = Vec::new();
    for phase in &phases {
        for r in phase.filings.receipts.iter().chain(&phase.tips.receipts) {
            r.verify(&log)
                .expect("every receipt handed out verifies against the log key");
            checked += 1;
        }
        pooled.extend(phase.tips.pooled.iter().cloned());
    }
    // Pooled tips: their receipts come with their status once the pool is logged.
    let client = Client::new(&server.base);
    let deadline = Instant::now() + Duration::from_secs(60);
    for code in &pooled {
        let receipt = load::pooled_receipt(&client, code, deadline)
            .expect("an accepted tip was logged within a minute");
        receipt
            .verify(&log)
            .expect("every pooled tip's receipt verifies against the log key");
        checked += 1;
    }
    println!(
        "\n{checked} receipts verified against the log key ({:.1} s, off the clock)",
        t.elapsed().as_secs_f64()
    );
    server.stop();
}
