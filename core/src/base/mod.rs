//! The base layer: values every other layer uses and that know nothing of the protocol
//! (percent and form encoding, [`Secret`](secret::Secret), timestamps and their arithmetic,
//! terminal-safe text, cancellation, the jitter generator).

pub(crate) mod cancel;
pub mod form;
pub(crate) mod instant;
pub mod percent;
pub(crate) mod rng;
pub(crate) mod secret;
pub mod text;
pub(crate) mod timestamp;
