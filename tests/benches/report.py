#!/usr/bin/env python3
"""Turns criterion's results (target/criterion) into the ratio tables of BENCHMARKS.md.

Run the benchmarks first:
    cargo bench -p ssooidc-core --bench wire
    cargo bench -p ssooidc-tests --bench e2e
    cargo bench -p ssooidc-cli --bench token
then: python3 tests/benches/report.py
"""
import json
import os
import sys

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "target", "criterion")

# (group, benchmark, floor benchmark in the same group)
PAIRS = [
    ("build", "register_client", "floor_serialize_create_token"),
    ("build", "start_device_authorization", "floor_serialize_create_token"),
    ("build", "create_token", "floor_serialize_create_token"),
    ("build", "create_token_with_iam", "floor_serialize_create_token"),
    ("decode", "register_client", "floor_register_client"),
    ("decode", "start_device_authorization", "floor_start_device_authorization"),
    ("decode", "create_token", "floor_create_token"),
    ("decode", "create_token_with_iam", "floor_create_token_with_iam"),
    ("decode", "error", "floor_error"),
    ("flow", "device_flow", "floor_device_flow"),
    ("e2e", "ureq_device_login", "floor_ureq_posts"),
    ("e2e", "async_reqwest_device_login", "floor_reqwest_posts"),
    ("e2e_no_wait", "ureq_device_login", "floor_ureq_posts"),
    ("e2e_no_wait", "async_reqwest_device_login", "floor_reqwest_posts"),
    ("cli", "token_cache_hit", "floor_spawn_true"),
    ("cli", "credentials_cache_hit", "floor_spawn_true"),
]


def mean_ns(group, name):
    path = os.path.join(ROOT, group, name, "new", "estimates.json")
    try:
        with open(path) as f:
            return json.load(f)["mean"]["point_estimate"]
    except (OSError, KeyError, ValueError):
        return None


def fmt(ns):
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.2f} µs"
    return f"{ns:.0f} ns"


def main():
    print("| benchmark | time | floor | floor time | ratio |")
    print("|---|---|---|---|---|")
    missing = 0
    for group, name, floor in PAIRS:
        t, f = mean_ns(group, name), mean_ns(group, floor)
        if t is None or f is None:
            missing += 1
            continue
        print(f"| {group}/{name} | {fmt(t)} | {floor} | {fmt(f)} | {t / f:.2f}x |")
    if missing:
        print(f"\n({missing} pairs not found under {ROOT}: run the benchmarks first)", file=sys.stderr)


if __name__ == "__main__":
    main()
