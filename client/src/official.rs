//! The official's role: make the official key and the wallet once, commit to declarations,
//! prove statements about them, file them with the service and answer supervisors'
//! `asset_included` challenges (DESIGN.md §1–§4, §9).
//!
//! Everything here runs on the official's machine; only commitments and proofs leave it. The
//! blindings are in the encrypted wallet (`probity_prover::wallet`), which the caller opens:
//! this module never asks for a passphrase. Operations that need the wallet come in two
//! steps, so that what the service would refuse is found before a passphrase is asked for:
//! [`Official::plan_filing`] then [`Official::file`], [`Official::plan_answer`] then
//! [`Official::answer`].
//!
//! Files in the data folder, besides the connection's:
//!
//! | file | holds |
//! |---|---|
//! | `official.key` | the official's Ed25519 secret key, hex, mode 0600: it signs filings and answers |
//! | `wallet.probity` | the wallet of blindings (the default; the caller may keep it elsewhere) |
//! | `params/` | the service's proving keys, downloaded on first use ([`PARAMS_DIR`]), and each circuit's matrices, kept beside its key after the first proof with it (`matrices/`, [`Synthesized::kept`]) |
//!
//! # Trust
//!
//! Proving keys are the ones the log published (its latest `ParamsPublished` entry, read
//! under a checkpoint checked with the pinned log key, [`crate::params`]): a proof made with
//! any other key would be refused. Receipts are checked against the pinned log key and kept.
//! A failure of these checks is untrusted ([`OfficialError::is_untrusted`]).
//!
//! # Secrets
//!
//! No `Debug` output or error of this module holds a declared value, an asset id, a blinding,
//! a passphrase or the official's secret key: declarations stay in private fields, and errors
//! name items by their number in the file.

use std::{
    io,
    path::{Path, PathBuf},
};

use ed25519_dalek::{SigningKey, VerifyingKey};
use probity_core::{
    format_minor_units, Amount, AssetId, Capacity, Category, Class, Commitment, Declaration,
    DeclarationError, IdHash, Item, OfficialId, Opening, Period, ProofEnvelope, SignedAmount,
    StatementKind,
};
use probity_ledger::{DeclarationFiled, PolicyRequirement, Receipt};
use probity_params::{Params, ParamsError};
use probity_prover::{wallet::WalletError, KeySource, ProveError, Prover, Synthesized, Witness};

use crate::{
    api,
    keys::{self, KeyError, KeyRole},
    params::{ensure_keys, published_params, ParamsFetchError},
    registrar::Logged,
    Client, ClientError, Connection, ConnectionError, NewlyPinned, Progress, Task,
};

/// The folder of proving keys, in the data folder.
pub const PARAMS_DIR: &str = "params";

/// The wallet's file in the data folder, where the command line keeps it by default.
pub const WALLET_FILE: &str = "wallet.probity";

/// The wallet and its passphrase, for front ends that open it.
pub use probity_prover::wallet::{Passphrase, Wallet};

/// A challenge's id, as front ends read it back from a form.
pub use probity_ledger::ChallengeId;

