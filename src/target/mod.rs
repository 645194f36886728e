//! Targets: where a case's requests go, and how they are addressed.
//!
//! Built in, with no configuration: `emulator` (the embedded emulator,
//! profile `cos`, virtual-host addressing like COS) and `emulator-s3`
//! (profile `s3`, path-style addressing like S3 peers). A target named by
//! an `http://` URL is an endpoint reached over plain HTTP.

pub mod wire;

use std::net::{SocketAddr, ToSocketAddrs};
use std::time::Duration;

use anyhow::{anyhow, bail, Context as _, Result};

use crate::emulator::{self, EmulatorConfig, EmulatorHandle};
use crate::model::Profile;
pub use wire::{Observed, WireRequest};

/// How the bucket is named in a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Addressing {
    /// `Host: <bucket>.cos.<region>.myqcloud.com`, path is the key (COS).
    VirtualHost,
    /// `Host: <endpoint>`, path is `/<bucket>/<key>` (S3-style peers).
    Path,
}

/// Where a target's requests go.
#[derive(Debug, Clone)]
pub enum Endpoint {
    /// A fresh embedded emulator for every case.
    Emulator,
    /// A server reached over plain HTTP.
    Http { addr: SocketAddr, authority: String },
}

/// A target: endpoint, bucket, addressing and the profile whose
/// expectations apply to it.
#[derive(Debug, Clone)]
pub struct TargetSpec {
    pub name: String,
    pub endpoint: Endpoint,
    pub bucket: String,
    pub region: String,
    pub addressing: Addressing,
    pub profile: Profile,
    pub timeout: Duration,
}

impl TargetSpec {
    /// Resolve a target name: a built-in, or an `http://host:port` URL
    /// (path-style, profile `s3`, bucket from `COSCORS_BUCKET` or the
    /// default).
    pub fn resolve(name: &str) -> Result<TargetSpec> {
        let emulator = |profile, addressing| TargetSpec {
            name: name.to_string(),
            endpoint: Endpoint::Emulator,
            bucket: emulator::DEFAULT_BUCKET.to_string(),
            region: emulator::DEFAULT_REGION.to_string(),
            addressing,
            profile,
            timeout: Duration::from_secs(30),
        };
        match name {
            "emulator" => Ok(emulator(Profile::Cos, Addressing::VirtualHost)),
            "emulator-s3" => Ok(emulator(Profile::S3, Addressing::Path)),
            url if url.starts_with("http://") => {
                let authority = url["http://".len()..].trim_end_matches('/').to_string();
                if authority.contains('/') || authority.is_empty() {
                    bail!("target URL {url:?} must be http://host:port with no path");
                }
                let addr = authority
                    .to_socket_addrs()
                    .with_context(|| format!("resolving {authority}"))?
                    .next()
                    .ok_or_else(|| anyhow!("{authority} resolves to no address"))?;
                Ok(TargetSpec {
                    name: name.to_string(),
                    endpoint: Endpoint::Http { addr, authority },
                    bucket: std::env::var("COSCORS_BUCKET")
                        .unwrap_or_else(|_| emulator::DEFAULT_BUCKET.to_string()),
                    region: emulator::DEFAULT_REGION.to_string(),
                    addressing: Addressing::Path,
                    profile: Profile::S3,
                    timeout: Duration::from_secs(30),
                })
            }
            other => bail!(
                "unknown target {other:?}: built in are `emulator` and `emulator-s3`, or give an http://host:port URL"
            ),
        }
    }

    /// Does every case get its own server (so cases may run in parallel)?
    pub fn isolated(&self) -> bool {
        matches!(self.endpoint, Endpoint::Emulator)
    }
}

/// An open connection to a target for one case: for the emulator, a fresh
/// server that stops when the session is dropped.
pub struct Session {
    spec: TargetSpec,
    addr: SocketAddr,
    authority: String,
    _emulator: Option<EmulatorHandle>,
}

impl Session {
    /// Open a session; for an emulator target this starts one on an
    /// ephemeral loopback port, with the target's bucket created.
    pub async fn open(spec: &TargetSpec) -> Result<Session> {
        match &spec.endpoint {
            Endpoint::Emulator => {
                let handle = emulator::spawn(
                    SocketAddr::from(([127, 0, 0, 1], 0)),
                    EmulatorConfig {
                        profile: spec.profile,
                        region: spec.region.clone(),
                        buckets: vec![spec.bucket.clone()],
                    },
                )
                .await
                .context("starting the embedded emulator")?;
                Ok(Session {
                    spec: spec.clone(),
                    addr: handle.addr,
                    authority: handle.addr.to_string(),
                    _emulator: Some(handle),
                })
            }
            Endpoint::Http { addr, authority } => Ok(Session {
                spec: spec.clone(),
                addr: *addr,
                authority: authority.clone(),
                _emulator: None,
            }),
        }
    }

    pub fn spec(&self) -> &TargetSpec {
        &self.spec
    }

    /// The `Host` header this target's requests carry.
    pub fn host(&self) -> String {
        match self.spec.addressing {
            Addressing::VirtualHost => {
                format!("{}.cos.{}.myqcloud.com", self.spec.bucket, self.spec.region)
            }
            Addressing::Path => self.authority.clone(),
        }
    }

    /// Send a request whose path is relative to the bucket. A `Host` header
    /// in `headers` replaces the target's.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        query: Option<&str>,
        headers: &[(String, String)],
        body: Vec<u8>,
    ) -> Result<Observed> {
        let mut target = match self.spec.addressing {
            Addressing::VirtualHost => path.to_string(),
            Addressing::Path => format!("/{}{}", self.spec.bucket, path),
        };
        if let Some(q) = query {
            target.push('?');
            target.push_str(q);
        }
        let mut all = Vec::with_capacity(headers.len() + 1);
        if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("host")) {
            all.push(("Host".to_string(), self.host()));
        }
        all.extend(headers.iter().cloned());
        let req = WireRequest {
            method: method.to_string(),
            target,
            headers: all,
            body,
        };
        wire::send(self.addr, &req, self.spec.timeout)
            .await
            .with_context(|| format!("{} {} on target {}", req.method, req.target, self.spec.name))
    }
}
