//! What every command needs: the environment and files, read once, and the settings resolved
//! with the global options over them.

use std::collections::HashMap;

use ssooidc_ureq::oauth::OAuthSessions;
use ssooidc_ureq::session::{SessionSelector, Sessions};
use ssooidc_ureq::{Client, Config, DebugSink, Environment, Settings, WaitNotice};

use crate::cli::{GlobalArgs, SessionArgs};
use crate::exit::Failure;

/// The resolved environment of one run.
pub struct Context {
    /// The environment and the parsed files.
    pub environment: Environment,
    /// The settings in effect.
    pub settings: Settings,
    debug: Option<DebugSink>,
}

impl Context {
    /// Reads the files `env` (this process's environment) points at, and resolves the settings
    /// with the global options. The commands read the environment from here
    /// (`environment.env`): one map, never copied on the way to a cache hit.
    pub fn new(global: GlobalArgs, env: HashMap<String, String>) -> Result<Self, Failure> {
        let environment = Environment::from_env(env)?;
        let settings = environment.settings(&global.explicit())?;
        let debug = global.debug.then(|| DebugSink::new(crate::ui::debug_line));
        Ok(Context {
            environment,
            settings,
            debug,
        })
    }

    /// This context with `config` in place of the config file's (a session about to be written:
    /// `configure sso` logs in to it first).
    pub fn with_config(&self, config: ssooidc_ureq::core::config::AwsConfig) -> Context {
        let mut environment = self.environment.clone();
        environment.config = config;
        Context {
            environment,
            settings: self.settings.clone(),
            debug: self.debug.clone(),
        }
    }

    /// A client for the low-level commands: the resolved region and endpoint.
    pub fn client(&self) -> Result<Client, Failure> {
        let client = Client::new(Config::from_settings(self.settings.clone()))?
            .with_wait_notice(WaitNotice::new(crate::ui::show_retry_wait));
        Ok(match &self.debug {
            Some(sink) => client.with_debug_log(sink.clone()),
            None => client,
        })
    }

    /// The session store (over a copy of the environment and settings).
    pub fn sessions(&self) -> Result<Sessions, Failure> {
        Context {
            environment: self.environment.clone(),
            settings: self.settings.clone(),
            debug: self.debug.clone(),
        }
        .into_sessions()
    }

    /// The session store, made of this context without copying it (`token` and `credentials`:
    /// a cache hit needs nothing else).
    pub fn into_sessions(self) -> Result<Sessions, Failure> {
        let Context {
            environment,
            settings,
            debug,
        } = self;
        let mut sessions = Sessions::with_settings(environment, settings)?;
        sessions.debug = debug;
        sessions.cache = sessions.cache.on_lock_wait(crate::ui::show_lock_wait);
        sessions.wait_notice = Some(WaitNotice::new(crate::ui::show_retry_wait));
        Ok(sessions)
    }

    /// The token cache of `ssooidc oauth`, with this run's HTTP settings and debug log.
    pub fn oauth_sessions(&self) -> Result<OAuthSessions, Failure> {
        let mut sessions = OAuthSessions::new(
            &self.environment,
            Config::from_settings(self.settings.clone()),
        )?;
        sessions.debug.clone_from(&self.debug);
        Ok(sessions)
    }

    /// The session a command works on: `--sso-session`, else the profile (`--profile`,
    /// `AWS_PROFILE`, `AWS_DEFAULT_PROFILE`, `default`).
    pub fn selector(&self, args: &SessionArgs) -> SessionSelector {
        match &args.sso_session {
            Some(name) => SessionSelector::SsoSession(name.clone()),
            None => SessionSelector::Profile(self.settings.profile.value.clone()),
        }
    }
}

/// The last use of the session store of a command whose process ends next (`token` and
/// `credentials`): the system takes its memory back at the exit, at once, instead of the
/// program freeing its maps and strings one by one (about 2% of a cache hit). Nothing in it
/// has work to do when dropped (no lock is held by the store itself).
pub fn end_of_process(sessions: Sessions) {
    std::mem::forget(sessions);
}
