//! Every modelled error of the service (the 14 `ErrorCode`s), injected at the emulator, surfaces
//! from the ureq client as `CallError::Service { error: ServiceError::<the right variant>, .. }`
//! with the emulator's request id, status and message kept — with the `x-amzn-ErrorType` header
//! and without it (the OAuth `error` fallback of spec 3.2). Plus errors the emulator produces by
//! itself, and unmodelled statuses.
//!
//! The injected faults hit one request each, so the decoding tests use a client that makes one
//! attempt per call: the default retry policy would retry a 5xx and get a real answer.

use ssooidc_core::operations::{CreateToken, RegisterClient, StartDeviceAuthorization};
use ssooidc_core::{ErrorCode, ServiceError};
use ssooidc_emulator::{Approval, RunningEmulator};
use ssooidc_tests::*;
use std::sync::{Arc, Mutex};

use ssooidc_ureq::{CallError, Client, DebugSink};

/// The variant a code must decode to, spelled out (not through `ServiceError::code`).
fn is_variant(code: ErrorCode, e: &ServiceError) -> bool {
    use ServiceError as S;
    match code {
        ErrorCode::AccessDenied => matches!(e, S::AccessDenied { .. }),
        ErrorCode::AuthorizationPending => matches!(e, S::AuthorizationPending { .. }),
        ErrorCode::ExpiredToken => matches!(e, S::ExpiredToken { .. }),
        ErrorCode::InternalServer => matches!(e, S::InternalServer { .. }),
        ErrorCode::InvalidClient => matches!(e, S::InvalidClient { .. }),
        ErrorCode::InvalidClientMetadata => matches!(e, S::InvalidClientMetadata { .. }),
        ErrorCode::InvalidGrant => matches!(e, S::InvalidGrant { .. }),
        ErrorCode::InvalidRedirectUri => matches!(e, S::InvalidRedirectUri { .. }),
        ErrorCode::InvalidRequest => matches!(e, S::InvalidRequest { .. }),
        ErrorCode::InvalidRequestRegion => matches!(e, S::InvalidRequestRegion { .. }),
        ErrorCode::InvalidScope => matches!(e, S::InvalidScope { .. }),
        ErrorCode::SlowDown => matches!(e, S::SlowDown { .. }),
        ErrorCode::UnauthorizedClient => matches!(e, S::UnauthorizedClient { .. }),
        ErrorCode::UnsupportedGrantType => matches!(e, S::UnsupportedGrantType { .. }),
        other => panic!("a new error code {other:?}: add it here"),
    }
}

/// Calls `operation` (the three public ones) with throwaway inputs: an injected fault answers
/// before the emulator looks at them.
fn call(client: &Client, operation: &str) -> CallError {
    let result = match operation {
        "RegisterClient" => client
            .register_client(&RegisterClient::new("errors"))
            .map(|_| ()),
        "StartDeviceAuthorization" => client
            .start_device_authorization(&StartDeviceAuthorization::new("cid", "sec", START_URL))
            .map(|_| ()),
        "CreateToken" => client
            .create_token(&CreateToken::device_code("cid", "sec", "dc"))
            .map(|_| ()),
        other => unreachable!("{other}"),
    };
    result.expect_err("an injected error")
}

/// The `x-amzn-ErrorType` of an injected SlowDownException, as the client's debug log shows
/// the response. Forgets the request afterwards.
fn error_type_header_seen(emu: &RunningEmulator) -> Option<String> {
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = lines.clone();
    let client = client_for(emu).with_debug_log(DebugSink::new(move |l| {
        sink.lock().unwrap().push(l.to_owned())
    }));
    emu.inject("CreateToken#1=SlowDownException".parse().unwrap());
    assert!(call(&client, "CreateToken").service_error().is_some());
    emu.clear_requests();
    let lines = lines.lock().unwrap();
    lines.iter().find_map(|l| {
        l.lines()
            .find_map(|h| h.strip_prefix("x-amzn-errortype: "))
            .map(str::to_owned)
    })
}

const OPERATIONS: [&str; 3] = ["RegisterClient", "StartDeviceAuthorization", "CreateToken"];

