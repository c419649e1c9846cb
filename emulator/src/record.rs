//! [`RecordedRequest`]: what the emulator received.

use std::fmt;
use std::time::SystemTime;

use crate::faults::Target;

/// One request as the emulator received it, recorded before any fault or processing.
///
/// The body holds secrets (client secrets, device codes, tokens): fine for a test tool, but
/// `Debug` shows only its length, and of the headers only their names.
#[derive(Clone)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// What the request was for (an operation, `/authorize`, `/device`, or [`Target::Any`]
    /// for a path the emulator does not serve).
    pub target: Target,
    /// The method.
    pub method: http::Method,
    /// The path, without the query.
    pub path: String,
    /// The raw query string, without `?`.
    pub query: Option<String>,
    /// The headers.
    pub headers: http::HeaderMap,
    /// The body (empty when it was larger than the limit).
    pub body: Vec<u8>,
    /// The `x-amzn-RequestId` the response carries (or would have carried).
    pub request_id: String,
    /// When it arrived.
    pub received_at: SystemTime,
}

impl RecordedRequest {
    /// The body as UTF-8, when it is.
    pub fn body_str(&self) -> Option<&str> {
        std::str::from_utf8(&self.body).ok()
    }

    /// The body parsed as JSON, when it is.
    pub fn body_json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

impl fmt::Debug for RecordedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let header_names: Vec<&str> = self.headers.keys().map(|k| k.as_str()).collect();
        f.debug_struct("RecordedRequest")
            .field("target", &self.target)
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("header_names", &header_names)
            .field("body_len", &self.body.len())
            .field("request_id", &self.request_id)
            .finish()
    }
}
