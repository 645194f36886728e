//! The differential fuzzer: the same generated inputs to two targets, every
//! difference classified by a signature, shrunk, and written as a case.
//!
//! A campaign runs `jobs` workers, each an OS thread with its own
//! current-thread tokio runtime, its own executors (on HTTP targets its own
//! buckets and key prefixes) and its own part of the seed's iterations
//! ([`Shard::iteration`]); they share one set of signatures, so that a class
//! is shrunk by the worker that met it first.
//!
//! Over HTTP a worker keeps `connections` inputs in flight, each in a lane
//! of its own: its own keep-alive connection to each target (its own
//! emulator, or its own bucket `<bucket>-w<k>-c<j>` on a shared target) and
//! its own part of the iterations. The embedded emulators a worker starts
//! run on the worker's thread, or with `server_threads` on a server thread
//! of the worker's own.

pub mod compare;
pub mod corpus;
pub mod exec;
pub mod features;
pub mod gen;
pub mod merge;
pub mod shrink;
pub mod write;

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context as _, Result};

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
    /// Workers, shards and the corpus.
    pub scale: ScaleOptions,
}

/// How a campaign spreads over cores and machines, and what it keeps.
#[derive(Debug, Clone, Default)]
pub struct ScaleOptions {
    /// Workers; `None`: the machine's cores (one on an HTTP target that
    /// cannot create buckets, where workers could not have their own).
    pub jobs: Option<usize>,
    /// Inputs each worker keeps in flight over HTTP, each on connections
    /// of its own; `None`: [`default_connections`].
    pub connections: Option<usize>,
    /// Embedded emulators answer on a server thread of each worker's own
    /// (a runtime with one worker thread) instead of the worker's thread.
    pub server_threads: bool,
    /// This machine's part of the seed's input space.
    pub shard: Shard,
    /// In-process campaigns: where the inputs that reached new model
    /// behaviour are kept, and a campaign resumes from.
    pub corpus: Option<PathBuf>,
    /// Count the model features reached (implied by `corpus`).
    pub coverage: bool,
    /// Keep each worker's iterations in the report (tests).
    pub record_streams: bool,
    /// Work in buckets of the campaign's own (`<bucket>-w<k>`) even with
    /// one worker (the benchmark: nobody's bucket is touched).
    pub own_buckets: bool,
}

/// Machine `index + 1` of `count`: it runs the iterations `i` of the seed
/// with `i % count == index`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 0-based.
    pub index: u64,
    pub count: u64,
}

impl Default for Shard {
    fn default() -> Self {
        Shard { index: 0, count: 1 }
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index + 1, self.count)
    }
}

impl std::str::FromStr for Shard {
    type Err = anyhow::Error;

    /// `K/N`, 1-based: `1/4` is the first of four machines.
    fn from_str(s: &str) -> Result<Shard> {
        let (k, n) = s
            .split_once('/')
            .ok_or_else(|| anyhow!("{s:?}: a shard is K/N (e.g. 1/4)"))?;
        let k: u64 = k
            .trim()
            .parse()
            .with_context(|| format!("{s:?}: K in K/N must be a number"))?;
        let n: u64 = n
            .trim()
            .parse()
            .with_context(|| format!("{s:?}: N in K/N must be a number"))?;
        if n == 0 || k == 0 || k > n {
            bail!("{s:?}: a shard is K/N with 1 <= K <= N");
        }
        Ok(Shard {
            index: k - 1,
            count: n,
        })
    }
}

impl Shard {
    /// The seed iteration lane `w` of `jobs` runs as its `t`-th input:
    /// the shard's `j`-th iteration with `j = w + jobs * t`, that is
    /// `index + count * j`. With one worker and one shard, `t` itself.
    /// A campaign has workers × connections lanes: worker `k`'s lane `c`
    /// is `k + workers * c` (with one connection, the worker's index).
    pub fn iteration(&self, jobs: usize, w: usize, t: u64) -> u64 {
        let j = w as u64 + jobs as u64 * t;
        self.index + self.count * j
    }

