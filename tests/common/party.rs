//! One party of the end-to-end tests: a data folder of its own, talking to one server.

use std::{path::Path, process::Output};

use super::{ok_json, server::probity};

/// The passphrase every test wallet uses.
pub const PASSPHRASE: &str = "correct horse battery staple";

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

    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        ok_json(self.run(&all))
    }
}
