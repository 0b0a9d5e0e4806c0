//! The binary on a real local chain (anvil, from `npm ci`): `probity chain deploy`, then
//! `probity serve --anchor evm` anchors what officials file, and `probity supervisor verify
//! --chain` holds a proof against both the ledger and the chain. While the chain is down,
//! filings are still acknowledged; they wait, across a `kill -9` of the service, and are
//! anchored once the chain is back.
//!
//! Run with `cargo test --features evm --test chain`.
#![cfg(feature = "evm")]

mod common;

use std::time::{Duration, Instant};

use common::{
    chain_tools::{Anvil, OPERATOR_KEY},
    fails, ok,
    party::Party,
    server::{copy_params16, params16, Server},
};
use probity_core::{Commitment, OfficialId};
use probity_service::chain::Chain;

const DECL_2025: &str = "examples/gov-0001-2025.toml";
const DECL_2026: &str = "examples/gov-0001-2026.toml";

/// The commitment the chain holds for GOV-0001 in `period`, or `None` if the chain cannot be
/// read.
fn on_chain(rpc: &str, registry: &str, period: u32) -> Option<[u8; 32]> {
    let registry = Chain::read_only(rpc)
        .expect("a URL")
        .registry(registry.parse().expect("an address"));
    let tag = OfficialId::new("GOV-0001").expect("id").tag().0;
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(registry.commitment_of(&tag, period))
        .ok()
}

