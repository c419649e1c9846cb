//! `sessions` and `logout`: what is cached, and logging out.

use std::collections::BTreeMap;

use ssooidc_ureq::core::cache::{format_timestamp, token_cache_key};
use ssooidc_ureq::core::refresh::is_refreshable;
use time::OffsetDateTime;

use crate::cli::LogoutArgs;
use crate::context::Context;
use crate::exit::Failure;
use crate::ui;

/// The config names (sso-sessions and legacy profiles) of each token cache key, with whether
/// the name is an sso-session (whose tokens are refreshed).
fn names_by_key(ctx: &Context) -> BTreeMap<String, (String, bool)> {
    let config = &ctx.environment.config;
    let mut names = BTreeMap::new();
    for name in config.sso_sessions.keys() {
        names.insert(token_cache_key(name), (format!("sso-session {name}"), true));
    }
    for name in config.profiles.keys() {
        if let Ok(p) = config.sso_profile(name) {
            if p.session.is_none() {
                names
                    .entry(token_cache_key(&p.start_url))
                    .or_insert((format!("profile {name}"), false));
            }
        }
    }
    names
}

/// `sessions`: one line per cached token.
pub fn list(ctx: &Context) -> Result<(), Failure> {
    let sessions = ctx.sessions()?;
    let tokens = sessions.cache.tokens()?;
    for warning in sessions.cache.take_warnings() {
        ui::warning(&warning);
    }
    if tokens.is_empty() {
        ui::show(&format!(
            "no cached sessions in {}",
            sessions.cache.dir().display()
        ))?;
        return Ok(());
    }
    let names = names_by_key(ctx);
    let now = OffsetDateTime::now_utc();
    for (key, token) in tokens {
        let left = token.expires_at - now;
        let state = if left.is_positive() {
            format!(
                "valid for {}h{:02}m",
                left.whole_hours(),
                left.whole_minutes() % 60
            )
        } else {
            "expired".to_owned()
        };
        let (name, sso_session) = names
            .get(&key)
            .map_or(("(not in config)", false), |(n, s)| (n.as_str(), *s));
        let refreshable = if is_refreshable(&token, sso_session, now) {
            ", refreshable"
        } else {
            ""
        };
        // Each field sanitised on its own: a tab in a name cannot shift the columns.
        ui::show(&format!(
            "{}\t{}\t{}\texpires {} ({state}{refreshable})",
            ui::safe(name),
            ui::safe(token.start_url.as_deref().unwrap_or("-")),
            ui::safe(token.region.as_deref().unwrap_or("-")),
            format_timestamp(token.expires_at),
        ))?;
    }
    Ok(())
}

/// `logout`: what `aws sso logout` does (the portal's `Logout` for every cached token, the
/// tokens and the SSO role credentials deleted, registrations kept), or the same for one
/// sso-session. A `Logout` call that fails is a warning; the rest goes on.
pub fn logout(ctx: &Context, args: LogoutArgs) -> Result<(), Failure> {
    let sessions = ctx.sessions()?;
    let report = sessions.logout(args.sso_session.as_deref())?;
    for warning in &report.warnings {
        ui::warning(warning);
    }
    ui::note(&format!(
        "removed {} cached token(s) from {} ({} logged out at the portal) and {} cached credential(s) from {}",
        report.tokens_removed.len(),
        sessions.cache.dir().display(),
        report.logged_out,
        report.credentials_removed.len(),
        sessions.cli_cache.dir().display(),
    ));
    Ok(())
}
