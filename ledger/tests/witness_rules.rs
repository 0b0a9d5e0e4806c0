//! The witness enforces the same history rules as the auditor: a proof must name a commitment
//! its official filed earlier, also when the filing was accepted in an earlier update; and a
//! damaged state file is the witness's problem, not the log's.

mod common;

use common::{signer, witness_key};
use probity_core::{
    Capacity, Commitment, Fr, NetWorthRange, OfficialId, Period, ProofEnvelope, PublicInputs,
    SignedAmount,
};
use probity_ledger::{
    audit, CheckpointSigner, DeclarationFiled, DirSource, Entry, FormOnly, Log, MemoryStore,
    OfficialRegistered, ProofAccepted, PublicKey, Timestamp, Witness, WitnessError, WitnessOutcome,
};
use rand_chacha::{rand_core::SeedableRng, ChaCha20Rng};

fn official() -> OfficialId {
    OfficialId::new("GOV-0001").expect("valid id")
}

fn period() -> Period {
    Period::new(2026).expect("valid period")
}

fn at(i: u64) -> Timestamp {
    Timestamp::from_millis(1_767_225_600_000 + i).expect("small")
}

/// A well-formed net_worth_range proof entry naming `commitment` (its proof bytes are not a
/// real proof: the witness here checks form and rules only).
fn proof(i: u64, commitment: u64) -> Entry {
    let inputs = PublicInputs::NetWorthRange(NetWorthRange {
        commitment: Commitment(Fr::from(commitment)),
        official_tag: official().tag(),
        period: period(),
        lo: SignedAmount(-10),
        hi: SignedAmount(10),
    });
    let envelope = ProofEnvelope::new(Capacity::C16, official(), &inputs, &[7; 128]);
    let (p, _) = ProofAccepted::from_envelope(&envelope, &mut ChaCha20Rng::seed_from_u64(i))
        .expect("a well-formed proof entry");
    Entry::at(at(i), p)
}

/// The official registers, files commitment 5, and a proof about commitment 5 is accepted.
fn honest_start() -> Vec<Entry> {
    let key = ed25519_dalek::SigningKey::from_bytes(&[11; 32]);
    vec![
        Entry::at(
            at(0),
            OfficialRegistered {
                official: official(),
                public_key: PublicKey(key.verifying_key()),
                name: "Li Wei".into(),
                position: "Head of department".into(),
                jurisdiction: "CN-ZJ-HZ".into(),
            },
        ),
        Entry::at(
            at(1),
            DeclarationFiled::sign(
                official(),
                period(),
                Capacity::C16,
                Commitment(Fr::from(5u64)),
                &key,
            ),
        ),
        proof(2, 5),
    ]
}

fn publish(log: &Log<MemoryStore>, dir: &std::path::Path, old: u64, time: u64) {
    let cp = log.checkpoint_at(time).expect("checkpoint");
    log.write_tiles(dir, old, &cp).expect("tiles");
}

#[test]
fn the_witness_refuses_a_proof_about_an_unfiled_commitment() {
    let tiles = tempfile::tempdir().expect("temp dir");
    let state = tempfile::tempdir().expect("temp dir");
    let log = Log::open(MemoryStore::new(), signer()).expect("log");
    log.append_batch(&honest_start()).expect("append");
    publish(&log, tiles.path(), 0, 1);
    let source = DirSource::new(tiles.path());
    let witness = Witness::new(
        state.path().join("w.checkpoint"),
        log.verifier(),
        witness_key(),
        FormOnly,
    );
    assert!(matches!(
        witness.update(&source),
        Ok(WitnessOutcome::Cosigned {
            entries_checked: 3,
            ..
        })
    ));

    // Another proof about commitment 5, filed in the part accepted last time: the witness
    // replays that part, so it knows the filing and cosigns.
    log.append(&proof(3, 5)).expect("append");
    publish(&log, tiles.path(), 3, 2);
    assert!(matches!(
        witness.update(&source),
        Ok(WitnessOutcome::Cosigned {
            entries_checked: 1,
            ..
        })
    ));

    // A proof about commitment 6, which nobody filed: refused, nothing cosigned.
    log.append(&proof(4, 6)).expect("the form is valid");
    publish(&log, tiles.path(), 4, 3);
    let err = witness
        .update(&source)
        .expect_err("a proof about an unfiled commitment must be refused");
    let WitnessError::BadEntry { index, reason } = &err else {
        panic!("expected a bad entry, got {err}");
    };
    assert_eq!(*index, 4);
    assert!(reason.contains("did not file"), "{reason}");
    assert_eq!(
        witness.accepted().expect("state").map(|c| c.size()),
        Some(4)
    );
    // The auditor refuses the same entry for the same reason.
    let audited = audit::verify_log(&source, &log.verifier()).expect_err("refused");
    assert!(
        audited.to_string().contains("entry 4 is not acceptable"),
        "{audited}"
    );
    assert!(audited.to_string().contains("did not file"), "{audited}");
}

