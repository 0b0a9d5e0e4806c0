//! The `probity` binary end to end, as an official and a supervisor would use it, including the
//! mistakes they would make: every failure exits non-zero with a message saying what to do,
//! and changes nothing.

mod common;

use std::{
    path::{Path, PathBuf},
    process::{Command, Output, Stdio},
};

use common::{fails, ok, stderr};

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn run(&self, args: &[&str]) -> Output {
        self.run_with(args, "correct horse battery staple")
    }

    fn run_with(&self, args: &[&str], passphrase: &str) -> Output {
        Command::new(env!("CARGO_BIN_EXE_probity"))
            .args(args)
            .env("PROBITY_HOME", self.dir.path())
            .env("PROBITY_PASSPHRASE", passphrase)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("the binary runs")
    }
}

const DECL_2026: &str = "examples/gov-0001-2026.toml";

fn file_bytes(p: &Path) -> Vec<u8> {
    std::fs::read(p).expect("file exists")
}

#[test]
fn official_and_supervisor_round_trip() {
    let env = Env::new();
    // No params yet: the error says how to make them.
    fails(
        env.run(&[
            "official",
            "prove",
            "net-worth-range",
            DECL_2026,
            "--lo",
            "0",
            "--hi",
            "1",
            "--out",
            "x.json",
        ]),
        2,
        "probity setup --dev",
    );

    let setup = env.run(&[
        "setup",
        "--dev",
        "--capacity",
        "16",
        "--statement",
        "net-worth-range",
        "--statement",
        "asset-included",
    ]);
    assert!(
        stderr(&setup).contains("WARNING: development keys"),
        "setup warns loudly"
    );
    let text = ok(setup);
    assert!(
        text.contains("net_worth_range") && text.contains("7991 constraints"),
        "{text}"
    );
    assert!(env.path("params/manifest.json").exists());

    // Commit prints the commitment and the official tag; a second commit is idempotent.
    let json: serde_json::Value =
        serde_json::from_str(&ok(env.run(&["--json", "official", "commit", DECL_2026])))
            .expect("json");
    assert_eq!(json["status"], "committed");
    assert_eq!(
        json["official_tag"],
        "184744820733037161409081359874338580494677502265214199630878714485833621587"
    );
    let commitment = json["commitment"].as_str().expect("commitment").to_owned();
    let again: serde_json::Value =
        serde_json::from_str(&ok(env.run(&["--json", "official", "commit", DECL_2026])))
            .expect("json");
    assert_eq!(again["status"], "already committed");
    assert_eq!(again["commitment"], commitment.as_str());

    // The wrong passphrase changes nothing and says so.
    let wallet = env.path("wallet.probity");
    let before = file_bytes(&wallet);
    fails(
        env.run_with(&["official", "commit", DECL_2026], "wrong"),
        2,
        "passphrase",
    );
    assert_eq!(file_bytes(&wallet), before);

    // Prove a band and verify it. The key loads while the wallet opens and the witness is
    // computed; with the wrong passphrase, the wallet's refusal is what is said, and no proof
    // is written.
    let proof = env.path("nw.json");
    let proof_arg = proof.to_str().expect("utf-8 path");
    let prove_band = [
        "official",
        "prove",
        "net-worth-range",
        DECL_2026,
        "--lo",
        "300000000",
        "--hi",
        "400000000",
        "--out",
        proof_arg,
    ];
    fails(env.run_with(&prove_band, "wrong"), 2, "passphrase");
    assert!(!proof.exists(), "no proof from a wallet that did not open");
    ok(env.run(&prove_band));
    let verified = ok(env.run(&["supervisor", "verify", proof_arg]));
    assert!(verified.starts_with("VALID"), "{verified}");
    assert!(
        verified.contains(&commitment),
        "names the commitment to look up: {verified}"
    );

    // A band the declaration does not satisfy: refused, no file written.
    let bad = env.path("bad.json");
    fails(
        env.run(&[
            "official",
            "prove",
            "net-worth-range",
            DECL_2026,
            "--lo",
            "0",
            "--hi",
            "100",
            "--out",
            bad.to_str().expect("utf-8"),
        ]),
        2,
        "does not hold",
    );
    assert!(!bad.exists());
    // A missing flag names the flag.
    fails(
        env.run(&[
            "official",
            "prove",
            "net-worth-range",
            DECL_2026,
            "--lo",
            "0",
            "--out",
            "x.json",
        ]),
        2,
        "--hi",
    );
    // A statement without keys says how to make them.
    fails(
        env.run(&[
            "official",
            "prove",
            "wealth-growth",
            DECL_2026,
            "--prev",
            "examples/gov-0001-2025.toml",
            "--out",
            "x.json",
        ]),
        2,
        "setup --dev",
    );

    // A registry asset.
    let asset = env.path("asset.json");
    ok(env.run(&[
        "official",
        "prove",
        "asset-included",
        DECL_2026,
        "--asset-id",
        "浙(2018)杭州市不动产权第0123456号",
        "--min-value",
        "300000000",
        "--out",
        asset.to_str().expect("utf-8"),
    ]));
    assert!(
        ok(env.run(&["supervisor", "verify", asset.to_str().expect("utf-8")])).starts_with("VALID")
    );

    // Tampering: a public input changed by one unit verifies as INVALID with exit code 1.
    let mut envelope: serde_json::Value =
        serde_json::from_slice(&file_bytes(&proof)).expect("json");
    envelope["public_inputs"][4] = "399999999".into();
    let tampered = env.path("tampered.json");
    std::fs::write(&tampered, serde_json::to_vec(&envelope).expect("json")).expect("write");
    fails(
        env.run(&["supervisor", "verify", tampered.to_str().expect("utf-8")]),
        1,
        "INVALID",
    );
    // A proof file that is not one: exit 2 with the reason.
    std::fs::write(&tampered, b"{\"version\": 9}").expect("write");
    fails(
        env.run(&["supervisor", "verify", tampered.to_str().expect("utf-8")]),
        2,
        "version 9 is not supported",
    );

    // Export for snarkjs.
    let out = env.path("snarkjs");
    ok(env.run(&["export", "snarkjs", proof_arg, out.to_str().expect("utf-8")]));
    for f in ["proof.json", "verification_key.json", "public.json"] {
        assert!(out.join(f).exists(), "{f}");
    }
}

