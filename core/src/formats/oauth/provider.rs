//! A provider's endpoints, [`Provider`]: vouched for by its metadata (found by the
//! `Discovery` machine of the grants layer and checked by `validate`) or given explicitly.

use super::client::ClientAuth;
use super::url::{Issuer, ProviderUrl};

/// A provider's endpoints: the device authorization endpoint and the token endpoint, vouched
/// for by the provider's metadata (with its issuer) or given explicitly by the user (for
/// providers that publish no metadata, such as GitHub). A client secret only ever goes to these.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provider {
    pub(crate) issuer: Option<Issuer>,
    pub(crate) device_authorization_endpoint: ProviderUrl,
    pub(crate) token_endpoint: ProviderUrl,
    pub(crate) auth_methods: Option<Vec<String>>,
}

impl Provider {
    /// A provider given by its endpoints (no discovery).
    pub fn explicit(
        device_authorization_endpoint: ProviderUrl,
        token_endpoint: ProviderUrl,
    ) -> Self {
        Provider {
            issuer: None,
            device_authorization_endpoint,
            token_endpoint,
            auth_methods: None,
        }
    }

    /// The issuer whose metadata vouched for the endpoints, when they were discovered.
    pub fn issuer(&self) -> Option<&Issuer> {
        self.issuer.as_ref()
    }

    /// The device authorization endpoint (RFC 8628 §3.1).
    pub fn device_authorization_endpoint(&self) -> &ProviderUrl {
        &self.device_authorization_endpoint
    }

    /// The token endpoint (RFC 6749 §3.2).
    pub fn token_endpoint(&self) -> &ProviderUrl {
        &self.token_endpoint
    }

    /// What names the provider in caches and messages: the issuer, else the token endpoint.
    pub fn id(&self) -> &str {
        match &self.issuer {
            Some(issuer) => issuer.as_str(),
            None => self.token_endpoint.as_str(),
        }
    }

    /// The authentication method to use for a client with (or without) a secret when none is
    /// configured: `none` without a secret; with one, `client_secret_basic` unless the metadata's
    /// `token_endpoint_auth_methods_supported` lists `client_secret_post` and not basic (RFC
    /// 8414 §2: absent means basic).
    pub fn default_auth(&self, has_secret: bool) -> ClientAuth {
        if !has_secret {
            return ClientAuth::None;
        }
        match &self.auth_methods {
            Some(methods)
                if !methods.iter().any(|m| m == "client_secret_basic")
                    && methods.iter().any(|m| m == "client_secret_post") =>
            {
                ClientAuth::ClientSecretPost
            }
            _ => ClientAuth::ClientSecretBasic,
        }
    }
}

/// Where a provider's endpoints come from: discovery from its issuer, or given explicitly.
// One lives per login; its size does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProviderSource {
    /// Discover them from this issuer's metadata ([`Discovery`](crate::oauth::Discovery)).
    Issuer(Issuer),
    /// These endpoints (a provider that publishes no metadata).
    Explicit(Provider),
}

impl ProviderSource {
    /// What names the provider in caches and messages: the issuer, else the token endpoint
    /// (the same as [`Provider::id`] of the provider it leads to).
    pub fn id(&self) -> &str {
        match self {
            ProviderSource::Issuer(issuer) => issuer.as_str(),
            ProviderSource::Explicit(provider) => provider.id(),
        }
    }

    /// The provider when its endpoints are known, or the issuer to discover them from.
    pub fn known(&self) -> Result<&Provider, &Issuer> {
        match self {
            ProviderSource::Issuer(issuer) => Err(issuer),
            ProviderSource::Explicit(provider) => Ok(provider),
        }
    }

    /// A URL of the provider, for a client that needs one before anything is discovered.
    pub fn url(&self) -> &ProviderUrl {
        match self {
            ProviderSource::Issuer(issuer) => issuer.url(),
            ProviderSource::Explicit(provider) => provider.token_endpoint(),
        }
    }
}
