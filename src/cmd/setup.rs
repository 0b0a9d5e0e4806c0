//! `probity setup --dev`: development keys for every statement and capacity asked for.

use std::{path::PathBuf, process::ExitCode};

use anyhow::{bail, Context as _};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use probity_core::{Capacity, StatementKind};

use super::{parse_capacity, parse_statement, Ctx};

/// The loud part of every dev setup.
pub(crate) const DEV_WARNING: &str = "WARNING: development keys. They were made on this machine with its own randomness, \
so whoever ran this setup can forge proofs for every statement. Use them for development and demos only; \
production keys come from a multi-party ceremony.";

#[derive(Debug, Args)]
pub(crate) struct Opts {
    /// Make development keys with this machine's randomness (the only mode available here).
    #[arg(long)]
    dev: bool,
    /// Capacity to make keys for; repeat for several [default: 16 and 64].
    #[arg(long = "capacity", value_name = "N", value_parser = parse_capacity)]
    capacities: Vec<Capacity>,
    /// Statement to make keys for; repeat for several [default: all four].
    #[arg(long = "statement", value_name = "NAME", value_parser = parse_statement)]
    statements: Vec<StatementKind>,
    /// Folder for the keys and the manifest [default: DATA_DIR/params].
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
}

pub(crate) fn run(ctx: &Ctx, opts: Opts) -> anyhow::Result<ExitCode> {
    if !opts.dev {
        bail!("only development keys can be made here: pass --dev (production keys come from a multi-party ceremony)");
    }
    let dir = ctx.params_dir(opts.out.as_deref());
    let (capacities, statements) = super::key_pairs(opts.capacities, opts.statements);
    eoutln!("{DEV_WARNING}\n");
    let bar = ProgressBar::new((capacities.len() * statements.len()) as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} {msg} ({elapsed})")
            .expect("the template is valid"),
    );
    if ctx.json {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    let manifest = probity_params::setup_dev(
        &dir,
        &statements,
        &capacities,
        &mut rand::rngs::OsRng,
        |step| {
            bar.set_position(step.index as u64);
            bar.set_message(format!("{} at capacity {}", step.statement, step.capacity));
        },
    )
    .with_context(|| format!("key generation into {} failed", dir.display()))?;
    bar.finish_and_clear();
    let mut text = format!("Development keys written to {}\n", dir.display());
    for e in &manifest.keys {
        text.push_str(&format!(
            "  {:<22} capacity {:>4}  {:>7} constraints\n",
            e.statement.name(),
            e.capacity,
            e.num_constraints
        ));
    }
    text.push_str(&format!(
        "Manifest: {}",
        dir.join(probity_params::MANIFEST_FILE).display()
    ));
    ctx.emit(
        &text,
        serde_json::json!({ "params_dir": dir, "warning": DEV_WARNING, "manifest": manifest }),
    );
    Ok(ExitCode::SUCCESS)
}
