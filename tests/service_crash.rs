//! Nothing acknowledged is ever lost (DESIGN.md §10): `probity serve` is killed with SIGKILL
//! in the middle of a load of filings and tips, several times, and restarted on the same
//! folder each time. After every restart:
//!
//! - every receipt handed out so far verifies against the log's key, the entry at its index
//!   in the restarted log is byte for byte the receipt's, and the receipt's checkpoint is
//!   consistent with the restarted log's checkpoint (`/v1/log/consistency`);
//! - the whole log audits from its tiles;
//! - a tip whose tag was accepted before the crash is still refused (409), and a tag reserved
//!   by a tip that never reached the ledger is free again: the tip goes in. Such reservations
//!   arise when a kill lands between a tip's reservation and its append. (Reservations live in
//!   memory only, so that the data folder does not record the order in which tips arrived; a
//!   restart rebuilds them from the ledger and the pool.)
//!
//! At the end, the supervisors see exactly the tips on the ledger.
//!
//! Roles: a REGISTRAR (the test, holding the registrar key the server is started with),
//! OFFICIALS and WHISTLEBLOWERS (client threads), a SUPERVISOR, and an AUDITOR (the checks).
//! Everything slow (proofs, presentations, sealing) is made before the load, so each kill
//! lands among real writes.

mod common;
mod load;

use std::{
    collections::{BTreeMap, HashMap, HashSet},
    path::Path,
    sync::{
        atomic::{AtomicBool, AtomicUsize, Ordering},
        Mutex,
    },
    time::{Duration, Instant},
};

use common::server::Server;
use ed25519_dalek::SigningKey;
use probity_client::{api, Client, ClientError};
use probity_ledger::{
    CheckpointVerifier, ConsistencyProof, Entry, EntryBody, Receipt, SignedCheckpoint,
};
use rand::{rngs::OsRng, Rng as _};

/// Officials, each filing (and re-filing) one declaration.
const OFFICIALS: usize = 3;
/// Whistleblower credentials: tips = credentials × officials.
const CREDENTIALS: usize = 96;
/// Kill-and-restart rounds.
const ROUNDS: usize = 5;
/// Client threads that file, and that tip.
const FILERS: usize = 3;
const TIPPERS: usize = 3;
/// Acknowledged writes in a round before the kill is armed.
const WRITES_BEFORE_KILL: usize = 25;
/// Longest a round may take to reach them.
const ROUND_TIMEOUT: Duration = Duration::from_secs(60);
/// Page size of `/v1/log/entries`.
const PAGE: u64 = 1_000;

/// What the clients were told, across rounds.
#[derive(Default)]
struct Told {
    /// Every receipt handed out.
    receipts: Vec<Receipt>,
    /// Tips (by index in the pool) the service accepted.
    accepted: HashSet<usize>,
    /// Tips whose request was cut by a kill: on the ledger or not, nobody was told.
    cut: HashSet<usize>,
    /// Anything else that went wrong.
    unexpected: Vec<String>,
}

/// The restarted log, as an auditor reads it.
struct Audited {
    checkpoint: SignedCheckpoint,
    entries: Vec<String>,
}

impl Audited {
    /// The entry indexes of the `TipReceived` entries, by tag.
    fn tips(&self) -> HashMap<[u8; 32], u64> {
        self.entries
            .iter()
            .enumerate()
            .filter_map(|(i, e)| match Entry::from_canonical_json(e.as_bytes()) {
                Ok(Entry {
                    body: EntryBody::TipReceived(t),
                    ..
                }) => Some((t.tag.0, i as u64)),
                _ => None,
            })
            .collect()
    }
}

fn start(dir: &Path, registrar: &SigningKey) -> Server {
    let key = hex::encode(registrar.verifying_key().as_bytes());
    Server::start(dir, &[("PROBITY_REGISTRAR_KEY", key.as_str())])
}

fn cut_or_unexpected(e: &ClientError) -> bool {
    matches!(e, ClientError::Transport { .. })
}

