//! `probity chain deploy`: the registry and one verifier per verifying key on an EVM chain
//! (a build with `--features evm`).

use std::{path::PathBuf, process::ExitCode};

use clap::{Args, Subcommand};

use super::Ctx;

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Compile the contracts (with solcjs) and deploy the registry and a verifier for every
    /// key of the params; set each verifier in the registry. The key's account becomes the
    /// registry's operator: give the same key to `probity serve --anchor evm`.
    Deploy(DeployOpts),
}

#[derive(Debug, Args)]
pub(crate) struct DeployOpts {
    /// The chain's JSON-RPC endpoint.
    #[arg(long, value_name = "URL")]
    rpc: String,
    /// The operator's secret key (hex) [default: DATA_DIR/chain.key].
    #[arg(long, value_name = "FILE")]
    key: Option<PathBuf>,
    /// Params folder whose manifest holds the verifying keys [default: DATA_DIR/params].
    #[arg(long, value_name = "DIR")]
    params: Option<PathBuf>,
    /// The solcjs to compile with [default: node_modules/.bin/solcjs here, else solcjs on
    /// the PATH; `npm ci` installs the pinned one].
    #[arg(long, value_name = "FILE")]
    solcjs: Option<PathBuf>,
}

pub(crate) fn run(ctx: &Ctx, cmd: Command) -> anyhow::Result<ExitCode> {
    match cmd {
        Command::Deploy(opts) => deploy(ctx, opts),
    }
}

/// Why a build without the `evm` feature cannot do what was asked.
#[cfg(not(feature = "evm"))]
fn without_evm() -> anyhow::Error {
    anyhow::anyhow!(
        "this probity was built without EVM support: build it with `cargo build --release --features evm`"
    )
}

#[cfg(not(feature = "evm"))]
fn deploy(_: &Ctx, _: DeployOpts) -> anyhow::Result<ExitCode> {
    Err(without_evm())
}

#[cfg(feature = "evm")]
fn deploy(ctx: &Ctx, opts: DeployOpts) -> anyhow::Result<ExitCode> {
    use anyhow::Context as _;
    use probity_service::chain::Chain;
    use serde_json::json;

    use super::export::{contracts, REGISTRY};

    let key_file = opts
        .key
        .unwrap_or_else(|| ctx.data_dir.join(probity_service::files::CHAIN_KEY));
    let key = std::fs::read_to_string(&key_file).with_context(|| {
        format!(
            "cannot read the operator's chain key {}: put its secret key there, in hex",
            key_file.display()
        )
    })?;
    let chain = Chain::connect(&opts.rpc, &key)?;
    let contracts = contracts(&ctx.params_dir(opts.params.as_deref()))?;
    let bytecode = compile(opts.solcjs, &contracts)?;

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let (registry, verifiers) = runtime.block_on(async {
        let mut registry = None;
        let mut verifiers = Vec::new();
        for (contract, code) in contracts.iter().zip(&bytecode) {
            match contract.verifies {
                None => {
                    let mined = chain
                        .deploy_registry(code)
                        .await
                        .with_context(|| format!("cannot deploy {REGISTRY}"))?;
                    registry = mined.created.map(|a| chain.registry(a));
                }
                Some((statement, capacity)) => {
                    let registry = registry
                        .as_ref()
                        .context("the registry is deployed first")?;
                    let address = chain
                        .deploy(code, &[])
                        .await
                        .with_context(|| format!("cannot deploy {}", contract.name))?
                        .created
                        .context("the deployment created no contract")?;
                    registry
                        .set_verifier(statement, capacity, address)
                        .await
                        .with_context(|| format!("cannot set {} in the registry", contract.name))?;
                    verifiers.push((statement, capacity, address));
                }
            }
        }
        let registry = registry.context("no registry was deployed")?;
        anyhow::Ok((registry.address(), verifiers))
    })?;

    let lines: Vec<String> = verifiers
        .iter()
        .map(|(s, c, a)| format!("  {s} at capacity {c}: {a}"))
        .collect();
    ctx.emit(
        &format!(
            "Deployed {REGISTRY} at {registry} (operator {}), and its verifiers:\n{}\n\
             Anchor to it with: probity serve --anchor evm --rpc URL --registry {registry}",
            chain.account(),
            lines.join("\n"),
        ),
        json!({
            "registry": registry.to_string(),
            "operator": chain.account().to_string(),
            "verifiers": verifiers.iter().map(|(s, c, a)| json!({
                "statement": s, "capacity": c, "address": a.to_string(),
            })).collect::<Vec<_>>(),
        }),
    );
    Ok(ExitCode::SUCCESS)
}

