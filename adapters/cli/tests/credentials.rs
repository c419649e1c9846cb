//! End to end: `ssooidc credentials`, `accounts`, `roles` and `logout` against the emulator's
//! SSO portal, each run a fresh process with a temporary HOME; and a profile whose
//! `credential_process` is `ssooidc credentials`, used by another process that reads
//! `~/.aws/config`.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use serde_json::Value;
use ssooidc_core::cache::{format_timestamp, role_credentials_cache_key, token_cache_key};
use ssooidc_emulator::{Approval, Config, Emulator, RunningEmulator, Target};

const BIN: &str = env!("CARGO_BIN_EXE_ssooidc");

/// The AWS CLI's advice for an expired, unrefreshable session (botocore's
/// `UnauthorizedSSOTokenError`).
const AWS_CLI_ADVICE: &str = "The SSO session associated with this profile has expired or is otherwise invalid. To refresh this SSO session run aws sso login with the corresponding profile.";

/// A temporary HOME whose config has the sso-session profile `dev` (account 111122223333, role
/// ReadOnly: assigned by the emulator), a legacy profile and a `consumer` whose
/// `credential_process` is `ssooidc credentials --profile dev`.
struct Sandbox {
    dir: PathBuf,
    emu: RunningEmulator,
}

impl Sandbox {
    fn new(name: &str) -> Sandbox {
        let emu = Emulator::start(
            Config::default()
                .second(Duration::from_millis(10))
                .approval(Approval::ApproveAfterPolls(0)),
        )
        .unwrap();
        let dir = std::env::temp_dir().join(format!("ssooidc-creds-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join(".aws")).unwrap();
        let start = format!("{}/start", emu.base_url());
        std::fs::write(
            dir.join(".aws/config"),
            format!(
                "[profile dev]\nsso_session = dev\nsso_account_id = 111122223333\nsso_role_name = ReadOnly\n\n\
                 [sso-session dev]\nsso_start_url = {start}\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access\n\n\
                 [profile legacy]\nsso_start_url = {start}\nsso_region = us-east-1\nsso_account_id = 111122223333\nsso_role_name = ReadOnly\n\n\
                 [profile consumer]\nregion = us-east-1\ncredential_process = {BIN} credentials --profile dev\n"
            ),
        )
        .unwrap();
        Sandbox { dir, emu }
    }

    /// `ssooidc ARGS` with a clean environment pointing both services at the emulator.
    fn run(&self, args: &[&str]) -> Output {
        Command::new(BIN)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", &self.dir)
            .env("AWS_ENDPOINT_URL", self.emu.base_url())
            .env("SSOOIDC_PROTOCOL_SECOND_MS", "10")
            .stdin(Stdio::null())
            .args(args)
            .output()
            .unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            text(&out.stderr)
        );
        text(&out.stdout)
    }

    fn login(&self) {
        self.ok(&[
            "login",
            "--use-device-code",
            "--profile",
            "dev",
            "--no-browser",
        ]);
    }

    fn credentials_file(&self) -> PathBuf {
        let key = role_credentials_cache_key("111122223333", "ReadOnly", Some("dev"), "");
        self.dir.join(format!(".aws/cli/cache/{key}.json"))
    }

    fn token_file(&self) -> PathBuf {
        self.dir
            .join(format!(".aws/sso/cache/{}.json", token_cache_key("dev")))
    }

    fn requests(&self, target: Target) -> usize {
        self.emu
            .requests()
            .iter()
            .filter(|r| r.target == target)
            .count()
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn credentials_after_a_login_then_from_the_cache_with_no_request() {
    let s = Sandbox::new("cache");
    s.login();
    let first = s.ok(&["credentials", "--profile", "dev"]);
    let json: Value = serde_json::from_str(&first).unwrap();
    assert_eq!(json["Version"], 1);
    assert!(json["AccessKeyId"].as_str().unwrap().starts_with("ASIA"));
    for member in ["SecretAccessKey", "SessionToken", "Expiration"] {
        assert!(json[member].is_string(), "{member}: {first}");
    }
    assert!(
        first.starts_with("{\n  \"Version\": 1,\n"),
        "the AWS CLI's layout: {first}"
    );
    // The AWS CLI's cache, under its key, with the same credentials.
    let cached: Value =
        serde_json::from_slice(&std::fs::read(s.credentials_file()).unwrap()).unwrap();
    assert_eq!(cached["ProviderType"], "sso");
    assert_eq!(cached["Credentials"]["AccessKeyId"], json["AccessKeyId"]);
    assert_eq!(cached["Credentials"]["Expiration"], json["Expiration"]);
    assert_eq!(s.requests(Target::GetRoleCredentials), 1);

    let before = s.emu.requests().len();
    let second = s.ok(&["credentials", "--profile", "dev"]);
    assert_eq!(second, first);
    assert_eq!(
        s.emu.requests().len(),
        before,
        "a cache hit makes no request"
    );
}

#[test]
fn export_and_env_lines() {
    let s = Sandbox::new("forms");
    s.login();
    let json: Value = serde_json::from_str(&s.ok(&["credentials", "--profile", "dev"])).unwrap();
    let exported = s.ok(&["credentials", "--profile", "dev", "--export"]);
    let expected: String = [
        ("AWS_ACCESS_KEY_ID", "AccessKeyId"),
        ("AWS_SECRET_ACCESS_KEY", "SecretAccessKey"),
        ("AWS_SESSION_TOKEN", "SessionToken"),
        ("AWS_CREDENTIAL_EXPIRATION", "Expiration"),
    ]
    .iter()
    .map(|(var, member)| format!("export {var}={}\n", json[member].as_str().unwrap()))
    .collect();
    assert_eq!(exported, expected);
    let env = s.ok(&["credentials", "--profile", "dev", "--output", "env"]);
    assert_eq!(env, exported.replace("export ", ""));
    // A shell takes the exports as they are.
    let shell = Command::new("sh")
        .arg("-c")
        .arg(format!("{exported}printf %s \"$AWS_ACCESS_KEY_ID\""))
        .output()
        .unwrap();
    assert_eq!(text(&shell.stdout), json["AccessKeyId"].as_str().unwrap());
    assert_eq!(
        s.run(&["credentials", "--export", "--output", "env"])
            .status
            .code(),
        Some(252)
    );
}

#[test]
fn a_profile_with_ssooidc_as_credential_process_signs_another_processs_requests() {
    let s = Sandbox::new("process");
    s.login();
    // Another process reads ~/.aws/config, runs `ssooidc credentials --profile dev` as the
    // consumer profile's credential_process, and signs CreateTokenWithIAM with what it prints.
    let out = s.run(&[
        "--profile",
        "consumer",
        "create-token-with-iam",
        "--client-id",
        "arn:aws:sso::111122223333:application/ssoins-1/apl-1",
        "--grant-type",
        "urn:ietf:params:oauth:grant-type:jwt-bearer",
        "--assertion",
        "x",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let cached: Value =
        serde_json::from_slice(&std::fs::read(s.credentials_file()).unwrap()).unwrap();
    let key_id = cached["Credentials"]["AccessKeyId"].as_str().unwrap();
    let signed = s
        .emu
        .requests()
        .into_iter()
        .find(|r| r.target == Target::CreateTokenWithIam)
        .expect("the signed call");
    let authorization = signed.header("authorization").unwrap();
    assert!(
        authorization.contains(&format!("Credential={key_id}/")),
        "signed with the role credentials: {authorization}"
    );
    assert!(signed.header("x-amz-security-token").is_some());
}

#[test]
fn an_expired_session_exits_255_with_the_aws_clis_advice() {
    let s = Sandbox::new("expired");
    // A legacy profile's token (never refreshed) that expired a minute ago.
    let start = format!("{}/start", s.emu.base_url());
    let dir = s.dir.join(".aws/sso/cache");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join(format!("{}.json", token_cache_key(&start))),
        format!(
            r#"{{"startUrl": "{start}", "region": "us-east-1", "accessToken": "old", "expiresAt": "{}"}}"#,
            format_timestamp(time::OffsetDateTime::now_utc() - time::Duration::minutes(1))
        ),
    )
    .unwrap();
    let out = s.run(&["credentials", "--profile", "legacy"]);
    assert_eq!(out.status.code(), Some(255));
    let stderr = text(&out.stderr);
    // The AWS CLI's sentence on a line of its own (a real line break, not a shown `\n`).
    assert!(
        stderr.starts_with(&format!("{AWS_CLI_ADVICE}\nthe SSO token for ")),
        "{stderr}"
    );
    assert!(
        stderr.contains("ssooidc login --profile legacy"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
    assert!(
        s.emu.requests().is_empty(),
        "no request with an expired token"
    );
}

#[test]
fn a_token_the_portal_refused_gets_the_same_advice() {
    let s = Sandbox::new("refused");
    s.login();
    s.emu
        .inject("GetRoleCredentials=UnauthorizedException".parse().unwrap());
    let out = s.run(&["credentials", "--profile", "dev"]);
    assert_eq!(out.status.code(), Some(255));
    let stderr = text(&out.stderr);
    assert!(stderr.starts_with(AWS_CLI_ADVICE), "{stderr}");
    assert!(
        stderr.contains("An error occurred (UnauthorizedException) when calling the GetRoleCredentials operation"),
        "{stderr}"
    );
}

#[test]
fn a_profile_without_a_role_is_a_configuration_error() {
    let s = Sandbox::new("norole");
    s.login();
    let out = s.run(&["credentials", "--sso-session", "dev"]);
    assert_eq!(out.status.code(), Some(253));
    assert!(
        text(&out.stderr)
            .contains("sso-session dev is missing the required setting `sso_account_id`"),
        "{}",
        text(&out.stderr)
    );
    // Given on the command line, the session's credentials are had.
    let json: Value = serde_json::from_str(&s.ok(&[
        "credentials",
        "--sso-session",
        "dev",
        "--account-id",
        "444455556666",
        "--role-name",
        "ReadOnly",
    ]))
    .unwrap();
    assert_eq!(json["Version"], 1);
}

#[test]
fn logout_ends_the_session_and_clears_both_caches() {
    let s = Sandbox::new("logout");
    s.login();
    s.ok(&["credentials", "--profile", "dev"]);
    assert!(s.credentials_file().exists() && s.token_file().exists());
    let out = s.run(&["logout"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("removed 1 cached token(s)"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(s.requests(Target::Logout), 1);
    assert!(!s.token_file().exists());
    assert!(!s.credentials_file().exists());
    let left: Vec<_> = std::fs::read_dir(s.dir.join(".aws/sso/cache"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    assert_eq!(left.len(), 1, "the registration stays: {left:?}");
    let out = s.run(&["credentials", "--profile", "dev"]);
    assert_eq!(out.status.code(), Some(255));
    assert!(text(&out.stderr).contains("ssooidc login --profile dev"));
}

#[test]
fn accounts_and_roles_as_tables_and_json() {
    let s = Sandbox::new("lists");
    s.login();
    let table = s.ok(&["accounts", "--profile", "dev"]);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 3, "{table}");
    assert!(lines[0].starts_with("ACCOUNT ID    NAME"), "{table}");
    assert!(
        lines[1].starts_with("111122223333  Development  development@example.com"),
        "{table}"
    );
    let json: Value =
        serde_json::from_str(&s.ok(&["accounts", "--profile", "dev", "--output", "json"])).unwrap();
    assert_eq!(json["accountList"][1]["accountId"], "444455556666");
    assert_eq!(json["accountList"][1]["accountName"], "Production");

    let roles = s.ok(&["roles", "--profile", "dev", "--account-id", "111122223333"]);
    assert_eq!(
        roles.lines().collect::<Vec<_>>(),
        [
            "ROLE                 ACCOUNT ID",
            "ReadOnly             111122223333",
            "AdministratorAccess  111122223333"
        ]
    );
    let json: Value = serde_json::from_str(&s.ok(&[
        "roles",
        "--profile",
        "dev",
        "--account-id",
        "444455556666",
        "--output",
        "json",
    ]))
    .unwrap();
    assert_eq!(
        json,
        serde_json::json!({"roleList": [{"roleName": "ReadOnly", "accountId": "444455556666"}]})
    );
    let out = s.run(&["roles", "--profile", "dev", "--account-id", "999999999999"]);
    assert_eq!(out.status.code(), Some(254));
    assert!(text(&out.stderr)
        .contains("(ForbiddenException) when calling the ListAccountRoles operation: No access"));
    assert_eq!(
        s.run(&["roles", "--profile", "dev"]).status.code(),
        Some(252)
    );
}

/// A cache that cannot be locked or written does not cost a `credential_process` caller the
/// credentials the portal just gave: they are printed, and the warnings go to stderr.
#[test]
fn credentials_survive_a_cache_that_cannot_be_locked_or_written() {
    let s = Sandbox::new("unusable-cache");
    s.login();
    let file = s.credentials_file();
    let lock = file.with_extension("lock");
    let check = |planted: &std::path::Path, warning: &str| {
        // No cached credentials: the portal is asked.
        let _ = std::fs::remove_file(&file);
        std::fs::create_dir_all(planted).unwrap();
        let out = s.run(&["credentials", "--profile", "dev"]);
        let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
        assert_eq!(out.status.code(), Some(0), "{stderr}");
        let json: Value = serde_json::from_str(&stdout).expect(&stdout);
        assert!(json["AccessKeyId"].as_str().unwrap().starts_with("ASIA"));
        assert!(
            stderr
                .lines()
                .any(|l| l.starts_with("warning: ") && l.contains(warning)),
            "{stderr}"
        );
        let secret = json["SecretAccessKey"].as_str().unwrap();
        assert!(!stderr.contains(secret), "{stderr}");
        std::fs::remove_dir(planted).unwrap();
    };
    check(&lock, "cannot lock the credentials cache");
    check(&file, "could not be cached");
    assert_eq!(s.requests(Target::GetRoleCredentials), 2);
}

/// Issue 27: cached credentials inside the 15-minute window but with more than 10 minutes left
/// are kept while new ones are fetched: when the portal fails, they are printed with a warning
/// naming the failure and their expiry (botocore keeps credentials whose advisory refresh
/// failed). With 10 minutes or less left, the failure is the answer.
#[test]
fn a_failing_portal_inside_the_window_falls_back_to_the_cached_credentials() {
    let s = Sandbox::new("fallback");
    s.login();
    let first: Value = serde_json::from_str(&s.ok(&["credentials", "--profile", "dev"])).unwrap();
    let file = s.credentials_file();
    let set_left = |minutes: i64| {
        let mut cached: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
        let expiry = time::OffsetDateTime::now_utc() + time::Duration::minutes(minutes);
        cached["Credentials"]["Expiration"] = format_timestamp(expiry).into();
        std::fs::write(&file, cached.to_string()).unwrap();
        format_timestamp(expiry)
    };
    s.emu.inject("GetRoleCredentials=close".parse().unwrap());

    let expiry = set_left(12);
    let out = s.run(&["credentials", "--profile", "dev"]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let json: Value = serde_json::from_str(&stdout).expect(&stdout);
    assert_eq!(json["AccessKeyId"], first["AccessKeyId"]);
    assert_eq!(json["Expiration"], expiry.as_str());
    let warning = stderr
        .lines()
        .find(|l| l.starts_with("warning: could not fetch new role credentials"))
        .unwrap_or_else(|| panic!("no warning: {stderr}"));
    assert!(
        warning.contains("GetRoleCredentials") && warning.contains(&format!("expire at {expiry}")),
        "{warning}"
    );
    assert!(!stderr.contains(first["SecretAccessKey"].as_str().unwrap()));

    set_left(9);
    let out = s.run(&["credentials", "--profile", "dev"]);
    assert_eq!(out.status.code(), Some(255), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());

    // With the portal back, the entry inside the window is replaced.
    s.emu.clear_faults();
    set_left(12);
    let fetched: Value = serde_json::from_str(&s.ok(&["credentials", "--profile", "dev"])).unwrap();
    assert_ne!(fetched["Expiration"], expiry.as_str());
}
