//! The `ssooidc` command. See `ssooidc --help` and the README.
#![forbid(unsafe_code)]

mod cli;
mod commands;
mod context;
mod exit;
mod ui;

use std::collections::HashMap;
use std::process::ExitCode;

use clap::Parser;

use cli::{Cli, Command};
use context::Context;
use exit::Failure;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            };
            let _ = e.print();
            return exit_code(code);
        }
    };
    let env: HashMap<String, String> = std::env::vars().collect();
    match run(cli, &env) {
        Ok(()) => exit_code(exit::OK),
        Err(failure) => {
            if !failure.message.is_empty() {
                eprintln!("{}", failure.message);
            }
            exit_code(failure.code)
        }
    }
}

fn exit_code(code: i32) -> ExitCode {
    ExitCode::from(u8::try_from(code).unwrap_or(255))
}

fn run(cli: Cli, env: &HashMap<String, String>) -> Result<(), Failure> {
    let command = match cli.command {
        // The demo builds its own environment (a temporary HOME, the emulator's endpoint).
        Command::Demo(args) => return commands::demo::run(&cli.global, args, env),
        other => other,
    };
    let ctx = Context::new(cli.global, env)?;
    match command {
        Command::Login(args) => commands::login::run(&ctx, args, env),
        Command::RegisterClient(args) => commands::low_level::register_client(&ctx, args),
        Command::StartDeviceAuthorization(args) => {
            commands::low_level::start_device_authorization(&ctx, args)
        }
        Command::CreateToken(args) => commands::low_level::create_token(&ctx, args),
        Command::CreateTokenWithIam(args) => commands::low_level::create_token_with_iam(&ctx, args),
        Command::Token(args) => commands::token::run(&ctx, args),
        Command::Logout(args) => commands::sessions::logout(&ctx, args),
        Command::Sessions => commands::sessions::list(&ctx),
        Command::Demo(_) => unreachable!("handled above"),
    }
}
