//! In-memory buckets and objects.
//!
//! One `RwLock` over the whole map: every critical section is a lookup or an
//! insert, and the hot path (a preflight) only clones an `Arc` of the CORS
//! configuration under a read lock.

use super::multipart::{Part, Upload};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
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
#[derive(Debug)]
pub struct Bucket {
    pub cors: Option<Arc<CorsConfiguration>>,
    pub objects: Objects,
    /// Multipart uploads in progress, by upload id.
    pub uploads: Uploads,
}

/// A bucket's multipart uploads in progress, counting their parts' bytes
/// into the store's total as objects are (so `serve --max-stored-bytes`
/// bounds parts too).
#[derive(Debug)]
pub struct Uploads {
    map: HashMap<String, Upload>,
    stored: Arc<AtomicU64>,
}

fn parts_size(u: &Upload) -> u64 {
    u.parts.values().map(|p| p.body.len() as u64).sum()
}

impl Uploads {
    pub fn insert(&mut self, id: String, upload: Upload) {
        self.stored
            .fetch_add(parts_size(&upload), Ordering::Relaxed);
        if let Some(old) = self.map.insert(id, upload) {
            self.stored.fetch_sub(parts_size(&old), Ordering::Relaxed);
        }
    }

    pub fn get(&self, id: &str) -> Option<&Upload> {
        self.map.get(id)
    }

    /// Every upload in progress, with its id, in no order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Upload)> {
        self.map.iter().map(|(id, u)| (id.as_str(), u))
    }

    /// Keep part `n` of upload `id` (replacing an earlier one); `None` if
    /// there is no such upload for `key`.
    pub fn add_part(
        &mut self,
        id: &str,
        key: &str,
        n: u32,
        body: Bytes,
        etag: String,
    ) -> Option<()> {
        let upload = self.map.get_mut(id).filter(|u| u.key == key)?;
        self.stored.fetch_add(body.len() as u64, Ordering::Relaxed);
        if let Some(old) = upload.parts.insert(n, Part::new(body, etag)) {
            self.stored
                .fetch_sub(old.body.len() as u64, Ordering::Relaxed);
        }
        Some(())
    }

    pub fn remove(&mut self, id: &str) -> Option<Upload> {
        let old = self.map.remove(id)?;
        self.stored.fetch_sub(parts_size(&old), Ordering::Relaxed);
        Some(old)
    }
}

impl Drop for Uploads {
    fn drop(&mut self) {
        let held: u64 = self.map.values().map(parts_size).sum();
        self.stored.fetch_sub(held, Ordering::Relaxed);
    }
}

/// A bucket's objects by key, in key order, counting the bytes they hold
/// (keys and bodies) into their store's total (`serve --max-stored-bytes`).
#[derive(Debug)]
pub struct Objects {
    map: BTreeMap<String, Object>,
    stored: Arc<AtomicU64>,
}

fn size_of(key: &str, o: &Object) -> u64 {
    (key.len() + o.body.len()) as u64
}

impl Objects {
    pub fn insert(&mut self, key: String, object: Object) -> Option<Object> {
        self.stored
            .fetch_add(size_of(&key, &object), Ordering::Relaxed);
        let old = self.map.remove(&key);
        if let Some(o) = &old {
            self.stored.fetch_sub(size_of(&key, o), Ordering::Relaxed);
        }
        self.map.insert(key, object);
        old
    }

    pub fn remove(&mut self, key: &str) -> Option<Object> {
        let old = self.map.remove(key);
        if let Some(o) = &old {
            self.stored.fetch_sub(size_of(key, o), Ordering::Relaxed);
        }
        old
    }

    pub fn get(&self, key: &str) -> Option<&Object> {
        self.map.get(key)
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn iter(&self) -> std::collections::btree_map::Iter<'_, String, Object> {
        self.map.iter()
    }

