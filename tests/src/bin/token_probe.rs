//! A separate process for the session tests.
//!
//! ```text
//! token_probe token PROFILE
//!     Sessions::from_env() then token(--profile PROFILE); prints `source=...` and `token=...`
//!     (with PROBE_ADAPTER=async through the async adapter's sessions, else the blocking one's)
//!     (or `error=...` and exits 2). With PROBE_BARRIER=FILE it first prints `ready` and waits
//!     for FILE to exist, so that many probes ask at the same moment.
//! token_probe write-loop CACHE_DIR KEY FILE_A FILE_B
//!     writes FILE_A's bytes as KEY with SsoCache::write_atomic, prints `ready`, then writes
//!     FILE_B, FILE_A, FILE_B, ... until killed.
//! ```
#![forbid(unsafe_code)]

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use ssooidc_ureq::session::{SessionSelector, Sessions, TokenSource};
use ssooidc_ureq::store::SsoCache;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["token", profile] => token(profile),
        ["write-loop", dir, key, a, b] => write_loop(dir, key, a, b),
        _ => {
            eprintln!("usage: token_probe token PROFILE | write-loop DIR KEY FILE_A FILE_B");
            ExitCode::from(64)
        }
    }
}

fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

fn token(profile: &str) -> ExitCode {
    if let Ok(barrier) = std::env::var("PROBE_BARRIER") {
        say("ready");
        let started = Instant::now();
        while !Path::new(&barrier).exists() {
            if started.elapsed() > Duration::from_secs(60) {
                say("error=barrier never appeared");
                return ExitCode::from(3);
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    let selector = SessionSelector::Profile(profile.to_owned());
    let result = match std::env::var("PROBE_ADAPTER").as_deref() {
        Ok("async") => async_token(selector),
        _ => Sessions::from_env().and_then(|s| s.token(selector)),
    };
    match result {
        Ok(t) => {
            let source = match t.source {
                TokenSource::Cached => "cached",
                TokenSource::Refreshed => "refreshed",
                TokenSource::RefreshFailed(_) => "refresh-failed",
                _ => "other",
            };
            say(&format!("source={source}"));
            say(&format!("token={}", t.token.access_token.expose()));
            ExitCode::SUCCESS
        }
        Err(e) => {
            say(&format!("error={e}"));
            ExitCode::from(2)
        }
    }
}

/// The token through the async adapter's sessions (reqwest, tokio).
fn async_token(
    selector: SessionSelector,
) -> Result<ssooidc_ureq::session::SessionToken, ssooidc_ureq::SessionError> {
    let http = ssooidc_async::reqwest_client_builder()
        .timeout(Duration::from_secs(30))
        .build()
        .map_err(|e| ssooidc_ureq::SessionError::NotLoggedIn {
            session: e.to_string(),
            reason: None,
        })?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| ssooidc_ureq::SessionError::NotLoggedIn {
            session: e.to_string(),
            reason: None,
        })?;
    let sessions = ssooidc_async::session::Sessions::from_env(http, ssooidc_async::TokioTimer)?;
    runtime.block_on(sessions.token(selector))
}

fn write_loop(dir: &str, key: &str, a: &str, b: &str) -> ExitCode {
    let (Ok(a), Ok(b)) = (std::fs::read(a), std::fs::read(b)) else {
        say("error=cannot read the payloads");
        return ExitCode::from(2);
    };
    let cache = SsoCache::new(dir);
    if let Err(e) = cache.write_atomic(key, &a) {
        say(&format!("error={e}"));
        return ExitCode::from(2);
    }
    say("ready");
    for payload in [&b, &a].into_iter().cycle() {
        if let Err(e) = cache.write_atomic(key, payload) {
            say(&format!("error={e}"));
            return ExitCode::from(2);
        }
    }
    ExitCode::SUCCESS
}
