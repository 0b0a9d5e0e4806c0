//! The service's clock, as a value: the service and the client read time only through it,
//! so that tests can run them at any time they choose.

use std::sync::Arc;

use probity_ledger::Timestamp;

/// The service's clock: milliseconds since the Unix epoch. Tests pass their own.
pub type Clock = Arc<dyn Fn() -> Timestamp + Send + Sync>;

/// The system clock.
pub fn system_clock() -> Clock {
    Arc::new(Timestamp::now)
}
