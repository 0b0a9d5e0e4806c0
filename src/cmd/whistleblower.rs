//! `probity whistleblower`: enroll once with a one-time code from the registrar, send sealed
//! tips about an official, and follow up with the receipt code (DESIGN.md §8).
//!
//! The logic, and what it holds the service to so that a reporter stays anonymous, is the
//! client library's (`probity_client::whistleblower`, whose module documentation is the
//! reference); this module parses arguments, reads the user's files and prints.
//!
//! Files in `DATA_DIR/whistleblower/`: `credential` (mode 0600), `keys.json` (the keys and
//! schedule pinned at enrollment), `receipts/` and `pending/` (see the library).
//!
//! # Caution
//!
//! The `credential` file marks its holder as a reporter, and with it anyone can compute which
//! official a logged tip was about (the tip's tag derives from the credential's secret).
//! Keep the data folder on an encrypted device that only you use, and delete the folder
//! when you no longer report. Receipt codes are shown once and never stored: write them
//! down. The service keeps no IP address, but your network may: use a network that is not
//! tied to you where that matters.

use std::{
    path::{Path, PathBuf},
    process::ExitCode,
};

use anyhow::Context as _;
use clap::{Args, Subcommand};
use probity_client::{
    whistleblower::{LoggedTip, NoteFailed, TipOutcome},
    Whistleblower,
};
use probity_credentials::Attachment;
use serde_json::json;

use super::{remote, Ctx};

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Redeem a one-time enrollment code for an anonymous credential (once).
    Enroll(EnrollOpts),
    /// Send a sealed tip about an official.
    Tip(TipOpts),
    /// A tip's status and the supervisors' replies.
    Status(StatusOpts),
}

#[derive(Debug, Args)]
pub(crate) struct EnrollOpts {
    /// The enrollment code the registrar handed you.
    #[arg(long, value_name = "CODE")]
    code: String,
    /// The jurisdiction the code was made for [default: the service's only one].
    #[arg(long, value_name = "S")]
    scope: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct TipOpts {
    /// The official the tip is about, by their registered id.
    #[arg(long, value_name = "ID")]
    subject: String,
    /// A text file holding the tip (`-` reads standard input).
    #[arg(long, value_name = "FILE")]
    message: PathBuf,
    /// A file to attach (up to 8, 4 MiB each); only its name and content are sent.
    #[arg(long, value_name = "FILE")]
    attach: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct StatusOpts {
    /// The receipt code shown when the tip was sent.
    #[arg(long, value_name = "CODE")]
    receipt: String,
}

pub(crate) fn run(ctx: &Ctx, cmd: Command) -> anyhow::Result<ExitCode> {
    match cmd {
        Command::Enroll(opts) => enroll(ctx, opts),
        Command::Tip(opts) => tip(ctx, opts),
        Command::Status(opts) => status(ctx, opts),
    }
}

/// The whistleblower of the server, with the data folder's state.
fn whistleblower(ctx: &Ctx) -> Whistleblower {
    Whistleblower::new(ctx.client(), &ctx.data_dir)
}

fn enroll(ctx: &Ctx, opts: EnrollOpts) -> anyhow::Result<ExitCode> {
    let enrolled = whistleblower(ctx).enroll(&opts.code, opts.scope.as_deref())?;
    remote::tell_pinned(enrolled.newly_pinned.as_ref());
    let until = remote::format_ms(enrolled.valid_until_ms);
    let path = &enrolled.credential_file;
    ctx.emit(
        &format!(
            "Enrolled: a credential for {} valid until epoch {} (about {until}) is at {} (mode 0600).\n\
             Issuer parameters and schedule pinned: {} (compare with what the operator publishes).\n\
             That file marks its holder as a reporter: keep it on an encrypted device only you use.\n\
             Send a tip with `probity whistleblower tip --subject ID --message FILE`.",
            enrolled.scope.as_str(),
            enrolled.expiry.0,
            path.display(),
            enrolled.issuer_fingerprint
        ),
        json!({
            "credential": path,
            "scope": enrolled.scope.as_str(),
            "expiry_epoch": enrolled.expiry.0,
            "issuer_fingerprint": enrolled.issuer_fingerprint,
        }),
    );
    Ok(ExitCode::SUCCESS)
}

/// A media type from a file name's extension.
fn media_type(path: &Path) -> &'static str {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("pdf") => "application/pdf",
        Some("txt") => "text/plain",
        Some("csv") => "text/csv",
        Some("json") => "application/json",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("zip") => "application/zip",
        Some("doc") => "application/msword",
        Some("docx") => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        Some("xlsx") => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _ => "application/octet-stream",
    }
}

