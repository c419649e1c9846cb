//! A complete device login over your own transport: here, a small HTTP/1.1 client written with
//! nothing but `std::net::TcpStream`, for a plain-HTTP endpoint on loopback (the emulator). It
//! shows everything a transport for `ssooidc-core` has to do, and nothing more:
//!
//! - send the request as the core built it, adding `Host` and `Content-Length` (and closing the
//!   connection after the answer, the simplest correct choice);
//! - return every HTTP status as a response (a 400 is an answer, not a failure);
//! - stop reading the body past `MAX_RESPONSE_BODY_BYTES` (read at most one byte more, so that
//!   the core sees it is too large);
//! - report failures below HTTP as a `TransportError` of the right kind (a timeout, a refused
//!   connection, a connection closed mid-answer), with a message;
//! - never follow redirects;
//! - sleep when the machine says so, and give it the time.
//!
//! Run it against the emulator, in a clone of the repository:
//!
//! ```sh
//! cargo run -p ssooidc-emulator -- --port 4566 --approve-after-polls 1 &
//! cargo run -p ssooidc-core --example custom_transport -- http://127.0.0.1:4566
//! ```
//!
//! Or in a crate of your own whose only dependency is `ssooidc-core`, with this file as its
//! `src/main.rs` (`cargo install ssooidc-emulator` gives the emulator):
//!
//! ```sh
//! ssooidc-emulator --port 4566 --approve-after-polls 1 &
//! cargo run -- http://127.0.0.1:4566
//! ```
//!
//! (A production transport would also do TLS; `ssooidc-ureq` and `ssooidc-async` are two.)

use ssooidc_core::machine::Machine;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use ssooidc_core::device::{DeviceFlow, DeviceFlowConfig, DeviceFlowInput, Event, Token};
use ssooidc_core::endpoint::Endpoint;
use ssooidc_core::machine::{feed, Output};
use ssooidc_core::time::OffsetDateTime;
use ssooidc_core::{http, TransportError, TransportErrorKind, MAX_RESPONSE_BODY_BYTES};

/// How long one request may take.
const TIMEOUT: Duration = Duration::from_secs(30);

/// A transport failure of `kind`, from an I/O error.
fn failed(kind: TransportErrorKind, e: impl std::fmt::Display) -> TransportError {
    TransportError::new(kind, e.to_string())
}

/// The kind of an I/O error while the request was on its way or the answer was being read.
fn kind_of(e: &std::io::Error) -> TransportErrorKind {
    use std::io::ErrorKind::*;
    match e.kind() {
        TimedOut | WouldBlock => TransportErrorKind::Timeout,
        ConnectionRefused | AddrNotAvailable | HostUnreachable | NetworkUnreachable => {
            TransportErrorKind::Connect
        }
        _ => TransportErrorKind::ConnectionClosed,
    }
}

/// Sends one request over a new connection and reads the whole answer.
pub fn send(request: http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, TransportError> {
    let uri = request.uri();
    let host = uri
        .host()
        .ok_or_else(|| failed(TransportErrorKind::Other, "no host"))?;
    if uri.scheme_str() != Some("http") {
        return Err(failed(
            TransportErrorKind::Other,
            "this example speaks plain HTTP only",
        ));
    }
    let authority = uri.authority().map_or(host, |a| a.as_str()).to_owned();
    let port = uri.port_u16().unwrap_or(80);
    let target = uri.path_and_query().map_or("/", |p| p.as_str()).to_owned();
    let mut stream =
        TcpStream::connect((host, port)).map_err(|e| failed(TransportErrorKind::Connect, e))?;
    for timeout in [
        stream.set_read_timeout(Some(TIMEOUT)),
        stream.set_write_timeout(Some(TIMEOUT)),
    ] {
        timeout.map_err(|e| failed(TransportErrorKind::Other, e))?;
    }

    // The request line, the core's headers, then Host, Content-Length and Connection.
    let mut head = format!("{} {target} HTTP/1.1\r\n", request.method());
    for (name, value) in request.headers() {
        let value = value
            .to_str()
            .map_err(|e| failed(TransportErrorKind::Other, e))?;
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!(
        "host: {authority}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        request.body().len()
    ));
    stream
        .write_all(head.as_bytes())
        .and_then(|()| stream.write_all(request.body()))
        .map_err(|e| failed(kind_of(&e), e))?;

    // The status line and the headers.
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    let read_line = |reader: &mut BufReader<TcpStream>, line: &mut String| {
        line.clear();
        match reader.read_line(line) {
            Ok(0) => Err(failed(
                TransportErrorKind::ConnectionClosed,
                "closed before the answer",
            )),
            Ok(_) => Ok(()),
            Err(e) => Err(failed(kind_of(&e), e)),
        }
    };
    read_line(&mut reader, &mut line)?;
    let status: u16 = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| failed(TransportErrorKind::Other, "not an HTTP status line"))?;
    let mut response = http::Response::builder().status(status);
    let mut length: Option<u64> = None;
    loop {
        read_line(&mut reader, &mut line)?;
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().ok();
            }
            response = response.header(name.trim(), value.trim());
        }
    }

    // The body: Content-Length bytes (or up to the end), never more than the cap + 1.
    let cap = MAX_RESPONSE_BODY_BYTES as u64 + 1;
    let mut body = Vec::new();
    reader
        .take(length.unwrap_or(cap).min(cap))
        .read_to_end(&mut body)
        .map_err(|e| failed(kind_of(&e), e))?;
    if length.is_some_and(|n| (body.len() as u64) < n.min(cap)) {
        return Err(failed(
            TransportErrorKind::ConnectionClosed,
            "the body was cut off",
        ));
    }
    response
        .body(body)
        .map_err(|e| failed(TransportErrorKind::Other, e))
}

/// Runs a whole device login against `endpoint` with `send` as the transport: registers,
/// starts the authorization, prints the prompt, polls until the token.
pub fn login(endpoint: &str, second: Duration) -> Result<Token, Box<dyn std::error::Error>> {
    let endpoint = Endpoint::parse(endpoint)?;
    let input = DeviceFlowInput::new(
        endpoint,
        "https://d-1234567890.awsapps.com/start",
        "custom-transport",
    );
    let seed = std::collections::hash_map::RandomState::new();
    let seed = std::hash::BuildHasher::hash_one(&seed, Instant::now());
    let config = DeviceFlowConfig::default().second(second);
    let mut flow = DeviceFlow::new(input, config, OffsetDateTime::now_utc(), seed);
    loop {
        match flow.poll_output()? {
            Output::Transmit(transmit) => {
                let result = send(transmit.request);
                feed(&mut flow, Instant::now(), OffsetDateTime::now_utc(), result)?;
            }
            Output::Timeout(at) => {
                std::thread::sleep(at.saturating_duration_since(Instant::now()));
                flow.handle_timeout(Instant::now())?;
            }
            Output::Event(Event::Prompt(prompt)) => {
                eprintln!(
                    "Open {} and enter {}",
                    prompt.verification_uri, prompt.user_code
                );
            }
            Output::Event(_) => {}
            Output::Done(result) => return Ok(result?),
        }
    }
}

#[allow(dead_code)]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let endpoint = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "http://127.0.0.1:4566".to_owned());
    let token = login(&endpoint, Duration::from_secs(1))?;
    println!(
        "Logged in; the access token expires at {}",
        ssooidc_core::cache::format_timestamp(token.expires_at)
    );
    Ok(())
}
