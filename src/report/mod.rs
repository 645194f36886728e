//! Reports of a run over one or more targets: `results.json` (the data, with
//! a versioned JSON Schema in `reports/results.schema.json`), JUnit XML per
//! target, a Markdown summary and a self-contained HTML matrix.

pub mod changes;
mod engines;
mod html;
mod junit;
mod markdown;

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context as _, Result};
use serde::{Deserialize, Serialize};

use crate::case::Evidence;
use crate::model::browser::Engine;
use crate::runner::{BrowserStep, CaseOutcome, Verdict};

pub use changes::{Change, ChangeKind, Changes};
pub use engines::{BrowserCell, EngineDifference};

/// The version of the `results.json` format. Version 3 added each step's
/// `browser` (what a page sees in each engine); a version 2 file reads as
/// one without it.
pub const SCHEMA_VERSION: u32 = 3;

/// The oldest `results.json` version [`load`] reads.
pub const OLDEST_READ: u32 = 2;

/// The JSON Schema of `results.json`.
pub const RESULTS_SCHEMA: &str = include_str!("../../reports/results.schema.json");

/// Everything a run produced.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Results {
    pub schema_version: u32,
    pub coscors_version: String,
    pub generated_at: String,
    /// The commit of the suite run: `git rev-parse HEAD` where the case
    /// files are, `+modified` when they differ from it; else the commit
    /// coscors was built from. Absent when neither is known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suite_commit: Option<String>,
    /// Target name → the product it names itself as (its `Server` header),
    /// where it sent one.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub products: BTreeMap<String, String>,
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

/// The verdict of a case on a target (README, "Verdicts").
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum VerdictKind {
    /// Answers as COS does.
    Conforms,
    /// Differs from COS exactly as the vendor file records.
    DivergesAsRecorded,
    /// The vendor file records a divergence the target no longer shows.
    DivergenceFixed,
    /// Neither as COS nor as recorded.
    Fails,
    /// Could not run (setup failed, no answer): a failure.
    Error,
    /// Not sent to the target, for the vendor file's reason.
    NotRun,
}

impl VerdictKind {
    pub const ALL: [VerdictKind; 6] = [
        VerdictKind::Conforms,
        VerdictKind::DivergesAsRecorded,
        VerdictKind::DivergenceFixed,
        VerdictKind::Fails,
        VerdictKind::Error,
        VerdictKind::NotRun,
    ];

    /// The name in results.json.
    pub fn name(self) -> &'static str {
        match self {
            VerdictKind::Conforms => "conforms",
            VerdictKind::DivergesAsRecorded => "diverges-as-recorded",
            VerdictKind::DivergenceFixed => "divergence-fixed",
            VerdictKind::Fails => "fails",
            VerdictKind::Error => "error",
            VerdictKind::NotRun => "not-run",
        }
    }

    /// The words a person reads.
    pub fn words(self) -> &'static str {
        match self {
            VerdictKind::Conforms => "conforms",
            VerdictKind::DivergesAsRecorded => "diverges as recorded",
            VerdictKind::DivergenceFixed => "divergence fixed",
            VerdictKind::Fails => "fails",
            VerdictKind::Error => "fails (error)",
            VerdictKind::NotRun => "not run",
        }
    }

    /// One word for a matrix cell (the legend and the detail give the
    /// whole phrase).
    pub fn short(self) -> &'static str {
        match self {
            VerdictKind::Conforms => "conforms",
            VerdictKind::DivergesAsRecorded => "diverges",
            VerdictKind::DivergenceFixed => "fixed",
            VerdictKind::Fails => "fails",
            VerdictKind::Error => "error",
            VerdictKind::NotRun => "not run",
        }
    }

    /// Does this verdict fail a gate? Only *fails* does.
    pub fn ok(self) -> bool {
        !matches!(self, VerdictKind::Fails | VerdictKind::Error)
    }

    pub fn of(v: &Verdict) -> VerdictKind {
        match v {
            Verdict::Conforms => VerdictKind::Conforms,
            Verdict::DivergesAsRecorded(_) => VerdictKind::DivergesAsRecorded,
            Verdict::DivergenceFixed => VerdictKind::DivergenceFixed,
            Verdict::Fails => VerdictKind::Fails,
            Verdict::Error(_) => VerdictKind::Error,
            Verdict::NotRun(_) => VerdictKind::NotRun,
        }
    }
}

/// A target's conformance score: cases answered as a reference does, out
/// of the cases of the run.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct Score {
    pub conforming: usize,
    pub of: usize,
}

