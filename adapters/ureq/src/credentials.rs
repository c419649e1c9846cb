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

/// Runs a `credential_process` command line (split as a POSIX shell splits it, without a
/// shell) and reads its credentials. Its standard error goes to this process's (so a tool can
/// prompt); its standard output is read (at most
/// [`MAX_PROCESS_OUTPUT_BYTES`] + 1 bytes) and never shown in an error. It is killed after
/// `timeout`.
pub fn run_credential_process(
    command: &str,
    timeout: Duration,
    now: OffsetDateTime,
) -> Result<ProcessCredentials, ProcessProblem> {
    let argv = shlex::split(command)
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
