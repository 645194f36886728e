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

use super::{Expect, LoadError, Problem};

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
    let path = vendor_path(cases_root, vendor);
    load_chain(cases_root, path, Some(vendor))
}

/// Load the vendor file at `path` (anywhere: a vendor's own repository),
/// and its `base:` chain from the suite's `vendors/` folder, merged.
pub fn load_records_file(cases_root: &Path, path: &Path) -> Result<VendorRecords, LoadError> {
    load_chain(cases_root, path.to_path_buf(), None)
}

fn load_chain(
    cases_root: &Path,
    first: PathBuf,
    first_name: Option<&str>,
) -> Result<VendorRecords, LoadError> {
    let mut chain: Vec<VendorFile> = Vec::new();
    let mut next = Some((first, first_name.map(str::to_string)));
    while let Some((path, name)) = next {
        let file = read_vendor_file(cases_root, &path, name.as_deref())?;
        if chain.iter().any(|f| f.vendor == file.vendor) || chain.len() > 8 {
            return Err(LoadError::plain(
                &path,
                format!("vendor files form a cycle through {:?}", file.vendor),
            ));
        }
        next = file
            .base
            .clone()
            .map(|b| (vendor_path(cases_root, &b), Some(b)));
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
                    m.skip |= d.skip;
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

/// Read one vendor file, with every problem it has (see
/// [`parse_vendor`]).
fn read_vendor_file(
    cases_root: &Path,
    path: &Path,
    name: Option<&str>,
) -> Result<VendorFile, LoadError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| LoadError::plain(path, format!("cannot read the vendor file: {e}")))?;
    parse_vendor(cases_root, path, &text, name)
}

