//! `configure sso` (the AWS CLI's wizard, every question also a flag) and `configure populate`
//! (a profile for every account and role of an sso-session). Both change `~/.aws/config` with
//! core's `ConfigEditor` (nothing but what they set changes) and write it with the cache's
//! atomic write (`CacheDir::replace_file`: its mode kept, a link or FIFO refused).

use std::collections::HashMap;
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};

use ssooidc_core::config::{AwsConfig, ConfigEditor, DiffLine, EditError, SectionRef};
use ssooidc_core::populate::{self, NameTemplate, Reachable};
use ssooidc_core::portal::{AccountInfo, ListAccountRoles};
use ssooidc_ureq::core::settings::Source;
use ssooidc_ureq::environment::read_config_text;
use ssooidc_ureq::session::{SessionError, SessionSelector, Sessions};
use ssooidc_ureq::store::CacheDir;

use crate::cli::{ConfigureSsoArgs, GlobalArgs, PopulateArgs};
use crate::context::Context;
use crate::exit::Failure;
use crate::text;
use crate::text::Text;
use crate::ui;

/// The scope a new session registers with by default, as the AWS CLI's.
const DEFAULT_SCOPES: &str = "sso:account:access";

/// The output formats the AWS CLI knows.
const OUTPUT_FORMATS: &[&str] = &["json", "text", "table", "yaml", "yaml-stream"];

/// The profile a command that writes one is to write (`--profile`, else `AWS_PROFILE`, else
/// `AWS_DEFAULT_PROFILE`, as the AWS CLI's `configure sso` takes it), and the environment to
/// read the settings with, without it: the profile need not exist yet.
pub fn profile_to_write(
    global: &mut GlobalArgs,
    mut env: HashMap<String, String>,
) -> (Option<String>, HashMap<String, String>) {
    let from_env = ["AWS_PROFILE", "AWS_DEFAULT_PROFILE"];
    let named = global.profile.take().or_else(|| {
        from_env
            .iter()
            .find_map(|k| env.get(*k).filter(|v| !v.is_empty()).cloned())
    });
    for k in from_env {
        env.remove(k);
    }
    (named, env)
}

/// The config file: where it is and its text (empty when there is none).
fn config_file(ctx: &Context) -> Result<(PathBuf, String), Failure> {
    let path = ctx
        .environment
        .files
        .config
        .clone()
        .ok_or_else(|| Failure::usage("no config file: set HOME or AWS_CONFIG_FILE"))?;
    let text = read_config_text(&path)?.unwrap_or_default();
    Ok((path, text))
}

/// Writes the config file atomically (see the module's documentation).
fn write_config(path: &Path, text: &str) -> Result<(), Failure> {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name().and_then(|n| n.to_str())) else {
        return Err(Failure::usage(text!(
            "cannot write the config file {}",
            ui::safe_path(path)
        )));
    };
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let dir = CacheDir::new(dir);
    let written = dir.replace_file(name, text.as_bytes());
    // A mode of the directory repaired, said whether or not the write went through.
    ui::warnings(&dir.take_warnings());
    written?;
    Ok(())
}

fn edit_failure(e: EditError) -> Failure {
    Failure::usage(Text::value(e))
}

/// The region given with `--region` (only on the command line: not the environment's, not a
/// profile's).
fn explicit_region(ctx: &Context) -> Option<String> {
    ctx.settings
        .region
        .as_ref()
        .filter(|r| r.source == Source::Explicit)
        .map(|r| r.value.clone())
}

/// The questions of the wizard: from the terminal when stdin is one, otherwise none (the
/// flags and defaults are all there is).
struct Asker {
    interactive: bool,
}

