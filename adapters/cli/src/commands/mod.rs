//! One module per command.

pub mod assignments;
pub mod auto_login;
pub mod completion;
pub mod configure;
pub mod console;
pub mod credentials;
pub mod demo;
pub mod exec;
pub mod export_credentials;
pub mod login;
pub mod low_level;
pub mod oauth;
pub mod profile_credentials;
pub mod profiles;
pub mod serve;
pub mod sessions;
pub mod token;
