//! The crates keep the layering of the README's table "Who may depend on whom": every normal
//! dependency of a workspace crate on another is one the table allows. A new edge (the service
//! reaching for the prover, the verifier for the circuits, the wire formats for the client)
//! fails here, by name, until the table and this list are changed together.

use std::{
    collections::{BTreeMap, BTreeSet},
    process::Command,
};

/// Each crate and the workspace crates it may depend on (normal dependencies).
const ALLOWED: &[(&str, &[&str])] = &[
    ("probity-core", &[]),
    ("probity-credentials", &[]),
    ("probity-circuits", &["probity-core"]),
    ("probity-ledger", &["probity-core"]),
    ("probity-params", &["probity-core", "probity-circuits"]),
    ("probity-verifier", &["probity-core"]),
    (
        "probity-prover",
        &["probity-core", "probity-circuits", "probity-params"],
    ),
    ("probity-api", &["probity-core", "probity-ledger"]),
    (
        "probity-client",
        &[
            "probity-core",
            "probity-credentials",
            "probity-ledger",
            "probity-params",
            "probity-verifier",
            "probity-prover",
            "probity-api",
        ],
    ),
    ("probity-web", &["probity-core", "probity-api"]),
    (
        "probity-app",
        &[
            "probity-core",
            "probity-credentials",
            "probity-client",
            "probity-web",
        ],
    ),
    (
        "probity-service",
        &[
            "probity-core",
            "probity-credentials",
            "probity-ledger",
            "probity-params",
            "probity-verifier",
            "probity-api",
            "probity-web",
        ],
    ),
    (
        "probity",
        &[
            "probity-core",
            "probity-credentials",
            "probity-circuits",
            "probity-ledger",
            "probity-params",
            "probity-verifier",
            "probity-prover",
            "probity-api",
            "probity-client",
            "probity-service",
            "probity-web",
            "probity-app",
        ],
    ),
];

/// Crates the service must not link even through another crate (the table's "never"): the
/// local app (probity-app) is built on the client and the web pages, and what the service
/// mounts must not bring the prover, the client or the app with it.
const NEVER_IN_THE_SERVICE: &[&str] = &["probity-prover", "probity-client", "probity-app"];

/// Crates the local app must not link even through another crate: it is a party's UI over
/// the client library, never a service or its database.
const NEVER_IN_THE_APP: &[&str] = &["probity-service", "sled"];

/// Each workspace crate and the workspace crates it depends on (normal dependencies only).
fn workspace_edges() -> BTreeMap<String, BTreeSet<String>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .args([
            "metadata",
            "--offline",
            "--no-deps",
            "--format-version",
            "1",
        ])
        .arg("--manifest-path")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"))
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "`cargo metadata` failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("cargo metadata prints JSON");
    let packages = metadata["packages"].as_array().expect("a package list");
    let names: BTreeSet<&str> = packages.iter().filter_map(|p| p["name"].as_str()).collect();
    packages
        .iter()
        .map(|p| {
            let deps = p["dependencies"]
                .as_array()
                .expect("a dependency list")
                .iter()
                .filter(|d| d["kind"].is_null()) // normal, not dev or build
                .filter_map(|d| d["name"].as_str())
                .filter(|d| names.contains(d))
                .map(str::to_owned)
                .collect();
            (p["name"].as_str().expect("a name").to_owned(), deps)
        })
        .collect()
}

#[test]
fn every_crate_depends_only_on_the_layers_below_it() {
    let allowed: BTreeMap<&str, BTreeSet<&str>> = ALLOWED
        .iter()
        .map(|(c, deps)| (*c, deps.iter().copied().collect()))
        .collect();
    let mut wrong = Vec::new();
    for (krate, deps) in workspace_edges() {
        let Some(may) = allowed.get(krate.as_str()) else {
            wrong.push(format!(
                "{krate} is not in the table: add it to the README and to ALLOWED"
            ));
            continue;
        };
        for dep in deps {
            if !may.contains(dep.as_str()) {
                wrong.push(format!(
                    "{krate} depends on {dep}, which the table does not allow"
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Every package `krate` links (normal dependencies, through any crate).
fn linked(krate: &str) -> BTreeSet<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .args(["tree", "--offline", "-p", krate, "-e", "normal"])
        .args(["--prefix", "none", "--format", "{p}", "--manifest-path"])
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"))
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "`cargo tree` failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let tree = String::from_utf8(output.stdout).expect("cargo tree prints text");
    let linked: BTreeSet<String> = tree
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_owned)
        .collect();
    assert!(
        linked.contains("probity-core"),
        "`cargo tree` did not list {krate}'s dependencies:\n{tree}"
    );
    linked
}

/// Asserts that `krate` links none of `never`.
fn assert_links_none(krate: &str, never: &[&str]) {
    let linked = linked(krate);
    let wrong: Vec<&str> = never
        .iter()
        .copied()
        .filter(|c| linked.contains(*c))
        .collect();
    assert!(
        wrong.is_empty(),
        "{krate} links {}: find what brings them in with `cargo tree -p {krate} -e normal -i <crate>`",
        wrong.join(", ")
    );
}

#[test]
fn the_service_links_neither_the_prover_nor_the_client_through_another_crate() {
    assert!(linked("probity-service").contains("probity-verifier"));
    assert_links_none("probity-service", NEVER_IN_THE_SERVICE);
}

#[test]
fn the_app_links_neither_the_service_nor_a_database() {
    assert!(linked("probity-app").contains("probity-client"));
    assert_links_none("probity-app", NEVER_IN_THE_APP);
}
