//! The SSO portal's operations on the wire (`docs/protocol/portal.md#vectors`): each request as
//! botocore serialises it from the `sso` service model (method, path, query, the bearer header,
//! no body and no `Content-Type`), each answer decoded, every modelled error and the unmodelled
//! ones the portal sends, and pagination as one machine in virtual time.

use std::time::{Duration, Instant};

use http::Response;
use ssooidc_core::endpoint::{resolve_for, Endpoint, EndpointParams};
use ssooidc_core::machine::{feed, Machine, MisuseError, Output, Pages, MAX_PAGES};
use ssooidc_core::portal::{
    AccountInfo, GetRoleCredentials, ListAccountRoles, ListAccounts, Logout, RoleInfo,
};
use ssooidc_core::retry::{RetryConfig, RetryMode, RetryPolicy};
use ssooidc_core::settings::Service;
use ssooidc_core::wire::{Auth, DecodeError, ResponseError, USER_AGENT};
use ssooidc_core::TransportErrorKind;
use ssooidc_core::{CallError, ErrorCode, Operation, RetryKind, ServiceError, TransportError};
use time::macros::datetime;
use time::OffsetDateTime;

const TOKEN: &str = "aoaAAAAAGexampleAccessToken";

fn portal() -> Endpoint {
    resolve_for(Service::Sso, &EndpointParams::region("us-east-1")).unwrap()
}

fn check_request<O: Operation + std::fmt::Debug>(input: &O, method: &str, path_and_query: &str) {
    let request = input.to_request(&portal()).unwrap();
    assert_eq!(request.method(), method, "{}", O::NAME);
    assert_eq!(
        request.uri().to_string(),
        format!("https://portal.sso.us-east-1.amazonaws.com{path_and_query}"),
        "{}",
        O::NAME
    );
    assert_eq!(request.headers()["x-amz-sso_bearer_token"], TOKEN);
    assert_eq!(request.headers()["user-agent"], USER_AGENT);
    assert!(request.body().is_empty(), "{}: no body", O::NAME);
    assert!(
        request.headers().get("content-type").is_none(),
        "{}: botocore sends no Content-Type without a body",
        O::NAME
    );
    assert!(request.headers().get("authorization").is_none());
    assert_eq!(O::AUTH, Auth::None, "the model says smithy.api#noAuth");
    assert_eq!(
        ssooidc_core::operations::operation_of(&request),
        Some(O::NAME)
    );
    // The token never shows in Debug.
    assert!(!format!("{input:?}").contains(TOKEN));
}

fn ok(body: &str) -> Response<Vec<u8>> {
    Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .header("x-amzn-requestid", "rid-ok")
        .body(body.as_bytes().to_vec())
        .unwrap()
}

fn error(status: u16, error_type: Option<&str>, body: &str) -> Response<Vec<u8>> {
    let mut b = Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("x-amzn-requestid", "rid-err");
    if let Some(t) = error_type {
        b = b.header("x-amzn-ErrorType", t);
    }
    b.body(body.as_bytes().to_vec()).unwrap()
}

#[test]
fn get_role_credentials_request() {
    check_request(
        &GetRoleCredentials::new("ReadOnly", "123456789012", TOKEN),
        "GET",
        "/federation/credentials?role_name=ReadOnly&account_id=123456789012",
    );
}

#[test]
fn list_accounts_requests() {
    check_request(&ListAccounts::new(TOKEN), "GET", "/assignment/accounts");
    let mut page = ListAccounts::new(TOKEN);
    page.next_token = Some("AAQAAx+2/nextpage==".to_owned());
    page.max_results = Some(10);
    check_request(
        &page,
        "GET",
        "/assignment/accounts?next_token=AAQAAx%2B2%2Fnextpage%3D%3D&max_result=10",
    );
}

