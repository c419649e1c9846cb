//! The request log behind [`RunningEmulator::requests`](crate::RunningEmulator::requests)
//! (at most [`Config::max_recorded_requests`](crate::Config::max_recorded_requests)), and the
//! line printed for each request with `log_requests`.

use std::time::SystemTime;

use super::body::ReadBody;
use super::routing::Route;
use super::{lock, Shared};
use crate::record::RecordedRequest;

pub(super) fn log(shared: &Shared, parts: &http::request::Parts, route: Route, what: &str) {
    if shared.log {
        eprintln!(
            "{} {} ({}) -> {what}",
            parts.method,
            parts.uri.path(),
            route.target()
        );
    }
}

pub(super) fn record(
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
