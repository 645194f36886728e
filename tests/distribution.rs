//! What an installed binary has: a version naming its commit and suite, the
//! built-in suite (run outside a checkout), completions, a man page, and
//! the repository's LICENSE and CHANGELOG.

mod common;

use std::process::Command;

use common::{repo, scratch};

fn coscors_in(dir: &std::path::Path, args: &[&str]) -> (bool, String) {
    let mut cmd = common::coscors_command(args, &[]);
    cmd.current_dir(dir);
    common::output_text(&mut cmd)
}

#[test]
fn version_names_the_commit_and_the_suite() {
    let (ok, text) = common::coscors_output(&["--version"]);
    assert!(ok, "{text}");
    let line = text.trim();
    assert!(line.starts_with("coscors 0."), "{line}");
    let head = Command::new("git")
        .arg("-C")
        .arg(repo())
        .args(["rev-parse", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    if let Some(head) = head {
        assert!(line.contains(&format!("commit {}", &head[..12])), "{line}");
    }
    let suite = coscors::build_info::SUITE_HASH.expect("cases/ hashed at build time");
    assert_eq!(suite.len(), 12);
    assert!(line.ends_with(&format!("suite {suite})")), "{line}");
}

#[test]
fn the_built_in_suite_runs_where_no_cases_folder_is() {
    let dir = scratch("outside");
    assert!(!dir.join("cases").exists());
    let cases = common::suite_case_count();
    // emulator-s3 needs the built-in vendor file too.
    let (ok, text) = coscors_in(
        &dir,
        &["run", "--target", "emulator", "--target", "emulator-s3"],
    );
    assert!(ok, "{text}");
    assert!(
        text.contains(&format!("{} passed, 0 failed, 0 skipped", 2 * cases)),
        "{text}"
    );
    // The built-in copy holds what cases/ holds.
    let builtin = coscors::case::builtin::files();
    let mut on_disk = Vec::new();
    fn walk(d: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(d).expect("read_dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else {
                out.push(p);
            }
        }
    }
    walk(&repo().join("cases"), &mut on_disk);
    assert_eq!(builtin.len(), on_disk.len());
    for (rel, contents) in builtin {
        let disk = std::fs::read(repo().join("cases").join(rel)).expect("on disk");
        assert_eq!(disk, contents, "{}", rel.display());
    }
    // A case id under cases/ names the built-in case too.
    let (ok, text) = coscors_in(&dir, &["run", "cases/preflight/max-age-zero.yaml"]);
    assert!(ok, "{text}");
    assert!(text.contains("1 passed, 0 failed"), "{text}");
}

#[test]
fn completions_and_man_page() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let (ok, text) = common::coscors_output(&["completions", shell]);
        assert!(ok, "{shell}: {text}");
        assert!(text.contains("coscors"), "{shell}");
        assert!(
            text.contains("fuzz") && text.contains("report"),
            "{shell}: subcommands"
        );
    }
    let (ok, text) = common::coscors_output(&["completions", "tcsh"]);
    assert!(!ok, "an unknown shell is refused: {text}");
    let (ok, man) = common::coscors_output(&["man"]);
    assert!(ok, "{man}");
    assert!(man.contains(".TH coscors 1"), "{man}");
    assert!(
        man.contains(".SH NAME") && man.contains("completions"),
        "{man}"
    );
}

#[test]
fn license_and_changelog() {
    let license = std::fs::read_to_string(repo().join("LICENSE")).expect("LICENSE");
    assert!(license.contains("Apache License\n                        Version 2.0, January 2004"));
    assert!(license.contains("END OF TERMS AND CONDITIONS"));
    let cargo = std::fs::read_to_string(repo().join("Cargo.toml")).expect("Cargo.toml");
    assert!(cargo.contains("license = \"Apache-2.0\""));
    let changelog = std::fs::read_to_string(repo().join("CHANGELOG.md")).expect("CHANGELOG.md");
    assert!(changelog.contains("Keep a Changelog") && changelog.contains("## [Unreleased]"));
}

/// `major.minor[.patch]` as numbers.
fn version(v: &str) -> (u64, u64, u64) {
    let mut it = v.split('.').map(|p| p.parse::<u64>().unwrap_or(0));
    (
        it.next().unwrap_or(0),
        it.next().unwrap_or(0),
        it.next().unwrap_or(0),
    )
}

/// The MSRV as far as this machine can check it without a second
/// toolchain: no locked dependency declares a `rust-version` above ours
/// (clippy's `incompatible_msrv`, in the lints at `-D warnings`, checks our
/// own use of std against it).
#[test]
fn no_locked_dependency_needs_a_newer_rust_than_rust_version() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .current_dir(repo())
        .args(["metadata", "--format-version", "1", "--locked", "--offline"])
        .output()
        .expect("cargo metadata");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let packages = v["packages"].as_array().expect("packages");
    let ours = packages
        .iter()
        .find(|p| p["name"] == "coscors")
        .and_then(|p| p["rust_version"].as_str())
        .expect("Cargo.toml has a rust-version");
    assert_eq!(version(ours), (1, 89, 0), "std::fs::File::lock is 1.89");
    let newer: Vec<String> = packages
        .iter()
        .filter_map(|p| {
            let rv = p["rust_version"].as_str()?;
            (version(rv) > version(ours))
                .then(|| format!("{} {} needs {rv}", p["name"], p["version"]))
        })
        .collect();
    assert!(newer.is_empty(), "{newer:?}");
    assert!(packages.len() > 50, "the whole locked graph was read");
}
