//! One module per command.

pub mod configure;
pub mod demo;
pub mod login;
pub mod low_level;
pub mod oauth;
pub mod sessions;
pub mod token;
