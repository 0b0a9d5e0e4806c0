//! Registry cross-checks at the scale of a supervisory body: `cargo bench --bench registry`.
//!
//! Starts the service in this process (a fresh data folder, dev keys for capacities 16 and
//! 64, the system clock), registers a supervisor and `PROBITY_REGISTRY_OFFICIALS` officials
//! (1,000 by default), and files a declaration for each (one `net_worth_range` proof each, made
//! before any clock starts). Then it measures, `PROBITY_REGISTRY_ROUNDS` times (3 by default):
//!
//! 1. **import**: a register of `PROBITY_REGISTRY_ROWS` rows (10,000 by default, ten assets per
//!    official, new asset ids each round), from CSV text to every challenge logged with its
//!    receipt checked and kept: reading and checking the file, hashing the ids, sending the
//!    batches, the service logging each batch durably.
//! 2. **answer all**: an official with 20 open challenges (issued by hand before the clock
//!    starts) on a capacity-64 declaration answers them with one `respond --all`: planning,
//!    20 `asset_included` proofs with one loaded key, sending each and keeping its receipts.
//!    The wallet is unlocked before the clock starts (Argon2id, about 0.15 s, once per run).
//!
//! Peak memory is the process's high-water mark (`VmHWM`) after each phase: the service runs
//! in this process, so it counts the service's memory too. The client threads share the
//! machine's cores with the service. No figure is asserted: they are for people.

use std::time::Instant;

use ed25519_dalek::SigningKey;
use probity_client::{
    api,
    official::{DeclarationFile, ParamsSource, Planned},
    supervisor::{self, Challenge},
    Client, NoProgress, Official, Supervisor,
};
use probity_ledger::{RegistryName, SupervisorId};
use probity_prover::wallet::{Passphrase, Wallet};
use probity_service::{Background, Config, Service};
use rand::rngs::OsRng;

#[path = "../tests/load/mod.rs"]
mod load;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .map(|v| {
            v.trim()
                .parse()
                .unwrap_or_else(|_| panic!("{name}=`{v}` is not a whole number"))
        })
        .unwrap_or(default)
}

