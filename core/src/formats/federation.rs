//! The AWS sign-in federation endpoint, sans-I/O: a console sign-in URL made from temporary
//! credentials, as `ssooidc console` makes it. Two steps: `getSigninToken` with the credentials
//! as the `Session` JSON (`sessionId`, `sessionKey`, `sessionToken`) gives a sign-in token
//! ([`signin_token_request`], [`parse_signin_token`]); the `login` URL with that token, the
//! `Destination` and the `Issuer` signs the browser in ([`login_url`]). Each partition has its
//! own endpoint and console ([`Console`]).
//!
//! ```
//! use ssooidc_core::federation::Console;
//! let console = Console::for_region("cn-north-1").unwrap();
//! assert_eq!(console.federation_url(), "https://signin.amazonaws.cn/federation");
//! assert_eq!(
//!     console.destination(Some("s3"), Some("cn-north-1")).unwrap(),
//!     "https://console.amazonaws.cn/s3/home?region=cn-north-1"
//! );
//! assert!(Console::for_region("us-iso-east-1").is_err());
//! ```

use crate::base::percent::{encode_into, Set};
use crate::formats::credentials::StaticKeys;
use crate::formats::endpoint::partitions::partition_for;
use crate::formats::error::MAX_RESPONSE_BODY_BYTES;
use crate::Secret;

/// The path of the federation endpoint, also under a configured endpoint URL.
pub const FEDERATION_PATH: &str = "/federation";

/// Why a console sign-in URL cannot be made. No variant holds a credential or the sign-in
/// token, nor the endpoint's answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FederationError {
    /// The region's partition has no public federation endpoint this tool knows.
    #[error("no console sign-in for the {partition} partition (only aws, aws-cn and aws-us-gov)")]
    UnsupportedPartition {
        /// The partition id.
        partition: &'static str,
    },
    /// Long-term keys: the federation endpoint takes only temporary credentials.
    #[error("the console sign-in needs temporary credentials (a session token); these are long-term keys")]
    NotTemporary,
    /// `--destination` is not an `https` URL.
    #[error("the destination must be an https URL")]
    Destination,
    /// `--service` is not a console service name (lower-case letters, digits, `-`).
    #[error(
        "the service name must be lower-case letters, digits and '-' (such as s3, ec2, cloudwatch)"
    )]
    Service,
    /// The endpoint answered with an HTTP error status.
    #[error("the federation endpoint answered HTTP {0}")]
    Status(u16),
    /// The answer is not a JSON object with a non-empty `SigninToken` string of URL-safe
    /// characters, or is larger than the answers of the service's operations may be.
    #[error("the federation endpoint's answer is not a sign-in token")]
    Malformed,
}

/// A partition's federation endpoint and console.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Console {
    signin_host: &'static str,
    console_host: &'static str,
}

impl Console {
    /// The console of `region`'s partition: `aws` (signin.aws.amazon.com), `aws-cn`
    /// (signin.amazonaws.cn) or `aws-us-gov` (signin.amazonaws-us-gov.com).
    pub fn for_region(region: &str) -> Result<Console, FederationError> {
        let partition = partition_for(region).id;
        let (signin_host, console_host) = match partition {
            "aws" => ("signin.aws.amazon.com", "console.aws.amazon.com"),
            "aws-cn" => ("signin.amazonaws.cn", "console.amazonaws.cn"),
            "aws-us-gov" => (
                "signin.amazonaws-us-gov.com",
                "console.amazonaws-us-gov.com",
            ),
            other => return Err(FederationError::UnsupportedPartition { partition: other }),
        };
        Ok(Console {
            signin_host,
            console_host,
        })
    }

    /// The partition's federation endpoint.
    pub fn federation_url(&self) -> String {
        format!("https://{}{FEDERATION_PATH}", self.signin_host)
    }

