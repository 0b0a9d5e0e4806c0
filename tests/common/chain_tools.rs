//! The EVM tools `npm ci` installs, for the tests that use them: solcjs, which compiles the
//! contracts, and anvil, a real local chain. Used by the root crate's tests and by the
//! service's `tests/evm.rs` (which includes this file by path).
#![allow(dead_code, unreachable_pub)]

use std::{
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
};

/// anvil's first two development accounts (public test keys, never for real funds).
pub const OPERATOR_KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
pub const OTHER_KEY: &str = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

/// The repository's root, where `npm ci` installs the tools.
fn repo_root() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    if here.join("package.json").exists() {
        here.to_owned()
    } else {
        here.join("..")
    }
}

/// A tool `npm ci` installs at the repository's root.
pub fn tool(name: &str) -> PathBuf {
    let bin = repo_root().join("node_modules/.bin").join(name);
    assert!(
        bin.exists(),
        "{} is missing: run `npm ci` at the repository root",
        bin.display()
    );
    bin
}

/// Compiles `NAME.sol` in `dir`, for each name, with the pinned solcjs; returns each
/// contract's creation bytecode (hex), in order. Each file holds the contract `NAME`.
pub fn compile(dir: &Path, names: &[&str]) -> Vec<String> {
    let out = Command::new(tool("solcjs"))
        .args(["--bin", "--optimize", "-o", "build"])
        .args(names.iter().map(|n| format!("{n}.sol")))
        .current_dir(dir)
        .output()
        .expect("solcjs runs");
    assert!(
        out.status.success(),
        "solcjs: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    names
        .iter()
        .map(|n| {
            let bin = dir.join("build").join(format!("{n}_sol_{n}.bin"));
            std::fs::read_to_string(&bin).unwrap_or_else(|e| panic!("{}: {e}", bin.display()))
        })
        .collect()
}

/// A local chain for the test's lifetime; with a state file, it can be stopped and started
/// again on the same port with its state.
pub struct Anvil {
    child: Option<Child>,
    port: u16,
    state: Option<PathBuf>,
    pub url: String,
}

impl Anvil {
    /// Starts a fresh chain on a free port.
    pub fn start() -> Self {
        Self::start_with(None)
    }

    /// Starts a chain on a free port that keeps its state in `state` across restarts.
    pub fn start_with(state: Option<&Path>) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("a free port")
            .local_addr()
            .expect("address")
            .port();
        let mut anvil = Self {
            child: None,
            port,
            state: state.map(Path::to_owned),
            url: format!("http://127.0.0.1:{port}"),
        };
        anvil.resume();
        anvil
    }

    /// Starts it again (after [`Anvil::stop`]), on the same port, from its state file.
    pub fn resume(&mut self) {
        let mut cmd = Command::new(tool("anvil"));
        cmd.args(["--port", &self.port.to_string(), "--silent"]);
        if let Some(state) = &self.state {
            cmd.arg("--state").arg(state);
        }
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("anvil starts");
        // Ready once it answers.
        for _ in 0..400 {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let _ = child
            .stdout
            .take()
            .map(|o| std::thread::spawn(move || for _ in BufReader::new(o).lines() {}));
        self.child = Some(child);
    }

    /// Stops it with SIGTERM, so that it writes its state file; the chain is down until
    /// [`Anvil::resume`].
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(child.id().to_string())
                .status();
            let _ = child.wait();
        }
    }
}

impl Drop for Anvil {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
