//! `ssooidc token` on a cache hit: wall time of the whole process next to the floor of spawning
//! `true` in the same run, and peak memory (`/usr/bin/time -f %M`, when installed).
//!
//! `cargo bench -p ssooidc-cli --bench token`

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};

const BIN: &str = env!("CARGO_BIN_EXE_ssooidc");

/// A HOME with a config and a token valid for 10 hours.
fn home() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ssooidc-bench-token-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join(".aws/sso/cache")).unwrap();
    std::fs::write(
        dir.join(".aws/config"),
        "[profile dev]\nsso_session = my-sso\n\n[sso-session my-sso]\nsso_start_url = https://d-1234567890.awsapps.com/start\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access\n",
    )
    .unwrap();
    let expires = time::OffsetDateTime::now_utc() + time::Duration::hours(10);
    let token = format!(
        r#"{{"startUrl": "https://d-1234567890.awsapps.com/start", "region": "us-east-1", "accessToken": "aoaAAAAAGexample", "expiresAt": "{}", "clientId": "cid", "clientSecret": "csec", "registrationExpiresAt": "2030-01-01T00:00:00Z", "refreshToken": "rt"}}"#,
        ssooidc_core::cache::format_timestamp(expires)
    );
    let key = ssooidc_core::cache::token_cache_key("my-sso");
    std::fs::write(dir.join(format!(".aws/sso/cache/{key}.json")), token).unwrap();
    dir
}

fn token_command(home: &Path) -> Command {
    let mut c = Command::new(BIN);
    c.args(["token", "--profile", "dev"])
        .env_clear()
        .env("HOME", home)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    c
}

fn peak_rss_kib(home: &Path) -> Option<u64> {
    let out = Command::new("/usr/bin/time")
        .args(["-f", "%M", BIN, "token", "--profile", "dev"])
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
    let status = token_command(&home).status().unwrap();
    assert!(status.success(), "ssooidc token failed on the fixture");
    if let Some(kib) = peak_rss_kib(&home) {
        println!("ssooidc token (cache hit) peak RSS: {kib} KiB");
    }
    let mut g = c.benchmark_group("cli");
    g.bench_function("token_cache_hit", |b| {
        b.iter(|| token_command(&home).status().unwrap())
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
