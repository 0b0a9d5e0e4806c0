//! Over real HTTP, against servers on port 0: racing tips from two threads, a restart on
//! the same folder, the server's own deadline sweep, and what the logs and the data folder
//! keep of a tip. Every tracing event of this binary is captured, so the log checks cover
//! the tips of every test here.

mod common;

use std::{
    io::Write,
    path::Path,
    sync::{Arc, Barrier, Mutex, OnceLock},
    time::{Duration, Instant},
};

use common::*;
use probity_ledger::{
    leaf_hash, ConsistencyProof, Entry, EntryBody, InclusionProof, SignedCheckpoint,
};
use probity_service::{api, rules, Config};
use serde_json::{json, Value};
use tracing_subscriber::{fmt::MakeWriter, layer::SubscriberExt as _, Layer as _};

const JURISDICTION: &str = "CN-ZJ-HZ";
const DAY_MS: u64 = 86_400_000;

/// A writer into the shared capture buffer.
#[derive(Clone)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Capture {
    type Writer = Capture;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// Installs, once, the global subscriber that captures every event at every level.
fn capture() -> &'static Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        // Everything at every level, but the proving libraries' constraint-system spans:
        // the tests prove in this process (as a client would), and recording those costs
        // minutes and gigabytes while saying nothing about the service.
        let layer = tracing_subscriber::fmt::layer()
            .with_ansi(false)
            .with_writer(Capture(Arc::clone(&buffer)))
            .with_filter(tracing_subscriber::filter::filter_fn(|meta| {
                !(["r1cs", "gr1cs"].contains(&meta.target()) || meta.target().starts_with("ark_"))
            }));
        let subscriber = tracing_subscriber::registry().with(layer);
        tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");
        buffer
    })
}

fn captured() -> String {
    String::from_utf8_lossy(
        &capture()
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner),
    )
    .into_owned()
}

/// A server, after the capture is in place.
fn server() -> TestServer {
    capture();
    TestServer::start()
}

fn entries(server: &TestServer, start: u64, end: u64) -> Vec<Entry> {
    let page: api::EntriesPage = server
        .client()
        .get(&format!("/v1/log/entries?start={start}&end={end}"))
        .expect("entries");
    page.entries
        .iter()
        .map(|e| Entry::from_canonical_json(e.as_bytes()).expect("entry"))
        .collect()
}