/// The soundness hole of commitment format v1 (DESIGN.md §4), end to end with real keys: a
/// dishonest official proves with the capacity-64 `asset_included` key that their 16-slot
/// declaration holds a flat it does not hold (`probity_core::testing::capacity_forgery`).
/// Under v1 `supervisor verify` answered VALID; under v2 the proof cannot verify.
#[test]
fn supervisor_verify_refuses_a_proof_for_another_capacity() {
    use ark_serialize::CanonicalSerialize as _;
    use probity_circuits::{AssetIncludedCircuit, AssetWitness};
    use probity_core::{AssetIncluded, Capacity, Fr, ProofEnvelope, PublicInputs, StatementKind};

    let env = Env::new();
    ok(env.run(&[
        "setup",
        "--dev",
        "--capacity",
        "64",
        "--statement",
        "asset-included",
    ]));
    let params = probity_params::Params::open(&env.path("params")).expect("params");
    let pk = params
        .proving_key(StatementKind::AssetIncluded, Capacity::C64)
        .expect("the capacity-64 key");

    let forgery = probity_core::testing::capacity_forgery();
    let o = &forgery.opening;
    let inputs = AssetIncluded {
        commitment: o.commitment(),
        official_tag: o.official().tag(),
        period: o.period(),
        id_hash: forgery.id_hash,
        min_value: forgery.value,
    };
    let witness = AssetWitness {
        category: Fr::from(1u64),
        value: forgery.value.to_field(),
        blinding: forgery.salt,
        path: forgery.path.clone(),
    };
    let circuit =
        AssetIncludedCircuit::from_parts(Capacity::C64, inputs.to_public_inputs(), witness);
    let proof = ark_groth16::Groth16::<ark_bn254::Bn254>::create_random_proof_with_reduction(
        circuit,
        &pk,
        &mut rand::rngs::OsRng,
    )
    .expect("arkworks proves whatever it is given");
    let mut bytes = Vec::new();
    proof.serialize_compressed(&mut bytes).expect("serializes");
    let envelope = ProofEnvelope::new(
        Capacity::C64,
        o.official().clone(),
        &PublicInputs::AssetIncluded(inputs),
        &bytes.try_into().expect("128 bytes"),
    );
    let file = env.path("forged.json");
    std::fs::write(&file, envelope.to_json()).expect("write");
    fails(
        env.run(&["supervisor", "verify", file.to_str().expect("utf-8")]),
        1,
        "INVALID",
    );
}

