//! A deployment as people would run it, through the library only: a service, and the
//! official, the supervisor and the whistleblower each on a data folder of their own (the
//! registrar too). Nothing passes between the folders but the service's URL and the log key
//! the operator publishes; what people hand each other in person are values (a public key
//! to the registrar, an enrollment code to the whistleblower, the tip public key to the
//! operator). The official files, downloading the proving keys from the service; the
//! supervisor re-verifies the filing against the log, challenges and sees the answer
//! verified; the whistleblower tips and the supervisor opens the tip.
#![allow(missing_docs)]

mod common;

use std::path::Path;

use probity_client::{
    api,
    official::{DeclarationFile, GrowthOutcome, ParamsSource, Planned},
    supervisor::{read_tip_key, Challenge, TIP_KEY_FILE},
    whistleblower::TipOutcome,
    Client, NoProgress, Official, Registrar, Supervisor, Whistleblower, LOG_KEY_FILE,
};
use probity_core::{OfficialId, StatementKind};
use probity_ledger::SupervisorId;
use probity_prover::wallet::{Passphrase, Wallet};

const FLAT: &str = "浙(2018)杭州市不动产权第0123456号";

/// The example declaration for 2025, on the official's machine.
fn declaration_file(dir: &Path) -> DeclarationFile {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../examples/gov-0001-2025.toml"
    ))
    .expect("the example");
    let path = dir.join("2025.toml");
    std::fs::write(&path, text).expect("write");
    DeclarationFile::read(&path).expect("valid")
}

/// Every file under `dir`, relative to it.
fn files_under(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for item in std::fs::read_dir(&d).expect("read_dir") {
            let path = item.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let relative = path.strip_prefix(dir).expect("under dir");
                found.push(relative.to_string_lossy().into_owned());
            }
        }
    }
    found.sort();
    found
}

