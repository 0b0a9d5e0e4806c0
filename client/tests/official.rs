//! The official's role of the library against a real service in this process: registered by
//! the registrar, it files a first period (downloading the proving key), files the same again
//! (nothing sent), files a second period with wealth_growth, is refused a changed declaration
//! without amending, amends, and answers a supervisor's challenge. Adversarial cases: a
//! substituted proving key and a log other than the pinned one are refused as untrusted.
#![allow(missing_docs)]

mod common;

use std::{cell::RefCell, path::Path};

use ed25519_dalek::SigningKey;
use probity_client::{
    api,
    official::{
        CommitStatus, DeclarationFile, GrowthOutcome, GrowthPlan, Notice, ParamsSource, Planned,
        Verdict,
    },
    Client, NoProgress, Official, OfficialError, Progress, Registrar, Task,
};
use probity_core::{AssetId, OfficialId, Period, StatementKind};
use probity_prover::wallet::{Passphrase, Wallet};

const HOUSE: &str = "浙(2018)杭州市不动产权第0123456号";
const PARKING: &str = "浙(2021)杭州市不动产权第0456789号";

/// A declaration of GOV-0001 at capacity 16: a flat, a parking space, a deposit and a salary.
fn declaration(period: u32, deposit: u64) -> String {
    format!(
        r#"official = "GOV-0001"
period = {period}
capacity = 16

[[item]]
category = "real_estate"
asset_id = "{HOUSE}"
value = 320000000

[[item]]
category = "real_estate"
asset_id = "{PARKING}"
value = 20000000

[[item]]
category = "bank_deposit"
asset_id = "6222 0212 0200 1234 567"
value = {deposit}

[[item]]
category = "salary"
value = 26800000
"#
    )
}

fn write(dir: &Path, name: &str, text: &str) -> DeclarationFile {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    DeclarationFile::read(&path).expect("a declaration")
}

/// Progress that remembers what started.
#[derive(Default)]
struct Seen(RefCell<Vec<String>>);

impl Progress for Seen {
    fn start(&self, task: Task, _total: Option<u64>) {
        self.0.borrow_mut().push(task.to_string());
    }
    fn advance(&self, _n: u64) {}
    fn finish(&self) {}
}

impl Seen {
    fn take(&self) -> Vec<String> {
        self.0.take()
    }
}

fn planned_filing(planned: Planned) -> probity_client::official::FilingPlan {
    match planned {
        Planned::File(plan) => *plan,
        Planned::FiledBefore(before) => panic!("filed before: {before:?}"),
    }
}

