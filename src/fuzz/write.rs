//! Writing a shrunk discrepancy as a case file: one YAML document per
//! target, each expecting what that target answered, so that `coscors run`
//! on the file against either target reproduces the discrepancy (one
//! document passes, the other fails with the difference as its diff).

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};

use super::compare::Signature;
use super::exec::{Answer, StepKind, WireStep, CORS_HEADERS};
use crate::case::Evidence;
use crate::case::{
    Body, BucketSetup, Case, CorsSetup, Expect, ExpectError, Headers, Method, Path as CasePath,
    Request, Source, Sources, Step,
};

/// The class name of a signature: its found file's stem.
pub fn class_name(sig: &str) -> String {
    case_path(Path::new(""), &Signature(sig.to_string()))
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Peer → the classes `cases/found/triage.yaml` triages for it (empty when
/// the file is missing).
pub fn triaged_classes(
    cases_root: &Path,
) -> anyhow::Result<std::collections::BTreeMap<String, std::collections::BTreeSet<String>>> {
    let path = cases_root.join("found").join("triage.yaml");
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Default::default()),
        Err(e) => return Err(anyhow::Error::from(e).context(format!("reading {}", path.display()))),
    };
    let doc: std::collections::BTreeMap<
        String,
        std::collections::BTreeMap<String, serde_norway::Value>,
    > = serde_norway::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    Ok(doc
        .into_iter()
        .map(|(peer, classes)| (peer, classes.into_keys().collect()))
        .collect())
}

/// Where a signature's case goes.
pub fn case_path(out: &Path, sig: &Signature) -> PathBuf {
    let mut slug = String::new();
    for c in sig.0.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug = slug.trim_matches('-');
    let slug = &slug[..slug.len().min(100)];
    out.join(format!("{slug}.yaml"))
}

fn step_of(s: &WireStep, answer: &Answer) -> Step {
    let mut headers: Vec<(String, Vec<String>)> = Vec::new();
    for (n, v) in &s.headers {
        match headers.iter_mut().find(|(m, _)| m.eq_ignore_ascii_case(n)) {
            Some((_, vs)) => vs.push(v.to_string()),
            None => headers.push((n.to_string(), vec![v.to_string()])),
        }
    }
    let mut expect = Expect {
        status: answer.status,
        ..Default::default()
    };
    // The reset's CORS headers come from the previous input's state (see
    // `compare::all_differences`): only its status is expected.
    let cors = if s.kind == StepKind::SetupReset {
        &[][..]
    } else {
        &answer.cors()[..]
    };
    for (name, value) in CORS_HEADERS.into_iter().zip(cors) {
        match value {
            Some(v) => expect
                .headers
                .0
                .push((name.to_string(), vec![v.to_string()])),
            None => expect.absent.push(name.to_string()),
        }
    }
    if let Some(code) = &answer.code {
        expect.error = Some(ExpectError {
            code: code.to_string(),
            ..Default::default()
        });
    }
    if let Some(c) = &answer.config {
        expect.cors = crate::model::xml::parse(c.as_bytes()).ok();
    }
    Step {
        name: Some(s.kind.name().to_string()),
        request: Request {
            method: Method(s.method.to_string()),
            path: CasePath(s.path.to_string()),
            query: s.query.map(str::to_string),
            headers: Headers(headers),
            body: (!s.body.is_empty())
                .then(|| Body::Text(String::from_utf8_lossy(&s.body).into_owned())),
            content_md5: false,
        },
        expect,
    }
}

/// The text of the case file for a discrepancy.
#[allow(clippy::too_many_arguments)]
pub fn case_text(
    sig: &Signature,
    steps: &[WireStep],
    (a_name, a): (&str, &[Answer]),
    (b_name, b): (&str, &[Answer]),
    seed: u64,
    iteration: u64,
    date: &str,
) -> Result<String> {
    let mut docs = Vec::new();
    for (name, answers) in [(a_name, a), (b_name, b)] {
        let case = Case {
            name: format!("as {name} answers"),
            description: format!(
                "Found by `coscors fuzz --a {a_name} --b {b_name} --seed {seed}` at iteration {iteration}, then shrunk: the two differ ({}). This document expects what {name} answered. Untriaged: a person decides which side COS's documentation supports, then moves the case into the suite or a vendor file.",
                sig.0
            ),
            source: Sources::one(Source(format!("recorded:{name}@{date}"))),
            evidence: Evidence::Inferred,
            bucket: BucketSetup {
                cors: CorsSetup::None,
            },
            exact: Default::default(),
            steps: steps.iter().zip(answers).map(|(s, ans)| step_of(s, ans)).collect(),
        };
        docs.push(serde_norway::to_string(&case)?);
    }
    Ok(format!(
        "# coscors fuzz: {}\n# seed {seed}, iteration {iteration}; run it with `coscors run <this file> --target {a_name}` (or {b_name})\n{}",
        sig.0,
        docs.join("---\n")
    ))
}

pub fn write(path: &Path, text: &str) -> Result<()> {
    if let Some(p) = path.parent() {
        std::fs::create_dir_all(p).with_context(|| format!("creating {}", p.display()))?;
    }
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}
