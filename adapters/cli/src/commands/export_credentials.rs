//! `configure export-credentials`: the profile's credentials in one of the formats of
//! `aws configure export-credentials`, byte for byte (made by core:
//! `ProcessCredentials::export`), for any profile whose credentials ssooidc can get.

use ssooidc_core::settings::ExportFormat;

use crate::cli::ExportCredentialsArgs;
use crate::commands::profile_credentials::ProfileCredentials;
use crate::context::Context;
use crate::exit::Failure;
use crate::text::Text;
use crate::ui;

/// `configure export-credentials`.
pub fn run(ctx: &Context, args: ExportCredentialsArgs) -> Result<(), Failure> {
    let format = ExportFormat::from_name(&args.format)
        .ok_or_else(|| Failure::usage(Text::value(&args.format)))?;
    let fetched = ProfileCredentials::of(ctx)?.fetch()?;
    ui::warnings(&fetched.warnings);
    let text = fetched
        .credentials
        .export(format)
        .map_err(|e| Failure::other(Text::value(e)))?;
    // As it is: made by core for a shell or a parser, every line format's values checked.
    ui::write_stdout(&text)
}
