//! `probity ceremony` against snarkjs, the ceremony tool Probity did not write: the circuits
//! exported as `.r1cs` files read by `snarkjs r1cs info` with the pinned counts, and the
//! initial `.zkey` byte for byte what `snarkjs groth16 setup` makes from the same files, and
//! accepted by `snarkjs zkey verify`. A ceremony whose contributions alternate between
//! `probity ceremony contribute` and `snarkjs zkey contribute`, finished with a beacon, is
//! accepted by both verifiers, and a tampered one is refused by both; imported as params, its
//! manifest lists every contribution. Keys from a ceremony for all four statements prove each
//! statement, and each proof verifies in Probity, in snarkjs and in the Solidity verifier on
//! anvil. A `.ptau` file with a changed point, or too small for the circuit, is refused and
//! nothing is written.
//!
//! `tests/fixtures/ceremony/pot12.ptau` is a powers of tau of power 12 made by snarkjs
//! (`make-pot12.sh` beside it), prepared for phase 2: enough for asset_included at capacity 16.

mod common;

use std::{path::Path, process::Command};

use common::{chain_tools::tool, fails, ok, ok_json, server::probity};

const POT12: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/ceremony/pot12.ptau"
);

fn snarkjs(dir: &Path, args: &[&str]) -> String {
    let out = Command::new(tool("snarkjs"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("snarkjs runs");
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "snarkjs {args:?}: {all}");
    all
}

fn ceremony(dir: &Path, args: &[&str]) -> std::process::Output {
    probity()
        .args(["--json", "ceremony"])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("probity runs")
}

/// asset_included at capacity 16, as `ai.r1cs` in `d`: the circuit the fixture's power fits.
fn export_asset_included(d: &Path) {
    ok(ceremony(
        d,
        &[
            "r1cs",
            "--statement",
            "asset_included",
            "--capacity",
            "16",
            "--out",
            "ai.r1cs",
        ],
    ));
}

#[test]
fn each_circuit_is_an_r1cs_file_snarkjs_reads_with_the_pinned_counts() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (statement, constraints, public) in [
        ("net_worth_range", 7_991, 5),
        ("category_total_range", 8_031, 6),
        ("wealth_growth", 15_693, 6),
        ("asset_included", 1_419, 5),
    ] {
        let file = format!("{statement}-16.r1cs");
        let made = ok_json(ceremony(
            dir.path(),
            &[
                "r1cs",
                "--statement",
                statement,
                "--capacity",
                "16",
                "--out",
                &file,
            ],
        ));
        assert_eq!(made["constraints"], constraints, "{statement}");
        assert_eq!(made["public_inputs"], public, "{statement}");
        let info = snarkjs(dir.path(), &["r1cs", "info", &file]);
        for line in [
            format!("# of Constraints: {constraints}"),
            format!("# of Public Inputs: {public}"),
            "# of Outputs: 0".to_owned(),
            "# of Private Inputs: 0".to_owned(),
            format!("# of Wires: {}", made["wires"]),
        ] {
            assert!(info.contains(&line), "{statement}: {line}\n{info}");
        }
    }
}

#[test]
fn the_initial_zkey_is_what_snarkjs_makes_byte_for_byte_and_snarkjs_verifies_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    export_asset_included(d);
    let made = ok_json(ceremony(
        d,
        &[
            "init",
            "--ptau",
            POT12,
            "--out",
            "keys",
            "--statement",
            "asset_included",
            "--capacity",
            "16",
        ],
    ));
    assert_eq!(made["power"], 12);
    let ours = d.join("keys/asset_included-16.zkey");
    snarkjs(d, &["groth16", "setup", "ai.r1cs", POT12, "theirs.zkey"]);
    let (ours_bytes, theirs) = (
        std::fs::read(&ours).expect("ours"),
        std::fs::read(d.join("theirs.zkey")).expect("theirs"),
    );
    assert_eq!(ours_bytes.len(), theirs.len());
    assert!(ours_bytes == theirs, "the initial zkeys differ");
    let hash = made["zkeys"][0]["circuit_hash"].as_str().expect("a hash");
    assert_eq!(hash.len(), 128);
    assert_eq!(
        &ours_bytes[ours_bytes.len() - 68..ours_bytes.len() - 4],
        hex::decode(hash).expect("hex"),
        "the circuit hash printed is the one in the file"
    );
    let verified = snarkjs(
        d,
        &[
            "zkey",
            "verify",
            "ai.r1cs",
            POT12,
            "keys/asset_included-16.zkey",
        ],
    );
    assert!(verified.contains("ZKey Ok!"), "{verified}");
}

