//! `probity ledger`: checkpoint keys, and auditing a transparency log from outside. `verify`
//! recomputes the whole tree from the entries; `prove-inclusion` and `prove-consistency`
//! print proofs that anyone can check against the log's signed checkpoint.
//!
//! A log is read from a folder of its tiles (a mirror) or from an `http(s)://` URL (the base
//! of its tiles, or a service's address, as `--server` takes it), and is trusted only as far
//! as its verifier key and the mathematics go.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    process::ExitCode,
};

use anyhow::{bail, Context as _};
use clap::{Args, Subcommand};
use probity_ledger::{
    audit::{self, AuditError},
    leaf_hash, read_entries, root, CheckpointSigner, CheckpointVerifier, DirSource, Hash,
    LogSource, ProofError, SignedCheckpoint, TileError, VerifiedHashes, CHECKPOINT_PATH,
};
use serde_json::json;

use super::Ctx;

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Make a checkpoint signing key (a log's or a witness's) and print its verifier key.
    Keygen(KeygenOpts),
    /// Recompute the whole tree from the log's entries and check it against the signed
    /// checkpoint; exit code 0 only if everything matches.
    Verify(VerifyOpts),
    /// Print the inclusion proof of one entry, with the checkpoint it was checked against.
    ProveInclusion(InclusionOpts),
    /// Print the consistency proof between two tree sizes, with the checkpoint.
    ProveConsistency(ConsistencyOpts),
}

#[derive(Debug, Args)]
pub(crate) struct KeygenOpts {
    /// Key name: the log's origin (e.g. `probity.example/log`) or the witness's name.
    #[arg(long)]
    name: String,
    /// The secret key file to create (mode 0600; an existing file is never overwritten).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Print the witness's cosignature/v1 verifier key (type 0x04) instead of the log's
    /// Ed25519 verifier key (type 0x01).
    #[arg(long)]
    witness: bool,
}

/// Which log, and the key that must have signed it.
#[derive(Debug, Args)]
pub(crate) struct LogArgs {
    /// The log: a folder holding its `checkpoint` and `tile/`, or an http(s):// URL: of such a
    /// folder, or a service's address (as `--server` takes it).
    #[arg(value_name = "DIR_OR_URL")]
    log: String,
    /// The log's verifier key (`origin+id+base64`, as the log publishes it), or a file
    /// holding it.
    #[arg(long, value_name = "VKEY")]
    log_key: String,
}

#[derive(Debug, Args)]
pub(crate) struct VerifyOpts {
    #[command(flatten)]
    log: LogArgs,
}

#[derive(Debug, Args)]
pub(crate) struct InclusionOpts {
    #[command(flatten)]
    log: LogArgs,
    /// The entry's index (0-based).
    #[arg(long, value_name = "I")]
    index: u64,
    /// The tree size the proof is for [default: the checkpoint's size].
    #[arg(long, value_name = "N")]
    size: Option<u64>,
}

#[derive(Debug, Args)]
pub(crate) struct ConsistencyOpts {
    #[command(flatten)]
    log: LogArgs,
    /// The earlier tree size.
    #[arg(long, value_name = "N")]
    old: u64,
    /// The later tree size [default: the checkpoint's size].
    #[arg(long = "new", value_name = "M")]
    new_size: Option<u64>,
}

pub(crate) fn run(ctx: &Ctx, cmd: Command) -> anyhow::Result<ExitCode> {
    match cmd {
        Command::Keygen(opts) => keygen(ctx, opts),
        Command::Verify(opts) => verify(ctx, opts),
        Command::ProveInclusion(opts) => prove_inclusion(ctx, opts),
        Command::ProveConsistency(opts) => prove_consistency(ctx, opts),
    }
}

/// Says how hashes are printed, wherever they are.
const HASH_ENCODING: &str = "base64";

/// Reads a log from a folder or a URL.
pub(crate) fn open_source(location: &str) -> anyhow::Result<Box<dyn LogSource>> {
    if location.starts_with("http://") || location.starts_with("https://") {
        return Ok(Box::new(probity_client::log_source(location)?));
    }
    let dir = Path::new(location);
    if !dir.join(CHECKPOINT_PATH).is_file() {
        bail!(
            "{} holds no `checkpoint` file: give the folder of a log's tiles (with `checkpoint` and `tile/`), or an http(s):// URL",
            dir.display()
        );
    }
    Ok(Box::new(DirSource::new(dir)))
}

