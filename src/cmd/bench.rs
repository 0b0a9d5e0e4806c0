//! `probity bench`: proving and verifying times and peak memory on this machine.
//!
//! What an IT department runs on the laptops its officials will use, to see whether they will
//! do. For every statement and capacity asked for, it makes throwaway keys, a realistic
//! declaration, a few proofs, and checks each proof the way a supervisor would; it prints a
//! table and always writes `bench-report.json` and `bench-report.md` into `--out DIR`.
//!
//! # Keys
//! The keys are development keys made with this machine's randomness in a temporary params
//! folder, removed when the measurement ends. This is a bench, not a setup: nothing is
//! written to the data folder's params, and no proof made here means anything to anyone.
//!
//! # What is measured
//! - **key generation**: [`probity_params::setup_dev`] for the statement and capacity.
//!   Officials never do this; it is shown because it is the slowest step of a dev setup.
//! - **set-up, first proof**: [`Prover::from_params`] the first time: loading and
//!   hash-checking the key, and synthesizing the circuit's matrices, which it keeps in the
//!   params folder ([`probity_prover::Synthesized::kept`]).
//! - **set-up**: [`Prover::from_params`] again, reading the kept matrices: what every later
//!   proof pays before proving. (`probity official prove` runs it beside the wallet's
//!   Argon2id.)
//! - **prove**: from an opening in memory to the proof bytes, with that prover: the native
//!   check of the statement, the witness, Groth16, and the prover's own check of the proof.
//!   Median and minimum of `--runs` proofs.
//! - **verify**: from the proof bytes to the verdict, as a supervisor does: decoding the
//!   proof with its curve and subgroup checks, then [`probity_verifier::verify`]. Median.
//! - **batch verify, per proof**: [`probity_verifier::verify_batch`] over batches of
//!   [`BATCH_SIZES`] proofs (decoding included), divided by the batch size; what a supervisor
//!   checking a period's filings pays per proof. The batch repeats the run's proofs to fill
//!   it: each entry still gets its own random scalar and its own pairing, so the cost per
//!   entry is that of distinct proofs. Median of [`BATCH_REPEATS`] batches.
//! - **peak memory**: the resident-set high-water mark. Each (statement, capacity) runs in a
//!   child process of this executable (`bench --child STATEMENT CAPACITY`, hidden), so that
//!   one measurement's memory does not hide the next one's. "While proving" is the peak from
//!   making the prover to the last verification, proving key and matrices held: what an
//!   official's machine needs. "Overall" includes key generation. Both come from `VmHWM` in
//!   `/proc/self/status` (the "while proving" peak restarts the counter through
//!   `/proc/self/clear_refs`), so they are Linux-only and `n/a` elsewhere. The "while
//!   proving" peak starts from the resident size after key generation, which may include
//!   memory the allocator kept after key generation freed it: an upper bound. Proving reuses
//!   that memory, so in practice it is close (for `wealth_growth` at capacity 64, returning
//!   it to the system first moved the figure by about 1 %).
//!
//! The report also names the CPU features probity's libraries detect and use here (SHA-NI
//! for hashing keys, AVX2 for the wallet's Argon2id), and how the field arithmetic is built:
//! portable Rust in every build, since arkworks' x86-64 assembly is chosen when the program
//! is compiled and would stop with an illegal instruction on a CPU without `adx` and `bmi2`.
//!
//! No figure here is asserted anywhere (DESIGN.md §10): they are measurements for people.

