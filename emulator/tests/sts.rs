//! STS `GetCallerIdentity` on the emulator's base URL: requests signed (with the core's SigV4
//! signer, a separate implementation from the emulator's verifier) with role credentials the
//! emulator's portal issued are answered with who they are; every refusal has STS's code; and
//! garbage never makes it panic. Over loopback HTTP, and on a virtual clock with `Handler`.

mod common;

use std::time::{Duration, Instant, SystemTime};

use common::*;
use ssooidc_core::endpoint::Endpoint;
use ssooidc_core::portal::GetRoleCredentials;
use ssooidc_core::sigv4::{sign, SigningCredentials};
use ssooidc_core::time::OffsetDateTime;
use ssooidc_emulator::{Approval, Config, FaultAction, FaultRule, Handler, Target, When};

const FORM: &str = "Action=GetCallerIdentity&Version=2011-06-15";
const CONTENT_TYPE: &str = "application/x-www-form-urlencoded; charset=utf-8";

/// The role credentials as signing credentials.
fn signing(key: &str, secret: &str, token: Option<&str>) -> SigningCredentials {
    SigningCredentials {
        access_key_id: key.to_owned(),
        secret_access_key: secret.into(),
        session_token: token.map(Into::into),
    }
}

/// `POST {base}/` with `body`, signed for `region` and `service` at `at`.
fn signed_post(
    base: &str,
    body: &str,
    credentials: &SigningCredentials,
    service: &str,
    at: OffsetDateTime,
) -> http::Request<Vec<u8>> {
    let mut request = http::Request::post(format!("{base}/"))
        .header("content-type", CONTENT_TYPE)
        .body(body.as_bytes().to_vec())
        .unwrap();
    sign(&mut request, credentials, "us-east-1", service, at).unwrap();
    request
}

fn text(response: &http::Response<Vec<u8>>) -> String {
    String::from_utf8(response.body().clone()).unwrap()
}

/// The text of the first `<tag>` of an XML answer, its entities decoded.
fn element(xml: &str, tag: &str) -> Option<String> {
    let start = xml.find(&format!("<{tag}>"))? + tag.len() + 2;
    let end = xml[start..].find(&format!("</{tag}>"))? + start;
    Some(
        xml[start..end]
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&"),
    )
}

/// Asserts `response` is STS's error `code` with `status`; returns its message.
fn assert_sts_error(response: &http::Response<Vec<u8>>, status: u16, code: &str) -> String {
    let body = text(response);
    assert_eq!(response.status(), status, "{body}");
    assert_eq!(response.headers()["content-type"], "text/xml", "{body}");
    assert!(
        body.starts_with("<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"),
        "{body}"
    );
    assert_eq!(element(&body, "Code").as_deref(), Some(code), "{body}");
    let kind = if status >= 500 { "Receiver" } else { "Sender" };
    assert_eq!(element(&body, "Type").as_deref(), Some(kind), "{body}");
    assert_eq!(
        element(&body, "RequestId").as_deref(),
        response.headers()["x-amzn-requestid"].to_str().ok(),
        "{body}"
    );
    element(&body, "Message").unwrap_or_default()
}

/// A handler on a virtual clock, and role credentials its portal issued at `WALL`.
struct Virtual {
    handler: Handler,
    t0: Instant,
    key: String,
    secret: String,
    token: String,
    /// Epoch seconds.
    expires: i64,
}

/// When the virtual clock starts, in epoch seconds.
const WALL: i64 = 1_767_552_707;

