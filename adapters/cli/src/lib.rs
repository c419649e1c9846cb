//! The `ssooidc` command, as a library: the `ssooidc` binary only calls [`main`]. See
//! `ssooidc --help` and the README.
#![forbid(unsafe_code)]

pub mod cli;
pub mod commands;
pub mod context;
pub mod exit;
pub mod text;
pub mod ui;

use std::collections::HashMap;
use std::process::ExitCode;

use clap::Parser;

use cli::{Cli, Command, ConfigureCommand, OauthCommand};
use context::Context;
use exit::Failure;

/// Runs the command line of this process and returns its exit code.
pub fn main() -> ExitCode {
    main_with_args(std::env::args_os().collect())
}

/// Runs the command line `args` (the program's name first), in this process's environment, as
/// the `ssooidc` binary runs its own: what a test harness embeds to run the real command.
pub fn main_with_args(args: Vec<std::ffi::OsString>) -> ExitCode {
    let parsed = match hot_parse(&args) {
        Some(cli) => Ok(cli),
        None if is_version_request(&args) => match cli::VersionCli::try_parse_from(&args) {
            Ok(_) => Cli::try_parse_from(&args),
            Err(e) => Err(e),
        },
        None => Cli::try_parse_from(&args),
    };
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) if e.use_stderr() => {
            let _ = e.print();
            return exit_code(exit::USAGE);
        }
        // `--help` and `--version` are results on stdout like any other: a reader that went
        // away is a broken pipe (141), not a success. (Built without clap's `color` feature,
        // the rendering is the plain text `print` would write.)
        Err(e) => return finish(ui::write_stdout(&e.render().to_string())),
    };
    let env: HashMap<String, String> = ssooidc_ureq::environment::process_env();
    finish(run(cli, &env))
}

/// `token` and `credentials` parsed without the rest of the command tree ([`cli::HotCli`]),
/// when the line is one of them and parses; `None` sends everything else (help, versions,
/// mistakes, the other commands) to the full parser.
fn hot_parse(args: &[std::ffi::OsString]) -> Option<Cli> {
    let words = || args.iter().skip(1).map(|a| a.to_str().unwrap_or(""));
    let hot = words().any(|a| a == "token" || a == "credentials");
    let asks_help = words().any(|a| matches!(a, "help" | "-h" | "--help" | "-V" | "--version"));
    if !hot || asks_help {
        return None;
    }
    cli::HotCli::try_parse_from(args)
        .ok()
        .map(cli::HotCli::into_cli)
}

/// `ssooidc --version` (or `-V`) and nothing else: answered by [`cli::VersionCli`].
fn is_version_request(args: &[std::ffi::OsString]) -> bool {
    args.len() == 2 && (args[1] == "--version" || args[1] == "-V")
}

/// The exit code of a command's outcome, its failure's message on stderr.
fn finish(outcome: Result<(), Failure>) -> ExitCode {
    match outcome {
        Ok(()) => exit_code(exit::OK),
        Err(failure) => {
            if !failure.message.is_empty() {
                ui::show_error(&failure.message);
            }
            exit_code(failure.code)
        }
    }
}

fn exit_code(code: i32) -> ExitCode {
    ExitCode::from(u8::try_from(code).unwrap_or(255))
}