impl Score {
    pub fn percent(self) -> f64 {
        if self.of == 0 {
            0.0
        } else {
            100.0 * self.conforming as f64 / self.of as f64
        }
    }
}

impl std::fmt::Display for Score {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(
            f,
            "{:.1}% ({}/{})",
            self.percent(),
            self.conforming,
            self.of
        )
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
    /// How strong the case's sources are.
    pub evidence: Evidence,
    /// The case's verdict (the same on each of its steps' records).
    pub verdict: VerdictKind,
    /// Did the target answer the case as COS does? (`None`: not run.)
    #[serde(default)]
    pub as_cos: Option<bool>,
    /// On a target of the `s3` profile: did it answer as that profile does?
    #[serde(default)]
    pub as_s3: Option<bool>,
    /// The vendor file's reason for its record of this case, if it has one.
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
    /// What `expected`/`diff` show: `cos` (the case's own expectation) or
    /// `vendor` (the vendor file's record, for a step that fails against it).
    #[serde(default = "expected_from_cos")]
    pub expected_from: String,
    pub expected: Vec<String>,
    pub observed: Vec<String>,
    #[serde(default)]
    pub observed_status: Option<u16>,
    /// Unified diff of expected and observed; empty when they agree.
    pub diff: String,
    /// Normalisations that forgave something, with what.
    pub normalised: Vec<String>,
    pub duration_ms: f64,
    /// What a page sees of this step in each browser engine, on the
    /// target's answer and on COS's; absent for a step without `Origin`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub browser: BTreeMap<Engine, BrowserStep>,
}

/// (as COS, as the s3 profile) of one case on one target.
type AsReferences = (Option<bool>, Option<bool>);

fn expected_from_cos() -> String {
    "cos".to_string()
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
            let verdict = VerdictKind::of(&o.verdict);
            let error = match &o.verdict {
                Verdict::Error(e) => Some(e.message.clone()),
                _ => None,
            };
            let reason = o.vendor_reason.clone();
            let base = Record {
                target: o.target.clone(),
                case_id: o.id.clone(),
                case_file: o.path.display().to_string(),
                api: o.id.split('/').next().unwrap_or("").to_string(),
                source: o.source.clone(),
                evidence: o.evidence,
                verdict,
                as_cos: o.as_cos,
                as_s3: o.as_s3,
                reason,
                error,
                step: 0,
                request: None,
                step_passed: verdict.ok(),
                expected_from: expected_from_cos(),
                expected: Vec::new(),
                observed: Vec::new(),
                observed_status: None,
                diff: String::new(),
                normalised: Vec::new(),
                duration_ms: o.duration.as_secs_f64() * 1000.0,
                browser: BTreeMap::new(),
            };
            if o.steps.is_empty() {
                records.push(base);
                continue;
            }
            for (i, s) in o.steps.iter().enumerate() {
                // Where a vendor's record applied and held, show how the
                // target differs from COS (the case's own expectation); where
                // it failed, show the difference from the record.
                let c = &s.comparison;
                let (shown, from) = match &s.vs_cos {
                    Some(cos) if c.passed() => (cos, "cos"),
                    Some(_) => (c, "vendor"),
                    None => (c, "cos"),
                };
                records.push(Record {
                    step: i + 1,
                    request: Some(s.request_line.clone()),
                    step_passed: c.passed(),
                    expected_from: from.to_string(),
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
                    browser: s.browser.clone(),
                    ..base.clone()
                });
            }
        }
        Results {
            schema_version: SCHEMA_VERSION,
            coscors_version: env!("CARGO_PKG_VERSION").to_string(),
            generated_at,
            suite_commit: suite_commit(outcomes),
            products: products(outcomes),
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

    /// Per target: the score against COS, and on targets of the `s3`
    /// profile against that profile.
    pub fn scores(&self) -> BTreeMap<&str, (Score, Option<Score>)> {
        let mut seen: BTreeMap<(&str, &str), AsReferences> = BTreeMap::new();
        for r in &self.records {
            seen.insert((&r.target, &r.case_id), (r.as_cos, r.as_s3));
        }
        let mut out = BTreeMap::new();
        for t in &self.targets {
            let mine: Vec<_> = seen
                .iter()
                .filter(|((tn, _), _)| *tn == t.name)
                .map(|(_, v)| *v)
                .collect();
            let cos = Score {
                conforming: mine.iter().filter(|(c, _)| *c == Some(true)).count(),
                of: mine.len(),
            };
            let s3 = (t.profile == "s3").then(|| Score {
                conforming: mine.iter().filter(|(_, s)| *s == Some(true)).count(),
                of: mine.len(),
            });
            out.insert(t.name.as_str(), (cos, s3));
        }
        out
    }

    /// Number of cases per evidence grade (each case once).
    pub fn grades(&self) -> BTreeMap<Evidence, usize> {
        let mut cases: BTreeMap<&str, Evidence> = BTreeMap::new();
        for r in &self.records {
            cases.insert(&r.case_id, r.evidence);
        }
        let mut out = BTreeMap::new();
        for e in cases.values() {
            *out.entry(*e).or_default() += 1;
        }
        out
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

/// Per target, the first `Server` header it answered with.
fn products(outcomes: &[CaseOutcome]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for o in outcomes {
        if out.contains_key(&o.target) {
            continue;
        }
        let server = o
            .steps
            .iter()
            .filter_map(|s| s.observed.as_ref())
            .find_map(|obs| obs.all("server").next().map(|(_, v)| v.to_string()));
        if let Some(v) = server {
            out.insert(o.target.clone(), v);
        }
    }
    out
}

/// The suite's commit (see [`Results::suite_commit`]).
fn suite_commit(outcomes: &[CaseOutcome]) -> Option<String> {
    let from_git = outcomes.first().and_then(|o| {
        let dir = o.path.parent()?;
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        let git = |args: &[&str]| {
            std::process::Command::new("git")
                .arg("-C")
                .arg(dir)
                .args(args)
                .stderr(std::process::Stdio::null())
                .output()
                .ok()
                .filter(|o| o.status.success())
                .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        };
        let head = git(&["rev-parse", "HEAD"]).filter(|h| !h.is_empty())?;
        let changed = git(&["status", "--porcelain", "--", "."]).is_some_and(|s| !s.is_empty());
        Some(if changed {
            format!("{head}+modified")
        } else {
            head
        })
    });
    from_git.or_else(|| crate::build_info::COMMIT.map(str::to_string))
}

/// The files a report folder holds that coscors writes (and removes before
/// writing a new report there).
fn owned_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .filter_map(std::result::Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            matches!(
                name,
                "results.json" | "results.schema.json" | "summary.md" | "index.html"
            ) || (name.starts_with("junit-") && {
                // Ours, written lower-case by write_all.
                #[allow(clippy::case_sensitive_file_extension_comparisons)]
                let xml = name.ends_with(".xml");
                xml
            })
        })
        .collect()
}

