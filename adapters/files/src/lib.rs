//! # ssooidc-files
//!
//! The file side of ssooidc's sessions, one implementation for every adapter (the blocking
//! `ssooidc-ureq`, the async `ssooidc-async`, and the `ssooidc` command):
//!
//! - [`environment`]: what the settings resolver reads from this process: the environment,
//!   the home directory, `~/.aws/config` and `~/.aws/credentials`, read once and bounded;
//! - [`store`]: the AWS CLI-compatible cache directories (`~/.aws/sso/cache`,
//!   `~/.aws/cli/cache`, the OAuth cache of `ssooidc oauth`): entries read capped and never
//!   through a link, written atomically with mode 0600, and the `<key>.lock` files of the
//!   cross-process lock protocol ([`store::CacheDir::lock`] waits by sleeping;
//!   [`store::CacheDir::try_lock`] never blocks, for drivers that wait on their own timer);
//! - [`session_io`]: the file operations the session machines of the core ask for, done on
//!   those caches ([`SessionFiles`]);
//! - [`files`]: the one way these open a file: never blocking on a FIFO, regular files only,
//!   optionally never through a symbolic link, reads capped.
//!
//! Which file to read or write and what its bytes mean is decided by `ssooidc-core`
//! ([`ssooidc_core::sessions`], [`ssooidc_core::cache`]); this crate only touches the disk.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod environment;
pub mod files;
pub mod login_lock;
pub mod logout;
pub mod outcomes;
pub mod session_io;
pub mod store;

pub use environment::Environment;
pub use login_lock::LoginLock;
pub use logout::Logout;
pub use outcomes::{Listed, LoginResult, LogoutReport, SessionCredentials, SessionToken};
pub use session_io::SessionFiles;
pub use ssooidc_core::sessions::{CredentialsSource, TokenSource};
pub use store::{Exposure, StoreError};

/// Why a session could give no token or credentials, with this crate's [`StoreError`] for the
/// caches: the error of every session of the blocking and the async adapter.
pub type SessionError = ssooidc_core::sessions::SessionError<StoreError>;

impl From<StoreError> for SessionError {
    fn from(error: StoreError) -> Self {
        ssooidc_core::sessions::SessionError::Store(error)
    }
}
