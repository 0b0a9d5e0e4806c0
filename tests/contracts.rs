//! The contracts for EVM chains: `probity export solidity` writes a verifier for every key
//! of a params folder and the registry, and the Solidity compiler pinned in `package.json`
//! (solcjs, installed by `npm ci`) compiles every one of them.

mod common;

use std::{path::Path, process::Command};

use common::{
    ok_json,
    server::{params16, probity},
};

#[test]
fn exported_contracts_compile() {
    let solcjs = Path::new(env!("CARGO_MANIFEST_DIR")).join("node_modules/.bin/solcjs");
    assert!(
        solcjs.exists(),
        "{} is missing: run `npm ci` at the repository root before `cargo test`",
        solcjs.display()
    );
    let out = tempfile::tempdir().expect("temp dir");
    let written = ok_json(
        probity()
            .args(["--json", "export", "solidity", "--params"])
            .arg(params16().join("params"))
            .arg("--out")
            .arg(out.path())
            .output()
            .expect("the binary runs"),
    );
    let files: Vec<String> = written["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| f.as_str().expect("a name").to_owned())
        .collect();
    assert_eq!(
        files,
        [
            "ProbityRegistry.sol",
            "NetWorthRange16Verifier.sol",
            "CategoryTotalRange16Verifier.sol",
            "WealthGrowth16Verifier.sol",
            "AssetIncluded16Verifier.sol"
        ]
    );
    let build = out.path().join("build");
    let compiled = Command::new(&solcjs)
        .args(["--bin", "--abi", "--optimize", "--base-path"])
        .arg(out.path())
        .arg("-o")
        .arg(&build)
        .args(&files)
        .current_dir(out.path())
        .output()
        .expect("solcjs runs");
    assert!(
        compiled.status.success(),
        "solcjs: {}",
        String::from_utf8_lossy(&compiled.stderr)
    );
    for file in &files {
        let contract = file.trim_end_matches(".sol");
        let bin = build.join(format!("{contract}_sol_{contract}.bin"));
        let code =
            std::fs::read_to_string(&bin).unwrap_or_else(|e| panic!("{}: {e}", bin.display()));
        assert!(code.len() > 1000, "{contract} compiles to real code");
    }
}
