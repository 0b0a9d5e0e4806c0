//! `probity demo`: the cryptographic core end to end on the example declarations, with each
//! step saying what it shows. It runs in a fresh folder and needs nothing else.

use std::{
    path::{Path, PathBuf},
    process::ExitCode,
    time::Instant,
};

use anyhow::{bail, Context as _};
use clap::Args;
use probity_core::{
    Amount, AssetId, Capacity, Category, Declaration, ProofEnvelope, SignedAmount, StatementKind,
};
use probity_params::Params;
use probity_prover::{
    wallet::{Passphrase, Wallet},
    ProveError, Prover,
};
use probity_verifier::{verify_envelope, StatementVerifyingKey};
use rand::RngCore;

use super::{official::commit_to_wallet, setup::DEV_WARNING, Ctx};

const DECL_2025: &str = include_str!("../../examples/gov-0001-2025.toml");
const DECL_2026: &str = include_str!("../../examples/gov-0001-2026.toml");
const DECL_2026_UNEXPLAINED: &str = include_str!("../../examples/gov-0001-2026-unexplained.toml");
/// The property certificate a supervisor finds in the registry (declared in 2026).
const REGISTRY_DEED: &str = "浙(2018)杭州市不动产权第0123456号";

#[derive(Debug, Args)]
pub(crate) struct Opts {
    /// Folder to work in; must be empty or missing [default: a new folder under the system's temp folder].
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
}

struct Demo {
    step: usize,
    dir: PathBuf,
    params: Params,
    keys: Vec<StatementVerifyingKey>,
}

impl Demo {
    fn say(&mut self, title: &str, what_it_shows: &str) {
        self.step += 1;
        let indent = |text: &str| text.replace('\n', "\n   ");
        println!(
            "\n{}. {}\n   {}",
            self.step,
            indent(title),
            indent(what_it_shows)
        );
    }

    /// The supervisor's check: the proof file against the published verifying key.
    fn verify(&self, envelope: &ProofEnvelope, file: &str) -> anyhow::Result<bool> {
        let path = self.dir.join("proofs").join(file);
        probity_params::write_atomic(&path, envelope.to_json().as_bytes())?;
        let key = self
            .keys
            .iter()
            .find(|k| k.statement() == envelope.statement && k.capacity() == envelope.capacity)
            .context("the demo made a key for every statement")?;
        let inputs = envelope.inputs()?;
        let valid = verify_envelope(key, envelope).is_ok();
        println!(
            "   supervisor: {}  {}: {inputs}\n   proof file: {}",
            if valid { "VALID  " } else { "INVALID" },
            envelope.official,
            path.display()
        );
        Ok(valid)
    }

    fn prover(&self, kind: StatementKind) -> anyhow::Result<Prover> {
        Ok(Prover::from_params(&self.params, kind, Capacity::C16)?)
    }
}

fn fresh_dir(explicit: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    let dir = match explicit {
        Some(d) => d,
        None => {
            std::env::temp_dir().join(format!("probity-demo-{:08x}", rand::rngs::OsRng.next_u32()))
        }
    };
    if dir.exists()
        && dir
            .read_dir()
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        bail!(
            "{} is not empty: the demo needs an empty or missing folder",
            dir.display()
        );
    }
    std::fs::create_dir_all(dir.join("proofs"))
        .with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(dir)
}

fn parse(text: &str) -> anyhow::Result<Declaration> {
    Declaration::from_toml(text).context("an embedded example declaration is invalid")
}

fn open_wallet(path: &Path) -> anyhow::Result<Wallet> {
    // A fixed passphrase: the demo's wallet holds only the example declarations.
    Ok(Wallet::create(
        path,
        &Passphrase::new("probity demo passphrase"),
    )?)
}

