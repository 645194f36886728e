//! Targets: where a case's requests go, how the bucket is addressed, how
//! requests are signed, and how politely they are sent.
//!
//! Built in, with no configuration: `emulator` (the embedded emulator,
//! profile `cos`, virtual-host addressing like COS) and `emulator-s3`
//! (profile `s3`, path-style like S3 peers). Others come from the targets
//! file ([`config`]) or are given as an `http://host:port` URL.

pub mod config;
pub mod wire;

use std::net::{SocketAddr, ToSocketAddrs};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{anyhow, bail, Context as _, Result};

use crate::emulator::{self, EmulatorConfig, EmulatorHandle};
use crate::model::{content_md5_of, Profile};
use crate::sign::{self, Credentials};
pub use config::{Addressing, CredentialEnv, SignerKind};
pub use wire::{Observed, WireRequest};

/// Where a target's requests go.
#[derive(Debug, Clone)]
pub enum Endpoint {
    /// A fresh embedded emulator for every case.
    Emulator,
    /// A server at a URL.
    Url {
        https: bool,
        /// `host[:port]` as written in the URL.
        authority: String,
        host: String,
        port: u16,
    },
}

/// A target, fully resolved.
#[derive(Debug, Clone)]
pub struct TargetSpec {
    pub name: String,
    pub endpoint: Endpoint,
    pub bucket: String,
    pub region: String,
    pub addressing: Addressing,
    pub profile: Profile,
    pub vendor: Option<String>,
    pub signer: SignerKind,
    pub credential_env: Option<CredentialEnv>,
    pub create_bucket: bool,
    pub max_rps: Option<f64>,
    pub retries: u32,
    pub timeout: Duration,
    pub key_prefix: Option<String>,
    /// How long to wait after a request that changes the bucket's CORS
    /// configuration (PUT or DELETE `?cors`) before the next one: COS
    /// applies a change after a few seconds (every official SDK's real-COS
    /// test waits 2 to 5 s). Zero unless `coscors record` sets it
    /// ([`crate::record::settle_for`]).
    pub settle: Duration,
}

/// The context of an error sending a request: `METHOD /target on target
/// NAME` (typed, so that [`crate::runner::CaseError`] finds the cause under
/// it without reading text).
#[derive(Debug, Clone)]
pub struct RequestFailed {
    pub method: String,
    pub target: String,
    pub name: String,
}

impl std::fmt::Display for RequestFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} on target {}", self.method, self.target, self.name)
    }
}

/// The targets every run knows without a targets file: a fresh embedded
/// emulator per case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuiltIn {
    /// `emulator`: the `cos` profile, virtual-hosted.
    Emulator,
    /// `emulator-s3`: the `s3` profile, path-style.
    EmulatorS3,
}

impl BuiltIn {
    pub const ALL: [BuiltIn; 2] = [BuiltIn::Emulator, BuiltIn::EmulatorS3];

    /// The name `--target` gives.
    pub fn name(self) -> &'static str {
        match self {
            BuiltIn::Emulator => "emulator",
            BuiltIn::EmulatorS3 => "emulator-s3",
        }
    }

    pub fn from_name(name: &str) -> Option<BuiltIn> {
        BuiltIn::ALL.into_iter().find(|b| b.name() == name)
    }

    pub fn profile(self) -> Profile {
        match self {
            BuiltIn::Emulator => Profile::Cos,
            BuiltIn::EmulatorS3 => Profile::S3,
        }
    }

    pub fn addressing(self) -> Addressing {
        match self {
            BuiltIn::Emulator => Addressing::VirtualHost,
            BuiltIn::EmulatorS3 => Addressing::Path,
        }
    }
}

impl TargetSpec {
    /// A target with every setting at its default: COS's documentation
    /// bucket and region, path-style, unsigned, no vendor file, one retry,
    /// 30 s per request, no rate cap, no settle time. Every other spec is
    /// this with fields replaced.
    pub fn new(name: &str, endpoint: Endpoint, profile: Profile) -> TargetSpec {
        TargetSpec {
            name: name.to_string(),
            endpoint,
            bucket: emulator::DEFAULT_BUCKET.to_string(),
            region: emulator::DEFAULT_REGION.to_string(),
            addressing: Addressing::Path,
            profile,
            vendor: None,
            signer: SignerKind::None,
            credential_env: None,
            create_bucket: false,
            max_rps: None,
            retries: 1,
            timeout: Duration::from_secs(30),
            key_prefix: None,
            settle: Duration::ZERO,
        }
    }

