//! How long the public register's pages take to make, server-side, on a register the size of
//! a large supervisory body's: 10,000 officials and a log of 1,000,000 entries.
//!
//! `cargo bench --bench register_pages` builds the register once, before any clock starts:
//!
//! 1. the service opens a fresh data folder (log key, dev params for `net_worth_range` at
//!    capacity 16) and logs its keys;
//! 2. with the service closed, the log is written directly, in batches, with the log key the
//!    service made: 10,000 `OfficialRegistered`, 20 `DeadlineSet` (periods 2006 to 2025), for
//!    each official and period a `DeclarationFiled` and a `ProofAccepted` of
//!    `net_worth_range` with public inputs that decode (a few officials file late, a few not
//!    at all), two challenges per official (one expired), and `TipReceived` entries until the
//!    log holds 1,000,000, with a signed checkpoint at the end;
//! 3. the service opens the folder again and rebuilds its state from the log, as after any
//!    restart.
//!
//! Each page is then asked of the service's router in this process (no socket): the time
//! covers routing, reading the state and the log, building the view and rendering the HTML,
//! up to the last byte of the body. Every page is checked to answer 200 before it is timed.
//!
//! | page | what it reads |
//! |---|---|
//! | `/` | the first page of 10,000 officials, with each one's standing for the latest period |
//! | `/?q=…` | a search by name over 10,000 officials |
//! | `/officials/{id}` | one official's 20 filings and 20 proofs (each proof's public inputs read from its log entry) and challenges |
//! | `/stats` | the register in figures: every official's filings and latest band, every proof and challenge, and 33 entries' times |
//! | `/log` | the latest checkpoint |
//! | `/log/entries?start=…` | 50 entries from the middle of the log |
//! | `/log/entries/{index}` | one entry with its inclusion proof in 1,000,000 |
//!
//! `PROBITY_REGISTER_BENCH_DIR=DIR` keeps the register in `DIR` and reuses it on the next run
//! (building it takes about a minute). No figure here is asserted (DESIGN.md §10): the issue's
//! bound, 50 ms a page on a 2-core machine, is read off criterion's report.
#![allow(missing_docs)] // criterion_group! generates undocumented functions

use std::{
    path::{Path, PathBuf},
    time::Duration,
};

use axum::body::Body;
use criterion::{criterion_group, criterion_main, Criterion};
use ed25519_dalek::SigningKey;
use probity_core::{
    Capacity, Commitment, NetWorthRange, OfficialId, Period, PublicInputs, SignedAmount,
    StatementKind,
};
use probity_ledger::{
    ChallengeExpired, ChallengeId, ChallengeIssued, CheckpointSigner, DeadlineSet,
    DeclarationFiled, DetailDigest, DurableDb, Ed25519Signature, Entry, EntryBody,
    OfficialRegistered, ProofAccepted, ProofBytes, PublicKey, RateLimitTag, Sha256Digest,
    SledStore, SupervisorId, Timestamp, TipReceived,
};
use probity_service::{files, Config, Service};
use rand::{rngs::StdRng, Rng, SeedableRng};
use tower::ServiceExt as _;

const OFFICIALS: usize = 10_000;
const LOG_SIZE: u64 = 1_000_000;
const FIRST_YEAR: u32 = 2006;
const PERIODS: u32 = 20;
const BATCH: usize = 10_000;
const DAY_MS: u64 = 86_400_000;
const CAPACITY: Capacity = Capacity::C16;

fn official_id(i: usize) -> OfficialId {
    OfficialId::new(&format!("GOV-{i:05}")).expect("a valid id")
}

/// 00:00 UTC on 1 January of `year`, in ms.
fn new_year_ms(year: u32) -> u64 {
    u64::try_from(probity_core::days_from_civil(i64::from(year), 1, 1)).expect("after 1970")
        * DAY_MS
}

/// The log, written in time order and in batches, each batch durable before the next.
struct Writer {
    log: probity_ledger::Log<SledStore>,
    batch: Vec<Entry>,
    written: u64,
    time_ms: u64,
}

impl Writer {
    fn push(&mut self, body: impl Into<EntryBody>) {
        self.time_ms += 1;
        self.batch.push(Entry {
            time: Timestamp::from_millis(self.time_ms).expect("in range"),
            body: body.into(),
        });
        if self.batch.len() == BATCH {
            self.flush();
        }
    }

