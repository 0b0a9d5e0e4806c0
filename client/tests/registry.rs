//! Registry cross-checks and the new alert rules, end to end: a real service in this process
//! on a clock the test moves (the clients sign on the same clock), the registrar, a supervisor
//! and officials with their own keys and wallets.
//!
//! - Two registers (land and vehicles, 210 rows) about 20 officials: most declare everything,
//!   one hides a flat, one declares a car below 80 % of its registry value, one row names an
//!   unknown official, one official has not filed. The import refuses a file with a bad row
//!   whole, issues one challenge per (official, asset), and nothing twice when run again.
//! - Every official answers everything at once; what cannot be answered expires, and the
//!   alerts name the register, for the department that owns it.
//! - band_jump, amended_after_challenge, many_late_filings and repeat_unexplained_growth fire
//!   through the service where they should, and stay silent for an official who files on
//!   time, with growth explained, in a steady band.
#![allow(missing_docs)]

mod common;

use std::{
    path::{Path, PathBuf},
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
};

use probity_client::{
    api,
    official::{DeclarationFile, ParamsSource, Planned},
    supervisor, Client, NoProgress, Official, OfficialError, Registrar, Supervisor,
};
use probity_core::{OfficialId, StatementKind};
use probity_ledger::{RegistryName, SupervisorId, Timestamp};
use probity_prover::wallet::{Passphrase, Wallet};
use probity_service::{Background, Config, Service};

const DAY_MS: u64 = 86_400_000;

/// A clock the test moves; the service and every client read it.
#[derive(Clone)]
struct TestClock(Arc<AtomicU64>);

