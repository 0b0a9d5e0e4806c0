//! `probity supervisor`: verify proofs, and, with a service, everything a supervisor does:
//! re-verify an official's filings against the ledger, challenge an official on an asset,
//! read and answer tips, read alerts, audit the log.
//!
//! A supervisor trusts the ledger's signed checkpoints and the published verifying keys, not
//! the service's word (DESIGN.md §1). So `verify --official` reads the whole log up to a
//! checkpoint verified with the pinned log key (and consistent with the last one this machine
//! accepted), recomputes its root from the entries, takes the verifying keys from the log's
//! own `ParamsPublished` entry, and re-verifies every proof locally; `tips` checks each
//! sealed tip against its `TipReceived` entry before opening it.
//!
//! Exit codes of `verify` and `audit`: 0 everything verifies, 1 something does not (a proof,
//! a signature, the log's consistency, a log key other than the pinned one), 2 the command
//! could not run (no key, service unreachable, bad arguments).

use std::{
    collections::{HashMap, HashSet},
    path::{Path, PathBuf},
    process::ExitCode,
};

use anyhow::{bail, Context as _};
use base64::Engine as _;
use clap::{Args, Subcommand};
use probity_client::{api, Auditor, Connection, Untrusted};
use probity_core::{
    format_minor_units, AssetId, Capacity, IdHash, OfficialId, ParamsManifest, Period,
    ProofEnvelope, PublicInputs, StatementKind,
};
use probity_credentials::{Epoch, SealedTip, Subject, TipContext, TipSecretKey};
use probity_ledger::{
    ChallengeDetail, ChallengeId, Disclosure, Entry, EntryBody, EntryRules, SignedCheckpoint,
};
use probity_params::Params;
use probity_verifier::{verify_envelope, EnvelopeVerifyError, StatementVerifyingKey};
use serde_json::json;

use super::{
    admin::{entry_indices, list},
    read_envelope,
    remote::{self, KeyRole},
    Ctx,
};

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Verify a proof file, or (with --official) everything an official filed, against the
    /// ledger; exit code 0 only if everything verifies.
    Verify(VerifyOpts),
    /// Make this supervisor's signing key; print the public key for the registrar.
    Init,
    /// Make the supervisors' tip key pair here: the secret half stays on this machine (to be
    /// shared among supervisors only), the public half is printed for the service's operator.
    TipKeygen,
    /// Ask an official to prove that an asset (found in a registry or named in a tip) is in
    /// their declaration.
    Challenge(ChallengeOpts),
    /// List every challenge and its status.
    Challenges,
    /// Read the tips: fetch the sealed tips, check each against its ledger entry, open them
    /// with the supervisors' tip key; exit code 1 if one does not check out or open.
    Tips(TipsOpts),
    /// Reply to a tip (the whistleblower reads the reply with their receipt code).
    Reply(ReplyOpts),
    /// List the alerts the service's rules raised.
    Alerts,
    /// Check the log: its latest checkpoint against the pinned log key and the last one seen,
    /// and with --full every entry and tile; exit code 0 only if it checks out.
    Audit(AuditOpts),
}

#[derive(Debug, Args)]
pub(crate) struct VerifyOpts {
    /// A proof file to verify with the local params (leave out with --official).
    #[arg(required_unless_present = "official", conflicts_with = "official")]
    proof: Option<PathBuf>,
    /// Verify everything this official filed, against the ledger of the service.
    #[arg(long, value_parser = OfficialId::new, value_name = "ID")]
    official: Option<OfficialId>,
    /// Only this period's filings and proofs (with --official).
    #[arg(long, value_parser = remote::parse_period, requires = "official")]
    period: Option<Period>,
    /// Params folder whose manifest holds the verifying keys (for a proof file)
    /// [default: DATA_DIR/params].
    #[arg(long, value_name = "DIR", conflicts_with = "official")]
    params: Option<PathBuf>,
    /// Also check the proof file against an EVM chain: the chain's commitments must be the
    /// ledger's and the proof's, its anchored checkpoint must be the log's, and its verifier
    /// must accept the proof (by `eth_call`). Needs --registry and a build with
    /// `--features evm`.
    #[arg(
        long,
        value_name = "URL",
        requires = "registry",
        conflicts_with = "official"
    )]
    chain: Option<String>,
    /// The registry contract's address (with --chain).
    #[arg(long, value_name = "ADDR", requires = "chain")]
    registry: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct ChallengeOpts {
    /// The official.
    #[arg(long, value_parser = OfficialId::new, value_name = "ID")]
    official: OfficialId,
    /// The asset's registry identifier, as the registry writes it (it is hashed here; the
    /// service and the public ledger never see it).
    #[arg(long, value_name = "TEXT")]
    asset_id: String,
    /// The least value the asset must be declared at, in minor units.
    #[arg(long, value_name = "V")]
    min_value: u64,
    /// The deadline: YYYY-MM-DD (the end of that day, UTC) or an RFC 3339 time.
    #[arg(long, value_name = "DATE", value_parser = remote::parse_deadline)]
    due: u64,
    /// The period [default: the official's latest filed period].
    #[arg(long, value_parser = remote::parse_period)]
    period: Option<Period>,
}

