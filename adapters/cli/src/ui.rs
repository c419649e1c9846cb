//! What the person at the terminal sees: the user code and URL of a login, a QR code, a
//! countdown, the browser, and every line a command prints. Login output goes to stderr, so
//! stdout stays for results; nothing animated is written unless both stdout and stderr are
//! terminals.
//!
//! Every line that can hold a string from a server or a file (a user code, a URL, an error
//! description, a section name, a cached value, a path) is written through this module as a
//! [`Text`]: our words as they are, each such string passed once through
//! [`ssooidc_core::text::for_terminal`] as it was put in (see [`mod@crate::text`]); JSON goes
//! through [`ssooidc_core::text::json_for_terminal`]. No escape sequence, control character
//! or bidirectional override from outside reaches the terminal, and the line breaks and tabs
//! of our own messages are not escaped. Errors, warnings and notes also have every secret the
//! process handled redacted by value ([`ssooidc_ureq::secrets`]). The only thing handed to a
//! browser is a [`BrowserUrl`] (the device flow's page, or the browser login's authorize URL).

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use qrcode::render::unicode::Dense1x2;
use qrcode::QrCode;
use ssooidc_core::authcode::AuthorizeRequest;
use ssooidc_core::browser::BrowserUrl;
use ssooidc_core::device::{Prompt, StartOver};
use ssooidc_core::text::json_for_terminal;
use ssooidc_ureq::secrets;

use crate::exit::Failure;
use crate::text;
use crate::text::Text;

/// A path as it may be shown.
pub fn safe_path(path: &Path) -> Text {
    Text::value(path.display())
}

/// Writes `text` to stdout as it is, and flushes it: the one place a result reaches stdout.
/// `text` is either a [`Text`] ([`show`]), JSON made safe ([`show_json`]) or what core made for
/// a parser and checked (`credentials`' output). A reader that went away (a broken pipe) is
/// [`Failure::broken_pipe`] (exit 141, no message); any other failure to write (a full disk)
/// is a failure naming it. Never a panic, as `print!` would be.
pub fn write_stdout(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::BrokenPipe => Failure::broken_pipe(),
            _ => Failure::other(text!(
                "could not write the result to stdout: {}",
                Text::value(e)
            )),
        })
}

/// Writes one line of a result to stdout (see [`write_stdout`]).
pub fn show(line: &Text) -> Result<(), Failure> {
    write_stdout(&format!("{line}\n"))
}

/// Writes a JSON document to stdout, safe for a terminal and meaning the same to a parser (see
/// [`write_stdout`]).
pub fn show_json(json: &str) -> Result<(), Failure> {
    write_stdout(&format!("{}\n", json_for_terminal(json)))
}

/// Writes a message line to stderr, every secret the process handled redacted.
pub fn note(line: &Text) {
    let _ = writeln!(std::io::stderr().lock(), "{}", secrets::redact(line));
}

/// Writes `warning: ...` to stderr, secrets redacted.
pub fn warning(message: &Text) {
    note(&text!("warning: {}", message));
}

/// Writes the warnings a library call gave (its own messages, holding paths and servers'
/// words: values, each sanitised).
pub fn warnings(messages: &[String]) {
    for message in messages {
        warning(&Text::value(message));
    }
}

/// Writes the message of a failed command to stderr, secrets redacted.
pub fn show_error(message: &Text) {
    note(message);
}

/// Writes one debug entry (a request or response log, one line per header) to stderr after
/// `[debug] `, each of its lines sanitised on its own (the line breaks are the log's; a server
/// string cannot add one). The sink has already redacted secrets by name and by value.
pub fn debug_line(text: &str) {
    let lines: Vec<String> = text
        .split('\n')
        .map(|line| Text::value(line).to_string())
        .collect();
    let _ = writeln!(std::io::stderr().lock(), "[debug] {}", lines.join("\n"));
}

/// Tells the user a login starts a step over, and why.
pub fn show_starting_over(why: &StartOver) {
    note(&text!("{}.", Text::value(why)));
}

/// Tells the user this process waits for another one's lock.
pub fn show_lock_wait(lock: &Path, limit: Duration) {
    note(&text!(
        "Waiting for another ssooidc that holds {} (logging in or refreshing this session), at most {}...",
        safe_path(lock),
        human_duration(limit)
    ));
}

/// Tells the user a failed request is tried again after `wait`.
pub fn show_retry_wait(operation: &str, wait: Duration) {
    note(&text!(
        "{} failed; trying again in {:.1} s...",
        Text::value(operation),
        wait.as_secs_f64()
    ));
}

/// `90 s`, `15 min`, `2 h`.
fn human_duration(d: Duration) -> Text {
    match d.as_secs() {
        s if s < 120 => text!("{} s", s),
        s if s < 7200 => text!("{} min", s / 60),
        s => text!("{} h", s / 3600),
    }
}

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

