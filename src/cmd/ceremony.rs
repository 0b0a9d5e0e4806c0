//! `probity ceremony`: production keys from a multi-party phase-2 ceremony in snarkjs's
//! formats, so that snarkjs can check every step.
//!
//! - `r1cs`: a statement's circuit as an iden3 `.r1cs` file;
//! - `init`: the initial `.zkey` of each circuit over a prepared `.ptau` file (phase 1),
//!   byte for byte what `snarkjs groth16 setup` makes.

use std::{
    path::{Path, PathBuf},
    process::ExitCode,
};

use anyhow::Context as _;
use clap::{Args, Subcommand};
use probity_core::{Capacity, StatementKind};
use probity_params::ceremony;

use super::{parse_capacity, parse_statement, Ctx};

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Write a statement's circuit as an iden3 .r1cs file (for `snarkjs r1cs info`,
    /// `snarkjs groth16 setup` and `snarkjs zkey verify`).
    R1cs(R1csOpts),
    /// Make the initial .zkey of each circuit from a powers-of-tau file prepared for
    /// phase 2 (`snarkjs powersoftau prepare phase2`).
    Init(InitOpts),
}

#[derive(Debug, Args)]
pub(crate) struct R1csOpts {
    /// The statement.
    #[arg(long, value_name = "NAME", value_parser = parse_statement)]
    statement: StatementKind,
    /// The capacity.
    #[arg(long, value_name = "N", value_parser = parse_capacity)]
    capacity: Capacity,
    /// The file to write.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct InitOpts {
    /// The phase-1 file: a BN254 powers of tau prepared for phase 2.
    #[arg(long, value_name = "FILE")]
    ptau: PathBuf,
    /// The folder to write STATEMENT-CAPACITY.zkey files into (created if missing).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Capacity to make keys for; repeat for several [default: 16 and 64].
    #[arg(long = "capacity", value_name = "N", value_parser = parse_capacity)]
    capacities: Vec<Capacity>,
    /// Statement to make keys for; repeat for several [default: all four].
    #[arg(long = "statement", value_name = "NAME", value_parser = parse_statement)]
    statements: Vec<StatementKind>,
}

pub(crate) fn run(ctx: &Ctx, cmd: Command) -> anyhow::Result<ExitCode> {
    match cmd {
        Command::R1cs(opts) => r1cs(ctx, opts),
        Command::Init(opts) => init(ctx, opts),
    }
}

fn r1cs(ctx: &Ctx, opts: R1csOpts) -> anyhow::Result<ExitCode> {
    let file = ceremony::r1cs(opts.statement, opts.capacity)?;
    write(&opts.out, &file.bytes)?;
    ctx.emit(
        &format!(
            "Wrote the {} circuit at capacity {} to {}: {} constraints, {} public inputs, {} wires",
            opts.statement,
            opts.capacity,
            opts.out.display(),
            file.num_constraints,
            file.num_public_inputs,
            file.num_wires
        ),
        serde_json::json!({
            "file": opts.out,
            "statement": opts.statement,
            "capacity": opts.capacity,
            "constraints": file.num_constraints,
            "public_inputs": file.num_public_inputs,
            "wires": file.num_wires,
        }),
    );
    Ok(ExitCode::SUCCESS)
}

/// The file name of a circuit's key in a ceremony folder.
fn zkey_name(statement: StatementKind, capacity: Capacity) -> String {
    format!("{}-{}.zkey", statement.name(), capacity.slots())
}

fn init(ctx: &Ctx, opts: InitOpts) -> anyhow::Result<ExitCode> {
    let ptau = ceremony::Ptau::open(&opts.ptau)?;
    let capacities = if opts.capacities.is_empty() {
        vec![Capacity::C16, Capacity::C64]
    } else {
        opts.capacities
    };
    let statements = if opts.statements.is_empty() {
        StatementKind::ALL.to_vec()
    } else {
        opts.statements
    };
    std::fs::create_dir_all(&opts.out)
        .with_context(|| format!("cannot create {}", opts.out.display()))?;
    let mut lines = Vec::new();
    let mut made = Vec::new();
    for &capacity in &capacities {
        for &statement in &statements {
            let zkey = ceremony::init(statement, capacity, &ptau)
                .with_context(|| format!("the {statement} circuit at capacity {capacity}"))?;
            let path = opts.out.join(zkey_name(statement, capacity));
            write(&path, &zkey.bytes)?;
            let hash = hex::encode(zkey.circuit_hash);
            lines.push(format!(
                "  {}: {statement} at capacity {capacity}, circuit hash {hash}",
                path.display()
            ));
            made.push(serde_json::json!({
                "file": path,
                "statement": statement,
                "capacity": capacity,
                "circuit_hash": hash,
            }));
        }
    }
    ctx.emit(
        &format!(
            "Initial keys over {} (power {}):\n{}",
            opts.ptau.display(),
            ptau.power(),
            lines.join("\n")
        ),
        serde_json::json!({ "ptau": opts.ptau, "power": ptau.power(), "zkeys": made }),
    );
    Ok(ExitCode::SUCCESS)
}

/// Writes `bytes` to `path` atomically and durably.
fn write(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    probity_core::durable::write_atomic(path, bytes)
        .with_context(|| format!("cannot write {}", path.display()))
}
