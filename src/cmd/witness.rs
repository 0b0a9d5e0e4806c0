//! `probity witness`: follow a log one step. Check that its latest checkpoint is consistent
//! with the last one this witness accepted, check every new entry (and, with `--params`,
//! re-verify every accepted proof; with `--disclosures`, the withheld ones too), then cosign; or
//! refuse loudly.
//!
//! Exit codes: 0 cosigned (or nothing new), 1 refused (a split view, or an entry that does not
//! check out), 2 could not run (unreachable log, bad key file, …).

use std::{
    path::{Path, PathBuf},
    process::ExitCode,
};

use anyhow::Context as _;
use clap::Args;
use probity_client::{
    api,
    witness::{is_refusal, ProofRecheck, RecheckCounts},
};
use probity_ledger::{
    CheckpointSigner, Cosignature, SignedCheckpoint, Witness, WitnessError, WitnessOutcome,
};
use probity_params::Params;
use serde_json::json;

use super::{
    ledger::{log_key, open_source},
    Ctx,
};

#[derive(Debug, Args)]
pub(crate) struct Opts {
    /// The log to follow: a folder holding its tiles, or an http(s):// URL.
    #[arg(long, value_name = "DIR_OR_URL")]
    log: String,
    /// The log's verifier key (`origin+id+base64`), or a file holding it.
    #[arg(long, value_name = "VKEY")]
    log_key: String,
    /// This witness's secret key file (`probity ledger keygen --witness`).
    #[arg(long, value_name = "FILE")]
    key: PathBuf,
    /// The file holding the last checkpoint this witness accepted
    /// [default: DATA_DIR/witness/ORIGIN-HASH.checkpoint, named after the log].
    #[arg(long, value_name = "FILE")]
    state: Option<PathBuf>,
    /// Re-verify every accepted proof with the verifying keys of this params folder, which must
    /// hold the manifest the log published (ParamsPublished). Without it, proofs are checked
    /// for form only. Use it from the witness's first update on: each update reads only the
    /// entries added since the last one.
    #[arg(long, value_name = "DIR")]
    params: Option<PathBuf>,
    /// The disclosures of the log's withheld details: the JSON the service serves registered
    /// supervisors at /v1/supervisor/disclosures. Each withheld asset_included proof with a
    /// disclosure is checked against its public digest (a mismatch refuses the log) and, with
    /// --params, re-verified; without one, its form is checked only.
    #[arg(long, value_name = "FILE")]
    disclosures: Option<PathBuf>,
}

/// How the proofs were checked, in words.
fn summary(counts: &RecheckCounts) -> String {
    if !counts.with_params {
        return format!(
            "{} proofs form-checked only (pass --params DIR to re-verify them)",
            counts.form_checked_only
        );
    }
    format!(
        "{} proofs re-verified{}, {} withheld details form-checked",
        counts.reverified,
        match counts.from_disclosure {
            0 => String::new(),
            n => format!(" ({n} from their disclosed details)"),
        },
        counts.withheld_form_checked
    )
}

/// Reads a `--disclosures` file.
fn read_disclosures(path: &Path) -> anyhow::Result<Vec<api::DisclosureView>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the disclosures {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not a list of disclosures (the JSON served at /v1/supervisor/disclosures)",
            path.display()
        )
    })
}

/// `DATA_DIR/witness/<origin, with anything but letters, digits, `.`, `-`, `_` as `_`>-<first
/// 16 hex digits of SHA-256(origin)>.checkpoint`: the digest keeps origins that sanitize to the
/// same name (`a/b` and `a_b`) apart.
fn default_state(ctx: &Ctx, origin: &str) -> PathBuf {
    ctx.data_dir
        .join("witness")
        .join(probity_ledger::state_file_name(origin))
}

