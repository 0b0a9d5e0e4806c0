//! The application without a socket: `Service::router()` driven with
//! `tower::ServiceExt::oneshot`, a clock the test moves, and a request builder that signs
//! with `probity_service::auth::sign_request`.

use std::sync::{
    atomic::{AtomicU64, Ordering},
    Arc,
};

use axum::{
    body::Body,
    http::{HeaderMap, Method, Request, StatusCode},
};
use ed25519_dalek::SigningKey;
use http_body_util::BodyExt as _;
use probity_ledger::{CheckpointVerifier, Entry};
use probity_service::{api, Config, Service};
use serde::{de::DeserializeOwned, Serialize};
use tower::ServiceExt as _;

use super::{config, copy_params, issuance_request, Tipper, START_MS};

/// A request to send: signed when it has a key, at the app's clock unless told otherwise.
#[derive(Clone)]
pub struct Call {
    pub method: Method,
    pub path: String,
    pub body: Vec<u8>,
    pub headers: Vec<(String, String)>,
    key: Option<SigningKey>,
    timestamp: Option<u64>,
}

impl Call {
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        Self {
            method,
            path: path.into(),
            body: Vec::new(),
            headers: Vec::new(),
            key: None,
            timestamp: None,
        }
    }

    pub fn get(path: impl Into<String>) -> Self {
        Self::new(Method::GET, path)
    }

    pub fn post(path: impl Into<String>) -> Self {
        Self::new(Method::POST, path)
    }

    /// The body, as JSON.
    pub fn json(mut self, body: &impl Serialize) -> Self {
        self.body = serde_json::to_vec(body).expect("serializes");
        self.headers
            .push(("content-type".into(), "application/json".into()));
        self
    }

    /// The body, as given.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Signed by `key` (when sent, unless [`Call::signed`] fixes the signature first).
    pub fn by(mut self, key: &SigningKey) -> Self {
        self.key = Some(key.clone());
        self
    }

    /// Signed with this timestamp (POSIX seconds) instead of the app's clock.
    pub fn at(mut self, secs: u64) -> Self {
        self.timestamp = Some(secs);
        self
    }

    /// Signs now: the headers are fixed, so sending clones of the result replays it.
    pub fn signed(mut self, now_secs: u64) -> Self {
        if let Some(key) = self.key.take() {
            let ts = self.timestamp.unwrap_or(now_secs);
            for (name, value) in probity_service::auth::sign_request(
                &key,
                self.method.as_str(),
                &self.path,
                &self.body,
                ts,
            ) {
                self.headers.push((name.into(), value));
            }
        }
        self
    }
}

/// What the app answered.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as `T`, after checking the status is 2xx.
    pub fn ok<T: DeserializeOwned>(&self) -> T {
        assert!(
            self.status.is_success(),
            "expected success, got {}: {}",
            self.status,
            self.text()
        );
        self.json()
    }

    pub fn json<T: DeserializeOwned>(&self) -> T {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not the expected JSON ({e}): {}", self.text()))
    }

    /// The error envelope's code, after checking the envelope has exactly the documented
    /// shape `{"error": {"code", "message"}}` with a non-empty message, served as JSON.
    pub fn error_code(&self) -> String {
        assert!(
            self.status.is_client_error() || self.status.is_server_error(),
            "expected an error, got {}: {}",
            self.status,
            self.text()
        );
        assert!(
            self.headers
                .get("content-type")
                .is_some_and(|v| v.as_bytes().starts_with(b"application/json")),
            "an error is JSON: {:?}",
            self.headers.get("content-type")
        );
        let value: serde_json::Value = self.json();
        let outer = value.as_object().expect("an object");
        assert_eq!(outer.len(), 1, "only `error`: {value}");
        let inner = outer
            .get("error")
            .and_then(|e| e.as_object())
            .expect("`error` is an object");
        assert_eq!(inner.len(), 2, "only `code` and `message`: {value}");
        let message = inner
            .get("message")
            .and_then(|m| m.as_str())
            .expect("a message");
        assert!(!message.trim().is_empty(), "the message says something");
        inner
            .get("code")
            .and_then(|c| c.as_str())
            .expect("a code")
            .to_owned()
    }

    /// Checks the status and the envelope's code.
    pub fn expect_error(&self, status: u16, code: &str) {
        assert_eq!(self.status.as_u16(), status, "{}", self.text());
        assert_eq!(self.error_code(), code, "{}", self.text());
    }
}

