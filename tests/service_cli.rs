//! The `probity` binary against a real `probity serve` child process, every party with its
//! own data folder, as each would use it: the registrar registers, officials file with
//! proofs and answer challenges, a whistleblower enrolls and tips, supervisors verify, read
//! tips, reply and audit. And the mistakes: an undeclared asset, a log that is not the one
//! pinned, commands run before their key exists.

mod common;

use std::path::{Path, PathBuf};

use common::{
    fails, ok, ok_json,
    party::Party,
    proxy::Proxy,
    server::{copy_params16, probity, Server},
};

const DECL_2025: &str = "examples/gov-0001-2025.toml";
const DECL_2026: &str = "examples/gov-0001-2026.toml";
const UNEXPLAINED_2026: &str = "examples/gov-0001-2026-unexplained.toml";
/// An asset of both example declarations.
const PARKING_SPACE: &str = "浙(2021)杭州市不动产权第0456789号";

/// An example declaration rewritten for another official, in `dir`.
fn declaration_as(dir: &Path, example: &str, official: &str) -> PathBuf {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(example))
        .expect("example")
        .replace(
            "official = \"GOV-0001\"",
            &format!("official = \"{official}\""),
        );
    let path = dir.join(
        Path::new(example)
            .file_name()
            .expect("a file name")
            .to_str()
            .expect("UTF-8")
            .replace("gov-0001", &official.to_lowercase()),
    );
    std::fs::write(&path, text).expect("write");
    path
}

fn str_of<'a>(v: &'a serde_json::Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("`{key}` is a string in {v}"))
}