use std::{
    fmt::Write as _,
    path::{Path, PathBuf},
    process::{Command, ExitCode},
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use anyhow::{anyhow, bail, Context as _};
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use probity_core::{
    category_total, Amount, AssetId, Blindings, Capacity, Category, Class, Declaration, Item,
    OfficialId, Opening, Owner, Period, ProofEnvelope, PublicInputs, SignedAmount, StatementKind,
    PROOF_LEN,
};
use probity_params::Params;
use probity_prover::{ProveError, Prover};
use probity_verifier::{Proof, StatementVerifyingKey};
use rand::{rngs::OsRng, CryptoRng, Rng, RngCore};
use serde::{Deserialize, Serialize};

use super::{parse_capacity, parse_statement, Ctx};

/// File name of the JSON report.
const REPORT_JSON: &str = "bench-report.json";
/// File name of the Markdown report.
const REPORT_MD: &str = "bench-report.md";
/// Batch sizes of the batch-verification figure.
const BATCH_SIZES: [usize; 2] = [16, 64];
/// Batches timed per size; the median is reported.
const BATCH_REPEATS: usize = 3;
/// How the keys of every measurement are made; said in every report.
const KEYS_NOTE: &str =
    "throwaway development keys made in a temporary folder for this bench and removed after it";

#[derive(Debug, Args)]
pub(crate) struct Opts {
    /// Statement to measure; repeat for several [default: all four].
    #[arg(long = "statement", value_name = "NAME", value_parser = parse_statement)]
    statements: Vec<StatementKind>,
    /// Capacity to measure; repeat for several [default: 16 and 64].
    #[arg(long = "capacity", value_name = "N", value_parser = parse_capacity)]
    capacities: Vec<Capacity>,
    /// Proofs to make (and verify) per statement and capacity.
    #[arg(long, value_name = "N", default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=1000))]
    runs: u32,
    /// Folder for bench-report.json and bench-report.md.
    #[arg(long, value_name = "DIR", default_value = ".")]
    out: PathBuf,
    /// Measures one statement at one capacity in this process and prints its figures as one
    /// JSON line (what the parent bench runs in each child process).
    #[arg(long, hide = true, num_args = 2, value_names = ["STATEMENT", "CAPACITY"])]
    child: Option<Vec<String>>,
}

pub(crate) fn run(ctx: &Ctx, opts: Opts) -> anyhow::Result<ExitCode> {
    if let Some(child) = &opts.child {
        return run_child(child, opts.runs);
    }
    let pairs = pairs(&opts);
    // Fail on an unusable output folder before minutes of measuring, not after.
    std::fs::create_dir_all(&opts.out).with_context(|| {
        format!(
            "cannot create the report folder {}: pass --out DIR with a folder you can write to",
            opts.out.display()
        )
    })?;
    let out = opts.out.canonicalize().unwrap_or_else(|_| opts.out.clone());
    let exe = std::env::current_exe().context(
        "cannot find this program's own executable, which the bench runs once per measurement",
    )?;

    let machine = Machine::detect();
    if !ctx.json {
        eoutln!(
            "Measuring {} statement/capacity pair(s), {} proof(s) each, on {} ({} cores).\n{}.\nKeys: {KEYS_NOTE}.",
            pairs.len(),
            opts.runs,
            machine.cpu_model,
            machine.cores,
            machine.features()
        );
        if machine.build == "debug" {
            eoutln!(
                "Note: this is a debug build; build with --release for figures that mean anything."
            );
        }
    }
    let (results, failures) = measure_all(ctx, &exe, &pairs, opts.runs);
    let report = Report {
        probity_version: env!("CARGO_PKG_VERSION").to_owned(),
        date_utc: probity_prover::wallet::format_utc(
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0),
        ),
        command_line: command_line(std::env::args()),
        machine,
        keys: KEYS_NOTE.to_owned(),
        runs: opts.runs,
        results,
        failures,
    };
    let md_path = write_report(ctx, &out, &report)?;
    if !report.failures.is_empty() {
        let which: Vec<String> = report
            .failures
            .iter()
            .map(|f| format!("{} at capacity {}", f.statement, f.capacity))
            .collect();
        bail!(
            "{} of {} measurement(s) failed ({}): why, and what to do, is said above and in {}",
            report.failures.len(),
            pairs.len(),
            which.join(", "),
            md_path.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The (statement, capacity) pairs to measure: those asked for, or every statement at 16
/// and 64.
fn pairs(opts: &Opts) -> Vec<(StatementKind, Capacity)> {
    let statements = if opts.statements.is_empty() {
        StatementKind::ALL.to_vec()
    } else {
        opts.statements.clone()
    };
    let capacities = if opts.capacities.is_empty() {
        vec![Capacity::C16, Capacity::C64]
    } else {
        opts.capacities.clone()
    };
    capacities
        .iter()
        .flat_map(|c| statements.iter().map(move |k| (*k, *c)))
        .collect()
}

/// Measures each pair in a child process of its own, under a progress bar.
fn measure_all(
    ctx: &Ctx,
    exe: &Path,
    pairs: &[(StatementKind, Capacity)],
    runs: u32,
) -> (Vec<Figures>, Vec<Failure>) {
    let bar = ProgressBar::new(pairs.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("{spinner} {bar:30} {pos}/{len} {msg} ({elapsed})")
            .expect("the template is valid"),
    );
    if ctx.json {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    }
    bar.enable_steady_tick(Duration::from_millis(200));
    let mut results = Vec::new();
    let mut failures = Vec::new();
    for &(kind, capacity) in pairs {
        bar.set_message(format!("{kind} at capacity {capacity}"));
        match measure_in_child(exe, ctx, kind, capacity, runs) {
            Ok(figures) => results.push(figures),
            Err(error) => {
                bar.suspend(|| {
                    if !ctx.json {
                        eoutln!("{kind} at capacity {capacity} failed: {error}");
                    }
                });
                failures.push(Failure {
                    statement: kind,
                    capacity,
                    error,
                });
            }
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    (results, failures)
}

/// Writes the report as JSON and Markdown into `out` and shows it; returns the Markdown's
/// path.
fn write_report(ctx: &Ctx, out: &Path, report: &Report) -> anyhow::Result<PathBuf> {
    let json_path = out.join(REPORT_JSON);
    let md_path = out.join(REPORT_MD);
    let write = |path: &Path, text: String| {
        std::fs::write(path, text).with_context(|| {
            format!(
                "cannot write the bench report {}: pass --out DIR with a folder you can write to",
                path.display()
            )
        })
    };
    write(&json_path, format!("{}\n", report_json(report)))?;
    write(&md_path, report_markdown(report))?;

    let mut text = report_text(report);
    let _ = write!(
        text,
        "\nReports written to {} and {}",
        json_path.display(),
        md_path.display()
    );
    let mut json = serde_json::to_value(report).expect("the report serializes");
    json["written"] = serde_json::json!({ "json": json_path, "markdown": md_path });
    ctx.emit(&text, json);
    Ok(md_path)
}

/// Runs one measurement in a child process and reads its JSON line; the error says why a
/// child failed, in words the parent can print as they are.
fn measure_in_child(
    exe: &Path,
    ctx: &Ctx,
    kind: StatementKind,
    capacity: Capacity,
    runs: u32,
) -> Result<Figures, String> {
    let output = Command::new(exe)
        .arg("--data-dir")
        .arg(&ctx.data_dir)
        .args([
            "bench",
            "--child",
            kind.name(),
            &capacity.to_string(),
            "--runs",
            &runs.to_string(),
        ])
        .output()
        .map_err(|e| format!("cannot start {}: {e}", exe.display()))?;
    if !output.status.success() {
        return Err(child_failure(
            output.status.code(),
            signal(&output.status),
            &String::from_utf8_lossy(&output.stderr),
        ));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    serde_json::from_str(line).map_err(|e| {
        format!("the measuring process printed no figures ({e}); this is a bug in probity bench, please report it")
    })
}

#[cfg(unix)]
fn signal(status: &std::process::ExitStatus) -> Option<i32> {
    use std::os::unix::process::ExitStatusExt as _;
    status.signal()
}

#[cfg(not(unix))]
fn signal(_status: &std::process::ExitStatus) -> Option<i32> {
    None
}

/// Why a child failed, from its exit code or the signal that stopped it, and its stderr.
fn child_failure(code: Option<i32>, signal: Option<i32>, stderr: &str) -> String {
    // What the child said, without the backtrace RUST_BACKTRACE may add.
    let said: Vec<&str> = stderr
        .lines()
        .take_while(|l| !l.starts_with("stack backtrace:"))
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("note: "))
        .collect();
    let said = said.join(" ");
    let said = said.strip_prefix("error: ").unwrap_or(&said);
    let mut m = match (code, signal) {
        (Some(_), _) if !said.is_empty() => said.to_owned(),
        (Some(code), _) => {
            format!("the measuring process exited with status {code} and said nothing")
        }
        (None, Some(9)) => "the measuring process was killed (SIGKILL)".to_owned(),
        (None, Some(s)) => format!("the measuring process was killed by signal {s}"),
        (None, None) => "the measuring process was stopped".to_owned(),
    };
    if code.is_none() && !said.is_empty() {
        let _ = write!(m, ": {said}");
    }
    if signal == Some(9) || said.contains("memory allocation of") {
        m.push_str(
            "; this is most often the machine running out of memory: \
             close other programs, or measure a smaller capacity",
        );
    } else if said.contains("panicked") {
        m.push_str("; this is a bug in probity, please report it");
    }
    m
}

/// The child: one measurement, one JSON line on stdout.
fn run_child(args: &[String], runs: u32) -> anyhow::Result<ExitCode> {
    let [statement, capacity] = args else {
        bail!("--child takes a statement and a capacity");
    };
    let kind = parse_statement(statement).map_err(|e| anyhow!(e))?;
    let capacity = parse_capacity(capacity).map_err(|e| anyhow!(e))?;
    let figures = measure(kind, capacity, runs, &mut OsRng)?;
    outln!(
        "{}",
        serde_json::to_string(&figures).expect("figures serialize")
    );
    Ok(ExitCode::SUCCESS)
}

fn measure<R: RngCore + CryptoRng>(
    kind: StatementKind,
    capacity: Capacity,
    runs: u32,
    rng: &mut R,
) -> anyhow::Result<Figures> {
    // The keys go into a params folder of their own, as an official's do, so that the set-up
    // measured is the one an official's command runs; the folder is removed afterwards.
    let folder = tempfile::Builder::new()
        .prefix("probity-bench-")
        .tempdir()
        .context("cannot make a temporary folder for the bench's keys: set TMPDIR to a folder you can write to")?;
    let started = Instant::now();
    probity_params::setup_dev(folder.path(), &[kind], &[capacity], rng, |_| {})
        .context("key generation failed")?;
    let keygen = started.elapsed();
    let params = Params::open(folder.path()).context("the bench's keys cannot be read back")?;
    let entry = params.entry(kind, capacity)?;
    let constraints = entry.num_constraints;
    let vk = StatementVerifyingKey::from_manifest_entry(entry)
        .context("the generated verifying key is not usable; this is a bug, please report it")?;
    // From here on is what an official's machine does; restart the high-water mark, keeping
    // key generation's peak for the overall figure.
    let keygen_peak = peak_memory_bytes();
    let restarted = keygen_peak.is_some() && restart_peak_memory();

    // The first prover synthesizes the matrices and keeps them; every later one reads them.
    let started = Instant::now();
    let first = Prover::from_params(&params, kind, capacity).context("making the prover failed")?;
    let setup_first = started.elapsed();
    drop(first);
    let started = Instant::now();
    let prover =
        Prover::from_params(&params, kind, capacity).context("making the prover failed")?;
    let setup = started.elapsed();
    let case = Case::new(kind, capacity, rng)?;

    let mut prove_times = Vec::new();
    let mut verify_times = Vec::new();
    let mut proofs = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        let envelope = case.prove(&prover, rng).context("proving failed")?;
        let bytes = envelope
            .proof_bytes()
            .context("the proof envelope does not hold a proof")?;
        prove_times.push(started.elapsed());

        let inputs = envelope
            .inputs()
            .context("the proof envelope's public inputs do not decode")?;
        let started = Instant::now();
        let verdict = Proof::from_bytes(&bytes)
            .map_err(anyhow::Error::from)
            .and_then(|proof| {
                probity_verifier::verify(&vk, &inputs, &proof).map_err(anyhow::Error::from)
            });
        verify_times.push(started.elapsed());
        verdict.context(
            "a proof made by the bench does not verify; this is a bug, please report it",
        )?;
        proofs.push((inputs, bytes));
    }
    // What an official's machine needs ends here; batch verification is a supervisor's.
    let peak = peak_memory_bytes();
    let batch_verify_per_proof_s = BATCH_SIZES
        .iter()
        .map(|&size| batch_verify_per_proof(&vk, &proofs, size, rng))
        .collect::<anyhow::Result<_>>()?;
    Ok(Figures {
        statement: kind,
        capacity,
        constraints,
        keygen_s: keygen.as_secs_f64(),
        setup_first_s: setup_first.as_secs_f64(),
        setup_s: setup.as_secs_f64(),
        prove_median_s: median(&prove_times),
        prove_min_s: prove_times
            .iter()
            .min()
            .copied()
            .unwrap_or_default()
            .as_secs_f64(),
        verify_median_s: median(&verify_times),
        batch_verify_per_proof_s,
        prove_peak_memory_bytes: if restarted { peak } else { None },
        peak_memory_bytes: peak.max(keygen_peak),
    })
}

/// The median time per proof of verifying `size` proofs at once, from their bytes, filled
/// from `proofs` in turn.
fn batch_verify_per_proof<R: RngCore + CryptoRng>(
    vk: &StatementVerifyingKey,
    proofs: &[(PublicInputs, [u8; PROOF_LEN])],
    size: usize,
    rng: &mut R,
) -> anyhow::Result<BatchFigure> {
    let mut times = Vec::new();
    for _ in 0..BATCH_REPEATS {
        let started = Instant::now();
        let decoded = proofs
            .iter()
            .cycle()
            .take(size)
            .map(|(inputs, bytes)| Ok((inputs, Proof::from_bytes(bytes)?)))
            .collect::<Result<Vec<_>, probity_verifier::DecodeError>>()?;
        let verdict = probity_verifier::verify_batch(vk, decoded.iter().map(|(i, p)| (*i, p)), rng);
        times.push(started.elapsed() / size as u32);
        verdict.context(
            "a batch of the bench's proofs does not verify; this is a bug, please report it",
        )?;
    }
    Ok(BatchFigure {
        size,
        per_proof_s: median(&times),
    })
}

/// Restarts the kernel's high-water mark of this process at its current resident size
/// (Linux 4.0+). False where that is not possible.
fn restart_peak_memory() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// `VmHWM` of this process, in bytes.
fn peak_memory_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    parse_kb_field(&status, "VmHWM")
}

/// A `Name:   1234 kB` line of `/proc/self/status` or `/proc/meminfo`, in bytes.
fn parse_kb_field(text: &str, name: &str) -> Option<u64> {
    text.lines().find_map(|line| {
        let rest = line.strip_prefix(name)?.strip_prefix(':')?;
        let kb = rest.trim().strip_suffix("kB")?.trim().parse::<u64>().ok()?;
        Some(kb * 1024)
    })
}

/// The first `model name` of `/proc/cpuinfo` (x86; ARM kernels have none).
fn parse_cpu_model(cpuinfo: &str) -> Option<String> {
    cpuinfo.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        (key.trim() == "model name" && !value.trim().is_empty()).then(|| value.trim().to_owned())
    })
}

fn median(times: &[Duration]) -> f64 {
    let mut s: Vec<f64> = times.iter().map(Duration::as_secs_f64).collect();
    s.sort_by(f64::total_cmp);
    match s.len() {
        0 => 0.0,
        n if n % 2 == 1 => s[n / 2],
        n => (s[n / 2 - 1] + s[n / 2]) / 2.0,
    }
}

/// A statement with everything it needs, on a realistic declaration.
enum Case {
    NetWorthRange {
        opening: Opening,
        lo: SignedAmount,
        hi: SignedAmount,
    },
    CategoryTotalRange {
        opening: Opening,
        category: Category,
        lo: SignedAmount,
        hi: SignedAmount,
    },
    WealthGrowth {
        prev: Opening,
        curr: Opening,
        tolerance: Amount,
    },
    AssetIncluded {
        opening: Opening,
        asset_id: AssetId,
        min_value: Amount,
    },
}

/// One million yuan in fen: the width of the bench's net-worth bracket.
const BRACKET: i128 = 100_000_000;

impl Case {
    fn new<R: RngCore + CryptoRng>(
        kind: StatementKind,
        capacity: Capacity,
        rng: &mut R,
    ) -> anyhow::Result<Self> {
        let official = OfficialId::new("BENCH-0001").expect("a valid official id");
        let period = |p| Period::new(p).expect("a valid period");
        let items = sample_items(capacity, rng);
        Ok(match kind {
            StatementKind::NetWorthRange => {
                let opening = open(&official, period(2026), capacity, items.clone(), rng)?;
                // "Net worth is between k and k+1 million yuan", the bracket that holds it.
                let lo = opening.net_worth().div_euclid(BRACKET) * BRACKET;
                let signed =
                    |x: i128| SignedAmount(i64::try_from(x).expect("bench sums fit in i64"));
                Case::NetWorthRange {
                    opening,
                    lo: signed(lo),
                    hi: signed(lo + BRACKET - 1),
                }
            }
            StatementKind::CategoryTotalRange => {
                let opening = open(&official, period(2026), capacity, items.clone(), rng)?;
                let category = Category::from_code(2).expect("bank_deposit is a valid code");
                let total = category_total(opening.slots(), category);
                let hi = SignedAmount(i64::try_from(total).expect("bench sums fit in i64"));
                Case::CategoryTotalRange {
                    opening,
                    category,
                    lo: SignedAmount(0),
                    hi,
                }
            }
            StatementKind::WealthGrowth => {
                let curr_items = grown(&items, rng);
                let prev = open(&official, period(2025), capacity, items.clone(), rng)?;
                let curr = open(&official, period(2026), capacity, curr_items, rng)?;
                Case::WealthGrowth {
                    prev,
                    curr,
                    tolerance: Amount(0),
                }
            }
            StatementKind::AssetIncluded => {
                let asset = items
                    .iter()
                    .find(|it| it.category.class() == Class::Asset)
                    .expect("every sample declaration holds assets");
                let (asset_id, min_value) = (asset.asset_id.clone(), Amount(asset.value.0 / 2));
                let opening = open(&official, period(2026), capacity, items.clone(), rng)?;
                Case::AssetIncluded {
                    opening,
                    asset_id,
                    min_value,
                }
            }
        })
    }

    fn prove<R: RngCore + CryptoRng>(
        &self,
        prover: &Prover,
        rng: &mut R,
    ) -> Result<ProofEnvelope, ProveError> {
        match self {
            Case::NetWorthRange { opening, lo, hi } => {
                prover.net_worth_range(opening, *lo, *hi, rng)
            }
            Case::CategoryTotalRange {
                opening,
                category,
                lo,
                hi,
            } => prover.category_total_range(opening, *category, *lo, *hi, rng),
            Case::WealthGrowth {
                prev,
                curr,
                tolerance,
            } => prover.wealth_growth(prev, curr, *tolerance, rng),
            Case::AssetIncluded {
                opening,
                asset_id,
                min_value,
            } => prover.asset_included(opening, asset_id, *min_value, rng),
        }
    }
}

fn open<R: RngCore + CryptoRng>(
    official: &OfficialId,
    period: Period,
    capacity: Capacity,
    items: Vec<Item>,
    rng: &mut R,
) -> anyhow::Result<Opening> {
    let declaration = Declaration::new(official.clone(), period, capacity, "CNY".into(), items)
        .context("the bench's sample declaration is not valid; this is a bug, please report it")?;
    Opening::new(&declaration, Blindings::random(capacity, rng)).map_err(|e| anyhow!(e))
}

/// Asset, liability and income codes the sample declarations draw from.
const ASSET_CODES: [u8; 10] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 15];
const LIABILITY_CODES: [u8; 3] = [16, 17, 31];
const INCOME_CODES: [u8; 5] = [32, 33, 34, 35, 47];

