//! The credentials the one signed operation (`CreateTokenWithIAM`) is signed with: static keys
//! as resolved, or the output of the profile's `credential_process`, run here (the core only
//! reads its output) and reused until it is within 15 minutes of its `Expiration`.

use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use ssooidc_core::config::{ConfigError, ProcessProblem};
use ssooidc_core::settings::{
    parse_process_output, CredentialSource, ProcessCredentials, StaticKeys,
    MAX_PROCESS_OUTPUT_BYTES,
};
use time::OffsetDateTime;

/// How long a `credential_process` may run before it is stopped (the AWS CLI waits forever).
pub const DEFAULT_CREDENTIAL_PROCESS_TIMEOUT: Duration = Duration::from_secs(60);

/// Process credentials are run again when less than this is left (botocore's advisory window).
const PROCESS_REFRESH_WINDOW: time::Duration = time::Duration::minutes(15);

/// Where a client gets its signing keys.
#[derive(Debug, Clone)]
pub(crate) struct Signer {
    source: Result<CredentialSource, ConfigError>,
    profile: String,
    timeout: Duration,
    cached: Arc<Mutex<Option<ProcessCredentials>>>,
}

impl Signer {
    pub(crate) fn new(
        source: Result<CredentialSource, ConfigError>,
        profile: String,
        timeout: Duration,
    ) -> Self {
        Signer {
            source,
            profile,
            timeout,
            cached: Arc::default(),
        }
    }

    /// The keys to sign with at `now`.
    pub(crate) fn keys(&self, now: OffsetDateTime) -> Result<StaticKeys, ConfigError> {
        match &self.source {
            Err(e) => Err(e.clone()),
            Ok(CredentialSource::None) => Err(ConfigError::NoCredentials {
                profile: self.profile.clone(),
            }),
            Ok(CredentialSource::Process { command }) => {
                let mut cached = self.cached.lock().unwrap_or_else(PoisonError::into_inner);
                if let Some(creds) = cached.as_ref() {
                    let fresh = creds
                        .expiration
                        .is_none_or(|at| at - now > PROCESS_REFRESH_WINDOW);
                    if fresh {
                        return Ok(creds.keys.clone());
                    }
                }
                let creds =
                    run_credential_process(command, self.timeout, now).map_err(|problem| {
                        ConfigError::CredentialProcess {
                            profile: self.profile.clone(),
                            problem,
                        }
                    })?;
                let keys = creds.keys.clone();
                *cached = Some(creds);
                Ok(keys)
            }
            Ok(other) => other
                .static_keys()
                .cloned()
                .ok_or(ConfigError::NoCredentials {
                    profile: self.profile.clone(),
                }),
        }
    }
}

/// Runs a `credential_process` command line (split as the AWS CLI splits it, without a shell:
/// [`split_command_line`]) and reads its credentials. Its standard error goes to this
/// process's (so a tool can prompt); its standard output is read (at most
/// [`MAX_PROCESS_OUTPUT_BYTES`] + 1 bytes) and never shown in an error. It is killed after
/// `timeout`.
pub fn run_credential_process(
    command: &str,
    timeout: Duration,
    now: OffsetDateTime,
) -> Result<ProcessCredentials, ProcessProblem> {
    let argv = split_command_line(command, cfg!(windows))
        .filter(|a| !a.is_empty())
        .ok_or(ProcessProblem::BadCommand)?;
    let (program, args) = argv.split_first().ok_or(ProcessProblem::BadCommand)?;
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| ProcessProblem::Spawn(e.to_string()))?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| ProcessProblem::Spawn("no standard output".to_owned()))?;
    // Read on a thread, so that a process that writes a lot cannot block on a full pipe while
    // this one waits for it to exit.
    let reader = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = stdout
            .take(MAX_PROCESS_OUTPUT_BYTES as u64 + 1)
            .read_to_end(&mut bytes);
        bytes
    });
    let deadline = Instant::now().checked_add(timeout);
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) => {}
            Err(e) => return Err(ProcessProblem::Spawn(e.to_string())),
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            let _ = child.kill();
            let _ = child.wait();
            return Err(ProcessProblem::TimedOut(timeout));
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    if !status.success() {
        return Err(ProcessProblem::Failed(status.to_string()));
    }
    let bytes = reader
        .join()
        .map_err(|_| ProcessProblem::Spawn("the output reader failed".to_owned()))?;
    Ok(parse_process_output(&bytes, now)?)
}