/// Write `results.json`, `junit-<target>.xml`, `summary.md` and
/// `index.html` into `dir`, first removing the report files an earlier
/// report left there (other files stay).
pub fn write_all(dir: &Path, results: &Results) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    for old in owned_files(dir) {
        std::fs::remove_file(&old).with_context(|| format!("removing {}", old.display()))?;
    }
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
        (OLDEST_READ..=SCHEMA_VERSION).contains(&r.schema_version),
        "{} has schema_version {}, this coscors reads {OLDEST_READ} to {SCHEMA_VERSION}",
        path.display(),
        r.schema_version,
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
    keys.sort_unstable();
    keys.dedup();
    keys.into_iter()
        .filter_map(|(case, t)| {
            let va = a.get(case).and_then(|m| m.get(t)).copied();
            let vb = b.get(case).and_then(|m| m.get(t)).copied();
            (va != vb).then(|| (case.to_string(), t.to_string(), va, vb))
        })
        .collect()
}

/// Target names, each with its number of cases.
pub type TargetCounts = Vec<(String, usize)>;

/// Targets in only one of two runs, each with its number of cases:
/// (removed: only in `old`, added: only in `new`).
pub fn target_changes(old: &Results, new: &Results) -> (TargetCounts, TargetCounts) {
    let per_target = |r: &Results| {
        let mut m: BTreeMap<String, usize> =
            r.targets.iter().map(|t| (t.name.clone(), 0)).collect();
        for by_target in r.matrix().values() {
            for t in by_target.keys() {
                *m.entry(t.to_string()).or_default() += 1;
            }
        }
        m
    };
    let (a, b) = (per_target(old), per_target(new));
    let only = |x: &BTreeMap<String, usize>, y: &BTreeMap<String, usize>| {
        x.iter()
            .filter(|(t, _)| !y.contains_key(*t))
            .map(|(t, n)| (t.clone(), *n))
            .collect()
    };
    (only(&a, &b), only(&b, &a))
}
