//! The ceremony's costs (issue: production keys), one criterion group per operation:
//!
//! - `contribute`: one contribution (`probity_params::ceremony::contribute`) to the key of
//!   each statement at capacity 64, from the file's bytes to the new file's bytes;
//! - `verify`: a key with five contributions (four and a beacon) checked as
//!   `probity ceremony verify` checks it: what the circuit's keys must hold made from the
//!   circuit and the `.ptau` file, then every contribution and section;
//! - `proving`: `net_worth_range` at capacity 64 proved with development keys and with keys
//!   from the ceremony, the same circuit and opening: the ceremony's keys take snarkjs's QAP
//!   reduction, which evaluates on a coset.
//!
//! The `.ptau` file is made here from a known τ, of power 17 (wealth_growth at 64 needs a
//! domain of 2^16): fine for timing, worthless as keys. Each circuit's initial key is made
//! once, before anything of it is timed, and its time printed.
//!
//! `cargo bench --bench ceremony`, or one group: `cargo bench --bench ceremony -- contribute`.
#![allow(missing_docs)] // criterion_group! generates undocumented functions

use std::{
    hint::black_box,
    sync::OnceLock,
    time::{Duration, Instant},
};

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode};
use probity_core::{
    Amount, AssetId, Blindings, Capacity, Category, Declaration, Item, OfficialId, Opening, Owner,
    Period, SignedAmount, StatementKind,
};
use probity_params::ceremony::{self, Ptau};
use probity_prover::{KeySource, Prover};
use rand::{rngs::StdRng, SeedableRng};

const STATEMENTS: [StatementKind; 4] = [
    StatementKind::NetWorthRange,
    StatementKind::CategoryTotalRange,
    StatementKind::WealthGrowth,
    StatementKind::AssetIncluded,
];

/// The `.ptau` file, kept in a temporary folder for the whole run.
fn ptau() -> &'static (tempfile::TempDir, Ptau) {
    static PTAU: OnceLock<(tempfile::TempDir, Ptau)> = OnceLock::new();
    PTAU.get_or_init(|| {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("pot17.ptau");
        let start = Instant::now();
        let bytes = ceremony::insecure_ptau_for_tests(17, 17);
        std::fs::write(&path, bytes).expect("write the .ptau file");
        eprintln!("a .ptau file of power 17 made in {:.1?}", start.elapsed());
        let ptau = Ptau::open(&path).expect("the .ptau file opens");
        (dir, ptau)
    })
}

/// The initial key of `kind` at capacity 64, made on first use (so that a filtered run makes
/// only the ones it needs) and its time printed.
fn initial_key(kind: StatementKind) -> &'static [u8] {
    static KEYS: [OnceLock<Vec<u8>>; 4] = [const { OnceLock::new() }; 4];
    let i = STATEMENTS
        .iter()
        .position(|k| *k == kind)
        .expect("one of the four");
    KEYS[i].get_or_init(|| {
        let start = Instant::now();
        let key = ceremony::init(kind, Capacity::C64, &ptau().1).expect("init");
        eprintln!("{kind} at 64: initial key in {:.1?}", start.elapsed());
        key.bytes
    })
}

fn contribute(c: &mut Criterion) {
    let mut group = c.benchmark_group("contribute");
    group.sample_size(10).sampling_mode(SamplingMode::Flat);
    for kind in STATEMENTS {
        // The key is made inside the benchmark's closure, which a filter that leaves the
        // benchmark out never calls.
        group.bench_function(format!("{kind}/64"), |b| {
            let key = initial_key(kind);
            b.iter(|| ceremony::contribute(black_box(key), Some("bench"), b"typed").expect("ok"))
        });
    }
    group.finish();
}

fn verify(c: &mut Criterion) {
    let kind = StatementKind::NetWorthRange;
    let mut key = initial_key(kind).to_vec();
    for i in 0..4 {
        key = ceremony::contribute(&key, Some(&format!("body {i}")), b"")
            .expect("a contribution")
            .bytes;
    }
    key = ceremony::beacon(&key, Some("beacon"), &[7; 32], 10)
        .expect("the beacon")
        .bytes;
    let mut group = c.benchmark_group("verify");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .measurement_time(Duration::from_secs(60));
    group.bench_function(format!("{kind}/64/5-contributions"), |b| {
        b.iter(|| {
            let circuit = ceremony::reference(kind, Capacity::C64, &ptau().1).expect("circuit");
            let verified = ceremony::verify(black_box(&key), &circuit).expect("it verifies");
            assert_eq!(verified.contributions.len(), 5);
        })
    });
    group.finish();
}

/// A declaration of 32 assets in 64 slots, opened.
fn opening() -> Opening {
    let rng = &mut StdRng::seed_from_u64(64);
    let items = (0..32)
        .map(|i| Item {
            category: Category::from_code(2).expect("bank_deposit"),
            asset_id: AssetId(format!("BENCH-{i:04}")),
            value: Amount(1_000_000 + i),
            owner: Owner::Official,
            note: String::new(),
        })
        .collect();
    let d = Declaration::new(
        OfficialId::new("BENCH-0001").expect("an id"),
        Period::new(2026).expect("a period"),
        Capacity::C64,
        "CNY".into(),
        items,
    )
    .expect("a declaration");
    Opening::new(&d, Blindings::random(Capacity::C64, rng)).expect("an opening")
}

fn proving(c: &mut Criterion) {
    let kind = StatementKind::NetWorthRange;
    let rng = &mut StdRng::seed_from_u64(1);
    let dev = probity_params::generate_keys(kind, Capacity::C64, rng).expect("dev keys");
    let zkey = ceremony::contribute(initial_key(kind), Some("bench"), b"")
        .expect("a contribution")
        .bytes;
    let from_ceremony = ceremony::proving_key(&zkey).expect("the key");
    let provers = [
        (
            "dev",
            Prover::with_keys(kind, Capacity::C64, dev.proving_key, KeySource::Dev),
        ),
        (
            "ceremony",
            Prover::with_keys(kind, Capacity::C64, from_ceremony, KeySource::Ceremony),
        ),
    ];
    let o = opening();
    let (lo, hi) = (SignedAmount(0), SignedAmount(1 << 40));
    let mut group = c.benchmark_group("proving");
    group.sample_size(20);
    for (source, prover) in provers {
        let prover = prover.expect("a prover");
        // Each key proves before it is timed (the prover checks its own proof).
        prover.net_worth_range(&o, lo, hi, rng).expect("a proof");
        group.bench_function(format!("{kind}/64/{source}"), |b| {
            b.iter(|| {
                prover
                    .net_worth_range(black_box(&o), lo, hi, rng)
                    .expect("a proof")
            })
        });
    }
    group.finish();
}

criterion_group!(benches, contribute, verify, proving);
criterion_main!(benches);