/// Half the slots filled: three assets, one liability and one income item in every five,
/// the first of each class a real-estate holding, a mortgage and a salary; values in fen.
fn sample_items<R: Rng>(capacity: Capacity, rng: &mut R) -> Vec<Item> {
    (0..capacity.slots() / 2)
        .map(|i| {
            let (codes, first, values): (&[u8], u8, std::ops::RangeInclusive<u64>) = match i % 5 {
                0..=2 => (&ASSET_CODES, 1, 100_000..=500_000_000),
                3 => (&LIABILITY_CODES, 16, 100_000..=200_000_000),
                _ => (&INCOME_CODES, 32, 1_000_000..=50_000_000),
            };
            let code = if i < 5 {
                first
            } else {
                codes[rng.gen_range(0..codes.len())]
            };
            let category = Category::from_code(code).expect("the code tables hold valid codes");
            let asset_id = match category.class() {
                Class::Income => AssetId::default(),
                _ => AssetId(format!("BENCH-{code:02}-{i:04}-{:08X}", rng.gen::<u32>())),
            };
            Item {
                category,
                asset_id,
                value: Amount(rng.gen_range(values)),
                owner: Owner::Official,
                note: String::new(),
            }
        })
        .collect()
}

/// The next period's items: every asset and liability moved by −2 % to +8 %, and income
/// raised where needed so that the growth of net worth is explained by it.
fn grown<R: Rng>(items: &[Item], rng: &mut R) -> Vec<Item> {
    let mut next: Vec<Item> = items.to_vec();
    for it in &mut next {
        if it.category.class() != Class::Income {
            let permille: i64 = rng.gen_range(-20..=80);
            it.value = Amount(
                it.value
                    .0
                    .saturating_add_signed(it.value.0 as i64 / 1000 * permille),
            );
        }
    }
    let slots = |items: &[Item]| items.iter().map(Item::slot).collect::<Vec<_>>();
    let growth = probity_core::net_worth(&slots(&next)) - probity_core::net_worth(&slots(items));
    let income = probity_core::income(&slots(&next)) as i128;
    if growth > income {
        let salary = next
            .iter_mut()
            .find(|it| it.category.class() == Class::Income)
            .expect("every sample declaration holds income");
        salary.value = Amount(
            salary.value.0 + u64::try_from(growth - income).expect("bench growth fits in u64"),
        );
    }
    next
}

