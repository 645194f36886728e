//! The embedded COS emulator: an HTTP/1.1 server that speaks COS's wire
//! format and answers every CORS question by calling [`crate::model`].
//!
//! Layout: [`route`] turns a request line and `Host` into a typed
//! [`route::Route`]; [`store`] keeps buckets and objects in memory;
//! [`handler`] is the one function from a request to a response (no I/O, so
//! the fuzz target can drive it); [`reply`] writes COS's common headers and
//! error XML; [`server`] is the tokio/hyper accept loop.

mod auth;
mod aws;
mod form;
pub mod handler;
mod ids;
mod multipart;
mod reply;
pub mod route;
mod server;
pub mod store;

pub use handler::{handle, Request};
pub use reply::HttpResponse;
pub use server::{serve, spawn, EmulatorHandle};

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

/// The bucket of COS's documentation examples (seed 003).
pub const DEFAULT_BUCKET: &str = "examplebucket-1250000000";
/// The region of COS's documentation examples (seed 003).
pub const DEFAULT_REGION: &str = "ap-beijing";

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