/// The prompt text, and a QR code of the complete URL when stderr is a terminal. Every string
/// of the server's is sanitised; the complete URL is shown as a link and a QR code only when it
/// is a [`BrowserUrl`], and otherwise with the reason it is not used.
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
    let _ = writeln!(err, "    {}", Text::value(&prompt.verification_uri));
    let _ = writeln!(err);
    let _ = writeln!(err, "Then enter the code:");
    let _ = writeln!(err);
    let _ = writeln!(err, "    {}", Text::value(&prompt.user_code));
    let _ = writeln!(err);
    match prompt.browser_url() {
        Some(Ok(complete)) => {
            let _ = writeln!(
                err,
                "Or open this URL, which has the code filled in (check the code matches):"
            );
            let _ = writeln!(err, "    {complete}");
            if tty.stderr {
                if let Some(qr) = qr_code(complete.as_str()) {
                    let _ = writeln!(err, "\nOr scan this QR code with a phone:\n{qr}");
                }
            }
        }
        Some(Err(why)) => {
            let _ = writeln!(
                err,
                "(The server's link with the code filled in is not shown or opened: {}.)",
                Text::value(why)
            );
        }
        None => {}
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

/// What the browser login shows: where the browser goes, and what to do when it does not open.
/// Unlike the device flow's URL, this one only works in a browser on this machine (it sends the
/// browser back to `127.0.0.1`), so there is no QR code. Everything goes to stderr.
pub fn show_authorize(request: &AuthorizeRequest, opened_browser: bool) {
    let mut err = std::io::stderr().lock();
    let url = Text::value(request.url.as_str());
    let _ = writeln!(err);
    if opened_browser {
        let _ = writeln!(
            err,
            "Attempting to open your default browser. If the browser does not open, open the following URL:"
        );
    } else {
        let _ = writeln!(err, "Browser will not be automatically opened.");
        let _ = writeln!(
            err,
            "Please visit the following URL in a browser on this machine:"
        );
    }
    let _ = writeln!(err);
    let _ = writeln!(err, "    {url}");
    let _ = writeln!(err);
    let _ = writeln!(
        err,
        "The browser comes back to {} on this machine. If you cannot open the URL here, run this command again with the '--use-device-code' option.",
        Text::value(&request.redirect_uri)
    );
}

/// The operating systems whose ways of opening a browser differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    /// Linux and the other Unix-likes: `xdg-open`.
    Unix,
    /// macOS: `open`.
    MacOs,
    /// Windows: the shell's handler for the URL.
    Windows,
}

impl Platform {
    /// The platform this is built for.
    pub const CURRENT: Platform = if cfg!(target_os = "macos") {
        Platform::MacOs
    } else if cfg!(windows) {
        Platform::Windows
    } else {
        Platform::Unix
    };
}

/// The program that opens `url`, and its arguments: `BROWSER` (one program, the URL its one
/// argument), else the platform's opener. On macOS `/usr/bin/open`. On Windows the shell's
/// handler for the URL through `rundll32.exe url.dll,FileProtocolHandler`, which hands it to
/// `ShellExecute` (what Python's `os.startfile` does when the AWS CLI opens a browser there),
/// never `cmd /c start`: `cmd` would take a URL's `&` for the end of a command and run what
/// follows, and expand `%NAME%`. Elsewhere `xdg-open`.
pub fn opener(
    url: &BrowserUrl,
    env: &HashMap<String, String>,
    platform: Platform,
) -> (String, Vec<String>) {
    let url = url.as_str().to_owned();
    match env.get("BROWSER").filter(|v| !v.is_empty()) {
        Some(browser) => (browser.clone(), vec![url]),
        None => match platform {
            Platform::MacOs => ("/usr/bin/open".to_owned(), vec![url]),
            Platform::Windows => (
                "rundll32.exe".to_owned(),
                vec!["url.dll,FileProtocolHandler".to_owned(), url],
            ),
            Platform::Unix => ("xdg-open".to_owned(), vec![url]),
        },
    }
}

/// Opens `url` with `BROWSER`, or the platform's opener ([`opener`]). Output of the opener is
/// discarded. Only a [`BrowserUrl`] is opened: never an option-looking argument, another
/// scheme, or plain http off loopback.
pub fn open_browser(url: &BrowserUrl, env: &HashMap<String, String>) -> bool {
    let (program, args) = opener(url, env, Platform::CURRENT);
    Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .is_ok()
}

