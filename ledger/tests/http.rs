//! `HttpSource` against a static file server on 127.0.0.1: the same audit, proofs and witness
//! as from a folder, and clear errors for HTTP failures, oversized answers, silence and an
//! unreachable host.
//!
//! The server is a few lines of `std::net` in a thread, serving one request per connection from
//! a folder written by `Log::write_tiles`. It stops after a bounded number of connections or a
//! deadline, whichever comes first, so a test can never hang on it.
#![cfg(feature = "http")]

mod common;

use common::{entry, signer};
use std::{
    io::{BufRead as _, BufReader, Write as _},
    net::{TcpListener, TcpStream},
    path::{Path, PathBuf},
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    thread,
    time::{Duration, Instant},
};

use probity_ledger::{
    audit, leaf_hash, CheckpointSigner, Entry, FormOnly, HttpSource, Log, LogSource, MemoryStore,
    TileError, Witness, WitnessOutcome,
};

/// What the server answers for a path: a status and a body, or `None` to say nothing at all.
type Handler = dyn Fn(&str) -> Option<(u16, Vec<u8>)> + Send + Sync;

/// Most connections one server accepts, and how long it lives.
const MAX_CONNECTIONS: usize = 500;
const DEADLINE: Duration = Duration::from_secs(60);

struct Server {
    base: String,
    requests: Arc<AtomicUsize>,
}

impl Server {
    fn start(handler: Box<Handler>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binds a free port");
        listener.set_nonblocking(true).expect("non-blocking");
        let base = format!("http://{}", listener.local_addr().expect("has an address"));
        let requests = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&requests);
        thread::spawn(move || {
            let start = Instant::now();
            let mut served = 0;
            while served < MAX_CONNECTIONS && start.elapsed() < DEADLINE {
                match listener.accept() {
                    Ok((stream, _)) => {
                        served += 1;
                        counter.fetch_add(1, Ordering::SeqCst);
                        serve(stream, &*handler);
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        thread::sleep(Duration::from_millis(2));
                    }
                    Err(_) => break,
                }
            }
        });
        Self { base, requests }
    }

    /// Serves the files of `root`; 404 for what is not there.
    fn files(root: &Path) -> Self {
        let root: PathBuf = root.to_owned();
        Self::start(Box::new(move |path| {
            Some(match std::fs::read(root.join(path)) {
                Ok(body) => (200, body),
                Err(_) => (404, b"not found".to_vec()),
            })
        }))
    }

    fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

fn serve(stream: TcpStream, handler: &Handler) {
    stream.set_nonblocking(false).expect("blocking");
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let mut reader = BufReader::new(stream);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    // Skip the headers.
    let mut line = String::new();
    while reader.read_line(&mut line).map(|n| n > 2).unwrap_or(false) {
        line.clear();
    }
    let path = request_line
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .trim_start_matches('/')
        .to_owned();
    let mut stream = reader.into_inner();
    let Some((status, body)) = handler(&path) else {
        // Say nothing; hold the connection until the client gives up.
        thread::sleep(Duration::from_millis(1500));
        return;
    };
    let head = format!(
        "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&body);
}

fn fill(log: &Log<MemoryStore>, from: u64, to: u64) {
    let batch: Vec<Entry> = (from..to).map(|i| entry(1, i)).collect();
    log.append_batch(&batch).expect("append");
}

#[test]
fn a_log_over_http_audits_proves_and_is_witnessed() {
    let tiles = tempfile::tempdir().expect("temp dir");
    let state = tempfile::tempdir().expect("temp dir");
    let log = Log::open(MemoryStore::new(), signer()).expect("log");
    fill(&log, 0, 300);
    let cp = log.checkpoint_at(1_800_000_000).expect("checkpoint");
    log.write_tiles(tiles.path(), 0, &cp).expect("tiles");

    let server = Server::files(tiles.path());
    let source = HttpSource::with_timeout(&format!("{}/", server.base), Duration::from_secs(10))
        .expect("a valid base URL");
    assert_eq!(
        source.checkpoint().expect("the checkpoint"),
        cp.to_bytes(),
        "the checkpoint is served as written"
    );

    let report = audit::verify_log(&source, &log.verifier()).expect("the audit passes");
    assert_eq!(report.checkpoint.size(), 300);
    assert_eq!(report.counts.get("Alert"), Some(&300));

    let (proof, cp) = audit::prove_inclusion(&source, &log.verifier(), 257, None).expect("a proof");
    proof
        .verify(leaf_hash(&log.entry_bytes(257).expect("entry")), cp.root())
        .expect("verifies");

    let witness = Witness::new(
        state.path().join("state"),
        log.verifier(),
        CheckpointSigner::new(
            "witness.test/w1",
            ed25519_dalek::SigningKey::from_bytes(&[7; 32]),
        )
        .expect("valid"),
        FormOnly,
    );
    assert!(matches!(
        witness.update(&source),
        Ok(WitnessOutcome::Cosigned {
            entries_checked: 300,
            ..
        })
    ));
    fill(&log, 300, 310);
    let cp = log.checkpoint_at(1_800_000_001).expect("checkpoint");
    log.write_tiles(tiles.path(), 300, &cp).expect("tiles");
    assert!(matches!(
        witness.update(&source),
        Ok(WitnessOutcome::Cosigned {
            entries_checked: 10,
            ..
        })
    ));
    // A missing tile is NotFound, as from a folder.
    assert!(matches!(
        source.read("tile/0/x001/000"),
        Err(TileError::NotFound(_))
    ));
    assert!(server.requests() < MAX_CONNECTIONS);
}

#[test]
fn http_failures_say_what_went_wrong() {
    let server = Server::start(Box::new(|path| match path {
        "checkpoint" => Some((503, b"maintenance".to_vec())),
        // A hash tile is at most 256 hashes: 8,192 bytes.
        "tile/0/000" => Some((200, vec![0; 8193])),
        "tile/0/001" => None,
        _ => Some((404, Vec::new())),
    }));
    let source = HttpSource::with_timeout(&server.base, Duration::from_millis(500)).expect("valid");

    let err = source.checkpoint().expect_err("a 503");
    assert!(
        matches!(&err, TileError::HttpStatus { status: 503, url } if url.ends_with("/checkpoint")),
        "{err}"
    );
    assert!(err.to_string().contains("HTTP 503"));

    let err = source.read("tile/0/000").expect_err("too large");
    assert!(
        matches!(err, TileError::TooLarge { limit: 8192, .. }),
        "{err}"
    );

    let started = Instant::now();
    let err = source.read("tile/0/001").expect_err("silence");
    assert!(matches!(&err, TileError::Unreachable { .. }), "{err}");
    assert!(err.to_string().contains("within"), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the timeout holds"
    );

    // A port nobody listens on: bind one, then free it.
    let port = TcpListener::bind("127.0.0.1:0")
        .expect("binds")
        .local_addr()
        .expect("address")
        .port();
    let source =
        HttpSource::with_timeout(&format!("http://127.0.0.1:{port}"), Duration::from_secs(5))
            .expect("valid");
    let err = source.checkpoint().expect_err("unreachable");
    assert!(matches!(&err, TileError::Unreachable { .. }), "{err}");
    assert!(err.to_string().contains("cannot fetch http://127.0.0.1:"));
}
