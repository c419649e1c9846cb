//! `configure sso` and `configure populate` end to end: the built binary against the emulator
//! on 127.0.0.1, with flags only and no terminal, and under a pseudo-terminal (`script`).
//!
//! Unix only (a HOME by `HOME`, `script`).
#![cfg(unix)]

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use ssooidc_core::config::AwsConfig;
use ssooidc_emulator::{Approval, Config, Emulator, FaultRule, PortalAccount, RunningEmulator};

const BIN: &str = env!("CARGO_BIN_EXE_ssooidc");

/// What a user wrote by hand: comments, CRLF, odd spacing, a quoted profile, a plugins section.
const HAND_WRITTEN: &str = "# my settings\r\n[default]\r\nregion=eu-west-1\r\n\r\n; a quoted one\r\n[profile \"my dev\"]\r\n  output  :  text\r\n\r\n[plugins]\r\ncli_legacy_plugin_path = /opt/x\r\n";

struct Home {
    dir: PathBuf,
}

impl Home {
    fn new(name: &str, config: &str) -> Home {
        let dir =
            std::env::temp_dir().join(format!("ssooidc-profiles-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join(".aws")).unwrap();
        std::fs::write(dir.join(".aws/config"), config).unwrap();
        Home { dir }
    }

    fn config(&self) -> String {
        std::fs::read_to_string(self.dir.join(".aws/config")).unwrap()
    }

    fn env(&self, c: &mut Command, emu: &RunningEmulator) {
        c.env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", &self.dir)
            .env("AWS_ENDPOINT_URL_SSO_OIDC", emu.base_url())
            .env("AWS_ENDPOINT_URL_SSO", emu.base_url())
            .env("SSOOIDC_PROTOCOL_SECOND_MS", "10");
    }

    fn run(&self, emu: &RunningEmulator, args: &[&str]) -> Output {
        let mut c = Command::new(BIN);
        self.env(&mut c, emu);
        c.stdin(Stdio::null()).args(args).output().unwrap()
    }
}

impl Drop for Home {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn emulator(config: Config) -> RunningEmulator {
    Emulator::start(
        config
            .second(Duration::from_millis(10))
            .expires_in(60_000)
            // Tokens that outlive a slow machine's test (the protocol second is 10 ms).
            .access_token_lifetime(3_600_000)
            .approval(Approval::ApproveAfterPolls(0)),
    )
    .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn ok(out: &Output) {
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout: {}\nstderr: {}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

/// The sections `aws configure sso` writes for a new session, after what was there.
fn expected_after(start_url: &str, profile_header: &str) -> String {
    format!(
        "{HAND_WRITTEN}\r\n[sso-session corp]\r\nsso_start_url = {start_url}\r\nsso_region = us-east-1\r\nsso_registration_scopes = sso:account:access\r\n\r\n[{profile_header}]\r\nsso_session = corp\r\nsso_account_id = 111122223333\r\nsso_role_name = AdministratorAccess\r\nregion = eu-central-1\r\noutput = json\r\n"
    )
}

#[test]
fn configure_sso_with_flags_only_and_no_terminal_writes_the_aws_cli_sections_and_nothing_else() {
    let emu = emulator(Config::default());
    let home = Home::new("sso-flags", HAND_WRITTEN);
    let start_url = format!("{}/start", emu.base_url());
    let out = home.run(
        &emu,
        &[
            "configure",
            "sso",
            "--profile",
            "admin",
            "--sso-session",
            "corp",
            "--start-url",
            &start_url,
            "--sso-region",
            "us-east-1",
            "--account-id",
            "111122223333",
            "--role-name",
            "AdministratorAccess",
            "--region",
            "eu-central-1",
            "--output",
            "json",
            "--use-device-code",
            "--no-browser",
        ],
    );
    ok(&out);
    assert_eq!(home.config(), expected_after(&start_url, "profile admin"));
    assert!(
        text(&out.stdout).contains("aws sts get-caller-identity --profile admin"),
        "{}",
        text(&out.stdout)
    );
    // The profile works: its credentials come from the session just logged in.
    let creds = home.run(&emu, &["credentials", "--profile", "admin"]);
    ok(&creds);
    assert!(text(&creds.stdout).contains("\"AccessKeyId\""));

    // AWS_PROFILE names the profile to write, as with the AWS CLI (it need not exist yet).
    let mut c = Command::new(BIN);
    home.env(&mut c, &emu);
    let out = c
        .env("AWS_PROFILE", "from-env")
        .stdin(Stdio::null())
        .args([
            "configure",
            "sso",
            "--sso-session",
            "corp",
            "--account-id",
            "444455556666",
            "--role-name",
            "ReadOnly",
        ])
        .output()
        .unwrap();
    ok(&out);
    let config = AwsConfig::parse(&home.config()).unwrap();
    assert_eq!(
        config.profiles["from-env"].get("sso_account_id"),
        Some("444455556666")
    );

    // Without a terminal, what is missing is named with its flag; nothing is written.
    let before = home.config();
    let out = home.run(
        &emu,
        &[
            "configure",
            "sso",
            "--sso-session",
            "new",
            "--use-device-code",
            "--no-browser",
        ],
    );
    assert_eq!(out.status.code(), Some(252), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("--start-url"),
        "{}",
        text(&out.stderr)
    );
    // Several accounts and no --account-id: the flag is named.
    let out = home.run(
        &emu,
        &[
            "configure",
            "sso",
            "--sso-session",
            "corp",
            "--profile",
            "x",
        ],
    );
    assert_eq!(out.status.code(), Some(252), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("--account-id"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(home.config(), before);
}

#[test]
fn configure_sso_under_a_terminal_asks_in_the_aws_cli_order() {
    let emu = emulator(Config::default());
    let home = Home::new("sso-tty", HAND_WRITTEN);
    let start_url = format!("{}/start", emu.base_url());
    let command = format!("'{BIN}' configure sso --use-device-code --no-browser");
    let mut script = Command::new("script");
    home.env(&mut script, &emu);
    script
        .args(["-qec", &command, "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped());
    let mut child = script.spawn().expect("run script");
    let mut stdin = child.stdin.take().unwrap();
    // Session, start URL, region, scopes (the default), the account narrowed by typing
    // "develop", the role by its number, region, output, the profile name (the default).
    let answers = format!("corp\n{start_url}\nus-east-1\n\ndevelop\n2\neu-central-1\njson\n\n");
    stdin.write_all(answers.as_bytes()).unwrap();
    stdin.flush().unwrap();
    let mut shown = Vec::new();
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let _ = stdout.read_to_end(&mut shown);
        shown
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "configure sso did not finish");
        std::thread::sleep(Duration::from_millis(20));
    };
    drop(stdin);
    let shown = text(&reader.join().unwrap());
    assert_eq!(status.code(), Some(0), "{shown}");
    let order = [
        "SSO session name: ",
        "SSO start URL [None]: ",
        "SSO region [None]: ",
        "SSO registration scopes [sso:account:access]: ",
        "There are 2 AWS accounts available to you.",
        "Development, development@example.com (111122223333)",
        "Choose an account",
        "Using the account ID 111122223333",
        "There are 2 roles available to you.",
        "Using the role name \"AdministratorAccess\"",
        "Default client Region [None]: ",
        "CLI default output format (json if not specified) [None]: ",
        "Profile name [AdministratorAccess-111122223333]: ",
        "aws sts get-caller-identity --profile AdministratorAccess-111122223333",
    ];
    let mut at = 0;
    for step in order {
        let found = shown[at..]
            .find(step)
            .unwrap_or_else(|| panic!("{step:?} not after {at} in:\n{shown}"));
        at += found + step.len();
    }
    assert_eq!(
        home.config(),
        expected_after(&start_url, "profile AdministratorAccess-111122223333")
    );
}

/// `n` accounts with three roles each.
fn many_accounts(n: usize) -> Vec<PortalAccount> {
    (0..n)
        .map(|i| {
            PortalAccount::new(
                format!("{:012}", 100_000_000_000u64 + i as u64),
                format!("Team {i}"),
                ["ReadOnly", "PowerUser", "Admin"],
            )
        })
        .collect()
}

#[test]
fn populate_makes_a_profile_for_each_of_600_roles_paginated_and_throttled_and_prunes_only_its_own()
{
    // Pages of 7 (ListAccounts: 29 pages), and throttling on the way.
    let mut config = Config::default().accounts(many_accounts(200)).page_size(7);
    for rule in [
        "ListAccounts#3=TooManyRequestsException",
        "ListAccountRoles#10=TooManyRequestsException",
        "ListAccountRoles#11=TooManyRequestsException",
    ] {
        config = config.fault(rule.parse::<FaultRule>().unwrap());
    }
    let emu = emulator(config);
    let stale = "[profile gone]\r\nsso_session = corp\r\nsso_account_id = 999999999999\r\nsso_role_name = Old\r\nssooidc_populated = true\r\n\r\n[profile mine-gone]\r\nsso_session = corp\r\nsso_account_id = 999999999999\r\nsso_role_name = Hand\r\n\r\n[profile mine]\r\nsso_session = corp\r\nsso_account_id = 100000000007\r\nsso_role_name = Admin\r\n";
    let session = format!(
        "\r\n[sso-session corp]\r\nsso_start_url = {}/start\r\nsso_region = us-east-1\r\n",
        emu.base_url()
    );
    let original = format!("{HAND_WRITTEN}{stale}{session}");
    let home = Home::new("populate", &original);
    ok(&home.run(
        &emu,
        &[
            "login",
            "--sso-session",
            "corp",
            "--use-device-code",
            "--no-browser",
        ],
    ));

    // A dry run prints the additions and writes nothing.
    let out = home.run(
        &emu,
        &[
            "configure",
            "populate",
            "--sso-session",
            "corp",
            "--prune",
            "--dry-run",
        ],
    );
    ok(&out);
    let diff = text(&out.stdout);
    assert!(diff.contains("+[profile ReadOnly-100000000000]"), "{diff}");
    assert!(diff.contains("-[profile gone]"), "{diff}");
    assert!(!diff.contains("-[profile mine-gone]"), "{diff}");
    assert_eq!(home.config(), original);

    let started = Instant::now();
    let out = home.run(
        &emu,
        &[
            "configure",
            "populate",
            "--sso-session",
            "corp",
            "--region",
            "eu-west-1",
        ],
    );
    let took = started.elapsed();
    ok(&out);
    eprintln!("populate: 200 accounts x 3 roles in {took:?}");
    let written = home.config();
    assert!(written.starts_with(&original), "only appended");
    let config = AwsConfig::parse(&written).unwrap();
    let made: Vec<_> = config
        .profiles
        .iter()
        .filter(|(_, p)| {
            p.get("ssooidc_populated") == Some("true")
                && p.get("sso_account_id") != Some("999999999999")
        })
        .collect();
    assert_eq!(
        made.len(),
        599,
        "600 pairs, one covered by the hand-written `mine`"
    );
    assert!(!config.profiles.contains_key("Admin-100000000007"));
    let admin = &config.profiles["Admin-100000000199"];
    assert_eq!(admin.get("sso_session"), Some("corp"));
    assert_eq!(admin.get("region"), Some("eu-west-1"));
    assert!(
        text(&out.stderr).contains("no longer reachable"),
        "{}",
        text(&out.stderr)
    );
    let throttled = emu
        .requests()
        .iter()
        .filter(|r| r.target == ssooidc_emulator::Target::ListAccountRoles)
        .count();
    assert!(
        throttled >= 202,
        "every account's roles, the throttled ones again: {throttled}"
    );

    // Again: nothing changes. With --prune: only the profile it made goes.
    ok(&home.run(
        &emu,
        &[
            "configure",
            "populate",
            "--sso-session",
            "corp",
            "--region",
            "eu-west-1",
        ],
    ));
    assert_eq!(home.config(), written);
    ok(&home.run(
        &emu,
        &[
            "configure",
            "populate",
            "--sso-session",
            "corp",
            "--prune",
            "--region",
            "eu-west-1",
        ],
    ));
    let pruned = home.config();
    assert_eq!(
        pruned,
        written.replace("[profile gone]\r\nsso_session = corp\r\nsso_account_id = 999999999999\r\nsso_role_name = Old\r\nssooidc_populated = true\r\n\r\n", "")
    );
}

/// The config file `configure sso` and `configure populate` write below, committed: botocore's
/// reading of it is `written_profiles.json` next to it (`tests/reference/written_profiles.py`).
const WRITTEN: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../core/tests/fixtures/botocore/written_profiles.config"
);
const READ_BY_BOTOCORE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../core/tests/fixtures/botocore/written_profiles.json"
);
/// The emulator's address in the committed file (it changes with every run).
const START_HOST: &str = "http://127.0.0.1:4599";

#[test]
fn botocore_reads_every_profile_the_commands_write_as_ssooidc_does() {
    let emu = emulator(Config::default().accounts(vec![
        PortalAccount::new(
            "111122223333",
            "Development",
            ["ReadOnly", "AdministratorAccess"],
        ),
        PortalAccount::new(
            "210987654321",
            "Prod / EU (ünïcode)",
            ["Admin", "Billing+Audit"],
        ),
        PortalAccount::new("333344445555", "Development", ["ReadOnly"]),
    ]));
    let home = Home::new("botocore", HAND_WRITTEN);
    let start_url = format!("{}/start", emu.base_url());
    ok(&home.run(
        &emu,
        &[
            "configure",
            "sso",
            "--profile",
            "admin",
            "--sso-session",
            "corp sso",
            "--start-url",
            &start_url,
            "--sso-region",
            "eu-west-1",
            "--account-id",
            "111122223333",
            "--role-name",
            "AdministratorAccess",
            "--region",
            "eu-central-1",
            "--output",
            "json",
            "--use-device-code",
            "--no-browser",
        ],
    ));
    ok(&home.run(
        &emu,
        &[
            "configure",
            "populate",
            "--sso-session",
            "corp sso",
            "--region",
            "us-west-2",
            "--profile-name-template",
            "{session}-{account_name}-{role_name}",
        ],
    ));
    let written = home.config().replace(emu.base_url(), START_HOST);
    if std::env::var_os("SSOOIDC_UPDATE_FIXTURES").is_some() {
        std::fs::write(WRITTEN, &written).unwrap();
    }
    assert_eq!(
        written,
        std::fs::read_to_string(WRITTEN).unwrap(),
        "the committed file is what the commands write (SSOOIDC_UPDATE_FIXTURES=1 rewrites it; then rerun tests/reference/written_profiles.py)"
    );

    // botocore's reading of every profile, and this project's.
    let botocore: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(READ_BY_BOTOCORE).unwrap()).unwrap();
    let config = AwsConfig::parse(&written).unwrap();
    let profiles = botocore["profiles"].as_object().unwrap();
    assert_eq!(
        profiles.keys().collect::<Vec<_>>(),
        config.profiles.keys().collect::<Vec<_>>(),
        "the same profiles"
    );
    let mut sso = 0;
    for (name, expected) in profiles {
        let region = config.profiles[name].get("region");
        assert_eq!(expected["region"].as_str(), region, "{name}");
        let Some(expected) = expected.get("sso") else {
            assert!(config.sso_profile(name).is_err(), "{name}");
            continue;
        };
        sso += 1;
        let ours = config.sso_profile(name).unwrap();
        let session = ours.session.as_ref().unwrap();
        assert_eq!(expected["sso_session"], session.name.as_str(), "{name}");
        assert_eq!(expected["sso_start_url"], ours.start_url.as_str(), "{name}");
        assert_eq!(expected["sso_region"], ours.region.as_str(), "{name}");
        assert_eq!(
            expected["sso_account_id"].as_str(),
            ours.account_id.as_deref(),
            "{name}"
        );
        assert_eq!(
            expected["sso_role_name"].as_str(),
            ours.role_name.as_deref(),
            "{name}"
        );
    }
    assert_eq!(
        sso,
        1 + 4,
        "configure sso's profile and populate's four (of five pairs, one was covered)"
    );
}

#[test]
fn a_refused_login_writes_nothing() {
    let emu = Emulator::start(
        Config::default()
            .second(Duration::from_millis(10))
            .expires_in(60_000)
            .approval(Approval::DenyAfterPolls(0)),
    )
    .unwrap();
    let home = Home::new("sso-denied", HAND_WRITTEN);
    let start_url = format!("{}/start", emu.base_url());
    let out = home.run(
        &emu,
        &[
            "configure",
            "sso",
            "--profile",
            "admin",
            "--sso-session",
            "corp",
            "--start-url",
            &start_url,
            "--sso-region",
            "us-east-1",
            "--use-device-code",
            "--no-browser",
        ],
    );
    assert_ne!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(home.config(), HAND_WRITTEN, "not even the new sso-session");
}