#[test]
fn list_account_roles_requests() {
    check_request(
        &ListAccountRoles::new(TOKEN, "123456789012"),
        "GET",
        "/assignment/roles?account_id=123456789012",
    );
    let mut page = ListAccountRoles::new(TOKEN, "123456789012");
    page.next_token = Some("p2".to_owned());
    page.max_results = Some(100);
    check_request(
        &page,
        "GET",
        "/assignment/roles?next_token=p2&max_result=100&account_id=123456789012",
    );
}

#[test]
fn logout_request() {
    check_request(&Logout::new(TOKEN), "POST", "/logout");
}

#[test]
fn get_role_credentials_answer() {
    let out = GetRoleCredentials::parse_response(&ok(
        r#"{"roleCredentials":{"accessKeyId":"ASIAEXAMPLE","secretAccessKey":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY","sessionToken":"IQoJb3JpZ2luX2VjEXAMPLE==","expiration":1768503600000},"unknownMember":true}"#,
    ))
    .unwrap();
    let creds = out.role_credentials;
    assert_eq!(creds.access_key_id, "ASIAEXAMPLE");
    assert_eq!(creds.expiration, 1_768_503_600_000);
    assert_eq!(creds.expires_at(), datetime!(2026-01-15 19:00 UTC));
    let shown = format!("{creds:?}");
    assert!(
        !shown.contains("EXAMPLEKEY") && !shown.contains("EXAMPLE=="),
        "{shown}"
    );
}

#[test]
fn an_answer_without_usable_credentials_is_malformed() {
    for body in [
        "{}",
        r#"{"roleCredentials":null}"#,
        r#"{"roleCredentials":{"accessKeyId":"A","secretAccessKey":"S","expiration":1}}"#,
        r#"{"roleCredentials":{"accessKeyId":"A","secretAccessKey":"S","sessionToken":"T"}}"#,
        r#"{"roleCredentials":{"accessKeyId":"A","secretAccessKey":"S","sessionToken":"T","expiration":"soon"}}"#,
        "",
    ] {
        let err = GetRoleCredentials::parse_response(&ok(body)).unwrap_err();
        assert!(
            matches!(
                err,
                ResponseError::Malformed {
                    operation: "GetRoleCredentials",
                    ..
                }
            ),
            "{body}: {err:?}"
        );
        assert!(
            !err.to_string().contains("\"S\""),
            "no value in the message: {err}"
        );
    }
}

#[test]
fn list_answers_read_every_member_and_tolerate_absent_ones() {
    let out = ListAccounts::parse_response(&ok(
        r#"{"nextToken":"p2","accountList":[{"accountId":"111122223333","accountName":"Development","emailAddress":"dev@example.com"},{"accountId":"444455556666"}]}"#,
    ))
    .unwrap();
    assert_eq!(out.next_token.as_deref(), Some("p2"));
    assert_eq!(
        out.account_list,
        vec![
            AccountInfo {
                account_id: Some("111122223333".into()),
                account_name: Some("Development".into()),
                email_address: Some("dev@example.com".into()),
            },
            AccountInfo {
                account_id: Some("444455556666".into()),
                ..AccountInfo::default()
            },
        ]
    );
    for body in ["{}", r#"{"accountList":null,"nextToken":null}"#] {
        let out = ListAccounts::parse_response(&ok(body)).unwrap();
        assert!(
            out.account_list.is_empty() && out.next_token.is_none(),
            "{body}"
        );
    }
    let roles = ListAccountRoles::parse_response(&ok(
        r#"{"roleList":[{"roleName":"ReadOnly","accountId":"111122223333"}]}"#,
    ))
    .unwrap();
    assert_eq!(
        roles.role_list,
        vec![RoleInfo {
            role_name: Some("ReadOnly".into()),
            account_id: Some("111122223333".into()),
        }]
    );
}

#[test]
fn logout_succeeds_on_any_2xx_body() {
    for body in ["", "{}"] {
        assert_eq!(Logout::parse_response(&ok(body)), Ok(()));
    }
}