#[test]
fn the_whole_story_through_the_binary() {
    // REGISTRAR: the key exists before the service does.
    let registrar = Party::new("http://127.0.0.1:9");
    let init = registrar.json(&["admin", "init"]);
    let registrar_key = str_of(&init, "public_key").to_owned();
    assert_eq!(
        std::fs::read_to_string(registrar.path().join("registrar.pub"))
            .expect("registrar.pub")
            .trim(),
        registrar_key
    );
    fails(registrar.run(&["admin", "init"]), 2, "already exists");

    let server_dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start(
        server_dir.path(),
        &[("PROBITY_REGISTRAR_KEY", registrar_key.as_str())],
    );
    let registrar = Party {
        server: server.url.clone(),
        ..registrar
    };
    let official = Party::new(&server.url);
    let supervisor = Party::new(&server.url);
    let whistleblower = Party::new(&server.url);

    // OFFICIAL and SUPERVISOR make their keys; the REGISTRAR registers them.
    copy_params16(official.path());
    let official_key = official.json(&["official", "init"])["public_key"]
        .as_str()
        .expect("key")
        .to_owned();
    assert!(official.path().join("wallet.probity").exists());
    // Running init again changes nothing and names the key to give the registrar.
    fails(official.run(&["official", "init"]), 2, &official_key);
    let supervisor_key = supervisor.json(&["supervisor", "init"])["public_key"]
        .as_str()
        .expect("key")
        .to_owned();
    let registered = registrar.register_gov_0001(&official_key);
    assert_eq!(registered["entries"].as_array().map(Vec::len), Some(1));
    ok(registrar.run(&[
        "admin",
        "register-supervisor",
        "--id",
        "AUDIT-1",
        "--public-key",
        &supervisor_key,
    ]));
    let deadline = registrar.json(&[
        "admin",
        "set-deadline",
        "--period",
        "2026",
        "--date",
        "2099-12-31",
    ]);
    assert_eq!(deadline["deadline"], 4_102_444_799_999u64);
    assert!(
        registrar
            .path()
            .join("receipts")
            .read_dir()
            .expect("receipts")
            .count()
            >= 3
    );

    // OFFICIAL: the first filing carries a band proof only.
    let filed = official.json(&["official", "file", DECL_2025]);
    assert_eq!(filed["wealth_growth"], "not needed");
    assert_eq!(filed["proofs"], serde_json::json!(["net_worth_range"]));
    assert_eq!(filed["alerts"], serde_json::json!([]));
    // Filing the same declaration again sends nothing.
    assert_eq!(
        official.json(&["official", "file", DECL_2025])["status"],
        "already filed"
    );
    // The second needs the first for wealth_growth, and says so.
    fails(official.run(&["official", "file", DECL_2026]), 2, "--prev");
    let out = official.run(&["--json", "official", "file", DECL_2026, "--prev", DECL_2025]);
    // No amount is printed: the output names the public band, never the net worth
    // (3,370,000.00 yuan) or the growth.
    let all = format!("{}{}", common::stdout(&out), common::stderr(&out));
    assert!(
        !all.contains("337000000") && !all.contains("3,370,000"),
        "{all}"
    );
    let filed = ok_json(out);
    assert_eq!(filed["wealth_growth"], "proved");
    assert_eq!(
        filed["proofs"],
        serde_json::json!(["net_worth_range", "wealth_growth"])
    );
    assert_eq!(filed["alerts"], serde_json::json!([]));
    let text = ok(official.run(&["official", "file", DECL_2026]));
    assert!(text.contains("Already filed"), "{text}");

    // SUPERVISOR re-verifies everything against the ledger.
    let verified = supervisor.json(&["supervisor", "verify", "--official", "GOV-0001"]);
    assert_eq!(verified["verified"], true, "{verified}");
    assert_eq!(verified["proofs"].as_array().map(Vec::len), Some(3));
    assert_eq!(verified["filings"].as_array().map(Vec::len), Some(2));
    let only_2025 = supervisor.json(&[
        "supervisor",
        "verify",
        "--official",
        "GOV-0001",
        "--period",
        "2025",
    ]);
    assert_eq!(only_2025["verified"], true);
    // The wealth_growth proof names both periods.
    assert_eq!(only_2025["proofs"].as_array().map(Vec::len), Some(2));
    assert!(supervisor.path().join("log.vkey").exists());
    assert!(supervisor.path().join("checkpoint").exists());

    // SUPERVISOR challenges a registry asset; the OFFICIAL finds and answers it.
    let challenge = supervisor.json(&[
        "supervisor",
        "challenge",
        "--official",
        "GOV-0001",
        "--asset-id",
        PARKING_SPACE,
        "--min-value",
        "20000000",
        "--due",
        "2099-01-01",
    ]);
    let id = str_of(&challenge, "challenge").to_owned();
    assert_eq!(challenge["period"], 2026);
    let listed = ok(official.run(&["official", "challenges", "--decl", DECL_2026]));
    assert!(
        listed.contains(&id) && listed.contains("item 2"),
        "{listed}"
    );
    assert!(listed.contains("open"), "{listed}");
    let answered = official.json(&["official", "respond", "--challenge", &id, DECL_2026]);
    assert_eq!(answered["item"], 2);
    fails(
        official.run(&["official", "respond", "--challenge", &id, DECL_2026]),
        2,
        "answered",
    );
    let seen = supervisor.json(&["supervisor", "challenges"]);
    assert_eq!(seen[0]["status"], "answered");
    // The answer is re-verified with the id_hash, min_value and proof the ledger withholds,
    // and matches the ask.
    let verified = supervisor.json(&["supervisor", "verify", "--official", "GOV-0001"]);
    assert_eq!(verified["verified"], true, "{verified}");
    assert_eq!(verified["proofs"].as_array().map(Vec::len), Some(4));
    assert_eq!(verified["challenges"][0]["ok"], true);

    // WHISTLEBLOWER: one code, one credential, one tip.
    let codes = registrar.json(&[
        "admin",
        "enrollment-codes",
        "--count",
        "1",
        "--scope",
        "CN-ZJ-HZ",
    ]);
    let code = codes["codes"][0].as_str().expect("a code").to_owned();
    let enrolled = whistleblower.json(&["whistleblower", "enroll", "--code", &code]);
    assert_eq!(enrolled["scope"], "CN-ZJ-HZ");
    let credential = whistleblower.path().join("whistleblower/credential");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&credential)
            .expect("credential")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    fails(
        whistleblower.run(&["whistleblower", "enroll", "--code", &code]),
        2,
        "already enrolled",
    );
    let message = whistleblower.path().join("tip.txt");
    std::fs::write(&message, "An undeclared flat in Ningbo, bought in 2025.").expect("write");
    let evidence = whistleblower.path().join("deed.pdf");
    std::fs::write(&evidence, b"%PDF-1.4 a scanned deed").expect("write");
    let message = message.to_str().expect("UTF-8");
    let tip = whistleblower.json(&[
        "whistleblower",
        "tip",
        "--subject",
        "GOV-0001",
        "--message",
        message,
        "--attach",
        evidence.to_str().expect("UTF-8"),
    ]);
    let receipt_code = str_of(&tip, "receipt_code").to_owned();
    let tip_entry = tip["entry"].as_u64().expect("entry");
    assert!(Path::new(str_of(&tip, "receipt_file")).exists());
    // The same credential, official and epoch: refused, follow up with the receipt.
    fails(
        whistleblower.run(&[
            "whistleblower",
            "tip",
            "--subject",
            "GOV-0001",
            "--message",
            message,
        ]),
        2,
        "already sent a tip",
    );

    // SUPERVISOR reads the tip (checked against its ledger entry), replies and closes it.
    let tip_key = server_dir.path().join("supervisor-tip.key");
    let saved = supervisor.path().join("attachments");
    let tips = ok(supervisor.run(&[
        "supervisor",
        "tips",
        "--tip-key",
        tip_key.to_str().expect("UTF-8"),
        "--save-attachments",
        saved.to_str().expect("UTF-8"),
    ]));
    assert!(tips.contains("An undeclared flat in Ningbo"), "{tips}");
    assert!(tips.contains("deed.pdf (application/pdf"), "{tips}");
    assert_eq!(
        std::fs::read(saved.join(format!("tip-{tip_entry}/deed.pdf"))).expect("saved"),
        b"%PDF-1.4 a scanned deed"
    );
    let replied = supervisor.json(&[
        "supervisor",
        "reply",
        "--tip",
        &tip_entry.to_string(),
        "--message",
        "Thank you; we are looking into it.",
        "--close",
    ]);
    assert_eq!(replied["closed"], true);

    // WHISTLEBLOWER reads the reply with the receipt code.
    let status = whistleblower.json(&["whistleblower", "status", "--receipt", &receipt_code]);
    assert_eq!(status["status"], "closed");
    assert_eq!(
        status["replies"][0]["message"],
        "Thank you; we are looking into it."
    );

    // SUPERVISOR: no alert for an honest official; the log audits in full.
    let alerts = supervisor.json(&["supervisor", "alerts"]);
    assert_eq!(alerts, serde_json::json!([]));
    let audit = supervisor.json(&["supervisor", "audit", "--full"]);
    assert_eq!(audit["verified"], true, "{audit}");
    assert!(
        audit["counts"]["ProofAccepted"].as_u64() >= Some(4),
        "{audit}"
    );
    let again = supervisor.json(&["supervisor", "audit"]);
    assert_eq!(again["previous_size"], audit["size"]);
    server.stop();
}

