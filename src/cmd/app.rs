//! `probity app`: the local web UI (`probity-app`) for the roles whose keys are in the data
//! folder, served on loopback by this process and opened in the browser. The secrets stay
//! on this machine: the pages are this process's, over the client library.
//!
//! It prints the address to open on a line of its own, `Open http://127.0.0.1:PORT/?token=T`
//! (a stable prefix, for scripts and tests). The token works once: it is exchanged for the
//! browser's session cookie; restart the app for a new address.

use std::{
    net::{Ipv4Addr, SocketAddr},
    process::{ExitCode, Stdio},
    time::Duration,
};

use anyhow::{bail, Context as _};
use clap::Args;

use super::Ctx;

#[derive(Debug, Args)]
pub(crate) struct Opts {
    /// The loopback address to listen on [default: 127.0.0.1 on a free port].
    #[arg(long, value_name = "ADDR")]
    listen: Option<SocketAddr>,
    /// Print the address without opening a browser.
    #[arg(long)]
    no_browser: bool,
    /// Minutes of inactivity after which the session drops what it unlocked.
    #[arg(long, value_name = "N", default_value_t = 15, value_parser = clap::value_parser!(u64).range(1..=1440))]
    idle_minutes: u64,
}

pub(crate) fn run(ctx: &Ctx, opts: Opts) -> anyhow::Result<ExitCode> {
    let listen = opts
        .listen
        .unwrap_or(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)));
    if !listen.ip().is_loopback() {
        bail!(
            "--listen {listen} is not a loopback address: the app holds your secrets, so it listens only on this machine (127.0.0.1:PORT or [::1]:PORT)"
        );
    }
    let config = probity_app::Config {
        data_dir: ctx.data_dir.clone(),
        server: ctx.server.clone(),
        idle_timeout: Duration::from_secs(opts.idle_minutes * 60),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let app = probity_app::bind(listen, config).await?;
        let url = app.url();
        outln!("Open {url}");
        eoutln!(
            "The address works once, in one browser. The app talks to {} for the data folder {}; Ctrl-C stops it.",
            ctx.server,
            ctx.data_dir.display()
        );
        if !opts.no_browser {
            open_browser(&url);
        }
        app.serve(super::serve::shutdown_signal())
            .await
            .context("the app's server failed")
    })?;
    eoutln!("Stopped.");
    Ok(ExitCode::SUCCESS)
}

/// Opens `url` in the desktop's browser, or says it could not. (The token is on the opener's
/// command line for an instant; it works once, and the browser uses it first.)
fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    let opened = std::process::Command::new(opener)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    match opened {
        // Reaped off this thread, so that it leaves no zombie behind.
        Ok(mut child) => drop(std::thread::spawn(move || child.wait())),
        Err(e) => {
            eoutln!("Cannot open a browser ({opener}: {e}): open the address above yourself.")
        }
    }
}
