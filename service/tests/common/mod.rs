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
use probity_client::Client;
use probity_core::{
    Blindings, Capacity, Declaration, Opening, ProofEnvelope, SignedAmount, StatementKind,
};
use probity_ledger::{CheckpointVerifier, DeclarationFiled, Receipt};
use probity_service::{api, Background, Config, Service};

/// Params for capacity 16, made once per test binary.
///
/// A static is never dropped, so a `TempDir` here would outlive every run: the params live in
/// `target/tmp` under this process's id instead, and those of runs that have ended are removed.
pub fn params_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("probity-service-params");
        std::fs::create_dir_all(&root).expect("mkdir");
        let me = std::process::id();
        if Path::new("/proc/self").exists() {
            for entry in std::fs::read_dir(&root).expect("read dir").flatten() {
                let pid = entry
                    .file_name()
                    .to_str()
                    .and_then(|n| n.parse::<u32>().ok());
                if let Some(pid) = pid.filter(|p| *p != me) {
                    if !Path::new(&format!("/proc/{pid}")).exists() {
                        let _ = std::fs::remove_dir_all(entry.path());
                    }
                }
            }
        }
        let dir = root.join(me.to_string());
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("mkdir");
        probity_params::setup_dev(
            &dir,
            &StatementKind::ALL,
            &[Capacity::C16],
            &mut rand::rngs::OsRng,
            |_| {},
        )
        .expect("dev params");
        dir
    })
}

pub fn copy_params(data_dir: &Path) {
    let to = data_dir.join("params");
    std::fs::create_dir_all(&to).expect("mkdir");
    for f in std::fs::read_dir(params_dir()).expect("read params") {
        let f = f.expect("entry");
        // The keys and the manifest; not the matrices a prover kept in its own folder there.
        if f.file_type().expect("file type").is_file() {
            std::fs::copy(f.path(), to.join(f.file_name())).expect("copy");
        }
    }
}

/// 2026-03-01 00:00 UTC.
pub const START_MS: u64 = 1_772_323_200_000;

pub struct TestServer {
    pub dir: tempfile::TempDir,
    pub base: String,
    pub clock: Arc<AtomicU64>,
    pub registrar: SigningKey,
    server: Option<Background>,
}

