//! `probity serve` as a child process on port 0, for end-to-end tests of the commands that
//! talk to it (and the crash test, which kills it).

use std::{
    io::{BufRead as _, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::OnceLock,
};

pub fn probity() -> Command {
    Command::new(env!("CARGO_BIN_EXE_probity"))
}

/// A params folder with dev keys for capacity 16, made once per test binary.
pub fn params16() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        let out = probity()
            .args(["--data-dir"])
            .arg(dir.path())
            .args(["setup", "--dev", "--capacity", "16"])
            .output()
            .expect("probity setup");
        assert!(
            out.status.success(),
            "setup: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        dir
    })
    .path()
}

/// Copies the capacity-16 params into `data_dir/params`.
pub fn copy_params16(data_dir: &Path) {
    let to = data_dir.join("params");
    std::fs::create_dir_all(&to).expect("mkdir");
    for f in std::fs::read_dir(params16().join("params")).expect("params") {
        let f = f.expect("entry");
        std::fs::copy(f.path(), to.join(f.file_name())).expect("copy");
    }
}

/// A running `probity serve`.
pub struct Server {
    /// `probity serve`, or the `strace` running it ([`Server::start_traced`]).
    pub child: Child,
    pub url: String,
    /// The log key `probity serve` printed before serving.
    pub log_key: String,
    pub data_dir: PathBuf,
    /// The process id of `probity serve` itself.
    serve_pid: u32,
}

impl Server {
    /// Starts `probity serve` on `data_dir` (params copied in if missing) with extra env.
    pub fn start(data_dir: &Path, env: &[(&str, &str)]) -> Self {
        Self::start_with(data_dir, env, &[])
    }

    /// Starts `probity serve` with extra env and extra arguments.
    pub fn start_with(data_dir: &Path, env: &[(&str, &str)], args: &[&str]) -> Self {
        Self::spawn(probity(), data_dir, env, args)
    }

    /// Starts `probity serve` under `strace -f -y -tt`, which writes every call of
    /// `syscalls` (a comma-separated list), from every thread, to `trace`, each file
    /// descriptor with its path or socket. Needs `strace` on the PATH.
    pub fn start_traced(
        data_dir: &Path,
        env: &[(&str, &str)],
        trace: &Path,
        syscalls: &str,
    ) -> Self {
        let mut strace = Command::new("strace");
        strace
            .args(["-f", "-y", "-tt", "-s", "48", "-e"])
            .arg(format!("trace={syscalls}"))
            .arg("-o")
            .arg(trace)
            .arg(env!("CARGO_BIN_EXE_probity"));
        let mut server = Self::spawn(strace, data_dir, env, &[]);
        // strace has started the server by the time it serves.
        let strace_pid = server.child.id();
        server.serve_pid =
            std::fs::read_to_string(format!("/proc/{strace_pid}/task/{strace_pid}/children"))
                .ok()
                .and_then(|c| c.split_whitespace().next()?.parse().ok())
                .expect("strace runs probity serve");
        server
    }

    /// Runs `cmd` (the `probity` binary, or a program that runs it) as `probity serve`.
    fn spawn(mut cmd: Command, data_dir: &Path, env: &[(&str, &str)], args: &[&str]) -> Self {
        if !data_dir.join("params").exists() {
            copy_params16(data_dir);
        }
        cmd.arg("--data-dir")
            .arg(data_dir)
            // Tests run on the dev keys made for them.
            .args(["serve", "--dev", "--listen", "127.0.0.1:0"])
            .args(args)
            .env("PROBITY_CAPACITIES", "16")
            // Tips logged at once, their receipt in the answer, unless a test sets otherwise.
            .env("PROBITY_TIP_BATCH_SECS", "0")
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("probity serve");
        let stderr = child.stderr.take().expect("stderr");
        let mut lines = BufReader::new(stderr).lines();
        let mut log_key = String::new();
        let url = loop {
            let line = lines
                .next()
                .expect("probity serve exited before serving")
                .expect("stderr line");
            if let Some((_, key)) = line.split_once("Log key (") {
                log_key = key.rsplit(' ').next().expect("a key").to_owned();
            }
            if let Some(rest) = line.split("Serving on ").nth(1) {
                break rest.split_whitespace().next().expect("url").to_owned();
            }
        };
        // Keep draining stderr so the child never blocks on a full pipe; with
        // PROBITY_TEST_SERVER_LOGS set, show it (`cargo test -- --nocapture`).
        let show = std::env::var_os("PROBITY_TEST_SERVER_LOGS").is_some();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                if show {
                    eprintln!("[serve] {line}");
                }
            }
        });
        let serve_pid = child.id();
        Self {
            child,
            url,
            log_key,
            data_dir: data_dir.to_owned(),
            serve_pid,
        }
    }

    /// SIGKILL, no chance to clean up.
    pub fn kill9(mut self) {
        self.signal("-KILL");
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, and wait for a clean exit.
    #[cfg(unix)]
    pub fn stop(mut self) {
        self.signal("-TERM");
        let status = self.child.wait().expect("wait");
        assert!(
            status.success(),
            "probity serve exited with {status:?} on SIGTERM"
        );
    }
}

impl Server {
    /// Sends `signal` (`-TERM`, `-KILL`) to `probity serve` itself (not to a tracer, which
    /// would detach and leave the server running).
    fn signal(&self, signal: &str) {
        let _ = Command::new("kill")
            .arg(signal)
            .arg(self.serve_pid.to_string())
            .stderr(Stdio::null())
            .status();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.serve_pid != self.child.id() {
            self.signal("-KILL");
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
