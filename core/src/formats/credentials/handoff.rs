//! Credentials handed to a child process through its environment, as `ssooidc exec` runs a
//! command: which variables the child gets and which of the parent's it must not see.

use super::ProcessCredentials;
use crate::Secret;

/// The variable `ssooidc exec` sets to the profile whose credentials the child has. It also
/// marks the child as running under `exec`: an `exec` that finds it set refuses to run unless
/// told to (a nested `exec` would replace the credentials the outer one gave).
pub const PROFILE_VARIABLE: &str = "SSOOIDC_PROFILE";

/// The parent's variables a child never sees: they name a profile (the SDKs would look for it
/// in the config instead of using the credentials given) or give other credentials or another
/// way to get them, which SDKs would prefer or mix with the given ones.
pub const CONFLICTING_VARIABLES: [&str; 14] = [
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
];

/// What the child gets its credentials from.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum Handoff<'a> {
    /// The credentials themselves: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, and
    /// `AWS_SESSION_TOKEN` and `AWS_CREDENTIAL_EXPIRATION` when there are (the expiry as
    /// `aws configure export-credentials` writes it).
    Keys(&'a ProcessCredentials),
    /// A container-credentials endpoint: `AWS_CONTAINER_CREDENTIALS_FULL_URI` and
    /// `AWS_CONTAINER_AUTHORIZATION_TOKEN`, which the SDKs ask for fresh credentials whenever
    /// theirs come close to expiry.
    Endpoint {
        /// The endpoint's full URL (`http://127.0.0.1:PORT/`).
        url: &'a str,
        /// The token every request must carry in `Authorization`.
        token: &'a Secret,
    },
}

/// The variables to set in the child's environment (after removing
/// [`CONFLICTING_VARIABLES`]): the credentials or the endpoint, `AWS_REGION` and
/// `AWS_DEFAULT_REGION` when the profile has a `region`, and [`PROFILE_VARIABLE`].
///
/// ```
/// use ssooidc_core::settings::{child_environment, Handoff, ProcessCredentials, StaticKeys};
/// let creds = ProcessCredentials::new(StaticKeys::new("AKID", "secret"), None);
/// let vars = child_environment(Handoff::Keys(&creds), "dev", Some("eu-west-1"));
/// let names: Vec<&str> = vars.iter().map(|(name, _)| *name).collect();
/// assert_eq!(
///     names,
///     ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION", "AWS_DEFAULT_REGION", "SSOOIDC_PROFILE"]
/// );
/// ```
pub fn child_environment(
    handoff: Handoff<'_>,
    profile: &str,
    region: Option<&str>,
) -> Vec<(&'static str, String)> {
    let mut variables = match handoff {
        Handoff::Keys(credentials) => {
            credentials.variables(credentials.expiration.map(super::export::isoformat))
        }
        Handoff::Endpoint { url, token } => vec![
            ("AWS_CONTAINER_CREDENTIALS_FULL_URI", url.to_owned()),
            (
                "AWS_CONTAINER_AUTHORIZATION_TOKEN",
                token.expose().to_owned(),
            ),
        ],
    };
    if let Some(region) = region {
        variables.push(("AWS_REGION", region.to_owned()));
        variables.push(("AWS_DEFAULT_REGION", region.to_owned()));
    }
    variables.push((PROFILE_VARIABLE, profile.to_owned()));
    variables
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::credentials::StaticKeys;

    #[test]
    fn temporary_credentials_with_their_expiry_and_no_region() {
        let creds = ProcessCredentials::new(
            StaticKeys::new("ASIA", "s").with_session_token("t"),
            Some(time::macros::datetime!(2026-01-15 19:00 UTC).into()),
        );
        assert_eq!(
            child_environment(Handoff::Keys(&creds), "dev", None),
            [
                ("AWS_ACCESS_KEY_ID", "ASIA".to_owned()),
                ("AWS_SECRET_ACCESS_KEY", "s".to_owned()),
                ("AWS_SESSION_TOKEN", "t".to_owned()),
                (
                    "AWS_CREDENTIAL_EXPIRATION",
                    "2026-01-15T19:00:00+00:00".to_owned()
                ),
                ("SSOOIDC_PROFILE", "dev".to_owned()),
            ]
        );
    }

    #[test]
    fn an_endpoint_instead_of_keys() {
        let token = Secret::new("tok");
        let vars = child_environment(
            Handoff::Endpoint {
                url: "http://127.0.0.1:1/",
                token: &token,
            },
            "p",
            Some("us-east-1"),
        );
        assert_eq!(vars[0].0, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
        assert_eq!(
            vars[1],
            ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "tok".to_owned())
        );
        assert!(vars.iter().all(|(n, _)| !n.starts_with("AWS_ACCESS")));
    }
}