impl Asker {
    /// `prompt [default]: ` (or `prompt: ` without a default); the answer trimmed, the
    /// default when it is empty. `flag`: what to pass when there is no terminal.
    fn ask(
        &self,
        prompt: &'static str,
        default: Option<&str>,
        flag: &'static str,
    ) -> Result<Option<String>, Failure> {
        if !self.interactive {
            return Ok(default.map(str::to_owned));
        }
        // The AWS CLI's `prompt [current]: `; its session name, required here, is asked
        // as `configure sso-session` asks it: `SSO session name: `.
        let shown = match default {
            Some(d) => text!("{} [{}]: ", prompt, Text::value(d)),
            None if flag == "--sso-session" => text!("{}: ", prompt),
            None => text!("{} [None]: ", prompt),
        };
        let answer = read_answer(&shown)?.ok_or_else(|| {
            Failure::usage(text!("no answer to \"{}\" (or pass {})", prompt, flag))
        })?;
        Ok(if answer.is_empty() {
            default.map(str::to_owned)
        } else {
            Some(answer)
        })
    }

    /// [`Asker::ask`] for a value that must be given.
    fn require(
        &self,
        given: Option<String>,
        prompt: &'static str,
        default: Option<&str>,
        flag: &'static str,
    ) -> Result<String, Failure> {
        if let Some(value) = given {
            return Ok(value);
        }
        loop {
            match self.ask(prompt, default, flag)? {
                Some(value) => return Ok(value),
                None if self.interactive => ui::note(&Text::from("A value is required")),
                None => {
                    return Err(Failure::usage(text!(
                        "{} is needed: pass {} (there is no terminal to ask)",
                        prompt,
                        flag
                    )))
                }
            }
        }
    }

    /// One of `items` (shown as `labels`): numbered, and narrowed by any other text typed
    /// (case-insensitive), until one is chosen.
    fn choose(
        &self,
        what: &'static str,
        labels: &[String],
        flag: &'static str,
    ) -> Result<usize, Failure> {
        if !self.interactive {
            return Err(Failure::usage(text!(
                "there are {} to choose from: pass {} (there is no terminal to ask)",
                what,
                flag
            )));
        }
        let mut shown: Vec<usize> = (0..labels.len()).collect();
        loop {
            for (n, &i) in shown.iter().enumerate() {
                ui::note(&text!("  {:>3}) {}", n + 1, Text::value(&labels[i])));
            }
            let answer = read_answer(&text!(
                "Choose {} (a number, or text to narrow the list): ",
                what
            ))?
            .ok_or_else(|| Failure::usage(text!("no choice made (or pass {})", flag)))?;
            if let Ok(n) = answer.parse::<usize>() {
                if (1..=shown.len()).contains(&n) {
                    return Ok(shown[n - 1]);
                }
            }
            let needle = answer.to_lowercase();
            let narrowed: Vec<usize> = (0..labels.len())
                .filter(|&i| labels[i].to_lowercase().contains(&needle))
                .collect();
            match narrowed.as_slice() {
                [only] => return Ok(*only),
                [] => ui::note(&text!("Nothing matches {}", Text::value(&answer))),
                _ => shown = narrowed,
            }
        }
    }
}

/// Writes `prompt` to stderr and reads a line of stdin: `None` at the end of input.
fn read_answer(prompt: &Text) -> Result<Option<String>, Failure> {
    {
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "{prompt}");
        let _ = err.flush();
    }
    let mut line = String::new();
    match std::io::stdin().lock().read_line(&mut line) {
        Ok(0) => Ok(None),
        Ok(_) => Ok(Some(line.trim().to_owned())),
        Err(e) => Err(Failure::other(text!(
            "could not read the answer: {}",
            Text::value(e)
        ))),
    }
}

/// An account as the AWS CLI shows it: `name, email (id)`.
fn account_label(account: &AccountInfo) -> String {
    let id = account.account_id.as_deref().unwrap_or("-");
    match (&account.account_name, &account.email_address) {
        (Some(name), Some(email)) => format!("{name}, {email} ({id})"),
        (Some(name), None) => format!("{name} ({id})"),
        (None, Some(email)) => format!("{email} ({id})"),
        (None, None) => id.to_owned(),
    }
}

/// Whether a failure of the portal means the session needs a login.
fn needs_login(e: &SessionError) -> bool {
    matches!(
        e,
        SessionError::NotLoggedIn { .. }
            | SessionError::Expired { .. }
            | SessionError::Unauthorized { .. }
    )
}

