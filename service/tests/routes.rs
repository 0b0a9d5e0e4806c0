//! Every route through `Service::router()` with `oneshot`, no socket: what each answers,
//! who may call it, and that bad input gets a 4xx in the one error envelope and writes
//! nothing.

mod common;

use std::sync::atomic::{AtomicU32, Ordering};

use axum::http::Method;
use common::{
    oneshot::{App, Call, Reply},
    openapi::Document,
    *,
};
use ed25519_dalek::SigningKey;
use probity_core::{OfficialId, ParamsManifest, ProofEnvelope, PublicInputs, StatementKind};
use probity_ledger::{
    leaf_hash, ConsistencyProof, Disclosure, EntryBody, EntryError, InclusionProof,
    SignedCheckpoint, SupervisorId, WithheldProof,
};
use probity_service::{api, default_bands, rules};
use serde_json::{json, Value};

const JURISDICTION: &str = "CN-ZJ-HZ";
const DAY_MS: u64 = 86_400_000;

/// Sends `call` and checks it is refused with `status` and `code` and that the ledger did
/// not grow.
async fn refused(app: &App, call: Call, status: u16, code: &str) -> Reply {
    let before = app.size().await;
    let reply = app.send(call).await;
    reply.expect_error(status, code);
    assert_eq!(
        app.size().await,
        before,
        "a refused request writes nothing: {}",
        reply.text()
    );
    reply
}

fn gov(n: u32) -> OfficialId {
    OfficialId::new(&format!("GOV-{n:04}")).expect("id")
}

fn filing_call(o: &probity_core::Opening, key: &SigningKey, proofs: Vec<ProofEnvelope>) -> Call {
    Call::post("/v1/filings")
        .json(&filing(o, key, proofs))
        .by(key)
}

// ----- public routes -----------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn public_routes_answer_as_documented() {
    let app = App::open();
    let fx = fixtures();
    app.register_official_key("GOV-0001", JURISDICTION, &fx.gov1)
        .await;
    app.register_supervisor("AUDIT-1").await;
    let log = app.log_key().await;

    let health = app.send(Call::get("/healthz")).await;
    assert_eq!(health.status, 200);
    assert_eq!(health.text(), "ok");

    let info = app.info().await;
    assert_eq!(info.epoch, START_MS / 1000 / info.epoch_seconds);
    // The published schedule: weekly epochs, expiry at the end of the fourth 13-epoch
    // quarter after the quarter of issuance.
    assert_eq!(info.credential_expiry, (info.epoch / 13 + 5) * 13 - 1);
    assert_eq!(info.scopes, vec![JURISDICTION.to_owned()]);
    assert_eq!(info.policy.capacities, vec![16]);
    assert_eq!(info.policy.net_worth_bands, default_bands());

    let params = app.send(Call::get("/v1/params")).await;
    assert_eq!(params.status, 200);
    let manifest = ParamsManifest::from_json(&params.text()).expect("a manifest");
    for kind in StatementKind::ALL {
        assert!(
            manifest.entry(kind, probity_core::Capacity::C16).is_some(),
            "{kind} at 16"
        );
    }

    let note = app.send(Call::get("/v1/log/checkpoint")).await;
    assert_eq!(note.status, 200);
    assert!(note.headers["content-type"]
        .to_str()
        .expect("ascii")
        .starts_with("text/plain"));
    let checkpoint = SignedCheckpoint::verify(&note.body, &log).expect("signed by the log");
    let size = checkpoint.size();

    let page: api::EntriesPage = app
        .ok(Call::get(format!("/v1/log/entries?start=0&end={size}")))
        .await;
    assert_eq!(page.start, 0);
    assert_eq!(page.entries.len() as u64, size);
    let types: Vec<&str> = page
        .entries
        .iter()
        .map(|e| {
            probity_ledger::Entry::from_canonical_json(e.as_bytes())
                .expect("canonical")
                .body
                .type_name()
        })
        .collect();
    assert_eq!(
        types,
        [
            "ParamsPublished",
            "WhistleblowerKeysPublished",
            "OfficialRegistered",
            "SupervisorRegistered"
        ]
    );
    let tail: api::EntriesPage = app
        .ok(Call::get(format!("/v1/log/entries?start=2&end={size}")))
        .await;
    assert_eq!(tail.entries, page.entries[2..]);

    for (index, entry) in page.entries.iter().enumerate() {
        let proof: InclusionProof = app
            .ok(Call::get(format!(
                "/v1/log/inclusion?index={index}&size={size}"
            )))
            .await;
        proof
            .verify(leaf_hash(entry.as_bytes()), checkpoint.root())
            .expect("the entry is in the checkpoint's tree");
    }
    let consistency: ConsistencyProof = app
        .ok(Call::get(format!("/v1/log/consistency?old=1&new={size}")))
        .await;
    consistency
        .verify(leaf_hash(page.entries[0].as_bytes()), checkpoint.root())
        .expect("the one-entry tree is a prefix");

    let hashes = app
        .send(Call::get(format!("/v1/log/tile/0/000.p/{size}")))
        .await;
    assert_eq!(hashes.status, 200);
    let leaves: Vec<u8> = page
        .entries
        .iter()
        .flat_map(|e| leaf_hash(e.as_bytes()).0)
        .collect();
    assert_eq!(
        hashes.body, leaves,
        "the level-0 tile holds the leaf hashes"
    );
    let bundle = app
        .send(Call::get(format!("/v1/log/tile/entries/000.p/{size}")))
        .await;
    assert_eq!(bundle.status, 200);
    let bundled = probity_ledger::decode_bundle(&bundle.body).expect("a bundle");
    assert_eq!(
        bundled,
        page.entries
            .iter()
            .map(|e| e.as_bytes().to_vec())
            .collect::<Vec<_>>()
    );

    let officials: Vec<api::OfficialInfo> = app.ok(Call::get("/v1/officials")).await;
    assert_eq!(officials.len(), 1);
    assert_eq!(officials[0].official, gov(1));
    assert_eq!(officials[0].jurisdiction, JURISDICTION);
    assert_eq!(
        officials[0].public_key,
        hex::encode(fx.gov1.verifying_key().as_bytes())
    );
    assert_eq!(officials[0].entry, 2);
    let record: api::OfficialRecord = app.ok(Call::get("/v1/officials/GOV-0001")).await;
    assert_eq!(record.official.official, gov(1));
    assert!(record.filings.is_empty() && record.proofs.is_empty());
    let supervisors: Vec<api::SupervisorInfo> = app.ok(Call::get("/v1/supervisors")).await;
    assert_eq!(supervisors.len(), 1);
    assert_eq!(supervisors[0].supervisor.as_str(), "AUDIT-1");
    assert_eq!(supervisors[0].entry, 3);

    // Bad queries and paths: a 4xx in the envelope.
    for (path, status, code) in [
        ("/v1/officials/GOV-9999", 404, "not_found"),
        ("/v1/officials/bad%20id", 400, "bad_request"),
        ("/v1/log/entries", 400, "bad_request"),
        ("/v1/log/entries?start=3&end=2", 400, "bad_request"),
        ("/v1/log/entries?start=0&end=999", 400, "bad_request"),
        ("/v1/log/entries?start=x&end=1", 400, "bad_request"),
        ("/v1/log/entries?start=0&end=1&more=1", 400, "bad_request"),
        ("/v1/log/inclusion?index=4&size=4", 400, "bad_request"),
        ("/v1/log/inclusion?index=0", 400, "bad_request"),
        ("/v1/log/consistency?old=3&new=2", 400, "bad_request"),
        ("/v1/log/consistency?old=1&new=99", 400, "bad_request"),
        ("/v1/log/tile/0/001", 404, "not_found"),
        ("/v1/log/tile/0/000.p/5", 404, "not_found"),
        ("/v1/log/tile/nonsense", 404, "not_found"),
    ] {
        let reply = app.send(Call::get(path)).await;
        assert_eq!(reply.status.as_u16(), status, "{path}: {}", reply.text());
        assert_eq!(reply.error_code(), code, "{path}");
    }
    assert_eq!(app.size().await, size, "reading writes nothing");
}

#[tokio::test(flavor = "multi_thread")]
async fn framework_rejections_use_the_envelope() {
    let app = App::open();
    let size = app.size().await;
    for (call, status, code) in [
        (Call::get("/v1/nope"), 404, "not_found"),
        (Call::get("/v1/info/"), 404, "not_found"),
        // `/` is the public register's first page: an unknown path outside /v1 stands in.
        (Call::get("/nope"), 404, "not_found"),
        (Call::post("/v1/info"), 405, "method_not_allowed"),
        (Call::get("/v1/filings"), 405, "method_not_allowed"),
        (
            Call::new(Method::PUT, "/v1/tips"),
            405,
            "method_not_allowed",
        ),
        (
            Call::new(Method::DELETE, "/v1/admin/officials"),
            405,
            "method_not_allowed",
        ),
        (Call::post("/healthz"), 405, "method_not_allowed"),
        (
            Call::get("/v1/supervisor/tips/3/reply"),
            405,
            "method_not_allowed",
        ),
        (
            Call::post("/v1/supervisor/tips/not-a-number/reply").body("{}"),
            400,
            "bad_request",
        ),
    ] {
        let what = format!("{} {}", call.method, call.path);
        let reply = app.send(call).await;
        assert_eq!(reply.status.as_u16(), status, "{what}: {}", reply.text());
        assert_eq!(reply.error_code(), code, "{what}");
    }
    assert_eq!(app.size().await, size);
}

#[tokio::test(flavor = "multi_thread")]
async fn oversized_bodies_get_413_and_write_nothing() {
    let app = App::open();
    let official = app.register_official("GOV-0001", JURISDICTION).await;
    let supervisor = app.register_supervisor("AUDIT-1").await;
    let limit = probity_service::Config::default().max_body_bytes;
    let big = vec![b'x'; limit + 1];
    for (path, key) in [
        ("/v1/admin/officials", Some(&app.registrar)),
        ("/v1/admin/supervisors", Some(&app.registrar)),
        ("/v1/admin/enrollment-codes", Some(&app.registrar)),
        ("/v1/admin/deadlines", Some(&app.registrar)),
        ("/v1/filings", Some(&official)),
        ("/v1/challenges", Some(&supervisor)),
        (
            "/v1/challenges/00000000000000000000000000000000/answer",
            Some(&official),
        ),
        ("/v1/supervisor/tips/0/reply", Some(&supervisor)),
        ("/v1/enroll", None),
        ("/v1/tips/status", None),
    ] {
        let mut call = Call::post(path).body(big.clone());
        if let Some(key) = key {
            call = call.by(key);
        }
        refused(&app, call, 413, "payload_too_large").await;
    }
    // Tips have their own, larger limit: a body over the general limit is read (and refused
    // for what it is), one over the tip limit is not.
    let tip_limit = probity_service::Config::default().max_tip_bytes;
    let mut within = br#"{"subject":""#.to_vec();
    within.extend(vec![b'A'; limit + 10]);
    within.extend(br#""}"#);
    refused(
        &app,
        Call::post("/v1/tips").body(within),
        400,
        "bad_request",
    )
    .await;
    refused(
        &app,
        Call::post("/v1/tips").body(vec![b'x'; tip_limit + 1]),
        413,
        "payload_too_large",
    )
    .await;
}

/// The bytes of `probity_request_body_bytes_in_flight` in `/metrics`.
async fn body_bytes_in_flight(app: &App) -> u64 {
    let metrics = app.send(Call::get("/metrics")).await.text();
    metrics
        .lines()
        .find_map(|l| l.strip_prefix("probity_request_body_bytes_in_flight "))
        .and_then(|v| v.trim().parse().ok())
        .expect("the gauge")
}

// A current-thread runtime: a chunk taken from a slow body is counted against the budget in
// the same poll, before this test runs again, so what the service holds is known exactly.
#[tokio::test]
async fn slow_bodies_beyond_the_body_budget_are_refused_until_they_go() {
    const CHUNK: usize = 64 << 10;
    const HELD: usize = 4;
    let app = App::open_with(|c| {
        c.max_body_bytes = CHUNK;
        c.max_tip_bytes = HELD * CHUNK;
        c.max_body_bytes_in_flight = HELD * CHUNK;
    });
    let size = app.size().await;
    let app = std::sync::Arc::new(app);
    // Slow tips that have sent part of their body and wait: together, the whole budget.
    let mut slow = Vec::new();
    for _ in 0..HELD {
        let (tx, body) = common::oneshot::slow_body();
        let request = axum::http::Request::post("/v1/tips")
            .body(body)
            .expect("a request");
        let a = std::sync::Arc::clone(&app);
        let answer = tokio::spawn(async move { a.send_request(request).await });
        tx.send(vec![b'x'; CHUNK].into()).await.expect("reading");
        // The slot frees when the service takes the chunk.
        drop(tx.reserve().await.expect("reading"));
        slow.push((tx, answer));
    }
    assert_eq!(body_bytes_in_flight(&app).await, (HELD * CHUNK) as u64);
    // Any body now is beyond the budget: refused at its first byte, whatever the route.
    let small = Call::post("/v1/tips/status").json(&json!({"receipt_code": "x"}));
    refused(&app, small.clone(), 503, "overloaded").await;
    refused(&app, Call::post("/v1/enroll").body("{"), 503, "overloaded").await;
    let (tx, body) = common::oneshot::slow_body();
    let a = std::sync::Arc::clone(&app);
    let late = tokio::spawn(async move {
        a.send_request(
            axum::http::Request::post("/v1/tips")
                .body(body)
                .expect("a request"),
        )
        .await
    });
    tx.send(vec![b'x'; 1].into()).await.expect("sent");
    late.await
        .expect("answered")
        .expect_error(503, "overloaded");
    // Requests without a body still work.
    let _: api::ServiceInfo = app.ok(Call::get("/v1/info")).await;
    // The slow clients finish (with bodies that are not tips); what they held comes back.
    for (tx, answer) in slow {
        drop(tx);
        answer
            .await
            .expect("answered")
            .expect_error(400, "bad_request");
    }
    assert_eq!(body_bytes_in_flight(&app).await, 0);
    refused(&app, small, 400, "bad_request").await;
    assert_eq!(app.size().await, size);
}

// ----- who may call what -------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Public,
    Registrar,
    Official,
    OtherOfficial,
    Supervisor,
    Unregistered,
    Whistleblower,
}

const ROLES: [Role; 7] = [
    Role::Public,
    Role::Registrar,
    Role::Official,
    Role::OtherOfficial,
    Role::Supervisor,
    Role::Unregistered,
    Role::Whistleblower,
];

/// Everything the matrix's requests need.
struct World {
    app: App,
    supervisor: SigningKey,
    unregistered: SigningKey,
    info: api::ServiceInfo,
    challenge: String,
    tip_entry: u64,
    receipt_code: String,
    tipper: Tipper,
    rogue: Tipper,
    fresh_codes: std::sync::Mutex<Vec<String>>,
    counter: AtomicU32,
    /// Policies the registrar was asked to publish: each such call publishes the next.
    policies: AtomicU32,
}

impl World {
    fn key(&self, role: Role) -> Option<&SigningKey> {
        let fx = fixtures();
        match role {
            Role::Public | Role::Whistleblower => None,
            Role::Registrar => Some(&self.app.registrar),
            Role::Official => Some(&fx.gov1),
            Role::OtherOfficial => Some(&fx.gov2),
            Role::Supervisor => Some(&self.supervisor),
            Role::Unregistered => Some(&self.unregistered),
        }
    }

    fn next(&self) -> u32 {
        self.counter.fetch_add(1, Ordering::SeqCst)
    }
}

type Make = Box<dyn Fn(&World, Role, u64) -> Call>;

