//! Printing, for every line the command line writes: the [`out!`], [`outln!`], [`eout!`] and
//! [`eoutln!`] macros, which stand in for `print!`, `println!`, `eprint!` and `eprintln!`
//! (`main.rs` denies those, so nothing prints another way).
//!
//! The standard macros panic when a write fails, and a write fails whenever the reader has
//! gone: `probity supervisor verify proof.json | head -1` closes the pipe after one line.
//! Here a closed pipe is not the command's failure: the rest of that output is dropped
//! quietly, and the command finishes what it started, so that a write to the data folder is
//! never cut short by where its output went. Any other failure to write standard output (a
//! full disk) is kept, and `main` reports it and exits with 2 once the command is done. A
//! failure to write standard error has nowhere to be reported, and is dropped.

use std::{
    io::{ErrorKind, Write},
    sync::OnceLock,
};

/// The first failure to write standard output, other than a closed pipe.
static STDOUT_FAILURE: OnceLock<String> = OnceLock::new();

fn write_all(mut to: impl Write, text: &str) -> std::io::Result<()> {
    to.write_all(text.as_bytes())?;
    to.flush()
}

/// Writes `text` to standard output.
pub(crate) fn stdout(text: &str) {
    if let Err(e) = write_all(std::io::stdout().lock(), text) {
        if e.kind() != ErrorKind::BrokenPipe {
            let _ = STDOUT_FAILURE.set(e.to_string());
        }
    }
}

/// Writes `text` to standard error.
pub(crate) fn stderr(text: &str) {
    let _ = write_all(std::io::stderr().lock(), text);
}

/// Why standard output could not be written, if it could not (a closed pipe excepted).
pub(crate) fn stdout_failure() -> Option<&'static str> {
    STDOUT_FAILURE.get().map(String::as_str)
}
