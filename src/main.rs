//! `probity`: the command line for every role of Probity.
//!
//! Each subcommand is a thin layer over the libraries: `setup` over `probity-params`,
//! `official` over `probity-prover`, `supervisor` and `export` over `probity-verifier`;
//! `admin`, `whistleblower` and the service-facing commands of `official` and `supervisor`
//! over the `probity-service` client, `probity-credentials` and `probity-ledger`.

// Every line goes through `cmd::out`, which does not panic when the reader has gone.
#![deny(clippy::print_stdout, clippy::print_stderr)]

#[macro_use]
mod cmd;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cmd::Cli::parse();
    let code = match cmd::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eoutln!("error: {e:#}");
            ExitCode::from(2)
        }
    };
    match cmd::out::stdout_failure() {
        Some(e) => {
            eoutln!("error: cannot write the output: {e}");
            ExitCode::from(2)
        }
        None => code,
    }
}
