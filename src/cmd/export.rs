//! `probity export snarkjs`: a proof file as snarkjs's `proof.json`, `verification_key.json`
//! and `public.json`, which `snarkjs groth16 verify` accepts unchanged.

use std::{path::PathBuf, process::ExitCode};

use anyhow::Context as _;
use clap::{Args, Subcommand};
use probity_verifier::{export_snarkjs, Proof, PROOF_JSON, PUBLIC_JSON, VERIFICATION_KEY_JSON};

use super::{read_envelope, supervisor::key_for, Ctx};

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Write proof.json, verification_key.json and public.json for snarkjs.
    Snarkjs(SnarkjsOpts),
}

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
    let Command::Snarkjs(opts) = cmd;
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
