//! `probity app` as a child process, the parties it needs (a service with a registrar, an
//! official and a supervisor), and plain HTTP requests to it written byte for byte, so that
//! a test sets exactly the `Host`, `Origin` and `Cookie` it means.

use std::{
    io::{BufRead as _, BufReader, Read as _, Write as _},
    net::TcpStream,
    path::Path,
    process::{Child, Stdio},
};

use super::{
    party::{Party, PASSPHRASE},
    server::{probity, Server},
};

/// A running `probity app --no-browser`.
pub struct App {
    pub child: Child,
    /// The address it printed, with the one-time token.
    pub url: String,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    pub port: u16,
}

impl App {
    /// Starts the app on `data_dir` for the service at `server`; reads the printed address.
    pub fn start(data_dir: &Path, server: &str) -> App {
        let mut child = probity()
            .arg("--data-dir")
            .arg(data_dir)
            .args(["--server", server, "app", "--no-browser"])
            .env_remove("PROBITY_HOME")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("probity app");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let url = loop {
            let line = lines
                .next()
                .expect("probity app exited before printing its address")
                .expect("a line");
            if let Some(url) = line.strip_prefix("Open ") {
                break url.to_owned();
            }
        };
        std::thread::spawn(move || lines.for_each(drop));
        let base = url.split("/?token=").next().expect("a base").to_owned();
        let port = base
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .expect("a port");
        App {
            child,
            url,
            base,
            port,
        }
    }

    /// The printed address's path and query (`/?token=…`).
    pub fn token_path(&self) -> String {
        self.url[self.base.len()..].to_owned()
    }

    /// This app's `Host`.
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// A request to this app, from its own origin.
    pub fn request(&self, method: &str, path: &str) -> Request {
        Request {
            port: self.port,
            head: vec![
                format!("{method} {path} HTTP/1.1"),
                format!("Host: {}", self.host()),
                "Connection: close".to_owned(),
                "Accept-Language: en".to_owned(),
            ],
            body: Vec::new(),
        }
        .origin_if(method != "GET", &self.base)
    }
}

impl Drop for App {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A request written byte for byte.
pub struct Request {
    port: u16,
    head: Vec<String>,
    body: Vec<u8>,
}

/// A response: status, headers (names in lower case), body.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

impl Request {
    fn origin_if(self, write: bool, origin: &str) -> Request {
        if write {
            self.header("Origin", origin)
        } else {
            self
        }
    }

    /// Adds a header, or replaces the one of that name (`Host`, `Origin`).
    pub fn header(mut self, name: &str, value: &str) -> Request {
        let prefix = format!("{}:", name.to_ascii_lowercase());
        self.head
            .retain(|l| !l.to_ascii_lowercase().starts_with(&prefix));
        self.head.push(format!("{name}: {value}"));
        self
    }

    /// Leaves a header out.
    pub fn without(mut self, name: &str) -> Request {
        let prefix = format!("{}:", name.to_ascii_lowercase());
        self.head
            .retain(|l| !l.to_ascii_lowercase().starts_with(&prefix));
        self
    }

    pub fn cookie(self, cookie: &str) -> Request {
        self.header("Cookie", cookie)
    }

    /// A url-encoded form.
    pub fn form(mut self, fields: &[(&str, &str)]) -> Request {
        let body: Vec<String> = fields
            .iter()
            .map(|(k, v)| format!("{k}={}", encode(v)))
            .collect();
        self.body = body.join("&").into_bytes();
        self.header("Content-Type", "application/x-www-form-urlencoded")
    }

    /// A multipart form: text fields, then files (field name, file name, content).
    pub fn multipart(mut self, fields: &[(&str, &str)], files: &[(&str, &str, &[u8])]) -> Request {
        let boundary = "probity-test-boundary-7d3f";
        let mut body = Vec::new();
        for (name, value) in fields {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                    .as_bytes(),
            );
        }
        for (name, file, data) in files {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file}\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                    .as_bytes(),
            );
            body.extend_from_slice(data);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        self.body = body;
        self.header(
            "Content-Type",
            &format!("multipart/form-data; boundary={boundary}"),
        )
    }

    pub fn send(self) -> Reply {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        let mut head = self.head.join("\r\n");
        head.push_str(&format!("\r\nContent-Length: {}\r\n\r\n", self.body.len()));
        stream.write_all(head.as_bytes()).expect("write");
        // A server may answer and close before reading all of a body it refuses.
        let _ = stream.write_all(&self.body);
        let mut raw = Vec::new();
        let _ = stream.read_to_end(&mut raw);
        let text = String::from_utf8_lossy(&raw).into_owned();
        let (head, body) = text.split_once("\r\n\r\n").expect("a response");
        let mut lines = head.lines();
        let status = lines
            .next()
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|s| s.parse().ok())
            .expect("a status line");
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        Reply {
            status,
            headers,
            body: body.to_owned(),
        }
    }
}

/// Percent-encodes a form value.
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A service with a registrar, official GOV-0001 of CN-ZJ-HZ and supervisor AUDIT-1.
pub struct World {
    pub server: Server,
    pub server_dir: tempfile::TempDir,
    pub registrar: Party,
    pub supervisor: Party,
}

impl World {
    pub fn start() -> World {
        Self::start_for(None)
    }

    /// A world whose GOV-0001 is the official of `official_dir`: its key and wallet are made
    /// there by `probity official init` (passphrase [`PASSPHRASE`]) and registered.
    pub fn start_with_official(official_dir: &Path) -> World {
        let made = probity()
            .arg("--data-dir")
            .arg(official_dir)
            .args(["--json", "official", "init"])
            .env("PROBITY_PASSPHRASE", PASSPHRASE)
            .env_remove("PROBITY_HOME")
            .output()
            .expect("probity official init");
        let made: serde_json::Value = serde_json::from_slice(&made.stdout).expect("JSON");
        let key = made["public_key"].as_str().expect("a key").to_owned();
        Self::start_for(Some(&key))
    }