/// Splits a `credential_process` command line into the program and its arguments as botocore's
/// `compat_shell_split` does for the AWS CLI, never through a shell: on Windows (`windows`) by
/// the C runtime's rules (only space and tab separate words, only `"` quotes, a backslash is
/// itself except in a run of them before a `"`, so `C:\tools\cred.exe` stays whole), elsewhere
/// as a POSIX shell splits words (`shlex.split`). `None` for an unterminated quote.
pub fn split_command_line(command: &str, windows: bool) -> Option<Vec<String>> {
    if windows {
        windows_split(command)
    } else {
        shlex::split(command)
    }
}

/// botocore's `_windows_shell_split`, step for step: the C runtime's rules for a command line
/// (<https://learn.microsoft.com/cpp/cpp/main-function-command-line-args>). A pair of quotes
/// with nothing between them is an empty word.
fn windows_split(command: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    // The word being read; `Some("")` once a quote has been seen, so `""` is a word.
    let mut word: Option<String> = None;
    let mut quoted = false;
    let mut backslashes = 0usize;
    let push_backslashes = |word: &mut Option<String>, n: &mut usize| {
        if *n > 0 {
            word.get_or_insert_default().push_str(&"\\".repeat(*n));
            *n = 0;
        }
    };
    for c in command.chars() {
        match c {
            '\\' => backslashes += 1,
            '"' => {
                let current = word.get_or_insert_default();
                if backslashes > 0 {
                    // Backslashes before a quote escape each other; an odd one out escapes
                    // the quote, which is then part of the word.
                    current.push_str(&"\\".repeat(backslashes / 2));
                    let escaped = backslashes % 2 == 1;
                    backslashes = 0;
                    if escaped {
                        current.push('"');
                        continue;
                    }
                }
                quoted = !quoted;
            }
            ' ' | '\t' if !quoted => {
                push_backslashes(&mut word, &mut backslashes);
                words.extend(word.take());
            }
            _ => {
                push_backslashes(&mut word, &mut backslashes);
                word.get_or_insert_default().push(c);
            }
        }
    }
    if quoted {
        return None;
    }
    push_backslashes(&mut word, &mut backslashes);
    words.extend(word);
    Some(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn windows(command: &str) -> Option<Vec<String>> {
        split_command_line(command, true)
    }

    fn words(words: &[&str]) -> Option<Vec<String>> {
        Some(words.iter().map(|w| w.to_string()).collect())
    }

    /// The expected words are what botocore 1.43's `_windows_shell_split` returns for each
    /// line (run with Python), so a `credential_process` means on Windows what it means to the
    /// AWS CLI there.
    #[test]
    fn windows_command_lines_split_as_botocore_splits_them() {
        let cases: &[(&str, &[&str])] = &[
            (
                r"C:\tools\cred.exe --profile dev",
                &[r"C:\tools\cred.exe", "--profile", "dev"],
            ),
            (
                r#""C:\Program Files\Vendor\cred.exe" --profile "my dev""#,
                &[r"C:\Program Files\Vendor\cred.exe", "--profile", "my dev"],
            ),
            (
                r#"cred.exe a\\b a\"b "a\\"b "a\\\"b" c\\"#,
                &["cred.exe", r"a\\b", r#"a"b"#, r"a\b", r#"a\"b"#, r"c\\"],
            ),
            ("cred  \t x \"\"  y", &["cred", "x", "", "y"]),
            (r#"cred "" """#, &["cred", "", ""]),
            (r#"cred a"b c"d"#, &["cred", "ab cd"]),
            (r#"cred "a "b"#, &["cred", "a b"]),
            (
                r"cred \\server\share\x.exe",
                &["cred", r"\\server\share\x.exe"],
            ),
            ("cred 'single quoted'", &["cred", "'single", "quoted'"]),
            ("", &[]),
            ("   ", &[]),
        ];
        for (line, expected) in cases {
            assert_eq!(windows(line), words(expected), "{line:?}");
        }
        assert_eq!(windows(r#"cred "unterminated"#), None);
    }

    /// Elsewhere the words are a POSIX shell's (`shlex.split`), as before: backslashes escape
    /// and single quotes quote, which is what makes the Windows rules necessary on Windows.
    #[test]
    fn posix_command_lines_split_as_a_shell_splits_them() {
        assert_eq!(
            split_command_line(r"C:\tools\cred.exe --profile dev", false),
            words(&["C:toolscred.exe", "--profile", "dev"])
        );
        assert_eq!(
            split_command_line("cred 'single quoted' \"a b\"", false),
            words(&["cred", "single quoted", "a b"])
        );
        assert_eq!(split_command_line("cred 'open", false), None);
    }
}
