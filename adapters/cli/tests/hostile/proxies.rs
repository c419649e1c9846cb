//! Issue 27, item 3: dead, mute and refusing proxies, and which proxy a request goes through
//! (botocore's rules, held against botocore itself in `core/tests/proxy_rules.rs`). Every proxy
//! here is a listener on 127.0.0.1; the endpoint is the emulator's plain `http://` URL.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ssooidc_emulator::Approval;

use crate::common::*;

/// A port nothing listens on (bound, then closed): connections to it are refused.
fn dead_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A proxy that accepts connections and does `answer` with each: returns its URL and the
/// number of connections it accepted.
fn proxy(answer: fn(std::net::TcpStream)) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            count.fetch_add(1, Ordering::SeqCst);
            std::thread::spawn(move || answer(stream));
        }
    });
    (url, accepted)
}

/// Reads the request head, then says nothing until the client goes away.
fn mute(mut stream: std::net::TcpStream) {
    let mut buf = [0u8; 1024];
    while matches!(stream.read(&mut buf), Ok(n) if n > 0) {}
}

/// Answers the `CONNECT` (once its head is read) with 403, then waits for the client to go.
fn forbid(mut stream: std::net::TcpStream) {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf) {
            Ok(n) if n > 0 => head.extend_from_slice(&buf[..n]),
            _ => return,
        }
    }
    let _ = stream.write_all(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
    mute(stream);
}

fn register(home: &Home, env: &[(&str, String)], options: &[&str]) -> Run {
    let mut c = home.command();
    for (name, value) in env {
        c.env(name, value);
    }
    run(c, &with(options, &REGISTER))
}

/// A proxy nothing listens on: the error names it (credentials masked), says the connection
/// was refused, and the request is not retried (README: proxy failures are not retried).
#[test]
fn a_dead_proxy_is_named_and_not_retried() {
    let emu = emulator(Approval::ApproveAfterPolls(0));
    let home = Home::new("dead-proxy", emu.base_url());
    let port = dead_port();
    let out = register(
        &home,
        &[("HTTP_PROXY", format!("http://me:s3cret@127.0.0.1:{port}"))],
        &[],
    );
    assert_eq!(out.code, Some(255), "{out:?}");
    let named = format!("could not connect to the proxy http://***:***@127.0.0.1:{port}");
    assert!(out.stderr.contains(&named), "{}", out.stderr);
    assert!(out.stderr.contains("Connection refused"), "{}", out.stderr);
    assert!(!out.stderr.contains("retries"), "{}", out.stderr);
    assert!(!out.stderr.contains("s3cret"), "{}", out.stderr);
    assert!(emu.requests().is_empty(), "nothing reached the endpoint");
}

/// A proxy that accepts the connection and never answers `CONNECT`: the connect timeout ends
/// the wait, the error names the proxy, and the proxy sees one connection (no retry).
#[test]
fn a_mute_proxy_times_out_once_and_is_named() {
    let emu = emulator(Approval::ApproveAfterPolls(0));
    let home = Home::new("mute-proxy", emu.base_url());
    let (url, accepted) = proxy(mute);
    let started = Instant::now();
    let out = register(
        &home,
        &[("HTTP_PROXY", url.clone())],
        &["--cli-connect-timeout", "1"],
    );
    assert_eq!(out.code, Some(255), "{out:?}");
    assert!(
        out.stderr
            .contains(&format!("could not connect to the proxy {url}")),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("retries"), "{}", out.stderr);
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        1,
        "retried: {}",
        out.stderr
    );
    assert!(started.elapsed() < Duration::from_secs(10));
}

/// A proxy that refuses the tunnel (403 to `CONNECT`): named, with its answer, not retried.
#[test]
fn a_proxy_that_refuses_the_tunnel_is_named_and_not_retried() {
    let emu = emulator(Approval::ApproveAfterPolls(0));
    let home = Home::new("forbidding-proxy", emu.base_url());
    let (url, accepted) = proxy(forbid);
    let out = register(&home, &[("HTTP_PROXY", url.clone())], &[]);
    assert_eq!(out.code, Some(255), "{out:?}");
    assert!(
        out.stderr
            .contains(&format!("could not connect to the proxy {url}")),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("403"), "{}", out.stderr);
    assert_eq!(
        accepted.load(Ordering::SeqCst),
        1,
        "retried: {}",
        out.stderr
    );
}

/// An `http://` endpoint does not go through `HTTPS_PROXY` (botocore and curl use
/// `HTTP_PROXY` for it): with only a dead `HTTPS_PROXY` set, the call succeeds directly.
#[test]
fn an_http_endpoint_ignores_https_proxy() {
    let emu = emulator(Approval::ApproveAfterPolls(0));
    let home = Home::new("https-proxy-for-http", emu.base_url());
    let dead = format!("http://127.0.0.1:{}", dead_port());
    let out = register(&home, &[("HTTPS_PROXY", dead.clone())], &[]);
    assert_eq!(out.code, Some(0), "{out:?}");
    // ALL_PROXY is not read either (botocore does not read it).
    let out = register(&home, &[("ALL_PROXY", dead)], &[]);
    assert_eq!(out.code, Some(0), "{out:?}");
}

/// `NO_PROXY` entries in CIDR form cover the IP-literal hosts of their network (IPv4 and
/// IPv6), exact hosts and domain suffixes too; an entry that does not cover the host leaves
/// the request to the proxy.
#[test]
fn no_proxy_networks_hosts_and_suffixes_bypass_the_proxy() {
    let emu = emulator(Approval::ApproveAfterPolls(0));
    let home = Home::new("no-proxy", emu.base_url());
    let dead = format!("http://127.0.0.1:{}", dead_port());
    let through = |no_proxy: &str| {
        let env = [
            ("HTTP_PROXY", dead.clone()),
            ("NO_PROXY", no_proxy.to_owned()),
        ];
        register(&home, &env, &[])
    };
    for no_proxy in ["127.0.0.0/8", "10.0.0.0/8, 127.0.0.1/32", "127.0.0.1", "*"] {
        let out = through(no_proxy);
        assert_eq!(out.code, Some(0), "NO_PROXY={no_proxy}: {out:?}");
    }
    for no_proxy in ["10.0.0.0/8", "::1/128", "127.0.0.2", "example.com"] {
        let out = through(no_proxy);
        assert_eq!(out.code, Some(255), "NO_PROXY={no_proxy}: {out:?}");
        assert!(out.stderr.contains("proxy"), "{}", out.stderr);
    }
}

/// An unusable proxy URL in the environment (a scheme ureq would silently skip, such as
/// `socks5://`) fails the request that would use it, naming it; it is never a direct
/// connection around the proxy the user asked for.
#[test]
fn an_unusable_proxy_url_fails_instead_of_connecting_directly() {
    let emu = emulator(Approval::ApproveAfterPolls(0));
    let home = Home::new("socks-proxy", emu.base_url());
    let out = register(
        &home,
        &[("HTTP_PROXY", "socks5://127.0.0.1:1080".to_owned())],
        &[],
    );
    assert_eq!(out.code, Some(255), "{out:?}");
    assert!(
        out.stderr.contains("socks5://127.0.0.1:1080"),
        "{}",
        out.stderr
    );
    assert!(emu.requests().is_empty(), "went around the proxy");
}
