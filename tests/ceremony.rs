//! `probity ceremony` against snarkjs, the ceremony tool Probity did not write: the circuits
//! exported as `.r1cs` files read by `snarkjs r1cs info` with the pinned counts, and the
//! initial `.zkey` byte for byte what `snarkjs groth16 setup` makes from the same files, and
//! accepted by `snarkjs zkey verify`. A `.ptau` file with a changed point, or too small for
//! the circuit, is refused and nothing is written.
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
