//! Per-state tests of the device-authorization machine, built with [`scenario::Scenario`].
//! One file per state (ureq-proto's `test/state_*.rs` pattern), plus misuse and redaction.

#[path = "../common/mod.rs"]
mod common;
mod scenario;

mod authorize;
mod done;
mod misuse;
mod poll;
mod register;
mod start_over;
