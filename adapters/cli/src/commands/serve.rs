//! `serve` and `exec --server`: a container-credentials endpoint on `127.0.0.1` that the AWS
//! SDKs ask for the profile's credentials (`AWS_CONTAINER_CREDENTIALS_FULL_URI` +
//! `AWS_CONTAINER_AUTHORIZATION_TOKEN`), with std networking: a thread per connection, at most
//! `MAX_CONNECTIONS` at once, each with `REQUEST_TIMEOUT` to send its head. What a request is
//! and every answer are core's (`ssooidc_core::container`); the token is 32 bytes from the
//! operating system's generator, compared in constant time.
//!
//! Each answer has credentials with more than 15 minutes left: the last ones while they have,
//! else the profile's again (`ProfileCredentials::fetch`: an SSO role's from the AWS CLI's cache
//! or the portal, the session's token refreshed when due), so a program that runs for a day
//! keeps working for as long as the SSO session lasts.
//!
//! `exec --server` on Unix starts `ssooidc serve` as a helper process (same options, same
//! environment), reads the endpoint's two variables from it, and then becomes the command
//! (`exec`'s `execvp`), so signals and the exit status stay the command's; the helper serves
//! until the command's process is gone (its parent changes). Elsewhere the endpoint runs on a
//! thread of this process while the command runs as a child.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use ssooidc_core::container::{
    credentials_response, read_request, Rejection, Request, MAX_CONNECTIONS, REQUEST_TIMEOUT,
};
use ssooidc_core::settings::ProcessCredentials;
use ssooidc_core::Secret;
use time::OffsetDateTime;

use crate::cli::{AutoLoginArgs, ServeArgs};
use crate::commands::auto_login::AutoLogin;
use crate::commands::profile_credentials::ProfileCredentials;
use crate::context::Context;
use crate::exit::Failure;
use crate::text;
use crate::text::Text;
use crate::ui;

/// Credentials are handed out again while they have more than this left (botocore's
/// advisory refresh window: an SDK asks again when less is left).
const FRESH_FOR: time::Duration = time::Duration::minutes(15);

/// The testing knob (only in builds with the `testing` feature): the request timeout in
/// milliseconds, so that a slow client's test does not wait 5 s.
#[cfg(feature = "testing")]
pub const REQUEST_TIMEOUT_ENV: &str = "SSOOIDC_REQUEST_TIMEOUT_MS";

/// The profile's credentials, kept while they are fresh.
struct Provider {
    source: ProfileCredentials,
    last: Mutex<Option<ProcessCredentials>>,
}

impl Provider {
    /// Credentials with more than [`FRESH_FOR`] left when the source gives such (one fetch at
    /// a time).
    fn current(&self) -> Result<ProcessCredentials, Failure> {
        let mut last = self.last.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(creds) = last.as_ref() {
            let fresh = creds
                .expiration
                .is_none_or(|at| at - OffsetDateTime::now_utc() > FRESH_FOR);
            if fresh {
                return Ok(creds.clone());
            }
        }
        let fetched = self.source.fetch()?;
        ui::warnings(&fetched.warnings);
        *last = Some(fetched.credentials.clone());
        Ok(fetched.credentials)
    }

    /// The whole HTTP answer with the current credentials, or the reason there is none.
    fn answer(&self) -> Result<Vec<u8>, Failure> {
        let creds = self.current()?;
        credentials_response(&creds).map_err(|e| Failure::other(Text::value(e)))
    }
}

/// A bound endpoint and its token.
pub struct Endpoint {
    listener: TcpListener,
    /// `http://127.0.0.1:PORT/`.
    pub url: String,
    /// What every request must carry in `Authorization`.
    pub token: Secret,
    timeout: Duration,
}

