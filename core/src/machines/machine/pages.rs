//! [`Pages`]: every page of a paginated operation as one machine. Each page is a [`Call`] (with
//! the retry policy); the next starts with the previous answer's `nextToken` until an answer
//! has none (`docs/protocol/portal.md#pagination`).
//!
//! ```text
//! new ──▶ Call(page 1) ──ok, nextToken T──▶ Call(page 2, T) ──ok, no nextToken──▶ Done(Ok(items))
//!              │                                 │
//!              └── a failure (after retries) ────┴──▶ Done(Err(CallError))
//!   a nextToken seen before, or more than MAX_PAGES pages ──▶ Done(Err(Malformed))
//! ```

use std::collections::HashSet;
use std::convert::Infallible;
use std::time::Instant;

use time::OffsetDateTime;

use crate::call::CallError;
use crate::endpoint::Endpoint;
use crate::machine::{Call, Machine, MisuseError, Output};
use crate::portal::Paginated;
use crate::retry::RetryPolicy;
use crate::transport::TransportError;
use crate::wire::DecodeError;

/// The most pages [`Pages`] fetches: 1000 (100 000 items at the largest page size). A service
/// that keeps sending new page tokens beyond that is answered with an error instead of being
/// followed forever.
pub const MAX_PAGES: u32 = 1000;

/// Every page of `O` as one machine: the items of all pages, in order, or the first failure.
///
/// Like botocore's paginator it stops at an answer without a `nextToken` (or with an empty one)
/// and refuses a token it was given before; it also refuses to fetch more than [`MAX_PAGES`]
/// pages. Both refusals are [`CallError::Malformed`] with [`DecodeError::RepeatedNextToken`] or
/// [`DecodeError::TooManyPages`].
///
/// ```
/// use std::time::Instant;
/// use ssooidc_core::endpoint::Endpoint;
/// use ssooidc_core::machine::{feed, Machine, Output};
/// use ssooidc_core::machine::Pages;
/// use ssooidc_core::portal::ListAccounts;
/// use ssooidc_core::retry::RetryPolicy;
///
/// let endpoint = Endpoint::parse("https://portal.sso.us-east-1.amazonaws.com").unwrap();
/// let mut pages = Pages::new(ListAccounts::new("tok"), &endpoint, &RetryPolicy::default(), Instant::now(), 7);
/// let answers: [&[u8]; 2] = [
///     br#"{"accountList":[{"accountId":"111122223333"}],"nextToken":"p2"}"#,
///     br#"{"accountList":[{"accountId":"444455556666"}]}"#,
/// ];
/// for body in answers {
///     let Ok(Output::Transmit(t)) = pages.poll_output() else { panic!() };
///     assert_eq!(t.operation, "ListAccounts");
///     let answer = http::Response::builder().status(200).body(body).unwrap();
///     feed(&mut pages, Instant::now(), time::OffsetDateTime::now_utc(), Ok(answer)).unwrap();
/// }
/// let Ok(Output::Done(Ok(accounts))) = pages.poll_output() else { panic!() };
/// assert_eq!(accounts.len(), 2);
/// ```
pub struct Pages<O: Paginated> {
    input: O,
    endpoint: Endpoint,
    policy: RetryPolicy,
    seed: u64,
    /// The latest instant the machine was given (new pages start at it).
    clock: Instant,
    call: Call<O::Output>,
    pages: u32,
    items: Vec<O::Item>,
    seen: HashSet<String>,
    done: Option<Result<Vec<O::Item>, CallError>>,
}

impl<O: Paginated> std::fmt::Debug for Pages<O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pages")
            .field("operation", &O::NAME)
            .field("page", &self.pages)
            .field("items", &self.items.len())
            .field("call", &self.call)
            .field("done", &self.done.is_some())
            .finish()
    }
}

impl<O: Paginated> Pages<O> {
    /// Every page of `input` (its own page token, if any, is where the first page starts).
    /// `now`: when the first page starts; `seed`: the retry jitter of the first page (each
    /// later page uses the next seed).
    pub fn new(
        input: O,
        endpoint: &Endpoint,
        policy: &RetryPolicy,
        now: Instant,
        seed: u64,
    ) -> Self {
        let call = Call::new(&input, endpoint, policy, now, seed);
        Pages {
            input,
            endpoint: endpoint.clone(),
            policy: policy.clone(),
            seed,
            clock: now,
            call,
            pages: 1,
            items: Vec::new(),
            seen: HashSet::new(),
            done: None,
        }
    }

    /// How many pages have been asked for so far (1 while the first is in flight).
    pub fn pages(&self) -> u32 {
        self.pages
    }

    fn observe(&mut self, now: Instant) {
        self.clock = self.clock.max(now);
    }

    /// A page arrived: keep its items; start the next page, or finish.
    fn page(&mut self, output: O::Output) {
        let (items, next) = O::into_page(output);
        self.items.extend(items);
        let Some(token) = next.filter(|t| !t.is_empty()) else {
            self.done = Some(Ok(std::mem::take(&mut self.items)));
            return;
        };
        let refuse = |kind| {
            Some(Err(CallError::Malformed {
                operation: O::NAME,
                status: 200,
                request_id: None,
                kind,
            }))
        };
        if self.pages >= MAX_PAGES {
            self.done = refuse(DecodeError::TooManyPages { limit: MAX_PAGES });
            return;
        }
        if !self.seen.insert(token.clone()) {
            self.done = refuse(DecodeError::RepeatedNextToken);
            return;
        }
        self.input.set_next_token(Some(token));
        self.pages += 1;
        self.call = Call::new(
            &self.input,
            &self.endpoint,
            &self.policy,
            self.clock,
            self.seed.wrapping_add(u64::from(self.pages)),
        );
    }

    fn expect_running(&self) -> Result<(), MisuseError> {
        match self.done {
            Some(_) => Err(MisuseError::Finished),
            None => Ok(()),
        }
    }
}

impl<O: Paginated> Machine for Pages<O> {
    type Event = Infallible;
    type Output = Result<Vec<O::Item>, CallError>;

    fn poll_output(&mut self) -> Result<Output<Infallible, Self::Output>, MisuseError> {
        loop {
            if let Some(done) = &self.done {
                return Ok(Output::Done(done.clone()));
            }
            match self.call.poll_output()? {
                Output::Transmit(t) => return Ok(Output::Transmit(t)),
                Output::Timeout(at) => return Ok(Output::Timeout(at)),
                Output::Event(never) => match never {},
                Output::Done(Ok(output)) => self.page(output),
                Output::Done(Err(e)) => self.done = Some(Err(e)),
            }
        }
    }

    fn handle_response<B: AsRef<[u8]>>(
        &mut self,
        now: Instant,
        wall: OffsetDateTime,
        response: http::Response<B>,
    ) -> Result<(), MisuseError> {
        self.expect_running()?;
        self.observe(now);
        self.call.handle_response(now, wall, response)
    }

    fn handle_transport_error(
        &mut self,
        now: Instant,
        wall: OffsetDateTime,
        error: TransportError,
    ) -> Result<(), MisuseError> {
        self.expect_running()?;
        self.observe(now);
        self.call.handle_transport_error(now, wall, error)
    }

    fn handle_timeout(&mut self, now: Instant) -> Result<(), MisuseError> {
        self.expect_running()?;
        self.observe(now);
        self.call.handle_timeout(now)
    }
}
