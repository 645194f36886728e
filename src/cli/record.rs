//! `coscors record`: run cases against an endpoint and write down what it
//! answered (recordings, or a vendor file); `--plan`: what to record next.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;

use coscors::record::{self, VendorRecording};
use coscors::suite::{self, SuiteOptions};
use coscors::target::TargetSpec;

use super::common::{parse_duration, runtime, TargetsFile};

/// Run cases against an endpoint and write down what it answered.
///
/// Without --vendor: each case again, its expectations replaced by the
/// endpoint's answers (volatile values masked), under --out (default
/// `cases/recorded/<target>/`), with `source: recorded:<target>@<date>`.
/// With --vendor NAME: the cases where the endpoint differs from COS go
/// into `cases/vendors/NAME.yaml`, keeping the reasons already written there.
#[derive(clap::Args, Debug)]
pub struct RecordArgs {
    /// Case files or directories.
    #[arg(default_value = "cases")]
    pub paths: Vec<PathBuf>,
    /// The endpoint to record.
    #[arg(long, env = "COSCORS_TARGET", required_unless_present = "plan")]
    pub target: Option<String>,
    /// List, in priority order, the cases a recording against real COS
    /// would raise from inferred or supported, with what each tells
    /// (cases/recording-plan.yaml); records nothing.
    #[arg(long)]
    pub plan: bool,
    /// Wait this long after each change to the CORS configuration (PUT
    /// or DELETE ?cors) before the next request: COS applies changes
    /// after a few seconds. Default 5s for real endpoints, 0 for the
    /// emulator and loopback servers.
    #[arg(long, value_parser = parse_duration)]
    pub settle: Option<std::time::Duration>,
    #[command(flatten)]
    pub targets: TargetsFile,
    /// Write the divergences into cases/vendors/VENDOR.yaml.
    #[arg(long)]
    pub vendor: Option<String>,
    /// Where recordings go (without --vendor).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Record only cases whose id contains this text.
    #[arg(long)]
    pub filter: Vec<String>,
    /// Run even if the bucket's CORS configuration cannot be read.
    #[arg(long)]
    pub i_own_this_bucket: bool,
}

pub fn run(args: RecordArgs) -> Result<ExitCode> {
    if args.plan {
        return plan(&args.paths, &args.filter, args.settle);
    }
    let target = args
        .target
        .ok_or_else(|| anyhow::anyhow!("record: --target is required"))?;
    let mut spec = TargetSpec::resolve(&target, args.targets.targets.as_deref())?;
    spec.settle = record::settle_for(&spec, args.settle);
    // Recording compares with COS's expectations alone, under the vendor's
    // identity headers; a case the vendor file says not to send (it would
    // break the vendor) is not sent.
    let root = super::run::cases_root(&args.paths);
    spec.vendor = args
        .vendor
        .clone()
        .or(spec.vendor.take())
        .filter(|v| coscors::case::vendor::vendor_path(&root, v).exists());
    let opts = SuiteOptions {
        cases_root: root,
        paths: args.paths,
        select: suite::Selection::including(&args.filter)?,
        jobs: 8,
        out_dir: suite::default_out_dir(),
        owned: args.i_own_this_bucket,
        skip: Vec::new(),
        fail_fast: false,
        divergences: false,
    };
    let (cases, load_errors) = suite::load(&opts.paths, &opts.select)?;
    if let Some(e) = load_errors.first() {
        anyhow::bail!("{e}");
    }
    let result = runtime()?.block_on(suite::run(&spec, &opts, |_, _, _| {}))?;
    if result.interrupted {
        anyhow::bail!("interrupted: nothing recorded");
    }
    let date = coscors::clock::today();
    if let Some(name) = args.vendor.as_deref() {
        let path = coscors::case::vendor::vendor_path(&opts.cases_root, name);
        let identity = match &spec.vendor {
            Some(v) => {
                coscors::case::load_records(&opts.cases_root, v)
                    .map_err(|e| anyhow::anyhow!("{e}"))?
                    .identity
            }
            None => Default::default(),
        };
        let n = VendorRecording {
            name,
            spec: &spec,
            identity: &identity,
            date: &date,
        }
        .write(&path, &cases, &result.outcomes)?;
        println!(
            "{n} divergence(s) of {} cases written to {}",
            result.outcomes.len(),
            path.display()
        );
    } else {
        let dir = args
            .out
            .unwrap_or_else(|| opts.cases_root.join("recorded").join(&spec.name));
        let written = record::write_recordings(&dir, &spec, &cases, &result.outcomes, &date)?;
        println!("{written} recording(s) written under {}", dir.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// `coscors record --plan`: the recording plan for the loaded cases.
fn plan(
    paths: &[PathBuf],
    filters: &[String],
    settle: Option<std::time::Duration>,
) -> Result<ExitCode> {
    let (cases, load_errors) = suite::load(paths, &suite::Selection::including(filters)?)?;
    if let Some(e) = load_errors.first() {
        anyhow::bail!("{e}");
    }
    let root = super::run::cases_root(paths);
    let mut entries = record::load_plan(&root)?;
    // For part of the suite (--filter, or a sub-folder), the plan covers
    // the loaded cases only; for the whole suite an id naming no case is an
    // error.
    if !filters.is_empty() || paths.iter().any(|p| *p != root) {
        entries.retain(|e| cases.iter().any(|c| c.id == e.id));
    }
    let lines = record::plan(&entries, &cases)?;
    let wait = settle.unwrap_or(record::DEFAULT_SETTLE);
    print!("{}", record::render_plan(&lines, wait));
    Ok(ExitCode::SUCCESS)
}