/// One round: filers and tippers run until the kill; the kill lands once
/// [`WRITES_BEFORE_KILL`] writes were acknowledged, a random few milliseconds later.
fn load_until_kill(
    server: Server,
    officials: &[load::Official],
    tips: &[load::Tip],
    cursor: &AtomicUsize,
    sendable: usize,
    told: &Mutex<Told>,
) {
    let url = server.url.clone();
    let acknowledged = AtomicUsize::new(0);
    let killed = AtomicBool::new(false);
    std::thread::scope(|s| {
        for i in 0..FILERS {
            let (url, acknowledged, killed) = (url.clone(), &acknowledged, &killed);
            s.spawn(move || {
                // OFFICIAL
                let official = &officials[i % officials.len()];
                let client = Client::new(&url).signed(official.key.clone());
                while !killed.load(Ordering::SeqCst) {
                    match client
                        .post_raw::<api::FilingAccepted>("/v1/filings", official.filing.clone())
                    {
                        Ok(a) => {
                            told.lock().expect("lock").receipts.extend(a.receipts);
                            acknowledged.fetch_add(1, Ordering::SeqCst);
                        }
                        Err(e) if cut_or_unexpected(&e) => break,
                        Err(e) => {
                            told.lock()
                                .expect("lock")
                                .unexpected
                                .push(format!("a filing: {e}"));
                            break;
                        }
                    }
                }
            });
        }
        for _ in 0..TIPPERS {
            let (url, acknowledged, killed) = (url.clone(), &acknowledged, &killed);
            s.spawn(move || {
                // WHISTLEBLOWER
                let client = Client::new(&url);
                while !killed.load(Ordering::SeqCst) {
                    let k = cursor.fetch_add(1, Ordering::SeqCst);
                    if k >= sendable {
                        break;
                    }
                    match client.post_raw::<api::TipAccepted>("/v1/tips", tips[k].body.clone()) {
                        Ok(a) => {
                            let mut t = told.lock().expect("lock");
                            t.receipts
                                .push(a.receipt.expect("tips are logged at once here"));
                            t.accepted.insert(k);
                            drop(t);
                            acknowledged.fetch_add(1, Ordering::SeqCst);
                        }
                        Err(e) if cut_or_unexpected(&e) => {
                            told.lock().expect("lock").cut.insert(k);
                            break;
                        }
                        Err(e) => {
                            told.lock()
                                .expect("lock")
                                .unexpected
                                .push(format!("a tip: {e}"));
                            break;
                        }
                    }
                }
            });
        }
        let deadline = Instant::now() + ROUND_TIMEOUT;
        while acknowledged.load(Ordering::SeqCst) < WRITES_BEFORE_KILL && Instant::now() < deadline
        {
            std::thread::sleep(Duration::from_millis(2));
        }
        std::thread::sleep(Duration::from_millis(OsRng.gen_range(0..20)));
        // Killed in any case, so that the client threads end and the scope returns.
        server.kill9();
        killed.store(true, Ordering::SeqCst);
    });
    let unexpected = &told.lock().expect("lock").unexpected;
    assert!(unexpected.is_empty(), "{unexpected:?}");
    let made = acknowledged.load(Ordering::SeqCst);
    assert!(
        made >= WRITES_BEFORE_KILL,
        "the load made only {made} writes in {ROUND_TIMEOUT:?}"
    );
}