/// Why an official's operation failed. The messages say what to do; none holds a declared
/// figure, an asset id or a secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OfficialError {
    /// The official key cannot be made or read.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// The log key, checkpoints or receipts do not check out, or cannot be kept.
    #[error(transparent)]
    Connection(#[from] ConnectionError),
    /// A params folder cannot be read, or lacks a key.
    #[error(transparent)]
    Params(#[from] ParamsError),
    /// The published params lack a key.
    #[error(transparent)]
    Fetch(#[from] ParamsFetchError),
    /// The wallet refused (wrong passphrase, a declaration it does not hold, …).
    #[error(transparent)]
    Wallet(#[from] WalletError),
    /// A prover cannot be made, or a statement does not hold.
    #[error(transparent)]
    Prove(#[from] ProveError),
    /// A declaration file cannot be read.
    #[error("cannot read the declaration file {}", path.display())]
    ReadDeclaration {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// A declaration file does not parse.
    #[error("{} is not a valid declaration", path.display())]
    InvalidDeclaration {
        /// The file.
        path: PathBuf,
        /// What is wrong (it names the item at fault).
        source: DeclarationError,
    },
    /// A folder cannot be made.
    #[error("cannot create {}", path.display())]
    CreateDir {
        /// The folder.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// A new wallet is needed and no passphrase was given for it.
    #[error("there is no wallet at {}: a passphrase is needed to create one", path.display())]
    NoPassphrase {
        /// The wallet's path.
        path: PathBuf,
    },
    /// A request failed.
    #[error("{what}")]
    Request {
        /// What was asked (`cannot read the service's filing policy`).
        what: String,
        /// Why it failed.
        source: ClientError,
    },
    /// The service has no keys for the declaration's capacity.
    #[error("the service accepts declarations of capacity {accepted:?}, not {capacity}: change `capacity` in {}", path.display())]
    CapacityNotAccepted {
        /// The capacities the service accepts.
        accepted: Vec<usize>,
        /// The declaration's.
        capacity: Capacity,
        /// The declaration file.
        path: PathBuf,
    },
    /// The official is not registered.
    #[error("`{official}` is not registered with the service at {base}: give the public key that `probity official init` printed to the registrar")]
    NotRegistered {
        /// The official.
        official: OfficialId,
        /// The service's address.
        base: String,
    },
    /// No official is registered with this machine's key.
    #[error("no official is registered with this machine's key ({public_key}): give it to the registrar")]
    KeyUnknown {
        /// The public key, hex.
        public_key: String,
    },
    /// The official is registered with another key.
    #[error("the key in {} is not the one registered for {official}: file from the machine whose key the registrar registered, or have this key ({public_key}) registered", key_file.display())]
    KeyNotRegistered {
        /// The official.
        official: OfficialId,
        /// This machine's key file.
        key_file: PathBuf,
        /// Its public key, hex.
        public_key: String,
    },
    /// The period was filed with another declaration, and this is no amendment.
    #[error("{official} already filed another declaration for {period} (ledger entry {entry}): pass --amend to file this one as an amendment (supervisors get a declaration_amended alert)")]
    FiledAnother {
        /// The official.
        official: OfficialId,
        /// The period.
        period: Period,
        /// The filing's entry.
        entry: u64,
    },
    /// An earlier period was filed, and no previous declaration was given for wealth_growth.
    #[error("{official} filed for {previous} before: pass --prev with the {previous} declaration file, exactly as filed, so that this filing carries a wealth_growth proof (or --without-growth to file without one: supervisors then get a wealth_growth_missing alert)")]
    PrevNeeded {
        /// The official.
        official: OfficialId,
        /// The latest earlier period filed.
        previous: Period,
    },
    /// The previous declaration given is not of the latest earlier filing.
    #[error("{} is the declaration of {prev_official} for {prev_period}, but wealth_growth must start from {official}'s latest filing before {period}, which is for {previous}", path.display())]
    PrevNotLatest {
        /// The file given.
        path: PathBuf,
        /// Its official.
        prev_official: OfficialId,
        /// Its period.
        prev_period: Period,
        /// The official filing.
        official: OfficialId,
        /// The period filed.
        period: Period,
        /// The latest earlier period filed.
        previous: Period,
    },
    /// The previous filing has another capacity.
    #[error("the {previous} filing has capacity {previous_capacity} and this declaration {capacity}: wealth_growth needs both at one capacity (or file --without-growth: supervisors then get a wealth_growth_missing alert)")]
    PrevCapacity {
        /// The latest earlier period filed.
        previous: Period,
        /// Its capacity.
        previous_capacity: Capacity,
        /// This declaration's.
        capacity: Capacity,
    },
    /// The params manifest cannot be read from the log.
    #[error("cannot read the params the service published on its log")]
    PublishedParams(#[source] ParamsFetchError),
    /// The service publishes no key for a statement at the capacity.
    #[error("the service has no key for {statement} at capacity {capacity}: use a capacity it accepts (GET /v1/info)")]
    NoServiceKey {
        /// The statement.
        statement: StatementKind,
        /// The capacity.
        capacity: Capacity,
    },
    /// The proving keys cannot be had from the service.
    #[error("cannot get the service's proving keys into {}", dir.display())]
    FetchKeys {
        /// The params folder.
        dir: PathBuf,
        /// Why.
        source: ParamsFetchError,
    },
    /// A params folder given cannot be opened.
    #[error("an official proves with the service's proving keys: copy the params folder the service published into {} (or leave out --params: they are then downloaded into {})", dir.display(), default.display())]
    ParamsFolder {
        /// The folder given.
        dir: PathBuf,
        /// Where keys are downloaded when no folder is given.
        default: PathBuf,
        /// Why it cannot be opened.
        source: ParamsError,
    },
    /// A params folder given holds another key than the published one.
    #[error("the {statement} key at capacity {capacity} in {} is not the one the service published: proofs made with it would be refused; get the service's params", dir.display())]
    UnpublishedKey {
        /// The statement.
        statement: StatementKind,
        /// The capacity.
        capacity: Capacity,
        /// The folder.
        dir: PathBuf,
    },
    /// An amendment of a declaration that did not change.
    #[error("the declaration for {official} {period} is unchanged since it was committed (commitment {commitment}): nothing to amend")]
    NothingToAmend {
        /// The official.
        official: OfficialId,
        /// The period.
        period: Period,
        /// The commitment held.
        commitment: Commitment,
    },
    /// The declaration changed since it was committed, and this is no amendment.
    #[error("nothing was committed; pass --amend to file an amended declaration")]
    Changed(#[source] WalletError),
    /// The wallet cannot open the previous declaration.
    #[error("the wallet cannot open the {period} declaration")]
    PrevNotInWallet {
        /// Its period.
        period: Period,
        /// Why.
        source: WalletError,
    },
    /// The previous declaration is not the one filed.
    #[error("the {period} declaration in the wallet is not the one filed (ledger entry {entry}): pass the declaration file exactly as it was last filed")]
    PrevNotFiled {
        /// Its period.
        period: Period,
        /// The filing's entry.
        entry: u64,
    },
    /// No band of the policy holds the net worth.
    #[error("no public net-worth band of the service's policy holds this declaration's net worth: ask the registrar (the bands are in GET /v1/info)")]
    NoBand,
    /// A proof failed.
    #[error("cannot prove {statement}")]
    Proving {
        /// The statement.
        statement: StatementKind,
        /// Why.
        source: ProveError,
    },
    /// wealth_growth was asked without the previous declaration.
    #[error("the previous declaration was not read")]
    NoPrevious,
    /// The service's answer is not what it should be.
    #[error("the service sent a bad id_hash: {0}")]
    BadIdHash(String),
    /// No challenge with that id is addressed to this official.
    #[error("no challenge {0} is addressed to you: see `probity official challenges`")]
    NoSuchChallenge(ChallengeId),
    /// The challenge is no longer open.
    #[error("challenge {challenge} is {status}: there is nothing to answer")]
    ChallengeClosed {
        /// The challenge.
        challenge: ChallengeId,
        /// Its status.
        status: String,
    },
    /// The declaration given is not of the challenge's official and period.
    #[error("the challenge is about {official} {period}, and {} is the declaration of {decl_official} for {decl_period}: pass the declaration filed for {period}", path.display())]
    OtherDeclaration {
        /// The challenge's official.
        official: OfficialId,
        /// The challenge's period.
        period: Period,
        /// The file given.
        path: PathBuf,
        /// Its official.
        decl_official: OfficialId,
        /// Its period.
        decl_period: Period,
    },
    /// The asset is declared below the least value asked.
    #[error("the asset is declared (item {item} of {}) but at a value below the least the challenge asks ({}): the statement does not hold and cannot be proved. If the declared value is wrong, amend and file the declaration (`probity official file --amend`), then answer", path.display(), format_minor_units(i128::from(*min_value)))]
    BelowLeastValue {
        /// The item, numbered from 1 in file order.
        item: usize,
        /// The declaration file.
        path: PathBuf,
        /// The least value asked.
        min_value: u64,
    },
    /// The asset is not declared.
    #[error("that asset is not declared: no asset in {} has a registry id matching the challenge, so it cannot be proved included. If you hold it, amend the declaration and file it (`probity official file --amend`), then answer; nothing was sent", path.display())]
    NotDeclared {
        /// The declaration file.
        path: PathBuf,
    },
    /// The service holds no filing for the challenge's period.
    #[error("the service has no {0} filing of yours")]
    NoFiling(Period),
    /// The declaration given is not the one filed.
    #[error("{} is not the declaration filed for {period} (ledger entry {entry}): the answer must be about the filed one; pass that file", path.display())]
    NotTheFiled {
        /// The file given.
        path: PathBuf,
        /// The period.
        period: Period,
        /// The filing's entry.
        entry: u64,
    },
}

impl OfficialError {
    /// Whether the service served something that does not check out (a log other than the
    /// pinned one, a receipt that does not verify, a proving key other than the published one),
    /// rather than refusing, failing to answer, or the user or this machine being at fault.
    pub fn is_untrusted(&self) -> bool {
        match self {
            Self::Connection(e) => e.is_untrusted(),
            Self::Fetch(e) | Self::PublishedParams(e) | Self::FetchKeys { source: e, .. } => {
                e.is_untrusted()
            }
            _ => false,
        }
    }
}

type Result<T, E = OfficialError> = std::result::Result<T, E>;

/// A declaration and the file it was read from, which messages name.
#[derive(Clone, Debug)]
pub struct DeclarationFile {
    /// The file.
    pub path: PathBuf,
    /// The declaration (its `Debug` shows no figure).
    pub declaration: Declaration,
}

impl DeclarationFile {
    /// Reads and parses the declaration file at `path`.
    pub fn read(path: &Path) -> Result<Self> {
        let text =
            std::fs::read_to_string(path).map_err(|source| OfficialError::ReadDeclaration {
                path: path.to_owned(),
                source,
            })?;
        let declaration =
            Declaration::from_toml(&text).map_err(|source| OfficialError::InvalidDeclaration {
                path: path.to_owned(),
                source,
            })?;
        Ok(Self {
            path: path.to_owned(),
            declaration,
        })
    }
}

/// What committing a declaration did to the wallet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommitStatus {
    /// Fresh blindings were drawn and kept.
    Committed,
    /// The wallet already held this declaration's commitment: nothing changed.
    AlreadyCommitted,
    /// The declaration replaced the one held (the old blindings stay in the wallet).
    Amended,
}

impl CommitStatus {
    /// The status in words: `committed`, `already committed`, `amended`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Committed => "committed",
            Self::AlreadyCommitted => "already committed",
            Self::Amended => "amended",
        }
    }
}

impl std::fmt::Display for CommitStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Creates a new wallet at `path` (and its folder). The caller tells the user to back it up:
/// without it no proof about its commitments can ever be made.
pub fn create_wallet(path: &Path, passphrase: &Passphrase) -> Result<Wallet> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|source| OfficialError::CreateDir {
            path: dir.to_owned(),
            source,
        })?;
    }
    Ok(Wallet::create(path, passphrase)?)
}

/// Commits `declaration` in `wallet`, or returns the opening it already holds for it. A
/// declaration that changed since it was committed is refused unless `amend`; an amendment of
/// one that did not change is refused too.
pub fn commit_to_wallet(
    wallet: &mut Wallet,
    declaration: &Declaration,
    amend: bool,
) -> Result<(Opening, CommitStatus)> {
    let mut rng = rand::rngs::OsRng;
    if wallet
        .entry(declaration.official(), declaration.period())
        .is_none()
    {
        return Ok((
            wallet.commit(declaration, &mut rng)?,
            CommitStatus::Committed,
        ));
    }
    match wallet.opening(declaration) {
        Ok(opening) if amend => Err(OfficialError::NothingToAmend {
            official: opening.official().clone(),
            period: opening.period(),
            commitment: opening.commitment(),
        }),
        Ok(opening) => Ok((opening, CommitStatus::AlreadyCommitted)),
        Err(WalletError::DeclarationChanged { .. }) if amend => {
            Ok((wallet.amend(declaration, &mut rng)?, CommitStatus::Amended))
        }
        Err(e @ WalletError::DeclarationChanged { .. }) => Err(OfficialError::Changed(e)),
        Err(e) => Err(e.into()),
    }
}

/// A statement to prove about a committed declaration, with its own arguments.
#[derive(Clone, Debug)]
pub enum Statement {
    /// The net worth is in `[lo, hi]`.
    NetWorthRange {
        /// Lower bound, minor units.
        lo: SignedAmount,
        /// Upper bound, minor units.
        hi: SignedAmount,
    },
    /// The total of one category is in `[lo, hi]`.
    CategoryTotalRange {
        /// The category.
        category: Category,
        /// Lower bound, minor units.
        lo: SignedAmount,
        /// Upper bound, minor units.
        hi: SignedAmount,
    },
    /// The net worth grew from the previous declaration by at most the declared income plus
    /// `tolerance`.
    WealthGrowth {
        /// Growth allowed beyond income, minor units.
        tolerance: Amount,
    },
    /// An asset with this registry id is declared at a value of at least `min_value`.
    AssetIncluded {
        /// The registry id.
        asset_id: AssetId,
        /// The least value.
        min_value: Amount,
    },
}

impl Statement {
    /// The statement's kind, whose key proves it.
    pub fn kind(&self) -> StatementKind {
        match self {
            Self::NetWorthRange { .. } => StatementKind::NetWorthRange,
            Self::CategoryTotalRange { .. } => StatementKind::CategoryTotalRange,
            Self::WealthGrowth { .. } => StatementKind::WealthGrowth,
            Self::AssetIncluded { .. } => StatementKind::AssetIncluded,
        }
    }
}

/// Proves `statement` about `declaration`, committed in `wallet`, with the keys of `params`
/// (`prev` is the previous period's declaration, for wealth_growth). `progress` sees the proof
/// start and finish.
pub fn prove_statement(
    params: &Params,
    wallet: &Wallet,
    declaration: &Declaration,
    prev: Option<&Declaration>,
    statement: &Statement,
    progress: &dyn Progress,
) -> Result<ProofEnvelope> {
    with_prover(
        params,
        statement.kind(),
        declaration.capacity(),
        progress,
        |prover| prove_with(prover, wallet, declaration, prev, statement),
    )?
}

/// [`prove_statement`] with a prover already loaded.
pub fn prove_with(
    prover: &Prover,
    wallet: &Wallet,
    declaration: &Declaration,
    prev: Option<&Declaration>,
    statement: &Statement,
) -> Result<ProofEnvelope> {
    let witness = witness(wallet, declaration, prev, statement)?;
    Ok(prover.prove(&witness, &mut rand::rngs::OsRng)?)
}

/// `statement` about `declaration` (and `prev`), opened from `wallet`, checked and with its
/// circuit's assignment computed: everything the proof needs but the key.
fn witness(
    wallet: &Wallet,
    declaration: &Declaration,
    prev: Option<&Declaration>,
    statement: &Statement,
) -> Result<Witness> {
    let opening = wallet.opening(declaration)?;
    let prev = prev.map(|d| wallet.opening(d)).transpose()?;
    Ok(match statement {
        Statement::NetWorthRange { lo, hi } => Witness::net_worth_range(&opening, *lo, *hi)?,
        Statement::CategoryTotalRange { category, lo, hi } => {
            Witness::category_total_range(&opening, *category, *lo, *hi)?
        }
        Statement::WealthGrowth { tolerance } => {
            let prev = prev.as_ref().ok_or(OfficialError::NoPrevious)?;
            Witness::wealth_growth(prev, &opening, *tolerance)?
        }
        Statement::AssetIncluded {
            asset_id,
            min_value,
        } => Witness::asset_included(&opening, asset_id, *min_value)?,
    })
}

/// [`prove_statement`] from a locked wallet: opens the wallet at `wallet_path` and proves,
/// with the set-up side by side on two threads, because none of it needs the other side:
/// - here, the wallet's key derivation (Argon2id, one thread, slow by design), then the
///   statement's native check and its witness;
/// - on the other, the circuit's matrices (kept beside the key after the first proof with
///   it, [`Synthesized::kept`]), then the key's loading and hash check.
///
/// Groth16 starts once both are done. The wallet's refusal (a wrong passphrase) or the
/// statement's is reported before anything of the key's (after the key has loaded, which
/// costs a few tens of milliseconds more than stopping it would).
pub fn unlock_and_prove(
    wallet_path: &Path,
    passphrase: &Passphrase,
    params: &Params,
    declaration: &Declaration,
    prev: Option<&Declaration>,
    statement: &Statement,
) -> Result<ProofEnvelope> {
    let (kind, capacity) = (statement.kind(), declaration.capacity());
    std::thread::scope(|scope| {
        let loading = scope.spawn(|| -> Result<Prover> {
            let circuit = Synthesized::kept(params, kind, capacity)?;
            let key = params.proving_key(kind, capacity)?;
            Ok(Prover::from_parts(circuit, key, KeySource::of(params))?)
        });
        let witness = Wallet::open(wallet_path, passphrase)
            .map_err(OfficialError::from)
            .and_then(|wallet| witness(&wallet, declaration, prev, statement));
        let prover = loading
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        let witness = witness?;
        Ok(prover?.prove(&witness, &mut rand::rngs::OsRng)?)
    })
}

/// Makes the prover for `kind` at `capacity` and runs `prove` with it, telling `progress`
/// when the proof starts and finishes (the prover reports nothing in between).
fn with_prover<T>(
    params: &Params,
    kind: StatementKind,
    capacity: Capacity,
    progress: &dyn Progress,
    prove: impl FnOnce(&Prover) -> T,
) -> Result<T> {
    progress.start(Task::Prove(kind), None);
    let proved = Prover::from_params(params, kind, capacity).map(|prover| prove(&prover));
    progress.finish();
    Ok(proved?)
}

/// Where the proving keys come from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum ParamsSource {
    /// The data folder's `params/`: the keys missing there, or differing from the published
    /// ones, are downloaded from the service and checked against the log.
    #[default]
    Service,
    /// A params folder used as it is: its keys must be the published ones.
    Folder(PathBuf),
}

/// What [`Official::init`] made.
#[derive(Clone, Debug)]
pub struct OfficialInit {
    /// The official's public key: the registrar registers it.
    pub public_key: VerifyingKey,
    /// The secret key's file (mode 0600).
    pub key_file: PathBuf,
    /// The wallet.
    pub wallet: PathBuf,
    /// Whether the wallet was created (else an existing one was kept). A created wallet must
    /// be backed up: without it no proof about its commitments can ever be made.
    pub wallet_created: bool,
}

/// Something the user should be told while an operation goes on: the front end words it.
/// Not `non_exhaustive`: a front end must word every notice, so a new one fails its build.
#[derive(Clone, Debug)]
pub enum Notice {
    /// The log key was pinned (first contact): compare it with the operator's.
    LogKeyPinned(NewlyPinned),
    /// A previous declaration was given, but nothing was filed before: no wealth_growth proof
    /// is needed, and it is ignored.
    PrevIgnored {
        /// The official.
        official: OfficialId,
        /// The period filed.
        period: Period,
    },
    /// wealth_growth does not hold from `from` to `to` (the net worth grew by more than the
    /// declared income and the policy's tolerance): the filing goes without it, and
    /// supervisors get a wealth_growth_missing alert.
    WealthGrowthDoesNotHold {
        /// The previous period.
        from: Period,
        /// The period filed.
        to: Period,
    },
    /// The policy requires a `category_total_range` proof that the declaration's total of
    /// `category` is within `[lo, hi]`, and it is not: the filing goes without that proof,
    /// and supervisors get a `required_proof_missing` alert naming the requirement.
    RequirementNotMet {
        /// The requirement's name.
        name: String,
        /// The category.
        category: Category,
        /// The least total allowed.
        lo: u64,
        /// The greatest total allowed.
        hi: u64,
    },
}

/// What [`Official::plan_filing`] found.
#[derive(Debug)]
pub enum Planned {
    /// The period was filed before and this is no amendment: the same declaration again is
    /// a no-op, another one is refused. Which it is takes the wallet: [`Official::refile`].
    FiledBefore(FiledBefore),
    /// A filing to make: [`Official::file`]. (Boxed: it holds the opened params.)
    File(Box<FilingPlan>),
}

/// A period filed before ([`Planned::FiledBefore`]).
#[derive(Debug)]
pub struct FiledBefore {
    declaration: Declaration,
    /// The filing that counts for the period (the latest).
    pub filed: api::FilingInfo,
}

/// A declaration already filed: nothing was sent ([`Official::refile`]).
#[derive(Clone, Debug)]
pub struct AlreadyFiled {
    /// The official.
    pub official: OfficialId,
    /// The period.
    pub period: Period,
    /// The commitment filed.
    pub commitment: Commitment,
    /// The filing's entry.
    pub entry: u64,
}

/// How a filing will deal with wealth_growth.
#[derive(Clone, Debug)]
pub enum GrowthPlan {
    /// Nothing was filed before: no wealth_growth proof is needed.
    NotNeeded,
    /// An earlier period was filed, and the filing goes without wealth_growth on request
    /// (supervisors get a wealth_growth_missing alert).
    Skipped {
        /// The latest earlier filing.
        previous: api::FilingInfo,
    },
    /// wealth_growth is proved from the latest earlier filing.
    Prove {
        /// The latest earlier filing.
        previous: api::FilingInfo,
    },
}

/// A filing checked against the service's policy and the official's record, with the
/// proving keys ready; nothing secret was used ([`Official::plan_filing`]).
pub struct FilingPlan {
    declaration: Declaration,
    prev: Option<Declaration>,
    params: Params,
    tolerance: Amount,
    policy: api::FilingPolicy,
    /// The requirements of the supervision policy the declaration meets: one
    /// `category_total_range` proof each.
    required: Vec<PolicyRequirement>,
    /// The official.
    pub official: OfficialId,
    /// The period.
    pub period: Period,
    /// The declaration's capacity.
    pub capacity: Capacity,
    /// Whether this is an amendment.
    pub amend: bool,
    /// The period's filing so far, if any (an amendment replaces it).
    pub replaces: Option<api::FilingInfo>,
    /// The public band the net worth falls in, if the policy has one (filing fails without).
    pub band: Option<api::Band>,
    /// What happens with wealth_growth.
    pub growth: GrowthPlan,
    /// The statements that will be proved, in order (wealth_growth only if it holds).
    pub statements: Vec<StatementKind>,
    /// What to tell the user, in order.
    pub notices: Vec<Notice>,
    /// The provers of the statements, where loaded ahead ([`FilingPlan::load_provers_beside`]).
    provers: Vec<Prover>,
}

impl std::fmt::Debug for FilingPlan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FilingPlan")
            .field("official", &self.official)
            .field("period", &self.period)
            .field("capacity", &self.capacity)
            .field("amend", &self.amend)
            .field("band", &self.band)
            .field("growth", &self.growth)
            .field("statements", &self.statements)
            .finish_non_exhaustive()
    }
}

