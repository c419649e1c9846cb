//! `sessions` and `logout`: what is cached, and logging out.

use std::collections::BTreeMap;

use ssooidc_ureq::core::cache::{format_timestamp, token_cache_key};
use ssooidc_ureq::core::refresh::is_refreshable;
use time::OffsetDateTime;

use crate::cli::LogoutArgs;
use crate::context::Context;
use crate::exit::Failure;
use crate::text;
use crate::text::Text;
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
    ui::warnings(&sessions.cache.take_warnings());
    if tokens.is_empty() {
        ui::show(&text!(
            "no cached sessions in {}",
            ui::safe_path(sessions.cache.dir())
        ))?;
        return Ok(());
    }
    let names = names_by_key(ctx);
    let now = OffsetDateTime::now_utc();
    for (key, token) in tokens {
        let left = token.expires_at - now;
        let state = if left.is_positive() {
            text!(
                "valid for {}h{:02}m",
                left.whole_hours(),
                left.whole_minutes() % 60
            )
        } else {
            Text::from("expired")
        };
        let (name, sso_session) = names
            .get(&key)
            .map_or(("(not in config)", false), |(n, s)| (n.as_str(), *s));
        let refreshable = if is_refreshable(&token, sso_session, now) {
            ", refreshable"
        } else {
            ""
        };
        // Fields separated by TABs (for `cut -f`), each field sanitised on its own: a tab or a
        // line break in a name, a start URL or a region cannot shift the columns or add a line.
        ui::show(&text!(
            "{}\t{}\t{}\texpires {} ({}{})",
            Text::value(name),
            Text::value(token.start_url.as_deref().unwrap_or("-")),
            Text::value(token.region.as_deref().unwrap_or("-")),
            Text::value(format_timestamp(token.expires_at)),
            state,
            refreshable,
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
    ui::warnings(&report.warnings);
    ui::note(&text!(
        "removed {} cached token(s) from {} ({} logged out at the portal) and {} cached credential(s) from {}",
        report.tokens_removed.len(),
        ui::safe_path(sessions.cache.dir()),
        report.logged_out,
        report.credentials_removed.len(),
        ui::safe_path(sessions.cli_cache.dir()),
    ));
    Ok(())
}