    /// Moves the clock to `ms` if it is later.
    fn at(&mut self, ms: u64) {
        self.time_ms = self.time_ms.max(ms);
    }

    fn flush(&mut self) {
        if self.batch.is_empty() {
            return;
        }
        let range = self.log.append_batch(&self.batch).expect("appended");
        self.written = range.end;
        self.batch.clear();
    }

    fn size(&self) -> u64 {
        self.written + self.batch.len() as u64
    }
}

/// Registrations and deadlines: everything before the first filing.
fn write_registrations(w: &mut Writer, rng: &mut StdRng) {
    const POSITIONS: [&str; 4] = ["县长", "局长", "Director of Land Administration", "审计员"];
    const JURISDICTIONS: [&str; 4] = ["CN-ZJ-HZ", "CN-ZJ-NB", "CN-JS-NJ", "CN-GD-GZ"];
    w.at(new_year_ms(FIRST_YEAR));
    for i in 0..OFFICIALS {
        let key = SigningKey::generate(rng);
        w.push(OfficialRegistered {
            official: official_id(i),
            public_key: PublicKey(key.verifying_key()),
            name: format!("官员 {i:05}"),
            position: POSITIONS[i % POSITIONS.len()].to_owned(),
            jurisdiction: JURISDICTIONS[i / 7 % JURISDICTIONS.len()].to_owned(),
        });
    }
    for p in 0..PERIODS {
        let year = FIRST_YEAR + p;
        w.push(DeadlineSet {
            period: Period::new(year).expect("a year"),
            deadline: Timestamp::from_millis(new_year_ms(year + 1) + 90 * DAY_MS)
                .expect("in range"),
        });
    }
}

/// How official `i` files for the `p`-th period: most on time, every 13th late, every 97th
/// not at all (`None`).
fn files_late(i: usize, p: u32) -> Option<bool> {
    let k = i + p as usize;
    (!k.is_multiple_of(97)).then_some(k.is_multiple_of(13))
}

/// Each official's filing and net-worth proof for each period, as [`files_late`] says.
fn write_filings(w: &mut Writer, rng: &mut StdRng) {
    for p in 0..PERIODS {
        let year = FIRST_YEAR + p;
        let period = Period::new(year).expect("a year");
        // The clock only moves forward: on-time filings first, then the late ones.
        for (late, days_after_new_year) in [(false, 30), (true, 120)] {
            w.at(new_year_ms(year + 1) + days_after_new_year * DAY_MS);
            for i in (0..OFFICIALS).filter(|&i| files_late(i, p) == Some(late)) {
                file(w, rng, i, period);
            }
        }
    }
}

fn file(w: &mut Writer, rng: &mut StdRng, i: usize, period: Period) {
    let official = official_id(i);
    let commitment = Commitment(probity_core::Fr::from(rng.gen::<u64>()));
    w.push(DeclarationFiled {
        official: official.clone(),
        period,
        capacity: CAPACITY,
        commitment,
        signature: Ed25519Signature([7; 64]),
    });
    let band = [(0, 99_999_999), (100_000_000, 499_999_999)][i % 2];
    let inputs = PublicInputs::NetWorthRange(NetWorthRange {
        commitment,
        official_tag: official.tag(),
        period,
        lo: SignedAmount(band.0),
        hi: SignedAmount(band.1),
    });
    w.push(ProofAccepted {
        statement: StatementKind::NetWorthRange,
        capacity: CAPACITY,
        official,
        periods: vec![period],
        public_inputs: inputs
            .to_public_inputs()
            .iter()
            .map(|x| Some(x.to_string()))
            .collect(),
        withheld: None,
        proof: Some(ProofBytes([1; 128])),
    });
}

/// Two challenges per official (the first expires), then tips until the log is full.
fn write_challenges_and_tips(w: &mut Writer, rng: &mut StdRng) {
    let supervisor = SupervisorId::new("sup-bench").expect("a valid id");
    let period = Period::new(FIRST_YEAR + PERIODS - 1).expect("a year");
    for i in 0..OFFICIALS {
        for expires in [true, false] {
            let challenge = ChallengeId(rng.gen());
            w.push(ChallengeIssued {
                challenge,
                supervisor: supervisor.clone(),
                official: official_id(i),
                period,
                deadline: Timestamp::from_millis(w.time_ms + 14 * DAY_MS).expect("in range"),
                detail: DetailDigest(rng.gen()),
            });
            if expires {
                w.push(ChallengeExpired { challenge });
            }
        }
    }
    while w.size() < LOG_SIZE {
        w.push(TipReceived {
            epoch: w.time_ms / 1000 / 604_800,
            tag: RateLimitTag(rng.gen()),
            sealed_tip_sha256: Sha256Digest(rng.gen()),
        });
    }
}

