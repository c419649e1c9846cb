//! `configure list`: the settings in effect, each with where it came from, in the shape of
//! `aws configure list` (the AWS CLI's four rows first, then the rest of what this tool uses).

use ssooidc_ureq::core::settings::{CredentialSource, Setting, Source};
use ssooidc_ureq::credentials::{run_credential_process, DEFAULT_CREDENTIAL_PROCESS_TIMEOUT};
use ssooidc_ureq::ConfigError;
use time::OffsetDateTime;

use crate::context::Context;
use crate::exit::Failure;
use crate::text;
use crate::text::Text;

/// `<not set>`, as the AWS CLI shows an unset value.
const NOT_SET: &str = "<not set>";

/// One row: value, type, location.
struct Row {
    name: &'static str,
    value: String,
    kind: String,
    location: String,
}

/// The AWS CLI's masking: sixteen `*` and the last four characters.
fn mask(value: &str) -> String {
    let tail: String = {
        let chars: Vec<char> = value.chars().collect();
        chars[chars.len().saturating_sub(4)..].iter().collect()
    };
    format!("{}{tail}", "*".repeat(16))
}

impl Context {
    /// Where a source is, for the LOCATION column.
    fn location(&self, source: &Source, flag: &str) -> String {
        let path = |p: &Option<std::path::PathBuf>| {
            p.as_ref()
                .map_or_else(|| "None".to_owned(), |p| p.display().to_string())
        };
        match source {
            Source::Explicit => flag.to_owned(),
            Source::Environment(var) => (*var).to_owned(),
            Source::ConfigFile { .. } | Source::SsoSession { .. } => {
                path(&self.environment.files.config)
            }
            Source::ServicesSection { name } => {
                format!("{} [services {name}]", path(&self.environment.files.config))
            }
            Source::CredentialsFile { .. } => path(&self.environment.files.credentials),
            _ => "None".to_owned(),
        }
    }

    fn row<T: ToString>(
        &self,
        name: &'static str,
        flag: &str,
        setting: Option<&Setting<T>>,
    ) -> Row {
        match setting {
            Some(s) if s.source != Source::Default || name != "profile" => Row {
                name,
                value: s.value.to_string(),
                kind: s.source.kind().to_owned(),
                location: if s.source == Source::Default {
                    "None".to_owned()
                } else {
                    self.location(&s.source, flag)
                },
            },
            _ => Row {
                name,
                value: NOT_SET.to_owned(),
                kind: "None".to_owned(),
                location: "None".to_owned(),
            },
        }
    }

    /// The access key and secret key rows.
    fn credential_rows(&self) -> [Row; 2] {
        let settings = &self.settings;
        let row = |name, value: String, kind: &str, location: String| Row {
            name,
            value,
            kind: kind.to_owned(),
            location,
        };
        let (access, secret, kind, location) = match &settings.credentials {
            Err(e) => {
                let why = format!("<{}>", short(e));
                (why.clone(), why, "None".to_owned(), "None".to_owned())
            }
            Ok(CredentialSource::None) => (
                NOT_SET.to_owned(),
                NOT_SET.to_owned(),
                "None".to_owned(),
                "None".to_owned(),
            ),
            Ok(CredentialSource::Process { command }) => {
                let location = self.location(
                    &Source::ConfigFile {
                        key: "credential_process",
                    },
                    "",
                );
                match run_credential_process(
                    command,
                    DEFAULT_CREDENTIAL_PROCESS_TIMEOUT,
                    OffsetDateTime::now_utc(),
                ) {
                    Ok(creds) => (
                        mask(&creds.keys.access_key_id),
                        mask(creds.keys.secret_access_key.expose()),
                        "custom-process".to_owned(),
                        location,
                    ),
                    Err(problem) => {
                        let why = format!("<credential_process failed: {problem}>");
                        (why.clone(), why, "custom-process".to_owned(), location)
                    }
                }
            }
            Ok(source) => {
                let keys = source.static_keys();
                let location = match source {
                    CredentialSource::Environment(_) => "AWS_ACCESS_KEY_ID".to_owned(),
                    CredentialSource::CredentialsFile(_) => self.location(
                        &Source::CredentialsFile {
                            key: "aws_access_key_id",
                        },
                        "",
                    ),
                    CredentialSource::ConfigFile(_) => self.location(
                        &Source::ConfigFile {
                            key: "aws_access_key_id",
                        },
                        "",
                    ),
                    _ => "None".to_owned(),
                };
                (
                    keys.map_or_else(|| NOT_SET.to_owned(), |k| mask(&k.access_key_id)),
                    keys.map_or_else(
                        || NOT_SET.to_owned(),
                        |k| mask(k.secret_access_key.expose()),
                    ),
                    source.method().to_owned(),
                    location,
                )
            }
        };
        [
            row("access_key", access, &kind, location.clone()),
            row("secret_key", secret, &kind, location),
        ]
    }
}

