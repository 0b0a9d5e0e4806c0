//! `probity supervisor`: verify proofs, and, with a service, everything a supervisor does:
//! re-verify an official's filings against the ledger, challenge an official on an asset,
//! read and answer tips, read alerts, audit the log.
//!
//! The logic, and what it holds the service to, is the client library's
//! (`probity_client::supervisor`, whose module documentation is the reference): a supervisor
//! trusts the ledger's signed checkpoints and the published verifying keys, not the service's
//! word (DESIGN.md §1). This module parses arguments, words the results and writes the files
//! the user asked for; `verify --chain` also reads an EVM chain (a build with `--features
//! evm`) and holds it against the log.
//!
//! Exit codes of `verify` and `audit`: 0 everything verifies, 1 something does not (a proof,
//! a signature, the log's consistency, a log key other than the pinned one), 2 the command
//! could not run (no key, service unreachable, bad arguments).

use std::{
    collections::HashMap,
    path::{Path, PathBuf},
    process::ExitCode,
};

use anyhow::bail;
use clap::{Args, Subcommand};
use probity_client::{
    supervisor::{self, Challenge, FilingCheck, OfficialCheck, ProofCheck, ReadTip, TIP_KEY_FILE},
    Auditor, NoProgress, Supervisor,
};
use probity_core::{
    format_minor_units, Commitment, OfficialId, Period, ProofEnvelope, PublicInputs,
};
use serde_json::json;

use super::{admin::list, read_envelope, remote, Ctx};

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
    /// Cross-check declarations against a state register: each record becomes a challenge.
    #[command(subcommand)]
    Registry(RegistryCommand),
    /// List the alerts the service's rules raised.
    Alerts,
    /// The risk view: officials with open alerts, heaviest total first, each with the alerts
    /// (and their published weights) behind the total.
    Risk,
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

#[derive(Debug, Subcommand)]
pub(crate) enum RegistryCommand {
    /// Import a register's records (CSV): one challenge per (official, asset) never
    /// challenged before, on the official's latest filed period. A file with a bad row is
    /// refused whole, every bad row listed by line; importing the same file again issues
    /// nothing twice.
    Import(RegistryImportOpts),
}

#[derive(Debug, Args)]
pub(crate) struct RegistryImportOpts {
    /// The register's records: CSV in UTF-8 whose first line names the columns `official`,
    /// `asset_id` and optionally `value` (minor units, as in declarations) and `date`
    /// (YYYY-MM-DD); other columns are ignored.
    file: PathBuf,
    /// The register's name (`land`, `vehicles`, `company-register`): kept in each
    /// challenge's supervisor-only details, and named by the alerts of its expiries.
    #[arg(long, value_name = "NAME", value_parser = probity_ledger::RegistryName::new)]
    registry: probity_ledger::RegistryName,
    /// The least value asked, as a percentage of the register's value: with 80, the
    /// official proves the asset declared at no less than 80 % of the register's valuation.
    #[arg(long, value_name = "PERCENT", default_value_t = 80, value_parser = clap::value_parser!(u8).range(0..=100))]
    min_percent: u8,
    /// The deadline of the challenges: YYYY-MM-DD (the end of that day, UTC) or an RFC 3339
    /// time.
    #[arg(long, value_name = "DATE", value_parser = remote::parse_deadline)]
    due: u64,
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
        Command::Registry(RegistryCommand::Import(opts)) => registry_import(ctx, &opts),
        Command::Alerts => alerts(ctx),
        Command::Risk => risk(ctx),
        Command::Audit(opts) => audit(ctx, &opts),
    }
}

/// The supervisor of the server, signing with this machine's supervisor key.
fn supervisor(ctx: &Ctx) -> anyhow::Result<Supervisor> {
    Ok(Supervisor::open(&ctx.client(), &ctx.data_dir)?)
}