    /// A built-in target: a fresh embedded emulator per case, the profile's
    /// own vendor file, no retries.
    fn built_in(b: BuiltIn) -> TargetSpec {
        TargetSpec {
            addressing: b.addressing(),
            vendor: b.profile().vendor_file().map(str::to_string),
            retries: 0,
            ..TargetSpec::new(b.name(), Endpoint::Emulator, b.profile())
        }
    }

    /// Resolve a target name: a built-in, an entry of the targets file, or
    /// an `http(s)://host[:port]` URL (path-style, unsigned, profile `s3`,
    /// bucket from `COSCORS_BUCKET`).
    pub fn resolve(name: &str, targets_file: Option<&Path>) -> Result<TargetSpec> {
        if let Some(b) = BuiltIn::from_name(name) {
            return Ok(Self::built_in(b));
        }
        if let Some(path) = config::targets_path(targets_file) {
            let entries = config::load(&path)?;
            if let Some(e) = entries.get(name) {
                let endpoint = parse_url(&e.endpoint)?;
                let remote = matches!(&endpoint, Endpoint::Url { https: true, .. });
                return Ok(TargetSpec {
                    bucket: e.bucket.clone(),
                    region: e
                        .region
                        .clone()
                        .unwrap_or_else(|| e.profile.default_region().to_string()),
                    addressing: e.addressing,
                    vendor: e.vendor.clone(),
                    signer: e.signer,
                    credential_env: e
                        .credentials
                        .clone()
                        .or_else(|| CredentialEnv::default_for(e.signer)),
                    create_bucket: e.create_bucket,
                    max_rps: e.max_rps.filter(|r| *r > 0.0),
                    retries: e.retries.unwrap_or(if remote { 3 } else { 1 }),
                    timeout: Duration::from_secs(e.timeout_secs.unwrap_or(30)),
                    key_prefix: e.key_prefix.clone(),
                    ..TargetSpec::new(name, endpoint, e.profile)
                });
            }
            if !name.contains("://") {
                bail!(
                    "unknown target {name:?}: not built in (emulator, emulator-s3) and not in {}",
                    path.display()
                );
            }
        }
        if name.starts_with("http://") || name.starts_with("https://") {
            return Ok(TargetSpec {
                bucket: std::env::var("COSCORS_BUCKET")
                    .unwrap_or_else(|_| emulator::DEFAULT_BUCKET.to_string()),
                ..TargetSpec::new(name, parse_url(name)?, Profile::S3)
            });
        }
        bail!(
            "unknown target {name:?}: built in are `emulator` and `emulator-s3`; others are named in a targets file (--targets, COSCORS_TARGETS or ./targets.yaml) or given as http://host:port"
        )
    }

    /// Does every case get its own server (so cases may run in parallel and
    /// nothing needs saving or restoring)?
    pub fn isolated(&self) -> bool {
        matches!(self.endpoint, Endpoint::Emulator)
    }

    /// Read the credentials from the environment.
    pub fn credentials(&self) -> Result<Option<Credentials>> {
        let Some(env) = &self.credential_env else {
            return Ok(None);
        };
        if self.signer == SignerKind::None {
            return Ok(None);
        }
        let get = |v: &str| {
            std::env::var(v).map_err(|_| {
                anyhow!(
                    "target {} signs with {:?}: set {v} (the credentials' environment variable)",
                    self.name,
                    self.signer
                )
            })
        };
        Ok(Some(Credentials {
            id: get(&env.id)?,
            secret: get(&env.secret)?,
            token: env.token.as_deref().and_then(|t| std::env::var(t).ok()),
        }))
    }
}

