//! Durable means durable (DESIGN.md §7): every write the service acknowledges is on disk
//! before its response, behind a barrier that survives a power cut (`fsync`/`fdatasync`),
//! not only a killed process. A `kill -9` test cannot see the difference, because the page
//! cache outlives the process; the order of system calls can. So `probity serve` runs under
//! `strace -f`, acknowledges a registration, filings, enrollment codes, an enrollment and a
//! pooled tip, and for each acknowledged response the trace must show, for every file of the
//! database written before it, an `fsync` or `fdatasync` of that file that starts after its
//! last write and returns before the response is written.
//!
//! Clients keep what they were handed (receipts, checkpoints, the pinned log key) the same
//! way: each file is written under a temporary name, synced, renamed into place, and its
//! folder synced after the rename.
//!
//! After damage that cuts the tail of the database file, the service restarts on a consistent
//! prefix of its log (see the last test for why).
//!
//! strace must be installed (`.ci/run` installs it); without it the tests say so and pass,
//! except in CI (`CI` set), where they fail.

mod common;
mod load;

use std::{
    collections::{BTreeMap, HashMap},
    process::Command,
};

use common::server::Server;
use ed25519_dalek::SigningKey;
use probity_client::{api, Client};
use rand::rngs::OsRng;

/// The calls traced: reads and writes on sockets and files, and the barriers.
const SYSCALLS: &str =
    "read,recvfrom,write,writev,sendto,sendmsg,pwrite64,pwritev,fsync,fdatasync,sync_file_range";

/// The routes whose 200 acknowledges a write, each of which the test exercises.
const ACKNOWLEDGED: [&str; 5] = [
    "/v1/admin/officials",
    "/v1/filings",
    "/v1/admin/enrollment-codes",
    "/v1/enroll",
    "/v1/tips",
];

/// Whether strace can run here; in CI it must.
fn strace_available() -> bool {
    let ok = Command::new("strace")
        .args(["-o", "/dev/null", "true"])
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "strace is missing or cannot trace: CI must install it (.ci/run does)"
        );
        eprintln!("SKIPPED: strace is not installed or cannot trace here; install strace to check the durability barrier");
    }
    ok
}

/// One completed system call of the trace: its name, its first argument's path (`-y`), its
/// whole text, and the lines where it started and returned.
#[derive(Debug, Clone)]
struct Call {
    name: String,
    fd: String,
    text: String,
    start: usize,
    end: usize,
}

/// Parses an `strace -f -y -tt` trace, joining calls that other threads interrupted
/// (`<unfinished ...>` … `<... name resumed>`).
fn parse(trace: &str) -> Vec<Call> {
    let mut calls = Vec::new();
    let mut pending: HashMap<&str, (String, usize)> = HashMap::new();
    for (n, line) in trace.lines().enumerate() {
        // `PID HH:MM:SS.micros call…`, the pid padded with spaces.
        let Some((pid, rest)) = line.trim_start().split_once(' ') else {
            continue;
        };
        let Some((_time, rest)) = rest.trim_start().split_once(' ') else {
            continue;
        };
        let (text, start) = if let Some(resumed) = rest.strip_prefix("<... ") {
            let Some((head, start)) = pending.remove(pid) else {
                continue;
            };
            let tail = resumed.split_once("resumed>").map_or("", |(_, t)| t);
            (format!("{head}{tail}"), start)
        } else if let Some(head) = rest.strip_suffix(" <unfinished ...>") {
            pending.insert(pid, (head.to_owned(), n));
            continue;
        } else {
            (rest.to_owned(), n)
        };
        let Some((name, args)) = text.split_once('(') else {
            continue;
        };
        if name.starts_with('-') || name.starts_with('+') {
            continue; // signals and exits
        }
        // `7</path/to/file>` or `9<socket:[1234]>`: up to `>,` or `>)`.
        let fd = args
            .split_once('<')
            .and_then(|(_, p)| {
                let end = p.find(">,").or_else(|| p.find(">)"))?;
                Some(p[..end].to_owned())
            })
            .unwrap_or_default();
        calls.push(Call {
            name: name.to_owned(),
            fd,
            text: text.clone(),
            start,
            end: n,
        });
    }
    calls
}

