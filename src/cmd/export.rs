//! `probity export snarkjs`: a proof file as snarkjs's `proof.json`, `verification_key.json`
//! and `public.json`, which `snarkjs groth16 verify` accepts unchanged.
//!
//! `probity export solidity`: a Groth16 verifier contract for every key of a params folder,
//! and the registry contract, for an EVM chain.

use std::{path::PathBuf, process::ExitCode};

use anyhow::Context as _;
use clap::{Args, Subcommand};
use probity_verifier::{
    export_snarkjs, export_solidity, Proof, StatementVerifyingKey, PROOF_JSON, PUBLIC_JSON,
    VERIFICATION_KEY_JSON,
};

use super::{read_envelope, supervisor::key_for, Ctx};

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
pub(crate) const REGISTRY_SOL: &str = include_str!("../../contracts/ProbityRegistry.sol");
/// Its file name.
pub(crate) const REGISTRY_FILE: &str = "ProbityRegistry.sol";

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

fn solidity(ctx: &Ctx, opts: SolidityOpts) -> anyhow::Result<ExitCode> {
    let params = probity_params::Params::open(&ctx.params_dir(opts.params.as_deref()))?;
    std::fs::create_dir_all(&opts.out)
        .with_context(|| format!("cannot create {}", opts.out.display()))?;
    let write = |name: &str, text: &str| {
        let path = opts.out.join(name);
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))
    };
    let mut files = vec![REGISTRY_FILE.to_owned()];
    write(REGISTRY_FILE, REGISTRY_SOL)?;
    let mut lines = Vec::new();
    for entry in &params.manifest().keys {
        let key = StatementVerifyingKey::from_manifest_entry(entry)?;
        let contract = export_solidity(&key);
        let file = format!("{}.sol", contract.name);
        write(&file, &contract.source)?;
        lines.push(format!(
            "  {file}: {} at capacity {}",
            entry.statement, entry.capacity
        ));
        files.push(file);
    }
    ctx.emit(
        &format!(
            "Wrote {} contracts into {}:\n  {REGISTRY_FILE}: the registry\n{}",
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
    let key = key_for(&ctx.params_dir(opts.params.as_deref()), &envelope)?;
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