fn run(cli: Cli, env: &HashMap<String, String>) -> Result<(), Failure> {
    let Cli {
        mut global,
        command,
    } = cli;
    let debug = global.debug;
    // `configure sso` and `populate` write profiles: the profile named is the one to write,
    // not one to read.
    let (profile_to_write, env) = match &command {
        Command::Configure(ConfigureCommand::Sso(_) | ConfigureCommand::Populate(_)) => {
            commands::profiles::profile_to_write(&mut global, env)
        }
        _ => (None, std::borrow::Cow::Borrowed(env)),
    };
    let env = env.as_ref();
    let global_args = global.to_args();
    // Every command but the demo (which makes its own environment) reads the user's.
    let context = || Context::new(global, env);
    match command {
        Command::Demo(args) => commands::demo::run(debug, args, env),
        Command::Login(args) => commands::login::run(&context()?, args, env),
        Command::RegisterClient(args) => commands::low_level::register_client(&context()?, args),
        Command::StartDeviceAuthorization(args) => {
            commands::low_level::start_device_authorization(&context()?, args)
        }
        Command::CreateToken(args) => commands::low_level::create_token(&context()?, args),
        Command::CreateTokenWithIam(args) => {
            commands::low_level::create_token_with_iam(&context()?, args)
        }
        Command::Token(args) => commands::token::run(&context()?, args, env),
        Command::Credentials(args) => commands::credentials::run(&context()?, args, env),
        Command::Exec(args) => commands::exec::run(&context()?, args, env, &global_args),
        Command::Serve(args) => commands::serve::run(&context()?, args, env),
        Command::Console(args) => commands::console::run(&context()?, args, env),
        Command::Accounts(args) => commands::assignments::accounts(&context()?, args),
        Command::Roles(args) => commands::assignments::roles(&context()?, args),
        Command::Logout(args) => commands::sessions::logout(&context()?, args),
        Command::Sessions => commands::sessions::list(&context()?),
        Command::Configure(ConfigureCommand::List) => commands::configure::list(&context()?),
        Command::Configure(ConfigureCommand::Sso(args)) => {
            commands::profiles::configure_sso(&context()?, args, profile_to_write, env)
        }
        Command::Configure(ConfigureCommand::Populate(args)) => {
            commands::profiles::populate(&context()?, args)
        }
        Command::Configure(ConfigureCommand::ExportCredentials(args)) => {
            commands::export_credentials::run(&context()?, args, env)
        }
        Command::Oauth(OauthCommand::Login(args)) => commands::oauth::login(&context()?, args, env),
        Command::Oauth(OauthCommand::Token(args)) => commands::oauth::token(&context()?, args),
        Command::Oauth(OauthCommand::Logout(args)) => commands::oauth::logout(&context()?, args),
        Command::Completion(args) => commands::completion::completion(args),
        Command::Names(args) => commands::completion::names(args, env),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Vec<std::ffi::OsString> {
        std::iter::once("ssooidc")
            .chain(line.split_whitespace())
            .map(Into::into)
            .collect()
    }

    /// Every line the hot path takes parses to what the full parser gives.
    #[test]
    fn the_hot_path_parses_token_and_credentials_as_the_full_parser_does() {
        for line in [
            "token",
            "token --profile dev",
            "--profile dev token",
            "token --sso-session corp --login",
            "--debug --region eu-west-1 credentials --profile dev",
            "credentials --profile dev --account-id 111122223333 --role-name ReadOnly",
            "credentials --profile dev --export",
            "credentials --profile dev --output env",
            "--profile token credentials",
            "--endpoint-url http://127.0.0.1:4566 token --profile dev",
        ] {
            let hot = hot_parse(&args(line)).unwrap_or_else(|| panic!("hot path: {line}"));
            let full = Cli::try_parse_from(args(line)).expect(line);
            assert_eq!(format!("{hot:?}"), format!("{full:?}"), "{line}");
        }
    }

    /// `--version` alone is answered with the full parser's words.
    #[test]
    fn the_version_alone_is_the_full_parsers_line() {
        for line in ["--version", "-V"] {
            assert!(is_version_request(&args(line)));
            let quick = cli::VersionCli::try_parse_from(args(line)).unwrap_err();
            let full = Cli::try_parse_from(args(line)).unwrap_err();
            assert_eq!(quick.kind(), clap::error::ErrorKind::DisplayVersion);
            assert_eq!(quick.render().to_string(), full.render().to_string());
        }
        assert!(!is_version_request(&args("token --version")));
    }

    /// Help, versions, mistakes and the other commands go to the full parser, which words them.
    #[test]
    fn the_hot_path_leaves_everything_else_to_the_full_parser() {
        for line in [
            "token --help",
            "help token",
            "credentials -h",
            "--version",
            "token -V",
            "token --no-such-option",
            "credentials --output nonsense",
            "login --profile dev",
            "accounts --profile token",
            "tokne",
        ] {
            assert!(hot_parse(&args(line)).is_none(), "{line}");
        }
    }
}
