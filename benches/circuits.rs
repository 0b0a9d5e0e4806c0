//! The four statements, one criterion group per operation (STYLE.md §15):
//!
//! - `setup`: key generation ([`probity_params::generate_keys`]);
//! - `proving`: from an opening in memory to the proof bytes, with a [`Prover`] made once
//!   (constraint matrices cached), the prover's own check of the proof included;
//! - `verifying`: from the proof bytes to the verdict ([`Proof::from_bytes`] and
//!   [`probity_verifier::verify`]);
//! - `batch-verifying`: [`BATCH`] proofs of one statement from bytes, with
//!   [`probity_verifier::verify_batch`];
//! - `constraints`: the constraint count of every circuit, printed once, and the time to
//!   synthesize its empty circuit.
//!
//! Each at capacities 16, 64 and 256, and 1024 with `PROBITY_BENCH_1024=1`; ids are
//! `operation/statement/capacity`, e.g. `cargo bench --bench circuits -- proving/net_worth_range/64`.
//!
//! Keys, provers and proofs are made on first use and kept for the other groups, so a
//! filtered run only pays for what it measures. Every key pair is checked once, by making a
//! proof and verifying it, before anything is timed. The keys are throwaway development keys
//! from a seeded RNG: fine for timing, worthless for anything else.
#![allow(missing_docs)] // criterion_group! generates undocumented functions

use std::{
    collections::HashMap,
    hint::black_box,
    sync::{Mutex, OnceLock},
    time::Duration,
};

use criterion::{
    criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode, Throughput,
};
use probity_core::{
    category_total, Amount, AssetId, Blindings, Capacity, Category, Class, Declaration, Item,
    OfficialId, Opening, Owner, Period, ProofEnvelope, PublicInputs, SignedAmount, StatementKind,
    PROOF_LEN,
};
use probity_prover::Prover;
use probity_verifier::{Proof, StatementVerifyingKey};
use rand::{rngs::StdRng, Rng, SeedableRng};

/// Proofs per batch in `batch-verifying`.
const BATCH: usize = 16;

/// The capacities measured: 16, 64, 256, and 1024 when `PROBITY_BENCH_1024=1`.
fn capacities() -> Vec<Capacity> {
    let mut c = vec![Capacity::C16, Capacity::C64, Capacity::C256];
    if std::env::var("PROBITY_BENCH_1024").is_ok_and(|v| v == "1") {
        c.push(Capacity::C1024);
    }
    c
}

fn pairs() -> Vec<(StatementKind, Capacity)> {
    capacities()
        .into_iter()
        .flat_map(|c| StatementKind::ALL.map(|k| (k, c)))
        .collect()
}

fn rng(kind: StatementKind, capacity: Capacity) -> StdRng {
    StdRng::seed_from_u64(((kind as u64) << 16) | capacity.slots() as u64)
}

/// A statement on a declaration with half its slots filled: three assets, one liability and
/// one income item in every five, with random values in fen.
enum Case {
    NetWorthRange(Opening, SignedAmount, SignedAmount),
    CategoryTotalRange(Opening, Category, SignedAmount, SignedAmount),
    WealthGrowth(Opening, Opening),
    AssetIncluded(Opening, AssetId, Amount),
}