/// Checks the rule of the module docs on the trace; returns, per route, how many
/// acknowledged responses were checked and one syscall sequence.
fn check_barriers(calls: &[Call], store: &str) -> BTreeMap<String, (usize, Vec<String>)> {
    let in_store = |c: &Call| c.fd.starts_with(store);
    let is_write = |c: &Call| {
        matches!(c.name.as_str(), "write" | "writev" | "pwrite64" | "pwritev") && in_store(c)
    };
    let is_sync = |c: &Call| {
        matches!(c.name.as_str(), "fsync" | "fdatasync") && in_store(c) && c.text.ends_with("= 0")
    };
    let short = |c: &Call| format!("{}({})", c.name, c.fd.strip_prefix(store).unwrap_or(&c.fd));
    let mut request_on: HashMap<&str, String> = HashMap::new();
    let mut checked: BTreeMap<String, (usize, Vec<String>)> = BTreeMap::new();
    let mut failures = Vec::new();
    for c in calls {
        // `-y` names a connection by its socket's inode.
        if !c.fd.starts_with("socket:") {
            continue;
        }
        if matches!(c.name.as_str(), "read" | "recvfrom") {
            // A request starts: a POST's route, or none for anything else.
            if let Some(route) = c
                .text
                .split_once("\"POST ")
                .and_then(|(_, r)| r.split([' ', '"']).next())
            {
                request_on.insert(&c.fd, route.to_owned());
            } else if ["\"GET ", "\"PUT ", "\"DELETE "]
                .iter()
                .any(|m| c.text.contains(m))
            {
                request_on.remove(c.fd.as_str());
            }
            continue;
        }
        if !c.text.contains("HTTP/1.1 200 ") {
            continue;
        }
        let Some(route) = request_on.get(c.fd.as_str()) else {
            continue;
        };
        if !ACKNOWLEDGED.contains(&route.as_str()) {
            continue;
        }
        // For every store file written before this response: its last write, then a
        // barrier on it that starts after that write returned and returns before the response.
        let mut last_writes: BTreeMap<&str, &Call> = BTreeMap::new();
        for w in calls.iter().filter(|w| is_write(w) && w.end < c.start) {
            last_writes.insert(&w.fd, w);
        }
        let mut sequence = Vec::new();
        for (file, w) in &last_writes {
            // sled's own flusher thread may fsync the file too, at any moment: the barrier
            // shown is the service's fdatasync when there is one in the window.
            let syncs: Vec<&Call> = calls
                .iter()
                .filter(|s| is_sync(s) && s.fd == *file && s.start > w.end && s.end < c.start)
                .collect();
            let barrier = syncs
                .iter()
                .find(|s| s.name == "fdatasync")
                .or(syncs.first())
                .copied();
            match barrier {
                Some(s) => {
                    sequence.push(short(w));
                    sequence.extend(
                        calls
                            .iter()
                            .filter(|x| {
                                x.name == "sync_file_range" && x.fd == *file && x.start > w.end
                                    && x.end < s.start
                            })
                            .take(1)
                            .map(&short),
                    );
                    sequence.push(short(s));
                }
                None => failures.push(format!(
                    "POST {route}: 200 written at trace line {} with no fsync/fdatasync of {file} after its last write (line {}: {})",
                    c.start + 1,
                    w.end + 1,
                    w.text
                )),
            }
        }
        sequence.push(format!("{}(socket) HTTP/1.1 200", c.name));
        let entry = checked.entry(route.clone()).or_default();
        entry.0 += 1;
        if entry.1.is_empty() {
            entry.1 = sequence;
        }
    }
    assert!(
        failures.is_empty(),
        "acknowledged before durable:\n{}",
        failures.join("\n")
    );
    checked
}

#[test]
fn every_acknowledged_write_is_fsynced_before_its_response() {
    if !strace_available() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let trace = dir.path().join("trace");
    let data = dir.path().join("data");
    let registrar = SigningKey::generate(&mut OsRng);
    let registrar_key = hex::encode(registrar.verifying_key().as_bytes());
    let server = Server::start_traced(
        &data,
        &[
            ("PROBITY_REGISTRAR_KEY", registrar_key.as_str()),
            // Tips wait in the pool: its entry is a write of its own, acknowledged at once.
            ("PROBITY_TIP_BATCH_SECS", "3600"),
            // No sweep in the middle of the trace.
            ("PROBITY_SWEEP_INTERVAL_SECS", "3600"),
        ],
        &trace,
        SYSCALLS,
    );
    let client = Client::new(&server.url);
    let registrar = client.signed(registrar);

    // OFFICIAL: registered, files twice.
    let officials = load::officials(&registrar, &data.join("params"), 1);
    let official = &officials[0];
    let signed = client.signed(official.key.clone());
    for _ in 0..2 {
        let accepted: api::FilingAccepted = signed
            .post_raw("/v1/filings", official.filing.clone())
            .expect("a filing is accepted");
        assert!(!accepted.receipts.is_empty());
    }
    // WHISTLEBLOWER: enrolled with a code from the REGISTRAR, sends one tip to the pool.
    let keys = load::keys(&client);
    let credentials = load::credentials(&registrar, &client, &keys, 1, 1);
    let tip = load::tip(&credentials[0], &keys, &official.id);
    let accepted: api::TipAccepted = client
        .post_raw("/v1/tips", tip.body)
        .expect("the tip is accepted");
    assert!(accepted.receipt.is_none(), "the tip waits in the pool");

    server.stop();
    let trace = std::fs::read_to_string(&trace).expect("the trace");
    let store = format!("{}/", data.join("db").display());
    let checked = check_barriers(&parse(&trace), &store);
    for route in ACKNOWLEDGED {
        let (count, sequence) = checked
            .get(route)
            .unwrap_or_else(|| panic!("no acknowledged POST {route} in the trace"));
        eprintln!("POST {route} ({count} checked): {}", sequence.join(" → "));
        assert!(
            sequence.iter().any(|s| s.starts_with("fdatasync(db)")),
            "POST {route}: the database file itself is synced: {sequence:?}"
        );
    }
}

