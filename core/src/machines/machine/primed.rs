//! [`Primed`]: a machine whose first output its driver already polled, given back first. A
//! driver that looks at a machine's first outputs itself (the session drivers do the file
//! operations before they build an HTTP client, which a cache hit never needs) hands the rest
//! to the one driver loop through it.

use std::time::Instant;

use time::OffsetDateTime;

use super::{Machine, MisuseError, Output, Wait};
use crate::transport::TransportError;

/// A machine whose first output was already polled: it is given again first.
pub struct Primed<'a, M: Machine> {
    machine: &'a mut M,
    first: Option<Output<M::Event, M::Output>>,
}

impl<'a, M: Machine> Primed<'a, M> {
    /// `machine`, whose output `first` was polled and not acted on.
    pub fn new(machine: &'a mut M, first: Output<M::Event, M::Output>) -> Self {
        Primed {
            machine,
            first: Some(first),
        }
    }

    /// The machine.
    pub fn machine(&mut self) -> &mut M {
        self.machine
    }
}

impl<M: Machine> Machine for Primed<'_, M> {
    type Event = M::Event;
    type Output = M::Output;

    fn poll_output(&mut self) -> Result<Output<M::Event, M::Output>, MisuseError> {
        match self.first.take() {
            Some(first) => Ok(first),
            None => self.machine.poll_output(),
        }
    }

    fn handle_response<B: AsRef<[u8]>>(
        &mut self,
        now: Instant,
        wall: OffsetDateTime,
        response: http::Response<B>,
    ) -> Result<(), MisuseError> {
        self.machine.handle_response(now, wall, response)
    }

    fn handle_transport_error(
        &mut self,
        now: Instant,
        wall: OffsetDateTime,
        error: TransportError,
    ) -> Result<(), MisuseError> {
        self.machine.handle_transport_error(now, wall, error)
    }

    fn handle_timeout(&mut self, now: Instant) -> Result<(), MisuseError> {
        self.machine.handle_timeout(now)
    }

    fn waiting_for(&self) -> Wait {
        self.machine.waiting_for()
    }
}
