//! What every command needs: the environment, the config file, the global options.

use std::collections::HashMap;

use ssooidc_ureq::session::{SessionSelector, Sessions};
use ssooidc_ureq::{Client, Config, DebugSink};

use crate::cli::{GlobalArgs, SessionArgs};
use crate::exit::Failure;

/// The resolved environment of one run.
pub struct Context {
    /// The global options.
    pub global: GlobalArgs,
    /// Config file, cache directory and HTTP settings.
    pub sessions: Sessions,
}

impl Context {
    /// Reads the environment and applies the global options over it.
    pub fn new(global: GlobalArgs, env: &HashMap<String, String>) -> Result<Self, Failure> {
        let mut sessions = Sessions::from_env_map(env)?;
        apply_globals(&mut sessions.http, &global);
        if global.debug {
            sessions.debug = Some(DebugSink::new(|line| eprintln!("[debug] {line}")));
        }
        Ok(Context { global, sessions })
    }

    /// A client for the low-level commands: `--region` / `AWS_REGION` / the profile's region.
    pub fn client(&self) -> Result<Client, Failure> {
        let client = Client::new(self.sessions.http.clone())?;
        Ok(match &self.sessions.debug {
            Some(sink) => client.with_debug_log(sink.clone()),
            None => client,
        })
    }

    /// The session a command works on: `--sso-session`, else `--profile` / `AWS_PROFILE`, else
    /// the `default` profile.
    pub fn selector(&self, args: &SessionArgs) -> SessionSelector {
        match (&args.sso_session, &self.global.profile) {
            (Some(s), _) => SessionSelector::SsoSession(s.clone()),
            (None, Some(p)) => SessionSelector::Profile(p.clone()),
            (None, None) => SessionSelector::Profile("default".to_owned()),
        }
    }
}

fn apply_globals(http: &mut Config, global: &GlobalArgs) {
    if let Some(region) = &global.region {
        http.region = Some(region.clone());
    }
    if let Some(url) = &global.endpoint_url {
        http.endpoint_url = Some(url.clone());
    }
    if let Some(connect) = GlobalArgs::timeout(global.cli_connect_timeout) {
        http.connect_timeout = connect.or(Some(NO_LIMIT));
    }
    if let Some(read) = GlobalArgs::timeout(global.cli_read_timeout) {
        http.timeout = read.or(Some(NO_LIMIT));
    }
}

/// What "no limit" (`0`) means: a day, far past any real call.
const NO_LIMIT: std::time::Duration = std::time::Duration::from_secs(24 * 3600);
