//! HTTP plumbing: hyper 1 on a current-thread tokio runtime in a background thread. Routing,
//! body limits, request recording, fault injection, and the encoding of every answer.

use std::collections::VecDeque;
use std::future::Future;
use std::io;
use std::net::{SocketAddr, TcpListener as StdListener};
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE, HOST, LOCATION};
use http::{HeaderValue, Method, Request, Response, StatusCode};
use http_body::{Body, Frame, SizeHint};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde::de::DeserializeOwned;
use serde::Serialize;
use ssooidc_core::error::encode_error;
use ssooidc_core::{ErrorCode, ServiceError};
use tokio::sync::watch;
use tokio::time::Sleep;

use crate::config::Config;
use crate::faults::{FaultAction, Faults, Target};
use crate::ids::Ids;
use crate::pages;
use crate::record::RecordedRequest;
use crate::service::{AuthorizeOutcome, AuthorizeQuery, Now, Service};
use crate::Error;

const REQUEST_ID: &str = "x-amzn-requestid";

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

/// A response body: whole, or cut after its first half (fault `drop`).
pub(crate) enum EmuBody {
    Full(Option<Bytes>),
    Cut {
        first: Option<Bytes>,
        total: u64,
        pause: Pin<Box<Sleep>>,
    },
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    RegisterClient,
    StartDeviceAuthorization,
    CreateToken,
    CreateTokenWithIam,
    AuthorizeGet,
    AuthorizePost,
    DeviceGet,
    DevicePost,
    Index,
    NotFound,
}

impl Route {
    fn of(method: &Method, path: &str, query: Option<&str>) -> Route {
        let get = method == Method::GET || method == Method::HEAD;
        let post = method == Method::POST;
        match path {
            "/client/register" if post => Route::RegisterClient,
            "/device_authorization" if post => Route::StartDeviceAuthorization,
            "/token" if post => {
                let iam = query.is_some_and(|q| {
                    form_urlencoded::parse(q.as_bytes()).any(|(k, v)| k == "aws_iam" && v == "t")
                });
                if iam {
                    Route::CreateTokenWithIam
                } else {
                    Route::CreateToken
                }
            }
            "/authorize" if get => Route::AuthorizeGet,
            "/authorize" if post => Route::AuthorizePost,
            "/device" | "/device/" if get => Route::DeviceGet,
            "/device" | "/device/" if post => Route::DevicePost,
            "/" if get => Route::Index,
            _ => Route::NotFound,
        }
    }

    fn target(self) -> Target {
        match self {
            Route::RegisterClient => Target::RegisterClient,
            Route::StartDeviceAuthorization => Target::StartDeviceAuthorization,
            Route::CreateToken => Target::CreateToken,
            Route::CreateTokenWithIam => Target::CreateTokenWithIam,
            Route::AuthorizeGet | Route::AuthorizePost => Target::Authorize,
            Route::DeviceGet | Route::DevicePost | Route::Index => Target::Device,
            Route::NotFound => Target::Any,
        }
    }
}

enum ReadBody {
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

/// What was decided about a request once its body was read, before any time passes.
struct Begun {
    route: Route,
    request_id: String,
    delay: Duration,
    action: Option<FaultAction>,
}

/// What to do with a request after its fault delay.
enum Answer {
    /// Send this; `cut`: drop the connection after half of the body (fault `drop`).
    Respond {
        response: Response<Vec<u8>>,
        cut: bool,
    },
    /// Keep the connection open without answering until the emulator stops (fault `hang`).
    Hang,
    /// Close the connection without answering (fault `close`).
    Close,
}

/// Routes and records a request and matches it against the fault rules.
fn begin(
    shared: &Shared,
    parts: &http::request::Parts,
    body: &ReadBody,
    wall: SystemTime,
) -> Begun {
    let request_id = shared.ids.request_id();
    let route = Route::of(&parts.method, parts.uri.path(), parts.uri.query());
    record(shared, route, parts, body, &request_id, wall);
    let decision = lock(&shared.faults).decide(route.target());
    Begun {
        route,
        request_id,
        delay: decision.delay,
        action: decision.action,
    }
}

/// Answers a request at `now` (after its fault delay): the service's answer or the fault's.
fn finish(
    shared: &Shared,
    begun: Begun,
    parts: &http::request::Parts,
    body: ReadBody,
    now: Now,
) -> Answer {
    let Begun {
        route,
        request_id,
        action,
        ..
    } = begun;
    let mut cut = false;
    let response: Response<Vec<u8>> = match action {
        Some(FaultAction::Error(code)) => {
            service_error(shared, ServiceError::from_code(code, "Injected fault"))
        }
        Some(FaultAction::Status(status)) => {
            let mut r = Response::new(Vec::new());
            *r.status_mut() =
                StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            r
        }
        Some(FaultAction::Hang) => {
            log(shared, parts, route, "hang");
            return Answer::Hang;
        }
        Some(FaultAction::Close) => {
            log(shared, parts, route, "close");
            return Answer::Close;
        }
        Some(FaultAction::Drop) => {
            cut = true;
            dispatch(shared, route, parts, body, now)
        }
        Some(FaultAction::Delay(_)) | None => dispatch(shared, route, parts, body, now),
    };
    let (mut head, bytes) = response.into_parts();
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        head.headers.insert(REQUEST_ID, v);
    }
    let what = if cut { "drop" } else { head.status.as_str() };
    log(shared, parts, route, what);
    Answer::Respond {
        response: Response::from_parts(head, bytes),
        cut,
    }
}