#[test]
fn mistakes_are_refused_with_what_to_do() {
    // Commands before their keys exist say which `init` to run; nothing is contacted.
    let nobody = Party::new("http://127.0.0.1:9");
    fails(
        nobody.run(&[
            "admin",
            "register-supervisor",
            "--id",
            "AUDIT-1",
            "--public-key",
            &"11".repeat(32),
        ]),
        2,
        "probity admin init",
    );
    fails(
        nobody.run(&[
            "admin",
            "set-deadline",
            "--period",
            "2026",
            "--date",
            "2026-06-30",
        ]),
        2,
        "probity admin init",
    );
    fails(
        nobody.run(&["supervisor", "alerts"]),
        2,
        "probity supervisor init",
    );
    fails(
        nobody.run(&["official", "challenges"]),
        2,
        "probity official init",
    );
    fails(
        nobody.run(&[
            "whistleblower",
            "tip",
            "--subject",
            "GOV-0002",
            "--message",
            "x",
        ]),
        2,
        "enroll first",
    );
    fails(
        nobody.run(&[
            "admin",
            "set-deadline",
            "--period",
            "2026",
            "--date",
            "June",
        ]),
        2,
        "YYYY-MM-DD",
    );

    // The operator runs `admin init` in the service's own folder: `probity serve` picks up
    // registrar.pub from there.
    let operator = Party::new("http://127.0.0.1:9");
    operator.json(&["admin", "init"]);
    let server = Server::start(operator.path(), &[]);
    let operator = Party {
        server: server.url.clone(),
        ..operator
    };
    let official = Party::new(&server.url);
    let supervisor = Party::new(&server.url);
    copy_params16(official.path());
    let official_key = official.json(&["official", "init"])["public_key"]
        .as_str()
        .expect("key")
        .to_owned();
    let supervisor_key = supervisor.json(&["supervisor", "init"])["public_key"]
        .as_str()
        .expect("key")
        .to_owned();
    let d2025 = declaration_as(official.path(), DECL_2025, "GOV-0002");
    let d2026 = declaration_as(official.path(), UNEXPLAINED_2026, "GOV-0002");
    let (d2025, d2026) = (
        d2025.to_str().expect("UTF-8"),
        d2026.to_str().expect("UTF-8"),
    );
    // Filing before being registered: the key must go to the registrar first.
    fails(
        official.run(&["official", "file", d2025]),
        2,
        "give the public key",
    );
    // A registrar key the service does not know is refused.
    ok(supervisor.run(&["admin", "init"]));
    ok(operator.run(&[
        "admin",
        "register-official",
        "--id",
        "GOV-0002",
        "--name",
        "Official Two",
        "--position",
        "Deputy head",
        "--jurisdiction",
        "CN-ZJ-NB",
        "--public-key",
        &official_key,
    ]));
    fails(
        supervisor.run(&[
            "admin",
            "register-supervisor",
            "--id",
            "AUDIT-2",
            "--public-key",
            &supervisor_key,
        ]),
        2,
        "not registered",
    );
    ok(operator.run(&[
        "admin",
        "register-supervisor",
        "--id",
        "AUDIT-2",
        "--public-key",
        &supervisor_key,
    ]));

    // Growth that income does not explain: said plainly, filed without, alert raised.
    official.json(&["official", "file", d2025]);
    let out = official.run(&["--json", "official", "file", d2026, "--prev", d2025]);
    let err = common::stderr(&out);
    let filed = ok_json(out);
    assert!(err.contains("wealth_growth does NOT hold"), "{err}");
    assert_eq!(filed["wealth_growth"], "does not hold");
    assert_eq!(
        filed["alerts"],
        serde_json::json!(["wealth_growth_missing"])
    );
    let alerts = supervisor.json(&["supervisor", "alerts"]);
    assert_eq!(alerts[0]["rule"], "wealth_growth_missing");
    // Everything filed still verifies; the missing proof is a note, not a failure.
    let verified = supervisor.json(&["supervisor", "verify", "--official", "GOV-0002"]);
    assert_eq!(verified["verified"], true, "{verified}");
    assert!(
        verified["warnings"]
            .to_string()
            .contains("no wealth_growth proof"),
        "{verified}"
    );

    // An asset the official did not declare cannot be proved included.
    let challenge = supervisor.json(&[
        "supervisor",
        "challenge",
        "--official",
        "GOV-0002",
        "--asset-id",
        "浙(2024)宁波市不动产权第0999999号",
        "--min-value",
        "1",
        "--due",
        "2099-01-01T00:00:00Z",
    ]);
    let id = str_of(&challenge, "challenge").to_owned();
    let listed = ok(official.run(&["official", "challenges", "--decl", d2026]));
    assert!(listed.contains("not declared"), "{listed}");
    fails(
        official.run(&["official", "respond", "--challenge", &id, d2026]),
        2,
        "that asset is not declared",
    );
    // A declared asset asked at more than its declared value cannot be either.
    let challenge = supervisor.json(&[
        "supervisor",
        "challenge",
        "--official",
        "GOV-0002",
        "--asset-id",
        PARKING_SPACE,
        "--min-value",
        "999999999999",
        "--due",
        "2099-01-01",
    ]);
    fails(
        official.run(&[
            "official",
            "respond",
            "--challenge",
            str_of(&challenge, "challenge"),
            d2026,
        ]),
        2,
        "below the least",
    );

    // A log other than the one pinned: verify and audit refuse it with exit code 1.
    let other = tempfile::tempdir().expect("temp dir");
    let keygen = ok_json(
        probity()
            .arg("--json")
            .args(["ledger", "keygen", "--name", "probity.local/log", "--out"])
            .arg(other.path().join("log.key"))
            .output()
            .expect("runs"),
    );
    std::fs::write(
        supervisor.path().join("log.vkey"),
        str_of(&keygen, "verifier_key"),
    )
    .expect("write");
    fails(
        supervisor.run(&["supervisor", "verify", "--official", "GOV-0002"]),
        1,
        "differs from the one pinned",
    );
    fails(
        supervisor.run(&["supervisor", "audit"]),
        1,
        "differs from the one pinned",
    );
    server.stop();
}

