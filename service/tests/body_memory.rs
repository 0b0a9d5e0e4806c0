//! A measurement, ignored by default (DESIGN.md §10: figures are reported, never asserted):
//! the memory the service holds under slow, large request bodies.
//!
//! ```sh
//! cargo test -p probity-service --features evm --test body_memory -- --ignored --nocapture
//! ```
//!
//! A real server in this process (its own binary, so nothing else runs in it) gets N
//! connections that each start a `POST /v1/tips` declaring a body of M MiB, send all of it
//! but the last byte, and wait: the attack of holding memory with unfinished uploads, which
//! needs no login. It prints this process's resident memory before (VmRSS), at its peak while
//! the bodies arrive and are held (VmHWM, reset after start-up), and after the connections
//! close, beside the body budget and the service's own count of body bytes held, and how many
//! uploads the service cut short (503, or the connection closed under them). The client
//! threads send from one shared buffer: they hold a few MiB of stacks and socket buffers, not
//! the bodies.
//!
//! | variable | default | what |
//! |---|---|---|
//! | `PROBITY_SLOW_BODIES` | 200 | connections |
//! | `PROBITY_SLOW_BODY_MIB` | 11 | the body each declares, and sends but for one byte |
//! | `PROBITY_BODY_BUDGET_MIB` | the default config's (64) | `max_body_bytes_in_flight` |

mod common;

use std::{
    io::{Read as _, Write as _},
    net::TcpStream,
    sync::{mpsc, Arc, Barrier, Mutex},
    time::Duration,
};

use common::TestServer;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name).map_or(default, |v| {
        v.trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}=`{v}` is not a whole number"))
    })
}

/// A field of /proc/self/status, in MiB.
fn status_mib(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix(field))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// The service's own count of body bytes held (`/metrics`), in MiB.
fn held_mib(addr: &str) -> f64 {
    let mut s = TcpStream::connect(addr).expect("connects");
    s.write_all(b"GET /metrics HTTP/1.1\r\nhost: probity\r\nconnection: close\r\n\r\n")
        .expect("asks");
    let mut text = String::new();
    let _ = s.read_to_string(&mut text);
    text.lines()
        .find_map(|l| l.strip_prefix("probity_request_body_bytes_in_flight "))
        .and_then(|v| v.trim().parse::<f64>().ok())
        .map_or(f64::NAN, |b| b / f64::from(1 << 20))
}

/// Starts an upload of `body_bytes` and sends all but its last byte. The connection, if the
/// service still holds the body; `None` if it stopped the upload.
fn upload(addr: &str, body_bytes: usize, chunk: &[u8]) -> Option<TcpStream> {
    let mut s = TcpStream::connect(addr).ok()?;
    let head = format!(
        "POST /v1/tips HTTP/1.1\r\nhost: probity\r\ncontent-type: application/json\r\ncontent-length: {body_bytes}\r\n\r\n"
    );
    s.write_all(head.as_bytes()).ok()?;
    let mut left = body_bytes - 1;
    while left > 0 {
        let n = left.min(chunk.len());
        s.write_all(&chunk[..n]).ok()?;
        left -= n;
    }
    // A refused upload may be answered while its last bytes sit in the socket's buffers:
    // look for an answer without waiting for one.
    s.set_nonblocking(true).expect("non-blocking");
    let mut byte = [0u8; 1];
    let answered = s.read(&mut byte).is_ok();
    s.set_nonblocking(false).expect("blocking");
    (!answered).then_some(s)
}

#[test]
#[ignore = "a measurement: run it with --ignored --nocapture"]
fn slow_large_bodies_peak_rss_against_the_body_budget() {
    let bodies = env_or("PROBITY_SLOW_BODIES", 200).max(1);
    let body_bytes = env_or("PROBITY_SLOW_BODY_MIB", 11).max(1) << 20;
    let budget = std::env::var("PROBITY_BODY_BUDGET_MIB")
        .ok()
        .map(|_| env_or("PROBITY_BODY_BUDGET_MIB", 0) << 20);
    let server = TestServer::start_with(|c| {
        if let Some(b) = budget {
            c.max_body_bytes_in_flight = b;
        }
    });
    let addr = server.base.trim_start_matches("http://").to_owned();
    // The peak counts from here: not the start-up (keys, params).
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let before = status_mib("VmRSS:");

    let chunk = Arc::new(vec![b'x'; 64 << 10]);
    let all_sent = Arc::new(Barrier::new(bodies + 1));
    let (results_tx, results_rx) = mpsc::channel();
    let (close_tx, close_rx) = mpsc::channel::<()>();
    let close_rx = Arc::new(Mutex::new(close_rx));
    let threads: Vec<_> = (0..bodies)
        .map(|_| {
            let (addr, chunk, all_sent, results_tx, close_rx) = (
                addr.clone(),
                Arc::clone(&chunk),
                Arc::clone(&all_sent),
                results_tx.clone(),
                Arc::clone(&close_rx),
            );
            std::thread::Builder::new()
                .stack_size(256 << 10)
                .spawn(move || {
                    let held = upload(&addr, body_bytes, &chunk);
                    results_tx.send(held.is_some()).expect("the test listens");
                    all_sent.wait();
                    // Hold the connection until told to close it.
                    let _ = close_rx.lock().map(|rx| rx.recv());
                    drop(held);
                })
                .expect("a thread")
        })
        .collect();
    all_sent.wait();
    let held = results_rx.iter().take(bodies).filter(|h| *h).count();
    let rss_held = status_mib("VmRSS:");
    let peak = status_mib("VmHWM:");
    let service_held = held_mib(&addr);
    drop(close_tx);
    for t in threads {
        t.join().expect("a client thread");
    }
    // Give the service a moment to see the connections go and hand the memory back (a
    // measurement, not a condition).
    std::thread::sleep(Duration::from_secs(3));
    let after = status_mib("VmRSS:");
    let service_after = held_mib(&addr);

    println!(
        "{bodies} uploads of {} MiB to POST /v1/tips, each one byte short; body budget {} MiB",
        body_bytes >> 20,
        budget.unwrap_or(probity_service::Config::default().max_body_bytes_in_flight) >> 20
    );
    println!("held by the service: {held}; cut short: {}", bodies - held);
    println!(
        "body bytes the service counts as held: {service_held:.1} MiB while held, {service_after:.1} MiB after"
    );
    println!(
        "resident: before {before:.0} MiB, while held {rss_held:.0} MiB, peak {peak:.0} MiB{}, after closing {after:.0} MiB",
        if reset { "" } else { " (since start-up)" }
    );
    println!(
        "above the start: peak {:.0} MiB, after closing {:.0} MiB",
        peak - before,
        after - before
    );
}