/// The portal's modelled errors: the restJson1 header (with or without a suffix) names the
/// shape; the body's `message` is the text.
#[test]
fn every_modelled_portal_error_decodes_for_every_operation() {
    let rows: [(u16, &str, ErrorCode, &str); 4] = [
        (
            400,
            "InvalidRequestException",
            ErrorCode::InvalidRequest,
            "Invalid account id",
        ),
        (
            401,
            "UnauthorizedException",
            ErrorCode::Unauthorized,
            "Session token not found or invalid",
        ),
        (
            429,
            "TooManyRequestsException",
            ErrorCode::TooManyRequests,
            "Rate exceeded",
        ),
        (
            404,
            "ResourceNotFoundException",
            ErrorCode::ResourceNotFound,
            "Not found",
        ),
    ];
    for (status, shape, code, message) in rows {
        for header in [
            shape.to_owned(),
            format!("{shape}:http://internal.amazon.com/coral/com.amazonaws.switchboard.portal/"),
        ] {
            let body = format!(r#"{{"message":"{message}"}}"#);
            let response = error(status, Some(&header), &body);
            for decoded in [
                GetRoleCredentials::parse_response(&response).map(|_| ()),
                ListAccounts::parse_response(&response).map(|_| ()),
                ListAccountRoles::parse_response(&response).map(|_| ()),
                Logout::parse_response(&response),
            ] {
                let err = decoded.unwrap_err();
                let service = err.service_error().expect("a service error");
                assert_eq!(service.code(), Some(code), "{header}");
                assert_eq!(service.message(), Some(message));
                assert_eq!(service.request_id(), Some("rid-err"));
                assert_eq!(service.status(), status);
            }
        }
    }
    let e = ServiceError::portal(
        ErrorCode::Unauthorized,
        "Session token not found or invalid",
    );
    assert_eq!(
        e.cli_message("GetRoleCredentials"),
        "An error occurred (UnauthorizedException) when calling the GetRoleCredentials operation: Session token not found or invalid"
    );
}

#[test]
fn portal_errors_are_classified_for_retries() {
    let decode = |r| GetRoleCredentials::parse_response(&r).unwrap_err();
    let kind = |status, shape| {
        decode(error(status, Some(shape), r#"{"message":"x"}"#))
            .service_error()
            .unwrap()
            .retry_kind()
    };
    assert_eq!(kind(429, "TooManyRequestsException"), RetryKind::Throttling);
    assert_eq!(kind(401, "UnauthorizedException"), RetryKind::Never);
    assert_eq!(kind(404, "ResourceNotFoundException"), RetryKind::Never);
    // Without the header botocore names the error by its status; 429 stays throttling.
    let bare = decode(error(429, None, r#"{"message":"Rate exceeded"}"#));
    let bare = bare.service_error().unwrap();
    assert_eq!(
        (bare.name(), bare.message()),
        ("429", Some("Rate exceeded"))
    );
    assert_eq!(bare.retry_kind(), RetryKind::Throttling);
    // What the portal says for a role the user may not take: unmodelled, kept as it came.
    let forbidden = decode(error(
        403,
        Some("ForbiddenException"),
        r#"{"message":"No access"}"#,
    ));
    let forbidden = forbidden.service_error().unwrap();
    assert!(matches!(forbidden, ServiceError::Unknown { .. }));
    assert_eq!(
        forbidden.cli_message("GetRoleCredentials"),
        "An error occurred (ForbiddenException) when calling the GetRoleCredentials operation: No access"
    );
}

// ---- pagination, in virtual time ----

fn accounts_page(ids: &[&str], next: Option<&str>) -> Response<Vec<u8>> {
    let list: Vec<String> = ids
        .iter()
        .map(|id| format!(r#"{{"accountId":"{id}"}}"#))
        .collect();
    let next = next.map_or(String::new(), |n| format!(r#","nextToken":"{n}""#));
    ok(&format!(r#"{{"accountList":[{}]{next}}}"#, list.join(",")))
}

/// What a scripted listing did: its result, the `next_token` query of every request sent, and
/// the waits.
type Run = (
    Result<Vec<AccountInfo>, CallError>,
    Vec<Option<String>>,
    Vec<Duration>,
);

/// Drives `pages` with scripted answers.
fn run(
    mut pages: Pages<ListAccounts>,
    answers: Vec<Result<Response<Vec<u8>>, TransportError>>,
) -> Run {
    let mut now = Instant::now();
    let mut answers = answers.into_iter();
    let mut sent = Vec::new();
    let mut waits = Vec::new();
    loop {
        match pages.poll_output().unwrap() {
            Output::Transmit(t) => {
                assert_eq!(t.operation, "ListAccounts");
                assert_eq!(t.request.method(), "GET");
                sent.push(t.request.uri().query().and_then(|q| {
                    q.split('&')
                        .find_map(|p| p.strip_prefix("next_token="))
                        .map(str::to_owned)
                }));
                let answer = answers.next().expect("a scripted answer");
                feed(&mut pages, now, OffsetDateTime::UNIX_EPOCH, answer).unwrap();
            }
            Output::Timeout(at) => {
                waits.push(at - now);
                now = at;
                pages.handle_timeout(now).unwrap();
            }
            Output::Event(never) => match never {},
            Output::Done(result) => return (result, sent, waits),
        }
    }
}

fn pages(policy: &RetryPolicy) -> Pages<ListAccounts> {
    Pages::new(
        ListAccounts::new(TOKEN),
        &portal(),
        policy,
        Instant::now(),
        3,
    )
}

fn ids(accounts: &[AccountInfo]) -> Vec<&str> {
    accounts
        .iter()
        .map(|a| a.account_id.as_deref().unwrap())
        .collect()
}

#[test]
fn pages_follow_next_tokens_to_the_end() {
    let (result, sent, waits) = run(
        pages(&RetryPolicy::default()),
        vec![
            Ok(accounts_page(&["1", "2"], Some("t2"))),
            Ok(accounts_page(&["3"], Some("t3"))),
            Ok(accounts_page(&["4"], None)),
        ],
    );
    assert_eq!(ids(&result.unwrap()), ["1", "2", "3", "4"]);
    assert_eq!(sent, [None, Some("t2".into()), Some("t3".into())]);
    assert!(waits.is_empty());
}

#[test]
fn an_empty_next_token_ends_the_list() {
    let (result, sent, _) = run(
        pages(&RetryPolicy::default()),
        vec![Ok(ok(
            r#"{"accountList":[{"accountId":"1"}],"nextToken":""}"#,
        ))],
    );
    assert_eq!(ids(&result.unwrap()), ["1"]);
    assert_eq!(sent.len(), 1);
}

#[test]
fn a_failed_page_is_retried_by_the_policy_and_resumes_at_its_token() {
    let (result, sent, waits) = run(
        pages(&RetryPolicy::default()),
        vec![
            Ok(accounts_page(&["1"], Some("t2"))),
            Ok(error(
                429,
                Some("TooManyRequestsException"),
                r#"{"message":"slow down"}"#,
            )),
            Err(TransportError::new(
                TransportErrorKind::ConnectionClosed,
                "reset",
            )),
            Ok(accounts_page(&["2"], None)),
        ],
    );
    assert_eq!(ids(&result.unwrap()), ["1", "2"]);
    assert_eq!(
        sent,
        [
            None,
            Some("t2".into()),
            Some("t2".into()),
            Some("t2".into())
        ]
    );
    assert_eq!(waits.len(), 2, "a backoff before each retry");
}

#[test]
fn a_page_that_fails_for_good_fails_the_list() {
    let policy = RetryPolicy::new(RetryConfig::new(RetryMode::Standard, 3));
    let (result, sent, _) = run(
        pages(&policy),
        vec![
            Ok(accounts_page(&["1"], Some("t2"))),
            Ok(error(
                401,
                Some("UnauthorizedException"),
                r#"{"message":"Session token not found or invalid"}"#,
            )),
        ],
    );
    assert_eq!(sent.len(), 2, "401 is not retried");
    match result.unwrap_err() {
        CallError::Service {
            operation, error, ..
        } => {
            assert_eq!(operation, "ListAccounts");
            assert!(matches!(error, ServiceError::Unauthorized { .. }));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_repeated_next_token_is_refused_instead_of_followed_forever() {
    let (result, sent, _) = run(
        pages(&RetryPolicy::default()),
        vec![
            Ok(accounts_page(&["1"], Some("a"))),
            Ok(accounts_page(&["2"], Some("b"))),
            Ok(accounts_page(&["3"], Some("a"))),
        ],
    );
    assert_eq!(sent.len(), 3);
    assert!(matches!(
        result,
        Err(CallError::Malformed {
            operation: "ListAccounts",
            kind: DecodeError::RepeatedNextToken,
            ..
        })
    ));
}

#[test]
fn an_endless_list_stops_at_the_page_limit() {
    let answers = (0..MAX_PAGES)
        .map(|i| Ok(accounts_page(&["x"], Some(&format!("t{i}")))))
        .collect();
    let (result, sent, _) = run(pages(&RetryPolicy::default()), answers);
    assert_eq!(sent.len(), MAX_PAGES as usize);
    assert!(matches!(
        result,
        Err(CallError::Malformed {
            kind: DecodeError::TooManyPages { limit: MAX_PAGES },
            ..
        })
    ));
}

#[test]
fn pages_misuse_is_reported_and_done_repeats() {
    let mut p = pages(&RetryPolicy::default());
    assert_eq!(
        feed(
            &mut p,
            Instant::now(),
            OffsetDateTime::UNIX_EPOCH,
            Ok(accounts_page(&[], None))
        ),
        Err(MisuseError::NoRequestOutstanding)
    );
    let _ = p.poll_output().unwrap();
    assert_eq!(
        p.poll_output().unwrap_err(),
        MisuseError::RequestOutstanding
    );
    feed(
        &mut p,
        Instant::now(),
        OffsetDateTime::UNIX_EPOCH,
        Ok(accounts_page(&["1"], None)),
    )
    .unwrap();
    for _ in 0..2 {
        assert!(matches!(p.poll_output(), Ok(Output::Done(Ok(ref a))) if a.len() == 1));
    }
    assert_eq!(p.handle_timeout(Instant::now()), Err(MisuseError::Finished));
    assert_eq!(
        feed(
            &mut p,
            Instant::now(),
            OffsetDateTime::UNIX_EPOCH,
            Ok(accounts_page(&[], None))
        ),
        Err(MisuseError::Finished)
    );
}

#[test]
fn roles_page_the_same_way() {
    let mut p = Pages::new(
        ListAccountRoles::new(TOKEN, "111122223333"),
        &portal(),
        &RetryPolicy::default(),
        Instant::now(),
        1,
    );
    let bodies = [
        r#"{"roleList":[{"roleName":"A","accountId":"111122223333"}],"nextToken":"n"}"#,
        r#"{"roleList":[{"roleName":"B","accountId":"111122223333"}]}"#,
    ];
    for body in bodies {
        let Output::Transmit(t) = p.poll_output().unwrap() else {
            panic!("a request")
        };
        assert!(t
            .request
            .uri()
            .query()
            .unwrap()
            .ends_with("account_id=111122223333"));
        feed(
            &mut p,
            Instant::now(),
            OffsetDateTime::UNIX_EPOCH,
            Ok(ok(body)),
        )
        .unwrap();
    }
    let Output::Done(Ok(roles)) = p.poll_output().unwrap() else {
        panic!("done")
    };
    let names: Vec<_> = roles
        .iter()
        .map(|r| r.role_name.as_deref().unwrap())
        .collect();
    assert_eq!(names, ["A", "B"]);
}
