//! The auditor: anyone (a supervisor, a journalist, a witness) who checks the service's log
//! itself rather than any one official.
//!
//! An audit checks the service's latest checkpoint against the pinned log key and against
//! the checkpoint this machine accepted before (a consistency proof), and keeps it. A full
//! audit also reads every entry and tile and recomputes them (`probity_ledger::audit`), which
//! checks every filing's signature and every proof's link to its filing;
//! [`Auditor::audit_proofs`] re-verifies every proof too, with the keys the log published
//! ([`ProofRecheck`]). A failed check is
//! untrusted ([`AuditorError::is_untrusted`]): the log does not audit. A log that cannot be
//! reached is not: it says nothing of the log's honesty.

use std::collections::BTreeMap;

use probity_ledger::{
    audit::{self, AuditError},
    FormOnly, HttpSource, ProofCheck, SignedCheckpoint, TileError,
};

use crate::{
    api,
    witness::{ProofRecheck, RecheckCounts},
    Client, ClientError, Connection, ConnectionError, NewlyPinned, Untrusted,
};

/// Why an audit failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuditorError {
    /// The connection's own checks failed (the pinned key, the earlier checkpoint), or the
    /// log did not audit: see [`AuditorError::is_untrusted`].
    #[error(transparent)]
    Connection(#[from] ConnectionError),
    /// The checkpoint could not be read.
    #[error("cannot read the log's checkpoint")]
    Checkpoint(#[source] ClientError),
    /// The log's tiles could not be read (unreachable, or not where they should be).
    #[error("cannot read the log's tiles")]
    Tiles(#[source] TileError),
}

impl AuditorError {
    /// Whether the log failed a check (rather than being unreachable).
    pub fn is_untrusted(&self) -> bool {
        matches!(self, Self::Connection(e) if e.is_untrusted())
    }
}

/// What an audit found.
#[derive(Clone, Debug)]
pub struct AuditReport {
    /// The checkpoint audited and now kept.
    pub checkpoint: SignedCheckpoint,
    /// The size of the checkpoint kept before (0 on first contact).
    pub previous_size: u64,
    /// For a full audit, the entries seen, by kind.
    pub counts: Option<BTreeMap<&'static str, u64>>,
    /// Set when the audit pinned the log key (first contact).
    pub newly_pinned: Option<NewlyPinned>,
}

/// An auditor of one service's log: an unsigned connection.
#[derive(Clone, Debug)]
pub struct Auditor {
    conn: Connection,
}

impl Auditor {
    /// The auditor of the log `conn` reaches, with `conn`'s pinned key and checkpoint.
    pub fn new(conn: Connection) -> Self {
        Self { conn }
    }

    /// Audits the log: its checkpoint, and with `full` every entry and tile.
    pub fn audit(&self, full: bool) -> Result<AuditReport, AuditorError> {
        let checks = full.then_some(&FormOnly as &dyn ProofCheck);
        self.audit_with(checks)
    }

    /// A full audit that also re-verifies every proof on the log with the verifying keys the
    /// log itself published, and each withheld proof that `disclosures` (what supervisors
    /// hold) opens. A proof that does not verify, or a disclosure that does not open its
    /// entry's digest, fails the audit (untrusted).
    pub fn audit_proofs(
        &self,
        disclosures: Vec<api::DisclosureView>,
    ) -> Result<(AuditReport, RecheckCounts), AuditorError> {
        let recheck = ProofRecheck::with_keys_from_log(disclosures);
        let report = self.audit_with(Some(&recheck))?;
        Ok((report, recheck.counts()))
    }

    /// The audit; with `checks`, a full one showing every entry to them.
    fn audit_with(&self, checks: Option<&dyn ProofCheck>) -> Result<AuditReport, AuditorError> {
        let pinned = self.conn.log_key()?;
        let log = pinned.key;
        let client: &Client = self.conn.client();
        let note = client
            .get_bytes("/v1/log/checkpoint")
            .map_err(AuditorError::Checkpoint)?;
        let checkpoint = SignedCheckpoint::verify(&note, &log).map_err(|e| {
            ConnectionError::from(Untrusted(format!(
                "the service's checkpoint does not verify with the pinned log key: {e}"
            )))
        })?;
        let previous_size = self.conn.advance_checkpoint(&log, &checkpoint)?;
        let mut report = AuditReport {
            checkpoint,
            previous_size,
            counts: None,
            newly_pinned: pinned.newly_pinned,
        };
        let Some(checks) = checks else {
            return Ok(report);
        };
        let source = HttpSource::new(&format!("{}{}", client.base(), crate::LOG_TILES_PATH))
            .map_err(AuditorError::Tiles)?;
        let audited = audit::verify_log_with(&source, &log, checks).map_err(|e| match e {
            AuditError::Source(t) if t.is_unreachable() => AuditorError::Tiles(t),
            other => {
                ConnectionError::from(Untrusted(format!("the log does NOT audit: {other}"))).into()
            }
        })?;
        self.conn.advance_checkpoint(&log, &audited.checkpoint)?;
        report.checkpoint = audited.checkpoint;
        report.counts = Some(audited.counts);
        Ok(report)
    }
}