struct Route {
    method: Method,
    template: &'static str,
    allowed: &'static [Role],
    /// Whether a success logs something.
    writes: bool,
    make: Make,
    /// Checks a success is what the route documents.
    shape: fn(&Reply),
    /// What a role that is not allowed gets.
    refusal: fn(Role) -> (u16, &'static str),
}

fn public_refusal(_: Role) -> (u16, &'static str) {
    unreachable!("everyone may read public routes")
}

fn signed_refusal(role: Role) -> (u16, &'static str) {
    match role {
        Role::Public | Role::Whistleblower | Role::Unregistered => (401, "unauthorized"),
        _ => (403, "forbidden"),
    }
}

fn answer_refusal(role: Role) -> (u16, &'static str) {
    match role {
        Role::OtherOfficial => (404, "not_found"),
        other => signed_refusal(other),
    }
}

const EVERYONE: &[Role] = &ROLES;

/// Decodes a success as `T` (every API type refuses unknown fields).
fn shape<T: serde::de::DeserializeOwned>(reply: &Reply) {
    let _: T = reply.json();
}

fn public(template: &'static str, path: &'static str, shape: fn(&Reply)) -> Route {
    Route {
        method: Method::GET,
        template,
        shape,
        allowed: EVERYONE,
        writes: false,
        make: Box::new(move |_, _, _| Call::get(path)),
        refusal: public_refusal,
    }
}

fn routes() -> Vec<Route> {
    vec![
        public("/healthz", "/healthz", |r| assert_eq!(r.text(), "ok")),
        public("/metrics", "/metrics", |r| {
            assert!(r.text().contains("probity_http_requests_total"))
        }),
        public("/v1/openapi.json", "/v1/openapi.json", |r| {
            assert!(r.json::<Value>()["paths"].is_object())
        }),
        public("/v1/info", "/v1/info", shape::<api::ServiceInfo>),
        public(
            "/v1/policies",
            "/v1/policies",
            shape::<Vec<api::PolicyView>>,
        ),
        public("/v1/params", "/v1/params", |r| {
            ParamsManifest::from_json(&r.text()).expect("a manifest");
        }),
        public(
            "/v1/params/{file}",
            "/v1/params/net_worth_range-16.pk",
            |r| assert!(!r.body.is_empty()),
        ),
        public("/v1/log/checkpoint", "/v1/log/checkpoint", |r| {
            assert!(checkpoint_size(&r.body) > 0)
        }),
        Route {
            method: Method::GET,
            template: "/v1/log/tile/{*path}",
            shape: |r| assert!(!r.body.is_empty() && r.body.len() % 32 == 0),
            allowed: EVERYONE,
            writes: false,
            make: Box::new(|_, _, size| Call::get(format!("/v1/log/tile/0/000.p/{size}"))),
            refusal: public_refusal,
        },
        Route {
            method: Method::GET,
            template: "/v1/log/entries",
            shape: shape::<api::EntriesPage>,
            allowed: EVERYONE,
            writes: false,
            make: Box::new(|_, _, size| Call::get(format!("/v1/log/entries?start=0&end={size}"))),
            refusal: public_refusal,
        },
        Route {
            method: Method::GET,
            template: "/v1/log/inclusion",
            shape: shape::<InclusionProof>,
            allowed: EVERYONE,
            writes: false,
            make: Box::new(|_, _, size| {
                Call::get(format!("/v1/log/inclusion?index=1&size={size}"))
            }),
            refusal: public_refusal,
        },
        Route {
            method: Method::GET,
            template: "/v1/log/consistency",
            shape: shape::<ConsistencyProof>,
            allowed: EVERYONE,
            writes: false,
            make: Box::new(|_, _, size| Call::get(format!("/v1/log/consistency?old=2&new={size}"))),
            refusal: public_refusal,
        },
        public(
            "/v1/officials",
            "/v1/officials",
            shape::<Vec<api::OfficialInfo>>,
        ),
        public(
            "/v1/officials/{official}",
            "/v1/officials/GOV-0001",
            shape::<api::OfficialRecord>,
        ),
        public(
            "/v1/supervisors",
            "/v1/supervisors",
            shape::<Vec<api::SupervisorInfo>>,
        ),
        Route {
            method: Method::POST,
            template: "/v1/admin/officials",
            shape: shape::<api::Written>,
            allowed: &[Role::Registrar],
            writes: true,
            make: Box::new(|w, _, _| {
                let key = SigningKey::generate(&mut rand::rngs::OsRng);
                Call::post("/v1/admin/officials").json(&api::RegisterOfficial {
                    official: gov(100 + w.next()),
                    name: "A new official".into(),
                    position: "Deputy head".into(),
                    jurisdiction: JURISDICTION.into(),
                    public_key: hex::encode(key.verifying_key().as_bytes()),
                })
            }),
            refusal: signed_refusal,
        },
        Route {
            method: Method::POST,
            template: "/v1/admin/supervisors",
            shape: shape::<api::Written>,
            allowed: &[Role::Registrar],
            writes: true,
            make: Box::new(|w, _, _| {
                let key = SigningKey::generate(&mut rand::rngs::OsRng);
                Call::post("/v1/admin/supervisors").json(&api::RegisterSupervisor {
                    supervisor: SupervisorId::new(&format!("AUDIT-{}", 100 + w.next()))
                        .expect("id"),
                    public_key: hex::encode(key.verifying_key().as_bytes()),
                })
            }),
            refusal: signed_refusal,
        },
        Route {
            method: Method::POST,
            template: "/v1/admin/enrollment-codes",
            shape: shape::<api::EnrollmentCodes>,
            allowed: &[Role::Registrar],
            writes: true,
            make: Box::new(|_, _, _| {
                Call::post("/v1/admin/enrollment-codes").json(&api::IssueEnrollmentCodes {
                    count: 2,
                    scope: JURISDICTION.into(),
                })
            }),
            refusal: signed_refusal,
        },
        Route {
            method: Method::POST,
            template: "/v1/admin/deadlines",
            shape: shape::<api::Written>,
            allowed: &[Role::Registrar],
            writes: true,
            make: Box::new(|w, _, _| {
                Call::post("/v1/admin/deadlines").json(&api::SetDeadline {
                    period: fixtures().o2026.period(),
                    deadline: w.app.now_ms() + 30 * DAY_MS,
                })
            }),
            refusal: signed_refusal,
        },
        Route {
            method: Method::POST,
            template: "/v1/admin/policy",
            shape: shape::<api::Written>,
            allowed: &[Role::Registrar],
            writes: true,
            make: Box::new(|w, role, _| {
                // Each one from a later period than the last: a version cannot start before
                // one published already. Only the registrar's call publishes, so only it
                // takes the next version.
                let version = match role {
                    Role::Registrar => w.policies.fetch_add(1, Ordering::SeqCst) + 1,
                    _ => w.policies.load(Ordering::SeqCst) + 1,
                };
                Call::post("/v1/admin/policy").json(&api::PublishPolicy {
                    policy: probity_ledger::PolicyPublished::with_requirements(
                        version,
                        probity_core::Period::new(3000 + w.next()).expect("a period"),
                        Vec::new(),
                    ),
                })
            }),
            refusal: signed_refusal,
        },
        Route {
            method: Method::POST,
            template: "/v1/filings",
            shape: shape::<api::FilingAccepted>,
            allowed: &[Role::Official],
            writes: true,
            make: Box::new(|_, _, _| {
                let fx = fixtures();
                Call::post("/v1/filings").json(&filing(&fx.o2026, &fx.gov1, vec![fx.band2026()]))
            }),
            refusal: signed_refusal,
        },
        Route {
            method: Method::GET,
            template: "/v1/official/challenges",
            shape: shape::<Vec<api::ChallengeView>>,
            allowed: &[Role::Official, Role::OtherOfficial],
            writes: false,
            make: Box::new(|_, _, _| Call::get("/v1/official/challenges")),
            refusal: signed_refusal,
        },
        Route {
            method: Method::POST,
            template: "/v1/challenges/{challenge}/answer",
            shape: shape::<api::Written>,
            allowed: &[Role::Official],
            writes: true,
            make: Box::new(|w, _, _| {
                Call::post(format!("/v1/challenges/{}/answer", w.challenge)).json(
                    &api::AnswerChallenge {
                        proof: fixtures().asset2026(),
                    },
                )
            }),
            refusal: answer_refusal,
        },
        Route {
            method: Method::POST,
            template: "/v1/challenges",
            shape: shape::<api::ChallengeCreated>,
            allowed: &[Role::Supervisor],
            writes: true,
            make: Box::new(|w, _, _| {
                let item = &fixtures().d2026.items()[1];
                Call::post("/v1/challenges").json(&api::IssueChallenge {
                    official: gov(1),
                    period: None,
                    id_hash: item.asset_id.id_hash().to_string(),
                    min_value: 1,
                    deadline: w.app.now_ms() + DAY_MS,
                })
            }),
            refusal: signed_refusal,
        },
        Route {
            method: Method::POST,
            template: "/v1/challenges/batch",
            shape: shape::<api::ChallengesIssued>,
            allowed: &[Role::Supervisor],
            writes: true,
            make: Box::new(|w, _, _| {
                // A fresh asset each time: one challenged before is skipped, not issued.
                let asset = probity_core::AssetId(format!("LAND-{}", w.next()));
                Call::post("/v1/challenges/batch").json(&api::IssueChallenges {
                    registry: probity_ledger::RegistryName::new("land").expect("a name"),
                    deadline: w.app.now_ms() + DAY_MS,
                    challenges: vec![api::RegistryChallenge {
                        official: gov(1),
                        id_hash: asset.id_hash().to_string(),
                        min_value: 1,
                        recorded_on: None,
                    }],
                })
            }),
            refusal: signed_refusal,
        },
        Route {
            method: Method::GET,
            template: "/v1/supervisor/risk",
            shape: shape::<Vec<api::RiskView>>,
            allowed: &[Role::Supervisor],
            writes: false,
            make: Box::new(|_, _, _| Call::get("/v1/supervisor/risk")),
            refusal: signed_refusal,
        },
        Route {
            method: Method::GET,
            template: "/v1/supervisor/challenges",
            shape: shape::<Vec<api::ChallengeView>>,
            allowed: &[Role::Supervisor],
            writes: false,
            make: Box::new(|_, _, _| Call::get("/v1/supervisor/challenges")),
            refusal: signed_refusal,
        },
        Route {
            method: Method::GET,
            template: "/v1/supervisor/tips",
            shape: shape::<Vec<api::SealedTipView>>,
            allowed: &[Role::Supervisor],
            writes: false,
            make: Box::new(|_, _, _| Call::get("/v1/supervisor/tips")),
            refusal: signed_refusal,
        },
        Route {
            method: Method::POST,
            template: "/v1/supervisor/tips/{entry}/reply",
            shape: shape::<api::Written>,
            allowed: &[Role::Supervisor],
            // A reply that does not close the tip stays off the ledger.
            writes: false,
            make: Box::new(|w, _, _| {
                Call::post(format!("/v1/supervisor/tips/{}/reply", w.tip_entry)).json(
                    &api::ReplyToTip {
                        message: "We have received your tip.".into(),
                        close: false,
                    },
                )
            }),
            refusal: signed_refusal,
        },
        Route {
            method: Method::GET,
            template: "/v1/supervisor/alerts",
            shape: shape::<Vec<api::AlertView>>,
            allowed: &[Role::Supervisor],
            writes: false,
            make: Box::new(|_, _, _| Call::get("/v1/supervisor/alerts")),
            refusal: signed_refusal,
        },
        Route {
            method: Method::GET,
            template: "/v1/supervisor/disclosures",
            shape: shape::<Vec<api::DisclosureView>>,
            allowed: &[Role::Supervisor],
            writes: false,
            make: Box::new(|_, _, _| Call::get("/v1/supervisor/disclosures")),
            refusal: signed_refusal,
        },
        Route {
            method: Method::POST,
            template: "/v1/enroll",
            shape: shape::<api::Enrolled>,
            allowed: &[Role::Whistleblower],
            writes: false,
            // The whistleblower holds a code the registrar made; nobody else does.
            make: Box::new(|w, role, _| {
                let code = if role == Role::Whistleblower {
                    w.fresh_codes
                        .lock()
                        .expect("lock")
                        .pop()
                        .expect("a fresh code")
                } else {
                    probity_credentials::EnrollmentCode::generate(&mut rand::rngs::OsRng)
                        .to_string()
                };
                Call::post("/v1/enroll").json(&issuance_request(&w.info, &code, JURISDICTION).0)
            }),
            refusal: |_| (403, "forbidden"),
        },
        Route {
            method: Method::POST,
            template: "/v1/tips",
            shape: shape::<api::TipAccepted>,
            allowed: &[Role::Whistleblower],
            writes: true,
            // The whistleblower holds a credential of this service; the others make their
            // own.
            make: Box::new(|w, role, _| {
                let tipper = if role == Role::Whistleblower {
                    &w.tipper
                } else {
                    &w.rogue
                };
                Call::post("/v1/tips").json(&tipper.tip("GOV-0002", w.info.epoch, "A tip."))
            }),
            refusal: |_| (422, "invalid_proof"),
        },
        Route {
            method: Method::POST,
            template: "/v1/tips/status",
            shape: shape::<api::TipStatus>,
            allowed: &[Role::Whistleblower],
            writes: false,
            make: Box::new(|w, role, _| {
                let code = if role == Role::Whistleblower {
                    w.receipt_code.clone()
                } else {
                    probity_credentials::Receipt::generate(&mut rand::rngs::OsRng).to_string()
                };
                Call::post("/v1/tips/status").json(&api::TipStatusQuery { receipt_code: code })
            }),
            refusal: |_| (404, "not_found"),
        },
    ]
}

/// A service with two officials (one filed, one challenged), a supervisor, a logged tip and a
/// fresh enrollment code: something for every route to act on.
async fn world() -> World {
    let app = App::open();
    let fx = fixtures();
    app.register_official_key("GOV-0001", JURISDICTION, &fx.gov1)
        .await;
    app.register_official_key("GOV-0002", JURISDICTION, &fx.gov2)
        .await;
    let supervisor = app.register_supervisor("AUDIT-1").await;
    let _: api::FilingAccepted = app
        .ok(filing_call(&fx.o2026, &fx.gov1, vec![fx.band2026()]))
        .await;
    let item = &fx.d2026.items()[0];
    let created: api::ChallengeCreated = app
        .ok(Call::post("/v1/challenges")
            .json(&api::IssueChallenge {
                official: gov(1),
                period: None,
                id_hash: item.asset_id.id_hash().to_string(),
                min_value: item.value.0,
                deadline: app.now_ms() + DAY_MS,
            })
            .by(&supervisor))
        .await;
    let info = app.info().await;
    let tipper = app.whistleblower(JURISDICTION).await;
    let accepted: api::TipAccepted = app
        .ok(Call::post("/v1/tips").json(&tipper.tip("GOV-0001", info.epoch, "A flat.")))
        .await;
    let fresh_codes = app.codes(1, JURISDICTION).await;
    World {
        supervisor,
        unregistered: SigningKey::generate(&mut rand::rngs::OsRng),
        challenge: created.challenge.to_string(),
        tip_entry: accepted.logged().proof.index,
        receipt_code: accepted.receipt_code,
        rogue: Tipper::rogue(&info, JURISDICTION),
        tipper,
        info,
        fresh_codes: std::sync::Mutex::new(fresh_codes),
        counter: AtomicU32::new(0),
        policies: AtomicU32::new(0),
        app,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_role_against_every_route() {
    let world = world().await;
    let log = world.app.log_key().await;
    let doc = Document::of_service();

    let mut successes = 0;
    for route in routes() {
        for role in ROLES {
            let size = world.app.size().await;
            let mut call = (route.make)(&world, role, size);
            assert_eq!(call.method, route.method, "{}", route.template);
            if let Some(key) = world.key(role) {
                call = call.by(key);
            }
            let reply = world.app.send(call).await;
            let after = world.app.size().await;
            let cell = format!("{role:?} {} {}", route.method, route.template);
            doc.check(route.method.as_str(), &documented(route.template), &reply)
                .unwrap_or_else(|e| panic!("{cell}: {e}"));
            if route.allowed.contains(&role) {
                assert!(
                    reply.status.is_success(),
                    "{cell}: allowed, got {}: {}",
                    reply.status,
                    reply.text()
                );
                (route.shape)(&reply);
                successes += 1;
                if route.writes {
                    assert!(after > size, "{cell}: a write grows the ledger");
                    let value: Value = reply.json();
                    let receipts = value
                        .get("receipts")
                        .cloned()
                        .or_else(|| value.get("receipt").map(|r| json!([r])))
                        .expect("receipts");
                    let receipts: Vec<probity_ledger::Receipt> =
                        serde_json::from_value(receipts).expect("receipts");
                    verify_receipts(&receipts, &log);
                } else {
                    assert_eq!(after, size, "{cell}: writes nothing");
                }
            } else {
                let (status, code) = (route.refusal)(role);
                assert_eq!(
                    reply.status.as_u16(),
                    status,
                    "{cell}: expected {status}, got {}",
                    reply.text()
                );
                assert_eq!(reply.error_code(), code, "{cell}");
                assert_eq!(after, size, "{cell}: a refused request writes nothing");
            }
        }
    }
    assert!(successes > 100, "{successes}");

    // What the allowed callers saw is theirs only.
    let mine: Vec<api::ChallengeView> = world
        .app
        .ok(Call::get("/v1/official/challenges").by(&fixtures().gov1))
        .await;
    // Two by hand, one from a register's batch.
    assert_eq!(mine.len(), 3);
    assert!(mine.iter().all(|c| c.official == gov(1)));
    assert!(
        mine.iter().all(|c| c.registry.is_none()),
        "the official is not told which register asked"
    );
    let all: Vec<api::ChallengeView> = world
        .app
        .ok(Call::get("/v1/supervisor/challenges").by(&world.supervisor))
        .await;
    assert_eq!(
        all.iter()
            .filter(|c| c.registry.as_ref().is_some_and(|r| r.as_str() == "land"))
            .count(),
        1,
        "supervisors see the register"
    );
    let theirs: Vec<api::ChallengeView> = world
        .app
        .ok(Call::get("/v1/official/challenges").by(&fixtures().gov2))
        .await;
    assert!(theirs.is_empty(), "another official sees none of them");
    let status: api::TipStatus = world
        .app
        .ok(Call::post("/v1/tips/status").json(&api::TipStatusQuery {
            receipt_code: world.receipt_code.clone(),
        }))
        .await;
    assert_eq!(status.replies.len(), 1, "the supervisor's reply only");
}

/// The document's form of a router template: `{*path}` is `{path}` there.
fn documented(template: &str) -> String {
    template.replace("{*", "{")
}

/// `path` with the segments that fill `template`'s parameters replaced by `value` (a last,
/// catch-all parameter takes the rest of the path), and its query kept.
fn with_params(template: &str, path: &str, value: &str) -> String {
    let (path, query) = path
        .split_once('?')
        .map_or((path, None), |(p, q)| (p, Some(q)));
    let template: Vec<&str> = template.split('/').collect();
    let mut out = Vec::new();
    for (i, segment) in path.split('/').enumerate() {
        match template.get(i) {
            Some(t) if t.starts_with("{*") => {
                out.push(value);
                break;
            }
            Some(t) if t.starts_with('{') => out.push(value),
            _ => out.push(segment),
        }
    }
    let mut path = out.join("/");
    if let Some(q) = query {
        path = format!("{path}?{q}");
    }
    path
}

/// Bodies made from a valid one by breaking one top-level field of the request schema at a
/// time (removed, or of another JSON type, or text that breaks a text rule), and by adding
/// an unknown field. Nested objects the document leaves opaque keep their valid form.
fn broken_bodies(doc: &Document, schema: &Value, valid: &Value) -> Vec<(String, Value)> {
    let mut schema = schema;
    while let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        schema = doc.target(r);
    }
    let fields = schema["properties"]
        .as_object()
        .expect("a request is an object");
    let mut out = Vec::new();
    for name in fields.keys() {
        let mut removed = valid.clone();
        removed.as_object_mut().expect("an object").remove(name);
        out.push((format!("without `{name}`"), removed));
        for replacement in [
            json!(null),
            json!(""),
            json!("!"),
            json!(" "),
            json!(-1),
            json!(1.5),
            json!(true),
            json!([]),
        ] {
            let mut body = valid.clone();
            body[name.as_str()] = replacement.clone();
            out.push((format!("`{name}` = {replacement}"), body));
        }
    }
    let mut extra = valid.clone();
    extra["unexpected"] = json!(1);
    out.push(("with an unknown field".into(), extra));
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn every_answer_of_every_route_is_declared_in_the_openapi_document() {
    let doc = Document::of_service();
    let world = world().await;
    let routes = routes();
    // The document lists exactly the routes the router serves.
    let mut served: Vec<(String, String)> = routes
        .iter()
        .map(|r| {
            (
                r.method.as_str().to_ascii_lowercase(),
                documented(r.template),
            )
        })
        .collect();
    served.sort();
    assert_eq!(doc.operations(), served);

    let config = probity_service::Config::default();
    let mut statuses = std::collections::BTreeSet::new();
    // Every disagreement, so that one run shows them all.
    let mut mismatches = Vec::new();
    for route in &routes {
        let method = route.method.as_str();
        let template = documented(route.template);
        let role = route.allowed[0];
        let sign = |call: Call| match world.key(role) {
            Some(key) => call.by(key),
            None => call,
        };
        let base = (route.make)(&world, role, world.app.size().await);
        // What each probe is, the request, and the JSON body it tries, if that is the point.
        let mut calls: Vec<(String, Call, Option<Value>)> =
            vec![("as documented".to_owned(), sign(base.clone()), None)];
        if world.key(role).is_some() {
            calls.push(("unsigned".into(), base.clone(), None));
            let mut forged = sign(base.clone()).signed(world.app.now_secs());
            for (name, value) in &mut forged.headers {
                if name == "probity-signature" {
                    *value = "00".repeat(64);
                }
            }
            calls.push(("with a bad signature".into(), forged, None));
            let outsider = [Role::Registrar, Role::Supervisor, Role::Official]
                .into_iter()
                .find(|r| !route.allowed.contains(r))
                .and_then(|r| world.key(r))
                .expect("a role the route refuses");
            calls.push((
                "signed by a role it refuses".into(),
                base.clone().by(outsider),
                None,
            ));
        }
        if template.contains('{') {
            for value in ["0", "nope", "%FF", &"x".repeat(2_000)] {
                let mut call = base.clone();
                call.path = with_params(route.template, &base.path, value);
                let shown = &value[..value.len().min(8)];
                calls.push((
                    format!("with `{shown}` for its parameters"),
                    sign(call),
                    None,
                ));
            }
        }
        if let Some((path, _)) = base.path.split_once('?') {
            for query in ["", "?start=x", "?unexpected=1"] {
                let mut call = base.clone();
                call.path = format!("{path}{query}");
                calls.push((format!("with the query `{query}`"), sign(call), None));
            }
        }
        let mut bodies: Vec<(String, Vec<u8>, Option<Value>)> = Vec::new();
        if let Some(schema) = doc.request_schema(method, &template) {
            let valid: Value = serde_json::from_slice(&base.body).expect("a JSON body");
            doc.accepts_request(method, &template, &valid)
                .unwrap_or_else(|e| {
                    panic!("{method} {template}: the document refuses a valid body: {e}")
                });
            for (what, body) in broken_bodies(&doc, schema, &valid) {
                bodies.push((what, serde_json::to_vec(&body).expect("json"), Some(body)));
            }
            for raw in ["", "{", "[]", "null", "\"text\""] {
                let parsed = serde_json::from_str(raw).ok();
                bodies.push((format!("with the body `{raw}`"), raw.into(), parsed));
            }
            let limit = if template == "/v1/tips" {
                config.max_tip_bytes
            } else {
                config.max_body_bytes
            };
            bodies.push((
                "with a body over the limit".into(),
                vec![b'x'; limit + 1],
                None,
            ));
        }
        for (what, bytes, json) in bodies {
            let mut call = base.clone();
            call.body = bytes;
            calls.push((what, sign(call), json));
        }
        for (what, call, body) in calls {
            let cell = format!("{method} {template} {what}");
            let reply = world.app.send(call).await;
            if let Err(e) = doc.check(method, &template, &reply) {
                mismatches.push(format!("{cell}: {e}"));
            }
            statuses.insert(reply.status.as_u16());
            // For a body: the document and the service agree on what is malformed.
            if let Some(body) = body {
                let verdict = doc.accepts_request(method, &template, &body);
                match &verdict {
                    Err(e) if !reply.status.is_client_error() => mismatches.push(format!(
                        "{cell}: the document refuses the body ({e}) but the service answered {}",
                        reply.text()
                    )),
                    Ok(()) if reply.status.as_u16() == 400 => mismatches.push(format!(
                        "{cell}: the service refuses the body as malformed ({}) but the document accepts it",
                        reply.text()
                    )),
                    _ => {}
                }
            }
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    // The walk reached every kind of answer the routes give.
    for status in [200, 400, 401, 403, 404, 409, 413, 422] {
        assert!(statuses.contains(&status), "no {status} in {statuses:?}");
    }
}

// ----- proving keys --------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn proving_keys_are_served_whole_or_by_range_and_nothing_else_is() {
    use sha2::Digest as _;
    let app = App::open();
    let manifest = ParamsManifest::from_json(&app.send(Call::get("/v1/params")).await.text())
        .expect("a manifest");
    let entry = manifest
        .entry(StatementKind::NetWorthRange, probity_core::Capacity::C16)
        .expect("a key at 16");
    let path = format!("/v1/params/{}", entry.proving_key_file);
    let on_disk = std::fs::read(app.dir.path().join("params").join(&entry.proving_key_file))
        .expect("the key file");
    let len = on_disk.len();
    let etag = format!("\"{}\"", entry.proving_key_sha256);
    let header = |r: &Reply, name: &str| {
        r.headers
            .get(name)
            .map(|v| v.to_str().expect("ascii").to_owned())
            .unwrap_or_else(|| panic!("no {name}"))
    };

    let whole = app.send(Call::get(&path)).await;
    assert_eq!(whole.status, 200, "{}", whole.text());
    assert!(whole.body == on_disk, "the whole file");
    assert_eq!(
        hex::encode(sha2::Sha256::digest(&whole.body)),
        entry.proving_key_sha256
    );
    assert_eq!(header(&whole, "content-type"), "application/octet-stream");
    assert_eq!(header(&whole, "content-length"), len.to_string());
    assert_eq!(header(&whole, "accept-ranges"), "bytes");
    assert_eq!(header(&whole, "etag"), etag);
    assert_eq!(header(&whole, "cache-control"), "public, max-age=3600");

    for (range, from, to) in [
        ("bytes=10-19".to_owned(), 10, 20),
        ("bytes=-5".to_owned(), len - 5, len),
        (format!("bytes={}-", len - 3), len - 3, len),
        (format!("bytes=5-{}", len + 100), 5, len),
    ] {
        let part = app.send(Call::get(&path).header("range", &range)).await;
        assert_eq!(part.status, 206, "{range}: {}", part.text());
        assert!(
            part.body == on_disk[from..to],
            "{range}: the bytes asked for"
        );
        assert_eq!(
            header(&part, "content-range"),
            format!("bytes {from}-{}/{len}", to - 1),
            "{range}"
        );
        assert_eq!(header(&part, "content-length"), (to - from).to_string());
    }
    let beyond = app
        .send(Call::get(&path).header("range", &format!("bytes={len}-")))
        .await;
    beyond.expect_error(416, "range_not_satisfiable");
    assert_eq!(header(&beyond, "content-range"), format!("bytes */{len}"));
    // A range of another version of the file, or several ranges: the whole file.
    for call in [
        Call::get(&path)
            .header("range", "bytes=0-9")
            .header("if-range", "\"0000\""),
        Call::get(&path).header("range", "bytes=0-1,5-6"),
    ] {
        let reply = app.send(call).await;
        assert_eq!(reply.status, 200);
        assert_eq!(reply.body.len(), len);
    }
    let held = app
        .send(
            Call::get(&path)
                .header("if-range", &etag)
                .header("range", "bytes=0-0"),
        )
        .await;
    assert_eq!(held.status, 206);
    let cached = app
        .send(Call::get(&path).header("if-none-match", &etag))
        .await;
    assert_eq!(cached.status, 304);
    assert!(cached.body.is_empty());

    // Only the files the manifest names.
    for other in [
        "manifest.json",
        "log.key",
        "..%2Flog.key",
        "%2E%2E%2Flog.key",
        "net_worth_range-17.pk",
    ] {
        app.send(Call::get(format!("/v1/params/{other}")))
            .await
            .expect_error(404, "not_found");
    }
}

// ----- signatures ----------------------------------------------------------------------------

fn supervisor_body(n: u32) -> api::RegisterSupervisor {
    api::RegisterSupervisor {
        supervisor: SupervisorId::new(&format!("AUDIT-{n}")).expect("id"),
        public_key: hex::encode(
            SigningKey::generate(&mut rand::rngs::OsRng)
                .verifying_key()
                .as_bytes(),
        ),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_signatures_replays_and_stale_timestamps_are_refused() {
    let app = App::open();
    let official = app.register_official("GOV-0001", JURISDICTION).await;
    let registrar = app.registrar.clone();
    let path = "/v1/admin/supervisors";
    let now = app.now_secs();

    // A replay of an accepted request, and of a refused one.
    let signed = Call::post(path)
        .json(&supervisor_body(1))
        .by(&registrar)
        .signed(now);
    let _: api::Written = app.ok(signed.clone()).await;
    refused(&app, signed, 401, "unauthorized").await;
    let bad = Call::post(path).body("{").by(&registrar).signed(now);
    refused(&app, bad.clone(), 400, "bad_request").await;
    refused(&app, bad, 401, "unauthorized").await;

    // The signature covers the method, the path with its query, the body, the timestamp
    // and the nonce; each header must be there and well-formed.
    let body = serde_json::to_vec(&supervisor_body(2)).expect("json");
    let good = Call::post(path)
        .body(body.clone())
        .by(&registrar)
        .signed(now);
    let header = |c: &Call, name: &str| {
        c.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .expect("header")
    };
    let with = |c: &Call, name: &str, value: String| {
        let mut c = c.clone();
        for h in &mut c.headers {
            if h.0 == name {
                h.1 = value.clone();
            }
        }
        c
    };
    let without = |c: &Call, name: &str| {
        let mut c = c.clone();
        c.headers.retain(|(n, _)| n != name);
        c
    };
    let mut other_body = good.clone();
    other_body.body = serde_json::to_vec(&supervisor_body(3)).expect("json");
    refused(&app, other_body, 401, "unauthorized").await;
    let mut other_path = good.clone();
    other_path.path = "/v1/admin/officials".into();
    refused(&app, other_path, 401, "unauthorized").await;
    let mut with_query = good.clone();
    with_query.path = format!("{path}?x=1");
    refused(&app, with_query, 401, "unauthorized").await;
    let official_key = hex::encode(official.verifying_key().as_bytes());
    refused(
        &app,
        with(&good, "probity-key", official_key),
        401,
        "unauthorized",
    )
    .await;
    let signature = header(&good, "probity-signature");
    let flipped = format!(
        "{}{}",
        if signature.starts_with('0') { "1" } else { "0" },
        &signature[1..]
    );
    refused(
        &app,
        with(&good, "probity-signature", flipped),
        401,
        "unauthorized",
    )
    .await;
    refused(
        &app,
        with(&good, "probity-signature", "zz".repeat(64)),
        401,
        "unauthorized",
    )
    .await;
    refused(
        &app,
        with(
            &good,
            "probity-nonce",
            header(&good, "probity-nonce").to_uppercase(),
        ),
        401,
        "unauthorized",
    )
    .await;
    refused(
        &app,
        with(&good, "probity-timestamp", (now + 1).to_string()),
        401,
        "unauthorized",
    )
    .await;
    refused(
        &app,
        with(&good, "probity-timestamp", "soon".into()),
        401,
        "unauthorized",
    )
    .await;
    for name in [
        "probity-key",
        "probity-timestamp",
        "probity-nonce",
        "probity-signature",
    ] {
        refused(&app, without(&good, name), 401, "unauthorized").await;
    }
    // The untouched request still goes through: none of the above spent its nonce.
    let _: api::Written = app.ok(good).await;

    // ±5 minutes of the service's clock, and no more.
    for skew in [-301i64, 301] {
        let at = now.checked_add_signed(skew).expect("positive");
        refused(
            &app,
            Call::post(path)
                .json(&supervisor_body(10))
                .by(&registrar)
                .at(at),
            401,
            "unauthorized",
        )
        .await;
    }
    for (n, skew) in [(11, -300i64), (12, 300)] {
        let at = now.checked_add_signed(skew).expect("positive");
        let _: api::Written = app
            .ok(Call::post(path)
                .json(&supervisor_body(n))
                .by(&registrar)
                .at(at))
            .await;
    }

    // An unregistered key, and a key the registrar replaced.
    let stranger = SigningKey::generate(&mut rand::rngs::OsRng);
    refused(
        &app,
        Call::post(path).json(&supervisor_body(20)).by(&stranger),
        401,
        "unauthorized",
    )
    .await;
    app.register_official_key("GOV-0001", JURISDICTION, &fixtures().gov1)
        .await;
    refused(
        &app,
        Call::get("/v1/official/challenges").by(&official),
        401,
        "unauthorized",
    )
    .await;
    let _: Vec<api::ChallengeView> = app
        .ok(Call::get("/v1/official/challenges").by(&fixtures().gov1))
        .await;

    // A replay is refused after a sweep too: nonces outlive the clock window.
    let signed = Call::get("/v1/official/challenges")
        .by(&fixtures().gov1)
        .signed(app.now_secs());
    let _: Vec<api::ChallengeView> = app.ok(signed.clone()).await;
    app.advance_ms(200_000);
    app.service.sweep().await.expect("sweep");
    refused(&app, signed, 401, "unauthorized").await;
}

/// An unknown key is told the fix: on the registrar's routes the service must be told the
/// registrar's key; elsewhere the registrar must register the key.
#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_key_is_told_how_to_become_known() {
    let app = App::open();
    let stranger = SigningKey::generate(&mut rand::rngs::OsRng);
    let admin = app
        .send(
            Call::post("/v1/admin/supervisors")
                .json(&supervisor_body(1))
                .by(&stranger),
        )
        .await;
    admin.expect_error(401, "unauthorized");
    for fix in [
        "--registrar-key HEX",
        "PROBITY_REGISTRAR_KEY=HEX",
        "probity admin init",
    ] {
        assert!(admin.text().contains(fix), "{fix}: {}", admin.text());
    }
    let official = app
        .send(Call::get("/v1/official/challenges").by(&stranger))
        .await;
    official.expect_error(401, "unauthorized");
    assert!(
        official.text().contains(
            "the signing key is not registered with this service: ask the registrar to register it"
        ),
        "{}",
        official.text()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unregistered_key_writes_nothing_and_a_registered_replay_is_still_refused() {
    let app = App::open();
    let stranger = SigningKey::generate(&mut rand::rngs::OsRng);
    let size = app.size().await;

    // STRANGER: requests whose signatures verify, from a key nobody registered.
    let first = Call::get("/v1/official/challenges")
        .by(&stranger)
        .signed(app.now_secs());
    refused(&app, first.clone(), 401, "unauthorized").await;
    for n in 0..50 {
        refused(
            &app,
            Call::post("/v1/admin/supervisors")
                .json(&supervisor_body(n))
                .by(&stranger),
            401,
            "unauthorized",
        )
        .await;
    }
    assert_eq!(app.size().await, size);

    // Its nonce was never kept: once the REGISTRAR registers the key, that very request is
    // accepted, and only then is a replay of it refused.
    app.register_official_key("GOV-0001", JURISDICTION, &stranger)
        .await;
    let _: Vec<api::ChallengeView> = app.ok(first.clone()).await;
    refused(&app, first, 401, "unauthorized").await;

    // On disk: one nonce for the key, the accepted request's; none of the 51 refused ones.
    let App {
        dir,
        service,
        router,
        ..
    } = app;
    drop(router);
    service.shutdown();
    let db = sled::open(dir.path().join(probity_service::files::DB)).expect("the database");
    let nonces = db.open_tree("nonces").expect("the nonce store");
    assert_eq!(
        nonces
            .scan_prefix(stranger.verifying_key().as_bytes())
            .count(),
        1
    );
}

/// What goes on the permanent ledger is plain text: no bidi override, no invisible
/// character, no emoji, in a name or a position (`probity_core::text`).
#[tokio::test(flavor = "multi_thread")]
async fn registrations_with_invisible_or_reordering_characters_are_refused() {
    let app = App::open();
    let register = |name: &str, position: &str| {
        Call::post("/v1/admin/officials")
            .json(&api::RegisterOfficial {
                official: gov(1),
                name: name.into(),
                position: position.into(),
                jurisdiction: JURISDICTION.into(),
                public_key: hex::encode(
                    SigningKey::generate(&mut rand::rngs::OsRng)
                        .verifying_key()
                        .as_bytes(),
                ),
            })
            .by(&app.registrar)
    };
    let size = app.size().await;
    for (name, position, code_point) in [
        ("Li Wei\u{202E}ieW iL", "Head of department", "U+202E"),
        ("Li Wei", "Head of\u{200B} department", "U+200B"),
        ("Li\u{2067}Wei", "Head of department", "U+2067"),
        ("Li Wei 🙂", "Head of department", "U+1F642"),
    ] {
        let reply = app.send(register(name, position)).await;
        reply.expect_error(400, "bad_request");
        let message = reply.text();
        assert!(message.contains(code_point), "{message}");
    }
    assert_eq!(app.size().await, size, "nothing was written");
    // The same registration in plain text, in any script, goes through.
    let _: api::Written = app
        .ok(register("李伟 (Li Wei)", "Head of department"))
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_key_belongs_to_one_party() {
    let app = App::open();
    let official = app.register_official("GOV-0001", JURISDICTION).await;
    let supervisor = app.register_supervisor("AUDIT-1").await;
    for key in [&official, &supervisor, &app.registrar] {
        refused(
            &app,
            Call::post("/v1/admin/officials")
                .json(&api::RegisterOfficial {
                    official: gov(2),
                    name: "Two".into(),
                    position: "Deputy".into(),
                    jurisdiction: JURISDICTION.into(),
                    public_key: hex::encode(key.verifying_key().as_bytes()),
                })
                .by(&app.registrar),
            409,
            "conflict",
        )
        .await;
        refused(
            &app,
            Call::post("/v1/admin/supervisors")
                .json(&api::RegisterSupervisor {
                    supervisor: SupervisorId::new("AUDIT-2").expect("id"),
                    public_key: hex::encode(key.verifying_key().as_bytes()),
                })
                .by(&app.registrar),
            409,
            "conflict",
        )
        .await;
    }
    // Bad fields of a registration.
    for (public_key, jurisdiction) in [
        ("00".repeat(31), JURISDICTION),
        ("not hex".to_owned(), JURISDICTION),
        (
            hex::encode(
                SigningKey::generate(&mut rand::rngs::OsRng)
                    .verifying_key()
                    .as_bytes(),
            ),
            "no spaces allowed",
        ),
    ] {
        refused(
            &app,
            Call::post("/v1/admin/officials")
                .json(&api::RegisterOfficial {
                    official: gov(3),
                    name: "Three".into(),
                    position: "Deputy".into(),
                    jurisdiction: jurisdiction.into(),
                    public_key,
                })
                .by(&app.registrar),
            400,
            "bad_request",
        )
        .await;
    }
}

// ----- malformed bodies ----------------------------------------------------------------------

/// Bodies that are not the route's JSON: each must be a 400 that writes nothing.
fn malformed_variants(valid: &Value) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = vec![
        Vec::new(),
        b"{".to_vec(),
        b"[]".to_vec(),
        b"null".to_vec(),
        b"\"text\"".to_vec(),
        b"{}".to_vec(),
        vec![0xff, 0xfe, 0x00],
    ];
    let object = valid.as_object().expect("an object");
    let mut unknown = object.clone();
    unknown.insert("unexpected".into(), json!(1));
    out.push(serde_json::to_vec(&unknown).expect("json"));
    for (name, value) in object {
        let wrong = match value {
            Value::String(_) => json!(12345),
            Value::Number(_) => json!("12345"),
            Value::Bool(_) => json!("yes"),
            Value::Array(_) => json!({"not": "a list"}),
            Value::Object(_) => json!("not an object"),
            Value::Null => json!([]),
        };
        let mut bad = object.clone();
        bad.insert(name.clone(), wrong);
        out.push(serde_json::to_vec(&bad).expect("json"));
    }
    let text = serde_json::to_string(valid).expect("json");
    out.push(text.as_bytes()[..text.len() - 1].to_vec());
    out.push(format!("{text}{text}").into_bytes());
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_bodies_are_refused_and_write_nothing() {
    let app = App::open();
    let fx = fixtures();
    app.register_official_key("GOV-0001", JURISDICTION, &fx.gov1)
        .await;
    let supervisor = app.register_supervisor("AUDIT-1").await;
    let _: api::FilingAccepted = app
        .ok(filing_call(&fx.o2026, &fx.gov1, vec![fx.band2026()]))
        .await;
    let item = &fx.d2026.items()[0];
    let created: api::ChallengeCreated = app
        .ok(Call::post("/v1/challenges")
            .json(&api::IssueChallenge {
                official: gov(1),
                period: None,
                id_hash: item.asset_id.id_hash().to_string(),
                min_value: item.value.0,
                deadline: app.now_ms() + DAY_MS,
            })
            .by(&supervisor))
        .await;
    let info = app.info().await;
    let tipper = app.whistleblower(JURISDICTION).await;
    let accepted: api::TipAccepted = app
        .ok(Call::post("/v1/tips").json(&tipper.tip("GOV-0001", info.epoch, "First.")))
        .await;
    let code = app.codes(1, JURISDICTION).await.remove(0);
    let (enroll, enroll_state) = issuance_request(&info, &code, JURISDICTION);
    // A second tip from this credential about GOV-0001 in this epoch would be a 409: the
    // one that must still go through after the malformed ones is about another official.
    app.register_official_key("GOV-0002", JURISDICTION, &fx.gov2)
        .await;
    let tip = tipper.tip("GOV-0002", info.epoch, "Second, after the malformed ones.");

    let key = |k: &SigningKey| Some(k.clone());
    let routes: Vec<(String, Option<SigningKey>, Value)> = vec![
        (
            "/v1/admin/officials".into(),
            key(&app.registrar),
            serde_json::to_value(api::RegisterOfficial {
                official: gov(7),
                name: "Seven".into(),
                position: "Deputy".into(),
                jurisdiction: JURISDICTION.into(),
                public_key: hex::encode(
                    SigningKey::generate(&mut rand::rngs::OsRng)
                        .verifying_key()
                        .as_bytes(),
                ),
            })
            .expect("json"),
        ),
        (
            "/v1/admin/supervisors".into(),
            key(&app.registrar),
            serde_json::to_value(supervisor_body(7)).expect("json"),
        ),
        (
            "/v1/admin/enrollment-codes".into(),
            key(&app.registrar),
            json!({"count": 1, "scope": JURISDICTION}),
        ),
        (
            "/v1/admin/deadlines".into(),
            key(&app.registrar),
            json!({"period": 2026, "deadline": app.now_ms() + DAY_MS}),
        ),
        (
            "/v1/filings".into(),
            key(&fx.gov1),
            serde_json::to_value(filing(&fx.o2026, &fx.gov1, vec![fx.band2026()])).expect("json"),
        ),
        (
            "/v1/challenges".into(),
            key(&supervisor),
            json!({"official": "GOV-0001", "period": 2026, "id_hash": "1", "min_value": 1, "deadline": app.now_ms() + DAY_MS}),
        ),
        (
            format!("/v1/challenges/{}/answer", created.challenge),
            key(&fx.gov1),
            serde_json::to_value(api::AnswerChallenge {
                proof: fx.asset2026(),
            })
            .expect("json"),
        ),
        (
            format!(
                "/v1/supervisor/tips/{}/reply",
                accepted.logged().proof.index
            ),
            key(&supervisor),
            json!({"message": "Thank you.", "close": true}),
        ),
        (
            "/v1/enroll".into(),
            None,
            serde_json::to_value(&enroll).expect("json"),
        ),
        (
            "/v1/tips".into(),
            None,
            serde_json::to_value(&tip).expect("json"),
        ),
        (
            "/v1/tips/status".into(),
            None,
            json!({"receipt_code": accepted.receipt_code}),
        ),
    ];
    let size = app.size().await;
    for (path, key, valid) in &routes {
        for body in malformed_variants(valid) {
            let mut call = Call::post(path.as_str()).body(body.clone());
            if let Some(key) = key {
                call = call.by(key);
            }
            let reply = app.send(call).await;
            assert_eq!(
                reply.status.as_u16(),
                400,
                "{path} with {}: {}",
                String::from_utf8_lossy(&body),
                reply.text()
            );
            assert_eq!(reply.error_code(), "bad_request");
        }
    }
    assert_eq!(app.size().await, size, "nothing was written");

    // Nothing was spent either: the code still enrolls, the tip's tag is still free, and
    // the tip has no reply.
    let enrolled: api::Enrolled = app.ok(Call::post("/v1/enroll").json(&enroll)).await;
    let _ = Tipper::from_enrollment(&info, enroll_state, &enrolled);
    let second: api::TipAccepted = app.ok(Call::post("/v1/tips").json(&tip)).await;
    second
        .logged()
        .verify(&app.log_key().await)
        .expect("the receipt verifies");
    let status: api::TipStatus = app
        .ok(Call::post("/v1/tips/status").json(&api::TipStatusQuery {
            receipt_code: accepted.receipt_code.clone(),
        }))
        .await;
    assert_eq!(status.status, "open");
    assert!(status.replies.is_empty());
}

// ----- filings -------------------------------------------------------------------------------

/// The envelope with its public inputs rewritten by `edit` (its proof unchanged).
fn with_inputs(envelope: &ProofEnvelope, edit: impl FnOnce(&mut PublicInputs)) -> ProofEnvelope {
    let mut inputs = envelope.inputs().expect("inputs");
    edit(&mut inputs);
    ProofEnvelope::new(
        envelope.capacity,
        envelope.official.clone(),
        &inputs,
        &envelope.proof_bytes().expect("proof"),
    )
}

/// DESIGN.md §5: growth from a filing to itself, or backwards in time, has no proof. The
/// service refuses such a proof file as malformed, names the rule, and writes nothing.
#[tokio::test(flavor = "multi_thread")]
async fn growth_proofs_from_a_period_to_itself_or_backwards_are_refused() {
    let app = App::open();
    let fx = fixtures();
    app.register_official_key("GOV-0001", JURISDICTION, &fx.gov1)
        .await;
    let growth = fx.growth2025to2026();
    let to_itself = with_inputs(&growth, |x| {
        if let PublicInputs::WealthGrowth(w) = x {
            w.period_prev = w.period_curr;
            w.commitment_prev = w.commitment_curr;
        }
    });
    let backwards = with_inputs(&growth, |x| {
        if let PublicInputs::WealthGrowth(w) = x {
            w.period_prev = fx.o2026.period();
            w.period_curr = fx.o2025.period();
        }
    });
    for forged in [to_itself, backwards] {
        let before = app.size().await;
        let reply = app
            .send(filing_call(
                &fx.o2026,
                &fx.gov1,
                vec![fx.band2026(), forged.clone()],
            ))
            .await;
        reply.expect_error(400, "bad_request");
        assert!(
            reply.text().contains("earlier period to a later one"),
            "{}",
            reply.text()
        );
        assert_eq!(app.size().await, before, "a refused filing writes nothing");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn filings_with_proofs_that_do_not_fit_are_refused() {
    let app = App::open();
    let fx = fixtures();
    app.register_official_key("GOV-0001", JURISDICTION, &fx.gov1)
        .await;
    app.register_official_key("GOV-0002", JURISDICTION, &fx.gov2)
        .await;
    let (o2025, gov1) = (&fx.o2025, &fx.gov1);
    let unprocessable = |call| refused(&app, call, 422, "unprocessable");

    // Another official's valid proof, as is, relabelled, and with the official's tag
    // rewritten too (then the proof no longer verifies).
    let theirs = fx.gov2_band2025();
    unprocessable(filing_call(o2025, gov1, vec![theirs.clone()])).await;
    let relabelled = ProofEnvelope {
        official: gov(1),
        ..theirs.clone()
    };
    refused(
        &app,
        filing_call(o2025, gov1, vec![relabelled.clone()]),
        400,
        "bad_request",
    )
    .await;
    let retagged = with_inputs(&relabelled, |x| {
        if let PublicInputs::NetWorthRange(n) = x {
            n.official_tag = gov(1).tag();
        }
    });
    // Filed with GOV-0002's commitment, so that only the proof itself can tell.
    let copied = api::FileDeclaration {
        filing: probity_ledger::DeclarationFiled::sign(
            gov(1),
            fx.p2025.period(),
            fx.p2025.capacity(),
            fx.p2025.commitment(),
            gov1,
        ),
        proofs: vec![retagged],
    };
    refused(
        &app,
        Call::post("/v1/filings").json(&copied).by(gov1),
        422,
        "invalid_proof",
    )
    .await;

    // A proof for another period, or none, or two.
    unprocessable(filing_call(&fx.o2026, gov1, vec![fx.band2025()])).await;
    unprocessable(filing_call(o2025, gov1, vec![])).await;
    unprocessable(filing_call(o2025, gov1, vec![fx.band2025(), fx.band2025()])).await;
    unprocessable(filing_call(o2025, gov1, vec![fx.growth2025to2026()])).await;
    unprocessable(filing_call(
        o2025,
        gov1,
        vec![fx.band2025(), fx.asset2026()],
    ))
    .await;

    // Bounds that are not a public band.
    unprocessable(filing_call(o2025, gov1, vec![fx.off_band2025()])).await;

    // Tampered proofs: another proof's bytes, a flipped byte, a moved bound.
    let swapped = ProofEnvelope {
        proof: fx.band2026().proof,
        ..fx.band2025()
    };
    refused(
        &app,
        filing_call(o2025, gov1, vec![swapped]),
        422,
        "invalid_proof",
    )
    .await;
    let mut flipped = fx.band2025();
    let last = flipped.proof.pop().expect("hex");
    flipped.proof.push(if last == '0' { '1' } else { '0' });
    let before = app.size().await;
    let reply = app.send(filing_call(o2025, gov1, vec![flipped])).await;
    assert!(
        [400, 422].contains(&reply.status.as_u16()),
        "{}",
        reply.text()
    );
    reply.error_code();
    assert_eq!(app.size().await, before);
    let moved = with_inputs(&fx.band2025(), |x| {
        if let PublicInputs::NetWorthRange(n) = x {
            n.lo.0 -= 1;
        }
    });
    refused(
        &app,
        filing_call(o2025, gov1, vec![moved]),
        422,
        "invalid_proof",
    )
    .await;

    // The filing itself: signed by another key, or at a capacity without keys.
    let mut forged = filing(o2025, gov1, vec![fx.band2025()]);
    forged.filing = probity_ledger::DeclarationFiled::sign(
        gov(1),
        o2025.period(),
        o2025.capacity(),
        o2025.commitment(),
        &fx.gov2,
    );
    unprocessable(Call::post("/v1/filings").json(&forged).by(gov1)).await;
    let mut tampered =
        serde_json::to_value(filing(o2025, gov1, vec![fx.band2025()])).expect("json");
    tampered["filing"]["period"] = json!(2027);
    unprocessable(Call::post("/v1/filings").json(&tampered).by(gov1)).await;
    let wide = api::FileDeclaration {
        filing: probity_ledger::DeclarationFiled::sign(
            gov(1),
            o2025.period(),
            probity_core::Capacity::new(64).expect("capacity"),
            o2025.commitment(),
            gov1,
        ),
        proofs: vec![fx.band2025()],
    };
    unprocessable(Call::post("/v1/filings").json(&wide).by(gov1)).await;
    // For someone else, or for an official nobody registered.
    refused(
        &app,
        Call::post("/v1/filings")
            .json(&filing(&fx.p2025, &fx.gov2, vec![fx.gov2_band2025()]))
            .by(gov1),
        403,
        "forbidden",
    )
    .await;
    let stranger = SigningKey::generate(&mut rand::rngs::OsRng);
    let unknown = opening(&declaration_as("gov-0001-2025.toml", "GOV-0099"));
    refused(
        &app,
        Call::post("/v1/filings")
            .json(&filing(&unknown, &stranger, vec![fx.band2025()]))
            .by(&stranger),
        401,
        "unauthorized",
    )
    .await;
    assert!(
        app.ok::<api::OfficialRecord>(Call::get("/v1/officials/GOV-0001"))
            .await
            .filings
            .is_empty(),
        "nothing was filed"
    );

    // A wealth_growth proof must start from the latest earlier filing: 2024 → 2026 skips
    // 2025.
    let first: api::FilingAccepted = app
        .ok(filing_call(&fx.o2024, gov1, vec![fx.band2024()]))
        .await;
    assert!(first.alerts.is_empty());
    let second: api::FilingAccepted = app.ok(filing_call(o2025, gov1, vec![fx.band2025()])).await;
    assert_eq!(second.alerts, vec![rules::WEALTH_GROWTH_MISSING.to_owned()]);
    unprocessable(filing_call(
        &fx.o2026,
        gov1,
        vec![fx.band2026(), fx.growth2024to2026()],
    ))
    .await;
    let third: api::FilingAccepted = app
        .ok(filing_call(
            &fx.o2026,
            gov1,
            vec![fx.band2026(), fx.growth2025to2026()],
        ))
        .await;
    assert!(third.alerts.is_empty(), "{:?}", third.alerts);
    verify_receipts(&third.receipts, &app.log_key().await);
    assert_eq!(third.receipts.len(), 3, "the filing and its two proofs");
    let record: api::OfficialRecord = app.ok(Call::get("/v1/officials/GOV-0001")).await;
    let periods: Vec<u32> = record
        .filings
        .iter()
        .map(|f| {
            serde_json::to_value(f.period)
                .expect("json")
                .as_u64()
                .expect("n") as u32
        })
        .collect();
    assert_eq!(periods, [2024, 2025, 2026]);
    assert_eq!(record.proofs.len(), 4);
    let text = serde_json::to_string(&record).expect("json");
    assert!(
        !text.contains("320000000"),
        "the public record carries no amount"
    );
}

// ----- challenges ----------------------------------------------------------------------------

async fn challenge(
    app: &App,
    supervisor: &SigningKey,
    item: usize,
    min_value: u64,
    deadline: u64,
) -> String {
    let item = &fixtures().d2026.items()[item];
    let created: api::ChallengeCreated = app
        .ok(Call::post("/v1/challenges")
            .json(&api::IssueChallenge {
                official: gov(1),
                period: None,
                id_hash: item.asset_id.id_hash().to_string(),
                min_value,
                deadline,
            })
            .by(supervisor))
        .await;
    created.challenge.to_string()
}

fn answer(challenge: &str, proof: ProofEnvelope, key: &SigningKey) -> Call {
    Call::post(format!("/v1/challenges/{challenge}/answer"))
        .json(&api::AnswerChallenge { proof })
        .by(key)
}

#[tokio::test(flavor = "multi_thread")]
async fn challenge_answers_must_prove_what_was_asked() {
    let app = App::open();
    let fx = fixtures();
    app.register_official_key("GOV-0001", JURISDICTION, &fx.gov1)
        .await;
    app.register_official_key("GOV-0002", JURISDICTION, &fx.gov2)
        .await;
    let supervisor = app.register_supervisor("AUDIT-1").await;

    // Nothing to challenge before a filing; bad challenges.
    let item = &fx.d2026.items()[0];
    let ask = |official: u32, period: Option<u32>, id_hash: &str, deadline: u64| {
        let mut body = json!({
            "official": gov(official),
            "id_hash": id_hash,
            "min_value": 1,
            "deadline": deadline,
        });
        if let Some(p) = period {
            body["period"] = json!(p);
        }
        Call::post("/v1/challenges").json(&body).by(&supervisor)
    };
    let id_hash = item.asset_id.id_hash().to_string();
    let later = app.now_ms() + DAY_MS;
    refused(&app, ask(1, None, &id_hash, later), 422, "unprocessable").await;
    let _: api::FilingAccepted = app
        .ok(filing_call(&fx.o2026, &fx.gov1, vec![fx.band2026()]))
        .await;
    refused(&app, ask(2, None, &id_hash, later), 422, "unprocessable").await;
    refused(
        &app,
        ask(1, Some(2025), &id_hash, later),
        422,
        "unprocessable",
    )
    .await;
    refused(&app, ask(99, None, &id_hash, later), 404, "not_found").await;
    refused(
        &app,
        ask(1, None, &id_hash, app.now_ms()),
        422,
        "unprocessable",
    )
    .await;
    refused(&app, ask(1, None, "0x12", later), 400, "bad_request").await;
    refused(&app, ask(1, None, "", later), 400, "bad_request").await;

    let value = item.value.0;
    let proof = fx.asset2026();
    let other_asset = challenge(&app, &supervisor, 1, 1, later).await;
    let more_than_declared = challenge(&app, &supervisor, 0, value + 1, later).await;
    let less_than_declared = challenge(&app, &supervisor, 0, value - 1, later).await;
    let unprocessable = |call| refused(&app, call, 422, "unprocessable");
    unprocessable(answer(&other_asset, proof.clone(), &fx.gov1)).await;
    unprocessable(answer(&more_than_declared, proof.clone(), &fx.gov1)).await;
    unprocessable(answer(&other_asset, fx.band2026(), &fx.gov1)).await;
    let moved = with_inputs(&proof, |x| {
        if let PublicInputs::AssetIncluded(a) = x {
            a.min_value.0 += 1;
        }
    });
    refused(
        &app,
        answer(&more_than_declared, moved, &fx.gov1),
        422,
        "invalid_proof",
    )
    .await;
    refused(
        &app,
        answer(&less_than_declared, proof.clone(), &fx.gov2),
        404,
        "not_found",
    )
    .await;
    refused(
        &app,
        answer("00112233445566778899aabbccddeeff", proof.clone(), &fx.gov1),
        404,
        "not_found",
    )
    .await;
    refused(
        &app,
        answer("not-hex", proof.clone(), &fx.gov1),
        400,
        "bad_request",
    )
    .await;

    // Proving more than asked answers it, once.
    let written: api::Written = app
        .ok(answer(&less_than_declared, proof.clone(), &fx.gov1))
        .await;
    verify_receipts(&written.receipts, &app.log_key().await);
    let types: Vec<&str> = written
        .receipts
        .iter()
        .map(|r| {
            probity_ledger::Entry::from_canonical_json(r.entry.as_bytes())
                .expect("entry")
                .body
                .type_name()
        })
        .collect();
    assert_eq!(types, ["ProofAccepted", "ChallengeAnswered"]);
    refused(
        &app,
        answer(&less_than_declared, proof.clone(), &fx.gov1),
        409,
        "conflict",
    )
    .await;
    let seen: Vec<api::ChallengeView> = app
        .ok(Call::get("/v1/supervisor/challenges").by(&supervisor))
        .await;
    let status = |id: &str| {
        seen.iter()
            .find(|c| c.challenge.to_string() == id)
            .map(|c| c.status.clone())
            .expect("listed")
    };
    assert_eq!(status(&less_than_declared), "answered");
    assert_eq!(status(&other_asset), "open");
    assert_eq!(status(&more_than_declared), "open");
}

/// The whole public log, as the canonical JSON of each entry.
async fn public_log(app: &App) -> String {
    app.entries()
        .await
        .iter()
        .map(|e| String::from_utf8(e.to_canonical_json().expect("json")).expect("utf8"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test(flavor = "multi_thread")]
async fn an_answered_challenge_keeps_asset_value_and_proof_off_the_public_log() {
    let app = App::open();
    let fx = fixtures();
    app.register_official_key("GOV-0001", JURISDICTION, &fx.gov1)
        .await;
    let supervisor = app.register_supervisor("AUDIT-1").await;
    let _: api::FilingAccepted = app
        .ok(filing_call(&fx.o2026, &fx.gov1, vec![fx.band2026()]))
        .await;
    // SUPERVISOR asks for a little less than declared; the OFFICIAL proves the declared value.
    let item = &fx.d2026.items()[0];
    let asked = item.value.0 - 1;
    let later = app.now_ms() + DAY_MS;
    let id = challenge(&app, &supervisor, 0, asked, later).await;
    let proof = fx.asset2026();
    let _: api::Written = app.ok(answer(&id, proof.clone(), &fx.gov1)).await;

    // PUBLIC: neither the asset, nor the value asked or proved, nor the proof, in any spelling.
    let public = public_log(&app).await;
    let id_hash = item.asset_id.id_hash().to_string();
    for secret in spellings(&id_hash)
        .into_iter()
        .chain(spellings(&asked.to_string()))
        .chain(spellings(&item.value.0.to_string()))
        .chain([proof.proof.clone()])
    {
        assert!(
            !public.contains(&secret),
            "`{secret}` is on the public log:\n{public}"
        );
    }

    // SUPERVISOR: the disclosure opens the answer's digest and rebuilds the proof, which
    // verifies with the key the log published.
    let entries = app.entries().await;
    let (index, accepted) = entries
        .iter()
        .enumerate()
        .find_map(|(i, e)| match &e.body {
            EntryBody::ProofAccepted(p) if p.statement == StatementKind::AssetIncluded => {
                Some((i as u64, p.clone()))
            }
            _ => None,
        })
        .expect("the answer is logged");
    let disclosures: Vec<api::DisclosureView> = app
        .ok(Call::get("/v1/supervisor/disclosures").by(&supervisor))
        .await;
    let view = disclosures
        .iter()
        .find(|d| d.entry == index)
        .expect("the answer's details are disclosed");
    let disclosure: Disclosure<WithheldProof> =
        serde_json::from_value(json!({ "salt": view.salt, "detail": view.detail }))
            .expect("a proof disclosure");
    let rebuilt = accepted
        .to_envelope(Some(&disclosure))
        .expect("the disclosure opens the digest");
    assert_eq!(rebuilt, proof);
    let manifest = entries
        .iter()
        .find_map(|e| match &e.body {
            EntryBody::ParamsPublished(p) => Some(p.manifest.clone()),
            _ => None,
        })
        .expect("the params are published");
    let key = probity_verifier::StatementVerifyingKey::from_manifest_entry(
        manifest
            .entry(StatementKind::AssetIncluded, rebuilt.capacity)
            .expect("a published key"),
    )
    .expect("a key");
    probity_verifier::verify_envelope(&key, &rebuilt).expect("the rebuilt proof verifies");

    // A disclosure with another least value or another salt does not open the digest.
    let mut lower = disclosure.clone();
    lower.detail.min_value.0 = asked;
    let mut salted = disclosure;
    salted.salt[0] ^= 1;
    for tampered in [lower, salted] {
        assert_eq!(
            accepted.to_envelope(Some(&tampered)),
            Err(EntryError::DisclosureMismatch)
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_challenge_on_id_hash_0_is_refused_and_writes_nothing() {
    let app = App::open();
    let fx = fixtures();
    app.register_official_key("GOV-0001", JURISDICTION, &fx.gov1)
        .await;
    let supervisor = app.register_supervisor("AUDIT-1").await;
    let _: api::FilingAccepted = app
        .ok(filing_call(&fx.o2026, &fx.gov1, vec![fx.band2026()]))
        .await;
    // What an item without an identifier (cash) carries: white space normalizes to nothing.
    let none = probity_core::AssetId(" \u{3000}\t".into())
        .id_hash()
        .to_string();
    assert_eq!(none, "0");
    let before = app.size().await;
    let reply = app
        .send(
            Call::post("/v1/challenges")
                .json(&api::IssueChallenge {
                    official: gov(1),
                    period: None,
                    id_hash: none,
                    min_value: 0,
                    deadline: app.now_ms() + DAY_MS,
                })
                .by(&supervisor),
        )
        .await;
    reply.expect_error(400, "bad_request");
    assert!(reply.text().contains("no identifier"), "{}", reply.text());
    assert_eq!(app.size().await, before, "nothing is written");
    let listed: Vec<api::ChallengeView> = app
        .ok(Call::get("/v1/supervisor/challenges").by(&supervisor))
        .await;
    assert!(listed.is_empty());
}

// ----- whistleblowers ------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn tips_must_match_their_presentation() {
    let app = App::open();
    app.register_official("GOV-0001", JURISDICTION).await;
    app.register_official("GOV-0002", JURISDICTION).await;
    app.register_official("BJ-0001", "CN-BJ").await;
    let info = app.info().await;
    let epoch = info.epoch;
    let tipper = app.whistleblower(JURISDICTION).await;
    let elsewhere = app.whistleblower("CN-BJ").await;
    let tip = |t: &Tipper, subject: &str, e: u64| {
        Call::post("/v1/tips").json(&t.tip(subject, e, "A tip."))
    };
    let bad = |t: api::SubmitTip| Call::post("/v1/tips").json(&t);
    let good = tipper.tip("GOV-0001", epoch, "A flat in Ningbo.");

    // Another subject or epoch than the presentation's.
    refused(
        &app,
        bad(api::SubmitTip {
            subject: "GOV-0002".into(),
            ..good.clone()
        }),
        422,
        "invalid_proof",
    )
    .await;
    let next = tipper.tip("GOV-0001", epoch + 1, "From the future.");
    refused(
        &app,
        bad(api::SubmitTip {
            epoch,
            ..next.clone()
        }),
        422,
        "invalid_proof",
    )
    .await;
    refused(&app, bad(next), 422, "unprocessable").await;
    refused(
        &app,
        tip(&tipper, "GOV-0001", epoch - 1),
        422,
        "unprocessable",
    )
    .await;
    // Another sealed tip than the one presented.
    let other = tipper.tip("GOV-0001", epoch, "Something else.");
    refused(
        &app,
        bad(api::SubmitTip {
            sealed: other.sealed.clone(),
            ..good.clone()
        }),
        422,
        "invalid_proof",
    )
    .await;
    // A credential of another scope, or of another issuer.
    refused(
        &app,
        tip(&elsewhere, "GOV-0001", epoch),
        422,
        "invalid_proof",
    )
    .await;
    refused(
        &app,
        tip(&Tipper::rogue(&info, JURISDICTION), "GOV-0001", epoch),
        422,
        "invalid_proof",
    )
    .await;
    // Unknown or malformed subjects.
    refused(&app, tip(&tipper, "GOV-9999", epoch), 422, "unprocessable").await;
    refused(
        &app,
        bad(api::SubmitTip {
            subject: "not an id!".into(),
            ..good.clone()
        }),
        400,
        "bad_request",
    )
    .await;
    // Malformed presentations and seals.
    let presentation = hex::decode(&good.presentation).expect("hex");
    for broken in [
        String::new(),
        "zz".into(),
        hex::encode(&presentation[..presentation.len() - 1]),
        hex::encode([presentation.as_slice(), &[0]].concat()),
        hex::encode(vec![0u8; presentation.len()]),
    ] {
        refused(
            &app,
            bad(api::SubmitTip {
                presentation: broken,
                ..good.clone()
            }),
            400,
            "bad_request",
        )
        .await;
    }
    for broken in ["", "!!!", "AAAA"] {
        refused(
            &app,
            bad(api::SubmitTip {
                sealed: broken.into(),
                ..good.clone()
            }),
            400,
            "bad_request",
        )
        .await;
    }
    let tags = app
        .types()
        .await
        .iter()
        .filter(|t| **t == "TipReceived")
        .count();
    assert_eq!(tags, 0, "no tip was logged");

    // The real one goes through, once; its receipt verifies.
    let accepted: api::TipAccepted = app.ok(bad(good.clone())).await;
    let (entry, _) = accepted
        .logged()
        .verify(&app.log_key().await)
        .expect("the receipt verifies");
    let EntryBody::TipReceived(received) = entry.body else {
        panic!("a TipReceived entry");
    };
    assert_eq!(received.epoch, epoch);
    assert_eq!(entry.time.as_millis() % DAY_MS, 0, "a whole UTC day");
    let text = accepted.logged().entry.clone();
    assert!(!text.contains("GOV-0001"), "the subject stays off the log");
    refused(&app, bad(good), 409, "conflict").await;
    refused(&app, bad(other), 409, "conflict").await;
    // Same credential, another official: another tag.
    let _: api::TipAccepted = app.ok(tip(&tipper, "GOV-0002", epoch)).await;
    // Status by receipt code, and nothing for a code nobody was given.
    let status: api::TipStatus = app
        .ok(Call::post("/v1/tips/status").json(&api::TipStatusQuery {
            receipt_code: accepted.receipt_code.clone(),
        }))
        .await;
    assert_eq!(status.status, "open");
    assert_eq!(status.entry, Some(accepted.logged().proof.index));
    refused(
        &app,
        Call::post("/v1/tips/status").json(&api::TipStatusQuery {
            receipt_code: "not a code".into(),
        }),
        400,
        "bad_request",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn enrollment_codes_buy_one_credential() {
    let app = App::open();
    app.register_official("GOV-0001", JURISDICTION).await;
    let info = app.info().await;
    let code = app.codes(1, JURISDICTION).await.remove(0);
    let size = app.size().await;
    let enroll = |r: &api::Enroll| Call::post("/v1/enroll").json(r);

    let unknown = probity_credentials::EnrollmentCode::generate(&mut rand::rngs::OsRng).to_string();
    refused(
        &app,
        enroll(&issuance_request(&info, &unknown, JURISDICTION).0),
        403,
        "forbidden",
    )
    .await;
    // Another scope than the code buys: refused, and the code is not spent.
    refused(
        &app,
        enroll(&issuance_request(&info, &code, "CN-BJ").0),
        422,
        "unprocessable",
    )
    .await;
    for broken in ["", "zz", "00"] {
        refused(
            &app,
            enroll(&api::Enroll {
                request: broken.into(),
            }),
            400,
            "bad_request",
        )
        .await;
    }
    let (request, state) = issuance_request(&info, &code, JURISDICTION);
    let enrolled: api::Enrolled = app.ok(enroll(&request)).await;
    let tipper = Tipper::from_enrollment(&info, state, &enrolled);
    // The same request again (a lost response) is answered again; any other is a 409.
    let again: api::Enrolled = app.ok(enroll(&request)).await;
    assert_ne!(again.response, enrolled.response, "a fresh MAC");
    refused(
        &app,
        enroll(&issuance_request(&info, &code, JURISDICTION).0),
        409,
        "conflict",
    )
    .await;
    assert_eq!(app.size().await, size, "enrolling logs nothing");
    let _: api::TipAccepted = app
        .ok(Call::post("/v1/tips").json(&tipper.tip("GOV-0001", info.epoch, "Works.")))
        .await;
    // Bad code requests.
    for body in [
        json!({"count": 0, "scope": JURISDICTION}),
        json!({"count": 1001, "scope": JURISDICTION}),
        json!({"count": 1, "scope": "not a scope"}),
        json!({"count": -1, "scope": JURISDICTION}),
    ] {
        refused(
            &app,
            Call::post("/v1/admin/enrollment-codes")
                .json(&body)
                .by(&app.registrar),
            400,
            "bad_request",
        )
        .await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn distinct_reporters_raise_one_alert() {
    let app = App::open();
    app.register_official("GOV-0001", JURISDICTION).await;
    app.register_official("GOV-0002", JURISDICTION).await;
    let supervisor = app.register_supervisor("AUDIT-1").await;
    let log = app.log_key().await;
    let threshold = probity_service::Config::default().reporters_threshold;
    assert_eq!(threshold, 3);
    let mut tippers = Vec::new();
    for _ in 0..threshold + 2 {
        tippers.push(app.whistleblower(JURISDICTION).await);
    }
    let epoch = app.info().await.epoch;
    for (n, tipper) in tippers.iter().enumerate() {
        let accepted: api::TipAccepted = app
            .ok(Call::post("/v1/tips").json(&tipper.tip("GOV-0001", epoch, "Same flat.")))
            .await;
        accepted
            .logged()
            .verify(&log)
            .expect("the receipt verifies");
        let many = app
            .alerts(&supervisor)
            .await
            .into_iter()
            .filter(|a| a.rule == rules::MANY_REPORTERS)
            .collect::<Vec<_>>();
        let expected = usize::from(n + 1 >= threshold);
        assert_eq!(many.len(), expected, "after {} reporters", n + 1);
        if let Some(alert) = many.first() {
            assert_eq!(alert.detail.official, gov(1));
            assert_eq!(alert.time % DAY_MS, 0, "tip alerts carry the day only");
        }
    }
    // One reporter tipping in several epochs is still one reporter: tags differ per epoch,
    // so they cannot be counted together.
    for _ in 0..threshold + 1 {
        app.advance_ms(1000 * probity_service::Config::default().epoch_seconds);
        let epoch = app.info().await.epoch;
        let _: api::TipAccepted = app
            .ok(Call::post("/v1/tips").json(&tippers[0].tip("GOV-0002", epoch, "Again.")))
            .await;
    }
    let about_two = app
        .alerts(&supervisor)
        .await
        .into_iter()
        .filter(|a| a.rule == rules::MANY_REPORTERS && a.detail.official == gov(2))
        .count();
    assert_eq!(about_two, 0, "one reporter is not many");
}

/// Pooled tips: accepted at once, logged together when their window closes, in an order
/// and with times that do not show when each arrived; their tags stay spent throughout, and
/// a restart loses none of them.
#[tokio::test(flavor = "multi_thread")]
async fn pooled_tips_are_logged_together_when_their_window_closes() {
    const WINDOW_SECS: u64 = 600;
    let pooled = |c: &mut probity_service::Config| c.tip_batch_secs = WINDOW_SECS;
    let app = App::open_with(pooled);
    app.register_official("GOV-0001", JURISDICTION).await;
    let supervisor = app.register_supervisor("AUDIT-1").await;
    let threshold = probity_service::Config::default().reporters_threshold;
    let mut tippers = Vec::new();
    for _ in 0..threshold + 1 {
        tippers.push(app.whistleblower(JURISDICTION).await);
    }
    let epoch = app.info().await.epoch;
    let status = |code: &str| {
        Call::post("/v1/tips/status").json(&api::TipStatusQuery {
            receipt_code: code.to_owned(),
        })
    };
    let size = app.size().await;
    let mut accepted = Vec::new();
    for (n, tipper) in tippers.iter().enumerate() {
        let tip = tipper.tip("GOV-0001", epoch, &format!("Tip number {n}."));
        let a: api::TipAccepted = app.ok(Call::post("/v1/tips").json(&tip)).await;
        assert!(a.receipt.is_none(), "a pooled tip has no receipt yet");
        let until = a.pooled_until.expect("the pool's closing time");
        assert_eq!(until % (WINDOW_SECS * 1000), 0, "the window's end");
        assert!(until > app.now_ms() && until <= app.now_ms() + WINDOW_SECS * 1000);
        // The tag is spent while the tip waits.
        refused(&app, Call::post("/v1/tips").json(&tip), 409, "conflict").await;
        let s: api::TipStatus = app.ok(status(&a.receipt_code)).await;
        assert_eq!(
            (s.status.as_str(), s.entry, s.receipt.is_none()),
            ("pooled", None, true)
        );
        accepted.push((a, tip));
        app.advance_ms(7_000);
    }
    assert_eq!(
        app.size().await,
        size,
        "nothing is logged while the window is open"
    );
    assert_eq!(
        app.service.sweep().await.expect("sweep"),
        0,
        "the window is still open"
    );

    // A restart keeps the pool and the spent tags.
    let app = app.reopen_with(pooled);
    refused(
        &app,
        Call::post("/v1/tips").json(&accepted[0].1),
        409,
        "conflict",
    )
    .await;
    let s: api::TipStatus = app.ok(status(&accepted[0].0.receipt_code)).await;
    assert_eq!(s.status, "pooled");

    // The window closes: one sweep logs every tip, and the threshold alert, at once.
    let until = accepted[0].0.pooled_until.expect("until");
    app.clock
        .store(until + 1, std::sync::atomic::Ordering::SeqCst);
    assert_eq!(
        app.service.sweep().await.expect("sweep"),
        accepted.len() + 1,
        "every tip and one many_reporters alert"
    );
    let log = app.log_key().await;
    let mut entries = Vec::new();
    let mut checkpoints = std::collections::BTreeSet::new();
    for (a, tip) in &accepted {
        let s: api::TipStatus = app.ok(status(&a.receipt_code)).await;
        assert_eq!(s.status, "open");
        let receipt = s.receipt.expect("a logged tip's receipt");
        let (entry, checkpoint) = receipt.verify(&log).expect("the receipt verifies");
        assert_eq!(s.entry, Some(receipt.proof.index));
        match entry.body {
            probity_ledger::EntryBody::TipReceived(t) => {
                let sealed =
                    base64::Engine::decode(&base64::engine::general_purpose::STANDARD, &tip.sealed)
                        .expect("base64");
                let sealed = probity_credentials::SealedTip::from_bytes(&sealed).expect("sealed");
                assert_eq!(
                    t.sealed_tip_sha256.0,
                    sealed.digest().0,
                    "the tip's own entry"
                );
            }
            other => panic!("a tip's receipt is for {other:?}"),
        }
        assert_eq!(entry.time.as_millis() % DAY_MS, 0, "the day only");
        entries.push(receipt.proof.index);
        checkpoints.insert(checkpoint.time());
    }
    // Logged together: consecutive entries (with the alert), under one checkpoint time that
    // is the window's end, not any arrival.
    let first = entries.iter().min().expect("entries");
    let last = entries.iter().max().expect("entries");
    assert!(last - first <= accepted.len() as u64);
    assert_eq!(checkpoints.len(), 1);
    assert!(checkpoints.iter().all(|t| t * 1000 >= until));
    let many = app
        .alerts(&supervisor)
        .await
        .into_iter()
        .filter(|a| a.rule == rules::MANY_REPORTERS)
        .count();
    assert_eq!(many, 1, "the threshold counts tips logged in one batch");
    assert_eq!(
        app.service.sweep().await.expect("sweep"),
        0,
        "the pool is empty"
    );

    // Switching to logging at once logs what a restart left in the pool at the first sweep.
    let tipper = app.whistleblower(JURISDICTION).await;
    let last: api::TipAccepted = app
        .ok(Call::post("/v1/tips").json(&tipper.tip("GOV-0001", epoch, "Last.")))
        .await;
    assert!(last.receipt.is_none());
    let app = app.reopen_with(|c| c.tip_batch_secs = 0);
    assert_eq!(app.service.sweep().await.expect("sweep"), 1);
    let s: api::TipStatus = app.ok(status(&last.receipt_code)).await;
    assert_eq!(s.status, "open");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tip_is_closed_once() {
    let app = App::open();
    app.register_official("GOV-0001", JURISDICTION).await;
    let supervisor = app.register_supervisor("AUDIT-1").await;
    let epoch = app.info().await.epoch;
    let mut codes = Vec::new();
    for round in 0..6 {
        let tipper = app.whistleblower(JURISDICTION).await;
        let accepted: api::TipAccepted = app
            .ok(Call::post("/v1/tips").json(&tipper.tip("GOV-0001", epoch, "A tip.")))
            .await;
        let entry = accepted.logged().proof.index;
        let close = |message: &str| {
            Call::post(format!("/v1/supervisor/tips/{entry}/reply"))
                .json(&api::ReplyToTip {
                    message: message.into(),
                    close: true,
                })
                .by(&supervisor)
        };
        let before = app.size().await;
        let (a, b) = tokio::join!(
            app.send(close("Closed, first.")),
            app.send(close("Closed, second."))
        );
        let mut statuses = [a.status.as_u16(), b.status.as_u16()];
        statuses.sort_unstable();
        assert_eq!(
            statuses,
            [200, 409],
            "round {round}: {} / {}",
            a.text(),
            b.text()
        );
        assert_eq!(app.size().await, before + 1, "round {round}: one TipClosed");
        let status: api::TipStatus = app
            .ok(Call::post("/v1/tips/status").json(&api::TipStatusQuery {
                receipt_code: accepted.receipt_code.clone(),
            }))
            .await;
        assert_eq!(status.status, "closed");
        assert_eq!(
            status.replies.len(),
            1,
            "round {round}: the refused reply is not kept"
        );
        refused(&app, close("Again."), 409, "conflict").await;
        codes.push(accepted.receipt_code);
    }
    // The same after a restart: replies are rebuilt from what was stored.
    let app = app.reopen();
    for code in codes {
        let status: api::TipStatus = app
            .ok(Call::post("/v1/tips/status").json(&api::TipStatusQuery { receipt_code: code }))
            .await;
        assert_eq!(status.status, "closed");
        assert_eq!(status.replies.len(), 1);
    }
    // Replies that are not text.
    let tips: Vec<api::SealedTipView> = app
        .ok(Call::get("/v1/supervisor/tips").by(&supervisor))
        .await;
    for message in ["", "   ", "bell\u{7}", &"x".repeat(4097)] {
        refused(
            &app,
            Call::post(format!("/v1/supervisor/tips/{}/reply", tips[0].entry))
                .json(&api::ReplyToTip {
                    message: message.into(),
                    close: false,
                })
                .by(&supervisor),
            400,
            "bad_request",
        )
        .await;
    }
    refused(
        &app,
        Call::post("/v1/supervisor/tips/0/reply")
            .json(&api::ReplyToTip {
                message: "Not a tip.".into(),
                close: false,
            })
            .by(&supervisor),
        404,
        "not_found",
    )
    .await;
}

// ----- deadlines -----------------------------------------------------------------------------

fn rules_of(alerts: &[api::AlertView], rule: &str) -> Vec<api::AlertView> {
    alerts.iter().filter(|a| a.rule == rule).cloned().collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn overdue_late_and_amended_filings_alert_once() {
    let app = App::open();
    let fx = fixtures();
    app.register_official_key("GOV-0001", JURISDICTION, &fx.gov1)
        .await;
    app.register_official_key("GOV-0002", JURISDICTION, &fx.gov2)
        .await;
    let supervisor = app.register_supervisor("AUDIT-1").await;
    let period = fx.o2025.period();
    let deadline = app.now_ms() + DAY_MS;
    app.set_deadline(period, deadline).await;

    let on_time: api::FilingAccepted = app
        .ok(filing_call(&fx.o2025, &fx.gov1, vec![fx.band2025()]))
        .await;
    assert!(on_time.alerts.is_empty(), "{:?}", on_time.alerts);
    let amended: api::FilingAccepted = app
        .ok(filing_call(&fx.o2025, &fx.gov1, vec![fx.band2025()]))
        .await;
    assert_eq!(amended.alerts, vec![rules::DECLARATION_AMENDED.to_owned()]);
    let size = app.size().await;
    assert_eq!(
        app.service.sweep().await.expect("sweep"),
        0,
        "nothing due yet"
    );
    assert_eq!(app.size().await, size);

    app.advance_ms(2 * DAY_MS);
    assert_eq!(app.service.sweep().await.expect("sweep"), 1);
    let alerts = app.alerts(&supervisor).await;
    let overdue = rules_of(&alerts, rules::DECLARATION_OVERDUE);
    assert_eq!(overdue.len(), 1, "{overdue:?}");
    assert_eq!(overdue[0].detail.official, gov(2));
    assert_eq!(overdue[0].detail.period, Some(period));
    let size = app.size().await;
    assert_eq!(app.service.sweep().await.expect("sweep"), 0, "once");
    assert_eq!(app.size().await, size);

    let late: api::FilingAccepted = app
        .ok(filing_call(&fx.p2025, &fx.gov2, vec![fx.gov2_band2025()]))
        .await;
    assert_eq!(late.alerts, vec![rules::FILED_AFTER_DEADLINE.to_owned()]);
    verify_receipts(&late.receipts, &app.log_key().await);
    let record: api::OfficialRecord = app.ok(Call::get("/v1/officials/GOV-0002")).await;
    assert_eq!(record.filings[0].late, Some(true));
    let record: api::OfficialRecord = app.ok(Call::get("/v1/officials/GOV-0001")).await;
    assert_eq!(record.filings.len(), 2);
    assert!(record.filings.iter().all(|f| f.late == Some(false)));
    assert_eq!(app.service.sweep().await.expect("sweep"), 0);
    let alerts = app.alerts(&supervisor).await;
    assert_eq!(rules_of(&alerts, rules::DECLARATION_OVERDUE).len(), 1);
    assert_eq!(rules_of(&alerts, rules::DECLARATION_AMENDED).len(), 1);
    assert_eq!(rules_of(&alerts, rules::FILED_AFTER_DEADLINE).len(), 1);
    // Alerts are on the log with their details sealed: the public sees the rule only.
    let entries = app.entries().await;
    let alert_entries = entries
        .iter()
        .filter(|e| matches!(e.body, EntryBody::Alert(_)))
        .count();
    assert_eq!(alert_entries, 3);
    for e in &entries {
        let text = String::from_utf8(e.to_canonical_json().expect("json")).expect("utf8");
        if matches!(e.body, EntryBody::Alert(_)) {
            assert!(!text.contains("GOV-000"), "{text}");
        }
    }
}

/// [`refused`] with the code of `status`, and a message saying `says`.
async fn refused_saying(app: &App, call: Call, status: u16, says: &str) {
    let code = match status {
        400 => "bad_request",
        409 => "conflict",
        422 => "unprocessable",
        other => panic!("no refusal code for {other}"),
    };
    let reply = refused(app, call, status, code).await;
    assert!(
        reply.text().contains(says),
        "wanted `{says}`: {}",
        reply.text()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_policy_sets_the_bands_tolerance_deadline_and_rules_of_its_periods() {
    let app = App::open();
    let fx = fixtures();
    app.register_official_key("GOV-0001", JURISDICTION, &fx.gov1)
        .await;
    app.register_official_key("GOV-0002", JURISDICTION, &fx.gov2)
        .await;
    let supervisor = app.register_supervisor("AUDIT-1").await;
    // 2025 is filed under the service's own settings: no policy holds for it.
    let _: api::FilingAccepted = app
        .ok(filing_call(&fx.o2025, &fx.gov1, vec![fx.band2025()]))
        .await;

    let edge = 1i64 << 62;
    let mut policy =
        probity_ledger::PolicyPublished::with_requirements(1, fx.o2026.period(), Vec::new());
    policy.net_worth_bands = Some(vec![probity_ledger::NetWorthBand {
        lo: -edge,
        hi: edge,
    }]);
    policy.wealth_growth_tolerance = Some(probity_core::Amount(500));
    policy.filing_deadline_days = Some(0);
    policy.rules_off =
        vec![probity_ledger::RuleName::new(rules::WEALTH_GROWTH_MISSING).expect("valid")];
    policy.rule_settings = [("band_jump_bands".to_owned(), 1)].into();
    let publish = |p: &probity_ledger::PolicyPublished| {
        Call::post("/v1/admin/policy")
            .json(&api::PublishPolicy { policy: p.clone() })
            .by(&app.registrar)
    };
    let with = |f: &dyn Fn(&mut probity_ledger::PolicyPublished)| {
        let mut p = policy.clone();
        f(&mut p);
        publish(&p)
    };
    let rule = |r: &str| probity_ledger::RuleName::new(r).expect("valid");
    let setting = |name: &str, value| [(name.to_owned(), value)].into();
    type Change<'a> = &'a dyn Fn(&mut probity_ledger::PolicyPublished);
    let refusals: [(Change<'_>, u16, &str); 6] = [
        (
            &|p| p.policy_version = 2,
            409,
            "the next policy version is 1",
        ),
        (
            &|p| p.rules_off = vec![rule("no_such_rule")],
            422,
            "there is no rule",
        ),
        (
            &|p| p.rules_off = vec![rule(rules::MANY_REPORTERS)],
            422,
            "tip epoch",
        ),
        (
            &|p| p.rule_settings = setting("reporters_threshold", 9),
            422,
            "not a setting a policy can set",
        ),
        (
            &|p| p.rule_settings = setting("late_filings_threshold", 4),
            422,
            "at most late_filings_window",
        ),
        (
            &|p| p.rule_settings = setting("band_jump_bands", 0),
            422,
            "must be positive",
        ),
    ];
    for (change, status, says) in refusals {
        refused_saying(&app, with(change), status, says).await;
    }
    let _: api::Written = app.ok(publish(&policy)).await;
    refused_saying(&app, publish(&policy), 409, "the next policy version is 2").await;
    let listed: Vec<api::PolicyView> = app.ok(Call::get("/v1/policies")).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].policy, policy, "logged as published");

    // 2026 is under the policy: the service's bands and tolerance no longer file.
    refused_saying(
        &app,
        filing_call(&fx.o2026, &fx.gov1, vec![fx.band2026()]),
        422,
        "not one of the public bands of policy version 1",
    )
    .await;
    let wide = prover(StatementKind::NetWorthRange)
        .net_worth_range(
            &fx.o2026,
            probity_core::SignedAmount(-edge),
            probity_core::SignedAmount(edge),
            &mut rand::rngs::OsRng,
        )
        .expect("proof");
    refused_saying(
        &app,
        filing_call(
            &fx.o2026,
            &fx.gov1,
            vec![wide.clone(), fx.growth2025to2026()],
        ),
        422,
        "the wealth_growth tolerance is 0, not the 500 of policy version 1",
    )
    .await;
    // Without wealth_growth, which the policy's rules do not alert on.
    let filed: api::FilingAccepted = app.ok(filing_call(&fx.o2026, &fx.gov1, vec![wide])).await;
    assert!(filed.alerts.is_empty(), "{:?}", filed.alerts);

    // The policy's deadline for 2026 is its last moment: GOV-0001 filed in time, GOV-0002
    // is overdue once it passes. 2025 has no deadline (the policy holds from 2026).
    assert_eq!(
        app.service.sweep().await.expect("sweep"),
        0,
        "nothing due yet"
    );
    let new_year_2027 = probity_core::parse_date("2027-01-01").expect("date") as u64 * DAY_MS;
    app.advance_ms(new_year_2027 - app.now_ms() + 1);
    assert_eq!(app.service.sweep().await.expect("sweep"), 1);
    let overdue = rules_of(&app.alerts(&supervisor).await, rules::DECLARATION_OVERDUE);
    assert_eq!(overdue.len(), 1, "{overdue:?}");
    assert_eq!(overdue[0].detail.official, gov(2));
    assert_eq!(overdue[0].detail.period, Some(fx.o2026.period()));
    assert!(
        overdue[0].detail.message.contains("2026-12-31"),
        "{}",
        overdue[0].detail.message
    );
    let record: api::OfficialRecord = app.ok(Call::get("/v1/officials/GOV-0001")).await;
    let late: Vec<Option<bool>> = record.filings.iter().map(|f| f.late).collect();
    assert_eq!(
        late,
        vec![None, Some(false)],
        "2025 has no deadline; 2026 was on time"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_register_record_newer_than_the_filed_period_waits_for_a_later_filing() {
    let app = App::open();
    let fx = fixtures();
    app.register_official_key("GOV-0001", JURISDICTION, &fx.gov1)
        .await;
    let supervisor = app.register_supervisor("AUDIT-1").await;
    let _: api::FilingAccepted = app
        .ok(filing_call(&fx.o2025, &fx.gov1, vec![fx.band2025()]))
        .await;
    let record = |asset: &str, recorded_on: Option<&str>| api::RegistryChallenge {
        official: gov(1),
        id_hash: probity_core::AssetId(asset.into()).id_hash().to_string(),
        min_value: 1,
        recorded_on: recorded_on.map(str::to_owned),
    };
    let batch = |challenges| {
        Call::post("/v1/challenges/batch")
            .json(&api::IssueChallenges {
                registry: probity_ledger::RegistryName::new("land").expect("a name"),
                deadline: app.now_ms() + DAY_MS,
                challenges,
            })
            .by(&supervisor)
    };
    refused(
        &app,
        batch(vec![
            record("LAND-1", None),
            record("LAND-2", Some("2025-02-30")),
        ]),
        400,
        "bad_request",
    )
    .await;
    let done: api::ChallengesIssued = app
        .ok(batch(vec![
            record("LAND-1", Some("2025-12-31")),
            record("LAND-2", Some("2026-01-01")),
            record("LAND-3", None),
        ]))
        .await;
    let issued: Vec<(usize, u32)> = done
        .issued
        .iter()
        .map(|i| (i.index, i.period.get()))
        .collect();
    assert_eq!(
        issued,
        vec![(0, 2025), (2, 2025)],
        "the last day of 2025 is in it"
    );
    assert_eq!(done.skipped.len(), 1);
    assert_eq!(done.skipped[0].index, 1);
    assert!(matches!(
        done.skipped[0].reason,
        api::SkipReason::RecordedAfterPeriod
    ));
    // Once 2026 is filed, the same record is asked on it; the others are not asked twice.
    let _: api::FilingAccepted = app
        .ok(filing_call(&fx.o2026, &fx.gov1, vec![fx.band2026()]))
        .await;
    let again: api::ChallengesIssued = app
        .ok(batch(vec![
            record("LAND-1", Some("2025-12-31")),
            record("LAND-2", Some("2026-01-01")),
        ]))
        .await;
    assert_eq!(again.issued.len(), 1);
    assert_eq!(
        (again.issued[0].index, again.issued[0].period.get()),
        (1, 2026)
    );
    assert!(matches!(
        again.skipped[0].reason,
        api::SkipReason::AlreadyChallenged
    ));
}

#[tokio::test(flavor = "multi_thread")]
async fn unanswered_challenges_expire_once() {
    let app = App::open();
    let fx = fixtures();
    app.register_official_key("GOV-0001", JURISDICTION, &fx.gov1)
        .await;
    let supervisor = app.register_supervisor("AUDIT-1").await;
    let _: api::FilingAccepted = app
        .ok(filing_call(&fx.o2026, &fx.gov1, vec![fx.band2026()]))
        .await;
    let value = fx.d2026.items()[0].value.0;
    let hour = 3_600_000;
    let expiring = challenge(&app, &supervisor, 0, value, app.now_ms() + hour).await;
    let answered = challenge(&app, &supervisor, 0, value, app.now_ms() + hour).await;
    let _: api::Written = app.ok(answer(&answered, fx.asset2026(), &fx.gov1)).await;

    app.advance_ms(2 * hour);
    // Past the deadline, before any sweep: too late already.
    refused(
        &app,
        answer(&expiring, fx.asset2026(), &fx.gov1),
        409,
        "conflict",
    )
    .await;
    let size = app.size().await;
    assert_eq!(app.service.sweep().await.expect("sweep"), 2);
    let entries = app.entries().await;
    let added: Vec<&EntryBody> = entries[size as usize..].iter().map(|e| &e.body).collect();
    assert!(
        matches!(added[..], [EntryBody::ChallengeExpired(c), EntryBody::Alert(a)]
            if c.challenge.to_string() == expiring && a.rule.as_str() == rules::CHALLENGE_EXPIRED),
        "{added:?}"
    );
    let alerts = rules_of(&app.alerts(&supervisor).await, rules::CHALLENGE_EXPIRED);
    assert_eq!(alerts.len(), 1);
    assert_eq!(
        alerts[0].detail.challenge.map(|c| c.to_string()),
        Some(expiring.clone())
    );
    assert_eq!(alerts[0].detail.official, gov(1));
    assert_eq!(app.service.sweep().await.expect("sweep"), 0, "once");
    refused(
        &app,
        answer(&expiring, fx.asset2026(), &fx.gov1),
        409,
        "conflict",
    )
    .await;
    let mine: Vec<api::ChallengeView> = app
        .ok(Call::get("/v1/official/challenges").by(&fx.gov1))
        .await;
    let status = |id: &str| {
        mine.iter()
            .find(|c| c.challenge.to_string() == id)
            .map(|c| c.status.clone())
            .expect("listed")
    };
    assert_eq!(status(&expiring), "expired");
    assert_eq!(status(&answered), "answered");
}

// ----- the API's description and the service's metrics --------------------------------------

/// Every route `Service::router()` serves, with a concrete path for it.
const ROUTES: &[(&str, &str, &str)] = &[
    ("get", "/healthz", "/healthz"),
    ("get", "/metrics", "/metrics"),
    ("get", "/v1/openapi.json", "/v1/openapi.json"),
    ("get", "/v1/info", "/v1/info"),
    ("get", "/v1/params", "/v1/params"),
    (
        "get",
        "/v1/params/{file}",
        "/v1/params/net_worth_range-16.pk",
    ),
    ("get", "/v1/log/checkpoint", "/v1/log/checkpoint"),
    ("get", "/v1/log/tile/{path}", "/v1/log/tile/0/000.p/1"),
    ("get", "/v1/log/entries", "/v1/log/entries?start=0&end=1"),
    (
        "get",
        "/v1/log/inclusion",
        "/v1/log/inclusion?index=0&size=1",
    ),
    (
        "get",
        "/v1/log/consistency",
        "/v1/log/consistency?old=1&new=1",
    ),
    ("get", "/v1/officials", "/v1/officials"),
    ("get", "/v1/officials/{official}", "/v1/officials/GOV-0001"),
    ("get", "/v1/supervisors", "/v1/supervisors"),
    ("post", "/v1/admin/officials", "/v1/admin/officials"),
    ("post", "/v1/admin/supervisors", "/v1/admin/supervisors"),
    (
        "post",
        "/v1/admin/enrollment-codes",
        "/v1/admin/enrollment-codes",
    ),
    ("post", "/v1/admin/deadlines", "/v1/admin/deadlines"),
    ("post", "/v1/admin/policy", "/v1/admin/policy"),
    ("get", "/v1/policies", "/v1/policies"),
    ("post", "/v1/challenges/batch", "/v1/challenges/batch"),
    ("get", "/v1/supervisor/risk", "/v1/supervisor/risk"),
    ("post", "/v1/filings", "/v1/filings"),
    ("get", "/v1/official/challenges", "/v1/official/challenges"),
    ("post", "/v1/challenges", "/v1/challenges"),
    (
        "post",
        "/v1/challenges/{challenge}/answer",
        "/v1/challenges/00/answer",
    ),
    (
        "get",
        "/v1/supervisor/challenges",
        "/v1/supervisor/challenges",
    ),
    ("get", "/v1/supervisor/tips", "/v1/supervisor/tips"),
    (
        "post",
        "/v1/supervisor/tips/{entry}/reply",
        "/v1/supervisor/tips/0/reply",
    ),
    ("get", "/v1/supervisor/alerts", "/v1/supervisor/alerts"),
    (
        "get",
        "/v1/supervisor/disclosures",
        "/v1/supervisor/disclosures",
    ),
    ("post", "/v1/enroll", "/v1/enroll"),
    ("post", "/v1/tips", "/v1/tips"),
    ("post", "/v1/tips/status", "/v1/tips/status"),
];

#[tokio::test(flavor = "multi_thread")]
async fn openapi_lists_every_route_the_router_serves() {
    let app = App::open();
    let doc: Value = app.ok(Call::get("/v1/openapi.json")).await;
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with('3')));
    let listed = Document::from_json(doc.clone()).operations();
    let mut expected: Vec<(String, String)> = ROUTES
        .iter()
        .map(|(m, p, _)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    expected.sort();
    assert_eq!(listed, expected);
    // And the router serves each: none is an unknown route or a wrong method.
    for (method, _, path) in ROUTES {
        let call = if *method == "get" {
            Call::get(*path)
        } else {
            Call::post(*path).body("{}")
        };
        let reply = app.send(call).await;
        if !reply.status.is_success() {
            let code = reply.error_code();
            assert!(
                code != "method_not_allowed" && !reply.text().contains("no such route"),
                "{method} {path}: {}",
                reply.text()
            );
        }
    }
    // Every error response a route documents uses the envelope's schema.
    assert!(doc["components"]["schemas"]["ErrorEnvelope"].is_object());
}

fn counter(metrics: &str, route: &str, status: u16) -> Option<u64> {
    metrics
        .lines()
        .find(|l| {
            l.starts_with("probity_http_requests_total{")
                && l.contains(&format!("route=\"{route}\""))
                && l.contains(&format!("status=\"{status}\""))
        })
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

/// Every line of `/metrics` but its own (fetching it moves its own counter and histogram),
/// sorted: the exposition lists a family's series in no fixed order.
async fn metrics_besides_their_own(app: &App) -> Vec<String> {
    let reply = app.send(Call::get("/metrics")).await;
    assert_eq!(reply.status, 200);
    let mut lines: Vec<String> = reply
        .text()
        .lines()
        .filter(|l| !l.contains("route=\"/metrics\""))
        .map(str::to_owned)
        .collect();
    lines.sort();
    lines
}

/// Polling `/metrics` around every whistleblower request, accepted or refused, shows
/// nothing: not one line of the whole output moves (DESIGN.md §8).
#[tokio::test(flavor = "multi_thread")]
async fn metrics_show_no_sign_of_enrollments_tips_or_status_checks() {
    let app = App::open_with(|c| c.tip_batch_secs = 600);
    app.register_official("GOV-0001", JURISDICTION).await;
    let info = app.info().await;
    let code = app.codes(1, JURISDICTION).await.remove(0);
    let (request, state) = issuance_request(&info, &code, JURISDICTION);
    let quiet = metrics_besides_their_own(&app).await;

    // WHISTLEBLOWER: enrolls, tips, tips again (refused), sends garbage, checks the status.
    let enrolled: api::Enrolled = app.ok(Call::post("/v1/enroll").json(&request)).await;
    assert_eq!(metrics_besides_their_own(&app).await, quiet, "enrollment");
    let (another, _) = issuance_request(&info, &code, JURISDICTION);
    app.send(Call::post("/v1/enroll").json(&another))
        .await
        .expect_error(409, "conflict");
    app.send(Call::post("/v1/enroll").body("{"))
        .await
        .expect_error(400, "bad_request");
    assert_eq!(
        metrics_besides_their_own(&app).await,
        quiet,
        "refused enrollments"
    );

    let tipper = Tipper::from_enrollment(&info, state, &enrolled);
    let accepted: api::TipAccepted = app
        .ok(Call::post("/v1/tips").json(&tipper.tip("GOV-0001", info.epoch, "A flat.")))
        .await;
    assert_eq!(metrics_besides_their_own(&app).await, quiet, "a tip");
    app.send(Call::post("/v1/tips").json(&tipper.tip("GOV-0001", info.epoch, "Again.")))
        .await
        .expect_error(409, "conflict");
    app.send(Call::post("/v1/tips").body("[]"))
        .await
        .expect_error(400, "bad_request");
    app.send(Call::get("/v1/tips"))
        .await
        .expect_error(405, "method_not_allowed");
    assert_eq!(metrics_besides_their_own(&app).await, quiet, "refused tips");

    let status: api::TipStatus = app
        .ok(Call::post("/v1/tips/status").json(&api::TipStatusQuery {
            receipt_code: accepted.receipt_code,
        }))
        .await;
    assert_eq!(status.status, "pooled");
    app.send(Call::post("/v1/tips/status").body("{}"))
        .await
        .expect_error(400, "bad_request");
    assert_eq!(
        metrics_besides_their_own(&app).await,
        quiet,
        "status checks"
    );

    // The same poll does see any other route's request.
    let _ = app.send(Call::get("/v1/info")).await;
    assert_ne!(metrics_besides_their_own(&app).await, quiet);
}

#[tokio::test(flavor = "multi_thread")]
async fn metrics_count_requests_per_route_template() {
    let app = App::open();
    app.register_official("GOV-0001", JURISDICTION).await;
    for _ in 0..3 {
        let _ = app.send(Call::get("/v1/info")).await;
    }
    for path in ["/v1/officials/GOV-0001", "/v1/officials/GOV-0777"] {
        let _ = app.send(Call::get(path)).await;
    }
    let _ = app.send(Call::get("/v1/nowhere")).await;
    let _ = app.send(Call::post("/v1/admin/officials").body("{}")).await;
    let health = app.send(Call::get("/healthz")).await;
    assert_eq!(health.status, 200);
    assert_eq!(health.text(), "ok");
    let reply = app.send(Call::get("/metrics")).await;
    assert_eq!(reply.status, 200);
    let text = reply.text();
    assert_eq!(counter(&text, "/v1/info", 200), Some(3), "{text}");
    assert_eq!(counter(&text, "/v1/officials/{official}", 200), Some(1));
    assert_eq!(counter(&text, "/v1/officials/{official}", 404), Some(1));
    assert_eq!(counter(&text, "/v1/admin/officials", 401), Some(1));
    assert_eq!(counter(&text, "/v1/admin/officials", 200), Some(1));
    assert_eq!(counter(&text, "/healthz", 200), Some(1));
    assert!(
        !text.contains("GOV-0") && !text.contains("/v1/nowhere"),
        "templates only, never a concrete path"
    );
    let size = app.size().await;
    assert!(
        text.lines()
            .any(|l| l == format!("probity_ledger_entries {size}")),
        "{text}"
    );
    assert!(text.contains("probity_http_request_duration_seconds"));
    assert!(text.contains("probity_writer_batch_jobs"));
}

// ----- untrusted paths and queries ------------------------------------------------------------

/// Path segments and query values as anyone may send them: valid in a URI, and otherwise
/// anything, with the numbers and shapes where parsers break.
fn untrusted_segment() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    prop_oneof![
        "[A-Za-z0-9._~+-]{0,24}",
        "(%[0-9A-Fa-f]{2}|%|[a-z0-9])*",
        prop_oneof![
            Just(0u64),
            Just(63),
            Just(64),
            Just(255),
            Just(256),
            Just(u64::MAX),
            any::<u64>()
        ]
        .prop_map(|n| n.to_string()),
        Just("-1".to_owned()),
        Just("18446744073709551616".to_owned()),
    ]
}

/// A path of a public route, its parameters taken from `untrusted_segment`.
fn untrusted_public_path() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    let s = untrusted_segment;
    prop_oneof![
        (s(), s(), s()).prop_map(|(a, b, c)| format!("/v1/log/tile/{a}/{b}/{c}")),
        (s(), s()).prop_map(|(a, b)| format!("/v1/log/tile/{a}/{b}.p/{a}")),
        (s(), s()).prop_map(|(a, b)| format!("/v1/log/tile/entries/{a}.p/{b}")),
        (s(), s()).prop_map(|(a, b)| format!("/v1/log/entries?start={a}&end={b}")),
        (s(), s()).prop_map(|(a, b)| format!("/v1/log/inclusion?index={a}&size={b}")),
        (s(), s()).prop_map(|(a, b)| format!("/v1/log/consistency?old={a}&new={b}")),
        (s(), s()).prop_map(|(a, b)| format!("/v1/log/entries?{a}={b}")),
        s().prop_map(|a| format!("/v1/officials/{a}")),
        s().prop_map(|a| format!("/v1/params/{a}")),
    ]
}

/// Whatever a client puts in a path or a query, the service answers, and never with a 5xx:
/// a panic in a handler would drop the connection (issue 12: `/v1/log/tile/64/000`).
#[test]
fn any_path_or_query_of_a_public_route_gets_an_answer() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let app = App::open();
    runtime.block_on(app.register_official("GOV-0001", JURISDICTION));
    let mut runner =
        proptest::test_runner::TestRunner::new(proptest::test_runner::Config::with_cases(1500));
    runner
        .run(&untrusted_public_path(), |path| {
            let reply = runtime.block_on(app.send(Call::get(path.as_str())));
            proptest::prop_assert!(
                reply.status.as_u16() < 500,
                "{path}: {} {}",
                reply.status,
                reply.text()
            );
            if !reply.status.is_success() {
                let _ = reply.error_code();
            }
            Ok(())
        })
        .expect("every answer is a success or a 4xx in the envelope");
    for level in 64..=255 {
        runtime
            .block_on(app.send(Call::get(format!("/v1/log/tile/{level}/000"))))
            .expect_error(404, "not_found");
    }
}

// ----- whistleblower privacy ---------------------------------------------------------------

/// Enrollment issues the published schedule's expiry for the service's clock, or for a clock
/// up to the allowed skew ahead or behind (a client near a period boundary), and no other:
/// not one period off, and not one epoch off. The schedule is on the log.
#[tokio::test(flavor = "multi_thread")]
async fn enrollment_issues_the_schedules_expiry_within_the_clock_skew_only() {
    let app = App::open();
    let schedule = probity_credentials::ExpirySchedule::new(
        probity_service::Config::default().epoch_seconds,
        probity_service::EXPIRY_PERIOD_EPOCHS,
        probity_service::EXPIRY_PERIODS,
    )
    .expect("the default schedule");
    // 100 s before a period boundary: a client 5 minutes ahead is in the next period.
    let period_ms = schedule.period_epochs() * schedule.epoch_seconds() * 1000;
    let boundary = (START_MS / period_ms + 1) * period_ms;
    app.clock.store(boundary - 100_000, Ordering::SeqCst);
    let info = app.info().await;
    let here = info.credential_expiry;
    assert_eq!(here, schedule.expected_expiry(app.now_secs()).0);
    let ahead = schedule.expected_expiry(boundary / 1000).0;
    assert_eq!(ahead, here + schedule.period_epochs());

    let published = app
        .entries()
        .await
        .into_iter()
        .find_map(|e| match e.body {
            EntryBody::WhistleblowerKeysPublished(k) => Some(k),
            _ => None,
        })
        .expect("the keys are published");
    assert_eq!(
        (
            published.epoch_seconds,
            published.expiry_period_epochs,
            published.expiry_periods
        ),
        (
            schedule.epoch_seconds(),
            schedule.period_epochs(),
            schedule.periods()
        ),
        "the log carries the schedule clients pin"
    );

    let codes = app.codes(2, JURISDICTION).await;
    let enroll = |code: &str, expiry: u64| {
        Call::post("/v1/enroll")
            .json(&issuance_request_expiring(&info, code, JURISDICTION, expiry).0)
    };
    for wrong in [
        here - schedule.period_epochs(),
        here - 1,
        here + 1,
        ahead + 1,
        ahead + schedule.period_epochs(),
    ] {
        app.send(enroll(&codes[0], wrong))
            .await
            .expect_error(422, "unprocessable");
    }
    for (code, expiry) in [(&codes[0], here), (&codes[1], ahead)] {
        let (request, state) = issuance_request_expiring(&info, code, JURISDICTION, expiry);
        let enrolled: api::Enrolled = app.ok(Call::post("/v1/enroll").json(&request)).await;
        let tipper = Tipper::from_enrollment(&info, state, &enrolled);
        assert_eq!(tipper.credential.expiry().0, expiry);
    }
}

/// A log keeps its epoch length for life: clients refuse a log that changes it, so the
/// service refuses to start on a log that published another.
#[tokio::test(flavor = "multi_thread")]
async fn the_service_refuses_another_epoch_length_than_its_log_published() {
    let App {
        dir,
        service,
        router,
        registrar,
        ..
    } = App::open();
    drop(router);
    service.shutdown();
    let mut config = config(dir.path(), &registrar);
    config.epoch_seconds = 86_400;
    let error = probity_service::Service::open(config, probity_service::system_clock())
        .expect_err("another epoch length than the log's");
    assert!(
        error.to_string().contains("set epoch_seconds = 604800"),
        "{error}"
    );
}

/// Every file under `dir`, with its bytes.
fn folder(dir: &std::path::Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
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

/// Whoever made dev keys can forge proofs: without the dev permission the service opens on
/// ceremony keys for every capacity only, and otherwise refuses, saying what to do, before
/// it makes or changes anything in the data folder.
#[test]
fn without_the_dev_permission_the_service_refuses_dev_keys_and_changes_nothing() {
    let registrar = SigningKey::generate(&mut rand::rngs::OsRng);
    let root = tempfile::tempdir().expect("tempdir");
    let open = |dir: &std::path::Path, capacities: Vec<usize>| {
        let config = probity_service::Config {
            allow_dev_keys: false,
            capacities,
            ..config(dir, &registrar)
        };
        probity_service::Service::open(config, probity_service::system_clock())
    };

    // A first start, which would have made dev keys: nothing is made.
    let fresh = root.path().join("fresh");
    let error = open(&fresh, vec![16]).expect_err("no keys to run on");
    assert!(
        error.to_string().contains("no Groth16 keys")
            && error.to_string().contains("can forge proofs")
            && error.to_string().contains("--dev"),
        "{error}"
    );
    assert!(!fresh.exists(), "nothing was made");

    // Dev keys already there: refused, the folder as it was.
    let dev = root.path().join("dev");
    copy_params(&dev);
    let before = folder(&dev);
    let error = open(&dev, vec![16]).expect_err("dev keys");
    assert!(
        error.to_string().contains("are development keys")
            && error.to_string().contains("ceremony"),
        "{error}"
    );
    assert_eq!(folder(&dev), before, "nothing was made or changed");

    // A ceremony's keys without a configured capacity: refused, no dev key made for it.
    let manifest = dev.join("params").join("manifest.json");
    let text = std::fs::read_to_string(&manifest).expect("manifest");
    std::fs::write(
        &manifest,
        text.replace(r#""setup": "dev""#, r#""setup": "ceremony""#),
    )
    .expect("write");
    let before = folder(&dev);
    let error = open(&dev, vec![16, 64]).expect_err("no key for 64");
    assert!(error.to_string().contains("capacity 64"), "{error}");
    assert_eq!(folder(&dev), before, "nothing was made or changed");

    // An unknown setup is refused, with or without the permission.
    std::fs::write(
        &manifest,
        text.replace(r#""setup": "dev""#, r#""setup": "trusted""#),
    )
    .expect("write");
    let error = open(&dev, vec![16]).expect_err("unknown setup");
    assert!(error.to_string().contains("`trusted`"), "{error}");
    let error =
        probity_service::Service::open(config(&dev, &registrar), probity_service::system_clock())
            .expect_err("unknown setup, dev allowed");
    assert!(error.to_string().contains("`trusted`"), "{error}");

    // The ceremony's keys for every capacity: it opens, and says which keys it runs on.
    std::fs::write(
        &manifest,
        text.replace(r#""setup": "dev""#, r#""setup": "ceremony""#),
    )
    .expect("write");
    let service = open(&dev, vec![16]).expect("opens on ceremony keys");
    assert_eq!(service.keys(), api::KeySetup::Ceremony);
}

/// `/v1/info` says how the keys were made, and the document says what the words are.
#[tokio::test(flavor = "multi_thread")]
async fn the_info_names_the_keys_setup_and_the_document_declares_it() {
    let app = App::open();
    let info: Value = app.ok(Call::get("/v1/info")).await;
    assert_eq!(info["keys"], "dev", "the tests' params are dev keys");
    let doc = Document::of_service();
    let info_schema = doc.target("#/components/schemas/ServiceInfo");
    assert!(info_schema["required"]
        .as_array()
        .is_some_and(|r| r.contains(&json!("keys"))));
    let keys = doc.target(
        info_schema["properties"]["keys"]["$ref"]
            .as_str()
            .expect("a reference to KeySetup"),
    );
    assert_eq!(keys["enum"], json!(["dev", "ceremony"]), "{keys}");
}

/// The `many_reporters` alerts that pooled tips raise are logged after the whole pool, never
/// beside the tip that crossed the threshold: the log must not show which tips share an
/// official. Two officials cross the threshold in one pool, among other tips.
#[tokio::test(flavor = "multi_thread")]
async fn alerts_raised_by_pooled_tips_are_logged_after_the_whole_pool() {
    const WINDOW_SECS: u64 = 600;
    let pooled = |c: &mut probity_service::Config| c.tip_batch_secs = WINDOW_SECS;
    let app = App::open_with(pooled);
    for n in 1..=3 {
        app.register_official(gov(n).as_str(), JURISDICTION).await;
    }
    let supervisor = app.register_supervisor("AUDIT-1").await;
    let threshold = probity_service::Config::default().reporters_threshold;
    let epoch = app.info().await.epoch;
    let mut sent = 0;
    for _ in 0..threshold {
        let tipper = app.whistleblower(JURISDICTION).await;
        for n in 1..=2 {
            let tip = tipper.tip(gov(n).as_str(), epoch, "Same flat.");
            let _: api::TipAccepted = app.ok(Call::post("/v1/tips").json(&tip)).await;
            sent += 1;
        }
    }
    let lone = app.whistleblower(JURISDICTION).await;
    let _: api::TipAccepted = app
        .ok(Call::post("/v1/tips").json(&lone.tip(gov(3).as_str(), epoch, "Alone.")))
        .await;
    sent += 1;

    let before = app.size().await;
    app.clock.store(
        (app.now_secs() / WINDOW_SECS + 1) * WINDOW_SECS * 1000 + 1,
        Ordering::SeqCst,
    );
    assert_eq!(
        app.service.sweep().await.expect("sweep"),
        sent + 2,
        "every tip and two alerts"
    );
    let logged: Vec<&str> = app.types().await[before as usize..].to_vec();
    let tips = vec!["TipReceived"; sent];
    assert_eq!(logged[..sent], tips[..], "the whole pool first");
    assert_eq!(logged[sent..], ["Alert", "Alert"], "then its alerts");
    let mut alerted: Vec<OfficialId> = app
        .alerts(&supervisor)
        .await
        .into_iter()
        .filter(|a| a.rule == rules::MANY_REPORTERS)
        .map(|a| a.detail.official)
        .collect();
    alerted.sort();
    assert_eq!(alerted, [gov(1), gov(2)]);

    // Logged once: nothing is left due, not by the next sweep and not after a restart.
    let size = app.size().await;
    app.advance_ms(WINDOW_SECS * 1000);
    assert_eq!(app.service.sweep().await.expect("sweep"), 0);
    let app = app.reopen_with(pooled);
    app.advance_ms(WINDOW_SECS * 1000);
    assert_eq!(app.service.sweep().await.expect("sweep"), 0);
    assert_eq!(app.size().await, size);
}

/// Every file under `dir` but the params (written once, at first start), with its path.
fn data_files(dir: &std::path::Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let mut folders = vec![dir.to_owned()];
    while let Some(folder) = folders.pop() {
        for item in std::fs::read_dir(&folder).expect("a folder") {
            let path = item.expect("an entry").path();
            if path.is_dir() {
                if path.file_name() != Some("params".as_ref()) {
                    folders.push(path);
                }
            } else {
                let bytes = std::fs::read(&path).expect("a file");
                files.push((path, bytes));
            }
        }
    }
    files
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// A copy of the data folder, with the registrar's list of who got which code, must not undo
/// the pool's shuffle. While tips wait, nothing outside the pool folder names them (no tag
/// reservation, no pool record in the database beside the enrollments); once the pool is
/// logged, its files are gone, and no pool record is left anywhere in the folder.
#[tokio::test(flavor = "multi_thread")]
async fn a_logged_pool_leaves_no_record_of_arrival_order_in_the_data_folder() {
    const WINDOW_SECS: u64 = 600;
    let app = App::open_with(|c| c.tip_batch_secs = WINDOW_SECS);
    app.register_official("GOV-0001", JURISDICTION).await;
    app.register_official("GOV-0002", JURISDICTION).await;
    let epoch = app.info().await.epoch;
    // WHISTLEBLOWERS: each enrolls, then tips at once.
    let mut marks = Vec::new();
    for n in 1..=4 {
        let tipper = app.whistleblower(JURISDICTION).await;
        let tip = tipper.tip(gov(1 + n % 2).as_str(), epoch, "A tip.");
        let accepted: api::TipAccepted = app.ok(Call::post("/v1/tips").json(&tip)).await;
        assert!(accepted.receipt.is_none(), "pooled");
        let tag = probity_credentials::Presentation::from_bytes(
            &hex::decode(&tip.presentation).expect("hex"),
        )
        .expect("a presentation")
        .tag()
        .0;
        let sealed =
            base64::Engine::decode(&base64::engine::general_purpose::STANDARD, &tip.sealed)
                .expect("base64");
        let digest = probity_credentials::SealedTip::from_bytes(&sealed)
            .expect("sealed")
            .digest()
            .0;
        let receipt = probity_credentials::Receipt::parse(&accepted.receipt_code)
            .expect("a receipt code")
            .storage_hash()
            .0;
        marks.push((tag, digest, receipt));
    }
    let needles = |(tag, digest, receipt): &([u8; 32], [u8; 32], [u8; 32])| {
        [tag, digest, receipt]
            .into_iter()
            .flat_map(|b| [b.to_vec(), hex::encode(b).into_bytes()])
            .collect::<Vec<_>>()
    };
    let pool = app.dir.path().join(probity_service::files::TIP_POOL);

    // While the tips wait: one file each in the pool folder, and nothing else names them.
    assert_eq!(
        std::fs::read_dir(&pool).expect("the pool").count(),
        marks.len()
    );
    for (path, bytes) in data_files(app.dir.path()) {
        if path.starts_with(&pool) {
            continue;
        }
        for mark in &marks {
            for needle in needles(mark) {
                assert!(
                    !contains(&bytes, &needle),
                    "{} names a pooled tip",
                    path.display()
                );
            }
        }
    }

    // The window closes and the pool is logged.
    app.clock.store(
        (app.now_secs() / WINDOW_SECS + 1) * WINDOW_SECS * 1000 + 1,
        Ordering::SeqCst,
    );
    assert_eq!(app.service.sweep().await.expect("sweep"), marks.len());
    assert_eq!(
        std::fs::read_dir(&pool).expect("the pool").count(),
        0,
        "logged tips leave the pool folder"
    );
    let files = data_files(app.dir.path());
    for (_, digest, receipt) in &marks {
        // The scan sees the ledger's and the private data's copies, written in the pool's
        // random order...
        assert!(
            files
                .iter()
                .any(|(_, bytes)| contains(bytes, hex::encode(receipt).as_bytes())),
            "the logged tip's private data is in the folder"
        );
        // ...and no pool record, which would hold the tips in arrival order.
        let pooled = format!(r#""sealed_sha256":"{}""#, hex::encode(digest));
        for (path, bytes) in &files {
            assert!(
                !contains(bytes, pooled.as_bytes()),
                "{} keeps a pool record",
                path.display()
            );
        }
    }
}