impl Virtual {
    fn new(config: Config) -> Self {
        let handler = Handler::new(config.approval(Approval::ApproveAfterPolls(1)));
        let t0 = Instant::now();
        let wall = SystemTime::UNIX_EPOCH + Duration::from_secs(WALL as u64);
        let json_post = |path: &str, body: serde_json::Value, ms: u64| {
            let r = handler
                .handle_at(
                    http::Request::post(path)
                        .header("content-type", "application/json")
                        .body(serde_json::to_vec(&body).unwrap())
                        .unwrap(),
                    t0 + Duration::from_millis(ms),
                    wall + Duration::from_millis(ms),
                )
                .unwrap();
            (
                r.status(),
                serde_json::from_slice::<serde_json::Value>(r.body()).unwrap(),
            )
        };
        let (_, client) = json_post(
            "/client/register",
            serde_json::json!({"clientName": "t", "clientType": "public", "scopes": ["sso:account:access"]}),
            0,
        );
        let (_, start) = json_post(
            "/device_authorization",
            serde_json::json!({"clientId": client["clientId"], "clientSecret": client["clientSecret"], "startUrl": START_URL}),
            0,
        );
        let poll = serde_json::json!({"clientId": client["clientId"], "clientSecret": client["clientSecret"],
            "grantType": DEVICE_GRANT, "deviceCode": start["deviceCode"]});
        assert_eq!(json_post("/token", poll.clone(), 0).0, 400, "pending");
        let (status, token) = json_post("/token", poll, 1_000);
        assert_eq!(status, 200, "{token}");
        let credentials = handler
            .handle_at(
                http::Request::get(
                    "/federation/credentials?role_name=ReadOnly&account_id=111122223333",
                )
                .header(
                    "x-amz-sso_bearer_token",
                    token["accessToken"].as_str().unwrap(),
                )
                .body(Vec::new())
                .unwrap(),
                t0 + Duration::from_secs(1),
                wall,
            )
            .unwrap();
        assert_eq!(credentials.status(), 200);
        let c: serde_json::Value = serde_json::from_slice(credentials.body()).unwrap();
        let c = &c["roleCredentials"];
        Virtual {
            handler,
            t0,
            key: c["accessKeyId"].as_str().unwrap().to_owned(),
            secret: c["secretAccessKey"].as_str().unwrap().to_owned(),
            token: c["sessionToken"].as_str().unwrap().to_owned(),
            expires: c["expiration"].as_i64().unwrap() / 1000,
        }
    }

    fn credentials(&self) -> SigningCredentials {
        signing(&self.key, &self.secret, Some(&self.token))
    }

    /// Epoch seconds `s` after `WALL`, as a time to sign at.
    fn time(s: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(WALL + s).unwrap()
    }

    /// A request signed with the issued credentials at `s` seconds after `WALL`.
    fn signed(&self, s: i64) -> http::Request<Vec<u8>> {
        signed_post(
            "http://127.0.0.1:4566",
            FORM,
            &self.credentials(),
            "sts",
            Self::time(s),
        )
    }

    /// Answers `request` as received `s` seconds after `WALL`.
    fn at(&self, request: http::Request<Vec<u8>>, s: i64) -> http::Response<Vec<u8>> {
        let later = Duration::from_secs(s as u64);
        self.handler
            .handle_at(
                request,
                self.t0 + later,
                SystemTime::UNIX_EPOCH + Duration::from_secs(WALL as u64) + later,
            )
            .expect("an answer")
    }
}

#[test]
fn a_signed_get_caller_identity_over_http_says_who_the_role_credentials_are() {
    let (emu, http) = start(fast());
    let endpoint = Endpoint::parse(emu.base_url()).unwrap();
    let token = access_token(&emu, &http);
    let c = send(
        &http,
        &endpoint,
        &GetRoleCredentials::new("AdministratorAccess", "111122223333", token.as_str()),
    )
    .unwrap()
    .role_credentials;
    let credentials = signing(
        &c.access_key_id,
        c.secret_access_key.expose(),
        Some(c.session_token.expose()),
    );
    emu.clear_requests();

    let request = signed_post(
        emu.base_url(),
        FORM,
        &credentials,
        "sts",
        OffsetDateTime::now_utc(),
    );
    let mut response = http.agent.run(request).unwrap();
    let status = response.status().as_u16();
    let request_id = response.headers()["x-amzn-requestid"]
        .to_str()
        .unwrap()
        .to_owned();
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    let body = response.body_mut().read_to_string().unwrap();
    assert_eq!(status, 200, "{body}");
    assert_eq!(content_type, "text/xml");
    assert!(body.starts_with(
        "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
    ));
    assert_eq!(
        element(&body, "Arn").as_deref(),
        Some("arn:aws:sts::111122223333:assumed-role/AdministratorAccess/emulator-user")
    );
    assert_eq!(element(&body, "Account").as_deref(), Some("111122223333"));
    let user_id = element(&body, "UserId").unwrap();
    assert!(
        user_id.starts_with("AROA") && user_id.ends_with(":emulator-user"),
        "{user_id}"
    );
    assert_eq!(element(&body, "RequestId"), Some(request_id));

    // The same action as a signed GET query.
    let mut request = http::Request::get(format!("{}/?{FORM}", emu.base_url()))
        .body(Vec::new())
        .unwrap();
    sign(
        &mut request,
        &credentials,
        "eu-west-1",
        "sts",
        OffsetDateTime::now_utc(),
    )
    .unwrap();
    let mut response = http.agent.run(request).unwrap();
    let body = response.body_mut().read_to_string().unwrap();
    assert_eq!(response.status(), 200, "{body}");
    assert_eq!(element(&body, "UserId").as_deref(), Some(user_id.as_str()));

    // Both counted; `GET /` without an action is still the index page, and not counted.
    let index = http.get("/");
    assert_eq!(index.status, 200);
    assert!(index
        .header("content-type")
        .unwrap()
        .starts_with("text/html"));
    let calls: Vec<_> = emu
        .requests()
        .into_iter()
        .filter(|r| r.target == Target::GetCallerIdentity)
        .collect();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0].method, http::Method::POST);
    assert_eq!(calls[0].path, "/");
    assert_eq!(calls[0].body_str(), Some(FORM));
    assert!(calls[0].header("authorization").is_some());
}

