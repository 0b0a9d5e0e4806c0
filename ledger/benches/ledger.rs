//! Ledger throughput: durable appends (one at a time and batched) and proof generation at
//! 10^6 entries, on sled.

#![allow(missing_docs)] // criterion_group! generates undocumented functions
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};
use probity_ledger::{
    leaf_hash, Alert, CheckpointSigner, DetailDigest, Entry, Log, RuleName, SledStore, Timestamp,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;

const BIG: u64 = 1_000_000;

fn signer() -> CheckpointSigner {
    CheckpointSigner::new(
        "probity.bench/log",
        ed25519_dalek::SigningKey::from_bytes(&[1; 32]),
    )
    .expect("valid name")
}

fn entry(i: u64) -> Entry {
    let mut d = [0u8; 32];
    d[..8].copy_from_slice(&i.to_be_bytes());
    Entry::at(
        Timestamp::from_millis(1_767_225_600_000 + i).expect("small"),
        Alert {
            rule: RuleName::new("bench").expect("valid"),
            detail: DetailDigest(d),
        },
    )
}

fn appends(c: &mut Criterion) {
    let mut g = c.benchmark_group("append");
    g.sample_size(10).measurement_time(Duration::from_secs(5));
    let dir = tempfile::tempdir().expect("temp dir");
    let log = Log::open(SledStore::open(dir.path()).expect("opens"), signer()).expect("log");
    let mut n = 0u64;
    g.throughput(Throughput::Elements(1));
    g.bench_function(BenchmarkId::new("durable_single", 1), |b| {
        b.iter(|| {
            log.append(&entry(n)).expect("append");
            n += 1;
        })
    });
    for batch in [100u64, 1000] {
        g.throughput(Throughput::Elements(batch));
        g.bench_function(BenchmarkId::new("durable_batch", batch), |b| {
            b.iter_batched(
                || {
                    let v: Vec<Entry> = (n..n + batch).map(entry).collect();
                    n += batch;
                    v
                },
                |v| log.append_batch(&v).expect("append"),
                BatchSize::PerIteration,
            )
        });
    }
    g.finish();
}

fn proofs(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = Log::open(SledStore::open(dir.path()).expect("opens"), signer()).expect("log");
    let started = Instant::now();
    let mut i = 0;
    while i < BIG {
        let v: Vec<Entry> = (i..(i + 10_000).min(BIG)).map(entry).collect();
        i += v.len() as u64;
        log.append_batch(&v).expect("append");
    }
    eprintln!(
        "built a {BIG}-entry log on sled in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let root = log.root(BIG).expect("root");
    // Check once before timing.
    log.inclusion_proof(123_456, BIG)
        .expect("proof")
        .verify(leaf_hash(&log.entry_bytes(123_456).expect("entry")), root)
        .expect("valid");
    log.consistency_proof(654_321, BIG)
        .expect("proof")
        .verify(log.root(654_321).expect("root"), root)
        .expect("valid");

    let mut g = c.benchmark_group("proofs");
    g.sample_size(50).measurement_time(Duration::from_secs(3));
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    g.bench_function(BenchmarkId::new("inclusion", BIG), |b| {
        b.iter(|| {
            log.inclusion_proof(rng.gen_range(0..BIG), BIG)
                .expect("proof")
        })
    });
    g.bench_function(BenchmarkId::new("consistency", BIG), |b| {
        b.iter(|| {
            log.consistency_proof(rng.gen_range(1..BIG), BIG)
                .expect("proof")
        })
    });
    g.bench_function(BenchmarkId::new("checkpoint", BIG), |b| {
        b.iter(|| log.checkpoint().expect("checkpoint"))
    });
    g.finish();
}

criterion_group!(benches, appends, proofs);
criterion_main!(benches);
