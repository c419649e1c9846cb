//! `ssooidc configure export-credentials` against what the AWS CLI v2's own formatters print
//! (the fixture `tests/reference/export_credentials.py` made from `exportcreds.py` and
//! botocore): the built binary, in a fresh process with a temporary HOME, for a profile whose
//! credentials come from a `credential_process`, from the credentials file, from the
//! environment, and from an SSO role at the emulator.

use serde_json::Value;

use super::common::{emulator_config, sso_session, text, Home, BIN};

const FIXTURE: &str =
    include_str!("../../../../core/tests/fixtures/aws_cli/export_credentials.json");
const FORMATS: [&str; 6] = [
    "process",
    "env",
    "env-no-export",
    "powershell",
    "windows-cmd",
    "fish",
];

/// A HOME with the SSO profile `dev`, a profile `none` without credentials, and for each
/// case of the fixture a profile of its name: a `credential_process` that prints the case's
/// output, or keys in the credentials file.
fn home(name: &str) -> Home {
    let home = Home::new(name, emulator_config(), |start| {
        format!(
            "[profile dev]\nsso_session = dev\nsso_account_id = 111122223333\nsso_role_name = ReadOnly\n\n{}\n[profile none]\nregion = us-east-1\n",
            sso_session(start)
        )
    });
    let config_path = home.dir.join(".aws/config");
    let mut config = std::fs::read_to_string(&config_path).unwrap();
    let mut credentials = String::new();
    for case in cases() {
        let name = case["name"].as_str().unwrap();
        match case["source"].as_str().unwrap() {
            "process" => {
                let out = home.dir.join(format!("{name}.json"));
                std::fs::write(&out, case["input"].as_str().unwrap()).unwrap();
                config.push_str(&format!(
                    "[profile {name}]\ncredential_process = cat {}\n",
                    out.display()
                ));
            }
            "static" => {
                let input = &case["input"];
                credentials.push_str(&format!(
                    "[{name}]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
                    input["access_key_id"].as_str().unwrap(),
                    input["secret_access_key"].as_str().unwrap()
                ));
                if let Some(token) = input["session_token"].as_str() {
                    credentials.push_str(&format!("aws_session_token = {token}\n"));
                }
            }
            _ => {}
        }
    }
    config.push_str(&format!(
        "[profile loop]\ncredential_process = {BIN} configure export-credentials --profile loop\n"
    ));
    std::fs::write(&config_path, config).unwrap();
    std::fs::write(home.dir.join(".aws/credentials"), credentials).unwrap();
    home
}

fn cases() -> Vec<Value> {
    let fixture: Value = serde_json::from_str(FIXTURE).unwrap();
    fixture["cases"].as_array().unwrap().clone()
}

#[test]
fn process_and_static_profiles_print_what_the_aws_cli_prints() {
    let home = home("fixture");
    let mut compared = 0;
    for case in cases() {
        let name = case["name"].as_str().unwrap();
        if case["source"] == "sso" || name == "unusual-characters" {
            continue;
        }
        for format in FORMATS {
            let out = home.run(&[
                "configure",
                "export-credentials",
                "--profile",
                name,
                "--format",
                format,
            ]);
            assert_eq!(
                out.status.code(),
                Some(0),
                "{name} {format}: {}",
                text(&out.stderr)
            );
            assert_eq!(
                text(&out.stdout),
                case["expected"][format].as_str().unwrap(),
                "{name} {format}"
            );
            compared += 1;
        }
    }
    assert_eq!(compared, 4 * FORMATS.len());
    // `process` is the default format.
    let out = home.run(&["configure", "export-credentials", "--profile", "static"]);
    assert_eq!(
        text(&out.stdout),
        cases().iter().find(|c| c["name"] == "static").unwrap()["expected"]["process"]
            .as_str()
            .unwrap()
    );
}

#[test]
fn environment_keys_are_exported_when_no_profile_is_named() {
    let home = home("env");
    let out = home
        .command()
        .env("AWS_ACCESS_KEY_ID", "ASIAEXAMPLEENV")
        .env(
            "AWS_SECRET_ACCESS_KEY",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        )
        .env(
            "AWS_SESSION_TOKEN",
            "IQoJb3JpZ2luX2VjEXAMPLE/+token+with/slashes==".repeat(3),
        )
        .args(["configure", "export-credentials", "--format", "env"])
        .output()
        .unwrap();
    let want = cases()
        .into_iter()
        .find(|c| c["name"] == "static-with-token")
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), want["expected"]["env"].as_str().unwrap());
}

