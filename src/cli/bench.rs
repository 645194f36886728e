//! `coscors bench`: the emulator's speed beside a bare hyper server (and
//! peers), or the fuzzer's.

use std::process::ExitCode;

use anyhow::Result;

use coscors::bench::{self, BenchConfig, Peer};

/// Measure the emulator's preflight requests/s beside a bare hyper server.
///
/// Both run in this process on one worker thread each; the load comes
/// from a third thread over loopback. `--peer LABEL=http://HOST:PORT/BUCKET`
/// times another server (moto, s3rver, ...) with the same preflight.
#[derive(clap::Args, Debug)]
pub struct BenchArgs {
    /// Keep-alive connections.
    #[arg(long, default_value_t = 16)]
    pub connections: usize,
    /// Measured seconds per server.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// Interleaved windows the measured seconds are split into (with
    /// `--fuzz`: the in-process windows, whose median and best are shown).
    #[arg(long, default_value_t = 5)]
    pub rounds: u32,
    /// Another server to time: LABEL=http://HOST:PORT/BUCKET (path-style).
    #[arg(long = "peer")]
    pub peers: Vec<String>,
    /// Measure the fuzzer instead: execs/s in process and over loopback,
    /// beside a bare hyper round trip.
    #[arg(long)]
    pub fuzz: bool,
    /// Also write the figures into this file's block for this measurement
    /// (`reports/bench.md`: the one place speed figures are kept).
    #[arg(long)]
    pub write: Option<std::path::PathBuf>,
}

pub fn run(args: &BenchArgs) -> Result<ExitCode> {
    if args.fuzz {
        let figures = bench::fuzz_speed(args.seconds, args.rounds)?;
        print!("{figures}");
        write(
            args,
            "fuzz",
            &format!(
                "coscors bench --fuzz --seconds {} --rounds {}",
                args.seconds, args.rounds
            ),
            &figures,
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    let peers = args
        .peers
        .iter()
        .map(|p| Peer::parse(p))
        .collect::<Result<Vec<_>>>()?;
    let config = BenchConfig {
        connections: args.connections,
        duration: std::time::Duration::from_secs(args.seconds),
        warmup: std::time::Duration::from_millis(300),
        rounds: args.rounds,
        peers,
    };
    let results = bench::run(&config)?;
    let figures = bench::render(&config, &results);
    print!("{figures}");
    let mut command = format!(
        "coscors bench --connections {} --seconds {} --rounds {}",
        args.connections, args.seconds, args.rounds
    );
    for p in &args.peers {
        command.push_str(&format!(" --peer {p:?}"));
    }
    write(args, "preflight", &command, &figures)?;
    Ok(ExitCode::SUCCESS)
}

/// With `--write FILE`: the figures into FILE's block `name`.
fn write(args: &BenchArgs, name: &str, command: &str, figures: &str) -> Result<()> {
    match &args.write {
        Some(path) => bench::write_block(path, name, command, &coscors::clock::today(), figures),
        None => Ok(()),
    }
}
