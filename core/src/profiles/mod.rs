//! The profiles layer: what the AWS CLI's users configure and keep: `~/.aws/config` parsed
//! ([`config`]), the one settings resolver ([`settings`]), which proxy a request goes through ([`proxy`]), and the session rules that tie a
//! profile to its caches and its login ([`sessions`]).

pub mod config;
pub mod proxy;
pub mod sessions;
pub mod settings;
