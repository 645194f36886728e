//! The targets file: named endpoints a run can be pointed at.
//!
//! Looked up, in order: `--targets FILE`, `COSCORS_TARGETS`, `./targets.yaml`.
//! The format is documented in README.md ("Targets"); unknown fields are
//! errors, with `file:line:col`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context as _, Result};
use schemars::JsonSchema;
use serde::Deserialize;

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

/// Read a targets file.
pub fn load(path: &Path) -> Result<BTreeMap<String, TargetEntry>> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading targets file {}", path.display()))?;
    let file: TargetsFile = serde_norway::from_str(&text).map_err(|e| match e.location() {
        Some(l) => anyhow!("{}:{}:{}: {e}", path.display(), l.line(), l.column()),
        None => anyhow!("{}: {e}", path.display()),
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
}
