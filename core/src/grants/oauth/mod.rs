//! The standard OAuth 2.0 machines: the [`Standard`] dialect of the device flow, [`Discovery`]
//! of a provider's endpoints, and the [`Refresh`] grant. Their wire is `formats/oauth`; the
//! public module `crate::oauth` shows both.

mod dialect;
mod discovery;
mod refresh;

pub use dialect::{Standard, StandardOutput};
pub use discovery::{validate, validate_metadata, Discovery, DiscoveryError};
pub use refresh::{plan, Plan, Refresh, RefreshResult, Refreshed, Shortfall};
