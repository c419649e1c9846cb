//! `demo`: a complete login against the local emulator, in a temporary HOME, without an AWS
//! account: the browser login (authorization code with PKCE), or with `--use-device-code` the
//! device login.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use ssooidc_core::browser::BrowserUrl;
use ssooidc_emulator::{Approval, Config as EmulatorConfig, Emulator};
use ssooidc_ureq::session::{LoginFlow, SessionSelector, Sessions};
use ssooidc_ureq::DebugSink;

use crate::cli::DemoArgs;
use crate::commands::login::{login, login_options};
use crate::exit::Failure;
use crate::text;
use crate::text::Text;
use crate::ui;

/// The sso-session the demo logs in to.
pub const DEMO_SESSION: &str = "ssooidc-demo";

/// The variable that names the home directory here (`HOME`; `USERPROFILE` on Windows).
const HOME_VARIABLE: &str = ssooidc_core::settings::HomeRules::NATIVE.variable();

/// `demo`.
pub fn run(debug: bool, args: DemoArgs, env: &HashMap<String, String>) -> Result<(), Failure> {
    let emulator = Emulator::start(EmulatorConfig::default().approval(
        Approval::ApproveAfterDelay(Duration::from_secs(args.approve_after)),
    ))
    .map_err(|e| Failure::other(text!("could not start the emulator: {}", Text::value(e))))?;
    let base = emulator.base_url().to_owned();
    let home = match args.home {
        Some(home) => home,
        None => temp_home()?,
    };
    let config_path = write_demo_config(&home, &base)?;
    ui::note(&text!(
        "Started the AWS SSO OIDC emulator at {}",
        Text::value(&base)
    ));
    ui::note(&text!(
        "Using {}={} (config: {})",
        HOME_VARIABLE,
        ui::safe_path(&home),
        ui::safe_path(&config_path)
    ));
    if args.use_device_code {
        ui::note(&text!(
            "Device login. The emulator approves it after {} s; or open the page below and approve it yourself.",
            args.approve_after
        ));
    } else {
        ui::note(&text!(
            "Browser login (authorization code with PKCE). The emulator approves it as soon as the browser comes; \
             without a browser, the demo opens the URL itself after {} s, as a browser would.",
            args.approve_after
        ));
    }

    let mut demo_env: HashMap<String, String> = HashMap::new();
    // `HOME`, and on Windows `USERPROFILE` too: the home there (`HOME` is not read, as by the
    // AWS CLI).
    for var in ["HOME", HOME_VARIABLE] {
        demo_env.insert(var.into(), home.display().to_string());
    }
    demo_env.insert("AWS_ENDPOINT_URL_SSO_OIDC".into(), base.clone());
    for key in ["DISPLAY", "WAYLAND_DISPLAY", "BROWSER"] {
        if let Some(v) = env.get(key) {
            demo_env.insert(key.into(), v.clone());
        }
    }
    let mut sessions = Sessions::from_env_map(&demo_env)?;
    if debug {
        sessions.debug = Some(DebugSink::new(crate::ui::debug_line));
    }
    let selector = SessionSelector::SsoSession(DEMO_SESSION.to_owned());
    let approve_after = Duration::from_secs(args.approve_after);
    let scripted_browser = move |url: &BrowserUrl| {
        let url = url.as_str().to_owned();
        std::thread::spawn(move || {
            std::thread::sleep(approve_after);
            if let Err(e) = ssooidc_emulator::browser::follow(&url) {
                ui::warning(&text!(
                    "the demo's browser could not load the page: {}",
                    Text::value(e)
                ));
            }
        });
    };
    let result = login(
        &sessions,
        selector.clone(),
        args.no_browser,
        &demo_env,
        login_options(env).use_device_code(args.use_device_code),
        Some(&scripted_browser),
    )?;
    let flow = match result.flow {
        Some(LoginFlow::AuthorizationCode) => "the browser login (authorization code with PKCE)",
        _ => "the device login",
    };
    ui::show(&text!(
        "Logged in with {}. The AWS CLI-compatible caches were written:",
        flow
    ))?;
    ui::show(&text!(
        "  token:        {}",
        ui::safe_path(&result.token_path)
    ))?;
    if let Some(path) = &result.registration_path {
        ui::show(&text!("  registration: {}", ui::safe_path(path)))?;
    }
    let again = sessions
        .token(selector.clone())
        .map_err(|e| Failure::session(e, &selector))?;
    ui::show(&text!(
        "A fresh `ssooidc token` now reads it from the cache (expires {}):",
        Text::value(ssooidc_core::cache::format_timestamp(
            again.token.expires_at
        ))
    ))?;
    ui::show(&text!(
        "  {}={} ssooidc token --sso-session {}",
        HOME_VARIABLE,
        ui::safe_path(&home),
        DEMO_SESSION
    ))?;
    emulator.stop();
    Ok(())
}

/// A new directory for the demo's HOME under the temporary directory, private (0700) and made
/// by this process: a path that already exists (a directory or a link another user planted in
/// the shared `/tmp`) is never used; the next name is tried.
fn temp_home() -> Result<PathBuf, Failure> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let pid = std::process::id();
    fresh_dir(&std::env::temp_dir(), |attempt| {
        format!("ssooidc-demo-{pid}-{nanos}-{attempt}")
    })
}