    /// The objects whose keys are after `after` (all if `None`), in order.
    pub fn after<'a>(
        &'a self,
        after: Option<&'a str>,
    ) -> impl Iterator<Item = (&'a String, &'a Object)> + 'a {
        use std::ops::Bound;
        let start = match after {
            Some(k) => Bound::Excluded(k),
            None => Bound::Unbounded,
        };
        self.map.range::<str, _>((start, Bound::Unbounded))
    }
}

impl<'a> IntoIterator for &'a Objects {
    type Item = (&'a String, &'a Object);
    type IntoIter = std::collections::btree_map::Iter<'a, String, Object>;
    fn into_iter(self) -> Self::IntoIter {
        self.map.iter()
    }
}

impl Drop for Objects {
    fn drop(&mut self) {
        let held: u64 = self.map.iter().map(|(k, o)| size_of(k, o)).sum();
        self.stored.fetch_sub(held, Ordering::Relaxed);
    }
}

/// All buckets.
#[derive(Debug, Default)]
pub struct Store {
    buckets: RwLock<HashMap<String, Bucket>>,
    /// Bytes of keys and bodies held by all buckets' objects.
    stored: Arc<AtomicU64>,
}

impl Store {
    // A poisoned lock means a panic elsewhere while holding it; the data is
    // still consistent (every write is a single insert/remove), so go on.
    pub fn read(&self) -> RwLockReadGuard<'_, HashMap<String, Bucket>> {
        self.buckets
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn write(&self) -> RwLockWriteGuard<'_, HashMap<String, Bucket>> {
        self.buckets
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Create a bucket; false if it already existed.
    pub fn create_bucket(&self, name: &str) -> bool {
        let mut b = self.write();
        if b.contains_key(name) {
            return false;
        }
        b.insert(
            name.to_string(),
            Bucket {
                cors: None,
                objects: Objects {
                    map: BTreeMap::new(),
                    stored: self.stored.clone(),
                },
                uploads: Uploads {
                    map: HashMap::new(),
                    stored: self.stored.clone(),
                },
            },
        );
        true
    }

    /// Bytes of keys and bodies held by all objects.
    pub fn stored_bytes(&self) -> u64 {
        self.stored.load(Ordering::Relaxed)
    }

    /// The bucket's CORS configuration: `None` if there is no such bucket,
    /// `Some(None)` if it has no configuration.
    pub fn cors(&self, bucket: &str) -> Option<Option<Arc<CorsConfiguration>>> {
        self.read().get(bucket).map(|b| b.cors.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_parts_count_as_stored_bytes_until_completed_or_aborted() {
        let store = Store::default();
        assert!(store.create_bucket("b"));
        {
            let mut w = store.write();
            let b = w.get_mut("b").expect("bucket");
            let upload = Upload::new("k", None);
            b.uploads.insert("u".into(), upload);
            assert!(b
                .uploads
                .add_part("u", "k", 1, Bytes::from(vec![0; 100]), "e".into())
                .is_some());
            // Another key's upload id is refused.
            assert!(b
                .uploads
                .add_part("u", "other", 2, Bytes::from(vec![0; 7]), "e".into())
                .is_none());
            // A part sent again replaces the first.
            b.uploads
                .add_part("u", "k", 1, Bytes::from(vec![0; 40]), "e".into());
        }
        assert_eq!(store.stored_bytes(), 40);
        store
            .write()
            .get_mut("b")
            .expect("bucket")
            .uploads
            .remove("u");
        assert_eq!(store.stored_bytes(), 0);
        {
            let mut w = store.write();
            let b = w.get_mut("b").expect("bucket");
            let upload = Upload::new("k", None);
            b.uploads.insert("v".into(), upload);
            b.uploads
                .add_part("v", "k", 1, Bytes::from(vec![0; 10]), "e".into());
        }
        assert_eq!(store.stored_bytes(), 10);
        // Dropping the bucket gives its parts back.
        store.write().remove("b");
        assert_eq!(store.stored_bytes(), 0);
    }
}
