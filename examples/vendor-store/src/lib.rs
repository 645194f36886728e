//! "vendor-store": the stand-in for a vendor's S3-compatible object store.
//! A real store's crate has its own server here; this one starts the
//! emulator that `coscors serve` runs, with the `s3` profile (AWS S3's
//! recorded behaviour), so that it differs from COS as an S3 store does.

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};

use anyhow::{bail, Context as _, Result};
use coscors::emulator::{self, EmulatorConfig, EmulatorHandle, Limits};
use coscors::model::Profile;

/// The store's bucket for the CORS tests.
pub const BUCKET: &str = "vendor-store";

/// A running store: in this process, or a `coscors serve` child.
pub enum Store {
    InProcess {
        url: String,
        // Dropped last: the runtime the server's tasks run on.
        _handle: EmulatorHandle,
        _runtime: tokio::runtime::Runtime,
    },
    Child {
        url: String,
        child: Child,
    },
}

impl Store {
    /// Start the store in this process on a free loopback port.
    pub fn start() -> Result<Store> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .context("starting the store's runtime")?;
        let config = EmulatorConfig {
            profile: Profile::S3,
            region: "us-east-1".into(),
            buckets: vec![BUCKET.into()],
            credentials: None,
        };
        let listen = SocketAddr::from(([127, 0, 0, 1], 0));
        let handle = runtime
            .block_on(emulator::spawn_with(listen, config, Limits::default()))
            .context("starting the store")?;
        Ok(Store::InProcess {
            url: handle.url(),
            _handle: handle,
            _runtime: runtime,
        })
    }

    /// Start the store as a child process: `BIN serve --profile s3`, as a
    /// vendor's test starts its server binary. Its first line on stdout
    /// says where it listens.
    pub fn spawn(bin: &str) -> Result<Store> {
        let mut child = Command::new(bin)
            .args(["serve", "--listen", "127.0.0.1:0", "--profile", "s3"])
            .args(["--region", "us-east-1", "--bucket", BUCKET])
            .stdout(Stdio::piped())
            .spawn()
            .with_context(|| format!("starting {bin} serve"))?;
        let mut line = String::new();
        let read = child.stdout.take().map(|out| {
            use std::io::BufRead as _;
            std::io::BufReader::new(out).read_line(&mut line)
        });
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .map(str::to_string);
        match (read, url) {
            (Some(Ok(_)), Some(url)) => Ok(Store::Child { url, child }),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                bail!("{bin} serve did not say where it listens (it said {line:?})")
            }
        }
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> &str {
        match self {
            Store::InProcess { url, .. } | Store::Child { url, .. } => url,
        }
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        if let Store::Child { child, .. } = self {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