/// Injects each of SSO OIDC's codes on each operation and checks what the client returns. `expect` maps the
/// injected code to the code the client can know.
fn every_code(emu: &RunningEmulator, expect: impl Fn(ErrorCode) -> ErrorCode) {
    let client = client_without_retries(emu);
    for operation in OPERATIONS {
        for code in ErrorCode::OIDC {
            emu.inject(
                format!("{operation}#1={}", code.shape_name())
                    .parse()
                    .unwrap(),
            );
            let err = call(&client, operation);
            let recorded = emu.requests().pop().expect("recorded");
            let context = format!("{code:?} on {operation}: {err:?}");
            let CallError::Service {
                operation: op,
                error: source,
                max_retries_reached,
            } = &err
            else {
                panic!("not a service error: {context}");
            };
            assert_eq!(*op, operation, "{context}");
            assert_eq!(*max_retries_reached, None, "{context}");
            let expected = expect(code);
            assert!(is_variant(expected, source), "{context}");
            assert_eq!(source.code(), Some(expected), "{context}");
            assert_eq!(err.service_error(), Some(source));
            assert_eq!(source.status(), code.http_status(), "{context}");
            assert_eq!(
                source.request_id(),
                Some(recorded.request_id.as_str()),
                "the emulator's request id is kept: {context}"
            );
            assert_eq!(source.meta().error.as_deref(), code.oauth_error());
            assert_eq!(source.message(), Some("Injected fault"), "{context}");
            assert_eq!(
                err.to_string(),
                format!(
                    "An error occurred ({}) when calling the {operation} operation: Injected fault",
                    expected.shape_name()
                )
            );
        }
    }
    assert_eq!(emu.requests().len(), 3 * ErrorCode::OIDC.len());
}

#[test]
fn every_modelled_error_is_typed_with_the_error_type_header() {
    let emu = start(emulator_config());
    assert_eq!(
        error_type_header_seen(&emu).as_deref(),
        Some("SlowDownException:http://internal.amazon.com/coral/com.amazonaws.sso.oidc/")
    );
    every_code(&emu, |code| code);
}

#[test]
fn every_modelled_error_is_typed_from_the_oauth_error_without_the_header() {
    let emu = start(emulator_config().error_type_header(false));
    assert_eq!(error_type_header_seen(&emu), None, "the header is off");
    every_code(&emu, |code| match code {
        // `invalid_request` names InvalidRequestRegion only when the body carries `region` or
        // `endpoint` (spec 3.2); the emulator's injected body has neither.
        ErrorCode::InvalidRequestRegion => ErrorCode::InvalidRequest,
        other => other,
    });
}

