//! [`OAuthClient`]: a client registered with the provider beforehand, and how it authenticates
//! ([`ClientAuth`], RFC 6749 §2.3.1).

use std::fmt;
use std::str::FromStr;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

use crate::base::form::{self, Form};
use crate::Secret;

/// How a client authenticates at the device authorization and token endpoints: the
/// `token_endpoint_auth_method` values of RFC 7591 §2 that RFC 6749 §2.3.1 describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ClientAuth {
    /// `none`: a public client; only `client_id` is sent.
    None,
    /// `client_secret_post`: `client_id` and `client_secret` in the form body.
    ClientSecretPost,
    /// `client_secret_basic`: `Authorization: Basic base64(id:secret)`, the id and the secret
    /// each form-encoded first (RFC 6749 §2.3.1).
    ClientSecretBasic,
}

impl ClientAuth {
    /// Every method, in the order of their names in help texts.
    pub const ALL: [ClientAuth; 3] = [
        ClientAuth::None,
        ClientAuth::ClientSecretPost,
        ClientAuth::ClientSecretBasic,
    ];

    /// The method's registered name (`none`, `client_secret_post`, `client_secret_basic`).
    pub fn name(self) -> &'static str {
        match self {
            ClientAuth::None => "none",
            ClientAuth::ClientSecretPost => "client_secret_post",
            ClientAuth::ClientSecretBasic => "client_secret_basic",
        }
    }
}

/// A client that cannot be used: an unknown authentication method, an empty id, a secret with
/// `none` or `client_secret_*` without one. Converts into `ConfigError::InvalidValue`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid value {value:?} for {setting}: {expected}")]
pub struct OAuthClientError {
    /// The setting (`client id`, `client authentication method`).
    pub setting: &'static str,
    /// The value (never a secret).
    pub value: String,
    /// What would be valid.
    pub expected: &'static str,
}

impl fmt::Display for ClientAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for ClientAuth {
    type Err = OAuthClientError;
    fn from_str(s: &str) -> Result<Self, OAuthClientError> {
        ClientAuth::ALL
            .into_iter()
            .find(|m| m.name() == s)
            .ok_or_else(|| OAuthClientError {
                setting: "client authentication method",
                value: s.to_owned(),
                expected: "none, client_secret_post or client_secret_basic",
            })
    }
}

/// A client registered with the provider beforehand: its id, its secret when it is
/// confidential, and how it authenticates. `Debug` never shows the secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthClient {
    id: String,
    secret: Option<Secret>,
    auth: ClientAuth,
}

impl OAuthClient {
    /// A public client (`none`).
    pub fn public(id: impl Into<String>) -> Result<Self, OAuthClientError> {
        Self::new(id, None, Some(ClientAuth::None))
    }

    /// A client with `secret` when it has one, authenticating with `auth`; without `auth`,
    /// `client_secret_basic` when there is a secret (the method every server must support, RFC
    /// 6749 §2.3.1) and `none` when there is not. A secret with `none`, or `client_secret_*`
    /// without a secret, is refused; so is an empty id.
    pub fn new(
        id: impl Into<String>,
        secret: Option<Secret>,
        auth: Option<ClientAuth>,
    ) -> Result<Self, OAuthClientError> {
        let id = id.into();
        if id.is_empty() {
            return Err(OAuthClientError {
                setting: "client id",
                value: id,
                expected: "the id the provider registered the client under",
            });
        }
        let secret = secret.filter(|s| !s.is_empty());
        let auth = auth.unwrap_or(if secret.is_some() {
            ClientAuth::ClientSecretBasic
        } else {
            ClientAuth::None
        });
        match (auth, secret.is_some()) {
            (ClientAuth::None, true) => Err(OAuthClientError {
                setting: "client authentication method",
                value: auth.name().to_owned(),
                expected: "client_secret_post or client_secret_basic for a client with a secret",
            }),
            (ClientAuth::ClientSecretPost | ClientAuth::ClientSecretBasic, false) => {
                Err(OAuthClientError {
                    setting: "client authentication method",
                    value: auth.name().to_owned(),
                    expected: "none for a client without a secret (or give the client secret)",
                })
            }
            _ => Ok(OAuthClient { id, secret, auth }),
        }
    }

