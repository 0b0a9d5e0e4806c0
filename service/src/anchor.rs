//! Anchoring on an EVM chain (feature `evm`, DESIGN.md §7): every declaration commitment,
//! and in batches each checkpoint, go to the `ProbityRegistry` contract.
//!
//! The ledger is the queue. A filing is acknowledged once it is on the ledger; the anchorer
//! follows behind, reading the ledger from a durable cursor (per registry) and writing to the
//! chain what it has not written yet. So a chain that is down, or a service that stops, loses
//! nothing: anchoring resumes from the cursor, and a filing never waits for the chain.
//!
//! A round, every `interval_secs`:
//! 1. check that the chain still holds the checkpoint the cursor says was anchored (a chain
//!    reset, or another chain at the same address, starts anchoring again from the first
//!    entry); if there is something to anchor, check that the key is the registry's operator;
//! 2. for each run of entries from the cursor to the latest checkpoint: register the officials
//!    they register, file the latest commitment they file for each official and period, then
//!    move the cursor past them;
//! 3. anchor the checkpoint.
//!
//! A run is sent as several transactions and may be sent again after a failure or a crash.
//! That is safe because a run files only the latest commitment of each period in it: sending
//! it again never puts back a commitment that a later one replaced. Registering twice changes
//! nothing, and a checkpoint of the same size may be anchored again. A failed round is retried
//! with exponential backoff on a fresh connection.

use std::{collections::HashMap, sync::Arc, time::Duration};

use probity_core::Fr;
use probity_ledger::{Entry, EntryBody};

use crate::{
    chain::{Chain, ChainError, ChainFiling, Registry},
    config::AnchorConfig,
    error::OpenError,
    shared::Shared,
};

/// Entries read from the ledger at a time; the cursor moves after each run.
const RUN: u64 = 1024;
/// Officials or commitments per transaction: about 25k gas each, 2.5M a transaction, inside
/// the block gas limits consortium chains use.
const PER_TX: usize = 100;
/// The first wait after a failed round, and the longest.
const MIN_BACKOFF: Duration = Duration::from_millis(500);
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// The chain and registry a service anchors to.
pub(crate) struct Anchoring {
    registry: Registry,
    interval: Duration,
    /// The endpoint as configured and as the client writes it, to keep out of the logs: it
    /// may carry an access token.
    rpc: [String; 2],
}

impl std::fmt::Debug for Anchoring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Anchoring")
            .field("registry", &self.registry.address())
            .finish_non_exhaustive()
    }
}

impl Anchoring {
    /// Reads the key and checks the addresses; contacts nothing (the chain may be down).
    pub(crate) fn open(
        config: &AnchorConfig,
        data_dir: &std::path::Path,
    ) -> Result<Self, OpenError> {
        let key_file = config
            .key_file
            .clone()
            .unwrap_or_else(|| data_dir.join(crate::files::CHAIN_KEY));
        let key = std::fs::read_to_string(&key_file).map_err(|e| {
            OpenError(format!(
                "cannot read the chain key {} ({e}): anchoring needs the registry operator's secret key there, in hex",
                key_file.display()
            ))
        })?;
        let chain = Chain::connect(&config.rpc, &key).map_err(|e| {
            OpenError(format!(
                "anchoring: {e} (the key comes from {})",
                key_file.display()
            ))
        })?;
        let address = config.registry.trim().parse().map_err(|_| {
            OpenError(format!(
                "anchoring: `{}` is not a contract address (0x and 40 hex digits)",
                config.registry
            ))
        })?;
        Ok(Self {
            registry: chain.registry(address),
            interval: Duration::from_secs(config.interval_secs.max(1)),
            rpc: [
                config.rpc.trim().trim_end_matches('/').to_owned(),
                chain.url().trim_end_matches('/').to_owned(),
            ],
        })
    }
}