impl FilingPlan {
    /// Whether wealth_growth holds from the previous declaration, computed here before
    /// anything is proved, with the figures a front end shows the official (only locally:
    /// they are the declarations' secrets). `None` when no wealth_growth proof is planned.
    pub fn growth_check(&self) -> Option<GrowthCheck> {
        let (GrowthPlan::Prove { previous }, Some(prev)) = (&self.growth, &self.prev) else {
            return None;
        };
        let slots = self.declaration.slots();
        Some(GrowthCheck {
            from: previous.period,
            growth: probity_core::net_worth(&slots) - probity_core::net_worth(&prev.slots()),
            income: probity_core::income(&slots),
            tolerance: self.tolerance.0,
        })
    }

    /// The opening of the previous declaration when wealth_growth is to be proved: it must
    /// open to the commitment filed.
    fn prev_opening(&self, wallet: &Wallet) -> Result<Option<Opening>> {
        let (GrowthPlan::Prove { previous }, Some(prev)) = (&self.growth, &self.prev) else {
            return Ok(None);
        };
        let opening = wallet
            .opening(prev)
            .map_err(|source| OfficialError::PrevNotInWallet {
                period: previous.period,
                source,
            })?;
        if opening.commitment() != previous.commitment {
            return Err(OfficialError::PrevNotFiled {
                period: previous.period,
                entry: previous.entry,
            });
        }
        Ok(Some(opening))
    }