#[test]
fn every_refusal_has_the_code_sts_sends() {
    let v = Virtual::new(Config::default().role_credentials_lifetime(3600));
    assert_eq!(v.expires, WALL + 3600);
    let ok = v.at(v.signed(10), 10);
    assert_eq!(ok.status(), 200, "{}", text(&ok));
    assert_eq!(
        element(&text(&ok), "Arn").as_deref(),
        Some("arn:aws:sts::111122223333:assumed-role/ReadOnly/emulator-user")
    );
    // Signed 15 minutes before or after the emulator's now is still fine.
    assert_eq!(v.at(v.signed(100), 100 + 900).status(), 200);
    assert_eq!(v.at(v.signed(1000), 100).status(), 200);

    // No Authorization header.
    let unsigned = http::Request::post("/")
        .header("content-type", CONTENT_TYPE)
        .body(FORM.as_bytes().to_vec())
        .unwrap();
    let m = assert_sts_error(&v.at(unsigned, 10), 403, "MissingAuthenticationToken");
    assert_eq!(m, "Request is missing Authentication Token");

    // A malformed one, one without X-Amz-Date, one that does not sign `host`.
    let mut r = v.signed(10);
    r.headers_mut().insert(
        "authorization",
        "AWS4-HMAC-SHA256 Credential=x".parse().unwrap(),
    );
    let m = assert_sts_error(&v.at(r, 10), 400, "IncompleteSignature");
    assert!(m.contains("requires 'Signature' parameter"), "{m}");
    let mut r = v.signed(10);
    r.headers_mut().remove("x-amz-date");
    let m = assert_sts_error(&v.at(r, 10), 400, "IncompleteSignature");
    assert!(m.contains("'X-Amz-Date'"), "{m}");
    let mut r = v.signed(10);
    let auth = r.headers()["authorization"].to_str().unwrap().replace(
        "SignedHeaders=content-type;host;",
        "SignedHeaders=content-type;",
    );
    r.headers_mut()
        .insert("authorization", auth.parse().unwrap());
    let m = assert_sts_error(&v.at(r, 10), 400, "IncompleteSignature");
    assert!(m.contains("'Host'"), "{m}");
    let mut r = v.signed(10);
    r.headers_mut()
        .insert("x-amz-date", "2026-01-04T18:51:57Z".parse().unwrap());
    assert_sts_error(&v.at(r, 10), 400, "IncompleteSignature");

    // An access key the portal did not issue; no session token; another session token.
    let stranger = signing("ASIAEXAMPLEEXAMPLE00", &v.secret, Some(&v.token));
    let r = signed_post("http://h", FORM, &stranger, "sts", Virtual::time(10));
    let m = assert_sts_error(&v.at(r, 10), 403, "InvalidClientTokenId");
    assert_eq!(m, "The security token included in the request is invalid.");
    let r = signed_post(
        "http://h",
        FORM,
        &signing(&v.key, &v.secret, None),
        "sts",
        Virtual::time(10),
    );
    assert_sts_error(&v.at(r, 10), 403, "InvalidClientTokenId");
    let r = signed_post(
        "http://h",
        FORM,
        &signing(&v.key, &v.secret, Some("IQoJb3JpZ2luX2VjEOTHER")),
        "sts",
        Virtual::time(10),
    );
    assert_sts_error(&v.at(r, 10), 403, "InvalidClientTokenId");

    // The wrong secret; a body changed after signing; a header changed after signing.
    let wrong = signing(
        &v.key,
        "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        Some(&v.token),
    );
    let r = signed_post("http://h", FORM, &wrong, "sts", Virtual::time(10));
    let m = assert_sts_error(&v.at(r, 10), 403, "SignatureDoesNotMatch");
    assert!(
        m.contains("The Canonical String for this request should have been")
            && m.contains("content-type;host;x-amz-date;x-amz-security-token")
            && m.contains("The String-to-Sign should have been"),
        "{m}"
    );
    let mut r = v.signed(10);
    *r.body_mut() = b"Action=GetCallerIdentity&Version=2011-06-15&x=1".to_vec();
    assert_sts_error(&v.at(r, 10), 403, "SignatureDoesNotMatch");
    let mut r = v.signed(10);
    r.headers_mut()
        .insert("host", "elsewhere:1".parse().unwrap());
    assert_sts_error(&v.at(r, 10), 403, "SignatureDoesNotMatch");

    // Signed for another service.
    let r = signed_post("http://h", FORM, &v.credentials(), "iam", Virtual::time(10));
    let m = assert_sts_error(&v.at(r, 10), 403, "SignatureDoesNotMatch");
    assert!(m.contains("correct service: 'sts'"), "{m}");

    // Signed more than 15 minutes before or after the emulator's now.
    let m = assert_sts_error(&v.at(v.signed(10), 10 + 901), 403, "SignatureDoesNotMatch");
    assert_eq!(
        m,
        "Signature expired: 20260104T185157Z is now earlier than 20260104T185158Z \
         (20260104T190658Z - 15 min.)"
    );
    let m = assert_sts_error(&v.at(v.signed(10 + 901), 10), 403, "SignatureDoesNotMatch");
    assert!(m.starts_with("Signature not yet current"), "{m}");

    // Expired credentials: at and after their expiration, even when freshly signed.
    let m = assert_sts_error(&v.at(v.signed(3600), 3600), 403, "ExpiredToken");
    assert_eq!(m, "The security token included in the request is expired");
    assert_sts_error(&v.at(v.signed(7200), 7200), 403, "ExpiredToken");
    // Still fine a second before.
    assert_eq!(v.at(v.signed(3599), 3599).status(), 200);

    // Another action, another version, no action: refused before the signature is looked at.
    for (body, code, message) in [
        (
            "Action=AssumeRole&Version=2011-06-15",
            "InvalidAction",
            "Could not find operation AssumeRole for version 2011-06-15",
        ),
        (
            "Action=GetCallerIdentity&Version=2010-05-08",
            "InvalidAction",
            "Could not find operation GetCallerIdentity for version 2010-05-08",
        ),
        (
            "Action=GetCallerIdentity",
            "InvalidAction",
            "Could not find operation GetCallerIdentity for version NO_VERSION_SPECIFIED",
        ),
        ("Version=2011-06-15", "MissingAction", "Missing Action"),
        ("", "MissingAction", "Missing Action"),
    ] {
        let r = http::Request::post("/")
            .header("content-type", CONTENT_TYPE)
            .body(body.as_bytes().to_vec())
            .unwrap();
        assert_eq!(assert_sts_error(&v.at(r, 10), 400, code), message, "{body}");
    }

    // The portal's login (register, start, two polls, role credentials) and three of the five
    // requests just above are not GetCallerIdentity; every other one is.
    let targets: Vec<Target> = v.handler.requests().iter().map(|r| r.target).collect();
    let count = |target: Target| targets.iter().filter(|t| **t == target).count();
    assert_eq!(count(Target::Any), 3);
    assert_eq!(count(Target::GetCallerIdentity), targets.len() - 5 - 3);
}

