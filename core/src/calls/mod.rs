//! The calls layer: one call to a service and how it fails: what a transport reports, the
//! retry policies (standard, legacy, adaptive), and [`CallError`](call::CallError), the one
//! error of a failed call.

pub mod call;
pub mod retry;
pub mod transport;
