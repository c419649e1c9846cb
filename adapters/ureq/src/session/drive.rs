//! The blocking driver of the core's session machines ([`TokenSession`], [`CredentialsSession`]):
//! their file operations done on the caches ([`SessionFiles`], waiting for a lock by sleeping),
//! their requests sent by the driver every machine runs on ([`drive_with`]).
//!
//! A cache hit makes no request, and building an HTTP client costs more than the hit itself,
//! so the client is built only when the machine first asks to send or to wait.
//!
//! [`TokenSession`]: ssooidc_core::sessions::TokenSession
//! [`CredentialsSession`]: ssooidc_core::sessions::CredentialsSession

use std::time::Instant;

use ssooidc_core::cache::Lookup;
use ssooidc_core::machine::{DriveError, Output, Primed};
use ssooidc_core::sessions::{IoAnswer, SessionError as CoreSessionError, SessionMachine};
use ssooidc_files::{SessionFiles, StoreError};
use time::OffsetDateTime;

use super::SessionError;
use crate::client::Client;
use crate::driver::{drive_with, Sleep};

/// Runs a session machine to its end: files through `files`, requests through the client
/// `client` builds when the first one is needed. `operation` names the call in the error of a
/// drive that stopped (cancelled, misused).
pub(crate) fn drive_session<T, M>(
    machine: &mut M,
    files: &mut SessionFiles<'_>,
    client: impl FnOnce() -> Result<Client, SessionError>,
    operation: &'static str,
) -> Result<T, SessionError>
where
    M: SessionMachine<StoreError, Output = Result<T, CoreSessionError<StoreError>>>,
{
    let stopped = |stop: DriveError| SessionError::Call(stop.into_call_error(operation));
    // The files alone, until the machine is done or wants the network.
    let first = loop {
        match machine
            .poll_output()
            .map_err(DriveError::from)
            .map_err(stopped)?
        {
            Output::Event(io) => answer(machine, files, io).map_err(stopped)?,
            Output::Done(result) => return result,
            other => break other,
        }
    };
    let client = client()?;
    let mut primed = Primed::new(machine, first);
    let result = drive_with(
        &client,
        None,
        &mut primed,
        None,
        &mut Sleep,
        |primed, io| answer(primed.machine(), files, io),
    );
    result.map_err(stopped)?
}

/// Does the file operation `io` and hands the machine the answer and the caches' warnings.
fn answer<M: SessionMachine<StoreError>>(
    machine: &mut M,
    files: &mut SessionFiles<'_>,
    io: ssooidc_core::sessions::SessionIo,
) -> Result<(), DriveError> {
    let answer = files.perform(io);
    // What is read is redacted by value from the debug log from now on.
    match &answer {
        IoAnswer::Token(Ok(Lookup::Found(token))) => super::remember_secrets(token),
        IoAnswer::Credentials(Ok(Lookup::Found(credentials))) => super::remember_keys(credentials),
        _ => {}
    }
    // The caches' own warnings (modes repaired) first: the answer may end the machine.
    for warning in files.take_warnings() {
        machine.warn(warning);
    }
    machine.handle_io(Instant::now(), OffsetDateTime::now_utc(), answer)?;
    Ok(())
}
