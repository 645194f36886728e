//! The `coscors` command line.

use std::io::Write as _;
use std::net::SocketAddr;
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use clap::{Parser, Subcommand};

use coscors::emulator::{self, EmulatorConfig};
use coscors::model::Profile;

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
        Command::Serve {
            listen,
            profile,
            buckets,
            region,
        } => serve(listen, EmulatorConfig { profile, region, buckets }),
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
