//! `probity`: the command line for every role of Probity.
//!
//! Each subcommand parses its arguments, calls a library and prints the result, as text or
//! with `--json`: the roles against a service through `probity-client` (`official`,
//! `supervisor`, `whistleblower`, `admin`, `witness`), keys through `probity-params`
//! (`setup`), local proofs through `probity-prover` and `probity-verifier`, the service
//! through `probity-service` (`serve`, and the in-process one of `demo`).
//!
//! # What it must never do
//!
//! - Hold a role's logic: what a role does lives in `probity-client`, so that every front
//!   end does the same; a function here is argument parsing or printing (at most 80 lines,
//!   but the demo's narration).
//! - Print a secret: passphrases are read without echo, and no declared figure, key or
//!   receipt code is printed but where the user asked for it.

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
