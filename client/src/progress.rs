//! Progress of long operations (reading a whole log, proving), reported to whoever shows it:
//! the library never prints, so a command line draws bars and a test or a service ignores it.

/// An observer of one long operation at a time: `start`, any number of `advance`, `finish`.
pub trait Progress {
    /// The operation `what` starts; `total` is how many units it takes, when known.
    fn start(&self, what: &str, total: Option<u64>);
    /// `n` more units are done.
    fn advance(&self, n: u64);
    /// The operation is over (done or failed).
    fn finish(&self);
}

/// Progress that nobody watches.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn start(&self, _what: &str, _total: Option<u64>) {}
    fn advance(&self, _n: u64) {}
    fn finish(&self) {}
}