    /// Runs `open_wallet` here while another thread loads the prover of each statement the
    /// filing proves (the key, hash-checked, and the circuit's matrices), so that proving
    /// starts at once: neither needs the other, and the wallet's Argon2id takes one core for
    /// a while. Returns what `open_wallet` returned, and whether the provers loaded: an error
    /// there (a key file that no longer matches the manifest, say) is the one proving would
    /// meet, so report it after the wallet's own.
    pub fn load_provers_beside<W>(&mut self, open_wallet: impl FnOnce() -> W) -> (W, Result<()>) {
        let mut kinds = self.statements.clone();
        kinds.dedup();
        let (params, capacity) = (&self.params, self.capacity);
        let (wallet, loaded) = std::thread::scope(|scope| {
            let loading = scope.spawn(|| {
                kinds
                    .into_iter()
                    .map(|kind| Prover::from_params(params, kind, capacity))
                    .collect::<std::result::Result<Vec<_>, _>>()
            });
            let wallet = open_wallet();
            let loaded = loading
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (wallet, loaded)
        });
        let loaded = loaded.map(|provers| self.provers = provers);
        (wallet, loaded.map_err(OfficialError::from))
    }

    /// Runs `prove` with the prover of `kind`: the one loaded ahead, else one loaded now.
    fn with_prover<T>(
        &self,
        kind: StatementKind,
        progress: &dyn Progress,
        prove: impl FnOnce(&Prover) -> T,
    ) -> Result<T> {
        match self.provers.iter().find(|p| p.kind() == kind) {
            Some(prover) => {
                progress.start(Task::Prove(kind), None);
                let proved = prove(prover);
                progress.finish();
                Ok(proved)
            }
            None => with_prover(&self.params, kind, self.capacity, progress, prove),
        }
    }

    /// The filing's proofs: `band` for the net worth, and wealth_growth from `prev` when it
    /// holds (when it does not, a notice says so and the filing goes without).
    fn prove(
        &self,
        opening: &Opening,
        prev: Option<&Opening>,
        band: api::Band,
        progress: &dyn Progress,
        notices: &mut Vec<Notice>,
    ) -> Result<(Vec<ProofEnvelope>, GrowthOutcome)> {
        let mut rng = rand::rngs::OsRng;
        let nwr = StatementKind::NetWorthRange;
        let (lo, hi) = (SignedAmount(band.lo), SignedAmount(band.hi));
        let band_proof = self
            .with_prover(nwr, progress, |p| {
                p.net_worth_range(opening, lo, hi, &mut rng)
            })?
            .map_err(|source| OfficialError::Proving {
                statement: nwr,
                source,
            })?;
        let mut proofs = vec![band_proof];
        let ctr = StatementKind::CategoryTotalRange;
        for r in &self.required {
            let (lo, hi) = (
                SignedAmount(i64::try_from(r.lo.0).unwrap_or(i64::MAX)),
                SignedAmount(i64::try_from(r.hi.0).unwrap_or(i64::MAX)),
            );
            let proof = self
                .with_prover(ctr, progress, |p| {
                    p.category_total_range(opening, r.category, lo, hi, &mut rng)
                })?
                .map_err(|source| OfficialError::Proving {
                    statement: ctr,
                    source,
                })?;
            proofs.push(proof);
        }
        let prev = match (&self.growth, prev) {
            (GrowthPlan::Skipped { .. }, _) => return Ok((proofs, GrowthOutcome::Skipped)),
            (_, None) => return Ok((proofs, GrowthOutcome::NotNeeded)),
            (_, Some(prev)) => prev,
        };
        let (wg, from) = (StatementKind::WealthGrowth, prev.period());
        let proved = self.with_prover(wg, progress, |p| {
            p.wealth_growth(prev, opening, self.tolerance, &mut rng)
        })?;
        match proved {
            Ok(proof) => {
                proofs.push(proof);
                Ok((proofs, GrowthOutcome::Proved { from }))
            }
            Err(ProveError::DoesNotHold(_)) => {
                notices.push(Notice::WealthGrowthDoesNotHold {
                    from,
                    to: self.period,
                });
                Ok((proofs, GrowthOutcome::DoesNotHold { from }))
            }
            Err(source) => Err(OfficialError::Proving {
                statement: wg,
                source,
            }),
        }
    }
}