/// What went wrong in a round.
#[derive(Debug, thiserror::Error)]
enum AnchorError {
    #[error(transparent)]
    Chain(#[from] ChainError),
    #[error("the ledger cannot be read: {0}")]
    Ledger(String),
    #[error("the chain key's account {key} is not the registry's operator {operator}: give `probity serve` the operator's key")]
    NotOperator {
        key: alloy::primitives::Address,
        operator: alloy::primitives::Address,
    },
}

/// How far anchoring got, stored per registry: entries `..filed` are on the chain, and so is
/// a checkpoint of size `checkpoint`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Cursor {
    filed: u64,
    checkpoint: u64,
}

impl Cursor {
    fn to_bytes(self) -> [u8; 16] {
        let mut out = [0u8; 16];
        out[..8].copy_from_slice(&self.filed.to_be_bytes());
        out[8..].copy_from_slice(&self.checkpoint.to_be_bytes());
        out
    }

    fn from_bytes(bytes: &[u8]) -> Option<Self> {
        let filed = u64::from_be_bytes(bytes.get(..8)?.try_into().ok()?);
        let checkpoint = u64::from_be_bytes(bytes.get(8..16)?.try_into().ok()?);
        Some(Self { filed, checkpoint })
    }
}

/// Anchors until the task is aborted (at shutdown; a round cut short is run again later).
pub(crate) async fn run(shared: Arc<Shared>, anchoring: Anchoring) {
    let mut registry = anchoring.registry.clone();
    let mut backoff = MIN_BACKOFF;
    loop {
        match round(&shared, &registry).await {
            Ok(()) => {
                backoff = MIN_BACKOFF;
                tokio::time::sleep(anchoring.interval).await;
            }
            Err(e) => {
                shared.metrics.anchor_failed();
                // The client's errors quote the endpoint; the log names it only as such.
                let error = anchoring.rpc.iter().fold(e.to_string(), |text, rpc| {
                    text.replace(rpc.as_str(), "<rpc>")
                });
                tracing::warn!(
                    %error,
                    retry_in_ms = u64::try_from(backoff.as_millis()).unwrap_or(u64::MAX),
                    "anchoring failed; every filing stays on the ledger and anchoring resumes where it stopped"
                );
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
                registry = registry.reconnected();
            }
        }
    }
}

fn ledger_err(e: impl std::fmt::Display) -> AnchorError {
    AnchorError::Ledger(e.to_string())
}

/// One round: everything on the ledger up to its latest checkpoint goes to the chain.
async fn round(shared: &Shared, registry: &Registry) -> Result<(), AnchorError> {
    let Some(checkpoint) = shared.log.latest_checkpoint().map_err(ledger_err)? else {
        return Ok(());
    };
    let size = checkpoint.size();
    let key = registry.address();
    let mut cursor = shared
        .trees
        .anchor
        .get(key.as_slice())
        .map_err(ledger_err)?
        .and_then(|v| Cursor::from_bytes(&v))
        .unwrap_or_default();
    shared
        .metrics
        .anchor_pending(size.saturating_sub(cursor.filed));
    // Every round, idle or not: the registry must still hold what the cursor says was
    // anchored. A chain reset, or another chain at the same address, would otherwise go
    // unnoticed until the next filing.
    let (anchored, _) = registry.checkpoint().await?;
    if anchored < cursor.checkpoint || (anchored == 0 && cursor != Cursor::default()) {
        tracing::warn!(
            anchored,
            cursor = cursor.checkpoint,
            "the registry holds less than anchoring reached (the chain was reset, or this is another chain): anchoring everything again"
        );
        cursor = Cursor::default();
        shared.metrics.anchor_pending(size);
    }
    if cursor.filed >= size && cursor.checkpoint >= size {
        return Ok(());
    }
    let operator = registry.operator().await?;
    if operator != registry.account() {
        return Err(AnchorError::NotOperator {
            key: registry.account(),
            operator,
        });
    }
    while cursor.filed < size {
        let end = (cursor.filed + RUN).min(size);
        let (officials, filings) = read_run(shared, cursor.filed, end)?;
        for chunk in officials.chunks(PER_TX) {
            registry.register_officials(chunk).await?;
        }
        for chunk in filings.chunks(PER_TX) {
            registry.file_declarations(chunk).await?;
        }
        cursor.filed = end;
        save(shared, key, cursor)?;
        shared.metrics.anchor_pending(size - end);
    }
    registry
        .anchor_checkpoint(size, checkpoint.root().0)
        .await?;
    cursor.checkpoint = size;
    save(shared, key, cursor)?;
    tracing::info!(tree_size = size, "anchored the checkpoint");
    Ok(())
}

