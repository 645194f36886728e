//! Vendor divergence files: `cases/vendors/<vendor>.yaml`.
//!
//! A case's `expect` is what COS does. A vendor file says, per case id, what
//! that vendor does instead (a replacement expectation for some steps, or
//! the error the case runs into) and why, in one line. A run with a vendor
//! passes only when the vendor behaves exactly as recorded; a divergence
//! that disappears is reported too, so the file never rots.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Expect, LoadError};

/// One vendor's file.
/// A vendor file, `cases/vendors/<vendor>.yaml`: how one vendor differs
/// from COS, case by case.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VendorFile {
    /// The vendor's name (the file's stem).
    pub vendor: String,
    /// What was observed, and when: software and version, or the document.
    pub observed: String,
    /// Another vendor file applied first (e.g. `s3` under `moto`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<String>,
    /// The headers that say which product answered, declared once.
    #[serde(default, skip_serializing_if = "Identity::is_empty")]
    pub identity: Identity,
    /// Case id → how this vendor differs.
    #[serde(default)]
    pub divergences: BTreeMap<String, Divergence>,
}

/// The headers by which a product names itself (`Server`, request ids):
/// declared once per vendor, so that a record says what the vendor does,
/// not which patch version it is. Wherever a case (or a vendor record)
/// expects one of these headers, the identity's rule replaces that
/// expectation; a difference in them alone is no divergence.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Identity {
    /// Header → the glob pattern (`*` any text, `?` one character) its
    /// value matches, e.g. `Server: 'Werkzeug/* Python/*'`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// Headers of COS's identity this vendor never sends
    /// (`x-cos-request-id`, `x-cos-trace-id`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub absent: Vec<String>,
}

impl Identity {
    pub fn is_empty(&self) -> bool {
        self.headers.is_empty() && self.absent.is_empty()
    }

    /// Whether `name` is one of the identity's headers.
    pub fn covers(&self, name: &str) -> bool {
        self.headers.keys().any(|h| h.eq_ignore_ascii_case(name))
            || self.absent.iter().any(|h| h.eq_ignore_ascii_case(name))
    }

    /// `e` with every expectation about an identity header replaced by the
    /// identity's rule. Headers the expectation does not mention stay
    /// unchecked.
    pub fn apply(&self, e: &Expect) -> Expect {
        let mut e = e.clone();
        for (name, pattern) in &self.headers {
            if e.forget_header(name) {
                e.matching.0.push((name.clone(), vec![pattern.clone()]));
            }
        }
        for name in &self.absent {
            if e.forget_header(name) {
                e.absent.push(name.clone());
            }
        }
        e
    }
}

/// How a vendor differs on one case.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Divergence {
    /// Why, in one line.
    pub reason: String,
    /// A link: the vendor's documentation, issue, or source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// Step number (1-based) → what the vendor answers there instead.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub steps: BTreeMap<usize, Expect>,
    /// The case cannot run on this vendor: the error it runs into contains
    /// this text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Do not send the case to this vendor at all: running it would break
    /// the vendor for every later case (the reason says how). Counted as a
    /// known divergence; whether the vendor still behaves so is not checked.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub skip: bool,
}

/// The JSON Schema of a vendor file (`coscors schema --vendor`).
pub fn json_schema() -> schemars::schema::RootSchema {
    schemars::schema_for!(VendorFile)
}

/// The path of a vendor's file under a cases root (the built-in suite's
/// where the root is `cases` and no such folder is here).
pub fn vendor_path(cases_root: &Path, vendor: &str) -> PathBuf {
    let root = super::builtin::locate(cases_root).unwrap_or_else(|_| cases_root.to_path_buf());
    root.join("vendors").join(format!("{vendor}.yaml"))
}

/// A vendor's records, merged along `base:`.
#[derive(Debug, Clone, Default)]
pub struct VendorRecords {
    /// Case id → how this vendor differs.
    pub divergences: BTreeMap<String, Divergence>,
    /// The identity headers (the vendor's own, over its base's).
    pub identity: Identity,
}

/// Load a vendor file and its `base` chain, merged: the vendor's own
/// entries replace its base's step by step.
pub fn load_vendor(
    cases_root: &Path,
    vendor: &str,
) -> Result<BTreeMap<String, Divergence>, LoadError> {
    load_records(cases_root, vendor).map(|r| r.divergences)
}

/// Load a vendor's records: divergences and identity, merged along `base:`.
pub fn load_records(cases_root: &Path, vendor: &str) -> Result<VendorRecords, LoadError> {
    let mut chain = Vec::new();
    let mut next = Some(vendor.to_string());
    while let Some(name) = next {
        if chain.iter().any(|f: &VendorFile| f.vendor == name) || chain.len() > 8 {
            return Err(LoadError::plain(
                &vendor_path(cases_root, &name),
                format!("vendor files form a cycle through {name:?}"),
            ));
        }
        let path = vendor_path(cases_root, &name);
        let text = std::fs::read_to_string(&path)
            .map_err(|e| LoadError::plain(&path, format!("cannot read the vendor file: {e}")))?;
        let file: VendorFile = serde_norway::from_str(&text).map_err(|e| LoadError {
            path: path.clone(),
            line_col: e.location().map(|l| (l.line(), l.column())),
            message: e.to_string(),
            text: Some(text.as_str().into()),
            ..LoadError::default()
        })?;
        if file.vendor != name {
            return Err(LoadError::plain(
                &path,
                format!("`vendor: {}` in the file named {name}.yaml", file.vendor),
            ));
        }
        next = file.base.clone();
        chain.push(file);
    }
    let mut merged: BTreeMap<String, Divergence> = BTreeMap::new();
    let mut identity = Identity::default();
    for file in chain.into_iter().rev() {
        identity.headers.extend(file.identity.headers);
        for a in file.identity.absent {
            if !identity.absent.contains(&a) {
                identity.absent.push(a);
            }
        }
        for (id, d) in file.divergences {
            match merged.get_mut(&id) {
                Some(m) => {
                    m.reason = format!("{} (over: {})", d.reason, m.reason);
                    m.link = d.link.or(m.link.take());
                    if d.error.is_some() {
                        m.error = d.error;
                        m.steps.clear();
                    }
                    for (n, e) in d.steps {
                        m.steps.insert(n, e);
                    }
                }
                None => {
                    merged.insert(id, d);
                }
            }
        }
    }
    Ok(VendorRecords {
        divergences: merged,
        identity,
    })
}
