//! Reports of a run over one or more targets: `results.json` (the data, with
//! a versioned JSON Schema in `reports/results.schema.json`), JUnit XML per
//! target, a Markdown summary and a self-contained HTML matrix.

mod html;
mod junit;
mod markdown;

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context as _, Result};
use serde::{Deserialize, Serialize};

use crate::runner::{CaseOutcome, Verdict};

/// The version of the `results.json` format.
pub const SCHEMA_VERSION: u32 = 1;

/// The JSON Schema of `results.json`.
pub const RESULTS_SCHEMA: &str = include_str!("../../reports/results.schema.json");

/// Everything a run produced.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Results {
    pub schema_version: u32,
    pub coscors_version: String,
    pub generated_at: String,
    pub targets: Vec<TargetInfo>,
    /// One record per (target, case, step).
    pub records: Vec<Record>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TargetInfo {
    pub name: String,
    pub profile: String,
    #[serde(default)]
    pub vendor: Option<String>,
}

/// The verdict of a case on a target.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum VerdictKind {
    Pass,
    KnownDivergence,
    DivergenceFixed,
    Fail,
    Error,
}

impl VerdictKind {
    pub fn name(self) -> &'static str {
        match self {
            VerdictKind::Pass => "pass",
            VerdictKind::KnownDivergence => "known-divergence",
            VerdictKind::DivergenceFixed => "divergence-fixed",
            VerdictKind::Fail => "fail",
            VerdictKind::Error => "error",
        }
    }

    pub fn ok(self) -> bool {
        matches!(self, VerdictKind::Pass | VerdictKind::KnownDivergence)
    }
}

/// One step of one case on one target. A case that could not run has one
/// record with `step: 0` and `error` set.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Record {
    pub target: String,
    pub case_id: String,
    pub case_file: String,
    /// The API group: the case id's first path segment.
    pub api: String,
    pub source: String,
    /// The case's verdict (the same on each of its steps' records).
    pub verdict: VerdictKind,
    /// Why a known divergence diverges (from the vendor file).
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub error: Option<String>,
    /// 1-based; 0 for a case-level record.
    pub step: usize,
    #[serde(default)]
    pub request: Option<String>,
    /// Did this step meet the expectation that applied to it?
    pub step_passed: bool,
    pub expected: Vec<String>,
    pub observed: Vec<String>,
    #[serde(default)]
    pub observed_status: Option<u16>,
    /// Unified diff of expected and observed; empty when they agree.
    pub diff: String,
    /// Normalisations that forgave something, with what.
    pub normalised: Vec<String>,
    pub duration_ms: f64,
}

impl Results {
    /// Build the results of outcomes on several targets.
    pub fn from_outcomes(
        targets: Vec<TargetInfo>,
        outcomes: &[CaseOutcome],
        generated_at: String,
    ) -> Results {
        let mut records = Vec::new();
        for o in outcomes {
            let (verdict, reason, error) = match &o.verdict {
                Verdict::Pass => (VerdictKind::Pass, None, None),
                Verdict::KnownDivergence(r) => {
                    (VerdictKind::KnownDivergence, Some(r.clone()), None)
                }
                Verdict::DivergenceFixed => (VerdictKind::DivergenceFixed, None, None),
                Verdict::Fail => (VerdictKind::Fail, None, None),
                Verdict::Error(e) => (VerdictKind::Error, None, Some(e.clone())),
            };
            let base = Record {
                target: o.target.clone(),
                case_id: o.id.clone(),
                case_file: o.path.display().to_string(),
                api: o.id.split('/').next().unwrap_or("").to_string(),
                source: o.source.clone(),
                verdict,
                reason,
                error,
                step: 0,
                request: None,
                step_passed: verdict.ok(),
                expected: Vec::new(),
                observed: Vec::new(),
                observed_status: None,
                diff: String::new(),
                normalised: Vec::new(),
                duration_ms: o.duration.as_secs_f64() * 1000.0,
            };
            if o.steps.is_empty() {
                records.push(base);
                continue;
            }
            for (i, s) in o.steps.iter().enumerate() {
                // Where a vendor's expectation applied, show how the target
                // differs from COS (the case's own expectation).
                let shown = s.vs_cos.as_ref().unwrap_or(&s.comparison);
                let c = &s.comparison;
                records.push(Record {
                    step: i + 1,
                    request: Some(s.request_line.clone()),
                    step_passed: c.passed(),
                    expected: shown.expected_lines.clone(),
                    observed: shown.observed_lines.clone(),
                    observed_status: s.observed.as_ref().map(|o| o.status),
                    diff: if shown.passed() {
                        String::new()
                    } else {
                        shown.render()
                    },
                    normalised: c
                        .applied
                        .iter()
                        .map(|(n, w)| format!("{}: {w}", n.name()))
                        .collect(),
                    ..base.clone()
                });
            }
        }
        Results {
            schema_version: SCHEMA_VERSION,
            coscors_version: env!("CARGO_PKG_VERSION").to_string(),
            generated_at,
            targets,
            records,
        }
    }

