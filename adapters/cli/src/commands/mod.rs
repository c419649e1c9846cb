//! One module per command.

pub mod assignments;
pub mod completion;
pub mod configure;
pub mod credentials;
pub mod demo;
pub mod login;
pub mod low_level;
pub mod oauth;
pub mod profiles;
pub mod sessions;
pub mod token;
