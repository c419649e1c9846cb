//! The profiles layer: what the AWS CLI's users configure and keep: `~/.aws/config` parsed
//! ([`config`]), the one settings resolver ([`settings`]), which proxy a request goes through
//! ([`proxy`]), the session rules that tie a profile to its caches and its login
//! ([`sessions`]), and the profiles made for the user ([`populate`]).

pub mod config;
pub mod populate;
pub mod proxy;
pub mod sessions;
pub mod settings;
