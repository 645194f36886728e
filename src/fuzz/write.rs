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

/// Where a find comes from: enough to make its input again
/// (`FuzzInput::for_iteration(seed, iteration)` when not from a corpus),
/// the machine's shard, and the shrunk input's size (what `found merge`
/// compares).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Provenance {
    pub seed: u64,
    pub iteration: u64,
    pub shard: super::Shard,
    /// [`super::shrink::size`] of the input written.
    pub size: (usize, usize, usize, usize),
    /// The campaign mutated corpus entries (`--corpus`): the iteration
    /// alone does not make the input again.
    pub from_corpus: bool,
}

impl Provenance {
    /// The header line `found merge` reads back.
    pub fn line(&self) -> String {
        let (r, n, i, s) = self.size;
        format!(
            "# provenance: seed={} iteration={} shard={} size={r}.{n}.{i}.{s}{}",
            self.seed,
            self.iteration,
            self.shard,
            if self.from_corpus { " corpus" } else { "" }
        )
    }

    /// Read a [`Provenance::line`].
    pub fn parse(line: &str) -> Option<Provenance> {
        let rest = line.strip_prefix("# provenance: ")?;
        let mut p = Provenance {
            seed: 0,
            iteration: 0,
            shard: super::Shard::default(),
            size: (0, 0, 0, 0),
            from_corpus: false,
        };
        let mut seen = 0;
        for field in rest.split_whitespace() {
            match field.split_once('=') {
                Some(("seed", v)) => p.seed = v.parse().ok()?,
                Some(("iteration", v)) => p.iteration = v.parse().ok()?,
                Some(("shard", v)) => p.shard = v.parse().ok()?,
                Some(("size", v)) => {
                    let n: Vec<usize> = v
                        .split('.')
                        .map(str::parse)
                        .collect::<Result<_, _>>()
                        .ok()?;
                    let [r, c, i, s] = n[..] else { return None };
                    p.size = (r, c, i, s);
                }
                None if field == "corpus" => p.from_corpus = true,
                _ => continue,
            }
            seen += 1;
        }
        (seen >= 4).then_some(p)
    }
}

/// The text of the case file for a discrepancy.
pub fn case_text(
    sig: &Signature,
    steps: &[WireStep],
    (a_name, a): (&str, &[Answer]),
    (b_name, b): (&str, &[Answer]),
    from: &Provenance,
    date: &str,
) -> Result<String> {
    let (seed, iteration) = (from.seed, from.iteration);
    let shard = if from.shard.count > 1 {
        format!(" --shard {}", from.shard)
    } else {
        String::new()
    };
    let mut docs = Vec::new();
    for (name, answers) in [(a_name, a), (b_name, b)] {
        let case = Case {
            name: format!("as {name} answers"),
            description: format!(
                "Found by `coscors fuzz --a {a_name} --b {b_name} --seed {seed}{shard}` at iteration {iteration}, then shrunk: the two differ ({}). This document expects what {name} answered. Untriaged: a person decides which side COS's documentation supports, then moves the case into the suite or a vendor file.",
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
        "# coscors fuzz: {}\n# seed {seed}, iteration {iteration}; run it with `coscors run <this file> --target {a_name}` (or {b_name})\n{}\n{}",
        sig.0,
        from.line(),
        docs.join("---\n")
    ))
}

pub fn write(path: &Path, text: &str) -> Result<()> {
    if let Some(p) = path.parent() {
        std::fs::create_dir_all(p).with_context(|| format!("creating {}", p.display()))?;
    }
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}