/// The supervisors make their tip key pair themselves; a service given only the public half
/// never holds a key that opens tips, and a bad key stops it from starting.
#[test]
fn supervisors_make_the_tip_key_and_the_service_never_holds_it() {
    let supervisors = Party::new("http://127.0.0.1:9");
    let made = supervisors.json(&["supervisor", "tip-keygen"]);
    let public = str_of(&made, "tip_public_key").to_owned();
    let key_file = supervisors.path().join("supervisor-tip.key");
    assert!(key_file.exists());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file)
            .expect("key file")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "the secret half is private");
    }
    let before = std::fs::read(&key_file).expect("key");
    fails(
        supervisors.run(&["supervisor", "tip-keygen"]),
        2,
        "already holds a tip key",
    );
    assert_eq!(
        std::fs::read(&key_file).expect("key"),
        before,
        "not overwritten"
    );

    let data = tempfile::tempdir().expect("temp dir");
    let server = Server::start(data.path(), &[("PROBITY_TIP_PUBLIC_KEY", &public)]);
    let info: probity_service::api::ServiceInfo = probity_client::Client::new(&server.url)
        .get("/v1/info")
        .expect("info");
    assert_eq!(
        info.tip_key, public,
        "the service seals tips to the supervisors' key"
    );
    assert_eq!(
        server.log_key, info.log_key,
        "`probity serve` prints the log key for the operator to publish"
    );
    assert!(
        !data.path().join("supervisor-tip.key").exists(),
        "the service made no secret tip key"
    );
    server.stop();

    let other = tempfile::tempdir().expect("temp dir");
    copy_params16(other.path());
    let refused = probity()
        .arg("--data-dir")
        .arg(other.path())
        .args(["serve", "--dev", "--listen", "127.0.0.1:0"])
        .env("PROBITY_CAPACITIES", "16")
        .env("PROBITY_TIP_PUBLIC_KEY", "not a key")
        .output()
        .expect("the binary runs");
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("tip_public_key"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
}

