//! The built-in suite: `cases/` as it was when coscors was built, inside
//! the binary, so that an installed `coscors run` works outside a checkout.
//! A path under `cases/` given where no `cases/` folder exists (the
//! default, `coscors run` with no path) is read from a copy of it, written
//! once per suite hash into the temporary directory.

use std::path::{Component, Path, PathBuf};

use include_dir::{include_dir, Dir};

static SUITE: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/cases");

/// The built-in suite's files (path below `cases/`, contents).
pub fn files() -> Vec<(&'static Path, &'static [u8])> {
    fn walk(d: &'static Dir<'static>, out: &mut Vec<(&'static Path, &'static [u8])>) {
        for f in d.files() {
            out.push((f.path(), f.contents()));
        }
        for sub in d.dirs() {
            walk(sub, out);
        }
    }
    let mut out = Vec::new();
    walk(&SUITE, &mut out);
    out.sort();
    out
}

/// Where `p` is read from: itself, unless it is `cases` or below it and no
/// `cases` folder is here; then the same path in the built-in suite's copy.
pub fn locate(p: &Path) -> std::io::Result<PathBuf> {
    let mut parts = p.components();
    let first = parts.next();
    let under_cases = matches!(first, Some(Component::Normal(c)) if c == "cases");
    if !under_cases || Path::new("cases").exists() {
        return Ok(p.to_path_buf());
    }
    Ok(extracted()?.join(parts.as_path()))
}

/// The copy of the built-in suite (`.../coscors-suite-<hash>/cases`),
/// written if it is not there yet.
pub fn extracted() -> std::io::Result<PathBuf> {
    let hash = crate::build_info::SUITE_HASH.unwrap_or("unhashed");
    let base = std::env::temp_dir().join(format!("coscors-suite-{hash}"));
    let root = base.join("cases");
    if root.join(".complete").exists() {
        return Ok(root);
    }
    // Written beside, then renamed into place: a concurrent run sees
    // either no copy or a whole one.
    let tmp = base.join(format!("cases.{}.tmp", std::process::id()));
    for (rel, contents) in files() {
        let path = tmp.join(rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&path, contents)?;
    }
    std::fs::write(tmp.join(".complete"), hash)?;
    match std::fs::rename(&tmp, &root) {
        Ok(()) => Ok(root),
        // Another process put its copy there first.
        Err(_) if root.join(".complete").exists() => {
            let _ = std::fs::remove_dir_all(&tmp);
            Ok(root)
        }
        Err(e) => Err(e),
    }
}