#[test]
fn an_official_a_supervisor_and_a_whistleblower_work_from_their_own_folders() {
    let folders: Vec<tempfile::TempDir> = (0..5)
        .map(|_| tempfile::tempdir().expect("tempdir"))
        .collect();
    let [service_dir, registrar_dir, official_dir, supervisor_dir, reporter_dir] =
        [0, 1, 2, 3, 4].map(|i| folders[i].path());

    // Before the service starts: the registrar's key, and the supervisors' tip key pair,
    // each made on its owner's machine; the operator is given the public halves.
    let registrar_key = Registrar::init(registrar_dir).expect("registrar key");
    let tip_key = Supervisor::tip_keygen(supervisor_dir).expect("tip key pair");
    let server = common::start_service_with(service_dir, &registrar_key.public_key, |config| {
        config.tip_public_key = Some(hex::encode(tip_key.public_key.to_bytes()));
    });
    let url = server.base_url();
    let client = Client::new(&url);

    // The operator publishes the log key; each party pins it before first contact.
    let info: api::ServiceInfo = client.get("/v1/info").expect("info");
    for dir in [registrar_dir, official_dir, supervisor_dir, reporter_dir] {
        std::fs::write(dir.join(LOG_KEY_FILE), format!("{}\n", info.log_key)).expect("pin");
    }

    // The official and the supervisor make their keys; the registrar registers them and
    // hands out one enrollment code.
    let passphrase = Passphrase::new("correct horse battery staple");
    let wallet_path = official_dir.join("wallet.probity");
    let made = Official::init(official_dir, &wallet_path, Some(&passphrase)).expect("init");
    let supervisor_key = Supervisor::init(supervisor_dir).expect("supervisor key");
    let registrar = Registrar::open(&client, registrar_dir).expect("registrar");
    let id = OfficialId::new("GOV-0001").expect("id");
    let registered = registrar
        .register_official(&api::RegisterOfficial {
            official: id.clone(),
            name: "Zhang Wei".into(),
            position: "Head of the Urban Planning Bureau".into(),
            jurisdiction: "CN-ZJ-HZ".into(),
            public_key: hex::encode(made.public_key.as_bytes()),
        })
        .expect("registered");
    assert!(
        registered.newly_pinned.is_none(),
        "the log key was pinned before"
    );
    registrar
        .register_supervisor(
            &SupervisorId::new("HZ-DISCIPLINE").expect("id"),
            &supervisor_key.public_key,
        )
        .expect("registered");
    let codes = registrar.enrollment_codes(1, "CN-ZJ-HZ").expect("a code");

    // The official files: the proving key comes from the service, checked against the log.
    let official = Official::open(&client, official_dir).expect("official");
    let decl = declaration_file(official_dir);
    let Planned::File(plan) = official
        .plan_filing(
            &decl,
            None,
            false,
            false,
            &ParamsSource::Service,
            &NoProgress,
        )
        .expect("planned")
    else {
        panic!("nothing was filed before");
    };
    assert_eq!(plan.statements, [StatementKind::NetWorthRange]);
    let mut wallet = Wallet::open(&wallet_path, &passphrase).expect("wallet");
    let filed = official
        .file(*plan, &mut wallet, &NoProgress)
        .expect("filed");
    assert_eq!(filed.wealth_growth, GrowthOutcome::NotNeeded);
    assert_eq!(filed.logged.entries.len(), 2, "the filing and its proof");

    // The supervisor re-verifies it against the log, and challenges on a registry flat.
    let supervisor = Supervisor::open(&client, supervisor_dir).expect("supervisor");
    let check = supervisor
        .check_official(&id, None, &NoProgress)
        .expect("checked");
    assert!(check.verified(), "{:?}", check.failures);
    assert!(check.newly_pinned.is_none());
    assert_eq!(check.filings.len(), 1);
    assert_eq!(check.filings[0].commitment, filed.commitment);
    assert_eq!(check.proofs.len(), 1);
    let deadline = info.epoch_seconds * 1000 * (info.epoch + 2);
    let issued = supervisor
        .challenge(&Challenge::new(id.clone(), FLAT, 1_000_000, deadline, None).expect("asset"))
        .expect("challenged");

    // The official answers from their own folder; the supervisor sees the answer verified.
    let plan = official
        .plan_answer(issued.challenge, &decl, &ParamsSource::Service, &NoProgress)
        .expect("answerable");
    official
        .answer(plan, &wallet, &NoProgress)
        .expect("answered");
    let check = supervisor
        .check_official(&id, None, &NoProgress)
        .expect("checked");
    assert!(check.verified(), "{:?}", check.failures);
    assert_eq!(check.challenges.len(), 1);
    assert_eq!(check.challenges[0].challenge, issued.challenge);
    assert!(check.challenges[0].problem.is_none());

    // The whistleblower enrolls with the code and tips; the supervisor opens the tip with the
    // secret half made on their machine.
    let whistleblower = Whistleblower::new(client.clone(), reporter_dir);
    whistleblower
        .enroll(&codes.codes[0], Some("CN-ZJ-HZ"))
        .expect("enrolled");
    let text = "The flat's second owner is a front: ask the registry.";
    let draft = whistleblower.draft_tip("GOV-0001").expect("draft");
    let sent = whistleblower
        .send_tip(draft, text, Vec::new())
        .expect("sent");
    let TipOutcome::Logged { entry, .. } = sent.outcome else {
        panic!("the service logs tips at once here");
    };
    let secret = read_tip_key(&supervisor_dir.join(TIP_KEY_FILE)).expect("tip key");
    let tips = supervisor.tips(&secret).expect("tips");
    let read = tips
        .tips
        .iter()
        .find(|t| t.view.entry == entry)
        .expect("the tip");
    assert_eq!(read.opened.as_ref().expect("opened").body.text(), text);

    // Each folder holds only what its owner made or was served: the official's proving keys
    // came from the service, and no party holds another's secret.
    let official_files = files_under(official_dir);
    assert!(official_files.iter().any(|f| f.starts_with("params/")));
    assert!(!official_files.iter().any(|f| f.contains(TIP_KEY_FILE)));
    for dir in [supervisor_dir, reporter_dir, registrar_dir] {
        let files = files_under(dir);
        assert!(!files.iter().any(|f| f.starts_with("params/")), "{files:?}");
        assert!(!files.iter().any(|f| f.contains("wallet")), "{files:?}");
    }
    assert!(!files_under(reporter_dir)
        .iter()
        .any(|f| f.contains(TIP_KEY_FILE)));
}