/// What entries `start..end` ask of the chain: the officials they register, and for each
/// official and period the latest filing (see the module docs for why only the latest).
fn read_run(
    shared: &Shared,
    start: u64,
    end: u64,
) -> Result<(Vec<Fr>, Vec<ChainFiling>), AnchorError> {
    let mut officials = Vec::new();
    let mut filings = Vec::new();
    for (i, bytes) in (start..).zip(shared.log.entries_bytes(start, end).map_err(ledger_err)?) {
        let entry = Entry::from_canonical_json(&bytes)
            .map_err(|e| AnchorError::Ledger(format!("entry {i} is damaged: {e}")))?;
        match entry.body {
            EntryBody::OfficialRegistered(r) => officials.push(r.official.tag().0),
            EntryBody::DeclarationFiled(d) => filings.push(ChainFiling {
                official_tag: d.official.tag().0,
                period: d.period.get(),
                capacity: d.capacity,
                commitment: d.commitment.0,
            }),
            _ => {}
        }
    }
    officials.sort_unstable();
    officials.dedup();
    Ok((officials, latest_per_period(filings)))
}

/// The last filing of each (official, period), in the order of their first filing.
fn latest_per_period(filings: Vec<ChainFiling>) -> Vec<ChainFiling> {
    let mut at: HashMap<(Fr, u32), usize> = HashMap::new();
    let mut out: Vec<ChainFiling> = Vec::new();
    for filing in filings {
        match at.get(&(filing.official_tag, filing.period)) {
            Some(&i) => out[i] = filing,
            None => {
                at.insert((filing.official_tag, filing.period), out.len());
                out.push(filing);
            }
        }
    }
    out
}

fn save(
    shared: &Shared,
    key: alloy::primitives::Address,
    cursor: Cursor,
) -> Result<(), AnchorError> {
    // Not flushed: a cursor lost in a crash only repeats idempotent chain writes.
    shared
        .trees
        .anchor
        .insert(key.as_slice(), &cursor.to_bytes())
        .map(drop)
        .map_err(ledger_err)
}

#[cfg(test)]
mod tests {
    use probity_core::Capacity;

    use super::*;

    #[test]
    fn a_run_files_only_the_latest_commitment_of_each_period() {
        let (a, b) = (Fr::from(1u64), Fr::from(2u64));
        let f = |official_tag, period, n: u64, capacity| ChainFiling {
            official_tag,
            period,
            capacity,
            commitment: Fr::from(100 + n),
        };
        let (c16, c64) = (Capacity::C16, Capacity::C64);
        let filings = vec![
            f(a, 2025, 1, c16),
            f(b, 2025, 2, c16),
            f(a, 2025, 3, c16), // amends a's 2025
            f(a, 2026, 4, c16),
            f(a, 2025, 5, c64), // and again, at another capacity: the capacity follows
        ];
        assert_eq!(
            latest_per_period(filings),
            vec![f(a, 2025, 5, c64), f(b, 2025, 2, c16), f(a, 2026, 4, c16)]
        );
    }

    #[test]
    fn a_cursor_round_trips_and_short_bytes_are_refused() {
        let c = Cursor {
            filed: 7,
            checkpoint: 1 << 40,
        };
        assert_eq!(Cursor::from_bytes(&c.to_bytes()), Some(c));
        assert_eq!(Cursor::from_bytes(&c.to_bytes()[..15]), None);
    }
}
