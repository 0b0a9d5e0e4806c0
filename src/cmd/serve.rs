//! `probity serve`: the service on the embedded default.

use std::{net::SocketAddr, path::PathBuf, process::ExitCode};

use anyhow::Context as _;
use clap::Args;
use probity_service::{api::KeySetup, AnchorConfig, Config, Service};

use super::Ctx;

#[derive(Debug, Args)]
pub(crate) struct Opts {
    /// Run on development keys, and make them on first start: whoever made them can forge
    /// proofs, so this is for development and tests only (the service says so at /v1/info and
    /// on every page). Without it the service refuses dev keys and needs ceremony keys in
    /// DATA_DIR/params. Deliberately a flag only, with no config or PROBITY_* equivalent.
    #[arg(long)]
    dev: bool,
    /// Config file (TOML) [default: DATA_DIR/config.toml if it exists]. PROBITY_* variables
    /// override it.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, value_name = "ADDR")]
    listen: Option<SocketAddr>,
    /// The registrar's public key (hex, as `probity admin init` prints it), for a registrar
    /// on another machine: no file to copy into the data folder. Overrides `registrar_key` in
    /// the config and PROBITY_REGISTRAR_KEY [default: the config's, else DATA_DIR/registrar.pub].
    #[arg(long, value_name = "HEX")]
    registrar_key: Option<String>,
    /// Anchor every declaration commitment, and each checkpoint in batches, on a chain
    /// (after the ledger write: a filing never waits for the chain). Needs a build with
    /// `--features evm`.
    #[arg(long, value_enum, value_name = "KIND")]
    anchor: Option<AnchorKind>,
    /// The chain's JSON-RPC endpoint (with --anchor).
    #[arg(long, value_name = "URL", requires = "anchor")]
    rpc: Option<String>,
    /// The registry contract's address, from `probity chain deploy` (with --anchor).
    #[arg(long, value_name = "ADDR", requires = "anchor")]
    registry: Option<String>,
    /// The registry operator's secret key (hex) [default: DATA_DIR/chain.key] (with --anchor).
    #[arg(long, value_name = "FILE", requires = "anchor")]
    chain_key: Option<PathBuf>,
    /// Seconds between anchoring rounds [default: 10, or the config file's] (with --anchor).
    #[arg(long, value_name = "SECS", requires = "anchor")]
    anchor_interval: Option<u64>,
}

/// The chains anchoring can write to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum AnchorKind {
    /// An EVM chain with the BN254 precompiles (Besu, FISCO BCOS, ChainMaker's EVM, anvil).
    Evm,
}

/// The config: defaults, then the file, then the environment, then the flags.
pub(crate) fn config(ctx: &Ctx, opts: &Opts) -> anyhow::Result<Config> {
    let path = opts
        .config
        .clone()
        .unwrap_or_else(|| ctx.data_dir.join("config.toml"));
    let mut config = match std::fs::read_to_string(&path) {
        Ok(text) => Config::from_toml(&text)
            .map_err(anyhow::Error::msg)
            .with_context(|| format!("in {}", path.display()))?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && opts.config.is_none() => {
            Config::default()
        }
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    config.data_dir = ctx.data_dir.clone();
    config.allow_dev_keys = opts.dev;
    config
        .apply_env(|k| std::env::var(k).ok())
        .map_err(anyhow::Error::msg)?;
    if let Some(listen) = opts.listen {
        config.listen = listen;
    }
    if let Some(key) = &opts.registrar_key {
        config.registrar_key = Some(key.clone());
    }
    if opts.anchor == Some(AnchorKind::Evm) {
        let file = config.anchor.take();
        let (rpc, registry) = match (&opts.rpc, &opts.registry, &file) {
            (Some(rpc), Some(registry), _) => (rpc.clone(), registry.clone()),
            (rpc, registry, Some(f)) => (
                rpc.clone().unwrap_or_else(|| f.rpc.clone()),
                registry.clone().unwrap_or_else(|| f.registry.clone()),
            ),
            _ => anyhow::bail!(
                "--anchor evm needs --rpc URL and --registry ADDR (or an [anchor] table in the config file)"
            ),
        };
        config.anchor = Some(AnchorConfig {
            rpc,
            registry,
            key_file: opts
                .chain_key
                .clone()
                .or_else(|| file.as_ref().and_then(|f| f.key_file.clone())),
            interval_secs: opts.anchor_interval.unwrap_or_else(|| {
                file.map_or(AnchorConfig::DEFAULT_INTERVAL_SECS, |f| f.interval_secs)
            }),
        });
    }
    Ok(config)
}

pub(crate) fn run(ctx: &Ctx, opts: Opts) -> anyhow::Result<ExitCode> {
    init_logs();
    let config = config(ctx, &opts)?;
    let listen = config.listen;
    if opts.dev {
        eoutln!(
            "Opening {} with --dev (a first start makes keys and dev params: this takes a while)",
            ctx.data_dir.display()
        );
    } else {
        eoutln!("Opening {}", ctx.data_dir.display());
    }
    let anchor = config.anchor.clone();
    let service = Service::open(config, probity_service::system_clock())?;
    if service.keys() == KeySetup::Dev {
        eoutln!(
            "WARNING: DEVELOPMENT KEYS. Whoever made them can forge proofs that this service accepts; /v1/info and every page of the register say so. For development and tests only."
        );
    }
    eoutln!(
        "Log key (publish it where visitors and clients can check it without asking this service): {}",
        service.log_key()
    );
    if let Some(anchor) = &anchor {
        // The RPC URL may carry an access token: only the registry is named.
        eoutln!(
            "Anchoring to registry {} every {} s: filings are acknowledged once on the ledger, and the chain follows",
            anchor.registry, anchor.interval_secs
        );
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("cannot listen on {listen}"))?;
        eoutln!(
            "Serving on http://{} (the public register at /, the API described at /v1/openapi.json); Ctrl-C stops it",
            listener.local_addr()?
        );
        probity_service::serve(service, listener, shutdown_signal())
            .await
            .context("the server failed")
    })?;
    eoutln!("Stopped: every acknowledged write is on disk.");
    Ok(ExitCode::SUCCESS)
}

/// Logs to stderr: Probity's own events at INFO, everything else at WARN. (arkworks
/// instruments every gadget call as an INFO span; recording those would slow key
/// generation a hundredfold.)
pub(crate) fn init_logs() {
    use tracing_subscriber::{
        filter::Targets, layer::SubscriberExt as _, util::SubscriberInitExt as _,
    };
    let filter = Targets::new()
        .with_default(tracing::Level::WARN)
        .with_target("probity_service", tracing::Level::INFO)
        .with_target("probity", tracing::Level::INFO);
    let _ = tracing_subscriber::registry()
        .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr))
        .with(filter)
        .try_init();
}

/// Completes on Ctrl-C, or SIGTERM on Unix.
pub(crate) async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}
