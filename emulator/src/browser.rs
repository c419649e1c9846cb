//! A scripted browser for the browser login (authorization code with PKCE): what a person's
//! browser does with an authorize URL — load it from the emulator and follow its redirect back
//! to the client's loopback listener — played over plain HTTP on `127.0.0.1`, for tests and the
//! demo. It talks to loopback addresses only.
//!
//! ```no_run
//! # let authorize_url = "http://127.0.0.1:4566/authorize?response_type=code";
//! // With an emulator that approves by itself (`Approval::ApproveAfterPolls(0)`), `/authorize`
//! // redirects at once, and the callback page comes from the client's listener.
//! let visit = ssooidc_emulator::browser::follow(authorize_url).unwrap();
//! assert_eq!(visit.authorize.status, 302);
//! assert_eq!(visit.callback.unwrap().status, 200);
//! ```

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use ssooidc_core::endpoint::is_loopback_host;

/// How long one request may take.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// A response, as the browser got it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Page {
    /// The status code.
    pub status: u16,
    /// The `Location` header, on a redirect.
    pub location: Option<String>,
    /// The body, as text.
    pub body: String,
}

/// What [`follow`] saw.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Visit {
    /// The answer to the authorize URL.
    pub authorize: Page,
    /// The page at the redirect's location, when there was a redirect.
    pub callback: Option<Page>,
}

/// Why the scripted browser could not load a page.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BrowserError {
    /// Not a plain `http://` URL to a loopback address.
    #[error("the scripted browser only loads http:// URLs on a loopback address: {0}")]
    NotLoopback(String),
    /// Connecting, writing or reading failed.
    #[error("{url}: {source}")]
    Io {
        /// The URL.
        url: String,
        /// The error.
        source: std::io::Error,
    },
    /// The answer was not HTTP.
    #[error("{0}: the answer is not HTTP")]
    Malformed(String),
}

/// Loads `url`, and when the answer is a redirect, loads its location too (once), as a
/// browser would after an approval or a refusal.
pub fn follow(url: &str) -> Result<Visit, BrowserError> {
    let authorize = get(url)?;
    let callback = match (authorize.status, &authorize.location) {
        (300..=399, Some(location)) => Some(get(location)?),
        _ => None,
    };
    Ok(Visit {
        authorize,
        callback,
    })
}

/// One `GET` of `url` on a new connection, redirects not followed.
pub fn get(url: &str) -> Result<Page, BrowserError> {
    let (authority, target) = split(url)?;
    send(url, authority, &format!("GET {target} HTTP/1.1\r\nHost: {authority}\r\nAccept: text/html\r\nConnection: close\r\n\r\n"))
}

/// Writes `raw` (a whole request, as it is) to the host of `url` and reads the answer: for
/// requests a browser would not send.
pub fn send_raw(url: &str, raw: &[u8]) -> Result<Page, BrowserError> {
    let (authority, _) = split(url)?;
    let mut stream = connect(url, authority)?;
    let io = |source| BrowserError::Io {
        url: url.to_owned(),
        source,
    };
    stream.write_all(raw).map_err(io)?;
    read_page(url, stream)
}

/// `(host:port, /path?query)` of a loopback `http://` URL.
fn split(url: &str) -> Result<(&str, &str), BrowserError> {
    let not_loopback = || BrowserError::NotLoopback(url.to_owned());
    let rest = url.strip_prefix("http://").ok_or_else(not_loopback)?;
    let (authority, target) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, "/"),
    };
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => authority.split(':').next().unwrap_or(""),
    };
    if !is_loopback_host(host) || authority.contains('@') {
        return Err(not_loopback());
    }
    let target = target.split('#').next().unwrap_or("/");
    Ok((authority, target))
}

fn connect(url: &str, authority: &str) -> Result<TcpStream, BrowserError> {
    let io = |source| BrowserError::Io {
        url: url.to_owned(),
        source,
    };
    let with_port = if authority
        .rsplit_once(':')
        .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
    {
        authority.to_owned()
    } else {
        format!("{authority}:80")
    };
    let addr = with_port
        .to_socket_addrs()
        .map_err(io)?
        .find(|a| a.ip().is_loopback())
        .ok_or_else(|| BrowserError::NotLoopback(url.to_owned()))?;
    let stream = TcpStream::connect_timeout(&addr, TIMEOUT).map_err(io)?;
    stream.set_read_timeout(Some(TIMEOUT)).map_err(io)?;
    stream.set_write_timeout(Some(TIMEOUT)).map_err(io)?;
    Ok(stream)
}

fn send(url: &str, authority: &str, request: &str) -> Result<Page, BrowserError> {
    let mut stream = connect(url, authority)?;
    stream
        .write_all(request.as_bytes())
        .map_err(|source| BrowserError::Io {
            url: url.to_owned(),
            source,
        })?;
    read_page(url, stream)
}

fn read_page(url: &str, mut stream: TcpStream) -> Result<Page, BrowserError> {
    let mut bytes = Vec::new();
    stream
        .read_to_end(&mut bytes)
        .map_err(|source| BrowserError::Io {
            url: url.to_owned(),
            source,
        })?;
    let text = String::from_utf8_lossy(&bytes);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| BrowserError::Malformed(url.to_owned()))?;
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| BrowserError::Malformed(url.to_owned()))?;
    let location = lines.find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("location")
            .then(|| value.trim().to_owned())
    });
    Ok(Page {
        status,
        location,
        body: body.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_http_is_loaded() {
        for url in [
            "https://127.0.0.1/x",
            "http://example.com/x",
            "http://127.0.0.1.evil.com/",
            "http://user@127.0.0.1/",
            "ftp://127.0.0.1/",
        ] {
            assert!(
                matches!(get(url), Err(BrowserError::NotLoopback(_))),
                "{url}"
            );
        }
        assert_eq!(
            split("http://127.0.0.1:5/a?b#c").unwrap(),
            ("127.0.0.1:5", "/a?b")
        );
        assert_eq!(split("http://[::1]:5").unwrap(), ("[::1]:5", "/"));
    }
}
