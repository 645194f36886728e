//! The `coscors` command line.

use std::io::IsTerminal as _;
use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use clap::{Parser, Subcommand};

use coscors::emulator::{self, EmulatorConfig};
use coscors::model::Profile;
use coscors::sign::Credentials;
use coscors::suite::{self, SuiteOptions};
use coscors::target::TargetSpec;

#[derive(Parser)]
#[command(
    name = "coscors",
    version = coscors::build_info::LONG_VERSION,
    about = "Conformance harness, reference emulator and differential fuzzer for Tencent COS CORS",
    long_about = None
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run case files against a target and report every difference.
    ///
    /// Each case gets a verdict: conforms (answers as COS), diverges as
    /// recorded (as the vendor file says), fails (neither), not run (the
    /// vendor file's reason), or divergence fixed. Ends with the evidence
    /// grades of the cases run and `N passed, N failed, N skipped` on a line
    /// of its own, where failed counts *fails* only and skipped *not run*;
    /// exits 1 if any case fails (or, with --strict, a divergence is fixed),
    /// 2 on a usage or load error.
    Run {
        /// Case files or directories (searched for *.yaml, `vendors/` skipped).
        #[arg(default_value = "cases")]
        paths: Vec<PathBuf>,
        /// Target: `emulator` (default), `emulator-s3`, a name from the
        /// targets file, or http://host:port. Repeat to run several targets
        /// (concurrently: they are independent).
        #[arg(long, env = "COSCORS_TARGET", default_value = "emulator")]
        target: Vec<String>,
        /// The targets file (default: $COSCORS_TARGETS, then ./targets.yaml).
        #[arg(long)]
        targets: Option<PathBuf>,
        /// Write results.json, junit-<target>.xml, summary.md and index.html here.
        #[arg(long)]
        report: Option<PathBuf>,
        /// Where the run keeps the bucket's saved configuration.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Run even if the bucket's CORS configuration cannot be read (and so
        /// cannot be restored).
        #[arg(long)]
        i_own_this_bucket: bool,
        /// Run only cases whose id contains this text (repeat: any of them).
        #[arg(long)]
        filter: Vec<String>,
        /// Cases run at once on targets where each case has its own server.
        #[arg(long, default_value_t = 8)]
        jobs: usize,
        /// Run only cases of this evidence grade: settled, supported or
        /// inferred (repeat: any of them).
        #[arg(long, value_parser = clap::value_parser!(coscors::case::Evidence))]
        evidence: Vec<coscors::case::Evidence>,
        /// A divergence the target no longer shows fails the run too (keeps
        /// vendor files true).
        #[arg(long)]
        strict: bool,
    },
    /// Print the JSON Schema of the case format, or of vendor files or
    /// targets files (for editors: see README).
    Schema {
        /// The schema of vendor files (`cases/vendors/*.yaml`).
        #[arg(long, conflicts_with = "targets")]
        vendor: bool,
        /// The schema of targets files (`targets.yaml`).
        #[arg(long)]
        targets: bool,
    },
    /// Print a shell completion script: `coscors completions bash >
    /// /etc/bash_completion.d/coscors` (bash, zsh, fish, elvish, powershell).
    Completions { shell: clap_complete::Shell },
    /// Print the man page (roff): `coscors man > coscors.1`.
    Man,
    /// Re-render summary.md, junit and index.html from a report folder's
    /// results.json, or list what changed between two runs.
    Report {
        /// The report folder (holding results.json).
        dir: Option<PathBuf>,
        /// Compare two report folders (or results.json files): OLD NEW.
        #[arg(long, num_args = 2, value_names = ["OLD", "NEW"])]
        compare: Vec<PathBuf>,
    },
    /// Run cases against an endpoint and write down what it answered.
    ///
    /// Without --vendor: each case again, its expectations replaced by the
    /// endpoint's answers (volatile values masked), under --out (default
    /// `cases/recorded/<target>/`), with `source: recorded:<target>@<date>`.
    /// With --vendor NAME: the cases where the endpoint differs from COS go
    /// into `cases/vendors/NAME.yaml`, keeping the reasons already written there.
    Record {
        /// Case files or directories.
        #[arg(default_value = "cases")]
        paths: Vec<PathBuf>,
        /// The endpoint to record.
        #[arg(long, env = "COSCORS_TARGET")]
        target: String,
        /// The targets file (default: $COSCORS_TARGETS, then ./targets.yaml).
        #[arg(long)]
        targets: Option<PathBuf>,
        /// Write the divergences into cases/vendors/VENDOR.yaml.
        #[arg(long)]
        vendor: Option<String>,
        /// Where recordings go (without --vendor).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Record only cases whose id contains this text.
        #[arg(long)]
        filter: Vec<String>,
        /// Run even if the bucket's CORS configuration cannot be read.
        #[arg(long)]
        i_own_this_bucket: bool,
    },
    /// Differential fuzzing: the same generated inputs to two targets; every
    /// difference is classified, shrunk and written as a case file.
    ///
    /// Targets: `model` and `model-s3` (the emulator's handler in process, no
    /// HTTP), `emulator`, `emulator-s3`, or any target of the targets file.
    /// Deterministic for a seed and a pair of targets.
    Fuzz {
        /// The first target.
        #[arg(long)]
        a: String,
        /// The second target.
        #[arg(long)]
        b: String,
        /// The targets file (default: $COSCORS_TARGETS, then ./targets.yaml).
        #[arg(long)]
        targets: Option<PathBuf>,
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Stop after this long (e.g. 30s, 2m).
        #[arg(long, value_parser = parse_duration)]
        time: Option<std::time::Duration>,
        /// Stop after this many generated inputs.
        #[arg(long)]
        iterations: Option<u64>,
        /// Where found cases go (default cases/found/).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Executions the shrinker may spend on one discrepancy.
        #[arg(long, default_value_t = 400)]
        shrink_budget: usize,
        /// Run even when a target bucket's CORS configuration cannot be read
        /// (it then cannot be put back after the campaign).
        #[arg(long)]
        i_own_this_bucket: bool,
    },
    /// Write the fuzz targets' seed corpus from the case files.
    ///
    /// `fuzz/seeds/xml_roundtrip/`: every body PUT to `?cors` and every
    /// configuration written as XML; `fuzz/seeds/emulator_handler/`: every
    /// request as raw HTTP; `fuzz/seeds/model_eval/`: generator inputs.
    Corpus {
        /// Case files or directories.
        #[arg(default_value = "cases")]
        paths: Vec<PathBuf>,
        #[arg(long, default_value = "fuzz/seeds")]
        out: PathBuf,
    },
    /// Measure the emulator's preflight requests/s beside a bare hyper server.
    ///
    /// Both run in this process on one worker thread each; the load comes
    /// from a third thread over loopback. `--peer LABEL=http://HOST:PORT/BUCKET`
    /// times another server (moto, s3rver, ...) with the same preflight.
    Bench {
        /// Keep-alive connections.
        #[arg(long, default_value_t = 16)]
        connections: usize,
        /// Measured seconds per server.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Interleaved windows the measured seconds are split into (with
        /// `--fuzz`: the in-process windows, whose median and best are shown).
        #[arg(long, default_value_t = 5)]
        rounds: u32,
        /// Another server to time: LABEL=http://HOST:PORT/BUCKET (path-style).
        #[arg(long = "peer")]
        peers: Vec<String>,
        /// Measure the fuzzer instead: execs/s in process and over loopback,
        /// beside a bare hyper round trip.
        #[arg(long)]
        fuzz: bool,
    },
    /// Run the COS emulator as a standalone HTTP server.
    ///
    /// Prints `listening on http://IP:PORT` as its first line on stdout, then
    /// serves until interrupted (Ctrl-C or SIGTERM).
    Serve {
        /// Address to listen on; port 0 picks a free port.
        #[arg(long, default_value = "127.0.0.1:0")]
        listen: SocketAddr,
        /// Whose behaviour to reproduce: `cos` (the reference) or `s3`.
        #[arg(long, default_value = "cos")]
        profile: Profile,
        /// A bucket that exists from the start (repeat for more).
        #[arg(long = "bucket", default_value = emulator::DEFAULT_BUCKET)]
        buckets: Vec<String>,
        /// Region used in error `Resource`s when the Host names none.
        #[arg(long, default_value = emulator::DEFAULT_REGION)]
        region: String,
        /// Check signatures: the SecretId (AWS access key id) requests must be signed with.
        #[arg(long, env = "COSCORS_EMULATOR_SECRET_ID", requires = "secret_key")]
        secret_id: Option<String>,
        /// The SecretKey (AWS secret access key) that goes with --secret-id.
        #[arg(
            long,
            env = "COSCORS_EMULATOR_SECRET_KEY",
            requires = "secret_id",
            hide_env_values = true
        )]
        secret_key: Option<String>,
        /// Temporary credentials: the token requests must carry
        /// (`x-cos-security-token` / `x-amz-security-token`).
        #[arg(
            long,
            env = "COSCORS_EMULATOR_SESSION_TOKEN",
            requires = "secret_id",
            hide_env_values = true
        )]
        session_token: Option<String>,
    },
}

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    match real_main() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("coscors: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn real_main() -> Result<ExitCode> {
    let cli = Cli::parse();
    match cli.command {
        Command::Run {
            paths,
            target,
            targets,
            report,
            out,
            i_own_this_bucket,
            filter,
            jobs,
            evidence,
            strict,
        } => {
            let specs = target
                .iter()
                .map(|t| TargetSpec::resolve(t, targets.as_deref()))
                .collect::<Result<Vec<_>>>()?;
            let opts = SuiteOptions {
                cases_root: cases_root(&paths),
                paths,
                filters: filter,
                jobs,
                out_dir: out.unwrap_or_else(suite::default_out_dir),
                owned: i_own_this_bucket,
                skip: Vec::new(),
                evidence,
                divergences: true,
            };
            run(&specs, &opts, report.as_deref(), strict)
        }
        Command::Report { dir, compare } => report_cmd(dir.as_deref(), &compare),
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cmd, "coscors", &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
        Command::Man => {
            let cmd = <Cli as clap::CommandFactory>::command();
            clap_mangen::Man::new(cmd).render(&mut std::io::stdout())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Schema { vendor, targets } => {
            let schema = if vendor {
                coscors::case::vendor::json_schema()
            } else if targets {
                coscors::target::config::json_schema()
            } else {
                coscors::case::json_schema()
            };
            println!("{}", serde_json::to_string_pretty(&schema)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Record {
            paths,
            target,
            targets,
            vendor,
            out,
            filter,
            i_own_this_bucket,
        } => {
            let mut spec = TargetSpec::resolve(&target, targets.as_deref())?;
            // Recording compares with COS's expectations alone, under the
            // vendor's identity headers; a case the vendor file says not to
            // send (it would break the vendor) is not sent.
            let root = cases_root(&paths);
            spec.vendor = vendor
                .clone()
                .or(spec.vendor.take())
                .filter(|v| coscors::case::vendor::vendor_path(&root, v).exists());
            let opts = SuiteOptions {
                cases_root: root,
                paths,
                filters: filter,
                jobs: 8,
                out_dir: suite::default_out_dir(),
                owned: i_own_this_bucket,
                skip: Vec::new(),
                evidence: Vec::new(),
                divergences: false,
            };
            record(&spec, &opts, vendor.as_deref(), out)
        }
        Command::Fuzz {
            a,
            b,
            targets,
            seed,
            time,
            iterations,
            out,
            shrink_budget,
            i_own_this_bucket,
        } => {
            let time = match (time, iterations) {
                (None, None) => Some(std::time::Duration::from_secs(60)),
                (t, _) => t,
            };
            let opts = coscors::fuzz::FuzzOptions {
                a,
                b,
                targets_file: targets,
                seed,
                time,
                iterations,
                out: out
                    .unwrap_or_else(|| coscors::fuzz::default_out(std::path::Path::new("cases"))),
                shrink_budget,
                date: today(),
                state_dir: suite::default_out_dir(),
                owned: i_own_this_bucket,
            };
            fuzz(&opts)
        }
        Command::Corpus { paths, out } => corpus(&paths, &out),
        Command::Bench {
            connections,
            seconds,
            rounds,
            peers,
            fuzz,
        } => {
            if fuzz {
                print!("{}", coscors::bench::fuzz_speed(seconds, rounds)?);
                Ok(ExitCode::SUCCESS)
            } else {
                bench(connections, seconds, rounds, &peers)
            }
        }
        Command::Serve {
            listen,
            profile,
            buckets,
            region,
            secret_id,
            secret_key,
            session_token,
        } => {
            let credentials = match (secret_id, secret_key) {
                (Some(id), Some(secret)) => Some(Credentials {
                    id,
                    secret,
                    token: session_token,
                }),
                _ => None,
            };
            serve(
                listen,
                EmulatorConfig {
                    profile,
                    region,
                    buckets,
                    credentials,
                },
            )
        }
    }
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the tokio runtime")
}

fn serve(listen: SocketAddr, config: EmulatorConfig) -> Result<ExitCode> {
    runtime()?.block_on(async {
        let handle = emulator::spawn(listen, config)
            .await
            .with_context(|| format!("listening on {listen}"))?;
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on {}", handle.url())?;
        out.flush()?;
        drop(out);
        suite::stop_signal().await;
        Ok(ExitCode::SUCCESS)
    })
}

/// The `cases` folder the paths are in (for `vendors/`): the nearest
/// ancestor of the first path named `cases`, else `./cases`.
fn cases_root(paths: &[PathBuf]) -> PathBuf {
    paths
        .first()
        .and_then(|p| {
            p.ancestors()
                .find(|a| a.file_name().is_some_and(|n| n == "cases"))
        })
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("cases"))
}

fn rfc3339_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let d = coscors::sign::sigv4::format_amz_date(secs);
    format!(
        "{}-{}-{}T{}:{}:{}Z",
        &d[0..4],
        &d[4..6],
        &d[6..8],
        &d[9..11],
        &d[11..13],
        &d[13..15]
    )
}

fn run(
    specs: &[TargetSpec],
    opts: &SuiteOptions,
    report: Option<&std::path::Path>,
    strict: bool,
) -> Result<ExitCode> {
    let progress = std::io::stderr().is_terminal() && specs.len() == 1;
    let rt = runtime()?;
    let results = rt.block_on(async {
        let mut set = tokio::task::JoinSet::new();
        for (i, spec) in specs.iter().cloned().enumerate() {
            let mut o = opts.clone();
            if specs.len() > 1 {
                o.out_dir = o.out_dir.join(coscors::report::sanitize(&spec.name));
            }
            set.spawn(async move {
                let r = suite::run(&spec, &o, |i, total, c| {
                    if progress {
                        eprint!("\r\x1b[2K[{i}/{total}] {}", c.id);
                    }
                })
                .await;
                (i, spec, o, r)
            });
        }
        let mut all = Vec::new();
        while let Some(r) = set.join_next().await {
            all.push(r.context("a target's run panicked")?);
        }
        all.sort_by_key(|(i, ..)| *i);
        anyhow::Ok(all)
    })?;
    if progress {
        eprint!("\r\x1b[2K");
    }
    let mut out = std::io::stdout().lock();
    let mut tally = Tally::default();
    let mut interrupted = false;
    let mut all_outcomes = Vec::new();
    let mut restore_failed = false;
    for (_, spec, o, result) in results {
        let result = result.with_context(|| format!("target {}", spec.name))?;
        for e in &result.load_errors {
            eprintln!("{e}");
        }
        tally.add(&print_target(&mut out, &spec, &o, &result, strict)?);
        interrupted |= result.interrupted;
        restore_failed |= matches!(result.restore, Some(Err(_)));
        all_outcomes.extend(result.outcomes);
    }
    if let Some(dir) = report {
        let infos = specs
            .iter()
            .map(|s| coscors::report::TargetInfo {
                name: s.name.clone(),
                profile: s.profile.name().to_string(),
                vendor: s.vendor.clone(),
            })
            .collect();
        let results = coscors::report::Results::from_outcomes(infos, &all_outcomes, rfc3339_now());
        coscors::report::write_all(dir, &results)?;
        writeln!(out, "report written to {}", dir.display())?;
    }
    // Each case once, whatever the number of targets.
    let mut grades: std::collections::BTreeMap<&str, coscors::case::Evidence> = Default::default();
    for o in &all_outcomes {
        grades.insert(&o.id, o.evidence);
    }
    let graded: Vec<String> = coscors::case::Evidence::ALL
        .iter()
        .map(|e| format!("{} {e}", grades.values().filter(|g| *g == e).count()))
        .collect();
    writeln!(out, "evidence: {}", graded.join(", "))?;
    writeln!(
        out,
        "{} passed, {} failed, {} skipped",
        tally.passed, tally.failed, tally.skipped
    )?;
    if interrupted {
        return Ok(ExitCode::from(130));
    }
    Ok(if tally.failed == 0 && !restore_failed {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// What the closing line counts: *fails* (and load errors) as failed,
/// *not run* as skipped, every other verdict as passed.
#[derive(Default)]
struct Tally {
    passed: usize,
    failed: usize,
    skipped: usize,
}

impl Tally {
    fn add(&mut self, other: &Tally) {
        self.passed += other.passed;
        self.failed += other.failed;
        self.skipped += other.skipped;
    }
}

/// Print one target's failures, its verdict counts and scores.
fn print_target(
    out: &mut impl std::io::Write,
    spec: &TargetSpec,
    opts: &SuiteOptions,
    result: &suite::SuiteResult,
    strict: bool,
) -> Result<Tally> {
    use coscors::runner::Verdict;
    let mut tally = Tally {
        failed: result.load_errors.len(),
        ..Default::default()
    };
    for o in &result.outcomes {
        if o.verdict.gates(strict) {
            tally.failed += 1;
        } else if matches!(o.verdict, Verdict::NotRun(_)) {
            tally.skipped += 1;
        } else {
            tally.passed += 1;
        }
        let report = o.report();
        if !report.is_empty() {
            writeln!(out, "{report}")?;
        }
    }
    // Every normalisation that forgave something, counted over all steps.
    let mut applied: std::collections::BTreeMap<&str, usize> = Default::default();
    for o in &result.outcomes {
        for s in &o.steps {
            for (n, _) in &s.comparison.applied {
                *applied.entry(n.name()).or_default() += 1;
            }
        }
    }
    if !applied.is_empty() {
        let list: Vec<String> = applied.iter().map(|(n, c)| format!("{n} ×{c}")).collect();
        writeln!(
            out,
            "normalised: {} (per case, `exact:` turns any of them off)",
            list.join(", ")
        )?;
    }
    if result.interrupted {
        writeln!(out, "interrupted after {} case(s)", result.outcomes.len())?;
    }
    if !result.leftover_keys.is_empty() {
        writeln!(out, "could not delete: {}", result.leftover_keys.join(", "))?;
    }
    match &result.restore {
        Some(Ok(())) => writeln!(
            out,
            "the bucket's CORS configuration was restored (saved copy in {})",
            opts.out_dir.display()
        )?,
        Some(Err(e)) => writeln!(
            out,
            "RESTORE FAILED: {e}; the saved configuration is in {}",
            opts.out_dir.display()
        )?,
        None => {}
    }
    let count = |f: fn(&Verdict) -> bool| result.outcomes.iter().filter(|o| f(&o.verdict)).count();
    let total = result.outcomes.len();
    let as_cos = result
        .outcomes
        .iter()
        .filter(|o| o.as_cos == Some(true))
        .count();
    let mut line = format!(
        "target {}: {} conforms, {} diverges as recorded, {} fails, {} not run, {} divergence fixed; answers as COS in {as_cos}/{total} ({:.1}%)",
        spec.name,
        count(|v| matches!(v, Verdict::Conforms)),
        count(|v| matches!(v, Verdict::DivergesAsRecorded(_))),
        count(|v| matches!(v, Verdict::Fails | Verdict::Error(_))),
        count(|v| matches!(v, Verdict::NotRun(_))),
        count(|v| matches!(v, Verdict::DivergenceFixed)),
        percent(as_cos, total)
    );
    if spec.profile == coscors::model::Profile::S3 {
        let as_s3 = result
            .outcomes
            .iter()
            .filter(|o| o.as_s3 == Some(true))
            .count();
        line.push_str(&format!(
            ", as the s3 profile in {as_s3}/{total} ({:.1}%)",
            percent(as_s3, total)
        ));
    }
    if let Some(v) = &spec.vendor {
        line.push_str(&format!(
            " [records: {}]",
            coscors::case::vendor::vendor_path(&opts.cases_root, v).display()
        ));
    }
    writeln!(out, "{line}")?;
    Ok(tally)
}

fn percent(n: usize, of: usize) -> f64 {
    if of == 0 {
        0.0
    } else {
        100.0 * n as f64 / of as f64
    }
}

fn report_cmd(dir: Option<&std::path::Path>, compare: &[PathBuf]) -> Result<ExitCode> {
    let results_path = |p: &std::path::Path| {
        if p.is_dir() {
            p.join("results.json")
        } else {
            p.to_path_buf()
        }
    };
    if let [old, new] = compare {
        let (a, b) = (
            coscors::report::load(&results_path(old))?,
            coscors::report::load(&results_path(new))?,
        );
        let mut changes = coscors::report::compare(&a, &b);
        let mut out = std::io::stdout().lock();
        // A target in one run only is one line; of an added target's cells
        // only those that fail follow (new failures), a removed one's none.
        let (removed, added) = coscors::report::target_changes(&a, &b);
        for (t, n) in &removed {
            writeln!(out, "target removed: {t} ({n} cases)")?;
        }
        for (t, n) in &added {
            writeln!(out, "target added: {t} ({n} cases)")?;
        }
        changes.retain(|(_, t, _, vb)| {
            !removed.iter().any(|(r, _)| r == t)
                && (!added.iter().any(|(a, _)| a == t) || vb.is_some_and(|v| !v.ok()))
        });
        let name = |v: Option<coscors::report::VerdictKind>| v.map_or("absent", |v| v.name());
        let (mut new_failures, mut fixed) = (0, 0);
        for (case, target, va, vb) in &changes {
            let kind = match (va.map(|v| v.ok()), vb.map(|v| v.ok())) {
                (Some(true) | None, Some(false)) => {
                    new_failures += 1;
                    "NEW FAILURE"
                }
                (Some(false), Some(true) | None) => {
                    fixed += 1;
                    "fixed"
                }
                _ => "changed",
            };
            writeln!(
                out,
                "{kind:<12} {case} on {target}: {} -> {}",
                name(*va),
                name(*vb)
            )?;
        }
        writeln!(
            out,
            "{} changed cell(s): {new_failures} new failure(s), {fixed} fixed",
            changes.len()
        )?;
        return Ok(if new_failures == 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        });
    }
    let dir = dir.ok_or_else(|| anyhow::anyhow!("give a report folder, or --compare OLD NEW"))?;
    let results = coscors::report::load(&results_path(dir))?;
    coscors::report::render(dir, &results)?;
    println!(
        "re-rendered summary.md, junit-*.xml and index.html in {}",
        dir.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: u64 = num
        .parse()
        .map_err(|_| format!("{s:?}: expected e.g. 30s, 2m, 1h"))?;
    let secs = match unit {
        "" | "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        _ => return Err(format!("{s:?}: unit must be s, m or h")),
    };
    Ok(std::time::Duration::from_secs(secs))
}

fn fuzz(opts: &coscors::fuzz::FuzzOptions) -> Result<ExitCode> {
    let live = std::io::stderr().is_terminal();
    // One thread: the campaign's requests are sequential, and an emulator
    // target runs in this process, so cross-thread wake-ups would cost more
    // than they give.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the tokio runtime")?;
    let report = rt.block_on(coscors::fuzz::campaign(opts, |p| {
        let rate = p.execs as f64 / p.elapsed.as_secs_f64().max(1e-9);
        if let Some(sig) = p.latest {
            if live {
                eprint!("\r\x1b[2K");
            }
            eprintln!("new discrepancy: {}", sig.0);
        }
        if live {
            eprint!(
                "\r\x1b[2K{} execs  {:.0} execs/s  {} distinct  {:.0}s",
                p.execs,
                rate,
                p.distinct,
                p.elapsed.as_secs_f64()
            );
        }
    }))?;
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
    Ok(if report.interrupted {
        ExitCode::from(130)
    } else if !report.restore_failures.is_empty() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn corpus(paths: &[PathBuf], out: &std::path::Path) -> Result<ExitCode> {
    use coscors::case::{Body, CorsSetup};
    use coscors::model::{xml, Profile};
    let (cases, errors) = suite::load(paths, &[], &[])?;
    if let Some(e) = errors.first() {
        anyhow::bail!("{e}");
    }
    let mut n = 0usize;
    let mut put = |dir: &str, name: String, bytes: &[u8]| -> Result<()> {
        let d = out.join(dir);
        std::fs::create_dir_all(&d)?;
        std::fs::write(d.join(name), bytes)?;
        n += 1;
        Ok(())
    };
    for c in &cases {
        let id = c.id.replace(['/', ':'], "_");
        if let CorsSetup::Config(cfg) = &c.case.bucket.cors {
            put(
                "xml_roundtrip",
                format!("{id}.setup.xml"),
                xml::write(cfg, Profile::Cos).as_bytes(),
            )?;
        }
        for (i, s) in c.case.steps.iter().enumerate() {
            let r = &s.request;
            let body = match &r.body {
                Some(Body::Text(t)) => t.clone().into_bytes(),
                // Large generated bodies are left to the fuzzer.
                _ => Vec::new(),
            };
            if r.query.as_deref() == Some("cors") && r.method.0 == "PUT" && !body.is_empty() {
                put("xml_roundtrip", format!("{id}.{i}.xml"), &body)?;
            }
            let mut raw = format!(
                "{} {}{} HTTP/1.1\r\nHost: {}.cos.{}.myqcloud.com\r\n",
                r.method.0,
                r.path.0,
                r.query
                    .as_deref()
                    .map(|q| format!("?{q}"))
                    .unwrap_or_default(),
                coscors::emulator::DEFAULT_BUCKET,
                coscors::emulator::DEFAULT_REGION
            );
            for (k, v) in r.headers.pairs() {
                raw.push_str(&format!("{k}: {v}\r\n"));
            }
            raw.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
            let mut raw = raw.into_bytes();
            raw.extend_from_slice(&body);
            put("emulator_handler", format!("{id}.{i}.http"), &raw)?;
        }
    }
    for i in 0..64u64 {
        put(
            "model_eval",
            format!("seed-{i}"),
            &coscors::fuzz::gen::seed_bytes::<{ coscors::fuzz::gen::SEED_BYTES }>(0, i),
        )?;
    }
    println!("{n} seed files written under {}", out.display());
    Ok(ExitCode::SUCCESS)
}

fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let d = coscors::sign::sigv4::format_amz_date(secs);
    format!("{}-{}-{}", &d[0..4], &d[4..6], &d[6..8])
}

fn record(
    spec: &TargetSpec,
    opts: &SuiteOptions,
    vendor: Option<&str>,
    out: Option<PathBuf>,
) -> Result<ExitCode> {
    use coscors::case::{vendor::vendor_path, Divergence, VendorFile};
    use coscors::record;
    let (cases, load_errors) = suite::load(&opts.paths, &opts.filters, &opts.evidence)?;
    if let Some(e) = load_errors.first() {
        anyhow::bail!("{e}");
    }
    let result = runtime()?.block_on(suite::run(spec, opts, |_, _, _| {}))?;
    if result.interrupted {
        anyhow::bail!("interrupted: nothing recorded");
    }
    let by_id: std::collections::HashMap<&str, &coscors::case::LoadedCase> =
        cases.iter().map(|c| (c.id.as_str(), c)).collect();
    let date = today();
    match vendor {
        Some(name) => {
            let path = vendor_path(&opts.cases_root, name);
            let old: VendorFile = match std::fs::read_to_string(&path) {
                Ok(t) => serde_norway::from_str(&t)
                    .with_context(|| format!("reading {}", path.display()))?,
                Err(_) => VendorFile::default(),
            };
            // What was observed (software, version) is a person's words:
            // kept when the file has them.
            let mut file = VendorFile {
                vendor: name.to_string(),
                observed: old.observed.clone(),
                base: None,
                identity: old.identity.clone(),
                divergences: Default::default(),
            };
            let identity = match &spec.vendor {
                Some(v) => {
                    coscors::case::load_records(&opts.cases_root, v)
                        .map_err(|e| anyhow::anyhow!("{e}"))?
                        .identity
                }
                None => Default::default(),
            };
            if old.observed.is_empty() {
                file.observed = format!("{}, recorded {date}", spec.name);
            }
            for o in &result.outcomes {
                let Some(case) = by_id.get(o.id.as_str()) else {
                    continue;
                };
                let first = o
                    .steps
                    .iter()
                    .flat_map(|s| s.comparison.mismatches.first())
                    .next()
                    .map(|m| m.what.clone())
                    .unwrap_or_else(|| "error".into());
                let prior: Option<&Divergence> = old.divergences.get(&o.id);
                let reason = prior
                    .map(|d| d.reason.clone())
                    .unwrap_or_else(|| format!("UNTRIAGED: {first}"));
                if let Some(mut d) = record::divergence_of(case, o, &reason, &identity) {
                    d.link = prior.and_then(|p| p.link.clone());
                    file.divergences.insert(o.id.clone(), d);
                }
            }
            for (id, d) in &old.divergences {
                if d.skip {
                    file.divergences.insert(id.clone(), d.clone());
                }
            }
            let n = file.divergences.len();
            let text = format!(
                "# What {name} does where it differs from COS, case by case. Written by\n# `coscors record --target {} --vendor {name}`; the reasons are a person's.\n{}",
                spec.name,
                serde_norway::to_string(&file)?
            );
            std::fs::create_dir_all(path.parent().unwrap_or(std::path::Path::new(".")))?;
            std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
            println!(
                "{n} divergence(s) of {} cases written to {}",
                result.outcomes.len(),
                path.display()
            );
        }
        None => {
            let dir = out.unwrap_or_else(|| opts.cases_root.join("recorded").join(&spec.name));
            let mut written = 0;
            for o in &result.outcomes {
                let Some(case) = by_id.get(o.id.as_str()) else {
                    continue;
                };
                let mut c = case.case.clone();
                c.source = coscors::case::Sources::one(coscors::case::Source(format!(
                    "recorded:{}@{date}",
                    spec.name
                )));
                // A recording of a real COS bucket settles what it shows;
                // a recording of anything else says nothing about COS.
                c.evidence = if spec.profile == coscors::model::Profile::Cos
                    && !matches!(spec.endpoint, coscors::target::Endpoint::Emulator)
                {
                    coscors::case::Evidence::Settled
                } else {
                    coscors::case::Evidence::Inferred
                };
                c.description = format!(
                    "{} (Recorded from {} on {date}; the case's documented source is {}.)",
                    c.description, spec.name, case.case.source
                );
                for (step, s) in c.steps.iter_mut().zip(&o.steps) {
                    if let Some(obs) = &s.observed {
                        step.expect = record::observed_as_expect(&step.expect, obs, &s.comparison);
                    }
                }
                let path = dir.join(format!("{}.yaml", o.id.replace("::", "--")));
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent)?;
                }
                std::fs::write(&path, serde_norway::to_string(&c)?)
                    .with_context(|| format!("writing {}", path.display()))?;
                written += 1;
            }
            println!("{written} recording(s) written under {}", dir.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn bench(connections: usize, seconds: u64, rounds: u32, peers: &[String]) -> Result<ExitCode> {
    use coscors::bench::{self, BenchConfig, Peer};
    let peers = peers
        .iter()
        .map(|p| {
            let (label, url) = p.split_once('=').ok_or_else(|| {
                anyhow::anyhow!("--peer {p:?}: expected LABEL=http://HOST:PORT/BUCKET")
            })?;
            let rest = url
                .strip_prefix("http://")
                .ok_or_else(|| anyhow::anyhow!("--peer {p:?}: only http:// URLs"))?;
            let (authority, bucket) = rest.split_once('/').unwrap_or((rest, ""));
            let addr = std::net::ToSocketAddrs::to_socket_addrs(authority)
                .with_context(|| format!("resolving {authority}"))?
                .next()
                .ok_or_else(|| anyhow::anyhow!("{authority} resolves to nothing"))?;
            let bucket = bucket.trim_matches('/');
            anyhow::ensure!(
                !bucket.is_empty(),
                "--peer {p:?}: name the bucket: LABEL=http://HOST:PORT/BUCKET"
            );
            Ok(Peer {
                label: label.to_string(),
                addr,
                host: authority.to_string(),
                target: format!("/{bucket}/exampleobject"),
                bucket: Some(bucket.to_string()),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let config = BenchConfig {
        connections,
        duration: std::time::Duration::from_secs(seconds),
        warmup: std::time::Duration::from_millis(300),
        rounds,
        peers,
    };
    let results = bench::run(&config)?;
    print!("{}", bench::render(&config, &results));
    Ok(ExitCode::SUCCESS)
}