/// AUDITOR: reads the restarted log and checks every receipt handed out against it.
fn audit(url: &str, log: &CheckpointVerifier, receipts: &[Receipt]) -> Audited {
    let client = Client::new(url);
    let note = client
        .get_bytes("/v1/log/checkpoint")
        .expect("a checkpoint");
    let checkpoint = SignedCheckpoint::verify(&note, log).expect("the log's key signs it");
    let size = checkpoint.size();
    let mut entries = Vec::new();
    while (entries.len() as u64) < size {
        let start = entries.len() as u64;
        let end = (start + PAGE).min(size);
        let page: api::EntriesPage = client
            .get(&format!("/v1/log/entries?start={start}&end={end}"))
            .expect("entries");
        assert_eq!(page.start, start);
        entries.extend(page.entries);
    }
    assert_eq!(entries.len() as u64, size);

    // Checkpoints by size: many receipts share one.
    let mut seen: BTreeMap<u64, SignedCheckpoint> = BTreeMap::new();
    for r in receipts {
        let (_, cp) = r
            .verify(log)
            .expect("every receipt handed out verifies against the log key");
        let index = r.proof.index;
        assert!(
            cp.size() <= size,
            "a receipt's checkpoint (size {}) is ahead of the restarted log ({size})",
            cp.size()
        );
        assert_eq!(
            entries[index as usize], r.entry,
            "entry {index} differs from its receipt after the restart"
        );
        match seen.get(&cp.size()) {
            Some(other) => assert_eq!(
                other.root(),
                cp.root(),
                "two receipts sign different roots at size {}",
                cp.size()
            ),
            None => {
                seen.insert(cp.size(), cp);
            }
        }
    }
    for (old, cp) in &seen {
        let proof: ConsistencyProof = client
            .get(&format!("/v1/log/consistency?old={old}&new={size}"))
            .expect("a consistency proof");
        assert_eq!((proof.old_size, proof.new_size), (*old, size));
        proof
            .verify(cp.root(), checkpoint.root())
            .expect("every receipt's checkpoint is consistent with the restarted log");
    }

    let source = probity_ledger::HttpSource::new(&format!("{url}/v1/log/")).expect("a source");
    let report = probity_ledger::audit::verify_log(&source, log).expect("the whole log audits");
    assert_eq!(report.checkpoint.size(), size);
    Audited {
        checkpoint,
        entries,
    }
}

fn send_tip(url: &str, tip: &load::Tip) -> Result<api::TipAccepted, ClientError> {
    Client::new(url).post_raw("/v1/tips", tip.body.clone())
}

#[test]
fn every_receipt_survives_kill_9_mid_load() {
    let began = Instant::now();
    let dir = tempfile::tempdir().expect("a temp folder");
    // REGISTRAR
    let registrar = SigningKey::generate(&mut OsRng);
    let mut server = start(dir.path(), &registrar);
    eprintln!("{:.1} s: started", began.elapsed().as_secs_f64());
    let info: api::ServiceInfo = Client::new(&server.url).get("/v1/info").expect("info");
    let log = CheckpointVerifier::from_vkey(&info.log_key).expect("the log key");
    let as_registrar = Client::new(&server.url).signed(registrar.clone());
    let supervisor = load::register_supervisor(&as_registrar, "AUDIT-1");
    let officials = load::officials(&as_registrar, &dir.path().join("params"), OFFICIALS);
    eprintln!("{:.1} s: proved", began.elapsed().as_secs_f64());
    let keys = load::keys(&Client::new(&server.url));
    let credentials = load::credentials(
        &as_registrar,
        &Client::new(&server.url),
        &keys,
        CREDENTIALS,
        4,
    );
    let subjects: Vec<String> = officials.iter().map(|o| o.id.clone()).collect();
    let tips = load::tips(&credentials, &keys, &subjects, 2);
    let sendable = tips.len();

    eprintln!(
        "prepared {} filings and {} tips in {:.1} s",
        officials.len(),
        tips.len(),
        began.elapsed().as_secs_f64()
    );
    let told = Mutex::new(Told::default());
    let cursor = AtomicUsize::new(0);
    let mut freed = 0;
    for round in 0..ROUNDS {
        load_until_kill(server, &officials, &tips, &cursor, sendable, &told);
        server = start(dir.path(), &registrar);
        let url = server.url.clone();
        let restarted: api::ServiceInfo = Client::new(&url).get("/v1/info").expect("info");
        assert_eq!(restarted.log_key, info.log_key, "the log keeps its key");

        let mut t = told.lock().expect("lock");
        let audited = audit(&url, &log, &t.receipts);
        let on_ledger = audited.tips();

        // WHISTLEBLOWER: an accepted tag stays spent.
        for k in &t.accepted {
            let again = send_tip(&url, &tips[*k]);
            assert_eq!(
                again.as_ref().err().and_then(ClientError::status),
                Some(409),
                "round {round}: tip {k}, accepted before the kill, must be refused: {again:?}"
            );
        }
        // A tip cut by the kill: refused if it reached the ledger, else its tag is free.
        let cut: Vec<usize> = t.cut.drain().collect();
        for k in cut {
            let again = send_tip(&url, &tips[k]);
            if on_ledger.contains_key(&tips[k].tag) {
                assert_eq!(
                    again.as_ref().err().and_then(ClientError::status),
                    Some(409),
                    "round {round}: tip {k} reached the ledger before the kill: {again:?}"
                );
            } else {
                let accepted = again.unwrap_or_else(|e| {
                    panic!("round {round}: tip {k} never reached the ledger, its tag must be free: {e}")
                });
                t.receipts
                    .push(accepted.receipt.expect("tips are logged at once here"));
                freed += 1;
            }
            t.accepted.insert(k);
        }
        eprintln!(
            "{:.1} s: round {round}: log size {}, {} receipts so far, {} tips accepted, {freed} freed tags re-sent",
            began.elapsed().as_secs_f64(),
            audited.checkpoint.size(),
            t.receipts.len(),
            t.accepted.len()
        );
    }

    // After the last round's re-sends: the receipts once more, and the supervisors' view.
    let t = told.lock().expect("lock");
    let audited = audit(&server.url, &log, &t.receipts);
    let on_ledger: HashSet<u64> = audited.tips().into_values().collect();
    // SUPERVISOR
    let seen: Vec<api::SealedTipView> = Client::new(&server.url)
        .signed(supervisor)
        .get("/v1/supervisor/tips")
        .expect("the supervisor reads the tips");
    let seen: HashSet<u64> = seen.iter().map(|v| v.entry).collect();
    assert_eq!(
        seen, on_ledger,
        "the supervisors see exactly the tips on the ledger"
    );
    assert!(
        t.accepted
            .iter()
            .all(|k| audited.tips().contains_key(&tips[*k].tag)),
        "every accepted tip is on the ledger"
    );
    server.stop();
}