/// `--log-key`: a verifier key, or a file holding one. Errors never repeat the text given,
/// which could be a secret key passed by mistake.
pub(crate) fn log_key(arg: &str) -> anyhow::Result<CheckpointVerifier> {
    let path = Path::new(arg);
    let text = if !arg.contains('+') && path.is_file() {
        std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the log key file {}", path.display()))?
    } else {
        arg.to_owned()
    };
    CheckpointVerifier::from_vkey(text.trim()).context(
        "--log-key is not usable: pass the log's verifier key (`origin+id+base64`, as the log publishes it), or a file holding it",
    )
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn note_text(cp: &SignedCheckpoint) -> String {
    String::from_utf8_lossy(cp.to_bytes()).into_owned()
}

fn keygen(ctx: &Ctx, opts: KeygenOpts) -> anyhow::Result<ExitCode> {
    let signer = CheckpointSigner::generate(&opts.name, &mut rand::rngs::OsRng)?;
    signer
        .save(&opts.out)
        .context("the key was not written; nothing changed")?;
    let verifier = signer.verifier();
    let (vkey, kind, who) = if opts.witness {
        (
            verifier.cosignature_vkey(),
            "cosignature/v1 (type 0x04)",
            "give it to the log's clients, who check this witness's cosignatures with it",
        )
    } else {
        (
            verifier.ed25519_vkey(),
            "Ed25519 (type 0x01)",
            "publish it: clients, auditors and witnesses check the log's checkpoints with it",
        )
    };
    let text = format!(
        "Secret key written to {} (readable by you only; keep it secret and back it up).\n\
         Verifier key, {kind}; {who}:\n{vkey}",
        opts.out.display()
    );
    ctx.emit(
        &text,
        json!({
            "name": opts.name,
            "key_file": opts.out,
            "verifier_key": vkey,
            "ed25519_verifier_key": verifier.ed25519_vkey(),
            "cosignature_verifier_key": verifier.cosignature_vkey(),
        }),
    );
    Ok(ExitCode::SUCCESS)
}

/// Prints why the log failed a check, and exits 1; or passes on an error that is not the
/// log's fault (exit code 2).
fn failed(ctx: &Ctx, what: &str, e: AuditError) -> anyhow::Result<ExitCode> {
    match &e {
        AuditError::Source(t) if t.is_unreachable() => return Err(e.into()),
        AuditError::Proof(ProofError::OutOfRange(_)) => {
            return Err(anyhow::Error::new(e).context(format!(
                "cannot make {what}: give an index below the tree size, and sizes no larger than the checkpoint's"
            )))
        }
        _ => {}
    }
    eoutln!("FAILED  {what}: {e}");
    if ctx.json {
        ctx.emit("", json!({ "verified": false, "error": e.to_string() }));
    }
    Ok(ExitCode::from(1))
}

fn verify(ctx: &Ctx, opts: VerifyOpts) -> anyhow::Result<ExitCode> {
    let key = log_key(&opts.log.log_key)?;
    let source = open_source(&opts.log.log)?;
    let report = match audit::verify_log(&*source, &key) {
        Ok(r) => r,
        Err(e) => return failed(ctx, "the log does not check out", e),
    };
    let cp = &report.checkpoint;
    let width = report.counts.keys().map(|k| k.len()).max().unwrap_or(0);
    let counts = report
        .counts
        .iter()
        .map(|(t, n)| format!("  {t:<width$}  {n}"))
        .collect::<Vec<_>>()
        .join("\n");
    let text = format!(
        "VERIFIED  {}: {} entries recomputed from the entry bundles; the root and every hash tile \
         match the checkpoint signed by the log's key, and every filing's signature checks out.\n\
         Checkpoint (signed at {} POSIX seconds; hashes in {HASH_ENCODING}):\n{}\n\
         Entries by type:\n{}",
        cp.origin(),
        cp.size(),
        cp.time(),
        indent(&note_text(cp)),
        if counts.is_empty() {
            "  (none)".to_owned()
        } else {
            counts
        }
    );
    let counts_json: BTreeMap<String, u64> = report
        .counts
        .iter()
        .map(|(k, v)| ((*k).to_owned(), *v))
        .collect();
    ctx.emit(
        &text,
        json!({
            "verified": true,
            "origin": cp.origin(),
            "size": cp.size(),
            "root": cp.root().to_string(),
            "time": cp.time(),
            "hash_encoding": HASH_ENCODING,
            "checkpoint": note_text(cp),
            "counts": counts_json,
        }),
    );
    Ok(ExitCode::SUCCESS)
}

/// The root of the tree of `size` entries, authenticated against `cp`.
fn root_at<L: LogSource + ?Sized>(
    source: &L,
    cp: &SignedCheckpoint,
    size: u64,
) -> Result<Hash, AuditError> {
    if size == cp.size() {
        return Ok(cp.root());
    }
    Ok(root(&VerifiedHashes::new(source, cp), size)?)
}

fn prove_inclusion(ctx: &Ctx, opts: InclusionOpts) -> anyhow::Result<ExitCode> {
    let key = log_key(&opts.log.log_key)?;
    let source = open_source(&opts.log.log)?;
    let what = format!("the inclusion proof of entry {}", opts.index);
    let result = (|| -> Result<_, AuditError> {
        let (proof, cp) = audit::prove_inclusion(&*source, &key, opts.index, opts.size)?;
        let hashes = VerifiedHashes::new(&*source, &cp);
        let entry = read_entries(&*source, opts.index, opts.index + 1, cp.size())?
            .pop()
            .ok_or_else(|| TileError::BadData(format!("entry {} is missing", opts.index)))?;
        let leaf = leaf_hash(&entry);
        if hashes.leaf_hashes(opts.index, opts.index + 1)? != [leaf] {
            return Err(AuditError::BadEntry {
                index: opts.index,
                reason: "the entry bundle does not match the tree".into(),
            });
        }
        let tree_root = root_at(&*source, &cp, proof.tree_size)?;
        proof.verify(leaf, tree_root)?;
        Ok((proof, cp, entry, leaf, tree_root))
    })();
    let (proof, cp, entry, leaf, tree_root) = match result {
        Ok(x) => x,
        Err(e) => return failed(ctx, &what, e),
    };
    let entry = String::from_utf8_lossy(&entry).into_owned();
    let path = proof
        .path
        .iter()
        .map(|h| format!("    {h}"))
        .collect::<Vec<_>>()
        .join("\n");
    let text = format!(
        "Inclusion proof: entry {} is in the tree of {} entries of {}.\n\
         Hashes are {HASH_ENCODING} (standard alphabet), as in the checkpoint.\n\
         \x20 leaf hash  SHA-256(0x00 || entry) = {leaf}\n\
         \x20 tree root  (size {}) = {tree_root}\n\
         \x20 path, leaf to root ({} hashes):\n{}\n\
         Entry {}:\n  {entry}\n\
         Checkpoint it was checked against:\n{}",
        proof.index,
        proof.tree_size,
        cp.origin(),
        proof.tree_size,
        proof.path.len(),
        if path.is_empty() {
            "    (none)".to_owned()
        } else {
            path
        },
        proof.index,
        indent(&note_text(&cp)),
    );
    ctx.emit(
        &text,
        json!({
            "hash_encoding": HASH_ENCODING,
            "origin": cp.origin(),
            "index": proof.index,
            "tree_size": proof.tree_size,
            "leaf_hash": leaf.to_string(),
            "root": tree_root.to_string(),
            "proof": proof,
            "entry": entry,
            "checkpoint": note_text(&cp),
        }),
    );
    Ok(ExitCode::SUCCESS)
}

fn prove_consistency(ctx: &Ctx, opts: ConsistencyOpts) -> anyhow::Result<ExitCode> {
    let key = log_key(&opts.log.log_key)?;
    let source = open_source(&opts.log.log)?;
    let what = format!("the consistency proof from size {}", opts.old);
    let result = (|| -> Result<_, AuditError> {
        let (proof, cp) = audit::prove_consistency(&*source, &key, opts.old, opts.new_size)?;
        let old_root = root_at(&*source, &cp, proof.old_size)?;
        let new_root = root_at(&*source, &cp, proof.new_size)?;
        proof.verify(old_root, new_root)?;
        Ok((proof, cp, old_root, new_root))
    })();
    let (proof, cp, old_root, new_root) = match result {
        Ok(x) => x,
        Err(e) => return failed(ctx, &what, e),
    };
    let path = proof
        .path
        .iter()
        .map(|h| format!("    {h}"))
        .collect::<Vec<_>>()
        .join("\n");
    let text = format!(
        "Consistency proof: the tree of {} entries of {} is a prefix of the tree of {}.\n\
         Hashes are {HASH_ENCODING} (standard alphabet), as in the checkpoint.\n\
         \x20 old root  (size {}) = {old_root}\n\
         \x20 new root  (size {}) = {new_root}\n\
         \x20 proof ({} hashes):\n{}\n\
         Checkpoint it was checked against:\n{}",
        proof.old_size,
        cp.origin(),
        proof.new_size,
        proof.old_size,
        proof.new_size,
        proof.path.len(),
        if path.is_empty() {
            "    (none)".to_owned()
        } else {
            path
        },
        indent(&note_text(&cp)),
    );
    ctx.emit(
        &text,
        json!({
            "hash_encoding": HASH_ENCODING,
            "origin": cp.origin(),
            "old_size": proof.old_size,
            "new_size": proof.new_size,
            "old_root": old_root.to_string(),
            "new_root": new_root.to_string(),
            "proof": proof,
            "checkpoint": note_text(&cp),
        }),
    );
    Ok(ExitCode::SUCCESS)
}
