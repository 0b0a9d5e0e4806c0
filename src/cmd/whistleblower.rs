//! `probity whistleblower`: enroll once with a one-time code from the registrar, send sealed
//! tips about an official, and follow up with the receipt code (DESIGN.md §8).
//!
//! Nothing here signs: the credential presentation is the authorization, and it shows only
//! that the sender holds some valid credential of the official's jurisdiction. The tip is
//! sealed on this machine to the supervisors' tip key; the service stores ciphertext only.
//!
//! Files in `DATA_DIR/whistleblower/`:
//!
//! | file | holds |
//! |---|---|
//! | `credential` | the anonymous credential, with its secret (mode 0600) |
//! | `keys.json` | the fingerprint of the issuer parameters and their expiry schedule, the schedule, and the supervisors' tip key, pinned at enrollment |
//! | `receipts/` | the ledger receipt of each tip sent (`TipReceived`: epoch, rate-limit tag and digest of the sealed tip; no subject, no text) |
//!
//! # What the client holds the service to
//!
//! - Keys and schedule come from the log's `WhistleblowerKeysPublished` entries, not from
//!   the service's word, and every such entry in the log must carry the same schedule (a log
//!   keeps its schedule for life: one changed for some people only would mark them).
//! - The credential's expiry is computed here, from this machine's clock and that schedule,
//!   and nothing else is accepted: not at enrollment, and not at any tip
//!   (`ExpirySchedule::admits`). A service that announces another epoch length is refused.
//! - The official a tip is about is looked up in the full list of officials, so no request
//!   but the sealed, presented tip itself names them (a proxy's access log would otherwise
//!   tie the subject to the sender's address and the time).
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
    time::{SystemTime, UNIX_EPOCH},
};

use anyhow::{bail, Context as _};
use base64::Engine as _;
use clap::{Args, Subcommand};
use probity_client::{api, Connection, Untrusted};
use probity_credentials::{
    issuance, presentation, seal, Attachment, Credential, CredentialAttributes, EnrollmentCode,
    Epoch, ExpirySchedule, IssuerPublicParams, Scope, Subject, TipBody, TipContext, TipPublicKey,
};
use probity_ledger::{Entry, EntryBody};
use serde::{Deserialize, Serialize};
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

/// What enrollment pins: later tips refuse other keys and another schedule.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PinnedKeys {
    /// The log's origin the keys came from.
    origin: String,
    /// The fingerprint of the issuer's public parameters with the expiry schedule, hex
    /// (`IssuerPublicParams::fingerprint_with`).
    issuer_fingerprint: String,
    /// The supervisors' tip key (X25519), hex.
    tip_key: String,
    /// The published schedule: the epoch length in seconds, …
    epoch_seconds: u64,
    /// … the expiry period in epochs, …
    expiry_period_epochs: u64,
    /// … and the periods a credential outlasts its own.
    expiry_periods: u64,
}

impl PinnedKeys {
    fn schedule(&self) -> anyhow::Result<ExpirySchedule> {
        ExpirySchedule::new(
            self.epoch_seconds,
            self.expiry_period_epochs,
            self.expiry_periods,
        )
        .map_err(|_| anyhow::anyhow!("the pinned expiry schedule is damaged: enroll again"))
    }
}

pub(crate) fn run(ctx: &Ctx, cmd: Command) -> anyhow::Result<ExitCode> {
    match cmd {
        Command::Enroll(opts) => enroll(ctx, opts),
        Command::Tip(opts) => tip(ctx, opts),
        Command::Status(opts) => status(ctx, opts),
    }
}

fn dir(ctx: &Ctx) -> PathBuf {
    ctx.data_dir.join("whistleblower")
}

/// The issuer parameters and tip key the service announces.
fn announced_keys(info: &api::ServiceInfo) -> anyhow::Result<(IssuerPublicParams, TipPublicKey)> {
    let params = hex::decode(&info.issuer_params)
        .ok()
        .and_then(|b| IssuerPublicParams::from_bytes(&b).ok())
        .context("the service's issuer parameters are malformed")?;
    let tip_key = hex::decode(&info.tip_key)
        .ok()
        .and_then(|b| TipPublicKey::from_bytes(&b).ok())
        .context("the service's tip key is malformed")?;
    Ok((params, tip_key))
}

