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

use std::{
    path::{Path, PathBuf},
    process::ExitCode,
};

use anyhow::{bail, Context as _};
use clap::{Args, Subcommand, ValueEnum};
use probity_client::{
    api,
    params::{ensure_keys, published_params},
    Client, Connection,
};
use probity_core::{
    format_minor_units, Amount, AssetId, Capacity, Category, Class, Declaration, IdHash, Item,
    OfficialId, Opening, SignedAmount, StatementKind,
};
use probity_ledger::{ChallengeId, DeclarationFiled};
use probity_params::Params;
use probity_prover::{
    wallet::{Wallet, WalletError},
    ProveError, Prover,
};
use serde_json::json;

use super::{
    admin::{entry_indices, list},
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
    #[arg(long, value_name = "ID")]
    challenge: String,
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
pub(crate) fn read_declaration(path: &Path) -> anyhow::Result<Declaration> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the declaration file {}", path.display()))?;
    Declaration::from_toml(&text)
        .with_context(|| format!("{} is not a valid declaration", path.display()))
}

/// Opens the wallet at `path`, or creates it (asking for a new passphrase twice).
fn open_or_create_wallet(path: &Path) -> anyhow::Result<Wallet> {
    if path.exists() {
        return Ok(Wallet::open(path, &passphrase(false)?)?);
    }
    create_wallet(path)
}

fn create_wallet(path: &Path) -> anyhow::Result<Wallet> {
    create_wallet_with(path, &passphrase(true)?)
}

fn create_wallet_with(
    path: &Path,
    passphrase: &probity_prover::wallet::Passphrase,
) -> anyhow::Result<Wallet> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let w = Wallet::create(path, passphrase)?;
    eoutln!("Created a new wallet at {}. Back it up: without it no proof about these commitments can ever be made.", path.display());
    Ok(w)
}

