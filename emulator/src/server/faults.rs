//! A request's way through the emulator, the same on a socket and in
//! [`Handler`](super::Handler): [`begin`] routes it, records it and matches it against the fault
//! rules (the rules themselves live in [`crate::faults`]); after the fault's delay, [`finish`]
//! answers it: with the fault's answer, or with the service's through routing.

use std::time::{Duration, SystemTime};

use http::{HeaderValue, Response};
use ssooidc_core::ServiceError;

use super::body::ReadBody;
use super::encoding::{self, REQUEST_ID};
use super::recording::{log, record};
use super::routing::{dispatch, Route};
use super::{lock, sts, Shared};
use crate::faults::FaultAction;
use crate::service::Now;

/// What was decided about a request once its body was read, before any time passes.
pub(super) struct Begun {
    route: Route,
    request_id: String,
    /// How long to wait before answering (fault `delay`).
    pub(super) delay: Duration,
    action: Option<FaultAction>,
}

/// What to do with a request after its fault delay.
pub(super) enum Answer {
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
pub(super) fn begin(
    shared: &Shared,
    parts: &http::request::Parts,
    body: &ReadBody,
    wall: SystemTime,
) -> Begun {
    let request_id = shared.ids.request_id();
    let bytes = match body {
        ReadBody::Ok(b) => &b[..],
        ReadBody::TooLarge => &[],
    };
    let route = Route::of(&parts.method, parts.uri.path(), parts.uri.query(), bytes);
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
pub(super) fn finish(
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
        Some(FaultAction::Error(code)) if route.is_sts() => sts::injected(code, &request_id),
        Some(FaultAction::Error(code)) => {
            encoding::service_error(shared, ServiceError::from_code(code, "Injected fault"))
        }
        Some(FaultAction::Status(status)) => encoding::empty(status),
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
            dispatch(shared, route, parts, body, &request_id, now)
        }
        Some(FaultAction::Delay(_)) | None => {
            dispatch(shared, route, parts, body, &request_id, now)
        }
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