/// A vendor file's text, with every problem it has, each at its line: YAML
/// and type errors (unknown fields, wrong types: one per divergence entry
/// and per top-level field), `vendor:` other than the file's name (`name`,
/// when read by name), a case id the suite under `cases_root` does not
/// have, a glob (`identity.headers`, `matching:`) that does not compile, a
/// step numbered 0, a `base:` with no file.
pub fn parse_vendor(
    cases_root: &Path,
    path: &Path,
    text: &str,
    name: Option<&str>,
) -> Result<VendorFile, LoadError> {
    let known: Vec<String> = super::discover(&[cases_root.to_path_buf()])
        .unwrap_or_default()
        .iter()
        .map(|f| super::case_id(f))
        .collect();
    super::problems::load_yaml(
        path,
        text,
        &[&["divergences"]],
        |file: &VendorFile, marks| {
            let mut out = Vec::new();
            let mut problem = |line_col, message: String| out.push(Problem { line_col, message });
            if let Some(name) = name {
                if file.vendor != name {
                    problem(
                        marks.value(&["vendor"]),
                        format!("`vendor: {}` in the file named {name}.yaml", file.vendor),
                    );
                }
            }
            if let Some(base) = &file.base {
                if !vendor_path(cases_root, base).exists() {
                    problem(
                        marks.value(&["base"]),
                        format!(
                            "`base: {base}`: there is no {}",
                            vendor_path(cases_root, base).display()
                        ),
                    );
                }
            }
            let glob_problem = |pattern: &str| {
                glob::Pattern::new(pattern)
                    .err()
                    .map(|e| format!("the glob {pattern:?} is not valid: {e}"))
            };
            for (h, pattern) in &file.identity.headers {
                if let Some(m) = glob_problem(pattern) {
                    problem(marks.value(&["identity", "headers", h]), m);
                }
            }
            for (id, d) in &file.divergences {
                let exists = |base: &String| id == base || id.starts_with(&format!("{base}::"));
                if !known.is_empty() && !known.iter().any(exists) {
                    let mut near: Vec<(f64, &String)> = known
                        .iter()
                        .map(|k| (strsim::jaro_winkler(id, k), k))
                        .filter(|(s, _)| *s > 0.8)
                        .collect();
                    near.sort_by(|a, b| b.0.total_cmp(&a.0));
                    let hint = near
                        .first()
                        .map(|(_, k)| format!("; did you mean {k}?"))
                        .unwrap_or_default();
                    problem(
                        marks.key(&["divergences", id]),
                        format!("`{id}`: no case of the suite has this id{hint}"),
                    );
                }
                for (n, e) in &d.steps {
                    let step = n.to_string();
                    if *n == 0 {
                        problem(
                            marks.key(&["divergences", id, "steps", &step]),
                            "steps are numbered from 1".into(),
                        );
                    }
                    for (h, patterns) in &e.matching.0 {
                        for (i, pattern) in patterns.iter().enumerate() {
                            if let Some(m) = glob_problem(pattern) {
                                let index = i.to_string();
                                let at = marks
                                    .value(&[
                                        "divergences",
                                        id,
                                        "steps",
                                        &step,
                                        "matching",
                                        h,
                                        &index,
                                    ])
                                    .or_else(|| {
                                        marks.value(&[
                                            "divergences",
                                            id,
                                            "steps",
                                            &step,
                                            "matching",
                                            h,
                                        ])
                                    });
                                problem(at, m);
                            }
                        }
                    }
                }
            }
            out
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("cases")
    }

    #[test]
    fn every_problem_of_a_vendor_file_is_reported_at_its_line() {
        let text = "vendor: acme
observed: acme 1.0
identity:
  headers:
    Server: 'acme/[1'
divergences:
  preflight/origin-nul:
    reason: a typo in the id
  preflight/origin-null:
    reason: an unknown field
    stesp: {}
  preflight/max-age-zero:
    reason: a bad type
    skip: maybe
  preflight/missing-origin:
    reason: this one is right
    error: refused
";
        let err = parse_vendor(&root(), Path::new("acme.yaml"), text, Some("acme"))
            .expect_err("four problems");
        let problems = err.problems();
        let shown = err.to_string();
        assert_eq!(problems.len(), 4, "{shown}");
        let at: Vec<Option<usize>> = problems.iter().map(|p| p.line_col.map(|l| l.0)).collect();
        assert_eq!(at, vec![Some(5), Some(7), Some(11), Some(14)], "{shown}");
        assert!(
            problems[0]
                .message
                .contains("the glob \"acme/[1\" is not valid"),
            "{shown}"
        );
        assert!(
            problems[1]
                .message
                .contains("no case of the suite has this id; did you mean preflight/origin-null?"),
            "{shown}"
        );
        assert!(
            problems[2].message.contains("unknown field `stesp`"),
            "{shown}"
        );
        assert!(problems[3].message.contains("invalid type"), "{shown}");
        assert!(shown.starts_with("acme.yaml: 4 problems\n"), "{shown}");
        assert!(shown.contains("--> acme.yaml:7:3"), "{shown}");
        assert!(
            shown.contains("7 |   preflight/origin-nul:\n  |   ^"),
            "{shown}"
        );
        assert!(shown.contains("--> acme.yaml:14:"), "{shown}");
    }

    #[test]
    fn a_vendor_file_outside_the_suite_loads_with_its_base() {
        let dir = std::env::temp_dir().join(format!("coscors-vendor-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("vendor.yaml");
        std::fs::write(
            &path,
            "vendor: acme\nobserved: acme 1.0\nbase: s3\ndivergences:\n  preflight/origin-null:\n    reason: acme's own\n    skip: true\n",
        )
        .expect("write");
        let r = load_records_file(&root(), &path).expect("loads");
        let s3 = load_records(&root(), "s3").expect("s3 loads");
        assert!(r.divergences["preflight/origin-null"].skip);
        // Everything s3.yaml records applies too.
        assert!(s3.divergences.keys().all(|k| r.divergences.contains_key(k)));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_suite_s_vendor_files_have_no_problem() {
        for entry in std::fs::read_dir(root().join("vendors")).expect("vendors/") {
            let path = entry.expect("entry").path();
            let name = path.file_stem().and_then(|s| s.to_str()).expect("name");
            if let Err(e) = load_records(&root(), name) {
                panic!("{e}");
            }
        }
    }
}
