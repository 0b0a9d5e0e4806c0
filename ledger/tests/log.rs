//! The log end to end: appends and receipts on sled, tiles in a folder, an outside audit, and
//! a witness that follows the log, cosigns, and catches a fork.

mod common;

use common::{entry, signer, witness_key};
use probity_ledger::{
    audit, leaf_hash, DirSource, Entry, FormOnly, Log, LogSource, MemoryStore, Receipt, SledStore,
    Store, TileError, Witness, WitnessError, WitnessOutcome,
};

fn fill<S: Store>(log: &Log<S>, tag: u8, from: u64, to: u64) {
    let batch: Vec<Entry> = (from..to).map(|i| entry(tag, i)).collect();
    for chunk in batch.chunks(100) {
        log.append_batch(chunk).expect("append");
    }
}

#[test]
fn receipts_verify_and_the_log_reopens() {
    let dir = tempfile::tempdir().expect("temp dir");
    let verifier;
    let receipt: Receipt;
    {
        let log = Log::open(SledStore::open(dir.path()).expect("opens"), signer()).expect("log");
        verifier = log.verifier();
        let i = log.append(&entry(1, 0)).expect("append");
        let r = log
            .append_batch(&[entry(1, 1), entry(1, 2), entry(1, 3)])
            .expect("batch");
        assert_eq!((i, r), (0, 1..4));
        let cp = log.checkpoint_at(1_800_000_000).expect("checkpoint");
        assert_eq!(cp.size(), 4);
        receipt = log.receipt(2, &cp).expect("receipt");
        let (e, cp2) = receipt.verify(&verifier).expect("the receipt verifies");
        assert_eq!(e, entry(1, 2));
        assert_eq!(cp2.root(), log.root(4).expect("root"));
        // A receipt's JSON round-trips, and a tampered entry is refused.
        let json = serde_json::to_string(&receipt).expect("json");
        let back: Receipt = serde_json::from_str(&json).expect("parses");
        assert!(back.verify(&verifier).is_ok());
        let mut forged = receipt.clone();
        forged.entry =
            String::from_utf8(entry(1, 3).to_canonical_json().expect("encodes")).expect("utf8");
        assert!(forged.verify(&verifier).is_err());
        assert!(log.append_batch(&[]).is_err());
    }
    let log = Log::open(SledStore::open(dir.path()).expect("reopens"), signer()).expect("log");
    assert_eq!(log.size().expect("size"), 4);
    assert_eq!(
        log.latest_checkpoint().expect("read").map(|c| c.size()),
        Some(4)
    );
    assert_eq!(log.entry(3).expect("entry"), entry(1, 3));
    // Checkpoint times never go backwards.
    assert_eq!(
        log.checkpoint_at(5).expect("checkpoint").time(),
        1_800_000_000
    );
    // A canonical entry appended as bytes is checked; a non-canonical one is refused.
    let bytes = entry(1, 4).to_canonical_json().expect("encodes");
    assert_eq!(
        log.append_canonical(vec![bytes.clone()]).expect("append"),
        4..5
    );
    let mut spaced = bytes;
    spaced.push(b' ');
    assert!(log.append_canonical(vec![spaced.clone()]).is_err());
}