#[test]
fn an_official_files_amends_and_answers_a_challenge() {
    let server_dir = tempfile::tempdir().expect("tempdir");
    let registrar_dir = tempfile::tempdir().expect("tempdir");
    let official_dir = tempfile::tempdir().expect("tempdir");
    let dir = official_dir.path();

    let made = Registrar::init(registrar_dir.path()).expect("registrar init");
    let server = common::start_service_for(
        server_dir.path(),
        &made.public_key,
        &[
            StatementKind::NetWorthRange,
            StatementKind::WealthGrowth,
            StatementKind::AssetIncluded,
        ],
    );
    let client = Client::new(&server.base_url());

    // The official key and the wallet, made once; the registrar registers the key.
    let wallet_path = dir.join("wallet.probity");
    let passphrase = Passphrase::new("correct horse battery staple");
    assert!(matches!(
        Official::init(dir, &wallet_path, None),
        Err(OfficialError::NoPassphrase { .. })
    ));
    let init = Official::init(dir, &wallet_path, Some(&passphrase)).expect("init");
    assert!(init.wallet_created && wallet_path.exists());
    assert!(matches!(
        Official::init(dir, &wallet_path, Some(&passphrase)),
        Err(OfficialError::Key(probity_client::KeyError::Exists { .. }))
    ));
    let registrar = Registrar::open(&client, registrar_dir.path()).expect("registrar");
    let gov = OfficialId::new("GOV-0001").expect("id");
    registrar
        .register_official(&api::RegisterOfficial {
            official: gov.clone(),
            name: "Ada Example".into(),
            position: "Director".into(),
            jurisdiction: "CN-ZJ-HZ".into(),
            public_key: hex::encode(init.public_key.as_bytes()),
        })
        .expect("registered");
    let supervisor_key = SigningKey::generate(&mut rand::rngs::OsRng);
    let supervisor = probity_ledger::SupervisorId::new("AUDIT-1").expect("id");
    registrar
        .register_supervisor(&supervisor, &supervisor_key.verifying_key())
        .expect("registered");

    let official = Official::open(&client, dir).expect("open");
    let secret = std::fs::read_to_string(dir.join("official.key")).expect("key");
    assert!(
        !format!("{official:?}").contains(secret.trim()),
        "the secret key stays out of Debug"
    );
    let mut wallet = Wallet::open(&wallet_path, &passphrase).expect("wallet");
    let d2025 = write(dir, "2025.toml", &declaration(2025, 38_000_000));
    let d2026 = write(dir, "2026.toml", &declaration(2026, 58_000_000));
    let seen = Seen::default();

    // The first filing: the band only. A --prev given is ignored (and not even read), the
    // log key is pinned and the proving key downloaded.
    let missing = dir.join("no-such-file.toml");
    let plan = planned_filing(
        official
            .plan_filing(
                &d2025,
                Some(&missing),
                false,
                false,
                &ParamsSource::Service,
                &seen,
            )
            .expect("plan"),
    );
    assert!(matches!(plan.growth, GrowthPlan::NotNeeded));
    assert_eq!(plan.statements, [StatementKind::NetWorthRange]);
    assert!(plan.band.is_some());
    assert!(matches!(
        plan.notices.as_slice(),
        [Notice::PrevIgnored { .. }, Notice::LogKeyPinned(_)]
    ));
    assert!(!format!("{plan:?}").contains(HOUSE), "no asset id in Debug");
    assert_eq!(
        seen.take(),
        ["proving key for net_worth_range at capacity 16"]
    );
    assert!(dir.join("params").join("net_worth_range-16.pk").exists());
    let filed = official.file(plan, &mut wallet, &seen).expect("filed");
    assert_eq!(
        seen.take(),
        ["net_worth_range proof", "filing", "receipts"],
        "each step of a filing is reported, in order"
    );
    assert_eq!(filed.wallet_status, CommitStatus::Committed);
    assert_eq!(filed.proofs, [StatementKind::NetWorthRange]);
    assert_eq!(filed.wealth_growth, GrowthOutcome::NotNeeded);
    assert!(filed.alerts.is_empty() && filed.notices.is_empty());
    let entry = filed.logged.entries[0];
    assert!(dir
        .join("receipts")
        .join(format!("{entry:012}.json"))
        .exists());

    // The same declaration again: nothing is sent.
    let Planned::FiledBefore(before) = official
        .plan_filing(&d2025, None, false, false, &ParamsSource::Service, &seen)
        .expect("plan")
    else {
        panic!("2025 was filed");
    };
    let again = official.refile(&before, &wallet).expect("already filed");
    assert_eq!((again.entry, again.commitment), (entry, filed.commitment));

    // The second period needs the first for wealth_growth, and says so.
    let e = official
        .plan_filing(&d2026, None, false, false, &ParamsSource::Service, &seen)
        .expect_err("--prev needed");
    assert!(matches!(e, OfficialError::PrevNeeded { .. }), "{e}");
    assert!(e.to_string().contains("pass --prev"), "{e}");
    let plan = planned_filing(
        official
            .plan_filing(
                &d2026,
                Some(&d2025.path),
                false,
                false,
                &ParamsSource::Service,
                &seen,
            )
            .expect("plan"),
    );
    assert!(matches!(plan.growth, GrowthPlan::Prove { ref previous } if previous.entry == entry));
    assert_eq!(
        seen.take(),
        ["proving key for wealth_growth at capacity 16"],
        "only the key not held yet is downloaded"
    );
    // The provers load while the wallet opens, and proving uses them: with the key files
    // moved away after loading, the filing still proves.
    let mut plan = plan;
    let (opened, loaded) = plan.load_provers_beside(|| Wallet::open(&wallet_path, &passphrase));
    opened.expect("the wallet opens");
    loaded.expect("the provers load");
    let keys: Vec<_> = std::fs::read_dir(dir.join("params"))
        .expect("params")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "pk"))
        .collect();
    assert_eq!(keys.len(), 2, "net_worth_range and wealth_growth");
    for key in &keys {
        std::fs::rename(key, key.with_extension("away")).expect("move the key away");
    }
    let filed = official.file(plan, &mut wallet, &seen).expect("filed");
    for key in &keys {
        std::fs::rename(key.with_extension("away"), key).expect("move the key back");
    }
    assert_eq!(
        seen.take(),
        [
            "net_worth_range proof",
            "wealth_growth proof",
            "filing",
            "receipts"
        ]
    );
    assert_eq!(
        filed.proofs,
        [StatementKind::NetWorthRange, StatementKind::WealthGrowth]
    );
    let y2025 = Period::new(2025).expect("period");
    assert_eq!(filed.wealth_growth, GrowthOutcome::Proved { from: y2025 });
    assert!(filed.alerts.is_empty(), "{:?}", filed.alerts);

    // A changed 2026 declaration: refused without --amend, nothing committed.
    let changed = write(dir, "2026-changed.toml", &declaration(2026, 60_000_000));
    let Planned::FiledBefore(before) = official
        .plan_filing(&changed, None, false, false, &ParamsSource::Service, &seen)
        .expect("plan")
    else {
        panic!("2026 was filed");
    };
    let e = official
        .refile(&before, &wallet)
        .expect_err("another declaration");
    assert!(matches!(e, OfficialError::FiledAnother { .. }), "{e}");
    assert!(e.to_string().contains("pass --amend"), "{e}");
    // Amended, without wealth_growth this time: supervisors get both alerts.
    let plan = planned_filing(
        official
            .plan_filing(&changed, None, true, true, &ParamsSource::Service, &seen)
            .expect("plan"),
    );
    assert!(matches!(plan.growth, GrowthPlan::Skipped { .. }));
    let amended = official
        .file(plan, &mut wallet, &NoProgress)
        .expect("amended");
    assert_eq!(amended.wallet_status, CommitStatus::Amended);
    assert_eq!(amended.wealth_growth, GrowthOutcome::Skipped);
    assert!(
        amended.alerts.iter().any(|a| a == "declaration_amended"),
        "{:?}",
        amended.alerts
    );

    // A supervisor challenges the parking space; the official finds it and answers.
    let y2026 = Period::new(2026).expect("period");
    let created: api::ChallengeCreated = client
        .signed(supervisor_key)
        .post(
            "/v1/challenges",
            &api::IssueChallenge {
                official: gov.clone(),
                period: Some(y2026),
                id_hash: AssetId(PARKING.to_owned()).id_hash().to_string(),
                min_value: 20_000_000,
                deadline: 4_102_444_799_999,
            },
        )
        .expect("challenged");
    let listed = official
        .challenges(Some(&changed.declaration))
        .expect("listed");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].asked.challenge, created.challenge);
    assert!(matches!(
        listed[0].verdict,
        Some(Verdict::Declared {
            item: 2,
            meets_min_value: true,
            ..
        })
    ));
    assert_eq!(listed[0].declaration_period_matches, Some(true));
    let with_2025 = official
        .challenges(Some(&d2025.declaration))
        .expect("listed");
    assert_eq!(with_2025[0].declaration_period_matches, Some(false));

    // The service now serves another asset_included key than the one its log published:
    // refused as untrusted, and nothing of it kept.
    let served = server_dir
        .path()
        .join("params")
        .join("asset_included-16.pk");
    let good = std::fs::read(&served).expect("the key");
    let mut bad = good.clone();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    std::fs::write(&served, &bad).expect("substituted");
    let e = official
        .plan_answer(
            created.challenge,
            &changed,
            &ParamsSource::Service,
            &NoProgress,
        )
        .expect_err("substituted key");
    assert!(e.is_untrusted(), "{e}");
    assert!(!dir.join("params").join("asset_included-16.pk").exists());
    std::fs::write(&served, &good).expect("restored");

    let plan = official
        .plan_answer(
            created.challenge,
            &changed,
            &ParamsSource::Service,
            &NoProgress,
        )
        .expect("plan");
    assert_eq!(plan.item, 2);
    assert!(
        !format!("{plan:?}").contains(PARKING),
        "no asset id in Debug"
    );
    let answered = official.answer(plan, &wallet, &seen).expect("answered");
    assert_eq!(seen.take(), ["asset_included proof"]);
    assert_eq!((answered.item, answered.period), (2, y2026));
    assert!(!answered.logged.entries.is_empty());
    let e = official
        .plan_answer(
            created.challenge,
            &changed,
            &ParamsSource::Service,
            &NoProgress,
        )
        .expect_err("answered already");
    assert!(matches!(e, OfficialError::ChallengeClosed { .. }), "{e}");
    assert!(!e.is_untrusted());

    // A log other than the one pinned: refused as untrusted before anything is proved.
    std::fs::write(
        dir.join(probity_client::LOG_KEY_FILE),
        "probity.example/log+00000000+AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n",
    )
    .expect("write");
    let e = official
        .plan_filing(
            &changed,
            None,
            true,
            true,
            &ParamsSource::Service,
            &NoProgress,
        )
        .expect_err("another log");
    assert!(e.is_untrusted(), "{e}");
}
