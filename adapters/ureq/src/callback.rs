//! The loopback listener of the browser login: an HTTP server on `127.0.0.1` (never another
//! interface) on a port the OS picks, that lives as long as one login.
//!
//! Every connection gets its own thread, which reads one request head (at most
//! [`MAX_REQUEST_HEAD_BYTES`], within [`REQUEST_HEAD_TIMEOUT`]), so a slow or garbage connection
//! never holds up the real callback. What a request is, and every answer, comes from the core
//! ([`ssooidc_core::authcode::loopback`]): a `GET` is queued for the login's driver, which feeds
//! it to the machine while it waits ([`Wait`]) and hands the machine's answer back to the
//! connection; anything else is answered by the connection itself. At most
//! [`MAX_CONNECTIONS`] connections may be sending their head at once: one more cuts the one
//! that has been at it the longest, so idle connections cannot crowd the browser out.
//!
//! Dropping the server closes it: the listener goes away, queued requests get a "not waiting"
//! page, and open connections are shut down.

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, SyncSender};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{JoinHandle, Thread};
use std::time::{Duration, Instant};

use ssooidc_core::authcode::loopback::{
    read_request, Rejection, Request, MAX_CONNECTIONS, MAX_REQUEST_HEAD_BYTES, REQUEST_HEAD_TIMEOUT,
};
use ssooidc_core::authcode::{AuthCodeFlow, CallbackReply};
use ssooidc_core::machine::DriveError;
use ssooidc_core::CancelToken;

use crate::driver::{wait_until, Waited, Waiter, Woke};

/// How long writing an answer may take before the connection is dropped.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);

/// The most connections served at once, counting those whose request waits for the flow;
/// more are closed at once.
const MAX_WORKERS: usize = 4 * MAX_CONNECTIONS;

/// A `GET` waiting for the login's driver, and where its answer goes.
struct Pending {
    target: String,
    reply: SyncSender<Vec<u8>>,
}

#[derive(Default)]
struct Shared {
    closed: AtomicBool,
    /// `GET`s waiting for the driver, oldest first.
    requests: Mutex<VecDeque<Pending>>,
    /// The driver's thread, unparked when a request is queued.
    waiter: Mutex<Option<Thread>>,
    /// Clones of the connections still sending their request head, oldest first, by id (to cut
    /// the oldest when there are too many, and all of them on close).
    connections: Mutex<Vec<(u64, TcpStream)>>,
    /// The connections' threads.
    workers: Mutex<Vec<JoinHandle<()>>>,
    next_id: AtomicU64,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The loopback listener. See the [module docs](self).
pub(crate) struct CallbackServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept: Option<JoinHandle<()>>,
}

impl CallbackServer {
    /// Binds `127.0.0.1:0` and starts accepting.
    pub(crate) fn bind() -> io::Result<Self> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::default());
        let accept = {
            let shared = shared.clone();
            std::thread::Builder::new()
                .name("ssooidc-callback".to_owned())
                .spawn(move || accept(listener, &shared))?
        };
        Ok(CallbackServer {
            addr,
            shared,
            accept: Some(accept),
        })
    }

    /// The port the OS gave.
    pub(crate) fn port(&self) -> u16 {
        self.addr.port()
    }
}

impl Waiter<AuthCodeFlow> for CallbackServer {
    /// Takes the listener's requests until `at`: the first one queued is fed to the flow and
    /// answered with the flow's reply.
    fn wait(
        &mut self,
        flow: &mut AuthCodeFlow,
        at: Instant,
        cancel: Option<&CancelToken>,
    ) -> Result<Woke, DriveError> {
        *lock(&self.shared.waiter) = Some(std::thread::current());
        let next = || lock(&self.shared.requests).pop_front();
        match wait_until(at, cancel, next) {
            Waited::Time => Ok(Woke::Time),
            Waited::Cancelled => Err(DriveError::Cancelled),
            Waited::Ready(pending) => {
                let reply = flow.handle_callback(Instant::now(), &pending.target)?;
                // The connection may have given up meanwhile; nothing to do then.
                let _ = pending.reply.try_send(reply.http_response());
                Ok(Woke::Input)
            }
        }
    }
}

impl Drop for CallbackServer {
    fn drop(&mut self) {
        {
            // Under the queue's lock, so that a connection either queued its request before
            // (and is answered by the clear below) or sees `closed`.
            let mut queue = lock(&self.shared.requests);
            self.shared.closed.store(true, Ordering::SeqCst);
            // Queued requests: their connections answer that nobody is waiting.
            queue.clear();
        }
        // Wake the accepting thread with a connection of our own; it sees `closed` and stops,
        // dropping the listener. Should that connection fail (no file descriptor left), the
        // thread is left to stop at the next connection rather than waited for forever.
        let woken = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1)).is_ok();
        if let Some(accept) = self.accept.take() {
            if woken {
                let _ = accept.join();
            }
        }
        // The accepting thread is gone: no connection registers any more.
        for (_, stream) in lock(&self.shared.connections).drain(..) {
            let _ = stream.shutdown(Shutdown::Both);
        }
        let workers = std::mem::take(&mut *lock(&self.shared.workers));
        for worker in workers {
            let _ = worker.join();
        }
    }
}

