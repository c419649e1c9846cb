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
use crate::ui;

/// The sso-session the demo logs in to.
pub const DEMO_SESSION: &str = "ssooidc-demo";

/// `demo`.
pub fn run(debug: bool, args: DemoArgs, env: &HashMap<String, String>) -> Result<(), Failure> {
    let emulator = Emulator::start(EmulatorConfig::default().approval(
        Approval::ApproveAfterDelay(Duration::from_secs(args.approve_after)),
    ))
    .map_err(|e| Failure::other(format!("could not start the emulator: {e}")))?;
    let base = emulator.base_url().to_owned();
    let home = match args.home {
        Some(home) => home,
        None => temp_home()?,
    };
    let config_path = write_demo_config(&home, &base)?;
    ui::note(&format!("Started the AWS SSO OIDC emulator at {base}"));
    ui::note(&format!(
        "Using HOME={} (config: {})",
        home.display(),
        config_path.display()
    ));
    if args.use_device_code {
        ui::note(&format!(
            "Device login. The emulator approves it after {} s; or open the page below and approve it yourself.",
            args.approve_after
        ));
    } else {
        ui::note(&format!(
            "Browser login (authorization code with PKCE). The emulator approves it as soon as the browser comes; \
             without a browser, the demo opens the URL itself after {} s, as a browser would.",
            args.approve_after
        ));
    }

    let mut demo_env: HashMap<String, String> = HashMap::new();
    demo_env.insert("HOME".into(), home.display().to_string());
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
                ui::warning(&format!("the demo's browser could not load the page: {e}"));
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
    ui::show(&format!(
        "Logged in with {flow}. The AWS CLI-compatible caches were written:"
    ))?;
    ui::show(&format!("  token:        {}", result.token_path.display()))?;
    if let Some(path) = &result.registration_path {
        ui::show(&format!("  registration: {}", path.display()))?;
    }
    let again = sessions
        .token(selector.clone())
        .map_err(|e| Failure::session(e, &selector))?;
    ui::show(&format!(
        "A fresh `ssooidc token` now reads it from the cache (expires {}):",
        ssooidc_core::cache::format_timestamp(again.token.expires_at)
    ))?;
    ui::show(&format!(
        "  HOME={} ssooidc token --sso-session {DEMO_SESSION}",
        home.display()
    ))?;
    emulator.stop();
    Ok(())
}

fn temp_home() -> Result<PathBuf, Failure> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let dir = std::env::temp_dir().join(format!("ssooidc-demo-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| Failure::other(format!("{}: {e}", dir.display())))?;
    Ok(dir)
}

/// Adds the demo's `[sso-session]` to `<home>/.aws/config`, keeping whatever is there.
fn write_demo_config(home: &Path, base: &str) -> Result<PathBuf, Failure> {
    let dir = home.join(".aws");
    let path = dir.join("config");
    let io = |e: std::io::Error| Failure::other(format!("{}: {e}", path.display()));
    std::fs::create_dir_all(&dir).map_err(io)?;
    let existing = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(io(e)),
    };
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
    std::fs::write(&path, text).map_err(io)?;
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
}