impl Endpoint {
    /// Binds `127.0.0.1:port` (`0`: a free port) with a fresh token.
    pub fn bind(port: u16, env: &HashMap<String, String>) -> Result<Endpoint, Failure> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port)).map_err(|e| {
            Failure::other(text!(
                "could not listen on 127.0.0.1:{}: {}",
                port,
                Text::value(e)
            ))
        })?;
        let port = listener
            .local_addr()
            .map_err(|e| Failure::other(text!("no local address: {}", Text::value(e))))?
            .port();
        let mut random = [0u8; 32];
        getrandom::fill(&mut random).map_err(|e| {
            Failure::other(text!(
                "no random token from the operating system: {}",
                Text::value(e)
            ))
        })?;
        let token: String = random.iter().map(|b| format!("{b:02x}")).collect();
        let token = Secret::new(token);
        ssooidc_ureq::secrets::remember(&token);
        Ok(Endpoint {
            listener,
            url: format!("http://127.0.0.1:{port}/"),
            token,
            timeout: request_timeout(env),
        })
    }

    /// Serves forever on this thread (every connection on a thread of its own).
    fn serve(self, provider: Arc<Provider>) {
        let active = Arc::new(AtomicUsize::new(0));
        let token = Arc::new(self.token);
        for stream in self.listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            if active.load(Ordering::SeqCst) >= MAX_CONNECTIONS {
                let _ = stream.set_write_timeout(Some(Duration::from_secs(1)));
                let _ = stream.write_all(&Rejection::Busy.http_response());
                continue;
            }
            active.fetch_add(1, Ordering::SeqCst);
            let (done, token, provider) = (active.clone(), token.clone(), provider.clone());
            let timeout = self.timeout;
            let spawned = std::thread::Builder::new()
                .name("credentials-endpoint".into())
                .spawn(move || {
                    let stream = handle(stream, &token, &provider, timeout);
                    // The slot is free before the client sees the connection close.
                    done.fetch_sub(1, Ordering::SeqCst);
                    drop(stream);
                });
            if spawned.is_err() {
                active.fetch_sub(1, Ordering::SeqCst);
            }
        }
    }
}

/// [`REQUEST_TIMEOUT`], or in a `testing` build the knob's.
fn request_timeout(env: &HashMap<String, String>) -> Duration {
    #[cfg(feature = "testing")]
    if let Some(ms) = env
        .get(REQUEST_TIMEOUT_ENV)
        .and_then(|v| v.trim().parse::<u64>().ok())
    {
        return Duration::from_millis(ms);
    }
    let _ = env;
    REQUEST_TIMEOUT
}

/// One connection: its request head within `timeout`, then one answer; the caller closes it.
fn handle(
    mut stream: TcpStream,
    token: &Secret,
    provider: &Provider,
    timeout: Duration,
) -> TcpStream {
    let _ = stream.set_write_timeout(Some(timeout));
    let deadline = Instant::now() + timeout;
    let mut head = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    let answer = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
            break Rejection::Timeout.http_response();
        }
        match stream.read(&mut chunk) {
            Ok(0) => return stream,
            Ok(n) => head.extend_from_slice(&chunk[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                break Rejection::Timeout.http_response();
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => return stream,
        }
        match read_request(&head, token) {
            Request::Partial => {}
            Request::Credentials => {
                break provider.answer().unwrap_or_else(|failure| {
                    ui::warning(&text!(
                        "the credentials endpoint could not answer: {}",
                        failure.message
                    ));
                    Rejection::Unavailable.http_response()
                })
            }
            Request::Reject(rejection) => break rejection.http_response(),
            // A request this version does not know how to answer.
            _ => break Rejection::Malformed.http_response(),
        }
    };
    let _ = stream.write_all(&answer);
    let _ = stream.flush();
    stream
}

/// The endpoint's two variables, as `export NAME=value` lines for a POSIX shell.
fn variables_text(endpoint: &Endpoint) -> String {
    format!(
        "export AWS_CONTAINER_CREDENTIALS_FULL_URI={}\nexport AWS_CONTAINER_AUTHORIZATION_TOKEN={}\n",
        endpoint.url,
        endpoint.token.expose()
    )
}

/// The provider of the context's profile, checked once: credentials are had now (a session
/// that cannot give them fails before anything is served) and can be served.
fn checked_provider(
    ctx: &Context,
    auto_login: Option<AutoLogin>,
) -> Result<Arc<Provider>, Failure> {
    let provider = Arc::new(Provider {
        source: ProfileCredentials::of(ctx)?.with_auto_login(auto_login),
        last: Mutex::new(None),
    });
    provider.answer()?;
    Ok(provider)
}

/// `serve`: prints the endpoint's variables, then serves until interrupted (or, for
/// `exec --server`'s helper, until the process that started it is gone).
pub fn run(ctx: &Context, args: ServeArgs, env: &HashMap<String, String>) -> Result<(), Failure> {
    // Ctrl-C is handled first, so that a login started while serving cannot take it over:
    // the standalone endpoint stops (a login in progress ends with the process, which
    // releases its lock); `exec --server`'s helper leaves it to the command.
    let (stop, stopped) = std::sync::mpsc::channel::<()>();
    let helper = args.until_parent_exits.is_some();
    let _ = ctrlc::set_handler(move || {
        if !helper {
            let _ = stop.send(());
        }
    });
    let auto_login = AutoLogin::new(ctx, &args.auto_login);
    let provider = checked_provider(ctx, auto_login)?;
    let endpoint = Endpoint::bind(args.port, env)?;
    ui::write_stdout(&variables_text(&endpoint))?;
    let serving = std::thread::Builder::new()
        .name("credentials-endpoint".into())
        .spawn(move || endpoint.serve(provider))
        .map_err(|e| Failure::other(text!("could not start the endpoint: {}", Text::value(e))))?;
    match args.until_parent_exits {
        Some(parent) => wait_for_parent(parent),
        None => {
            let _ = stopped.recv();
        }
    }
    drop(serving);
    Ok(())
}