/// Pooled tips (the production setting) survive `kill -9` too: a tip acknowledged while it
/// waits in the pool is still there after the restart, or already logged, and never lost or
/// logged twice. The pool is logged every second here, so kills land both while tips wait and
/// while a pool is being logged.
#[test]
fn pooled_tips_survive_kill_9() {
    const POOLED_ROUNDS: usize = 3;
    let dir = tempfile::tempdir().expect("a temp folder");
    let registrar = SigningKey::generate(&mut OsRng);
    let key = hex::encode(registrar.verifying_key().as_bytes());
    let env = [
        ("PROBITY_REGISTRAR_KEY", key.as_str()),
        ("PROBITY_TIP_BATCH_SECS", "1"),
        ("PROBITY_SWEEP_INTERVAL_SECS", "1"),
    ];
    let mut server = Server::start(dir.path(), &env);
    let info: api::ServiceInfo = Client::new(&server.url).get("/v1/info").expect("info");
    let log = CheckpointVerifier::from_vkey(&info.log_key).expect("the log key");
    let as_registrar = Client::new(&server.url).signed(registrar.clone());
    let subjects: Vec<String> = (0..2).map(load::official_id).collect();
    for id in &subjects {
        load::register_official(&as_registrar, id);
    }
    let keys = load::keys(&Client::new(&server.url));
    let credentials = load::credentials(&as_registrar, &Client::new(&server.url), &keys, 48, 4);
    let tips = load::tips(&credentials, &keys, &subjects, 2);
    // Receipt code → the tip's index, for every tip the service acknowledged.
    let codes: Mutex<Vec<(String, usize)>> = Mutex::new(Vec::new());
    // Each round sends its own share of the tips, so that every round has tips in flight when
    // the kill lands (a shared supply would be spent in the first round).
    let share = tips.len() / POOLED_ROUNDS;
    assert!(
        share > WRITES_BEFORE_KILL,
        "{} tips for {POOLED_ROUNDS} rounds",
        tips.len()
    );
    let cursor = AtomicUsize::new(0);
    for round in 0..POOLED_ROUNDS {
        cursor.store(round * share, Ordering::SeqCst);
        let end = (round + 1) * share;
        let url = server.url.clone();
        let acknowledged = AtomicUsize::new(0);
        let killed = AtomicBool::new(false);
        std::thread::scope(|s| {
            for _ in 0..TIPPERS {
                let (url, acknowledged, killed, codes, cursor, tips) =
                    (&url, &acknowledged, &killed, &codes, &cursor, &tips);
                s.spawn(move || {
                    let client = Client::new(url);
                    while !killed.load(Ordering::SeqCst) {
                        let k = cursor.fetch_add(1, Ordering::SeqCst);
                        if k >= end {
                            break;
                        }
                        match client.post_raw::<api::TipAccepted>("/v1/tips", tips[k].body.clone())
                        {
                            Ok(a) => {
                                assert!(a.receipt.is_none(), "pooled, not logged at once");
                                codes.lock().expect("lock").push((a.receipt_code, k));
                                acknowledged.fetch_add(1, Ordering::SeqCst);
                            }
                            Err(e) if cut_or_unexpected(&e) => break,
                            Err(e) => panic!("tip {k}: {e}"),
                        }
                    }
                });
            }
            let deadline = Instant::now() + ROUND_TIMEOUT;
            while acknowledged.load(Ordering::SeqCst) < WRITES_BEFORE_KILL
                && Instant::now() < deadline
            {
                std::thread::sleep(Duration::from_millis(2));
            }
            let sent = acknowledged.load(Ordering::SeqCst);
            assert!(
                sent >= WRITES_BEFORE_KILL,
                "round {round}: {sent} tips acknowledged before the kill"
            );
            // Somewhere in the next second: before, during or after a pool is logged.
            std::thread::sleep(Duration::from_millis(OsRng.gen_range(0..1000)));
            server.kill9();
            killed.store(true, Ordering::SeqCst);
        });
        server = Server::start(dir.path(), &env);
        // Every acknowledged tip is known after the restart: pooled or logged.
        let client = Client::new(&server.url);
        for (code, k) in codes.lock().expect("lock").iter() {
            let status: api::TipStatus = client
                .post(
                    "/v1/tips/status",
                    &api::TipStatusQuery {
                        receipt_code: code.clone(),
                    },
                )
                .unwrap_or_else(|e| panic!("round {round}: acknowledged tip {k} is lost: {e}"));
            assert!(["pooled", "open"].contains(&status.status.as_str()));
        }
    }
    // Every acknowledged tip reaches the ledger, exactly once, with a receipt that verifies.
    let client = Client::new(&server.url);
    let deadline = Instant::now() + Duration::from_secs(30);
    let codes = codes.into_inner().expect("lock");
    for (code, k) in &codes {
        let receipt = load::pooled_receipt(&client, code, deadline)
            .unwrap_or_else(|| panic!("acknowledged tip {k} was not logged within 30 s"));
        let (entry, _) = receipt.verify(&log).expect("the receipt verifies");
        match entry.body {
            EntryBody::TipReceived(t) => assert_eq!(t.tag.0, tips[*k].tag, "tip {k}'s own entry"),
            other => panic!("tip {k}'s receipt is for {other:?}"),
        }
    }
    let audited = audit(&server.url, &log, &[]);
    let logged = audited
        .entries
        .iter()
        .filter(|e| {
            matches!(
                Entry::from_canonical_json(e.as_bytes()).map(|e| e.body),
                Ok(EntryBody::TipReceived(_))
            )
        })
        .count();
    assert_eq!(
        audited.tips().len(),
        logged,
        "no tip is logged twice (each tag once)"
    );
    let acknowledged: HashSet<[u8; 32]> = codes.iter().map(|(_, k)| tips[*k].tag).collect();
    assert!(
        acknowledged
            .iter()
            .all(|tag| audited.tips().contains_key(tag)),
        "every acknowledged tip is on the ledger"
    );
    server.stop();
}