    /// Where the browser goes once signed in: the console's home, or `service`'s
    /// (`https://console.aws.amazon.com/s3/home`), in `region` when given.
    pub fn destination(
        &self,
        service: Option<&str>,
        region: Option<&str>,
    ) -> Result<String, FederationError> {
        let service = service.unwrap_or("console");
        let plain = |s: &str| {
            !s.is_empty()
                && s.len() <= 64
                && s.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        };
        if !plain(service) {
            return Err(FederationError::Service);
        }
        let mut url = format!("https://{}/{service}/home", self.console_host);
        if let Some(region) = region.filter(|r| plain(r)) {
            url.push_str("?region=");
            url.push_str(region);
        }
        Ok(url)
    }
}

/// Checks a destination given by the user: an `https` URL of printable ASCII.
pub fn check_destination(url: &str) -> Result<(), FederationError> {
    let scheme = url
        .get(..8)
        .is_some_and(|s| s.eq_ignore_ascii_case("https://"));
    if scheme && url.len() > 8 && url.len() <= 4096 && url.bytes().all(|b| b.is_ascii_graphic()) {
        Ok(())
    } else {
        Err(FederationError::Destination)
    }
}

/// The `getSigninToken` request for `keys` at the federation endpoint `federation_url`.
/// Long-term keys are [`FederationError::NotTemporary`].
pub fn signin_token_request(
    federation_url: &str,
    keys: &StaticKeys,
) -> Result<http::Request<Vec<u8>>, FederationError> {
    let token = keys
        .session_token
        .as_ref()
        .ok_or(FederationError::NotTemporary)?;
    let session = serde_json::json!({
        "sessionId": keys.access_key_id,
        "sessionKey": keys.secret_access_key.expose(),
        "sessionToken": token.expose(),
    })
    .to_string();
    let mut url = format!("{federation_url}?Action=getSigninToken&Session=");
    encode_into(&mut url, &session, Set::Unreserved);
    http::Request::get(url)
        .body(Vec::new())
        .map_err(|_| FederationError::Destination)
}

/// Reads the endpoint's answer to `getSigninToken`: `200` with `{"SigninToken": "..."}`.
pub fn parse_signin_token(response: &http::Response<Vec<u8>>) -> Result<Secret, FederationError> {
    let status = response.status().as_u16();
    if status != 200 {
        return Err(FederationError::Status(status));
    }
    let body = response.body();
    if body.len() > MAX_RESPONSE_BODY_BYTES {
        return Err(FederationError::Malformed);
    }
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|_| FederationError::Malformed)?;
    let token = value
        .get("SigninToken")
        .and_then(serde_json::Value::as_str)
        .filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_graphic()))
        .ok_or(FederationError::Malformed)?;
    Ok(Secret::new(token))
}

