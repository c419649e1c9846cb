//! The `ssooidc` command. See `ssooidc --help` and the README.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    ssooidc_cli::main()
}