fn read_text(path: &Path) -> anyhow::Result<String> {
    if path == Path::new("-") {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
            .context("cannot read the tip from standard input")?;
        return Ok(text);
    }
    std::fs::read_to_string(path).with_context(|| {
        format!(
            "cannot read the tip text from {} (it must be UTF-8 text)",
            path.display()
        )
    })
}

/// Reads the files to attach, each with its name and a media type from its extension.
fn read_attachments(paths: &[PathBuf]) -> anyhow::Result<Vec<Attachment>> {
    let mut attachments = Vec::new();
    for path in paths {
        let data =
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .with_context(|| format!("{} has no usable file name", path.display()))?;
        attachments.push(Attachment::new(name, media_type(path), data).map_err(|e| {
            anyhow::anyhow!(
                "cannot attach {} ({e}): at most 4 MiB, with a plain file name",
                path.display()
            )
        })?);
    }
    Ok(attachments)
}

fn tip(ctx: &Ctx, opts: TipOpts) -> anyhow::Result<ExitCode> {
    let wb = whistleblower(ctx);
    let draft = wb.draft_tip(&opts.subject)?;
    let text = read_text(&opts.message)?;
    let attachments = read_attachments(&opts.attach)?;
    let sent = wb.send_tip(draft, &text, attachments)?;
    remote::tell_pinned(sent.newly_pinned.as_ref());
    let subject = sent.subject.as_str();
    let receipt_code = sent.receipt_code.reveal();
    match sent.outcome {
        TipOutcome::Pooled { until, note_failed } => {
            let until_text = until.map_or_else(|| "soon".to_owned(), remote::format_ms);
            ctx.emit(
                &format!(
                    "Tip sent about {subject}. It waits in the service's tip pool, which is logged in a random order by {until_text} so that the ledger does not show when each tip arrived.\n\
                     Receipt code: {receipt_code}\n\
                     Write the receipt code down and keep it secret: it is shown once, is not stored on this machine, and is the only way to read the supervisors' replies.\n\
                     After {until_text}, run `probity whistleblower status --receipt CODE`: it fetches the tip's ledger receipt and checks it."
                ),
                json!({ "receipt_code": receipt_code, "pooled_until": until }),
            );
            if let Some(NoteFailed { dir, error }) = note_failed {
                eoutln!("warning: cannot note the tip in {} ({error}); `status` will still check its receipt against the log", dir.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        TipOutcome::Logged {
            entry,
            receipt_file,
        } => {
            ctx.emit(
                &format!(
                    "Tip sent about {subject} (ledger entry {entry}; the ledger receipt is at {}).\n\
                     Receipt code: {receipt_code}\n\
                     Write the receipt code down and keep it secret: it is shown once, is not stored on this machine, and is the only way to read the supervisors' replies (`probity whistleblower status --receipt CODE`).",
                    receipt_file.display()
                ),
                json!({ "receipt_code": receipt_code, "entry": entry, "receipt_file": receipt_file }),
            );
            Ok(ExitCode::SUCCESS)
        }
        TipOutcome::Unchecked { entry, error } => {
            let e = anyhow::Error::from(*error);
            eoutln!("The service took the tip, but: {e:#}\nReceipt code (keep it secret; it reads replies): {receipt_code}");
            if ctx.json {
                ctx.emit("", json!({ "receipt_code": receipt_code, "entry": entry, "error": format!("{e:#}") }));
            }
            Ok(ExitCode::from(1))
        }
    }
}

fn status(ctx: &Ctx, opts: StatusOpts) -> anyhow::Result<ExitCode> {
    let report = whistleblower(ctx).status(&opts.receipt)?;
    remote::tell_pinned(report.newly_pinned.as_ref());
    let status = &report.status;
    let Some(LoggedTip {
        entry,
        receipt_file,
    }) = &report.logged
    else {
        ctx.emit(
            "The tip waits in the service's tip pool: it is logged when the pool's window closes. Ask again later.",
            serde_json::to_value(status)?,
        );
        return Ok(ExitCode::SUCCESS);
    };
    let replies = if status.replies.is_empty() {
        "  no replies yet".to_owned()
    } else {
        status
            .replies
            .iter()
            .map(|r| format!("  {}: {}", r.day, r.message))
            .collect::<Vec<_>>()
            .join("\n")
    };
    ctx.emit(
        &format!(
            "Tip at ledger entry {entry}: {} (its receipt verifies; kept at {})\n{replies}",
            status.status,
            receipt_file.display()
        ),
        serde_json::to_value(status)?,
    );
    Ok(ExitCode::SUCCESS)
}