#[test]
fn a_changed_or_too_small_ptau_is_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    // A Lagrange point of the domain asset_included uses (2^11 points at offset 2^11 − 1 of
    // section 12), changed in one byte of its x.
    let mut bytes = std::fs::read(POT12).expect("the fixture");
    let section_12 = section_start(&bytes, 12);
    let point = section_12 + ((1 << 11) - 1 + 7) * 64;
    bytes[point + 3] ^= 0x10;
    std::fs::write(d.join("changed.ptau"), &bytes).expect("write");
    let args = |ptau: &'static str| {
        [
            "init",
            "--ptau",
            ptau,
            "--out",
            "keys",
            "--statement",
            "asset_included",
            "--capacity",
            "16",
        ]
    };
    fails(
        ceremony(d, &args("changed.ptau")),
        2,
        "a G1 point is not on the curve",
    );
    // wealth_growth at 16 needs a domain of 2^14, so a file of power 15.
    fails(
        ceremony(
            d,
            &[
                "init",
                "--ptau",
                POT12,
                "--out",
                "keys",
                "--statement",
                "wealth_growth",
                "--capacity",
                "16",
            ],
        ),
        2,
        "needs a powers-of-tau file of power 15 or more; this one has power 12",
    );
    assert!(
        std::fs::read_dir(d.join("keys"))
            .map(|mut files| files.next().is_none())
            .unwrap_or(true),
        "no key written"
    );
    fails(
        ceremony(d, &args("no-such.ptau")),
        2,
        "cannot read no-such.ptau: No such file",
    );
}

