//! Tips on their way to the ledger: the pool that hides when each one arrived.
//!
//! An entry's place in the log, and the time of the first checkpoint that includes it, show
//! when it was logged. Logging a tip as it arrives would show, to the second, when its
//! sender pressed the button: enough, next to a network log, to name them. So an accepted
//! tip waits in a durable pool, and once per window of `tip_batch_secs` (at the first sweep
//! after the window closes) the whole pool is logged in a random order (in chunks, so that
//! other writes are not held up behind it), with the UTC day as
//! each entry's time. The log then shows only the window a tip arrived in.
//!
//! The `many_reporters` alerts that pooled tips raise are logged after the whole pool, never
//! beside their trigger: an alert right after a tip would tell every reader of the log that
//! this tip shares its official with others. A tip that raises one records it, with the tip,
//! as due; the pool's last job logs every due alert (and a crash in between leaves them due
//! for the next pool).
//!
//! The pool's files and the reserved tags are [`crate::tip_store`]'s; this module decides
//! what goes in and when the pool is logged.
//!
//! # Invariants
//! - A tip is acknowledged only once it is durable, in the pool or on the ledger; its tag
//!   was reserved before (one tip per tag), and stays reserved across a restart.
//! - A pooled tip leaves the pool only after its entry is durable on the ledger. A crash in
//!   between leaves it in both; it is recognised by its receipt hash and logged once.

use std::sync::{Arc, PoisonError};

use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

use probity_core::OfficialId;
use probity_ledger::{RateLimitTag, Sha256Digest, Timestamp, TipReceived};

use crate::{
    alerts::alert,
    api::AlertDetail,
    error::ApiError,
    rules,
    shared::{Draft, Prepare, Shared},
    state::{Private, State},
    tip_store::tag_key,
};

/// An accepted tip, before it is logged. Stored in the pool under its receipt hash.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct PooledTip {
    pub(crate) subject: OfficialId,
    pub(crate) epoch: u64,
    /// The rate-limit tag, hex.
    pub(crate) tag: String,
    /// SHA-256 of the sealed tip, hex.
    pub(crate) sealed_sha256: String,
    /// The sealed tip, base64.
    pub(crate) sealed: String,
    /// SHA-256 of the receipt code, hex.
    pub(crate) receipt: String,
}

impl std::fmt::Debug for PooledTip {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PooledTip")
    }
}

impl PooledTip {
    fn tag(&self) -> Result<[u8; 32], ApiError> {
        hex32(&self.tag)
    }

    /// The pool's key: the receipt hash.
    fn key(&self) -> Result<[u8; 32], ApiError> {
        hex32(&self.receipt)
    }

    /// The writer's job for this tip: its `TipReceived` entry, timed at the UTC day. If it
    /// brings the count to the threshold, the `many_reporters` alert it raises is recorded
    /// with it as due ([`State::alerts_due`]), and logged beside it only if `alert_at_once`
    /// (a service that logs each tip as it arrives shows that moment anyway); a pooled tip's
    /// alert waits for the end of its pool ([`Shared::log_due_alerts`]), so that the log does
    /// not show which tip shares its official with others. A tip already on the ledger
    /// (logged before a crash emptied the pool) logs nothing.
    pub(crate) fn prepare(self, threshold: usize, window: u64, alert_at_once: bool) -> Prepare {
        Box::new(move |state: &State, now: Timestamp| {
            if state.tip_receipts.contains_key(&self.receipt) {
                return Ok(Vec::new());
            }
            let day = day_of(now)?;
            let official = self.subject.clone();
            let (epoch, window) = (self.epoch, window.max(1));
            let from = epoch.saturating_sub(window - 1);
            let before = state.distinct_reporters(official.as_str(), from, epoch);
            // The tag is new in its epoch: the tag tree admits one tip per tag.
            let after = before.max(state.distinct_reporters(official.as_str(), epoch, epoch) + 1);
            let entry = TipReceived {
                epoch,
                tag: RateLimitTag(self.tag()?),
                sealed_tip_sha256: Sha256Digest(hex32(&self.sealed_sha256)?),
            };
            let raises = rules::many_reporters(before, after, threshold).then(|| AlertDetail {
                official: official.clone(),
                period: None,
                challenge: None,
                registry: None,
                message: format!(
                    "{after} distinct reporters sent tips about `{official}` in one epoch (within the last {window})"
                ),
            });
            let mut drafts = vec![Draft {
                body: entry.into(),
                private: Some(Private::Tip {
                    subject: official.as_str().to_owned(),
                    sealed: self.sealed,
                    receipt: self.receipt,
                    raises: raises.clone(),
                }),
                time: Some(day),
            }];
            if let Some(detail) = raises.filter(|_| alert_at_once) {
                drafts.push(many_reporters_alert(detail, day));
            }
            Ok(drafts)
        })
    }
}

