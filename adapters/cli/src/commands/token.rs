//! `token`: a valid access token for scripts and credential helpers. A cache hit reads one file
//! and makes no request.

use ssooidc_core::cache::format_timestamp;

use crate::cli::{OutputFormat, TokenArgs};
use crate::commands::auto_login::{with_login, AutoLogin};
use crate::context::{end_of_process, Context};
use crate::exit::Failure;
use crate::text::Text;
use crate::ui;

/// `token`.
pub fn run(ctx: Context, args: TokenArgs) -> Result<(), Failure> {
    let selector = ctx.selector(&args.session);
    let auto_login = AutoLogin::new(&ctx, &args.auto_login);
    let sessions = ctx.into_sessions()?;
    let got = with_login(auto_login.as_ref(), &sessions, &selector, || {
        sessions.token(selector.clone())
    })?;
    ui::warnings(&got.warnings);
    // The token comes from a file: shown sanitised like any other file string (a real token
    // has no control characters, so it is printed as it is).
    match args.output {
        OutputFormat::Text => ui::show(&Text::value(got.token.access_token.expose()))?,
        OutputFormat::Json => {
            let value = serde_json::json!({
                "accessToken": got.token.access_token.expose(),
                "expiresAt": format_timestamp(got.token.expires_at),
                "region": got.token.region,
                "startUrl": got.token.start_url,
            });
            ui::show_json(&value.to_string())?;
        }
    }
    end_of_process(sessions);
    Ok(())
}