/// Every file under `dir`, with its bytes.
fn folder(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let mut todo = vec![dir.to_owned()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).expect("read dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                todo.push(path);
            } else {
                files.push((path.clone(), std::fs::read(&path).expect("read")));
            }
        }
    }
    files.sort();
    files
}

/// Whoever made dev keys can forge proofs: `probity serve` runs on them, or makes them, only
/// with `--dev`. Without it, it exits saying what to do and leaves the data folder as it was.
#[test]
fn serve_runs_on_dev_keys_only_with_dev() {
    let root = tempfile::tempdir().expect("temp dir");
    let serve = |dir: &Path| {
        probity()
            .arg("--data-dir")
            .arg(dir)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .env("PROBITY_CAPACITIES", "16")
            .output()
            .expect("the binary runs")
    };

    // A first start, which would have made dev keys: nothing is made.
    let fresh = root.path().join("fresh");
    let all = fails(serve(&fresh), 2, "--dev");
    assert!(
        all.contains("can forge proofs") && all.contains("probity ceremony"),
        "{all}"
    );
    assert!(!fresh.exists(), "nothing was made: {all}");

    // Dev keys from `probity setup --dev`: refused, the folder unchanged.
    let dev = root.path().join("dev");
    copy_params16(&dev);
    let before = folder(&dev);
    let all = fails(serve(&dev), 2, "are development keys");
    assert!(all.contains("--dev"), "{all}");
    assert_eq!(folder(&dev), before, "nothing was made or changed");

    // With --dev it runs on them, and says so.
    let server = Server::start(&dev, &[]);
    let info: probity_service::api::ServiceInfo = probity_client::Client::new(&server.url)
        .get("/v1/info")
        .expect("info");
    assert_eq!(info.keys, probity_service::api::KeySetup::Dev);
    server.stop();
}