#[test]
fn an_sso_profile_exports_its_role_credentials_with_the_aws_clis_expiry_text() {
    let home = home("sso");
    home.login("dev");
    let process = home.run(&["configure", "export-credentials", "--profile", "dev"]);
    assert_eq!(process.status.code(), Some(0), "{}", text(&process.stderr));
    let exported: Value = serde_json::from_slice(&process.stdout).unwrap();
    // The same credentials `ssooidc credentials` gives (from the role-credential cache).
    let credentials: Value =
        serde_json::from_slice(&home.run(&["credentials", "--profile", "dev"]).stdout).unwrap();
    assert_eq!(exported["AccessKeyId"], credentials["AccessKeyId"]);
    assert_eq!(exported["SessionToken"], credentials["SessionToken"]);
    let expiration = credentials["Expiration"].as_str().unwrap();
    assert_eq!(
        exported["Expiration"].as_str().unwrap(),
        expiration.replace('Z', "+00:00"),
        "the AWS CLI writes botocore's datetime with isoformat()"
    );
    let env = home.run(&[
        "configure",
        "export-credentials",
        "--profile",
        "dev",
        "--format",
        "windows-cmd",
    ]);
    let lines = text(&env.stdout);
    let names: Vec<&str> = lines
        .lines()
        .map(|l| l.split('=').next().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "set AWS_ACCESS_KEY_ID",
            "set AWS_SECRET_ACCESS_KEY",
            "set AWS_SESSION_TOKEN",
            "set AWS_CREDENTIAL_EXPIRATION"
        ]
    );
}

#[test]
fn values_a_shell_would_run_are_refused_and_the_json_is_escaped_as_the_aws_clis() {
    let home = home("odd");
    let case = cases()
        .into_iter()
        .find(|c| c["name"] == "unusual-characters")
        .unwrap();
    let json = home.run(&[
        "configure",
        "export-credentials",
        "--profile",
        "unusual-characters",
    ]);
    assert_eq!(json.status.code(), Some(0), "{}", text(&json.stderr));
    assert_eq!(
        text(&json.stdout),
        case["expected"]["process"].as_str().unwrap()
    );
    for format in &FORMATS[1..] {
        let out = home.run(&[
            "configure",
            "export-credentials",
            "--profile",
            "unusual-characters",
            "--format",
            format,
        ]);
        assert_eq!(out.status.code(), Some(255), "{format}");
        assert!(out.stdout.is_empty(), "{format}: nothing half-printed");
        let err = text(&out.stderr);
        assert!(err.contains("AWS_SECRET_ACCESS_KEY"), "{err}");
        assert!(!err.contains("$(id)"), "the secret is not shown: {err}");
    }
}

#[test]
fn no_credentials_and_bad_formats_exit_as_the_aws_cli() {
    let home = home("none");
    let out = home.run(&["configure", "export-credentials", "--profile", "none"]);
    assert_eq!(out.status.code(), Some(253), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());
    let out = home.run(&[
        "configure",
        "export-credentials",
        "--profile",
        "static",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(252));
    // A session that was never logged in: the session layer's advice.
    let out = home.run(&["configure", "export-credentials", "--profile", "dev"]);
    assert_eq!(out.status.code(), Some(255), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("ssooidc login"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_profile_that_exports_itself_is_refused_not_run_forever() {
    let home = home("loop");
    let out = home.run(&["configure", "export-credentials", "--profile", "loop"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(253), "{err}");
    assert!(
        err.contains(
            "Credential process resolution detected an infinite loop, profile cycle: loop -> loop"
        ),
        "{err}"
    );
    assert!(out.stdout.is_empty());
    // A chain handed down by the AWS CLI counts too.
    let out = home
        .command()
        .env("_AWS_CLI_PROFILE_CHAIN", "a,b,c,d")
        .args(["configure", "export-credentials", "--profile", "static"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(253));
    assert!(
        text(&out.stderr).contains("Maximum recursive credential process resolution reached (4).")
    );
}