pub(crate) fn parse_url(url: &str) -> Result<Endpoint> {
    let (https, rest) = if let Some(r) = url.strip_prefix("https://") {
        (true, r)
    } else if let Some(r) = url.strip_prefix("http://") {
        (false, r)
    } else {
        bail!("endpoint {url:?} must start with http:// or https://");
    };
    let authority = rest.trim_end_matches('/');
    if authority.is_empty() || authority.contains('/') {
        bail!("endpoint {url:?} must be scheme://host[:port] with no path");
    }
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || authority.starts_with('[') => match p.parse::<u16>() {
            Ok(port) => (h.trim_matches(['[', ']']).to_string(), port),
            Err(_) => bail!("endpoint {url:?}: bad port {p:?}"),
        },
        _ => (authority.to_string(), if https { 443 } else { 80 }),
    };
    Ok(Endpoint::Url {
        https,
        authority: authority.to_string(),
        host,
        port,
    })
}

/// Spacing of requests for a target with `max_rps`.
#[derive(Debug)]
struct Pacer {
    interval: Duration,
    next: Mutex<Instant>,
}

impl Pacer {
    async fn wait(&self) {
        let at = {
            let mut next = self
                .next
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let now = Instant::now();
            let at = (*next).max(now);
            *next = at + self.interval;
            at
        };
        tokio::time::sleep_until(at.into()).await;
    }
}

enum Transport {
    Wire(SocketAddr),
    Https(reqwest::Client),
}

/// What a session shares across the cases of one run on a shared target.
pub struct Shared {
    pacer: Option<Pacer>,
    credentials: Option<Credentials>,
    prefix: String,
    /// Keys this run wrote (paths inside the bucket, prefixes included), to
    /// delete afterwards: a set, so that a campaign of hours that rewrites
    /// the same keys keeps each once.
    written: Mutex<std::collections::BTreeSet<String>>,
    /// Sessions opened so far: each case gets its own key prefix below the
    /// run's, so that objects one case writes are not seen by the next.
    sessions: std::sync::atomic::AtomicUsize,
    transport: Transport,
}

impl Shared {
    /// Prepare a run on a (non-emulator) target: resolve the address, read
    /// credentials, pick the key prefix.
    pub fn new(spec: &TargetSpec) -> Result<Arc<Shared>> {
        let transport = match &spec.endpoint {
            Endpoint::Emulator => Transport::Wire(SocketAddr::from(([127, 0, 0, 1], 0))),
            Endpoint::Url {
                https: false,
                host,
                port,
                ..
            } => {
                let addr = (host.as_str(), *port)
                    .to_socket_addrs()
                    .with_context(|| format!("resolving {host}"))?
                    .next()
                    .ok_or_else(|| anyhow!("{host} resolves to no address"))?;
                Transport::Wire(addr)
            }
            Endpoint::Url { https: true, .. } => Transport::Https(
                reqwest::Client::builder()
                    .timeout(spec.timeout)
                    .pool_idle_timeout(Duration::from_secs(30))
                    .build()
                    .context("building the HTTPS client")?,
            ),
        };
        let prefix = match (&spec.endpoint, &spec.key_prefix) {
            (Endpoint::Emulator, _) => String::new(),
            (_, Some(p)) => p.trim_matches('/').to_string() + "/",
            (_, None) => {
                let t = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs());
                format!("coscors-{t}-{}/", std::process::id())
            }
        };
        Ok(Arc::new(Shared {
            pacer: spec.max_rps.map(|r| Pacer {
                interval: Duration::from_secs_f64(1.0 / r),
                next: Mutex::new(Instant::now()),
            }),
            credentials: spec.credentials()?,
            prefix,
            written: Mutex::new(std::collections::BTreeSet::new()),
            sessions: std::sync::atomic::AtomicUsize::new(0),
            transport,
        }))
    }

    /// The key prefix of this run (empty on the emulator).
    pub fn prefix(&self) -> &str {
        &self.prefix
    }
}

/// An open connection to a target for one case: for the emulator, a fresh
/// server that stops when the session is dropped.
pub struct Session {
    spec: TargetSpec,
    shared: Arc<Shared>,
    /// What the session talks to, and over what.
    conn: Connection,
    /// This session's key prefix (empty on the emulator).
    prefix: String,
    authority: String,
}

/// What a session is.
enum Connection {
    /// A fresh embedded emulator of the session's own (stopped with it),
    /// over one kept-alive connection.
    Emulator {
        client: wire::WireClient,
        _handle: EmulatorHandle,
    },
    /// A plain-HTTP endpoint, over one kept-alive connection
    /// ([`wire::WireClient`], byte-exact).
    Wire(wire::WireClient),
    /// An HTTPS endpoint, through the run's shared reqwest client.
    Https(reqwest::Client),
}