impl Case {
    fn new(kind: StatementKind, capacity: Capacity, rng: &mut StdRng) -> Self {
        let items: Vec<Item> = (0..capacity.slots() / 2)
            .map(|i| {
                let (code, values) = match i % 5 {
                    0..=2 => ([1, 2, 3, 5, 15][i % 5 + (i / 5) % 3], 100_000..=500_000_000),
                    3 => ([16, 17][(i / 5) % 2], 100_000..=200_000_000),
                    _ => ([32, 34][(i / 5) % 2], 1_000_000..=50_000_000),
                };
                let category = Category::from_code(code).expect("a valid code");
                Item {
                    category,
                    asset_id: match category.class() {
                        Class::Income => AssetId::default(),
                        _ => AssetId(format!("BENCH-{code:02}-{i:04}")),
                    },
                    value: Amount(rng.gen_range(values)),
                    owner: Owner::Official,
                    note: String::new(),
                }
            })
            .collect();
        let open = |period: u32, items: Vec<Item>, rng: &mut StdRng| {
            let official = OfficialId::new("BENCH-0001").expect("a valid id");
            let period = Period::new(period).expect("a valid period");
            let d = Declaration::new(official, period, capacity, "CNY".into(), items)
                .expect("a valid declaration");
            Opening::new(&d, Blindings::random(capacity, rng)).expect("an opening")
        };
        let signed = |x: i128| SignedAmount(i64::try_from(x).expect("fits"));
        match kind {
            StatementKind::NetWorthRange => {
                let o = open(2026, items, rng);
                let nw = o.net_worth();
                Case::NetWorthRange(o, signed(nw - 100_000_000), signed(nw + 100_000_000))
            }
            StatementKind::CategoryTotalRange => {
                let o = open(2026, items, rng);
                let category = Category::from_code(2).expect("bank_deposit");
                let total = category_total(o.slots(), category) as i128;
                Case::CategoryTotalRange(o, category, signed(0), signed(total))
            }
            StatementKind::WealthGrowth => {
                // Assets grow by 1 %, and the salary covers it.
                let mut next = items.clone();
                let growth: u64 = next
                    .iter_mut()
                    .filter(|it| it.category.class() == Class::Asset)
                    .map(|it| {
                        let g = it.value.0 / 100;
                        it.value.0 += g;
                        g
                    })
                    .sum();
                let salary = next
                    .iter_mut()
                    .find(|it| it.category.class() == Class::Income)
                    .expect("income is declared");
                salary.value.0 += growth;
                Case::WealthGrowth(open(2025, items, rng), open(2026, next, rng))
            }
            StatementKind::AssetIncluded => {
                let id = items[0].asset_id.clone();
                let min = Amount(items[0].value.0 / 2);
                Case::AssetIncluded(open(2026, items, rng), id, min)
            }
        }
    }

    fn prove(&self, prover: &Prover, rng: &mut StdRng) -> ProofEnvelope {
        match self {
            Case::NetWorthRange(o, lo, hi) => prover.net_worth_range(o, *lo, *hi, rng),
            Case::CategoryTotalRange(o, c, lo, hi) => {
                prover.category_total_range(o, *c, *lo, *hi, rng)
            }
            Case::WealthGrowth(prev, curr) => prover.wealth_growth(prev, curr, Amount(0), rng),
            Case::AssetIncluded(o, id, min) => prover.asset_included(o, id, *min, rng),
        }
        .expect("the statement holds and proves")
    }
}

/// A statement's keys, prover, case and proofs, made once and checked once.
struct Fixture {
    kind: StatementKind,
    capacity: Capacity,
    prover: Prover,
    vk: StatementVerifyingKey,
    case: Case,
    proof: (PublicInputs, [u8; PROOF_LEN]),
    batch: OnceLock<Vec<(PublicInputs, [u8; PROOF_LEN])>>,
}

fn proof_of(envelope: &ProofEnvelope) -> (PublicInputs, [u8; PROOF_LEN]) {
    let inputs = envelope.inputs().expect("the envelope's inputs decode");
    let bytes = envelope.proof_bytes().expect("the envelope holds a proof");
    (inputs, bytes)
}

fn verify(vk: &StatementVerifyingKey, (inputs, bytes): &(PublicInputs, [u8; PROOF_LEN])) {
    let proof = Proof::from_bytes(bytes).expect("the proof decodes");
    probity_verifier::verify(vk, inputs, &proof).expect("the proof verifies");
}

impl Fixture {
    fn new(kind: StatementKind, capacity: Capacity) -> Self {
        let mut rng = rng(kind, capacity);
        let keys = probity_params::generate_keys(kind, capacity, &mut rng).expect("key generation");
        let vk = StatementVerifyingKey::from_verifying_key(kind, capacity, keys.verifying_key)
            .expect("a usable verifying key");
        let prover = Prover::new(kind, capacity, keys.proving_key).expect("a prover");
        assert_eq!(prover.num_constraints(), keys.num_constraints);
        let case = Case::new(kind, capacity, &mut rng);
        let proof = proof_of(&case.prove(&prover, &mut rng));
        verify(&vk, &proof);
        Fixture {
            kind,
            capacity,
            prover,
            vk,
            case,
            proof,
            batch: OnceLock::new(),
        }
    }

