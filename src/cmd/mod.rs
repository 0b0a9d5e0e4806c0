//! The subcommands, one module each, and what they share: the data folder, output mode and
//! passphrase handling.

// The printing macros come first, so that every module below can use them (see `out`).

/// `print!` that never panics; see [`out`].
macro_rules! out {
    ($($arg:tt)*) => { $crate::cmd::out::stdout(&format!($($arg)*)) };
}

/// `println!` that never panics; see [`out`].
macro_rules! outln {
    ($($arg:tt)*) => { $crate::cmd::out::stdout(&format!("{}\n", format_args!($($arg)*))) };
}

/// `eprint!` that never panics; see [`out`].
macro_rules! eout {
    ($($arg:tt)*) => { $crate::cmd::out::stderr(&format!($($arg)*)) };
}

/// `eprintln!` that never panics; see [`out`].
macro_rules! eoutln {
    ($($arg:tt)*) => { $crate::cmd::out::stderr(&format!("{}\n", format_args!($($arg)*))) };
}

pub(crate) mod admin;
pub(crate) mod app;
pub(crate) mod bench;
pub(crate) mod ceremony;
pub(crate) mod chain;
pub(crate) mod demo;
pub(crate) mod export;
pub(crate) mod ledger;
pub(crate) mod official;
pub(crate) mod out;
pub(crate) mod remote;
pub(crate) mod serve;
pub(crate) mod setup;
pub(crate) mod supervisor;
pub(crate) mod whistleblower;
pub(crate) mod witness;

use std::{
    path::{Path, PathBuf},
    process::ExitCode,
};

use anyhow::{bail, Context as _};
use clap::{Parser, Subcommand};
use probity_core::{Capacity, ProofEnvelope, StatementKind};
use probity_prover::wallet::Passphrase;

/// Probity: zero-knowledge asset declarations for public officials.
#[derive(Debug, Parser)]
#[command(name = "probity", version, about, long_about = None)]
pub(crate) struct Cli {
    /// Data folder holding the params and the wallet [default: $HOME/.probity].
    #[arg(long, global = true, env = "PROBITY_HOME", value_name = "DIR")]
    pub(crate) data_dir: Option<PathBuf>,
    /// Print machine-readable JSON instead of text.
    #[arg(long, global = true)]
    pub(crate) json: bool,
    /// The service to talk to.
    #[arg(
        long,
        global = true,
        env = "PROBITY_SERVER",
        value_name = "URL",
        default_value = "http://127.0.0.1:8080"
    )]
    pub(crate) server: String,
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Make Groth16 keys for the statements (development keys only, with --dev).
    Setup(setup::Opts),
    /// Production keys: a multi-party phase-2 ceremony in snarkjs's formats.
    #[command(subcommand)]
    Ceremony(ceremony::Command),
    /// The registrar's side: the registrar key, registrations, enrollment codes, deadlines.
    #[command(subcommand)]
    Admin(admin::Command),
    /// The official's side: commit to a declaration, prove statements about it, file it,
    /// answer challenges.
    #[command(subcommand)]
    Official(official::Command),
    /// The supervisor's side: verify proofs and filings, challenge, read tips and alerts,
    /// audit the log.
    #[command(subcommand)]
    Supervisor(supervisor::Command),
    /// The whistleblower's side: enroll with a one-time code, send sealed tips, read replies.
    #[command(subcommand)]
    Whistleblower(whistleblower::Command),
    /// Export a proof for other verifiers.
    #[command(subcommand)]
    Export(export::Command),
    /// Measure proving and verifying on this machine.
    Bench(bench::Opts),
    /// Run the whole story on the example declarations, saying what each step shows.
    Demo(demo::Opts),
    /// The transparency log: make checkpoint keys, audit a log, print proofs.
    #[command(subcommand)]
    Ledger(ledger::Command),
    /// Follow a log one step as a witness: check it, re-check its entries, cosign or refuse.
    Witness(witness::Opts),
    /// Serve this machine's web UI for the roles in the data folder, on loopback, and open it.
    App(app::Opts),
    /// Run the service on the data folder (made on first start: database, keys, dev params).
    Serve(serve::Opts),
    /// EVM chains: deploy the registry and verifier contracts (a build with `--features evm`).
    #[command(subcommand)]
    Chain(chain::Command),
}

/// What every command needs: where the data lives and how to print.
pub(crate) struct Ctx {
    pub(crate) data_dir: PathBuf,
    pub(crate) json: bool,
    /// The service's base URL.
    pub(crate) server: String,
}