pub(crate) fn run(_ctx: &Ctx, opts: Opts) -> anyhow::Result<ExitCode> {
    let dir = fresh_dir(opts.dir)?;
    println!("Probity demo in {}", dir.display());
    println!("Official GOV-0001 declares for 2025 and 2026 (examples/); a supervisor verifies.");

    let started = Instant::now();
    println!("\n0. Development keys for the four statements at capacity 16.\n   {DEV_WARNING}");
    let params_dir = dir.join("params");
    probity_params::setup_dev(
        &params_dir,
        &StatementKind::ALL,
        &[Capacity::C16],
        &mut rand::rngs::OsRng,
        |s| println!("   {} of {}: {}", s.index + 1, s.total, s.statement),
    )?;
    let params = Params::open(&params_dir)?;
    let keys = params
        .manifest()
        .keys
        .iter()
        .map(StatementVerifyingKey::from_manifest_entry)
        .collect::<Result<Vec<_>, _>>()?;
    println!(
        "   keys and manifest in {} ({:.1} s)",
        params_dir.display(),
        started.elapsed().as_secs_f64()
    );
    let mut demo = Demo {
        step: 0,
        dir: dir.clone(),
        params,
        keys,
    };

    demo.say(
        "The official commits to both declarations.",
        "Only the commitment is published: it binds the official, the period and every item, and\nreveals nothing of them (each slot has a random blinding, padding slots too, so even the\nnumber of items is hidden). The blindings stay in the official's encrypted wallet.",
    );
    let mut wallet = open_wallet(&dir.join("wallet.probity"))?;
    let (d2025, d2026) = (parse(DECL_2025)?, parse(DECL_2026)?);
    let (o2025, _) = commit_to_wallet(&mut wallet, &d2025, false)?;
    let (o2026, _) = commit_to_wallet(&mut wallet, &d2026, false)?;
    println!("   official_tag     {}", o2026.official().tag());
    println!("   commitment 2025  {}", o2025.commitment());
    println!("   commitment 2026  {}", o2026.commitment());

    let mut rng = rand::rngs::OsRng;
    let mut all_valid = true;

    demo.say(
        "net_worth_range: net worth in 2026 lies in the public band 3,000,000.00 to 4,000,000.00.",
        "The supervisor learns the band, not the figure.",
    );
    let t = Instant::now();
    let env = demo.prover(StatementKind::NetWorthRange)?.net_worth_range(
        &o2026,
        SignedAmount(300_000_000),
        SignedAmount(400_000_000),
        &mut rng,
    )?;
    println!("   proved in {:.2} s", t.elapsed().as_secs_f64());
    all_valid &= demo.verify(&env, "net_worth_range-2026.json")?;
    let band_proof = env;

    demo.say(
        "category_total_range: no crypto assets in 2026 (category 7 totals 0).",
        "\"Holds none of a kind\" is a range [0, 0] on one category's total.",
    );
    let crypto = Category::parse("crypto_asset").map_err(anyhow::Error::msg)?;
    let env = demo
        .prover(StatementKind::CategoryTotalRange)?
        .category_total_range(&o2026, crypto, SignedAmount(0), SignedAmount(0), &mut rng)?;
    all_valid &= demo.verify(&env, "category_total_range-2026.json")?;

    demo.say(
        "wealth_growth: net worth grew from 2025 to 2026 by no more than 2026 income.",
        "The unexplained-wealth test, with tolerance 0: growth is covered by declared income.",
    );
    let growth_prover = demo.prover(StatementKind::WealthGrowth)?;
    let env = growth_prover.wealth_growth(&o2025, &o2026, Amount(0), &mut rng)?;
    all_valid &= demo.verify(&env, "wealth_growth-2025-2026.json")?;

    demo.say(
        "asset_included: a supervisor finds a property certificate in the land registry and asks\nwhether it is declared at 3,000,000.00 or more.",
        "Only the path of that one item enters the proof; nothing else of the declaration is used.",
    );
    let env = demo.prover(StatementKind::AssetIncluded)?.asset_included(
        &o2026,
        &AssetId(REGISTRY_DEED.into()),
        Amount(300_000_000),
        &mut rng,
    )?;
    all_valid &= demo.verify(&env, "asset_included-2026.json")?;

    demo.say(
        "A statement that cannot be proved: suppose GOV-0001 had declared a new apartment and a\nlarge deposit in family members' names, with the same income (gov-0001-2026-unexplained.toml).",
        "The growth is not explained by income, so no wealth_growth proof can be made: the\nofficial gets an error, and a supervisor would see the proof missing.",
    );
    let mut what_if = open_wallet(&dir.join("wallet-unexplained.probity"))?;
    let (o_unexplained, _) = commit_to_wallet(&mut what_if, &parse(DECL_2026_UNEXPLAINED)?, false)?;
    let (o2025_again, _) = commit_to_wallet(&mut what_if, &d2025, false)?;
    match growth_prover.wealth_growth(&o2025_again, &o_unexplained, Amount(0), &mut rng) {
        Err(e @ ProveError::DoesNotHold(_)) => println!("   official: refused, as it must be: {e}"),
        Err(e) => return Err(e.into()),
        Ok(_) => bail!("an unexplained growth was proved: this is a bug"),
    }

    demo.say(
        "A proof cannot be moved: the band proof with its upper bound changed by one unit.",
        "Public inputs are bound to the proof; the supervisor's check fails.",
    );
    let mut tampered = band_proof;
    tampered.public_inputs[probity_core::NetWorthRange::HI] = (400_000_000u64 - 1).to_string();
    let refused = !demo.verify(&tampered, "net_worth_range-tampered.json")?;

    println!(
        "\nDone in {:.1} s. Proof files are in {}; verify one with\n  probity supervisor verify --params {} {}",
        started.elapsed().as_secs_f64(),
        dir.join("proofs").display(),
        params_dir.display(),
        dir.join("proofs/net_worth_range-2026.json").display()
    );
    if all_valid && refused {
        Ok(ExitCode::SUCCESS)
    } else {
        bail!("a step did not give the expected result")
    }
}