pub fn config(dir: &Path, registrar: &SigningKey) -> Config {
    Config {
        data_dir: dir.to_owned(),
        capacities: vec![16],
        registrar_key: Some(hex::encode(registrar.verifying_key().as_bytes())),
        // Most tests want a tip's receipt in its answer; the pool has tests of its own.
        tip_batch_secs: 0,
        // Tests run on dev keys made for them.
        allow_dev_keys: true,
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
        Self::launch(dir, registrar, START_MS, |_| {})
    }

    /// Stops the server gracefully and hands back its folder and registrar.
    pub fn stop(mut self) -> (tempfile::TempDir, SigningKey) {
        self.halt().expect("the server stops cleanly");
        let dir = std::mem::replace(&mut self.dir, tempfile::tempdir().expect("tempdir"));
        (dir, self.registrar.clone())
    }

    fn halt(&mut self) -> std::io::Result<()> {
        self.server.take().map_or(Ok(()), Background::stop)
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
        let _ = self.halt();
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

/// The prover of `kind` at capacity 16, loaded once per test binary (loading a proving key
/// and its constraint matrices costs more than a proof).
pub fn prover(kind: StatementKind) -> &'static probity_prover::Prover {
    static PROVERS: OnceLock<Vec<(StatementKind, OnceLock<probity_prover::Prover>)>> =
        OnceLock::new();
    let slots = PROVERS.get_or_init(|| {
        StatementKind::ALL
            .iter()
            .map(|k| (*k, OnceLock::new()))
            .collect()
    });
    let (_, slot) = slots
        .iter()
        .find(|(k, _)| *k == kind)
        .expect("every statement has a slot");
    slot.get_or_init(|| {
        let params = probity_params::Params::open(params_dir()).expect("params");
        probity_prover::Prover::from_params(&params, kind, Capacity::C16).expect("prover")
    })
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

// ----- configurable and restartable servers ------------------------------------------------

impl TestServer {
    /// A server whose config `tweak` adjusts (e.g. a short sweep interval).
    pub fn start_with(tweak: impl FnOnce(&mut Config)) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        copy_params(dir.path());
        let registrar = SigningKey::generate(&mut rand::rngs::OsRng);
        Self::launch(dir, registrar, START_MS, tweak)
    }

    /// [`Self::start_in`], with the config adjusted by `tweak`.
    pub fn start_in_with(
        dir: tempfile::TempDir,
        registrar: SigningKey,
        tweak: impl FnOnce(&mut Config),
    ) -> Self {
        Self::launch(dir, registrar, START_MS, tweak)
    }

    /// Stops the server and starts another on the same folder, with the clock where it was.
    pub fn restart(self) -> Self {
        let now = self.now_ms();
        let (dir, registrar) = self.stop();
        Self::launch(dir, registrar, now, |_| {})
    }

    fn launch(
        dir: tempfile::TempDir,
        registrar: SigningKey,
        now_ms: u64,
        tweak: impl FnOnce(&mut Config),
    ) -> Self {
        let mut config = config(dir.path(), &registrar);
        tweak(&mut config);
        let clock = Arc::new(AtomicU64::new(now_ms));
        let c = Arc::clone(&clock);
        let service = Service::open(
            config,
            Arc::new(move || {
                probity_ledger::Timestamp::from_millis(c.load(Ordering::SeqCst)).expect("small")
            }),
        )
        .expect("service opens");
        let server = Background::start(service).expect("the server listens");
        Self {
            dir,
            base: server.base_url(),
            clock,
            registrar,
            server: Some(server),
        }
    }

    /// One request with exactly these headers and body, past the client's signing: for
    /// replays and for headers the client never sends. Returns the status and the body.
    pub fn raw(
        &self,
        method: &str,
        path: &str,
        headers: &[(String, String)],
        body: &[u8],
    ) -> (u16, Vec<u8>) {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let url = format!("{}{path}", self.base);
        let mut response = if method == "GET" {
            let mut request = agent.get(&url);
            for (name, value) in headers {
                request = request.header(name, value);
            }
            request.call()
        } else {
            let mut request = agent.post(&url).header("content-type", "application/json");
            for (name, value) in headers {
                request = request.header(name, value);
            }
            request.send(body)
        }
        .expect("the server answers");
        let status = response.status().as_u16();
        let bytes = response.body_mut().read_to_vec().expect("body");
        (status, bytes)
    }

    /// The signature headers of a request by `key` at the server's clock.
    pub fn sign(
        &self,
        key: &SigningKey,
        method: &str,
        path: &str,
        body: &[u8],
    ) -> Vec<(String, String)> {
        probity_service::auth::sign_request(key, method, path, body, self.now_ms() / 1000)
            .into_iter()
            .map(|(n, v)| (n.to_owned(), v))
            .collect()
    }

    /// The size of the latest checkpoint.
    pub fn ledger_size(&self) -> u64 {
        let note = self
            .client()
            .get_bytes("/v1/log/checkpoint")
            .expect("checkpoint");
        checkpoint_size(&note)
    }

    /// Enrollment codes for `scope`, from the registrar.
    pub fn codes(&self, count: u64, scope: &str) -> Vec<String> {
        let codes: api::EnrollmentCodes = self
            .as_registrar()
            .post(
                "/v1/admin/enrollment-codes",
                &api::IssueEnrollmentCodes {
                    count,
                    scope: scope.into(),
                },
            )
            .expect("codes");
        codes.codes
    }

    /// A whistleblower enrolled with a fresh code for `scope`.
    pub fn whistleblower(&self, scope: &str) -> Tipper {
        let info: api::ServiceInfo = self.client().get("/v1/info").expect("info");
        let code = self.codes(1, scope).remove(0);
        let (request, state) = issuance_request(&info, &code, scope);
        let enrolled: api::Enrolled = self
            .client()
            .post("/v1/enroll", &request)
            .expect("enrolled");
        Tipper::from_enrollment(&info, state, &enrolled)
    }
}

/// The size line of a checkpoint note.
pub fn checkpoint_size(note: &[u8]) -> u64 {
    std::str::from_utf8(note)
        .expect("a checkpoint is text")
        .lines()
        .nth(1)
        .and_then(|l| l.parse().ok())
        .expect("a checkpoint's second line is its size")
}

// ----- whistleblowers ----------------------------------------------------------------------

/// An issuance request for `code` expecting the service's published scope and expiry.
pub fn issuance_request(
    info: &api::ServiceInfo,
    code: &str,
    scope: &str,
) -> (api::Enroll, probity_credentials::issuance::State) {
    issuance_request_expiring(info, code, scope, info.credential_expiry)
}

/// [`issuance_request`] asking for a credential that expires at `expiry`.
pub fn issuance_request_expiring(
    info: &api::ServiceInfo,
    code: &str,
    scope: &str,
    expiry: u64,
) -> (api::Enroll, probity_credentials::issuance::State) {
    let params = probity_credentials::IssuerPublicParams::from_bytes(
        &hex::decode(&info.issuer_params).expect("hex"),
    )
    .expect("params");
    let expected = probity_credentials::CredentialAttributes::new(
        probity_credentials::Epoch(expiry),
        probity_credentials::Scope::new(scope).expect("scope"),
    );
    let code = probity_credentials::EnrollmentCode::parse(code).expect("code");
    let (request, state) =
        probity_credentials::issuance::request(&params, code, expected, &mut rand::rngs::OsRng);
    (
        api::Enroll {
            request: hex::encode(request.to_bytes()),
        },
        state,
    )
}

/// A whistleblower's credential and what tipping needs.
pub struct Tipper {
    pub credential: probity_credentials::Credential,
    pub params: probity_credentials::IssuerPublicParams,
    pub tip_key: probity_credentials::TipPublicKey,
}

impl Tipper {
    pub fn from_enrollment(
        info: &api::ServiceInfo,
        state: probity_credentials::issuance::State,
        enrolled: &api::Enrolled,
    ) -> Self {
        let response = probity_credentials::issuance::Response::from_bytes(
            &hex::decode(&enrolled.response).expect("hex"),
        )
        .expect("response");
        Self {
            credential: state.handle_response(response).expect("credential"),
            params: probity_credentials::IssuerPublicParams::from_bytes(
                &hex::decode(&info.issuer_params).expect("hex"),
            )
            .expect("params"),
            tip_key: tip_key(info),
        }
    }

    /// A credential from an issuer the service does not know, with the right scope and
    /// expiry: what someone without an enrollment code could make.
    pub fn rogue(info: &api::ServiceInfo, scope: &str) -> Self {
        use probity_credentials::EnrollmentStore as _;
        let issuer = probity_credentials::Issuer::generate(&mut rand::rngs::OsRng);
        let codes = probity_credentials::EnrollmentCodes::new();
        let code = codes.issue_code(&mut rand::rngs::OsRng).expect("code");
        let attributes = probity_credentials::CredentialAttributes::new(
            probity_credentials::Epoch(info.credential_expiry),
            probity_credentials::Scope::new(scope).expect("scope"),
        );
        let params = issuer.public_params().clone();
        let (request, state) = probity_credentials::issuance::request(
            &params,
            code,
            attributes.clone(),
            &mut rand::rngs::OsRng,
        );
        let response = issuer
            .handle_issuance(&request, &codes, &attributes, &mut rand::rngs::OsRng)
            .expect("issued");
        Self {
            credential: state.handle_response(response).expect("credential"),
            params,
            tip_key: tip_key(info),
        }
    }

    /// A sealed tip about `subject` in `epoch`, with this credential's presentation.
    pub fn tip(&self, subject: &str, epoch: u64, text: &str) -> api::SubmitTip {
        use base64::Engine as _;
        let context = probity_credentials::TipContext::new(
            probity_credentials::Subject::new(subject).expect("subject"),
            probity_credentials::Epoch(epoch),
        );
        let body = probity_credentials::TipBody::new(text, Vec::new()).expect("body");
        let sealed =
            probity_credentials::seal(&self.tip_key, &context, &body, &mut rand::rngs::OsRng)
                .expect("sealed");
        let presentation = probity_credentials::presentation::present(
            &self.credential,
            &self.params,
            &context,
            &sealed,
            &mut rand::rngs::OsRng,
        )
        .expect("presented");
        api::SubmitTip {
            subject: subject.into(),
            epoch,
            sealed: base64::engine::general_purpose::STANDARD.encode(sealed.to_bytes()),
            presentation: hex::encode(presentation.to_bytes()),
        }
    }
}

pub fn tip_key(info: &api::ServiceInfo) -> probity_credentials::TipPublicKey {
    probity_credentials::TipPublicKey::from_bytes(&hex::decode(&info.tip_key).expect("hex"))
        .expect("tip key")
}

// ----- proofs made once per test binary ----------------------------------------------------

fn declaration_text(name: &str) -> String {
    std::fs::read_to_string(examples().join(name)).expect("example")
}

/// Every spelling of a decimal integer that could give it away in a log: the decimal itself,
/// and its hex in either case (as a field element's or an amount's bytes would print).
pub fn spellings(decimal: &str) -> [String; 3] {
    // Long division by 16 of the decimal digits, most significant first.
    let mut digits: Vec<u32> = decimal
        .chars()
        .map(|c| c.to_digit(10).expect("a decimal integer"))
        .collect();
    let mut hex = Vec::new();
    while digits.iter().any(|&d| d != 0) {
        let mut rest = 0;
        for d in &mut digits {
            let x = rest * 10 + *d;
            *d = x / 16;
            rest = x % 16;
        }
        hex.push(char::from_digit(rest, 16).expect("below 16"));
    }
    let hex: String = hex.into_iter().rev().collect();
    [decimal.to_owned(), hex.clone(), hex.to_uppercase()]
}

/// Declarations, keys and proofs shared by the tests of one binary: each proof is made the
/// first time a test asks for it.
pub struct Fixtures {
    /// GOV-0001's key.
    pub gov1: SigningKey,
    /// GOV-0002's key.
    pub gov2: SigningKey,
    /// GOV-0001's 2026 declaration (its first item is a registry asset).
    pub d2026: Declaration,
    /// GOV-0001, 2024 (the 2025 values).
    pub o2024: Opening,
    /// GOV-0001, 2025.
    pub o2025: Opening,
    /// GOV-0001, 2026 (growth explained by income).
    pub o2026: Opening,
    /// GOV-0002, 2025.
    pub p2025: Opening,
    proofs: [OnceLock<ProofEnvelope>; 8],
}

pub fn fixtures() -> &'static Fixtures {
    static FX: OnceLock<Fixtures> = OnceLock::new();
    FX.get_or_init(|| {
        let d2026 = declaration("gov-0001-2026.toml");
        let d2024 = Declaration::from_toml(
            &declaration_text("gov-0001-2025.toml").replace("period = 2025", "period = 2024"),
        )
        .expect("valid");
        Fixtures {
            gov1: SigningKey::from_bytes(&[11; 32]),
            gov2: SigningKey::from_bytes(&[12; 32]),
            o2024: opening(&d2024),
            o2025: opening(&declaration("gov-0001-2025.toml")),
            o2026: opening(&d2026),
            p2025: opening(&declaration_as("gov-0001-2025.toml", "GOV-0002")),
            d2026,
            proofs: Default::default(),
        }
    })
}