impl Ctx {
    /// `--params DIR`, or the params folder of the data folder.
    pub(crate) fn params_dir(&self, explicit: Option<&Path>) -> PathBuf {
        explicit
            .map(Path::to_owned)
            .unwrap_or_else(|| self.data_dir.join("params"))
    }

    /// `--wallet FILE`, or the wallet of the data folder.
    pub(crate) fn wallet_path(&self, explicit: Option<&Path>) -> PathBuf {
        explicit
            .map(Path::to_owned)
            .unwrap_or_else(|| self.data_dir.join("wallet.probity"))
    }

    /// Prints the text form, or the JSON form with `--json`.
    pub(crate) fn emit(&self, text: &str, json: serde_json::Value) {
        if self.json {
            outln!(
                "{}",
                serde_json::to_string_pretty(&json).expect("JSON values serialize")
            );
        } else {
            outln!("{text}");
        }
    }
}

fn default_data_dir() -> anyhow::Result<PathBuf> {
    match std::env::var_os("HOME") {
        Some(home) => Ok(PathBuf::from(home).join(".probity")),
        None => {
            bail!("cannot tell where the data folder is: set PROBITY_HOME or pass --data-dir DIR")
        }
    }
}

/// Runs the command line; the exit code is 0 on success, 1 for a proof that does not verify.
pub(crate) fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let data_dir = match cli.data_dir {
        Some(d) => d,
        None => default_data_dir()?,
    };
    let ctx = Ctx {
        data_dir,
        json: cli.json,
        server: cli.server,
    };
    match cli.command {
        Command::Setup(opts) => setup::run(&ctx, opts),
        Command::Ceremony(cmd) => ceremony::run(&ctx, cmd),
        Command::Admin(cmd) => admin::run(&ctx, cmd),
        Command::Whistleblower(cmd) => whistleblower::run(&ctx, cmd),
        Command::Official(cmd) => official::run(&ctx, cmd),
        Command::Supervisor(cmd) => supervisor::run(&ctx, cmd),
        Command::Export(cmd) => export::run(&ctx, cmd),
        Command::Bench(opts) => bench::run(&ctx, opts),
        Command::Demo(opts) => demo::run(&ctx, opts),
        Command::Ledger(cmd) => ledger::run(&ctx, cmd),
        Command::Witness(opts) => witness::run(&ctx, opts),
        Command::Serve(opts) => serve::run(&ctx, opts),
        Command::App(opts) => app::run(&ctx, opts),
        Command::Chain(cmd) => chain::run(&ctx, cmd),
    }
}

/// Parses a capacity argument.
pub(crate) fn parse_capacity(s: &str) -> Result<Capacity, String> {
    s.parse::<usize>()
        .map_err(|_| format!("`{s}` is not a number"))
        .and_then(Capacity::new)
}

/// The key pairs a command makes: the capacities and statements asked for, or 16 and 64 and
/// all four statements.
pub(crate) fn key_pairs(
    capacities: Vec<Capacity>,
    statements: Vec<StatementKind>,
) -> (Vec<Capacity>, Vec<StatementKind>) {
    let capacities = if capacities.is_empty() {
        vec![Capacity::C16, Capacity::C64]
    } else {
        capacities
    };
    let statements = if statements.is_empty() {
        StatementKind::ALL.to_vec()
    } else {
        statements
    };
    (capacities, statements)
}

/// Parses a statement name (`net-worth-range` or `net_worth_range`).
pub(crate) fn parse_statement(s: &str) -> Result<StatementKind, String> {
    StatementKind::parse(s)
}

/// The wallet passphrase: `PROBITY_PASSPHRASE`, or a prompt on the terminal (twice when
/// creating a wallet).
pub(crate) fn passphrase(creating: bool) -> anyhow::Result<Passphrase> {
    if let Ok(p) = std::env::var("PROBITY_PASSPHRASE") {
        return Ok(Passphrase::new(p));
    }
    let first = rpassword::prompt_password("Wallet passphrase: ").context(
        "cannot read the wallet passphrase: run in a terminal, or set PROBITY_PASSPHRASE for scripts",
    )?;
    if creating {
        let again = rpassword::prompt_password("Repeat the passphrase: ")
            .context("cannot read the wallet passphrase")?;
        if again != first {
            bail!("the two passphrases differ: nothing was written; try again");
        }
    }
    Ok(Passphrase::new(first))
}

/// Reads and checks a proof file.
pub(crate) fn read_envelope(path: &Path) -> anyhow::Result<ProofEnvelope> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the proof file {}", path.display()))?;
    ProofEnvelope::from_json(&text)
        .with_context(|| format!("{} is not a valid proof file", path.display()))
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn verify_cli() {
        super::Cli::command().debug_assert();
    }
}
