//! The sessions' HTTP client: reqwest over rustls with the platform's roots, set up from the
//! same settings the AWS CLI reads — `AWS_CA_BUNDLE` / `ca_bundle`, the connect and read
//! timeouts, and the proxy variables as the core reads them (`HTTPS_PROXY`, `HTTP_PROXY`,
//! `NO_PROXY`, lower case first; never reqwest's own reading of them).

use std::collections::HashMap;

use ssooidc_async::core::proxy::ProxyEnvironment;
use ssooidc_async::core::settings::Settings;

/// Why no HTTP client could be built (an unreadable CA bundle, a TLS backend that failed).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct HttpSetupError(String);

/// A client for `settings`, with the proxies of `env`.
pub(crate) fn client(
    settings: &Settings,
    env: &HashMap<String, String>,
) -> Result<reqwest::Client, HttpSetupError> {
    // No redirects (the service never redirects; following one could carry a secret
    // elsewhere), as `ssooidc_async::reqwest_client_builder`; the timeouts are the settings'
    // (60 s each by default; `None`, as after `--cli-read-timeout 0`, is no limit).
    let mut builder = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none());
    if let Some(t) = settings.read_timeout.value {
        builder = builder.timeout(t);
    }
    if let Some(t) = settings.connect_timeout.value {
        builder = builder.connect_timeout(t);
    }
    if let Some(bundle) = &settings.ca_bundle {
        let path = &bundle.value;
        let pem = std::fs::read(path).map_err(|e| {
            HttpSetupError(format!("cannot read the CA bundle {}: {e}", path.display()))
        })?;
        let certificates = reqwest::Certificate::from_pem_bundle(&pem)
            .map_err(|e| HttpSetupError(format!("unusable CA bundle {}: {e}", path.display())))?;
        // The bundle replaces the built-in roots, as it does for the AWS CLI.
        builder = builder.tls_built_in_root_certs(false);
        for certificate in certificates {
            builder = builder.add_root_certificate(certificate);
        }
    }
    let mut vars: Vec<(&String, &String)> = env.iter().collect();
    // A map has no order: sorted, so that the result is the same on every run (the lower-case
    // spellings win whatever the order, as for urllib).
    vars.sort();
    let proxies = ProxyEnvironment::from_vars(&vars);
    let proxy = reqwest::Proxy::custom(move |url| {
        let netloc = match url.port() {
            Some(port) => format!("{}:{port}", url.host_str().unwrap_or_default()),
            None => url.host_str().unwrap_or_default().to_owned(),
        };
        proxies.proxy_for(url.scheme(), &netloc)
    });
    builder
        .no_proxy()
        .proxy(proxy)
        .build()
        .map_err(|e| HttpSetupError(format!("cannot set up the HTTP client: {e}")))
}
