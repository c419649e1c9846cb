//! A valid token for a profile, cached or refreshed, as a third adapter would get it: the core's
//! session machine ([`TokenSession`]) driven with nothing but `std`: its file operations done
//! with `std::fs` (the AWS CLI's token cache and its `<key>.lock` files), its requests sent by the
//! HTTP/1.1 transport of `custom_transport.rs`. The rules (the 15-minute window, the lock and the
//! re-read under it, the one-attempt-a-minute throttle, the fallbacks, the warnings) are all the
//! machine's; this file only does what it is told.
//!
//! Run it against the emulator, in a clone of the repository, for a `HOME` whose
//! `~/.aws/config` has an sso-session profile `dev` that `ssooidc login` logged in:
//!
//! ```sh
//! cargo run -p ssooidc-emulator -- --port 4566 --approve-after-polls 1 &
//! cargo run -p ssooidc-core --example cached_token -- dev http://127.0.0.1:4566
//! ```
//!
//! What it leaves out, and a real adapter must not (`ssooidc-files` does all of it): refusing
//! links and FIFOs in the cache directory, capping reads, repairing a directory others can
//! write, announcing a long wait for a lock, sweeping temporary files of writers that died.

#[allow(dead_code)]
#[path = "custom_transport.rs"]
mod custom_transport;

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use ssooidc_core::cache::{
    lock_record, parse_lock_record, CachedRoleCredentials, CachedToken, Lookup, OAuthCacheEntry,
};
use ssooidc_core::config::AwsConfig;
use ssooidc_core::endpoint::Endpoint;
use ssooidc_core::machine::{feed, Machine, Output};
use ssooidc_core::sessions::{
    CacheDirectory, CacheFile, IoAnswer, LockAnswer, Session, SessionIo, SessionMachine,
    SessionSelector, TokenOutcome, TokenSession, TokenSessionInput,
};
use ssooidc_core::time::OffsetDateTime;

/// The two cache directories under `home`, and the locks held.
struct Files {
    sso: PathBuf,
    cli: PathBuf,
    locks: HashMap<CacheFile, File>,
}

impl Files {
    fn path(&self, file: &CacheFile, extension: &str) -> PathBuf {
        let dir = match file.directory {
            CacheDirectory::Cli => &self.cli,
            // This example keeps no OAuth cache: its token session never asks for one.
            _ => &self.sso,
        };
        dir.join(format!("{}.{extension}", file.key))
    }

    /// Reads a cache file: missing, found, or a file that is there but unusable.
    fn read<T>(
        &self,
        file: &CacheFile,
        parse: impl Fn(&[u8]) -> Result<T, ssooidc_core::cache::CacheError>,
    ) -> Result<Lookup<T>, std::io::Error> {
        let path = self.path(file, "json");
        match std::fs::read(&path) {
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(Lookup::Missing),
            Err(e) => Err(e),
            Ok(bytes) => Ok(match parse(&bytes) {
                Ok(entry) => Lookup::Found(entry),
                Err(error) => Lookup::Corrupt { path, error },
            }),
        }
    }

    /// Writes a cache file whole: a temporary file beside it, then a rename.
    fn write(&self, file: &CacheFile, json: String) -> Result<(), std::io::Error> {
        let path = self.path(file, "json");
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let temp = self.path(file, &format!("tmp-{}", std::process::id()));
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut out = options.open(&temp)?;
        out.write_all(json.as_bytes())?;
        out.sync_all()?;
        std::fs::rename(&temp, &path)
    }

