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