#[derive(Debug, Args)]
pub(crate) struct TipsOpts {
    /// The supervisors' tip secret key, hex (`probity supervisor tip-keygen` makes it; a
    /// service with no configured tip key writes its own in its data folder, to hand over)
    /// [default: DATA_DIR/supervisor-tip.key].
    #[arg(long, value_name = "FILE")]
    tip_key: Option<PathBuf>,
    /// Save each tip's attachments under DIR/tip-ENTRY/.
    #[arg(long, value_name = "DIR")]
    save_attachments: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct ReplyOpts {
    /// The tip's ledger entry, as `probity supervisor tips` lists it.
    #[arg(long, value_name = "ENTRY")]
    tip: u64,
    /// The reply. The service's operator can read it too: put nothing confidential in it.
    #[arg(long, value_name = "TEXT")]
    message: String,
    /// Close the tip (logs TipClosed).
    #[arg(long)]
    close: bool,
}

#[derive(Debug, Args)]
pub(crate) struct AuditOpts {
    /// Also read every entry and tile of the log and recompute it (slow for a big log).
    #[arg(long)]
    full: bool,
}

pub(crate) fn run(ctx: &Ctx, cmd: Command) -> anyhow::Result<ExitCode> {
    match cmd {
        Command::Verify(VerifyOpts {
            official: Some(official),
            period,
            ..
        }) => verify_official(ctx, &official, period),
        Command::Verify(VerifyOpts {
            proof: Some(proof),
            params,
            chain,
            registry,
            ..
        }) => verify(ctx, &proof, params.as_deref(), chain.zip(registry)),
        Command::Verify(_) => bail!("give a proof file, or --official ID"),
        Command::Init => init(ctx),
        Command::TipKeygen => tip_keygen(ctx),
        Command::Challenge(opts) => challenge(ctx, opts),
        Command::Challenges => challenges(ctx),
        Command::Tips(opts) => tips(ctx, opts),
        Command::Reply(opts) => reply(ctx, opts),
        Command::Alerts => alerts(ctx),
        Command::Audit(opts) => audit(ctx, &opts),
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

fn verify(
    ctx: &Ctx,
    proof: &Path,
    params: Option<&Path>,
    chain: Option<(String, String)>,
) -> anyhow::Result<ExitCode> {
    let envelope = read_envelope(proof)?;
    let inputs = envelope.inputs()?;
    let key = key_for(&ctx.params_dir(params), &envelope)?;
    let result = verify_envelope(&key, &envelope);
    let valid = match &result {
        Ok(_) => true,
        Err(EnvelopeVerifyError::Failed(_)) => false,
        Err(e) => return Err(anyhow::anyhow!("{e}")),
    };
    let statement = format!("{}: {inputs}", envelope.official);
    if let Some((rpc, registry)) = chain {
        let what = format!("{statement} (on the chain)");
        return match check_on_chain(ctx, &rpc, &registry, &envelope, &inputs) {
            Ok(report) => {
                let verified = valid && report.failures.is_empty();
                let mut text = vec![if verified {
                    format!("VALID  {statement}\n  {} at capacity {}: verified here and on the chain, against the commitments the ledger and the chain hold", envelope.statement, envelope.capacity)
                } else if valid {
                    format!("NOT VERIFIED  {statement}\n  The proof verifies here, but not against the chain:")
                } else {
                    format!("INVALID  {statement}")
                }];
                if !valid {
                    text.push("  FAILED: the proof does not verify here".into());
                }
                text.extend(report.lines.iter().cloned());
                text.extend(report.failures.iter().map(|f| format!("  FAILED: {f}")));
                ctx.emit(
                    &text.join("\n"),
                    json!({
                        "valid": verified,
                        "verified_locally": valid,
                        "statement": envelope.statement,
                        "official": envelope.official,
                        "capacity": envelope.capacity,
                        "in_words": inputs.to_string(),
                        "chain": report.json,
                        "failures": report.failures,
                    }),
                );
                Ok(if verified {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::from(1)
                })
            }
            Err(e) => refuse_untrusted(ctx, &what, e),
        };
    }
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
        json!({
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

/// What `verify --chain` found.
struct ChainReport {
    lines: Vec<String>,
    failures: Vec<String>,
    json: serde_json::Value,
}

/// Holds a proof against the ledger (read under a checkpoint verified with the pinned log
/// key) and against the registry on a chain.
fn check_on_chain(
    ctx: &Ctx,
    rpc: &str,
    registry: &str,
    envelope: &ProofEnvelope,
    inputs: &PublicInputs,
) -> anyhow::Result<ChainReport> {
    let view = super::chain::read_chain(rpc, registry, envelope, inputs)?;
    let conn = ctx.connection();
    let log = remote::log_key(&conn)?;
    let checkpoint = conn.latest_checkpoint(&log)?;
    let entries = conn.entries_under(&checkpoint)?;

    // The official's latest filing per period, on the ledger.
    let mut filed: HashMap<Period, probity_core::Commitment> = HashMap::new();
    let mut tree = probity_ledger::MemoryTree::new();
    for (index, bytes) in entries.iter().enumerate() {
        tree.push(probity_ledger::leaf_hash(bytes));
        let entry = Entry::from_canonical_json(bytes)
            .with_context(|| format!("log entry {index} is not a valid entry"))?;
        if let EntryBody::DeclarationFiled(d) = entry.body {
            if d.official == envelope.official {
                filed.insert(d.period, d.commitment);
            }
        }
    }

    let mut lines = vec![format!("  on the chain, registry {registry}:")];
    let mut failures = Vec::new();
    let mut periods = Vec::new();
    for ((period, proved), (_, on_chain)) in
        inputs.named_commitments().iter().zip(&view.commitments)
    {
        let ledger = filed.get(period);
        let chain_ok = *on_chain == probity_verifier::evm_word(&proved.0);
        match ledger {
            Some(c) if c == proved => {}
            Some(c) => failures.push(format!(
                "the ledger's latest {period} filing of {} commits to {c}, not to the proof's {proved}",
                envelope.official
            )),
            None => failures.push(format!(
                "{} filed nothing for {period} on the ledger",
                envelope.official
            )),
        }
        if chain_ok {
            lines.push(format!(
                "    {period} commitment: the chain holds the proof's, {proved}"
            ));
        } else if *on_chain == [0u8; 32] {
            failures.push(format!(
                "the chain holds no commitment for {} {period}: it is not anchored yet, or this is another registry",
                envelope.official
            ));
        } else {
            failures.push(format!(
                "the chain holds another commitment for {} {period} (0x{}), not the proof's: it is not anchored yet, or chain and ledger disagree",
                envelope.official,
                hex::encode(on_chain)
            ));
        }
        periods.push(json!({
            "period": period,
            "proof": proved,
            "ledger": ledger,
            "chain": format!("0x{}", hex::encode(on_chain)),
        }));
    }

    let (anchored, root) = view.checkpoint;
    if anchored == 0 {
        failures.push("the chain holds no anchored checkpoint".into());
    } else if anchored > checkpoint.size() {
        failures.push(format!(
            "the chain anchors a tree of {anchored} entries, more than the log's {}: they are not the same log",
            checkpoint.size()
        ));
    } else if tree.root(anchored)?.0 == root {
        lines.push(format!(
            "    anchored checkpoint: the log's own root at size {anchored} (the log has {})",
            checkpoint.size()
        ));
    } else {
        failures.push(format!(
            "the chain's anchored root at size {anchored} is not the log's: they are not the same log"
        ));
    }

    match &view.verifier {
        Some((address, true)) => lines.push(format!("    verifier {address}: accepts the proof")),
        Some((address, false)) => {
            failures.push(format!("the chain's verifier {address} rejects the proof"))
        }
        None => failures.push(format!(
            "the registry has no verifier for {} at capacity {}",
            envelope.statement, envelope.capacity
        )),
    }
    if view.registry_accepts {
        lines
            .push("    registry check: the proof names the filed commitments, and verifies".into());
    } else {
        failures.push("the registry's own check refuses the proof".into());
    }
    let json = json!({
        "registry": registry,
        "commitments": periods,
        "anchored": { "size": anchored, "root": format!("0x{}", hex::encode(root)) },
        "verifier": view.verifier.as_ref().map(|(a, ok)| json!({ "address": a, "accepts": ok })),
        "registry_accepts": view.registry_accepts,
    });
    Ok(ChainReport {
        lines,
        failures,
        json,
    })
}

fn init(ctx: &Ctx) -> anyhow::Result<ExitCode> {
    let key = remote::make_key(ctx, KeyRole::Supervisor)?;
    let public = hex::encode(key.verifying_key().as_bytes());
    let path = ctx.key_path(KeyRole::Supervisor);
    ctx.emit(
        &format!(
            "Made the supervisor key at {} (secret: keep it there, mode 0600).\n\
             Public key: {public}\n\
             Give the public key to the registrar (`probity admin register-supervisor --public-key {public} …`).",
            path.display()
        ),
        json!({ "public_key": public, "key_file": path }),
    );
    Ok(ExitCode::SUCCESS)
}

fn tip_keygen(ctx: &Ctx) -> anyhow::Result<ExitCode> {
    let path = ctx
        .data_dir
        .join(probity_service::files::SUPERVISOR_TIP_KEY);
    if path.exists() {
        bail!(
            "{} already holds a tip key: a new key would leave every tip sealed to the old one unreadable (move it away first to replace it on purpose)",
            path.display()
        );
    }
    let secret = TipSecretKey::generate(&mut rand::rngs::OsRng);
    remote::write_new_secret(&path, hex::encode(*secret.to_bytes()).as_bytes())?;
    let public = hex::encode(secret.public_key().to_bytes());
    ctx.emit(
        &format!(
            "Made the supervisors' tip key pair; the secret half is at {} (mode 0600): share it with the other supervisors only, never with the service.\n\
             Public key: {public}\n\
             Give the public key to the service's operator, to set as `tip_public_key` (or PROBITY_TIP_PUBLIC_KEY) before the service first starts.",
            path.display()
        ),
        json!({ "tip_public_key": public, "key_file": path }),
    );
    Ok(ExitCode::SUCCESS)
}

/// Prints why nothing can be trusted, and returns exit code 1; other errors pass through.
fn refuse_untrusted(ctx: &Ctx, what: &str, e: anyhow::Error) -> anyhow::Result<ExitCode> {
    if !remote::is_untrusted(&e) {
        return Err(e);
    }
    let reason = format!("{e:#}");
    if ctx.json {
        ctx.emit(
            "",
            json!({ "verified": false, "what": what, "failures": [reason] }),
        );
    }
    eoutln!("NOT VERIFIED  {what}: {reason}");
    Ok(ExitCode::from(1))
}

/// A disclosure served by the service, decoded for type `T`.
fn disclosure<T: serde::de::DeserializeOwned>(
    view: &api::DisclosureView,
) -> anyhow::Result<Disclosure<T>> {
    serde_json::from_value(json!({ "salt": view.salt, "detail": view.detail }))
        .context("the service's disclosure is malformed")
}

/// One `ProofAccepted` of the official, as re-verified here.
struct CheckedProof {
    entry: u64,
    statement: StatementKind,
    periods: Vec<Period>,
    in_words: Option<String>,
    /// `asset_included`: the disclosed id_hash and least value.
    asset: Option<(IdHash, u64)>,
    /// The filing the proof is about: its last period and that period's commitment.
    ends_at: Option<(Period, probity_core::Commitment)>,
    problems: Vec<String>,
}

/// One `DeclarationFiled` of the official.
struct Filed {
    entry: u64,
    period: Period,
    capacity: Capacity,
    commitment: probity_core::Commitment,
    problem: Option<String>,
}

/// What `verify --official` found.
#[derive(Default)]
struct Findings {
    lines: Vec<String>,
    failures: Vec<String>,
    warnings: Vec<String>,
    filings: Vec<serde_json::Value>,
    proofs: Vec<serde_json::Value>,
    challenges: Vec<serde_json::Value>,
}

impl Findings {
    fn fail(&mut self, what: String) {
        self.failures.push(what);
    }
}

fn verify_official(
    ctx: &Ctx,
    official: &OfficialId,
    period: Option<Period>,
) -> anyhow::Result<ExitCode> {
    let conn = ctx.signed_connection(KeyRole::Supervisor)?;
    let what = match period {
        Some(p) => format!("{official} {p}"),
        None => official.to_string(),
    };
    match check_official(&conn, official, period) {
        Ok((checkpoint, record, findings)) => {
            let verified = findings.failures.is_empty();
            let head = if verified {
                format!(
                    "VERIFIED  {what}: every filing and proof checks out against the log (checkpoint size {}, verified with the pinned log key)",
                    checkpoint.size()
                )
            } else {
                format!(
                    "NOT VERIFIED  {what}: {} problem(s), against the log at checkpoint size {}",
                    findings.failures.len(),
                    checkpoint.size()
                )
            };
            let mut text = vec![
                head,
                format!(
                    "  {} ({}, {}), registered at entry {}",
                    record.official.name,
                    record.official.position,
                    record.official.jurisdiction,
                    record.official.entry
                ),
            ];
            text.extend(findings.lines.iter().cloned());
            text.extend(findings.failures.iter().map(|f| format!("  FAILED: {f}")));
            text.extend(findings.warnings.iter().map(|w| format!("  note: {w}")));
            ctx.emit(
                &text.join("\n"),
                json!({
                    "verified": verified,
                    "official": official,
                    "period": period,
                    "checkpoint": { "size": checkpoint.size(), "root": checkpoint.root().to_string() },
                    "filings": findings.filings,
                    "proofs": findings.proofs,
                    "challenges": findings.challenges,
                    "failures": findings.failures,
                    "warnings": findings.warnings,
                }),
            );
            Ok(if verified {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Err(e) => refuse_untrusted(ctx, &what, e),
    }
}

/// Reads the log and re-verifies everything about `official` (in `period`, if given).
fn check_official(
    conn: &Connection,
    official: &OfficialId,
    period: Option<Period>,
) -> anyhow::Result<(SignedCheckpoint, api::OfficialRecord, Findings)> {
    let client = conn.client();
    let log = remote::log_key(conn)?;
    // The checkpoint first: the record and the disclosures read after it cover every entry
    // it signs (anything newer in them is left out below).
    let checkpoint = conn.latest_checkpoint(&log)?;
    let size = checkpoint.size();
    let record: api::OfficialRecord = match client.get(&format!("/v1/officials/{official}")) {
        Ok(r) => r,
        Err(e) if e.status() == Some(404) => bail!("`{official}` is not registered"),
        Err(e) => return Err(e).context("cannot read the official's record"),
    };
    let disclosures: Vec<api::DisclosureView> = client
        .get("/v1/supervisor/disclosures")
        .context("cannot read the disclosures (only registered supervisors may)")?;
    let entries = conn.entries_under(&checkpoint)?;
    let disclosures: HashMap<u64, &api::DisclosureView> =
        disclosures.iter().map(|d| (d.entry, d)).collect();
    let in_period = |periods: &[Period]| !matches!(period, Some(p) if !periods.contains(&p));

    let mut f = Findings::default();
    let mut rules = EntryRules::new();
    let mut manifest: Option<(u64, ParamsManifest)> = None;
    let mut keys: HashMap<(u64, StatementKind, Capacity), StatementVerifyingKey> = HashMap::new();
    let mut registered: Option<(u64, String)> = None;
    let mut filed: Vec<Filed> = Vec::new();
    let mut proofs: Vec<CheckedProof> = Vec::new();
    let mut all_filings = HashSet::new();
    let mut all_proofs = HashSet::new();
    let mut asked: HashMap<ChallengeId, (u64, Period, Option<ChallengeDetail>)> = HashMap::new();
    let mut answers = Vec::new();
    for (index, bytes) in (0u64..).zip(&entries) {
        let entry = match Entry::from_canonical_json(bytes) {
            Ok(e) => e,
            Err(e) => {
                f.fail(format!("log entry {index} is not a valid entry: {e}"));
                continue;
            }
        };
        let rule = rules.check(index, &entry);
        match &entry.body {
            EntryBody::ParamsPublished(p) => manifest = Some((index, p.manifest.clone())),
            EntryBody::OfficialRegistered(r) if &r.official == official => {
                registered = Some((index, r.public_key.to_hex()));
            }
            EntryBody::DeclarationFiled(d) if &d.official == official => {
                all_filings.insert((index, d.period, d.commitment));
                if in_period(&[d.period]) {
                    filed.push(Filed {
                        entry: index,
                        period: d.period,
                        capacity: d.capacity,
                        commitment: d.commitment,
                        problem: rule.err(),
                    });
                }
            }
            EntryBody::ProofAccepted(p) if &p.official == official => {
                all_proofs.insert(index);
                if !in_period(&p.periods) {
                    continue;
                }
                let mut checked = CheckedProof {
                    entry: index,
                    statement: p.statement,
                    periods: p.periods.clone(),
                    in_words: None,
                    asset: None,
                    ends_at: p.named_commitments().ok().and_then(|c| c.last().copied()),
                    problems: rule.err().into_iter().collect(),
                };
                let withheld = match (p.withheld, disclosures.get(&index)) {
                    (None, _) => Ok(None),
                    (Some(_), Some(view)) => disclosure(view).map(Some),
                    (Some(_), None) => Err(anyhow::anyhow!(
                        "the service disclosed nothing for it (its id_hash, min_value and proof are withheld), so it cannot be re-verified"
                    )),
                };
                let envelope = withheld.and_then(|d| {
                    p.to_envelope(d.as_ref())
                        .context("the entry and its disclosure do not rebuild a proof")
                });
                let key = manifest
                    .as_ref()
                    .context("no ParamsPublished entry comes before it: there is no published verifying key to check it with")
                    .and_then(|(at, m)| {
                        if let Some(k) = keys.get(&(*at, p.statement, p.capacity)) {
                            return Ok(k.clone());
                        }
                        let e = m.entry(p.statement, p.capacity).with_context(|| {
                            format!("the published params (entry {at}) have no key for {} at capacity {}", p.statement, p.capacity)
                        })?;
                        let k = StatementVerifyingKey::from_manifest_entry(e)?;
                        keys.insert((*at, p.statement, p.capacity), k.clone());
                        Ok(k)
                    });
                match (envelope, key) {
                    (Ok(envelope), Ok(key)) => match verify_envelope(&key, &envelope) {
                        Ok(inputs) => {
                            if let PublicInputs::AssetIncluded(a) = &inputs {
                                checked.asset = Some((a.id_hash, a.min_value.0));
                            }
                            checked.in_words = Some(inputs.to_string());
                        }
                        Err(e) => checked.problems.push(format!(
                            "it does NOT verify with the verifying key the ledger published ({e})"
                        )),
                    },
                    (Err(e), _) | (_, Err(e)) => checked.problems.push(format!("{e:#}")),
                }
                proofs.push(checked);
            }
            EntryBody::ChallengeIssued(c) if &c.official == official => {
                let detail = disclosures
                    .get(&index)
                    .and_then(|v| disclosure::<ChallengeDetail>(v).ok())
                    .filter(|d| d.matches(&c.detail))
                    .map(|d| d.detail);
                asked.insert(c.challenge, (index, c.period, detail));
            }
            EntryBody::ChallengeAnswered(a) => {
                let Some((issued, asked_period, detail)) = asked.get(&a.challenge) else {
                    continue;
                };
                if !in_period(&[*asked_period]) {
                    continue;
                }
                let answer = proofs
                    .iter()
                    .find(|p| p.entry == a.proof_entry.get())
                    .and_then(|p| p.asset);
                let ok = match (detail, answer) {
                    (None, _) => Err("the service disclosed no matching details for the challenge"),
                    (_, None) => Err("its answer is not a verified asset_included proof of this official"),
                    (Some(d), Some((id_hash, min))) if d.id_hash == id_hash && min >= d.min_value.0 => Ok(()),
                    _ => Err("the answer proves another asset, or a lower value, than the challenge asked"),
                };
                match ok {
                    Ok(()) => answers.push(format!(
                        "  challenge {} (entry {issued}) answered at entry {}: the asset and least value asked",
                        a.challenge,
                        a.proof_entry.get()
                    )),
                    Err(why) => f.fail(format!(
                        "challenge {} (entry {issued}), answered at entry {index}: {why}",
                        a.challenge
                    )),
                }
                f.challenges.push(json!({
                    "challenge": a.challenge,
                    "entry": issued,
                    "answered_by": a.proof_entry.get(),
                    "ok": ok.is_ok(),
                }));
            }
            _ => {}
        }
    }

    // The service's record against the ledger.
    match &registered {
        _ if record.official.entry >= size => {} // re-registered after the checkpoint
        Some((at, key)) if *at == record.official.entry && *key == record.official.public_key => {}
        Some((at, _)) => f.fail(format!(
            "the service's record names registration entry {} and key {}, but the latest registration on the ledger is entry {at}",
            record.official.entry, record.official.public_key
        )),
        None => f.fail(format!("the ledger holds no registration of {official}")),
    }
    let listed: HashSet<_> = record
        .filings
        .iter()
        .filter(|x| x.entry < size)
        .map(|x| (x.entry, x.period, x.commitment))
        .collect();
    if listed != all_filings {
        f.fail(
            "the service's record of filings differs from the DeclarationFiled entries on the ledger"
                .to_owned(),
        );
    }
    let listed: HashSet<_> = record
        .proofs
        .iter()
        .map(|x| x.entry)
        .filter(|e| *e < size)
        .collect();
    if listed != all_proofs {
        f.fail(
            "the service's record of accepted proofs differs from the ProofAccepted entries on the ledger"
                .to_owned(),
        );
    }
    match &manifest {
        Some((at, m)) if m.setup == "dev" => f.warnings.push(format!(
            "the verifying keys (ParamsPublished, entry {at}) are development keys: whoever made them can forge proofs"
        )),
        _ => {}
    }

    // One block per filing, in log order, with the proofs that end at its commitment; then
    // any proof whose filing is outside the period asked for.
    let latest: HashMap<Period, u64> = filed.iter().map(|x| (x.period, x.entry)).collect();
    let proof_line = |p: &CheckedProof| {
        let periods = p
            .periods
            .iter()
            .map(Period::to_string)
            .collect::<Vec<_>>()
            .join("→");
        format!(
            "        entry {} {} ({periods}) {}{}",
            p.entry,
            p.statement,
            if p.problems.is_empty() {
                "VALID"
            } else {
                "FAILED"
            },
            p.in_words
                .as_deref()
                .map(|w| format!(": {w}"))
                .unwrap_or_default()
        )
    };
    let mut shown = HashSet::new();
    for x in &filed {
        let superseded = latest.get(&x.period) != Some(&x.entry);
        f.lines.push(format!(
            "  {}  filed at entry {} (capacity {}): {}{}\n        commitment {}",
            x.period,
            x.entry,
            x.capacity,
            match &x.problem {
                None => "signature OK",
                Some(_) => "REJECTED",
            },
            if superseded {
                " (replaced by a later amendment)"
            } else {
                ""
            },
            x.commitment,
        ));
        if let Some(why) = &x.problem {
            f.fail(format!("filing at entry {}: {why}", x.entry));
        }
        f.filings.push(json!({
            "entry": x.entry,
            "period": x.period,
            "capacity": x.capacity,
            "commitment": x.commitment,
            "valid": x.problem.is_none(),
            "superseded": superseded,
        }));
        let mine: Vec<&CheckedProof> = proofs
            .iter()
            .filter(|p| p.ends_at == Some((x.period, x.commitment)))
            .collect();
        for p in &mine {
            shown.insert(p.entry);
            f.lines.push(proof_line(p));
        }
        if !superseded {
            let has = |kind: StatementKind| {
                mine.iter()
                    .any(|p| p.statement == kind && p.problems.is_empty())
            };
            if !has(StatementKind::NetWorthRange) {
                f.warnings.push(format!(
                    "no verified net_worth_range proof for the {} filing",
                    x.period
                ));
            }
            let earlier = all_filings.iter().any(|(_, p, _)| *p < x.period);
            if earlier && !has(StatementKind::WealthGrowth) {
                f.warnings.push(format!(
                    "no wealth_growth proof ends at the {} filing: growth since the previous filing is not shown to be explained by income",
                    x.period
                ));
            }
        }
    }
    let others: Vec<&CheckedProof> = proofs
        .iter()
        .filter(|p| !shown.contains(&p.entry))
        .collect();
    if !others.is_empty() {
        f.lines
            .push("  proofs about other periods' filings:".to_owned());
        f.lines.extend(others.iter().map(|p| proof_line(p)));
    }
    f.lines.extend(answers);
    for p in &proofs {
        for why in &p.problems {
            f.fail(format!("{} proof at entry {}: {why}", p.statement, p.entry));
        }
        f.proofs.push(json!({
            "entry": p.entry,
            "statement": p.statement,
            "periods": p.periods,
            "valid": p.problems.is_empty(),
            "in_words": p.in_words,
            "problems": p.problems,
        }));
    }
    if filed.is_empty() {
        f.lines.push(match period {
            Some(p) => format!("  nothing filed for {p}"),
            None => "  nothing filed yet".to_owned(),
        });
    }
    Ok((checkpoint, record, f))
}

fn challenge(ctx: &Ctx, opts: ChallengeOpts) -> anyhow::Result<ExitCode> {
    let id_hash = AssetId(opts.asset_id.clone()).id_hash();
    if id_hash == AssetId::default().id_hash() {
        // DESIGN.md §4: an id that normalizes to nothing has id_hash 0, "no identifier"; no
        // proof can answer a challenge on it, and the service refuses one.
        bail!(
            "--asset-id `{}` is empty once white space is removed, so it names no asset (id_hash 0 means \"no identifier\"): give the registry identifier; nothing was sent",
            opts.asset_id.escape_debug()
        );
    }
    let conn = ctx.signed_connection(KeyRole::Supervisor)?;
    let created: api::ChallengeCreated = conn
        .client()
        .post(
            "/v1/challenges",
            &api::IssueChallenge {
                official: opts.official.clone(),
                period: opts.period,
                id_hash: id_hash.to_string(),
                min_value: opts.min_value,
                deadline: opts.due,
            },
        )
        .with_context(|| format!("cannot challenge {}", opts.official))?;
    remote::keep_receipts(&conn, &created.receipts)?;
    let entries = entry_indices(&created.receipts);
    ctx.emit(
        &format!(
            "Challenge {} (ledger entry {}): {} must prove by {} that the {} declaration includes the asset {} (id_hash {id_hash}) at a value of at least {}.\n\
             The public ledger shows only salted digests of the asset and value, in the challenge and in its answer (whose proof is withheld too); supervisors read the details at /v1/supervisor/disclosures.",
            created.challenge,
            list(&entries),
            opts.official,
            remote::format_ms(opts.due),
            created.period,
            opts.asset_id,
            format_minor_units(opts.min_value.into())
        ),
        json!({
            "challenge": created.challenge,
            "official": opts.official,
            "period": created.period,
            "id_hash": id_hash.to_string(),
            "min_value": opts.min_value,
            "deadline": opts.due,
            "entries": entries,
        }),
    );
    Ok(ExitCode::SUCCESS)
}

fn challenges(ctx: &Ctx) -> anyhow::Result<ExitCode> {
    let conn = ctx.signed_connection(KeyRole::Supervisor)?;
    let all: Vec<api::ChallengeView> = conn
        .client()
        .get("/v1/supervisor/challenges")
        .context("cannot list the challenges")?;
    let text = if all.is_empty() {
        "No challenges yet.".to_owned()
    } else {
        all.iter()
            .map(|c| {
                format!(
                    "{}  {} {}  {}{}  due {}  asked by {}  least value {}  (entry {})",
                    c.challenge,
                    c.official,
                    c.period,
                    c.status,
                    c.answer
                        .map(|a| format!(" at entry {a}"))
                        .unwrap_or_default(),
                    remote::format_ms(c.deadline),
                    c.supervisor.as_str(),
                    format_minor_units(c.min_value.into()),
                    c.entry
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    ctx.emit(&text, serde_json::to_value(&all)?);
    Ok(ExitCode::SUCCESS)
}

/// Reads the supervisors' tip secret key file (hex).
fn read_tip_key(path: &Path) -> anyhow::Result<TipSecretKey> {
    let text = std::fs::read_to_string(path).with_context(|| {
        format!(
            "no tip key at {}: make the supervisors' key pair with `probity supervisor tip-keygen` (before the service first starts), or copy the key there (a service that made its own writes `supervisor-tip.key` in its data folder), or pass --tip-key FILE",
            path.display()
        )
    })?;
    hex::decode(text.trim())
        .ok()
        .and_then(|b| TipSecretKey::from_bytes(&b).ok())
        .with_context(|| {
            format!(
                "{} is not a tip secret key (64 hex characters)",
                path.display()
            )
        })
}

/// A file name for an attachment that stays inside its folder.
fn safe_name(name: &str, n: usize) -> String {
    match Path::new(name).file_name().and_then(|s| s.to_str()) {
        Some(s) if !s.starts_with('.') && !s.is_empty() => s.to_owned(),
        _ => format!("attachment-{n}"),
    }
}

fn tips(ctx: &Ctx, opts: TipsOpts) -> anyhow::Result<ExitCode> {
    let key_path = opts.tip_key.clone().unwrap_or_else(|| {
        ctx.data_dir
            .join(probity_service::files::SUPERVISOR_TIP_KEY)
    });
    let secret = read_tip_key(&key_path)?;
    let conn = ctx.signed_connection(KeyRole::Supervisor)?;
    let log = remote::log_key(&conn)?;
    let views: Vec<api::SealedTipView> = conn
        .client()
        .get("/v1/supervisor/tips")
        .context("cannot read the tips")?;
    let checkpoint = conn.latest_checkpoint(&log)?;
    let mut blocks = Vec::new();
    let mut rows = Vec::new();
    let mut problems = 0usize;
    for v in &views {
        let opened = open_tip(&conn, &checkpoint, &secret, v);
        let replies: Vec<String> = v
            .replies
            .iter()
            .map(|r| format!("    reply {}: {}", r.day, r.message))
            .collect();
        match opened {
            Ok(body) => {
                let mut saved = Vec::new();
                if let Some(dir) = &opts.save_attachments {
                    let dir = dir.join(format!("tip-{}", v.entry));
                    for (n, a) in body.attachments().iter().enumerate() {
                        std::fs::create_dir_all(&dir)
                            .with_context(|| format!("cannot create {}", dir.display()))?;
                        let path = dir.join(safe_name(a.name(), n + 1));
                        std::fs::write(&path, a.data())
                            .with_context(|| format!("cannot write {}", path.display()))?;
                        saved.push(path);
                    }
                }
                let attachments: Vec<String> = body
                    .attachments()
                    .iter()
                    .map(|a| {
                        format!(
                            "{} ({}, {} bytes)",
                            a.name(),
                            a.media_type(),
                            a.data().len()
                        )
                    })
                    .collect();
                let mut block = vec![
                    format!(
                        "Tip at entry {} about {}, epoch {} ({})",
                        v.entry, v.subject, v.epoch, v.status
                    ),
                    body.text()
                        .lines()
                        .map(|l| format!("    | {l}"))
                        .collect::<Vec<_>>()
                        .join("\n"),
                ];
                if !attachments.is_empty() {
                    block.push(format!("    attachments: {}", attachments.join(", ")));
                }
                block.extend(replies);
                blocks.push(block.join("\n"));
                rows.push(json!({
                    "entry": v.entry,
                    "subject": v.subject,
                    "epoch": v.epoch,
                    "status": v.status,
                    "text": body.text(),
                    "attachments": body.attachments().iter().map(|a| json!({
                        "name": a.name(), "media_type": a.media_type(), "size": a.data().len()
                    })).collect::<Vec<_>>(),
                    "saved": saved,
                    "replies": v.replies,
                }));
            }
            Err(e) => {
                problems += 1;
                blocks.push(format!(
                    "Tip at entry {} about {}, epoch {}: NOT READ: {e:#}",
                    v.entry, v.subject, v.epoch
                ));
                rows.push(json!({
                    "entry": v.entry,
                    "subject": v.subject,
                    "epoch": v.epoch,
                    "status": v.status,
                    "error": format!("{e:#}"),
                }));
            }
        }
    }
    let text = if blocks.is_empty() {
        "No tips yet.".to_owned()
    } else {
        format!(
            "{}\nReply with `probity supervisor reply --tip ENTRY --message TEXT [--close]`.",
            blocks.join("\n\n")
        )
    };
    ctx.emit(&text, json!(rows));
    Ok(if problems == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Checks a sealed tip against its `TipReceived` entry (inclusion proved against
/// `checkpoint`), then opens it.
fn open_tip(
    conn: &Connection,
    checkpoint: &SignedCheckpoint,
    secret: &TipSecretKey,
    view: &api::SealedTipView,
) -> anyhow::Result<probity_credentials::TipBody> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(&view.sealed)
        .context("the sealed tip is not base64")?;
    let sealed = SealedTip::from_bytes(&bytes).context("the sealed tip is malformed")?;
    let entry = conn.proved_entry(checkpoint, view.entry)?;
    match entry.body {
        EntryBody::TipReceived(t)
            if t.sealed_tip_sha256.0 == sealed.digest().0 && t.epoch == view.epoch => {}
        _ => {
            return Err(Untrusted(format!(
                "the sealed tip served is not the one logged at entry {}: it was altered or substituted",
                view.entry
            ))
            .into())
        }
    }
    let subject = Subject::new(&view.subject).context("the tip's subject is not a valid id")?;
    probity_credentials::open(
        secret,
        &TipContext::new(subject, Epoch(view.epoch)),
        &sealed,
    )
    .context("it does not open with this tip key (a wrong key, or a tip sealed for another subject or epoch)")
}

fn reply(ctx: &Ctx, opts: ReplyOpts) -> anyhow::Result<ExitCode> {
    let conn = ctx.signed_connection(KeyRole::Supervisor)?;
    let written: api::Written = conn
        .client()
        .post(
            &format!("/v1/supervisor/tips/{}/reply", opts.tip),
            &api::ReplyToTip {
                message: opts.message.clone(),
                close: opts.close,
            },
        )
        .with_context(|| format!("cannot reply to the tip at entry {}", opts.tip))?;
    if !written.receipts.is_empty() {
        remote::keep_receipts(&conn, &written.receipts)?;
    }
    let entries = entry_indices(&written.receipts);
    ctx.emit(
        &format!(
            "Replied to the tip at entry {}{}. The whistleblower reads it with their receipt code.",
            opts.tip,
            if opts.close {
                format!(
                    " and closed it (TipClosed at ledger entry {})",
                    list(&entries)
                )
            } else {
                String::new()
            }
        ),
        json!({ "tip": opts.tip, "closed": opts.close, "entries": entries }),
    );
    Ok(ExitCode::SUCCESS)
}

fn alerts(ctx: &Ctx) -> anyhow::Result<ExitCode> {
    let conn = ctx.signed_connection(KeyRole::Supervisor)?;
    let all: Vec<api::AlertView> = conn
        .client()
        .get("/v1/supervisor/alerts")
        .context("cannot read the alerts")?;
    let text = if all.is_empty() {
        "No alerts.".to_owned()
    } else {
        all.iter()
            .map(|a| {
                format!(
                    "entry {}  {}  {}  {}{}: {}",
                    a.entry,
                    remote::format_ms(a.time),
                    a.rule,
                    a.detail.official,
                    a.detail.period.map(|p| format!(" {p}")).unwrap_or_default(),
                    a.detail.message
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    ctx.emit(&text, serde_json::to_value(&all)?);
    Ok(ExitCode::SUCCESS)
}

fn audit(ctx: &Ctx, opts: &AuditOpts) -> anyhow::Result<ExitCode> {
    let what = format!("the log at {}", ctx.server);
    match Auditor::new(ctx.connection()).audit(opts.full) {
        Ok(report) => {
            remote::tell_pinned(report.newly_pinned.as_ref());
            let (checkpoint, old_size) = (&report.checkpoint, report.previous_size);
            let mut text = format!(
                "VERIFIED  {what}: checkpoint size {} signed with the pinned log key, {}",
                checkpoint.size(),
                if old_size == 0 {
                    "the first this machine accepted".to_owned()
                } else {
                    format!("consistent with size {old_size} seen before")
                }
            );
            if let Some(counts) = &report.counts {
                text.push_str(&format!(
                    "\n  full audit: every entry, hash and tile recomputed; every filing signature and proof-to-filing link checked\n  {}",
                    counts
                        .iter()
                        .map(|(k, v)| format!("{k} {v}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            ctx.emit(
                &text,
                json!({
                    "verified": true,
                    "size": checkpoint.size(),
                    "root": checkpoint.root().to_string(),
                    "previous_size": old_size,
                    "full": report.counts.is_some(),
                    "counts": report.counts,
                }),
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => refuse_untrusted(ctx, &what, e.into()),
    }
}
