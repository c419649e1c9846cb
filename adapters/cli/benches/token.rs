//! `ssooidc token` and `ssooidc credentials` on a cache hit: wall time of the whole process next
//! to the floor of spawning `true` in the same run, and peak memory (`/usr/bin/time -f %M`, when
//! installed).
//!
//! `cargo bench -p ssooidc-cli --bench token`

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};

const BIN: &str = env!("CARGO_BIN_EXE_ssooidc");

/// A HOME with a config, a token valid for 10 hours, and role credentials of the profile valid
/// for 10 hours in the AWS CLI's cache.
fn home() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ssooidc-bench-token-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join(".aws/sso/cache")).unwrap();
    std::fs::write(
        dir.join(".aws/config"),
        "[profile dev]\nsso_session = my-sso\nsso_account_id = 111122223333\nsso_role_name = ReadOnly\n\n[sso-session my-sso]\nsso_start_url = https://d-1234567890.awsapps.com/start\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access\n",
    )
    .unwrap();
    let expires = time::OffsetDateTime::now_utc() + time::Duration::hours(10);
    let token = format!(
        r#"{{"startUrl": "https://d-1234567890.awsapps.com/start", "region": "us-east-1", "accessToken": "aoaAAAAAGexample", "expiresAt": "{}", "clientId": "cid", "clientSecret": "csec", "registrationExpiresAt": "2030-01-01T00:00:00Z", "refreshToken": "rt"}}"#,
        ssooidc_core::cache::format_timestamp(expires)
    );
    let key = ssooidc_core::cache::token_cache_key("my-sso");
    std::fs::write(dir.join(format!(".aws/sso/cache/{key}.json")), token).unwrap();
    std::fs::create_dir_all(dir.join(".aws/cli/cache")).unwrap();
    let credentials = format!(
        r#"{{"ProviderType": "sso", "Credentials": {{"AccessKeyId": "ASIAEXAMPLEEXAMPLE12", "SecretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "SessionToken": "IQoJb3JpZ2luX2VjEXAMPLE+/=", "Expiration": "{}", "AccountId": "111122223333"}}}}"#,
        ssooidc_core::cache::format_timestamp(expires)
    );
    let key = ssooidc_core::cache::role_credentials_cache_key(
        "111122223333",
        "ReadOnly",
        Some("my-sso"),
        "",
    );
    std::fs::write(dir.join(format!(".aws/cli/cache/{key}.json")), credentials).unwrap();
    dir
}

fn command(home: &Path, what: &str) -> Command {
    let mut c = Command::new(BIN);
    c.args([what, "--profile", "dev"])
        .env_clear()
        .env("HOME", home)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    c
}

fn peak_rss_kib(home: &Path, what: &str) -> Option<u64> {
    let out = Command::new("/usr/bin/time")
        .args(["-f", "%M", BIN, what, "--profile", "dev"])
        .env_clear()
        .env("HOME", home)
        .stdout(Stdio::null())
        .output()
        .ok()?;
    String::from_utf8_lossy(&out.stderr)
        .trim()
        .lines()
        .last()?
        .parse()
        .ok()
}

fn bench(c: &mut Criterion) {
    let home = home();
    for what in ["token", "credentials"] {
        let status = command(&home, what).status().unwrap();
        assert!(status.success(), "ssooidc {what} failed on the fixture");
        if let Some(kib) = peak_rss_kib(&home, what) {
            println!("ssooidc {what} (cache hit) peak RSS: {kib} KiB");
        }
    }
    let mut g = c.benchmark_group("cli");
    g.bench_function("token_cache_hit", |b| {
        b.iter(|| command(&home, "token").status().unwrap())
    });
    g.bench_function("credentials_cache_hit", |b| {
        b.iter(|| command(&home, "credentials").status().unwrap())
    });
    g.bench_function("floor_spawn_true", |b| {
        b.iter(|| Command::new("true").stdout(Stdio::null()).status().unwrap())
    });
    g.finish();
    let _ = std::fs::remove_dir_all(&home);
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(5)).sample_size(100);
    targets = bench
}
criterion_main!(benches);