/// Returns once this process's parent is no longer `parent`.
#[cfg(unix)]
fn wait_for_parent(parent: u32) {
    // Ctrl-C at the terminal is the command's to handle (this helper ignores it: see `run`);
    // the helper ends with the command.
    while std::os::unix::process::parent_id() == parent {
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Not used outside Unix (`exec --server` serves on a thread there).
#[cfg(not(unix))]
fn wait_for_parent(_parent: u32) {}

/// `exec --server`: the endpoint's variables for the command, the endpoint served until the
/// command ends.
pub fn for_exec(
    ctx: &Context,
    auto_login: &AutoLoginArgs,
    global_args: &[String],
) -> Result<Vec<(&'static str, String)>, Failure> {
    let (url, token) = start_for_exec(ctx, auto_login, global_args)?;
    Ok(ssooidc_core::settings::child_environment(
        ssooidc_core::settings::Handoff::Endpoint {
            url: &url,
            token: &token,
        },
        &ctx.settings.profile.value,
        ctx.settings.region.as_ref().map(|r| r.value.as_str()),
    ))
}

/// Starts `ssooidc serve` as a helper that outlives this process image, and reads its
/// endpoint. Its stderr is the terminal's (its warnings); a helper that fails has said why
/// there, and its exit code is this command's.
#[cfg(unix)]
fn start_for_exec(
    ctx: &Context,
    auto_login: &AutoLoginArgs,
    global_args: &[String],
) -> Result<(String, Secret), Failure> {
    use std::io::BufRead;
    use std::process::{Command, Stdio};

    // A login the session needs now happens here, in the foreground (Ctrl-C cancels it);
    // the helper logs in itself when the session ends while it serves.
    if let Some(login) = AutoLogin::new(ctx, auto_login) {
        ProfileCredentials::of(ctx)?
            .with_auto_login(Some(login))
            .fetch()?;
    }
    let mut helper_args = vec!["serve".to_owned()];
    if auto_login.login {
        helper_args.push("--login".to_owned());
    }
    if auto_login.use_device_code {
        helper_args.push("--use-device-code".to_owned());
    }
    helper_args.push("--until-parent-exits".to_owned());
    helper_args.push(std::process::id().to_string());

    let exe = std::env::current_exe()
        .map_err(|e| Failure::other(text!("cannot find ssooidc itself: {}", Text::value(e))))?;
    let mut helper = Command::new(exe)
        .args(global_args)
        .args(&helper_args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| {
            Failure::other(text!(
                "could not start the credentials endpoint: {}",
                Text::value(e)
            ))
        })?;
    let stdout = helper
        .stdout
        .take()
        .ok_or_else(|| Failure::other("the credentials endpoint gave no output"))?;
    let mut lines = std::io::BufReader::new(stdout).lines();
    let mut value = |name: &str| -> Option<String> {
        let line = lines.next()?.ok()?;
        line.strip_prefix(&format!("export {name}="))
            .map(str::to_owned)
    };
    let url = value("AWS_CONTAINER_CREDENTIALS_FULL_URI");
    let token = value("AWS_CONTAINER_AUTHORIZATION_TOKEN");
    match (url, token) {
        (Some(url), Some(token)) => {
            let token = Secret::new(token);
            ssooidc_ureq::secrets::remember(&token);
            Ok((url, token))
        }
        _ => {
            let status = helper.wait().ok().and_then(|s| s.code());
            Err(Failure {
                code: status.filter(|c| *c != 0).unwrap_or(crate::exit::OTHER),
                message: Text::default(),
            })
        }
    }
}

/// Serves on a thread of this process, for as long as it runs.
#[cfg(not(unix))]
fn start_for_exec(
    ctx: &Context,
    auto_login: &AutoLoginArgs,
    _global_args: &[String],
) -> Result<(String, Secret), Failure> {
    let provider = checked_provider(ctx, AutoLogin::new(ctx, auto_login))?;
    let endpoint = Endpoint::bind(0, &ctx.environment.env)?;
    let (url, token) = (endpoint.url.clone(), endpoint.token.clone());
    std::thread::Builder::new()
        .name("credentials-endpoint".into())
        .spawn(move || endpoint.serve(provider))
        .map_err(|e| Failure::other(text!("could not start the endpoint: {}", Text::value(e))))?;
    Ok((url, token))
}