fn config(dir: &Path) -> Config {
    Config {
        data_dir: dir.to_owned(),
        capacities: vec![usize::from(CAPACITY)],
        // A bench on dev keys made for it.
        allow_dev_keys: true,
        ..Config::default()
    }
}

/// The register's data folder, built as the module's header says (or reused).
fn build_register(dir: &Path) {
    if dir.join("built").exists() {
        return;
    }
    probity_params::setup_dev(
        &dir.join(files::PARAMS),
        &[StatementKind::NetWorthRange],
        &[CAPACITY],
        &mut rand::rngs::OsRng,
        |_| {},
    )
    .expect("dev params");
    // The first start makes the log key and logs the service's keys.
    Service::open(config(dir), probity_service::system_clock())
        .expect("the service opens")
        .shutdown();
    let db = DurableDb::open(dir.join(files::DB)).expect("the database opens");
    let signer = CheckpointSigner::load(&dir.join(files::LOG_KEY)).expect("the log key");
    let log = probity_ledger::Log::open(SledStore::from_db(db).expect("store"), signer)
        .expect("the log opens");
    let written = log.size().expect("size");
    let mut w = Writer {
        log,
        batch: Vec::new(),
        written,
        time_ms: 0,
    };
    let mut rng = StdRng::seed_from_u64(2026);
    write_registrations(&mut w, &mut rng);
    write_filings(&mut w, &mut rng);
    write_challenges_and_tips(&mut w, &mut rng);
    let last = std::mem::take(&mut w.batch)
        .iter()
        .map(|e| e.to_canonical_json().expect("encodes"))
        .collect::<Vec<_>>();
    w.log
        .append_checkpointed(last, w.time_ms / 1000 + 1)
        .expect("the last batch and its checkpoint");
    drop(w);
    std::fs::write(dir.join("built"), b"").expect("marker");
}

/// The register's folder: `PROBITY_REGISTER_BENCH_DIR`, or a temporary one (kept in the
/// returned guard).
fn register_dir() -> (PathBuf, Option<tempfile::TempDir>) {
    match std::env::var_os("PROBITY_REGISTER_BENCH_DIR") {
        Some(dir) => (PathBuf::from(dir), None),
        None => {
            let tmp = tempfile::tempdir().expect("a temporary folder");
            (tmp.path().to_owned(), Some(tmp))
        }
    }
}

fn pages(c: &mut Criterion) {
    let (dir, _guard) = register_dir();
    let started = std::time::Instant::now();
    build_register(&dir);
    let service =
        Service::open(config(&dir), probity_service::system_clock()).expect("the service opens");
    eprintln!(
        "register of {OFFICIALS} officials and {LOG_SIZE} entries ready in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let router = service.router();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let get = |path: &str| {
        let request = axum::http::Request::get(path)
            .header("host", "127.0.0.1")
            .body(Body::empty())
            .expect("a request");
        runtime.block_on(async {
            let response = router.clone().oneshot(request).await.expect("infallible");
            let status = response.status();
            let body = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .expect("the body");
            (status, body.len())
        })
    };
    let middle = LOG_SIZE / 2;
    let paths = [
        ("officials", "/".to_owned()),
        (
            "officials search",
            "/?q=%E5%AE%98%E5%91%98+09999".to_owned(),
        ),
        ("official", "/officials/GOV-05000".to_owned()),
        ("stats", "/stats".to_owned()),
        ("log", "/log".to_owned()),
        ("log entries", format!("/log/entries?start={middle}")),
        ("log entry", format!("/log/entries/{}", LOG_SIZE - 1)),
    ];
    let mut group = c.benchmark_group("register_pages");
    group.measurement_time(Duration::from_secs(5));
    for (name, path) in &paths {
        let (status, bytes) = get(path);
        assert_eq!(status, 200, "{path} answers {status}");
        eprintln!("{name}: {path} answers 200 with {bytes} bytes");
        group.bench_function(*name, |b| b.iter(|| get(path)));
    }
    group.finish();
    drop(runtime);
    service.shutdown();
}

criterion_group!(benches, pages);
criterion_main!(benches);