/// The figures of one (statement, capacity) measurement: what a child prints.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Figures {
    statement: StatementKind,
    capacity: Capacity,
    constraints: usize,
    keygen_s: f64,
    /// Loading the key and synthesizing the matrices, which the first proof keeps.
    setup_first_s: f64,
    /// Loading the key and reading the kept matrices: what every later proof pays.
    setup_s: f64,
    prove_median_s: f64,
    prove_min_s: f64,
    verify_median_s: f64,
    /// Batch verification, per proof, at each of [`BATCH_SIZES`].
    batch_verify_per_proof_s: Vec<BatchFigure>,
    /// From making the prover to the last verification; `None` where it cannot be measured.
    prove_peak_memory_bytes: Option<u64>,
    /// The whole measurement, key generation included.
    peak_memory_bytes: Option<u64>,
}

/// Verifying `size` proofs at once: the time per proof.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct BatchFigure {
    size: usize,
    per_proof_s: f64,
}

/// A measurement that did not complete.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Failure {
    statement: StatementKind,
    capacity: Capacity,
    error: String,
}

/// The machine the bench ran on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Machine {
    cpu_model: String,
    cores: usize,
    memory_total_bytes: Option<u64>,
    os: String,
    arch: String,
    /// `release` or `debug`: a debug build is many times slower.
    build: String,
    /// The CPU features this build uses here, each with what it speeds up.
    cpu_features_used: Vec<String>,
    /// How this build multiplies field elements, the bulk of proving.
    field_arithmetic: String,
}