#[test]
fn a_challenge_on_an_asset_id_of_only_white_space_is_refused_before_sending() {
    // Nothing listens on port 9: had the command sent anything, it would fail to connect.
    let supervisor = Party::new("http://127.0.0.1:9");
    ok(supervisor.run(&["supervisor", "init"]));
    // Each normalizes to nothing (DESIGN.md §4): id_hash 0, "no identifier".
    for blank in ["", "   ", "\u{3000}\t\u{a0}\u{2028}"] {
        let all = fails(
            supervisor.run(&[
                "supervisor",
                "challenge",
                "--official",
                "GOV-0001",
                "--asset-id",
                blank,
                "--min-value",
                "1",
                "--due",
                "2099-01-01",
            ]),
            2,
            "no identifier",
        );
        assert!(all.contains("nothing was sent"), "{all}");
        assert!(!all.contains("127.0.0.1:9"), "nothing is contacted: {all}");
    }
}

/// A REGISTRAR, a server that knows its key, and GOV-0001 registered in CN-ZJ-HZ; the server's
/// data folder last.
fn server_with_gov_0001() -> (Party, Server, tempfile::TempDir) {
    let (registrar, server, dir) = server_with_registrar();
    let official = ed25519_dalek::SigningKey::generate(&mut rand::rngs::OsRng);
    registrar.register_gov_0001(&hex::encode(official.verifying_key().as_bytes()));
    (registrar, server, dir)
}

/// A REGISTRAR and a server that knows its key; the server's data folder last.
fn server_with_registrar() -> (Party, Server, tempfile::TempDir) {
    let registrar = Party::new("http://127.0.0.1:9");
    let key = str_of(&registrar.json(&["admin", "init"]), "public_key").to_owned();
    let dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start(dir.path(), &[("PROBITY_REGISTRAR_KEY", key.as_str())]);
    let registrar = Party {
        server: server.url.clone(),
        ..registrar
    };
    (registrar, server, dir)
}

/// One enrollment code for CN-ZJ-HZ.
fn enrollment_code(registrar: &Party) -> String {
    let codes = registrar.json(&[
        "admin",
        "enrollment-codes",
        "--count",
        "1",
        "--scope",
        "CN-ZJ-HZ",
    ]);
    codes["codes"][0].as_str().expect("a code").to_owned()
}

/// No request of the whistleblower's client names the official a tip is about, outside the
/// sealed, presented tip: a reverse proxy's access log would otherwise tie the subject to the
/// sender's address and the time.
#[test]
fn whistleblower_requests_never_name_the_subject_in_a_url() {
    let (registrar, server, _dir) = server_with_gov_0001();
    let proxy = Proxy::start(&server.url);
    // WHISTLEBLOWER, behind the proxy.
    let whistleblower = Party::new(&proxy.url);
    whistleblower.json(&[
        "whistleblower",
        "enroll",
        "--code",
        &enrollment_code(&registrar),
    ]);
    let message = whistleblower.path().join("tip.txt");
    std::fs::write(&message, "An undeclared flat.").expect("write");
    let message = message.to_str().expect("UTF-8");
    let tip = whistleblower.json(&[
        "whistleblower",
        "tip",
        "--subject",
        "GOV-0001",
        "--message",
        message,
    ]);
    whistleblower.json(&[
        "whistleblower",
        "status",
        "--receipt",
        str_of(&tip, "receipt_code"),
    ]);
    // An official who is not registered is refused, by the list, before anything is sent.
    fails(
        whistleblower.run(&[
            "whistleblower",
            "tip",
            "--subject",
            "GOV-0404",
            "--message",
            message,
        ]),
        2,
        "no official `GOV-0404`",
    );
    let requests = proxy.requests();
    assert!(
        requests.iter().any(|r| r.starts_with("POST /v1/tips ")),
        "the tip went through the proxy: {requests:?}"
    );
    for r in &requests {
        assert!(
            !r.contains("GOV-0001") && !r.contains("GOV-0404"),
            "`{r}` names the subject"
        );
    }
    server.stop();
}

