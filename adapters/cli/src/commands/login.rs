//! `login`: as `aws sso login`, the browser login (authorization code with PKCE) for
//! sso-sessions, or the device login with `--use-device-code` and for legacy profiles, writing
//! the AWS CLI's token and registration caches.

use std::collections::HashMap;

use ssooidc_core::browser::BrowserUrl;
use ssooidc_core::sessions::{FlowRequest, Host, LoginFlow};
use ssooidc_ureq::device::{LoginError, LoginOptions};
use ssooidc_ureq::session::{LoginResult, SessionError, SessionSelector, Sessions};
use ssooidc_ureq::{AuthCodeError, CancelToken, Event};

use crate::cli::LoginArgs;
use crate::context::Context;
use crate::exit::Failure;
use crate::text;
use crate::text::Text;
use crate::ui::{self, LoginUi};

/// `login`.
pub fn run(ctx: &Context, args: LoginArgs, env: &HashMap<String, String>) -> Result<(), Failure> {
    let selector = match (&args.start_url, &args.session.sso_session) {
        (Some(start_url), _) => {
            let region = ctx.settings.region.as_ref().map(|r| r.value.clone()).ok_or_else(|| {
                Failure::usage("--start-url needs --region (or AWS_REGION): the region of your IAM Identity Center")
            })?;
            SessionSelector::StartUrl {
                start_url: start_url.clone(),
                region,
            }
        }
        _ => ctx.selector(&args.session),
    };
    let sessions = ctx.sessions()?;
    let use_device_code = fit_flow(
        &sessions,
        &selector,
        env,
        args.flow.use_device_code,
        args.flow.use_browser_login,
    );
    let result = login(
        &sessions,
        selector,
        args.flow.no_browser,
        env,
        login_options(env).use_device_code(use_device_code),
        None,
    )?;
    ui::warnings(&result.warnings);
    if result.reused_concurrent_login {
        ui::note(&Text::from("Another ssooidc finished logging in to this session while this one waited; using its token."));
    }
    ui::show(&text!(
        "Successfully logged into Start URL: {}",
        Text::value(result.token.start_url.as_deref().unwrap_or("-"))
    ))?;
    ui::note(&text!(
        "Token cached in {}",
        ui::safe_path(&result.token_path)
    ));
    Ok(())
}

/// What this host offers a browser login, from the environment and the platform.
pub fn host(env: &HashMap<String, String>) -> Host {
    let set = |k: &str| env.get(k).is_some_and(|v| !v.is_empty());
    Host {
        remote_shell: set("SSH_CONNECTION") || set("SSH_TTY"),
        display: set("DISPLAY") || set("WAYLAND_DISPLAY"),
        browser_command: set("BROWSER"),
        desktop_platform: cfg!(any(target_os = "macos", windows)),
    }
}

/// Whether to use the device login: the flags, or else the login that fits the host (core's
/// `LoginFlow::fit`), said in one line when the device login is chosen by itself.
pub fn fit_flow(
    sessions: &Sessions,
    selector: &SessionSelector,
    env: &HashMap<String, String>,
    use_device_code: bool,
    use_browser_login: bool,
) -> bool {
    let request = match (use_device_code, use_browser_login) {
        (true, _) => FlowRequest::DeviceCode,
        (_, true) => FlowRequest::Browser,
        _ => FlowRequest::Auto,
    };
    // An unknown session fails in the login itself, with its own message.
    let Ok(session) = sessions.session(selector.clone()) else {
        return use_device_code;
    };
    let (flow, because) = LoginFlow::fit(session.session_name.is_some(), request, host(env));
    if let Some(because) = because {
        ui::note(&text!(
            "Using the device login: {} (--use-browser-login to use the browser login anyway).",
            Text::value(because)
        ));
    }
    flow == LoginFlow::DeviceCode
}

/// The testing knob `SSOOIDC_PROTOCOL_SECOND_MS` (only in builds with the `testing` feature,
/// which the end-to-end tests enable): the real length, in milliseconds, of one protocol second
/// (polling intervals, slow_down, the code's lifetime). Pair it with the emulator's `--second`.
#[cfg(feature = "testing")]
pub const PROTOCOL_SECOND_ENV: &str = "SSOOIDC_PROTOCOL_SECOND_MS";

/// Login options: the defaults (and, in a `testing` build, the protocol-second knob of both
/// logins).
pub fn login_options(env: &HashMap<String, String>) -> LoginOptions {
    let options = LoginOptions::default();
    #[cfg(feature = "testing")]
    if let Some(ms) = env
        .get(PROTOCOL_SECOND_ENV)
        .and_then(|v| v.trim().parse::<u64>().ok())
    {
        let second = std::time::Duration::from_millis(ms);
        return options
            .flow(ssooidc_ureq::DeviceFlowConfig::default().second(second))
            .auth_code(ssooidc_ureq::AuthCodeConfig::default().second(second));
    }
    let _ = env;
    options
}

/// Runs the login with the terminal UI and Ctrl-C handling; shared by `login` and `demo`.
/// `fallback_browser` (the demo's scripted browser) is handed the browser login's URL when no
/// real browser can be opened.
pub fn login(
    sessions: &Sessions,
    selector: SessionSelector,
    no_browser: bool,
    env: &HashMap<String, String>,
    mut options: LoginOptions,
    fallback_browser: Option<&dyn Fn(&BrowserUrl)>,
) -> Result<LoginResult, Failure> {
    let cancel = CancelToken::new();
    options.cancel = cancel.clone();
    install_interrupt_handler(cancel);
    let mut ui = LoginUi::new(env, no_browser);
    let result = sessions.login(selector.clone(), options, |event| match event {
        Event::Prompt(prompt) => ui.prompt(prompt),
        Event::Authorize(request) => ui.authorize(request, fallback_browser),
        Event::StartingOver(why) => ui.starting_over(why),
        _ => {}
    });
    drop(ui);
    match result {
        Ok(r) => Ok(r),
        Err(SessionError::Login(LoginError::Cancelled)) => Err(Failure::interrupted()),
        Err(
            e @ SessionError::Login(LoginError::AuthCode(
                AuthCodeError::DeadlineReachedWithCachedRegistration,
            )),
        ) => {
            // Name the cached registration the message tells the person to remove.
            let path = sessions
                .session(selector.clone())
                .ok()
                .map(|session| sessions.cache.path(&session.registration_key()));
            let mut failure = Failure::session(e, &selector);
            if let Some(path) = path {
                failure
                    .message
                    .push(text!(" The cached registration: {}", ui::safe_path(&path)));
            }
            Err(failure)
        }
        Err(e) => Err(Failure::session(e, &selector)),
    }
}

/// Ctrl-C cancels the login (while polling, or while waiting for the browser): the driver wakes,
/// nothing more is written, the command exits 130.
pub(crate) fn install_interrupt_handler(cancel: CancelToken) {
    // An error here means a handler is already installed (demo runs one login per process).
    let _ = ctrlc::set_handler(move || cancel.cancel());
}
