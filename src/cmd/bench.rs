//! `probity bench`: proving and verifying times and peak memory on this machine.

use std::process::ExitCode;

use clap::Args;

use super::Ctx;

#[derive(Debug, Args)]
pub(crate) struct Opts {}

pub(crate) fn run(_ctx: &Ctx, _opts: Opts) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not built yet")
}