async fn handle(
    shared: Arc<Shared>,
    req: Request<Incoming>,
) -> Result<Response<EmuBody>, CloseConnection> {
    let (parts, body) = req.into_parts();
    let limit = shared.max_body_bytes;
    let body = if declared_too_large(&shared, &parts) {
        ReadBody::TooLarge
    } else {
        match Limited::new(body, limit).collect().await {
            Ok(collected) => ReadBody::Ok(collected.to_bytes()),
            Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => ReadBody::TooLarge,
            // The client went away or sent a broken body: nobody to answer.
            Err(_) => return Err(CloseConnection),
        }
    };

    let begun = begin(&shared, &parts, &body, SystemTime::now());
    if !begun.delay.is_zero() {
        tokio::time::sleep(begun.delay).await;
    }
    let (response, cut) = match finish(&shared, begun, &parts, body, Now::system()) {
        Answer::Respond { response, cut } => (response, cut),
        Answer::Hang => {
            let mut stopped = shared.stopped.clone();
            let _ = stopped.wait_for(|s| *s).await;
            return Err(CloseConnection);
        }
        Answer::Close => return Err(CloseConnection),
    };
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
    Ok(Response::from_parts(head, body))
}

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
        let body = if declared_too_large(shared, &parts) || bytes.len() > shared.max_body_bytes {
            ReadBody::TooLarge
        } else {
            ReadBody::Ok(Bytes::from(bytes))
        };
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

fn log(shared: &Shared, parts: &http::request::Parts, route: Route, what: &str) {
    if shared.log {
        eprintln!(
            "{} {} ({}) -> {what}",
            parts.method,
            parts.uri.path(),
            route.target()
        );
    }
}

fn record(
    shared: &Shared,
    route: Route,
    parts: &http::request::Parts,
    body: &ReadBody,
    request_id: &str,
    wall: SystemTime,
) {
    if shared.max_recorded == 0 {
        return;
    }
    let entry = RecordedRequest {
        target: route.target(),
        method: parts.method.clone(),
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        headers: parts.headers.clone(),
        body: match body {
            ReadBody::Ok(b) => b.to_vec(),
            ReadBody::TooLarge => Vec::new(),
        },
        request_id: request_id.to_owned(),
        received_at: wall,
    };
    let mut log = lock(&shared.requests);
    while log.len() >= shared.max_recorded {
        log.pop_front();
    }
    log.push_back(entry);
}

fn service_error(shared: &Shared, error: ServiceError) -> Response<Vec<u8>> {
    // The request id header is set for every response in `handle`.
    encode_error(&error, shared.error_type_header)
}

fn invalid_request(shared: &Shared, description: &str) -> Response<Vec<u8>> {
    service_error(
        shared,
        ServiceError::from_code(ErrorCode::InvalidRequest, description),
    )
}

fn json<T: Serialize>(value: &T) -> Response<Vec<u8>> {
    let mut v = serde_json::to_value(value).unwrap_or(serde_json::Value::Null);
    finish_json(&mut v)
}

