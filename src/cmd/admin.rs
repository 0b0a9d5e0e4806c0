//! `probity admin`: the registrar's side. Make the registrar key once, then register
//! officials and supervisors, hand out one-time enrollment codes for whistleblowers and set
//! filing deadlines. Every command writes one ledger entry; its receipt is checked against
//! the pinned log key and kept in `DATA_DIR/receipts/`. The logic is the client library's
//! [`Registrar`]: this module parses arguments and prints.

use std::process::ExitCode;

use clap::{Args, Subcommand};
use ed25519_dalek::VerifyingKey;
use probity_client::{api, Registrar};
use probity_core::{OfficialId, Period};
use probity_ledger::SupervisorId;
use serde_json::json;

use super::{remote, Ctx};

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Make the registrar key (once): DATA_DIR/registrar.key, and DATA_DIR/registrar.pub,
    /// which a `probity serve` on the same data folder reads.
    Init,
    /// Register an official (or give a registered official a new key).
    RegisterOfficial(RegisterOfficialOpts),
    /// Register a supervisor (or give a registered supervisor a new key).
    RegisterSupervisor(RegisterSupervisorOpts),
    /// Make one-time enrollment codes for whistleblower credentials; they are shown once.
    EnrollmentCodes(EnrollmentCodesOpts),
    /// Set a period's filing deadline.
    SetDeadline(SetDeadlineOpts),
    /// Publish the next version of the supervision policy (TOML): what officials of each
    /// position and jurisdiction must prove with every filing, from a period after every one
    /// filed so far.
    PublishPolicy(PublishPolicyOpts),
}