impl Machine {
    fn detect() -> Self {
        let read = |path| std::fs::read_to_string(path).unwrap_or_default();
        Machine {
            cpu_model: parse_cpu_model(&read("/proc/cpuinfo")).unwrap_or_else(|| "unknown".into()),
            cores: std::thread::available_parallelism()
                .map(usize::from)
                .unwrap_or(1),
            memory_total_bytes: parse_kb_field(&read("/proc/meminfo"), "MemTotal"),
            os: std::env::consts::OS.into(),
            arch: std::env::consts::ARCH.into(),
            build: if cfg!(debug_assertions) {
                "debug"
            } else {
                "release"
            }
            .into(),
            cpu_features_used: cpu_features_used(),
            field_arithmetic: field_arithmetic(),
        }
    }

    fn summary(&self) -> String {
        let memory = self
            .memory_total_bytes
            .map(|b| format!(", {} memory", format_bytes(b)))
            .unwrap_or_default();
        format!(
            "{}, {} cores{memory}, {} {}",
            self.cpu_model, self.cores, self.os, self.arch
        )
    }

    fn features(&self) -> String {
        let used = if self.cpu_features_used.is_empty() {
            "none".to_owned()
        } else {
            self.cpu_features_used.join(", ")
        };
        format!(
            "CPU features probity uses here: {used}; field arithmetic: {}",
            self.field_arithmetic
        )
    }
}

