//! End to end, issue 25: the commands that hand credentials to other programs, each run of the
//! built `ssooidc` a fresh process with a temporary HOME against the emulator:
//! `configure export-credentials` (against the AWS CLI's own formatters), `exec`, `exec
//! --server` and `serve` (botocore as the command), `console` (the emulator's federation
//! endpoint), and `--login` (thirty processes, one login). `docs/hostile-input.md` lists the
//! guarantees and the test that holds each.
#![cfg(unix)]

mod common;

mod auto_login;
mod console;
mod exec;
mod export;
mod serve;
