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
    (
        "probity-web",
        &["probity-core", "probity-api", "probity-client"],
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
        ],
    ),
];

/// Crates the service must not link even through another crate (the table's "never"): the
/// web pages may use the client for the local app, but what the service mounts must not
/// bring the prover or the client with it.
const NEVER_IN_THE_SERVICE: &[&str] = &["probity-prover", "probity-client"];

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

#[test]
fn the_service_links_neither_the_prover_nor_the_client_through_another_crate() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .args(["tree", "--offline", "-p", "probity-service", "-e", "normal"])
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
    let linked: BTreeSet<&str> = tree
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .collect();
    assert!(
        linked.contains("probity-verifier"),
        "`cargo tree` did not list the service's dependencies:\n{tree}"
    );
    let wrong: Vec<&str> = NEVER_IN_THE_SERVICE
        .iter()
        .copied()
        .filter(|c| linked.contains(c))
        .collect();
    assert!(
        wrong.is_empty(),
        "probity-service links {}: find what brings them in with `cargo tree -p probity-service -e normal -i <crate>`",
        wrong.join(", ")
    );
}