/// The CPU features that probity's libraries detect and use when they run: SHA-NI for the
/// SHA-256 check of a proving key, AVX2 for the wallet's Argon2id (an official's commands;
/// the bench itself times neither).
fn cpu_features_used() -> Vec<String> {
    #[cfg(target_arch = "x86_64")]
    {
        let mut used = Vec::new();
        if std::arch::is_x86_feature_detected!("sha") {
            used.push("sha (SHA-256 of the proving key)".to_owned());
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            used.push("avx2 (Argon2id, opening the wallet)".to_owned());
        }
        used
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        Vec::new()
    }
}

/// The field arithmetic is arkworks' portable Rust in every build: its x86-64 assembly needs
/// `adx` and `bmi2` when the program is compiled, and a program compiled so stops with an
/// illegal instruction on a CPU without them. Says whether this CPU has them.
fn field_arithmetic() -> String {
    #[cfg(target_arch = "x86_64")]
    let offered =
        std::arch::is_x86_feature_detected!("adx") && std::arch::is_x86_feature_detected!("bmi2");
    #[cfg(not(target_arch = "x86_64"))]
    let offered = false;
    if offered {
        "portable Rust (this CPU has adx and bmi2, which an assembly build would use)".into()
    } else {
        "portable Rust".into()
    }
}

/// Everything a bench run found; written as `bench-report.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Report {
    probity_version: String,
    date_utc: String,
    command_line: String,
    machine: Machine,
    keys: String,
    runs: u32,
    results: Vec<Figures>,
    failures: Vec<Failure>,
}

const COLUMNS: [&str; 13] = [
    "statement",
    "capacity",
    "constraints",
    "key generation",
    "set-up, first proof",
    "set-up",
    "prove (median)",
    "prove (min)",
    "verify (median)",
    "batch of 16, per proof",
    "batch of 64, per proof",
    "peak memory, proving",
    "peak memory, overall",
];

fn row(f: &Figures) -> [String; 13] {
    let memory = |b: Option<u64>| b.map(format_bytes).unwrap_or_else(|| "n/a".into());
    let batch = |size: usize| {
        f.batch_verify_per_proof_s
            .iter()
            .find(|b| b.size == size)
            .map(|b| format_seconds(b.per_proof_s))
            .unwrap_or_else(|| "n/a".into())
    };
    [
        f.statement.name().to_owned(),
        f.capacity.to_string(),
        group_thousands(f.constraints),
        format_seconds(f.keygen_s),
        format_seconds(f.setup_first_s),
        format_seconds(f.setup_s),
        format_seconds(f.prove_median_s),
        format_seconds(f.prove_min_s),
        format_seconds(f.verify_median_s),
        batch(BATCH_SIZES[0]),
        batch(BATCH_SIZES[1]),
        memory(f.prove_peak_memory_bytes),
        memory(f.peak_memory_bytes),
    ]
}

const MEANINGS: &str = "\
- **set-up, first proof**: loading the proving key and synthesizing the circuit's constraint matrices, \
which the first proof with a key keeps beside it. **set-up**: loading the key and reading the kept matrices, \
what every later proof pays before proving.
- **prove**: from a declaration opening in memory to the 128-byte proof, with a prover made once; \
includes the native check of the statement and the prover's own check of the proof.
- **verify**: from the proof bytes to the verdict: decoding with curve and subgroup checks, then the pairing check.
- **batch of N, per proof**: N proofs decoded and checked at once with a random linear combination (one final exponentiation for the batch), divided by N; the batch repeats the run's proofs, each entry with its own scalar.
- **peak memory, proving**: resident-memory peak from making the prover to the last verification, \
with the proving key held: what an official's machine needs. **overall** includes key generation, \
which officials never run.
";

fn report_markdown(r: &Report) -> String {
    let mut md = String::from("# Probity bench report\n\n");
    let _ = writeln!(
        md,
        "- probity {} ({} build)",
        r.probity_version, r.machine.build
    );
    let _ = writeln!(md, "- date: {}", r.date_utc);
    let _ = writeln!(md, "- machine: {}", r.machine.summary());
    let _ = writeln!(md, "- {}", r.machine.features());
    let _ = writeln!(md, "- command: `{}`", r.command_line);
    let _ = writeln!(md, "- keys: {}", r.keys);
    let _ = writeln!(md, "- {} proof(s) per statement and capacity\n", r.runs);
    if !r.results.is_empty() {
        let _ = writeln!(md, "| {} |", COLUMNS.join(" | "));
        let _ = writeln!(md, "|---|{}", "--:|".repeat(COLUMNS.len() - 1));
        for f in &r.results {
            let _ = writeln!(md, "| {} |", row(f).join(" | "));
        }
        md.push('\n');
    }
    md.push_str(MEANINGS);
    if !r.failures.is_empty() {
        md.push_str("\n## Failures\n\n");
        for f in &r.failures {
            let _ = writeln!(
                md,
                "- {} at capacity {}: {}",
                f.statement,
                f.capacity,
                f.error.replace('\n', " ")
            );
        }
    }
    md
}

fn report_json(r: &Report) -> String {
    serde_json::to_string_pretty(r).expect("the report serializes")
}

/// The table for a terminal: columns padded to their widest cell.
fn report_text(r: &Report) -> String {
    let mut t = format!(
        "probity {} bench ({} build), {}\nMachine: {}\n{}\nKeys: {}\n\n",
        r.probity_version,
        r.machine.build,
        r.date_utc,
        r.machine.summary(),
        r.machine.features(),
        r.keys
    );
    let rows: Vec<[String; 13]> = r.results.iter().map(row).collect();
    let width = |i: usize| {
        rows.iter()
            .map(|c| c[i].chars().count())
            .chain([COLUMNS[i].len()])
            .max()
            .unwrap_or(0)
    };
    let widths: Vec<usize> = (0..COLUMNS.len()).map(width).collect();
    let line = |cells: &[&str]| {
        let mut l = String::new();
        for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
            if i == 0 {
                let _ = write!(l, "{cell:<w$}");
            } else {
                let _ = write!(l, "  {cell:>w$}");
            }
        }
        l
    };
    if !rows.is_empty() {
        t.push_str(&line(&COLUMNS));
        t.push('\n');
        for cells in &rows {
            t.push_str(&line(&cells.each_ref().map(String::as_str)));
            t.push('\n');
        }
        let _ = writeln!(
            t,
            "({} proof(s) each; see the Markdown report for what each column measures)",
            r.runs
        );
    }
    for f in &r.failures {
        let _ = writeln!(
            t,
            "FAILED: {} at capacity {}: {}",
            f.statement, f.capacity, f.error
        );
    }
    t
}