#[test]
fn racing_tips_with_one_credential_are_accepted_once() {
    let server = server();
    server.register_official("GOV-0001", JURISDICTION);
    let tipper = server.whistleblower(JURISDICTION);
    let log = server.log_key();
    let epoch_ms = 1000 * Config::default().epoch_seconds;
    for round in 0..16 {
        let info: api::ServiceInfo = server.client().get("/v1/info").expect("info");
        let tips = [
            tipper.tip("GOV-0001", info.epoch, "First version."),
            tipper.tip("GOV-0001", info.epoch, "Second version."),
        ];
        let before = server.ledger_size();
        let barrier = Barrier::new(tips.len());
        let results: Vec<_> = std::thread::scope(|scope| {
            let handles: Vec<_> = tips
                .iter()
                .map(|tip| {
                    let client = server.client();
                    let barrier = &barrier;
                    scope.spawn(move || {
                        barrier.wait();
                        client.post::<_, api::TipAccepted>("/v1/tips", tip)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("the thread"))
                .collect()
        });
        let (accepted, refused): (Vec<_>, Vec<_>) = results.into_iter().partition(Result::is_ok);
        assert_eq!(accepted.len(), 1, "round {round}: exactly one wins");
        let refusal = refused
            .into_iter()
            .next()
            .and_then(Result::err)
            .expect("the other is refused");
        assert_eq!(refusal.status(), Some(409), "round {round}: {refusal}");
        let receipt = accepted
            .into_iter()
            .next()
            .and_then(Result::ok)
            .expect("accepted")
            .logged()
            .clone();
        receipt.verify(&log).expect("the receipt verifies");
        let after = server.ledger_size();
        let logged = entries(&server, before, after)
            .iter()
            .filter(|e| matches!(e.body, EntryBody::TipReceived(_)))
            .count();
        assert_eq!(logged, 1, "round {round}: one TipReceived");
        // The next round tips in the next epoch: a fresh tag for the same credential.
        server.advance_ms(epoch_ms);
    }
    let supervisor = server.register_supervisor("AUDIT-1");
    let alerts: Vec<api::AlertView> = server
        .client()
        .signed(supervisor)
        .get("/v1/supervisor/alerts")
        .expect("alerts");
    assert!(
        alerts.iter().all(|a| a.rule != rules::MANY_REPORTERS),
        "one credential over many epochs is one reporter"
    );
}

/// What every role can list, as JSON, to compare before and after a restart.
fn snapshot(
    server: &TestServer,
    official: &ed25519_dalek::SigningKey,
    supervisor: &ed25519_dalek::SigningKey,
    receipt_code: &str,
) -> Value {
    let public = server.client();
    let as_supervisor = server.client().signed(supervisor.clone());
    let as_official = server.client().signed(official.clone());
    let get = |c: &probity_client::Client, path: &str| -> Value { c.get(path).expect(path) };
    let status: Value = public
        .post(
            "/v1/tips/status",
            &api::TipStatusQuery {
                receipt_code: receipt_code.into(),
            },
        )
        .expect("status");
    json!({
        "officials": get(&public, "/v1/officials"),
        "supervisors": get(&public, "/v1/supervisors"),
        "record-1": get(&public, "/v1/officials/GOV-0001"),
        "record-2": get(&public, "/v1/officials/GOV-0002"),
        "scopes": get(&public, "/v1/info")["scopes"],
        "tips": get(&as_supervisor, "/v1/supervisor/tips"),
        "alerts": get(&as_supervisor, "/v1/supervisor/alerts"),
        "challenges": get(&as_supervisor, "/v1/supervisor/challenges"),
        "disclosures": get(&as_supervisor, "/v1/supervisor/disclosures"),
        "asked": get(&as_official, "/v1/official/challenges"),
        "status": status,
    })
}

#[test]
fn a_restart_rebuilds_the_state_from_the_ledger() {
    let server = server();
    let fx = fixtures();
    let log = server.log_key();
    let official = server.register_official("GOV-0001", JURISDICTION);
    server.register_official("GOV-0002", JURISDICTION);
    let supervisor = server.register_supervisor("AUDIT-1");
    let as_official = server.client().signed(official.clone());
    let as_supervisor = server.client().signed(supervisor.clone());
    let mut receipts = Vec::new();

    let first: api::FilingAccepted = as_official
        .post(
            "/v1/filings",
            &filing(&fx.o2025, &official, vec![fx.band2025()]),
        )
        .expect("filed");
    receipts.extend(first.receipts);
    let second: api::FilingAccepted = as_official
        .post(
            "/v1/filings",
            &filing(&fx.o2026, &official, vec![fx.band2026()]),
        )
        .expect("filed");
    assert_eq!(second.alerts, vec![rules::WEALTH_GROWTH_MISSING.to_owned()]);
    receipts.extend(second.receipts);
    let item = &fx.d2026.items()[0];
    let created: api::ChallengeCreated = as_supervisor
        .post(
            "/v1/challenges",
            &api::IssueChallenge {
                official: fx.o2026.official().clone(),
                period: None,
                id_hash: item.asset_id.id_hash().to_string(),
                min_value: item.value.0,
                deadline: server.now_ms() + DAY_MS,
            },
        )
        .expect("challenged");
    receipts.extend(created.receipts);
    let tipper = server.whistleblower(JURISDICTION);
    let epoch = server
        .client()
        .get::<api::ServiceInfo>("/v1/info")
        .expect("info")
        .epoch;
    let accepted: api::TipAccepted = server
        .client()
        .post("/v1/tips", &tipper.tip("GOV-0001", epoch, "A flat."))
        .expect("tip");
    receipts.push(accepted.logged().clone());
    let entry = accepted.logged().proof.index;
    let replied: api::Written = as_supervisor
        .post(
            &format!("/v1/supervisor/tips/{entry}/reply"),
            &api::ReplyToTip {
                message: "We are looking into it.".into(),
                close: false,
            },
        )
        .expect("replied");
    assert!(replied.receipts.is_empty(), "a reply stays off the ledger");

    // A signed request seen before the restart.
    let path = "/v1/supervisor/alerts";
    let headers = server.sign(&supervisor, "GET", path, b"");
    assert_eq!(server.raw("GET", path, &headers, b"").0, 200);

    let before = snapshot(&server, &official, &supervisor, &accepted.receipt_code);
    let old = SignedCheckpoint::verify(
        &server
            .client()
            .get_bytes("/v1/log/checkpoint")
            .expect("note"),
        &log,
    )
    .expect("signed");

    let server = server.restart();
    assert_eq!(
        server.log_key().ed25519_vkey(),
        log.ed25519_vkey(),
        "the same log"
    );
    let after = snapshot(&server, &official, &supervisor, &accepted.receipt_code);
    assert_eq!(after, before, "the state is rebuilt as it was");
    assert_eq!(
        after["tips"][0]["replies"].as_array().map(Vec::len),
        Some(1)
    );
    assert_eq!(after["alerts"].as_array().map(Vec::len), Some(1));
    assert_eq!(server.ledger_size(), old.size(), "reopening logs nothing");

    // Replays and spent tags stay refused.
    let (status, body) = server.raw("GET", path, &headers, b"");
    assert_eq!(status, 401, "{}", String::from_utf8_lossy(&body));
    let again = server
        .client()
        .post::<_, api::TipAccepted>("/v1/tips", &tipper.tip("GOV-0001", epoch, "Again."));
    assert_eq!(again.err().and_then(|e| e.status()), Some(409));

    // The log grows on; what was promised before is still in it.
    let as_supervisor = server.client().signed(supervisor.clone());
    let closed: api::Written = as_supervisor
        .post(
            &format!("/v1/supervisor/tips/{entry}/reply"),
            &api::ReplyToTip {
                message: "Closed.".into(),
                close: true,
            },
        )
        .expect("closed");
    verify_receipts(&closed.receipts, &log);
    let new = SignedCheckpoint::verify(
        &server
            .client()
            .get_bytes("/v1/log/checkpoint")
            .expect("note"),
        &log,
    )
    .expect("signed");
    assert!(new.size() > old.size());
    let consistency: ConsistencyProof = server
        .client()
        .get(&format!(
            "/v1/log/consistency?old={}&new={}",
            old.size(),
            new.size()
        ))
        .expect("consistency");
    consistency
        .verify(old.root(), new.root())
        .expect("the old tree is a prefix of the new one");
    for receipt in &receipts {
        let (_, checkpoint) = receipt.verify(&log).expect("the receipt still verifies");
        assert!(checkpoint.size() <= old.size());
        let proof: InclusionProof = server
            .client()
            .get(&format!(
                "/v1/log/inclusion?index={}&size={}",
                receipt.proof.index,
                new.size()
            ))
            .expect("inclusion");
        proof
            .verify(leaf_hash(receipt.entry.as_bytes()), new.root())
            .expect("in the new tree");
    }
    let status: api::TipStatus = server
        .client()
        .post(
            "/v1/tips/status",
            &api::TipStatusQuery {
                receipt_code: accepted.receipt_code,
            },
        )
        .expect("status");
    assert_eq!(status.status, "closed");
    assert_eq!(status.replies.len(), 2);
}

#[test]
fn the_server_sweeps_deadlines_itself() {
    capture();
    let server = TestServer::start_with(|c| c.sweep_interval_secs = 1);
    server.register_official("GOV-0001", JURISDICTION);
    let supervisor = server.register_supervisor("AUDIT-1");
    let as_supervisor = server.client().signed(supervisor);
    let _: api::Written = server
        .as_registrar()
        .post(
            "/v1/admin/deadlines",
            &api::SetDeadline {
                period: fixtures().o2025.period(),
                deadline: server.now_ms() + 1000,
            },
        )
        .expect("deadline");
    server.advance_ms(DAY_MS);
    let overdue = || {
        as_supervisor
            .get::<Vec<api::AlertView>>("/v1/supervisor/alerts")
            .expect("alerts")
            .into_iter()
            .filter(|a| a.rule == rules::DECLARATION_OVERDUE)
            .count()
    };
    let start = Instant::now();
    while overdue() == 0 {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the server never swept"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // Several sweeps later, still one.
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(overdue(), 1);
}

/// Whether `needle` occurs in any file under `dir`.
fn folder_contains(dir: &Path, needle: &[u8]) -> Option<std::path::PathBuf> {
    for entry in std::fs::read_dir(dir).expect("read dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            if let Some(found) = folder_contains(&path, needle) {
                return Some(found);
            }
        } else if std::fs::read(&path)
            .expect("read")
            .windows(needle.len())
            .any(|w| w == needle)
        {
            return Some(path);
        }
    }
    None
}

#[test]
fn tips_leave_no_trace_in_logs_or_storage() {
    const AGENT: &str = "LeakCheck/9.9 (agent-7f3a91)";
    const SUBJECT: &str = "GOV-0417";
    const TEXT: &str = "The villa at Moganshan is registered to a cousin";
    let server = server();
    assert!(
        captured().contains("tip key pair"),
        "the capture sees the service's logs"
    );
    // Not at midnight: the ledger must round the tip's time down to the day.
    server.advance_ms(13 * 3_600_000 + 7 * 60_000 + 5_123);
    server.register_official(SUBJECT, JURISDICTION);
    server.register_official("GOV-0418", JURISDICTION);
    let agent = vec![("user-agent".to_owned(), AGENT.to_owned())];
    let send = |path: &str, body: Value| {
        server.raw(
            "POST",
            path,
            &agent,
            &serde_json::to_vec(&body).expect("json"),
        )
    };

    let info: api::ServiceInfo = server.client().get("/v1/info").expect("info");
    let code = server.codes(1, JURISDICTION).remove(0);
    let (request, state) = issuance_request(&info, &code, JURISDICTION);
    let (status, body) = send("/v1/enroll", json_of(&request));
    assert_eq!(status, 200);
    let tipper = Tipper::from_enrollment(
        &info,
        state,
        &serde_json::from_slice(&body).expect("enrolled"),
    );
    let unknown = probity_credentials::EnrollmentCode::generate(&mut rand::rngs::OsRng).to_string();
    assert_eq!(
        send(
            "/v1/enroll",
            json_of(&issuance_request(&info, &unknown, JURISDICTION).0)
        )
        .0,
        403
    );

    let tip = tipper.tip(SUBJECT, info.epoch, TEXT);
    let (status, body) = send("/v1/tips", json_of(&tip));
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let accepted: api::TipAccepted = serde_json::from_slice(&body).expect("accepted");
    assert_eq!(send("/v1/tips", json_of(&tip)).0, 409);
    let broken = api::SubmitTip {
        presentation: "00".into(),
        ..tip.clone()
    };
    assert_eq!(send("/v1/tips", json_of(&broken)).0, 400);
    let elsewhere = api::SubmitTip {
        subject: "GOV-0418".into(),
        ..tip.clone()
    };
    assert_eq!(send("/v1/tips", json_of(&elsewhere)).0, 422);
    assert_eq!(
        send(
            "/v1/tips",
            json_of(&tipper.tip(SUBJECT, info.epoch + 1, TEXT))
        )
        .0,
        422
    );
    assert_eq!(
        send(
            "/v1/tips",
            json_of(&tipper.tip("GOV-9417", info.epoch, TEXT))
        )
        .0,
        422
    );
    let query = api::TipStatusQuery {
        receipt_code: accepted.receipt_code.clone(),
    };
    assert_eq!(send("/v1/tips/status", json_of(&query)).0, 200);
    let nobody = api::TipStatusQuery {
        receipt_code: probity_credentials::Receipt::generate(&mut rand::rngs::OsRng).to_string(),
    };
    assert_eq!(send("/v1/tips/status", json_of(&nobody)).0, 404);

    // The logs say nothing about who sent what.
    let logs = captured();
    for needle in [
        AGENT,
        "agent-7f3a91",
        "127.0.0.1",
        SUBJECT,
        TEXT,
        "Moganshan",
        accepted.receipt_code.as_str(),
    ] {
        assert!(
            !logs.contains(needle),
            "the logs mention `{needle}`:\n{logs}"
        );
    }

    // The ledger keeps the day, the epoch, the tag and a digest: no subject, no text.
    let log = server.log_key();
    let (entry, _) = accepted
        .logged()
        .verify(&log)
        .expect("the receipt verifies");
    let EntryBody::TipReceived(received) = &entry.body else {
        panic!("a TipReceived entry");
    };
    assert_eq!(received.epoch, info.epoch);
    let time = entry.time.as_millis();
    assert_eq!(time % DAY_MS, 0, "a whole UTC day");
    assert_eq!(time, server.now_ms() - server.now_ms() % DAY_MS, "today");
    let stored = entries(&server, 0, server.ledger_size());
    let tips: Vec<&Entry> = stored
        .iter()
        .filter(|e| matches!(e.body, EntryBody::TipReceived(_)))
        .collect();
    assert_eq!(tips.len(), 1);
    assert_eq!(tips[0].time.as_millis() % DAY_MS, 0);
    for e in &stored {
        let text = String::from_utf8(e.to_canonical_json().expect("json")).expect("utf8");
        for needle in [TEXT, AGENT, "127.0.0.1"] {
            assert!(!text.contains(needle), "{needle} in {text}");
        }
        // The official's registration names them; nothing after it does.
        if !matches!(e.body, EntryBody::OfficialRegistered(_)) {
            assert!(!text.contains(SUBJECT), "{text}");
        }
    }
    // Nor does the data folder keep the client's address or agent, or the tip's text (the
    // service holds the sealed tip only).
    for needle in [AGENT, "127.0.0.1", TEXT] {
        assert_eq!(
            folder_contains(&server.data_dir().join("db"), needle.as_bytes()),
            None,
            "`{needle}` is stored"
        );
    }
}

fn json_of(body: &impl serde::Serialize) -> Value {
    serde_json::to_value(body).expect("json")
}

/// Sends `request` as raw bytes on a fresh connection and reads the answer to its end.
fn raw_exchange(server: &TestServer, request: &[u8]) -> common::oneshot::Reply {
    use std::io::Read as _;
    let addr = server.base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(addr).expect("connects");
    // A guard against a server that never answers, not a measurement.
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .expect("a timeout");
    stream.write_all(request).expect("sent");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).expect("the answer");
    let split = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a head");
    let head = String::from_utf8(answer[..split].to_vec()).expect("a text head");
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse::<u16>().ok())
        .expect("a status line");
    let mut headers = axum::http::HeaderMap::new();
    for line in lines {
        let (name, value) = line.split_once(':').expect("a header");
        headers.insert(
            axum::http::HeaderName::from_bytes(name.trim().as_bytes()).expect("a name"),
            value.trim().parse().expect("a value"),
        );
    }
    common::oneshot::Reply {
        status: axum::http::StatusCode::from_u16(status).expect("a status"),
        headers,
        body: answer[split + 4..].to_vec(),
    }
}

#[test]
fn a_path_too_long_to_read_gets_414_in_the_envelope_the_document_declares() {
    let server = server();
    let path = format!("/v1/officials/{}", "G".repeat(100 << 10));
    let reply = raw_exchange(
        &server,
        format!("GET {path} HTTP/1.1\r\nhost: probity\r\n\r\n").as_bytes(),
    );
    reply.expect_error(414, "uri_too_long");
    common::openapi::Document::of_service()
        .check("get", "/v1/officials/{official}", &reply)
        .expect("declared");
    // The connection's rewrite touches nothing the router answers.
    let reply = raw_exchange(
        &server,
        b"GET /v1/officials/GOV-0404 HTTP/1.1\r\nhost: probity\r\nconnection: close\r\n\r\n",
    );
    reply.expect_error(404, "not_found");
    let reply = raw_exchange(
        &server,
        b"GET /healthz HTTP/1.1\r\nhost: probity\r\nconnection: close\r\n\r\n",
    );
    assert_eq!(reply.status.as_u16(), 200);
    assert_eq!(reply.body, b"ok");
}
