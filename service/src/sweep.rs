//! What time sets off, every `sweep_interval_secs` ([`run`]) or on demand
//! ([`Service::sweep`](crate::Service::sweep)): the alerts of passed deadlines, the tip pool
//! of a closed window, and forgetting the nonces and tip tags too old to matter.

use std::sync::Arc;

use crate::{alerts::sweep_drafts, auth::MAX_CLOCK_SKEW_SECS, error::ApiError, shared::Shared};

impl Shared {
    /// Logs what the deadlines set off, and forgets nonces too old to be replayed.
    pub(crate) async fn sweep(self: &Arc<Self>) -> Result<usize, ApiError> {
        let config = self.config.clone();
        let receipts = self
            .write(Box::new(move |state, now| {
                Ok(sweep_drafts(state, &config, now))
            }))
            .await?;
        let tips = self.sweep_tip_pool().await?;
        // The previous epoch's too are kept: a tip checked just before the epoch turned
        // reserves its tag just after.
        self.reserved.forget_before(self.epoch().saturating_sub(1));
        let horizon = self
            .now()
            .as_millis()
            .saturating_div(1000)
            .saturating_sub(2 * MAX_CLOCK_SKEW_SECS);
        for item in self.trees.nonces.iter() {
            let (key, value) = item?;
            let ts = <[u8; 8]>::try_from(value.as_ref()).map_or(0, u64::from_be_bytes);
            if ts < horizon {
                self.trees.nonces.remove(key)?;
            }
        }
        Ok(receipts.len() + tips)
    }
}

/// Sweeps every `sweep_interval_secs` until the task is aborted (at shutdown).
pub(crate) async fn run(shared: Arc<Shared>) {
    let every = std::time::Duration::from_secs(shared.config.sweep_interval_secs.max(1));
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = shared.sweep().await {
            tracing::error!(error = %e, "the deadline sweep failed");
        }
    }
}
