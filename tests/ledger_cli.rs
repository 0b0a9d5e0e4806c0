//! `probity ledger` and `probity witness` end to end, on a small log built with the library:
//! an official registered and filing a signed declaration, the params published, two real
//! proofs accepted (the pinned `net_worth_range` fixture, and an `asset_included` proof made
//! here at capacity 16, whose `id_hash` the ledger withholds).
//!
//! Roles: the LOG (the library, writing tiles to a folder), an AUDITOR (`probity ledger`), a
//! WITNESS (`probity witness`). Every refusal exits non-zero with a message saying why.

mod common;

use std::{
    io::{BufRead as _, BufReader, Write as _},
    net::{TcpListener, TcpStream},
    path::{Path, PathBuf},
    process::{Command, Output},
    sync::OnceLock,
    thread,
    time::{Duration, Instant},
};

use common::*;
use probity_core::{
    Amount, AssetId, Capacity, ManifestEntry, Opening, ParamsManifest, ProofEnvelope,
    StatementKind, PARAMS_MANIFEST_VERSION,
};
use probity_ledger::{
    leaf_hash, Alert, CheckpointSigner, CheckpointVerifier, ConsistencyProof, DeclarationFiled,
    DetailDigest, Disclosure, Entry, InclusionProof, Log, MemoryStore, OfficialRegistered,
    ParamsPublished, ProofAccepted, ProofBytes, PublicKey, RuleName, SignedCheckpoint, Timestamp,
    WithheldProof,
};
use probity_prover::Prover;
use probity_verifier::StatementVerifyingKey;
use rand_chacha::{rand_core::SeedableRng as _, ChaCha20Rng};
use serde_json::Value;

// ---------------------------------------------------------------------------------------------
// Running the binary.

fn probity(home: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_probity"))
        .args(args)
        .env("PROBITY_HOME", home)
        .output()
        .expect("the binary runs")
}

// ---------------------------------------------------------------------------------------------
// The log's content.

const ORIGIN: &str = "probity.test/log";

/// The golden declaration of DESIGN.md's appendix, with the blindings the pinned
/// `net_worth_range` fixture was made with: its commitment is the fixture's.
fn golden() -> Opening {
    probity_core::testing::golden_opening()
}

fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("prover/tests/fixtures")
        .join(name);
    std::fs::read_to_string(path).expect("the prover's fixture is checked in")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The params manifest and the two proofs, made once per test run.
struct Material {
    manifest: ParamsManifest,
    net_worth: ProofEnvelope,
    asset_included: ProofEnvelope,
}

fn material() -> &'static Material {
    static M: OnceLock<Material> = OnceLock::new();
    M.get_or_init(|| {
        let net_worth =
            ProofEnvelope::from_json(&fixture("net_worth_range-16.proof.json")).expect("parses");
        let entry = |statement, verifying_key: String, num_constraints| ManifestEntry {
            statement,
            capacity: Capacity::C16,
            num_constraints,
            verifying_key,
            proving_key_file: probity_params::proving_key_file(statement, Capacity::C16),
            proving_key_sha256: "00".repeat(32),
            ceremony: None,
        };
        // OFFICIAL: a seeded asset_included setup (1,419 constraints) and a proof that the
        // flat is declared at 3,000,000.00 or more.
        let kind = StatementKind::AssetIncluded;
        let keys =
            probity_params::generate_keys(kind, Capacity::C16, &mut ChaCha20Rng::seed_from_u64(3))
                .expect("setup");
        let vk = StatementVerifyingKey::from_verifying_key(
            kind,
            Capacity::C16,
            keys.verifying_key.clone(),
        )
        .expect("valid key");
        let num_constraints = keys.num_constraints;
        let prover = Prover::new(kind, Capacity::C16, keys.proving_key).expect("prover");
        let asset_included = prover
            .asset_included(
                &golden(),
                &AssetId("京(2020)朝阳区不动产权第0001234号".into()),
                Amount(300_000_000),
                &mut ChaCha20Rng::seed_from_u64(4),
            )
            .expect("the flat is declared at 3,500,000.00");
        let manifest = ParamsManifest {
            version: PARAMS_MANIFEST_VERSION,
            setup: "dev".into(),
            keys: vec![
                entry(
                    StatementKind::NetWorthRange,
                    fixture("net_worth_range-16.vk.hex").trim().to_owned(),
                    probity_params::num_constraints(StatementKind::NetWorthRange, Capacity::C16),
                ),
                entry(kind, hex(&vk.to_bytes()), num_constraints),
            ],
        };
        Material {
            manifest,
            net_worth,
            asset_included,
        }
    })
}