/// Compiles the contracts with solcjs; returns each one's creation bytecode (hex), in order.
#[cfg(feature = "evm")]
fn compile(
    solcjs: Option<PathBuf>,
    contracts: &[super::export::Contract],
) -> anyhow::Result<Vec<String>> {
    use anyhow::Context as _;

    let solcjs = solcjs.unwrap_or_else(|| {
        // Absolute: solcjs runs in the build folder.
        std::fs::canonicalize("node_modules/.bin/solcjs").unwrap_or_else(|_| "solcjs".into())
    });
    let dir = std::env::temp_dir().join(format!(
        "probity-contracts-{}-{}",
        std::process::id(),
        rand::random::<u64>()
    ));
    let result = (|| {
        super::export::write_contracts(&dir, contracts)?;
        let out = std::process::Command::new(&solcjs)
            .args(["--bin", "--optimize", "-o", "build"])
            .args(contracts.iter().map(|c| format!("{}.sol", c.name)))
            .current_dir(&dir)
            .output()
            .with_context(|| {
                format!(
                    "cannot run {}: run `npm ci` in the repository (it pins solc 0.8.28), or give --solcjs FILE",
                    solcjs.display()
                )
            })?;
        if !out.status.success() {
            anyhow::bail!(
                "solcjs failed to compile the contracts: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        contracts
            .iter()
            .map(|c| {
                let path = dir.join("build").join(format!("{0}_sol_{0}.bin", c.name));
                std::fs::read_to_string(&path)
                    .with_context(|| format!("solcjs wrote no {}", path.display()))
            })
            .collect()
    })();
    let _ = std::fs::remove_dir_all(&dir);
    result
}

/// What a registry says about one proof (`probity supervisor verify --chain`).
pub(crate) struct ChainView {
    /// The commitment the chain holds for each period the proof names (EVM words).
    pub(crate) commitments: Vec<(probity_core::Period, [u8; 32])>,
    /// The latest anchored checkpoint: tree size and root hash.
    pub(crate) checkpoint: (u64, [u8; 32]),
    /// The statement's verifier contract, if one is set, and whether it accepts the proof.
    pub(crate) verifier: Option<(String, bool)>,
    /// Whether the registry's own check (the filings, then the verifier) passes.
    pub(crate) registry_accepts: bool,
}

/// Reads, by `eth_call` only, what the registry at `registry` says about a proof.
#[cfg(feature = "evm")]
pub(crate) fn read_chain(
    rpc: &str,
    registry: &str,
    envelope: &probity_core::ProofEnvelope,
    inputs: &probity_core::PublicInputs,
) -> anyhow::Result<ChainView> {
    use anyhow::Context as _;
    use probity_service::chain::{verify_on_chain, Chain};

    let address = registry.trim().parse().map_err(|_| {
        anyhow::anyhow!("`{registry}` is not a contract address (0x and 40 hex digits)")
    })?;
    let chain = Chain::read_only(rpc)?;
    let registry = chain.registry(address);
    let proof = probity_verifier::Proof::from_bytes(&envelope.proof_bytes()?)?;
    let evm = probity_verifier::evm_proof(&proof, inputs);
    let tag = inputs.official_tag().0;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime
        .block_on(async {
            let mut commitments = Vec::new();
            for (period, _) in inputs.named_commitments() {
                commitments.push((period, registry.commitment_of(&tag, period.get()).await?));
            }
            let checkpoint = registry.checkpoint().await?;
            let verifier = match registry
                .verifier_of(envelope.statement, envelope.capacity)
                .await?
            {
                Some(v) => Some((v.to_string(), verify_on_chain(&chain, v, &evm).await?)),
                None => None,
            };
            let registry_accepts = registry
                .check_proof(envelope.statement, envelope.capacity, &evm)
                .await?;
            Ok::<_, probity_service::chain::ChainError>(ChainView {
                commitments,
                checkpoint,
                verifier,
                registry_accepts,
            })
        })
        .with_context(|| format!("cannot read the registry {address}"))
}

#[cfg(not(feature = "evm"))]
pub(crate) fn read_chain(
    _: &str,
    _: &str,
    _: &probity_core::ProofEnvelope,
    _: &probity_core::PublicInputs,
) -> anyhow::Result<ChainView> {
    Err(without_evm())
}
