//! `/stats`: the register in figures, counted from the state as the other pages read it,
//! and the log's size over time read from a few of its entries.
//!
//! Every figure is a count, or the public bounds of a proved net-worth band; nothing here
//! reads a challenge's details, an alert's details or a tip.

use std::collections::{BTreeMap, BTreeSet};

use axum::{
    extract::State,
    http::{HeaderMap, StatusCode, Uri},
    response::Response,
};
use probity_core::{Period, StatementKind};
use probity_ledger::Timestamp;
use probity_web::{
    stats::{self as stats_pages, BandCount, ChallengeCounts, LogPoint, PeriodFilings, ProofCount},
    Standing,
};

use super::{page, unavailable, visit, Unavailable};
use crate::{routes::AppState, shared::Shared, state::State as Derived};

/// How many points of the log's size the chart draws (and the last entry's besides).
const LOG_SAMPLES: u64 = 32;

/// `/stats`.
pub(in crate::routes) async fn stats_page(
    State(s): State<AppState>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let (_, ctx) = visit(&s, &uri, &headers);
    // The counts under the state's lock, the log's entries after it is released.
    let mut view = {
        let state = s.state();
        stats_pages::StatsPage {
            periods: filings_per_period(&state, s.now()),
            bands: officials_per_band(&state),
            proofs: proofs_per_statement(&state),
            challenges: challenge_outcomes(&state),
            log_size: Vec::new(),
        }
    };
    match log_size(&s) {
        Ok(points) => view.log_size = points,
        Err(Unavailable) => return unavailable(&ctx, "/stats"),
    }
    page(StatusCode::OK, stats_pages::stats(&ctx, &view))
}

/// For every period with a deadline or a filing, how every registered official stands: the
/// first filing against the deadline (as the officials list judges it), and for a period
/// with no deadline, those who filed. Officials are taken one at a time, each with their
/// own few filings, and nothing is hashed: O(filings × log periods + officials × periods).
fn filings_per_period(state: &Derived, now: Timestamp) -> Vec<PeriodFilings> {
    let now_ms = now.as_millis();
    let known = state.deadlines_until(now);
    let periods: Vec<Period> = known
        .keys()
        .copied()
        .chain(state.filings.values().flatten().map(|f| f.period))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let deadlines: Vec<Option<u64>> = periods
        .iter()
        .map(|p| known.get(p).map(|d| d.as_millis()))
        .collect();
    let mut counts: Vec<PeriodFilings> = periods.iter().map(|p| PeriodFilings::new(*p)).collect();
    // When this official first filed for each period (filings are in log order).
    let mut first: Vec<Option<u64>> = vec![None; periods.len()];
    for id in state.officials().keys() {
        first.fill(None);
        for f in state.filings.get(id).into_iter().flatten() {
            if let Ok(i) = periods.binary_search(&f.period) {
                first[i].get_or_insert(f.time.as_millis());
            }
        }
        for ((counts, deadline), first) in counts.iter_mut().zip(&deadlines).zip(&first) {
            match (deadline, first) {
                (Some(deadline), _) => {
                    counts.count(Some(Standing::judge(*deadline, *first, now_ms)))
                }
                (None, Some(_)) => counts.count(None),
                (None, None) => {}
            }
        }
    }
    counts
}

/// Every registered official once, by the band of their latest net-worth proof (lowest
/// band first), then those who proved none. Empty when nobody is registered.
fn officials_per_band(state: &Derived) -> Vec<BandCount> {
    let mut bands: BTreeMap<(i64, i64), u64> = BTreeMap::new();
    let mut unproved = 0u64;
    for id in state.officials().keys() {
        match state.net_worth_bands.get(id) {
            Some(band) => *bands.entry(*band).or_default() += 1,
            None => unproved += 1,
        }
    }
    let mut counts: Vec<BandCount> = bands
        .into_iter()
        .map(|(band, officials)| BandCount {
            band: Some(band),
            officials,
        })
        .collect();
    if !state.officials().is_empty() {
        counts.push(BandCount {
            band: None,
            officials: unproved,
        });
    }
    counts
}

/// Accepted proofs per statement, every statement listed: one pass over the proofs.
fn proofs_per_statement(state: &Derived) -> Vec<ProofCount> {
    let mut counts = [0u64; StatementKind::ALL.len()];
    for p in state.proofs.values().flatten() {
        if let Some(i) = StatementKind::ALL.iter().position(|k| *k == p.statement) {
            counts[i] += 1;
        }
    }
    StatementKind::ALL
        .into_iter()
        .zip(counts)
        .map(|(statement, proofs)| ProofCount { statement, proofs })
        .collect()
}

fn challenge_outcomes(state: &Derived) -> ChallengeCounts {
    let mut counts = ChallengeCounts::default();
    for c in state.challenges.values() {
        let counter = if c.answer.is_some() {
            &mut counts.answered
        } else if c.expired {
            &mut counts.expired
        } else {
            &mut counts.open
        };
        *counter += 1;
    }
    counts
}

/// The log's size over time, up to the latest checkpoint: entries are logged in time order,
/// so the entry at index `i` says when the log reached `i + 1` entries. [`LOG_SAMPLES`]
/// evenly spaced entries and the last are read, not the whole log.
fn log_size(s: &Shared) -> Result<Vec<LogPoint>, Unavailable> {
    let checkpoint = s.log.latest_checkpoint().map_err(|_| Unavailable)?;
    let size = checkpoint.map_or(0, |c| c.size());
    sample_indexes(size)
        .into_iter()
        .map(|index| {
            let entry = s.log.entry(index).map_err(|_| Unavailable)?;
            Ok(LogPoint {
                time_ms: entry.time.as_millis(),
                size: index + 1,
            })
        })
        .collect()
}

/// [`LOG_SAMPLES`] evenly spaced indexes of a log of `size` entries from 0, and its last,
/// ascending and without repeats.
fn sample_indexes(size: u64) -> Vec<u64> {
    if size == 0 {
        return Vec::new();
    }
    let mut indexes: Vec<u64> = (0..LOG_SAMPLES)
        // k · size / n < size, so it fits in a u64.
        .map(|k| (u128::from(k) * u128::from(size) / u128::from(LOG_SAMPLES)) as u64)
        .chain([size - 1])
        .collect();
    indexes.dedup();
    indexes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_is_sampled_evenly_and_at_its_last_entry() {
        assert!(sample_indexes(0).is_empty());
        assert_eq!(sample_indexes(1), vec![0]);
        assert_eq!(sample_indexes(3), vec![0, 1, 2]);
        let many = sample_indexes(1_000_000);
        assert_eq!(many.len(), 33);
        assert_eq!(many[..3], [0, 31_250, 62_500]);
        assert_eq!(many.last(), Some(&999_999));
        let huge = sample_indexes(u64::MAX);
        assert_eq!(huge.len(), 33);
        assert!(huge.windows(2).all(|w| w[0] < w[1]));
    }
}
