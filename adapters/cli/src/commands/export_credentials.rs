//! `configure export-credentials`: the profile's credentials in one of the formats of
//! `aws configure export-credentials`, byte for byte (made by core:
//! `ProcessCredentials::export`), for any profile whose credentials ssooidc can get.

use std::collections::HashMap;

use ssooidc_core::settings::{next_profile_chain, ExportFormat, PROFILE_CHAIN_VARIABLE};

use crate::cli::ExportCredentialsArgs;
use crate::commands::profile_credentials::ProfileCredentials;
use crate::context::Context;
use crate::exit::{Failure, CONFIG};
use crate::text::Text;
use crate::ui;

/// `configure export-credentials`. A profile whose credentials lead back to an
/// `export-credentials` of a profile already on the way (core's `next_profile_chain`, the
/// AWS CLI's guard and variable) is refused (253) before anything runs.
pub fn run(
    ctx: &Context,
    args: ExportCredentialsArgs,
    env: &HashMap<String, String>,
) -> Result<(), Failure> {
    let format = ExportFormat::from_name(&args.format)
        .ok_or_else(|| Failure::usage(Text::value(&args.format)))?;
    let chain = next_profile_chain(
        env.get(PROFILE_CHAIN_VARIABLE).map(String::as_str),
        &ctx.settings.profile.value,
    )
    .map_err(|e| Failure {
        code: CONFIG,
        message: Text::value(e),
    })?;
    // Handed to the credential_process this run may start, as the AWS CLI hands it on. The
    // command runs on this one thread: nothing reads the environment meanwhile.
    std::env::set_var(PROFILE_CHAIN_VARIABLE, chain);
    let fetched = ProfileCredentials::of(ctx)?.fetch()?;
    ui::warnings(&fetched.warnings);
    let text = fetched
        .credentials
        .export(format)
        .map_err(|e| Failure::other(Text::value(e)))?;
    // As it is: made by core for a shell or a parser, every line format's values checked.
    ui::write_stdout(&text)
}