impl TestClock {
    fn new() -> Self {
        TestClock(Arc::new(AtomicU64::new(Timestamp::now().as_millis())))
    }
    fn now(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
    fn advance(&self, ms: u64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
    fn as_clock(&self) -> Arc<dyn Fn() -> Timestamp + Send + Sync> {
        let t = Arc::clone(&self.0);
        Arc::new(move || Timestamp::from_millis(t.load(Ordering::SeqCst)).expect("a time"))
    }
}

/// The service, the registrar and one supervisor, on `clock`.
struct World {
    _server: Background,
    _dirs: Vec<tempfile::TempDir>,
    server_dir: PathBuf,
    client: Client,
    registrar: Registrar,
    supervisor: Supervisor,
}

impl World {
    /// `sweep_secs`: how often the service sweeps deadlines (a test that files around its
    /// deadlines leaves the sweep out, so that what fires comes from the filings).
    fn start(clock: &TestClock, sweep_secs: u64) -> World {
        let server_dir = tempfile::tempdir().expect("tempdir");
        let registrar_dir = tempfile::tempdir().expect("tempdir");
        let supervisor_dir = tempfile::tempdir().expect("tempdir");
        let made = Registrar::init(registrar_dir.path()).expect("registrar init");
        probity_params::setup_dev(
            &server_dir.path().join("params"),
            &[
                StatementKind::NetWorthRange,
                StatementKind::WealthGrowth,
                StatementKind::AssetIncluded,
            ],
            &[common::CAPACITY],
            &mut rand::rngs::OsRng,
            |_| {},
        )
        .expect("dev params");
        let config = Config {
            data_dir: server_dir.path().to_owned(),
            capacities: vec![usize::from(common::CAPACITY)],
            registrar_key: Some(hex::encode(made.public_key.as_bytes())),
            tip_batch_secs: 0,
            sweep_interval_secs: sweep_secs,
            allow_dev_keys: true,
            ..Config::default()
        };
        let service = Service::open(config, clock.as_clock()).expect("the service opens");
        let server = Background::start(service).expect("the service listens");
        let client = Client::new(&server.base_url()).with_clock(clock.as_clock());
        let registrar = Registrar::open(&client, registrar_dir.path()).expect("registrar");
        let supervisor_key = Supervisor::init(supervisor_dir.path())
            .expect("supervisor init")
            .public_key;
        registrar
            .register_supervisor(
                &SupervisorId::new("LAND-DEPT").expect("id"),
                &supervisor_key,
            )
            .expect("supervisor registered");
        let supervisor = Supervisor::open(&client, supervisor_dir.path()).expect("supervisor");
        World {
            _server: server,
            server_dir: server_dir.path().to_owned(),
            _dirs: vec![server_dir, registrar_dir, supervisor_dir],
            client,
            registrar,
            supervisor,
        }
    }

    /// Registers `id` as a director, with a key and wallet made in a fresh folder.
    fn official(&mut self, id: &str) -> Person {
        self.official_as(id, "Director")
    }

    /// Registers `id` in `position`, with a key and wallet made in a fresh folder.
    fn official_as(&mut self, id: &str, position: &str) -> Person {
        let dir = tempfile::tempdir().expect("tempdir");
        let wallet_path = dir.path().join("wallet.probity");
        let passphrase = Passphrase::new("correct horse battery staple");
        let init = Official::init(dir.path(), &wallet_path, Some(&passphrase)).expect("init");
        self.registrar
            .register_official(&api::RegisterOfficial {
                official: OfficialId::new(id).expect("id"),
                name: format!("Official {id}"),
                position: position.into(),
                jurisdiction: "CN-ZJ".into(),
                public_key: hex::encode(init.public_key.as_bytes()),
            })
            .expect("registered");
        let official = Official::open(&self.client, dir.path()).expect("open");
        let wallet = Wallet::open(&wallet_path, &passphrase).expect("wallet");
        let person = Person {
            id: id.to_owned(),
            official,
            wallet,
            dir: dir.path().to_owned(),
            params: ParamsSource::Folder(self.server_dir.join("params")),
        };
        self._dirs.push(dir);
        person
    }

    /// Waits for the service's sweep (every second) to log `n` alerts of `rule`.
    fn alerts_of(&self, rule: &str, n: usize) -> Vec<api::AlertView> {
        for _ in 0..100 {
            let found: Vec<api::AlertView> = self
                .supervisor
                .alerts()
                .expect("alerts")
                .into_iter()
                .filter(|a| a.rule == rule)
                .collect();
            if found.len() >= n {
                return found;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("no {n} alerts of {rule} after 10 s");
    }

    /// The rules that alerted about `official`, in log order.
    fn rules_about(&self, official: &str) -> Vec<String> {
        self.supervisor
            .alerts()
            .expect("alerts")
            .into_iter()
            .filter(|a| a.detail.official.as_str() == official)
            .map(|a| a.rule)
            .collect()
    }
}

/// An official, their folder and their open wallet.
struct Person {
    id: String,
    official: Official,
    wallet: Wallet,
    dir: PathBuf,
    params: ParamsSource,
}

/// One declared item: category, asset id (may be empty), value in minor units.
type Item<'a> = (&'a str, &'a str, u64);

impl Person {
    fn write(&self, period: u32, items: &[Item<'_>]) -> DeclarationFile {
        let mut text = format!(
            "official = \"{}\"\nperiod = {period}\ncapacity = 16\n",
            self.id
        );
        for (category, asset_id, value) in items {
            text.push_str(&format!(
                "\n[[item]]\ncategory = \"{category}\"\nasset_id = \"{asset_id}\"\nvalue = {value}\n"
            ));
        }
        let path = self
            .dir
            .join(format!("{period}-{}.toml", rand::random::<u32>()));
        std::fs::write(&path, text).expect("write");
        DeclarationFile::read(&path).expect("a declaration")
    }

    /// Files `decl` (with `wealth_growth` from `prev` when given and it holds); the alerts it
    /// set off.
    fn file(&mut self, decl: &DeclarationFile, prev: Option<&Path>, amend: bool) -> Vec<String> {
        self.file_all(decl, prev, amend).alerts
    }

    /// Files `decl`, as [`Person::file`]; what filing did.
    fn file_all(
        &mut self,
        decl: &DeclarationFile,
        prev: Option<&Path>,
        amend: bool,
    ) -> probity_client::official::Filed {
        let planned = self
            .official
            .plan_filing(decl, prev, amend, prev.is_none(), &self.params, &NoProgress)
            .expect("plan");
        let Planned::File(plan) = planned else {
            panic!("filed before");
        };
        self.official
            .file(*plan, &mut self.wallet, &NoProgress)
            .expect("filed")
    }
}

/// Asset ids as each register writes them. The official writes them otherwise (lower case,
/// other spacing): `id_hash` normalises both to the same value.
fn land(i: usize, k: usize) -> String {
    format!("浙(2020)杭州市不动产权第{i:03}{k:04}号")
}
fn car(i: usize, k: usize) -> String {
    format!("VIN LSV{i:03}{k:02}X")
}

const FLAT_VALUE: u64 = 150_000_000;
const CAR_VALUE: u64 = 20_000_000;

#[test]
fn registers_become_challenges_answered_at_once_and_the_rest_alert_by_register() {
    let clock = TestClock::new();
    let mut world = World::start(&clock, 1);
    let mut people: Vec<Person> = (1..=20)
        .map(|i| world.official(&format!("GOV-{i:04}")))
        .collect();
    const HIDES_A_FLAT: usize = 3;
    const CHEAP_CAR: usize = 4;
    const NOT_FILED: usize = 20;
    let mut decls = Vec::new();
    for (n, person) in people.iter_mut().enumerate() {
        let i = n + 1;
        if i == NOT_FILED {
            continue;
        }
        let flats: Vec<String> = (0..5)
            .filter(|k| !(i == HIDES_A_FLAT && *k == 2))
            .map(|k| land(i, k).replace(" ", "").to_lowercase())
            .collect();
        let cars: Vec<String> = (0..5).map(|k| car(i, k).to_lowercase()).collect();
        let mut items: Vec<Item<'_>> = Vec::new();
        for f in &flats {
            items.push(("real_estate", f, FLAT_VALUE));
        }
        for (k, c) in cars.iter().enumerate() {
            // 70 % of the register's value: below the 80 % asked.
            let value = if i == CHEAP_CAR && k == 1 {
                CAR_VALUE * 7 / 10
            } else {
                CAR_VALUE
            };
            items.push(("vehicle", c, value));
        }
        items.push(("salary", "", 30_000_000));
        let decl = person.write(2026, &items);
        assert!(person.file(&decl, None, false).is_empty());
        decls.push((i, decl));
    }

    // The land register: 5 flats per official, an unknown official, a repeated row.
    let mut land_csv = String::from("official,asset_id,value,date\n");
    for i in 1..=20 {
        for k in 0..5 {
            land_csv.push_str(&format!(
                "GOV-{i:04},{},{FLAT_VALUE},2020-0{}-01\n",
                land(i, k),
                k + 1
            ));
        }
    }
    land_csv.push_str(&format!("GOV-9999,{},{FLAT_VALUE},\n", land(99, 0)));
    land_csv.push_str(&format!("GOV-0001, {} ,{FLAT_VALUE},\n", land(1, 0)));
    let land_rows = 102;

    // A bad row refuses the whole file: nothing is issued.
    let bad = format!("{land_csv}GOV-0002,{},1.5e6,\n", land(2, 9));
    let err = supervisor::read_registry_csv(&bad).expect_err("refused");
    assert!(
        err.to_string().contains(&format!("line {}", land_rows + 2)),
        "{err}"
    );
    assert!(world
        .supervisor
        .challenges()
        .expect("challenges")
        .is_empty());

    let registered = world.supervisor.registered_officials().expect("officials");
    let registry = RegistryName::new("land").expect("valid");
    let rows = supervisor::read_registry_csv(&land_csv).expect("reads");
    assert_eq!(rows.len(), land_rows);
    let plan = supervisor::plan_import(registry.clone(), &rows, &registered, 80);
    let due = clock.now() + 7 * DAY_MS;
    let summary = world
        .supervisor
        .import_registry(&plan, due, &mut |_| {})
        .expect("imported");
    assert_eq!(summary.rows, land_rows);
    assert_eq!(summary.officials_matched, 20);
    assert_eq!(summary.unknown_officials, [(102, "GOV-9999".to_owned())]);
    assert_eq!(summary.duplicates, [103]);
    assert_eq!(summary.issued.len(), 95);
    assert_eq!(
        summary.not_filed.len(),
        5,
        "GOV-0020 has nothing to challenge yet"
    );
    assert_eq!(summary.entries.len(), 95, "one receipt per challenge, kept");
    // Again: nothing twice.
    let again = world
        .supervisor
        .import_registry(&plan, due, &mut |_| {})
        .expect("imported again");
    assert!(again.issued.is_empty());
    assert_eq!(again.already_challenged.len(), 95);

    // The vehicle register: 5 cars per official, listed with registry values.
    let mut car_csv = String::from("asset_id,official,value\n");
    for i in 1..=20 {
        for k in 0..5 {
            car_csv.push_str(&format!("{},GOV-{i:04},{CAR_VALUE}\n", car(i, k)));
        }
    }
    let vehicles = RegistryName::new("vehicles").expect("valid");
    let rows = supervisor::read_registry_csv(&car_csv).expect("reads");
    let plan = supervisor::plan_import(vehicles.clone(), &rows, &registered, 80);
    let summary = world
        .supervisor
        .import_registry(&plan, due, &mut |_| {})
        .expect("imported");
    assert_eq!((summary.rows, summary.issued.len()), (100, 95));
    let challenges = world.supervisor.challenges().expect("challenges");
    assert_eq!(challenges.len(), 190);
    assert!(challenges
        .iter()
        .all(|c| c.registry.is_some() && c.status == "open"));
    let car_challenge = challenges
        .iter()
        .find(|c| c.registry.as_ref() == Some(&vehicles))
        .expect("a car challenge");
    assert_eq!(car_challenge.min_value, CAR_VALUE * 8 / 10);

    // Each official answers everything at once; nobody is told which register asked.
    for (n, person) in people.iter_mut().enumerate() {
        let i = n + 1;
        if i == NOT_FILED {
            continue;
        }
        let asked = person.official.challenges(None).expect("challenges");
        assert_eq!(asked.len(), 10);
        assert!(asked.iter().all(|c| c.asked.registry.is_none()));
        let decl = &decls.iter().find(|(j, _)| *j == i).expect("filed").1;
        let plan = person
            .official
            .plan_all_answers(decl, &person.params, &NoProgress)
            .expect("plan");
        let unanswerable: Vec<&OfficialError> =
            plan.not_answerable.iter().map(|(_, e)| e).collect();
        match i {
            HIDES_A_FLAT => assert!(
                matches!(unanswerable.as_slice(), [OfficialError::NotDeclared { .. }]),
                "{unanswerable:?}"
            ),
            CHEAP_CAR => assert!(
                matches!(unanswerable.as_slice(), [OfficialError::BelowLeastValue { item: 7, min_value, .. }] if *min_value == CAR_VALUE * 8 / 10),
                "{unanswerable:?}"
            ),
            _ => assert!(unanswerable.is_empty(), "{i}: {unanswerable:?}"),
        }
        let expected = 10 - unanswerable.len();
        assert_eq!(plan.answerable().count(), expected);
        let done = person
            .official
            .answer_all(plan, &person.wallet, &NoProgress)
            .expect("answered");
        assert_eq!(done.answered.len(), expected, "{i}");
        assert!(done.refused.is_empty());
    }
    let challenges = world.supervisor.challenges().expect("challenges");
    assert_eq!(
        challenges.iter().filter(|c| c.status == "answered").count(),
        188
    );
    assert!(world.supervisor.alerts().expect("alerts").is_empty());

    // Past the deadline, the two left expire, each alert naming its register.
    clock.advance(8 * DAY_MS);
    let unanswered = world.alerts_of("registry_unanswered", 2);
    let expired = world.alerts_of("challenge_expired", 2);
    let routed = |alerts: &[api::AlertView]| {
        let mut r: Vec<(String, String)> = alerts
            .iter()
            .map(|a| {
                (
                    a.detail.official.to_string(),
                    a.detail
                        .registry
                        .as_ref()
                        .map(|r| r.to_string())
                        .unwrap_or_default(),
                )
            })
            .collect();
        r.sort();
        r
    };
    let expect = vec![
        ("GOV-0003".to_owned(), "land".to_owned()),
        ("GOV-0004".to_owned(), "vehicles".to_owned()),
    ];
    assert_eq!(routed(&unanswered), expect);
    assert_eq!(routed(&expired), expect);
    assert!(
        unanswered[0].detail.message.contains("register"),
        "{}",
        unanswered[0].detail.message
    );
    let alerted: std::collections::BTreeSet<String> = world
        .supervisor
        .alerts()
        .expect("alerts")
        .iter()
        .map(|a| a.detail.official.to_string())
        .collect();
    assert_eq!(alerted.len(), 2, "everyone else is silent: {alerted:?}");

    // The risk view puts them first, with the reasons.
    let risk = world.supervisor.risk().expect("risk");
    assert_eq!(risk.len(), 2);
    for v in &risk {
        assert_eq!(v.weight, 5 + 3);
        let rules: Vec<&str> = v.alerts.iter().map(|a| a.rule.as_str()).collect();
        assert_eq!(rules, ["registry_unanswered", "challenge_expired"]);
    }

    // The official who hid the flat amends after the challenge: that alerts too.
    let hider = &mut people[HIDES_A_FLAT - 1];
    let mut items: Vec<(String, u64)> = (0..5).map(|k| (land(3, k), FLAT_VALUE)).collect();
    items.extend((0..5).map(|k| (car(3, k), CAR_VALUE)));
    let mut list: Vec<Item<'_>> = items
        .iter()
        .enumerate()
        .map(|(k, (id, v))| {
            (
                if k < 5 { "real_estate" } else { "vehicle" },
                id.as_str(),
                *v,
            )
        })
        .collect();
    list.push(("salary", "", 30_000_000));
    let amended = hider.write(2026, &list);
    let alerts = hider.file(&amended, None, true);
    assert_eq!(alerts, ["declaration_amended", "amended_after_challenge"]);
}

#[test]
fn rules_over_periods_fire_where_they_should_and_stay_silent_elsewhere() {
    let clock = TestClock::new();
    let mut world = World::start(&clock, 3_600);
    let mut late = world.official("GOV-0001");
    let mut steady = world.official("GOV-0002");
    let mut clean_regulator = world.official_as("GOV-0003", "Financial regulation");
    let mut holding_regulator = world.official_as("GOV-0004", "financial regulation");
    let year = 365 * DAY_MS;
    let start = clock.now();
    // The policy, published before anyone files, holds from 2026: financial regulators
    // prove they hold no securities and no crypto assets.
    let policy = probity_client::registrar::read_policy_toml(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/policy.toml"),
        )
        .expect("the example policy")
        .replace("applies_from = 2027", "applies_from = 2026"),
    )
    .expect("the example policy reads");
    world.registrar.publish_policy(&policy).expect("published");
    for (k, period) in [2024u32, 2025, 2026].into_iter().enumerate() {
        let deadline = start + (k as u64 + 1) * year;
        world
            .registrar
            .set_deadline(probity_core::Period::new(period).expect("period"), deadline)
            .expect("deadline set");
    }
    // Net worth: 0.5 M, 0.6 M, then 6 M (two bands up) for the late one, no income to
    // explain it, and no wealth_growth proof; the steady one earns what it saves.
    let paths = |p: &Person, period: u32, deposit: u64, salary: u64| {
        p.write(
            period,
            &[("bank_deposit", "ACC-1", deposit), ("salary", "", salary)],
        )
    };
    let mut steady_prev: Option<PathBuf> = None;
    for (k, (period, late_deposit)) in [
        (2024u32, 50_000_000u64),
        (2025, 60_000_000),
        (2026, 600_000_000),
    ]
    .into_iter()
    .enumerate()
    {
        let deadline = start + (k as u64 + 1) * year;
        // The steady official files a day before each deadline, with growth from the last.
        clock.advance(deadline - DAY_MS - clock.now());
        let decl = paths(
            &steady,
            period,
            50_000_000 + k as u64 * 1_000_000,
            1_000_000,
        );
        let alerts = steady.file(&decl, steady_prev.as_deref(), false);
        assert!(alerts.is_empty(), "{period}: {alerts:?}");
        steady_prev = Some(decl.path.clone());
        // The late one files a day after the deadline in 2024 and 2025, on time in 2026.
        if period != 2026 {
            clock.advance(2 * DAY_MS);
        }
        let decl = paths(&late, period, late_deposit, 0);
        let alerts = late.file(&decl, None, false);
        let expected: &[&str] = match period {
            2024 => &["filed_after_deadline"],
            2025 => &[
                "filed_after_deadline",
                "many_late_filings",
                "wealth_growth_missing",
            ],
            _ => &[
                "wealth_growth_missing",
                "repeat_unexplained_growth",
                "band_jump",
            ],
        };
        assert_eq!(alerts, expected, "{period}");
    }
    assert!(world.rules_about("GOV-0002").is_empty());

    // Under the policy: the regulator without securities proves it with the filing and
    // raises nothing; the one holding securities is told, files without that proof, and
    // supervisors are alerted, naming the requirement. Others are not asked.
    let decl = clean_regulator.write(2026, &[("bank_deposit", "ACC-9", 10_000_000)]);
    let filed = clean_regulator.file_all(&decl, None, false);
    assert_eq!(
        filed.proofs,
        [
            StatementKind::NetWorthRange,
            StatementKind::CategoryTotalRange,
            StatementKind::CategoryTotalRange
        ]
    );
    assert!(filed.alerts.is_empty(), "{:?}", filed.alerts);
    let decl = holding_regulator.write(
        2026,
        &[
            ("bank_deposit", "ACC-9", 10_000_000),
            ("securities", "SH-600000", 1_000_000),
        ],
    );
    let filed = holding_regulator.file_all(&decl, None, false);
    assert_eq!(
        filed.proofs,
        [
            StatementKind::NetWorthRange,
            StatementKind::CategoryTotalRange
        ],
        "the crypto proof only"
    );
    assert_eq!(filed.alerts, ["required_proof_missing"]);
    let missing = world
        .supervisor
        .alerts()
        .expect("alerts")
        .into_iter()
        .find(|a| a.rule == "required_proof_missing")
        .expect("alerted");
    assert_eq!(missing.detail.official.as_str(), "GOV-0004");
    assert!(
        missing.detail.message.contains("no_securities"),
        "{}",
        missing.detail.message
    );
    assert!(world.rules_about("GOV-0003").is_empty());
    // A policy cannot change a period already filed for.
    let err = world
        .registrar
        .publish_policy(&policy)
        .expect_err("refused");
    let probity_client::RegistrarError::Request { source, .. } = &err else {
        panic!("{err}");
    };
    assert!(source.to_string().contains("filed for 2026"), "{source}");
    assert_eq!(
        world
            .client
            .get::<Vec<api::PolicyView>>("/v1/policies")
            .expect("policies")
            .len(),
        1,
        "nothing was published"
    );
    let jump = world
        .supervisor
        .alerts()
        .expect("alerts")
        .into_iter()
        .find(|a| a.rule == "band_jump")
        .expect("band_jump");
    assert!(
        jump.detail.message.contains("rose 2 bands"),
        "{}",
        jump.detail.message
    );

    // /v1/info lists every rule with what fires it, its weight and its settings.
    let info: api::ServiceInfo = world.client.get("/v1/info").expect("info");
    let names: Vec<&str> = info.rules.iter().map(|r| r.name.as_str()).collect();
    for rule in [
        "band_jump",
        "amended_after_challenge",
        "registry_unanswered",
        "many_late_filings",
        "repeat_unexplained_growth",
    ] {
        assert!(names.contains(&rule), "{rule} in {names:?}");
    }
    let late_rule = info
        .rules
        .iter()
        .find(|r| r.name == "many_late_filings")
        .expect("listed");
    assert_eq!(
        late_rule.settings,
        [
            api::RuleSetting {
                name: "late_filings_threshold".into(),
                value: 2
            },
            api::RuleSetting {
                name: "late_filings_window".into(),
                value: 3
            },
        ]
    );
}