/// wealth_growth's figures before filing ([`FilingPlan::growth_check`]): the statement holds
/// when `growth <= income + tolerance`. Its `Debug` shows only the period.
#[derive(Clone, Copy)]
pub struct GrowthCheck {
    /// The previous period filed.
    pub from: Period,
    /// Net worth now minus net worth then, minor units.
    pub growth: i128,
    /// The income declared for this period, minor units.
    pub income: u128,
    /// The growth the policy allows beyond income, minor units.
    pub tolerance: u64,
}

impl GrowthCheck {
    /// How much more declared income (or a smaller growth) wealth_growth would need, in minor
    /// units; `None` if it holds.
    pub fn shortfall(&self) -> Option<u128> {
        let allowed = i128::try_from(self.income)
            .unwrap_or(i128::MAX)
            .saturating_add(i128::from(self.tolerance));
        let over = self.growth.saturating_sub(allowed);
        (over > 0).then(|| over.unsigned_abs())
    }
}

impl std::fmt::Debug for GrowthCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GrowthCheck")
            .field("from", &self.from)
            .finish_non_exhaustive()
    }
}

/// What became of wealth_growth in a filing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GrowthOutcome {
    /// Nothing was filed before.
    NotNeeded,
    /// Left out on request.
    Skipped,
    /// Proved from `from`.
    Proved {
        /// The previous period.
        from: Period,
    },
    /// It does not hold from `from`: filed without it.
    DoesNotHold {
        /// The previous period.
        from: Period,
    },
}

impl GrowthOutcome {
    /// The outcome in words: `not needed`, `skipped`, `proved`, `does not hold`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotNeeded => "not needed",
            Self::Skipped => "skipped",
            Self::Proved { .. } => "proved",
            Self::DoesNotHold { .. } => "does not hold",
        }
    }
}

/// A filing the service accepted ([`Official::file`]).
#[derive(Clone, Debug)]
pub struct Filed {
    /// The official.
    pub official: OfficialId,
    /// The period.
    pub period: Period,
    /// The capacity.
    pub capacity: Capacity,
    /// The commitment filed.
    pub commitment: Commitment,
    /// What committing did to the wallet.
    pub wallet_status: CommitStatus,
    /// The public band proved.
    pub band: api::Band,
    /// The statements proved and filed, in order.
    pub proofs: Vec<StatementKind>,
    /// What became of wealth_growth.
    pub wealth_growth: GrowthOutcome,
    /// The rules the filing set off (`wealth_growth_missing`, `declaration_amended`, …).
    pub alerts: Vec<String>,
    /// The entries logged, their receipts checked and kept.
    pub logged: Logged,
    /// What to tell the user, in order.
    pub notices: Vec<Notice>,
}

/// Whether a declaration holds the asset a challenge asks about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// No asset item has the registry id asked about: it cannot be proved included.
    NotDeclared,
    /// Item `item` (numbered from 1 in file order) is the asset; `meets_min_value` says
    /// whether it is declared at the least value asked or more (else the statement does not
    /// hold).
    Declared {
        /// The item.
        item: usize,
        /// Its category.
        category: Category,
        /// Whether its value is at least the least asked.
        meets_min_value: bool,
    },
}

/// A challenge addressed to the official ([`Official::challenges`]).
#[derive(Clone, Debug)]
pub struct Challenge {
    /// The challenge, as the service lists it.
    pub asked: api::ChallengeView,
    /// With a declaration: whether it holds the asset asked about.
    pub verdict: Option<Verdict>,
    /// With a declaration: whether it is for the challenge's period.
    pub declaration_period_matches: Option<bool>,
}

/// An official's history ([`Official::history`]).
#[derive(Clone, Debug)]
pub struct History {
    /// The service's record: the official, the filings, the accepted proofs.
    pub record: api::OfficialRecord,
    /// The receipts kept in the data folder, in entry order.
    pub receipts: Vec<KeptReceipt>,
    /// Set when this pinned the log key (first contact).
    pub newly_pinned: Option<NewlyPinned>,
}

/// A receipt kept in the data folder, checked again.
#[derive(Clone, Debug)]
pub struct KeptReceipt {
    /// Its log entry.
    pub entry: u64,
    /// The entry's type if the receipt checks out against the pinned log key, else why not.
    pub checked: std::result::Result<String, String>,
}

/// An answer checked against the challenge, the declaration and the filing, with the proving
/// key ready ([`Official::plan_answer`]).
pub struct AnswerPlan {
    declaration: DeclarationFile,
    asset_id: AssetId,
    params: Params,
    filed: api::FilingInfo,
    /// The challenge.
    pub challenge: api::ChallengeView,
    /// The item that answers it, numbered from 1 in file order.
    pub item: usize,
    /// Its category.
    pub category: Category,
    /// Set when getting the keys pinned the log key (first contact).
    pub newly_pinned: Option<NewlyPinned>,
}

impl std::fmt::Debug for AnswerPlan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AnswerPlan")
            .field("challenge", &self.challenge.challenge)
            .field("item", &self.item)
            .finish_non_exhaustive()
    }
}

/// Answers to every open challenge on a declaration's period, checked before anything secret
/// is used ([`Official::plan_all_answers`]).
pub struct AllAnswersPlan {
    declaration: DeclarationFile,
    params: Option<Params>,
    filed: Option<api::FilingInfo>,
    answerable: Vec<PlannedAnswer>,
    /// Open challenges on the period that the declaration cannot answer, each with why.
    pub not_answerable: Vec<(api::ChallengeView, OfficialError)>,
    /// Open challenges on other periods: answered with those periods' declarations.
    pub other_periods: Vec<api::ChallengeView>,
    /// Set when getting the keys pinned the log key (first contact).
    pub newly_pinned: Option<NewlyPinned>,
}

impl AllAnswersPlan {
    /// The challenges that will be answered, each with the item that answers it (numbered
    /// from 1 in file order).
    pub fn answerable(&self) -> impl Iterator<Item = (&api::ChallengeView, usize)> {
        self.answerable.iter().map(|a| (&a.challenge, a.item))
    }
}

impl std::fmt::Debug for AllAnswersPlan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AllAnswersPlan")
            .field("answerable", &self.answerable.len())
            .field("not_answerable", &self.not_answerable.len())
            .field("other_periods", &self.other_periods.len())
            .finish_non_exhaustive()
    }
}

/// One planned answer: the challenge and the item that answers it.
struct PlannedAnswer {
    challenge: api::ChallengeView,
    asset_id: AssetId,
    category: Category,
    item: usize,
}

/// What [`Official::answer_all`] did.
#[derive(Debug)]
pub struct AllAnswered {
    /// The answers the service accepted.
    pub answered: Vec<ChallengeAnswered>,
    /// The answers the service refused, each with its reason.
    pub refused: Vec<(api::ChallengeView, OfficialError)>,
}

/// An answer the service accepted ([`Official::answer`]).
#[derive(Clone, Debug)]
pub struct ChallengeAnswered {
    /// The challenge.
    pub challenge: ChallengeId,
    /// Its period.
    pub period: Period,
    /// The item proved included, numbered from 1 in file order.
    pub item: usize,
    /// Its category.
    pub category: Category,
    /// The least value proved.
    pub min_value: u64,
    /// The entries logged, their receipts checked and kept.
    pub logged: Logged,
}

/// The official of one service: a connection signing with the official key.
#[derive(Clone)]
pub struct Official {
    conn: Connection,
    key: SigningKey,
}

impl std::fmt::Debug for Official {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Official")
            .field("conn", &self.conn)
            .field(
                "public_key",
                &hex::encode(self.key.verifying_key().as_bytes()),
            )
            .finish_non_exhaustive()
    }
}

impl Official {
    /// Makes the official key in `data_dir` (once: refuses if there is one) and, if there is
    /// no wallet at `wallet`, a new wallet with `new_wallet_passphrase`. Check first with
    /// [`keys::refuse_existing_key`] before asking for a passphrase.
    pub fn init(
        data_dir: &Path,
        wallet: &Path,
        new_wallet_passphrase: Option<&Passphrase>,
    ) -> Result<OfficialInit> {
        let creating = !wallet.exists();
        if creating && new_wallet_passphrase.is_none() {
            return Err(OfficialError::NoPassphrase {
                path: wallet.to_owned(),
            });
        }
        let key = keys::make_key(data_dir, KeyRole::Official)?;
        if let (true, Some(passphrase)) = (creating, new_wallet_passphrase) {
            create_wallet(wallet, passphrase)?;
        }
        Ok(OfficialInit {
            public_key: key.verifying_key(),
            key_file: KeyRole::Official.path(data_dir),
            wallet: wallet.to_owned(),
            wallet_created: creating,
        })
    }