    /// The shard's `j` of that input: `--iterations N` runs `j < N`.
    pub fn local(jobs: usize, w: usize, t: u64) -> u64 {
        w as u64 + jobs as u64 * t
    }
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
    /// The worker that shrank it.
    pub worker: usize,
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
    /// The worker whose bucket it was.
    pub worker: usize,
}

/// One worker's share of a campaign.
#[derive(Debug, Default, Clone)]
pub struct WorkerStats {
    pub execs: u64,
    pub requests: u64,
    /// The seed iterations it generated, in order (with
    /// [`ScaleOptions::record_streams`]).
    pub iterations: Vec<u64>,
    /// Corpus entries it replayed at the start.
    pub replayed: usize,
    /// Inputs it added to the corpus.
    pub kept: usize,
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
    pub jobs: usize,
    /// Lanes per worker (inputs in flight at once, each on its own
    /// connections).
    pub connections: usize,
    pub shard: Shard,
    pub workers: Vec<WorkerStats>,
    /// Distinct model features reached (with coverage or a corpus).
    pub features: usize,
    /// Corpus files read at the start.
    pub corpus_loaded: usize,
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
    /// Executions so far, per worker.
    pub workers: &'a [u64],
    /// Times a target was found broken (all workers).
    pub broken: usize,
    /// Distinct model features reached (0 without coverage).
    pub features: usize,
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
        if self.a.keeps_state() || self.b.keeps_state() {
            // Over HTTP, both targets at once: two connections in flight,
            // and an execution takes the slower target's time, not the sum.
            let (a, b) = tokio::join!(
                self.a.run(input, &run.steps, &mut run.a),
                self.b.run(input, &run.steps, &mut run.b)
            );
            a?;
            b?;
        } else {
            self.a.run(input, &run.steps, &mut run.a).await?;
            self.b.run(input, &run.steps, &mut run.b).await?;
        }
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

/// A class as the workers share it: which iteration's input its case is
/// shrunk from (the earliest that showed it: a takeover when a worker meets
/// it at an earlier iteration than the one being shrunk), and its figures.
struct Claim {
    iteration: u64,
    found: Option<Found>,
}

/// What the workers of a campaign share.
struct State {
    claims: Mutex<BTreeMap<Signature, Claim>>,
    /// Classes found since the coordinator last looked.
    news: Mutex<Vec<Signature>>,
    execs: Vec<Counter>,
    broken: AtomicUsize,
    features: Mutex<HashSet<u64>>,
    feature_count: AtomicUsize,
    stop: AtomicBool,
    jobs: usize,
    /// Lanes per worker.
    connections: usize,
}

impl State {
    /// Lanes of the whole campaign: each runs every `lanes()`-th iteration.
    fn lanes(&self) -> usize {
        self.jobs * self.connections
    }
}

/// A worker's execution count, alone on its cache line: each worker
/// stores its own at every execution, and neighbours sharing a line would
/// make the cores fight over it.
#[repr(align(128))]
struct Counter(AtomicU64);

/// The number of workers for a campaign, and whether it was asked for.
fn resolve_jobs(opts: &FuzzOptions) -> Result<usize> {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let wanted = opts.scale.jobs.unwrap_or(cores).max(1);
    if wanted == 1 {
        return Ok(1);
    }
    for name in [&opts.a, &opts.b] {
        if exec::in_process(name) {
            continue;
        }
        let spec = crate::target::TargetSpec::resolve(name, opts.targets_file.as_deref())?;
        if !spec.isolated() && !spec.create_bucket {
            if opts.scale.jobs.is_some() {
                bail!(
                    "--jobs {wanted}: target {name} cannot create buckets (create_bucket is not set), and workers need one each; run it with --jobs 1"
                );
            }
            return Ok(1);
        }
    }
    Ok(wanted)
}

/// Lanes per worker when `--connections` is not given: 1 for in-process
/// pairs (nothing to connect; a lane would only share the worker's core);
/// with an embedded emulator 1 on the worker's own thread (client and
/// servers share its core: more lanes only interleave the same work) and 4
/// with `server_threads` (its server thread answers while the worker builds
/// and compares); 8 against an external server that can create buckets (a
/// peer such as moto answers slower than the loop asks: it is the limit,
/// and lanes wait on it side by side); 1 on a target that cannot create
/// buckets (lanes would need one each).
pub fn default_connections(a: &TargetKind, b: &TargetKind, server_threads: bool) -> usize {
    match (a, b) {
        (TargetKind::InProcess, TargetKind::InProcess) => 1,
        (TargetKind::SharedBucket, _) | (_, TargetKind::SharedBucket) => 1,
        (TargetKind::External, _) | (_, TargetKind::External) => 8,
        _ if server_threads => 4,
        _ => 1,
    }
}

/// What a target is, for the choice of lanes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetKind {
    /// `model`, `handler`, ...: no HTTP.
    InProcess,
    /// An emulator this process starts (`emulator`, `emulator-s3`).
    Embedded,
    /// A server elsewhere that may create buckets.
    External,
    /// A server elsewhere whose one bucket is named (no `create_bucket`).
    SharedBucket,
}