#[test]
fn an_edited_declaration_is_not_silently_recommitted() {
    let env = Env::new();
    ok(env.run(&["official", "commit", DECL_2026]));
    let wallet = env.path("wallet.probity");
    let before = file_bytes(&wallet);
    fails(
        env.run(&[
            "official",
            "commit",
            "examples/gov-0001-2026-unexplained.toml",
        ]),
        2,
        "--amend",
    );
    assert_eq!(file_bytes(&wallet), before, "nothing was written");
    let amended = ok(env.run(&[
        "official",
        "commit",
        "--amend",
        "examples/gov-0001-2026-unexplained.toml",
    ]));
    assert!(amended.starts_with("amended"), "{amended}");
}

#[test]
fn bad_declarations_name_the_item_at_fault() {
    let env = Env::new();
    let decl = env.path("bad.toml");
    std::fs::write(
        &decl,
        "official = \"GOV-1\"\nperiod = 2026\n[[item]]\ncategory = \"yacht\"\nvalue = 1\n",
    )
    .expect("write");
    fails(
        env.run(&["official", "commit", decl.to_str().expect("utf-8")]),
        2,
        "item 1: unknown category",
    );
    assert!(
        !env.path("wallet.probity").exists(),
        "no wallet made for a declaration that does not parse"
    );
}

/// `probity demo` runs the whole story against its own in-process service, in a fresh folder,
/// with no network: an unexplained growth raises an alert, a second tip with the same
/// credential is refused, an unanswerable challenge expires, and the log audits with every
/// receipt in it. It prints no declared amount. With `--keep-serving` the service goes on
/// answering after the story: its public register lists both officials, until Ctrl-C.
#[test]
fn the_demo_tells_the_whole_story() {
    let env = Env::new();
    let dir = env.path("demo");
    let report = demo_kept_serving(&env, &dir);
    assert_eq!(report["ok"], true, "{report:#}");
    let summary = &report["summary"];

    let alerts: Vec<(&str, &str)> = summary["alerts"]
        .as_array()
        .expect("alerts")
        .iter()
        .map(|a| {
            (
                a["rule"].as_str().expect("rule"),
                a["official"].as_str().expect("official"),
            )
        })
        .collect();
    assert_eq!(
        alerts,
        [
            ("wealth_growth_missing", "GOV-0002"),
            ("challenge_expired", "GOV-0001")
        ]
    );
    assert_eq!(summary["tips"]["second_tip_refused_with"], 409);
    assert_eq!(summary["challenges"]["registry_asset"], "answered");
    assert_eq!(summary["challenges"]["undeclared_asset"], "expired");

    let audit = &summary["audit"];
    assert_eq!(audit["counts"]["DeclarationFiled"], 4, "{audit:#}");
    assert_eq!(audit["counts"]["ProofAccepted"], 6, "{audit:#}");
    assert_eq!(audit["proofs_reverified_public"], 5);
    assert_eq!(audit["proofs_reverified_with_disclosure"], 1);
    assert_eq!(audit["receipts_checked"], summary["receipts_verified"]);
    assert!(audit["receipts_checked"].as_u64().expect("count") >= 20);
    assert_eq!(audit["entries"], summary["log_entries"]);
    assert!(dir.join("service/supervisor-tip.key").exists());

    // Only public bands appear, never a declared figure.
    let printed = report.to_string();
    for file in [
        "examples/gov-0001-2025.toml",
        "examples/gov-0001-2026.toml",
        "examples/gov-0001-2026-unexplained.toml",
    ] {
        let text = std::fs::read_to_string(file).expect("example");
        let declaration = probity_core::Declaration::from_toml(&text).expect("valid");
        for item in declaration.items() {
            let figure = probity_core::format_minor_units(item.value.0.into());
            assert!(!printed.contains(&figure), "{figure} from {file} printed");
        }
    }
}

