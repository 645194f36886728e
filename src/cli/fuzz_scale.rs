//! `coscors fuzz` at scale: `--jobs`, `--shard` and `--corpus` (flattened
//! into the `fuzz` subcommand's arguments), the live progress line and the
//! per-worker summary.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use coscors::fuzz::{FuzzReport, Progress, ScaleOptions, Shard};

/// Workers, shards and the corpus of a campaign.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct ScaleArgs {
    /// Workers, each an OS thread with its own stream of inputs (from the
    /// seed and its index) and, on an HTTP target, its own bucket
    /// (`<bucket>-w<k>`, created). Default: the machine's cores; 1 when a
    /// target cannot create buckets. Same seed and --jobs, same inputs.
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Inputs each worker keeps in flight over HTTP, each on keep-alive
    /// connections of its own and, on a shared target, in a bucket of its
    /// own (`<bucket>-w<k>-c<j>`, created). Default: 8 against a server
    /// that can create buckets, 4 with embedded emulators on
    /// --server-threads, else 1. Same seed, --jobs and --connections,
    /// same inputs and finds.
    #[arg(long, value_name = "C")]
    pub connections: Option<usize>,
    /// Embedded emulator targets answer on a server thread of each
    /// worker's own, not on the worker's thread (for a machine with more
    /// cores than workers; `bench --fuzz` times both arrangements).
    #[arg(long)]
    pub server_threads: bool,
    /// Run machine K's part of the seed's inputs, of N machines (1-based:
    /// iterations i with i % N == K-1); each find records seed and shard.
    /// Merge the machines' finds with `coscors found merge`.
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    pub shard: Option<Shard>,
    /// In-process targets: keep every input that reaches new model
    /// behaviour (rule matched, validation error, branch) in DIR, and
    /// resume from the inputs already there (replayed, then mutated).
    #[arg(long, value_name = "DIR")]
    pub corpus: Option<PathBuf>,
}

fn parse_shard(s: &str) -> Result<Shard, String> {
    s.parse().map_err(|e: anyhow::Error| format!("{e:#}"))
}

impl ScaleArgs {
    /// The library's options.
    pub fn options(&self) -> ScaleOptions {
        ScaleOptions {
            jobs: self.jobs,
            connections: self.connections,
            server_threads: self.server_threads,
            shard: self.shard.unwrap_or_default(),
            corpus: self.corpus.clone(),
            coverage: self.corpus.is_some(),
            record_streams: false,
            own_buckets: false,
        }
    }
}

/// The progress line: on a terminal, one line rewritten at most four times
/// a second; elsewhere (CI logs), a plain line every ten seconds. New
/// classes are printed as they come, on lines of their own.
pub fn progress(live: bool) -> impl FnMut(&Progress<'_>) {
    let mut last_plain: Option<Instant> = None;
    move |p| {
        if let Some(sig) = p.latest {
            if live {
                eprint!("\r\x1b[2K");
            }
            eprintln!("new discrepancy: {}", sig.0);
        }
        let line = line(p);
        if live {
            eprint!("\r\x1b[2K{line}");
        } else if p.latest.is_none()
            && last_plain.is_none_or(|t| t.elapsed() >= Duration::from_secs(10))
        {
            last_plain = Some(Instant::now());
            eprintln!("{line}");
        }
    }
}

fn line(p: &Progress<'_>) -> String {
    let secs = p.elapsed.as_secs_f64().max(1e-9);
    let mut line = format!(
        "{} execs  {:.0} execs/s  {} classes  {} broken",
        p.execs,
        p.execs as f64 / secs,
        p.distinct,
        p.broken
    );
    if p.features > 0 {
        line.push_str(&format!("  {} features", p.features));
    }
    if p.workers.len() > 1 {
        let per: Vec<String> = p
            .workers
            .iter()
            .map(|n| format!("{:.0}", *n as f64 / secs))
            .collect();
        line.push_str(&format!("  [{}/s]", per.join(" ")));
    }
    line.push_str(&format!("  {:.0}s", p.elapsed.as_secs_f64()));
    line
}

/// The campaign's workers, shard and corpus, after the classes.
pub fn summary(out: &mut impl std::io::Write, report: &FuzzReport) -> std::io::Result<()> {
    let secs = report.elapsed.as_secs_f64().max(1e-9);
    if report.jobs > 1 {
        let per: Vec<String> = report
            .workers
            .iter()
            .enumerate()
            .map(|(k, w)| format!("w{k} {} ({:.0}/s)", w.execs, w.execs as f64 / secs))
            .collect();
        writeln!(out, "{} workers: {}", report.jobs, per.join(", "))?;
    }
    if report.connections > 1 {
        writeln!(
            out,
            "{} inputs in flight per worker, each on connections of its own",
            report.connections
        )?;
    }
    if report.shard.count > 1 {
        writeln!(out, "shard {}", report.shard)?;
    }
    if report.features > 0 || report.corpus_loaded > 0 {
        let kept: usize = report.workers.iter().map(|w| w.kept).sum();
        writeln!(
            out,
            "{} model features reached; corpus: {} entries replayed, {kept} kept",
            report.features, report.corpus_loaded
        )?;
    }
    out.flush()
}