#[test]
fn an_append_with_its_checkpoint_is_one_write() {
    let dir = tempfile::tempdir().expect("temp dir");
    let encode = |i| entry(3, i).to_canonical_json().expect("encodes");
    let first;
    {
        let log = Log::open(SledStore::open(dir.path()).expect("opens"), signer()).expect("log");
        log.append_batch(&[entry(3, 0), entry(3, 1)])
            .expect("append");
        let (range, cp) = log
            .append_checkpointed(vec![encode(2), encode(3), encode(4)], 1_800_000_100)
            .expect("append with a checkpoint");
        assert_eq!((range, cp.size(), cp.time()), (2..5, 5, 1_800_000_100));
        // The checkpoint signed before the entries were stored has the stored tree's root.
        assert_eq!(cp.root(), log.root(5).expect("root"));
        assert_eq!(log.latest_checkpoint().expect("read"), Some(cp.clone()));
        let receipt = log.receipt(3, &cp).expect("receipt");
        assert_eq!(
            receipt.verify(&log.verifier()).expect("verifies").0,
            entry(3, 3)
        );
        // Times never go backwards, and a bad entry writes nothing at all.
        let (_, later) = log.append_checkpointed(vec![encode(5)], 7).expect("append");
        assert_eq!(later.time(), 1_800_000_100);
        let mut spaced = encode(6);
        spaced.push(b' ');
        assert!(log
            .append_checkpointed(vec![encode(6), spaced], 1_800_000_200)
            .is_err());
        assert!(log.append_checkpointed(Vec::new(), 1_800_000_200).is_err());
        assert_eq!(log.size().expect("size"), 6);
        first = later;
    }
    let log = Log::open(SledStore::open(dir.path()).expect("reopens"), signer()).expect("log");
    assert_eq!(log.latest_checkpoint().expect("read"), Some(first));
}

#[test]
fn tiles_mirror_the_log_and_an_outside_audit_recomputes_it() {
    let tiles = tempfile::tempdir().expect("temp dir");
    let log = Log::open(MemoryStore::new(), signer()).expect("log");
    // Sizes that cross tile boundaries at level 0 and level 1 (256 and 65,536 would be slow;
    // level-1 partial tiles appear from 256 on).
    let mut old = 0;
    for size in [1u64, 255, 256, 257, 700] {
        fill(&log, 2, old, size);
        let cp = log.checkpoint_at(1_800_000_000 + size).expect("checkpoint");
        log.write_tiles(tiles.path(), old, &cp)
            .expect("write tiles");
        old = size;
        let source = DirSource::new(tiles.path());
        let report = audit::verify_log(&source, &log.verifier()).expect("the audit passes");
        assert_eq!(report.checkpoint.size(), size);
        assert_eq!(report.counts.get("Alert"), Some(&size));
    }
    let source = DirSource::new(tiles.path());
    // Proofs from the tiles equal the log's own, at the checkpoint size and below.
    for (index, size) in [(0u64, 700u64), (699, 700), (300, 512), (5, 6)] {
        let (p, cp) =
            audit::prove_inclusion(&source, &log.verifier(), index, Some(size)).expect("proof");
        assert_eq!(p, log.inclusion_proof(index, size).expect("proof"));
        if size == cp.size() {
            p.verify(
                leaf_hash(&log.entry_bytes(index).expect("entry")),
                cp.root(),
            )
            .expect("verifies");
        }
    }
    let (p, cp) = audit::prove_consistency(&source, &log.verifier(), 257, None).expect("proof");
    p.verify(log.root(257).expect("root"), cp.root())
        .expect("verifies");
    // The server side: a tile by path, at a size.
    assert_eq!(log.tile("tile/0/000.p/5", 700).expect("tile").len(), 5 * 32);
    assert!(matches!(
        log.tile("tile/0/002", 700),
        Err(TileError::BeyondTree { .. })
    ));
    assert_eq!(
        source.read("tile/entries/000").expect("bundle"),
        log.tile("tile/entries/000", 700).expect("bundle")
    );
    // A corrupted mirror fails the audit.
    let bundle = tiles.path().join("tile/entries/001");
    let mut data = std::fs::read(&bundle).expect("bundle");
    let last = data.len() - 3;
    data[last] ^= 1;
    std::fs::write(&bundle, data).expect("write");
    assert!(audit::verify_log(&source, &log.verifier()).is_err());
}

