//! A whole run: load cases, filter, run them on a target (in parallel where
//! each case has its own server), and on a shared target keep the bucket as
//! it was, even when interrupted.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context as _, Result};

use crate::bucket_lock::BucketLock;
use crate::case::{self, Evidence, LoadError, LoadedCase};
use crate::runner::{self, CaseOutcome, TargetRecords};
use crate::safety;
use crate::target::{Session, Shared, TargetSpec};

/// Which of the loaded cases a run takes.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Keep cases whose id matches any of these (all when empty).
    pub include: Vec<IdMatcher>,
    /// Then drop cases whose id matches any of these.
    pub exclude: Vec<IdMatcher>,
    /// Keep only these exact ids (all when empty): case ids given as
    /// arguments.
    pub ids: Vec<String>,
    /// Keep only cases of these evidence grades (all when empty).
    pub evidence: Vec<Evidence>,
}

impl Selection {
    /// Substring filters, as `--filter` takes them.
    pub fn including(filters: &[String]) -> Result<Selection> {
        Ok(Selection {
            include: filters
                .iter()
                .map(|f| IdMatcher::text(f))
                .collect::<Result<_>>()?,
            ..Default::default()
        })
    }

    pub fn is_empty(&self) -> bool {
        self.include.is_empty()
            && self.exclude.is_empty()
            && self.ids.is_empty()
            && self.evidence.is_empty()
    }

    /// Does the selection take the case with this id and grade?
    pub fn takes(&self, id: &str, evidence: Evidence) -> bool {
        (self.include.is_empty() || self.include.iter().any(|m| m.matches(id)))
            && !self.exclude.iter().any(|m| m.matches(id))
            && (self.ids.is_empty() || self.ids.iter().any(|i| i == id))
            && (self.evidence.is_empty() || self.evidence.contains(&evidence))
    }

    /// Could a case of the file whose case id (or id prefix) is `base` be
    /// taken? Used to tell an unrelated malformed file from one the run
    /// asked for.
    pub fn may_take_file(&self, base: &str) -> bool {
        let id_ok = |id: &str| id == base || id.starts_with(&format!("{base}::"));
        (self.include.is_empty() || self.include.iter().any(|m| m.matches(base)))
            && !self.exclude.iter().any(|m| m.matches(base))
            && (self.ids.is_empty() || self.ids.iter().any(|i| id_ok(i)))
    }
}

/// How a case id is matched: a substring, a glob (`*`, `?`, `[...]`,
/// chosen when the text holds one of them) or a regular expression.
#[derive(Debug, Clone)]
pub enum IdMatcher {
    Substring(String),
    Glob(glob::Pattern),
    Regex(regex::Regex),
}

impl IdMatcher {
    /// `preflight` (substring) or `preflight/*-origin` (glob).
    pub fn text(s: &str) -> Result<IdMatcher> {
        if s.contains(['*', '?', '[']) {
            glob::Pattern::new(s)
                .map(IdMatcher::Glob)
                .with_context(|| format!("the glob {s:?} is not valid"))
        } else {
            Ok(IdMatcher::Substring(s.to_string()))
        }
    }

    pub fn regex(s: &str) -> Result<IdMatcher> {
        regex::Regex::new(s)
            .map(IdMatcher::Regex)
            .with_context(|| format!("the regular expression {s:?} is not valid"))
    }

    pub fn matches(&self, id: &str) -> bool {
        match self {
            IdMatcher::Substring(s) => id.contains(s.as_str()),
            // A glob names whole ids: `preflight/*` takes every preflight.
            IdMatcher::Glob(g) => g.matches(id),
            IdMatcher::Regex(r) => r.is_match(id),
        }
    }
}

/// What to run.
#[derive(Debug, Clone)]
pub struct SuiteOptions {
    pub paths: Vec<PathBuf>,
    /// The folder holding `vendors/` (normally `cases`).
    pub cases_root: PathBuf,
    /// Which cases.
    pub select: Selection,
    pub jobs: usize,
    /// Where the run keeps what it saved (`saved-cors.xml`).
    pub out_dir: PathBuf,
    /// Run even if the bucket's configuration cannot be read.
    pub owned: bool,
    /// Case ids never sent to the target.
    pub skip: Vec<String>,
    /// Stop at the first case that fails.
    pub fail_fast: bool,
    /// Hold the target to its vendor file's divergences (false when
    /// recording: COS's expectations alone, with the vendor's identity and
    /// `skip` entries).
    pub divergences: bool,
}

/// How a run ended.
#[derive(Debug)]
pub struct SuiteResult {
    pub outcomes: Vec<CaseOutcome>,
    pub load_errors: Vec<LoadError>,
    /// Set when a signal stopped the run early.
    pub interrupted: bool,
    /// What happened when restoring a shared bucket (None on the emulator).
    pub restore: Option<Result<(), String>>,
    /// Keys that could not be deleted afterwards.
    pub leftover_keys: Vec<String>,
}

