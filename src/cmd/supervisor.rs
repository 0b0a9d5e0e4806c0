//! `probity supervisor verify`: check a proof file against the published verifying keys.

use std::{
    path::{Path, PathBuf},
    process::ExitCode,
};

use clap::{Args, Subcommand};
use probity_core::{ProofEnvelope, PublicInputs};
use probity_params::Params;
use probity_verifier::{verify_envelope, EnvelopeVerifyError, StatementVerifyingKey};

use super::{read_envelope, Ctx};

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Verify a proof file; exit code 0 only for a valid proof.
    Verify(VerifyOpts),
}

#[derive(Debug, Args)]
pub(crate) struct VerifyOpts {
    /// The proof file.
    proof: PathBuf,
    /// Params folder whose manifest holds the verifying keys [default: DATA_DIR/params].
    #[arg(long, value_name = "DIR")]
    params: Option<PathBuf>,
}

pub(crate) fn run(ctx: &Ctx, cmd: Command) -> anyhow::Result<ExitCode> {
    match cmd {
        Command::Verify(opts) => verify(ctx, opts),
    }
}

/// The verifying key a proof file names, from the params manifest.
pub(crate) fn key_for(
    params_dir: &Path,
    envelope: &ProofEnvelope,
) -> anyhow::Result<StatementVerifyingKey> {
    let params = Params::open(params_dir)?;
    let entry = params.entry(envelope.statement, envelope.capacity)?;
    Ok(StatementVerifyingKey::from_manifest_entry(entry)?)
}

/// The commitments a statement is about, for the supervisor to look up on the ledger.
fn commitments(inputs: &PublicInputs) -> Vec<String> {
    inputs
        .named_commitments()
        .iter()
        .map(|(period, c)| format!("{period} {c}"))
        .collect()
}

fn verify(ctx: &Ctx, opts: VerifyOpts) -> anyhow::Result<ExitCode> {
    let envelope = read_envelope(&opts.proof)?;
    let inputs = envelope.inputs()?;
    let key = key_for(&ctx.params_dir(opts.params.as_deref()), &envelope)?;
    let result = verify_envelope(&key, &envelope);
    let valid = match &result {
        Ok(_) => true,
        Err(EnvelopeVerifyError::Failed(_)) => false,
        Err(e) => return Err(anyhow::anyhow!("{e}")),
    };
    let statement = format!("{}: {inputs}", envelope.official);
    let ledger = commitments(&inputs);
    let text = if valid {
        format!(
            "VALID  {statement}\n  {} at capacity {}\n  The proof holds for these commitments; check on the ledger that {} filed them:\n{}",
            envelope.statement,
            envelope.capacity,
            envelope.official,
            ledger.iter().map(|c| format!("    {c}")).collect::<Vec<_>>().join("\n")
        )
    } else {
        format!("INVALID  {statement}\n  The proof does not verify: the statement is NOT shown to hold.")
    };
    ctx.emit(
        &text,
        serde_json::json!({
            "valid": valid,
            "statement": envelope.statement,
            "official": envelope.official,
            "capacity": envelope.capacity,
            "in_words": inputs.to_string(),
            "inputs": inputs,
        }),
    );
    Ok(if valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
