//! Spec 6.3 and 8.8: token cache files in every timestamp format seen in the wild read the same,
//! and are rewritten in the AWS CLI's format.

use ssooidc_core::cache::CachedToken;
use time::macros::datetime;

const FIXTURES: &[&str] = &["z", "fraction", "offset", "legacy-utc"];

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/token-cache/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn every_timestamp_format_reads_as_the_same_instant() {
    for name in FIXTURES {
        let token =
            CachedToken::from_json(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            token.expires_at,
            datetime!(2021-12-07 01:19:12 UTC),
            "{name}"
        );
        assert_eq!(
            token.registration_expires_at,
            Some(datetime!(2021-12-07 01:19:12 UTC).into()),
            "{name}"
        );
        assert_eq!(token.access_token.expose(), format!("aoaAAAAA-{name}"));
    }
}

#[test]
fn rewriting_uses_the_cli_format_and_keeps_everything_else() {
    for name in FIXTURES {
        let original = String::from_utf8(fixture(name)).unwrap();
        let rewritten = CachedToken::from_json(original.as_bytes())
            .unwrap()
            .to_json();
        // Only the timestamps change: to whole seconds with a literal Z.
        let expected = original
            .replace("2021-12-07T01:19:12.000Z", "2021-12-07T01:19:12Z")
            .replace("2021-12-07T01:19:12+00:00", "2021-12-07T01:19:12Z")
            .replace("2021-12-07T01:19:12UTC", "2021-12-07T01:19:12Z");
        assert_eq!(rewritten, expected, "{name}");
    }
}
