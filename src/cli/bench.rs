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
}

pub fn run(args: &BenchArgs) -> Result<ExitCode> {
    if args.fuzz {
        print!("{}", bench::fuzz_speed(args.seconds, args.rounds)?);
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
    print!("{}", bench::render(&config, &results));
    Ok(ExitCode::SUCCESS)
}
