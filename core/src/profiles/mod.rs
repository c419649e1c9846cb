//! The profiles layer: what the AWS CLI's users configure and keep: `~/.aws/config` parsed
//! ([`config`]), the one settings resolver ([`settings`]), the session rules that tie a
//! profile to its caches and its login ([`sessions`]), and the profiles made for the user
//! ([`populate`]).

pub mod config;
pub mod populate;
pub mod sessions;
pub mod settings;
