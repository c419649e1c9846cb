//! One module per command.

pub mod low_level;
pub mod sessions;
pub mod token;