/// Issues, with the operator's issuer key, a credential for CN-ZJ-HZ expiring at `expiry`:
/// what a dishonest operator could hand one person.
fn credential_expiring(
    issuer: &probity_credentials::Issuer,
    expiry: u64,
) -> probity_credentials::Credential {
    use probity_credentials::{
        issuance, CredentialAttributes, EnrollmentCodes, EnrollmentStore as _, Epoch, Scope,
    };
    let mut rng = rand::rngs::OsRng;
    let codes = EnrollmentCodes::new();
    let code = codes.issue_code(&mut rng).expect("a code");
    let attributes =
        CredentialAttributes::new(Epoch(expiry), Scope::new("CN-ZJ-HZ").expect("a scope"));
    let (request, state) =
        issuance::request(issuer.public_params(), code, attributes.clone(), &mut rng);
    let response = issuer
        .handle_issuance(&request, &codes, &attributes, &mut rng)
        .expect("issued");
    state.handle_response(response).expect("a credential")
}

/// The client takes the epoch length and the expiry schedule from the log, never from the
/// service's word, and computes the expiry itself. A service that announces another epoch
/// length (which would give this one person an expiry nobody else has) is refused before any
/// enrollment request; a credential whose expiry is not the schedule's (another epoch
/// length's, or shifted by one epoch) is refused before any tip is sent.
#[test]
fn whistleblower_refuses_another_epoch_length_and_expiries_off_the_schedule() {
    let (registrar, server, dir) = server_with_gov_0001();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    let daily = probity_credentials::ExpirySchedule::new(86_400, 13, 4).expect("daily");
    // A SERVICE that tells this one client its epochs are days.
    let lying = Proxy::rewriting(&server.url, move |line, body| {
        if !line.starts_with("GET /v1/info ") {
            return body;
        }
        let mut info: serde_json::Value = serde_json::from_slice(&body).expect("info");
        info["epoch_seconds"] = 86_400.into();
        info["epoch"] = daily.epoch_at(now).0.into();
        info["credential_expiry"] = daily.expected_expiry(now).0.into();
        serde_json::to_vec(&info).expect("JSON")
    });
    let code = enrollment_code(&registrar);
    let target = Party::new(&lying.url);
    fails(
        target.run(&["whistleblower", "enroll", "--code", &code]),
        2,
        "announces epochs of 86400 s",
    );
    assert!(
        !lying
            .requests()
            .iter()
            .any(|r| r.starts_with("POST /v1/enroll ")),
        "no enrollment request was made"
    );

    // Through the honest service, the same code buys the schedule's expiry.
    let proxy = Proxy::start(&server.url);
    let whistleblower = Party {
        server: proxy.url.clone(),
        ..target
    };
    let enrolled = whistleblower.json(&["whistleblower", "enroll", "--code", &code]);
    let expiry = enrolled["expiry_epoch"].as_u64().expect("the expiry");
    let credential_path = whistleblower.path().join("whistleblower/credential");
    let honest = std::fs::read(&credential_path).expect("the credential");

    // An ISSUER holding the service's key marks this person with an expiry of its own.
    let key = std::fs::read_to_string(dir.path().join("issuer.key")).expect("issuer.key");
    let issuer = probity_credentials::Issuer::from_secret_key(
        probity_credentials::IssuerSecretKey::from_bytes(&hex::decode(key.trim()).expect("hex"))
            .expect("the issuer key"),
    );
    let message = whistleblower.path().join("tip.txt");
    std::fs::write(&message, "An undeclared flat.").expect("write");
    let tip = [
        "whistleblower",
        "tip",
        "--subject",
        "GOV-0001",
        "--message",
        message.to_str().expect("UTF-8"),
    ];
    for marked in [expiry + 1, daily.expected_expiry(now).0] {
        std::fs::write(
            &credential_path,
            credential_expiring(&issuer, marked).to_bytes(),
        )
        .expect("write");
        fails(
            whistleblower.run(&tip),
            2,
            "which the published schedule gives nobody now",
        );
    }
    assert!(
        !proxy
            .requests()
            .iter()
            .any(|r| r.starts_with("POST /v1/tips ")),
        "no tip was sent"
    );
    // The credential the schedule gave tips.
    std::fs::write(&credential_path, honest).expect("write");
    whistleblower.json(&tip);
    server.stop();
}

