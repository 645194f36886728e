//! `coscors serve`: the emulator as a standalone HTTP server.

use std::io::Write as _;
use std::net::SocketAddr;
use std::process::ExitCode;

use anyhow::{Context as _, Result};

use coscors::emulator::{self, EmulatorConfig};
use coscors::model::Profile;
use coscors::sign::Credentials;

/// Run the COS emulator as a standalone HTTP server.
///
/// Prints `listening on http://IP:PORT` as its first line on stdout, then
/// serves until interrupted (Ctrl-C or SIGTERM).
#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
    /// Whose behaviour to reproduce: `cos` (the reference) or `s3`.
    #[arg(long, default_value = "cos")]
    pub profile: Profile,
    /// A bucket that exists from the start (repeat for more).
    #[arg(long = "bucket", default_value = emulator::DEFAULT_BUCKET)]
    pub buckets: Vec<String>,
    /// Region used in error `Resource`s when the Host names none.
    #[arg(long, default_value = emulator::DEFAULT_REGION)]
    pub region: String,
    /// Check signatures: the SecretId (AWS access key id) requests must be signed with.
    #[arg(long, env = "COSCORS_EMULATOR_SECRET_ID", requires = "secret_key")]
    pub secret_id: Option<String>,
    /// The SecretKey (AWS secret access key) that goes with --secret-id.
    #[arg(
        long,
        env = "COSCORS_EMULATOR_SECRET_KEY",
        requires = "secret_id",
        hide_env_values = true
    )]
    pub secret_key: Option<String>,
    /// Temporary credentials: the token requests must carry
    /// (`x-cos-security-token` / `x-amz-security-token`).
    #[arg(
        long,
        env = "COSCORS_EMULATOR_SESSION_TOKEN",
        requires = "secret_id",
        hide_env_values = true
    )]
    pub session_token: Option<String>,
    /// Seconds a request body may go without a byte (or wait for buffer
    /// room) before 400 RequestTimeout.
    #[arg(long, default_value_t = 20)]
    pub body_timeout: u64,
    /// Seconds a request head may take; also how long a kept-alive
    /// connection may sit idle.
    #[arg(long, default_value_t = 30)]
    pub header_timeout: u64,
    /// Body bytes held at once by all requests; past it, reading waits.
    #[arg(long, default_value_t = 256 * 1024 * 1024)]
    pub max_buffered_bytes: usize,
    /// Bytes (keys and bodies) all objects may hold; past it, 400 EntityTooLarge.
    #[arg(long, default_value_t = 1024 * 1024 * 1024)]
    pub max_stored_bytes: u64,
    /// Connections open at once [default: 4096, or `ulimit -n` less 64].
    #[arg(long)]
    pub max_connections: Option<usize>,
    /// Length of the listen queue.
    #[arg(long, default_value_t = 1024)]
    pub backlog: u32,
}

pub fn run(args: ServeArgs) -> Result<ExitCode> {
    let limits = emulator::Limits {
        body_timeout: std::time::Duration::from_secs(args.body_timeout),
        header_timeout: std::time::Duration::from_secs(args.header_timeout),
        max_buffered_bytes: args.max_buffered_bytes,
        max_stored_bytes: args.max_stored_bytes,
        max_connections: args
            .max_connections
            .unwrap_or_else(emulator::Limits::default_max_connections),
        backlog: args.backlog,
    };
    let credentials = match (args.secret_id, args.secret_key) {
        (Some(id), Some(secret)) => Some(Credentials {
            id,
            secret,
            token: args.session_token,
        }),
        _ => None,
    };
    let config = EmulatorConfig {
        profile: args.profile,
        region: args.region,
        buckets: args.buckets,
        credentials,
    };
    let listen = args.listen;
    super::common::runtime()?.block_on(async {
        let handle = emulator::spawn_with(listen, config, limits)
            .await
            .with_context(|| format!("listening on {listen}"))?;
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on {}", handle.url())?;
        out.flush()?;
        drop(out);
        coscors::signal::stop_signal().await;
        Ok(ExitCode::SUCCESS)
    })
}
