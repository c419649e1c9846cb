//! End-to-end device logins over loopback against the emulator, for both adapters, with the
//! time knobs at (nearly) zero: the emulator's `second` is 0 (no waiting for approval, no
//! slow_down from timing) and the machine's `DeviceFlowConfig::second` is 1 µs (an interval of 1
//! is a 1 µs wait; 0 would put the flow's own deadline at its start). The emulator's `expiresIn`
//! is raised so that the deadline is a full second of real time.
//! Group `e2e`: a login is 5 requests, RegisterClient, StartDeviceAuthorization and three
//! CreateToken polls (two pending, then the token), with two interval waits. Group
//! `e2e_no_wait`: the emulator approves at once, so a login is 3 requests and no wait, which
//! isolates what the client adds from the sleeping (tokio's timer rounds every wait up to 1 ms).
//! Each adapter is reported next to its floor measured in the same run: the same POSTs with the
//! same bodies sent by the bare HTTP client (no core, no parsing).
//!
//! `cargo bench -p ssooidc-tests --bench e2e`

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use ssooidc_core::device::{DeviceFlowConfig, DeviceFlowInput};
use ssooidc_emulator::{Approval, Config as EmuConfig, Emulator};

const START_URL: &str = "https://d-1234567890.awsapps.com/start";

fn flow() -> DeviceFlowConfig {
    DeviceFlowConfig::default().second(Duration::from_micros(1))
}

/// The bodies of one login, for the floors.
fn bodies() -> [(&'static str, String); 5] {
    [
        ("/client/register", r#"{"clientName":"bench","clientType":"public","scopes":["sso:account:access"]}"#.to_owned()),
        ("/device_authorization", format!(r#"{{"clientId":"cid","clientSecret":"csec","startUrl":"{START_URL}"}}"#)),
        ("/token", r#"{"clientId":"cid","clientSecret":"csec","grantType":"urn:ietf:params:oauth:grant-type:device_code","deviceCode":"dc"}"#.to_owned()),
        ("/token", r#"{"clientId":"cid","clientSecret":"csec","grantType":"urn:ietf:params:oauth:grant-type:device_code","deviceCode":"dc"}"#.to_owned()),
        ("/token", r#"{"clientId":"cid","clientSecret":"csec","grantType":"urn:ietf:params:oauth:grant-type:device_code","deviceCode":"dc"}"#.to_owned()),
    ]
}

fn bench(c: &mut Criterion) {
    // Two pending polls (5 requests, two interval waits) and none (3 requests, no wait at all).
    bench_logins(c, "e2e", 2);
    bench_logins(c, "e2e_no_wait", 0);
}

fn bench_logins(c: &mut Criterion, group: &str, pending_polls: u32) {
    let emu = Emulator::start(
        EmuConfig::default()
            .second(Duration::ZERO)
            .expires_in(1_000_000)
            .approval(Approval::ApproveAfterPolls(pending_polls)),
    )
    .expect("emulator");
    let base = emu.base_url().to_owned();
    let requests = 3 + u64::from(pending_polls);
    let mut g = c.benchmark_group(group);
    g.throughput(criterion::Throughput::Elements(requests));
    let bodies = bodies();
    let bodies = &bodies[..requests as usize];

    // ureq adapter.
    let client =
        ssooidc_ureq::Client::new(ssooidc_ureq::Config::new("us-east-1").endpoint_url(&base))
            .unwrap();
    let endpoint = client.endpoint().clone();
    g.bench_function("ureq_device_login", |b| {
        b.iter(|| {
            let input = DeviceFlowInput::new(endpoint.clone(), START_URL, "bench")
                .scopes(["sso:account:access"]);
            let options = ssooidc_ureq::device::LoginOptions::default()
                .flow(flow())
                .seed(1);
            ssooidc_ureq::device::device_login(&client, input, options, |_| {}).unwrap()
        })
    });
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    g.bench_function("floor_ureq_posts", |b| {
        b.iter(|| {
            for (path, body) in bodies {
                let mut r = agent
                    .post(format!("{base}{path}"))
                    .header("content-type", "application/json")
                    .send(body.as_str())
                    .unwrap();
                r.body_mut().read_to_vec().unwrap();
            }
        })
    });

    // async adapter over reqwest on a current-thread tokio runtime.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let http = ssooidc_async::reqwest_client_builder().build().unwrap();
    let aclient =
        ssooidc_async::Client::new(http.clone(), ssooidc_async::TokioTimer, endpoint.clone());
    g.bench_function("async_reqwest_device_login", |b| {
        b.iter(|| {
            let input = DeviceFlowInput::new(endpoint.clone(), START_URL, "bench")
                .scopes(["sso:account:access"]);
            let options = ssooidc_async::LoginOptions::default().flow(flow()).seed(1);
            rt.block_on(ssooidc_async::device_login(
                &aclient,
                input,
                options,
                |_| {},
            ))
            .unwrap()
        })
    });
    g.bench_function("floor_reqwest_posts", |b| {
        b.iter(|| {
            rt.block_on(async {
                for (path, body) in bodies {
                    let r = http
                        .post(format!("{base}{path}"))
                        .header("content-type", "application/json")
                        .body(body.clone())
                        .send()
                        .await
                        .unwrap();
                    r.bytes().await.unwrap();
                }
            })
        })
    });
    g.finish();
    emu.stop();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(4)).sample_size(50);
    targets = bench
}
criterion_main!(benches);
