//! A real service on port 0 over real HTTP, with a clock the test moves, and the
//! parties a story needs: a registrar, officials, a supervisor.
#![allow(dead_code, unreachable_pub, missing_docs)]

use std::{
    path::{Path, PathBuf},
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, OnceLock,
    },
};

use ed25519_dalek::SigningKey;
use probity_core::{
    Blindings, Capacity, Declaration, Opening, ProofEnvelope, SignedAmount, StatementKind,
};
use probity_ledger::{CheckpointVerifier, DeclarationFiled, Receipt};
use probity_service::{api, Client, Config, Service};

/// Params for capacity 16, made once per test binary.
pub fn params_dir() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        probity_params::setup_dev(
            dir.path(),
            &StatementKind::ALL,
            &[Capacity::C16],
            &mut rand::rngs::OsRng,
            |_| {},
        )
        .expect("dev params");
        dir
    })
    .path()
}

pub fn copy_params(data_dir: &Path) {
    let to = data_dir.join("params");
    std::fs::create_dir_all(&to).expect("mkdir");
    for f in std::fs::read_dir(params_dir()).expect("read params") {
        let f = f.expect("entry");
        std::fs::copy(f.path(), to.join(f.file_name())).expect("copy");
    }
}

/// 2026-03-01 00:00 UTC.
pub const START_MS: u64 = 1_772_323_200_000;

pub struct TestServer {
    pub dir: tempfile::TempDir,
    pub base: String,
    pub clock: Arc<AtomicU64>,
    pub registrar: SigningKey,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

pub fn config(dir: &Path, registrar: &SigningKey) -> Config {
    Config {
        data_dir: dir.to_owned(),
        capacities: vec![16],
        registrar_key: Some(hex::encode(registrar.verifying_key().as_bytes())),
        ..Config::default()
    }
}

impl TestServer {
    pub fn start() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        copy_params(dir.path());
        let registrar = SigningKey::generate(&mut rand::rngs::OsRng);
        Self::start_in(dir, registrar)
    }

    pub fn start_in(dir: tempfile::TempDir, registrar: SigningKey) -> Self {
        let clock = Arc::new(AtomicU64::new(START_MS));
        let c = Arc::clone(&clock);
        let service = Service::open(
            config(dir.path(), &registrar),
            Arc::new(move || {
                probity_ledger::Timestamp::from_millis(c.load(Ordering::SeqCst)).expect("small")
            }),
        )
        .expect("service opens");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("bind");
                addr_tx
                    .send(listener.local_addr().expect("addr"))
                    .expect("send");
                probity_service::serve(service, listener, async {
                    let _ = rx.await;
                })
                .await
                .expect("serve");
            });
        });
        let addr = addr_rx.recv().expect("address");
        Self {
            dir,
            base: format!("http://{addr}"),
            clock,
            registrar,
            shutdown: Some(tx),
            thread: Some(thread),
        }
    }

    /// Stops the server gracefully and hands back its folder and registrar.
    pub fn stop(mut self) -> (tempfile::TempDir, SigningKey) {
        self.halt();
        let dir = std::mem::replace(&mut self.dir, tempfile::tempdir().expect("tempdir"));
        (dir, self.registrar.clone())
    }

    fn halt(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            t.join().expect("server thread");
        }
    }

    pub fn client(&self) -> Client {
        let c = Arc::clone(&self.clock);
        Client::new(&self.base).with_clock(Arc::new(move || {
            probity_ledger::Timestamp::from_millis(c.load(Ordering::SeqCst)).expect("small")
        }))
    }

    pub fn as_registrar(&self) -> Client {
        self.client().signed(self.registrar.clone())
    }

    pub fn advance_ms(&self, ms: u64) {
        self.clock.fetch_add(ms, Ordering::SeqCst);
    }

    pub fn now_ms(&self) -> u64 {
        self.clock.load(Ordering::SeqCst)
    }

    pub fn log_key(&self) -> CheckpointVerifier {
        let info: api::ServiceInfo = self.client().get("/v1/info").expect("info");
        CheckpointVerifier::from_vkey(&info.log_key).expect("log key")
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().to_owned()
    }

    pub fn register_official(&self, id: &str, jurisdiction: &str) -> SigningKey {
        let key = SigningKey::generate(&mut rand::rngs::OsRng);
        let _: api::Written = self
            .as_registrar()
            .post(
                "/v1/admin/officials",
                &api::RegisterOfficial {
                    official: probity_core::OfficialId::new(id).expect("id"),
                    name: format!("Official {id}"),
                    position: "Head of department".into(),
                    jurisdiction: jurisdiction.into(),
                    public_key: hex::encode(key.verifying_key().as_bytes()),
                },
            )
            .expect("registered");
        key
    }

    pub fn register_supervisor(&self, id: &str) -> SigningKey {
        let key = SigningKey::generate(&mut rand::rngs::OsRng);
        let _: api::Written = self
            .as_registrar()
            .post(
                "/v1/admin/supervisors",
                &api::RegisterSupervisor {
                    supervisor: probity_ledger::SupervisorId::new(id).expect("id"),
                    public_key: hex::encode(key.verifying_key().as_bytes()),
                },
            )
            .expect("registered");
        key
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.halt();
    }
}

pub fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples")
}

pub fn declaration(name: &str) -> Declaration {
    let text = std::fs::read_to_string(examples().join(name)).expect("example");
    Declaration::from_toml(&text).expect("valid")
}

pub fn declaration_as(name: &str, official: &str) -> Declaration {
    let text = std::fs::read_to_string(examples().join(name))
        .expect("example")
        .replace(
            "official = \"GOV-0001\"",
            &format!("official = \"{official}\""),
        );
    Declaration::from_toml(&text).expect("valid")
}

pub fn opening(d: &Declaration) -> Opening {
    Opening::new(d, Blindings::random(d.capacity(), &mut rand::rngs::OsRng)).expect("opening")
}

pub fn prover(kind: StatementKind) -> probity_prover::Prover {
    let params = probity_params::Params::open(params_dir()).expect("params");
    probity_prover::Prover::from_params(&params, kind, Capacity::C16).expect("prover")
}

pub fn band_proof(o: &Opening) -> ProofEnvelope {
    let band = probity_service::default_bands()
        .into_iter()
        .find(|b| i128::from(b.lo) <= o.net_worth() && o.net_worth() <= i128::from(b.hi))
        .expect("a band");
    prover(StatementKind::NetWorthRange)
        .net_worth_range(
            o,
            SignedAmount(band.lo),
            SignedAmount(band.hi),
            &mut rand::rngs::OsRng,
        )
        .expect("proof")
}

pub fn filing(o: &Opening, key: &SigningKey, proofs: Vec<ProofEnvelope>) -> api::FileDeclaration {
    api::FileDeclaration {
        filing: DeclarationFiled::sign(
            o.official().clone(),
            o.period(),
            o.capacity(),
            o.commitment(),
            key,
        ),
        proofs,
    }
}

pub fn verify_receipts(receipts: &[Receipt], log: &CheckpointVerifier) {
    assert!(!receipts.is_empty(), "a write returns receipts");
    for r in receipts {
        r.verify(log)
            .expect("the receipt verifies against the log key");
    }
}