    /// The official of the service `client` talks to, signing with the key in `data_dir`,
    /// where the connection keeps its state too.
    pub fn open(client: &Client, data_dir: &Path) -> Result<Self> {
        let key = keys::load_key(data_dir, KeyRole::Official)?;
        Ok(Self {
            conn: Connection::new(client.signed(key.clone()), data_dir),
            key,
        })
    }

    /// The connection.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// The official's public key.
    pub fn public_key(&self) -> VerifyingKey {
        self.key.verifying_key()
    }

    /// Checks a filing of `decl` before anything secret is used: the service's policy takes
    /// its capacity, this machine's key is the one registered, a period filed before is
    /// amended only with `amend`, and wealth_growth starts from the latest earlier filing
    /// (`prev`, read only when one was filed; or left out with `without_growth`). Then gets
    /// the proving keys from `params` (downloads go to `progress`).
    pub fn plan_filing(
        &self,
        decl: &DeclarationFile,
        prev: Option<&Path>,
        amend: bool,
        without_growth: bool,
        params: &ParamsSource,
        progress: &dyn Progress,
    ) -> Result<Planned> {
        let declaration = &decl.declaration;
        let (official, period) = (declaration.official().clone(), declaration.period());
        let capacity = declaration.capacity();
        let info: api::ServiceInfo = self.request(
            || self.conn.client().get("/v1/info"),
            || "cannot read the service's filing policy".to_owned(),
        )?;
        if !info.policy.capacities.contains(&usize::from(capacity)) {
            return Err(OfficialError::CapacityNotAccepted {
                accepted: info.policy.capacities,
                capacity,
                path: decl.path.clone(),
            });
        }
        let record = self.record(&official)?;
        let public_key = hex::encode(self.key.verifying_key().as_bytes());
        if record.official.public_key != public_key {
            return Err(OfficialError::KeyNotRegistered {
                official,
                key_file: KeyRole::Official.path(self.conn.data_dir()),
                public_key,
            });
        }
        let replaces = latest_filing(&record, period).cloned();
        if let (Some(filed), false) = (&replaces, amend) {
            return Ok(Planned::FiledBefore(FiledBefore {
                declaration: declaration.clone(),
                filed: filed.clone(),
            }));
        }
        let mut notices = Vec::new();
        let (growth, prev) = growth_plan(&record, declaration, prev, without_growth, &mut notices)?;
        let published: Vec<api::PolicyView> = self.request(
            || self.conn.client().get("/v1/policies"),
            || "cannot read the supervision policy".to_owned(),
        )?;
        // The bands and tolerance of the supervision policy in force for the period, where
        // it sets them, else the service's.
        let policy = info.policy.for_period(&published, period);
        let mut statements = vec![StatementKind::NetWorthRange];
        let required = required_proofs(&published, &record.official, declaration, &mut notices);
        statements.extend(required.iter().map(|_| StatementKind::CategoryTotalRange));
        if let GrowthPlan::Prove { .. } = growth {
            statements.push(StatementKind::WealthGrowth);
        }
        let mut kinds = statements.clone();
        kinds.dedup();
        let (params, pinned) = self.proving_keys(params, &kinds, capacity, progress)?;
        notices.extend(pinned.map(Notice::LogKeyPinned));
        Ok(Planned::File(Box::new(FilingPlan {
            band: policy.band_for(probity_core::net_worth(&declaration.slots())),
            declaration: declaration.clone(),
            prev,
            params,
            tolerance: Amount(policy.wealth_growth_tolerance),
            policy,
            required,
            official,
            period,
            capacity,
            amend,
            replaces,
            growth,
            statements,
            notices,
            provers: Vec::new(),
        })))
    }

    /// A period filed before, again: succeeds, sending nothing, if `wallet` opens the
    /// declaration to the commitment filed; refuses any other declaration (it needs an
    /// amendment).
    pub fn refile(&self, plan: &FiledBefore, wallet: &Wallet) -> Result<AlreadyFiled> {
        let declaration = &plan.declaration;
        let f = &plan.filed;
        if wallet
            .opening(declaration)
            .is_ok_and(|o| o.commitment() == f.commitment)
        {
            return Ok(AlreadyFiled {
                official: declaration.official().clone(),
                period: f.period,
                commitment: f.commitment,
                entry: f.entry,
            });
        }
        Err(OfficialError::FiledAnother {
            official: declaration.official().clone(),
            period: declaration.period(),
            entry: f.entry,
        })
    }

    /// Files as `plan` says: commits the declaration in `wallet` (amending with
    /// `plan.amend`), proves the band and wealth_growth (`progress` sees each proof), signs
    /// and sends the filing, and checks and keeps its receipts. wealth_growth that does not
    /// hold is not an error: the filing goes without it ([`GrowthOutcome::DoesNotHold`]).
    pub fn file(
        &self,
        plan: FilingPlan,
        wallet: &mut Wallet,
        progress: &dyn Progress,
    ) -> Result<Filed> {
        let (opening, wallet_status) = commit_to_wallet(wallet, &plan.declaration, plan.amend)?;
        let prev_opening = plan.prev_opening(wallet)?;
        let band = plan
            .policy
            .band_for(opening.net_worth())
            .ok_or(OfficialError::NoBand)?;
        let mut notices = Vec::new();
        let (proofs, wealth_growth) = plan.prove(
            &opening,
            prev_opening.as_ref(),
            band,
            progress,
            &mut notices,
        )?;
        let (official, period, capacity) = (plan.official, plan.period, plan.capacity);
        let statements: Vec<StatementKind> = proofs.iter().map(|p| p.statement).collect();
        let filing = DeclarationFiled::sign(
            official.clone(),
            period,
            capacity,
            opening.commitment(),
            &self.key,
        );
        progress.start(Task::SendFiling, None);
        let accepted: Result<api::FilingAccepted> = self.request(
            || {
                self.conn
                    .client()
                    .post("/v1/filings", &api::FileDeclaration { filing, proofs })
            },
            || format!("the service did not accept the {period} filing"),
        );
        progress.finish();
        let accepted = accepted?;
        progress.start(Task::CheckReceipts, None);
        let logged = self.keep(&accepted.receipts);
        progress.finish();
        let logged = logged?;
        Ok(Filed {
            official,
            period,
            capacity,
            commitment: opening.commitment(),
            wallet_status,
            band,
            proofs: statements,
            wealth_growth,
            alerts: accepted.alerts,
            logged,
            notices,
        })
    }

    /// The challenges addressed to this official; with `declaration`, whether it holds the
    /// asset each one asks about.
    pub fn challenges(&self, declaration: Option<&Declaration>) -> Result<Vec<Challenge>> {
        self.asked()?
            .into_iter()
            .map(|asked| {
                let (verdict, declaration_period_matches) = match declaration {
                    None => (None, None),
                    Some(d) => {
                        let found = matching_assets(d, id_hash(&asked)?);
                        let verdict = match found.first() {
                            None => Verdict::NotDeclared,
                            Some((item, declared)) => Verdict::Declared {
                                item: *item,
                                category: declared.category,
                                meets_min_value: declared.value.0 >= asked.min_value,
                            },
                        };
                        (Some(verdict), Some(d.period() == asked.period))
                    }
                };
                Ok(Challenge {
                    asked,
                    verdict,
                    declaration_period_matches,
                })
            })
            .collect()
    }

    /// Checks an answer to the challenge `id` with `decl` before anything secret is used: the
    /// challenge is open and about `decl`'s official and period, an asset of `decl` answers it
    /// at the least value asked, and the period was filed. Then gets the proving key from
    /// `params` (downloads go to `progress`).
    pub fn plan_answer(
        &self,
        id: ChallengeId,
        decl: &DeclarationFile,
        params: &ParamsSource,
        progress: &dyn Progress,
    ) -> Result<AnswerPlan> {
        let declaration = &decl.declaration;
        let challenge = self
            .asked()?
            .into_iter()
            .find(|c| c.challenge == id)
            .ok_or(OfficialError::NoSuchChallenge(id))?;
        if challenge.status != "open" {
            return Err(OfficialError::ChallengeClosed {
                challenge: id,
                status: challenge.status,
            });
        }
        if declaration.official() != &challenge.official || declaration.period() != challenge.period
        {
            return Err(OfficialError::OtherDeclaration {
                official: challenge.official,
                period: challenge.period,
                path: decl.path.clone(),
                decl_official: declaration.official().clone(),
                decl_period: declaration.period(),
            });
        }
        let (item, answer) = answering_item(decl, &challenge)?;
        let (filed, params, newly_pinned) = self.answering_keys(declaration, params, progress)?;
        Ok(AnswerPlan {
            asset_id: answer.asset_id.clone(),
            category: answer.category,
            declaration: decl.clone(),
            params,
            filed,
            challenge,
            item,
            newly_pinned,
        })
    }