/// Makes `parent/name(n)` for the first `n` whose path does not exist yet, mode 0700.
fn fresh_dir(parent: &Path, name: impl Fn(u32) -> String) -> Result<PathBuf, Failure> {
    const ATTEMPTS: u32 = 64;
    for attempt in 0..ATTEMPTS {
        let dir = parent.join(name(attempt));
        match private_dir_builder().create(&dir) {
            // `create` never follows or reuses what is there: it made this directory.
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => {
                return Err(Failure::other(text!(
                    "{}: {}",
                    ui::safe_path(&dir),
                    Text::value(e)
                )))
            }
        }
    }
    Err(Failure::other(text!(
        "could not make a new directory in {}: {} names were taken",
        ui::safe_path(parent),
        ATTEMPTS
    )))
}

/// Creates directories with mode 0700 (the umask can only take bits away). On Windows a new
/// directory has the permissions its parent passes on (the temporary directory is the user's
/// own): see `docs/platforms.md`.
fn private_dir_builder() -> std::fs::DirBuilder {
    #[cfg(unix)]
    {
        let mut builder = std::fs::DirBuilder::new();
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder
    }
    #[cfg(not(unix))]
    std::fs::DirBuilder::new()
}

/// `FILE_FLAG_OPEN_REPARSE_POINT` (`winbase.h`): open a symbolic link or a junction itself, not
/// what it points at (Windows has no `O_NOFOLLOW`).
#[cfg(windows)]
const FILE_FLAG_OPEN_REPARSE_POINT: u32 = 0x0020_0000;

/// The most of an existing config file the demo reads (as the settings resolver's cap).
const MAX_CONFIG_BYTES: u64 = 4 * 1024 * 1024;

/// The existing config file's text (empty when there is none). Never through a link, never
/// waiting on a FIFO or a device (the open is non-blocking and the file must be regular),
/// never more than [`MAX_CONFIG_BYTES`]. On Windows the link itself is opened
/// (`FILE_FLAG_OPEN_REPARSE_POINT`) and refused.
fn read_existing(path: &Path) -> std::io::Result<String> {
    use std::io::Read;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(
        &mut options,
        libc::O_NOFOLLOW | libc::O_NONBLOCK,
    );
    #[cfg(windows)]
    std::os::windows::fs::OpenOptionsExt::custom_flags(&mut options, FILE_FLAG_OPEN_REPARSE_POINT);
    let file = match options.open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(String::new()),
        Err(e) => return Err(refusal(path, e)),
    };
    let metadata = file.metadata()?;
    if metadata.file_type().is_symlink() {
        return Err(std::io::Error::other("a symbolic link: not followed"));
    }
    if !metadata.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    let mut text = String::new();
    file.take(MAX_CONFIG_BYTES + 1).read_to_string(&mut text)?;
    if text.len() as u64 > MAX_CONFIG_BYTES {
        return Err(std::io::Error::other("too large"));
    }
    Ok(text)
}

/// A link is named as one (`O_NOFOLLOW` says "too many levels of symbolic links").
fn refusal(path: &Path, e: std::io::Error) -> std::io::Error {
    let link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    if link {
        std::io::Error::other("a symbolic link: not followed")
    } else {
        e
    }
}

/// Writes `text` as `path`: a new file (0600, never through a link or onto a FIFO) renamed over
/// it, so a link planted as `path` is replaced, not written through.
fn replace_file(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let temp = path.with_file_name(format!(
        ".{}.ssooidc-demo-{}.tmp",
        path.file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
        std::process::id()
    ));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    let written = options.open(&temp).and_then(|mut file| {
        file.write_all(text.as_bytes())?;
        file.sync_all()
    });
    let renamed = written.and_then(|()| std::fs::rename(&temp, path));
    if renamed.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    renamed
}

