//! `ssooidc-core` as a developer with a transport of their own meets it: a crate whose only
//! dependency is `ssooidc-core` (no `http`, `time` or `serde` of its own). The code blocks of the
//! core's README are its doc tests and the core's example is its example (see `Cargo.toml`), so
//! each compiles with what that one dependency gives and nothing else.

/// The code blocks of `core/README.md`, compiled and run as doc tests of a crate that depends on
/// `ssooidc-core` only.
#[cfg(doctest)]
#[doc = include_str!("../../../core/README.md")]
pub struct CoreReadmeDoctests;