#[test]
fn the_witness_refuses_a_filing_before_registration() {
    let tiles = tempfile::tempdir().expect("temp dir");
    let state = tempfile::tempdir().expect("temp dir");
    let log = Log::open(MemoryStore::new(), signer()).expect("log");
    let mut entries = honest_start();
    entries.remove(0);
    log.append_batch(&entries).expect("append");
    publish(&log, tiles.path(), 0, 1);
    let witness = Witness::new(
        state.path().join("w.checkpoint"),
        log.verifier(),
        witness_key(),
        FormOnly,
    );
    let err = witness
        .update(&DirSource::new(tiles.path()))
        .expect_err("refused");
    assert!(
        matches!(&err, WitnessError::BadEntry { index: 0, reason } if reason.contains("before being registered")),
        "{err}"
    );
}

#[test]
fn a_damaged_or_foreign_state_file_is_a_state_error() {
    let tiles = tempfile::tempdir().expect("temp dir");
    let state = tempfile::tempdir().expect("temp dir");
    let log = Log::open(MemoryStore::new(), signer()).expect("log");
    log.append_batch(&honest_start()).expect("append");
    publish(&log, tiles.path(), 0, 1);
    let source = DirSource::new(tiles.path());
    let path = state.path().join("w.checkpoint");

    // Damaged: not a checkpoint at all.
    std::fs::write(&path, b"not a checkpoint\n").expect("write");
    let witness = Witness::new(&path, log.verifier(), witness_key(), FormOnly);
    let err = witness.update(&source).expect_err("refused");
    let WitnessError::State { reason, .. } = &err else {
        panic!("a damaged state file is the witness's own problem, got {err:?}");
    };
    assert!(reason.contains("restore it from backup"), "{reason}");
    assert!(reason.contains("delete it"), "{reason}");
    assert!(matches!(
        witness.accepted(),
        Err(WitnessError::State { .. })
    ));

    // Foreign: a valid checkpoint of another log.
    let other = Log::open(
        MemoryStore::new(),
        CheckpointSigner::new(
            "probity.test/other",
            ed25519_dalek::SigningKey::from_bytes(&[43; 32]),
        )
        .expect("valid name"),
    )
    .expect("log");
    let foreign = other.checkpoint_at(1).expect("checkpoint");
    std::fs::write(&path, foreign.to_bytes()).expect("write");
    assert!(matches!(
        witness.update(&source),
        Err(WitnessError::State { .. })
    ));

    // Deleted: the witness follows the log afresh, and reports the state when unchanged.
    std::fs::remove_file(&path).expect("delete");
    assert!(matches!(
        witness.update(&source),
        Ok(WitnessOutcome::Cosigned { .. })
    ));
    let Ok(WitnessOutcome::Unchanged { checkpoint }) = witness.update(&source) else {
        panic!("expected unchanged");
    };
    assert_eq!(checkpoint.size(), 3);
}

/// A proof check that refuses the proof logged at one index, and counts what it saw.
struct RefuseAt {
    index: u64,
    observed: std::cell::Cell<u64>,
    checked: std::cell::Cell<u64>,
}

impl probity_ledger::ProofCheck for RefuseAt {
    fn observe(&self, _index: u64, _entry: &Entry) -> Result<(), String> {
        self.observed.set(self.observed.get() + 1);
        Ok(())
    }

    fn check(&self, index: u64, _proof: &ProofAccepted) -> Result<(), String> {
        self.checked.set(self.checked.get() + 1);
        if index == self.index {
            return Err("its proof does not verify".into());
        }
        Ok(())
    }
}

#[test]
fn an_audit_shows_every_entry_to_the_callers_proof_check_and_fails_with_it() {
    let tiles = tempfile::tempdir().expect("temp dir");
    let log = Log::open(MemoryStore::new(), signer()).expect("log");
    log.append_batch(&honest_start()).expect("append");
    log.append(&proof(3, 5)).expect("append");
    publish(&log, tiles.path(), 0, 1);
    let source = DirSource::new(tiles.path());

    let passes = RefuseAt {
        index: 99,
        observed: 0.into(),
        checked: 0.into(),
    };
    let report = audit::verify_log_with(&source, &log.verifier(), &passes).expect("audits");
    assert_eq!(report.checkpoint.size(), 4);
    assert_eq!((passes.observed.get(), passes.checked.get()), (4, 2));

    let refuses = RefuseAt {
        index: 3,
        observed: 0.into(),
        checked: 0.into(),
    };
    let err = audit::verify_log_with(&source, &log.verifier(), &refuses)
        .expect_err("the check's refusal fails the audit");
    assert!(
        err.to_string()
            .contains("entry 3 is not acceptable: its proof does not verify"),
        "{err}"
    );
}
