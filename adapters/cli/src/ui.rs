//! What the person at the terminal sees during a login: the user code and URL, a QR code, a
//! countdown, and the browser. Everything goes to stderr, so stdout stays for results; nothing
//! animated is written unless both stdout and stderr are terminals.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use qrcode::render::unicode::Dense1x2;
use qrcode::QrCode;
use ssooidc_core::browser::BrowserUrl;
use ssooidc_core::device::Prompt;
use ssooidc_core::text::for_terminal;

/// Whether stdout and stderr are terminals.
#[derive(Debug, Clone, Copy)]
pub struct Tty {
    /// stdout is a terminal.
    pub stdout: bool,
    /// stderr is a terminal.
    pub stderr: bool,
}

impl Tty {
    /// Looks at the real streams.
    pub fn detect() -> Self {
        Tty {
            stdout: std::io::stdout().is_terminal(),
            stderr: std::io::stderr().is_terminal(),
        }
    }

    /// Animation (the countdown) only when both are terminals.
    pub fn animate(self) -> bool {
        self.stdout && self.stderr
    }
}

/// The prompt text, and a QR code of the complete URL when stderr is a terminal. The server's
/// strings are shown through [`for_terminal`]; the QR code is drawn only for a URL a browser
/// may open ([`BrowserUrl`]).
pub fn show_prompt(prompt: &Prompt, tty: Tty, opened_browser: bool) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err);
    if opened_browser {
        let _ = writeln!(
            err,
            "Attempting to open the authorization page in your browser."
        );
        let _ = writeln!(err, "If the browser does not open, open the following URL:");
    } else {
        let _ = writeln!(err, "Open the following URL in a browser (on any device):");
    }
    let _ = writeln!(err);
    let _ = writeln!(err, "    {}", for_terminal(&prompt.verification_uri));
    let _ = writeln!(err);
    let _ = writeln!(err, "Then enter the code:");
    let _ = writeln!(err);
    let _ = writeln!(err, "    {}", for_terminal(&prompt.user_code));
    let _ = writeln!(err);
    if let Some(complete) = &prompt.verification_uri_complete {
        let _ = writeln!(
            err,
            "Or open this URL, which has the code filled in (check the code matches):"
        );
        let _ = writeln!(err, "    {}", for_terminal(complete));
        if tty.stderr && BrowserUrl::parse(complete).is_ok() {
            if let Some(qr) = qr_code(complete) {
                let _ = writeln!(err, "\nOr scan this QR code with a phone:\n{qr}");
            }
        }
    }
}

/// A QR code for `text`, drawn with half-block characters (light on dark).
pub fn qr_code(text: &str) -> Option<String> {
    let code = QrCode::new(text.as_bytes()).ok()?;
    Some(
        code.render::<Dense1x2>()
            .dark_color(Dense1x2::Light)
            .light_color(Dense1x2::Dark)
            .quiet_zone(true)
            .build(),
    )
}

/// Whether a browser can be opened: not refused, and on Linux a display (or `BROWSER`).
pub fn can_open_browser(env: &HashMap<String, String>, no_browser: bool) -> bool {
    if no_browser {
        return false;
    }
    let set = |k: &str| env.get(k).is_some_and(|v| !v.is_empty());
    if set("BROWSER") {
        return true;
    }
    if cfg!(any(target_os = "macos", windows)) {
        return true;
    }
    set("DISPLAY") || set("WAYLAND_DISPLAY")
}

/// Opens `url` with `BROWSER`, or the platform's opener. Output of the opener is discarded.
pub fn open_browser(url: &str, env: &HashMap<String, String>) -> bool {
    let mut command = match env.get("BROWSER").filter(|v| !v.is_empty()) {
        Some(browser) => {
            let mut c = Command::new(browser);
            c.arg(url);
            c
        }
        None if cfg!(target_os = "macos") => {
            let mut c = Command::new("open");
            c.arg(url);
            c
        }
        None if cfg!(windows) => {
            let mut c = Command::new("cmd");
            c.args(["/C", "start", ""]).arg(url);
            c
        }
        None => {
            let mut c = Command::new("xdg-open");
            c.arg(url);
            c
        }
    };
    command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .is_ok()
}

/// What a device login shows, shared by `login` and `oauth login`: on the prompt, the
/// browser opened on the complete URL (when allowed and the URL is a [`BrowserUrl`]), the
/// prompt and QR code, then a countdown until the login ends (the value is dropped).
pub struct LoginUi<'a> {
    env: &'a HashMap<String, String>,
    tty: Tty,
    browser: bool,
    countdown: Option<Countdown>,
}

impl<'a> LoginUi<'a> {
    /// The UI of a login in the environment `env`; `no_browser`: never open one.
    pub fn new(env: &'a HashMap<String, String>, no_browser: bool) -> Self {
        LoginUi {
            env,
            tty: Tty::detect(),
            browser: can_open_browser(env, no_browser),
            countdown: None,
        }
    }

    /// The flow asks the user to approve: open, show, count down.
    pub fn prompt(&mut self, prompt: &Prompt) {
        let opened = self.browser
            && prompt
                .verification_uri_complete
                .as_deref()
                .and_then(|url| BrowserUrl::parse(url).ok())
                .is_some_and(|url| open_browser(url.as_str(), self.env));
        show_prompt(prompt, self.tty, opened);
        self.countdown = Some(Countdown::start(
            prompt.expires_at.max(Instant::now()),
            self.tty,
        ));
    }
}

/// A one-line countdown on stderr until stopped.
pub struct Countdown {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Countdown {
    /// Starts counting down to `until` when `tty` allows animation; otherwise does nothing.
    pub fn start(until: Instant, tty: Tty) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let thread = tty.animate().then(|| {
            let stop = stop.clone();
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let left = until.saturating_duration_since(Instant::now()).as_secs();
                    eprint!(
                        "\r\x1b[2KWaiting for approval in the browser... {}:{:02} left",
                        left / 60,
                        left % 60
                    );
                    let _ = std::io::stderr().flush();
                    std::thread::sleep(Duration::from_millis(250));
                }
                eprint!("\r\x1b[2K");
                let _ = std::io::stderr().flush();
            })
        });
        Countdown { stop, thread }
    }
}

impl Drop for Countdown {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qr_code_renders_blocks() {
        let qr =
            qr_code("https://d-1234567890.awsapps.com/start/#/device?user_code=GPNW-SHFH").unwrap();
        assert!(qr.lines().count() > 10);
        assert!(qr.contains('█') || qr.contains('▀') || qr.contains('▄'));
    }

    #[test]
    fn hostile_prompts_are_shown_harmless_and_not_opened() {
        // The browser check: a hostile "URL" is never handed to the opener.
        assert!(BrowserUrl::parse("--new-window=/tmp/x").is_err());
        assert_eq!(
            for_terminal("\x1b]0;pwned\x07ABCD"),
            "\\x1b]0;pwned\\x07ABCD"
        );
    }

    #[test]
    fn browser_needs_a_display_on_linux() {
        let env = |pairs: &[(&str, &str)]| -> HashMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        assert!(
            !can_open_browser(&env(&[("DISPLAY", ":0")]), true),
            "--no-browser wins"
        );
        assert!(can_open_browser(&env(&[("BROWSER", "firefox")]), false));
        if cfg!(target_os = "linux") {
            assert!(!can_open_browser(&env(&[]), false));
            assert!(can_open_browser(&env(&[("DISPLAY", ":0")]), false));
        }
    }
}
