//! `Handler`: the emulator's request handling without sockets, on a virtual clock.

use std::time::{Duration, Instant, SystemTime};

use ssooidc_emulator::{Approval, Config, FaultAction, FaultRule, Handler, Target, When};

fn post(path: &str, body: serde_json::Value) -> http::Request<Vec<u8>> {
    http::Request::post(path)
        .header("content-type", "application/json")
        .body(serde_json::to_vec(&body).unwrap())
        .unwrap()
}

fn json(response: &http::Response<Vec<u8>>) -> serde_json::Value {
    serde_json::from_slice(response.body()).unwrap()
}

#[test]
fn a_whole_device_flow_on_a_virtual_clock() {
    let handler = Handler::new(Config::default().approval(Approval::ApproveAfterPolls(1)));
    let t0 = Instant::now();
    let wall = SystemTime::UNIX_EPOCH + Duration::from_secs(1_767_552_707);
    let at = |s: u64| (t0 + Duration::from_secs(s), wall + Duration::from_secs(s));

    let (now, w) = at(0);
    let reg = handler
        .handle_at(
            post(
                "/client/register",
                serde_json::json!({"clientName": "t", "clientType": "public"}),
            ),
            now,
            w,
        )
        .unwrap();
    assert_eq!(reg.status(), 200);
    let reg = json(&reg);
    assert_eq!(
        reg["clientIdIssuedAt"], 1_767_552_707,
        "the wall clock given"
    );
    let start = json(
        &handler
            .handle_at(
                post(
                    "/device_authorization",
                    serde_json::json!({"clientId": reg["clientId"], "clientSecret": reg["clientSecret"], "startUrl": "https://x/start"}),
                ),
                now,
                w,
            )
            .unwrap(),
    );
    let poll = |s: u64| {
        let (now, w) = at(s);
        handler
            .handle_at(
                post(
                    "/token",
                    serde_json::json!({"clientId": reg["clientId"], "clientSecret": reg["clientSecret"],
                        "grantType": "urn:ietf:params:oauth:grant-type:device_code", "deviceCode": start["deviceCode"]}),
                ),
                now,
                w,
            )
            .unwrap()
    };
    let first = poll(1);
    assert_eq!(first.status(), 400);
    assert!(first.headers()["x-amzn-errortype"]
        .to_str()
        .unwrap()
        .starts_with("AuthorizationPendingException"));
    let second = poll(2);
    assert_eq!(
        second.status(),
        200,
        "{:?}",
        String::from_utf8_lossy(second.body())
    );
    assert!(json(&second)["accessToken"].is_string());
    assert_eq!(handler.requests().len(), 4);
}

#[test]
fn faults_apply_without_sockets() {
    let handler = Handler::new(
        Config::default()
            .fault(FaultRule::new(
                Target::RegisterClient,
                When::Nth(1),
                FaultAction::Hang,
            ))
            .fault(FaultRule::new(
                Target::RegisterClient,
                When::Nth(2),
                FaultAction::Close,
            ))
            .fault(FaultRule::new(
                Target::RegisterClient,
                When::Nth(3),
                FaultAction::Status(503),
            )),
    );
    let request = || {
        post(
            "/client/register",
            serde_json::json!({"clientName": "t", "clientType": "public"}),
        )
    };
    assert!(handler.handle(request()).is_none(), "hang: no answer");
    assert!(handler.handle(request()).is_none(), "close: no answer");
    let r = handler.handle(request()).unwrap();
    assert_eq!(r.status(), 503);
    assert!(r.headers().contains_key("x-amzn-requestid"));
    assert_eq!(handler.handle(request()).unwrap().status(), 200);
}

#[test]
fn body_limit_and_unknown_paths() {
    let mut config = Config::default();
    config.max_body_bytes = 8;
    let handler = Handler::new(config);
    let r = handler
        .handle(post(
            "/client/register",
            serde_json::json!({"clientName": "a long name"}),
        ))
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = handler
        .handle(http::Request::get("/nope").body(Vec::new()).unwrap())
        .unwrap();
    assert_eq!(r.status(), 404);
}

/// A new client's device authorization on a virtual clock; times are milliseconds after it
/// started.
struct Device<'a> {
    handler: &'a Handler,
    t0: Instant,
    wall: SystemTime,
    client: serde_json::Value,
    start: serde_json::Value,
}