fn at(i: u64) -> Timestamp {
    Timestamp::from_millis(1_767_225_600_000 + i).expect("small")
}

/// The five entries every test log starts with.
fn base_entries() -> Vec<Entry> {
    base_log().0
}

/// The five entries every test log starts with, and the disclosure of what entry 4 (the
/// `asset_included` proof) withholds.
fn base_log() -> (Vec<Entry>, Disclosure<WithheldProof>) {
    let m = material();
    let official_key = ed25519_dalek::SigningKey::from_bytes(&[11; 32]);
    let opening = golden();
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    let (net_worth, none) =
        ProofAccepted::from_envelope(&m.net_worth, &mut rng).expect("a valid proof entry");
    assert!(none.is_none(), "net_worth_range withholds nothing");
    let (asset, disclosure) =
        ProofAccepted::from_envelope(&m.asset_included, &mut rng).expect("a valid proof entry");
    let disclosure = disclosure.expect("asset_included withholds its inputs and proof");
    let entries = vec![
        Entry::at(
            at(0),
            OfficialRegistered {
                official: opening.official().clone(),
                public_key: PublicKey(official_key.verifying_key()),
                name: "Li Wei".into(),
                position: "Head of department".into(),
                jurisdiction: "CN-ZJ-HZ".into(),
            },
        ),
        Entry::at(
            at(1),
            DeclarationFiled::sign(
                opening.official().clone(),
                opening.period(),
                Capacity::C16,
                opening.commitment(),
                &official_key,
            ),
        ),
        Entry::at(
            at(2),
            ParamsPublished {
                manifest: m.manifest.clone(),
            },
        ),
        Entry::at(at(3), net_worth),
        Entry::at(at(4), asset),
    ];
    (entries, disclosure)
}

fn alert(tag: u8, i: u64) -> Entry {
    let mut d = [tag; 32];
    d[..8].copy_from_slice(&i.to_be_bytes());
    Entry::at(
        at(i),
        Alert {
            rule: RuleName::new("declaration_overdue").expect("valid"),
            detail: DetailDigest(d),
        },
    )
}

/// A test folder: the probity home, the log's key (made with `probity ledger keygen`), the
/// params folder holding the published manifest.
struct Setup {
    dir: tempfile::TempDir,
    vkey: String,
}

impl Setup {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let key = dir.path().join("log.key");
        let out = ok_json(probity(
            dir.path(),
            &[
                "--json",
                "ledger",
                "keygen",
                "--name",
                ORIGIN,
                "--out",
                key.to_str().expect("utf8"),
            ],
        ));
        let vkey = out["verifier_key"].as_str().expect("a key").to_owned();
        assert_eq!(out["ed25519_verifier_key"], out["verifier_key"]);
        let params = dir.path().join("params");
        std::fs::create_dir_all(&params).expect("mkdir");
        std::fs::write(
            params.join(probity_params::MANIFEST_FILE),
            material().manifest.to_json(),
        )
        .expect("write manifest");
        Self { dir, vkey }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn arg(&self, name: &str) -> String {
        self.path(name).to_str().expect("utf8").to_owned()
    }