/// The two paths of a `rename`/`renameat`/`renameat2` call, or of a `link`/`linkat`.
fn moved(c: &Call) -> Option<(String, String)> {
    if !matches!(
        c.name.as_str(),
        "rename" | "renameat" | "renameat2" | "link" | "linkat"
    ) {
        return None;
    }
    let quoted: Vec<&str> = c.text.split('"').skip(1).step_by(2).collect();
    match quoted[..] {
        [from, to, ..] => Some((from.to_owned(), to.to_owned())),
        _ => None,
    }
}

/// Runs the CLI with `args` against `server` under strace, in `party`'s folder, and returns
/// the calls it made and what it printed (`--json`).
fn traced_client(
    party: &common::party::Party,
    server: &str,
    args: &[&str],
) -> (Vec<Call>, serde_json::Value) {
    let trace = party.path().with_extension("trace");
    let out = Command::new("strace")
        .args(["-f", "-y", "-tt", "-s", "48", "-e"])
        .arg("trace=openat,write,fsync,fdatasync,rename,renameat,renameat2,link,linkat")
        .arg("-o")
        .arg(&trace)
        .arg(env!("CARGO_BIN_EXE_probity"))
        .arg("--data-dir")
        .arg(party.path())
        .args(["--server", server, "--json"])
        .args(args)
        .env("PROBITY_PASSPHRASE", common::party::PASSPHRASE)
        .env_remove("PROBITY_HOME")
        .output()
        .expect("strace runs the client");
    let printed = common::ok_json(out);
    let calls = parse(&std::fs::read_to_string(&trace).expect("the trace"));
    std::fs::remove_file(&trace).expect("removes the trace");
    (calls, printed)
}

/// Asserts that every file the client wrote in `home` reached its name by a rename or a link
/// after it was synced, and that its folder was synced after that; returns the names kept,
/// relative to `home`, sorted.
fn kept_durably(calls: &[Call], home: &std::path::Path) -> Vec<String> {
    let home = format!("{}/", home.display());
    let folder = |p: &str| {
        p.rsplit_once('/')
            .map(|(d, _)| d.to_owned())
            .unwrap_or_default()
    };
    let synced = |path: &str, after: usize, before: usize| {
        calls.iter().any(|s| {
            matches!(s.name.as_str(), "fsync" | "fdatasync")
                && s.fd == path
                && s.start > after
                && s.end < before
                && s.text.ends_with("= 0")
        })
    };
    let mut written: Vec<&Call> = Vec::new();
    for c in calls
        .iter()
        .filter(|c| c.name == "write" && c.fd.starts_with(&home))
    {
        if !written.iter().any(|w| w.fd == c.fd) {
            written.push(c);
        }
    }
    let mut kept = Vec::new();
    for w in &written {
        let last_write = calls
            .iter()
            .filter(|c| c.name == "write" && c.fd == w.fd)
            .map(|c| c.end)
            .max()
            .unwrap_or(w.end);
        let Some((moved_at, (_, to))) = calls
            .iter()
            .filter_map(|c| moved(c).map(|m| (c, m)))
            .find(|(c, (from, _))| *from == w.fd && c.start > last_write)
        else {
            panic!(
                "{} was written in place, not renamed or linked into place",
                w.fd
            );
        };
        assert!(
            synced(&w.fd, last_write, moved_at.start),
            "{} was moved to {to} before it was synced",
            w.fd
        );
        assert!(
            synced(&folder(&to), moved_at.end, usize::MAX),
            "the folder of {to} was not synced after the move"
        );
        kept.push(to.strip_prefix(&home).unwrap_or(&to).to_owned());
    }
    kept.sort();
    kept
}