    /// Case id → target → verdict.
    pub fn matrix(&self) -> BTreeMap<&str, BTreeMap<&str, VerdictKind>> {
        let mut m: BTreeMap<&str, BTreeMap<&str, VerdictKind>> = BTreeMap::new();
        for r in &self.records {
            m.entry(&r.case_id)
                .or_default()
                .insert(&r.target, r.verdict);
        }
        m
    }

    /// Per target: verdict → number of cases.
    pub fn counts(&self) -> BTreeMap<&str, BTreeMap<VerdictKind, usize>> {
        let mut out: BTreeMap<&str, BTreeMap<VerdictKind, usize>> = BTreeMap::new();
        for t in &self.targets {
            out.entry(&t.name).or_default();
        }
        for (_, by_target) in self.matrix() {
            for (t, v) in by_target {
                *out.entry(t).or_default().entry(v).or_default() += 1;
            }
        }
        out
    }
}

/// Write `results.json`, `junit-<target>.xml`, `summary.md` and
/// `index.html` into `dir`.
pub fn write_all(dir: &Path, results: &Results) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let json = serde_json::to_string_pretty(results)?;
    std::fs::write(dir.join("results.json"), json)?;
    std::fs::write(dir.join("results.schema.json"), RESULTS_SCHEMA)?;
    render(dir, results)
}

/// (Re)write the Markdown and HTML from results.
pub fn render(dir: &Path, results: &Results) -> Result<()> {
    for t in &results.targets {
        let file = format!("junit-{}.xml", sanitize(&t.name));
        std::fs::write(dir.join(file), junit::render(results, &t.name))?;
    }
    std::fs::write(dir.join("summary.md"), markdown::render(results))?;
    std::fs::write(dir.join("index.html"), html::render(results)?)?;
    Ok(())
}

/// Read a `results.json`.
pub fn load(path: &Path) -> Result<Results> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let r: Results =
        serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
    anyhow::ensure!(
        r.schema_version == SCHEMA_VERSION,
        "{} has schema_version {}, this coscors reads {}",
        path.display(),
        r.schema_version,
        SCHEMA_VERSION
    );
    Ok(r)
}

/// A file-name-safe version of a target name.
pub fn sanitize(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// What changed between two runs: (case, target, old, new) for every cell
/// whose verdict differs, including cells present in only one of them.
pub fn compare(
    old: &Results,
    new: &Results,
) -> Vec<(String, String, Option<VerdictKind>, Option<VerdictKind>)> {
    let (a, b) = (old.matrix(), new.matrix());
    let mut keys: Vec<(&str, &str)> = Vec::new();
    for m in [&a, &b] {
        for (case, ts) in m {
            for t in ts.keys() {
                keys.push((case, t));
            }
        }
    }
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter_map(|(case, t)| {
            let va = a.get(case).and_then(|m| m.get(t)).copied();
            let vb = b.get(case).and_then(|m| m.get(t)).copied();
            (va != vb).then(|| (case.to_string(), t.to_string(), va, vb))
        })
        .collect()
}