/// `configure sso`: as the AWS CLI's wizard, in its order (session name, start URL, region,
/// scopes; the login; the account, the role; the profile's region and output; the profile's
/// name), writing the AWS CLI's sections and keys. `profile`: `--profile`, the profile to write.
pub fn configure_sso(
    ctx: &Context,
    args: ConfigureSsoArgs,
    profile: Option<String>,
    env: &HashMap<String, String>,
) -> Result<(), Failure> {
    let asker = Asker {
        interactive: std::io::stdin().is_terminal(),
    };
    let (path, original) = config_file(ctx)?;
    let config = AwsConfig::parse(&original)?;
    let existing_profile = profile.as_deref().and_then(|p| config.profiles.get(p));

    // The session: an existing one is used as it is; a new one is asked for.
    let current_session = existing_profile.and_then(|p| p.get("sso_session"));
    let session = asker.require(
        args.sso_session,
        "SSO session name",
        current_session,
        "--sso-session",
    )?;
    let mut editor = ConfigEditor::new(&original).map_err(edit_failure)?;
    let new_session = !config.sso_sessions.contains_key(&session);
    if new_session {
        let start_url = asker.require(args.start_url, "SSO start URL", None, "--start-url")?;
        if !(start_url.starts_with("https://") || start_url.starts_with("http://")) {
            return Err(Failure::usage(text!(
                "Not a valid Start URL: {}",
                Text::value(&start_url)
            )));
        }
        let region = asker.require(args.sso_region, "SSO region", None, "--sso-region")?;
        let scopes = asker.require(
            args.registration_scopes,
            "SSO registration scopes",
            Some(DEFAULT_SCOPES),
            "--registration-scopes",
        )?;
        if scopes
            .split(',')
            .any(|s| s.trim().contains(char::is_whitespace))
        {
            return Err(Failure::usage("Scope values must be separated by commas"));
        }
        let section = SectionRef::SsoSession(&session);
        for (key, value) in [
            ("sso_start_url", start_url.as_str()),
            ("sso_region", region.as_str()),
            ("sso_registration_scopes", scopes.as_str()),
        ] {
            editor.set(&section, key, value).map_err(edit_failure)?;
        }
    } else {
        ui::note(&text!(
            "Using the sso-session {} of the config file",
            Text::value(&session)
        ));
    }

    // Log in (a new session always; an existing one when it has no valid token), with the
    // session as it will be written.
    let with_session = ctx.with_config(AwsConfig::parse(&editor.text())?);
    let sessions = with_session.sessions()?;
    let selector = SessionSelector::SsoSession(session.clone());
    let login = |sessions: &Sessions| -> Result<(), Failure> {
        let use_device_code = super::login::fit_flow(
            sessions,
            &selector,
            env,
            args.login.use_device_code,
            args.login.use_browser_login,
        );
        let options = super::login::login_options(env).use_device_code(use_device_code);
        let result = super::login::login(
            sessions,
            selector.clone(),
            args.login.no_browser,
            env,
            options,
            None,
        )?;
        ui::warnings(&result.warnings);
        Ok(())
    };
    let accounts = if new_session {
        login(&sessions)?;
        sessions.accounts(selector.clone())
    } else {
        match sessions.accounts(selector.clone()) {
            Err(e) if needs_login(&e) => {
                login(&sessions)?;
                sessions.accounts(selector.clone())
            }
            other => other,
        }
    }
    .map_err(|e| Failure::session(e, &selector))?;
    ui::warnings(&accounts.warnings);
    let accounts: Vec<AccountInfo> = accounts
        .items
        .into_iter()
        .filter(|a| a.account_id.is_some())
        .collect();

    // The account, then the role.
    let account_id = match (args.account_id, accounts.as_slice()) {
        (_, []) => return Err(Failure::other("No AWS accounts are available to you.")),
        (Some(id), _) => {
            if !accounts
                .iter()
                .any(|a| a.account_id.as_deref() == Some(&id))
            {
                return Err(Failure::usage(text!(
                    "the account {} is not available to you",
                    Text::value(&id)
                )));
            }
            id
        }
        (None, [only]) => {
            let id = only.account_id.clone().unwrap_or_default();
            ui::note(&text!(
                "The only AWS account available to you is: {}",
                Text::value(&id)
            ));
            id
        }
        (None, many) => {
            ui::note(&text!(
                "There are {} AWS accounts available to you.",
                many.len()
            ));
            let labels: Vec<String> = many.iter().map(account_label).collect();
            let i = asker.choose("an account", &labels, "--account-id")?;
            many[i].account_id.clone().unwrap_or_default()
        }
    };
    ui::note(&text!("Using the account ID {}", Text::value(&account_id)));
    let roles = sessions
        .account_roles(selector.clone(), &account_id)
        .map_err(|e| Failure::session(e, &selector))?;
    ui::warnings(&roles.warnings);
    let roles: Vec<String> = roles
        .items
        .into_iter()
        .filter_map(|r| r.role_name)
        .collect();
    let role_name = match (args.role_name, roles.as_slice()) {
        (_, []) => {
            return Err(Failure::other(text!(
                "No roles are available for the account {}",
                Text::value(&account_id)
            )))
        }
        (Some(role), _) => {
            if !roles.contains(&role) {
                return Err(Failure::usage(text!(
                    "the role {} is not available in the account {}",
                    Text::value(&role),
                    Text::value(&account_id)
                )));
            }
            role
        }
        (None, [only]) => {
            ui::note(&text!(
                "The only role available to you is: {}",
                Text::value(only)
            ));
            only.clone()
        }
        (None, many) => {
            ui::note(&text!("There are {} roles available to you.", many.len()));
            let i = asker.choose("a role", many, "--role-name")?;
            many[i].clone()
        }
    };
    ui::note(&text!(
        "Using the role name \"{}\"",
        Text::value(&role_name)
    ));

    // The profile's own settings.
    let region = match explicit_region(ctx) {
        Some(region) => Some(region),
        None => asker.ask(
            "Default client Region",
            existing_profile.and_then(|p| p.get("region")),
            "--region",
        )?,
    };
    let output = match args.output {
        Some(output) => Some(output),
        None => asker.ask(
            "CLI default output format (json if not specified)",
            existing_profile.and_then(|p| p.get("output")),
            "--output",
        )?,
    };
    if let Some(output) = &output {
        if !OUTPUT_FORMATS.contains(&output.as_str()) {
            return Err(Failure::usage(text!(
                "unknown output format {}: one of json, text, table, yaml, yaml-stream",
                Text::value(output)
            )));
        }
    }
    let suggested = NameTemplate::default().render(
        &Reachable {
            account_id: account_id.clone(),
            account_name: None,
            role_name: role_name.clone(),
        },
        &session,
    );
    let profile = match profile {
        Some(profile) => profile,
        None => asker.require(None, "Profile name", Some(&suggested), "--profile")?,
    };

    let section = SectionRef::Profile(&profile);
    let mut settings = vec![
        ("sso_session", session.as_str()),
        ("sso_account_id", account_id.as_str()),
        ("sso_role_name", role_name.as_str()),
    ];
    settings.extend(region.as_deref().map(|r| ("region", r)));
    settings.extend(output.as_deref().map(|o| ("output", o)));
    for (key, value) in settings {
        editor.set(&section, key, value).map_err(edit_failure)?;
    }
    let text = editor.finish().map_err(edit_failure)?;
    write_config(&path, &text)?;
    if profile.eq_ignore_ascii_case("default") {
        ui::show(&Text::from("The AWS CLI is now configured to use the default profile.\nRun the following command to verify your configuration:\n\naws sts get-caller-identity"))
    } else {
        ui::show(&text!(
            "To use this profile, specify the profile name using --profile, as shown:\n\naws sts get-caller-identity --profile {}",
            Text::value(&profile)
        ))
    }
}

