//! The differential fuzzer: the same generated inputs to two targets, every
//! difference classified by a signature, shrunk, and written as a case.

pub mod compare;
pub mod exec;
pub mod gen;
pub mod shrink;
pub mod write;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Result;

use compare::{all_differences, Signature};
use exec::{Answer, Executor, WireStep};
use gen::FuzzInput;

/// A campaign's settings.
#[derive(Debug, Clone)]
pub struct FuzzOptions {
    pub a: String,
    pub b: String,
    pub targets_file: Option<PathBuf>,
    pub seed: u64,
    pub time: Option<Duration>,
    pub iterations: Option<u64>,
    pub out: PathBuf,
    /// Executions the shrinker may spend on one discrepancy.
    pub shrink_budget: usize,
    pub date: String,
}

/// One discrepancy class.
#[derive(Debug, Clone)]
pub struct Found {
    pub count: u64,
    pub first_iteration: u64,
    pub case: PathBuf,
    /// Requests and rules of the shrunk input.
    pub shrunk_requests: usize,
    pub shrunk_rules: usize,
}

/// A campaign's result.
#[derive(Debug, Default)]
pub struct FuzzReport {
    pub execs: u64,
    /// Requests sent (or evaluated) on both targets together.
    pub requests: u64,
    pub elapsed: Duration,
    pub found: BTreeMap<Signature, Found>,
}

impl FuzzReport {
    pub fn rate(&self) -> f64 {
        self.execs as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// Live figures for a progress line.
pub struct Progress<'a> {
    pub execs: u64,
    pub elapsed: Duration,
    pub distinct: usize,
    pub latest: Option<&'a Signature>,
}

struct Pair {
    a: Executor,
    b: Executor,
    a_name: String,
    b_name: String,
}

impl Pair {
    async fn exec(
        &self,
        input: &FuzzInput,
        steps: &[WireStep],
    ) -> Result<(Vec<Answer>, Vec<Answer>)> {
        Ok((
            self.a.run(input, steps).await?,
            self.b.run(input, steps).await?,
        ))
    }
}

/// Shrink `input` while `sig` still shows, within `budget` executions and
/// before `deadline` (the campaign's `--time`: a slow target must not make
/// a campaign overrun it); returns the smallest input found and both
/// targets' answers to it.
async fn shrink(
    pair: &Pair,
    input: &FuzzInput,
    sig: &Signature,
    budget: usize,
    deadline: Option<Instant>,
    execs: &mut u64,
) -> Result<(FuzzInput, Vec<WireStep>, Vec<Answer>, Vec<Answer>)> {
    let mut best = input.clone();
    let mut spent = 0usize;
    'outer: loop {
        let mut cands = shrink::candidates(&best);
        cands.sort_by_key(shrink::size);
        for c in cands {
            if spent >= budget || deadline.is_some_and(|d| Instant::now() >= d) {
                break 'outer;
            }
            if shrink::size(&c) >= shrink::size(&best) {
                continue;
            }
            spent += 1;
            *execs += 1;
            let steps = exec::steps(&c);
            let (a, b) = pair.exec(&c, &steps).await?;
            if all_differences(&steps, &a, &b)
                .iter()
                .any(|(_, s)| s == sig)
            {
                best = c;
                continue 'outer;
            }
        }
        break;
    }
    let steps = exec::steps(&best);
    let (a, b) = pair.exec(&best, &steps).await?;
    let wire = steps.iter().map(|s| exec::wire_form(&best, s)).collect();
    Ok((best, wire, a, b))
}

/// Run a campaign.
pub async fn campaign(
    opts: &FuzzOptions,
    mut progress: impl FnMut(&Progress<'_>),
) -> Result<FuzzReport> {
    let tf = opts.targets_file.as_deref();
    let (a, a_name) = Executor::open(&opts.a, tf).await?;
    let (b, b_name) = Executor::open(&opts.b, tf).await?;
    let pair = Pair {
        a,
        b,
        a_name,
        b_name,
    };
    let started = Instant::now();
    let deadline = opts.time.map(|t| started + t);
    let mut report = FuzzReport::default();
    let mut last_progress = Instant::now();
    let mut i = 0u64;
    loop {
        if opts.iterations.is_some_and(|n| i >= n)
            || opts.time.is_some_and(|t| started.elapsed() >= t)
        {
            break;
        }
        let input = FuzzInput::for_iteration(opts.seed, i);
        let steps = exec::steps(&input);
        let (ra, rb) = pair.exec(&input, &steps).await?;
        report.execs += 1;
        report.requests += 2 * steps.len() as u64;
        for (_, sig) in all_differences(&steps, &ra, &rb) {
            if let Some(f) = report.found.get_mut(&sig) {
                f.count += 1;
                continue;
            }
            let (small, s_steps, sa, sb) = shrink(
                &pair,
                &input,
                &sig,
                opts.shrink_budget,
                deadline,
                &mut report.execs,
            )
            .await?;
            let path = write::case_path(&opts.out, &sig);
            let text = write::case_text(
                &sig,
                &s_steps,
                (&pair.a_name, &sa),
                (&pair.b_name, &sb),
                opts.seed,
                i,
                &opts.date,
            )?;
            write::write(&path, &text)?;
            report.found.insert(
                sig.clone(),
                Found {
                    count: 1,
                    first_iteration: i,
                    case: path,
                    shrunk_requests: small.requests.len(),
                    shrunk_rules: small.config.as_ref().map_or(0, |c| c.rules.len()),
                },
            );
            progress(&Progress {
                execs: report.execs,
                elapsed: started.elapsed(),
                distinct: report.found.len(),
                latest: Some(&sig),
            });
        }
        if last_progress.elapsed() >= Duration::from_millis(250) {
            last_progress = Instant::now();
            progress(&Progress {
                execs: report.execs,
                elapsed: started.elapsed(),
                distinct: report.found.len(),
                latest: None,
            });
        }
        i += 1;
    }
    report.elapsed = started.elapsed();
    Ok(report)
}

/// The default folder for found cases.
pub fn default_out(cases_root: &Path) -> PathBuf {
    cases_root.join("found")
}