fn target_kind(name: &str, targets_file: Option<&std::path::Path>) -> Result<TargetKind> {
    if exec::in_process(name) {
        return Ok(TargetKind::InProcess);
    }
    let spec = crate::target::TargetSpec::resolve(name, targets_file)?;
    Ok(if spec.isolated() {
        TargetKind::Embedded
    } else if spec.create_bucket {
        TargetKind::External
    } else {
        TargetKind::SharedBucket
    })
}

/// The lanes per worker of a campaign.
fn resolve_connections(opts: &FuzzOptions) -> Result<usize> {
    let tf = opts.targets_file.as_deref();
    let (a, b) = (target_kind(&opts.a, tf)?, target_kind(&opts.b, tf)?);
    let Some(wanted) = opts.scale.connections else {
        return Ok(default_connections(&a, &b, opts.scale.server_threads));
    };
    let wanted = wanted.max(1);
    if wanted > 1 {
        if a == TargetKind::InProcess && b == TargetKind::InProcess {
            bail!("--connections {wanted}: {} and {} run in process, with no connection; leave --connections out (or 1)", opts.a, opts.b);
        }
        for (name, kind) in [(&opts.a, a), (&opts.b, b)] {
            if kind == TargetKind::SharedBucket {
                bail!(
                    "--connections {wanted}: target {name} cannot create buckets (create_bucket is not set), and each connection needs one; run it with --connections 1"
                );
            }
        }
    }
    Ok(wanted)
}