/// Waits until the chain holds `commitment` for GOV-0001 in `period`.
fn wait_anchored(rpc: &str, registry: &str, period: u32, commitment: &serde_json::Value) {
    let commitment: Commitment = serde_json::from_value(commitment.clone()).expect("a commitment");
    let want = probity_verifier::evm_word(&commitment.0);
    let start = Instant::now();
    while on_chain(rpc, registry, period) != Some(want) {
        assert!(
            start.elapsed() < Duration::from_secs(90),
            "the {period} filing was not anchored within 90 s"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// A metric of the service (a gauge, or a counter's `_total`).
fn metric(server: &Server, name: &str) -> u64 {
    let text = probity_client::Client::new(&server.url)
        .get_bytes("/metrics")
        .expect("metrics");
    let prefix = format!("{name} ");
    String::from_utf8(text)
        .expect("UTF-8")
        .lines()
        .find_map(|l| l.strip_prefix(&prefix).map(str::to_owned))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no metric {name}"))
}

/// Ledger entries not yet on the chain.
fn pending(server: &Server) -> u64 {
    metric(server, "probity_anchor_pending_entries")
}

#[test]
fn filings_are_anchored_and_wait_for_a_chain_that_is_down() {
    let state = tempfile::tempdir().expect("temp dir");
    let mut anvil = Anvil::start_with(Some(&state.path().join("chain.json")));
    let rpc = anvil.url.clone();

    // The operator deploys the contracts with its key.
    let server_dir = tempfile::tempdir().expect("temp dir");
    let key_file = server_dir.path().join("chain.key");
    std::fs::write(&key_file, OPERATOR_KEY).expect("write");
    let operator = Party::new("http://127.0.0.1:9");
    let params = params16().join("params");
    let deploy = |operator: &Party| {
        operator.json(&[
            "chain",
            "deploy",
            "--rpc",
            &rpc,
            "--key",
            key_file.to_str().expect("UTF-8"),
            "--params",
            params.to_str().expect("UTF-8"),
        ])
    };
    let deployed = deploy(&operator);
    let registry = deployed["registry"].as_str().expect("address").to_owned();
    assert_eq!(
        deployed["verifiers"].as_array().map(Vec::len),
        Some(4),
        "a verifier per statement at capacity 16: {deployed}"
    );
    // A second, empty registry, to show a check against the wrong chain state fails.
    let empty = deploy(&operator)["registry"]
        .as_str()
        .expect("address")
        .to_owned();

    // The service anchors to the first.
    let registrar = Party::new("http://127.0.0.1:9");
    let registrar_key = registrar.json(&["admin", "init"])["public_key"]
        .as_str()
        .expect("key")
        .to_owned();
    let env = [("PROBITY_REGISTRAR_KEY", registrar_key.as_str())];
    let anchor_args = [
        "--anchor",
        "evm",
        "--rpc",
        rpc.as_str(),
        "--registry",
        registry.as_str(),
        "--anchor-interval",
        "1",
    ];
    let server = Server::start_with(server_dir.path(), &env, &anchor_args);
    let registrar = Party {
        server: server.url.clone(),
        ..registrar
    };
    let official = Party::new(&server.url);
    let supervisor = Party::new(&server.url);
    copy_params16(official.path());
    let official_key = official.json(&["official", "init"])["public_key"]
        .as_str()
        .expect("key")
        .to_owned();
    registrar.register_gov_0001(&official_key);

    // Filed, then anchored.
    let filed = official.json(&["official", "file", DECL_2025]);
    wait_anchored(&rpc, &registry, 2025, &filed["commitment"]);

    // A proof of the filing verifies here, against the ledger and against the chain.
    let proof = official.path().join("band-2025.json");
    let proof = proof.to_str().expect("UTF-8");
    ok(official.run(&[
        "official",
        "prove",
        "net-worth-range",
        DECL_2025,
        "--lo",
        "0",
        "--hi",
        "100000000000000",
        "--out",
        proof,
    ]));
    let params_dir = params.to_str().expect("UTF-8");
    let verify = |supervisor: &Party, registry: &str| {
        supervisor.run(&[
            "supervisor",
            "verify",
            proof,
            "--params",
            params_dir,
            "--chain",
            &rpc,
            "--registry",
            registry,
        ])
    };
    // The anchored checkpoint may trail the filing by a round: wait for it too.
    let verified = |supervisor: &Party| {
        let start = Instant::now();
        loop {
            let out = verify(supervisor, &registry);
            if out.status.success() || start.elapsed() > Duration::from_secs(60) {
                break ok(out);
            }
            std::thread::sleep(Duration::from_millis(500));
        }
    };
    let text = verified(&supervisor);
    assert!(text.starts_with("VALID"), "{text}");
    assert!(text.contains("verifier 0x"), "{text}");
    assert!(
        text.contains("anchored checkpoint: the log's own root"),
        "{text}"
    );
    // Against a registry that holds nothing, the same proof is not verified.
    let refused = fails(
        verify(&supervisor, &empty),
        1,
        "the chain holds no commitment for GOV-0001 2025",
    );
    assert!(refused.starts_with("NOT VERIFIED"), "{refused}");

    // The chain goes down. Filing still works: the ledger acknowledges it.
    anvil.stop();
    let filed_2026 = official.json(&["official", "file", DECL_2026, "--prev", DECL_2025]);
    assert_eq!(filed_2026["status"], "filed", "{filed_2026}");
    assert!(
        on_chain(&rpc, &registry, 2026).is_none(),
        "the chain is down"
    );
    // The service is killed while the filing waits, and comes back with the chain still down:
    // the filing is still waiting, not lost.
    server.kill9();
    let server = Server::start_with(server_dir.path(), &env, &anchor_args);
    let start = Instant::now();
    while pending(&server) == 0 {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the restarted service reports the filings waiting for the chain"
        );
        std::thread::sleep(Duration::from_millis(200));
    }

    // The chain comes back (with its state): the waiting filing is anchored.
    anvil.resume();
    wait_anchored(&rpc, &registry, 2026, &filed_2026["commitment"]);
    let start = Instant::now();
    while pending(&server) != 0 {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "everything on the ledger is anchored"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    // The 2025 filing is as it was, and the chain's checkpoint is again the log's own.
    wait_anchored(&rpc, &registry, 2025, &filed["commitment"]);
    let supervisor = Party {
        server: server.url.clone(),
        ..supervisor
    };
    let text = verified(&supervisor);
    assert!(text.starts_with("VALID"), "{text}");

    // The chain is reset, and the registry deployed again at the same address (with the
    // service stopped, as the operator's key deploys): the service sees that the registry no
    // longer holds what it anchored, and anchors everything again.
    server.stop();
    anvil.stop();
    std::fs::remove_file(state.path().join("chain.json")).expect("the chain's state");
    anvil.resume();
    assert!(
        on_chain(&rpc, &registry, 2025).is_none(),
        "nothing is deployed"
    );
    assert_eq!(
        deploy(&operator)["registry"].as_str(),
        Some(registry.as_str()),
        "the same key deploys at the same address"
    );
    let server = Server::start_with(server_dir.path(), &env, &anchor_args);
    let supervisor = Party {
        server: server.url.clone(),
        ..supervisor
    };
    wait_anchored(&rpc, &registry, 2025, &filed["commitment"]);
    wait_anchored(&rpc, &registry, 2026, &filed_2026["commitment"]);
    let text = verified(&supervisor);
    assert!(text.starts_with("VALID"), "{text}");
    server.stop();

    // With a key that is not the registry's operator, the service still serves and logs, but
    // anchors nothing: every round fails, and what waits keeps waiting.
    let other_key = server_dir.path().join("other.key");
    std::fs::write(&other_key, common::chain_tools::OTHER_KEY).expect("write");
    let mut args = anchor_args.to_vec();
    args.extend(["--chain-key", other_key.to_str().expect("UTF-8")]);
    let server = Server::start_with(server_dir.path(), &env, &args);
    let registrar = Party {
        server: server.url.clone(),
        ..registrar
    };
    let auditor_key = Party::new(&server.url).json(&["supervisor", "init"])["public_key"]
        .as_str()
        .expect("key")
        .to_owned();
    ok(registrar.run(&[
        "admin",
        "register-supervisor",
        "--id",
        "AUDIT-2",
        "--public-key",
        &auditor_key,
    ]));
    let start = Instant::now();
    while metric(&server, "probity_anchor_failed_rounds_total") < 2 {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "rounds with the wrong key fail"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(pending(&server) > 0, "the registration waits");
    server.stop();

    // Mistakes in the anchoring flags stop the service before it starts, saying why.
    let serve = |args: &[&str]| {
        common::server::probity()
            .arg("--data-dir")
            .arg(server_dir.path())
            .args([
                "serve",
                "--dev",
                "--listen",
                "127.0.0.1:0",
                "--anchor",
                "evm",
            ])
            .args(args)
            .output()
            .expect("runs")
    };
    fails(serve(&["--rpc", &rpc]), 2, "--registry");
    fails(
        serve(&["--rpc", &rpc, "--registry", "0x1234"]),
        2,
        "is not a contract address",
    );
    fails(
        serve(&["--rpc", "not a url", "--registry", &registry]),
        2,
        "is not a URL",
    );
    fails(
        serve(&[
            "--rpc",
            &rpc,
            "--registry",
            &registry,
            "--chain-key",
            "/nonexistent/chain.key",
        ]),
        2,
        "cannot read the chain key",
    );
    // And on a first start, they leave the folder unmade.
    let fresh = server_dir.path().join("fresh");
    let out = common::server::probity()
        .arg("--data-dir")
        .arg(&fresh)
        .args([
            "serve",
            "--dev",
            "--anchor",
            "evm",
            "--rpc",
            &rpc,
            "--registry",
            "0x1234",
        ])
        .output()
        .expect("runs");
    fails(out, 2, "cannot read the chain key");
    assert!(!fresh.exists(), "nothing was made");
}