/// `configure populate`.
pub fn populate(ctx: &Context, args: PopulateArgs) -> Result<(), Failure> {
    let template = NameTemplate::parse(&args.profile_name_template)
        .map_err(|e| Failure::usage(Text::value(e)))?;
    let (path, original) = config_file(ctx)?;
    let selector = SessionSelector::SsoSession(args.sso_session.clone());
    let sessions = ctx.sessions()?;
    let failure = |e| Failure::session(e, &selector);
    // The accounts through the session (its token refreshed when due, its errors as `accounts`
    // gives them), then every account's roles with that one token and one client (one
    // connection, not one per account).
    let listed = sessions.accounts(selector.clone()).map_err(failure)?;
    ui::warnings(&listed.warnings);
    let session = sessions.session(selector.clone()).map_err(failure)?;
    let token = sessions.token_for(&session).map_err(failure)?;
    let client = sessions.portal_client(&session.region).map_err(failure)?;
    let mut reachable = Vec::new();
    for account in &listed.items {
        let Some(account_id) = &account.account_id else {
            continue;
        };
        let roles = client.list_account_roles(&ListAccountRoles::new(
            token.token.access_token.clone(),
            account_id,
        ))?;
        reachable.extend(
            roles
                .into_iter()
                .filter_map(|r| r.role_name)
                .map(|role_name| Reachable {
                    account_id: account_id.clone(),
                    account_name: account.account_name.clone(),
                    role_name,
                }),
        );
    }
    let config = AwsConfig::parse(&original)?;
    let region = explicit_region(ctx);
    let plan = populate::plan(
        &config,
        &args.sso_session,
        &reachable,
        &template,
        region.as_deref(),
        args.prune,
    )
    .map_err(edit_failure)?;
    let mut editor = ConfigEditor::new(&original).map_err(edit_failure)?;
    plan.apply(&mut editor).map_err(edit_failure)?;
    if args.dry_run {
        print_diff(&editor.diff())?;
    } else if !plan.is_empty() {
        write_config(&path, &editor.finish().map_err(edit_failure)?)?;
    }
    let (add, update, remove) = if args.dry_run {
        ("Would add", "update", "remove")
    } else {
        ("Added", "updated", "removed")
    };
    ui::note(&text!(
        "{} {} profiles, {} {}, {} {} ({} accounts and roles of the sso-session {}; {} already had a profile).",
        add,
        plan.add.len(),
        update,
        plan.update.len(),
        remove,
        plan.remove.len(),
        reachable.len(),
        Text::value(&args.sso_session),
        plan.kept
    ));
    for (target, why) in &plan.skipped {
        ui::warning(&text!(
            "no profile for the role {} of the account {}: {}",
            Text::value(format!("{:?}", target.role_name)),
            Text::value(format!("{:?}", target.account_id)),
            Text::value(why)
        ));
    }
    if !plan.stale.is_empty() {
        ui::note(&text!(
            "{} profiles made earlier are no longer reachable; --prune removes them: {}",
            plan.stale.len(),
            Text::value(plan.stale.join(", "))
        ));
    }
    Ok(())
}

/// The changes as a unified-diff-like listing: the changed lines with `-` and `+`, and up to
/// two unchanged lines around each change.
fn print_diff(diff: &[DiffLine]) -> Result<(), Failure> {
    const CONTEXT: usize = 2;
    let changed = |l: &DiffLine| !matches!(l, DiffLine::Same(_));
    let near: Vec<bool> = (0..diff.len())
        .map(|i| {
            let from = i.saturating_sub(CONTEXT);
            let to = (i + CONTEXT + 1).min(diff.len());
            diff[from..to].iter().any(changed)
        })
        .collect();
    let mut skipped = false;
    for (line, near) in diff.iter().zip(near) {
        if !near {
            skipped = true;
            continue;
        }
        if skipped {
            ui::show(&Text::from("@@"))?;
            skipped = false;
        }
        ui::show(&match line {
            DiffLine::Same(t) => text!(" {}", Text::value(t)),
            DiffLine::Removed(t) => text!("-{}", Text::value(t)),
            DiffLine::Added(t) => text!("+{}", Text::value(t)),
        })?;
    }
    Ok(())
}
