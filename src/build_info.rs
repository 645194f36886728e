//! What `build.rs` found when coscors was built.

/// The commit coscors was built from, if known.
pub const COMMIT: Option<&str> = option_env!("COSCORS_GIT_COMMIT");

/// A hash of the built-in suite (every file under `cases/`), if it was there.
pub const SUITE_HASH: Option<&str> = option_env!("COSCORS_SUITE_HASH");

/// `0.1.0 (commit 1234567890ab, suite 0a1b2c3d4e5f)`, as `--version` shows
/// it: the commit built from and a hash of the built-in suite (`unknown`
/// where the build could not tell).
pub const LONG_VERSION: &str = env!("COSCORS_LONG_VERSION");
