//! A request as the emulator's handler and its authentication see it: its
//! own module, so that `auth` (which checks it) and `handler` (which
//! answers it, after `auth`) do not import each other.

use bytes::Bytes;
use hyper::{HeaderMap, Method};

/// A request as the handler sees it.
#[derive(Debug)]
pub struct Request<'a> {
    pub method: &'a Method,
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub authority: Option<&'a str>,
    pub headers: &'a HeaderMap,
    /// The body, or `None` if it was larger than the handler's `MAX_REQUEST_BODY`.
    pub body: Option<Bytes>,
}