impl Session {
    /// Open a session. For an emulator target this starts one on an
    /// ephemeral loopback port, with the target's bucket; for others it
    /// reuses the run's `shared` state.
    pub async fn open(spec: &TargetSpec, shared: &Arc<Shared>) -> Result<Session> {
        match &spec.endpoint {
            Endpoint::Emulator => {
                let handle = emulator::spawn(
                    SocketAddr::from(([127, 0, 0, 1], 0)),
                    EmulatorConfig {
                        profile: spec.profile,
                        region: spec.region.clone(),
                        buckets: vec![spec.bucket.clone()],
                        credentials: shared.credentials.clone(),
                    },
                )
                .await
                .context("starting the embedded emulator")?;
                Ok(Session {
                    spec: spec.clone(),
                    shared: shared.clone(),
                    prefix: String::new(),
                    authority: handle.addr.to_string(),
                    conn: Connection::Emulator {
                        client: wire::WireClient::new(handle.addr),
                        _handle: handle,
                    },
                })
            }
            Endpoint::Url { authority, .. } => Ok(Session {
                spec: spec.clone(),
                shared: shared.clone(),
                conn: match &shared.transport {
                    Transport::Wire(addr) => Connection::Wire(wire::WireClient::new(*addr)),
                    Transport::Https(client) => Connection::Https(client.clone()),
                },
                prefix: {
                    let n = shared
                        .sessions
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    format!("{}{n:04}/", shared.prefix)
                },
                authority: authority.clone(),
            }),
        }
    }

    pub fn spec(&self) -> &TargetSpec {
        &self.spec
    }

    /// The `Host` header this target's requests carry.
    pub fn host(&self) -> String {
        match (self.spec.addressing, &self.spec.endpoint) {
            (Addressing::Path, _) => self.authority.clone(),
            // A real COS endpoint (`cos.<region>.myqcloud.com`): the bucket
            // is a subdomain of it.
            (Addressing::VirtualHost, Endpoint::Url { host, .. })
                if host.ends_with(".myqcloud.com") || host.ends_with(".amazonaws.com") =>
            {
                format!("{}.{}", self.spec.bucket, host)
            }
            // Loopback: COS's host name, whatever the TCP peer.
            (Addressing::VirtualHost, _) => {
                format!("{}.cos.{}.myqcloud.com", self.spec.bucket, self.spec.region)
            }
        }
    }

    /// The request path on the wire for a path inside the bucket: the run's
    /// key prefix before object keys, the bucket first for path-style.
    pub fn wire_path(&self, path: &str) -> String {
        self.wire_path_under(&self.prefix, path)
    }

    fn wire_path_under(&self, prefix: &str, path: &str) -> String {
        let key_path = if path == "/" || prefix.is_empty() {
            path.to_string()
        } else {
            format!("/{prefix}{}", path.trim_start_matches('/'))
        };
        match self.spec.addressing {
            Addressing::VirtualHost => key_path,
            Addressing::Path => format!("/{}{}", self.spec.bucket, key_path),
        }
    }

    /// This session's key prefix inside the bucket (empty on the emulator).
    pub fn key_prefix(&self) -> &str {
        &self.prefix
    }

    /// Map a `Resource` written for COS's documentation bucket
    /// (`examplebucket-1250000000.cos.ap-beijing.myqcloud.com/<key>`) to this
    /// target's bucket, region and key prefix.
    pub fn expected_resource(&self, resource: &str) -> String {
        let doc_host = format!(
            "{}.cos.{}.myqcloud.com/",
            emulator::DEFAULT_BUCKET,
            emulator::DEFAULT_REGION
        );
        let with_prefix = |key: &str| {
            if key.is_empty() {
                String::new()
            } else {
                format!("{}{key}", self.prefix)
            }
        };
        if let Some(key) = resource.strip_prefix(&doc_host) {
            return format!(
                "{}.cos.{}.myqcloud.com/{}",
                self.spec.bucket,
                self.spec.region,
                with_prefix(key)
            );
        }
        // The path-style form S3 servers use (`/bucket/key`, as a vendor
        // file records it with the documents' bucket).
        let doc_path = format!("/{}", emulator::DEFAULT_BUCKET);
        match resource.strip_prefix(&doc_path) {
            Some("") => format!("/{}", self.spec.bucket),
            Some(rest) if rest.starts_with('/') => {
                format!("/{}/{}", self.spec.bucket, with_prefix(&rest[1..]))
            }
            _ => resource.to_string(),
        }
    }

