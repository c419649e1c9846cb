//! `ProcessCredentials::export` against what the AWS CLI v2's own formatters print
//! (`tests/reference/export_credentials.py` ran `exportcreds.py` of aws/aws-cli over credentials
//! botocore made): byte for byte for every case and format, except where a value cannot be
//! printed safely unquoted, which ssooidc refuses and the AWS CLI prints as it is.

use serde_json::Value;
use ssooidc_core::cache::CachedRoleCredentials;
use ssooidc_core::portal::GetRoleCredentials;
use ssooidc_core::settings::{
    parse_process_output, ExportError, ExportFormat, ProcessCredentials, StaticKeys,
};
use ssooidc_core::Operation;

const FIXTURE: &str = include_str!("fixtures/aws_cli/export_credentials.json");

/// The credentials of a case, made by core as the adapters make them from the same input.
fn credentials(case: &Value) -> ProcessCredentials {
    let input = &case["input"];
    match case["source"].as_str().unwrap() {
        "sso" => {
            let response = http::Response::builder()
                .status(200)
                .body(input.as_str().unwrap().as_bytes().to_vec())
                .unwrap();
            let output = GetRoleCredentials::parse_response(&response).unwrap();
            CachedRoleCredentials::from_portal(&output.role_credentials, "111122223333")
                .to_process_credentials()
        }
        "process" => parse_process_output(
            input.as_str().unwrap().as_bytes(),
            time::OffsetDateTime::UNIX_EPOCH,
        )
        .unwrap(),
        "static" => {
            let mut keys = StaticKeys::new(
                input["access_key_id"].as_str().unwrap(),
                input["secret_access_key"].as_str().unwrap(),
            );
            if let Some(token) = input["session_token"].as_str() {
                keys = keys.with_session_token(token);
            }
            ProcessCredentials::new(keys, None)
        }
        other => panic!("unknown source {other}"),
    }
}

#[test]
fn every_format_is_the_aws_clis_byte_for_byte() {
    let fixture: Value = serde_json::from_str(FIXTURE).unwrap();
    let cases = fixture["cases"].as_array().unwrap();
    assert!(cases.len() >= 6);
    let mut compared = 0;
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let creds = credentials(case);
        let expected = case["expected"].as_object().unwrap();
        // The fixture has every format the AWS CLI has, and core has every one of them.
        let mut names: Vec<&str> = expected.keys().map(String::as_str).collect();
        names.sort_unstable();
        let mut ours: Vec<&str> = ExportFormat::ALL.iter().map(|f| f.name()).collect();
        ours.sort_unstable();
        assert_eq!(names, ours, "{name}");
        for format in ExportFormat::ALL {
            let want = expected[format.name()].as_str().unwrap();
            let got = creds.export(format);
            if name == "unusual-characters" && format != ExportFormat::Process {
                // The AWS CLI prints `$(id)"x` unquoted into shell lines; ssooidc refuses.
                assert_eq!(
                    got,
                    Err(ExportError::UnsafeValue {
                        variable: "AWS_SECRET_ACCESS_KEY"
                    }),
                    "{name} {}",
                    format.name()
                );
                assert!(want.contains("$(id)"), "the case still differs");
                continue;
            }
            assert_eq!(got.as_deref(), Ok(want), "{name} {}", format.name());
            compared += 1;
        }
    }
    assert_eq!(compared, cases.len() * 6 - 5);
}

#[test]
fn format_names_are_the_aws_clis() {
    for format in ExportFormat::ALL {
        assert_eq!(ExportFormat::from_name(format.name()), Some(format));
    }
    assert_eq!(ExportFormat::from_name("Process"), None);
    assert_eq!(ExportFormat::from_name("json"), None);
}