#[test]
fn clients_sync_each_file_before_its_rename_and_the_folder_after() {
    if !strace_available() {
        return;
    }
    // The REGISTRAR makes a key: a secret file, never written in place.
    let registrar = common::party::Party::new("http://127.0.0.1:9");
    let (calls, init) = traced_client(&registrar, "http://127.0.0.1:9", &["admin", "init"]);
    let kept = kept_durably(&calls, registrar.path());
    assert!(
        kept.iter().any(|k| k == "registrar.key"),
        "the key was kept: {kept:?}"
    );
    let key = init["public_key"].as_str().expect("a key").to_owned();
    let server_dir = tempfile::tempdir().expect("temp dir");
    let server = Server::start(
        server_dir.path(),
        &[("PROBITY_REGISTRAR_KEY", key.as_str())],
    );
    let official = SigningKey::generate(&mut OsRng);
    // The REGISTRAR registers an official: the client pins the log key and keeps the receipt
    // and the checkpoint it accepted.
    let (calls, _) = traced_client(
        &registrar,
        &server.url,
        &[
            &common::party::REGISTER_GOV_0001[..],
            &[hex::encode(official.verifying_key().as_bytes()).as_str()],
        ]
        .concat(),
    );
    let kept = kept_durably(&calls, registrar.path());
    assert!(
        kept.iter().any(|k| k.starts_with("receipts/")) && kept.contains(&"checkpoint".to_owned()),
        "the receipt and the checkpoint were kept: {kept:?}"
    );
}

/// The database file of a stopped service loses its tail (what a power cut does to writes
/// no barrier covered, or a disk that dropped its last writes). The service restarts on a
/// consistent prefix: sled replays its log up to the last record whose checksum holds, and the
/// ledger's entries, hashes, size and checkpoint go in one record (one batch), so the log it
/// serves is one that was on disk whole at some moment, its checkpoint matching it, and every
/// entry still there is byte for byte what its receipt says.
#[test]
fn a_database_cut_short_restarts_on_a_consistent_prefix() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let registrar = SigningKey::generate(&mut OsRng);
    let registrar_key = hex::encode(registrar.verifying_key().as_bytes());
    let env = [("PROBITY_REGISTRAR_KEY", registrar_key.as_str())];
    let server = Server::start(&data, &env);
    let client = Client::new(&server.url);
    let info: api::ServiceInfo = client.get("/v1/info").expect("info");
    let log = probity_ledger::CheckpointVerifier::from_vkey(&info.log_key).expect("the log key");
    let registrar_signer = registrar.clone();
    let registrar = client.signed(registrar);
    let mut receipts = Vec::new();
    for i in 0..40 {
        let written: api::Written = registrar
            .post(
                "/v1/admin/officials",
                &api::RegisterOfficial {
                    official: probity_core::OfficialId::new(&load::official_id(i)).expect("an id"),
                    name: format!("Official {i}"),
                    position: "Head of department".into(),
                    jurisdiction: load::JURISDICTION.into(),
                    public_key: hex::encode(
                        SigningKey::generate(&mut OsRng).verifying_key().as_bytes(),
                    ),
                },
            )
            .expect("registered");
        receipts.extend(written.receipts);
    }
    let before = receipts
        .iter()
        .map(|r| r.proof.index)
        .max()
        .expect("receipts")
        + 1;
    server.stop();

    let db = data.join("db").join("db");
    let len = std::fs::metadata(&db).expect("the database file").len();
    // The last page of the file: the last registrations' records.
    std::fs::OpenOptions::new()
        .write(true)
        .open(&db)
        .and_then(|f| f.set_len(len - 4096))
        .expect("the database file is cut short");

    let server = Server::start(&data, &env);
    let client = Client::new(&server.url);
    let note = client
        .get_bytes("/v1/log/checkpoint")
        .expect("a checkpoint");
    let checkpoint =
        probity_ledger::SignedCheckpoint::verify(&note, &log).expect("signed by the log's key");
    let size = checkpoint.size();
    assert!(
        size < before,
        "the cut took the last entries ({size} of {before} left)"
    );
    let page: api::EntriesPage = client
        .get(&format!("/v1/log/entries?start=0&end={size}"))
        .expect("entries");
    assert_eq!(page.entries.len() as u64, size);
    for r in receipts.iter().filter(|r| r.proof.index < size) {
        let index = r.proof.index;
        assert_eq!(
            page.entries[index as usize], r.entry,
            "entry {index} is still its receipt's"
        );
    }
    let source =
        probity_ledger::HttpSource::new(&format!("{}/v1/log/", server.url)).expect("a source");
    probity_ledger::audit::verify_log(&source, &log).expect("the prefix audits");
    // And the log grows on from there.
    let written: api::Written = client
        .signed(registrar_signer)
        .post(
            "/v1/admin/supervisors",
            &api::RegisterSupervisor {
                supervisor: probity_ledger::SupervisorId::new("AUDIT-1").expect("an id"),
                public_key: hex::encode(
                    SigningKey::generate(&mut OsRng).verifying_key().as_bytes(),
                ),
            },
        )
        .expect("the restarted service takes writes");
    assert_eq!(written.receipts[0].proof.index, size);
}
