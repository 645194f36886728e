//! The differential fuzzer: the same generated inputs to two targets, every
//! difference classified by a signature, shrunk, and written as a case.

pub mod compare;
pub mod exec;
pub mod gen;
pub mod shrink;
pub mod write;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::PathBuf;
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
    /// Where a real bucket's configuration is saved before the campaign
    /// (`saved-cors.xml`), to be put back after it.
    pub state_dir: PathBuf,
    /// Run even when the bucket's configuration cannot be read (and so
    /// cannot be restored).
    pub owned: bool,
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

/// A target left broken by an input: from then on it answers the reset
/// that starts every execution (`DELETE ?cors`) with a 5xx, so nothing it
/// answers can be compared any more.
#[derive(Debug, Clone)]
pub struct Wedge {
    pub target: String,
    /// The campaign iteration whose input (or one of its shrinking
    /// candidates) was the last one answered normally.
    pub iteration: u64,
    /// That input, written as a case with both targets' answers; `None`
    /// when the target was broken before the campaign began.
    pub case: Option<PathBuf>,
    /// The fresh bucket the campaign went on with, if the target could
    /// create one; otherwise the campaign stopped.
    pub moved_to: Option<String>,
}

/// A campaign's result.
#[derive(Debug, Default)]
pub struct FuzzReport {
    pub execs: u64,
    /// Requests sent (or evaluated) on both targets together.
    pub requests: u64,
    pub elapsed: Duration,
    pub found: BTreeMap<Signature, Found>,
    /// Each time a target stopped answering its reset: the campaign went on
    /// in a fresh bucket, or (the last entry) stopped there; the classes
    /// found before stand.
    pub wedged: Vec<Wedge>,
    /// The run was stopped by Ctrl-C or SIGTERM (buckets were restored).
    pub interrupted: bool,
    /// Buckets that could not be put back as they were, and why (a broken
    /// target cannot be).
    pub restore_failures: Vec<String>,
}

/// An input executed on both targets, kept to name the one that broke a
/// target.
struct Executed {
    input: FuzzInput,
    steps: Vec<WireStep>,
    a: Vec<Answer>,
    b: Vec<Answer>,
    iteration: u64,
}

/// The error a campaign stops with when a target is broken.
#[derive(Debug)]
struct Wedged {
    target: String,
}

impl std::fmt::Display for Wedged {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} answers its reset (DELETE ?cors) with a 5xx: it is broken",
            self.target
        )
    }
}

impl std::error::Error for Wedged {}

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
    /// The last input both targets answered normally, when a target keeps
    /// state between executions (an HTTP target): the suspect if the next
    /// execution finds it broken.
    last: RefCell<Option<Executed>>,
    /// The campaign iteration being executed (shrinking included).
    iteration: std::cell::Cell<u64>,
}

/// One execution: the input's steps and both targets' answers. Kept from
/// one execution to the next, so that their memory is reused.
#[derive(Default)]
struct Run {
    steps: Vec<WireStep>,
    a: Vec<Answer>,
    b: Vec<Answer>,
}

impl Run {
    fn differences(&self) -> Vec<(usize, Signature)> {
        all_differences(&self.steps, &self.a, &self.b)
    }
}

impl Pair {
    /// Execute `input` on both targets, into `run`.
    async fn exec(&self, input: &FuzzInput, run: &mut Run) -> Result<()> {
        exec::steps_into(input, &mut run.steps);
        self.a.run(input, &run.steps, &mut run.a).await?;
        self.b.run(input, &run.steps, &mut run.b).await?;
        // Step 0 is the reset every execution starts with; a working target
        // answers it 204 (or 200), whatever the previous input did.
        for (name, answers) in [(&self.a_name, &run.a), (&self.b_name, &run.b)] {
            if answers.first().is_some_and(|r| r.status >= 500) {
                return Err(Wedged {
                    target: name.clone(),
                }
                .into());
            }
        }
        if self.a.keeps_state() || self.b.keeps_state() {
            *self.last.borrow_mut() = Some(Executed {
                input: input.clone(),
                steps: run.steps.clone(),
                a: run.a.clone(),
                b: run.b.clone(),
                iteration: self.iteration.get(),
            });
        }
        Ok(())
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
    let mut run = Run::default();
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
            pair.exec(&c, &mut run).await?;
            if run.differences().iter().any(|(_, s)| s == sig) {
                best = c;
                continue 'outer;
            }
        }
        break;
    }
    pair.exec(&best, &mut run).await?;
    let wire = run
        .steps
        .iter()
        .map(|s| exec::wire_form(&best, s))
        .collect();
    Ok((best, wire, run.a, run.b))
}