/// This machine's clock, in Unix seconds.
fn unix_now() -> anyhow::Result<u64> {
    Ok(SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .context("this machine's clock is before 1970")?
        .as_secs())
}

/// The current epoch by this machine's clock and the pinned schedule. A service that told one
/// person another epoch, or another epoch length, would give them a credential expiry, or
/// tags, unlike everyone else's: refused.
fn local_epoch(info: &api::ServiceInfo, schedule: &ExpirySchedule) -> anyhow::Result<Epoch> {
    if info.epoch_seconds != schedule.epoch_seconds() {
        return Err(Untrusted(format!(
            "the service announces epochs of {} s, but its log publishes epochs of {} s: an epoch length told to some people only would mark their credentials and tips; nothing was sent, do not use this service",
            info.epoch_seconds,
            schedule.epoch_seconds()
        ))
        .into());
    }
    let local = schedule.epoch_at(unix_now()?);
    if info.epoch.abs_diff(local.0) > 1 {
        bail!(
            "the service says the epoch is {}, this machine's clock says {local}: set this machine's clock right before going on (a wrong epoch would set you apart from everyone else)",
            info.epoch
        );
    }
    Ok(local)
}

fn enroll(ctx: &Ctx, opts: EnrollOpts) -> anyhow::Result<ExitCode> {
    let dir = dir(ctx);
    let path = dir.join("credential");
    if path.exists() {
        bail!(
            "already enrolled: a credential is at {}. One code buys one credential; to enroll again (after it expires), move that folder away first",
            path.display()
        );
    }
    let code = EnrollmentCode::parse(opts.code.trim()).map_err(|_| {
        anyhow::anyhow!("that is not an enrollment code: type it exactly as the registrar gave it")
    })?;
    let conn = ctx.connection();
    let client = conn.client();
    let log = remote::log_key(&conn)?;
    let info: api::ServiceInfo = client
        .get("/v1/info")
        .context("cannot read the service's keys")?;
    let scope = match (opts.scope, info.scopes.as_slice()) {
        (Some(s), _) => s,
        (None, [one]) => one.clone(),
        (None, []) => bail!("the service has no registered officials yet, so no scope: try again later, or pass --scope"),
        (None, many) => bail!(
            "the service covers several jurisdictions ({}): pass --scope with the one your code was made for",
            many.join(", ")
        ),
    };
    let scope = Scope::new(&scope)
        .map_err(|e| anyhow::anyhow!("--scope `{scope}` is not a jurisdiction ({e})"))?;
    let (params, tip_key) = announced_keys(&info)?;
    let schedule = published_keys_match(&conn, &log, &params, &tip_key)?;
    local_epoch(&info, &schedule)?;
    // From this machine's clock and the published schedule only: the response must carry
    // exactly this expiry (`handle_response` refuses any other).
    let expiry = schedule.expected_expiry(unix_now()?);
    let expected = CredentialAttributes::new(expiry, scope.clone());
    let (request, state) = issuance::request(&params, code, expected, &mut rand::rngs::OsRng);
    let enrolled: api::Enrolled = client
        .post(
            "/v1/enroll",
            &api::Enroll {
                request: hex::encode(request.to_bytes()),
            },
        )
        .context("enrollment failed")?;
    let response = hex::decode(&enrolled.response)
        .ok()
        .and_then(|b| issuance::Response::from_bytes(&b).ok())
        .context("the service's answer is malformed: no credential was made")?;
    let credential = state.handle_response(response).map_err(|_| {
        anyhow::anyhow!("the service's answer does not verify with the published issuer parameters, or carries other attributes than the public schedule: no credential was made; tell the registrar")
    })?;
    remote::write_new_secret(&path, &credential.to_bytes())?;
    let pinned = PinnedKeys {
        origin: info.origin.clone(),
        issuer_fingerprint: params.fingerprint_with(&schedule).to_string(),
        tip_key: hex::encode(tip_key.to_bytes()),
        epoch_seconds: schedule.epoch_seconds(),
        expiry_period_epochs: schedule.period_epochs(),
        expiry_periods: schedule.periods(),
    };
    probity_params::write_atomic(&dir.join("keys.json"), &serde_json::to_vec_pretty(&pinned)?)?;
    let until = remote::format_ms((expiry.0 + 1) * schedule.epoch_seconds() * 1000);
    ctx.emit(
        &format!(
            "Enrolled: a credential for {} valid until epoch {} (about {until}) is at {} (mode 0600).\n\
             Issuer parameters and schedule pinned: {} (compare with what the operator publishes).\n\
             That file marks its holder as a reporter: keep it on an encrypted device only you use.\n\
             Send a tip with `probity whistleblower tip --subject ID --message FILE`.",
            scope.as_str(),
            expiry.0,
            path.display(),
            pinned.issuer_fingerprint
        ),
        json!({
            "credential": path,
            "scope": scope.as_str(),
            "expiry_epoch": expiry.0,
            "issuer_fingerprint": pinned.issuer_fingerprint,
        }),
    );
    Ok(ExitCode::SUCCESS)
}

