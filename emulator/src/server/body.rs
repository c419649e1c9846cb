//! Bodies: reading a request's body within
//! [`Config::max_body_bytes`](crate::Config::max_body_bytes), and the body of a response, sent
//! whole or cut after its first half (fault `drop`).

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::header::CONTENT_LENGTH;
use http::Response;
use http_body::{Body, Frame, SizeHint};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use hyper::body::Incoming;
use tokio::time::Sleep;

use super::{CloseConnection, Shared};

/// A request body, read up to the limit.
pub(super) enum ReadBody {
    Ok(Bytes),
    TooLarge,
}

/// Whether the request's `Content-Length` already says the body is over the limit.
fn declared_too_large(shared: &Shared, parts: &http::request::Parts) -> bool {
    parts
        .headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .is_some_and(|n| n > shared.max_body_bytes as u64)
}

/// Reads a body from the connection, stopping at the limit. `Err`: the client went away or
/// sent a broken body, so there is nobody to answer.
pub(super) async fn read(
    shared: &Shared,
    parts: &http::request::Parts,
    body: Incoming,
) -> Result<ReadBody, CloseConnection> {
    let limit = shared.max_body_bytes;
    if declared_too_large(shared, parts) {
        return Ok(ReadBody::TooLarge);
    }
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(ReadBody::Ok(collected.to_bytes())),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => Ok(ReadBody::TooLarge),
        Err(_) => Err(CloseConnection),
    }
}

/// The same limit for a body that is already in memory ([`Handler`](super::Handler)).
pub(super) fn read_vec(shared: &Shared, parts: &http::request::Parts, bytes: Vec<u8>) -> ReadBody {
    if declared_too_large(shared, parts) || bytes.len() > shared.max_body_bytes {
        ReadBody::TooLarge
    } else {
        ReadBody::Ok(Bytes::from(bytes))
    }
}

/// A response body: whole, or cut after its first half (fault `drop`).
pub(super) enum EmuBody {
    Full(Option<Bytes>),
    Cut {
        first: Option<Bytes>,
        total: u64,
        pause: Pin<Box<Sleep>>,
    },
}

impl EmuBody {
    /// `response` with its body whole, or (`cut`, and the body is not empty) cut after its
    /// first half. Must be called inside the runtime (the cut body pauses on a timer).
    pub(super) fn response(response: Response<Vec<u8>>, cut: bool) -> Response<EmuBody> {
        let (head, bytes) = response.into_parts();
        let bytes = Bytes::from(bytes);
        let body = if cut && !bytes.is_empty() {
            let half = bytes.len() / 2;
            EmuBody::Cut {
                total: bytes.len() as u64,
                first: Some(bytes.slice(..half)),
                pause: Box::pin(tokio::time::sleep(Duration::from_millis(20))),
            }
        } else {
            EmuBody::Full(Some(bytes))
        };
        Response::from_parts(head, body)
    }
}

impl Body for EmuBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        match self.get_mut() {
            EmuBody::Full(data) => Poll::Ready(data.take().map(|d| Ok(Frame::data(d)))),
            EmuBody::Cut { first, pause, .. } => {
                if let Some(d) = first.take() {
                    return Poll::Ready(Some(Ok(Frame::data(d))));
                }
                // Pause so the headers and first half are flushed, then fail the body, which
                // makes hyper abort the connection.
                match pause.as_mut().poll(cx) {
                    Poll::Pending => Poll::Pending,
                    Poll::Ready(()) => Poll::Ready(Some(Err(io::Error::new(
                        io::ErrorKind::ConnectionAborted,
                        "fault injection: connection dropped mid-response",
                    )))),
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self, EmuBody::Full(None))
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            EmuBody::Full(Some(d)) => SizeHint::with_exact(d.len() as u64),
            EmuBody::Full(None) => SizeHint::with_exact(0),
            EmuBody::Cut { total, .. } => SizeHint::with_exact(*total),
        }
    }
}
