//! The `coscors` command line.

mod cli;

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
    Run(cli::run::RunArgs),
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
    Completions {
        shell: clap_complete::Shell,
    },
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
        #[arg(long, env = "COSCORS_TARGET", required_unless_present = "plan")]
        target: Option<String>,
        /// List, in priority order, the cases a recording against real COS
        /// would raise from inferred or supported, with what each tells
        /// (cases/recording-plan.yaml); records nothing.
        #[arg(long)]
        plan: bool,
        /// Wait this long after each change to the CORS configuration (PUT
        /// or DELETE ?cors) before the next request: COS applies changes
        /// after a few seconds. Default 5s for real endpoints, 0 for the
        /// emulator and loopback servers.
        #[arg(long, value_parser = parse_duration)]
        settle: Option<std::time::Duration>,
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
        /// Where found cases go (default target/coscors/fuzz-<time>/; the
        /// triaged finds under cases/found/ are written only when named).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Exit 1 when a discrepancy class is found that
        /// cases/found/triage.yaml does not triage (for CI).
        #[arg(long)]
        fail_on_new: bool,
        /// Executions the shrinker may spend on one discrepancy.
        #[arg(long, default_value_t = 400)]
        shrink_budget: usize,
        /// Run even when a target bucket's CORS configuration cannot be read
        /// (it then cannot be put back after the campaign).
        #[arg(long)]
        i_own_this_bucket: bool,
        #[command(flatten)]
        scale: cli::fuzz_scale::ScaleArgs,
    },
    /// Work with fuzz finds: `found merge DIR... --out DIR`.
    Found(cli::found::FoundArgs),
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
        /// Seconds a request body may go without a byte (or wait for buffer
        /// room) before 400 RequestTimeout.
        #[arg(long, default_value_t = 20)]
        body_timeout: u64,
        /// Seconds a request head may take; also how long a kept-alive
        /// connection may sit idle.
        #[arg(long, default_value_t = 30)]
        header_timeout: u64,
        /// Body bytes held at once by all requests; past it, reading waits.
        #[arg(long, default_value_t = 256 * 1024 * 1024)]
        max_buffered_bytes: usize,
        /// Bytes (keys and bodies) all objects may hold; past it, 400 EntityTooLarge.
        #[arg(long, default_value_t = 1024 * 1024 * 1024)]
        max_stored_bytes: u64,
        /// Connections open at once [default: 4096, or `ulimit -n` less 64].
        #[arg(long)]
        max_connections: Option<usize>,
        /// Length of the listen queue.
        #[arg(long, default_value_t = 1024)]
        backlog: u32,
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
        Command::Run(args) => cli::run::run(args),
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
            plan,
            settle,
            targets,
            vendor,
            out,
            filter,
            i_own_this_bucket,
        } => {
            if plan {
                return record_plan(&paths, &filter, settle);
            }
            let target = target.ok_or_else(|| anyhow::anyhow!("record: --target is required"))?;
            let mut spec = TargetSpec::resolve(&target, targets.as_deref())?;
            spec.settle = coscors::record::settle_for(&spec, settle);
            // Recording compares with COS's expectations alone, under the
            // vendor's identity headers; a case the vendor file says not to
            // send (it would break the vendor) is not sent.
            let root = cli::run::cases_root(&paths);
            spec.vendor = vendor
                .clone()
                .or(spec.vendor.take())
                .filter(|v| coscors::case::vendor::vendor_path(&root, v).exists());
            let opts = SuiteOptions {
                cases_root: root,
                paths,
                select: suite::Selection::including(&filter)?,
                jobs: 8,
                out_dir: suite::default_out_dir(),
                owned: i_own_this_bucket,
                skip: Vec::new(),
                fail_fast: false,
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
            fail_on_new,
            shrink_budget,
            i_own_this_bucket,
            scale,
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
                out: out.unwrap_or_else(coscors::fuzz::default_out),
                shrink_budget,
                date: today(),
                state_dir: suite::default_out_dir(),
                owned: i_own_this_bucket,
                scale: scale.options(),
            };
            fuzz(&opts, fail_on_new)
        }
        Command::Found(args) => cli::found::run(&args),
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
            body_timeout,
            header_timeout,
            max_buffered_bytes,
            max_stored_bytes,
            max_connections,
            backlog,
        } => {
            let limits = emulator::Limits {
                body_timeout: std::time::Duration::from_secs(body_timeout),
                header_timeout: std::time::Duration::from_secs(header_timeout),
                max_buffered_bytes,
                max_stored_bytes,
                max_connections: max_connections
                    .unwrap_or_else(emulator::Limits::default_max_connections),
                backlog,
            };
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
                limits,
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

fn serve(listen: SocketAddr, config: EmulatorConfig, limits: emulator::Limits) -> Result<ExitCode> {
    runtime()?.block_on(async {
        let handle = emulator::spawn_with(listen, config, limits)
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

fn fuzz(opts: &coscors::fuzz::FuzzOptions, fail_on_new: bool) -> Result<ExitCode> {
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
        cli::fuzz_scale::progress(live),
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
    cli::fuzz_scale::summary(&mut out, &report)?;
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
        cli::exit::code(cli::exit::INTERRUPTED)
    } else if !report.restore_failures.is_empty() || (fail_on_new && !new.is_empty()) {
        cli::exit::code(cli::exit::FAILED)
    } else {
        cli::exit::code(cli::exit::OK)
    })
}

fn corpus(paths: &[PathBuf], out: &std::path::Path) -> Result<ExitCode> {
    use coscors::case::{Body, CorsSetup};
    use coscors::model::{xml, Profile};
    let (cases, errors) = suite::load(paths, &suite::Selection::default())?;
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

/// `coscors record --plan`: the recording plan for the loaded cases.
fn record_plan(
    paths: &[PathBuf],
    filters: &[String],
    settle: Option<std::time::Duration>,
) -> Result<ExitCode> {
    let (cases, load_errors) = suite::load(paths, &suite::Selection::including(filters)?)?;
    if let Some(e) = load_errors.first() {
        anyhow::bail!("{e}");
    }
    let root = cli::run::cases_root(paths);
    let mut entries = coscors::record::load_plan(&root)?;
    // For part of the suite (--filter, or a sub-folder), the plan covers
    // the loaded cases only; for the whole suite an id naming no case is an
    // error.
    if !filters.is_empty() || paths.iter().any(|p| *p != root) {
        entries.retain(|e| cases.iter().any(|c| c.id == e.id));
    }
    let lines = coscors::record::plan(&entries, &cases)?;
    let wait = settle.unwrap_or(coscors::record::DEFAULT_SETTLE);
    print!("{}", coscors::record::render_plan(&lines, wait));
    Ok(ExitCode::SUCCESS)
}

fn record(
    spec: &TargetSpec,
    opts: &SuiteOptions,
    vendor: Option<&str>,
    out: Option<PathBuf>,
) -> Result<ExitCode> {
    use coscors::case::{vendor::vendor_path, Divergence, VendorFile};
    use coscors::record;
    let (cases, load_errors) = suite::load(&opts.paths, &opts.select)?;
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
                    if let Some(p) = prior {
                        record::keep_prior_messages(&mut d, p);
                    }
                    // A path-style Resource holds the run's key prefix:
                    // recorded in the documents' form instead.
                    for (n, e) in d.steps.iter_mut() {
                        let documented = case
                            .case
                            .steps
                            .get(n - 1)
                            .and_then(|s| s.expect.error.as_ref())
                            .and_then(|e| e.resource.clone());
                        if let (Some(err), Some(documented)) = (e.error.as_mut(), documented) {
                            if let Some(r) = err.resource.as_ref().and_then(|r| {
                                record::doc_path_resource(r, &spec.bucket, &documented)
                            }) {
                                err.resource = Some(r);
                            }
                        }
                    }
                    file.divergences.insert(o.id.clone(), d);
                }
            }
            for (id, d) in &old.divergences {
                if d.skip {
                    file.divergences.insert(id.clone(), d.clone());
                }
            }
            let n = file.divergences.len();
            // The file's opening comment is a person's too: kept when it has one.
            let old_header: String = std::fs::read_to_string(&path)
                .unwrap_or_default()
                .lines()
                .take_while(|l| l.starts_with('#'))
                .map(|l| format!("{l}\n"))
                .collect();
            let header = if old_header.is_empty() {
                format!(
                    "# What {name} does where it differs from COS, case by case. Written by\n# `coscors record --target {} --vendor {name}`; the reasons are a person's.\n",
                    spec.name
                )
            } else {
                old_header
            };
            let text = format!("{header}{}", serde_norway::to_string(&file)?);
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
                        record::unprefix_key(&mut step.expect, &o.key_prefix);
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