    // LOG
    fn log(&self) -> Log<MemoryStore> {
        let signer = CheckpointSigner::load(&self.path("log.key")).expect("the key loads");
        Log::open(MemoryStore::new(), signer).expect("log")
    }

    fn publish(&self, log: &Log<MemoryStore>, tiles: &str, old: u64, time: u64) {
        let cp = log.checkpoint_at(time).expect("checkpoint");
        log.write_tiles(&self.path(tiles), old, &cp).expect("tiles");
    }

    fn run(&self, args: &[&str]) -> Output {
        probity(self.dir.path(), args)
    }

    fn verifier(&self) -> CheckpointVerifier {
        CheckpointVerifier::from_vkey(&self.vkey).expect("the printed key parses")
    }
}

/// Flips one bit near the end of a file.
fn flip_byte(path: &Path, from_end: usize) {
    let mut data = std::fs::read(path).expect("file");
    let i = data.len() - from_end;
    data[i] ^= 1;
    std::fs::write(path, data).expect("write");
}

// ---------------------------------------------------------------------------------------------
// A static file server on 127.0.0.1, bounded in connections and time.

fn serve_files(root: PathBuf) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("binds a free port");
    listener.set_nonblocking(true).expect("non-blocking");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    thread::spawn(move || {
        let start = Instant::now();
        let mut served = 0;
        while served < 200 && start.elapsed() < Duration::from_secs(60) {
            match listener.accept() {
                Ok((stream, _)) => {
                    served += 1;
                    serve_one(stream, &root);
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    thread::sleep(Duration::from_millis(2));
                }
                Err(_) => break,
            }
        }
    });
    base
}

