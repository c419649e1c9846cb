//! The `tokio` feature's loopback listener: [`TokioCallbackListener`].

use std::future::{poll_fn, Future};
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::pin::Pin;
use std::task::{Context, Poll};

use ssooidc_core::authcode::loopback::{
    read_request, Request, MAX_CONNECTIONS, MAX_REQUEST_HEAD_BYTES, REQUEST_HEAD_TIMEOUT,
};
use tokio::io::{AsyncRead, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Sleep;

use crate::callback::{CallbackListener, CallbackRequest};

/// A [`CallbackListener`] on tokio: bound to `127.0.0.1` only, on a port the OS picks. It
/// spawns nothing: connections are accepted and read inside
/// [`next_request`](CallbackListener::next_request)'s polls, each with its own deadline, so a
/// slow one never holds up another; state lives in the listener, so dropping that future loses
/// nothing. Needs a tokio runtime with the I/O and time drivers.
pub struct TokioCallbackListener {
    listener: TcpListener,
    addr: SocketAddr,
    /// Connections still sending their request head, oldest first.
    reading: Vec<Connection>,
}

impl std::fmt::Debug for TokioCallbackListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokioCallbackListener")
            .field("addr", &self.addr)
            .field("reading", &self.reading.len())
            .finish()
    }
}

struct Connection {
    stream: TcpStream,
    head: Vec<u8>,
    deadline: Pin<Box<Sleep>>,
}

/// What a connection's bytes came to.
enum Head {
    Request(Request),
    Gone,
}

impl TokioCallbackListener {
    /// Binds `127.0.0.1:0`. An error here means the browser login cannot run (see
    /// [`LoginError::listener`](ssooidc_core::login::LoginError::listener)).
    pub async fn bind() -> io::Result<Self> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        Ok(TokioCallbackListener {
            listener,
            addr,
            reading: Vec::new(),
        })
    }

    fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<CallbackRequest> {
        while let Poll::Ready(accepted) = self.listener.poll_accept(cx) {
            // An accept error (out of descriptors) ends this round; the next poll tries again.
            let Ok((stream, _)) = accepted else { break };
            self.reading.push(Connection {
                stream,
                head: Vec::new(),
                deadline: Box::pin(tokio::time::sleep(REQUEST_HEAD_TIMEOUT)),
            });
            if self.reading.len() > MAX_CONNECTIONS {
                // The one sending its head the longest goes (dropped: closed).
                self.reading.remove(0);
            }
        }
        let mut i = 0;
        while i < self.reading.len() {
            let Poll::Ready(head) = self.reading[i].poll_head(cx) else {
                i += 1;
                continue;
            };
            let connection = self.reading.remove(i);
            match head {
                Head::Request(Request::Get(target)) => {
                    let stream = connection.stream;
                    return Poll::Ready(CallbackRequest::new(target, move |response| {
                        write_now(&stream, &response);
                    }));
                }
                Head::Request(Request::Reject(rejection)) => {
                    write_now(&connection.stream, &rejection.http_response());
                }
                Head::Request(_) | Head::Gone => {}
            }
        }
        Poll::Pending
    }
}

impl Connection {
    fn poll_head(&mut self, cx: &mut Context<'_>) -> Poll<Head> {
        if self.deadline.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Head::Request(Request::Reject(
                ssooidc_core::authcode::loopback::Rejection::Timeout,
            )));
        }
        let mut chunk = [0u8; 2048];
        loop {
            let room = (MAX_REQUEST_HEAD_BYTES + 1)
                .saturating_sub(self.head.len())
                .min(chunk.len());
            let mut buf = ReadBuf::new(&mut chunk[..room]);
            match Pin::new(&mut self.stream).poll_read(cx, &mut buf) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Err(_)) => return Poll::Ready(Head::Gone),
                Poll::Ready(Ok(())) if buf.filled().is_empty() => return Poll::Ready(Head::Gone),
                Poll::Ready(Ok(())) => {
                    self.head.extend_from_slice(buf.filled());
                    match read_request(&self.head) {
                        Request::Partial => {}
                        request => return Poll::Ready(Head::Request(request)),
                    }
                }
            }
        }
    }
}

/// Writes a small answer without waiting (a fresh connection's send buffer holds it), then the
/// connection is dropped (closed).
fn write_now(stream: &TcpStream, mut bytes: &[u8]) {
    while !bytes.is_empty() {
        match stream.try_write(bytes) {
            Ok(0) | Err(_) => return,
            Ok(n) => bytes = &bytes[n..],
        }
    }
}

impl CallbackListener for TokioCallbackListener {
    fn port(&self) -> u16 {
        self.addr.port()
    }

    fn next_request(&mut self) -> impl Future<Output = CallbackRequest> {
        poll_fn(move |cx| self.poll_next(cx))
    }
}
