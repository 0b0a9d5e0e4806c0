//! Prometheus metrics at `/metrics`: requests and latency per route template (never a
//! concrete path, a key or an address), writer batch sizes, and the ledger size.
//!
//! `/metrics` is public, so nothing here moves with a whistleblower's request: the routes
//! `/v1/enroll`, `/v1/tips` and `/v1/tips/status` are not counted or timed at all, and a
//! pooled tip reaches the writer (and so the batch and ledger figures) only when its window's
//! pool is logged. With `tip_batch_secs = 0` (development only) tips are logged at once, and
//! the ledger itself shows their arrival.

use std::sync::Mutex;

use prometheus_client::{
    encoding::text::encode,
    metrics::{counter::Counter, family::Family, gauge::Gauge, histogram::Histogram},
    registry::Registry,
};

type Labels = Vec<(String, String)>;

/// The service's metrics.
pub(crate) struct Metrics {
    registry: Mutex<Registry>,
    requests: Family<Labels, Counter>,
    latency: Family<Labels, Histogram>,
    batch: Histogram,
    ledger: Gauge,
    anchor_pending: Gauge,
    anchor_failures: Counter,
    body_bytes: Gauge,
}

fn latency_histogram() -> Histogram {
    Histogram::new([
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
    ])
}

impl Metrics {
    pub(crate) fn new() -> Self {
        let requests = Family::<Labels, Counter>::default();
        let latency = Family::<Labels, Histogram>::new_with_constructor(
            latency_histogram as fn() -> Histogram,
        );
        let batch = Histogram::new([1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 1024.0]);
        let ledger = Gauge::default();
        let mut registry = Registry::with_prefix("probity");
        registry.register(
            "http_requests",
            "HTTP requests by route template and status",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "HTTP request latency by route template",
            latency.clone(),
        );
        registry.register(
            "writer_batch_jobs",
            "Write jobs committed per ledger append",
            batch.clone(),
        );
        registry.register("ledger_entries", "Entries in the ledger", ledger.clone());
        let anchor_pending = Gauge::default();
        registry.register(
            "anchor_pending_entries",
            "Ledger entries not yet anchored on the chain (0 when not anchoring)",
            anchor_pending.clone(),
        );
        let anchor_failures = Counter::default();
        registry.register(
            "anchor_failed_rounds",
            "Anchoring rounds that failed and were retried",
            anchor_failures.clone(),
        );
        let body_bytes = Gauge::default();
        registry.register(
            "request_body_bytes_in_flight",
            "Bytes of request bodies held in memory (bounded by max_body_bytes_in_flight)",
            body_bytes.clone(),
        );
        Self {
            registry: Mutex::new(registry),
            requests,
            latency,
            batch,
            ledger,
            anchor_pending,
            anchor_failures,
            body_bytes,
        }
    }

    pub(crate) fn request(&self, route: &str, status: u16, seconds: f64) {
        self.requests
            .get_or_create(&vec![
                ("route".into(), route.into()),
                ("status".into(), status.to_string()),
            ])
            .inc();
        self.latency
            .get_or_create(&vec![("route".into(), route.into())])
            .observe(seconds);
    }

    pub(crate) fn batch(&self, jobs: usize) {
        self.batch.observe(jobs as f64);
    }

    pub(crate) fn ledger_size(&self, size: u64) {
        self.ledger.set(i64::try_from(size).unwrap_or(i64::MAX));
    }

    #[cfg_attr(not(feature = "evm"), allow(dead_code))]
    pub(crate) fn anchor_pending(&self, entries: u64) {
        self.anchor_pending
            .set(i64::try_from(entries).unwrap_or(i64::MAX));
    }

    #[cfg_attr(not(feature = "evm"), allow(dead_code))]
    pub(crate) fn anchor_failed(&self) {
        self.anchor_failures.inc();
    }

    pub(crate) fn body_bytes_in_flight(&self, bytes: usize) {
        self.body_bytes
            .set(i64::try_from(bytes).unwrap_or(i64::MAX));
    }

    /// The Prometheus text exposition.
    pub(crate) fn render(&self) -> String {
        let mut out = String::new();
        let registry = self
            .registry
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Writing into a String cannot fail.
        let _ = encode(&mut out, &registry);
        out
    }
}