#[test]
fn a_witness_follows_the_log_and_detects_a_fork() {
    let honest_dir = tempfile::tempdir().expect("temp dir");
    let state = tempfile::tempdir().expect("temp dir");
    let honest = Log::open(MemoryStore::new(), signer()).expect("log");
    let witness = Witness::new(
        state.path().join("log.checkpoint"),
        honest.verifier(),
        witness_key(),
        FormOnly,
    );
    let source = DirSource::new(honest_dir.path());

    // First sight: trusted on first use after every entry passes.
    fill(&honest, 3, 0, 10);
    let cp = honest.checkpoint_at(1).expect("checkpoint");
    honest
        .write_tiles(honest_dir.path(), 0, &cp)
        .expect("tiles");
    let WitnessOutcome::Cosigned {
        checkpoint,
        entries_checked,
        ..
    } = witness.update(&source).expect("cosigns")
    else {
        panic!("expected a cosignature");
    };
    assert_eq!(entries_checked, 10);
    assert!(checkpoint
        .verify_cosignature(&witness_key().verifier())
        .is_ok());
    assert!(matches!(
        witness.update(&source),
        Ok(WitnessOutcome::Unchanged { checkpoint: unchanged }) if unchanged.size() == 10
    ));

    // Growth: only the new entries are checked.
    fill(&honest, 3, 10, 300);
    let cp = honest.checkpoint_at(2).expect("checkpoint");
    honest
        .write_tiles(honest_dir.path(), 10, &cp)
        .expect("tiles");
    let WitnessOutcome::Cosigned {
        entries_checked, ..
    } = witness.update(&source).expect("cosigns")
    else {
        panic!("expected a cosignature");
    };
    assert_eq!(entries_checked, 290);

    // The same key signs a forked history: same first 200 entries, then different ones.
    let forked_dir = tempfile::tempdir().expect("temp dir");
    let forked = Log::open(MemoryStore::new(), signer()).expect("log");
    fill(&forked, 3, 0, 200);
    fill(&forked, 4, 200, 320);
    let cp = forked.checkpoint_at(3).expect("checkpoint");
    forked
        .write_tiles(forked_dir.path(), 0, &cp)
        .expect("tiles");
    let err = witness
        .update(&DirSource::new(forked_dir.path()))
        .expect_err("a fork must be refused");
    let WitnessError::SplitView {
        accepted, offered, ..
    } = &err
    else {
        panic!("expected a split view, got {err}")
    };
    assert!(
        accepted.contains("\n300\n") && offered.contains("\n320\n"),
        "both checkpoints are the evidence"
    );
    assert!(err.to_string().starts_with("SPLIT VIEW"));

    // A fork at the same size is caught too; the accepted state did not move.
    let same_dir = tempfile::tempdir().expect("temp dir");
    let same = Log::open(MemoryStore::new(), signer()).expect("log");
    fill(&same, 5, 0, 300);
    let cp = same.checkpoint_at(4).expect("checkpoint");
    same.write_tiles(same_dir.path(), 0, &cp).expect("tiles");
    assert!(matches!(
        witness.update(&DirSource::new(same_dir.path())),
        Err(WitnessError::SplitView { .. })
    ));
    assert_eq!(
        witness.accepted().expect("state").map(|c| c.size()),
        Some(300)
    );

    // A stale checkpoint is refused without crying fork.
    let stale_dir = tempfile::tempdir().expect("temp dir");
    let stale = Log::open(MemoryStore::new(), signer()).expect("log");
    fill(&stale, 3, 0, 10);
    let cp = stale.checkpoint_at(1).expect("checkpoint");
    stale.write_tiles(stale_dir.path(), 0, &cp).expect("tiles");
    assert!(matches!(
        witness.update(&DirSource::new(stale_dir.path())),
        Err(WitnessError::Stale { .. })
    ));

    // A log whose entries do not match its tree is refused.
    fill(&honest, 3, 300, 310);
    let cp = honest.checkpoint_at(5).expect("checkpoint");
    honest
        .write_tiles(honest_dir.path(), 300, &cp)
        .expect("tiles");
    let bundle = honest_dir.path().join("tile/entries/001.p/54");
    let mut data = std::fs::read(&bundle).expect("bundle");
    let last = data.len() - 3;
    data[last] ^= 1;
    std::fs::write(&bundle, data).expect("write");
    assert!(matches!(
        witness.update(&source),
        Err(WitnessError::BadEntry { .. })
    ));
}
