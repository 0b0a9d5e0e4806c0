//! `probity`: the command line for every role of Probity.
//!
//! Each subcommand is a thin layer over the libraries: `setup` over `probity-params`,
//! `official` over `probity-prover`, `supervisor` and `export` over `probity-verifier`;
//! `admin`, `whistleblower` and the service-facing commands of `official` and `supervisor`
//! over the `probity-service` client, `probity-credentials` and `probity-ledger`.

mod cmd;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cmd::Cli::parse();
    match cmd::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
