//! `probity witness`: follow a log one step. Check that its latest checkpoint is consistent
//! with the last one this witness accepted, check every new entry (and, with `--params`,
//! re-verify every accepted proof; with `--disclosures`, the withheld ones too), then cosign; or
//! refuse loudly.
//!
//! Exit codes: 0 cosigned (or nothing new), 1 refused (a split view, or an entry that does not
//! check out), 2 could not run (unreachable log, bad key file, …).

use std::{
    cell::{Cell, RefCell},
    collections::HashMap,
    path::{Path, PathBuf},
    process::ExitCode,
};

use anyhow::Context as _;
use clap::Args;
use probity_client::api;
use probity_core::{Capacity, StatementKind};
use probity_ledger::{
    CheckpointSigner, Disclosure, Entry, EntryBody, ProofAccepted, ProofCheck, WithheldProof,
    Witness, WitnessError, WitnessOutcome,
};
use probity_params::{Params, MANIFEST_FILE};
use probity_verifier::{verify_envelope, StatementVerifyingKey};
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

/// What the witness does with each `ProofAccepted` entry, and what it counted.
struct Recheck {
    params: Option<Params>,
    /// The disclosures from `--disclosures`, by entry; decoded when their entry is checked.
    disclosures: HashMap<u64, api::DisclosureView>,
    keys: RefCell<HashMap<(StatementKind, Capacity), StatementVerifyingKey>>,
    /// Proofs re-verified with a verifying key.
    verified: Cell<u64>,
    /// Of the proofs re-verified, those rebuilt from their disclosure.
    disclosed: Cell<u64>,
    /// `asset_included` proofs whose details are withheld and not disclosed: checked for form
    /// only.
    withheld: Cell<u64>,
    /// Proofs checked for form only, without `--params`.
    form_only: Cell<u64>,
}

impl Recheck {
    fn new(params: Option<Params>, disclosures: Vec<api::DisclosureView>) -> Self {
        Self {
            params,
            disclosures: disclosures.into_iter().map(|d| (d.entry, d)).collect(),
            keys: RefCell::new(HashMap::new()),
            verified: Cell::new(0),
            disclosed: Cell::new(0),
            withheld: Cell::new(0),
            form_only: Cell::new(0),
        }
    }

    fn key(
        &self,
        params: &Params,
        statement: StatementKind,
        capacity: Capacity,
    ) -> Result<StatementVerifyingKey, String> {
        if let Some(k) = self.keys.borrow().get(&(statement, capacity)) {
            return Ok(k.clone());
        }
        let entry = params
            .entry(statement, capacity)
            .map_err(|e| e.to_string())?;
        let key = StatementVerifyingKey::from_manifest_entry(entry).map_err(|e| e.to_string())?;
        self.keys
            .borrow_mut()
            .insert((statement, capacity), key.clone());
        Ok(key)
    }

    fn summary(&self) -> String {
        match self.params {
            Some(_) => format!(
                "{} proofs re-verified{}, {} withheld details form-checked",
                self.verified.get(),
                match self.disclosed.get() {
                    0 => String::new(),
                    n => format!(" ({n} from their disclosed details)"),
                },
                self.withheld.get()
            ),
            None => format!(
                "{} proofs form-checked only (pass --params DIR to re-verify them)",
                self.form_only.get()
            ),
        }
    }
}

impl ProofCheck for Recheck {
    fn observe(&self, _index: u64, entry: &Entry) -> Result<(), String> {
        if let (Some(params), EntryBody::ParamsPublished(published)) = (&self.params, &entry.body) {
            if published.manifest != *params.manifest() {
                return Err(format!(
                    "the params manifest it publishes differs from {} given with --params: pass --params the folder of the params this log published",
                    params.dir().join(MANIFEST_FILE).display()
                ));
            }
        }
        Ok(())
    }

    fn check(&self, index: u64, proof: &ProofAccepted) -> Result<(), String> {
        let disclosure = match (proof.withheld, self.disclosures.get(&index)) {
            (Some(_), Some(view)) => Some(withheld_proof(view)?),
            _ => None,
        };
        // A disclosure that does not open the public digest refuses the entry: whoever serves
        // it shows supervisors details other than the ones the log committed to.
        let envelope = match (proof.withheld, &disclosure) {
            (Some(_), None) => None,
            _ => Some(
                proof
                    .to_envelope(disclosure.as_ref())
                    .map_err(|e| e.to_string())?,
            ),
        };
        let (Some(params), Some(envelope)) = (&self.params, envelope) else {
            let counted = if self.params.is_some() {
                &self.withheld
            } else {
                &self.form_only
            };
            counted.set(counted.get() + 1);
            return Ok(());
        };
        let key = self.key(params, proof.statement, proof.capacity)?;
        verify_envelope(&key, &envelope).map_err(|e| {
            format!(
                "its {} proof about {} does not verify with the published verifying key ({e})",
                proof.statement, proof.official
            )
        })?;
        self.verified.set(self.verified.get() + 1);
        if disclosure.is_some() {
            self.disclosed.set(self.disclosed.get() + 1);
        }
        Ok(())
    }
}

/// A disclosure as the service serves it, decoded as what an `asset_included` proof withholds.
fn withheld_proof(view: &api::DisclosureView) -> Result<Disclosure<WithheldProof>, String> {
    serde_json::from_value(json!({ "salt": view.salt, "detail": view.detail })).map_err(|e| {
        format!("the disclosure given for it is not the disclosure of a withheld proof ({e})")
    })
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

/// Whether the witness refused the log (exit code 1), rather than failed to run.
fn is_refusal(e: &WitnessError) -> bool {
    match e {
        WitnessError::Stale { .. } | WitnessError::State { .. } => false,
        WitnessError::Source(t) => !t.is_unreachable(),
        _ => true,
    }
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
    let recheck = Recheck::new(params, disclosures);
    let witness = Witness::new(&state, log, key, &recheck);
    match witness.update(&*source) {
        Ok(WitnessOutcome::Cosigned {
            checkpoint,
            cosignature,
            entries_checked,
        }) => {
            let line = String::from_utf8_lossy(&cosignature.line)
                .trim_end()
                .to_owned();
            let note = String::from_utf8_lossy(checkpoint.to_bytes()).into_owned();
            let withheld = if recheck.withheld.get() > 0 {
                "\nWithheld details: an asset_included proof's id_hash, min_value and proof stay \
                 off the public ledger, so without its disclosure (--disclosures) the proof's form \
                 is checked, not the proof.\n"
            } else {
                "\n"
            };
            let text = format!(
                "COSIGNED  {origin} at size {} ({entries_checked} new entries checked; {}){withheld}\
                 Cosignature by {witness_name} (cosignature/v1, time {}):\n{line}\n\
                 Cosigned checkpoint:\n{}\n\
                 State: {}",
                checkpoint.size(),
                recheck.summary(),
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
                    "proofs_reverified": recheck.verified.get(),
                    "proofs_reverified_from_disclosure": recheck.disclosed.get(),
                    "withheld_form_checked": recheck.withheld.get(),
                    "proofs_form_checked_only": recheck.form_only.get(),
                    "witness": witness_name,
                    "cosignature": line,
                    "checkpoint": note,
                    "state": state,
                }),
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
