//! `probity official`: commit to a declaration and prove statements about it. Everything
//! here runs on the official's machine; only commitments and proofs leave it.

use std::{
    path::{Path, PathBuf},
    process::ExitCode,
};

use anyhow::{bail, Context as _};
use clap::{Args, Subcommand, ValueEnum};
use probity_core::{Amount, AssetId, Category, Declaration, Opening, SignedAmount, StatementKind};
use probity_params::Params;
use probity_prover::{
    wallet::{Wallet, WalletError},
    Prover,
};

use super::{passphrase, Ctx};

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Commit to a declaration: draw blindings, keep them in the wallet, print the commitment.
    Commit(CommitOpts),
    /// Prove a statement about a committed declaration.
    Prove(ProveOpts),
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
    }
}

/// Reads a declaration file.
pub(crate) fn read_declaration(path: &Path) -> anyhow::Result<Declaration> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the declaration file {}", path.display()))?;
    Declaration::from_toml(&text)
        .with_context(|| format!("{} is not a valid declaration", path.display()))
}

fn commit(ctx: &Ctx, opts: CommitOpts) -> anyhow::Result<ExitCode> {
    let declaration = read_declaration(&opts.decl)?;
    let path = ctx.wallet_path(opts.wallet.as_deref());
    let mut wallet = if path.exists() {
        Wallet::open(&path, &passphrase(false)?)?
    } else {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        let w = Wallet::create(&path, &passphrase(true)?)?;
        eprintln!("Created a new wallet at {}. Back it up: without it no proof about these commitments can ever be made.", path.display());
        w
    };
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