#[test]
fn garbage_never_panics() {
    let v = Virtual::new(Config::default());
    let mut requests: Vec<http::Request<Vec<u8>>> = Vec::new();
    for body in [
        &b"\xff\xfe\x00garbage"[..],
        b"Action=GetCallerIdentity&Version=2011-06-15&%%%=%",
        b"Action=GetCallerIdentity&Version=2011-06-15&Action=\xff",
        b"{\"Action\":\"GetCallerIdentity\"}",
        b"&&&===&",
    ] {
        requests.push(http::Request::post("/").body(body.to_vec()).unwrap());
    }
    let authorizations: [&[u8]; 12] = [
        b"",
        b"AWS4-HMAC-SHA256",
        b"AWS4-HMAC-SHA256 ",
        b"AWS4-HMAC-SHA256 ,,,,",
        b"AWS4-HMAC-SHA256 Credential=, SignedHeaders=, Signature=",
        b"AWS4-HMAC-SHA256 Credential=////, SignedHeaders=host, Signature=",
        b"AWS4-HMAC-SHA256 Credential=a/b/c/d/e/f, SignedHeaders=host, Signature=00",
        b"AWS4-HMAC-SHA256 Credential=\xff\xfe/20260104/us-east-1/sts/aws4_request, SignedHeaders=host;\xff, Signature=\xff",
        b"AWS4-HMAC-SHA256 Credential=ASIA/20260104/us-east-1/sts/aws4_request, SignedHeaders=host;;;;x-amz-nope, Signature=zz",
        b"Basic dXNlcjpwYXNz",
        b"AWS AKIDEXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg=",
        b"AWS4-HMAC-SHA256 Credential=A/B/C/D/E SignedHeaders=host Signature=0",
    ];
    for auth in authorizations {
        for date in [
            &b"20260104T185157Z"[..],
            b"",
            b"\xff\xff",
            b"99999999T999999Z",
        ] {
            let mut r = v.signed(10);
            r.headers_mut().insert(
                "authorization",
                http::HeaderValue::from_bytes(auth).unwrap(),
            );
            r.headers_mut()
                .insert("x-amz-date", http::HeaderValue::from_bytes(date).unwrap());
            requests.push(r);
        }
    }
    // Signed, with garbage in the headers it signs.
    let mut r = v.signed(10);
    r.headers_mut().append(
        "content-type",
        http::HeaderValue::from_bytes(b"\xff \xfe\t\tx").unwrap(),
    );
    r.headers_mut().insert(
        "x-amz-security-token",
        http::HeaderValue::from_bytes(b"\x80\x81").unwrap(),
    );
    r.headers_mut().insert(
        "x-amz-content-sha256",
        http::HeaderValue::from_bytes(b"\xfe").unwrap(),
    );
    requests.push(r);
    requests.push(
        http::Request::get("/?Action=GetCallerIdentity&Version=2011-06-15&%ff=%G0")
            .body(Vec::new())
            .unwrap(),
    );
    requests.push(
        http::Request::get("/./../%2e%2e/?Action=GetCallerIdentity")
            .body(Vec::new())
            .unwrap(),
    );
    for r in requests {
        let response = v.at(r, 10);
        assert!(
            matches!(response.status().as_u16(), 400 | 403 | 404),
            "{}: {}",
            response.status(),
            text(&response)
        );
    }
    // Still serving.
    assert_eq!(v.at(v.signed(10), 10).status(), 200);

    // And over a socket: a byte that is not UTF-8 in the Authorization header (hyper accepts
    // it as obs-text).
    let (emu, http) = start(fast());
    let host = http.base.trim_start_matches("http://");
    let mut request = format!(
        "POST / HTTP/1.1\r\nHost: {host}\r\nContent-Type: {CONTENT_TYPE}\r\nConnection: close\r\n\
         X-Amz-Date: 20260104T185157Z\r\nAuthorization: AWS4-HMAC-SHA256 Credential="
    )
    .into_bytes();
    request.push(0xff);
    request.extend_from_slice(
        format!(
            "/x, SignedHeaders=host, Signature=1\r\nContent-Length: {}\r\n\r\n{FORM}",
            FORM.len()
        )
        .as_bytes(),
    );
    let out = raw(&http.base, &request, Duration::from_secs(10)).unwrap();
    let (status, _, body) = split_raw(&String::from_utf8_lossy(&out));
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("<Code>IncompleteSignature</Code>"), "{body}");
    assert_eq!(emu.requests().len(), 1);
}

#[test]
fn faults_hit_get_caller_identity() {
    let v = Virtual::new(
        Config::default()
            .fault(FaultRule::new(
                Target::GetCallerIdentity,
                When::Nth(1),
                FaultAction::Error(ssooidc_core::ErrorCode::InternalServer),
            ))
            .fault("GetCallerIdentity#2=503".parse().unwrap())
            .fault("getcalleridentity#3=close".parse().unwrap()),
    );
    let m = assert_sts_error(&v.at(v.signed(10), 10), 500, "InternalServerException");
    assert_eq!(m, "Injected fault");
    let r = v.at(v.signed(10), 10);
    assert_eq!(r.status(), 503);
    assert!(r.body().is_empty());
    let later = Duration::from_secs(10);
    assert!(v
        .handler
        .handle_at(
            v.signed(10),
            v.t0 + later,
            SystemTime::UNIX_EPOCH + Duration::from_secs(WALL as u64) + later
        )
        .is_none());
    assert_eq!(v.at(v.signed(10), 10).status(), 200);
    assert_eq!(
        "GetCallerIdentity#2+=hang"
            .parse::<FaultRule>()
            .unwrap()
            .target,
        Target::GetCallerIdentity
    );
}