    /// Send a request whose path is relative to the bucket. A `Host` header
    /// in `headers` replaces the target's. Requests other than OPTIONS are
    /// signed when the target has a signer (browsers never sign preflights).
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        query: Option<&str>,
        headers: &[(String, String)],
        body: Vec<u8>,
    ) -> Result<Observed> {
        self.send_under(&self.prefix, method, path, query, headers, body)
            .await
    }

    /// PUT `?cors` with `body` (`Content-Type: application/xml`, and its
    /// `Content-MD5`, which COS requires).
    pub async fn put_cors(&self, body: Vec<u8>) -> Result<Observed> {
        let headers = vec![
            ("Content-Type".to_string(), "application/xml".to_string()),
            ("Content-MD5".to_string(), content_md5_of(&body)),
        ];
        self.send("PUT", "/", Some("cors"), &headers, body).await
    }

    /// GET `?cors`.
    pub async fn get_cors(&self) -> Result<Observed> {
        self.send("GET", "/", Some("cors"), &[], Vec::new()).await
    }

    /// DELETE `?cors`.
    pub async fn delete_cors(&self) -> Result<Observed> {
        self.send("DELETE", "/", Some("cors"), &[], Vec::new())
            .await
    }

    /// PUT Bucket, for targets that may create theirs; its answer (409
    /// when the bucket exists) is the caller's to judge.
    pub async fn ensure_bucket(&self) -> Result<Observed> {
        self.send("PUT", "/", None, &[], Vec::new()).await
    }

    /// [`Self::send`] with the key prefix `prefix` instead of the session's.
    async fn send_under(
        &self,
        prefix: &str,
        method: &str,
        path: &str,
        query: Option<&str>,
        headers: &[(String, String)],
        body: Vec<u8>,
    ) -> Result<Observed> {
        let wire_path = self.wire_path_under(prefix, path);
        let mut target = wire_path.clone();
        if let Some(q) = query {
            target.push('?');
            target.push_str(q);
        }
        let mut all = Vec::with_capacity(headers.len() + 6);
        let host =
            if let Some((_, h)) = headers.iter().find(|(n, _)| n.eq_ignore_ascii_case("host")) {
                h.clone()
            } else {
                let h = self.host();
                all.push(("Host".to_string(), h.clone()));
                h
            };
        all.extend(headers.iter().cloned());
        if let Some(len) = wire::default_content_length(method, &all, &body) {
            all.push(("Content-Length".into(), len.to_string()));
        }
        if method != "OPTIONS" {
            if let Some(creds) = &self.shared.credentials {
                self.sign(creds, method, &wire_path, query, &host, &body, &mut all);
            }
        }
        let req = WireRequest {
            method: method.to_string(),
            target,
            headers: all,
            body,
        };
        let observed = self.send_with_retries(&req).await.map_err(|e| {
            e.context(RequestFailed {
                method: req.method.clone(),
                target: req.target.clone(),
                name: self.spec.name.clone(),
            })
        })?;
        if matches!(method, "PUT" | "POST") && path != "/" && observed.status / 100 == 2 {
            if let Ok(mut w) = self.shared.written.lock() {
                w.insert(wire_key(&self.prefix, path));
            }
        }
        Ok(observed)
    }

    #[allow(clippy::too_many_arguments)]
    fn sign(
        &self,
        creds: &Credentials,
        method: &str,
        wire_path: &str,
        query: Option<&str>,
        host: &str,
        body: &[u8],
        headers: &mut Vec<(String, String)>,
    ) {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let params: Vec<(String, String)> = query
            .unwrap_or("")
            .split('&')
            .filter(|s| !s.is_empty())
            .map(|p| match p.split_once('=') {
                Some((k, v)) => (
                    crate::http::percent_decode(k),
                    crate::http::percent_decode(v),
                ),
                None => (crate::http::percent_decode(p), String::new()),
            })
            .collect();
        match self.spec.signer {
            SignerKind::None => {}
            SignerKind::Cos => {
                if let Some(t) = &creds.token {
                    headers.push(("x-cos-security-token".into(), t.clone()));
                }
                let signed: Vec<(String, String)> = headers
                    .iter()
                    .filter(|(n, _)| sign::cos::signs_header(n))
                    .cloned()
                    .collect();
                let key_time = format!("{};{}", now.saturating_sub(60), now + 3600);
                let path = crate::http::percent_decode(wire_path);
                let sig =
                    sign::cos::sign(&creds.secret, &key_time, method, &path, &params, &signed);
                headers.push((
                    "Authorization".into(),
                    sign::cos::authorization(creds, &sig),
                ));
            }
            SignerKind::Sigv4 => {
                let amz_date = sign::sigv4::format_amz_date(now);
                let payload = sign::sigv4::sha256_hex(body);
                headers.push(("x-amz-date".into(), amz_date.clone()));
                headers.push(("x-amz-content-sha256".into(), payload.clone()));
                if let Some(t) = &creds.token {
                    headers.push(("x-amz-security-token".into(), t.clone()));
                }
                let signed: Vec<(String, String)> = headers
                    .iter()
                    .filter(|(n, _)| {
                        let n = n.to_ascii_lowercase();
                        n == "host"
                            || n == "content-md5"
                            || n == "content-type"
                            || n.starts_with("x-amz-")
                    })
                    .map(|(n, v)| {
                        if n.eq_ignore_ascii_case("host") {
                            (n.clone(), host.to_string())
                        } else {
                            (n.clone(), v.clone())
                        }
                    })
                    .collect();
                let sig = sign::sigv4::sign(
                    &creds.secret,
                    &amz_date,
                    &self.spec.region,
                    method,
                    wire_path,
                    &params,
                    &signed,
                    &payload,
                );
                headers.push((
                    "Authorization".into(),
                    sign::sigv4::authorization(creds, &sig),
                ));
            }
        }
    }

    async fn send_once(&self, req: &WireRequest) -> Result<Observed> {
        if let Some(p) = &self.shared.pacer {
            p.wait().await;
        }
        match &self.conn {
            Connection::Emulator { client, .. } | Connection::Wire(client) => {
                client.send(req, self.spec.timeout).await
            }
            Connection::Https(client) => {
                let url = format!("https://{}{}", self.authority, req.target);
                let method = reqwest::Method::from_bytes(req.method.as_bytes())
                    .map_err(|_| anyhow!("method {:?} cannot be sent over HTTPS", req.method))?;
                let mut rb = client.request(method, url);
                for (n, v) in &req.headers {
                    // reqwest sets Host and Content-Length itself.
                    if n.eq_ignore_ascii_case("content-length") {
                        continue;
                    }
                    rb = rb.header(n.as_str(), v.as_str());
                }
                let resp = rb.body(req.body.clone()).send().await?;
                let status = resp.status().as_u16();
                let headers = resp
                    .headers()
                    .iter()
                    .map(|(n, v)| {
                        (
                            n.as_str().to_string(),
                            String::from_utf8_lossy(v.as_bytes()).into_owned(),
                        )
                    })
                    .collect();
                let body = resp.bytes().await?.to_vec();
                Ok(Observed {
                    status,
                    headers,
                    body,
                })
            }
        }
    }

    /// Retry connection errors, 429, 500, 503 and `SlowDown` with
    /// exponential backoff; the last answer is returned as it is.
    async fn send_with_retries(&self, req: &WireRequest) -> Result<Observed> {
        let mut attempt = 0;
        loop {
            let result = self.send_once(req).await;
            let retry = match &result {
                Err(_) => true,
                Ok(o) => {
                    matches!(o.status, 429 | 500 | 503)
                        || (o.status / 100 == 5
                            && String::from_utf8_lossy(&o.body).contains("<Code>SlowDown</Code>"))
                }
            };
            if !retry || attempt >= self.spec.retries {
                return result;
            }
            let backoff = Duration::from_millis(100u64 << attempt.min(6));
            tokio::time::sleep(backoff).await;
            attempt += 1;
        }
    }

    /// Delete every object this run wrote (best effort; errors are returned
    /// as a list of keys that could not be deleted).
    pub async fn cleanup(&self) -> Vec<String> {
        let keys: Vec<String> = match self.shared.written.lock() {
            Ok(mut w) => std::mem::take(&mut *w).into_iter().collect(),
            Err(_) => Vec::new(),
        };
        let mut failed = Vec::new();
        for k in keys {
            // The keys were recorded with their prefix.
            match self
                .send_under("", "DELETE", &k, None, &[], Vec::new())
                .await
            {
                Ok(o) if o.status / 100 == 2 || o.status == 404 => {}
                _ => failed.push(k),
            }
        }
        if let Ok(mut w) = self.shared.written.lock() {
            w.clear();
        }
        failed
    }
}

