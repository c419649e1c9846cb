//! End to end: `ssooidc console` against the emulator's portal and federation endpoint: the
//! sign-in URL printed or handed to the browser, the emulator's `login` accepting it; and a
//! federation endpoint that answers garbage.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::Duration;

use ssooidc_emulator::Target;

use super::common::{emulator_config, sso_session, text, Home};

/// A HOME with the SSO profile `dev` (region eu-west-3) logged in, and a profile `static`
/// with long-term keys.
fn home(name: &str) -> Home {
    let home = Home::new(name, emulator_config(), |start| {
        format!(
            "[profile dev]\nsso_session = dev\nsso_account_id = 111122223333\nsso_role_name = ReadOnly\nregion = eu-west-3\n\n{}\n\
             [profile static]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = secret\n",
            sso_session(start)
        )
    });
    home.login("dev");
    home
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 3 <= bytes.len() {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// The query parameter `name` of `url`, decoded.
fn param(url: &str, name: &str) -> Option<String> {
    url.split_once('?')?
        .1
        .split('&')
        .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
        .map(decode)
}

/// `GET url` without following redirects: (status, Location).
fn get(url: &str) -> (u16, Option<String>) {
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_at(rest.find('/').unwrap());
    let mut s = std::net::TcpStream::connect(host).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut all = String::new();
    s.read_to_string(&mut all).unwrap();
    let status = all[9..12].parse().unwrap();
    let location = all
        .lines()
        .find_map(|l| {
            l.strip_prefix("location: ")
                .or_else(|| l.strip_prefix("Location: "))
        })
        .map(str::to_owned);
    (status, location)
}

#[test]
fn print_gives_a_sign_in_url_the_federation_endpoint_accepts() {
    let home = home("print");
    let out = home.run(&["console", "--profile", "dev", "--print"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let url = text(&out.stdout).trim().to_owned();
    let federation = format!("{}/federation?Action=login&", home.emu.base_url());
    assert!(url.starts_with(&federation), "{url}");
    assert_eq!(
        param(&url, "Issuer").unwrap(),
        format!("{}/start", home.emu.base_url())
    );
    assert_eq!(
        param(&url, "Destination").unwrap(),
        "https://console.aws.amazon.com/console/home?region=eu-west-3"
    );
    assert!(param(&url, "SigninToken").is_some_and(|t| !t.is_empty()));
    assert_eq!(home.count(Target::GetSigninToken), 1);
    // The emulator's login takes the token and sends the browser to the destination.
    let (status, location) = get(&url);
    assert_eq!(status, 302);
    assert_eq!(
        location.as_deref(),
        Some("https://console.aws.amazon.com/console/home?region=eu-west-3")
    );
    // A forged token is refused.
    let forged = format!("{federation}Destination=https%3A%2F%2Fx&SigninToken=forged");
    assert_eq!(get(&forged).0, 400);
}

#[test]
fn the_browser_is_opened_on_a_service_or_a_destination() {
    let home = home("browser");
    let urls = home.dir.join("opened");
    let script = home.dir.join("browser.sh");
    std::fs::write(
        &script,
        format!("#!/bin/sh\nprintf '%s\\n' \"$1\" >> '{}'\n", urls.display()),
    )
    .unwrap();
    let mut permissions = std::fs::metadata(&script).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
    std::fs::set_permissions(&script, permissions).unwrap();
    let out = home
        .command()
        .env("BROWSER", &script)
        .args(["console", "--profile", "dev", "--service", "s3"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty(), "opened, not printed");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !urls.exists() {
        assert!(std::time::Instant::now() < deadline, "no browser opened");
        std::thread::sleep(Duration::from_millis(10));
    }
    let opened = std::fs::read_to_string(&urls).unwrap();
    assert_eq!(
        param(opened.trim(), "Destination").unwrap(),
        "https://console.aws.amazon.com/s3/home?region=eu-west-3"
    );
    let out = home.run(&[
        "console",
        "--profile",
        "dev",
        "--print",
        "--destination",
        "https://console.aws.amazon.com/ec2/home#Instances:",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        param(text(&out.stdout).trim(), "Destination").unwrap(),
        "https://console.aws.amazon.com/ec2/home#Instances:"
    );
}

#[test]
fn bad_options_and_long_term_keys_are_refused_before_any_request() {
    let home = home("bad");
    let before = home.count(Target::GetRoleCredentials);
    for (args, code) in [
        (&["--destination", "http://evil.example/"][..], 252),
        (&["--destination", "javascript:alert(1)"], 252),
        (&["--service", "s3/../../x"], 252),
        (&["--service", "s3", "--destination", "https://x/"], 252),
    ] {
        let out = home
            .command()
            .args(["console", "--profile", "dev", "--print"])
            .args(args)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(code),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(out.stdout.is_empty());
    }
    assert_eq!(home.count(Target::GetRoleCredentials), before);
    let out = home.run(&["console", "--profile", "static", "--print"]);
    assert_eq!(out.status.code(), Some(253), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("temporary credentials"));
    assert_eq!(home.count(Target::GetSigninToken), 0);
}

/// A federation endpoint that answers each connection with `answer`.
fn garbage_endpoint(answer: &'static str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut head = [0u8; 8192];
            let _ = stream.read(&mut head);
            let _ = stream.write_all(answer.as_bytes());
        }
    });
    url
}

#[test]
fn a_federation_endpoint_that_answers_garbage_is_a_clean_error() {
    let home = home("garbage");
    let credentials = text(&home.run(&["credentials", "--profile", "dev"]).stdout);
    let secret: serde_json::Value = serde_json::from_str(&credentials).unwrap();
    let secret = secret["SecretAccessKey"].as_str().unwrap().to_owned();
    for (answer, says) in [
        (
            "HTTP/1.1 200 OK\r\nContent-Length: 17\r\nConnection: close\r\n\r\n<html>hi</html>\r\n",
            "not a sign-in token",
        ),
        (
            "HTTP/1.1 200 OK\r\nContent-Length: 25\r\nConnection: close\r\n\r\n{\"SigninToken\": \"a\\u0000\"}",
            "not a sign-in token",
        ),
        (
            "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            "answered HTTP 400",
        ),
        ("\x16\x03\x01garbage that is not HTTP\r\n\r\n", "could not be reached"),
    ] {
        let url = garbage_endpoint(answer);
        let out = home
            .command()
            .env("AWS_ENDPOINT_URL_SIGNIN", &url)
            .args(["console", "--profile", "dev", "--print"])
            .output()
            .unwrap();
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(255), "{answer:?}: {err}");
        assert!(err.contains(says), "{answer:?}: {err}");
        assert!(out.stdout.is_empty());
        assert!(!err.contains(&secret), "{err}");
    }
}