    /// [`BATCH`] proofs of the fixture's statement, each verified once on its own.
    fn batch(&self) -> &[(PublicInputs, [u8; PROOF_LEN])] {
        self.batch.get_or_init(|| {
            let mut rng = rng(self.kind, self.capacity);
            (0..BATCH)
                .map(|_| {
                    let p = proof_of(&self.case.prove(&self.prover, &mut rng));
                    verify(&self.vk, &p);
                    p
                })
                .collect()
        })
    }
}

/// The fixture of a statement and capacity, made on first use and kept for the whole run.
fn fixture(kind: StatementKind, capacity: Capacity) -> &'static Fixture {
    static FIXTURES: OnceLock<Mutex<HashMap<(StatementKind, Capacity), &'static Fixture>>> =
        OnceLock::new();
    let mut fixtures = FIXTURES
        .get_or_init(Default::default)
        .lock()
        .expect("no bench panicked");
    fixtures
        .entry((kind, capacity))
        .or_insert_with(|| Box::leak(Box::new(Fixture::new(kind, capacity))))
}

fn id(kind: StatementKind, capacity: Capacity) -> BenchmarkId {
    BenchmarkId::new(kind.name(), capacity.slots())
}

fn setup(c: &mut Criterion) {
    let mut g = c.benchmark_group("setup");
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .measurement_time(Duration::from_secs(10));
    for (kind, capacity) in pairs() {
        g.bench_function(id(kind, capacity), |b| {
            // Keys of this statement make a proof that verifies (checked once, then cached).
            fixture(kind, capacity);
            let mut rng = rng(kind, capacity);
            b.iter(|| {
                probity_params::generate_keys(kind, capacity, &mut rng).expect("key generation")
            })
        });
    }
    g.finish();
}

fn proving(c: &mut Criterion) {
    let mut g = c.benchmark_group("proving");
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .measurement_time(Duration::from_secs(10));
    for (kind, capacity) in pairs() {
        g.bench_function(id(kind, capacity), |b| {
            let f = fixture(kind, capacity);
            let mut rng = rng(kind, capacity);
            b.iter(|| {
                let envelope = f.case.prove(&f.prover, &mut rng);
                envelope.proof_bytes().expect("the envelope holds a proof")
            })
        });
    }
    g.finish();
}

fn verifying(c: &mut Criterion) {
    let mut g = c.benchmark_group("verifying");
    for (kind, capacity) in pairs() {
        g.bench_function(id(kind, capacity), |b| {
            let f = fixture(kind, capacity);
            let (inputs, bytes) = &f.proof;
            b.iter(|| {
                let proof = Proof::from_bytes(black_box(bytes)).expect("the proof decodes");
                probity_verifier::verify(&f.vk, inputs, &proof).expect("the proof verifies")
            })
        });
    }
    g.finish();
}

fn batch_verifying(c: &mut Criterion) {
    let mut g = c.benchmark_group("batch-verifying");
    g.throughput(Throughput::Elements(BATCH as u64));
    for (kind, capacity) in pairs() {
        g.bench_function(id(kind, capacity), |b| {
            let f = fixture(kind, capacity);
            let batch = f.batch();
            let mut rng = rng(kind, capacity);
            b.iter(|| {
                let proofs: Vec<Proof> = batch
                    .iter()
                    .map(|(_, bytes)| {
                        Proof::from_bytes(black_box(bytes)).expect("the proof decodes")
                    })
                    .collect();
                let pairs = batch.iter().map(|(inputs, _)| inputs).zip(&proofs);
                probity_verifier::verify_batch(&f.vk, pairs, &mut rng).expect("the batch verifies")
            })
        });
    }
    g.finish();
}

fn constraints(c: &mut Criterion) {
    let mut g = c.benchmark_group("constraints");
    g.sample_size(10);
    for (kind, capacity) in pairs() {
        let mut printed = false;
        g.bench_function(id(kind, capacity), |b| {
            if !printed {
                let n = probity_params::num_constraints(kind, capacity);
                println!("constraints/{kind}/{capacity}: {n} constraints");
                printed = true;
            }
            b.iter(|| probity_params::num_constraints(kind, capacity))
        });
    }
    g.finish();
}

criterion_group!(
    benches,
    constraints,
    setup,
    proving,
    verifying,
    batch_verifying
);
criterion_main!(benches);
