//! Decoding the standard dialect's answers: the device authorization response (RFC 8628 §3.2),
//! the token response (RFC 6749 §5.1) and the error response (RFC 6749 §5.2, RFC 8628 §3.5),
//! with the providers' deviations of [`super::rules`] read as they come.
//!
//! Every answer is first read into its members: a JSON object, or a form when the server says
//! `application/x-www-form-urlencoded` ([`rules::FORM_ENCODED_RESPONSE`]). An `error` member
//! makes it an error whatever the status ([`rules::ERROR_IN_A_SUCCESS_STATUS`],
//! [`rules::ERROR_STATUS_IS_NOT_THE_MEANING`]); an error status without one is an unknown error
//! named by the status, as for AWS. Errors decode into the same [`ServiceError`] as AWS's (the
//! OAuth `error` codes are the AWS shapes' codes), so one `match` serves both dialects.

use serde_json::{Map, Value};

use super::rules;
use super::token::TokenResponse;
use crate::error::{ErrorCode, ErrorMeta};
use crate::formats::authorization::Authorization;
use crate::wire::{json_depth_exceeds, DecodeError, ResponseError, MAX_JSON_DEPTH};
use crate::{Secret, ServiceError, MAX_RESPONSE_BODY_BYTES};

/// The members of an answer.
pub(crate) type Members = Map<String, Value>;

/// What an answer is, before its members are checked.
pub(crate) enum Answer {
    /// A success with these members.
    Success(Members),
    /// An error, with the `interval` it carried (seconds), if any.
    Error {
        error: ServiceError,
        interval: Option<u64>,
    },
}

