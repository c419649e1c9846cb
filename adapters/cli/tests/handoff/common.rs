//! What every test here needs: a temporary HOME with a config, an emulator, the built binary
//! with a clean environment pointing both services (and the federation endpoint) at it.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use ssooidc_emulator::{Approval, Config, Emulator, RunningEmulator, Target};

pub const BIN: &str = env!("CARGO_BIN_EXE_ssooidc");

/// The emulator of most tests: protocol seconds of 10 ms, device codes approved at once.
pub fn emulator_config() -> Config {
    Config::default()
        .second(Duration::from_millis(10))
        .approval(Approval::ApproveAfterPolls(0))
}

/// The `[sso-session dev]` section for the emulator whose start URL is `start`.
pub fn sso_session(start: &str) -> String {
    format!(
        "[sso-session dev]\nsso_start_url = {start}\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access\n"
    )
}

/// A temporary HOME and its emulator; removed when dropped.
pub struct Home {
    pub dir: PathBuf,
    pub emu: RunningEmulator,
}

impl Home {
    /// A HOME named after `name` with the config `config(start URL)`, at an emulator with
    /// `emulator`.
    pub fn new(name: &str, emulator: Config, config: impl Fn(&str) -> String) -> Home {
        let emu = Emulator::start(emulator).unwrap();
        let dir =
            std::env::temp_dir().join(format!("ssooidc-handoff-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join(".aws")).unwrap();
        let start = format!("{}/start", emu.base_url());
        std::fs::write(dir.join(".aws/config"), config(&start)).unwrap();
        Home { dir, emu }
    }

    /// Logs `profile` in with the device login (the emulator approves it).
    pub fn login(&self, profile: &str) {
        let out = self.run(&[
            "login",
            "--use-device-code",
            "--profile",
            profile,
            "--no-browser",
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    }

    /// `ssooidc` with a clean environment pointing at the emulator.
    pub fn command(&self) -> Command {
        let mut c = Command::new(BIN);
        c.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", &self.dir)
            .env("AWS_ENDPOINT_URL", self.emu.base_url())
            .env("SSOOIDC_PROTOCOL_SECOND_MS", "10")
            .stdin(Stdio::null());
        c
    }

    /// `ssooidc ARGS`, to the end.
    pub fn run(&self, args: &[&str]) -> Output {
        self.command().args(args).output().unwrap()
    }

    /// How many requests to `target` the emulator has seen.
    pub fn count(&self, target: Target) -> usize {
        self.emu
            .requests()
            .iter()
            .filter(|r| r.target == target)
            .count()
    }
}

impl Drop for Home {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