impl Fixtures {
    fn proof(&self, i: usize, make: impl FnOnce() -> ProofEnvelope) -> ProofEnvelope {
        self.proofs[i].get_or_init(make).clone()
    }

    /// `net_worth_range` of GOV-0001's 2025 declaration, for its public band.
    pub fn band2025(&self) -> ProofEnvelope {
        self.proof(0, || band_proof(&self.o2025))
    }

    /// `net_worth_range` of GOV-0001's 2026 declaration, for its public band.
    pub fn band2026(&self) -> ProofEnvelope {
        self.proof(1, || band_proof(&self.o2026))
    }

    /// `wealth_growth` from GOV-0001's 2025 to 2026.
    pub fn growth2025to2026(&self) -> ProofEnvelope {
        self.proof(2, || {
            prover(StatementKind::WealthGrowth)
                .wealth_growth(
                    &self.o2025,
                    &self.o2026,
                    probity_core::Amount(0),
                    &mut rand::rngs::OsRng,
                )
                .expect("explained")
        })
    }

    /// `asset_included` of GOV-0001's first 2026 item at its declared value.
    pub fn asset2026(&self) -> ProofEnvelope {
        self.proof(3, || {
            let item = &self.d2026.items()[0];
            prover(StatementKind::AssetIncluded)
                .asset_included(
                    &self.o2026,
                    &item.asset_id,
                    item.value,
                    &mut rand::rngs::OsRng,
                )
                .expect("declared")
        })
    }