    /// What answering on `declaration`'s period takes: the service's filing of it (the proof
    /// must open that commitment) and the `asset_included` proving key from `params`.
    fn answering_keys(
        &self,
        declaration: &Declaration,
        params: &ParamsSource,
        progress: &dyn Progress,
    ) -> Result<(api::FilingInfo, Params, Option<NewlyPinned>)> {
        let record = self.record(declaration.official())?;
        let filed = latest_filing(&record, declaration.period())
            .cloned()
            .ok_or(OfficialError::NoFiling(declaration.period()))?;
        let (params, newly_pinned) = self.proving_keys(
            params,
            &[StatementKind::AssetIncluded],
            declaration.capacity(),
            progress,
        )?;
        Ok((filed, params, newly_pinned))
    }

    /// Answers as `plan` says: proves with the blindings in `wallet` (`progress` sees the
    /// proof) that the item is in the filed declaration, sends the proof, and checks and keeps
    /// the receipts.
    pub fn answer(
        &self,
        plan: AnswerPlan,
        wallet: &Wallet,
        progress: &dyn Progress,
    ) -> Result<ChallengeAnswered> {
        let c = &plan.challenge;
        let opening = wallet.opening(&plan.declaration.declaration)?;
        if opening.commitment() != plan.filed.commitment {
            return Err(OfficialError::NotTheFiled {
                path: plan.declaration.path.clone(),
                period: c.period,
                entry: plan.filed.entry,
            });
        }
        let kind = StatementKind::AssetIncluded;
        let proof = with_prover(&plan.params, kind, opening.capacity(), progress, |p| {
            p.asset_included(
                &opening,
                &plan.asset_id,
                Amount(c.min_value),
                &mut rand::rngs::OsRng,
            )
        })?
        .map_err(|source| OfficialError::Proving {
            statement: kind,
            source,
        })?;
        let id = c.challenge;
        let written: api::Written = self.request(
            || {
                self.conn.client().post(
                    &format!("/v1/challenges/{id}/answer"),
                    &api::AnswerChallenge { proof },
                )
            },
            || format!("the service did not accept the answer to {id}"),
        )?;
        Ok(ChallengeAnswered {
            challenge: id,
            period: c.period,
            item: plan.item,
            category: plan.category,
            min_value: c.min_value,
            logged: self.keep(&written.receipts)?,
        })
    }

    /// Plans answers to every open challenge on `decl`'s period at once, before anything
    /// secret is used: each one that an asset of `decl` answers at the least value asked is
    /// planned, and each other one is set aside with why (not declared, or declared below the
    /// least value), for the official to see which asset is missing or under-valued.
    /// Challenges on other periods are listed apart. The proving key comes from `params`
    /// (downloads go to `progress`), only if something can be answered.
    pub fn plan_all_answers(
        &self,
        decl: &DeclarationFile,
        params: &ParamsSource,
        progress: &dyn Progress,
    ) -> Result<AllAnswersPlan> {
        let declaration = &decl.declaration;
        let mut plan = AllAnswersPlan {
            declaration: decl.clone(),
            params: None,
            filed: None,
            answerable: Vec::new(),
            not_answerable: Vec::new(),
            other_periods: Vec::new(),
            newly_pinned: None,
        };
        for challenge in self.asked()? {
            if challenge.status != "open" || challenge.official != *declaration.official() {
                continue;
            }
            if challenge.period != declaration.period() {
                plan.other_periods.push(challenge);
                continue;
            }
            match answering_item(decl, &challenge) {
                Ok((item, answer)) => plan.answerable.push(PlannedAnswer {
                    asset_id: answer.asset_id.clone(),
                    category: answer.category,
                    item,
                    challenge,
                }),
                Err(why) => plan.not_answerable.push((challenge, why)),
            }
        }
        if plan.answerable.is_empty() {
            return Ok(plan);
        }
        let (filed, params, newly_pinned) = self.answering_keys(declaration, params, progress)?;
        plan.filed = Some(filed);
        plan.params = Some(params);
        plan.newly_pinned = newly_pinned;
        Ok(plan)
    }

    /// Answers what `plan` found answerable: proves each with the blindings in `wallet`
    /// (`progress` sees the proofs, made with one loaded key), sends each proof, and checks
    /// and keeps the receipts. An answer the service refuses (the challenge expired
    /// meanwhile) is reported with the others and does not stop the rest.
    pub fn answer_all(
        &self,
        plan: AllAnswersPlan,
        wallet: &Wallet,
        progress: &dyn Progress,
    ) -> Result<AllAnswered> {
        let mut done = AllAnswered {
            answered: Vec::new(),
            refused: Vec::new(),
        };
        let (Some(params), Some(filed)) = (&plan.params, &plan.filed) else {
            return Ok(done);
        };
        let opening = wallet.opening(&plan.declaration.declaration)?;
        if opening.commitment() != filed.commitment {
            return Err(OfficialError::NotTheFiled {
                path: plan.declaration.path.clone(),
                period: plan.declaration.declaration.period(),
                entry: filed.entry,
            });
        }
        let kind = StatementKind::AssetIncluded;
        let proofs = with_prover(params, kind, opening.capacity(), progress, |p| {
            plan.answerable
                .iter()
                .map(|a| {
                    p.asset_included(
                        &opening,
                        &a.asset_id,
                        Amount(a.challenge.min_value),
                        &mut rand::rngs::OsRng,
                    )
                })
                .collect::<Vec<_>>()
        })?;
        for (a, proof) in plan.answerable.into_iter().zip(proofs) {
            let proof = proof.map_err(|source| OfficialError::Proving {
                statement: kind,
                source,
            })?;
            let id = a.challenge.challenge;
            let sent = self.request(
                || {
                    self.conn.client().post(
                        &format!("/v1/challenges/{id}/answer"),
                        &api::AnswerChallenge { proof },
                    )
                },
                || format!("the service did not accept the answer to {id}"),
            );
            match sent {
                Ok(written) => {
                    let written: api::Written = written;
                    done.answered.push(ChallengeAnswered {
                        challenge: id,
                        period: a.challenge.period,
                        item: a.item,
                        category: a.category,
                        min_value: a.challenge.min_value,
                        logged: self.keep(&written.receipts)?,
                    });
                }
                Err(why @ OfficialError::Request { .. }) => done.refused.push((a.challenge, why)),
                Err(other) => return Err(other),
            }
        }
        Ok(done)
    }

    /// This official's history: who the service registered with this machine's key, its
    /// filings and accepted proofs as the service lists them, and the receipts kept in the
    /// data folder, each checked again against the pinned log key.
    pub fn history(&self) -> Result<History> {
        let officials: Vec<api::OfficialInfo> = self.request(
            || self.conn.client().get("/v1/officials"),
            || "cannot list the officials".to_owned(),
        )?;
        let public_key = hex::encode(self.key.verifying_key().as_bytes());
        let Some(me) = officials.into_iter().find(|o| o.public_key == public_key) else {
            return Err(OfficialError::KeyUnknown { public_key });
        };
        let record = self.record(&me.official)?;
        let log = self.conn.log_key()?;
        let receipts = self
            .conn
            .kept_receipts()?
            .iter()
            .map(|r| KeptReceipt {
                entry: r.proof.index,
                checked: r
                    .verify(&log.key)
                    .map(|(entry, _)| entry.body.type_name().to_owned())
                    .map_err(|e| e.to_string()),
            })
            .collect();
        Ok(History {
            record,
            receipts,
            newly_pinned: log.newly_pinned,
        })
    }