/// Exit code 0 when `verified`, else 1.
fn verdict(verified: bool) -> ExitCode {
    if verified {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
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
    let verdict = supervisor::verify_proof(&ctx.params_dir(params), &envelope)?;
    let (inputs, valid) = (&verdict.inputs, verdict.valid);
    let statement = format!("{}: {inputs}", envelope.official);
    if let Some((rpc, registry)) = chain {
        return verify_on_chain(ctx, &rpc, &registry, &envelope, inputs, valid);
    }
    let ledger = commitments(inputs);
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
    Ok(self::verdict(valid))
}

/// `verify --chain`: the proof (`valid` here or not) held against the ledger and a chain.
fn verify_on_chain(
    ctx: &Ctx,
    rpc: &str,
    registry: &str,
    envelope: &ProofEnvelope,
    inputs: &PublicInputs,
    valid: bool,
) -> anyhow::Result<ExitCode> {
    let statement = format!("{}: {inputs}", envelope.official);
    let what = format!("{statement} (on the chain)");
    let report = match check_on_chain(ctx, rpc, registry, envelope, inputs) {
        Ok(report) => report,
        Err(e) => return refuse_untrusted(ctx, &what, e),
    };
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
    Ok(verdict(verified))
}

/// What `verify --chain` found.
#[derive(Default)]
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
    let ledger = supervisor::latest_filings(&ctx.connection(), &envelope.official, &NoProgress)?;
    remote::tell_pinned(ledger.newly_pinned.as_ref());
    let mut report = ChainReport {
        lines: vec![format!("  on the chain, registry {registry}:")],
        ..ChainReport::default()
    };
    let periods = chain_commitments(&mut report, &ledger.latest, envelope, inputs, &view);
    let (anchored, root) = view.checkpoint;
    chain_anchor(&mut report, &ledger, anchored, root)?;
    chain_verifier(&mut report, envelope, &view);
    report.json = json!({
        "registry": registry,
        "commitments": periods,
        "anchored": { "size": anchored, "root": format!("0x{}", hex::encode(root)) },
        "verifier": view.verifier.as_ref().map(|(a, ok)| json!({ "address": a, "accepts": ok })),
        "registry_accepts": view.registry_accepts,
    });
    Ok(report)
}

