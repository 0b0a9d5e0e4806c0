//! The client library links no part of the server: its normal dependency tree (what a program
//! using it builds, without dev- or build-dependencies) holds no web framework, no HTTP server,
//! no database and no async runtime. A dependency that brings one in fails here, by name.

use std::process::Command;

/// Crates of the server side, and why the client must not link them.
const FORBIDDEN: &[(&str, &str)] = &[
    ("axum", "the service's web framework"),
    ("axum-core", "the service's web framework"),
    ("tower-http", "the service's HTTP middleware"),
    (
        "hyper",
        "an HTTP server stack (the client is blocking, on ureq)",
    ),
    (
        "sled",
        "the service's database (depend on probity-ledger without `storage`)",
    ),
    ("tokio", "an async runtime (the client is blocking)"),
];

#[test]
fn the_client_links_no_server_crate() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");
    let output = Command::new(&cargo)
        .args([
            "tree",
            "--offline",
            "--manifest-path",
            manifest,
            "-p",
            "probity-client",
            "-e",
            "normal",
            "--prefix",
            "none",
            "--format",
            "{p}",
        ])
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "`cargo tree` failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let tree = String::from_utf8(output.stdout).expect("cargo tree prints text");
    let crates: Vec<&str> = tree
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .collect();
    assert!(
        crates.contains(&"probity-client") && crates.contains(&"probity-ledger"),
        "`cargo tree` did not list the client's dependencies:\n{tree}"
    );
    let linked: Vec<String> = FORBIDDEN
        .iter()
        .filter(|(name, _)| crates.contains(name))
        .map(|(name, why)| format!("{name} ({why})"))
        .collect();
    assert!(
        linked.is_empty(),
        "probity-client links server crates: {}. Find what brings them in with `cargo tree -p probity-client -e normal -i <crate>`",
        linked.join(", ")
    );
}