/// The `many_reporters` alert with `detail`, timed at the UTC `day` as tips are.
fn many_reporters_alert(detail: AlertDetail, day: Timestamp) -> Draft {
    let mut a = alert(rules::MANY_REPORTERS, detail);
    a.time = Some(day);
    a
}

/// The UTC day of `now`.
fn day_of(now: Timestamp) -> Result<Timestamp, ApiError> {
    Timestamp::from_millis(now.as_millis() - now.as_millis() % 86_400_000)
        .map_err(ApiError::internal)
}

/// Pooled tips logged per writer job.
const POOL_CHUNK: usize = 128;

fn hex32(text: &str) -> Result<[u8; 32], ApiError> {
    hex::decode(text)
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .ok_or_else(|| ApiError::internal("a pooled tip is damaged"))
}

impl Shared {
    /// The current tip window (time ÷ `tip_batch_secs`), if tips are pooled.
    fn tip_window_now(&self) -> Option<u64> {
        let batch = self.config.tip_batch_secs;
        (batch > 0).then(|| self.now().as_millis() / 1000 / batch)
    }

    /// When the current tip window closes (POSIX milliseconds), if tips are pooled.
    pub(crate) fn tip_window_end(&self) -> Option<u64> {
        let batch = self.config.tip_batch_secs;
        (batch > 0).then(|| (self.now().as_millis() / 1000 / batch + 1) * batch * 1000)
    }

    /// At start: tips pooled before a restart wait for the end of the current window.
    pub(crate) fn resume_tip_window(&self) {
        if let Some(window) = self.tip_window_now() {
            *self
                .tip_window
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = window;
        }
    }

    /// Logs the tip pool if the window it filled in has closed. Without pooling, logs any
    /// pool left from a restart under another setting.
    pub(crate) async fn sweep_tip_pool(self: &Arc<Self>) -> Result<usize, ApiError> {
        let window = self.tip_window_now();
        let last = *self
            .tip_window
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if window.is_some_and(|w| w <= last) {
            return Ok(0);
        }
        let logged = self.log_tip_pool().await?;
        if let Some(w) = window {
            *self
                .tip_window
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = w;
        }
        Ok(logged)
    }

