//! The service's TCP listener, whose connections put hyper's own error answers in the error
//! envelope.
//!
//! hyper answers a request it cannot parse (a path and query over 64 KiB, headers over its
//! buffer, a malformed request line) itself, before any route or middleware sees it, with
//! 414, 431 or 400 and no body; the envelope middleware never runs. Such an answer is the
//! last thing hyper writes on the connection, and it is recognisable on the wire: a 400, 414
//! or 431 head without a content type, alone in its write. The service's own error answers
//! always carry `content-type: application/json` (the envelope middleware sees to it), so
//! nothing the router answers is taken for one. The connection writes the enveloped answer
//! in its place.

use std::{
    io,
    net::SocketAddr,
    pin::Pin,
    task::{ready, Context, Poll},
};

use axum::http::StatusCode;
use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    net::{TcpListener, TcpStream},
};

use crate::error::{ErrorBody, ErrorEnvelope};

/// A TCP listener for [`axum::serve`] whose connections envelope hyper's error answers.
pub(crate) struct Listener(pub(crate) TcpListener);

impl axum::serve::Listener for Listener {
    type Io = Connection;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Connection, SocketAddr) {
        let (io, addr) = axum::serve::Listener::accept(&mut self.0).await;
        (Connection { io, pending: None }, addr)
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.0.local_addr()
    }
}

/// An accepted connection.
pub(crate) struct Connection {
    io: TcpStream,
    /// An enveloped answer being written in place of hyper's: its bytes, how many are
    /// written, and the length of hyper's answer (what the write reports once done).
    pending: Option<(Vec<u8>, usize, usize)>,
}

/// The status of `buf` if it is one of hyper's own error answers: exactly one response head
/// (nothing after it), 400, 414 or 431, without a content type.
fn hyper_error_answer(buf: &[u8]) -> Option<StatusCode> {
    let head = buf.strip_suffix(b"\r\n\r\n")?;
    let rest = head.strip_prefix(b"HTTP/1.1 ")?;
    if head.windows(4).any(|w| w == b"\r\n\r\n") {
        return None;
    }
    let status = std::str::from_utf8(rest.get(..3)?).ok()?.parse().ok()?;
    let status = StatusCode::from_u16(status).ok()?;
    let typed = head
        .split(|&b| b == b'\n')
        .any(|line| line.len() >= 13 && line[..13].eq_ignore_ascii_case(b"content-type:"));
    let hypers = [
        StatusCode::BAD_REQUEST,
        StatusCode::URI_TOO_LONG,
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
    ];
    (hypers.contains(&status) && !typed).then_some(status)
}

/// The enveloped answer for one of hyper's error statuses, closing the connection (hyper
/// closes it after a request it could not parse).
fn enveloped(status: StatusCode) -> Vec<u8> {
    let (code, message) = match status {
        StatusCode::URI_TOO_LONG => (
            "uri_too_long",
            "the request's path and query are too long (at most 64 KiB)",
        ),
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => (
            "headers_too_large",
            "the request's headers are larger than the service reads",
        ),
        _ => ("bad_request", "the request is not valid HTTP/1.1"),
    };
    let body = serde_json::to_vec(&ErrorEnvelope {
        error: ErrorBody {
            code: code.to_owned(),
            message: message.to_owned(),
        },
    })
    .unwrap_or_default();
    let mut out = format!(
        "HTTP/1.1 {} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        status.as_str(),
        status.canonical_reason().unwrap_or(""),
        body.len()
    )
    .into_bytes();
    out.extend(body);
    out
}

impl AsyncRead for Connection {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl AsyncWrite for Connection {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        // A write that returned Pending is retried with the same bytes: the answer started
        // in their place goes on.
        if self.pending.is_none() {
            if let Some(status) = hyper_error_answer(buf) {
                self.pending = Some((enveloped(status), 0, buf.len()));
            }
        }
        let this = &mut *self;
        let Some((bytes, written, replaces)) = this.pending.as_mut() else {
            return Pin::new(&mut this.io).poll_write(cx, buf);
        };
        while *written < bytes.len() {
            let n = ready!(Pin::new(&mut this.io).poll_write(cx, &bytes[*written..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            *written += n;
        }
        let replaces = *replaces;
        this.pending = None;
        Poll::Ready(Ok(replaces))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }

    // Not vectored: hyper then hands each answer over as one contiguous buffer, which is
    // what `hyper_error_answer` recognises.
    fn is_write_vectored(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_hypers_bare_error_heads_are_enveloped() {
        let hyper = b"HTTP/1.1 414 URI Too Long\r\ncontent-length: 0\r\ndate: Sat, 05 Dec 2026 19:00:00 GMT\r\n\r\n";
        assert_eq!(hyper_error_answer(hyper), Some(StatusCode::URI_TOO_LONG));
        let ours = b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: 0\r\n\r\n";
        assert_eq!(hyper_error_answer(ours), None);
        let with_body = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 2\r\n\r\n{}";
        assert_eq!(hyper_error_answer(with_body), None);
        let other = b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n";
        assert_eq!(hyper_error_answer(other), None);
        let answer = enveloped(StatusCode::URI_TOO_LONG);
        let text = String::from_utf8(answer).expect("text");
        let (head, body) = text.split_once("\r\n\r\n").expect("a head");
        assert!(head.starts_with("HTTP/1.1 414 URI Too Long\r\n"));
        assert!(head.contains(&format!("content-length: {}", body.len())));
        let envelope: ErrorEnvelope = serde_json::from_str(body).expect("the envelope");
        assert_eq!(envelope.error.code, "uri_too_long");
    }
}
