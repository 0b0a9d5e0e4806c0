//! Every acknowledged append survives `kill -9`.
//!
//! The parent runs this test binary again as a child (selected by an environment variable)
//! that appends single entries and batches to a sled log as fast as it can and prints each
//! index once `append` has returned. The parent kills it with SIGKILL at a random moment,
//! reopens the log, and checks that every acknowledged entry is there, unchanged, that the
//! tree recomputed from the entries matches the stored one, and that the log only grew.
//! Several rounds run on the same folder.

use std::{
    collections::BTreeMap,
    io::{BufRead, BufReader},
    process::{Command, Stdio},
    sync::mpsc,
    time::{Duration, Instant},
};

use probity_ledger::{
    leaf_hash, Alert, CheckpointSigner, DetailDigest, Entry, Log, MemoryTree, RuleName, SledStore,
    Timestamp,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;

const CHILD_ENV: &str = "PROBITY_LEDGER_CRASH_CHILD";
const ROUNDS: usize = 6;

fn signer() -> CheckpointSigner {
    CheckpointSigner::new(
        "probity.test/crash",
        ed25519_dalek::SigningKey::from_bytes(&[42; 32]),
    )
    .expect("valid name")
}

fn entry(seed: u64, i: u64) -> Entry {
    let mut detail = [0u8; 32];
    detail[..8].copy_from_slice(&seed.to_be_bytes());
    detail[8..16].copy_from_slice(&i.to_be_bytes());
    Entry::at(
        Timestamp::from_millis(1_767_225_600_000 + i).expect("small"),
        Alert {
            rule: RuleName::new("crash_test").expect("valid"),
            detail: DetailDigest(detail),
        },
    )
}

/// The child: appends until killed, printing `ACK <index> <leaf hash hex>` after each append.
#[test]
fn crash_child() {
    let Ok(dir) = std::env::var(CHILD_ENV) else {
        return; // only runs as the parent's child
    };
    let log = Log::open(
        SledStore::open(&dir).expect("child opens the store"),
        signer(),
    )
    .expect("child opens the log");
    let mut rng = ChaCha20Rng::seed_from_u64(std::process::id().into());
    // The harness may print "test crash_child ... " on the same line.
    println!("READY");
    let seed: u64 = rng.gen();
    let mut n = 0u64;
    loop {
        let k = if rng.gen_bool(0.5) {
            1
        } else {
            rng.gen_range(2..=40)
        };
        let batch: Vec<Entry> = (n..n + k).map(|i| entry(seed, i)).collect();
        let range = if k == 1 {
            log.append(&batch[0]).map(|i| i..i + 1)
        } else {
            log.append_batch(&batch)
        }
        .expect("append");
        for (index, e) in range.zip(&batch) {
            let bytes = e.to_canonical_json().expect("encodes");
            println!("ACK {index} {}", hex::encode(leaf_hash(&bytes).0));
        }
        n += k;
        if rng.gen_ratio(1, 8) {
            log.checkpoint().expect("checkpoint");
        }
    }
}

#[test]
fn acknowledged_appends_survive_kill_9() {
    let dir = tempfile::tempdir().expect("temp dir");
    let exe = std::env::current_exe().expect("test binary");
    let mut rng = ChaCha20Rng::seed_from_u64(2026);
    let mut acked: BTreeMap<u64, String> = BTreeMap::new();
    let mut previous: Option<(u64, probity_ledger::Hash)> = None;
    let started = Instant::now();
    for round in 0..ROUNDS {
        let mut child = Command::new(&exe)
            .args(["--exact", "crash_child", "--nocapture", "--test-threads=1"])
            .env(CHILD_ENV, dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn the child");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            let mut acks = Vec::new();
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if line.ends_with("READY") {
                    let _ = tx.send(());
                } else if let Some(rest) = line.strip_prefix("ACK ") {
                    let (i, h) = rest.split_once(' ').expect("ACK <index> <hash>");
                    acks.push((i.parse::<u64>().expect("index"), h.to_owned()));
                }
            }
            acks
        });
        rx.recv_timeout(Duration::from_secs(30))
            .expect("the child opens the log");
        std::thread::sleep(Duration::from_millis(rng.gen_range(20..300)));
        child.kill().expect("SIGKILL"); // std sends SIGKILL on Unix
        child.wait().expect("reap");
        let acks = reader.join().expect("reader");

        // PARENT: reopen and check.
        let log = Log::open(SledStore::open(dir.path()).expect("reopens"), signer())
            .expect("the log reopens cleanly");
        let size = log.size().expect("size");
        for (i, h) in acks {
            assert!(
                i < size,
                "round {round}: acknowledged entry {i} is missing (size {size})"
            );
            assert!(
                acked.insert(i, h).is_none(),
                "round {round}: index {i} acknowledged twice"
            );
        }
        let entries = log
            .entries_bytes(0, size)
            .expect("every entry below the size is readable");
        for (i, h) in &acked {
            let bytes = &entries[*i as usize];
            assert_eq!(
                &hex::encode(leaf_hash(bytes).0),
                h,
                "round {round}: acknowledged entry {i} changed"
            );
        }
        for bytes in &entries {
            Entry::from_canonical_json(bytes).expect("no half-written entry");
        }
        let tree = MemoryTree::from_leaves(entries.iter().map(|b| leaf_hash(b)));
        let root = log.root(size).expect("root");
        assert_eq!(
            tree.root(size).expect("root"),
            root,
            "round {round}: stored tree hashes disagree with the entries"
        );
        if let Some((old_size, old_root)) = previous {
            assert!(size >= old_size, "round {round}: the log shrank");
            log.consistency_proof(old_size, size)
                .expect("proof")
                .verify(old_root, root)
                .expect("the log only grew");
        }
        previous = Some((size, root));
        eprintln!(
            "round {round}: {size} entries, {} acknowledged so far",
            acked.len()
        );
    }
    assert!(
        acked.len() > ROUNDS,
        "the child appended too little to test anything"
    );
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "the crash test is meant to be quick"
    );
}