/// A request body fed chunk by chunk through the sender, one chunk waiting at most, that
/// stays unfinished until the sender is dropped: a slow client.
pub fn slow_body() -> (tokio::sync::mpsc::Sender<axum::body::Bytes>, Body) {
    struct Slow(tokio::sync::mpsc::Receiver<axum::body::Bytes>);
    impl http_body::Body for Slow {
        type Data = axum::body::Bytes;
        type Error = std::convert::Infallible;
        fn poll_frame(
            mut self: std::pin::Pin<&mut Self>,
            cx: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
            self.0
                .poll_recv(cx)
                .map(|chunk| chunk.map(|c| Ok(http_body::Frame::data(c))))
        }
    }
    let (tx, rx) = tokio::sync::mpsc::channel(1);
    (tx, Body::new(Slow(rx)))
}

/// A service opened on a temporary folder, driven through its router.
pub struct App {
    pub dir: tempfile::TempDir,
    pub service: Service,
    pub router: axum::Router,
    pub clock: Arc<AtomicU64>,
    pub registrar: SigningKey,
}

impl App {
    pub fn open() -> Self {
        Self::open_with(|_| {})
    }

    pub fn open_with(tweak: impl FnOnce(&mut Config)) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        copy_params(dir.path());
        let registrar = SigningKey::generate(&mut rand::rngs::OsRng);
        let clock = Arc::new(AtomicU64::new(START_MS));
        Self::open_in(dir, registrar, clock, tweak)
    }

    fn open_in(
        dir: tempfile::TempDir,
        registrar: SigningKey,
        clock: Arc<AtomicU64>,
        tweak: impl FnOnce(&mut Config),
    ) -> Self {
        let mut config = config(dir.path(), &registrar);
        tweak(&mut config);
        let c = Arc::clone(&clock);
        let service = Service::open(
            config,
            Arc::new(move || {
                probity_ledger::Timestamp::from_millis(c.load(Ordering::SeqCst)).expect("small")
            }),
        )
        .expect("service opens");
        let router = service.router();
        Self {
            dir,
            service,
            router,
            clock,
            registrar,
        }
    }

    /// Shuts the service down and opens it again on the same folder and clock.
    pub fn reopen(self) -> Self {
        self.reopen_with(|_| {})
    }

    /// [`Self::reopen`], with the configuration changed by `tweak`.
    pub fn reopen_with(self, tweak: impl FnOnce(&mut Config)) -> Self {
        let Self {
            dir,
            service,
            router,
            clock,
            registrar,
        } = self;
        drop(router);
        service.shutdown();
        Self::open_in(dir, registrar, clock, tweak)
    }

    pub fn now_ms(&self) -> u64 {
        self.clock.load(Ordering::SeqCst)
    }

    pub fn now_secs(&self) -> u64 {
        self.now_ms() / 1000
    }

    pub fn advance_ms(&self, ms: u64) {
        self.clock.fetch_add(ms, Ordering::SeqCst);
    }

    /// Sends one request through a clone of the router.
    pub async fn send(&self, call: Call) -> Reply {
        let call = call.signed(self.now_secs());
        let mut request = Request::builder()
            .method(call.method.clone())
            .uri(call.path.as_str());
        for (name, value) in &call.headers {
            request = request.header(name.as_str(), value.as_str());
        }
        let request = request.body(Body::from(call.body)).expect("a request");
        self.send_request(request).await
    }

    /// Sends a request as given (e.g. with a [`slow_body`]).
    pub async fn send_request(&self, request: Request<Body>) -> Reply {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("the router is infallible");
        let (parts, body) = response.into_parts();
        let body = body.collect().await.expect("the body").to_bytes().to_vec();
        Reply {
            status: parts.status,
            headers: parts.headers,
            body,
        }
    }

    /// Sends and decodes a success.
    pub async fn ok<T: DeserializeOwned>(&self, call: Call) -> T {
        self.send(call).await.ok()
    }

    /// The size of the latest checkpoint.
    pub async fn size(&self) -> u64 {
        let reply = self.send(Call::get("/v1/log/checkpoint")).await;
        assert_eq!(reply.status, StatusCode::OK);
        super::checkpoint_size(&reply.body)
    }

    /// Every entry of the log.
    pub async fn entries(&self) -> Vec<Entry> {
        let size = self.size().await;
        let page: api::EntriesPage = self
            .ok(Call::get(format!("/v1/log/entries?start=0&end={size}")))
            .await;
        page.entries
            .iter()
            .map(|e| Entry::from_canonical_json(e.as_bytes()).expect("an entry"))
            .collect()
    }

    /// The entries' type names.
    pub async fn types(&self) -> Vec<&'static str> {
        self.entries()
            .await
            .iter()
            .map(|e| e.body.type_name())
            .collect()
    }

    pub async fn info(&self) -> api::ServiceInfo {
        self.ok(Call::get("/v1/info")).await
    }

    pub async fn log_key(&self) -> CheckpointVerifier {
        CheckpointVerifier::from_vkey(&self.info().await.log_key).expect("log key")
    }

    pub async fn register_official_key(&self, id: &str, jurisdiction: &str, key: &SigningKey) {
        let _: api::Written = self
            .ok(Call::post("/v1/admin/officials")
                .json(&api::RegisterOfficial {
                    official: probity_core::OfficialId::new(id).expect("id"),
                    name: format!("Official {id}"),
                    position: "Head of department".into(),
                    jurisdiction: jurisdiction.into(),
                    public_key: hex::encode(key.verifying_key().as_bytes()),
                })
                .by(&self.registrar))
            .await;
    }

    pub async fn register_official(&self, id: &str, jurisdiction: &str) -> SigningKey {
        let key = SigningKey::generate(&mut rand::rngs::OsRng);
        self.register_official_key(id, jurisdiction, &key).await;
        key
    }

    pub async fn register_supervisor(&self, id: &str) -> SigningKey {
        let key = SigningKey::generate(&mut rand::rngs::OsRng);
        let _: api::Written = self
            .ok(Call::post("/v1/admin/supervisors")
                .json(&api::RegisterSupervisor {
                    supervisor: probity_ledger::SupervisorId::new(id).expect("id"),
                    public_key: hex::encode(key.verifying_key().as_bytes()),
                })
                .by(&self.registrar))
            .await;
        key
    }

    pub async fn codes(&self, count: u64, scope: &str) -> Vec<String> {
        let codes: api::EnrollmentCodes = self
            .ok(Call::post("/v1/admin/enrollment-codes")
                .json(&api::IssueEnrollmentCodes {
                    count,
                    scope: scope.into(),
                })
                .by(&self.registrar))
            .await;
        assert_eq!(codes.codes.len() as u64, count);
        codes.codes
    }

    /// A whistleblower enrolled with a fresh code for `scope`.
    pub async fn whistleblower(&self, scope: &str) -> Tipper {
        let info = self.info().await;
        let code = self.codes(1, scope).await.remove(0);
        let (request, state) = issuance_request(&info, &code, scope);
        let enrolled: api::Enrolled = self.ok(Call::post("/v1/enroll").json(&request)).await;
        Tipper::from_enrollment(&info, state, &enrolled)
    }

    /// Sets a period's deadline.
    pub async fn set_deadline(&self, period: probity_core::Period, deadline_ms: u64) {
        let _: api::Written = self
            .ok(Call::post("/v1/admin/deadlines")
                .json(&api::SetDeadline {
                    period,
                    deadline: deadline_ms,
                })
                .by(&self.registrar))
            .await;
    }

    /// The alerts, as a supervisor sees them.
    pub async fn alerts(&self, supervisor: &SigningKey) -> Vec<api::AlertView> {
        self.ok(Call::get("/v1/supervisor/alerts").by(supervisor))
            .await
    }
}
