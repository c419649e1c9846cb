//! The async driver of the core's session machines ([`TokenSession`], [`CredentialsSession`]):
//! their file operations done on the caches ([`SessionFiles`]), their requests sent by the one
//! driver loop every machine runs on. A lock another process holds is waited for on the
//! caller's [`Timer`], one try every [`LOCK_POLL`]: the executor is never blocked while another
//! process logs in or refreshes. Reading and writing a cache file is a small, bounded,
//! non-blocking local operation (a FIFO is refused, never waited on), done in place.
//!
//! [`TokenSession`]: ssooidc_core::sessions::TokenSession
//! [`CredentialsSession`]: ssooidc_core::sessions::CredentialsSession

use std::time::Duration;

use ssooidc_core::machine::{DriveError, Output, Primed};
use ssooidc_core::sessions::{
    IoAnswer, SessionError as CoreSessionError, SessionIo, SessionMachine,
};
use ssooidc_files::store::{CacheDir, CacheLock, LOCK_POLL, LOCK_WAIT_NOTICE};
use ssooidc_files::{SessionError, SessionFiles, StoreError};

use crate::client::Client;
use crate::driver::{drive_with, OnEvent, Sleep};
use crate::transport::{HttpSend, Timer};

/// Runs a session machine to its end: files through `files`, requests through the client
/// `client` builds when the machine first wants the network (a cache hit builds none, and
/// resolves no endpoint). `operation` names the call in the error of a drive that stopped
/// (cancelled, misused).
pub(crate) async fn drive_session<T, R, M, O>(
    machine: &mut M,
    files: &mut SessionFiles<'_>,
    timer: &R,
    client: impl FnOnce() -> Result<Client<T, R>, SessionError>,
    operation: &'static str,
) -> Result<O, SessionError>
where
    T: HttpSend,
    R: Timer,
    M: SessionMachine<StoreError, Output = Result<O, CoreSessionError<StoreError>>>,
{
    let stopped = |stop: DriveError| SessionError::Call(stop.into_call_error(operation));
    let mut events = FileEvents(files);
    // The files alone, until the machine is done or wants the network.
    let first = loop {
        match machine
            .poll_output()
            .map_err(DriveError::from)
            .map_err(stopped)?
        {
            Output::Event(io) => events.answer(machine, io, timer).await.map_err(stopped)?,
            Output::Done(result) => return result,
            other => break other,
        }
    };
    let client = client()?;
    let mut primed = Primed::new(machine, first);
    drive_with(&client, None, &mut primed, None, &mut Sleep, &mut events)
        .await
        .map_err(stopped)?
}

/// The file operations of a session machine, as its events.
struct FileEvents<'f, 'a>(&'f mut SessionFiles<'a>);

impl<'a, M: SessionMachine<StoreError>, R: Timer> OnEvent<Primed<'a, M>, R> for FileEvents<'_, '_> {
    async fn event(
        &mut self,
        primed: &mut Primed<'a, M>,
        io: SessionIo,
        timer: &R,
    ) -> Result<(), DriveError> {
        self.answer(primed.machine(), io, timer).await
    }
}

impl FileEvents<'_, '_> {
    /// Does the file operation `io` and hands the machine the answer and the caches' warnings.
    async fn answer<M: SessionMachine<StoreError>, R: Timer>(
        &mut self,
        machine: &mut M,
        io: SessionIo,
        timer: &R,
    ) -> Result<(), DriveError> {
        let files = &mut *self.0;
        let answer = match io {
            SessionIo::Lock { file, wait } => {
                let lock = wait_for_lock(files.dir(&file), &file.key, wait, timer).await;
                IoAnswer::Lock(files.adopt(file, lock))
            }
            other => files.perform(other),
        };
        // The caches' own warnings (modes repaired) first: the answer may end the machine.
        for warning in files.take_warnings() {
            machine.warn(warning);
        }
        machine.handle_io(timer.now(), timer.now_utc(), answer)?;
        Ok(())
    }
}

/// Takes the lock of `key` in `dir`, waiting at most `wait` on `timer` (one try every
/// [`LOCK_POLL`]), and announcing a wait that lasts [`LOCK_WAIT_NOTICE`] to the directory's
/// notice. Never blocks the executor.
pub(crate) async fn wait_for_lock<R: Timer>(
    dir: &CacheDir,
    key: &str,
    wait: Duration,
    timer: &R,
) -> Result<CacheLock, StoreError> {
    let started = timer.now();
    let mut announced = false;
    loop {
        if let Some(lock) = dir.try_lock(key)? {
            return Ok(lock);
        }
        let waited = timer.now().saturating_duration_since(started);
        if waited >= wait {
            return Err(dir.lock_timeout(key, waited));
        }
        if !announced && waited >= LOCK_WAIT_NOTICE {
            announced = true;
            dir.notice_lock_wait(key, wait);
        }
        let next = ssooidc_core::machine::wake_at(timer.now(), LOCK_POLL.min(wait - waited));
        timer.sleep_until(next).await;
    }
}
