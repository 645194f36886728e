//! The embedded COS emulator: an HTTP/1.1 server that speaks COS's wire
//! format and answers every CORS question by calling [`crate::model`].
//!
//! Layout: [`route`] turns a request line and `Host` into a typed
//! [`route::Route`]; [`store`] keeps buckets and objects in memory;
//! [`handler`] is the one function from a request to a response (no I/O, so
//! the fuzz target can drive it); `reply` writes COS's common headers and
//! error XML; `server` is the tokio/hyper accept loop.

mod auth;
mod aws;
mod form;
pub mod handler;
mod ids;
mod multipart;
mod reply;
mod request;
pub mod route;
mod server;
pub mod store;

pub use handler::{handle, handle_with, Request, Unread};
pub use reply::HttpResponse;
pub use server::{bind, serve, serve_on, spawn, spawn_with, EmulatorHandle};

use std::time::Duration;

use crate::model::Profile;

/// The emulator's settings.
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    /// Whose behaviour to reproduce.
    pub profile: Profile,
    /// The region used in `Resource` when the `Host` names none.
    pub region: String,
    /// Buckets that exist from the start.
    pub buckets: Vec<String>,
    /// When set, every request but a preflight must be signed with these
    /// (COS or SigV4); unsigned ones are refused as on a private bucket.
    pub credentials: Option<crate::sign::Credentials>,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            profile: Profile::Cos,
            region: DEFAULT_REGION.to_string(),
            buckets: vec![DEFAULT_BUCKET.to_string()],
            credentials: None,
        }
    }
}

/// What `coscors serve` holds back from its clients (issue 16). Each is a
/// `serve` flag; what a client gets at each is in the README's "Limits of
/// `coscors serve`".
#[derive(Debug, Clone)]
pub struct Limits {
    /// How long a request body may go without a byte arriving (or wait for
    /// buffer budget): 400 `RequestTimeout`, connection closed.
    pub body_timeout: Duration,
    /// How long a request head may take, which is also how long a
    /// kept-alive connection may sit idle: closed.
    pub header_timeout: Duration,
    /// Body bytes held at once by all requests together. Past it, reading
    /// waits (TCP holds the client) until budget is freed or the body
    /// timeout passes.
    pub max_buffered_bytes: usize,
    /// Bytes (keys and bodies) all stored objects may hold: a PUT or POST
    /// Object past it gets 400 `EntityTooLarge`.
    pub max_stored_bytes: u64,
    /// Connections open at once. At the limit the connection idle the
    /// longest is closed to make room; if none is idle, the new one gets
    /// 503 `SlowDown` and is closed.
    pub max_connections: usize,
    /// The listen queue's length.
    pub backlog: u32,
}

/// Descriptors kept free of connections (the listener, the runtime's own,
/// files, the store's).
const RESERVED_DESCRIPTORS: u64 = 64;

impl Limits {
    /// The default connection limit: 4,096, or fewer where the process may
    /// open fewer descriptors (`ulimit -n`) than that plus a reserve, so
    /// that idle connections are shed before `accept` runs out of them.
    pub fn default_max_connections() -> usize {
        let soft = rustix::process::getrlimit(rustix::process::Resource::Nofile)
            .current
            .unwrap_or(u64::MAX);
        soft.saturating_sub(RESERVED_DESCRIPTORS).clamp(16, 4096) as usize
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            body_timeout: Duration::from_secs(20),
            header_timeout: Duration::from_secs(30),
            max_buffered_bytes: 256 * 1024 * 1024,
            max_stored_bytes: 1024 * 1024 * 1024,
            max_connections: Limits::default_max_connections(),
            backlog: 1024,
        }
    }
}

/// The bucket of COS's documentation examples (seed 003).
pub const DEFAULT_BUCKET: &str = "examplebucket-1250000000";
/// The region of COS's documentation examples (seed 003).
pub const DEFAULT_REGION: &str = Profile::Cos.default_region();

/// A running emulator's shared state.
#[derive(Debug)]
pub struct Emulator {
    pub config: EmulatorConfig,
    pub store: store::Store,
    ids: ids::IdGenerator,
}

impl Emulator {
    pub fn new(config: EmulatorConfig) -> Self {
        let store = store::Store::default();
        for b in &config.buckets {
            store.create_bucket(b);
        }
        Emulator {
            config,
            store,
            ids: ids::IdGenerator::default(),
        }
    }
}