/// Run a campaign: `jobs` workers on threads of their own, while this task
/// reports progress (at most every 250 ms, and at each new class) and
/// watches for Ctrl-C and SIGTERM.
pub async fn campaign(
    opts: &FuzzOptions,
    mut progress: impl FnMut(&Progress<'_>),
) -> Result<FuzzReport> {
    let jobs = resolve_jobs(opts)?;
    let connections = resolve_connections(opts)?;
    let coverage = opts.scale.coverage || opts.scale.corpus.is_some();
    if opts.scale.corpus.is_some() && !(exec::in_process(&opts.a) && exec::in_process(&opts.b)) {
        bail!("--corpus is for in-process campaigns (model, model-s3, handler, handler-s3)");
    }
    let loaded = match &opts.scale.corpus {
        Some(dir) => corpus::load(dir)?,
        None => Vec::new(),
    };
    let corpus_loaded = loaded.len();
    let state = Arc::new(State {
        claims: Mutex::new(BTreeMap::new()),
        news: Mutex::new(Vec::new()),
        execs: (0..jobs).map(|_| Counter(AtomicU64::new(0))).collect(),
        broken: AtomicUsize::new(0),
        features: Mutex::new(HashSet::new()),
        feature_count: AtomicUsize::new(0),
        stop: AtomicBool::new(false),
        jobs,
        connections,
    });
    // With `server_threads`, embedded emulators get a server thread per
    // worker.
    let tf = opts.targets_file.as_deref();
    let serve_thread = opts.scale.server_threads
        && (target_kind(&opts.a, tf)? == TargetKind::Embedded
            || target_kind(&opts.b, tf)? == TargetKind::Embedded);
    let started = Instant::now();
    let mut handles = Vec::with_capacity(jobs);
    for w in 0..jobs {
        let opts = opts.clone();
        let state = state.clone();
        // Worker w replays the corpus entries k with k % jobs == w.
        let mine: Vec<Vec<u8>> = loaded
            .iter()
            .enumerate()
            .filter(|(k, _)| k % jobs == w)
            .map(|(_, e)| e.clone())
            .collect();
        let handle = std::thread::Builder::new()
            .name(format!("fuzz-{w}"))
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .context("starting a worker's tokio runtime")?;
                // With `server_threads`, the worker's emulators answer on a
                // thread of their own (a runtime with one worker thread).
                let serve = if serve_thread {
                    Some(
                        tokio::runtime::Builder::new_multi_thread()
                            .worker_threads(1)
                            .thread_name(format!("fuzz-{w}-serve"))
                            .enable_all()
                            .build()
                            .context("starting a worker's server runtime")?,
                    )
                } else {
                    None
                };
                crate::emulator::serve_on(serve.as_ref().map(|s| s.handle().clone()));
                let r = rt.block_on(worker(&opts, w, &state, mine, coverage));
                crate::emulator::serve_on(None);
                if r.is_err() {
                    state.stop.store(true, Ordering::Relaxed);
                }
                // The client's side first (its connections), then the
                // servers.
                drop(rt);
                drop(serve);
                r
            })
            .context("starting a fuzz worker thread")?;
        handles.push(handle);
    }
    let mut interrupted = false;
    let mut signal = std::pin::pin!(crate::signal::stop_signal());
    let mut last_progress = Instant::now();
    let mut counts = vec![0u64; jobs];
    loop {
        let done = handles.iter().all(std::thread::JoinHandle::is_finished);
        let news: Vec<Signature> = std::mem::take(&mut *lock(&state.news));
        for (k, c) in counts.iter_mut().enumerate() {
            *c = state.execs[k].0.load(Ordering::Relaxed);
        }
        let distinct = lock(&state.claims).len();
        let figures = |latest| Progress {
            execs: counts.iter().sum(),
            elapsed: started.elapsed(),
            distinct,
            latest,
            workers: &counts,
            broken: state.broken.load(Ordering::Relaxed),
            features: state.feature_count.load(Ordering::Relaxed),
        };
        for sig in &news {
            progress(&figures(Some(sig)));
        }
        if last_progress.elapsed() >= Duration::from_millis(250) {
            last_progress = Instant::now();
            progress(&figures(None));
        }
        if done {
            break;
        }
        tokio::select! {
            () = tokio::time::sleep(Duration::from_millis(50)) => {}
            () = &mut signal, if !interrupted => {
                interrupted = true;
                state.stop.store(true, Ordering::Relaxed);
            }
        }
    }
    let mut report = FuzzReport {
        interrupted,
        jobs,
        connections,
        shard: opts.scale.shard,
        corpus_loaded,
        ..FuzzReport::default()
    };
    let mut first_error = None;
    for h in handles {
        match h.join() {
            Ok(Ok(w)) => {
                report.execs += w.stats.execs + w.shrink_execs;
                report.requests += w.stats.requests;
                report.wedged.extend(w.wedged);
                report.restore_failures.extend(w.restore_failures);
                report.workers.push(w.stats);
                for (sig, count) in w.counts {
                    if let Some(c) = lock(&state.claims).get_mut(&sig) {
                        if let Some(f) = &mut c.found {
                            f.count += count;
                        }
                    }
                }
            }
            Ok(Err(e)) => {
                first_error.get_or_insert(e);
            }
            Err(_) => {
                first_error.get_or_insert(anyhow!("a fuzz worker panicked"));
            }
        }
    }
    if let Some(e) = first_error {
        return Err(e);
    }
    report.elapsed = started.elapsed();
    report.features = lock(&state.features).len();
    let claims = std::mem::take(&mut *lock(&state.claims));
    report.found = claims
        .into_iter()
        .filter_map(|(sig, c)| c.found.map(|f| (sig, f)))
        .collect();
    Ok(report)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// What a worker (or one of its lanes) hands back.