/// Load every case under `paths` that `select` takes, keeping load errors
/// apart. A file that fails to load counts only if the selection could take
/// a case of it (judged by its path's id): a filtered run is not failed by
/// an unrelated file.
pub fn load(paths: &[PathBuf], select: &Selection) -> Result<(Vec<LoadedCase>, Vec<LoadError>)> {
    let files = case::discover(paths).context("finding case files")?;
    let mut cases = Vec::new();
    let mut errors = Vec::new();
    for f in &files {
        match case::load_file(f) {
            Ok(file) => cases.extend(file.cases),
            Err(e) if select.may_take_file(&case::case_id(f)) => errors.push(e),
            Err(e) => eprintln!("warning (not selected, so not counted): {e}"),
        }
    }
    cases.retain(|c| select.takes(&c.id, c.case.evidence));
    Ok((cases, errors))
}

/// Kept here too: the signal moved to [`crate::signal`].
pub use crate::signal::stop_signal;

/// Run the suite. `progress` is called after each case.
pub async fn run(
    spec: &TargetSpec,
    opts: &SuiteOptions,
    mut progress: impl FnMut(usize, usize, &CaseOutcome),
) -> Result<SuiteResult> {
    let (mut cases, load_errors) = load(&opts.paths, &opts.select)?;
    cases.retain(|c| !opts.skip.contains(&c.id));
    let shared = Shared::new(spec)?;
    let records = Arc::new(
        TargetRecords::load(&opts.cases_root, spec, opts.divergences)
            .map_err(|e| anyhow::anyhow!("{e}"))?,
    );
    let total = cases.len();
    let mut result = SuiteResult {
        outcomes: Vec::with_capacity(total),
        load_errors,
        interrupted: false,
        restore: None,
        leftover_keys: Vec::new(),
    };
    if spec.isolated() {
        // At most `jobs` cases in flight; the next starts when one ends, so
        // --fail-fast starts nothing after a failure.
        let jobs = opts.jobs.max(1);
        let mut pending = cases.into_iter().enumerate();
        let mut set = tokio::task::JoinSet::new();
        let spawn_next = |set: &mut tokio::task::JoinSet<_>, next: Option<(usize, LoadedCase)>| {
            if let Some((i, c)) = next {
                let (spec, shared, records) = (spec.clone(), shared.clone(), records.clone());
                set.spawn(async move {
                    let outcome =
                        runner::run_case(&spec, &shared, &c, records.for_case(&c.id)).await;
                    (i, outcome)
                });
            }
        };
        for _ in 0..jobs {
            spawn_next(&mut set, pending.next());
        }
        let mut done = Vec::with_capacity(total);
        let mut stopped = false;
        while let Some(r) = set.join_next().await {
            let (i, outcome) = match r {
                Ok(r) => r,
                // Aborted by --fail-fast.
                Err(e) if e.is_cancelled() => continue,
                Err(e) => return Err(e).context("a case task panicked"),
            };
            progress(done.len() + 1, total, &outcome);
            stopped |= opts.fail_fast && outcome.verdict.gates(false);
            done.push((i, outcome));
            if stopped {
                set.abort_all();
            } else {
                spawn_next(&mut set, pending.next());
            }
        }
        done.sort_by_key(|(i, _)| *i);
        result.outcomes = done.into_iter().map(|(_, o)| o).collect();
        return Ok(result);
    }

    // A shared bucket: hold it against other processes (another run, or
    // `cargo nextest`), save, run one case at a time, restore whatever
    // happens.
    let lock_spec = spec.clone();
    let _lock = tokio::task::spawn_blocking(move || BucketLock::acquire(&lock_spec))
        .await
        .context("waiting for the bucket lock")??;
    let control = Session::open(spec, &shared).await?;
    if spec.create_bucket {
        // 409 (it exists) is fine.
        let _ = control.ensure_bucket().await;
    }
    let saved = safety::save(&control, &opts.out_dir, opts.owned).await?;
    let run_all = async {
        for c in &cases {
            let outcome = runner::run_case(spec, &shared, c, records.for_case(&c.id)).await;
            progress(result.outcomes.len() + 1, total, &outcome);
            let stop = opts.fail_fast && outcome.verdict.gates(false);
            result.outcomes.push(outcome);
            if stop {
                break;
            }
        }
    };
    tokio::select! {
        () = run_all => {}
        () = crate::signal::stop_signal() => { result.interrupted = true; }
    }
    result.leftover_keys = control.cleanup().await;
    result.restore = Some(
        safety::restore(&control, &saved)
            .await
            .map_err(|e| format!("{e:#}")),
    );
    Ok(result)
}

/// The default output folder of a run.
pub fn default_out_dir() -> PathBuf {
    fresh_dir(&format!("run-{{t}}-{}", std::process::id()))
}

/// `target/coscors/<name>`, `{t}` in `name` replaced by the time in
/// seconds: a folder no earlier run wrote.
pub fn fresh_dir(name: &str) -> PathBuf {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    Path::new("target")
        .join("coscors")
        .join(name.replace("{t}", &t.to_string()))
}