fn finish_json(v: &mut serde_json::Value) -> Response<Vec<u8>> {
    let body = serde_json::to_vec(v).unwrap_or_else(|_| b"{}".to_vec());
    let mut r = Response::new(body);
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

fn html(status: u16, page: String) -> Response<Vec<u8>> {
    let mut r = Response::new(page.into_bytes());
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    r.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    r
}

fn redirect(location: &str) -> Response<Vec<u8>> {
    let Ok(value) = HeaderValue::from_str(location) else {
        return html(
            400,
            pages::error("Bad redirect", "The redirect URI cannot be used."),
        );
    };
    let mut r = html(
        302,
        pages::error("Redirecting", &format!("Redirecting to {location}")),
    );
    r.headers_mut().insert(LOCATION, value);
    r
}

fn parse_json<T: DeserializeOwned>(shared: &Shared, body: &[u8]) -> Result<T, Response<Vec<u8>>> {
    serde_json::from_slice(body)
        .map_err(|e| invalid_request(shared, &format!("Invalid request body: {e}")))
}

fn form_value(body: &[u8], name: &str) -> Option<String> {
    form_urlencoded::parse(body)
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

fn base_url(shared: &Shared, parts: &http::request::Parts) -> String {
    if let Some(u) = &shared.public_url {
        return u.trim_end_matches('/').to_owned();
    }
    parts
        .headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty() && h.parse::<http::uri::Authority>().is_ok())
        .map_or_else(|| shared.local_base.clone(), |h| format!("http://{h}"))
}

fn dispatch(
    shared: &Shared,
    route: Route,
    parts: &http::request::Parts,
    body: ReadBody,
    now: Now,
) -> Response<Vec<u8>> {
    let body = match body {
        ReadBody::Ok(b) => b,
        ReadBody::TooLarge if route == Route::NotFound => Bytes::new(),
        ReadBody::TooLarge => {
            return invalid_request(
                shared,
                &format!(
                    "Request body exceeds the limit of {} bytes",
                    shared.max_body_bytes
                ),
            )
        }
    };
    let result = match route {
        Route::RegisterClient => parse_json(shared, &body).map(|input| {
            match lock(&shared.service).register_client(input, now) {
                Ok(out) => {
                    let mut v = serde_json::to_value(&out).unwrap_or(serde_json::Value::Null);
                    if let Some(map) = v.as_object_mut() {
                        // Observed quirk: the service sends these as explicit nulls.
                        for k in ["authorizationEndpoint", "tokenEndpoint"] {
                            map.entry(k).or_insert(serde_json::Value::Null);
                        }
                    }
                    finish_json(&mut v)
                }
                Err(e) => service_error(shared, e),
            }
        }),
        Route::StartDeviceAuthorization => parse_json(shared, &body).map(|input| {
            let base = base_url(shared, parts);
            match lock(&shared.service).start_device_authorization(input, &base, now) {
                Ok(out) => json(&out),
                Err(e) => service_error(shared, e),
            }
        }),
        Route::CreateToken => parse_json(shared, &body).map(|input| {
            match lock(&shared.service).create_token(input, now) {
                Ok(out) => json(&out),
                Err(e) => service_error(shared, e),
            }
        }),
        Route::CreateTokenWithIam => parse_json(shared, &body).map(|input| {
            let signed = parts
                .headers
                .get(http::header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("AWS4-HMAC-SHA256 "));
            match lock(&shared.service).create_token_with_iam(input, signed, now) {
                Ok(out) => json(&out),
                Err(e) => service_error(shared, e),
            }
        }),
        Route::AuthorizeGet => {
            let q = AuthorizeQuery::parse(parts.uri.query().unwrap_or(""));
            let outcome = lock(&shared.service).authorize(&q, now);
            Ok(authorize_response(outcome))
        }
        Route::AuthorizePost => {
            let request = form_value(&body, "request").unwrap_or_default();
            let outcome = match form_value(&body, "action").as_deref() {
                Some("approve") => lock(&shared.service).decide_consent(&request, true, now),
                Some("deny") => lock(&shared.service).decide_consent(&request, false, now),
                _ => AuthorizeOutcome::Page {
                    status: 400,
                    message: "The form must say action=approve or action=deny.".to_owned(),
                },
            };
            Ok(authorize_response(outcome))
        }
        Route::DeviceGet => {
            let code = form_value(parts.uri.query().unwrap_or("").as_bytes(), "user_code")
                .filter(|c| !c.trim().is_empty());
            Ok(match code {
                None => html(200, pages::device_entry(None)),
                Some(code) => match lock(&shared.service).device_view(&code, now) {
                    Some(view) => html(200, pages::device_confirm(&view)),
                    None => html(
                        404,
                        pages::device_entry(Some(
                            "That code is not valid. Check it and try again.",
                        )),
                    ),
                },
            })
        }
        Route::DevicePost => {
            let code = form_value(&body, "user_code").unwrap_or_default();
            let approve = match form_value(&body, "action").as_deref() {
                Some("approve") => Some(true),
                Some("deny") => Some(false),
                _ => None,
            };
            Ok(match approve {
                None => html(
                    400,
                    pages::error(
                        "Bad request",
                        "The form must say action=approve or action=deny.",
                    ),
                ),
                Some(approve) => match lock(&shared.service).decide(&code, approve, now) {
                    Ok(()) => html(200, pages::device_result(&code, approve)),
                    Err(e) => html(
                        400,
                        pages::error("Cannot complete the request", &e.to_string()),
                    ),
                },
            })
        }
        Route::Index => Ok(html(200, pages::index(&base_url(shared, parts)))),
        Route::NotFound => Ok(service_error(
            shared,
            ServiceError::Unknown {
                meta: ssooidc_core::error::ErrorMeta {
                    status: 404,
                    error: None,
                    error_description: Some(format!(
                        "No operation at {} {}",
                        parts.method,
                        parts.uri.path()
                    )),
                    request_id: None,
                },
                code: "UnknownOperationException".to_owned(),
                message: None,
            },
        )),
    };
    result.unwrap_or_else(|r| r)
}

fn authorize_response(outcome: AuthorizeOutcome) -> Response<Vec<u8>> {
    match outcome {
        AuthorizeOutcome::Redirect(location) => redirect(&location),
        AuthorizeOutcome::Consent {
            request,
            client_name,
            scopes,
            redirect_uri,
        } => html(
            200,
            pages::consent(&request, &client_name, &scopes, &redirect_uri),
        ),
        AuthorizeOutcome::Page { status, message } => {
            html(status, pages::error("Authorization failed", &message))
        }
    }
}