/// Run a campaign.
pub async fn campaign(
    opts: &FuzzOptions,
    mut progress: impl FnMut(&Progress<'_>),
) -> Result<FuzzReport> {
    let tf = opts.targets_file.as_deref();
    let (a, a_name) = Executor::open(&opts.a, tf, &opts.state_dir.join("a"), opts.owned).await?;
    let (b, b_name) = Executor::open(&opts.b, tf, &opts.state_dir.join("b"), opts.owned).await?;
    let mut pair = Pair {
        a,
        b,
        a_name,
        b_name,
        last: RefCell::new(None),
        iteration: std::cell::Cell::new(0),
    };
    let mut report = FuzzReport::default();
    let stopped = tokio::select! {
        r = run_loop(&mut pair, opts, &mut report, &mut progress) => r,
        () = crate::signal::stop_signal() => {
            report.interrupted = true;
            Ok(())
        }
    };
    // Whatever happened, put the buckets back.
    for done in [pair.a.finish().await, pair.b.finish().await] {
        if let Err(e) = done {
            report.restore_failures.push(format!("{e:#}"));
        }
    }
    stopped?;
    Ok(report)
}

async fn run_loop(
    pair: &mut Pair,
    opts: &FuzzOptions,
    report: &mut FuzzReport,
    progress: &mut impl FnMut(&Progress<'_>),
) -> Result<()> {
    let started = Instant::now();
    let deadline = opts.time.map(|t| started + t);
    let mut generator = gen::Generator::default();
    let mut run = Run::default();
    let mut last_progress = Instant::now();
    let mut i = 0u64;
    loop {
        if opts.iterations.is_some_and(|n| i >= n)
            || opts.time.is_some_and(|t| started.elapsed() >= t)
        {
            break;
        }
        pair.iteration.set(i);
        let input = generator.input(opts.seed, i);
        match pair.exec(&input, &mut run).await {
            Ok(()) => {}
            Err(e) => {
                if wedge(pair, opts, e, report).await? {
                    // Go on in a fresh bucket from the next input.
                    i += 1;
                    continue;
                }
                break;
            }
        }
        report.execs += 1;
        report.requests += 2 * run.steps.len() as u64;
        for (_, sig) in run.differences() {
            if let Some(f) = report.found.get_mut(&sig) {
                f.count += 1;
                continue;
            }
            let shrunk = shrink(
                pair,
                &input,
                &sig,
                opts.shrink_budget,
                deadline,
                &mut report.execs,
            )
            .await;
            let (small, s_steps, sa, sb) = match shrunk {
                Ok(s) => s,
                Err(e) => {
                    wedge(pair, opts, e, report).await?;
                    // Whether it went on or not, this input's classes are
                    // not to be trusted: the rest of them are skipped.
                    break;
                }
            };
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
        if report.wedged.last().is_some_and(|w| w.moved_to.is_none()) {
            break;
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
        generator.recycle(input);
        i += 1;
    }
    report.elapsed = started.elapsed();
    Ok(())
}

/// A target is broken (or `e` is another error, returned as is): write the
/// last input both answered normally, the one that broke it, as a case;
/// move the broken target to a fresh bucket if it can create one. Returns
/// whether the campaign can go on.
async fn wedge(
    pair: &mut Pair,
    opts: &FuzzOptions,
    e: anyhow::Error,
    report: &mut FuzzReport,
) -> Result<bool> {
    let Some(w) = e.downcast_ref::<Wedged>() else {
        return Err(e);
    };
    let target = w.target.clone();
    let case = wedge_case(pair, opts, &target, report.wedged.len())?;
    let iteration = pair.iteration.get();
    let moved_to = if target == pair.a_name {
        pair.a.fresh_bucket().await?
    } else {
        pair.b.fresh_bucket().await?
    };
    let go_on = moved_to.is_some() && case.is_some();
    report.wedged.push(Wedge {
        target,
        iteration: case.as_ref().map_or(iteration, |(_, i)| *i),
        case: case.map(|(p, _)| p),
        moved_to,
    });
    Ok(go_on)
}

/// The case of the input that broke `target`: the last one both targets
/// answered normally, with their answers.
fn wedge_case(
    pair: &Pair,
    opts: &FuzzOptions,
    target: &str,
    nth: usize,
) -> Result<Option<(PathBuf, u64)>> {
    let last = pair.last.borrow_mut().take();
    let Some(last) = last else {
        return Ok(None);
    };
    let sig = Signature(format!(
        "{target} broken after this input: every later reset answers 5xx"
    ));
    let name = match nth {
        0 => format!("wedged-{target}.yaml"),
        n => format!("wedged-{target}-{}.yaml", n + 1),
    };
    let path = opts.out.join(name);
    let wire: Vec<WireStep> = last
        .steps
        .iter()
        .map(|s| exec::wire_form(&last.input, s))
        .collect();
    let text = write::case_text(
        &sig,
        &wire,
        (&pair.a_name, &last.a),
        (&pair.b_name, &last.b),
        opts.seed,
        last.iteration,
        &opts.date,
    )?;
    write::write(&path, &text)?;
    Ok(Some((path, last.iteration)))
}

/// The default folder for found cases: a fresh one under `target/coscors/`,
/// never the triaged `cases/found/`.
pub fn default_out() -> PathBuf {
    crate::suite::fresh_dir("fuzz-{t}")
}
