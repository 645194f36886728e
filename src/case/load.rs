//! Finding and loading case files.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::Case;

/// A case with where it came from.
#[derive(Debug, Clone)]
pub struct LoadedCase {
    /// The case's id: its file's path below `cases/` without `.yaml`, plus
    /// `::<name>` when the file holds several cases. Test names, vendor
    /// files and reports use it.
    pub id: String,
    pub path: PathBuf,
    pub case: Case,
}

/// All the cases of one file.
#[derive(Debug, Clone)]
pub struct CaseFile {
    pub path: PathBuf,
    pub cases: Vec<LoadedCase>,
}

/// A file that could not be read or is not a valid case file.
#[derive(Debug, Clone, thiserror::Error)]
pub struct LoadError {
    pub path: PathBuf,
    /// 1-based line and column, when the YAML parser knows them.
    pub line_col: Option<(usize, usize)>,
    pub message: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line_col {
            Some((l, c)) => write!(f, "{}:{l}:{c}: {}", self.path.display(), self.message),
            None => write!(f, "{}: {}", self.path.display(), self.message),
        }
    }
}

/// Every `*.yaml` / `*.yml` file under the given paths (files are taken as
/// they are), sorted, skipping `vendors/` (divergence files), `recorded/`
/// (recordings of real endpoints) and `found/` (untriaged fuzz finds)
/// directories, which run only when named, and the recording plan
/// ([`crate::record::PLAN_FILE`]).
pub fn discover(paths: &[PathBuf]) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            walk(p, &mut out)?;
        } else {
            out.push(p.clone());
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            if path
                .file_name()
                .is_some_and(|n| n == "vendors" || n == "recorded" || n == "found")
            {
                continue;
            }
            walk(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml")
            && path
                .file_name()
                .is_none_or(|n| n != crate::record::PLAN_FILE)
        {
            out.push(path);
        }
    }
    Ok(())
}

/// Load one case file.
pub fn load_file(path: &Path) -> Result<CaseFile, LoadError> {
    let text = std::fs::read_to_string(path).map_err(|e| LoadError {
        path: path.to_path_buf(),
        line_col: None,
        message: format!("cannot read: {e}"),
    })?;
    load_str(path, &text)
}

/// Load case text as if it were the file at `path`.
pub fn load_str(path: &Path, text: &str) -> Result<CaseFile, LoadError> {
    let err = |e: serde_norway::Error| LoadError {
        path: path.to_path_buf(),
        line_col: e.location().map(|l| (l.line(), l.column())),
        message: strip_location(&e.to_string()),
    };
    let mut cases = Vec::new();
    for doc in serde_norway::Deserializer::from_str(text) {
        cases.push(Case::deserialize(doc).map_err(err)?);
    }
    let plain = |message: String| LoadError {
        path: path.to_path_buf(),
        line_col: None,
        message,
    };
    if cases.is_empty() {
        return Err(plain("no case in this file".into()));
    }
    for (i, c) in cases.iter().enumerate() {
        if c.steps.is_empty() {
            return Err(plain(format!("case {:?} has no steps", c.name)));
        }
        if cases[..i].iter().any(|o| o.name == c.name) {
            return Err(plain(format!("two cases are named {:?}", c.name)));
        }
    }
    let base = case_id(path);
    let several = cases.len() > 1;
    let cases = cases
        .into_iter()
        .map(|case| LoadedCase {
            id: if several {
                format!("{base}::{}", slug(&case.name))
            } else {
                base.clone()
            },
            path: path.to_path_buf(),
            case,
        })
        .collect();
    Ok(CaseFile {
        path: path.to_path_buf(),
        cases,
    })
}

/// The YAML error's text without its trailing " at line L column C", which
/// the `file:line:col:` prefix already says.
fn strip_location(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) if msg[i..].contains(" column ") => msg[..i].to_string(),
        _ => msg.to_string(),
    }
}