/// `1.23 s`, `456 ms`, `2.1 ms`, `850 µs`.
fn format_seconds(s: f64) -> String {
    match s {
        s if s >= 10.0 => format!("{s:.1} s"),
        s if s >= 1.0 => format!("{s:.2} s"),
        s if s >= 0.01 => format!("{:.0} ms", s * 1e3),
        s if s >= 0.001 => format!("{:.1} ms", s * 1e3),
        s => format!("{:.0} µs", s * 1e6),
    }
}

/// `312 MiB`, `1.50 GiB`.
fn format_bytes(b: u64) -> String {
    let mib = b as f64 / (1024.0 * 1024.0);
    if mib >= 1024.0 {
        format!("{:.2} GiB", mib / 1024.0)
    } else {
        format!("{mib:.0} MiB")
    }
}

/// `30486` → `30,486`.
fn group_thousands(n: usize) -> String {
    let digits = n.to_string();
    let head = match digits.len() % 3 {
        0 => 3,
        r => r,
    };
    let (first, rest) = digits.split_at(head.min(digits.len()));
    let mut out = first.to_owned();
    for group in rest.as_bytes().chunks(3) {
        out.push(',');
        out.push_str(std::str::from_utf8(group).expect("ASCII digits"));
    }
    out
}

/// The command line as a shell would take it back: arguments with spaces or quotes quoted.
fn command_line(args: impl IntoIterator<Item = String>) -> String {
    args.into_iter()
        .map(|a| {
            let plain = !a.is_empty()
                && a.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./=:,@%+".contains(c));
            if plain {
                a
            } else {
                format!("'{}'", a.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixed_report() -> Report {
        Report {
            probity_version: "0.1.0".into(),
            date_utc: probity_prover::wallet::format_utc(1_767_225_600),
            command_line: command_line(
                ["probity", "bench", "--out", "my reports"].map(String::from),
            ),
            machine: Machine {
                cpu_model: "Intel(R) Core(TM) i5-8250U CPU @ 1.60GHz".into(),
                cores: 8,
                memory_total_bytes: Some(8 * 1024 * 1024 * 1024),
                os: "linux".into(),
                arch: "x86_64".into(),
                build: "release".into(),
                cpu_features_used: vec!["sha (SHA-256 of the proving key)".into()],
                field_arithmetic: "portable Rust".into(),
            },
            keys: KEYS_NOTE.into(),
            runs: 3,
            results: vec![Figures {
                statement: StatementKind::NetWorthRange,
                capacity: Capacity::C64,
                constraints: 30_486,
                keygen_s: 4.25,
                setup_first_s: 0.0456,
                setup_s: 0.012,
                prove_median_s: 0.41,
                prove_min_s: 0.0039,
                verify_median_s: 0.0021,
                batch_verify_per_proof_s: vec![
                    BatchFigure {
                        size: 16,
                        per_proof_s: 0.000_62,
                    },
                    BatchFigure {
                        size: 64,
                        per_proof_s: 0.000_48,
                    },
                ],
                prove_peak_memory_bytes: Some(150 * 1024 * 1024),
                peak_memory_bytes: None,
            }],
            failures: vec![Failure {
                statement: StatementKind::WealthGrowth,
                capacity: Capacity::C1024,
                error: "the measuring process was killed (SIGKILL)".into(),
            }],
        }
    }

    #[test]
    fn markdown_report() {
        let md = report_markdown(&fixed_report());
        assert!(md.starts_with("# Probity bench report\n"));
        assert!(md.contains("- date: 2026-01-01 00:00 UTC\n"));
        assert!(md.contains(
            "- machine: Intel(R) Core(TM) i5-8250U CPU @ 1.60GHz, 8 cores, 8.00 GiB memory, linux x86_64\n"
        ));
        assert!(md.contains("- command: `probity bench --out 'my reports'`\n"));
        assert!(md.contains(
            "- CPU features probity uses here: sha (SHA-256 of the proving key); field arithmetic: portable Rust\n"
        ));
        assert!(md.contains(
            "| statement | capacity | constraints | key generation | set-up, first proof | set-up | prove (median) \
             | prove (min) | verify (median) | batch of 16, per proof | batch of 64, per proof | peak memory, proving \
             | peak memory, overall |\n|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n"
        ));
        assert!(md.contains(
            "| net_worth_range | 64 | 30,486 | 4.25 s | 46 ms | 12 ms | 410 ms | 3.9 ms | 2.1 ms | 620 µs | 480 µs | 150 MiB | n/a |\n"
        ));
        assert!(md.contains("## Failures\n\n- wealth_growth at capacity 1024: the measuring process was killed (SIGKILL)\n"));
    }

    #[test]
    fn json_report_round_trips_with_stable_names() {
        let report = fixed_report();
        let text = report_json(&report);
        let value: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        assert_eq!(value["machine"]["cores"], 8);
        assert_eq!(value["results"][0]["statement"], "net_worth_range");
        assert_eq!(value["results"][0]["capacity"], 64);
        assert_eq!(value["results"][0]["prove_median_s"], 0.41);
        assert_eq!(
            value["results"][0]["batch_verify_per_proof_s"][1],
            serde_json::json!({ "size": 64, "per_proof_s": 0.000_48 })
        );
        assert_eq!(value["machine"]["field_arithmetic"], "portable Rust");
        assert_eq!(
            value["results"][0]["peak_memory_bytes"],
            serde_json::Value::Null
        );
        assert_eq!(value["failures"][0]["capacity"], 1024);
        let back: Report = serde_json::from_str(&text).expect("the report reads back");
        assert_eq!(back, report);
    }

    #[test]
    fn text_report_aligns_columns() {
        let text = report_text(&fixed_report());
        let header = text
            .lines()
            .find(|l| l.starts_with("statement"))
            .expect("a header line");
        let first = text
            .lines()
            .find(|l| l.starts_with("net_worth_range"))
            .expect("a result line");
        assert_eq!(
            header.chars().count(),
            first.chars().count(),
            "cells are padded to the header"
        );
        assert!(text.contains("FAILED: wealth_growth at capacity 1024"));
    }

    #[test]
    fn cpuinfo_and_proc_status_parsing() {
        let cpuinfo = "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Processor\n\
                       flags\t\t: fpu vme\n\nprocessor\t: 1\nmodel name\t: Intel(R) Xeon(R) Processor\n";
        assert_eq!(
            parse_cpu_model(cpuinfo).as_deref(),
            Some("Intel(R) Xeon(R) Processor")
        );
        assert_eq!(parse_cpu_model("processor\t: 0\nCPU part\t: 0xd0b\n"), None);
        assert_eq!(parse_cpu_model(""), None);

        let status =
            "Name:\tprobity\nVmPeak:\t  300000 kB\nVmHWM:\t  123456 kB\nVmRSS:\t  100 kB\n";
        assert_eq!(parse_kb_field(status, "VmHWM"), Some(123_456 * 1024));
        assert_eq!(
            parse_kb_field("MemTotal:       16318412 kB\n", "MemTotal"),
            Some(16_318_412 * 1024)
        );
        assert_eq!(parse_kb_field(status, "VmSwap"), None);
    }

    #[test]
    fn child_failures_say_why() {
        let said = "error: proving failed: the statement does not hold\n";
        assert_eq!(
            child_failure(Some(2), None, said),
            "proving failed: the statement does not hold"
        );
        assert_eq!(
            child_failure(Some(3), None, ""),
            "the measuring process exited with status 3 and said nothing"
        );
        let abort =
            "memory allocation of 22484928 bytes failed\nstack backtrace:\n   0: std::backtrace\n\
                     note: Some details are omitted\n";
        assert_eq!(
            child_failure(None, Some(6), abort),
            "the measuring process was killed by signal 6: memory allocation of 22484928 bytes failed; \
             this is most often the machine running out of memory: close other programs, or measure a smaller capacity"
        );
        assert!(child_failure(None, Some(9), "").starts_with(
            "the measuring process was killed (SIGKILL); this is most often the machine running out of memory"
        ));
        let panic = "\nthread 'main' panicked at src/cmd/bench.rs:1:1:\nboom\nnote: run with `RUST_BACKTRACE=1`\n";
        assert_eq!(
            child_failure(Some(101), None, panic),
            "thread 'main' panicked at src/cmd/bench.rs:1:1: boom; this is a bug in probity, please report it"
        );
    }

    #[test]
    fn small_formats() {
        assert_eq!(format_seconds(12.345), "12.3 s");
        assert_eq!(format_seconds(0.4567), "457 ms");
        assert_eq!(format_seconds(0.00213), "2.1 ms");
        assert_eq!(format_seconds(0.000_85), "850 µs");
        assert_eq!(group_thousands(1_397), "1,397");
        assert_eq!(group_thousands(240_123), "240,123");
        assert_eq!(group_thousands(7), "7");
        assert_eq!(
            probity_prover::wallet::format_utc(0),
            "1970-01-01 00:00 UTC"
        );
        assert_eq!(
            probity_prover::wallet::format_utc(951_782_400 + 3_600 + 120),
            "2000-02-29 01:02 UTC"
        );
        let ms = |v: &[u64]| {
            v.iter()
                .map(|m| Duration::from_millis(*m))
                .collect::<Vec<_>>()
        };
        assert_eq!(median(&ms(&[30, 10, 20])), 0.02);
        assert_eq!(median(&ms(&[40, 10, 20, 30])), 0.025);
    }

    #[test]
    fn sample_declarations_fit_their_statements() {
        // The statements hold natively for the sample data (no proving: the prover checks
        // each statement natively before proving and would refuse).
        use rand::SeedableRng;
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(16);
        let items = sample_items(Capacity::C16, &mut rng);
        assert_eq!(items.len(), 8);
        assert!(items
            .iter()
            .any(|it| it.category.class() == Class::Liability));
        assert!(items.iter().any(|it| it.category.class() == Class::Income));
        for kind in StatementKind::ALL {
            let case = Case::new(kind, Capacity::C16, &mut rng).expect("a case");
            match case {
                Case::NetWorthRange { opening, lo, hi } => {
                    assert!((i128::from(lo.0)..=i128::from(hi.0)).contains(&opening.net_worth()));
                }
                Case::WealthGrowth {
                    prev,
                    curr,
                    tolerance,
                } => {
                    let allowed =
                        probity_core::income(curr.slots()) as i128 + i128::from(tolerance.0);
                    assert!(curr.net_worth() - prev.net_worth() <= allowed);
                }
                Case::CategoryTotalRange {
                    opening,
                    category,
                    lo,
                    hi,
                } => {
                    let total = probity_core::category_total(opening.slots(), category) as i128;
                    assert!((i128::from(lo.0)..=i128::from(hi.0)).contains(&total));
                }
                Case::AssetIncluded {
                    opening,
                    asset_id,
                    min_value,
                } => {
                    let id_hash = asset_id.id_hash();
                    assert!(opening.slots().iter().any(|s| {
                        s.category.class() == Class::Asset
                            && s.id_hash == id_hash
                            && s.value >= min_value
                    }));
                }
            }
        }
    }
}
