//! What the sessions of every adapter give back: a token or credentials with their file, the
//! lists of the portal, what a login and a logout did. The blocking and the async adapter
//! return these same types.

use std::path::PathBuf;

use ssooidc_core::cache::{CachedRoleCredentials, CachedToken, OAuthCacheEntry};
use ssooidc_core::sessions::{
    CredentialsOutcome, CredentialsSource, LoginFlow, OAuthTokenOutcome, TokenOutcome, TokenSource,
};

/// A valid token of a session, where it came from, and its file.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SessionToken {
    /// The cache entry.
    pub token: CachedToken,
    /// Where it came from.
    pub source: TokenSource,
    /// The cache file.
    pub path: PathBuf,
    /// Warnings for the user (a corrupt file, a failed refresh, a lock held too long, a token
    /// that could not be written back, repaired modes).
    pub warnings: Vec<String>,
}

impl SessionToken {
    /// The outcome of a [`TokenSession`](ssooidc_core::sessions::TokenSession), kept in `path`.
    pub fn new(outcome: TokenOutcome, path: PathBuf) -> Self {
        SessionToken {
            token: outcome.token,
            source: outcome.source,
            path,
            warnings: outcome.warnings,
        }
    }
}

/// Role credentials, where they came from, and their file.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SessionCredentials {
    /// The credentials (also their cache entry).
    pub credentials: CachedRoleCredentials,
    /// Where they came from.
    pub source: CredentialsSource,
    /// Their file in `~/.aws/cli/cache`.
    pub path: PathBuf,
    /// Warnings for the user (an unusable cache file, a failed token refresh, a lock that
    /// was held too long or could not be had, credentials that could not be cached).
    pub warnings: Vec<String>,
}

impl SessionCredentials {
    /// The outcome of a [`CredentialsSession`](ssooidc_core::sessions::CredentialsSession),
    /// kept in `path`.
    pub fn new(outcome: CredentialsOutcome, path: PathBuf) -> Self {
        SessionCredentials {
            credentials: outcome.credentials,
            source: outcome.source,
            path,
            warnings: outcome.warnings,
        }
    }
}

/// What a session's login produced (`Sessions::login` of either adapter).
#[derive(Debug, Clone)]
pub struct LoginResult {
    /// The token cache entry that was written.
    pub token: CachedToken,
    /// The token cache file.
    pub token_path: PathBuf,
    /// The registration cache file, when a new registration was written.
    pub registration_path: Option<PathBuf>,
    /// Whether another process finished a login for this session while this one waited for
    /// the lock, and its token was reused instead of logging in again.
    pub reused_concurrent_login: bool,
    /// The login that obtained the token; `None` when another process's token was reused.
    pub flow: Option<LoginFlow>,
    /// Warnings for the user (an unusable registration file).
    pub warnings: Vec<String>,
}

/// What the portal's lists give (`Sessions::accounts` and `Sessions::account_roles` of either
/// adapter), every page.
#[derive(Debug, Clone)]
pub struct Listed<T> {
    /// The items, in the portal's order.
    pub items: Vec<T>,
    /// Warnings for the user, from getting the session's token (a failed refresh, a lock held
    /// too long, a refreshed token that could not be cached).
    pub warnings: Vec<String>,
}

/// What a logout did (`Sessions::logout` of either adapter).
#[derive(Debug, Clone, Default)]
pub struct LogoutReport {
    /// The token files deleted.
    pub tokens_removed: Vec<PathBuf>,
    /// How many tokens the portal logged out.
    pub logged_out: usize,
    /// The role-credential files deleted from `~/.aws/cli/cache`.
    pub credentials_removed: Vec<PathBuf>,
    /// Failures that did not stop the logout (a `Logout` call that failed, a token without a
    /// region to call it in), and the caches' warnings (repaired modes, skipped files).
    pub warnings: Vec<String>,
}

/// What an OAuth login produced (`OAuthSessions::login` of either adapter).
#[derive(Debug, Clone)]
pub struct OAuthLoginResult {
    /// The cache entry written.
    pub entry: OAuthCacheEntry,
    /// Its file.
    pub path: PathBuf,
    /// Whether another process finished a login of the same entry while this one waited for
    /// the lock, and its tokens were reused instead of logging in again.
    pub reused_concurrent_login: bool,
}

/// An OAuth session's token, where it came from, and its file (`OAuthSessions::token` of
/// either adapter).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct OAuthToken {
    /// The cache entry.
    pub entry: OAuthCacheEntry,
    /// Where the token came from.
    pub source: TokenSource,
    /// The cache file.
    pub path: PathBuf,
    /// Warnings for the user (a failed refresh, a lock held too long).
    pub warnings: Vec<String>,
}

impl OAuthToken {
    /// The outcome of an [`OAuthTokenSession`](ssooidc_core::sessions::OAuthTokenSession), kept
    /// in `path`.
    pub fn new(outcome: OAuthTokenOutcome, path: PathBuf) -> Self {
        OAuthToken {
            entry: outcome.entry,
            source: outcome.source,
            path,
            warnings: outcome.warnings,
        }
    }
}
