//! Build-time facts for `--version` and reports: the commit coscors is
//! built from (`git rev-parse HEAD`, else the `.cargo_vcs_info.json` of a
//! packaged crate, else none) and a hash of the built-in suite (`cases/`).

use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let s = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (!s.is_empty()).then_some(s)
}

/// `{"git": {"sha1": "..."}}`, as `cargo package` writes it.
fn vcs_info(dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(dir.join(".cargo_vcs_info.json")).ok()?;
    let at = text.find("\"sha1\"")?;
    let rest = &text[at + 6..];
    let start = rest.find('"')? + 1;
    let len = rest[start..].find('"')?;
    Some(rest[start..start + len].to_string())
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into()));
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=cases");
    let commit = match git(&root, &["rev-parse", "HEAD"]) {
        Some(head) => {
            for path in ["HEAD", "logs/HEAD"] {
                if let Some(p) = git(&root, &["rev-parse", "--git-path", path]) {
                    let p = root.join(p);
                    if p.exists() {
                        println!("cargo:rerun-if-changed={}", p.display());
                    }
                }
            }
            Some(head)
        }
        None => vcs_info(&root),
    };
    if let Some(c) = &commit {
        println!("cargo:rustc-env=COSCORS_GIT_COMMIT={c}");
    }
    let cases = root.join("cases");
    let mut all = Vec::new();
    files(&cases, &mut all);
    all.sort();
    let mut suite = None;
    if !all.is_empty() {
        let mut h = Sha256::new();
        for f in &all {
            let rel = f.strip_prefix(&cases).unwrap_or(f);
            h.update(rel.to_string_lossy().as_bytes());
            h.update([0]);
            h.update(std::fs::read(f).unwrap_or_default());
            h.update([0]);
        }
        let hex: String = h.finalize()[..6]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        println!("cargo:rustc-env=COSCORS_SUITE_HASH={hex}");
        suite = Some(hex);
        println!("cargo:rustc-env=COSCORS_SUITE_FILES={}", all.len());
    }
    // What `coscors --version` prints after the name.
    println!(
        "cargo:rustc-env=COSCORS_LONG_VERSION={} (commit {}, suite {})",
        std::env::var("CARGO_PKG_VERSION").unwrap_or_default(),
        commit
            .as_deref()
            .map_or("unknown", |c| &c[..c.len().min(12)]),
        suite.as_deref().unwrap_or("unknown")
    );
}
