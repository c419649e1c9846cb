//! What can be wrong with a file the AWS CLI and this crate share (a config, credentials or
//! cache file), as the adapters that read it report it.

use crate::formats::ini::IniError;

/// What is wrong with a configuration file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FileProblem {
    /// Not valid config syntax.
    #[error(transparent)]
    Syntax(#[from] IniError),
    /// Not UTF-8 text.
    #[error("not UTF-8 text (invalid byte at offset {offset})")]
    NotUtf8 {
        /// Offset of the first invalid byte.
        offset: usize,
    },
    /// Larger than the limit.
    #[error("larger than the {limit}-byte limit")]
    TooLarge {
        /// The limit.
        limit: u64,
    },
    /// A FIFO, a device or a directory where a file was expected.
    #[error("not a regular file")]
    NotRegularFile,
    /// A symbolic link where links are not followed (the cache directories).
    #[error("a symbolic link, which is not followed here")]
    SymbolicLink,
    /// Could not be read.
    #[error("{0}")]
    Unreadable(String),
}