/// Adds the demo's `[sso-session]` to `<home>/.aws/config`, keeping whatever is there. A
/// config that is a link, a FIFO or another non-regular file is refused, without blocking.
fn write_demo_config(home: &Path, base: &str) -> Result<PathBuf, Failure> {
    let dir = home.join(".aws");
    let path = dir.join("config");
    let io =
        |e: std::io::Error| Failure::other(text!("{}: {}", ui::safe_path(&path), Text::value(e)));
    // The config file is never opened through a link (`read_existing`, `replace_file`); neither
    // is the folder it lives in: an `.aws` that is a link would send the demo's writes wherever
    // it points (the user's own ~/.aws, under a --home meant to keep them apart).
    if std::fs::symlink_metadata(&dir).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(Failure::other(text!(
            "{} is a symbolic link: the demo writes its config only into a real folder under --home",
            ui::safe_path(&dir)
        )));
    }
    private_dir_builder()
        .recursive(true)
        .create(&dir)
        .map_err(io)?;
    let existing = read_existing(&path).map_err(io)?;
    let header = format!("[sso-session {DEMO_SESSION}]");
    let section = format!(
        "{header}\nsso_start_url = {base}/start\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access\n"
    );
    let text = match existing.find(&header) {
        // Replace an earlier demo section (its emulator port is gone).
        Some(at) => {
            let rest = &existing[at + header.len()..];
            let end = rest
                .find("\n[")
                .map_or(existing.len(), |i| at + header.len() + i + 1);
            format!("{}{section}{}", &existing[..at], &existing[end..])
        }
        None if existing.is_empty() => section,
        None => format!("{}\n{section}", existing.trim_end()),
    };
    replace_file(&path, &text).map_err(io)?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_config_is_added_and_replaced() {
        let home = std::env::temp_dir().join(format!("ssooidc-demo-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&home);
        std::fs::create_dir_all(home.join(".aws")).unwrap();
        std::fs::write(
            home.join(".aws/config"),
            "[profile keep]\nregion = eu-west-1\n",
        )
        .unwrap();
        write_demo_config(&home, "http://127.0.0.1:1").unwrap();
        let path = write_demo_config(&home, "http://127.0.0.1:2").unwrap();
        let text = std::fs::read_to_string(path).unwrap();
        assert!(
            text.starts_with("[profile keep]\nregion = eu-west-1\n"),
            "{text}"
        );
        assert_eq!(
            text.matches("[sso-session ssooidc-demo]").count(),
            1,
            "{text}"
        );
        assert!(
            text.contains("http://127.0.0.1:2/start") && !text.contains(":1/start"),
            "{text}"
        );
        let parsed = ssooidc_core::config::AwsConfig::parse(&text).unwrap();
        assert_eq!(
            parsed.sso_session(DEMO_SESSION).unwrap().region,
            "us-east-1"
        );
        std::fs::remove_dir_all(home).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn an_aws_folder_that_is_a_link_is_refused_and_its_target_untouched() {
        let root = std::env::temp_dir().join(format!("ssooidc-demo-link-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let (home, elsewhere) = (root.join("home"), root.join("elsewhere"));
        std::fs::create_dir_all(&home).unwrap();
        std::fs::create_dir_all(&elsewhere).unwrap();
        std::os::unix::fs::symlink(&elsewhere, home.join(".aws")).unwrap();
        let refused = write_demo_config(&home, "http://127.0.0.1:1").unwrap_err();
        assert!(
            refused.message.to_string().contains("is a symbolic link"),
            "{}",
            refused.message
        );
        assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0);
        std::fs::remove_dir_all(root).unwrap();
    }

    /// The demo's HOME is made by this process, private (0700): never a directory someone
    /// else made first.
    #[cfg(unix)]
    #[test]
    fn the_temporary_home_is_new_and_private() {
        use std::os::unix::fs::PermissionsExt;
        let home = temp_home().unwrap();
        let mode = std::fs::symlink_metadata(&home)
            .unwrap()
            .permissions()
            .mode();
        std::fs::remove_dir_all(&home).unwrap();
        assert_eq!(mode & 0o7777, 0o700, "{}", home.display());
    }

    /// A path planted where the demo's HOME would go (a directory, a link) is not used.
    #[cfg(unix)]
    #[test]
    fn a_planted_home_is_not_used() {
        let parent =
            std::env::temp_dir().join(format!("ssooidc-demo-planted-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&parent);
        std::fs::create_dir_all(parent.join("home-0")).unwrap();
        std::os::unix::fs::symlink(parent.join("home-0"), parent.join("home-1")).unwrap();
        let made = fresh_dir(&parent, |n| format!("home-{n}"));
        let _ = std::fs::remove_dir_all(&parent);
        assert_eq!(made.ok(), Some(parent.join("home-2")));
    }

    /// A config file planted as a link is not written through, and a FIFO is refused without
    /// blocking (`demo --home DIR`).
    #[cfg(unix)]
    #[test]
    fn a_planted_config_is_refused_without_blocking() {
        let home = std::env::temp_dir().join(format!("ssooidc-demo-plant-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&home);
        std::fs::create_dir_all(home.join(".aws")).unwrap();
        let target = home.join("target");
        std::fs::write(&target, "not yours\n").unwrap();
        std::os::unix::fs::symlink(&target, home.join(".aws/config")).unwrap();
        let linked = write_demo_config(&home, "http://127.0.0.1:1");
        assert!(linked.is_err(), "{linked:?}");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "not yours\n");

        std::fs::remove_file(home.join(".aws/config")).unwrap();
        let made = std::process::Command::new("mkfifo")
            .arg(home.join(".aws/config"))
            .status();
        assert!(made.is_ok_and(|s| s.success()));
        let (tx, rx) = std::sync::mpsc::channel();
        let dir = home.clone();
        std::thread::spawn(move || {
            let _ = tx.send(write_demo_config(&dir, "http://127.0.0.1:1").is_err());
        });
        // The bound only turns a hang into a failure.
        let refused = rx.recv_timeout(Duration::from_secs(20));
        let _ = std::fs::remove_dir_all(&home);
        assert_eq!(refused, Ok(true), "a FIFO as the config is refused at once");
    }
}