    fn start_for(official_key: Option<&str>) -> World {
        let registrar = Party::new("http://127.0.0.1:9");
        let key = registrar.json(&["admin", "init"])["public_key"]
            .as_str()
            .expect("a key")
            .to_owned();
        let server_dir = tempfile::tempdir().expect("tempdir");
        let server = Server::start(server_dir.path(), &[("PROBITY_REGISTRAR_KEY", &key)]);
        let registrar = Party {
            server: server.url.clone(),
            ..registrar
        };
        let official = ed25519_dalek::SigningKey::generate(&mut rand::rngs::OsRng);
        let random = hex::encode(official.verifying_key().as_bytes());
        registrar.register_gov_0001(official_key.unwrap_or(&random));
        let supervisor = Party::new(&server.url);
        let supervisor_key = supervisor.json(&["supervisor", "init"])["public_key"]
            .as_str()
            .expect("a key")
            .to_owned();
        registrar.json(&[
            "admin",
            "register-supervisor",
            "--id",
            "AUDIT-1",
            "--public-key",
            &supervisor_key,
        ]);
        World {
            server,
            server_dir,
            registrar,
            supervisor,
        }
    }

    /// A one-time enrollment code for CN-ZJ-HZ.
    pub fn enrollment_code(&self) -> String {
        let codes = self.registrar.json(&[
            "admin",
            "enrollment-codes",
            "--count",
            "1",
            "--scope",
            "CN-ZJ-HZ",
        ]);
        codes["codes"][0].as_str().expect("a code").to_owned()
    }

    /// The supervisor's view of the tips: (entry, text) of each, opened with the service's
    /// tip key, through the client library.
    pub fn tips(&self) -> Vec<(u64, String)> {
        let client = probity_client::Client::new(&self.server.url);
        let supervisor =
            probity_client::Supervisor::open(&client, self.supervisor.path()).expect("open");
        let key = probity_client::supervisor::read_tip_key(
            &self
                .server_dir
                .path()
                .join(probity_client::supervisor::TIP_KEY_FILE),
        )
        .expect("the tip key");
        let tips = supervisor.tips(&key).expect("tips");
        tips.tips
            .iter()
            .map(|t| {
                let text = t.opened.as_ref().map(|o| o.body.text().to_owned());
                (t.view.entry, text.expect("opened"))
            })
            .collect()
    }

    /// The supervisor challenges GOV-0001 to show the asset `asset_id` at `min_value` fen
    /// or more for `period`, due in a week, through the client library.
    pub fn challenge(&self, asset_id: &str, min_value: u64, period: u32) {
        let client = probity_client::Client::new(&self.server.url);
        let supervisor =
            probity_client::Supervisor::open(&client, self.supervisor.path()).expect("open");
        let deadline = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("after 1970")
            .as_millis() as u64
            + 7 * 24 * 3600 * 1000;
        let challenge = probity_client::supervisor::Challenge::new(
            probity_core::OfficialId::new("GOV-0001").expect("id"),
            asset_id,
            min_value,
            deadline,
            Some(probity_core::Period::new(period).expect("period")),
        )
        .expect("a challenge");
        supervisor.challenge(&challenge).expect("challenged");
    }

    /// The official whose data folder is `dir` runs `probity official ARGS` (declaration
    /// paths from the crate's root); what it printed with `--json`.
    pub fn official(&self, dir: &Path, args: &[&str]) -> serde_json::Value {
        let out = probity()
            .arg("--data-dir")
            .arg(dir)
            .args(["--server", &self.server.url, "--json", "official"])
            .args(args)
            .env("PROBITY_PASSPHRASE", PASSPHRASE)
            .env_remove("PROBITY_HOME")
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("probity official");
        super::ok_json(out)
    }

    /// Gives the supervisor the service's tip key (in their data folder, as supervisors share
    /// it among themselves).
    pub fn give_tip_key(&self) {
        let file = probity_client::supervisor::TIP_KEY_FILE;
        std::fs::copy(
            self.server_dir.path().join(file),
            self.supervisor.path().join(file),
        )
        .expect("the tip key");
    }

    /// A reporter enrolls and sends a tip about `subject` with `attachments` (name, media
    /// type, content), through the client library; the tip's log entry.
    pub fn send_tip(&self, subject: &str, text: &str, attachments: &[(&str, &str, &[u8])]) -> u64 {
        let dir = tempfile::tempdir().expect("tempdir");
        let client = probity_client::Client::new(&self.server.url);
        let reporter = probity_client::Whistleblower::new(client, dir.path());
        reporter
            .enroll(&self.enrollment_code(), None)
            .expect("enrolled");
        let attachments = attachments
            .iter()
            .map(|(name, media, data)| {
                probity_credentials::Attachment::new(name, media, data.to_vec()).expect("valid")
            })
            .collect();
        let draft = reporter.draft_tip(subject).expect("a draft");
        let sent = reporter.send_tip(draft, text, attachments).expect("sent");
        match sent.outcome {
            probity_client::whistleblower::TipOutcome::Logged { entry, .. } => entry,
            _ => panic!("the tip is logged at once"),
        }
    }

    /// The supervisor replies to the tip at `entry`, through the client library.
    pub fn reply(&self, entry: u64, message: &str) {
        let client = probity_client::Client::new(&self.server.url);
        let supervisor =
            probity_client::Supervisor::open(&client, self.supervisor.path()).expect("open");
        supervisor.reply(entry, message, false).expect("replied");
    }
}
