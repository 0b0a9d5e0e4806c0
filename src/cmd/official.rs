//! `probity official`: commit to a declaration, prove statements about it, file it with the
//! service and answer challenges. Everything here runs on the official's machine; only
//! commitments and proofs leave it.
//!
//! With a service: `init` makes the official's signing key (`DATA_DIR/official.key`) and the
//! wallet, and prints the public key for the registrar; `file` commits, proves what the
//! service's filing policy asks (`net_worth_range` for the public band holding the net worth,
//! and `wealth_growth` from the latest earlier filed period), signs and files; `challenges`
//! and `respond` answer supervisors' `asset_included` challenges. The proving keys come from
//! `DATA_DIR/params`, downloaded from the service on first use, or from `--params DIR`; either
//! way they must be the ones the service published on its log (`ParamsPublished`).
//!
//! The logic is the client library's [`Official`] ([`probity_client::official`]): this module
//! parses arguments, asks for the wallet passphrase when the library says what it needs, and
//! prints.

use std::{
    path::{Path, PathBuf},
    process::ExitCode,
};

use anyhow::{bail, Context as _};
use clap::{Args, Subcommand, ValueEnum};
use probity_client::{
    official::{
        self, AlreadyFiled, Challenge, ChallengeAnswered, DeclarationFile, Filed, GrowthOutcome,
        Notice, ParamsSource, Planned, Statement, Verdict,
    },
    NoProgress, Official,
};
use probity_core::{
    format_minor_units, Amount, AssetId, Category, Declaration, SignedAmount, StatementKind,
};
use probity_ledger::ChallengeId;
use probity_params::Params;
use probity_prover::wallet::Wallet;
use serde_json::json;

use super::{
    admin::list,
    passphrase,
    remote::{self, KeyRole},
    Ctx,
};

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Commit to a declaration: draw blindings, keep them in the wallet, print the commitment.
    Commit(CommitOpts),
    /// Prove a statement about a committed declaration.
    Prove(ProveOpts),
    /// Make this official's signing key and wallet; print the public key for the registrar.
    Init(InitOpts),
    /// File a declaration with the service: commit, prove what the filing policy asks, sign
    /// and send; the receipts are checked and kept.
    File(FileOpts),
    /// List the challenges addressed to this official.
    Challenges(ChallengesOpts),
    /// Answer a challenge: prove that the asset it names is in the filed declaration.
    Respond(RespondOpts),
}