    /// [`OAuthClient::new`] for a client of `provider`: without `auth`, the method the
    /// provider's metadata suggests ([`Provider::default_auth`](super::Provider::default_auth)).
    pub fn for_provider(
        id: impl Into<String>,
        secret: Option<Secret>,
        auth: Option<ClientAuth>,
        provider: &super::Provider,
    ) -> Result<Self, OAuthClientError> {
        let secret = secret.filter(|s| !s.is_empty());
        let auth = auth.unwrap_or_else(|| provider.default_auth(secret.is_some()));
        Self::new(id, secret, Some(auth))
    }

    /// The client id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// How it authenticates.
    pub fn auth(&self) -> ClientAuth {
        self.auth
    }

    /// Whether it has a secret.
    pub fn is_confidential(&self) -> bool {
        self.secret.is_some()
    }

    /// Adds the client's identification to a request: `client_id` in the form, plus
    /// `client_secret` (post) or the `Authorization` value to send (basic).
    pub(crate) fn authenticate(&self, form: &mut Form) -> Option<String> {
        match (self.auth, &self.secret) {
            (ClientAuth::ClientSecretBasic, Some(secret)) => Some(basic(&self.id, secret)),
            (ClientAuth::ClientSecretPost, Some(secret)) => {
                form.pair("client_id", &self.id)
                    .pair("client_secret", secret.expose());
                None
            }
            _ => {
                form.pair("client_id", &self.id);
                None
            }
        }
    }
}

/// The `Authorization` value of `client_secret_basic`: RFC 6749 §2.3.1 form-encodes the id and
/// the secret before joining them with `:` and encoding them in Base64.
fn basic(id: &str, secret: &Secret) -> String {
    let mut joined = form::encode(id);
    joined.push(':');
    form::encode_into(&mut joined, secret.expose());
    let mut value = String::from("Basic ");
    STANDARD.encode_string(joined.as_bytes(), &mut value);
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_method_follows_the_secret() {
        let public = OAuthClient::new("cli", None, None).unwrap();
        assert_eq!(public.auth(), ClientAuth::None);
        let confidential = OAuthClient::new("cli", Some(Secret::new("s")), None).unwrap();
        assert_eq!(confidential.auth(), ClientAuth::ClientSecretBasic);
        assert!(OAuthClient::new("cli", Some(Secret::new("s")), Some(ClientAuth::None)).is_err());
        assert!(OAuthClient::new("cli", None, Some(ClientAuth::ClientSecretPost)).is_err());
        assert!(OAuthClient::new("", None, None).is_err());
        // An empty secret is no secret.
        assert_eq!(
            OAuthClient::new("cli", Some(Secret::new("")), None)
                .unwrap()
                .auth(),
            ClientAuth::None
        );
    }

    #[test]
    fn rfc_6749_basic_example() {
        // RFC 6749 §2.3.1.
        assert_eq!(
            basic("s6BhdRkqt3", &Secret::new("7Fjfp0ZBr1KtDRbnfVdmIw")),
            "Basic czZCaGRSa3F0Mzo3RmpmcDBaQnIxS3REUmJuZlZkbUl3"
        );
        // Reserved characters are form-encoded before Base64: "a%3Ab:c+d%25".
        assert_eq!(
            basic("a:b", &Secret::new("c d%")),
            format!("Basic {}", STANDARD.encode("a%3Ab:c+d%25"))
        );
    }

    #[test]
    fn names_round_trip_and_the_secret_is_not_debugged() {
        for m in ClientAuth::ALL {
            assert_eq!(m.name().parse::<ClientAuth>().unwrap(), m);
        }
        assert!("private_key_jwt".parse::<ClientAuth>().is_err());
        let c = OAuthClient::new("cli", Some(Secret::new("hunter2")), None).unwrap();
        assert!(!format!("{c:?}").contains("hunter2"));
    }
}