fn accept(listener: TcpListener, shared: &Arc<Shared>) {
    for stream in listener.incoming() {
        if shared.closed.load(Ordering::SeqCst) {
            return;
        }
        let stream = match stream {
            Ok(stream) => stream,
            // Out of file descriptors and the like: wait a little rather than spin.
            Err(_) => {
                std::thread::sleep(Duration::from_millis(10));
                continue;
            }
        };
        let mut workers = lock(&shared.workers);
        workers.retain(|w| !w.is_finished());
        if workers.len() >= MAX_WORKERS {
            continue; // dropped: closed at once
        }
        let Ok(clone) = stream.try_clone() else {
            continue;
        };
        let id = shared.next_id.fetch_add(1, Ordering::Relaxed);
        {
            let mut reading = lock(&shared.connections);
            reading.push((id, clone));
            if reading.len() > MAX_CONNECTIONS {
                // Cut the connection that has been sending its head the longest, so that idle
                // connections cannot crowd the browser out.
                let (_, oldest) = reading.remove(0);
                let _ = oldest.shutdown(Shutdown::Both);
            }
        }
        let shared_for_worker = shared.clone();
        let spawned = std::thread::Builder::new()
            .name("ssooidc-callback-conn".to_owned())
            .spawn(move || serve(id, stream, &shared_for_worker));
        match spawned {
            Ok(worker) => workers.push(worker),
            Err(_) => lock(&shared.connections).retain(|(i, _)| *i != id),
        }
    }
}

/// Serves connection `id`: reads its request head, has it answered, writes the answer.
fn serve(id: u64, mut stream: TcpStream, shared: &Shared) {
    let request = read_head(&mut stream, shared);
    // Read: closing the server no longer needs to cut this connection short.
    lock(&shared.connections).retain(|(i, _)| *i != id);
    let Some(request) = request else {
        return;
    };
    let response = answer(request, shared);
    let _ = stream.set_write_timeout(Some(WRITE_TIMEOUT));
    if stream
        .write_all(&response)
        .and_then(|()| stream.flush())
        .is_ok()
    {
        let _ = stream.shutdown(Shutdown::Write);
    }
}

/// The request head on `stream` (a rejection when it is too slow, too large or not HTTP), or
/// `None` when the peer or the server went away first.
fn read_head(stream: &mut TcpStream, shared: &Shared) -> Option<Request> {
    // No instant arithmetic: the time left is the limit less what has passed (saturating).
    let started = Instant::now();
    let mut head = Vec::new();
    let mut chunk = [0u8; 2048];
    let request = loop {
        match read_request(&head) {
            Request::Partial => {}
            request => break request,
        }
        if shared.closed.load(Ordering::SeqCst) {
            return None;
        }
        let left = REQUEST_HEAD_TIMEOUT.saturating_sub(started.elapsed());
        if left.is_zero() {
            break Request::Reject(Rejection::Timeout);
        }
        stream.set_read_timeout(Some(left)).ok()?;
        let room = (MAX_REQUEST_HEAD_BYTES + 1)
            .saturating_sub(head.len())
            .min(chunk.len());
        match stream.read(&mut chunk[..room]) {
            Ok(0) => return None,
            Ok(n) => head.extend_from_slice(&chunk[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    };
    Some(request)
}

/// The answer to a request: from the flow for a `GET`, from the core's rejections otherwise.
fn answer(request: Request, shared: &Shared) -> Vec<u8> {
    match request {
        Request::Get(target) => {
            let (reply, answer) = sync_channel(1);
            {
                let mut queue = lock(&shared.requests);
                if shared.closed.load(Ordering::SeqCst) {
                    return CallbackReply::NotWaiting.http_response();
                }
                queue.push_back(Pending { target, reply });
            }
            if let Some(waiter) = lock(&shared.waiter).as_ref() {
                waiter.unpark();
            }
            // Until the driver answers, or the server closes (which drops the queue).
            answer
                .recv()
                .unwrap_or_else(|_| CallbackReply::NotWaiting.http_response())
        }
        Request::Reject(rejection) => rejection.http_response(),
        // Not produced once the loop above ends.
        _ => Rejection::Malformed.http_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(port: u16, target: &str) -> String {
        let mut s = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        write!(s, "GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
        let mut out = String::new();
        let _ = s.read_to_string(&mut out);
        out
    }

    #[test]
    fn binds_loopback_only_on_an_ephemeral_port() {
        let server = CallbackServer::bind().unwrap();
        assert!(server.addr.ip().is_loopback());
        assert_ne!(server.port(), 0);
    }

    #[test]
    fn other_methods_and_garbage_are_answered_without_the_driver() {
        let server = CallbackServer::bind().unwrap();
        let mut s = TcpStream::connect(server.addr).unwrap();
        s.write_all(b"POST /oauth/callback HTTP/1.1\r\nContent-Length: 0\r\n\r\n")
            .unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        assert!(out.starts_with("HTTP/1.1 405 "), "{out}");
        let mut s = TcpStream::connect(server.addr).unwrap();
        s.write_all(b"\x16\x03\x01garbage\r\n\r\n").unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        assert!(out.starts_with("HTTP/1.1 400 "), "{out}");
    }

    #[test]
    fn a_queued_request_is_answered_when_the_server_closes() {
        let server = CallbackServer::bind().unwrap();
        let port = server.port();
        let client = std::thread::spawn(move || get(port, "/oauth/callback?code=c&state=s"));
        // Wait until the request is queued, then close without ever feeding it.
        let deadline = Instant::now() + Duration::from_secs(10);
        while lock(&server.shared.requests).is_empty() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        drop(server);
        let out = client.join().unwrap();
        assert!(out.starts_with("HTTP/1.1 200 OK"), "{out}");
        assert!(out.contains("not waiting"), "{out}");
        assert!(
            TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err(),
            "the listener is closed"
        );
    }
}
