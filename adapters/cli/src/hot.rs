//! The lines that run most and do least, answered without building the command tree: clap builds
//! every command's arguments (about 90) before it parses a word, and that costs more than a
//! cache hit's own work.
//!
//! - `token` and `credentials` in the plain form a `credential_process` and a shell prompt use
//!   ([`parse`]);
//! - `ssooidc --help`, `-h`, `help` and `--version`, `-V` alone ([`answer`]).
//!
//! Anything else, a help request next to a command, a short option, a repeated option, an
//! unknown word, a value that starts with `-`, goes to the full parser ([`crate::cli::Cli`]),
//! which words every help text and error. The tests hold that whatever is answered here is what
//! the full parser gives: the same [`Cli`] for the same line, the same text for a help or
//! version request.

use std::ffi::OsString;

use crate::cli::{
    AutoLoginArgs, Cli, Command, CredentialsArgs, CredentialsFormat, EndpointUrl, GlobalArgs,
    OutputFormat, SessionArgs, TokenArgs,
};

/// `ssooidc --version`: the full parser's line (its name and version).
pub const VERSION: &str = concat!("ssooidc ", env!("CARGO_PKG_VERSION"), "\n");

/// `ssooidc --help` (and `ssooidc help`): the full parser's long help, as it renders it when the
/// program's file is named `ssooidc`. A test compares it with clap's rendering; after a change of
/// a top-level help text, `SSOOIDC_BLESS=1 cargo test -p ssooidc-cli help_texts` writes it anew.
/// (clap is built without its `wrap_help` feature: its rendering does not depend on the
/// terminal, so the test's is the user's.)
pub const LONG_HELP: &str = include_str!("help/long.txt");

/// `ssooidc -h`: the full parser's short help (see [`LONG_HELP`]).
pub const SHORT_HELP: &str = include_str!("help/short.txt");

/// The text to print for `ssooidc --help`, `-h`, `help`, `--version` or `-V` alone; `None` for
/// any other line. The help texts name the program as it was started (`Usage: NAME`), so they
/// are answered here only for a program named `ssooidc`.
pub fn answer(args: &[OsString]) -> Option<&'static str> {
    let [program, word] = args else {
        return None;
    };
    let named = || std::path::Path::new(program).file_name() == Some("ssooidc".as_ref());
    match word.to_str()? {
        "--version" | "-V" => Some(VERSION),
        "--help" | "help" if named() => Some(LONG_HELP),
        "-h" if named() => Some(SHORT_HELP),
        _ => None,
    }
}

/// `token` or `credentials` with long options only (`--name value` or `--name=value`), each at
/// most once, every value non-empty and not starting with `-`, the command's own options after
/// it: the command line the full parser would make of it. `None` for any other line.
pub fn parse(args: &[OsString]) -> Option<Cli> {
    let mut global = GlobalArgs {
        region: None,
        endpoint_url: None,
        profile: None,
        ca_bundle: None,
        debug: false,
        cli_connect_timeout: None,
        cli_read_timeout: None,
    };
    let mut endpoint_url = None;
    let mut command: Option<HotCommand> = None;
    let mut words = args.iter().skip(1);
    while let Some(word) = words.next() {
        let word = word.to_str()?;
        let Some(option) = word.strip_prefix("--") else {
            if command.is_some() || word.starts_with('-') {
                return None;
            }
            command = Some(HotCommand::new(word)?);
            continue;
        };
        let (name, inline) = match option.split_once('=') {
            Some((name, value)) => (name, Some(value)),
            None => (option, None),
        };
        let mut value = || {
            let value = match inline {
                Some(value) => value,
                None => words.next()?.to_str()?,
            };
            (!value.is_empty() && !value.starts_with('-')).then_some(value)
        };
        match name {
            "region" => set(&mut global.region, value()?)?,
            "endpoint-url" => set(&mut endpoint_url, value()?)?,
            "profile" => set(&mut global.profile, value()?)?,
            "ca-bundle" => set(&mut global.ca_bundle, value()?)?,
            "cli-connect-timeout" => set_seconds(&mut global.cli_connect_timeout, value()?)?,
            "cli-read-timeout" => set_seconds(&mut global.cli_read_timeout, value()?)?,
            "debug" if inline.is_none() => flag(&mut global.debug)?,
            _ => command.as_mut()?.option(name, inline.is_some(), value)?,
        }
    }
    global.endpoint_url = endpoint_url.map(EndpointUrl);
    Some(Cli {
        global,
        command: command?.into_command()?,
    })
}

/// The options of `token` or `credentials` met so far.
#[derive(Default)]
struct HotCommand {
    credentials: bool,
    sso_session: Option<String>,
    login: bool,
    use_device_code: bool,
    output: Option<String>,
    account_id: Option<String>,
    role_name: Option<String>,
    export: bool,
}

impl HotCommand {
    fn new(word: &str) -> Option<Self> {
        let credentials = match word {
            "token" => false,
            "credentials" => true,
            _ => return None,
        };
        Some(HotCommand {
            credentials,
            ..HotCommand::default()
        })
    }

