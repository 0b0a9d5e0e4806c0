//! `probity ceremony`: production keys from a multi-party phase-2 ceremony in snarkjs's
//! formats, so that snarkjs can check every step.
//!
//! - `r1cs`: a statement's circuit as an iden3 `.r1cs` file;
//! - `init`: the initial `.zkey` of each circuit over a prepared `.ptau` file (phase 1),
//!   byte for byte what `snarkjs groth16 setup` makes;
//! - `contribute`: one contribution, with OS randomness and optional typed entropy;
//! - `beacon`: the final contribution from a public random value;
//! - `verify`: every contribution of each key, back to the `.ptau` file.

use std::{
    path::{Path, PathBuf},
    process::ExitCode,
};

use anyhow::Context as _;
use clap::{Args, Subcommand};
use probity_core::{Capacity, StatementKind};
use probity_params::ceremony;

use super::{parse_capacity, parse_statement, Ctx};

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Write a statement's circuit as an iden3 .r1cs file (for `snarkjs r1cs info`,
    /// `snarkjs groth16 setup` and `snarkjs zkey verify`).
    R1cs(R1csOpts),
    /// Make the initial .zkey of each circuit from a powers-of-tau file prepared for
    /// phase 2 (`snarkjs powersoftau prepare phase2`).
    Init(InitOpts),
    /// Contribute to a .zkey: a secret from this machine's randomness (and any text you
    /// type) multiplies δ and is then forgotten. Prints the contribution hash to publish.
    Contribute(ContributeOpts),
    /// The final contribution, from a public random value announced in advance (for example
    /// a future block hash), which anyone can recompute.
    Beacon(BeaconOpts),
    /// Check .zkey files: every contribution's proof of knowledge and the chain back to the
    /// powers-of-tau file; lists the contributors with their hashes.
    Verify(VerifyOpts),
    /// Check final .zkey files as `verify` does, then write them as a params folder
    /// (proving keys and a manifest with `setup = "ceremony"` and each key's transcript).
    Import(ImportOpts),
}

#[derive(Debug, Args)]
pub(crate) struct ImportOpts {
    #[command(flatten)]
    keys: VerifyOpts,
    /// The params folder to write (new, or holding ceremony keys already).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
}

/// No derived `Debug`: `entropy` is part of a contributor's secret.
#[derive(Args)]
pub(crate) struct ContributeOpts {
    /// The key to contribute to.
    input: PathBuf,
    /// The key to write.
    output: PathBuf,
    /// Your name or your body's, as the key records it (64 characters at most).
    #[arg(long)]
    name: Option<String>,
    /// Extra entropy as text (it may stay in your shell's history; without it, and on a
    /// terminal, you are asked for some, not echoed).
    #[arg(long, value_name = "TEXT")]
    entropy: Option<String>,
}

impl std::fmt::Debug for ContributeOpts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ContributeOpts")
            .field("input", &self.input)
            .field("output", &self.output)
            .field("name", &self.name)
            .field("entropy", &self.entropy.as_ref().map(|_| ".."))
            .finish()
    }
}