/// Checks the announced keys against the log's latest `WhistleblowerKeysPublished` entry (in
/// a log whose entries rebuild a checkpoint signed with the pinned log key): the operator
/// cannot hand one person keys of their own without it showing on the public log. Returns
/// the published expiry schedule, which every such entry of the log must carry alike.
fn published_keys_match(
    conn: &Connection,
    log: &probity_ledger::CheckpointVerifier,
    params: &IssuerPublicParams,
    tip_key: &TipPublicKey,
) -> anyhow::Result<ExpirySchedule> {
    let checkpoint = conn.latest_checkpoint(log)?;
    let entries = conn.entries_under(&checkpoint)?;
    let all: Vec<_> = entries
        .iter()
        .filter_map(|b| match Entry::from_canonical_json(b).ok()?.body {
            EntryBody::WhistleblowerKeysPublished(k) => Some(k),
            _ => None,
        })
        .collect();
    let published = all
        .last()
        .ok_or_else(|| Untrusted("the log holds no WhistleblowerKeysPublished entry: the service's credential keys are not published, so do not enroll".to_owned()))?;
    let schedule = |k: &probity_ledger::WhistleblowerKeysPublished| {
        (k.epoch_seconds, k.expiry_period_epochs, k.expiry_periods)
    };
    if all.iter().any(|k| schedule(k) != schedule(published)) {
        return Err(Untrusted(
            "the log changed its epoch length or expiry schedule: a log keeps its schedule for life, and one changed for some people only would mark their credentials; do not enroll".to_owned(),
        )
        .into());
    }
    let (epoch_seconds, period_epochs, periods) = schedule(published);
    let schedule = ExpirySchedule::new(epoch_seconds, period_epochs, periods).map_err(|_| {
        Untrusted("the log's expiry schedule is out of range: do not enroll".to_owned())
    })?;
    if published.issuer_params.0.as_slice() != params.to_bytes().as_slice()
        || published.tip_key.0 != tip_key.to_bytes()
    {
        return Err(Untrusted(
            "the credential keys the service announces are not the ones its log published: do not enroll or send tips through it".to_owned(),
        )
        .into());
    }
    Ok(schedule)
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

fn tip(ctx: &Ctx, opts: TipOpts) -> anyhow::Result<ExitCode> {
    let dir = dir(ctx);
    let cred_path = dir.join("credential");
    let bytes = std::fs::read(&cred_path).with_context(|| {
        format!(
            "no credential at {}: enroll first with `probity whistleblower enroll --code CODE`",
            cred_path.display()
        )
    })?;
    let credential = Credential::from_bytes(&bytes).map_err(|_| {
        anyhow::anyhow!("{} is not a credential: it is damaged", cred_path.display())
    })?;
    let keys_path = dir.join("keys.json");
    let pinned: PinnedKeys = std::fs::read(&keys_path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .with_context(|| {
            format!(
                "{} is missing, damaged, or from an older probity that did not pin the expiry schedule: enroll again",
                keys_path.display()
            )
        })?;
    let subject = Subject::new(opts.subject.trim()).map_err(|_| {
        anyhow::anyhow!("--subject must be an official's id as the service lists it (1 to 64 characters of A-Z a-z 0-9 . _ -)")
    })?;
    let text = read_text(&opts.message)?;
    let mut attachments = Vec::new();
    for path in &opts.attach {
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
    let body = TipBody::new(&text, attachments).map_err(|e| {
        anyhow::anyhow!("the tip cannot be sent ({e}): it needs some text or an attachment; at most 64 KiB of text and 8 attachments, 8 MiB in all")
    })?;

    let conn = ctx.connection();
    let client = conn.client();
    let log = remote::log_key(&conn)?;
    let info: api::ServiceInfo = client
        .get("/v1/info")
        .context("cannot read the service's keys")?;
    let (params, tip_key) = announced_keys(&info)?;
    let schedule = pinned.schedule()?;
    if params.fingerprint_with(&schedule).to_string() != pinned.issuer_fingerprint
        || hex::encode(tip_key.to_bytes()) != pinned.tip_key
    {
        return Err(Untrusted(
            "the service's credential or tip keys changed since you enrolled: nothing was sent (with other keys the service could read or link your tip); ask the registrar what happened".to_owned(),
        )
        .into());
    }
    let now = local_epoch(&info, &schedule)?;
    let expiry = credential.expiry();
    if expiry < now.max(Epoch(info.epoch)) {
        bail!(
            "your credential expired after epoch {expiry} (now {}): enroll again with a new code",
            info.epoch
        );
    }
    if !schedule.admits(expiry, now) {
        return Err(Untrusted(format!(
            "your credential expires at epoch {expiry}, which the published schedule gives nobody now (a credential issued in epoch {now} expires at {}): whoever set it could recognise every tip you send, so nothing was sent. Enroll again with a new code, and tell the registrar",
            schedule.expiry_for(now)
        ))
        .into());
    }
    // The whole list, never the one official by name: a request naming the subject would
    // tie them, in any access log on the way, to this address and this time.
    let officials: Vec<api::OfficialInfo> = client
        .get("/v1/officials")
        .context("cannot read the list of officials")?;
    let Some(official) = officials
        .iter()
        .find(|o| o.official.as_str() == subject.as_str())
    else {
        bail!(
            "no official `{}` is registered: use the id exactly as the service lists it (GET /v1/officials)",
            subject.as_str()
        );
    };
    if official.jurisdiction != credential.scope().as_str() {
        bail!(
            "your credential lets you report on officials of {}; {} is in {}",
            credential.scope().as_str(),
            subject.as_str(),
            official.jurisdiction
        );
    }
    let context = TipContext::new(subject.clone(), Epoch(info.epoch));
    let mut rng = rand::rngs::OsRng;
    let sealed = seal(&tip_key, &context, &body, &mut rng).context("cannot seal the tip")?;
    let shown = presentation::present(&credential, &params, &context, &sealed, &mut rng)
        .context("cannot present the credential")?;
    let accepted: api::TipAccepted = client
        .post(
            "/v1/tips",
            &api::SubmitTip {
                subject: subject.as_str().to_owned(),
                epoch: info.epoch,
                sealed: base64::engine::general_purpose::STANDARD.encode(sealed.to_bytes()),
                presentation: hex::encode(shown.to_bytes()),
            },
        )
        .context("the tip was not accepted")?;
    let receipt_code = accepted.receipt_code;
    let digest = hex::encode(sealed.digest().0);
    // From here on the tip is in: the receipt code is printed whatever else goes wrong.
    let Some(receipt) = accepted.receipt else {
        let until = accepted
            .pooled_until
            .map_or_else(|| "soon".to_owned(), remote::format_ms);
        // The sealed tip's digest, to recognise its ledger entry later; it says nothing of the
        // tip's contents or subject.
        let pending = dir.join("pending");
        let remembered = probity_params::write_atomic(&pending.join(&digest), b"");
        ctx.emit(
            &format!(
                "Tip sent about {}. It waits in the service's tip pool, which is logged in a random order by {until} so that the ledger does not show when each tip arrived.\n\
                 Receipt code: {receipt_code}\n\
                 Write the receipt code down and keep it secret: it is shown once, is not stored on this machine, and is the only way to read the supervisors' replies.\n\
                 After {until}, run `probity whistleblower status --receipt CODE`: it fetches the tip's ledger receipt and checks it.",
                subject.as_str()
            ),
            json!({ "receipt_code": receipt_code, "pooled_until": accepted.pooled_until }),
        );
        if let Err(e) = remembered {
            eoutln!("warning: cannot note the tip in {} ({e}); `status` will still check its receipt against the log", pending.display());
        }
        return Ok(ExitCode::SUCCESS);
    };
    let checked = keep_tip_receipt(&conn, &log, &dir, &receipt, |t| {
        t.sealed_tip_sha256.0 == sealed.digest().0 && t.epoch == info.epoch
    });
    let entry = receipt.proof.index;
    match checked {
        Ok(path) => {
            ctx.emit(
                &format!(
                    "Tip sent about {} (ledger entry {entry}; the ledger receipt is at {}).\n\
                     Receipt code: {receipt_code}\n\
                     Write the receipt code down and keep it secret: it is shown once, is not stored on this machine, and is the only way to read the supervisors' replies (`probity whistleblower status --receipt CODE`).",
                    subject.as_str(),
                    path.display()
                ),
                json!({ "receipt_code": receipt_code, "entry": entry, "receipt_file": path }),
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eoutln!("The service took the tip, but: {e:#}\nReceipt code (keep it secret; it reads replies): {receipt_code}");
            if ctx.json {
                ctx.emit("", json!({ "receipt_code": receipt_code, "entry": entry, "error": format!("{e:#}") }));
            }
            Ok(ExitCode::from(1))
        }
    }
}

/// Checks a tip's receipt against the pinned log key, checks its entry with `is_the_tip`,
/// advances the last checkpoint seen, and keeps the receipt in `DIR/receipts`.
fn keep_tip_receipt(
    conn: &Connection,
    log: &probity_ledger::CheckpointVerifier,
    dir: &Path,
    receipt: &probity_ledger::Receipt,
    mut is_the_tip: impl FnMut(&probity_ledger::TipReceived) -> bool,
) -> anyhow::Result<PathBuf> {
    let (entry, checkpoint) = receipt.verify(log).map_err(|e| {
        Untrusted(format!("the tip's receipt does not verify with the pinned log key ({e}): it is NOT proved to be on the log"))
    })?;
    match entry.body {
        EntryBody::TipReceived(t) if is_the_tip(&t) => {}
        _ => {
            return Err(Untrusted(
                "the receipt is for another entry than this tip: it is NOT proved to be on the log"
                    .to_owned(),
            )
            .into())
        }
    }
    conn.advance_checkpoint(log, &checkpoint)?;
    let receipts = dir.join("receipts");
    std::fs::create_dir_all(&receipts)
        .with_context(|| format!("cannot create {}", receipts.display()))?;
    let path = receipts.join(format!("{:012}.json", receipt.proof.index));
    probity_params::write_atomic(&path, &serde_json::to_vec_pretty(receipt)?)?;
    Ok(path)
}

fn status(ctx: &Ctx, opts: StatusOpts) -> anyhow::Result<ExitCode> {
    let code = probity_credentials::Receipt::parse(opts.receipt.trim()).map_err(|_| {
        anyhow::anyhow!(
            "that is not a receipt code: type it exactly as it was shown when the tip was sent"
        )
    })?;
    let conn = ctx.connection();
    let client = conn.client();
    let status: api::TipStatus = match client.post(
        "/v1/tips/status",
        &api::TipStatusQuery {
            receipt_code: code.to_string(),
        },
    ) {
        Ok(s) => s,
        Err(e) if e.status() == Some(404) => {
            bail!(
                "no tip has this receipt code at {}: check the code and the server",
                client.base()
            )
        }
        Err(e) => return Err(e).context("cannot read the tip's status"),
    };
    let (Some(entry), Some(receipt)) = (status.entry, &status.receipt) else {
        ctx.emit(
            "The tip waits in the service's tip pool: it is logged when the pool's window closes. Ask again later.",
            serde_json::to_value(&status)?,
        );
        return Ok(ExitCode::SUCCESS);
    };
    // A tip this machine sent is recognised by its sealed digest, noted when it was pooled,
    // or by its receipt, kept when it was logged at once. With neither on this machine (the
    // tip was sent from another), the receipt is only checked to be a tip's.
    let pending = dir(ctx).join("pending");
    let kept = dir(ctx)
        .join("receipts")
        .join(format!("{:012}.json", receipt.proof.index))
        .exists();
    let log = remote::log_key(&conn)?;
    let mut sent_here = None;
    let path = keep_tip_receipt(&conn, &log, &dir(ctx), receipt, |t| {
        let note = pending.join(hex::encode(t.sealed_tip_sha256.0));
        let known = note.exists();
        if known {
            sent_here = Some(note);
        }
        known || kept || !pending.exists()
    })?;
    if let Some(note) = sent_here {
        let _ = std::fs::remove_file(note);
    }
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
            path.display()
        ),
        serde_json::to_value(&status)?,
    );
    Ok(ExitCode::SUCCESS)
}
