//! The formats layer: what crosses a boundary, as values: endpoints, SigV4, the operations of
//! SSO OIDC, the portal and standard OAuth 2.0 (requests built, answers decoded), the
//! service's errors with their retry classes, redaction, and the files the AWS CLI and SDKs
//! share (caches, credential formats). No state machines and no retries: those are above.

pub mod authorization;
pub mod browser;
pub mod cache;
pub mod container;
pub mod credentials;
pub mod endpoint;
pub mod error;
pub mod federation;
pub mod file;
pub mod ini;
pub mod oauth;
pub mod operations;
pub mod portal;
pub mod registration;
pub mod sigv4;
pub mod wire;
