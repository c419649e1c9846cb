//! [`Handler`]: the emulator's request handling without sockets, threads or sleeping.

use std::net::SocketAddr;
use std::time::{Instant, SystemTime};

use http::{Request, Response};
use tokio::sync::watch;

use super::faults::{begin, finish, Answer};
use super::{body, lock, Shared};
use crate::config::Config;
use crate::record::RecordedRequest;
use crate::service::Now;

/// The emulator's request handling without sockets, threads or sleeping: the same routing,
/// body limit, recording, fault rules and service as [`Emulator::start`](crate::Emulator::start)'s
/// server (which calls the same functions), with time given by the caller.
///
/// Fault delays are not slept: the request is answered as if it had arrived that much later.
/// `hang` and `close` faults answer `None` (the server would send nothing); `drop` answers the
/// whole response (cutting it is the transport's business).
///
/// ```
/// use ssooidc_emulator::{Config, Handler};
///
/// let handler = Handler::new(Config::default());
/// let request = http::Request::post("/client/register")
///     .body(br#"{"clientName":"me","clientType":"public"}"#.to_vec())
///     .unwrap();
/// let response = handler.handle(request).unwrap();
/// assert_eq!(response.status(), 200);
/// assert!(response.headers().contains_key("x-amzn-requestid"));
/// ```
pub struct Handler {
    shared: Shared,
    /// Keeps the stop channel open; a sans-socket handler is never stopped.
    _stop: watch::Sender<bool>,
}

impl std::fmt::Debug for Handler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Handler")
            .field("base_url", &self.shared.local_base)
            .finish_non_exhaustive()
    }
}

impl Handler {
    /// A handler with `config`. Without `public_url`, a request with no usable `Host` header
    /// sees `http://HOST:PORT` of `config.host` and `config.port` as the emulator's base URL.
    pub fn new(config: Config) -> Self {
        let local_base = format!("http://{}", SocketAddr::new(config.host, config.port));
        let (stop, stopped) = watch::channel(false);
        Handler {
            shared: Shared::new(config, local_base, stopped),
            _stop: stop,
        }
    }

    /// Answers `request` now (the system clocks).
    pub fn handle(&self, request: Request<Vec<u8>>) -> Option<Response<Vec<u8>>> {
        self.handle_at(request, Instant::now(), SystemTime::now())
    }

    /// Answers `request` as received at monotonic time `now` and wall-clock time `wall`.
    /// `None`: the server would close the connection without answering (a `hang` or `close`
    /// fault). Instants given to one handler should not go backwards; if they do, codes look
    /// younger than they are, and nothing panics.
    pub fn handle_at(
        &self,
        request: Request<Vec<u8>>,
        now: Instant,
        wall: SystemTime,
    ) -> Option<Response<Vec<u8>>> {
        let shared = &self.shared;
        let (parts, bytes) = request.into_parts();
        let body = body::read_vec(shared, &parts, bytes);
        let begun = begin(shared, &parts, &body, wall);
        let now = Now::at(now, wall).later(begun.delay);
        match finish(shared, begun, &parts, body, now) {
            Answer::Respond { response, .. } => Some(response),
            Answer::Hang | Answer::Close => None,
        }
    }

    /// Every request received so far (up to [`Config::max_recorded_requests`]), oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.requests).iter().cloned().collect()
    }
}