/// The `login` URL that signs a browser in with `signin_token` and sends it to
/// `destination`; `issuer` is where the console sends it when the session ends (the access
/// portal), when known.
pub fn login_url(
    federation_url: &str,
    issuer: Option<&str>,
    destination: &str,
    signin_token: &Secret,
) -> String {
    let mut url = format!("{federation_url}?Action=login");
    if let Some(issuer) = issuer {
        url.push_str("&Issuer=");
        encode_into(&mut url, issuer, Set::Unreserved);
    }
    url.push_str("&Destination=");
    encode_into(&mut url, destination, Set::Unreserved);
    url.push_str("&SigninToken=");
    encode_into(&mut url, signin_token.expose(), Set::Unreserved);
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_partition_has_its_endpoint_and_console() {
        for (region, signin, console) in [
            (
                "eu-west-1",
                "https://signin.aws.amazon.com/federation",
                "https://console.aws.amazon.com/console/home?region=eu-west-1",
            ),
            (
                "cn-northwest-1",
                "https://signin.amazonaws.cn/federation",
                "https://console.amazonaws.cn/console/home?region=cn-northwest-1",
            ),
            (
                "us-gov-west-1",
                "https://signin.amazonaws-us-gov.com/federation",
                "https://console.amazonaws-us-gov.com/console/home?region=us-gov-west-1",
            ),
        ] {
            let c = Console::for_region(region).unwrap();
            assert_eq!(c.federation_url(), signin);
            assert_eq!(c.destination(None, Some(region)).unwrap(), console);
        }
        assert_eq!(
            Console::for_region("us-isob-east-1"),
            Err(FederationError::UnsupportedPartition {
                partition: "aws-iso-b"
            })
        );
        let aws = Console::for_region("us-east-1").unwrap();
        assert_eq!(
            aws.destination(Some("cloudwatch"), None).unwrap(),
            "https://console.aws.amazon.com/cloudwatch/home"
        );
        for bad in ["", "S3", "s3/../x", "s3?x", "a b", "ec2#"] {
            assert_eq!(
                aws.destination(Some(bad), None),
                Err(FederationError::Service),
                "{bad}"
            );
        }
    }

    #[test]
    fn the_token_request_carries_the_session_json() {
        let keys = StaticKeys::new("ASIAX", "se/cr+et").with_session_token("to=ken");
        let request =
            signin_token_request("https://signin.aws.amazon.com/federation", &keys).unwrap();
        let uri = request.uri().to_string();
        assert!(uri.starts_with(
            "https://signin.aws.amazon.com/federation?Action=getSigninToken&Session=%7B"
        ));
        let query = uri.split_once("Session=").unwrap().1;
        let json: serde_json::Value =
            serde_json::from_slice(&crate::percent::decode(query.as_bytes(), false)).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"sessionId": "ASIAX", "sessionKey": "se/cr+et", "sessionToken": "to=ken"})
        );
        assert_eq!(
            signin_token_request("https://x/federation", &StaticKeys::new("AKIA", "s"))
                .unwrap_err(),
            FederationError::NotTemporary
        );
    }

    #[test]
    fn garbage_answers_are_typed_errors() {
        let answer = |status: u16, body: &[u8]| {
            parse_signin_token(
                &http::Response::builder()
                    .status(status)
                    .body(body.to_vec())
                    .unwrap(),
            )
        };
        assert_eq!(
            answer(200, br#"{"SigninToken":"abc-_.~"}"#)
                .unwrap()
                .expose(),
            "abc-_.~"
        );
        for body in [
            &b"<html>nope</html>"[..],
            b"",
            b"[]",
            br#"{"SigninToken": 5}"#,
            br#"{"SigninToken": ""}"#,
            br#"{"SigninToken": "a b"}"#,
            br#"{"Other": "x"}"#,
            b"\xff\xfe",
        ] {
            assert_eq!(answer(200, body).unwrap_err(), FederationError::Malformed);
        }
        assert_eq!(
            answer(400, b"{}").unwrap_err(),
            FederationError::Status(400)
        );
        let huge = vec![b' '; MAX_RESPONSE_BODY_BYTES + 1];
        assert_eq!(answer(200, &huge).unwrap_err(), FederationError::Malformed);
    }

    #[test]
    fn the_login_url_encodes_everything() {
        let url = login_url(
            "https://signin.aws.amazon.com/federation",
            Some("https://d-1.awsapps.com/start"),
            "https://console.aws.amazon.com/s3/home?region=eu-west-1",
            &Secret::new("t/k+n"),
        );
        assert_eq!(
            url,
            "https://signin.aws.amazon.com/federation?Action=login&Issuer=https%3A%2F%2Fd-1.awsapps.com%2Fstart&Destination=https%3A%2F%2Fconsole.aws.amazon.com%2Fs3%2Fhome%3Fregion%3Deu-west-1&SigninToken=t%2Fk%2Bn"
        );
        assert!(check_destination("https://console.aws.amazon.com/ec2/").is_ok());
        for bad in [
            "http://console.aws.amazon.com/",
            "javascript:alert(1)",
            "https://",
            "https://a b",
            "--x",
        ] {
            assert_eq!(
                check_destination(bad),
                Err(FederationError::Destination),
                "{bad}"
            );
        }
    }
}
