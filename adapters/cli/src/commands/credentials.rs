//! `credentials`: AWS credentials for a profile's account and role, as a `credential_process`
//! prints them (or as shell `export` lines, or `.env` lines). They come from the AWS CLI's
//! role-credential cache while they have more than 15 minutes left (the config and one file
//! read, no lock, no request), else from the SSO portal with the session's token, refreshed when
//! due. So `credential_process = ssooidc credentials --profile dev` gives any tool that reads
//! `~/.aws/config` the profile's credentials.

use crate::cli::{CredentialsArgs, CredentialsFormat};
use crate::commands::auto_login::{with_login, AutoLogin};
use crate::context::{end_of_process, Context};
use crate::exit::Failure;
use crate::text::Text;
use crate::ui;

/// `credentials`.
pub fn run(ctx: Context, args: CredentialsArgs) -> Result<(), Failure> {
    let selector = ctx.selector(&args.session);
    let auto_login = AutoLogin::new(&ctx, &args.auto_login);
    let sessions = ctx.into_sessions()?;
    let session = sessions
        .session(selector.clone())
        .map_err(|e| Failure::session(e, &selector))?
        .with_role(args.account_id, args.role_name);
    let got = with_login(auto_login.as_ref(), &sessions, &selector, || {
        sessions.role_credentials_for(&session)
    })?;
    ui::warnings(&got.warnings);
    let credentials = got.credentials.to_process_credentials();
    let text = match (args.export, args.output) {
        (true, _) => credentials.to_variables(true),
        (false, CredentialsFormat::Env) => credentials.to_variables(false),
        (false, CredentialsFormat::Json) => Ok(credentials.to_process_output()),
    }
    .map_err(|e| Failure::other(Text::value(e)))?;
    // As it is: the credential_process JSON or the lines, made by core for a parser.
    ui::write_stdout(&text)?;
    end_of_process(sessions);
    Ok(())
}
