//! Per-state tests of the device-authorization machine, built with [`scenario::Scenario`].
//! One file per state (ureq-proto's `test/state_*.rs` pattern), plus misuse and redaction.
//! Every test of the grant's policy runs once per dialect (AWS and standard OAuth 2.0), with
//! [`both_dialects!`]; the `Register` state and the AWS wire are the AWS dialect's alone.

#[macro_use]
#[path = "../common/mod.rs"]
mod common;
mod scenario;

mod authorize;
mod done;
mod misuse;
mod poll;
mod register;
mod start_over;