/// Whether the response says its body is a form.
fn is_form(headers: &http::HeaderMap) -> bool {
    headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|t| {
            t.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

/// Reads an answer of `operation` into its members. `forms`: a form-encoded body is accepted
/// (token and device answers; discovery documents are JSON only).
pub(crate) fn read<B: AsRef<[u8]>>(
    operation: &'static str,
    response: &http::Response<B>,
    forms: bool,
) -> Result<Answer, ResponseError> {
    let body = response.body().as_ref();
    let status = response.status();
    let malformed = |kind| ResponseError::Malformed {
        operation,
        status: status.as_u16(),
        request_id: None,
        kind,
    };
    if body.len() > MAX_RESPONSE_BODY_BYTES {
        return Err(malformed(DecodeError::TooLarge {
            len: body.len(),
            limit: MAX_RESPONSE_BODY_BYTES,
        }));
    }
    let members = if forms && is_form(response.headers()) {
        Ok(rules::form_members(body))
    } else if body.iter().all(u8::is_ascii_whitespace) {
        Err(DecodeError::Empty)
    } else if json_depth_exceeds(body, MAX_JSON_DEPTH) {
        Err(DecodeError::TooDeep {
            limit: MAX_JSON_DEPTH,
        })
    } else {
        serde_json::from_slice::<Members>(body).map_err(|e| DecodeError::from_json(&e))
    };
    match members {
        Ok(members) => {
            if let Some(error) = rules::error_code(&members) {
                let interval = rules::slow_down_interval(&members);
                let description = members
                    .get("error_description")
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                return Ok(Answer::Error {
                    error: service_error(status.as_u16(), error, description),
                    interval,
                });
            }
            if status.is_success() {
                Ok(Answer::Success(members))
            } else {
                Ok(Answer::Error {
                    error: status_error(status.as_u16()),
                    interval: None,
                })
            }
        }
        Err(_) if !status.is_success() => Ok(Answer::Error {
            error: status_error(status.as_u16()),
            interval: None,
        }),
        Err(kind) => Err(malformed(kind)),
    }
}

/// The error of an answer with an `error` member: the modelled error of that OAuth code (with
/// the status as it came), or [`ServiceError::Unknown`] named by the code.
pub(crate) fn service_error(
    status: u16,
    error: String,
    description: Option<String>,
) -> ServiceError {
    let meta = ErrorMeta {
        status,
        error: Some(error.clone()),
        error_description: description,
        request_id: None,
    };
    match ErrorCode::from_oauth_error(&error) {
        Some(code) => {
            let mut e = ServiceError::from_code(code, "");
            *e.meta_mut() = meta;
            e
        }
        None => ServiceError::Unknown {
            code: if error.is_empty() {
                status.to_string()
            } else {
                error
            },
            meta,
            message: None,
        },
    }
}

/// The error of an error status without an `error` member: unknown, named by the status (what
/// the AWS decoder does too), so 5xx and 429 are retried and other statuses are not.
fn status_error(status: u16) -> ServiceError {
    ServiceError::Unknown {
        meta: ErrorMeta {
            status,
            ..ErrorMeta::default()
        },
        code: status.to_string(),
        message: None,
    }
}

/// A member that must be a string; `None` when absent or `null`.
pub(crate) fn string(
    members: &Members,
    member: &'static str,
) -> Result<Option<String>, DecodeError> {
    match members.get(member) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(DecodeError::InvalidMember {
            member,
            expected: "a string",
        }),
    }
}

/// A member that must be a non-empty string.
pub(crate) fn required(members: &Members, member: &'static str) -> Result<String, DecodeError> {
    match string(members, member)? {
        Some(s) if !s.is_empty() => Ok(s),
        Some(_) => Err(DecodeError::InvalidMember {
            member,
            expected: "a non-empty string",
        }),
        None => Err(DecodeError::MissingMember { member }),
    }
}

/// Decodes a device authorization response (RFC 8628 §3.2) into grant terms.
///
/// ```
/// use ssooidc_core::oauth::parse_device_authorization;
/// let response = http::Response::builder()
///     .status(200)
///     .header("content-type", "application/json")
///     .body(br#"{"device_code":"GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS",
///                "user_code":"WDJB-MJHT","verification_uri":"https://example.com/device",
///                "verification_uri_complete":"https://example.com/device?user_code=WDJB-MJHT",
///                "expires_in":1800,"interval":5}"#.to_vec())
///     .unwrap();
/// let authorization = parse_device_authorization(&response).unwrap();
/// assert_eq!(authorization.user_code, "WDJB-MJHT");
/// assert_eq!(authorization.expires_in, Some(1800));
/// ```
pub fn parse_device_authorization<B: AsRef<[u8]>>(
    response: &http::Response<B>,
) -> Result<Authorization, ResponseError> {
    let operation = super::DEVICE_AUTHORIZATION;
    let members = match read(operation, response, true)? {
        Answer::Success(members) => members,
        Answer::Error { error, .. } => return Err(ResponseError::Service(error)),
    };
    authorization(&members).map_err(|kind| ResponseError::Malformed {
        operation,
        status: response.status().as_u16(),
        request_id: None,
        kind,
    })
}

fn authorization(members: &Members) -> Result<Authorization, DecodeError> {
    let device_code = required(members, "device_code")?;
    let user_code = required(members, "user_code")?;
    let verification_uri = rules::verification_uri(members)?;
    let mut authorization = Authorization::new(device_code, user_code, verification_uri);
    authorization.verification_uri_complete = string(members, "verification_uri_complete")?;
    authorization.expires_in = rules::seconds(members, "expires_in")?;
    authorization.interval = rules::seconds(members, "interval")?;
    Ok(authorization)
}

/// Decodes a token response (RFC 6749 §5.1): the tokens, or the error (§5.2) as a
/// [`ServiceError`].
///
/// ```
/// use ssooidc_core::oauth::parse_token_response;
/// let response = http::Response::builder()
///     .status(200)
///     .header("content-type", "application/json;charset=UTF-8")
///     .body(br#"{"access_token":"2YotnFZFEjr1zCsicMWpAA","token_type":"example",
///                "expires_in":3600,"refresh_token":"tGzv3JOkF0XG5Qx2TlKWIA",
///                "example_parameter":"example_value"}"#.to_vec())
///     .unwrap();
/// let tokens = parse_token_response(&response).unwrap();
/// assert_eq!(tokens.access_token.expose(), "2YotnFZFEjr1zCsicMWpAA");
/// assert_eq!(tokens.expires_in, Some(3600));
/// ```
pub fn parse_token_response<B: AsRef<[u8]>>(
    response: &http::Response<B>,
) -> Result<TokenResponse, ResponseError> {
    token_answer(response).map_err(|(error, _)| error)
}

/// [`parse_token_response`], with the `interval` an error carried.
pub(crate) fn token_answer<B: AsRef<[u8]>>(
    response: &http::Response<B>,
) -> Result<TokenResponse, (ResponseError, Option<u64>)> {
    let operation = super::TOKEN;
    let members = match read(operation, response, true) {
        Ok(Answer::Success(members)) => members,
        Ok(Answer::Error { error, interval }) => {
            return Err((ResponseError::Service(error), interval))
        }
        Err(error) => return Err((error, None)),
    };
    tokens(&members).map_err(|kind| {
        let error = ResponseError::Malformed {
            operation,
            status: response.status().as_u16(),
            request_id: None,
            kind,
        };
        (error, None)
    })
}

fn tokens(members: &Members) -> Result<TokenResponse, DecodeError> {
    let secret = |member| -> Result<Option<Secret>, DecodeError> {
        Ok(string(members, member)?
            .filter(|s| !s.is_empty())
            .map(Secret::new))
    };
    Ok(TokenResponse {
        access_token: Secret::new(required(members, "access_token")?),
        token_type: required(members, "token_type")?,
        expires_in: rules::seconds(members, "expires_in")?,
        refresh_token: secret("refresh_token")?,
        scope: rules::scope(members)?,
        id_token: secret("id_token")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, content_type: &str, body: &str) -> http::Response<Vec<u8>> {
        http::Response::builder()
            .status(status)
            .header("content-type", content_type)
            .body(body.as_bytes().to_vec())
            .unwrap()
    }

    #[test]
    fn error_statuses_without_a_body_are_named_by_the_status() {
        for status in [400u16, 401, 404, 429, 500, 503] {
            let e = parse_token_response(&answer(status, "text/html", "<h1>no</h1>")).unwrap_err();
            let service = e.service_error().expect("a service error");
            assert_eq!(service.status(), status);
            assert_eq!(service.name(), status.to_string());
        }
    }

    #[test]
    fn broken_successes_are_malformed() {
        for (body, kind) in [
            ("", DecodeError::Empty),
            (
                "{\"token_type\":\"Bearer\"}",
                DecodeError::MissingMember {
                    member: "access_token",
                },
            ),
            (
                "{\"access_token\":\"\",\"token_type\":\"Bearer\"}",
                DecodeError::InvalidMember {
                    member: "access_token",
                    expected: "a non-empty string",
                },
            ),
            (
                "{\"access_token\":\"a\",\"token_type\":\"Bearer\",\"expires_in\":\"soon\"}",
                DecodeError::InvalidMember {
                    member: "expires_in",
                    expected: "a number of seconds",
                },
            ),
        ] {
            match parse_token_response(&answer(200, "application/json", body)) {
                Err(ResponseError::Malformed {
                    kind: got,
                    status: 200,
                    ..
                }) => assert_eq!(got, kind, "{body}"),
                other => panic!("{body}: {other:?}"),
            }
        }
        assert!(matches!(
            parse_token_response(&answer(200, "application/json", "[1]")),
            Err(ResponseError::Malformed {
                kind: DecodeError::Json { .. },
                ..
            })
        ));
    }

    #[test]
    fn unknown_codes_are_kept() {
        let e = parse_token_response(&answer(
            400,
            "application/json",
            r#"{"error":"incorrect_device_code","error_description":"bad"}"#,
        ))
        .unwrap_err();
        match e {
            ResponseError::Service(ServiceError::Unknown { code, meta, .. }) => {
                assert_eq!(code, "incorrect_device_code");
                assert_eq!(meta.error_description.as_deref(), Some("bad"));
            }
            other => panic!("{other:?}"),
        }
    }
}
