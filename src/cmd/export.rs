//! `probity export snarkjs`: a proof file as snarkjs's `proof.json`, `verification_key.json`
//! and `public.json`, which `snarkjs groth16 verify` accepts unchanged.
//!
//! `probity export solidity`: a Groth16 verifier contract for every key of a params folder,
//! and the registry contract, for an EVM chain.

use std::{
    path::{Path, PathBuf},
    process::ExitCode,
};

use anyhow::Context as _;
use clap::{Args, Subcommand};
use probity_core::{Capacity, StatementKind};
use probity_verifier::{
    export_snarkjs, export_solidity, Proof, StatementVerifyingKey, PROOF_JSON, PUBLIC_JSON,
    VERIFICATION_KEY_JSON,
};

use super::{read_envelope, Ctx};

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Write proof.json, verification_key.json and public.json for snarkjs.
    Snarkjs(SnarkjsOpts),
    /// Write a Solidity verifier contract for every verifying key of the params, and the
    /// registry contract.
    Solidity(SolidityOpts),
}

#[derive(Debug, Args)]
pub(crate) struct SolidityOpts {
    /// Params folder whose manifest holds the verifying keys [default: DATA_DIR/params].
    #[arg(long, value_name = "DIR")]
    params: Option<PathBuf>,
    /// The folder to write the contracts into (created if missing).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
}

/// The registry contract, as the repository holds it.
const REGISTRY_SOL: &str = include_str!("../../contracts/ProbityRegistry.sol");
/// Its name.
pub(crate) const REGISTRY: &str = "ProbityRegistry";

#[derive(Debug, Args)]
pub(crate) struct SnarkjsOpts {
    /// The proof file.
    proof: PathBuf,
    /// The folder to write into (created if missing).
    dir: PathBuf,
    /// Params folder whose manifest holds the verifying keys [default: DATA_DIR/params].
    #[arg(long, value_name = "DIR")]
    params: Option<PathBuf>,
}

pub(crate) fn run(ctx: &Ctx, cmd: Command) -> anyhow::Result<ExitCode> {
    match cmd {
        Command::Snarkjs(opts) => snarkjs(ctx, opts),
        Command::Solidity(opts) => solidity(ctx, opts),
    }
}

/// One contract to compile: its name (`NAME.sol` holds contract `NAME`), its source, and for
/// a verifier, the statement and capacity it verifies.
pub(crate) struct Contract {
    pub(crate) name: String,
    pub(crate) source: String,
    pub(crate) verifies: Option<(StatementKind, Capacity)>,
}

/// The registry, then a verifier for every key of the params folder.
pub(crate) fn contracts(params_dir: &Path) -> anyhow::Result<Vec<Contract>> {
    let params = probity_params::Params::open(params_dir)?;
    let mut out = vec![Contract {
        name: REGISTRY.to_owned(),
        source: REGISTRY_SOL.to_owned(),
        verifies: None,
    }];
    for entry in &params.manifest().keys {
        let key = StatementVerifyingKey::from_manifest_entry(entry)?;
        let contract = export_solidity(&key);
        out.push(Contract {
            name: contract.name,
            source: contract.source,
            verifies: Some((entry.statement, entry.capacity)),
        });
    }
    Ok(out)
}

/// Writes `NAME.sol` for each contract into `dir` (created if missing).
pub(crate) fn write_contracts(dir: &Path, contracts: &[Contract]) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for c in contracts {
        let path = dir.join(format!("{}.sol", c.name));
        std::fs::write(&path, &c.source)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

fn solidity(ctx: &Ctx, opts: SolidityOpts) -> anyhow::Result<ExitCode> {
    let contracts = contracts(&ctx.params_dir(opts.params.as_deref()))?;
    write_contracts(&opts.out, &contracts)?;
    let files: Vec<String> = contracts
        .iter()
        .map(|c| format!("{}.sol", c.name))
        .collect();
    let lines: Vec<String> = contracts
        .iter()
        .zip(&files)
        .filter_map(|(c, file)| {
            c.verifies.map(|(statement, capacity)| {
                format!("  {file}: {statement} at capacity {capacity}")
            })
        })
        .collect();
    ctx.emit(
        &format!(
            "Wrote {} contracts into {}:\n  {REGISTRY}.sol: the registry\n{}",
            files.len(),
            opts.out.display(),
            lines.join("\n")
        ),
        serde_json::json!({ "dir": opts.out, "files": files }),
    );
    Ok(ExitCode::SUCCESS)
}

fn snarkjs(ctx: &Ctx, opts: SnarkjsOpts) -> anyhow::Result<ExitCode> {
    let envelope = read_envelope(&opts.proof)?;
    let key = probity_client::supervisor::verifying_key(
        &ctx.params_dir(opts.params.as_deref()),
        &envelope,
    )?;
    let proof = Proof::from_bytes(&envelope.proof_bytes()?)?;
    let files = export_snarkjs(&key, &envelope.inputs()?, &proof)?;
    std::fs::create_dir_all(&opts.dir)
        .with_context(|| format!("cannot create {}", opts.dir.display()))?;
    files
        .write_to_dir(&opts.dir)
        .with_context(|| format!("cannot write into {}", opts.dir.display()))?;
    let d = &opts.dir;
    ctx.emit(
        &format!(
            "Wrote {}, {} and {} into {}\n  check with: snarkjs groth16 verify {} {} {}",
            PROOF_JSON,
            VERIFICATION_KEY_JSON,
            PUBLIC_JSON,
            d.display(),
            d.join(VERIFICATION_KEY_JSON).display(),
            d.join(PUBLIC_JSON).display(),
            d.join(PROOF_JSON).display()
        ),
        serde_json::json!({ "dir": d, "files": [PROOF_JSON, VERIFICATION_KEY_JSON, PUBLIC_JSON] }),
    );
    Ok(ExitCode::SUCCESS)
}