/// A configuration error in a few words, for a table cell.
fn short(e: &ConfigError) -> String {
    match e {
        ConfigError::UnsupportedCredentials { setting, .. } => {
            format!("not supported: {setting}")
        }
        other => other.to_string(),
    }
}

/// `configure list`.
pub fn list(ctx: &Context) -> Result<(), Failure> {
    let s = &ctx.settings;
    let mut rows = vec![ctx.row("profile", "--profile", Some(&s.profile))];
    rows.extend(ctx.credential_rows());
    rows.push(ctx.row("region", "--region", s.region.as_ref()));
    rows.push(ctx.row("endpoint_url", "--endpoint-url", s.endpoint_url.as_ref()));
    rows.push(ctx.row("use_fips_endpoint", "", Some(&s.use_fips)));
    rows.push(ctx.row("use_dualstack_endpoint", "", Some(&s.use_dual_stack)));
    let ca_bundle = s
        .ca_bundle
        .as_ref()
        .map(|c| Setting::new(c.value.display().to_string(), c.source.clone()));
    rows.push(ctx.row("ca_bundle", "--ca-bundle", ca_bundle.as_ref()));
    rows.push(ctx.row("retry_mode", "", Some(&s.retry_mode)));
    rows.push(ctx.row("max_attempts", "", Some(&s.max_attempts)));
    let seconds = |t: &Setting<Option<std::time::Duration>>| {
        Setting::new(
            t.value
                .map_or_else(|| "no limit".to_owned(), |d| format!("{}s", d.as_secs())),
            t.source.clone(),
        )
    };
    rows.push(ctx.row(
        "cli_connect_timeout",
        "--cli-connect-timeout",
        Some(&seconds(&s.connect_timeout)),
    ));
    rows.push(ctx.row(
        "cli_read_timeout",
        "--cli-read-timeout",
        Some(&seconds(&s.read_timeout)),
    ));
    let width = rows
        .iter()
        .map(|r| r.name.len())
        .max()
        .unwrap_or(10)
        .max(10);
    // Our names; every value, type and location (from the files, the environment, the command
    // line) sanitised on its own.
    let line = |name: &'static str, value: Text, kind: Text, location: Text| {
        crate::ui::show(&text!(
            "{:<width$} : {:<24} : {:<16} : {}",
            name,
            value,
            kind,
            location
        ))
    };
    line(
        "NAME",
        Text::from("VALUE"),
        Text::from("TYPE"),
        Text::from("LOCATION"),
    )?;
    for row in &rows {
        line(
            row.name,
            Text::value(&row.value),
            Text::value(&row.kind),
            Text::value(&row.location),
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masking_keeps_the_last_four() {
        assert_eq!(mask("AKIDEXAMPLE1234"), "****************1234");
        assert_eq!(mask("ab"), "****************ab");
    }
}
