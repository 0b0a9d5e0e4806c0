//! First run with nothing copied by hand: the service's registrar key given on its command
//! line, and an official whose data folder has no params downloading the proving keys from
//! the service, each checked against the manifest the log published.

mod common;

use std::path::Path;

use common::{fails, ok_json, party::Party, server::Server};
use sha2::Digest as _;

const DECL_2025: &str = "examples/gov-0001-2025.toml";
const KEY_FILE: &str = "net_worth_range-16.pk";

/// A server started with `--registrar-key`, GOV-0001's official (with no params) registered
/// by the registrar; the server's data folder last.
fn first_run() -> (Party, Server, tempfile::TempDir) {
    let registrar = Party::new("http://127.0.0.1:9");
    let key = registrar.json(&["admin", "init"])["public_key"]
        .as_str()
        .expect("key")
        .to_owned();
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start_with(dir.path(), &[], &["--registrar-key", &key]);
    let registrar = Party {
        server: server.url.clone(),
        ..registrar
    };
    let official = Party::new(&server.url);
    let official_key = official.json(&["official", "init"])["public_key"]
        .as_str()
        .expect("key")
        .to_owned();
    registrar.register_gov_0001(&official_key);
    assert!(!official.path().join("params").exists(), "no params copied");
    (official, server, dir)
}

/// The files of `dir`, sorted; none if it does not exist.
fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn an_official_without_params_downloads_the_keys_and_files() {
    let (official, server, _dir) = first_run();
    let filed = ok_json(official.run(&["--json", "official", "file", DECL_2025]));
    assert_eq!(filed["status"], "filed");
    assert_eq!(filed["proofs"], serde_json::json!(["net_worth_range"]));

    // Only the key the filing needed, byte for byte the service's, and the manifest; and
    // the circuit's matrices, kept for the next proof.
    let params = official.path().join("params");
    assert_eq!(files(&params), ["manifest.json", "matrices", KEY_FILE]);
    assert_eq!(
        files(&params.join("matrices")),
        ["net_worth_range-16.matrices"]
    );
    let ours = std::fs::read(params.join(KEY_FILE)).expect("the key");
    let theirs = std::fs::read(server.data_dir.join("params").join(KEY_FILE)).expect("the key");
    assert!(ours == theirs, "the service's key");
    let manifest = probity_params::Params::open(&params).expect("a manifest");
    let entry = manifest
        .entry(
            probity_core::StatementKind::NetWorthRange,
            probity_core::Capacity::C16,
        )
        .expect("the entry");
    assert_eq!(
        hex::encode(sha2::Sha256::digest(&ours)),
        entry.proving_key_sha256
    );

    // Filing again uses the keys held: nothing is downloaded twice.
    let before = std::fs::metadata(params.join(KEY_FILE))
        .and_then(|m| m.modified())
        .expect("mtime");
    let again = ok_json(official.run(&["--json", "official", "file", DECL_2025]));
    assert_eq!(again["status"], "already filed");
    assert_eq!(
        std::fs::metadata(params.join(KEY_FILE))
            .and_then(|m| m.modified())
            .expect("mtime"),
        before
    );
}

#[test]
fn a_substituted_key_is_refused_and_nothing_of_it_is_kept() {
    let (official, server, _dir) = first_run();
    // The service now serves other bytes than the key its log published.
    let served = server.data_dir.join("params").join(KEY_FILE);
    let mut bytes = std::fs::read(&served).expect("the key");
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&served, &bytes).expect("substituted");

    let all = fails(
        official.run(&["official", "file", DECL_2025]),
        2,
        "the service served a proving key for net_worth_range at capacity 16 whose SHA-256 is not the one published on the log at entry 0: it was refused and not kept",
    );
    assert!(!all.contains("setup --dev"), "{all}");
    let params = official.path().join("params");
    assert!(
        files(&params).iter().all(|f| !f.contains(".pk")),
        "no key, nor part of one, is left: {:?}",
        files(&params)
    );
}
