//! What the library's tests share: a real service, started in this process on port 0 with
//! the system clock (the whistleblower computes epochs from this machine's clock).
#![allow(dead_code, unreachable_pub, missing_docs)]

use std::path::Path;

use probity_core::{Capacity, StatementKind};
use probity_service::{Background, Config, Service};

/// The capacity the test service accepts and has dev keys for.
pub const CAPACITY: Capacity = Capacity::C16;

/// A service on `dir` (dev params for every statement made there) with `registrar` as its
/// registrar key.
pub fn start_service(dir: &Path, registrar: &ed25519_dalek::VerifyingKey) -> Background {
    start_service_for(dir, registrar, &StatementKind::ALL)
}

/// A service on `dir` with dev params for `statements` only (each takes seconds to make).
pub fn start_service_for(
    dir: &Path,
    registrar: &ed25519_dalek::VerifyingKey,
    statements: &[StatementKind],
) -> Background {
    start(dir, registrar, statements, |_| {})
}

/// A service on `dir` with every statement, whose config `tweak` adjusts.
pub fn start_service_with(
    dir: &Path,
    registrar: &ed25519_dalek::VerifyingKey,
    tweak: impl FnOnce(&mut Config),
) -> Background {
    start(dir, registrar, &StatementKind::ALL, tweak)
}

fn start(
    dir: &Path,
    registrar: &ed25519_dalek::VerifyingKey,
    statements: &[StatementKind],
    tweak: impl FnOnce(&mut Config),
) -> Background {
    probity_params::setup_dev(
        &dir.join("params"),
        statements,
        &[CAPACITY],
        &mut rand::rngs::OsRng,
        |_| {},
    )
    .expect("dev params");
    let mut config = Config {
        data_dir: dir.to_owned(),
        capacities: vec![usize::from(CAPACITY)],
        registrar_key: Some(hex::encode(registrar.as_bytes())),
        tip_batch_secs: 0,
        // Tests run on dev keys made for them.
        allow_dev_keys: true,
        ..Config::default()
    };
    tweak(&mut config);
    let service =
        Service::open(config, probity_service::system_clock()).expect("the service opens");
    Background::start(service).expect("the service listens")
}