/// The process's peak resident memory so far, in MiB.
fn peak_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn main() {
    let officials = env_or("PROBITY_REGISTRY_OFFICIALS", 1_000);
    let rows = env_or("PROBITY_REGISTRY_ROWS", 10_000);
    let rounds = env_or("PROBITY_REGISTRY_ROUNDS", 3).max(1);
    let per_official = rows.div_ceil(officials.max(1));
    println!(
        "registry: {officials} officials, {rows} rows per import ({per_official} per official), {rounds} rounds; {} cores",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );

    // ----- preparation, off the clock -------------------------------------------------------
    let prep = Instant::now();
    let dir = tempfile::tempdir().expect("a temp folder");
    let supervisor_dir = tempfile::tempdir().expect("a temp folder");
    let official_dir = tempfile::tempdir().expect("a temp folder");
    let registrar_key = SigningKey::generate(&mut OsRng);
    let service = Service::open(
        Config {
            data_dir: dir.path().to_owned(),
            capacities: vec![16, 64],
            registrar_key: Some(hex::encode(registrar_key.verifying_key().as_bytes())),
            tip_batch_secs: 0,
            allow_dev_keys: true,
            ..Config::default()
        },
        probity_service::system_clock(),
    )
    .expect("the service opens");
    let server = Background::start(service).expect("the service listens");
    let client = Client::new(&server.base_url());
    let as_registrar = client.signed(registrar_key.clone());
    let supervisor_key = Supervisor::init(supervisor_dir.path())
        .expect("a supervisor key")
        .public_key;
    let _: api::Written = as_registrar
        .post(
            "/v1/admin/supervisors",
            &api::RegisterSupervisor {
                supervisor: SupervisorId::new("LAND-DEPT").expect("an id"),
                public_key: hex::encode(supervisor_key.as_bytes()),
            },
        )
        .expect("the supervisor is registered");
    let supervisor = Supervisor::open(&client, supervisor_dir.path()).expect("the supervisor");
    println!(
        "server up with dev keys: {:.1} s",
        prep.elapsed().as_secs_f64()
    );

    let t = Instant::now();
    let filers = load::officials(&as_registrar, &dir.path().join("params"), officials);
    for o in &filers {
        let _: api::FilingAccepted = client
            .signed(o.key.clone())
            .post_raw("/v1/filings", o.filing.clone())
            .expect("the filing is accepted");
    }
    println!(
        "{officials} officials registered and filed (one proof each): {:.1} s",
        t.elapsed().as_secs_f64()
    );

    // The official who answers: 20 assets at capacity 64.
    let wallet_path = official_dir.path().join("wallet.probity");
    let passphrase = Passphrase::new("correct horse battery staple");
    let init = Official::init(official_dir.path(), &wallet_path, Some(&passphrase)).expect("init");
    let _: api::Written = as_registrar
        .post(
            "/v1/admin/officials",
            &api::RegisterOfficial {
                official: probity_core::OfficialId::new("GOV-0001").expect("an id"),
                name: "Official GOV-0001".into(),
                position: "Director".into(),
                jurisdiction: "CN-ZJ".into(),
                public_key: hex::encode(init.public_key.as_bytes()),
            },
        )
        .expect("registered");
    let official = Official::open(&client, official_dir.path()).expect("the official");
    let mut wallet = Wallet::open(&wallet_path, &passphrase).expect("the wallet");
    let asset = |k: usize| format!("浙(2020)杭州市不动产权第{k:07}号");
    let mut text = "official = \"GOV-0001\"\nperiod = 2026\ncapacity = 64\n".to_owned();
    for k in 0..20 {
        text.push_str(&format!(
            "\n[[item]]\ncategory = \"real_estate\"\nasset_id = \"{}\"\nvalue = 100000000\n",
            asset(k)
        ));
    }
    let decl_path = official_dir.path().join("2026.toml");
    std::fs::write(&decl_path, text).expect("the declaration");
    let decl = DeclarationFile::read(&decl_path).expect("a declaration");
    let params = ParamsSource::Folder(dir.path().join("params"));
    let Planned::File(plan) = official
        .plan_filing(&decl, None, false, true, &params, &NoProgress)
        .expect("a filing plan")
    else {
        panic!("filed before");
    };
    official
        .file(*plan, &mut wallet, &NoProgress)
        .expect("filed");
    let registered = supervisor.registered_officials().expect("the officials");
    println!(
        "prepared in {:.1} s; peak memory {:.0} MiB",
        prep.elapsed().as_secs_f64(),
        peak_mib()
    );

    // ----- the measured rounds --------------------------------------------------------------
    let registry = RegistryName::new("land").expect("a name");
    let (mut imports, mut answers) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        let mut csv = String::from("official,asset_id,value,date\n");
        for (i, o) in filers.iter().enumerate() {
            for k in 0..per_official {
                if i * per_official + k < rows {
                    csv.push_str(&format!(
                        "{},R{round}-{i:05}-{k:03},150000000,2020-01-01\n",
                        o.id
                    ));
                }
            }
        }
        let due = probity_ledger::Timestamp::now().as_millis() + 30 * 86_400_000;
        let t = Instant::now();
        let read = supervisor::read_registry_csv(&csv).expect("the register reads");
        let plan = supervisor::plan_import(registry.clone(), &read, &registered, 80);
        let summary = supervisor
            .import_registry(&plan, due, &mut |_| {})
            .expect("imported");
        let secs = t.elapsed().as_secs_f64();
        assert_eq!(summary.issued.len(), rows, "every row issues a challenge");
        imports.push(secs);
        println!(
            "round {round}: import of {rows} rows: {secs:.2} s ({:.0} challenges/s, {} batches); peak memory {:.0} MiB",
            rows as f64 / secs,
            summary.batches,
            peak_mib()
        );

        for k in 0..20 {
            supervisor
                .challenge(
                    &Challenge::new(
                        probity_core::OfficialId::new("GOV-0001").expect("an id"),
                        &asset(k),
                        80_000_000,
                        due,
                        None,
                    )
                    .expect("a challenge"),
                )
                .expect("challenged");
        }
        let t = Instant::now();
        let plan = official
            .plan_all_answers(&decl, &params, &NoProgress)
            .expect("planned");
        assert_eq!(plan.answerable().count(), 20);
        let done = official
            .answer_all(plan, &wallet, &NoProgress)
            .expect("answered");
        let secs = t.elapsed().as_secs_f64();
        assert_eq!(done.answered.len(), 20);
        answers.push(secs);
        println!(
            "round {round}: answer 20 challenges at capacity 64: {secs:.2} s ({:.0} ms each); peak memory {:.0} MiB",
            secs * 1000.0 / 20.0,
            peak_mib()
        );
    }
    println!(
        "median of {rounds}: import {rows} rows {:.2} s; answer 20 challenges {:.2} s; peak memory {:.0} MiB (service and clients together)",
        median(imports),
        median(answers),
        peak_mib()
    );
    drop(server);
}