fn serve_one(stream: TcpStream, root: &Path) {
    stream.set_nonblocking(false).expect("blocking");
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let mut reader = BufReader::new(stream);
    let mut request = String::new();
    if reader.read_line(&mut request).is_err() {
        return;
    }
    let mut line = String::new();
    while reader.read_line(&mut line).map(|n| n > 2).unwrap_or(false) {
        line.clear();
    }
    let path = request.split_whitespace().nth(1).unwrap_or("/");
    let (status, body) = match std::fs::read(root.join(path.trim_start_matches('/'))) {
        Ok(body) if !path.contains("..") => (200, body),
        _ => (404, Vec::new()),
    };
    let mut stream = reader.into_inner();
    let head = format!(
        "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&body);
}

// ---------------------------------------------------------------------------------------------

#[test]
fn ledger_verify_recomputes_the_log_and_catches_a_flipped_byte() {
    let s = Setup::new();
    let log = s.log();
    log.append_batch(&base_entries()).expect("append");
    s.publish(&log, "tiles", 0, 1_800_000_000);

    // AUDITOR, from the folder.
    let out = ok(s.run(&["ledger", "verify", &s.arg("tiles"), "--log-key", &s.vkey]));
    assert!(
        out.starts_with("VERIFIED  probity.test/log: 5 entries"),
        "{out}"
    );
    for line in [
        "DeclarationFiled    1",
        "OfficialRegistered  1",
        "ParamsPublished     1",
        "ProofAccepted       2",
    ] {
        assert!(out.contains(line), "{line:?} in\n{out}");
    }
    let json = ok_json(s.run(&[
        "--json",
        "ledger",
        "verify",
        &s.arg("tiles"),
        "--log-key",
        &s.vkey,
    ]));
    assert_eq!(json["verified"], true);
    assert_eq!(json["size"], 5);
    assert_eq!(json["counts"]["ProofAccepted"], 2);
    let cp = SignedCheckpoint::verify(
        json["checkpoint"].as_str().expect("note").as_bytes(),
        &s.verifier(),
    )
    .expect("the printed checkpoint is the log's");
    assert_eq!(cp.root(), log.root(5).expect("root"));

    // The same over HTTP.
    let base = serve_files(s.path("tiles"));
    let out = ok(s.run(&["ledger", "verify", &base, "--log-key", &s.vkey]));
    assert!(out.starts_with("VERIFIED"), "{out}");

    // Another log's key is refused.
    let other = CheckpointSigner::new(ORIGIN, ed25519_dalek::SigningKey::from_bytes(&[1; 32]))
        .expect("valid")
        .verifier()
        .ed25519_vkey();
    fails(
        s.run(&["ledger", "verify", &s.arg("tiles"), "--log-key", &other]),
        1,
        "not signed by",
    );
    // A log key that is not a key at all: the command could not run.
    fails(
        s.run(&["ledger", "verify", &s.arg("tiles"), "--log-key", "nonsense"]),
        2,
        "--log-key",
    );
    // The secret key given by mistake is refused without being printed.
    let secret = std::fs::read_to_string(s.path("log.key")).expect("key file");
    let all = fails(
        s.run(&[
            "ledger",
            "verify",
            &s.arg("tiles"),
            "--log-key",
            secret.trim(),
        ]),
        2,
        "this is a secret key",
    );
    assert!(!all.contains(secret.trim().splitn(5, '+').nth(4).expect("five parts")));

    // One flipped bit in the entry bundle.
    flip_byte(&s.path("tiles/tile/entries/000.p/5"), 20);
    fails(
        s.run(&["ledger", "verify", &s.arg("tiles"), "--log-key", &s.vkey]),
        1,
        "FAILED",
    );
    let json: Value = serde_json::from_slice(
        &s.run(&[
            "--json",
            "ledger",
            "verify",
            &s.arg("tiles"),
            "--log-key",
            &s.vkey,
        ])
        .stdout,
    )
    .expect("JSON on failure too");
    assert_eq!(json["verified"], false);
}

#[test]
fn ledger_verify_takes_the_services_address_as_given_to_server() {
    // The LOG: a real `probity serve`, whose ledger holds the keys it published on start.
    let data = tempfile::tempdir().expect("temp dir");
    let server = server::Server::start(data.path(), &[]);
    let vkey = CheckpointSigner::load(&data.path().join(probity_service::files::LOG_KEY))
        .expect("the service's log key")
        .verifier()
        .ed25519_vkey();
    let home = tempfile::tempdir().expect("temp dir");

    // AUDITOR: the address `--server` takes, with or without a final `/`, and the tiles' base.
    for url in [
        server.url.clone(),
        format!("{}/", server.url),
        format!("{}/v1/log", server.url),
        format!("{}/v1/log/", server.url),
    ] {
        let out = ok(probity(
            home.path(),
            &["ledger", "verify", &url, "--log-key", &vkey],
        ));
        assert!(out.starts_with("VERIFIED  "), "{url}: {out}");
    }
    // An address that serves no log is still refused, naming what is missing.
    fails(
        probity(
            home.path(),
            &[
                "ledger",
                "verify",
                &format!("{}/v1/info", server.url),
                "--log-key",
                &vkey,
            ],
        ),
        1,
        "`checkpoint` is not served",
    );
}

#[test]
fn ledger_verify_refuses_a_proof_about_an_unfiled_commitment() {
    let s = Setup::new();
    let log = s.log();
    let mut entries = base_entries();
    // The filing is gone: the proofs name a commitment nobody filed.
    entries.remove(1);
    log.append_batch(&entries).expect("append");
    s.publish(&log, "tiles", 0, 1_800_000_000);
    let err = fails(
        s.run(&["ledger", "verify", &s.arg("tiles"), "--log-key", &s.vkey]),
        1,
        "did not file",
    );
    assert!(err.contains("GOV-0001"), "{err}");
}

#[test]
fn printed_proofs_verify_with_the_library() {
    let s = Setup::new();
    let log = s.log();
    log.append_batch(&base_entries()).expect("append");
    let more: Vec<Entry> = (5..40).map(|i| alert(1, i)).collect();
    log.append_batch(&more).expect("append");
    s.publish(&log, "tiles", 0, 1_800_000_000);
    let verifier = s.verifier();

    // AUDITOR
    for (index, size) in [(0u64, None), (3, None), (39, None), (4, Some(6u64))] {
        let mut args = vec![
            "--json".to_owned(),
            "ledger".into(),
            "prove-inclusion".into(),
            s.arg("tiles"),
            "--log-key".into(),
            s.vkey.clone(),
            "--index".into(),
            index.to_string(),
        ];
        if let Some(n) = size {
            args.extend(["--size".into(), n.to_string()]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let json = ok_json(s.run(&args));
        assert_eq!(json["hash_encoding"], "base64");
        // VERIFIER: only the library, the log's key and what was printed.
        let cp = SignedCheckpoint::verify(
            json["checkpoint"].as_str().expect("note").as_bytes(),
            &verifier,
        )
        .expect("the log's checkpoint");
        let proof: InclusionProof = serde_json::from_value(json["proof"].clone()).expect("a proof");
        let entry = json["entry"].as_str().expect("the entry");
        assert_eq!(entry.as_bytes(), log.entry_bytes(index).expect("entry"));
        let root = match size {
            None => cp.root(),
            Some(n) => log.root(n).expect("root"),
        };
        proof
            .verify(leaf_hash(entry.as_bytes()), root)
            .expect("the printed proof verifies");
        assert!(proof.verify(leaf_hash(b"another entry"), root).is_err());
    }
    let text = ok(s.run(&[
        "ledger",
        "prove-inclusion",
        &s.arg("tiles"),
        "--log-key",
        &s.vkey,
        "--index",
        "3",
    ]));
    assert!(text.contains("Hashes are base64"), "{text}");
    assert!(text.contains("\"type\":\"ProofAccepted\""), "{text}");

    for (old, new) in [(1u64, None), (5, None), (6, Some(33u64))] {
        let mut args = vec![
            "--json".to_owned(),
            "ledger".into(),
            "prove-consistency".into(),
            s.arg("tiles"),
            "--log-key".into(),
            s.vkey.clone(),
            "--old".into(),
            old.to_string(),
        ];
        if let Some(m) = new {
            args.extend(["--new".into(), m.to_string()]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let json = ok_json(s.run(&args));
        let cp = SignedCheckpoint::verify(
            json["checkpoint"].as_str().expect("note").as_bytes(),
            &verifier,
        )
        .expect("the log's checkpoint");
        let proof: ConsistencyProof =
            serde_json::from_value(json["proof"].clone()).expect("a proof");
        let new_root = match new {
            None => cp.root(),
            Some(m) => log.root(m).expect("root"),
        };
        proof
            .verify(log.root(old).expect("root"), new_root)
            .expect("the printed proof verifies");
    }

    fails(
        s.run(&[
            "ledger",
            "prove-inclusion",
            &s.arg("tiles"),
            "--log-key",
            &s.vkey,
            "--index",
            "40",
        ]),
        2,
        "not in a tree of size 40",
    );
}

#[test]
fn the_witness_cosigns_follows_and_refuses_a_fork() {
    let s = Setup::new();
    // WITNESS: its key.
    let out = ok_json(s.run(&[
        "--json",
        "ledger",
        "keygen",
        "--name",
        "witness.test/audit-office",
        "--out",
        &s.arg("witness.key"),
        "--witness",
    ]));
    let witness_vkey = out["verifier_key"].as_str().expect("a key").to_owned();
    assert_eq!(out["cosignature_verifier_key"], out["verifier_key"]);
    let witness = CheckpointVerifier::from_vkey(&witness_vkey).expect("parses");
    let state = s.arg("witness.state");
    let params = s.arg("params");
    let run_witness = |tiles: &str| {
        s.run(&[
            "--json",
            "witness",
            "--log",
            &s.arg(tiles),
            "--log-key",
            &s.vkey,
            "--key",
            &s.arg("witness.key"),
            "--state",
            &state,
            "--params",
            &params,
        ])
    };

    // LOG
    let log = s.log();
    log.append_batch(&base_entries()).expect("append");
    s.publish(&log, "tiles", 0, 1_800_000_000);

    // WITNESS: first sight.
    let json = ok_json(run_witness("tiles"));
    assert_eq!(json["outcome"], "cosigned");
    assert_eq!(json["entries_checked"], 5);
    assert_eq!(json["proofs_reverified"], 1);
    assert_eq!(json["withheld_form_checked"], 1);
    let cosigned = SignedCheckpoint::verify(
        json["checkpoint"].as_str().expect("note").as_bytes(),
        &s.verifier(),
    )
    .expect("still the log's checkpoint");
    assert!(cosigned.verify_cosignature(&witness).is_ok());
    assert!(json["cosignature"]
        .as_str()
        .expect("a line")
        .starts_with("— witness.test/audit-office "));

    // The text form says what was and was not re-verified.
    let text = s.run(&[
        "witness",
        "--log",
        &s.arg("tiles"),
        "--log-key",
        &s.vkey,
        "--key",
        &s.arg("witness.key"),
        "--state",
        &s.arg("other.state"),
        "--params",
        &params,
    ]);
    let text = ok(text);
    assert!(
        text.starts_with("COSIGNED  probity.test/log at size 5"),
        "{text}"
    );
    assert!(
        text.contains("1 proofs re-verified, 1 withheld details form-checked"),
        "{text}"
    );

    // LOG grows; WITNESS checks only the new entries.
    let more: Vec<Entry> = (5..12).map(|i| alert(1, i)).collect();
    log.append_batch(&more).expect("append");
    s.publish(&log, "tiles", 5, 1_800_000_100);
    let json = ok_json(run_witness("tiles"));
    assert_eq!(json["outcome"], "cosigned");
    assert_eq!(json["size"], 12);
    assert_eq!(json["entries_checked"], 7);
    let json = ok_json(run_witness("tiles"));
    assert_eq!(json["outcome"], "unchanged");

    // A FORKED log: same origin and key, the same first entries, then different ones.
    let forked = s.log();
    forked.append_batch(&base_entries()).expect("append");
    let other: Vec<Entry> = (5..15).map(|i| alert(2, i)).collect();
    forked.append_batch(&other).expect("append");
    s.publish(&forked, "forked", 0, 1_800_000_200);
    let out = run_witness("forked");
    let all = fails(out, 1, "SPLIT VIEW");
    assert!(all.contains("--- accepted checkpoint ---"), "{all}");
    assert!(all.contains("probity.test/log\n12\n"), "{all}");
    assert!(all.contains("probity.test/log\n15\n"), "{all}");
    // The state did not move: the honest log is still unchanged for this witness.
    let json = ok_json(run_witness("tiles"));
    assert_eq!(json["outcome"], "unchanged");
    assert_eq!(json["size"], 12);
}

#[test]
fn the_witness_reverifies_a_withheld_proof_from_its_disclosure_and_refuses_a_tampered_one() {
    let s = Setup::new();
    ok(s.run(&[
        "ledger",
        "keygen",
        "--name",
        "witness.test/w1",
        "--out",
        &s.arg("witness.key"),
        "--witness",
    ]));
    let (entries, disclosure) = base_log();
    let log = s.log();
    log.append_batch(&entries).expect("append");
    s.publish(&log, "tiles", 0, 1_800_000_000);
    // SUPERVISOR: the disclosures as the service serves them, written where the witness
    // reads them.
    let disclose = |name: &str, d: &Disclosure<WithheldProof>| {
        let mut view = serde_json::to_value(d).expect("serializes");
        view["entry"] = 4.into();
        std::fs::write(s.path(name), Value::Array(vec![view]).to_string()).expect("write");
        s.arg(name)
    };
    let witness = |state: &str, disclosures: &str| {
        s.run(&[
            "--json",
            "witness",
            "--log",
            &s.arg("tiles"),
            "--log-key",
            &s.vkey,
            "--key",
            &s.arg("witness.key"),
            "--state",
            &s.arg(state),
            "--params",
            &s.arg("params"),
            "--disclosures",
            disclosures,
        ])
    };

    // WITNESS: both proofs re-verified, the withheld one from its disclosure.
    let json = ok_json(witness("a.state", &disclose("good.json", &disclosure)));
    assert_eq!(json["outcome"], "cosigned");
    assert_eq!(json["proofs_reverified"], 2);
    assert_eq!(json["proofs_reverified_from_disclosure"], 1);
    assert_eq!(json["withheld_form_checked"], 0);

    // A disclosure with another least value, or another salt, does not open the digest on the
    // log: refused, nothing cosigned.
    let mut lower = disclosure.clone();
    lower.detail.min_value.0 -= 1;
    let mut salted = disclosure.clone();
    salted.salt[31] ^= 1;
    for (name, tampered) in [("lower.json", lower), ("salted.json", salted)] {
        let state = format!("{name}.state");
        let all = fails(witness(&state, &disclose(name, &tampered)), 1, "REFUSED");
        assert!(all.contains("entry 4 is not acceptable"), "{all}");
        assert!(
            all.contains("does not match the digest on the ledger"),
            "{all}"
        );
        assert!(!s.path(&state).exists(), "nothing cosigned");
    }
    // A file that is not a list of disclosures: the witness could not run.
    std::fs::write(s.path("junk.json"), "{}").expect("write");
    fails(
        witness("junk.state", &s.arg("junk.json")),
        2,
        "is not a list of disclosures",
    );
}

#[test]
fn the_witness_refuses_a_corrupted_proof_and_foreign_params() {
    let s = Setup::new();
    ok(s.run(&[
        "ledger",
        "keygen",
        "--name",
        "witness.test/w1",
        "--out",
        &s.arg("witness.key"),
        "--witness",
    ]));
    let witness = |tiles: &str, state: &str, params: Option<&str>| {
        let mut args = vec![
            "witness".to_owned(),
            "--log".into(),
            s.arg(tiles),
            "--log-key".into(),
            s.vkey.clone(),
            "--key".into(),
            s.arg("witness.key"),
            "--state".into(),
            s.arg(state),
        ];
        if let Some(p) = params {
            args.extend(["--params".into(), p.into()]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        s.run(&args)
    };

    // LOG: the net_worth_range proof with one bit of the proof flipped. Its form is fine, so
    // the log accepts it; the proof no longer verifies.
    let mut entries = base_entries();
    let mut corrupted = entries[3].clone();
    let probity_ledger::EntryBody::ProofAccepted(p) = &mut corrupted.body else {
        panic!("entry 3 is the net_worth_range proof");
    };
    assert_eq!(p.statement, StatementKind::NetWorthRange);
    p.proof.as_mut().expect("a public proof").0[40] ^= 1;
    entries[3] = corrupted;
    let log = s.log();
    log.append_batch(&entries).expect("the form is valid");
    s.publish(&log, "tiles", 0, 1_800_000_000);

    // WITNESS with the params: refused, nothing cosigned, no state written.
    let all = fails(
        witness("tiles", "a.state", Some(&s.arg("params"))),
        1,
        "REFUSED",
    );
    assert!(all.contains("entry 3 is not acceptable"), "{all}");
    assert!(all.contains("does not verify"), "{all}");
    assert!(!s.path("a.state").exists());

    // A proof that decodes but is not a proof of this statement (the asset_included proof's
    // bytes in place of the net_worth_range proof's): refused too.
    let mut entries = base_entries();
    let probity_ledger::EntryBody::ProofAccepted(p) = &mut entries[3].body else {
        panic!("entry 3 is the net_worth_range proof");
    };
    p.proof = Some(ProofBytes(
        material().asset_included.proof_bytes().expect("128 bytes"),
    ));
    let swapped = s.log();
    swapped.append_batch(&entries).expect("the form is valid");
    s.publish(&swapped, "swapped", 0, 1_800_000_000);
    let all = fails(
        witness("swapped", "s.state", Some(&s.arg("params"))),
        1,
        "entry 3 is not acceptable: its net_worth_range proof about GOV-0001 does not verify",
    );
    assert!(all.contains("(the proof does not verify)"), "{all}");

    // Without the params, only the form is checked: cosigned, and the output says so.
    let out = ok(witness("tiles", "b.state", None));
    assert!(out.contains("2 proofs form-checked only"), "{out}");

    // The auditor's `ledger verify` does not re-verify proofs: it passes.
    ok(s.run(&["ledger", "verify", &s.arg("tiles"), "--log-key", &s.vkey]));

    // An honest log, and params that are not the ones it published.
    let honest = s.log();
    honest.append_batch(&base_entries()).expect("append");
    s.publish(&honest, "honest", 0, 1_800_000_000);
    let foreign = s.path("foreign-params");
    std::fs::create_dir_all(&foreign).expect("mkdir");
    let mut manifest = material().manifest.clone();
    manifest.keys.truncate(1);
    std::fs::write(
        foreign.join(probity_params::MANIFEST_FILE),
        manifest.to_json(),
    )
    .expect("write");
    let all = fails(
        witness("honest", "c.state", Some(foreign.to_str().expect("utf8"))),
        1,
        "entry 2 is not acceptable",
    );
    assert!(all.contains("differs from"), "{all}");
    // With the published params, the honest log is cosigned.
    let out = ok(witness("honest", "d.state", Some(&s.arg("params"))));
    assert!(out.contains("1 proofs re-verified, 1 withheld details form-checked"));

    // A missing witness key file: the witness could not run (exit code 2).
    fails(
        s.run(&[
            "witness",
            "--log",
            &s.arg("honest"),
            "--log-key",
            &s.vkey,
            "--key",
            &s.arg("missing.key"),
        ]),
        2,
        "cannot use the witness key",
    );
}

#[test]
fn the_witness_refuses_an_unfiled_commitment_and_blames_its_own_damaged_state() {
    let s = Setup::new();
    ok(s.run(&[
        "ledger",
        "keygen",
        "--name",
        "witness.test/w2",
        "--out",
        &s.arg("witness.key"),
        "--witness",
    ]));
    let witness = |tiles: &str, state: &str| {
        s.run(&[
            "witness",
            "--log",
            &s.arg(tiles),
            "--log-key",
            &s.vkey,
            "--key",
            &s.arg("witness.key"),
            "--state",
            &s.arg(state),
        ])
    };

    // LOG: the filing is gone, the proofs name a commitment nobody filed.
    let log = s.log();
    let mut entries = base_entries();
    entries.remove(1);
    log.append_batch(&entries).expect("append");
    s.publish(&log, "unfiled", 0, 1_800_000_000);
    let all = fails(witness("unfiled", "a.state"), 1, "REFUSED");
    assert!(all.contains("did not file"), "{all}");
    assert!(!s.path("a.state").exists());

    // An honest log, and a damaged state file: the witness cannot run (exit code 2) and
    // does not blame the log.
    let honest = s.log();
    honest.append_batch(&base_entries()).expect("append");
    s.publish(&honest, "honest", 0, 1_800_000_000);
    ok(witness("honest", "b.state"));
    flip_byte(&s.path("b.state"), 3);
    let all = fails(witness("honest", "b.state"), 2, "restore it from backup");
    assert!(!all.contains("REFUSED"), "{all}");
    std::fs::remove_file(s.path("b.state")).expect("delete");
    let out = ok(witness("honest", "b.state"));
    assert!(out.starts_with("COSIGNED"), "{out}");
    let out = ok(witness("honest", "b.state"));
    assert!(
        out.starts_with("UNCHANGED  probity.test/log is still at size 5"),
        "{out}"
    );
}
