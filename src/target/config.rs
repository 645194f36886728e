//! The targets file: named endpoints a run can be pointed at.
//!
//! Looked up, in order: `--targets FILE`, `COSCORS_TARGETS`, `./targets.yaml`.
//! The format is documented in README.md ("Targets"); unknown fields are
//! errors, with `file:line:col`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::case::{LoadError, Problem};
use crate::model::Profile;

/// How requests are signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SignerKind {
    /// COS `q-sign-algorithm=sha1` (436/7778).
    Cos,
    /// AWS Signature Version 4.
    Sigv4,
    /// Unsigned (anonymous).
    None,
}

pub use crate::http::Addressing;

/// The environment variables that hold a target's credentials.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CredentialEnv {
    pub id: String,
    pub secret: String,
    #[serde(default)]
    pub token: Option<String>,
}

impl CredentialEnv {
    /// The usual names: the COS SDKs' for `cos`, AWS's for `sigv4`.
    pub fn default_for(signer: SignerKind) -> Option<CredentialEnv> {
        match signer {
            SignerKind::Cos => Some(CredentialEnv {
                id: "COS_SECRET_ID".into(),
                secret: "COS_SECRET_KEY".into(),
                token: Some("COS_SESSION_TOKEN".into()),
            }),
            SignerKind::Sigv4 => Some(CredentialEnv {
                id: "AWS_ACCESS_KEY_ID".into(),
                secret: "AWS_SECRET_ACCESS_KEY".into(),
                token: Some("AWS_SESSION_TOKEN".into()),
            }),
            SignerKind::None => None,
        }
    }
}

/// One entry of the targets file.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetEntry {
    /// `http://host:port` or `https://host[:port]`.
    pub endpoint: String,
    pub bucket: String,
    #[serde(default)]
    pub region: Option<String>,
    pub addressing: Addressing,
    pub signer: SignerKind,
    #[serde(default)]
    pub credentials: Option<CredentialEnv>,
    /// Whose documented behaviour applies: `cos` or `s3`.
    pub profile: Profile,
    /// The vendor whose known divergences apply: `cases/vendors/<vendor>.yaml`.
    #[serde(default)]
    pub vendor: Option<String>,
    /// Create the bucket (PUT Bucket) before the run if it does not exist.
    #[serde(default)]
    pub create_bucket: bool,
    /// At most this many requests per second (0 or absent: no cap).
    #[serde(default)]
    pub max_rps: Option<f64>,
    /// Retries on connection errors, 429, 500, 503 and SlowDown.
    #[serde(default)]
    pub retries: Option<u32>,
    #[serde(default)]
    pub timeout_secs: Option<u64>,
    /// Objects the run writes go under this prefix (default: a fresh
    /// `coscors-<time>/` per run).
    #[serde(default)]
    pub key_prefix: Option<String>,
}

/// A targets file: named endpoints a run can be pointed at.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct TargetsFile {
    /// Target name (as `--target NAME` gives it) → the endpoint.
    targets: BTreeMap<String, TargetEntry>,
}

/// The JSON Schema of a targets file (`coscors schema --targets`).
pub fn json_schema() -> schemars::schema::RootSchema {
    schemars::schema_for!(TargetsFile)
}

/// Where the targets file is, if anywhere.
pub fn targets_path(explicit: Option<&Path>) -> Option<PathBuf> {
    if let Some(p) = explicit {
        return Some(p.to_path_buf());
    }
    if let Ok(p) = std::env::var("COSCORS_TARGETS") {
        return Some(PathBuf::from(p));
    }
    let local = PathBuf::from("targets.yaml");
    local.exists().then_some(local)
}

/// Read a targets file, with every problem it has, each shown with its
/// line and a caret (one per target entry and per top-level field: unknown
/// fields, wrong types; an endpoint that is not `http(s)://host[:port]`; a
/// `max_rps` below zero).
pub fn load(path: &Path) -> Result<BTreeMap<String, TargetEntry>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading targets file {}", path.display()))?;
    parse(path, &text).map_err(anyhow::Error::new)
}

/// A targets file's text (see [`load`]).
pub fn parse(path: &Path, text: &str) -> Result<BTreeMap<String, TargetEntry>, LoadError> {
    let file: TargetsFile =
        crate::case::problems::load_yaml(path, text, &[&["targets"]], |f: &TargetsFile, marks| {
            let mut out = Vec::new();
            for (name, e) in &f.targets {
                if let Err(err) = super::parse_url(&e.endpoint) {
                    out.push(Problem {
                        line_col: marks.value(&["targets", name, "endpoint"]),
                        message: format!("target {name}: {err}"),
                    });
                }
                if e.max_rps.is_some_and(|r| r < 0.0) {
                    out.push(Problem {
                        line_col: marks.value(&["targets", name, "max_rps"]),
                        message: format!("target {name}: max_rps cannot be below zero"),
                    });
                }
            }
            out
        })?;
    Ok(file.targets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_locates_errors() {
        let good = "targets:\n  moto:\n    endpoint: http://127.0.0.1:5000\n    bucket: b\n    addressing: path\n    signer: sigv4\n    profile: s3\n    vendor: moto\n    create_bucket: true\n";
        let f: TargetsFile = serde_norway::from_str(good).expect("parses");
        let m = &f.targets["moto"];
        assert_eq!(m.signer, SignerKind::Sigv4);
        assert_eq!(m.profile, Profile::S3);
        let bad = good.replace("    vendor: moto\n", "    vendr: moto\n");
        let e = serde_norway::from_str::<TargetsFile>(&bad).expect_err("unknown field");
        assert_eq!(e.location().map(|l| l.line()), Some(8));
    }

    #[test]
    fn every_problem_of_a_targets_file_is_reported_at_its_line() {
        let text = "targets:
  a:
    endpoint: ftp://example.com
    bucket: b
    addressing: path
    signer: none
    profile: s3
  b:
    endpoint: http://127.0.0.1:1
    bucket: b
    addressing: sideways
    signer: none
    profile: s3
  c:
    endpoint: http://127.0.0.1:1
    bucket: b
    addressing: path
    signer: none
    profile: s3
    vendr: moto
";
        let err = parse(Path::new("targets.yaml"), text).expect_err("three problems");
        let problems = err.problems();
        let found: Vec<(Option<(usize, usize)>, &str)> = problems
            .iter()
            .map(|p| (p.line_col, p.message.as_str()))
            .collect();
        assert_eq!(problems.len(), 3, "{err}");
        assert_eq!(found[0].0, Some((3, 15)), "{err}");
        assert!(found[0].1.contains("must start with http://"), "{err}");
        assert_eq!(found[1].0.map(|l| l.0), Some(11), "{err}");
        assert!(found[1].1.contains("unknown variant `sideways`"), "{err}");
        assert_eq!(found[2].0.map(|l| l.0), Some(20), "{err}");
        assert!(found[2].1.contains("unknown field `vendr`"), "{err}");
        let shown = err.to_string();
        assert!(shown.starts_with("targets.yaml: 3 problems\n"), "{shown}");
        assert!(shown.contains("--> targets.yaml:20:5"), "{shown}");
        assert!(
            shown.contains("20 |     vendr: moto\n   |     ^"),
            "{shown}"
        );
        // A good file still loads.
        let good = text
            .replace("ftp://", "http://")
            .replace("sideways", "path")
            .replace("    vendr: moto\n", "");
        assert_eq!(parse(Path::new("t.yaml"), &good).expect("loads").len(), 3);
    }
}