#[test]
fn errors_the_emulator_produces_itself() {
    // Polls are due 6000 protocol seconds (60 real seconds) apart: a poll sent right after
    // another is too fast however slow the machine. (With the usual 1 s, 10 ms here, it would
    // have to come within 10 ms to get slow_down.)
    let emu = start(emulator_config().interval(6000).approval(Approval::Manual));
    let client = client_for(&emu);
    let reg = client
        .register_client(&RegisterClient::new("real-errors"))
        .unwrap();

    // A wrong client secret: 401 InvalidClientException.
    let err = client
        .start_device_authorization(&StartDeviceAuthorization::new(
            reg.client_id.clone(),
            "not-the-secret",
            START_URL,
        ))
        .unwrap_err();
    match &err {
        CallError::Service {
            operation: "StartDeviceAuthorization",
            error: ServiceError::InvalidClient { meta },
            max_retries_reached: None,
        } => {
            assert_eq!(meta.status, 401);
            assert_eq!(
                meta.request_id.as_deref(),
                Some(emu.requests().last().unwrap().request_id.as_str())
            );
        }
        other => panic!("{other:?}"),
    }

    // Polling: pending, then slow_down for polling faster than the interval.
    let auth = client
        .start_device_authorization(&StartDeviceAuthorization::new(
            reg.client_id.clone(),
            reg.client_secret.clone(),
            START_URL,
        ))
        .unwrap();
    let poll = CreateToken::device_code(
        reg.client_id.clone(),
        reg.client_secret.clone(),
        auth.device_code,
    );
    assert!(matches!(
        client.create_token(&poll),
        Err(CallError::Service {
            error: ServiceError::AuthorizationPending { .. },
            max_retries_reached: None,
            ..
        })
    ));
    assert!(matches!(
        client.create_token(&poll),
        Err(CallError::Service {
            error: ServiceError::SlowDown { .. },
            max_retries_reached: None,
            ..
        })
    ));

    // Denied: a new authorization, denied before its first poll (the code above may not be
    // polled again for 6005 protocol seconds).
    let auth = client
        .start_device_authorization(&StartDeviceAuthorization::new(
            reg.client_id.clone(),
            reg.client_secret.clone(),
            START_URL,
        ))
        .unwrap();
    let poll = CreateToken::device_code(
        reg.client_id.clone(),
        reg.client_secret.clone(),
        auth.device_code,
    );
    emu.deny(&auth.user_code).unwrap();
    assert!(matches!(
        client.create_token(&poll),
        Err(CallError::Service {
            error: ServiceError::AccessDenied { .. },
            max_retries_reached: None,
            ..
        })
    ));

    // A grant type the service does not know.
    let mut odd = CreateToken::refresh_token(reg.client_id.clone(), reg.client_secret, "x");
    odd.grant_type = "password".into();
    assert!(matches!(
        client.create_token(&odd),
        Err(CallError::Service {
            error: ServiceError::UnsupportedGrantType { .. },
            max_retries_reached: None,
            ..
        })
    ));

    // A redirect URI that is not one.
    let mut bad = RegisterClient::new("bad-redirect");
    bad.redirect_uris = Some(vec!["not a uri".into()]);
    assert!(matches!(
        client.register_client(&bad),
        Err(CallError::Service {
            error: ServiceError::InvalidRedirectUri { .. },
            max_retries_reached: None,
            ..
        })
    ));
}

#[test]
fn unmodelled_statuses_are_kept_as_unknown() {
    let emu = start(emulator_config());
    let client = client_without_retries(&emu);
    for status in [418u16, 503] {
        emu.inject(format!("RegisterClient#1={status}").parse().unwrap());
        let err = call(&client, "RegisterClient");
        let request_id = emu.requests().pop().unwrap().request_id;
        match &err {
            CallError::Service {
                error: ServiceError::Unknown { code, meta, .. },
                max_retries_reached: None,
                ..
            } => {
                // What botocore reports when nothing names the error: the status.
                assert_eq!(code, &status.to_string());
                assert_eq!(meta.status, status);
                assert_eq!(meta.request_id.as_deref(), Some(request_id.as_str()));
            }
            other => panic!("{status}: {other:?}"),
        }
        assert_eq!(
            err.service_error().unwrap().is_retryable(),
            status == 503,
            "{status}"
        );
    }
}

/// With the default retry policy (standard mode, 3 attempts) a 503 is retried until the attempts
/// run out, and the error says so as the AWS CLI does; a 418 is not retried.
#[test]
fn the_default_policy_retries_a_5xx_but_not_a_4xx() {
    let emu = start(emulator_config());
    let client = client_for(&emu);
    emu.inject("RegisterClient#1+=503".parse().unwrap());
    let err = call(&client, "RegisterClient");
    match &err {
        CallError::Service {
            operation: "RegisterClient",
            error: ServiceError::Unknown { code, .. },
            max_retries_reached: Some(2),
        } => assert_eq!(code, "503"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        err.to_string(),
        "An error occurred (503) when calling the RegisterClient operation (reached max retries: 2)"
    );
    assert_eq!(emu.requests().len(), 3, "the first attempt and 2 retries");

    emu.clear_faults();
    emu.clear_requests();
    emu.inject("RegisterClient#1+=418".parse().unwrap());
    let err = call(&client, "RegisterClient");
    assert!(
        matches!(
            &err,
            CallError::Service {
                max_retries_reached: None,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(emu.requests().len(), 1, "a 4xx is not retried");

    // A single 503 is retried and the call succeeds.
    emu.clear_faults();
    emu.clear_requests();
    emu.inject("RegisterClient#1=503".parse().unwrap());
    client
        .register_client(&RegisterClient::new("errors"))
        .expect("the retry is answered");
    assert_eq!(emu.requests().len(), 2);
}