#[derive(Debug, Args)]
pub(crate) struct InitOpts {
    /// The wallet file [default: DATA_DIR/wallet.probity].
    #[arg(long, value_name = "FILE")]
    wallet: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct FileOpts {
    /// The declaration file (TOML).
    decl: PathBuf,
    /// File an amended declaration for a period already filed (supervisors get a
    /// declaration_amended alert); the old blindings stay in the wallet.
    #[arg(long)]
    amend: bool,
    /// The declaration filed for the latest earlier period, exactly as filed: needed for the
    /// wealth_growth proof whenever an earlier period was filed.
    #[arg(long, value_name = "PREV.toml")]
    prev: Option<PathBuf>,
    /// File without a wealth_growth proof although an earlier period was filed (supervisors
    /// get a wealth_growth_missing alert).
    #[arg(long, conflicts_with = "prev")]
    without_growth: bool,
    /// Params folder with the service's proving keys [default: DATA_DIR/params].
    #[arg(long, value_name = "DIR")]
    params: Option<PathBuf>,
    /// The wallet file [default: DATA_DIR/wallet.probity].
    #[arg(long, value_name = "FILE")]
    wallet: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct ChallengesOpts {
    /// Say, for each challenge, whether an asset of this declaration is the one it names.
    #[arg(long, value_name = "DECL.toml")]
    decl: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct RespondOpts {
    /// The challenge, as `probity official challenges` lists it (32 hex characters).
    #[arg(
        long,
        value_name = "ID",
        required_unless_present = "all",
        conflicts_with = "all"
    )]
    challenge: Option<String>,
    /// Answer every open challenge on the declaration's period: each one an asset answers at
    /// the least value asked gets its proof; for each other one, you see which asset is
    /// missing or declared below the least value (exit code 1 while any is left).
    #[arg(long)]
    all: bool,
    /// The declaration filed for the challenge's period.
    decl: PathBuf,
    /// Params folder with the service's proving keys [default: DATA_DIR/params].
    #[arg(long, value_name = "DIR")]
    params: Option<PathBuf>,
    /// The wallet file [default: DATA_DIR/wallet.probity].
    #[arg(long, value_name = "FILE")]
    wallet: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct CommitOpts {
    /// The declaration file (TOML).
    decl: PathBuf,
    /// Replace the commitment held for this official and period (an amendment); the old
    /// blindings stay in the wallet.
    #[arg(long)]
    amend: bool,
    /// The wallet file [default: DATA_DIR/wallet.probity].
    #[arg(long, value_name = "FILE")]
    wallet: Option<PathBuf>,
}

/// The statements, as the command line spells them.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum StatementArg {
    NetWorthRange,
    CategoryTotalRange,
    WealthGrowth,
    AssetIncluded,
}

impl From<StatementArg> for StatementKind {
    fn from(s: StatementArg) -> Self {
        match s {
            StatementArg::NetWorthRange => StatementKind::NetWorthRange,
            StatementArg::CategoryTotalRange => StatementKind::CategoryTotalRange,
            StatementArg::WealthGrowth => StatementKind::WealthGrowth,
            StatementArg::AssetIncluded => StatementKind::AssetIncluded,
        }
    }
}

#[derive(Debug, Args)]
pub(crate) struct ProveOpts {
    /// The statement to prove.
    #[arg(value_enum)]
    statement: StatementArg,
    /// The declaration file (TOML), committed before with `probity official commit`.
    decl: PathBuf,
    /// The previous period's declaration file (wealth-growth).
    #[arg(long, value_name = "PREV.toml")]
    prev: Option<PathBuf>,
    /// Lower bound in minor units, may be negative (net-worth-range, category-total-range).
    #[arg(long, allow_hyphen_values = true)]
    lo: Option<i64>,
    /// Upper bound in minor units, may be negative (net-worth-range, category-total-range).
    #[arg(long, allow_hyphen_values = true)]
    hi: Option<i64>,
    /// Category name or code (category-total-range), e.g. securities or 3.
    #[arg(long, value_parser = Category::parse)]
    category: Option<Category>,
    /// Growth allowed beyond income, in minor units (wealth-growth) [default: 0].
    #[arg(long)]
    tolerance: Option<u64>,
    /// Registry identifier of the asset (asset-included).
    #[arg(long)]
    asset_id: Option<String>,
    /// Least declared value of the asset, in minor units (asset-included).
    #[arg(long)]
    min_value: Option<u64>,
    /// Where to write the proof file.
    #[arg(long, value_name = "PROOF.json")]
    out: PathBuf,
    /// Params folder [default: DATA_DIR/params].
    #[arg(long, value_name = "DIR")]
    params: Option<PathBuf>,
    /// The wallet file [default: DATA_DIR/wallet.probity].
    #[arg(long, value_name = "FILE")]
    wallet: Option<PathBuf>,
}

pub(crate) fn run(ctx: &Ctx, cmd: Command) -> anyhow::Result<ExitCode> {
    match cmd {
        Command::Commit(opts) => commit(ctx, opts),
        Command::Prove(opts) => prove(ctx, opts),
        Command::Init(opts) => init(ctx, opts),
        Command::File(opts) => file(ctx, opts),
        Command::Challenges(opts) => challenges(ctx, opts),
        Command::Respond(opts) => respond(ctx, opts),
    }
}

/// Reads a declaration file.
fn read_declaration(path: &Path) -> anyhow::Result<Declaration> {
    Ok(DeclarationFile::read(path)?.declaration)
}

/// The official of the server, signing with this machine's official key.
fn official(ctx: &Ctx) -> anyhow::Result<Official> {
    Ok(Official::open(&ctx.client(), &ctx.data_dir)?)
}

/// `--params DIR`, or the keys the service publishes, downloaded into `DATA_DIR/params`.
fn params_source(explicit: Option<PathBuf>) -> ParamsSource {
    explicit.map(ParamsSource::Folder).unwrap_or_default()
}

/// Opens the wallet at `path`, or creates it (asking for a new passphrase twice).
fn open_or_create_wallet(path: &Path) -> anyhow::Result<Wallet> {
    if path.exists() {
        return Ok(Wallet::open(path, &passphrase(false)?)?);
    }
    let wallet = official::create_wallet(path, &passphrase(true)?)?;
    tell_wallet_created(path);
    Ok(wallet)
}

fn tell_wallet_created(path: &Path) {
    eoutln!("Created a new wallet at {}. Back it up: without it no proof about these commitments can ever be made.", path.display());
}

/// Tells the user what the library noticed, in order.
fn tell(notices: &[Notice]) {
    for notice in notices {
        match notice {
            Notice::LogKeyPinned(pinned) => remote::tell_pinned(Some(pinned)),
            Notice::PrevIgnored { official, period } => eoutln!(
                "Note: {official} filed nothing before {period}, so no wealth_growth proof is needed; --prev is ignored."
            ),
            Notice::WealthGrowthDoesNotHold { from, to } => eoutln!(
                "wealth_growth does NOT hold: net worth grew from {from} to {to} by more than the declared income plus the policy's tolerance, so it cannot be proved. Filing without it: supervisors get a wealth_growth_missing alert."
            ),
            Notice::RequirementNotMet {
                name,
                category,
                lo,
                hi,
            } => eoutln!(
                "The policy requires `{name}`: the declared total of {category} within {} to {}. It is not, so it cannot be proved. Filing without it: supervisors get a required_proof_missing alert.",
                format_minor_units(i128::from(*lo)),
                format_minor_units(i128::from(*hi))
            ),
        }
    }
}

fn commit(ctx: &Ctx, opts: CommitOpts) -> anyhow::Result<ExitCode> {
    let declaration = read_declaration(&opts.decl)?;
    let path = ctx.wallet_path(opts.wallet.as_deref());
    let mut wallet = open_or_create_wallet(&path)?;
    let (opening, status) = official::commit_to_wallet(&mut wallet, &declaration, opts.amend)?;
    let text = format!(
        "{status}: {} {} (capacity {})\n  official_tag {}\n  commitment   {}\n  wallet       {}",
        opening.official(),
        opening.period(),
        opening.capacity(),
        opening.official().tag(),
        opening.commitment(),
        path.display()
    );
    ctx.emit(
        &text,
        serde_json::json!({
            "status": status.as_str(),
            "official": opening.official(),
            "period": opening.period(),
            "capacity": opening.capacity(),
            "official_tag": opening.official().tag(),
            "commitment": opening.commitment(),
            "wallet": path,
        }),
    );
    Ok(ExitCode::SUCCESS)
}

fn required<T>(value: Option<T>, flag: &str, statement: &str) -> anyhow::Result<T> {
    value.with_context(|| format!("{statement} needs {flag}"))
}

/// A statement's own arguments, checked before anything slow (params, passphrase, keys), and
/// for wealth_growth the previous declaration's file.
fn ask(kind: StatementKind, opts: &ProveOpts) -> anyhow::Result<(Statement, Option<PathBuf>)> {
    let name = kind.name().replace('_', "-");
    let lo = || required(opts.lo, "--lo", &name).map(SignedAmount);
    let hi = || required(opts.hi, "--hi", &name).map(SignedAmount);
    Ok(match kind {
        StatementKind::NetWorthRange => (
            Statement::NetWorthRange {
                lo: lo()?,
                hi: hi()?,
            },
            None,
        ),
        StatementKind::CategoryTotalRange => (
            Statement::CategoryTotalRange {
                category: required(opts.category, "--category", &name)?,
                lo: lo()?,
                hi: hi()?,
            },
            None,
        ),
        StatementKind::WealthGrowth => {
            let prev = required(
                opts.prev.clone(),
                "--prev PREV.toml (the previous period's declaration)",
                &name,
            )?;
            let tolerance = Amount(opts.tolerance.unwrap_or(0));
            (Statement::WealthGrowth { tolerance }, Some(prev))
        }
        StatementKind::AssetIncluded => (
            Statement::AssetIncluded {
                asset_id: AssetId(required(opts.asset_id.clone(), "--asset-id", &name)?),
                min_value: Amount(required(opts.min_value, "--min-value", &name)?),
            },
            None,
        ),
    })
}

fn prove(ctx: &Ctx, opts: ProveOpts) -> anyhow::Result<ExitCode> {
    let kind = StatementKind::from(opts.statement);
    let (statement, prev) = ask(kind, &opts)?;
    let declaration = read_declaration(&opts.decl)?;
    let prev = prev.as_deref().map(read_declaration).transpose()?;
    let params = Params::open(&ctx.params_dir(opts.params.as_deref()))?;
    // A missing key is reported before the passphrase is asked for.
    params.entry(kind, declaration.capacity())?;
    let wallet_path = ctx.wallet_path(opts.wallet.as_deref());
    if !wallet_path.exists() {
        bail!(
            "no wallet at {}: commit the declaration first with `probity official commit`",
            wallet_path.display()
        );
    }
    let passphrase = passphrase(false)?;
    // The wallet opens and the witness is computed while the circuit's matrices are read (or
    // synthesized, the first time) and the key loads.
    let envelope = official::unlock_and_prove(
        &wallet_path,
        &passphrase,
        &params,
        &declaration,
        prev.as_ref(),
        &statement,
    )?;
    probity_params::write_atomic(&opts.out, envelope.to_json().as_bytes())?;
    let inputs = envelope.inputs()?;
    ctx.emit(
        &format!("Proved for {}: {inputs}\n  proof file {}", envelope.official, opts.out.display()),
        serde_json::json!({ "statement": kind, "official": envelope.official, "proof_file": opts.out, "inputs": inputs }),
    );
    Ok(ExitCode::SUCCESS)
}

fn init(ctx: &Ctx, opts: InitOpts) -> anyhow::Result<ExitCode> {
    remote::refuse_existing_key(ctx, KeyRole::Official)?;
    let wallet_path = ctx.wallet_path(opts.wallet.as_deref());
    // The passphrase first: if it cannot be read, nothing is left half made.
    let new_wallet = if wallet_path.exists() {
        None
    } else {
        Some(passphrase(true)?)
    };
    let made = Official::init(&ctx.data_dir, &wallet_path, new_wallet.as_ref())?;
    let wallet = if made.wallet_created {
        tell_wallet_created(&made.wallet);
        "created"
    } else {
        "kept the existing wallet"
    };
    let public = hex::encode(made.public_key.as_bytes());
    ctx.emit(
        &format!(
            "Made the official key at {} (secret: keep it there, mode 0600); wallet {}: {}.\n\
             Public key: {public}\n\
             Give the public key to the registrar, who registers it for your official id \
             (`probity admin register-official --public-key {public} …`).",
            made.key_file.display(),
            made.wallet.display(),
            wallet
        ),
        json!({
            "public_key": public,
            "key_file": made.key_file,
            "wallet": made.wallet,
            "wallet_status": wallet,
        }),
    );
    Ok(ExitCode::SUCCESS)
}

/// The `[lo, hi]` of a band, in words.
fn band_words(band: probity_client::api::Band) -> String {
    format!(
        "{} to {}",
        format_minor_units(band.lo.into()),
        format_minor_units(band.hi.into())
    )
}

fn file(ctx: &Ctx, opts: FileOpts) -> anyhow::Result<ExitCode> {
    let decl = DeclarationFile::read(&opts.decl)?;
    let official = official(ctx)?;
    let wallet_path = ctx.wallet_path(opts.wallet.as_deref());
    let planned = official.plan_filing(
        &decl,
        opts.prev.as_deref(),
        opts.amend,
        opts.without_growth,
        &params_source(opts.params),
        &remote::DownloadBar::new(ctx),
    )?;
    let mut plan = match planned {
        Planned::FiledBefore(before) => {
            // Filed before: the same declaration again is a no-op, another one needs --amend.
            let wallet = open_or_create_wallet(&wallet_path)?;
            emit_already_filed(ctx, &official.refile(&before, &wallet)?);
            return Ok(ExitCode::SUCCESS);
        }
        Planned::File(plan) => *plan,
    };
    tell(&plan.notices);
    // The provers load while the wallet opens. The wallet's refusal (a wrong passphrase) is
    // said first.
    let (wallet, loaded) = plan.load_provers_beside(|| open_or_create_wallet(&wallet_path));
    let mut wallet = wallet?;
    loaded?;
    let filed = official.file(plan, &mut wallet, &NoProgress)?;
    tell(&filed.notices);
    remote::tell_pinned(filed.logged.newly_pinned.as_ref());
    emit_filed(ctx, &filed);
    Ok(ExitCode::SUCCESS)
}

fn emit_already_filed(ctx: &Ctx, done: &AlreadyFiled) {
    let AlreadyFiled {
        official,
        period,
        commitment,
        entry,
    } = done;
    ctx.emit(
        &format!(
            "Already filed: {official} {period} (ledger entry {entry}), commitment {commitment}. Nothing was sent."
        ),
        json!({
            "status": "already filed",
            "official": official,
            "period": period,
            "commitment": commitment,
            "entry": entry,
        }),
    );
}

fn emit_filed(ctx: &Ctx, filed: &Filed) {
    let (official, period, capacity) = (&filed.official, filed.period, filed.capacity);
    let growth_words = match filed.wealth_growth {
        GrowthOutcome::Proved { from } => format!("wealth_growth from {from} proved"),
        GrowthOutcome::DoesNotHold { from } => {
            format!("wealth_growth from {from} does not hold: not filed")
        }
        GrowthOutcome::Skipped => "wealth_growth left out (--without-growth)".to_owned(),
        GrowthOutcome::NotNeeded => "no wealth_growth needed (first filing)".to_owned(),
    };
    let alerts = if filed.alerts.is_empty() {
        "none".to_owned()
    } else {
        filed.alerts.join(", ")
    };
    let entries = &filed.logged.entries;
    ctx.emit(
        &format!(
            "Filed {official} {period} (capacity {capacity}, {}).\n  commitment  {}\n  net worth   in the public band {}\n  growth      {growth_words}\n  entries     {}\n  alerts      {alerts}",
            filed.wallet_status,
            filed.commitment,
            band_words(filed.band),
            list(entries),
        ),
        json!({
            "status": "filed",
            "wallet_status": filed.wallet_status.as_str(),
            "official": official,
            "period": period,
            "capacity": capacity,
            "commitment": filed.commitment,
            "band": filed.band,
            "proofs": filed.proofs,
            "wealth_growth": filed.wealth_growth.as_str(),
            "entries": entries,
            "alerts": filed.alerts,
        }),
    );
}

fn challenges(ctx: &Ctx, opts: ChallengesOpts) -> anyhow::Result<ExitCode> {
    let declaration = opts.decl.as_deref().map(read_declaration).transpose()?;
    let listed = official(ctx)?.challenges(declaration.as_ref())?;
    let mut lines = Vec::new();
    let mut rows = Vec::new();
    for c in &listed {
        let (line, row) = challenge_row(c, declaration.as_ref());
        lines.push(line);
        rows.push(row);
    }
    let text = if lines.is_empty() {
        "No challenges are addressed to you.".to_owned()
    } else {
        format!(
            "{}\nAnswer an open one with `probity official respond --challenge ID DECL.toml`.",
            lines.join("\n")
        )
    };
    ctx.emit(&text, json!(rows));
    Ok(ExitCode::SUCCESS)
}

/// One challenge's line and JSON row; with the declaration, the verdict on it.
fn challenge_row(c: &Challenge, declaration: Option<&Declaration>) -> (String, serde_json::Value) {
    let asked = &c.asked;
    let mut line = format!(
        "{}  {} {}  {}  due {}  least value {}",
        asked.challenge,
        asked.official,
        asked.period,
        asked.status,
        remote::format_ms(asked.deadline),
        format_minor_units(asked.min_value.into())
    );
    let mut row = json!({
        "challenge": asked.challenge,
        "period": asked.period,
        "status": asked.status,
        "deadline": asked.deadline,
        "min_value": asked.min_value,
        "id_hash": asked.id_hash,
        "entry": asked.entry,
        "answer": asked.answer,
    });
    let (Some(d), Some(verdict), Some(same_period)) =
        (declaration, c.verdict, c.declaration_period_matches)
    else {
        return (line, row);
    };
    let (item, meets) = match verdict {
        Verdict::NotDeclared => {
            line.push_str("\n    not declared in this file");
            (None, None)
        }
        Verdict::Declared {
            item,
            category,
            meets_min_value,
        } => {
            let asset_id = d
                .items()
                .get(item - 1)
                .map_or("", |i| i.asset_id.0.as_str());
            line.push_str(&format!(
                "\n    item {item} ({category}, {asset_id}){}{}",
                if meets_min_value {
                    ""
                } else {
                    ", declared below the least value asked"
                },
                if same_period {
                    String::new()
                } else {
                    format!(
                        " (this file is for {}, the challenge for {})",
                        d.period(),
                        asked.period
                    )
                }
            ));
            (Some(item), Some(meets_min_value))
        }
    };
    row["declared_item"] = json!(item);
    row["meets_min_value"] = json!(meets);
    row["declaration_period_matches"] = json!(same_period);
    (line, row)
}

fn respond(ctx: &Ctx, opts: RespondOpts) -> anyhow::Result<ExitCode> {
    let Some(challenge) = opts.challenge.as_deref() else {
        return respond_all(ctx, opts);
    };
    let id = ChallengeId::from_hex(challenge.trim()).map_err(|e| {
        anyhow::anyhow!(
            "`{challenge}` is not a challenge id ({e}): copy it from `probity official challenges`"
        )
    })?;
    let decl = DeclarationFile::read(&opts.decl)?;
    let official = official(ctx)?;
    let plan = official.plan_answer(
        id,
        &decl,
        &params_source(opts.params),
        &remote::DownloadBar::new(ctx),
    )?;
    remote::tell_pinned(plan.newly_pinned.as_ref());
    let wallet = answering_wallet(ctx, opts.wallet.as_deref())?;
    let answered = official.answer(plan, &wallet, &NoProgress)?;
    remote::tell_pinned(answered.logged.newly_pinned.as_ref());
    let ChallengeAnswered {
        challenge,
        period,
        item,
        category,
        min_value,
        logged,
    } = answered;
    ctx.emit(
        &format!(
            "Answered challenge {challenge}: item {item} ({category}) is in the {period} declaration at a value of at least {} (ledger entries {}).",
            format_minor_units(min_value.into()),
            list(&logged.entries)
        ),
        json!({ "challenge": challenge, "period": period, "item": item, "entries": logged.entries }),
    );
    Ok(ExitCode::SUCCESS)
}

/// The wallet that answers a challenge (`wallet`, or the data folder's), unlocked.
fn answering_wallet(ctx: &Ctx, wallet: Option<&Path>) -> anyhow::Result<Wallet> {
    let wallet_path = ctx.wallet_path(wallet);
    if !wallet_path.exists() {
        bail!(
            "no wallet at {}: the blindings of the filed declaration are needed to answer",
            wallet_path.display()
        );
    }
    Ok(Wallet::open(&wallet_path, &passphrase(false)?)?)
}

/// `respond --all`: answers what the declaration can answer, and says for the rest which asset
/// is missing or under-valued (asset ids and values are the official's own: this is their
/// machine).
fn respond_all(ctx: &Ctx, opts: RespondOpts) -> anyhow::Result<ExitCode> {
    let decl = DeclarationFile::read(&opts.decl)?;
    let official = official(ctx)?;
    let plan = official.plan_all_answers(
        &decl,
        &params_source(opts.params),
        &remote::DownloadBar::new(ctx),
    )?;
    remote::tell_pinned(plan.newly_pinned.as_ref());
    let mut lines = Vec::new();
    let mut not_answered = Vec::new();
    for (c, why) in &plan.not_answerable {
        lines.push(format!(
            "NOT ANSWERED  {}  due {}: {}",
            c.challenge,
            remote::format_ms(c.deadline),
            unanswerable_words(why, &decl)
        ));
        not_answered.push(json!({ "challenge": c.challenge, "reason": why.to_string() }));
    }
    for c in &plan.other_periods {
        lines.push(format!(
            "OTHER PERIOD  {}  is about {}: answer it with that period's declaration",
            c.challenge, c.period
        ));
    }
    let to_answer = plan.answerable().count();
    let mut answered_rows = Vec::new();
    if to_answer > 0 {
        let wallet = answering_wallet(ctx, opts.wallet.as_deref())?;
        let done = official.answer_all(plan, &wallet, &NoProgress)?;
        for a in &done.answered {
            remote::tell_pinned(a.logged.newly_pinned.as_ref());
            lines.push(format!(
                "ANSWERED      {}: item {} ({}) is in the {} declaration at a value of at least {} (ledger entries {})",
                a.challenge,
                a.item,
                a.category,
                a.period,
                format_minor_units(a.min_value.into()),
                list(&a.logged.entries)
            ));
            answered_rows.push(
                json!({ "challenge": a.challenge, "item": a.item, "entries": a.logged.entries }),
            );
        }
        for (c, why) in &done.refused {
            lines.push(format!("REFUSED       {}: {why}", c.challenge));
            not_answered.push(json!({ "challenge": c.challenge, "reason": why.to_string() }));
        }
    }
    let left = not_answered.len();
    let text = if lines.is_empty() {
        format!(
            "No open challenges on your {} declaration.",
            decl.declaration.period()
        )
    } else {
        format!(
            "{}
{} answered, {left} left open{}.",
            lines.join("\n"),
            answered_rows.len(),
            if left == 0 {
                String::new()
            } else {
                ": they expire at their deadlines, and supervisors are alerted".to_owned()
            }
        )
    };
    ctx.emit(
        &text,
        json!({
            "period": decl.declaration.period(),
            "answered": answered_rows,
            "not_answered": not_answered,
        }),
    );
    Ok(if left == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Which asset a challenge asks for that `decl` cannot show: on the official's own machine,
/// the item and its id are named.
fn unanswerable_words(why: &probity_client::OfficialError, decl: &DeclarationFile) -> String {
    match why {
        probity_client::OfficialError::BelowLeastValue {
            item, min_value, ..
        } => {
            let declared = decl.declaration.items().get(item - 1);
            format!(
                "item {item} ({}) is declared at {}, below the least value asked, {}: amend the declaration if the value is wrong",
                declared.map_or("", |i| i.asset_id.0.as_str()),
                declared.map_or_else(String::new, |i| format_minor_units(i.value.0.into())),
                format_minor_units(i128::from(*min_value))
            )
        }
        probity_client::OfficialError::NotDeclared { .. } => "the asset asked about is not in this declaration (no asset's registry id matches): if you hold it, amend the declaration and file it".to_owned(),
        other => other.to_string(),
    }
}