/// `cases/preflight/seed-1.yaml` -> `preflight/seed-1`.
pub fn case_id(path: &Path) -> String {
    let s = path.with_extension("").to_string_lossy().replace('\\', "/");
    match s.rfind("cases/") {
        Some(i) => s[i + "cases/".len()..].to_string(),
        None => s.rsplit('/').next().unwrap_or(&s).to_string(),
    }
}

fn slug(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"name: a
description: d
source: seed:003_026eb4affb8874a1.txt
evidence: settled
bucket:
  cors:
    rules:
      - allowed_origins: ["*"]
        allowed_methods: [GET]
steps:
  - request:
      method: OPTIONS
      path: /x
      headers:
        Origin: https://example.com
        Access-Control-Request-Method: GET
    expect:
      status: 200
      headers:
        Access-Control-Allow-Origin: "*"
"#;

    #[test]
    fn loads_and_names() {
        let f = load_str(Path::new("cases/preflight/x.yaml"), GOOD).expect("loads");
        assert_eq!(f.cases.len(), 1);
        assert_eq!(f.cases[0].id, "preflight/x");
        let two = format!("{GOOD}---\n{}", GOOD.replace("name: a", "name: B c"));
        let f = load_str(Path::new("cases/p/y.yaml"), &two).expect("loads");
        assert_eq!(f.cases[1].id, "p/y::b-c");
    }

    fn error_of(text: &str) -> String {
        load_str(Path::new("cases/t.yaml"), text)
            .expect_err("must fail")
            .to_string()
    }

    #[test]
    fn unknown_field_names_file_line_col() {
        let bad = GOOD.replace("      path: /x", "      path: /x\n      bogus: 1");
        let e = error_of(&bad);
        assert!(
            e.starts_with("cases/t.yaml:14:7: steps[0].request: unknown field `bogus`"),
            "{e}"
        );
        assert!(!e.contains("at line"), "{e}");
        assert!(e.contains("unknown field `bogus`"), "{e}");
    }

    #[test]
    fn bad_values_are_located() {
        let e = error_of(&GOOD.replace("path: /x", "path: x"));
        assert!(e.starts_with("cases/t.yaml:13:13:"), "{e}");
        assert!(e.contains("must start with `/`"), "{e}");
        let e =
            error_of(&GOOD.replace("source: seed:003_026eb4affb8874a1.txt", "source: trust me"));
        assert!(e.starts_with("cases/t.yaml:3:9:"), "{e}");
        let e = error_of(&GOOD.replace("status: 200", "status: ok"));
        assert!(e.starts_with("cases/t.yaml:18:15:"), "{e}");
        let e = error_of(&GOOD.replace("evidence: settled", "evidence: sure"));
        assert!(e.starts_with("cases/t.yaml:4:11:"), "{e}");
        let e = error_of(&GOOD.replace("evidence: settled\n", ""));
        assert!(e.contains("missing field `evidence`"), "{e}");
        let two = GOOD.replace(
            "source: seed:003_026eb4affb8874a1.txt",
            "source: [seed:003_026eb4affb8874a1.txt, 'https://github.com/tencentyun/cos-js-sdk-v5']",
        );
        let f = load_str(Path::new("cases/t.yaml"), &two).expect("a list of sources loads");
        assert_eq!(f.cases[0].case.source.0.len(), 2);
        let e = error_of(&GOOD.replace("source: seed:003_026eb4affb8874a1.txt", "source: []"));
        assert!(e.contains("names no source"), "{e}");
        let e = error_of("name: [");
        assert!(e.starts_with("cases/t.yaml:1:"), "{e}");
        let e = error_of(&GOOD.replace(
            "allowed_methods: [GET]",
            "allowed_methods: [GET]\n        allowed_origin: [x]",
        ));
        assert!(e.contains("unknown field `allowed_origin`"), "{e}");
    }
}
