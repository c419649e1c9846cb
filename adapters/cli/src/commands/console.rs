//! `console`: a sign-in URL of the AWS console for the profile's credentials, through the
//! federation endpoint of its partition (core's `federation`: the `getSigninToken` request, the
//! answer read, the `login` URL), opened in the browser or printed. The federation endpoint is
//! the configured sign-in endpoint when there is one (`AWS_ENDPOINT_URL_SIGNIN`, `signin` in a
//! `[services]` section, `AWS_ENDPOINT_URL`, `--endpoint-url`), else the partition's.

use std::collections::HashMap;

use ssooidc_core::browser::BrowserUrl;
use ssooidc_core::federation::{
    check_destination, login_url, parse_signin_token, signin_token_request, Console,
    FederationError, FEDERATION_PATH,
};
use ssooidc_ureq::transport::Transport;
use ssooidc_ureq::Config;

use crate::cli::ConsoleArgs;
use crate::commands::profile_credentials::ProfileCredentials;
use crate::context::Context;
use crate::exit::{Failure, CONFIG, OTHER, USAGE};
use crate::text;
use crate::text::Text;
use crate::ui;

/// The region whose partition the console is in when nothing names one.
const DEFAULT_REGION: &str = "us-east-1";

/// A federation failure, with the exit code of its kind: a bad option 252, credentials or a
/// partition that cannot sign in 253, an endpoint that answered badly 255.
fn failure(e: &FederationError) -> Failure {
    let code = match e {
        FederationError::Destination | FederationError::Service => USAGE,
        FederationError::UnsupportedPartition { .. } | FederationError::NotTemporary => CONFIG,
        _ => OTHER,
    };
    Failure {
        code,
        message: Text::value(e),
    }
}

/// `console`.
pub fn run(ctx: &Context, args: ConsoleArgs, env: &HashMap<String, String>) -> Result<(), Failure> {
    let source = ProfileCredentials::of(ctx)?;
    // An SSO role's credentials are the partition of its session's region; the console sends
    // the browser back to its access portal when the console session ends.
    let (credentials_region, issuer) = match &source {
        ProfileCredentials::Sso {
            sessions, selector, ..
        } => {
            let session = sessions
                .session(selector.clone())
                .map_err(|e| Failure::session(e, selector))?;
            (session.region, Some(session.start_url))
        }
        ProfileCredentials::Resolved { .. } => (
            ctx.settings
                .region
                .as_ref()
                .map_or_else(|| DEFAULT_REGION.to_owned(), |r| r.value.clone()),
            None,
        ),
    };
    let console = Console::for_region(&credentials_region).map_err(|e| failure(&e))?;
    let federation_url = match ctx.settings.signin_endpoint() {
        Some(endpoint) => format!("{}{FEDERATION_PATH}", endpoint?.url()),
        None => console.federation_url(),
    };
    let destination = match &args.destination {
        Some(url) => {
            check_destination(url).map_err(|e| failure(&e))?;
            url.clone()
        }
        None => {
            let region = ctx
                .settings
                .region
                .as_ref()
                .map_or(credentials_region.as_str(), |r| r.value.as_str());
            console
                .destination(args.service.as_deref(), Some(region))
                .map_err(|e| failure(&e))?
        }
    };

    let fetched = source.fetch()?;
    ui::warnings(&fetched.warnings);
    let request = signin_token_request(&federation_url, &fetched.credentials.keys)
        .map_err(|e| failure(&e))?;
    let transport = Transport::new(&Config::from_settings(ctx.settings.clone()))?;
    let response = transport.send(request).map_err(|e| {
        Failure::other(text!(
            "the federation endpoint could not be reached: {}",
            Text::value(e)
        ))
    })?;
    let token = parse_signin_token(&response).map_err(|e| failure(&e))?;
    ssooidc_ureq::secrets::remember(&token);
    let url = login_url(&federation_url, issuer.as_deref(), &destination, &token);
    let url = BrowserUrl::parse(&url).map_err(|e| {
        Failure::other(text!(
            "the console sign-in URL cannot be opened: {}",
            Text::value(e)
        ))
    })?;
    if !args.print && ui::can_open_browser(env, false) && ui::open_browser(&url, env) {
        ui::note(&Text::from(
            "Opened the AWS console in your browser (the sign-in link is valid for 15 minutes).",
        ));
        return Ok(());
    }
    // The result: the sign-in URL, for a browser elsewhere (it signs in whoever opens it).
    ui::write_stdout(&format!("{}\n", url.as_str()))
}