    /// Puts an accepted tip in the pool, durably. Its tag must already be reserved.
    pub(crate) async fn pool_tip(self: &Arc<Self>, tip: &PooledTip) -> Result<(), ApiError> {
        let value = serde_json::to_vec(tip)
            .map_err(|e| ApiError::internal(format!("cannot encode a tip: {e}")))?;
        let key = tip.key()?;
        // The file's modification time is the window's start, not the arrival.
        let window_start = self.tip_window_end().map_or(std::time::UNIX_EPOCH, |end| {
            let start = end.saturating_sub(self.config.tip_batch_secs * 1000);
            std::time::UNIX_EPOCH + std::time::Duration::from_millis(start)
        });
        let shared = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            let written = shared.pool.put(&key, &value, window_start);
            if written.is_err() {
                // Not acknowledged, so not pooled: the caller frees the tag for a retry, and
                // a file left behind would log the tip a second time.
                let _ = shared.pool.remove(&key);
            }
            written
        })
        .await
        .map_err(|_| ApiError::internal("pooling a tip stopped"))?
        .map_err(|e| ApiError::internal(format!("cannot pool the tip: {e}")))
    }

    /// A pooled tip, by receipt hash (hex).
    pub(crate) fn pooled_tip(&self, receipt: &str) -> Result<Option<PooledTip>, ApiError> {
        let Ok(key) = hex32(receipt) else {
            return Ok(None);
        };
        self.pool
            .get(&key)?
            .map(|v| serde_json::from_slice(&v))
            .transpose()
            .map_err(|_| ApiError::internal("a pooled tip is damaged"))
    }

    /// Every pooled tip.
    fn pooled_tips(&self) -> Result<Vec<PooledTip>, ApiError> {
        self.pool
            .all()?
            .iter()
            .map(|v| {
                serde_json::from_slice(v).map_err(|_| ApiError::internal("a pooled tip is damaged"))
            })
            .collect()
    }

    /// Logs every pooled tip, in a random order, and empties the pool of those logged; then
    /// the alerts they raised, after the whole pool. Returns the number of entries logged.
    async fn log_tip_pool(self: &Arc<Self>) -> Result<usize, ApiError> {
        let mut tips = self.pooled_tips()?;
        if tips.is_empty() {
            // Alerts a crash left due after their pool.
            return self.log_due_alerts().await;
        }
        tips.shuffle(&mut rand::rngs::OsRng);
        let (threshold, window) = (
            self.config.reporters_threshold,
            self.config.reporters_window_epochs,
        );
        let mut logged = 0;
        // In chunks, so that other writes are not held up behind a whole window's tips.
        // The pool's deletions need no flush: a tip a crash leaves in the pool after its
        // entry is durable is recognised by its receipt hash and dropped at the next start
        // (`reserve_logged_and_pooled_tags`).
        while !tips.is_empty() {
            let chunk: Vec<PooledTip> = tips.drain(..tips.len().min(POOL_CHUNK)).collect();
            let keys = chunk
                .iter()
                .map(PooledTip::key)
                .collect::<Result<Vec<_>, _>>()?;
            let results = self
                .write_all(
                    chunk
                        .into_iter()
                        .map(|t| t.prepare(threshold, window, false))
                        .collect(),
                    false,
                )
                .await?;
            for (key, result) in keys.iter().zip(results) {
                let written = result?; // The rest stay in the pool for the next window.
                logged += usize::try_from(written.entries).unwrap_or(usize::MAX);
                self.pool.remove(key)?;
            }
        }
        Ok(logged + self.log_due_alerts().await?)
    }

    /// Logs every alert that logged tips raised and that is not logged yet
    /// ([`State::alerts_due`]): after a whole pool, so that no alert sits beside its trigger.
    async fn log_due_alerts(self: &Arc<Self>) -> Result<usize, ApiError> {
        let receipts = self
            .write(Box::new(|state: &State, now: Timestamp| {
                let day = day_of(now)?;
                Ok(state
                    .alerts_due
                    .iter()
                    .map(|detail| many_reporters_alert(detail.clone(), day))
                    .collect())
            }))
            .await?;
        Ok(receipts.len())
    }

    /// Reserves the tags of the ledger's tips and the pooled ones (at start), and drops
    /// pooled tips that are already on the ledger (a crash between a pool's append and the
    /// deletion of its files).
    pub(crate) fn reserve_logged_and_pooled_tags(&self, state: &State) -> Result<(), ApiError> {
        let mut tags = Vec::new();
        for epochs in state.reporters.values() {
            for (epoch, epoch_tags) in epochs {
                tags.extend(epoch_tags.iter().map(|tag| tag_key(*epoch, tag)));
            }
        }
        for tip in self.pooled_tips()? {
            if state.tip_receipts.contains_key(&tip.receipt) {
                self.pool.remove(&tip.key()?)?;
            } else {
                tags.push(tag_key(tip.epoch, &tip.tag()?));
            }
        }
        self.reserved.reset(tags);
        Ok(())
    }
}