#[test]
fn a_ceremony_mixing_probity_and_snarkjs_verifies_in_both_and_tampering_fails_in_both() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    export_asset_included(d);
    ok(ceremony(
        d,
        &[
            "init",
            "--ptau",
            POT12,
            "--out",
            ".",
            "--statement",
            "asset_included",
            "--capacity",
            "16",
        ],
    ));
    let key = |n: usize| format!("asset_included-16-{n}.zkey");
    let first = ok_json(ceremony(
        d,
        &[
            "contribute",
            "asset_included-16.zkey",
            &key(1),
            "--name",
            "Body One",
            "--entropy",
            "typed by the first body",
        ],
    ));
    snarkjs(
        d,
        &[
            "zkey",
            "contribute",
            &key(1),
            &key(2),
            "--name=Body Two",
            "-e=typed by the second",
        ],
    );
    let third = ok_json(ceremony(
        d,
        &["contribute", &key(2), &key(3), "--name", "第三机构"],
    ));
    let beacon = "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    ok(ceremony(
        d,
        &[
            "beacon",
            &key(3),
            "final.zkey",
            "--value",
            beacon,
            "--iterations-exp",
            "10",
            "--name",
            "beacon",
        ],
    ));
    // The beacon is deterministic: snarkjs's own beacon step gives the same file.
    snarkjs(
        d,
        &[
            "zkey",
            "beacon",
            &key(3),
            "theirs.zkey",
            beacon,
            "10",
            "-n=beacon",
        ],
    );
    assert!(
        std::fs::read(d.join("final.zkey")).expect("ours")
            == std::fs::read(d.join("theirs.zkey")).expect("theirs"),
        "the beacon's key differs from snarkjs's"
    );

    let theirs = snarkjs(d, &["zkey", "verify", "ai.r1cs", POT12, "final.zkey"]);
    assert!(theirs.contains("ZKey Ok!"), "{theirs}");
    // A file whose name does not say its circuit needs --statement and --capacity.
    fails(
        ceremony(d, &["verify", "--ptau", POT12, "final.zkey"]),
        2,
        "name the file STATEMENT-CAPACITY.zkey or pass --statement and --capacity",
    );
    let ours = ok_json(ceremony(
        d,
        &[
            "verify",
            "--ptau",
            POT12,
            "--statement",
            "asset_included",
            "--capacity",
            "16",
            "final.zkey",
        ],
    ));
    let listed = &ours["keys"][0]["contributions"];
    let names: Vec<&str> = (0..4)
        .map(|i| listed[i]["name"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(names, ["Body One", "Body Two", "第三机构", "beacon"]);
    assert_eq!(listed[0]["contribution_hash"], first["contribution_hash"]);
    assert_eq!(listed[2]["contribution_hash"], third["contribution_hash"]);
    assert_eq!(listed[3]["beacon"]["iterations_exp"], 10);
    // snarkjs lists the same contribution hashes, in its groups of eight digits.
    let grouped = |h: &str| {
        h.as_bytes()
            .chunks(8)
            .map(|g| String::from_utf8_lossy(g).into_owned())
            .collect::<Vec<_>>()
    };
    for i in 0..4 {
        let hash = listed[i]["contribution_hash"].as_str().expect("a hash");
        assert!(
            grouped(hash).iter().all(|g| theirs.contains(g.as_str())),
            "snarkjs lists contribution {i}'s hash"
        );
    }

    // Imported as params: the manifest says "ceremony" and lists each contribution (proofs
    // made with imported keys: the next test).
    let home = d.join("home");
    let imported = ok_json(ceremony(
        d,
        &[
            "import",
            "--ptau",
            POT12,
            "--statement",
            "asset_included",
            "--capacity",
            "16",
            "final.zkey",
            "--out",
            "home/params",
        ],
    ));
    assert_eq!(
        imported["imported"][0]["contributions"],
        ours["keys"][0]["contributions"]
    );
    let manifest: serde_json::Value = serde_json::from_slice(
        &std::fs::read(home.join("params/manifest.json")).expect("a manifest"),
    )
    .expect("JSON");
    assert_eq!(manifest["setup"], "ceremony");
    let transcript = &manifest["keys"][0]["ceremony"];
    assert_eq!(transcript["circuit_hash"], ours["keys"][0]["circuit_hash"]);
    assert_eq!(transcript["contributions"][1]["name"], "Body Two");
    assert_eq!(
        transcript["contributions"][1]["hash"],
        listed[1]["contribution_hash"]
    );
    // Ceremony keys never go where dev keys are.
    ok(probity()
        .args([
            "setup",
            "--dev",
            "--capacity",
            "16",
            "--statement",
            "asset-included",
            "--out",
            "devparams",
        ])
        .current_dir(d)
        .output()
        .expect("probity runs"));
    let dev_manifest = std::fs::read(d.join("devparams/manifest.json")).expect("dev manifest");
    fails(
        ceremony(
            d,
            &[
                "import",
                "--ptau",
                POT12,
                "--statement",
                "asset_included",
                "--capacity",
                "16",
                "final.zkey",
                "--out",
                "devparams",
            ],
        ),
        2,
        "holds development keys",
    );
    assert_eq!(
        std::fs::read(d.join("devparams/manifest.json")).expect("kept"),
        dev_manifest
    );

    // Tampered: the second key's L section put back undivided (its points stay valid), and
    // the third contribution's proof of knowledge pointing at another point.
    let final_key = std::fs::read(d.join("final.zkey")).expect("read");
    let undivided = replace_section(
        &final_key,
        8,
        section(&std::fs::read(d.join(key(1))).expect("read"), 8),
    );
    std::fs::write(d.join("asset_included-16-l.zkey"), undivided).expect("write");
    let mut forged = final_key.clone();
    let ceremony_at = section_start(&forged, 10);
    // csHash, count, then per contribution: δ after, g1_s, g1_sx (G1 each), g2_spx, transcript,
    // type, parameters; the first two contributions' lengths are read to reach the third.
    let mut at = ceremony_at + 64 + 4;
    for _ in 0..2 {
        at += 3 * 64 + 128 + 64 + 4;
        let params = u32::from_le_bytes(forged[at..at + 4].try_into().expect("4 bytes")) as usize;
        at += 4 + params;
    }
    let (g1_s, g1_sx) = (at + 64, at + 128);
    let s: Vec<u8> = forged[g1_s..g1_s + 64].to_vec();
    forged[g1_sx..g1_sx + 64].copy_from_slice(&s);
    std::fs::write(d.join("asset_included-16-k.zkey"), forged).expect("write");
    for (file, ours_says) in [
        (
            "asset_included-16-l.zkey",
            "the L section is not the initial key's divided by δ",
        ),
        ("asset_included-16-k.zkey", "contribution 3"),
    ] {
        fails(
            ceremony(d, &["verify", "--ptau", POT12, file]),
            2,
            ours_says,
        );
        let out = Command::new(tool("snarkjs"))
            .args(["zkey", "verify", "ai.r1cs", POT12, file])
            .current_dir(d)
            .output()
            .expect("snarkjs runs");
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!all.contains("ZKey Ok!"), "snarkjs accepted {file}: {all}");
    }
}