    /// Takes the command's option `--name` (`inline`: its value came with `=`); `None` when the
    /// command has no such option or it cannot be taken here.
    fn option<'a>(
        &mut self,
        name: &str,
        inline: bool,
        value: impl FnOnce() -> Option<&'a str>,
    ) -> Option<()> {
        match (name, self.credentials) {
            ("sso-session", _) => set(&mut self.sso_session, value()?),
            ("output", _) => set(&mut self.output, value()?),
            ("login", _) if !inline => flag(&mut self.login),
            ("use-device-code", _) if !inline => flag(&mut self.use_device_code),
            ("account-id", true) => set(&mut self.account_id, value()?),
            ("role-name", true) => set(&mut self.role_name, value()?),
            ("export", true) if !inline => flag(&mut self.export),
            _ => None,
        }
    }

    fn into_command(self) -> Option<Command> {
        let session = SessionArgs {
            sso_session: self.sso_session,
        };
        let auto_login = AutoLoginArgs {
            login: self.login,
            use_device_code: self.use_device_code,
        };
        if !self.credentials {
            let output = match self.output.as_deref() {
                None | Some("text") => OutputFormat::Text,
                Some("json") => OutputFormat::Json,
                Some(_) => return None,
            };
            return Some(Command::Token(TokenArgs {
                session,
                auto_login,
                output,
            }));
        }
        // `--export` and `--output` conflict: the full parser says so.
        if self.export && self.output.is_some() {
            return None;
        }
        let output = match self.output.as_deref() {
            None | Some("json" | "process") => CredentialsFormat::Json,
            Some("env") => CredentialsFormat::Env,
            Some(_) => return None,
        };
        Some(Command::Credentials(CredentialsArgs {
            session,
            auto_login,
            account_id: self.account_id,
            role_name: self.role_name,
            export: self.export,
            output,
        }))
    }
}

/// Sets an option given once; `None` the second time.
fn set(slot: &mut Option<String>, value: &str) -> Option<()> {
    match slot {
        Some(_) => None,
        None => {
            *slot = Some(value.to_owned());
            Some(())
        }
    }
}

/// Sets a number of seconds given once, in decimal digits.
fn set_seconds(slot: &mut Option<u64>, value: &str) -> Option<()> {
    if slot.is_some() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    *slot = Some(value.parse().ok()?);
    Some(())
}

