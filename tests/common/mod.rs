//! What the end-to-end tests of the `probity` binary share: output capture and assertions.
#![allow(dead_code, unreachable_pub)]

pub mod app;
pub mod chain_tools;
pub mod party;
pub mod proxy;
pub mod server;

use std::process::Output;

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts success and returns stdout.
#[track_caller]
pub fn ok(o: Output) -> String {
    assert!(
        o.status.success(),
        "expected success, got {:?}\nstdout: {}\nstderr: {}",
        o.status,
        stdout(&o),
        stderr(&o)
    );
    stdout(&o)
}

/// Asserts success and parses stdout as JSON.
#[track_caller]
pub fn ok_json(o: Output) -> serde_json::Value {
    serde_json::from_str(&ok(o)).expect("--json prints JSON")
}

/// Asserts the exit code and that stdout or stderr mentions `needle`; returns both.
#[track_caller]
pub fn fails(o: Output, code: i32, needle: &str) -> String {
    let all = format!("{}{}", stdout(&o), stderr(&o));
    assert_eq!(o.status.code(), Some(code), "{all}");
    assert!(
        all.contains(needle),
        "output should mention {needle:?}:\n{all}"
    );
    all
}