/// All four statements at capacity 16, from a `.ptau` of power 15 made here from a known τ
/// (the shipped fixture's power 12 fits asset_included only; what snarkjs does with a ceremony
/// is the test above). Each key gets a contribution and a beacon, the four are imported, and
/// each statement proved with them verifies in Probity, in snarkjs against the verification
/// key exported from its key, and in the Solidity verifier made from it and deployed on anvil;
/// a changed public input is refused by each.
#[test]
fn ceremony_keys_prove_all_four_statements_in_probity_snarkjs_and_on_a_chain() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    std::fs::write(
        d.join("pot15.ptau"),
        probity_params::ceremony::insecure_ptau_for_tests(15, 15),
    )
    .expect("write");
    ok(ceremony(
        d,
        &[
            "init",
            "--ptau",
            "pot15.ptau",
            "--out",
            "keys",
            "--capacity",
            "16",
        ],
    ));
    let mut finals = Vec::new();
    for statement in STATEMENTS {
        let (initial, contributed, last) = (
            format!("keys/{statement}-16.zkey"),
            format!("keys/{statement}-16-1.zkey"),
            format!("keys/{statement}-16-final.zkey"),
        );
        ok(ceremony(
            d,
            &[
                "contribute",
                &initial,
                &contributed,
                "--name",
                "Body One",
                "--entropy",
                "typed",
            ],
        ));
        ok(ceremony(
            d,
            &[
                "beacon",
                &contributed,
                &last,
                "--value",
                &"ab".repeat(32),
                "--name",
                "beacon",
            ],
        ));
        finals.push(last);
    }
    let mut import = vec!["import", "--ptau", "pot15.ptau", "--out", "home/params"];
    import.extend(finals.iter().map(String::as_str));
    let imported = ok_json(ceremony(d, &import));
    assert_eq!(imported["imported"].as_array().map(Vec::len), Some(4));

    let home = d.join("home");
    let official = |args: &[&str]| as_official(&home, args);
    let (d2025, d2026) = ("examples/gov-0001-2025.toml", "examples/gov-0001-2026.toml");
    ok(official(&["official", "commit", d2025]));
    ok(official(&["official", "commit", d2026]));
    let wide = ["--lo", "0", "--hi", "100000000000000"];
    let proofs: Vec<_> = [
        ("net-worth-range", &[d2026][..], &wide[..]),
        (
            "category-total-range",
            &[d2026],
            &[&["--category", "securities"][..], &wide].concat(),
        ),
        ("wealth-growth", &[d2026, "--prev", d2025], &[]),
        (
            "asset-included",
            &[d2026],
            &[
                "--asset-id",
                "浙(2018)杭州市不动产权第0123456号",
                "--min-value",
                "1",
            ],
        ),
    ]
    .into_iter()
    .map(|(statement, files, bounds)| {
        let out = d.join(format!("{statement}.json"));
        let out_arg = out.to_str().expect("UTF-8");
        let mut args = vec!["official", "prove", statement];
        args.extend(files);
        args.extend(bounds);
        args.extend(["--out", out_arg]);
        ok(official(&args));
        let verified = ok(official(&["supervisor", "verify", out_arg]));
        assert!(verified.starts_with("VALID"), "{statement}: {verified}");
        let exported = d.join(format!("{statement}-snarkjs"));
        ok(official(&[
            "export",
            "snarkjs",
            out_arg,
            exported.to_str().expect("UTF-8"),
        ]));
        let verify = [
            "groth16",
            "verify",
            "verification_key.json",
            "public.json",
            "proof.json",
        ];
        assert!(
            snarkjs(&exported, &verify).contains("OK!"),
            "{statement} in snarkjs"
        );
        if statement != "net-worth-range" {
            return out;
        }
        // One public input changed: snarkjs refuses it (for one statement: the check is the
        // same for all).
        let public = exported.join("public.json");
        let mut inputs: Vec<String> =
            serde_json::from_slice(&std::fs::read(&public).expect("read")).expect("JSON");
        inputs[0] = "12345".into();
        std::fs::write(&public, serde_json::to_vec(&inputs).expect("JSON")).expect("write");
        let refused = Command::new(tool("snarkjs"))
            .args(verify)
            .current_dir(&exported)
            .output()
            .expect("snarkjs runs");
        assert!(
            !String::from_utf8_lossy(&refused.stdout).contains("OK!"),
            "{statement}: snarkjs accepted a changed input"
        );
        out
    })
    .collect();
    #[cfg(feature = "evm")]
    on_a_chain(&home.join("params"), &proofs);
    #[cfg(not(feature = "evm"))]
    let _ = proofs;
}

