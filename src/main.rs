//! The `coscors` command line.

use std::io::IsTerminal as _;
use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context as _, Result};
use clap::{Parser, Subcommand};

use coscors::case::{self, LoadedCase};
use coscors::emulator::{self, EmulatorConfig};
use coscors::model::Profile;
use coscors::runner::{self, Verdict};
use coscors::target::TargetSpec;

#[derive(Parser)]
#[command(
    name = "coscors",
    version,
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
    /// Ends with `N passed, N failed` on a line of its own; exits 1 if any
    /// case failed or could not run, 2 on a usage or load error.
    Run {
        /// Case files or directories (searched for *.yaml, `vendors/` skipped).
        #[arg(default_value = "cases")]
        paths: Vec<PathBuf>,
        /// Target: `emulator` (default), `emulator-s3`, or http://host:port.
        #[arg(long, env = "COSCORS_TARGET", default_value = "emulator")]
        target: String,
        /// Run only cases whose id contains this text (repeat: any of them).
        #[arg(long)]
        filter: Vec<String>,
        /// Cases run at once on targets where each case has its own server.
        #[arg(long, default_value_t = 8)]
        jobs: usize,
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
        /// Interleaved windows the measured seconds are split into.
        #[arg(long, default_value_t = 5)]
        rounds: u32,
        /// Another server to time: LABEL=http://HOST:PORT/BUCKET (path-style).
        #[arg(long = "peer")]
        peers: Vec<String>,
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
    },
}

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
            filter,
            jobs,
        } => run(&paths, &target, &filter, jobs),
        Command::Bench {
            connections,
            seconds,
            rounds,
            peers,
        } => bench(connections, seconds, rounds, &peers),
        Command::Serve {
            listen,
            profile,
            buckets,
            region,
        } => serve(
            listen,
            EmulatorConfig {
                profile,
                region,
                buckets,
            },
        ),
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
        shutdown_signal().await;
        Ok(ExitCode::SUCCESS)
    })
}

async fn shutdown_signal() {
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

fn run(paths: &[PathBuf], target: &str, filters: &[String], jobs: usize) -> Result<ExitCode> {
    let spec = TargetSpec::resolve(target)?;
    let files = case::discover(paths).context("finding case files")?;
    let mut cases: Vec<LoadedCase> = Vec::new();
    let mut load_errors = 0usize;
    for f in &files {
        match case::load_file(f) {
            Ok(file) => cases.extend(file.cases),
            Err(e) => {
                eprintln!("{e}");
                load_errors += 1;
            }
        }
    }
    if !filters.is_empty() {
        cases.retain(|c| filters.iter().any(|f| c.id.contains(f.as_str())));
    }
    if cases.is_empty() && load_errors == 0 {
        anyhow::bail!("no case matched (looked in {} file(s))", files.len());
    }
    let total = cases.len();
    let progress = std::io::stderr().is_terminal();
    let parallel = if spec.isolated() { jobs.max(1) } else { 1 };
    let outcomes = runtime()?.block_on(async {
        let spec = Arc::new(spec);
        let sem = Arc::new(tokio::sync::Semaphore::new(parallel));
        let mut set = tokio::task::JoinSet::new();
        for (i, c) in cases.into_iter().enumerate() {
            let (spec, sem) = (spec.clone(), sem.clone());
            set.spawn(async move {
                let _permit = sem.acquire_owned().await;
                (i, runner::run_case(&spec, &c).await)
            });
        }
        let mut done = Vec::with_capacity(total);
        while let Some(r) = set.join_next().await {
            let (i, outcome) = r.context("a case task panicked")?;
            if progress {
                eprint!("\r\x1b[2K[{}/{total}] {}", done.len() + 1, outcome.id);
            }
            done.push((i, outcome));
        }
        if progress {
            eprint!("\r\x1b[2K");
        }
        done.sort_by_key(|(i, _)| *i);
        anyhow::Ok(done.into_iter().map(|(_, o)| o).collect::<Vec<_>>())
    })?;
    let mut passed = 0usize;
    let mut failed = load_errors;
    let mut out = std::io::stdout().lock();
    for o in &outcomes {
        if o.verdict == Verdict::Pass {
            passed += 1;
        } else {
            failed += 1;
            writeln!(out, "{}", o.report())?;
        }
    }
    // Every normalisation that forgave something, counted over all steps.
    let mut applied: std::collections::BTreeMap<&str, usize> = Default::default();
    for o in &outcomes {
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
    writeln!(out, "{passed} passed, {failed} failed")?;
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
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
            Ok(Peer {
                label: label.to_string(),
                addr,
                host: authority.to_string(),
                target: format!("/{}/exampleobject", bucket.trim_matches('/')),
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