#[derive(Debug, Args)]
pub(crate) struct PublishPolicyOpts {
    /// The policy file (TOML; `examples/policy.toml` shows the format).
    file: std::path::PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct RegisterOfficialOpts {
    /// The official's identifier, e.g. GOV-0001.
    #[arg(long, value_parser = OfficialId::new)]
    id: OfficialId,
    /// Full name.
    #[arg(long)]
    name: String,
    /// Position.
    #[arg(long)]
    position: String,
    /// Jurisdiction (A-Z a-z 0-9 - . _ : /), e.g. CN-ZJ-HZ: also the scope of whistleblower
    /// credentials for reporting on this official.
    #[arg(long)]
    jurisdiction: String,
    /// The official's public key, as `probity official init` printed it (64 hex characters).
    #[arg(long, value_name = "HEX", value_parser = parse_public_key)]
    public_key: VerifyingKey,
}

#[derive(Debug, Args)]
pub(crate) struct RegisterSupervisorOpts {
    /// The supervisor's identifier, e.g. AUDIT-1.
    #[arg(long, value_parser = SupervisorId::new)]
    id: SupervisorId,
    /// The supervisor's public key, as `probity supervisor init` printed it (64 hex characters).
    #[arg(long, value_name = "HEX", value_parser = parse_public_key)]
    public_key: VerifyingKey,
}

#[derive(Debug, Args)]
pub(crate) struct EnrollmentCodesOpts {
    /// How many codes (1 to 1,000): one per person whose identity was checked.
    #[arg(long, value_name = "N")]
    count: u64,
    /// The jurisdiction the credentials may report on.
    #[arg(long, value_name = "SCOPE")]
    scope: String,
}

#[derive(Debug, Args)]
pub(crate) struct SetDeadlineOpts {
    /// The period (2026, or 202606 for a month).
    #[arg(long, value_parser = remote::parse_period)]
    period: Period,
    /// The deadline: YYYY-MM-DD (the end of that day, UTC) or an RFC 3339 time.
    #[arg(long, value_name = "DATE", value_parser = remote::parse_deadline)]
    date: u64,
}

/// Parses an Ed25519 public key in hex.
pub(crate) fn parse_public_key(s: &str) -> Result<VerifyingKey, String> {
    hex::decode(s.trim())
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .and_then(|b| VerifyingKey::from_bytes(&b).ok())
        .ok_or_else(|| {
            "not a public key: paste the 64 hex characters that `probity official init` or `probity supervisor init` printed".to_owned()
        })
}

pub(crate) fn run(ctx: &Ctx, cmd: Command) -> anyhow::Result<ExitCode> {
    match cmd {
        Command::Init => init(ctx),
        Command::RegisterOfficial(opts) => register_official(ctx, opts),
        Command::RegisterSupervisor(opts) => register_supervisor(ctx, opts),
        Command::EnrollmentCodes(opts) => enrollment_codes(ctx, opts),
        Command::SetDeadline(opts) => set_deadline(ctx, opts),
        Command::PublishPolicy(opts) => publish_policy(ctx, &opts),
    }
}

fn init(ctx: &Ctx) -> anyhow::Result<ExitCode> {
    let made = Registrar::init(&ctx.data_dir)?;
    let public = hex::encode(made.public_key.as_bytes());
    let (key_path, pub_path) = (made.key_file, made.public_key_file);
    ctx.emit(
        &format!(
            "Made the registrar key at {} (secret: keep it there, mode 0600).\n\
             Public key: {public}\n\
             Wrote it to {}: a `probity serve` on this data folder uses it. For a service \
             elsewhere, start it with PROBITY_REGISTRAR_KEY={public} (or registrar_key in its config).",
            key_path.display(),
            pub_path.display()
        ),
        json!({ "public_key": public, "key_file": key_path, "public_key_file": pub_path }),
    );
    Ok(ExitCode::SUCCESS)
}

/// The registrar of the server, signing with this machine's registrar key.
fn registrar(ctx: &Ctx) -> anyhow::Result<Registrar> {
    Ok(Registrar::open(&ctx.client(), &ctx.data_dir)?)
}

fn register_official(ctx: &Ctx, opts: RegisterOfficialOpts) -> anyhow::Result<ExitCode> {
    let public_key = hex::encode(opts.public_key.as_bytes());
    let logged = registrar(ctx)?.register_official(&api::RegisterOfficial {
        official: opts.id.clone(),
        name: opts.name.clone(),
        position: opts.position.clone(),
        jurisdiction: opts.jurisdiction.clone(),
        public_key: public_key.clone(),
    })?;
    remote::tell_pinned(logged.newly_pinned.as_ref());
    ctx.emit(
        &format!(
            "Registered official {} ({}, {}, {}) with key {public_key}: ledger entry {}",
            opts.id,
            opts.name,
            opts.position,
            opts.jurisdiction,
            list(&logged.entries)
        ),
        json!({
            "official": opts.id,
            "name": opts.name,
            "position": opts.position,
            "jurisdiction": opts.jurisdiction,
            "public_key": public_key,
            "entries": logged.entries,
        }),
    );
    Ok(ExitCode::SUCCESS)
}

fn register_supervisor(ctx: &Ctx, opts: RegisterSupervisorOpts) -> anyhow::Result<ExitCode> {
    let logged = registrar(ctx)?.register_supervisor(&opts.id, &opts.public_key)?;
    remote::tell_pinned(logged.newly_pinned.as_ref());
    let public_key = hex::encode(opts.public_key.as_bytes());
    ctx.emit(
        &format!(
            "Registered supervisor {} with key {public_key}: ledger entry {}",
            opts.id.as_str(),
            list(&logged.entries)
        ),
        json!({ "supervisor": opts.id, "public_key": public_key, "entries": logged.entries }),
    );
    Ok(ExitCode::SUCCESS)
}

fn enrollment_codes(ctx: &Ctx, opts: EnrollmentCodesOpts) -> anyhow::Result<ExitCode> {
    let issued = registrar(ctx)?.enrollment_codes(opts.count, &opts.scope)?;
    remote::tell_pinned(issued.logged.newly_pinned.as_ref());
    let entries = &issued.logged.entries;
    ctx.emit(
        &format!(
            "{} one-time enrollment code(s) for scope {} (ledger entry {}). They are shown \
             this once and the service keeps only their hashes: hand each to one person whose \
             identity you checked, in person, and keep no copy.\n{}",
            issued.codes.len(),
            issued.scope,
            list(entries),
            issued
                .codes
                .iter()
                .map(|c| format!("  {c}"))
                .collect::<Vec<_>>()
                .join("\n")
        ),
        json!({ "codes": issued.codes, "scope": issued.scope, "entries": entries }),
    );
    Ok(ExitCode::SUCCESS)
}

fn set_deadline(ctx: &Ctx, opts: SetDeadlineOpts) -> anyhow::Result<ExitCode> {
    let logged = registrar(ctx)?.set_deadline(opts.period, opts.date)?;
    remote::tell_pinned(logged.newly_pinned.as_ref());
    ctx.emit(
        &format!(
            "The {} filing deadline is {} (ledger entry {}).",
            opts.period,
            remote::format_ms(opts.date),
            list(&logged.entries)
        ),
        json!({ "period": opts.period, "deadline": opts.date, "entries": logged.entries }),
    );
    Ok(ExitCode::SUCCESS)
}

fn publish_policy(ctx: &Ctx, opts: &PublishPolicyOpts) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(&opts.file)
        .map_err(|e| anyhow::anyhow!("cannot read {} ({e})", opts.file.display()))?;
    let policy = probity_client::registrar::read_policy_toml(&text)
        .map_err(|e| anyhow::anyhow!("{}: {e}", opts.file.display()))?;
    let logged = registrar(ctx)?.publish_policy(&policy)?;
    remote::tell_pinned(logged.newly_pinned.as_ref());
    let names: Vec<&str> = policy
        .requirements
        .iter()
        .map(|r| r.name.as_str())
        .collect();
    let mut sets = Vec::new();
    if let Some(bands) = &policy.net_worth_bands {
        sets.push(format!("{} net-worth bands", bands.len()));
    }
    if let Some(t) = policy.wealth_growth_tolerance {
        sets.push(format!(
            "a wealth_growth tolerance of {}",
            probity_core::format_minor_units(t.0.into())
        ));
    }
    if let Some(days) = policy.filing_deadline_days {
        sets.push(format!("filings due {days} days after each period"));
    }
    let off: Vec<&str> = policy.rules_off.iter().map(|r| r.as_str()).collect();
    if !off.is_empty() {
        sets.push(format!("rules off: {}", off.join(", ")));
    }
    sets.extend(
        policy
            .rule_settings
            .iter()
            .map(|(k, v)| format!("{k} = {v}")),
    );
    ctx.emit(
        &format!(
            "Published the policy from {} with {} requirement(s){}{} (ledger entry {}). Officials' clients read it at /v1/policies and make the proofs it requires of them.",
            policy.applies_from,
            names.len(),
            if names.is_empty() { String::new() } else { format!(": {}", names.join(", ")) },
            if sets.is_empty() { String::new() } else { format!("; it sets {}", sets.join("; ")) },
            list(&logged.entries)
        ),
        json!({ "applies_from": policy.applies_from, "requirements": names, "rules_off": off, "entries": logged.entries }),
    );
    Ok(ExitCode::SUCCESS)
}

/// `3`, or `3, 4, 5`.
pub(crate) fn list(entries: &[u64]) -> String {
    entries
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_registrar_public_key_file_is_the_one_the_service_reads() {
        assert_eq!(
            probity_client::registrar::REGISTRAR_PUBLIC_KEY_FILE,
            probity_service::files::REGISTRAR_PUBLIC_KEY
        );
    }
}