    /// The challenges addressed to this official, as the service lists them.
    fn asked(&self) -> Result<Vec<api::ChallengeView>> {
        self.request(
            || self.conn.client().get("/v1/official/challenges"),
            || "cannot list the challenges addressed to you".to_owned(),
        )
    }

    /// The official's public record, with a clear error for an unregistered id.
    fn record(&self, official: &OfficialId) -> Result<api::OfficialRecord> {
        let client = self.conn.client();
        match client.get(&format!("/v1/officials/{official}")) {
            Ok(record) => Ok(record),
            Err(e) if e.status() == Some(404) => Err(OfficialError::NotRegistered {
                official: official.clone(),
                base: client.base().to_owned(),
            }),
            Err(source) => Err(OfficialError::Request {
                what: format!("cannot read the record of {official}"),
                source,
            }),
        }
    }

    /// The params to prove `kinds` at `capacity` with, as the log published them, and the
    /// log key if this pinned it. From the service, the keys missing from `DATA_DIR/params`
    /// (or differing from the published ones) are downloaded, each checked against the log
    /// before it is kept; a folder given is used as it is, and its keys must be the
    /// published ones.
    fn proving_keys(
        &self,
        source: &ParamsSource,
        kinds: &[StatementKind],
        capacity: Capacity,
        progress: &dyn Progress,
    ) -> Result<(Params, Option<NewlyPinned>)> {
        let log = self.conn.log_key()?;
        let published =
            published_params(&self.conn, &log.key).map_err(OfficialError::PublishedParams)?;
        for &statement in kinds {
            if published.manifest.entry(statement, capacity).is_none() {
                return Err(OfficialError::NoServiceKey {
                    statement,
                    capacity,
                });
            }
        }
        let default = self.conn.data_dir().join(PARAMS_DIR);
        let dir = match source {
            ParamsSource::Service => {
                let needs: Vec<_> = kinds.iter().map(|&kind| (kind, capacity)).collect();
                let params = ensure_keys(&self.conn, &published, &default, &needs, progress)
                    .map_err(|source| OfficialError::FetchKeys {
                        dir: default,
                        source,
                    })?;
                return Ok((params, log.newly_pinned));
            }
            ParamsSource::Folder(dir) => dir,
        };
        let params = Params::open(dir).map_err(|source| OfficialError::ParamsFolder {
            dir: dir.clone(),
            default,
            source,
        })?;
        for &statement in kinds {
            let local = params.entry(statement, capacity)?;
            let theirs = published.key(statement, capacity)?;
            if local.verifying_key != theirs.verifying_key
                || local.proving_key_sha256 != theirs.proving_key_sha256
            {
                return Err(OfficialError::UnpublishedKey {
                    statement,
                    capacity,
                    dir: dir.clone(),
                });
            }
        }
        Ok((params, log.newly_pinned))
    }

    fn request<T>(
        &self,
        send: impl FnOnce() -> Result<T, ClientError>,
        what: impl FnOnce() -> String,
    ) -> Result<T> {
        send().map_err(|source| OfficialError::Request {
            what: what(),
            source,
        })
    }

    /// Checks the receipts against the pinned log key and keeps them.
    fn keep(&self, receipts: &[Receipt]) -> Result<Logged> {
        let log = self.conn.log_key()?;
        self.conn.keep_receipts(&log.key, receipts)?;
        Ok(Logged {
            entries: receipts.iter().map(|r| r.proof.index).collect(),
            newly_pinned: log.newly_pinned,
        })
    }
}

/// The requirements of the policy in force for `declaration`'s period (among `published`)
/// that apply to the official as registered (`me`), and that the declaration meets: each
/// gets its proof. One it does not meet gets a notice instead (the filing goes without that
/// proof).
fn required_proofs(
    published: &[api::PolicyView],
    me: &api::OfficialInfo,
    declaration: &Declaration,
    notices: &mut Vec<Notice>,
) -> Vec<PolicyRequirement> {
    let Some(policy) = api::policy_for(published, declaration.period()) else {
        return Vec::new();
    };
    let mut required = Vec::new();
    for r in policy.requirements_for(&me.position, &me.jurisdiction) {
        let total: u128 = declaration
            .items()
            .iter()
            .filter(|i| i.category == r.category)
            .map(|i| u128::from(i.value.0))
            .sum();
        if u128::from(r.lo.0) <= total && total <= u128::from(r.hi.0) {
            required.push(r.clone());
        } else {
            notices.push(Notice::RequirementNotMet {
                name: r.name.as_str().to_owned(),
                category: r.category,
                lo: r.lo.0,
                hi: r.hi.0,
            });
        }
    }
    required
}

/// How `declaration`'s filing deals with wealth_growth, given the official's `record`: from
/// the latest earlier filing, with the previous declaration read from `prev` (only then).
fn growth_plan(
    record: &api::OfficialRecord,
    declaration: &Declaration,
    prev: Option<&Path>,
    without_growth: bool,
    notices: &mut Vec<Notice>,
) -> Result<(GrowthPlan, Option<Declaration>)> {
    let (official, period) = (declaration.official(), declaration.period());
    let previous = record
        .filings
        .iter()
        .map(|f| f.period)
        .filter(|p| *p < period)
        .max()
        .and_then(|p| latest_filing(record, p))
        .cloned();
    let (previous, path) = match (previous, prev) {
        (None, prev) => {
            if prev.is_some() {
                notices.push(Notice::PrevIgnored {
                    official: official.clone(),
                    period,
                });
            }
            return Ok((GrowthPlan::NotNeeded, None));
        }
        (Some(previous), _) if without_growth => {
            return Ok((GrowthPlan::Skipped { previous }, None))
        }
        (Some(previous), None) => {
            return Err(OfficialError::PrevNeeded {
                official: official.clone(),
                previous: previous.period,
            })
        }
        (Some(previous), Some(path)) => (previous, path),
    };
    let prev = DeclarationFile::read(path)?.declaration;
    if prev.official() != official || prev.period() != previous.period {
        return Err(OfficialError::PrevNotLatest {
            path: path.to_owned(),
            prev_official: prev.official().clone(),
            prev_period: prev.period(),
            official: official.clone(),
            period,
            previous: previous.period,
        });
    }
    if previous.capacity != declaration.capacity() {
        return Err(OfficialError::PrevCapacity {
            previous: previous.period,
            previous_capacity: previous.capacity,
            capacity: declaration.capacity(),
        });
    }
    Ok((GrowthPlan::Prove { previous }, Some(prev)))
}

/// The filing that counts for `period`: the latest one (amendments replace earlier ones).
fn latest_filing(record: &api::OfficialRecord, period: Period) -> Option<&api::FilingInfo> {
    record.filings.iter().rev().find(|f| f.period == period)
}

/// The registry-id hash a challenge asks about.
fn id_hash(challenge: &api::ChallengeView) -> Result<IdHash> {
    challenge
        .id_hash
        .parse()
        .map_err(|e: String| OfficialError::BadIdHash(e))
}

/// The asset item of `decl` that answers `challenge` (numbered from 1 in file order), or why
/// none does: no asset has the registry id asked about, or none is declared at the least
/// value asked.
fn answering_item<'a>(
    decl: &'a DeclarationFile,
    challenge: &api::ChallengeView,
) -> Result<(usize, &'a Item)> {
    let found = matching_assets(&decl.declaration, id_hash(challenge)?);
    if let Some(&(item, answer)) = found.iter().find(|(_, i)| i.value.0 >= challenge.min_value) {
        return Ok((item, answer));
    }
    Err(match found.first() {
        Some(&(item, _)) => OfficialError::BelowLeastValue {
            item,
            path: decl.path.clone(),
            min_value: challenge.min_value,
        },
        None => OfficialError::NotDeclared {
            path: decl.path.clone(),
        },
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_growth_check_says_how_much_income_is_missing() {
        let from = Period::new(2025).expect("period");
        let check = |growth, income, tolerance| GrowthCheck {
            from,
            growth,
            income,
            tolerance,
        };
        assert_eq!(check(100, 60, 40).shortfall(), None);
        assert_eq!(check(-5, 0, 0).shortfall(), None);
        assert_eq!(check(100, 60, 0).shortfall(), Some(40));
        assert_eq!(
            check(661_500_000, 47_600_000, 0).shortfall(),
            Some(613_900_000)
        );
        assert!(!format!("{:?}", check(100, 60, 0)).contains("100"));
    }
}
