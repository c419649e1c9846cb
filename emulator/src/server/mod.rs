//! HTTP plumbing: hyper 1 on a current-thread tokio runtime in a background thread.
//!
//! This module holds the state shared by every connection, starting and stopping the server
//! thread, the accept loop, and answering one request on a connection. Every request takes the
//! same way through the other modules, on a socket or without one ([`Handler`]):
//!
//! | Module | What |
//! |---|---|
//! | `handler` | [`Handler`]: the same handling without sockets, on the caller's clock |
//! | `body` | reading a request body within the limit; the response body a `drop` fault cuts |
//! | `faults` | a request's way through: route, record and match the fault rules, then answer |
//! | `recording` | the request log behind `requests()`, and the `log_requests` line |
//! | `routing` | path and method to operation, and each operation's call into the service |
//! | `portal` | the SSO portal's routes: the bearer header and the query in, JSON or an error out |
//! | `sts` | STS on `/`: the awsQuery `Action` in, `GetCallerIdentity`'s answer or STS's XML error out |
//! | `encoding` | JSON, HTML pages, redirects and service errors as HTTP responses |
//! | `oauth` | the standard OAuth 2.0 mode: discovery, form-encoded device and token endpoints, client authentication, the quirks |

mod body;
mod encoding;
mod faults;
mod handler;
mod oauth;
mod portal;
mod recording;
mod routing;
mod sts;

use std::collections::VecDeque;
use std::net::{SocketAddr, TcpListener as StdListener};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

use http::{Request, Response};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::sync::watch;

use crate::config::Config;
use crate::faults::Faults;
use crate::ids::Ids;
use crate::record::RecordedRequest;
use crate::service::{Now, Service};
use crate::Error;

use body::EmuBody;
use faults::{begin, finish, Answer};

pub use handler::Handler;

/// Locks a mutex; a panic elsewhere while holding it does not make the state unusable.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// State shared by every connection and the [`RunningEmulator`](crate::RunningEmulator).
pub(crate) struct Shared {
    pub service: Mutex<Service>,
    pub faults: Mutex<Faults>,
    pub requests: Mutex<VecDeque<RecordedRequest>>,
    ids: Ids,
    error_type_header: bool,
    max_body_bytes: usize,
    max_recorded: usize,
    public_url: Option<String>,
    local_base: String,
    log: bool,
    stopped: watch::Receiver<bool>,
}

impl Shared {
    fn new(config: Config, local_base: String, stopped: watch::Receiver<bool>) -> Shared {
        Shared {
            faults: Mutex::new(Faults::new(&config.faults)),
            requests: Mutex::new(VecDeque::new()),
            ids: Ids::new(),
            error_type_header: config.error_type_header,
            max_body_bytes: config.max_body_bytes,
            max_recorded: config.max_recorded_requests,
            public_url: config.public_url.clone(),
            local_base,
            log: config.log_requests,
            stopped,
            service: Mutex::new(Service::new(config)),
        }
    }
}

/// The handle the public API keeps on the server thread.
pub(crate) struct Handle {
    pub shared: Arc<Shared>,
    pub addr: SocketAddr,
    pub base_url: String,
    pub stop: watch::Sender<bool>,
    pub thread: std::thread::JoinHandle<()>,
}

/// Binds, then serves on a background thread until `stop` is set.
pub(crate) fn spawn(config: Config) -> Result<Handle, Error> {
    let std_listener = StdListener::bind(SocketAddr::new(config.host, config.port))?;
    std_listener.set_nonblocking(true)?;
    let addr = std_listener.local_addr()?;
    let shown_ip = if addr.ip().is_unspecified() {
        std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST)
    } else {
        addr.ip()
    };
    let base_url = format!("http://{}", SocketAddr::new(shown_ip, addr.port()));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()?;
    let listener = {
        let _guard = runtime.enter();
        tokio::net::TcpListener::from_std(std_listener)?
    };
    let (stop_tx, stop_rx) = watch::channel(false);
    let shared = Arc::new(Shared::new(config, base_url.clone(), stop_rx.clone()));
    let loop_shared = Arc::clone(&shared);
    let thread = std::thread::Builder::new()
        .name("ssooidc-emulator".to_owned())
        .spawn(move || {
            runtime.block_on(accept_loop(listener, loop_shared, stop_rx));
            // Dropping the runtime cancels every connection task: hung requests are released
            // and their sockets closed.
            drop(runtime);
        })?;
    Ok(Handle {
        shared,
        addr,
        base_url,
        stop: stop_tx,
        thread,
    })
}

async fn accept_loop(
    listener: tokio::net::TcpListener,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            _ = stop.wait_for(|s| *s) => return,
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _peer)) => stream,
                    Err(_) => {
                        // Out of descriptors or similar: do not spin.
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let conn_shared = Arc::clone(&shared);
                tokio::spawn(async move {
                    let svc = service_fn(move |req| handle(Arc::clone(&conn_shared), req));
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), svc)
                        .await;
                });
            }
        }
    }
}

/// Returned by the service to make hyper close the connection without answering.
#[derive(Debug)]
struct CloseConnection;

impl std::fmt::Display for CloseConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection closed by the emulator")
    }
}

impl std::error::Error for CloseConnection {}

/// Answers one request on a connection: reads its body, sleeps its fault delay, then sends
/// the answer (or holds the connection until stop, or closes it).
async fn handle(
    shared: Arc<Shared>,
    req: Request<Incoming>,
) -> Result<Response<EmuBody>, CloseConnection> {
    let (parts, body) = req.into_parts();
    let body = body::read(&shared, &parts, body).await?;
    let begun = begin(&shared, &parts, &body, SystemTime::now());
    if !begun.delay.is_zero() {
        tokio::time::sleep(begun.delay).await;
    }
    match finish(&shared, begun, &parts, body, Now::system()) {
        Answer::Respond { response, cut } => Ok(EmuBody::response(response, cut)),
        Answer::Hang => {
            let mut stopped = shared.stopped.clone();
            let _ = stopped.wait_for(|s| *s).await;
            Err(CloseConnection)
        }
        Answer::Close => Err(CloseConnection),
    }
}
