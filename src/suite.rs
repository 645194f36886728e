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

/// What to run.
#[derive(Debug, Clone)]
pub struct SuiteOptions {
    pub paths: Vec<PathBuf>,
    /// The folder holding `vendors/` (normally `cases`).
    pub cases_root: PathBuf,
    pub filters: Vec<String>,
    pub jobs: usize,
    /// Where the run keeps what it saved (`saved-cors.xml`).
    pub out_dir: PathBuf,
    /// Run even if the bucket's configuration cannot be read.
    pub owned: bool,
    /// Case ids never sent to the target.
    pub skip: Vec<String>,
    /// Run only cases of these evidence grades (all when empty).
    pub evidence: Vec<Evidence>,
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

/// Load every case under `paths`, keeping load errors apart.
pub fn load(
    paths: &[PathBuf],
    filters: &[String],
    evidence: &[Evidence],
) -> Result<(Vec<LoadedCase>, Vec<LoadError>)> {
    let files = case::discover(paths).context("finding case files")?;
    let mut cases = Vec::new();
    let mut errors = Vec::new();
    for f in &files {
        match case::load_file(f) {
            Ok(file) => cases.extend(file.cases),
            Err(e) => errors.push(e),
        }
    }
    if !filters.is_empty() {
        cases.retain(|c| filters.iter().any(|f| c.id.contains(f.as_str())));
    }
    if !evidence.is_empty() {
        cases.retain(|c| evidence.contains(&c.case.evidence));
    }
    Ok((cases, errors))
}

/// Resolves when the process is asked to stop (Ctrl-C or SIGTERM).
pub async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// Run the suite. `progress` is called after each case.
pub async fn run(
    spec: &TargetSpec,
    opts: &SuiteOptions,
    mut progress: impl FnMut(usize, usize, &CaseOutcome),
) -> Result<SuiteResult> {
    let (mut cases, load_errors) = load(&opts.paths, &opts.filters, &opts.evidence)?;
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
        let sem = Arc::new(tokio::sync::Semaphore::new(opts.jobs.max(1)));
        let mut set = tokio::task::JoinSet::new();
        for (i, c) in cases.into_iter().enumerate() {
            let (spec, sem, shared, records) =
                (spec.clone(), sem.clone(), shared.clone(), records.clone());
            set.spawn(async move {
                let _permit = sem.acquire_owned().await;
                (
                    i,
                    runner::run_case(&spec, &shared, &c, records.for_case(&c.id)).await,
                )
            });
        }
        let mut done = Vec::with_capacity(total);
        while let Some(r) = set.join_next().await {
            let (i, outcome) = r.context("a case task panicked")?;
            progress(done.len() + 1, total, &outcome);
            done.push((i, outcome));
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
        let _ = control.send("PUT", "/", None, &[], Vec::new()).await;
    }
    let saved = safety::save(&control, &opts.out_dir, opts.owned).await?;
    let run_all = async {
        for c in &cases {
            let outcome = runner::run_case(spec, &shared, c, records.for_case(&c.id)).await;
            progress(result.outcomes.len() + 1, total, &outcome);
            result.outcomes.push(outcome);
        }
    };
    tokio::select! {
        _ = run_all => {}
        _ = stop_signal() => { result.interrupted = true; }
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
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    Path::new("target")
        .join("coscors")
        .join(format!("run-{t}-{}", std::process::id()))
}
