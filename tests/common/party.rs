//! One party of the end-to-end tests: a data folder of its own, talking to one server.

use std::{path::Path, process::Output};

use super::{ok_json, server::probity};

/// The passphrase every test wallet uses.
pub const PASSPHRASE: &str = "correct horse battery staple";

/// The arguments that register official GOV-0001 (Official One, Head of department,
/// CN-ZJ-HZ), all but its public key, which follows.
pub const REGISTER_GOV_0001: [&str; 11] = [
    "admin",
    "register-official",
    "--id",
    "GOV-0001",
    "--name",
    "Official One",
    "--position",
    "Head of department",
    "--jurisdiction",
    "CN-ZJ-HZ",
    "--public-key",
];

/// One party: a data folder of its own, talking to one server.
pub struct Party {
    pub dir: tempfile::TempDir,
    pub server: String,
}

impl Party {
    pub fn new(server: &str) -> Self {
        Self {
            dir: tempfile::tempdir().expect("temp dir"),
            server: server.to_owned(),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn run(&self, args: &[&str]) -> Output {
        probity()
            .arg("--data-dir")
            .arg(self.dir.path())
            .args(["--server", &self.server])
            .args(args)
            .env("PROBITY_PASSPHRASE", PASSPHRASE)
            .env_remove("PROBITY_HOME")
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("the binary runs")
    }

    /// As the registrar: registers official GOV-0001 ([`REGISTER_GOV_0001`]) with the
    /// public key `key` (hex); returns what the command printed with `--json`.
    pub fn register_gov_0001(&self, key: &str) -> serde_json::Value {
        let mut args = REGISTER_GOV_0001.to_vec();
        args.push(key);
        self.json(&args)
    }

    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        ok_json(self.run(&all))
    }
}