fn commit(ctx: &Ctx, opts: CommitOpts) -> anyhow::Result<ExitCode> {
    let declaration = read_declaration(&opts.decl)?;
    let path = ctx.wallet_path(opts.wallet.as_deref());
    let mut wallet = open_or_create_wallet(&path)?;
    let (opening, status) = commit_to_wallet(&mut wallet, &declaration, opts.amend)?;
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
            "status": status,
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

/// Commits `declaration` in `wallet`, or returns the opening it already holds for it.
pub(crate) fn commit_to_wallet(
    wallet: &mut Wallet,
    declaration: &Declaration,
    amend: bool,
) -> anyhow::Result<(Opening, &'static str)> {
    let mut rng = rand::rngs::OsRng;
    if wallet
        .entry(declaration.official(), declaration.period())
        .is_none()
    {
        return Ok((wallet.commit(declaration, &mut rng)?, "committed"));
    }
    match wallet.opening(declaration) {
        Ok(opening) if amend => {
            bail!("the declaration for {} {} is unchanged since it was committed (commitment {}): nothing to amend", opening.official(), opening.period(), opening.commitment())
        }
        Ok(opening) => Ok((opening, "already committed")),
        Err(WalletError::DeclarationChanged { .. }) if amend => {
            Ok((wallet.amend(declaration, &mut rng)?, "amended"))
        }
        Err(e @ WalletError::DeclarationChanged { .. }) => Err(anyhow::Error::new(e)
            .context("nothing was committed; pass --amend to file an amended declaration")),
        Err(e) => Err(e.into()),
    }
}

fn required<T>(value: Option<T>, flag: &str, statement: &str) -> anyhow::Result<T> {
    value.with_context(|| format!("{statement} needs {flag}"))
}

/// A statement's own arguments, checked before anything slow (params, passphrase, keys).
enum Ask {
    NetWorthRange(SignedAmount, SignedAmount),
    CategoryTotalRange(Category, SignedAmount, SignedAmount),
    WealthGrowth(PathBuf, Amount),
    AssetIncluded(AssetId, Amount),
}

fn ask(kind: StatementKind, opts: &ProveOpts) -> anyhow::Result<Ask> {
    let name = kind.name().replace('_', "-");
    let lo = || required(opts.lo, "--lo", &name).map(SignedAmount);
    let hi = || required(opts.hi, "--hi", &name).map(SignedAmount);
    Ok(match kind {
        StatementKind::NetWorthRange => Ask::NetWorthRange(lo()?, hi()?),
        StatementKind::CategoryTotalRange => {
            Ask::CategoryTotalRange(required(opts.category, "--category", &name)?, lo()?, hi()?)
        }
        StatementKind::WealthGrowth => Ask::WealthGrowth(
            required(
                opts.prev.clone(),
                "--prev PREV.toml (the previous period's declaration)",
                &name,
            )?,
            Amount(opts.tolerance.unwrap_or(0)),
        ),
        StatementKind::AssetIncluded => Ask::AssetIncluded(
            AssetId(required(opts.asset_id.clone(), "--asset-id", &name)?),
            Amount(required(opts.min_value, "--min-value", &name)?),
        ),
    })
}

fn prove(ctx: &Ctx, opts: ProveOpts) -> anyhow::Result<ExitCode> {
    let kind = StatementKind::from(opts.statement);
    let ask = ask(kind, &opts)?;
    let declaration = read_declaration(&opts.decl)?;
    let prev = match &ask {
        Ask::WealthGrowth(path, _) => Some(read_declaration(path)?),
        _ => None,
    };
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
    let wallet = Wallet::open(&wallet_path, &passphrase(false)?)?;
    let opening = wallet.opening(&declaration)?;
    let prev = prev.map(|d| wallet.opening(&d)).transpose()?;
    let prover = Prover::from_params(&params, kind, opening.capacity())?;
    let mut rng = rand::rngs::OsRng;
    let envelope = match (ask, prev) {
        (Ask::NetWorthRange(lo, hi), _) => prover.net_worth_range(&opening, lo, hi, &mut rng)?,
        (Ask::CategoryTotalRange(c, lo, hi), _) => {
            prover.category_total_range(&opening, c, lo, hi, &mut rng)?
        }
        (Ask::WealthGrowth(_, tolerance), prev) => {
            let prev = prev.context("the previous declaration was not read")?;
            prover.wealth_growth(&prev, &opening, tolerance, &mut rng)?
        }
        (Ask::AssetIncluded(id, min), _) => prover.asset_included(&opening, &id, min, &mut rng)?,
    };
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
    let key = remote::make_key(ctx, KeyRole::Official)?;
    let public = hex::encode(key.verifying_key().as_bytes());
    let wallet = match new_wallet {
        None => "kept the existing wallet",
        Some(pass) => {
            create_wallet_with(&wallet_path, &pass)?;
            "created"
        }
    };
    let key_path = ctx.key_path(KeyRole::Official);
    ctx.emit(
        &format!(
            "Made the official key at {} (secret: keep it there, mode 0600); wallet {}: {}.\n\
             Public key: {public}\n\
             Give the public key to the registrar, who registers it for your official id \
             (`probity admin register-official --public-key {public} …`).",
            key_path.display(),
            wallet_path.display(),
            wallet
        ),
        json!({
            "public_key": public,
            "key_file": key_path,
            "wallet": wallet_path,
            "wallet_status": wallet,
        }),
    );
    Ok(ExitCode::SUCCESS)
}

/// The official's public record, with a clear message for an unregistered id.
fn official_record(client: &Client, official: &OfficialId) -> anyhow::Result<api::OfficialRecord> {
    match client.get(&format!("/v1/officials/{official}")) {
        Ok(record) => Ok(record),
        Err(e) if e.status() == Some(404) => bail!(
            "`{official}` is not registered with the service at {}: give the public key that `probity official init` printed to the registrar",
            client.base()
        ),
        Err(e) => Err(e).with_context(|| format!("cannot read the record of {official}")),
    }
}

/// The filing that counts for `period`: the latest one (amendments replace earlier ones).
fn latest_filing(
    record: &api::OfficialRecord,
    period: probity_core::Period,
) -> Option<&api::FilingInfo> {
    record.filings.iter().rev().find(|f| f.period == period)
}

/// The params to prove `kinds` at `capacity` with, as the log published them (its latest
/// `ParamsPublished` entry, read under a checkpoint checked with the pinned log key): a proof
/// made with any other key would be refused.
///
/// With `--params DIR`, that folder is used as it is, and its keys must be the published
/// ones. Without, the keys missing from `DATA_DIR/params` (or differing from the published
/// ones) are downloaded from the service, each checked against the log before it is kept.
fn service_params(
    ctx: &Ctx,
    conn: &Connection,
    explicit: Option<&Path>,
    kinds: &[StatementKind],
    capacity: Capacity,
) -> anyhow::Result<Params> {
    let log = remote::log_key(conn)?;
    let published = published_params(conn, &log)
        .context("cannot read the params the service published on its log")?;
    for &kind in kinds {
        if published.manifest.entry(kind, capacity).is_none() {
            bail!("the service has no key for {kind} at capacity {capacity}: use a capacity it accepts (GET /v1/info)");
        }
    }
    let Some(dir) = explicit else {
        let dir = ctx.params_dir(None);
        let needs: Vec<_> = kinds.iter().map(|&kind| (kind, capacity)).collect();
        let bar = remote::DownloadBar::new(ctx);
        return ensure_keys(conn, &published, &dir, &needs, &bar).with_context(|| {
            format!(
                "cannot get the service's proving keys into {}",
                dir.display()
            )
        });
    };
    let params = Params::open(dir).with_context(|| {
        format!(
            "an official proves with the service's proving keys: copy the params folder the service published into {} (or leave out --params: they are then downloaded into {})",
            dir.display(),
            ctx.params_dir(None).display()
        )
    })?;
    for &kind in kinds {
        let local = params.entry(kind, capacity)?;
        let theirs = published.key(kind, capacity)?;
        if local.verifying_key != theirs.verifying_key
            || local.proving_key_sha256 != theirs.proving_key_sha256
        {
            bail!(
                "the {kind} key at capacity {capacity} in {} is not the one the service published: proofs made with it would be refused; get the service's params",
                dir.display()
            );
        }
    }
    Ok(params)
}

/// The asset items of `declaration` whose registry id hashes to `id_hash`, numbered from 1
/// in file order.
fn matching_assets(declaration: &Declaration, id_hash: IdHash) -> Vec<(usize, &Item)> {
    declaration
        .items()
        .iter()
        .enumerate()
        .filter(|(_, item)| {
            item.category.class() == Class::Asset && item.asset_id.id_hash() == id_hash
        })
        .map(|(i, item)| (i + 1, item))
        .collect()
}

/// The `[lo, hi]` of a band, in words.
fn band_words(band: api::Band) -> String {
    format!(
        "{} to {}",
        format_minor_units(band.lo.into()),
        format_minor_units(band.hi.into())
    )
}

fn file(ctx: &Ctx, opts: FileOpts) -> anyhow::Result<ExitCode> {
    let declaration = read_declaration(&opts.decl)?;
    let official = declaration.official().clone();
    let period = declaration.period();
    let capacity = declaration.capacity();
    let key = remote::load_key(ctx, KeyRole::Official)?;
    let conn = Connection::new(ctx.client().signed(key.clone()), &ctx.data_dir);
    let client = conn.client();
    let info: api::ServiceInfo = client
        .get("/v1/info")
        .context("cannot read the service's filing policy")?;
    if !info.policy.capacities.contains(&usize::from(capacity)) {
        bail!(
            "the service accepts declarations of capacity {:?}, not {capacity}: change `capacity` in {}",
            info.policy.capacities,
            opts.decl.display()
        );
    }
    let record = official_record(client, &official)?;
    let public = hex::encode(key.verifying_key().as_bytes());
    if record.official.public_key != public {
        bail!(
            "the key in {} is not the one registered for {official}: file from the machine whose key the registrar registered, or have this key ({public}) registered",
            ctx.key_path(KeyRole::Official).display()
        );
    }
    let wallet_path = ctx.wallet_path(opts.wallet.as_deref());
    let filed = latest_filing(&record, period);
    if let (Some(f), false) = (filed, opts.amend) {
        // Filed before: the same declaration again is a no-op, another one needs --amend.
        let wallet = open_or_create_wallet(&wallet_path)?;
        if wallet
            .opening(&declaration)
            .is_ok_and(|o| o.commitment() == f.commitment)
        {
            ctx.emit(
                &format!(
                    "Already filed: {official} {period} (ledger entry {}), commitment {}. Nothing was sent.",
                    f.entry, f.commitment
                ),
                json!({
                    "status": "already filed",
                    "official": official,
                    "period": period,
                    "commitment": f.commitment,
                    "entry": f.entry,
                }),
            );
            return Ok(ExitCode::SUCCESS);
        }
        bail!(
            "{official} already filed another declaration for {period} (ledger entry {}): pass --amend to file this one as an amendment (supervisors get a declaration_amended alert)",
            f.entry
        );
    }
    // The wealth_growth plan, settled before anything slow or secret.
    let previous = record
        .filings
        .iter()
        .map(|f| f.period)
        .filter(|p| *p < period)
        .max()
        .and_then(|p| latest_filing(&record, p));
    let prev_declaration = match (previous, &opts.prev) {
        (None, prev) => {
            if prev.is_some() {
                eoutln!("Note: {official} filed nothing before {period}, so no wealth_growth proof is needed; --prev is ignored.");
            }
            None
        }
        (Some(_), _) if opts.without_growth => None,
        (Some(f), None) => bail!(
            "{official} filed for {} before: pass --prev with the {} declaration file, exactly as filed, so that this filing carries a wealth_growth proof (or --without-growth to file without one: supervisors then get a wealth_growth_missing alert)",
            f.period,
            f.period
        ),
        (Some(f), Some(path)) => {
            let prev = read_declaration(path)?;
            if prev.official() != &official || prev.period() != f.period {
                bail!(
                    "{} is the declaration of {} for {}, but wealth_growth must start from {official}'s latest filing before {period}, which is for {}",
                    path.display(),
                    prev.official(),
                    prev.period(),
                    f.period
                );
            }
            if f.capacity != capacity {
                bail!(
                    "the {} filing has capacity {} and this declaration {capacity}: wealth_growth needs both at one capacity (or file --without-growth: supervisors then get a wealth_growth_missing alert)",
                    f.period,
                    f.capacity
                );
            }
            Some((prev, f))
        }
    };
    let mut kinds = vec![StatementKind::NetWorthRange];
    if prev_declaration.is_some() {
        kinds.push(StatementKind::WealthGrowth);
    }
    let params = service_params(ctx, &conn, opts.params.as_deref(), &kinds, capacity)?;

    let mut wallet = open_or_create_wallet(&wallet_path)?;
    let (opening, status) = commit_to_wallet(&mut wallet, &declaration, opts.amend)?;
    let prev_opening = prev_declaration
        .map(|(prev, f)| -> anyhow::Result<Opening> {
            let o = wallet.opening(&prev).with_context(|| {
                format!("the wallet cannot open the {} declaration", f.period)
            })?;
            if o.commitment() != f.commitment {
                bail!(
                    "the {} declaration in the wallet is not the one filed (ledger entry {}): pass the declaration file exactly as it was last filed",
                    f.period,
                    f.entry
                );
            }
            Ok(o)
        })
        .transpose()?;

    let band = info.policy.band_for(opening.net_worth()).context(
        "no public net-worth band of the service's policy holds this declaration's net worth: ask the registrar (the bands are in GET /v1/info)",
    )?;
    let mut rng = rand::rngs::OsRng;
    let mut proofs = vec![
        Prover::from_params(&params, StatementKind::NetWorthRange, capacity)?
            .net_worth_range(
                &opening,
                SignedAmount(band.lo),
                SignedAmount(band.hi),
                &mut rng,
            )
            .context("cannot prove net_worth_range")?,
    ];
    let growth = match &prev_opening {
        None if previous.is_some() => "skipped",
        None => "not needed",
        Some(prev) => {
            let prover = Prover::from_params(&params, StatementKind::WealthGrowth, capacity)?;
            match prover.wealth_growth(
                prev,
                &opening,
                Amount(info.policy.wealth_growth_tolerance),
                &mut rng,
            ) {
                Ok(proof) => {
                    proofs.push(proof);
                    "proved"
                }
                Err(ProveError::DoesNotHold(_)) => {
                    eoutln!(
                        "wealth_growth does NOT hold: net worth grew from {} to {period} by more than the declared income plus the policy's tolerance, so it cannot be proved. Filing without it: supervisors get a wealth_growth_missing alert.",
                        prev.period()
                    );
                    "does not hold"
                }
                Err(e) => return Err(e).context("cannot prove wealth_growth"),
            }
        }
    };
    let statements: Vec<StatementKind> = proofs.iter().map(|p| p.statement).collect();
    let filing = DeclarationFiled::sign(
        official.clone(),
        period,
        capacity,
        opening.commitment(),
        &key,
    );
    let accepted: api::FilingAccepted = client
        .post("/v1/filings", &api::FileDeclaration { filing, proofs })
        .with_context(|| format!("the service did not accept the {period} filing"))?;
    remote::keep_receipts(&conn, &accepted.receipts)?;
    let entries = entry_indices(&accepted.receipts);
    let growth_words = match (growth, prev_opening.as_ref()) {
        ("proved", Some(prev)) => format!("wealth_growth from {} proved", prev.period()),
        ("does not hold", Some(prev)) => {
            format!(
                "wealth_growth from {} does not hold: not filed",
                prev.period()
            )
        }
        ("skipped", _) => "wealth_growth left out (--without-growth)".to_owned(),
        _ => "no wealth_growth needed (first filing)".to_owned(),
    };
    let alerts = if accepted.alerts.is_empty() {
        "none".to_owned()
    } else {
        accepted.alerts.join(", ")
    };
    ctx.emit(
        &format!(
            "Filed {official} {period} (capacity {capacity}, {status}).\n  commitment  {}\n  net worth   in the public band {}\n  growth      {growth_words}\n  entries     {}\n  alerts      {alerts}",
            opening.commitment(),
            band_words(band),
            list(&entries),
        ),
        json!({
            "status": "filed",
            "wallet_status": status,
            "official": official,
            "period": period,
            "capacity": capacity,
            "commitment": opening.commitment(),
            "band": band,
            "proofs": statements,
            "wealth_growth": growth,
            "entries": entries,
            "alerts": accepted.alerts,
        }),
    );
    Ok(ExitCode::SUCCESS)
}

fn challenges(ctx: &Ctx, opts: ChallengesOpts) -> anyhow::Result<ExitCode> {
    let declaration = opts.decl.as_deref().map(read_declaration).transpose()?;
    let conn = ctx.signed_connection(KeyRole::Official)?;
    let client = conn.client();
    let asked: Vec<api::ChallengeView> = client
        .get("/v1/official/challenges")
        .context("cannot list the challenges addressed to you")?;
    let mut lines = Vec::new();
    let mut rows = Vec::new();
    for c in &asked {
        let mut line = format!(
            "{}  {} {}  {}  due {}  least value {}",
            c.challenge,
            c.official,
            c.period,
            c.status,
            remote::format_ms(c.deadline),
            format_minor_units(c.min_value.into())
        );
        let mut row = json!({
            "challenge": c.challenge,
            "period": c.period,
            "status": c.status,
            "deadline": c.deadline,
            "min_value": c.min_value,
            "id_hash": c.id_hash,
            "entry": c.entry,
            "answer": c.answer,
        });
        if let Some(d) = &declaration {
            let id_hash: IdHash = c
                .id_hash
                .parse()
                .map_err(|e: String| anyhow::anyhow!("the service sent a bad id_hash: {e}"))?;
            let found = matching_assets(d, id_hash);
            let same_period = d.period() == c.period;
            let verdict = match found.first() {
                None => "not declared in this file".to_owned(),
                Some((n, item)) => format!(
                    "item {n} ({}, {}){}{}",
                    item.category,
                    item.asset_id.0,
                    if item.value.0 >= c.min_value {
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
                            c.period
                        )
                    }
                ),
            };
            line.push_str(&format!("\n    {verdict}"));
            row["declared_item"] = json!(found.first().map(|(n, _)| n));
            row["meets_min_value"] =
                json!(found.first().map(|(_, item)| item.value.0 >= c.min_value));
            row["declaration_period_matches"] = json!(same_period);
        }
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

fn respond(ctx: &Ctx, opts: RespondOpts) -> anyhow::Result<ExitCode> {
    let id = ChallengeId::from_hex(opts.challenge.trim()).map_err(|e| {
        anyhow::anyhow!(
            "`{}` is not a challenge id ({e}): copy it from `probity official challenges`",
            opts.challenge
        )
    })?;
    let declaration = read_declaration(&opts.decl)?;
    let conn = ctx.signed_connection(KeyRole::Official)?;
    let client = conn.client();
    let asked: Vec<api::ChallengeView> = client
        .get("/v1/official/challenges")
        .context("cannot list the challenges addressed to you")?;
    let c = asked.iter().find(|c| c.challenge == id).with_context(|| {
        format!("no challenge {id} is addressed to you: see `probity official challenges`")
    })?;
    if c.status != "open" {
        bail!("challenge {id} is {}: there is nothing to answer", c.status);
    }
    if declaration.official() != &c.official || declaration.period() != c.period {
        bail!(
            "the challenge is about {} {}, and {} is the declaration of {} for {}: pass the declaration filed for {}",
            c.official,
            c.period,
            opts.decl.display(),
            declaration.official(),
            declaration.period(),
            c.period
        );
    }
    let id_hash: IdHash = c
        .id_hash
        .parse()
        .map_err(|e: String| anyhow::anyhow!("the service sent a bad id_hash: {e}"))?;
    let found = matching_assets(&declaration, id_hash);
    let Some(&(n, item)) = found.iter().find(|(_, i)| i.value.0 >= c.min_value) else {
        if let Some((n, _)) = found.first() {
            bail!(
                "the asset is declared (item {n} of {}) but at a value below the least the challenge asks ({}): the statement does not hold and cannot be proved. If the declared value is wrong, amend and file the declaration (`probity official file --amend`), then answer",
                opts.decl.display(),
                format_minor_units(c.min_value.into())
            );
        }
        bail!(
            "that asset is not declared: no asset in {} has a registry id matching the challenge, so it cannot be proved included. If you hold it, amend the declaration and file it (`probity official file --amend`), then answer; nothing was sent",
            opts.decl.display()
        );
    };
    let record = official_record(client, &c.official)?;
    let filed = latest_filing(&record, c.period)
        .with_context(|| format!("the service has no {} filing of yours", c.period))?;
    let params = service_params(
        ctx,
        &conn,
        opts.params.as_deref(),
        &[StatementKind::AssetIncluded],
        declaration.capacity(),
    )?;
    let wallet_path = ctx.wallet_path(opts.wallet.as_deref());
    if !wallet_path.exists() {
        bail!(
            "no wallet at {}: the blindings of the filed declaration are needed to answer",
            wallet_path.display()
        );
    }
    let wallet = Wallet::open(&wallet_path, &passphrase(false)?)?;
    let opening = wallet.opening(&declaration)?;
    if opening.commitment() != filed.commitment {
        bail!(
            "{} is not the declaration filed for {} (ledger entry {}): the answer must be about the filed one; pass that file",
            opts.decl.display(),
            c.period,
            filed.entry
        );
    }
    let proof = Prover::from_params(&params, StatementKind::AssetIncluded, opening.capacity())?
        .asset_included(
            &opening,
            &item.asset_id,
            Amount(c.min_value),
            &mut rand::rngs::OsRng,
        )
        .context("cannot prove asset_included")?;
    let written: api::Written = client
        .post(
            &format!("/v1/challenges/{id}/answer"),
            &api::AnswerChallenge { proof },
        )
        .with_context(|| format!("the service did not accept the answer to {id}"))?;
    remote::keep_receipts(&conn, &written.receipts)?;
    let entries = entry_indices(&written.receipts);
    ctx.emit(
        &format!(
            "Answered challenge {id}: item {n} ({}) is in the {} declaration at a value of at least {} (ledger entries {}).",
            item.category,
            c.period,
            format_minor_units(c.min_value.into()),
            list(&entries)
        ),
        json!({ "challenge": id, "period": c.period, "item": n, "entries": entries }),
    );
    Ok(ExitCode::SUCCESS)
}
