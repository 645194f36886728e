//! In-memory buckets and objects.
//!
//! One `RwLock` over the whole map: every critical section is a lookup or an
//! insert, and the hot path (a preflight) only clones an `Arc` of the CORS
//! configuration under a read lock.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use bytes::Bytes;

use crate::model::CorsConfiguration;

/// A stored object.
#[derive(Debug, Clone)]
pub struct Object {
    pub body: Bytes,
    pub etag: String,
    pub content_type: Option<String>,
    pub last_modified: std::time::SystemTime,
}

/// A bucket.
#[derive(Debug, Default)]
pub struct Bucket {
    pub cors: Option<Arc<CorsConfiguration>>,
    pub objects: BTreeMap<String, Object>,
    /// Multipart uploads in progress, by upload id.
    pub uploads: HashMap<String, super::multipart::Upload>,
}

/// All buckets.
#[derive(Debug, Default)]
pub struct Store {
    buckets: RwLock<HashMap<String, Bucket>>,
}

impl Store {
    // A poisoned lock means a panic elsewhere while holding it; the data is
    // still consistent (every write is a single insert/remove), so go on.
    pub fn read(&self) -> RwLockReadGuard<'_, HashMap<String, Bucket>> {
        self.buckets.read().unwrap_or_else(|p| p.into_inner())
    }

    pub fn write(&self) -> RwLockWriteGuard<'_, HashMap<String, Bucket>> {
        self.buckets.write().unwrap_or_else(|p| p.into_inner())
    }

    /// Create a bucket; false if it already existed.
    pub fn create_bucket(&self, name: &str) -> bool {
        let mut b = self.write();
        if b.contains_key(name) {
            return false;
        }
        b.insert(name.to_string(), Bucket::default());
        true
    }

    /// The bucket's CORS configuration: `None` if there is no such bucket,
    /// `Some(None)` if it has no configuration.
    pub fn cors(&self, bucket: &str) -> Option<Option<Arc<CorsConfiguration>>> {
        self.read().get(bucket).map(|b| b.cors.clone())
    }
}
