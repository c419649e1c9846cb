//! `credential_process`, run for real: every `process-*` case of the botocore-generated settings
//! matrix (`core/tests/fixtures/settings/matrix.json`) is written to a temporary HOME (config,
//! credentials and the helper scripts), resolved through `Environment`, and its command run.
//! The keys must be botocore's; a failure must be an error that does not print the output.
//! Plus what botocore has no answer for: a process that hangs is stopped by the timeout.
#![cfg(unix)]

use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use ssooidc_ureq::core::config::ProcessProblem;
use ssooidc_ureq::core::settings::CredentialSource;
use ssooidc_ureq::credentials::run_credential_process;
use ssooidc_ureq::{Environment, Explicit};
use time::OffsetDateTime;

struct TempHome(PathBuf);

impl TempHome {
    fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("ssooidc-process-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempHome(dir)
    }

    fn write(&self, relative: &str, text: &str) -> PathBuf {
        let path = self.0.join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        if relative.starts_with("bin/") {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        path
    }

    fn env(&self) -> HashMap<String, String> {
        HashMap::from([("HOME".to_owned(), self.0.display().to_string())])
    }
}

impl Drop for TempHome {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn matrix() -> serde_json::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../core/tests/fixtures/settings/matrix.json");
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// The command the resolver picked for the case's files.
fn command_of(home: &TempHome) -> String {
    let environment = Environment::from_env(home.env()).unwrap();
    match environment
        .settings(&Explicit::default())
        .unwrap()
        .credentials
    {
        Ok(CredentialSource::Process { command }) => command,
        other => panic!("expected a credential_process, got {other:?}"),
    }
}

#[test]
fn every_process_case_gets_botocores_answer() {
    let matrix = matrix();
    let cases: Vec<&serde_json::Value> = matrix["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["name"].as_str().unwrap().starts_with("process-"))
        .collect();
    assert!(cases.len() >= 6, "{} process cases", cases.len());
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let expected = &case["expected"];
        let home = TempHome::new(name);
        let mut secrets = Vec::new();
        for (path, text) in case["files"].as_object().unwrap() {
            let text = text
                .as_str()
                .unwrap()
                .replace("{HOME}", &home.0.display().to_string());
            if path.starts_with("~/bin/") {
                secrets.extend(["SECRETPROC", "TOKENPROC", "AKIDPROCOLD"].map(String::from));
            }
            home.write(path.trim_start_matches("~/"), &text);
        }
        let method = expected["credentials_method"].as_str();
        if method == Some("shared-credentials-file") {
            // The credentials file wins over the process; nothing to run.
            let environment = Environment::from_env(home.env()).unwrap();
            let settings = environment.settings(&Explicit::default()).unwrap();
            let keys = settings.credentials.unwrap();
            assert_eq!(
                keys.static_keys().map(|k| k.access_key_id.as_str()),
                expected["access_key_id"].as_str(),
                "{name}"
            );
            continue;
        }
        let command = command_of(&home);
        let result =
            run_credential_process(&command, Duration::from_secs(30), OffsetDateTime::now_utc());
        match expected["credentials_error"].as_object() {
            None => {
                let creds = result.unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_eq!(
                    Some(creds.keys.access_key_id.as_str()),
                    expected["access_key_id"].as_str(),
                    "{name}"
                );
                assert_eq!(
                    Some(creds.keys.session_token.is_some()),
                    expected["session_token"].as_bool(),
                    "{name}"
                );
            }
            Some(failure) => {
                let error = result.expect_err(name);
                let kind = failure["kind"].as_str().unwrap();
                let matches = match (&error, kind) {
                    (ProcessProblem::Failed(_), "CredentialRetrievalError") => failure["message"]
                        .as_str()
                        .unwrap()
                        .contains("not logged in"),
                    (
                        ProcessProblem::Output(_),
                        "CredentialRetrievalError" | "JSONDecodeError" | "RuntimeError",
                    ) => true,
                    (ProcessProblem::Spawn(_), "FileNotFoundError") => true,
                    _ => false,
                };
                assert!(matches, "{name}: botocore {kind}, ssooidc {error:?}");
                let text = error.to_string();
                for secret in &secrets {
                    assert!(!text.contains(secret.as_str()), "{name}: {text}");
                }
            }
        }
    }
}

#[test]
fn the_output_never_appears_in_the_error() {
    let home = TempHome::new("no-leak");
    let script = home.write(
        "bin/leak.sh",
        "#!/bin/sh\nprintf '{\"Version\": 1, \"AccessKeyId\": \"AKIDLEAK\", \"SecretAccessKey\": \"TOPSECRETVALUE\", \"Expiration\": \"soon\"}'\n",
    );
    let error = run_credential_process(
        &script.display().to_string(),
        Duration::from_secs(30),
        OffsetDateTime::now_utc(),
    )
    .unwrap_err();
    let text = format!("{error} {error:?}");
    assert!(
        !text.contains("TOPSECRETVALUE") && !text.contains("AKIDLEAK"),
        "{text}"
    );
    let script = home.write("bin/fail.sh", "#!/bin/sh\necho TOPSECRETVALUE\nexit 3\n");
    let error = run_credential_process(
        &script.display().to_string(),
        Duration::from_secs(30),
        OffsetDateTime::now_utc(),
    )
    .unwrap_err();
    assert!(matches!(error, ProcessProblem::Failed(_)), "{error:?}");
    assert!(!format!("{error} {error:?}").contains("TOPSECRETVALUE"));
}

#[test]
fn a_hanging_process_is_stopped_by_the_timeout() {
    let home = TempHome::new("hang");
    let script = home.write("bin/hang.sh", "#!/bin/sh\nexec sleep 600\n");
    let started = Instant::now();
    let error = run_credential_process(
        &script.display().to_string(),
        Duration::from_millis(200),
        OffsetDateTime::now_utc(),
    )
    .unwrap_err();
    assert_eq!(error, ProcessProblem::TimedOut(Duration::from_millis(200)));
    // It did not wait for the 600 s the process would have taken.
    assert!(
        started.elapsed() < Duration::from_secs(120),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn a_command_line_that_cannot_be_split_is_refused() {
    assert_eq!(
        run_credential_process(
            "helper 'unterminated",
            Duration::from_secs(1),
            OffsetDateTime::now_utc()
        ),
        Err(ProcessProblem::BadCommand)
    );
    assert_eq!(
        run_credential_process("   ", Duration::from_secs(1), OffsetDateTime::now_utc()),
        Err(ProcessProblem::BadCommand)
    );
}
