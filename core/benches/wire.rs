//! Criterion benchmarks of the wire layer and the device machine, each next to its floor: plain
//! `serde_json` decoding of the same body into an equivalent struct (plain `String`s, no
//! `Secret`, no error identification, no size or depth checks). `benches/report.py` turns the
//! results into the ratio table of BENCHMARKS.md.
//!
//! The bodies and floors live in `common/mod.rs`, shared with `instructions.rs`, which counts
//! the instructions of the same code under valgrind (`tests/benches/instructions.sh`).

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};

#[path = "common/mod.rs"]
mod common;

use common::{Fixtures, BENCHES};

fn run_group(c: &mut Criterion, group: &str) {
    let fixtures = Fixtures::new();
    let mut g = c.benchmark_group(group);
    for bench in BENCHES.iter().filter(|b| b.group == group) {
        g.bench_function(bench.name, |b| b.iter(|| (bench.run)(&fixtures)));
    }
    g.finish();
}

fn build_requests(c: &mut Criterion) {
    run_group(c, "build");
}

fn decode_responses(c: &mut Criterion) {
    run_group(c, "decode");
}

/// One whole device flow in virtual time (5 requests), and its floor.
fn device_flow(c: &mut Criterion) {
    run_group(c, "flow");
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(50)
}

criterion_group! {
    name = benches;
    config = config();
    targets = build_requests, decode_responses, device_flow
}
criterion_main!(benches);
