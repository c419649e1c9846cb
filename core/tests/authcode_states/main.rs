//! Per-state tests of the authorization-code (PKCE) machine, built with [`scenario::Scenario`]:
//! one file per state, plus misuse, redaction and the documented vectors.

#[path = "../common/mod.rs"]
mod common;
mod scenario;

mod authorize;
mod done;
mod exchange;
mod misuse;
mod register;
mod start_over;
mod vectors;
