//! `exec`: runs a command with the profile's credentials in its environment (core's
//! `child_environment`), without the parent's variables that name a profile or give other
//! credentials (`CONFLICTING_VARIABLES`).
//!
//! On Unix the command replaces this process (`execvp`): it has ssooidc's process id, every
//! signal sent to it (Ctrl-C, `kill`, a terminal hang-up) reaches the command itself, and its
//! exit status (a signal's included) is what the caller sees. Elsewhere the command runs as a
//! child, Ctrl-C is left to it, and its exit code is returned. A command that cannot be found
//! exits 127 and one that cannot be run 126, as a shell reports them.

use std::collections::HashMap;
use std::ffi::OsString;
use std::process::Command;

use ssooidc_core::settings::{child_environment, Handoff, CONFLICTING_VARIABLES, PROFILE_VARIABLE};

use crate::cli::ExecArgs;
use crate::commands::auto_login::AutoLogin;
use crate::commands::profile_credentials::ProfileCredentials;
use crate::context::Context;
use crate::exit::{Failure, CONFIG};
use crate::text;
use crate::text::Text;
use crate::ui;

/// A shell's exit code for a command it cannot find.
pub const NOT_FOUND: i32 = 127;
/// A shell's exit code for a command it found and cannot run.
pub const NOT_EXECUTABLE: i32 = 126;

/// `exec`.
pub fn run(
    ctx: &Context,
    args: ExecArgs,
    env: &HashMap<String, String>,
    global_args: &[String],
) -> Result<(), Failure> {
    refuse_nesting(env, args.allow_nested)?;
    if args.server {
        let variables = crate::commands::serve::for_exec(ctx, &args.auto_login, global_args)?;
        return run_command(&args.command, &variables);
    }
    let profile = ctx.settings.profile.value.clone();
    let region = ctx.settings.region.as_ref().map(|r| r.value.clone());
    let auto_login = AutoLogin::new(ctx, &args.auto_login);
    let source = ProfileCredentials::of(ctx)?.with_auto_login(auto_login);
    let fetched = source.fetch()?;
    ui::warnings(&fetched.warnings);
    let variables = child_environment(
        Handoff::Keys(&fetched.credentials),
        &profile,
        region.as_deref(),
    );
    run_command(&args.command, &variables)
}

/// Refuses to run inside another `exec` (its [`PROFILE_VARIABLE`] is set) unless allowed.
pub fn refuse_nesting(env: &HashMap<String, String>, allowed: bool) -> Result<(), Failure> {
    match env.get(PROFILE_VARIABLE) {
        Some(outer) if !allowed => Err(Failure {
            code: CONFIG,
            message: text!(
                "already running under `ssooidc exec` ({}={}): its credentials would be replaced. Exit that command first, or pass --allow-nested",
                PROFILE_VARIABLE,
                Text::value(outer)
            ),
        }),
        _ => Ok(()),
    }
}

/// Runs `command` with `variables` set and the conflicting ones removed, and ends with its
/// status.
pub fn run_command(
    command: &[OsString],
    variables: &[(&'static str, String)],
) -> Result<(), Failure> {
    let Some((program, arguments)) = command.split_first() else {
        return Err(Failure::usage("no command to run"));
    };
    let mut child = Command::new(program);
    child.args(arguments);
    for name in CONFLICTING_VARIABLES {
        child.env_remove(name);
    }
    for (name, value) in variables {
        child.env(name, value);
    }
    finish(child, program)
}

/// Why `program` could not be started, with a shell's exit code.
fn start_failure(program: &OsString, e: &std::io::Error) -> Failure {
    let shown = Text::value(program.to_string_lossy());
    match e.kind() {
        std::io::ErrorKind::NotFound => Failure {
            code: NOT_FOUND,
            message: text!("{}: command not found", shown),
        },
        _ => Failure {
            code: NOT_EXECUTABLE,
            message: text!("{}: cannot run it: {}", shown, Text::value(e)),
        },
    }
}

/// Replaces this process with the command; returns only when it could not be started.
#[cfg(unix)]
fn finish(mut child: Command, program: &OsString) -> Result<(), Failure> {
    use std::os::unix::process::CommandExt;
    let e = child.exec();
    Err(start_failure(program, &e))
}

/// Runs the command as a child, leaves Ctrl-C to it, and ends with its exit code.
#[cfg(not(unix))]
fn finish(mut child: Command, program: &OsString) -> Result<(), Failure> {
    let mut running = child.spawn().map_err(|e| start_failure(program, &e))?;
    // The console sends Ctrl-C to the child too: this process waits for it to end.
    let _ = ctrlc::set_handler(|| {});
    let status = running
        .wait()
        .map_err(|e| Failure::other(text!("waiting for the command: {}", Text::value(e))))?;
    match status.code() {
        Some(0) => Ok(()),
        Some(code) => Err(Failure {
            code,
            message: Text::default(),
        }),
        None => Err(Failure::other(Text::default())),
    }
}
