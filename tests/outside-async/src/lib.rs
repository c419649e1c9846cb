//! `ssooidc-async` as an embedding developer meets it: a crate that depends on `ssooidc-async`
//! with its integrations (and on tokio, whose sleep the README's custom timer uses), with no
//! `ssooidc-core`, `http` or `time` of its own. The code blocks of the crate's README are its doc
//! tests, so each compiles with the paths that crate gives and nothing else.

/// The code blocks of `adapters/async/README.md`, compiled and run as doc tests of a crate that
/// depends on `ssooidc-async` only (and tokio).
#[cfg(doctest)]
#[doc = include_str!("../../../adapters/async/README.md")]
pub struct AsyncReadmeDoctests;