#[derive(Default)]
struct WorkerDone {
    stats: WorkerStats,
    shrink_execs: u64,
    /// How often it met each class (its own count, added to the class's).
    counts: HashMap<Signature, u64>,
    wedged: Vec<Wedge>,
    restore_failures: Vec<String>,
}

impl WorkerDone {
    /// A lane's share added to its worker's.
    fn add(&mut self, lane: WorkerDone) {
        let (s, l) = (&mut self.stats, lane.stats);
        s.execs += l.execs;
        s.requests += l.requests;
        s.iterations.extend(l.iterations);
        s.replayed += l.replayed;
        s.kept += l.kept;
        self.shrink_execs += lane.shrink_execs;
        for (sig, n) in lane.counts {
            *self.counts.entry(sig).or_default() += n;
        }
        self.wedged.extend(lane.wedged);
        self.restore_failures.extend(lane.restore_failures);
    }
}

/// A lane's own state in the loop.
struct Worker<'s> {
    w: usize,
    /// The lane of worker `w` (0 to `connections - 1`).
    lane: usize,
    /// Executions already added to the worker's progress counter.
    reported: u64,
    state: &'s State,
    done: WorkerDone,
    features: HashSet<u64>,
    corpus: Vec<Vec<u8>>,
}

async fn worker(
    opts: &FuzzOptions,
    w: usize,
    state: &State,
    replay: Vec<Vec<u8>>,
    coverage: bool,
) -> Result<WorkerDone> {
    // The corpus is for in-process pairs, which have one lane.
    let mut replay = Some(replay);
    let lanes = (0..state.connections).map(|j| {
        let replay = replay.take().unwrap_or_default();
        async move {
            let r = lane(opts, w, j, state, replay, coverage).await;
            if r.is_err() {
                // The worker's other lanes, and the other workers, stop.
                state.stop.store(true, Ordering::Relaxed);
            }
            r
        }
    });
    let mut done = WorkerDone::default();
    let mut first_error = None;
    for r in futures_util::future::join_all(lanes).await {
        match r {
            Ok(d) => done.add(d),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(done),
    }
}

/// Where lane `j` of worker `w` works on a shared target: `w<k>` with one
/// lane per worker (`<bucket>-w<k>`), `w<k>-c<j>` with several.
fn place(state: &State, w: usize, j: usize) -> String {
    if state.connections > 1 {
        format!("w{w}-c{j}")
    } else {
        format!("w{w}")
    }
}

/// One lane of worker `w`: its own executors (connections, buckets) and
/// its own iterations.
async fn lane(
    opts: &FuzzOptions,
    w: usize,
    j: usize,
    state: &State,
    replay: Vec<Vec<u8>>,
    coverage: bool,
) -> Result<WorkerDone> {
    let tf = opts.targets_file.as_deref();
    let own = state.jobs > 1 || state.connections > 1 || opts.scale.own_buckets;
    let place = own.then(|| place(state, w, j));
    let state_dir = match &place {
        Some(p) => opts.state_dir.join(p),
        None => opts.state_dir.clone(),
    };
    let at = place.as_deref();
    let (a, a_name) = Executor::open(&opts.a, tf, &state_dir.join("a"), opts.owned, at).await?;
    let (b, b_name) = Executor::open(&opts.b, tf, &state_dir.join("b"), opts.owned, at).await?;
    let mut pair = Pair {
        a,
        b,
        a_name,
        b_name,
        last: RefCell::new(None),
        iteration: std::cell::Cell::new(0),
    };
    let mut me = Worker {
        w,
        lane: j,
        reported: 0,
        state,
        done: WorkerDone::default(),
        features: HashSet::new(),
        corpus: Vec::new(),
    };
    let looped = run_loop(&mut pair, opts, &mut me, replay, coverage).await;
    // Whatever happened, put the buckets back.
    for done in [pair.a.finish().await, pair.b.finish().await] {
        if let Err(e) = done {
            me.done.restore_failures.push(format!("{e:#}"));
        }
    }
    looped?;
    Ok(me.done)
}

/// Where an input of the loop comes from.
enum Origin {
    /// A corpus entry replayed at the start.
    Replay(usize),
    /// The seed's iteration `i` (its `t`-th for this worker).
    Fresh { i: u64 },
}

async fn run_loop(
    pair: &mut Pair,
    opts: &FuzzOptions,
    me: &mut Worker<'_>,
    replay: Vec<Vec<u8>>,
    coverage: bool,
) -> Result<()> {
    let started = Instant::now();
    let deadline = opts.time.map(|t| started + t);
    // This lane's index among the campaign's, and their number: with one
    // lane per worker, the worker's.
    let (lanes, l) = (me.state.lanes(), me.w + me.state.jobs * me.lane);
    let shard = opts.scale.shard;
    let keep = opts.scale.corpus.clone();
    let profiles = (pair.a.profile(), pair.b.profile());
    let mut generator = gen::Generator::default();
    let mut run = Run::default();
    let mut bytes = Vec::new();
    let replays = replay.len();
    me.done.stats.replayed = replays;
    me.corpus = replay;
    let mut t = 0u64;
    let mut r = 0usize;
    loop {
        if me.state.stop.load(Ordering::Relaxed) || deadline.is_some_and(|d| Instant::now() >= d) {
            break;
        }
        let origin = if r < replays {
            r += 1;
            Origin::Replay(r - 1)
        } else {
            if opts
                .iterations
                .is_some_and(|n| Shard::local(lanes, l, t) >= n)
            {
                break;
            }
            Origin::Fresh {
                i: shard.iteration(lanes, l, t),
            }
        };
        // The input, and (with a corpus) the bytes it was generated from.
        let (input, i) = match origin {
            Origin::Replay(k) => {
                let input = generator.from_bytes(&me.corpus[k], &mut bytes);
                (input, shard.iteration(lanes, l, t))
            }
            Origin::Fresh { i } => {
                t += 1;
                if opts.scale.record_streams {
                    me.done.stats.iterations.push(i);
                }
                match (&keep, corpus::pick(&me.corpus, opts.seed, i)) {
                    (Some(_), Some(k)) => {
                        let mut m = Vec::new();
                        corpus::mutate(&me.corpus[k], opts.seed, i, &mut m);
                        (generator.from_bytes(&m, &mut bytes), i)
                    }
                    (Some(_), None) => {
                        let (input, used) = generator.input_with_len(opts.seed, i);
                        bytes.clear();
                        bytes.extend_from_slice(
                            &gen::seed_bytes::<{ gen::SEED_BYTES }>(opts.seed, i)[..used],
                        );
                        (input, i)
                    }
                    (None, _) => (generator.input(opts.seed, i), i),
                }
            }
        };
        pair.iteration.set(i);
        match pair.exec(&input, &mut run).await {
            Ok(()) => {}
            Err(e) => {
                if wedge(pair, opts, e, me).await? {
                    // Go on in a fresh bucket from the next input.
                    continue;
                }
                break;
            }
        }
        me.done.stats.execs += 1;
        me.done.stats.requests += 2 * run.steps.len() as u64;
        let total = me.done.stats.execs + me.done.shrink_execs;
        me.state.execs[me.w]
            .0
            .fetch_add(total - me.reported, Ordering::Relaxed);
        me.reported = total;
        if coverage {
            let mut new = false;
            let mut add = |f: u64| {
                if me.features.insert(f) {
                    new = true;
                }
            };
            features::of_run(&input, &run.steps, &run.a, profiles.0, 0, &mut add);
            features::of_run(&input, &run.steps, &run.b, profiles.1, 1, &mut add);
            if new {
                let mut all = lock(&me.state.features);
                all.extend(me.features.iter().copied());
                me.state.feature_count.store(all.len(), Ordering::Relaxed);
                drop(all);
                if let (Some(dir), Origin::Fresh { .. }) = (&keep, &origin) {
                    corpus::save(dir, &bytes)?;
                    me.corpus.push(bytes.clone());
                    me.done.stats.kept += 1;
                }
            }
        }
        for (_, sig) in run.differences() {
            if let Some(n) = me.done.counts.get_mut(&sig) {
                *n += 1;
                continue;
            }
            me.done.counts.insert(sig.clone(), 1);
            // The first time this worker meets the class: claim it, unless
            // another worker has, from an earlier iteration.
            {
                let mut claims = lock(&me.state.claims);
                match claims.get_mut(&sig) {
                    Some(c) if c.iteration <= i => continue,
                    Some(c) => c.iteration = i,
                    None => {
                        claims.insert(
                            sig.clone(),
                            Claim {
                                iteration: i,
                                found: None,
                            },
                        );
                        lock(&me.state.news).push(sig.clone());
                    }
                }
            }
            let shrunk = shrink(
                pair,
                &input,
                &sig,
                opts.shrink_budget,
                deadline,
                &mut me.done.shrink_execs,
            )
            .await;
            let (small, s_steps, sa, sb) = match shrunk {
                Ok(s) => s,
                Err(e) => {
                    // Let another worker (or a later input) claim it.
                    {
                        let mut claims = lock(&me.state.claims);
                        if claims
                            .get(&sig)
                            .is_some_and(|c| c.iteration == i && c.found.is_none())
                        {
                            claims.remove(&sig);
                        }
                    }
                    wedge(pair, opts, e, me).await?;
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
                &write::Provenance {
                    seed: opts.seed,
                    iteration: i,
                    shard,
                    size: shrink::size(&small),
                    from_corpus: keep.is_some(),
                },
                &opts.date,
            )?;
            // Written only while the claim is still this iteration's (a
            // worker that met the class earlier takes it over).
            let mut claims = lock(&me.state.claims);
            if let Some(c) = claims.get_mut(&sig) {
                if c.iteration == i {
                    write::write(&path, &text)?;
                    let count = c.found.as_ref().map_or(0, |f| f.count);
                    c.found = Some(Found {
                        count,
                        first_iteration: i,
                        case: path,
                        shrunk_requests: small.requests.len(),
                        shrunk_rules: small.config.as_ref().map_or(0, |c| c.rules.len()),
                        worker: me.w,
                    });
                }
            }
        }
        if me.done.wedged.last().is_some_and(|w| w.moved_to.is_none()) {
            break;
        }
        generator.recycle(input);
    }
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
    me: &mut Worker<'_>,
) -> Result<bool> {
    let Some(w) = e.downcast_ref::<Wedged>() else {
        return Err(e);
    };
    let target = w.target.clone();
    me.state.broken.fetch_add(1, Ordering::Relaxed);
    let case = wedge_case(pair, opts, &target, me)?;
    let iteration = pair.iteration.get();
    let moved_to = if target == pair.a_name {
        pair.a.fresh_bucket().await?
    } else {
        pair.b.fresh_bucket().await?
    };
    let go_on = moved_to.is_some() && case.is_some();
    me.done.wedged.push(Wedge {
        target,
        iteration: case.as_ref().map_or(iteration, |(_, i)| *i),
        case: case.map(|(p, _)| p),
        moved_to,
        worker: me.w,
    });
    Ok(go_on)
}

/// The case of the input that broke `target`: the last one both targets
/// answered normally, with their answers.
fn wedge_case(
    pair: &Pair,
    opts: &FuzzOptions,
    target: &str,
    me: &Worker<'_>,
) -> Result<Option<(PathBuf, u64)>> {
    let last = pair.last.borrow_mut().take();
    let Some(last) = last else {
        return Ok(None);
    };
    let sig = Signature(format!(
        "{target} broken after this input: every later reset answers 5xx"
    ));
    let worker = if me.state.jobs > 1 || me.state.connections > 1 {
        format!("-{}", place(me.state, me.w, me.lane))
    } else {
        String::new()
    };
    let name = match me.done.wedged.len() {
        0 => format!("wedged-{target}{worker}.yaml"),
        n => format!("wedged-{target}{worker}-{}.yaml", n + 1),
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
        &write::Provenance {
            seed: opts.seed,
            iteration: last.iteration,
            shard: opts.scale.shard,
            size: shrink::size(&last.input),
            from_corpus: opts.scale.corpus.is_some(),
        },
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