/// What a login shows, shared by `login`, `demo` and `oauth login`: for a device prompt, the
/// browser opened on the complete URL (when allowed and the URL is a [`BrowserUrl`]), the
/// prompt and QR code; for a browser login, the authorize URL opened or shown; a countdown
/// until the login ends or starts over (stopped when the value is dropped).
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

    /// The device flow asks the user to approve: open, show, count down.
    pub fn prompt(&mut self, prompt: &Prompt) {
        drop(self.countdown.take());
        let opened = self.browser
            && prompt
                .browser_url()
                .and_then(Result::ok)
                .is_some_and(|url| open_browser(&url, self.env));
        show_prompt(prompt, self.tty, opened);
        self.count_down_to(prompt.expires_at);
    }

    /// The browser login waits for the browser: open the authorize URL (or show it and hand
    /// it to `fallback`, the demo's scripted browser, when none can be opened), count down.
    pub fn authorize(
        &mut self,
        request: &AuthorizeRequest,
        fallback: Option<&dyn Fn(&BrowserUrl)>,
    ) {
        drop(self.countdown.take());
        let opened = self.browser && open_browser(&request.url, self.env);
        show_authorize(request, opened);
        if !opened {
            if let Some(fallback) = fallback {
                fallback(&request.url);
            }
        }
        self.count_down_to(request.expires_at);
    }

    /// The login goes back a step: say why (the next prompt follows).
    pub fn starting_over(&mut self, why: &StartOver) {
        drop(self.countdown.take());
        show_starting_over(why);
    }

    fn count_down_to(&mut self, until: Instant) {
        self.countdown = Some(Countdown::start(until.max(Instant::now()), self.tty));
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
                let vt = Platform::CURRENT != Platform::Windows;
                while !stop.load(Ordering::Relaxed) {
                    let left = until.saturating_duration_since(Instant::now()).as_secs();
                    // Written, never `eprint!`: a closed stderr is no reason to panic.
                    let mut err = std::io::stderr().lock();
                    let _ = write!(err, "{}", countdown_line(left, vt));
                    let _ = err.flush();
                    drop(err);
                    std::thread::sleep(Duration::from_millis(250));
                }
                let mut err = std::io::stderr().lock();
                let _ = write!(err, "{}", countdown_clear(vt));
                let _ = err.flush();
            })
        });
        Countdown { stop, thread }
    }
}

/// The width the countdown line is padded to where it cannot erase the line (more than the
/// longest line, less than the narrowest usual terminal).
const COUNTDOWN_WIDTH: usize = 64;

/// One step of the countdown: back to the start of the line, erased, the time left. `vt`: the
/// terminal takes the escape sequence that erases a line (`ESC [2K`). A Windows console takes it
/// only when a program turns that on (which needs the console API), so there the line is
/// overwritten with the text padded with spaces instead: nothing but printable text and `\r`.
fn countdown_line(left_secs: u64, vt: bool) -> String {
    let text = format!(
        "Waiting for approval in the browser... {}:{:02} left",
        left_secs / 60,
        left_secs % 60
    );
    if vt {
        format!("\r\x1b[2K{text}")
    } else {
        format!("\r{text:<COUNTDOWN_WIDTH$}")
    }
}

/// What erases the countdown line when it stops (see [`countdown_line`]).
fn countdown_clear(vt: bool) -> String {
    if vt {
        "\r\x1b[2K".to_owned()
    } else {
        format!("\r{:COUNTDOWN_WIDTH$}\r", "")
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
            &*Text::value("\x1b]0;pwned\x07ABCD"),
            "\\x1b]0;pwned\\x07ABCD"
        );
    }

    #[test]
    fn each_platform_opens_the_url_as_one_argument_without_a_shell() {
        let url = BrowserUrl::parse("https://x.example/authorize?a=1&b=%PATH%^&c=|d").unwrap();
        let none = HashMap::new();
        let args = |pairs: &[&str]| pairs.iter().map(|a| a.to_string()).collect::<Vec<_>>();
        let whole = url.as_str();
        assert_eq!(
            opener(&url, &none, Platform::Unix),
            ("xdg-open".to_owned(), args(&[whole]))
        );
        assert_eq!(
            opener(&url, &none, Platform::MacOs),
            ("/usr/bin/open".to_owned(), args(&[whole]))
        );
        // Not `cmd /c start`, which would run what follows the `&`.
        assert_eq!(
            opener(&url, &none, Platform::Windows),
            (
                "rundll32.exe".to_owned(),
                args(&["url.dll,FileProtocolHandler", whole])
            )
        );
        let browser = HashMap::from([("BROWSER".to_owned(), r"C:\b\browser.exe".to_owned())]);
        for platform in [Platform::Unix, Platform::MacOs, Platform::Windows] {
            assert_eq!(
                opener(&url, &browser, platform),
                (r"C:\b\browser.exe".to_owned(), args(&[whole]))
            );
        }
    }

    #[test]
    fn the_countdown_without_escape_sequences_overwrites_its_line() {
        assert_eq!(
            countdown_line(61, true),
            "\r\x1b[2KWaiting for approval in the browser... 1:01 left"
        );
        assert_eq!(countdown_clear(true), "\r\x1b[2K");
        for left in [0, 59, 600, 6000, u64::MAX] {
            let line = countdown_line(left, false);
            assert!(!line.contains('\x1b'), "{line:?}");
            assert!(line.starts_with('\r'), "{line:?}");
            // Every line at least as long as the longest before it: nothing is left over.
            assert!(line.len() > COUNTDOWN_WIDTH, "{line:?}");
        }
        assert_eq!(countdown_line(600, false).trim_end().len(), 50);
        let clear = countdown_clear(false);
        assert_eq!(clear.len(), COUNTDOWN_WIDTH + 2);
        assert!(clear.trim_matches(['\r', ' ']).is_empty());
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
