//! Malformed, oversized and unknown requests over raw TCP: always the service's
//! `InvalidRequestException` (or a 404), never a crash.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use common::*;
use ssooidc_emulator::Config;

fn assert_invalid_request(resp: &str) {
    let (status, head, body) = split_raw(resp);
    assert_eq!(status, 400, "{resp}");
    assert!(
        head.contains(
            &format!("x-amzn-errortype: invalidrequestexception{CORAL}").to_ascii_lowercase()
        ),
        "{resp}"
    );
    assert!(head.contains("x-amzn-requestid: "), "{resp}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["error"], "invalid_request");
}

#[test]
fn malformed_bodies_get_invalid_request() {
    let (emu, http) = start(fast());
    let cases: [(&str, &[u8]); 9] = [
        ("/client/register", b"{not json"),
        ("/client/register", b""),
        ("/client/register", b"[]"),
        ("/client/register", br#"{"clientName":"x"}"#),
        (
            "/client/register",
            br#"{"clientName":5,"clientType":"public"}"#,
        ),
        (
            "/client/register",
            b"{\"clientName\":\"\xff\xfe\",\"clientType\":\"public\"}",
        ),
        (
            "/device_authorization",
            br#"{"clientId":"a","clientSecret":["x"],"startUrl":"u"}"#,
        ),
        ("/token", br#"{"clientId":"a","clientSecret":"b"}"#),
        (
            "/token",
            br#"{"clientId":"a","clientSecret":"b","grantType":"x","scope":"notalist"}"#,
        ),
    ];
    for (path, body) in cases {
        assert_invalid_request(&raw_post(&http.base, path, body));
    }
    // Still serving.
    http.register(&[]);
    assert_eq!(emu.requests().len(), cases.len() + 1);
}

#[test]
fn oversized_bodies_are_refused() {
    let mut config = fast();
    config.max_body_bytes = 1024;
    let (emu, http) = start(config);
    // Declared too large: refused from the headers alone.
    let host = http.base.trim_start_matches("http://");
    let req = format!(
        "POST /client/register HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n\
         Content-Length: 1000000\r\n\r\n{{\"clientName\":\""
    );
    let out = raw(&http.base, req.as_bytes(), Duration::from_secs(10)).unwrap();
    assert_invalid_request(&String::from_utf8_lossy(&out));

    // Chunked, growing past the limit.
    let mut s = TcpStream::connect(host).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let head = format!(
        "POST /token HTTP/1.1\r\nHost: {host}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    s.write_all(head.as_bytes()).unwrap();
    let chunk = vec![b'a'; 2048];
    s.write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
        .unwrap();
    s.write_all(&chunk).unwrap();
    s.write_all(b"\r\n").unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    assert_invalid_request(&String::from_utf8_lossy(&out));

    // The recorded request has an empty body; the emulator still serves.
    assert!(emu.requests().iter().all(|r| r.body.is_empty()));
    http.register(&[]);
}

#[test]
fn the_default_limit_is_64_kib() {
    assert_eq!(Config::default().max_body_bytes, 64 * 1024);
    let (_emu, http) = start(fast());
    let big = format!(
        r#"{{"clientName":"{}","clientType":"public"}}"#,
        "x".repeat(64 * 1024)
    );
    assert_invalid_request(&raw_post(&http.base, "/client/register", big.as_bytes()));
    let fits = format!(
        r#"{{"clientName":"{}","clientType":"public"}}"#,
        "x".repeat(60 * 1024)
    );
    let (status, _, _) = split_raw(&raw_post(&http.base, "/client/register", fits.as_bytes()));
    assert_eq!(status, 200);
}

#[test]
fn unknown_paths_and_methods_get_404() {
    let (_emu, http) = start(fast());
    for (method, path) in [
        ("GET", "/token"),
        ("POST", "/nope"),
        ("DELETE", "/client/register"),
        ("PUT", "/device"),
    ] {
        let r = http
            .agent
            .run(
                http::Request::builder()
                    .method(method)
                    .uri(format!("{}{path}", http.base))
                    .body(Vec::new())
                    .unwrap(),
            )
            .unwrap();
        assert_eq!(r.status(), 404, "{method} {path}");
        assert!(r.headers().contains_key("x-amzn-requestid"));
        assert_eq!(
            r.headers().get("x-amzn-errortype").unwrap(),
            "UnknownOperationException"
        );
    }
}

#[test]
fn garbage_on_the_socket_does_not_hurt() {
    let (_emu, http) = start(fast());
    for junk in [
        &b"\x00\x01\x02 garbage\r\n\r\n"[..],
        b"GET\r\n\r\n",
        b"POST /token HTTP/1.1\r\nContent-Length: nope\r\n\r\n",
        b"POST /token HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n{}",
    ] {
        // Either a 4xx from the HTTP layer, or the connection closed; then the next one works.
        let _ = raw(&http.base, junk, Duration::from_millis(300));
        http.register(&[]);
    }
}