/// Runs `probity --json demo --keep-serving`, reads the register's address from the line it
/// prints on stderr once the story is told, checks the register's officials page over HTTP,
/// then stops the demo with SIGINT (Ctrl-C) and returns its JSON report.
fn demo_kept_serving(env: &Env, dir: &Path) -> serde_json::Value {
    use std::io::{BufRead, BufReader, Read, Write};
    let mut child = Command::new(env!("CARGO_BIN_EXE_probity"))
        .args(["--json", "demo", "--keep-serving", "--dir"])
        .arg(dir)
        .env("PROBITY_HOME", env.dir.path())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let mut stderr_lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let mut seen = String::new();
    let register = loop {
        let Some(Ok(line)) = stderr_lines.next() else {
            let _ = child.kill();
            panic!("the demo ended before printing the register's address:\n{seen}");
        };
        seen.push_str(&line);
        seen.push('\n');
        if let Some(address) = line.strip_prefix("The public register: ") {
            break address.trim().to_owned();
        }
    };
    // The rest of stderr is drained so the demo never blocks on a full pipe.
    let drain = std::thread::spawn(move || stderr_lines.count());

    let host = register
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let mut stream = std::net::TcpStream::connect(&host).expect("the register answers");
    write!(stream, "GET /?lang=en HTTP/1.0\r\nHost: {host}\r\n\r\n").expect("request sent");
    let mut page = String::new();
    stream.read_to_string(&mut page).expect("the page");
    assert!(page.starts_with("HTTP/1.0 200"), "{page}");
    for official in ["GOV-0001", "GOV-0002"] {
        assert!(page.contains(official), "{official} listed:\n{page}");
    }

    let interrupted = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(interrupted.success());
    let output = child.wait_with_output().expect("the demo ends");
    drain.join().expect("stderr drained");
    assert!(output.status.success(), "Ctrl-C ends the demo cleanly");
    let report: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("--json prints one JSON document");
    assert_eq!(report["register"], register.as_str());
    report
}

/// A params folder whose manifest holds the pinned `net_worth_range` fixture's verifying key:
/// all `supervisor verify` needs to check the fixture's proof.
fn fixture_params(env: &Env) -> (PathBuf, PathBuf) {
    use probity_core::{Capacity, ManifestEntry, ParamsManifest, StatementKind};
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("prover/tests/fixtures");
    let kind = StatementKind::NetWorthRange;
    let manifest = ParamsManifest {
        version: probity_core::PARAMS_MANIFEST_VERSION,
        setup: "dev".into(),
        keys: vec![ManifestEntry {
            statement: kind,
            capacity: Capacity::C16,
            num_constraints: 0,
            verifying_key: std::fs::read_to_string(fixtures.join("net_worth_range-16.vk.hex"))
                .expect("the fixture's key")
                .trim()
                .to_owned(),
            proving_key_file: probity_params::proving_key_file(kind, Capacity::C16),
            proving_key_sha256: "00".repeat(32),
            ceremony: None,
        }],
    };
    let params = env.path("fixture-params");
    std::fs::create_dir_all(&params).expect("mkdir");
    std::fs::write(
        params.join(probity_params::MANIFEST_FILE),
        manifest.to_json(),
    )
    .expect("write");
    (params, fixtures.join("net_worth_range-16.proof.json"))
}