pub(crate) fn run(ctx: &Ctx, opts: Opts) -> anyhow::Result<ExitCode> {
    let log = log_key(&opts.log_key)?;
    let key = CheckpointSigner::load(&opts.key).context("cannot use the witness key")?;
    let params = opts
        .params
        .as_deref()
        .map(Params::open)
        .transpose()
        .context("cannot use the params given with --params")?;
    let disclosures = opts
        .disclosures
        .as_deref()
        .map(read_disclosures)
        .transpose()?
        .unwrap_or_default();
    let source = open_source(&opts.log)?;
    let state = opts
        .state
        .clone()
        .unwrap_or_else(|| default_state(ctx, log.name()));
    let origin = log.name().to_owned();
    let witness_name = key.name().to_owned();
    let recheck = ProofRecheck::new(params, disclosures);
    let witness = Witness::new(&state, log, key, &recheck);
    let followed = Followed {
        origin: &origin,
        witness: &witness_name,
        state: &state,
    };
    match witness.update(&*source) {
        Ok(WitnessOutcome::Cosigned {
            checkpoint,
            cosignature,
            entries_checked,
        }) => {
            followed.cosigned(
                ctx,
                &checkpoint,
                &cosignature,
                entries_checked,
                &recheck.counts(),
            );
            Ok(ExitCode::SUCCESS)
        }
        Ok(WitnessOutcome::Unchanged { checkpoint }) => {
            let size = checkpoint.size();
            ctx.emit(
                &format!("UNCHANGED  {origin} is still at size {size}, which this witness already cosigned; nothing to do."),
                json!({ "outcome": "unchanged", "origin": origin, "size": size, "state": state }),
            );
            Ok(ExitCode::SUCCESS)
        }
        Ok(other) => {
            anyhow::bail!("the witness returned an outcome this build does not know: {other:?}")
        }
        Err(e) if is_refusal(&e) => {
            refused(ctx, &origin, &state, &e);
            Ok(ExitCode::from(1))
        }
        Err(e) => Err(e.into()),
    }
}

/// The log followed, by whom, and where the witness keeps its state.
struct Followed<'a> {
    origin: &'a str,
    witness: &'a str,
    state: &'a Path,
}

impl Followed<'_> {
    fn cosigned(
        &self,
        ctx: &Ctx,
        checkpoint: &SignedCheckpoint,
        cosignature: &Cosignature,
        entries_checked: u64,
        counts: &RecheckCounts,
    ) {
        let Self {
            origin,
            witness,
            state,
        } = self;
        let line = String::from_utf8_lossy(&cosignature.line)
            .trim_end()
            .to_owned();
        let note = String::from_utf8_lossy(checkpoint.to_bytes()).into_owned();
        let withheld = if counts.withheld_form_checked > 0 {
            "\nWithheld details: an asset_included proof's id_hash, min_value and proof stay \
             off the public ledger, so without its disclosure (--disclosures) the proof's form \
             is checked, not the proof.\n"
        } else {
            "\n"
        };
        let text = format!(
            "COSIGNED  {origin} at size {} ({entries_checked} new entries checked; {}){withheld}\
             Cosignature by {witness} (cosignature/v1, time {}):\n{line}\n\
             Cosigned checkpoint:\n{}\n\
             State: {}",
            checkpoint.size(),
            summary(counts),
            cosignature.time,
            note.trim_end(),
            state.display()
        );
        ctx.emit(
            &text,
            json!({
                "outcome": "cosigned",
                "origin": origin,
                "size": checkpoint.size(),
                "root": checkpoint.root().to_string(),
                "entries_checked": entries_checked,
                "proofs_reverified": counts.reverified,
                "proofs_reverified_from_disclosure": counts.from_disclosure,
                "withheld_form_checked": counts.withheld_form_checked,
                "proofs_form_checked_only": counts.form_checked_only,
                "witness": witness,
                "cosignature": line,
                "checkpoint": note,
                "state": state,
            }),
        );
    }
}

fn refused(ctx: &Ctx, origin: &str, state: &Path, e: &WitnessError) {
    match e {
        WitnessError::SplitView {
            accepted, offered, ..
        } => {
            eoutln!("{e}");
            eoutln!(
                "Nothing was cosigned; the witness state {} still holds the accepted checkpoint.",
                state.display()
            );
            if ctx.json {
                ctx.emit(
                    "",
                    json!({
                        "outcome": "split_view",
                        "origin": origin,
                        "accepted": accepted,
                        "offered": offered,
                    }),
                );
            }
        }
        other => {
            eoutln!(
                "REFUSED  {origin}: {other}\nNothing was cosigned; the witness state {} is unchanged.",
                state.display()
            );
            if ctx.json {
                ctx.emit(
                    "",
                    json!({ "outcome": "refused", "origin": origin, "error": other.to_string() }),
                );
            }
        }
    }
}