/// `probity ARGS` run by an official whose data folder is `home`, from the repository's root
/// (where `examples/` is).
fn as_official(home: &Path, args: &[&str]) -> std::process::Output {
    probity()
        .args(args)
        .env("PROBITY_HOME", home)
        .env("PROBITY_PASSPHRASE", "correct horse battery staple")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("probity runs")
}

/// The statements, as file names write them.
const STATEMENTS: [&str; 4] = [
    "net_worth_range",
    "category_total_range",
    "wealth_growth",
    "asset_included",
];

/// The proofs in `proofs` (files of `probity official prove`) accepted by the verifiers
/// `probity chain deploy` puts on a fresh anvil for the keys of `params`; each with a changed
/// public input refused.
#[cfg(feature = "evm")]
fn on_a_chain(params: &Path, proofs: &[std::path::PathBuf]) {
    use common::chain_tools::{Anvil, OPERATOR_KEY};
    use probity_service::chain::{verify_on_chain, Chain};
    use probity_verifier::{evm_proof, Proof};

    let anvil = Anvil::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let key = dir.path().join("chain.key");
    std::fs::write(&key, OPERATOR_KEY).expect("write");
    let deployed = ok_json(
        probity()
            .args(["--json", "chain", "deploy", "--rpc", &anvil.url, "--key"])
            .arg(&key)
            .arg("--params")
            .arg(params)
            .arg("--solcjs")
            .arg(tool("solcjs"))
            .output()
            .expect("probity runs"),
    );
    let chain = Chain::read_only(&anvil.url).expect("the chain");
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    for file in proofs {
        let envelope: probity_core::ProofEnvelope =
            serde_json::from_slice(&std::fs::read(file).expect("read")).expect("a proof file");
        let verifier = deployed["verifiers"]
            .as_array()
            .expect("verifiers")
            .iter()
            .find(|v| v["statement"] == envelope.statement.to_string())
            .and_then(|v| v["address"].as_str()?.parse().ok())
            .expect("a verifier for the statement");
        let inputs = envelope.inputs().expect("inputs");
        let proof = Proof::from_bytes(&envelope.proof_bytes().expect("bytes")).expect("a proof");
        let mut evm = evm_proof(&proof, &inputs);
        let on_chain = |evm: &probity_verifier::EvmProof| {
            runtime
                .block_on(verify_on_chain(&chain, verifier, evm))
                .expect("the call")
        };
        assert!(on_chain(&evm), "{} on the chain", envelope.statement);
        evm.input[0][31] ^= 1;
        assert!(!on_chain(&evm), "{}: a changed input", envelope.statement);
    }
}

/// The bytes of section `kind`.
fn section(bytes: &[u8], kind: u32) -> Vec<u8> {
    let start = section_start(bytes, kind);
    let size = u64::from_le_bytes(bytes[start - 8..start].try_into().expect("8 bytes")) as usize;
    bytes[start..start + size].to_vec()
}

/// `bytes` with section `kind`'s body replaced by `body` (of the same length).
fn replace_section(bytes: &[u8], kind: u32, body: Vec<u8>) -> Vec<u8> {
    let start = section_start(bytes, kind);
    let mut out = bytes.to_vec();
    assert_eq!(section(bytes, kind).len(), body.len());
    out[start..start + body.len()].copy_from_slice(&body);
    out
}

/// Where the bytes of section `kind` of an iden3 container start.
fn section_start(bytes: &[u8], kind: u32) -> usize {
    let u32_at = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes"));
    let mut at = 12;
    for _ in 0..u32_at(8) {
        let size = u64::from_le_bytes(bytes[at + 4..at + 12].try_into().expect("8 bytes")) as usize;
        if u32_at(at) == kind {
            return at + 12;
        }
        at += 12 + size;
    }
    panic!("no section {kind}");
}
