//! `coscors fuzz`: a differential campaign between two targets, and what
//! it prints (progress on stderr, the discrepancies and the closing line on
//! stdout).

use std::io::IsTerminal as _;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, Result};

use coscors::fuzz::FuzzOptions;

use super::common::{parse_duration, TargetsFile};
use super::exit;

/// Differential fuzzing: the same generated inputs to two targets; every
/// difference is classified, shrunk and written as a case file.
///
/// Targets: `model` and `model-s3` (the emulator's handler in process, no
/// HTTP), `emulator`, `emulator-s3`, or any target of the targets file.
/// Deterministic for a seed and a pair of targets.
#[derive(clap::Args, Debug)]
pub struct FuzzArgs {
    /// The first target.
    #[arg(long)]
    pub a: String,
    /// The second target.
    #[arg(long)]
    pub b: String,
    #[command(flatten)]
    pub targets: TargetsFile,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Stop after this long (e.g. 30s, 2m).
    #[arg(long, value_parser = parse_duration)]
    pub time: Option<std::time::Duration>,
    /// Stop after this many generated inputs.
    #[arg(long)]
    pub iterations: Option<u64>,
    /// Where found cases go (default target/coscors/fuzz-<time>/; the
    /// triaged finds under cases/found/ are written only when named).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Exit 1 when a discrepancy class is found that
    /// cases/found/triage.yaml does not triage (for CI).
    #[arg(long)]
    pub fail_on_new: bool,
    /// Executions the shrinker may spend on one discrepancy.
    #[arg(long, default_value_t = 400)]
    pub shrink_budget: usize,
    /// Run even when a target bucket's CORS configuration cannot be read
    /// (it then cannot be put back after the campaign).
    #[arg(long)]
    pub i_own_this_bucket: bool,
    #[command(flatten)]
    pub scale: super::fuzz_scale::ScaleArgs,
}

impl FuzzArgs {
    /// The campaign's options: a minute when neither --time nor
    /// --iterations bounds it.
    pub fn options(self) -> FuzzOptions {
        let time = match (self.time, self.iterations) {
            (None, None) => Some(std::time::Duration::from_secs(60)),
            (t, _) => t,
        };
        FuzzOptions {
            a: self.a,
            b: self.b,
            targets_file: self.targets.targets,
            seed: self.seed,
            time,
            iterations: self.iterations,
            out: self.out.unwrap_or_else(coscors::fuzz::default_out),
            shrink_budget: self.shrink_budget,
            date: coscors::clock::today(),
            state_dir: coscors::suite::default_out_dir(),
            owned: self.i_own_this_bucket,
            scale: self.scale.options(),
        }
    }
}

pub fn run(args: FuzzArgs) -> Result<ExitCode> {
    let fail_on_new = args.fail_on_new;
    let opts = args.options();
    let opts = &opts;
    let live = std::io::stderr().is_terminal();
    // One thread: the campaign's requests are sequential, and an emulator
    // target runs in this process, so cross-thread wake-ups would cost more
    // than they give.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the tokio runtime")?;
    let report = rt.block_on(coscors::fuzz::campaign(
        opts,
        super::fuzz_scale::progress(live),
    ))?;
    if live {
        eprint!("\r\x1b[2K");
    }
    let mut out = std::io::stdout().lock();
    for (sig, f) in &report.found {
        writeln!(
            out,
            "{:>7}×  {}\n          shrunk to {} rule(s), {} request(s): {}",
            f.count,
            sig.0,
            f.shrunk_rules,
            f.shrunk_requests,
            f.case.display()
        )?;
    }
    for w in &report.wedged {
        let then = match &w.moved_to {
            Some(bucket) => format!("went on in a fresh bucket, {bucket}"),
            None => "stopped there".to_string(),
        };
        match &w.case {
            Some(case) => writeln!(
                out,
                "BROKEN: after the input of iteration {} ({}), {} answers its reset (DELETE ?cors) with a 5xx; the campaign {then}",
                w.iteration,
                case.display(),
                w.target,
            )?,
            None => writeln!(
                out,
                "BROKEN: {} answers its reset (DELETE ?cors) with a 5xx with no input to blame (broken before, or at once again); the campaign {then}",
                w.target
            )?,
        }
    }
    for e in &report.restore_failures {
        writeln!(out, "RESTORE FAILED: {e}")?;
    }
    if report.interrupted {
        writeln!(out, "interrupted")?;
    }
    super::fuzz_scale::summary(&mut out, &report)?;
    writeln!(
        out,
        "{} vs {}, seed {}: {} execs in {:.1}s ({:.0} execs/s), {} distinct discrepancies",
        opts.a,
        opts.b,
        opts.seed,
        report.execs,
        report.elapsed.as_secs_f64(),
        report.rate(),
        report.found.len()
    )?;
    // A class is new when cases/found/triage.yaml triages it under neither
    // target's name.
    let triaged = coscors::fuzz::write::triaged_classes(std::path::Path::new("cases"))?;
    let new: Vec<&str> = report
        .found
        .keys()
        .map(|sig| sig.0.as_str())
        .filter(|sig| {
            let class = coscors::fuzz::write::class_name(sig);
            ![&opts.a, &opts.b]
                .iter()
                .any(|t| triaged.get(t.as_str()).is_some_and(|c| c.contains(&class)))
        })
        .collect();
    writeln!(
        out,
        "{} of them not triaged in cases/found/triage.yaml{}",
        new.len(),
        if fail_on_new && !new.is_empty() {
            " (--fail-on-new: exit 1)"
        } else {
            ""
        }
    )?;
    Ok(if report.interrupted {
        exit::code(exit::INTERRUPTED)
    } else if !report.restore_failures.is_empty() || (fail_on_new && !new.is_empty()) {
        exit::code(exit::FAILED)
    } else {
        exit::code(exit::OK)
    })
}