/// A path inside the bucket with a key prefix applied.
fn wire_key(prefix: &str, path: &str) -> String {
    format!("/{prefix}{}", path.trim_start_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_targets_are_the_emulator_under_each_profile() {
        let cos = TargetSpec::resolve("emulator", None).unwrap();
        assert_eq!(cos.profile, Profile::Cos);
        assert_eq!(cos.addressing, Addressing::VirtualHost);
        assert_eq!(cos.vendor, None);
        assert_eq!(cos.retries, 0);
        assert!(cos.isolated());
        let s3 = TargetSpec::resolve("emulator-s3", None).unwrap();
        assert_eq!(s3.profile, Profile::S3);
        assert_eq!(s3.addressing, Addressing::Path);
        assert_eq!(s3.vendor.as_deref(), Some("s3"));
        for b in BuiltIn::ALL {
            assert_eq!(BuiltIn::from_name(b.name()), Some(b));
        }
    }

    #[test]
    fn a_url_target_is_path_style_unsigned_s3_with_the_defaults() {
        let t = TargetSpec::resolve("http://127.0.0.1:45999", None).unwrap();
        assert_eq!(t.profile, Profile::S3);
        assert_eq!(t.addressing, Addressing::Path);
        assert_eq!(t.signer, SignerKind::None);
        assert_eq!(t.retries, 1);
        assert_eq!(t.timeout, Duration::from_secs(30));
        assert_eq!(t.region, emulator::DEFAULT_REGION);
        assert!(!t.isolated());
        assert!(TargetSpec::resolve("nonsense", None).is_err());
    }

    #[test]
    fn content_length_is_added_for_bodies_puts_and_posts_only() {
        let none: &[(String, String)] = &[];
        assert_eq!(wire::default_content_length("PUT", none, b""), Some(0));
        assert_eq!(wire::default_content_length("POST", none, b"ab"), Some(2));
        assert_eq!(wire::default_content_length("GET", none, b"abc"), Some(3));
        assert_eq!(wire::default_content_length("GET", none, b""), None);
        assert_eq!(wire::default_content_length("OPTIONS", none, b""), None);
        let named = [("content-length".to_string(), "9".to_string())];
        assert_eq!(wire::default_content_length("PUT", &named, b"x"), None);
    }

    #[tokio::test]
    async fn an_emulator_session_answers_the_bucket_helpers() {
        let spec = TargetSpec::resolve("emulator", None).unwrap();
        let shared = Shared::new(&spec).unwrap();
        let s = Session::open(&spec, &shared).await.unwrap();
        assert_eq!(s.key_prefix(), "");
        assert_eq!(s.wire_path("/a.txt"), "/a.txt");
        assert_eq!(
            s.host(),
            format!(
                "{}.cos.{}.myqcloud.com",
                emulator::DEFAULT_BUCKET,
                emulator::DEFAULT_REGION
            )
        );
        assert_eq!(s.get_cors().await.unwrap().status, 404);
        let body = b"<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>".to_vec();
        assert_eq!(s.put_cors(body).await.unwrap().status, 200);
        assert_eq!(s.get_cors().await.unwrap().status, 200);
        assert_eq!(s.delete_cors().await.unwrap().status, 204);
        assert_eq!(s.get_cors().await.unwrap().status, 404);
        // The documents' Resource, mapped to this target.
        let doc = format!(
            "{}.cos.{}.myqcloud.com/key",
            emulator::DEFAULT_BUCKET,
            emulator::DEFAULT_REGION
        );
        assert_eq!(s.expected_resource(&doc), doc);
    }
}
