//! A reverse proxy in front of a test server: it records every request line, as a proxy's
//! access log would, and can rewrite response bodies, as a dishonest service would.
//!
//! HTTP/1.1, one request per connection: each request goes upstream with `Connection: close`,
//! the whole response is read, optionally rewritten, and sent back with `Connection: close`.

use std::{
    io::{BufRead as _, BufReader, Read as _},
    net::{TcpListener, TcpStream},
    sync::{Arc, Mutex},
};

/// Rewrites the body of the response to a request line (`GET /v1/info HTTP/1.1`).
pub type Rewrite = dyn Fn(&str, Vec<u8>) -> Vec<u8> + Send + Sync;

/// A running proxy.
pub struct Proxy {
    /// Its base URL.
    pub url: String,
    requests: Arc<Mutex<Vec<String>>>,
}

impl Proxy {
    /// A proxy to `upstream` (`http://127.0.0.1:PORT`) that passes everything unchanged.
    pub fn start(upstream: &str) -> Self {
        Self::rewriting(upstream, |_, body| body)
    }

    /// A proxy to `upstream` that rewrites response bodies with `rewrite`.
    pub fn rewriting(
        upstream: &str,
        rewrite: impl Fn(&str, Vec<u8>) -> Vec<u8> + Send + Sync + 'static,
    ) -> Self {
        let upstream = upstream
            .strip_prefix("http://")
            .expect("an http:// URL")
            .trim_end_matches('/')
            .to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").expect("a port");
        let url = format!("http://{}", listener.local_addr().expect("an address"));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let rewrite: Arc<Rewrite> = Arc::new(rewrite);
        let log = Arc::clone(&requests);
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let (upstream, log, rewrite) =
                    (upstream.clone(), Arc::clone(&log), Arc::clone(&rewrite));
                std::thread::spawn(move || {
                    let _ = forward(client, &upstream, &log, rewrite.as_ref());
                });
            }
        });
        Proxy { url, requests }
    }

    /// Every request line so far (`POST /v1/tips HTTP/1.1`).
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().expect("lock").clone()
    }
}

/// Reads an HTTP head (up to the blank line) and its body (`Content-Length` bytes).
fn read_message(
    reader: &mut BufReader<impl std::io::Read>,
) -> std::io::Result<(Vec<String>, Vec<u8>)> {
    let mut head = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            break;
        }
        let line = line.trim_end().to_owned();
        if line.is_empty() {
            break;
        }
        head.push(line);
    }
    let length = head
        .iter()
        .filter_map(|h| h.split_once(':'))
        .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse::<usize>().ok());
    let chunked = head
        .iter()
        .filter_map(|h| h.split_once(':'))
        .any(|(name, v)| name.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    let mut body = Vec::new();
    match length {
        _ if chunked => loop {
            let mut size = String::new();
            reader.read_line(&mut size)?;
            let size = usize::from_str_radix(size.trim(), 16)
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk)?;
            body.extend_from_slice(&chunk[..size]);
            if size == 0 {
                break;
            }
        },
        Some(n) => {
            body.resize(n, 0);
            reader.read_exact(&mut body)?;
        }
        // Only responses lack a length here; the upstream closes after them.
        None if !head.first().is_some_and(|l| l.ends_with("HTTP/1.1")) => {
            reader.read_to_end(&mut body)?;
        }
        None => {}
    }
    Ok((head, body))
}

/// Writes `head` without its connection and length headers, then ours, then `body`.
fn write_message(
    to: &mut impl std::io::Write,
    head: &[String],
    body: &[u8],
) -> std::io::Result<()> {
    let mut out = String::new();
    for (i, line) in head.iter().enumerate() {
        let name = line
            .split_once(':')
            .map(|(n, _)| n.trim().to_ascii_lowercase());
        if i > 0
            && matches!(
                name.as_deref(),
                Some("connection" | "content-length" | "keep-alive" | "transfer-encoding")
            )
        {
            continue;
        }
        out.push_str(line);
        out.push_str("\r\n");
    }
    out.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    ));
    to.write_all(out.as_bytes())?;
    to.write_all(body)?;
    to.flush()
}

fn forward(
    client: TcpStream,
    upstream: &str,
    log: &Mutex<Vec<String>>,
    rewrite: &Rewrite,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(client.try_clone()?);
    let (head, body) = read_message(&mut reader)?;
    let Some(line) = head.first().cloned() else {
        return Ok(());
    };
    log.lock().expect("lock").push(line.clone());
    let mut up = TcpStream::connect(upstream)?;
    write_message(&mut up, &head, &body)?;
    let (response, body) = read_message(&mut BufReader::new(up))?;
    let body = rewrite(&line, body);
    let mut client = client;
    write_message(&mut client, &response, &body)
}