impl<'a> Device<'a> {
    fn start(handler: &'a Handler) -> Self {
        let t0 = Instant::now();
        let wall = SystemTime::UNIX_EPOCH + Duration::from_secs(1_767_552_707);
        let client = json(
            &handler
                .handle_at(
                    post(
                        "/client/register",
                        serde_json::json!({"clientName": "t", "clientType": "public"}),
                    ),
                    t0,
                    wall,
                )
                .unwrap(),
        );
        let start = json(
            &handler
                .handle_at(
                    post(
                        "/device_authorization",
                        serde_json::json!({"clientId": client["clientId"],
                            "clientSecret": client["clientSecret"], "startUrl": "https://x/start"}),
                    ),
                    t0,
                    wall,
                )
                .unwrap(),
        );
        Device {
            handler,
            t0,
            wall,
            client,
            start,
        }
    }

    fn at(&self, request: http::Request<Vec<u8>>, ms: u64) -> http::Response<Vec<u8>> {
        let later = Duration::from_millis(ms);
        self.handler
            .handle_at(request, self.t0 + later, self.wall + later)
            .unwrap()
    }

    /// Polls at `ms`: the error type (`x-amzn-ErrorType` up to the `:`), or `"token"`.
    fn poll(&self, ms: u64) -> String {
        let r = self.at(
            post(
                "/token",
                serde_json::json!({"clientId": self.client["clientId"],
                    "clientSecret": self.client["clientSecret"],
                    "grantType": "urn:ietf:params:oauth:grant-type:device_code",
                    "deviceCode": self.start["deviceCode"]}),
            ),
            ms,
        );
        if r.status() == 200 {
            assert!(json(&r)["accessToken"].is_string());
            return "token".to_owned();
        }
        let error_type = r.headers()["x-amzn-errortype"].to_str().unwrap();
        error_type.split(':').next().unwrap().to_owned()
    }

    /// Approves at `ms` on the verification page, as a person would.
    fn approve(&self, ms: u64) {
        let user_code = self.start["userCode"].as_str().unwrap();
        let form = format!("user_code={user_code}&action=approve");
        let request = http::Request::post("/device")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form.into_bytes())
            .unwrap();
        assert_eq!(self.at(request, ms).status(), 200);
    }
}

#[test]
fn slow_down_grows_the_interval_on_a_virtual_clock() {
    // Interval 1 s, and 5 s more with each slow_down; a poll is too fast when less than the
    // interval has passed since the last poll (slow_down answers count as polls).
    let handler = Handler::new(Config::default());
    let d = Device::start(&handler);
    // The CLI's immediate first poll.
    assert_eq!(d.poll(0), "AuthorizationPendingException");
    // Too fast: slow_down, and the required interval grows to 1 + 5 ...
    assert_eq!(d.poll(999), "SlowDownException");
    // ... so 5.999 s later is still too fast, and it grows to 11 (spec 8.6's script) ...
    assert_eq!(d.poll(999 + 5_999), "SlowDownException");
    // ... then 16 ...
    assert_eq!(d.poll(6_998 + 10_999), "SlowDownException");
    // ... and exactly 16 s later is slow enough.
    assert_eq!(d.poll(17_997 + 16_000), "AuthorizationPendingException");
    d.approve(34_000);
    // Approved, but still too fast: slow_down, and 21 from now on.
    assert_eq!(d.poll(33_997 + 15_999), "SlowDownException");
    assert_eq!(d.poll(49_996 + 21_000), "token");
    // Single use.
    assert_eq!(d.poll(70_996 + 21_000), "InvalidGrantException");
}

#[test]
fn approve_after_delay_on_a_virtual_clock() {
    // Interval 0, so that polls a millisecond apart are not too fast.
    let handler = Handler::new(
        Config::default()
            .interval(0)
            .approval(Approval::ApproveAfterDelay(Duration::from_secs(30))),
    );
    let d = Device::start(&handler);
    assert_eq!(d.poll(0), "AuthorizationPendingException");
    assert_eq!(d.poll(29_999), "AuthorizationPendingException");
    assert_eq!(d.poll(30_000), "token");
}
