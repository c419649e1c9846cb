//! `oauth login`, `oauth token`, `oauth logout`: the device login for any OAuth 2.0 provider,
//! its tokens cached in `$XDG_CACHE_HOME/ssooidc/oauth` and refreshed when due.

use std::collections::HashMap;
use std::time::Duration;

use ssooidc_ureq::core::oauth::{ClientAuth, Issuer, Provider, ProviderSource, ProviderUrl};
use ssooidc_ureq::oauth::{OAuthLogin, OAuthSessions};
use ssooidc_ureq::session::TokenSource;
use ssooidc_ureq::{CancelToken, Event};
use time::OffsetDateTime;

use super::login::{install_interrupt_handler, login_options};
use crate::cli::{
    AuthMethod, OauthClientArgs, OauthLoginArgs, OauthProviderArgs, OauthTokenArgs, OutputFormat,
};
use crate::context::Context;
use crate::exit::Failure;
use crate::text;
use crate::text::Text;
use crate::ui::{self, LoginUi};

/// The login the arguments name. A URL that is not usable is bad input.
fn selector(
    provider: &OauthProviderArgs,
    client: Option<&OauthClientArgs>,
) -> Result<OAuthLogin, Failure> {
    let bad = |what: &'static str, e: &dyn std::fmt::Display| {
        Failure::usage(text!("{}: {}", what, Text::value(e)))
    };
    let source = match (
        &provider.issuer,
        &provider.device_authorization_endpoint,
        &provider.token_endpoint,
    ) {
        (Some(issuer), _, _) => {
            ProviderSource::Issuer(Issuer::parse(issuer).map_err(|e| bad("--issuer", &e))?)
        }
        (None, Some(device), Some(token)) => ProviderSource::Explicit(Provider::explicit(
            ProviderUrl::parse(device).map_err(|e| bad("--device-authorization-endpoint", &e))?,
            ProviderUrl::parse(token).map_err(|e| bad("--token-endpoint", &e))?,
        )),
        _ => {
            return Err(Failure::usage(
                "give --issuer, or --device-authorization-endpoint with --token-endpoint",
            ))
        }
    };
    let mut login =
        OAuthLogin::new(source, provider.client_id.clone()).scopes(provider.scopes.clone());
    if let Some(client) = client {
        if let Some(secret) = client.client_secret.clone().filter(|s| !s.is_empty()) {
            login = login.client_secret(secret);
        }
        if let Some(method) = client.auth_method {
            login = login.auth(match method {
                AuthMethod::None => ClientAuth::None,
                AuthMethod::ClientSecretPost => ClientAuth::ClientSecretPost,
                AuthMethod::ClientSecretBasic => ClientAuth::ClientSecretBasic,
            });
        }
        // A secret with `none`, or a `client_secret_*` without one, is bad input: say so
        // before anything is sent.
        match (login.auth, login.client_secret.is_some()) {
            (Some(ClientAuth::None), true) => {
                return Err(Failure::usage(
                    "--auth-method none is for a client without a secret: drop --client-secret (or SSOOIDC_OAUTH_CLIENT_SECRET)",
                ))
            }
            (Some(ClientAuth::ClientSecretPost | ClientAuth::ClientSecretBasic), false) => {
                return Err(Failure::usage(
                    "--auth-method client_secret_post and client_secret_basic need --client-secret (or SSOOIDC_OAUTH_CLIENT_SECRET)",
                ))
            }
            _ => {}
        }
    }
    Ok(login)
}

/// The arguments that select `login` again, for advice.
fn flags(provider: &OauthProviderArgs) -> Text {
    let mut out = match (
        &provider.issuer,
        &provider.device_authorization_endpoint,
        &provider.token_endpoint,
    ) {
        (Some(issuer), _, _) => text!("--issuer {}", Text::value(issuer)),
        (_, Some(device), Some(token)) => text!(
            "--device-authorization-endpoint {} --token-endpoint {}",
            Text::value(device),
            Text::value(token)
        ),
        _ => Text::default(),
    };
    out.push(text!(" --client-id {}", Text::value(&provider.client_id)));
    for scope in &provider.scopes {
        out.push(text!(" --scope {}", Text::value(scope)));
    }
    out
}

fn sessions(ctx: &Context) -> Result<OAuthSessions, Failure> {
    ctx.oauth_sessions()
}

/// `oauth login`.
pub fn login(
    ctx: &Context,
    args: OauthLoginArgs,
    env: &HashMap<String, String>,
) -> Result<(), Failure> {
    let login = selector(&args.provider, Some(&args.client))?;
    let sessions = sessions(ctx)?;
    let cancel = CancelToken::new();
    let options = login_options(env).cancel(cancel.clone());
    install_interrupt_handler(cancel);
    let mut ui = LoginUi::new(env, args.no_browser);
    let result = sessions.login(&login, options, |event| {
        if let Event::Prompt(prompt) = event {
            ui.prompt(prompt);
        }
    });
    drop(ui);
    let result = result.map_err(|e| Failure::oauth(e, &flags(&args.provider)))?;
    if result.reused_concurrent_login {
        ui::note(&Text::from(
            "Another ssooidc finished this login while this one waited; using its tokens.",
        ));
    }
    match args.output {
        OutputFormat::Text => ui::show(&text!(
            "Successfully logged in to {} as client {}",
            Text::value(&result.entry.provider),
            Text::value(&result.entry.client_id)
        ))?,
        OutputFormat::Json => ui::show_json(
            &result
                .entry
                .tokens
                .to_response_json(OffsetDateTime::now_utc())
                .to_string(),
        )?,
    }
    ui::note(&text!("Tokens cached in {}", ui::safe_path(&result.path)));
    Ok(())
}

/// `oauth token`.
pub fn token(ctx: &Context, args: OauthTokenArgs) -> Result<(), Failure> {
    let login = selector(&args.provider, Some(&args.client))?;
    let got = sessions(ctx)?
        .token(&login, Duration::from_secs(args.min_ttl))
        .map_err(|e| Failure::oauth(e, &flags(&args.provider)))?;
    ui::warnings(&got.warnings);
    if got.source == TokenSource::Refreshed {
        ui::note(&text!(
            "Token refreshed and cached in {}",
            ui::safe_path(&got.path)
        ));
    }
    let tokens = &got.entry.tokens;
    match args.output {
        OutputFormat::Text => ui::show(&Text::value(tokens.access_token.expose()))?,
        OutputFormat::Json => ui::show_json(
            &tokens
                .to_response_json(OffsetDateTime::now_utc())
                .to_string(),
        )?,
    }
    Ok(())
}

/// `oauth logout`.
pub fn logout(ctx: &Context, args: OauthProviderArgs) -> Result<(), Failure> {
    let login = selector(&args, None)?;
    let sessions = sessions(ctx)?;
    let removed = sessions
        .logout(&login)
        .map_err(|e| Failure::oauth(e, &flags(&args)))?;
    if removed {
        ui::show(&text!("Logged out of {}", Text::value(login.describe())))
    } else {
        ui::show(&text!("Not logged in to {}", Text::value(login.describe())))
    }
}