    /// Takes the lock of `file` (an exclusive `flock` on `<key>.lock`, as the AWS tools that
    /// share the cache take it), trying again every 20 ms for at most `wait`.
    fn lock(&mut self, file: CacheFile, wait: Duration) -> LockAnswer<std::io::Error> {
        let path = self.path(&file, "lock");
        let opened = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| {
                OpenOptions::new()
                    .read(true)
                    .write(true)
                    .create(true)
                    .truncate(false)
                    .open(&path)
            });
        let mut lock = match opened {
            Ok(lock) => lock,
            Err(e) => return LockAnswer::Failed(e),
        };
        let started = Instant::now();
        loop {
            match lock.try_lock() {
                Ok(()) => break,
                Err(std::fs::TryLockError::WouldBlock) if started.elapsed() < wait => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    return LockAnswer::TimedOut {
                        waited: started.elapsed(),
                        error: std::io::Error::new(ErrorKind::TimedOut, "lock held too long"),
                    }
                }
                Err(std::fs::TryLockError::Error(e)) => return LockAnswer::Failed(e),
            }
        }
        let mut record = String::new();
        let last_attempt = (&lock)
            .take(64)
            .read_to_string(&mut record)
            .ok()
            .and_then(|_| parse_lock_record(&record));
        let _ = lock.rewind();
        self.locks.insert(file, lock);
        LockAnswer::Held { last_attempt }
    }

    /// Does one file operation of the machine.
    fn perform(&mut self, io: SessionIo) -> IoAnswer<std::io::Error> {
        match io {
            SessionIo::ReadToken(file) => IoAnswer::Token(self.read(&file, CachedToken::from_json)),
            SessionIo::ReadCredentials(file) => {
                IoAnswer::Credentials(self.read(&file, CachedRoleCredentials::from_json))
            }
            SessionIo::ReadOAuth(file) => {
                IoAnswer::OAuth(self.read(&file, OAuthCacheEntry::from_json))
            }
            SessionIo::Lock { file, wait } => IoAnswer::Lock(self.lock(file, wait)),
            SessionIo::RecordAttempt { file, at } => {
                IoAnswer::Written(match self.locks.get_mut(&file) {
                    Some(lock) => lock
                        .set_len(0)
                        .and_then(|()| lock.rewind())
                        .and_then(|()| lock.write_all(lock_record(at).as_bytes())),
                    None => Ok(()),
                })
            }
            SessionIo::WriteToken { file, token } => {
                IoAnswer::Written(self.write(&file, token.to_json()))
            }
            SessionIo::WriteCredentials { file, credentials } => {
                IoAnswer::Written(self.write(&file, credentials.to_json()))
            }
            SessionIo::WriteOAuth { file, entry } => {
                IoAnswer::Written(self.write(&file, entry.to_json()))
            }
            SessionIo::Unlock(file) => {
                // Closing the file releases the lock.
                self.locks.remove(&file);
                IoAnswer::Unlocked
            }
        }
    }
}

/// A valid token for `profile` of the `~/.aws/config` under `home`: the cached one, or refreshed
/// at `endpoint` (the OIDC endpoint) when it is due.
pub fn token(
    home: &Path,
    profile: &str,
    endpoint: &str,
) -> Result<TokenOutcome, Box<dyn std::error::Error>> {
    let aws = home.join(".aws");
    let config = AwsConfig::parse(&std::fs::read_to_string(aws.join("config"))?)?;
    let session = Session::resolve(SessionSelector::Profile(profile.to_owned()), &config)?;
    let input = TokenSessionInput::new(session, Endpoint::parse(endpoint)?);
    let seed = std::hash::BuildHasher::hash_one(
        &std::collections::hash_map::RandomState::new(),
        Instant::now(),
    );
    let mut machine: TokenSession<std::io::Error> =
        TokenSession::new(input, Instant::now(), OffsetDateTime::now_utc(), seed);
    let mut files = Files {
        sso: aws.join("sso").join("cache"),
        cli: aws.join("cli").join("cache"),
        locks: HashMap::new(),
    };
    loop {
        match machine.poll_output()? {
            Output::Event(io) => {
                let answer = files.perform(io);
                machine.handle_io(Instant::now(), OffsetDateTime::now_utc(), answer)?;
            }
            Output::Transmit(transmit) => {
                let result = custom_transport::send(transmit.request);
                feed(
                    &mut machine,
                    Instant::now(),
                    OffsetDateTime::now_utc(),
                    result,
                )?;
            }
            Output::Timeout(at) => {
                std::thread::sleep(at.saturating_duration_since(Instant::now()));
                machine.handle_timeout(Instant::now())?;
            }
            Output::Done(result) => return Ok(result?),
        }
    }
}

#[allow(dead_code)]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let profile = args.next().unwrap_or_else(|| "default".to_owned());
    let endpoint = args
        .next()
        .unwrap_or_else(|| "http://127.0.0.1:4566".to_owned());
    let home = std::env::var_os("HOME").ok_or("HOME is not set")?;
    let got = token(Path::new(&home), &profile, &endpoint)?;
    for warning in &got.warnings {
        eprintln!("warning: {warning}");
    }
    println!(
        "{:?} token, expires at {}",
        got.source, got.token.expires_at
    );
    Ok(())
}