/// Each commitment the proof names, against the official's latest filing on the ledger and
/// the chain's record; one JSON object each.
fn chain_commitments(
    report: &mut ChainReport,
    filed: &HashMap<Period, Commitment>,
    envelope: &ProofEnvelope,
    inputs: &PublicInputs,
    view: &super::chain::ChainView,
) -> Vec<serde_json::Value> {
    let official = &envelope.official;
    let mut periods = Vec::new();
    for ((period, proved), (_, on_chain)) in
        inputs.named_commitments().iter().zip(&view.commitments)
    {
        let ledger = filed.get(period);
        match ledger {
            Some(c) if c == proved => {}
            Some(c) => report.failures.push(format!(
                "the ledger's latest {period} filing of {official} commits to {c}, not to the proof's {proved}"
            )),
            None => report
                .failures
                .push(format!("{official} filed nothing for {period} on the ledger")),
        }
        if *on_chain == probity_verifier::evm_word(&proved.0) {
            report.lines.push(format!(
                "    {period} commitment: the chain holds the proof's, {proved}"
            ));
        } else if *on_chain == [0u8; 32] {
            report.failures.push(format!(
                "the chain holds no commitment for {official} {period}: it is not anchored yet, or this is another registry"
            ));
        } else {
            report.failures.push(format!(
                "the chain holds another commitment for {official} {period} (0x{}), not the proof's: it is not anchored yet, or chain and ledger disagree",
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
    periods
}

/// The chain's anchored checkpoint (`anchored` entries, `root`) against the log.
fn chain_anchor(
    report: &mut ChainReport,
    ledger: &supervisor::LogFilings,
    anchored: u64,
    root: [u8; 32],
) -> anyhow::Result<()> {
    let size = ledger.checkpoint.size();
    if anchored == 0 {
        report
            .failures
            .push("the chain holds no anchored checkpoint".into());
    } else if anchored > size {
        report.failures.push(format!(
            "the chain anchors a tree of {anchored} entries, more than the log's {size}: they are not the same log"
        ));
    } else if ledger.tree.root(anchored)?.0 == root {
        report.lines.push(format!(
            "    anchored checkpoint: the log's own root at size {anchored} (the log has {size})"
        ));
    } else {
        report.failures.push(format!(
            "the chain's anchored root at size {anchored} is not the log's: they are not the same log"
        ));
    }
    Ok(())
}

/// The chain's verifier of the statement, and the registry's own check, on the proof.
fn chain_verifier(
    report: &mut ChainReport,
    envelope: &ProofEnvelope,
    view: &super::chain::ChainView,
) {
    match &view.verifier {
        Some((address, true)) => report
            .lines
            .push(format!("    verifier {address}: accepts the proof")),
        Some((address, false)) => report
            .failures
            .push(format!("the chain's verifier {address} rejects the proof")),
        None => report.failures.push(format!(
            "the registry has no verifier for {} at capacity {}",
            envelope.statement, envelope.capacity
        )),
    }
    if view.registry_accepts {
        report
            .lines
            .push("    registry check: the proof names the filed commitments, and verifies".into());
    } else {
        report
            .failures
            .push("the registry's own check refuses the proof".into());
    }
}

fn init(ctx: &Ctx) -> anyhow::Result<ExitCode> {
    let made = Supervisor::init(&ctx.data_dir)?;
    let public = hex::encode(made.public_key.as_bytes());
    let path = made.key_file;
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
    let made = Supervisor::tip_keygen(&ctx.data_dir)?;
    let public = hex::encode(made.public_key.to_bytes());
    let path = made.key_file;
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

fn verify_official(
    ctx: &Ctx,
    official: &OfficialId,
    period: Option<Period>,
) -> anyhow::Result<ExitCode> {
    let supervisor = supervisor(ctx)?;
    let what = match period {
        Some(p) => format!("{official} {p}"),
        None => official.to_string(),
    };
    match supervisor.check_official(official, period, &NoProgress) {
        Ok(check) => {
            remote::tell_pinned(check.newly_pinned.as_ref());
            ctx.emit(
                &official_text(&what, period, &check),
                official_json(official, period, &check),
            );
            Ok(verdict(check.verified()))
        }
        Err(e) => refuse_untrusted(ctx, &what, e.into()),
    }
}

/// `verify --official` in words: the verdict, the official, each filing with its proofs,
/// the other proofs, the answered challenges, then failures and notes.
fn official_text(what: &str, period: Option<Period>, check: &OfficialCheck) -> String {
    let size = check.checkpoint.size();
    let head = if check.verified() {
        format!("VERIFIED  {what}: every filing and proof checks out against the log (checkpoint size {size}, verified with the pinned log key)")
    } else {
        format!(
            "NOT VERIFIED  {what}: {} problem(s), against the log at checkpoint size {size}",
            check.failures.len()
        )
    };
    let o = &check.record.official;
    let mut text = vec![
        head,
        format!(
            "  {} ({}, {}), registered at entry {}",
            o.name, o.position, o.jurisdiction, o.entry
        ),
    ];
    for x in &check.filings {
        text.push(filing_line(x));
        text.extend(
            x.proofs
                .iter()
                .filter_map(|e| check.proof(*e))
                .map(proof_line),
        );
    }
    let others: Vec<String> = check.other_proofs().map(proof_line).collect();
    if !others.is_empty() {
        text.push("  proofs about other periods' filings:".to_owned());
        text.extend(others);
    }
    text.extend(
        check
            .challenges
            .iter()
            .filter(|c| c.problem.is_none())
            .map(|c| {
                format!(
                    "  challenge {} (entry {}) answered at entry {}: the asset and least value asked",
                    c.challenge, c.issued, c.proof
                )
            }),
    );
    if check.filings.is_empty() {
        text.push(match period {
            Some(p) => format!("  nothing filed for {p}"),
            None => "  nothing filed yet".to_owned(),
        });
    }
    text.extend(check.failures.iter().map(|f| format!("  FAILED: {f}")));
    text.extend(check.warnings.iter().map(|w| format!("  note: {w}")));
    text.join("\n")
}

fn filing_line(x: &FilingCheck) -> String {
    format!(
        "  {}  filed at entry {} (capacity {}): {}{}\n        commitment {}",
        x.period,
        x.entry,
        x.capacity,
        if x.valid() {
            "signature OK"
        } else {
            "REJECTED"
        },
        if x.superseded {
            " (replaced by a later amendment)"
        } else {
            ""
        },
        x.commitment,
    )
}

fn proof_line(p: &ProofCheck) -> String {
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
        if p.valid() { "VALID" } else { "FAILED" },
        p.in_words
            .as_deref()
            .map(|w| format!(": {w}"))
            .unwrap_or_default()
    )
}

/// `verify --official --json`.
fn official_json(
    official: &OfficialId,
    period: Option<Period>,
    check: &OfficialCheck,
) -> serde_json::Value {
    let filings: Vec<_> = check
        .filings
        .iter()
        .map(|x| {
            json!({
                "entry": x.entry,
                "period": x.period,
                "capacity": x.capacity,
                "commitment": x.commitment,
                "valid": x.valid(),
                "superseded": x.superseded,
            })
        })
        .collect();
    let proofs: Vec<_> = check
        .proofs
        .iter()
        .map(|p| {
            json!({
                "entry": p.entry,
                "statement": p.statement,
                "periods": p.periods,
                "valid": p.valid(),
                "in_words": p.in_words,
                "problems": p.problems,
            })
        })
        .collect();
    let challenges: Vec<_> = check
        .challenges
        .iter()
        .map(|c| {
            json!({
                "challenge": c.challenge,
                "entry": c.issued,
                "answered_by": c.proof,
                "ok": c.problem.is_none(),
            })
        })
        .collect();
    json!({
        "verified": check.verified(),
        "official": official,
        "period": period,
        "checkpoint": { "size": check.checkpoint.size(), "root": check.checkpoint.root().to_string() },
        "filings": filings,
        "proofs": proofs,
        "challenges": challenges,
        "failures": check.failures,
        "warnings": check.warnings,
    })
}

fn challenge(ctx: &Ctx, opts: ChallengeOpts) -> anyhow::Result<ExitCode> {
    // Refused before the key is read or anything is sent.
    let asked = Challenge::new(
        opts.official.clone(),
        &opts.asset_id,
        opts.min_value,
        opts.due,
        opts.period,
    )?;
    let created = supervisor(ctx)?.challenge(&asked)?;
    remote::tell_pinned(created.newly_pinned.as_ref());
    let (id_hash, entries) = (asked.id_hash, &created.entries);
    ctx.emit(
        &format!(
            "Challenge {} (ledger entry {}): {} must prove by {} that the {} declaration includes the asset {} (id_hash {id_hash}) at a value of at least {}.\n\
             The public ledger shows only salted digests of the asset and value, in the challenge and in its answer (whose proof is withheld too); supervisors read the details at /v1/supervisor/disclosures.",
            created.challenge,
            list(entries),
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
    let all = supervisor(ctx)?.challenges()?;
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

fn tips(ctx: &Ctx, opts: TipsOpts) -> anyhow::Result<ExitCode> {
    let key_path = opts
        .tip_key
        .clone()
        .unwrap_or_else(|| ctx.data_dir.join(TIP_KEY_FILE));
    let secret = supervisor::read_tip_key(&key_path)?;
    let read = supervisor(ctx)?.tips(&secret)?;
    remote::tell_pinned(read.newly_pinned.as_ref());
    let unread = read.unread();
    let mut blocks = Vec::new();
    let mut rows = Vec::new();
    for tip in read.tips {
        let (block, row) = tip_block(tip, opts.save_attachments.as_deref())?;
        blocks.push(block);
        rows.push(row);
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
    Ok(verdict(unread == 0))
}

/// One tip in words and as JSON; its attachments saved under `save` when given.
fn tip_block(tip: ReadTip, save: Option<&Path>) -> anyhow::Result<(String, serde_json::Value)> {
    let v = &tip.view;
    let opened = match tip.opened {
        Ok(opened) => opened,
        Err(e) => {
            let e = anyhow::Error::from(e);
            let block = format!(
                "Tip at entry {} about {}, epoch {}: NOT READ: {e:#}",
                v.entry, v.subject, v.epoch
            );
            let row = json!({
                "entry": v.entry,
                "subject": v.subject,
                "epoch": v.epoch,
                "status": v.status,
                "error": format!("{e:#}"),
            });
            return Ok((block, row));
        }
    };
    let saved = match save {
        Some(dir) => opened.save_attachments(dir, v.entry)?,
        None => Vec::new(),
    };
    let body = &opened.body;
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
    block.extend(
        v.replies
            .iter()
            .map(|r| format!("    reply {}: {}", r.day, r.message)),
    );
    let row = json!({
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
    });
    Ok((block.join("\n"), row))
}

fn reply(ctx: &Ctx, opts: ReplyOpts) -> anyhow::Result<ExitCode> {
    let replied = supervisor(ctx)?.reply(opts.tip, &opts.message, opts.close)?;
    remote::tell_pinned(replied.newly_pinned.as_ref());
    let entries = &replied.entries;
    ctx.emit(
        &format!(
            "Replied to the tip at entry {}{}. The whistleblower reads it with their receipt code.",
            opts.tip,
            if opts.close {
                format!(
                    " and closed it (TipClosed at ledger entry {})",
                    list(entries)
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
    let all = supervisor(ctx)?.alerts()?;
    let text = if all.is_empty() {
        "No alerts.".to_owned()
    } else {
        all.iter()
            .map(|a| {
                format!(
                    "entry {}  {}  {}{}  {}{}: {}",
                    a.entry,
                    remote::format_ms(a.time),
                    a.rule,
                    registry_words(a.detail.registry.as_ref()),
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

/// ` [register NAME]`, the department an alert goes to, or nothing.
fn registry_words(registry: Option<&probity_ledger::RegistryName>) -> String {
    registry.map_or_else(String::new, |r| format!(" [register {r}]"))
}

fn registry_import(ctx: &Ctx, opts: &RegistryImportOpts) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(&opts.file).map_err(|e| {
        anyhow::anyhow!(
            "cannot read {} ({e}): it must be CSV in UTF-8",
            opts.file.display()
        )
    })?;
    // The whole file is read and checked before anything is sent.
    let rows = supervisor::read_registry_csv(&text)?;
    let supervisor = supervisor(ctx)?;
    let registered = supervisor.registered_officials()?;
    let plan = supervisor::plan_import(opts.registry.clone(), &rows, &registered, opts.min_percent);
    let total = plan.to_send();
    let summary = supervisor.import_registry(&plan, opts.due, &mut |sent| {
        if !ctx.json && total > supervisor::IMPORT_BATCH {
            eoutln!("  sent {sent} of {total}");
        }
    })?;
    remote::tell_pinned(summary.newly_pinned.as_ref());
    let lines = |l: &[u64]| {
        if l.is_empty() {
            String::new()
        } else {
            format!(" (lines {})", list(l))
        }
    };
    let unknown_lines: Vec<u64> = summary.unknown_officials.iter().map(|(l, _)| *l).collect();
    let mut unknown_ids: Vec<&str> = summary
        .unknown_officials
        .iter()
        .map(|(_, o)| o.as_str())
        .collect();
    unknown_ids.sort_unstable();
    unknown_ids.dedup();
    let text = format!(
        "Imported {} from the {} register ({}% of its value asked, due {}):
  rows                {}
  officials matched   {}
  unknown officials   {}{}{}
  duplicates          {}{}
  challenges issued   {} (ledger entries {})
  already challenged  {}{}
  not filed yet       {}{}
  recorded later      {}{}
         Officials answer with `probity official respond --all DECL.toml`; what is unanswered by the deadline alerts as registry_unanswered, naming this register. A record the register made after the official's latest filed period (recorded later) is asked by an import after they file the next.",
        opts.file.display(),
        opts.registry,
        opts.min_percent,
        remote::format_ms(opts.due),
        summary.rows,
        summary.officials_matched,
        summary.unknown_officials.len(),
        if unknown_ids.is_empty() { String::new() } else { format!(": {}", unknown_ids.join(", ")) },
        lines(&unknown_lines),
        summary.duplicates.len(),
        lines(&summary.duplicates),
        summary.issued.len(),
        if summary.entries.is_empty() { "none".to_owned() } else { format!("{} to {}", summary.entries[0], summary.entries[summary.entries.len() - 1]) },
        summary.already_challenged.len(),
        lines(&summary.already_challenged),
        summary.not_filed.len(),
        lines(&summary.not_filed),
        summary.recorded_after_period.len(),
        lines(&summary.recorded_after_period),
    );
    ctx.emit(
        &text,
        json!({
            "registry": opts.registry.as_str(),
            "rows": summary.rows,
            "officials_matched": summary.officials_matched,
            "unknown_officials": summary.unknown_officials.iter().map(|(line, official)| json!({"line": line, "official": official})).collect::<Vec<_>>(),
            "duplicates": summary.duplicates,
            "issued": summary.issued.iter().map(|(line, i)| json!({"line": line, "challenge": i.challenge, "period": i.period})).collect::<Vec<_>>(),
            "already_challenged": summary.already_challenged,
            "not_filed": summary.not_filed,
            "recorded_after_period": summary.recorded_after_period,
            "batches": summary.batches,
            "entries": summary.entries,
        }),
    );
    Ok(ExitCode::SUCCESS)
}

fn risk(ctx: &Ctx) -> anyhow::Result<ExitCode> {
    let view = supervisor(ctx)?.risk()?;
    let text = if view.is_empty() {
        "No open alerts.".to_owned()
    } else {
        view.iter()
            .map(|v| {
                let reasons: Vec<String> = v
                    .alerts
                    .iter()
                    .map(|a| {
                        format!(
                            "    +{}  {}{}{}: {} (entry {})",
                            a.weight,
                            a.rule,
                            registry_words(a.detail.registry.as_ref()),
                            a.detail.period.map(|p| format!(" {p}")).unwrap_or_default(),
                            a.detail.message,
                            a.entry
                        )
                    })
                    .collect();
                format!(
                    "{:>4}  {}  {}, {} ({})
{}",
                    v.weight,
                    v.official,
                    v.name,
                    v.position,
                    v.jurisdiction,
                    reasons.join("\n")
                )
            })
            .collect::<Vec<_>>()
            .join(
                "
",
            )
    };
    ctx.emit(
        &format!("{text}
Weights are the rules' published ones (`/v1/info`): a total ranks who to look at first and is only ever the sum of the alerts listed under it."),
        serde_json::to_value(&view)?,
    );
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
