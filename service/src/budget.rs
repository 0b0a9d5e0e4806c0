//! One budget for the bytes of request bodies held in memory at once, across every request
//! (`max_body_bytes_in_flight`).
//!
//! The per-route body limits bound one request; the concurrency limit bounds how many run at
//! once; their product (512 × 12 MiB with the defaults) is far more memory than a server has,
//! and anyone can hold it with slow, unfinished tip bodies, no login needed. So every body
//! chunk takes its length in permits from one semaphore as it arrives, and a request holds
//! them until its response is made (the handler holds the bytes until then).
//!
//! # Invariants
//!
//! - The bytes of request bodies received and not yet released never exceed the budget.
//! - A chunk that does not fit fails its request at once with 503 `overloaded`: the request
//!   gives back what it held, and nothing waits for permits while holding some (waiting
//!   would let a set of slow bodies that each hold part of the budget stall one another
//!   until their timeouts).
//! - Requests without a body (every `GET`) never touch the budget, so reading the log and
//!   the metrics keeps working while bodies fill it.
//!
//! Freed bodies go back to the allocator; glibc keeps freed memory in its arenas, so after
//! every [`TRIM_AFTER_BYTES`] of released bodies the service asks it to hand free pages
//! back to the system (`malloc_trim`).

use std::{
    pin::Pin,
    sync::{
        atomic::{AtomicBool, AtomicUsize, Ordering},
        Arc, Mutex, PoisonError,
    },
    task::{Context, Poll},
};

use axum::{
    body::Body,
    response::{IntoResponse, Response},
};
use http_body::Frame;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::ApiError;

/// Released body bytes after which free memory is handed back to the system.
const TRIM_AFTER_BYTES: usize = 8 << 20;

/// The budget of body bytes in flight.
pub(crate) struct BodyBudget {
    permits: Arc<Semaphore>,
    capacity: usize,
    /// Body bytes released since free memory was last handed back.
    released: AtomicUsize,
}

impl BodyBudget {
    /// A budget of `capacity` bytes (capped at the most permits a semaphore holds, far more
    /// than any memory).
    pub(crate) fn new(capacity: usize) -> Self {
        let capacity = capacity.min(Semaphore::MAX_PERMITS);
        Self {
            permits: Arc::new(Semaphore::new(capacity)),
            capacity,
            released: AtomicUsize::new(0),
        }
    }

    /// Body bytes held now.
    pub(crate) fn in_flight(&self) -> usize {
        self.capacity - self.permits.available_permits()
    }

    /// Gives back what a finished request held, and hands free memory back to the system
    /// once enough has been released.
    fn release(&self, held: Option<OwnedSemaphorePermit>) {
        let Some(permit) = held else {
            return;
        };
        let bytes = permit.num_permits();
        drop(permit);
        let released = self.released.fetch_add(bytes, Ordering::Relaxed) + bytes;
        if released >= TRIM_AFTER_BYTES && self.released.swap(0, Ordering::Relaxed) > 0 {
            // Walks the allocator's arenas: off the async workers.
            tokio::task::spawn_blocking(return_free_memory);
        }
    }
}

/// Hands the allocator's free pages back to the system. glibc's `free` keeps them (in the
/// arena of the thread that allocated, below the top of its heap), so without this a burst
/// of large bodies leaves its peak resident for good.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn return_free_memory() {
    // SAFETY: `malloc_trim` only reorganizes the allocator's own free lists; it has no
    // preconditions and is thread-safe.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Other allocators return large blocks themselves.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn return_free_memory() {}

/// What one request holds of the budget.
struct Held {
    permit: Mutex<Option<OwnedSemaphorePermit>>,
    /// Set when a chunk did not fit: the request is answered with 503 whatever its handler
    /// made of the failed body.
    refused: AtomicBool,
}

/// A request body that takes each chunk's length from the budget as it arrives.
struct BudgetedBody {
    inner: Body,
    permits: Arc<Semaphore>,
    held: Arc<Held>,
}

/// The error a body yields when its chunk does not fit the budget.
#[derive(Debug, thiserror::Error)]
#[error("too many request bodies are arriving at once")]
struct OverBudget;

impl http_body::Body for BudgetedBody {
    type Data = axum::body::Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let frame = match Pin::new(&mut self.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => frame,
            Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e.into()))),
            other => return other.map_err(Into::into),
        };
        let len = frame.data_ref().map_or(0, |d| d.len());
        if len > 0 {
            let taken = u32::try_from(len)
                .ok()
                .and_then(|n| Arc::clone(&self.permits).try_acquire_many_owned(n).ok());
            let Some(taken) = taken else {
                self.held.refused.store(true, Ordering::Relaxed);
                return Poll::Ready(Some(Err(OverBudget.into())));
            };
            let mut held = self
                .held
                .permit
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            match held.as_mut() {
                Some(permit) => permit.merge(taken),
                None => *held = Some(taken),
            }
        }
        Poll::Ready(Some(Ok(frame)))
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// Puts the request's body under `budget`, and releases what the request held once its
/// response is made (the middleware every route runs behind).
pub(crate) async fn limit(
    budget: &BodyBudget,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let held = Arc::new(Held {
        permit: Mutex::new(None),
        refused: AtomicBool::new(false),
    });
    let request = request.map(|inner| {
        Body::new(BudgetedBody {
            inner,
            permits: Arc::clone(&budget.permits),
            held: Arc::clone(&held),
        })
    });
    let response = next.run(request).await;
    budget.release(
        held.permit
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take(),
    );
    if held.refused.load(Ordering::Relaxed) {
        return ApiError::overloaded(
            "too many request bodies are arriving at once; try again shortly",
        )
        .into_response();
    }
    response
}