#[derive(Debug, Args)]
pub(crate) struct BeaconOpts {
    /// The key to finish.
    input: PathBuf,
    /// The key to write.
    output: PathBuf,
    /// The public random value, in hex.
    #[arg(long, value_name = "HEX")]
    value: String,
    /// SHA-256 is applied 2^N times to the value (10 to 63).
    #[arg(long, value_name = "N", default_value_t = 10)]
    iterations_exp: u8,
    /// The name the key records for the beacon.
    #[arg(long)]
    name: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct VerifyOpts {
    /// The phase-1 file the ceremony started from.
    #[arg(long, value_name = "FILE")]
    ptau: PathBuf,
    /// The keys, each named STATEMENT-CAPACITY….zkey unless --statement and --capacity say.
    #[arg(required = true)]
    zkeys: Vec<PathBuf>,
    /// The statement of the keys.
    #[arg(long, value_name = "NAME", value_parser = parse_statement, requires = "capacity")]
    statement: Option<StatementKind>,
    /// The capacity of the keys.
    #[arg(long, value_name = "N", value_parser = parse_capacity, requires = "statement")]
    capacity: Option<Capacity>,
}

#[derive(Debug, Args)]
pub(crate) struct R1csOpts {
    /// The statement.
    #[arg(long, value_name = "NAME", value_parser = parse_statement)]
    statement: StatementKind,
    /// The capacity.
    #[arg(long, value_name = "N", value_parser = parse_capacity)]
    capacity: Capacity,
    /// The file to write.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct InitOpts {
    /// The phase-1 file: a BN254 powers of tau prepared for phase 2.
    #[arg(long, value_name = "FILE")]
    ptau: PathBuf,
    /// The folder to write STATEMENT-CAPACITY.zkey files into (created if missing).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Capacity to make keys for; repeat for several [default: 16 and 64].
    #[arg(long = "capacity", value_name = "N", value_parser = parse_capacity)]
    capacities: Vec<Capacity>,
    /// Statement to make keys for; repeat for several [default: all four].
    #[arg(long = "statement", value_name = "NAME", value_parser = parse_statement)]
    statements: Vec<StatementKind>,
}

pub(crate) fn run(ctx: &Ctx, cmd: Command) -> anyhow::Result<ExitCode> {
    match cmd {
        Command::R1cs(opts) => r1cs(ctx, opts),
        Command::Init(opts) => init(ctx, opts),
        Command::Contribute(opts) => contribute(ctx, opts),
        Command::Beacon(opts) => beacon(ctx, opts),
        Command::Verify(opts) => verify(ctx, opts),
        Command::Import(opts) => import(ctx, opts),
    }
}

fn read(path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
}

/// A spinner on the terminal while `work` runs (hidden with --json).
fn working<T>(ctx: &Ctx, what: &str, work: impl FnOnce() -> T) -> T {
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
            .expect("the template is valid"),
    );
    if ctx.json {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    bar.set_message(what.to_owned());
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    let out = work();
    bar.finish_and_clear();
    out
}

fn contribute(ctx: &Ctx, opts: ContributeOpts) -> anyhow::Result<ExitCode> {
    let zkey = read(&opts.input)?;
    let entropy = match opts.entropy {
        Some(text) => text,
        None if std::io::IsTerminal::is_terminal(&std::io::stdin()) => rpassword::prompt_password(
            "Type some random text (it adds to this machine's randomness; not shown), then Enter: ",
        )
        .context("cannot read the entropy")?,
        None => String::new(),
    };
    let made = working(ctx, "Contributing", || {
        ceremony::contribute(&zkey, opts.name.as_deref(), entropy.as_bytes())
    })
    .with_context(|| format!("cannot contribute to {}", opts.input.display()))?;
    write(&opts.output, &made.bytes)?;
    let hash = hex::encode(made.hash);
    ctx.emit(
        &format!(
            "Wrote {}.\nYour contribution hash (publish it, so that you can find it in the final key):\n{}",
            opts.output.display(),
            grouped(&hash)
        ),
        serde_json::json!({ "file": opts.output, "contribution_hash": hash }),
    );
    Ok(ExitCode::SUCCESS)
}

fn beacon(ctx: &Ctx, opts: BeaconOpts) -> anyhow::Result<ExitCode> {
    let zkey = read(&opts.input)?;
    let value =
        hex::decode(opts.value.trim_start_matches("0x")).context("the beacon value is not hex")?;
    let made = working(ctx, "Applying the beacon", || {
        ceremony::beacon(&zkey, opts.name.as_deref(), &value, opts.iterations_exp)
    })
    .with_context(|| format!("cannot apply the beacon to {}", opts.input.display()))?;
    write(&opts.output, &made.bytes)?;
    let hash = hex::encode(made.hash);
    ctx.emit(
        &format!(
            "Wrote {}.\nThe beacon's contribution hash:\n{}",
            opts.output.display(),
            grouped(&hash)
        ),
        serde_json::json!({ "file": opts.output, "contribution_hash": hash }),
    );
    Ok(ExitCode::SUCCESS)
}

/// A hash in groups of eight hex digits, four groups a line, as snarkjs prints it.
fn grouped(hash: &str) -> String {
    hash.as_bytes()
        .chunks(32)
        .map(|line| {
            line.chunks(8)
                .map(|g| String::from_utf8_lossy(g).into_owned())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .map(|line| format!("  {line}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The statement and capacity a key's file name gives: `STATEMENT-CAPACITY[-…].zkey`.
fn circuit_of(path: &Path) -> Option<(StatementKind, Capacity)> {
    let stem = path.file_stem()?.to_str()?;
    let mut parts = stem.split('-');
    let statement = parse_statement(parts.next()?).ok()?;
    let capacity = parse_capacity(parts.next()?).ok()?;
    Some((statement, capacity))
}

/// Each key checked: its circuit, its bytes, and what the check found.
type Checked = Vec<(StatementKind, Capacity, Vec<u8>, ceremony::Verified)>;

/// What a check printed: the lines, and the keys as JSON.
struct Report {
    lines: Vec<String>,
    keys: Vec<serde_json::Value>,
}

fn verify(ctx: &Ctx, opts: VerifyOpts) -> anyhow::Result<ExitCode> {
    let ptau = opts.ptau.clone();
    let (_, report) = check(ctx, opts)?;
    ctx.emit(
        &report.lines.join("\n"),
        serde_json::json!({ "ptau": ptau, "keys": report.keys }),
    );
    Ok(ExitCode::SUCCESS)
}

/// Checks every key of `opts`; an error names the first that does not check.
fn check(ctx: &Ctx, opts: VerifyOpts) -> anyhow::Result<(Checked, Report)> {
    let ptau = ceremony::Ptau::open(&opts.ptau)?;
    let mut circuits: std::collections::BTreeMap<
        (StatementKind, Capacity),
        ceremony::CircuitReference,
    > = Default::default();
    let (mut lines, mut keys, mut checked) = (Vec::new(), Vec::new(), Vec::new());
    for path in &opts.zkeys {
        let (statement, capacity) = match (opts.statement, opts.capacity) {
            (Some(s), Some(c)) => (s, c),
            _ => circuit_of(path).with_context(|| {
                format!(
                    "{}: name the file STATEMENT-CAPACITY.zkey or pass --statement and --capacity",
                    path.display()
                )
            })?,
        };
        let circuit = match circuits.entry((statement, capacity)) {
            std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::btree_map::Entry::Vacant(e) => e.insert(
                ceremony::reference(statement, capacity, &ptau)
                    .with_context(|| format!("the {statement} circuit at capacity {capacity}"))?,
            ),
        };
        let zkey = read(path)?;
        let verified = working(ctx, &format!("Checking {}", path.display()), || {
            ceremony::verify(&zkey, circuit)
        })
        .with_context(|| format!("{}", path.display()))?;
        checked.push((statement, capacity, zkey.clone(), verified.clone()));
        lines.push(format!(
            "{}: {statement} at capacity {capacity}, OK\n  circuit hash {}",
            path.display(),
            hex::encode(verified.circuit_hash)
        ));
        let mut contributions = Vec::new();
        for (i, c) in verified.contributions.iter().enumerate() {
            let hash = hex::encode(c.hash());
            let name = c.name.clone().unwrap_or_default();
            let beacon = c.beacon.as_ref().map(|b| {
                format!(
                    " (beacon {} iterated 2^{})",
                    hex::encode(&b.value),
                    b.iterations_exp
                )
            });
            lines.push(format!(
                "  #{} {name}{}: {hash}",
                i + 1,
                beacon.clone().unwrap_or_default()
            ));
            contributions.push(serde_json::json!({
                "name": c.name,
                "contribution_hash": hash,
                "beacon": c.beacon.as_ref().map(|b| serde_json::json!({
                    "value": hex::encode(&b.value),
                    "iterations_exp": b.iterations_exp,
                })),
            }));
        }
        keys.push(serde_json::json!({
            "file": path,
            "statement": statement,
            "capacity": capacity,
            "circuit_hash": hex::encode(verified.circuit_hash),
            "contributions": contributions,
        }));
    }
    Ok((checked, Report { lines, keys }))
}

fn import(ctx: &Ctx, opts: ImportOpts) -> anyhow::Result<ExitCode> {
    let (checked, mut report) = check(ctx, opts.keys)?;
    let mut keys = Vec::new();
    for (statement, capacity, zkey, verified) in checked {
        keys.push(probity_params::CeremonyKey {
            statement,
            capacity,
            proving_key: ceremony::proving_key(&zkey)?,
            transcript: probity_core::KeyCeremony {
                circuit_hash: hex::encode(verified.circuit_hash),
                contributions: verified
                    .contributions
                    .iter()
                    .map(|c| probity_core::KeyContribution {
                        name: c.name.clone().unwrap_or_default(),
                        hash: hex::encode(c.hash()),
                    })
                    .collect(),
            },
        });
    }
    let manifest = probity_params::import_ceremony(&opts.out, &keys)
        .with_context(|| format!("cannot import into {}", opts.out.display()))?;
    report.lines.push(format!(
        "Imported {} ceremony keys into {} (its manifest now lists {}).",
        keys.len(),
        opts.out.display(),
        manifest.keys.len()
    ));
    ctx.emit(
        &report.lines.join("\n"),
        serde_json::json!({ "dir": opts.out, "imported": report.keys, "manifest_keys": manifest.keys.len() }),
    );
    Ok(ExitCode::SUCCESS)
}

fn r1cs(ctx: &Ctx, opts: R1csOpts) -> anyhow::Result<ExitCode> {
    let file = ceremony::r1cs(opts.statement, opts.capacity)?;
    write(&opts.out, &file.bytes)?;
    ctx.emit(
        &format!(
            "Wrote the {} circuit at capacity {} to {}: {} constraints, {} public inputs, {} wires",
            opts.statement,
            opts.capacity,
            opts.out.display(),
            file.num_constraints,
            file.num_public_inputs,
            file.num_wires
        ),
        serde_json::json!({
            "file": opts.out,
            "statement": opts.statement,
            "capacity": opts.capacity,
            "constraints": file.num_constraints,
            "public_inputs": file.num_public_inputs,
            "wires": file.num_wires,
        }),
    );
    Ok(ExitCode::SUCCESS)
}

/// The file name of a circuit's key in a ceremony folder.
fn zkey_name(statement: StatementKind, capacity: Capacity) -> String {
    format!("{}-{}.zkey", statement.name(), capacity.slots())
}

fn init(ctx: &Ctx, opts: InitOpts) -> anyhow::Result<ExitCode> {
    let ptau = ceremony::Ptau::open(&opts.ptau)?;
    let (capacities, statements) = super::key_pairs(opts.capacities, opts.statements);
    std::fs::create_dir_all(&opts.out)
        .with_context(|| format!("cannot create {}", opts.out.display()))?;
    let mut lines = Vec::new();
    let mut made = Vec::new();
    for &capacity in &capacities {
        for &statement in &statements {
            let zkey = ceremony::init(statement, capacity, &ptau)
                .with_context(|| format!("the {statement} circuit at capacity {capacity}"))?;
            let path = opts.out.join(zkey_name(statement, capacity));
            write(&path, &zkey.bytes)?;
            let hash = hex::encode(zkey.circuit_hash);
            lines.push(format!(
                "  {}: {statement} at capacity {capacity}, circuit hash {hash}",
                path.display()
            ));
            made.push(serde_json::json!({
                "file": path,
                "statement": statement,
                "capacity": capacity,
                "circuit_hash": hash,
            }));
        }
    }
    ctx.emit(
        &format!(
            "Initial keys over {} (power {}):\n{}",
            opts.ptau.display(),
            ptau.power(),
            lines.join("\n")
        ),
        serde_json::json!({ "ptau": opts.ptau, "power": ptau.power(), "zkeys": made }),
    );
    Ok(ExitCode::SUCCESS)
}

/// Writes `bytes` to `path` atomically and durably.
fn write(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    probity_core::durable::write_atomic(path, bytes)
        .with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_entropy_stays_out_of_debug() {
        let opts = ContributeOpts {
            input: "in.zkey".into(),
            output: "out.zkey".into(),
            name: Some("Body One".into()),
            entropy: Some("my secret words".into()),
        };
        let shown = format!("{opts:?}");
        assert!(
            shown.contains("Body One") && !shown.contains("secret words"),
            "{shown}"
        );
    }
}