/// The registry workflow through the binary: the registrar publishes a policy for a later
/// period; a register with a bad row is refused whole; the good one issues one challenge per
/// (official, asset) and nothing twice; the official answers what can be answered at once and
/// is told what is missing.
#[test]
fn a_register_is_imported_and_answered_at_once_through_the_binary() {
    let (registrar, server, _dir) = server_with_registrar();
    let official = Party::new(&server.url);
    let supervisor = Party::new(&server.url);
    copy_params16(official.path());
    let official_key = str_of(&official.json(&["official", "init"]), "public_key").to_owned();
    registrar.register_gov_0001(&official_key);
    let supervisor_key = str_of(&supervisor.json(&["supervisor", "init"]), "public_key").to_owned();
    ok(registrar.run(&[
        "admin",
        "register-supervisor",
        "--id",
        "LAND-DEPT",
        "--public-key",
        &supervisor_key,
    ]));

    // A policy from 2027; a mistake in one is named before anything is sent.
    let published = registrar.json(&["admin", "publish-policy", "examples/policy.toml"]);
    assert_eq!(published["applies_from"], 2027);
    assert_eq!(published["requirements"].as_array().map(Vec::len), Some(3));
    let bad = registrar.path().join("bad-policy.toml");
    std::fs::write(
        &bad,
        "applies_from = 2028\n[[requirement]]\nname = \"x\"\ncategory = \"yachts\"\nlo = 0\nhi = 0\n",
    )
    .expect("write");
    fails(
        registrar.run(&["admin", "publish-policy", bad.to_str().expect("UTF-8")]),
        2,
        "unknown category `yachts`",
    );

    ok(official.run(&["official", "file", DECL_2026]));

    let csv = supervisor.path().join("land.csv");
    let good = format!(
        "official,asset_id,value,date\nGOV-0001,{PARKING_SPACE},25000000,2021-03-01\nGOV-0001,浙(2022)杭州市不动产权第0999999号,90000000,\nGOV-9999,浙(2019)杭州市不动产权第0000001号,1,\n"
    );
    std::fs::write(&csv, format!("{good}GOV-0001,SECRET-ASSET,12.5,\n")).expect("write");
    let csv_arg = csv.to_str().expect("UTF-8");
    let import = [
        "supervisor",
        "registry",
        "import",
        csv_arg,
        "--registry",
        "land",
        "--due",
        "2099-01-01",
    ];
    let all = fails(supervisor.run(&import), 2, "line 5");
    assert!(
        all.contains("nothing imported") && !all.contains("SECRET"),
        "{all}"
    );
    assert!(supervisor
        .json(&["supervisor", "challenges"])
        .as_array()
        .is_some_and(Vec::is_empty));

    std::fs::write(&csv, &good).expect("write");
    let summary = supervisor.json(&import);
    assert_eq!(summary["rows"], 3);
    assert_eq!(summary["issued"].as_array().map(Vec::len), Some(2));
    assert_eq!(summary["unknown_officials"][0]["line"], 4);
    let again = supervisor.json(&import);
    assert_eq!(again["issued"].as_array().map(Vec::len), Some(0));
    assert_eq!(again["already_challenged"], serde_json::json!([2, 3]));
    let text = ok(supervisor.run(&import));
    assert!(text.contains("already challenged  2"), "{text}");

    // 80 % of the parking space's 250,000 yuan is 200,000: declared at exactly that, it
    // answers; the flat is not declared.
    let out = official.run(&["official", "respond", "--all", DECL_2026]);
    let all = fails(out, 1, "1 answered, 1 left open");
    assert!(all.contains("ANSWERED") && all.contains("item 2"), "{all}");
    assert!(all.contains("not in this declaration"), "{all}");
    let seen = supervisor.json(&["supervisor", "challenges"]);
    let statuses: Vec<&str> = seen
        .as_array()
        .expect("a list")
        .iter()
        .map(|c| c["status"].as_str().expect("a status"))
        .collect();
    assert_eq!(statuses.iter().filter(|s| **s == "answered").count(), 1);
    assert_eq!(statuses.iter().filter(|s| **s == "open").count(), 1);
    assert!(seen
        .as_array()
        .expect("a list")
        .iter()
        .all(|c| c["registry"] == "land"));
    // Nothing has expired: nobody is at risk yet.
    assert!(ok(supervisor.run(&["supervisor", "risk"])).contains("No open alerts."));
}