    /// `net_worth_range` of GOV-0002's 2025 declaration, for its public band.
    pub fn gov2_band2025(&self) -> ProofEnvelope {
        self.proof(4, || band_proof(&self.p2025))
    }

    /// `net_worth_range` of GOV-0001's 2024 declaration, for its public band.
    pub fn band2024(&self) -> ProofEnvelope {
        self.proof(5, || band_proof(&self.o2024))
    }

    /// `wealth_growth` from GOV-0001's 2024 straight to 2026.
    pub fn growth2024to2026(&self) -> ProofEnvelope {
        self.proof(6, || {
            prover(StatementKind::WealthGrowth)
                .wealth_growth(
                    &self.o2024,
                    &self.o2026,
                    probity_core::Amount(0),
                    &mut rand::rngs::OsRng,
                )
                .expect("explained")
        })
    }

    /// `net_worth_range` of GOV-0001's 2025 declaration for bounds that are no public band.
    pub fn off_band2025(&self) -> ProofEnvelope {
        self.proof(7, || {
            prover(StatementKind::NetWorthRange)
                .net_worth_range(
                    &self.o2025,
                    SignedAmount(0),
                    SignedAmount(1 << 62),
                    &mut rand::rngs::OsRng,
                )
                .expect("proof")
        })
    }
}

pub mod oneshot;
pub mod openapi;

/// The receipt of a tip logged at once (the tests' default: `tip_batch_secs = 0`).
pub trait LoggedAtOnce {
    fn logged(&self) -> &Receipt;
}

impl LoggedAtOnce for api::TipAccepted {
    fn logged(&self) -> &Receipt {
        self.receipt
            .as_ref()
            .expect("tips are logged at once in this test")
    }
}
