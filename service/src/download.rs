//! Serving a large file (a proving key of the params folder) without holding it in memory:
//! the one-range subset of HTTP range requests (RFC 9110 §14), and a response body that reads
//! the file a chunk at a time.
//!
//! Every read runs on the blocking pool one chunk at a time, so a slow client holds an open
//! file and at most one chunk, never a thread. The body is sent after the handler returned:
//! neither the request timeout nor the concurrency limit counts a download's transfer time,
//! and no request body is involved, so the body budget is untouched.

use std::{
    fs::File,
    future::Future as _,
    io::{self, Read as _, Seek as _, SeekFrom},
    path::PathBuf,
    pin::Pin,
    task::{ready, Context, Poll},
};

use axum::body::Bytes;
use http_body::{Frame, SizeHint};

/// The most read from the file at once.
const CHUNK: u64 = 256 << 10;

/// What a `Range` header asks of a file of `len` bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ranged {
    /// The whole file: no range, or one this server ignores (several ranges, another unit, a
    /// malformed one: RFC 9110 lets a server answer those with the whole representation).
    Whole,
    /// Bytes `start..=end`, `end` within the file.
    Part {
        /// The first byte.
        start: u64,
        /// The last byte.
        end: u64,
    },
    /// A well-formed range that selects no byte of the file: 416.
    Unsatisfiable,
}

/// Reads one `Range` header value for a file of `len` bytes.
pub(crate) fn range(value: &str, len: u64) -> Ranged {
    let Some(spec) = value.trim().strip_prefix("bytes=") else {
        return Ranged::Whole;
    };
    if spec.contains(',') {
        return Ranged::Whole;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return Ranged::Whole;
    };
    let number = |s: &str| {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u64>().ok())
            .flatten()
    };
    match (first.is_empty(), number(first), number(last)) {
        // `bytes=-N`: the last N bytes.
        (true, _, Some(suffix)) => {
            if suffix == 0 || len == 0 {
                Ranged::Unsatisfiable
            } else {
                Ranged::Part {
                    start: len.saturating_sub(suffix),
                    end: len - 1,
                }
            }
        }
        // `bytes=A-` and `bytes=A-B`.
        (false, Some(start), end) if last.is_empty() || end.is_some_and(|e| e >= start) => {
            if start >= len {
                Ranged::Unsatisfiable
            } else {
                Ranged::Part {
                    start,
                    end: end.map_or(len - 1, |e| e.min(len - 1)),
                }
            }
        }
        _ => Ranged::Whole,
    }
}

/// Opens `path` on the blocking pool: the file and its length.
pub(crate) async fn open(path: PathBuf) -> io::Result<(File, u64)> {
    tokio::task::spawn_blocking(move || {
        let file = File::open(&path)?;
        let len = file.metadata()?.len();
        Ok((file, len))
    })
    .await
    .map_err(io::Error::other)?
}

/// A response body of `len` bytes of a file from `start`, read a chunk at a time. A file
/// that turns out shorter ends the body with an error, so the client sees a cut transfer,
/// never a short file served as whole.
pub(crate) struct FileChunks {
    file: Option<File>,
    /// The position to read from when the next chunk is the first.
    start: Option<u64>,
    remaining: u64,
    reading: Option<tokio::task::JoinHandle<io::Result<(File, Bytes)>>>,
}

impl FileChunks {
    pub(crate) fn new(file: File, start: u64, len: u64) -> Self {
        Self {
            file: Some(file),
            start: Some(start),
            remaining: len,
            reading: None,
        }
    }
}

impl http_body::Body for FileChunks {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        let this = &mut *self;
        if this.reading.is_none() {
            if this.remaining == 0 {
                return Poll::Ready(None);
            }
            let Some(mut file) = this.file.take() else {
                return Poll::Ready(None); // after an error
            };
            let start = this.start.take();
            let n = usize::try_from(this.remaining.min(CHUNK)).unwrap_or(usize::MAX);
            this.reading = Some(tokio::task::spawn_blocking(move || {
                if let Some(start) = start {
                    file.seek(SeekFrom::Start(start))?;
                }
                let mut chunk = vec![0; n];
                file.read_exact(&mut chunk)?;
                Ok((file, Bytes::from(chunk)))
            }));
        }
        let reading = this.reading.as_mut().expect("a read is under way");
        let done = ready!(Pin::new(reading).poll(cx));
        this.reading = None;
        Poll::Ready(Some(match done {
            Ok(Ok((file, chunk))) => {
                this.remaining -= chunk.len() as u64;
                this.file = Some(file);
                Ok(Frame::data(chunk))
            }
            Ok(Err(e)) => Err(e),
            Err(e) => Err(io::Error::other(e)),
        }))
    }

    fn is_end_stream(&self) -> bool {
        self.remaining == 0
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_read_as_rfc_9110_says() {
        let part = |start, end| Ranged::Part { start, end };
        assert_eq!(range("bytes=0-9", 100), part(0, 9));
        assert_eq!(range("bytes=90-", 100), part(90, 99));
        assert_eq!(range("bytes=90-1000", 100), part(90, 99));
        assert_eq!(range("bytes=-10", 100), part(90, 99));
        assert_eq!(range("bytes=-1000", 100), part(0, 99));
        assert_eq!(range("bytes=100-", 100), Ranged::Unsatisfiable);
        assert_eq!(range("bytes=-0", 100), Ranged::Unsatisfiable);
        assert_eq!(range("bytes=0-", 0), Ranged::Unsatisfiable);
        for ignored in [
            "bytes=9-0",
            "bytes=0-1,5-6",
            "items=0-1",
            "bytes=a-b",
            "bytes=-",
            "bytes=+1-2",
            "bytes=18446744073709551616-",
        ] {
            assert_eq!(range(ignored, 100), Ranged::Whole, "{ignored}");
        }
    }
}