/// Sets a flag given once.
fn flag(slot: &mut bool) -> Option<()> {
    (!std::mem::replace(slot, true)).then_some(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn args(line: &str) -> Vec<OsString> {
        std::iter::once("ssooidc")
            .chain(line.split_whitespace())
            .map(Into::into)
            .collect()
    }

    /// What the full parser makes of `args`, or its error's kind.
    fn full(args: &[OsString]) -> Result<String, clap::error::ErrorKind> {
        Cli::try_parse_from(args)
            .map(|cli| format!("{cli:?}"))
            .map_err(|e| e.kind())
    }

    /// Every line the hot path takes parses to what the full parser gives.
    #[test]
    fn the_hot_path_parses_token_and_credentials_as_the_full_parser_does() {
        for line in [
            "token",
            "token --profile dev",
            "--profile dev token",
            "--profile=dev token --output=json",
            "token --sso-session corp --login",
            "token --login --use-device-code --output text",
            "--debug --region eu-west-1 credentials --profile dev",
            "credentials --profile dev --account-id 111122223333 --role-name ReadOnly",
            "credentials --profile dev --export",
            "credentials --profile dev --output env",
            "credentials --output process --sso-session corp",
            "--profile token credentials",
            "token --sso-session credentials",
            "--endpoint-url http://127.0.0.1:4566 token --profile dev",
            "--endpoint-url=https://u:p@oidc.example.com token",
            "--ca-bundle /etc/ca.pem --cli-connect-timeout 5 --cli-read-timeout=0 token",
            "token --cli-read-timeout 007 --debug",
            "token --region=a=b",
        ] {
            let hot = parse(&args(line)).unwrap_or_else(|| panic!("hot path: {line}"));
            assert_eq!(Ok(format!("{hot:?}")), full(&args(line)), "{line}");
        }
    }

    /// Help, versions, mistakes, unusual forms and the other commands go to the full parser,
    /// which words them.
    #[test]
    fn the_hot_path_leaves_everything_else_to_the_full_parser() {
        for line in [
            "",
            "--profile dev",
            "token --help",
            "help token",
            "credentials -h",
            "--version",
            "token -V",
            "token --no-such-option",
            "token --profile",
            "token --profile=",
            "token --profile -dev",
            "token --profile a --profile b",
            "--profile a token --profile b",
            "token --debug --debug",
            "token --debug=true",
            "token --login=false",
            "token --cli-read-timeout +5",
            "token --cli-read-timeout 18446744073709551616",
            "token --output env",
            "token --output JSON",
            "token --account-id 1",
            "credentials --output text",
            "credentials --export --output json",
            "--sso-session corp token",
            "--login token",
            "token credentials",
            "token extra",
            "token -- --profile",
            "login --profile dev",
            "accounts --profile token",
            "tokne",
        ] {
            assert!(parse(&args(line)).is_none(), "{line}");
        }
        let not_utf8 = vec![
            OsString::from("ssooidc"),
            OsString::from("token"),
            OsString::from("--profile"),
            invalid_utf8(),
        ];
        assert!(parse(&not_utf8).is_none());
    }

    #[cfg(unix)]
    fn invalid_utf8() -> OsString {
        use std::os::unix::ffi::OsStringExt;
        OsString::from_vec(vec![b'd', 0xff])
    }

    #[cfg(not(unix))]
    fn invalid_utf8() -> OsString {
        use std::os::windows::ffi::OsStringExt;
        OsString::from_wide(&[0xd800])
    }

    /// Lines made of the options of both commands and their neighbours, each with a value
    /// drawn from good and bad ones, in any order around a command word: every line the hot path
    /// takes, the full parser parses to the same command line (and a good share is taken, so
    /// that the comparison is not empty).
    #[test]
    fn every_line_the_hot_path_takes_parses_the_same_in_full() {
        const COMMANDS: [&str; 5] = ["token", "credentials", "token", "credentials", "login"];
        const FLAGS: [&str; 7] = [
            "--debug",
            "--login",
            "--use-device-code",
            "--export",
            "--version",
            "-h",
            "--",
        ];
        const OPTIONS: [&str; 12] = [
            "--profile",
            "--region",
            "--endpoint-url",
            "--ca-bundle",
            "--cli-connect-timeout",
            "--cli-read-timeout",
            "--sso-session",
            "--output",
            "--account-id",
            "--role-name",
            "--start-url",
            "--debug",
        ];
        const VALUES: [&str; 14] = [
            "dev",
            "json",
            "text",
            "env",
            "process",
            "5",
            "007",
            "-5",
            "+5",
            "",
            "token",
            "credentials",
            "a=b",
            "http://u:p@127.0.0.1:4566/x",
        ];
        // A fixed xorshift sequence: the same lines on every run.
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = |bound: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            usize::try_from(state % bound as u64).unwrap()
        };
        let mut taken = 0;
        for _ in 0..20_000 {
            let mut line: Vec<String> = Vec::new();
            for _ in 0..next(5) {
                match next(8) {
                    0 => line.push(FLAGS[next(FLAGS.len())].to_owned()),
                    1..=3 => {
                        let (option, value) =
                            (OPTIONS[next(OPTIONS.len())], VALUES[next(VALUES.len())]);
                        line.push(format!("{option}={value}"));
                    }
                    _ => {
                        line.push(OPTIONS[next(OPTIONS.len())].to_owned());
                        line.push(VALUES[next(VALUES.len())].to_owned());
                    }
                }
            }
            if next(10) > 0 {
                let at = next(line.len() + 1);
                line.insert(at, COMMANDS[next(COMMANDS.len())].to_owned());
            }
            let args: Vec<OsString> = std::iter::once("ssooidc".to_owned())
                .chain(line)
                .map(Into::into)
                .collect();
            if let Some(hot) = parse(&args) {
                assert_eq!(Ok(format!("{hot:?}")), full(&args), "{args:?}");
                taken += 1;
            }
        }
        assert!(taken > 2000, "only {taken} lines taken");
    }

    /// `--help`, `-h`, `help`, `--version` and `-V` alone are answered with the full parser's
    /// words, and nothing else is answered.
    #[test]
    fn help_texts_are_the_full_parsers() {
        let bless = std::env::var_os("SSOOIDC_BLESS").is_some();
        for (line, text, file) in [
            ("--help", LONG_HELP, "long.txt"),
            ("help", LONG_HELP, "long.txt"),
            ("-h", SHORT_HELP, "short.txt"),
            ("--version", VERSION, ""),
            ("-V", VERSION, ""),
        ] {
            let e = Cli::try_parse_from(args(line)).unwrap_err();
            assert!(!e.use_stderr(), "{line}");
            let rendered = e.render().to_string();
            if bless && !file.is_empty() {
                let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/help");
                std::fs::write(path.join(file), &rendered).unwrap();
                continue;
            }
            assert_eq!(answer(&args(line)), Some(text), "{line}");
            assert_eq!(
                text, rendered,
                "`ssooidc {line}` changed: SSOOIDC_BLESS=1 cargo test -p ssooidc-cli help_texts"
            );
        }
        // Started under another name, the help is the full parser's (it names the program).
        let renamed = |word: &str| vec![OsString::from("/usr/bin/sso"), OsString::from(word)];
        assert_eq!(answer(&renamed("--help")), None);
        assert_eq!(answer(&renamed("-h")), None);
        assert_eq!(answer(&renamed("--version")), Some(VERSION));
        let e = Cli::try_parse_from(renamed("--version")).unwrap_err();
        assert_eq!(e.render().to_string(), VERSION);
        for line in [
            "",
            "--help token",
            "token --help",
            "-V token",
            "--versions",
            "help me",
        ] {
            assert_eq!(answer(&args(line)), None, "{line}");
        }
    }
}
