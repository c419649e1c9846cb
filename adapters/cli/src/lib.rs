//! The `ssooidc` command, as a library: the `ssooidc` binary only calls [`main`]. See
//! `ssooidc --help` and the README.
#![forbid(unsafe_code)]

pub mod cli;
pub mod commands;
pub mod context;
pub mod exit;
pub mod hot;
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
/// the `ssooidc` binary runs its own: what a test harness embeds to run the real command. It is
/// the process's last work: `token` and `credentials` leave their session store to the exit
/// ([`context::end_of_process`]).
pub fn main_with_args(args: Vec<std::ffi::OsString>) -> ExitCode {
    // `--help` and `--version` are results on stdout like any other: a reader that went away is
    // a broken pipe (141), not a success.
    if let Some(text) = hot::answer(&args) {
        return finish(ui::write_stdout(text));
    }
    let cli = match hot::parse(&args).map_or_else(|| Cli::try_parse_from(&args), Ok) {
        Ok(cli) => cli,
        Err(e) if e.use_stderr() => {
            let _ = e.print();
            return exit_code(exit::USAGE);
        }
        // (Built without clap's `color` feature, the rendering is the plain text `print` would
        // write.)
        Err(e) => return finish(ui::write_stdout(&e.render().to_string())),
    };
    finish(run(cli, ssooidc_ureq::environment::process_env()))
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

fn run(cli: Cli, env: HashMap<String, String>) -> Result<(), Failure> {
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
        _ => (None, env),
    };
    let global_args = match &command {
        Command::Exec(_) => global.to_args(),
        _ => Vec::new(),
    };
    // Every command but the demo (which makes its own environment) and the completion scripts
    // reads the user's environment and files, through the context: `$ctx`, and `$env` the
    // environment it keeps (the one copy of it).
    macro_rules! with_context {
        (|$ctx:ident, $env:ident| $body:expr) => {{
            let $ctx = Context::new(global, env)?;
            let $env = &$ctx.environment.env;
            $body
        }};
        (|$ctx:ident| $body:expr) => {{
            let $ctx = Context::new(global, env)?;
            $body
        }};
    }
    match command {
        Command::Demo(args) => commands::demo::run(debug, args, &env),
        Command::Completion(args) => commands::completion::completion(args),
        Command::Names(args) => commands::completion::names(args, &env),
        // Given the context itself: a cache hit copies nothing.
        Command::Token(args) => with_context!(|ctx| commands::token::run(ctx, args)),
        Command::Credentials(args) => with_context!(|ctx| commands::credentials::run(ctx, args)),
        Command::Login(args) => with_context!(|ctx, env| commands::login::run(&ctx, args, env)),
        Command::RegisterClient(args) => {
            with_context!(|ctx| commands::low_level::register_client(&ctx, args))
        }
        Command::StartDeviceAuthorization(args) => {
            with_context!(|ctx| commands::low_level::start_device_authorization(&ctx, args))
        }
        Command::CreateToken(args) => {
            with_context!(|ctx| commands::low_level::create_token(&ctx, args))
        }
        Command::CreateTokenWithIam(args) => {
            with_context!(|ctx| commands::low_level::create_token_with_iam(&ctx, args))
        }
        Command::Exec(args) => {
            with_context!(|ctx, env| commands::exec::run(&ctx, args, env, &global_args))
        }
        Command::Serve(args) => with_context!(|ctx, env| commands::serve::run(&ctx, args, env)),
        Command::Console(args) => {
            with_context!(|ctx, env| commands::console::run(&ctx, args, env))
        }
        Command::Accounts(args) => {
            with_context!(|ctx| commands::assignments::accounts(&ctx, args))
        }
        Command::Roles(args) => with_context!(|ctx| commands::assignments::roles(&ctx, args)),
        Command::Logout(args) => with_context!(|ctx| commands::sessions::logout(&ctx, args)),
        Command::Sessions => with_context!(|ctx| commands::sessions::list(&ctx)),
        Command::Configure(ConfigureCommand::List) => {
            with_context!(|ctx| commands::configure::list(&ctx))
        }
        Command::Configure(ConfigureCommand::Sso(args)) => with_context!(|ctx, env| {
            commands::profiles::configure_sso(&ctx, args, profile_to_write, env)
        }),
        Command::Configure(ConfigureCommand::Populate(args)) => {
            with_context!(|ctx| commands::profiles::populate(&ctx, args))
        }
        Command::Configure(ConfigureCommand::ExportCredentials(args)) => {
            with_context!(|ctx, env| commands::export_credentials::run(&ctx, args, env))
        }
        Command::Oauth(OauthCommand::Login(args)) => {
            with_context!(|ctx, env| commands::oauth::login(&ctx, args, env))
        }
        Command::Oauth(OauthCommand::Token(args)) => {
            with_context!(|ctx| commands::oauth::token(&ctx, args))
        }
        Command::Oauth(OauthCommand::Logout(args)) => {
            with_context!(|ctx| commands::oauth::logout(&ctx, args))
        }
    }
}
