//! One shared bucket, several processes: `cargo nextest` runs every test in
//! a process of its own, and two runs may share a bucket. Cases on a shared
//! bucket set it up themselves (DELETE or PUT `?cors` first), so they may
//! run in any order but never at once; and the bucket's configuration from
//! before the run must be saved once, not re-read between cases (it would
//! then be a case's setup, not the owner's).
//!
//! [`BucketLock`] is an exclusive lock on a file named after the endpoint
//! and bucket, in the temporary directory, held while a process talks to the
//! bucket. [`run_dir`] names the folder where the first process of a run
//! saves the configuration and the others find it.

use std::fs::File;
use std::path::PathBuf;

use anyhow::{Context as _, Result};

use crate::target::TargetSpec;

/// An exclusive, cross-process lock on one target's bucket; released on
/// drop (or when the process ends, however it ends).
#[derive(Debug)]
pub struct BucketLock {
    _file: File,
    pub path: PathBuf,
}

impl BucketLock {
    /// Block until no other process holds the bucket.
    pub fn acquire(spec: &TargetSpec) -> Result<BucketLock> {
        let path = lock_path(spec);
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .with_context(|| format!("opening the bucket lock {}", path.display()))?;
        file.lock()
            .with_context(|| format!("locking {}", path.display()))?;
        Ok(BucketLock { _file: file, path })
    }
}

/// A file name for the bucket's lock: the same for every process that
/// addresses the same bucket of the same endpoint.
fn key(spec: &TargetSpec) -> String {
    use md5::{Digest as _, Md5};
    let id = format!("{:?}|{}", spec.endpoint, spec.bucket);
    let digest = Md5::digest(id.as_bytes());
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("{}-{hex}", crate::report::sanitize(&spec.bucket))
}

/// Where the lock file lives.
pub fn lock_path(spec: &TargetSpec) -> PathBuf {
    std::env::temp_dir().join(format!("coscors-bucket-{}.lock", key(spec)))
}

/// The folder where the processes of one run keep the bucket's saved
/// configuration: per nextest run (`NEXTEST_RUN_ID`), else per process.
pub fn run_dir(spec: &TargetSpec) -> PathBuf {
    let run = std::env::var("NEXTEST_RUN_ID")
        .ok()
        .filter(|r| !r.is_empty() && r.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        .unwrap_or_else(|| format!("pid-{}", std::process::id()));
    std::env::temp_dir().join(format!("coscors-run-{}-{run}", key(spec)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_holder_at_a_time_across_handles() {
        let spec = TargetSpec::resolve("emulator", None).expect("built-in");
        let first = BucketLock::acquire(&spec).expect("first lock");
        // A second handle (as another process would have) cannot take it.
        let other = File::options()
            .write(true)
            .open(&first.path)
            .expect("open again");
        assert!(matches!(
            other.try_lock(),
            Err(std::fs::TryLockError::WouldBlock)
        ));
        drop(first);
        other.try_lock().expect("free once dropped");
    }

    #[test]
    fn same_bucket_same_key() {
        let a = TargetSpec::resolve("emulator", None).expect("built-in");
        let b = TargetSpec::resolve("emulator-s3", None).expect("built-in");
        assert_eq!(lock_path(&a), lock_path(&b));
    }
}
