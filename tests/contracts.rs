//! The contracts for EVM chains: `probity export solidity` writes a verifier for every key
//! of a params folder and the registry, and the Solidity compiler pinned in `package.json`
//! (solcjs, installed by `npm ci`) compiles every one of them.

mod common;

use common::{
    chain_tools, ok_json,
    server::{params16, probity},
};

#[test]
fn exported_contracts_compile() {
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
    let names: Vec<&str> = files.iter().map(|f| f.trim_end_matches(".sol")).collect();
    for (contract, code) in names.iter().zip(chain_tools::compile(out.path(), &names)) {
        assert!(code.len() > 1000, "{contract} compiles to real code");
    }
}