#[test]
fn a_reader_that_closes_the_pipe_early_gets_no_panic() {
    let env = Env::new();
    let (params, proof) = fixture_params(&env);
    let proof = proof.to_str().expect("utf-8");
    let params = params.to_str().expect("utf-8");
    let text = ["supervisor", "verify", proof, "--params", params];
    let json = ["--json", "supervisor", "verify", proof, "--params", params];
    // What the command prints when someone reads it.
    let read = ok(env.run(&text));
    assert!(read.starts_with("VALID  GOV-0001"), "{read}");

    // `probity supervisor verify X.json | head -1`, with the reader already gone: the pipe's
    // read end is closed before the binary starts, so its first write fails with EPIPE.
    for args in [&text[..], &json[..]] {
        let (reader, writer) = std::io::pipe().expect("a pipe");
        drop(reader);
        let out = Command::new(env!("CARGO_BIN_EXE_probity"))
            .args(args)
            .env("PROBITY_HOME", env.dir.path())
            .stdout(writer)
            .stderr(Stdio::piped())
            .output()
            .expect("the binary runs");
        let err = stderr(&out);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert_eq!(out.status.code(), Some(0), "the proof is valid: {err}");
        assert_eq!(err, "", "nothing to say about a reader that left");
    }
}

#[test]
fn the_bench_reports_proving_batches_and_cpu_features() {
    let env = Env::new();
    let out = env.path("report");
    let out_arg = out.to_str().expect("a UTF-8 path");
    let tmp = env.path("tmp");
    std::fs::create_dir(&tmp).expect("mkdir");
    let bench = Command::new(env!("CARGO_BIN_EXE_probity"))
        .args(["--json", "bench", "--statement", "asset_included"])
        .args(["--capacity", "16", "--runs", "2", "--out", out_arg])
        .env("PROBITY_HOME", env.path("home"))
        .env("TMPDIR", &tmp)
        .output()
        .expect("the binary runs");
    ok(bench);
    // The throwaway keys' folder is gone.
    assert_eq!(std::fs::read_dir(&tmp).expect("tmp").count(), 0);
    let report: serde_json::Value =
        serde_json::from_slice(&file_bytes(&out.join("bench-report.json"))).expect("JSON");
    let figures = &report["results"][0];
    assert_eq!(figures["statement"], "asset_included");
    assert_eq!(figures["constraints"], 1_419);
    for field in [
        "setup_first_s",
        "setup_s",
        "prove_median_s",
        "verify_median_s",
    ] {
        assert!(figures[field].as_f64().expect(field) > 0.0, "{field}");
    }
    // Batches of 16 and 64, filled from the run's 2 proofs; each verified, each timed.
    let batches = figures["batch_verify_per_proof_s"]
        .as_array()
        .expect("batch figures");
    let sizes: Vec<u64> = batches
        .iter()
        .map(|b| b["size"].as_u64().expect("size"))
        .collect();
    assert_eq!(sizes, [16, 64]);
    assert!(batches
        .iter()
        .all(|b| b["per_proof_s"].as_f64().expect("time") > 0.0));
    assert!(report["machine"]["cpu_features_used"].is_array());
    assert!(report["machine"]["field_arithmetic"]
        .as_str()
        .expect("field arithmetic")
        .starts_with("portable Rust"));
    let markdown = String::from_utf8(file_bytes(&out.join("bench-report.md"))).expect("UTF-8");
    assert!(markdown.contains("batch of 64, per proof"));
    assert!(markdown.contains("- CPU features probity uses here: "));
}
