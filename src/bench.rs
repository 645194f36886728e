//! `coscors bench`: the emulator's preflight throughput beside a bare hyper
//! server answering a fixed response, measured in one run on one machine.
//!
//! Each server runs on a runtime of its own with one worker thread; the load
//! comes from another single-threaded runtime over loopback keep-alive
//! connections, so on a 2-core machine server and load each get a core.
//! Figures are only comparable inside one run: the ratio is the result.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context as _, Result};
use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Full};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};

use crate::emulator::{self, EmulatorConfig, DEFAULT_BUCKET, DEFAULT_REGION};
use crate::model::{content_md5_of, Profile};

/// What to measure.
#[derive(Debug, Clone)]
pub struct BenchConfig {
    pub connections: usize,
    pub duration: Duration,
    pub warmup: Duration,
    /// The measured time of each server is split into this many windows,
    /// taken in turn (bare, emulator, peers, bare, ...), so that a change in
    /// the machine's load during the run falls on every server alike.
    pub rounds: u32,
    /// Other servers to time with the same preflight: (label, http://host:port, bucket path prefix).
    pub peers: Vec<Peer>,
}

/// An external server to time beside ours.
#[derive(Debug, Clone)]
pub struct Peer {
    pub label: String,
    pub addr: SocketAddr,
    /// `Host` header to send.
    pub host: String,
    /// Request target of the preflight.
    pub target: String,
    /// For a path-style peer: its bucket, created and given the same CORS
    /// configuration (unsigned requests) before the load.
    pub bucket: Option<String>,
}

impl Peer {
    /// A peer from `LABEL=http://HOST:PORT/BUCKET` (`--peer`): path-style,
    /// plain HTTP, the bucket named.
    pub fn parse(p: &str) -> Result<Peer> {
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
    }
}

/// One measured server.
#[derive(Debug, Clone)]
pub struct Measurement {
    pub label: String,
    pub requests: u64,
    pub errors: u64,
    pub statuses: Vec<(u16, u64)>,
    pub elapsed: Duration,
}

impl Measurement {
    pub fn rate(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }
}

const ORIGIN: &str = "https://example.com";

/// The CORS configuration the emulator answers from: seed 003 exchange 1's rule.
const CORS_XML: &str = "<CORSConfiguration><CORSRule><AllowedOrigin>https://example.com</AllowedOrigin><AllowedMethod>PUT</AllowedMethod><AllowedMethod>GET</AllowedMethod><AllowedMethod>POST</AllowedMethod><AllowedMethod>DELETE</AllowedMethod><AllowedMethod>HEAD</AllowedMethod><AllowedHeader>*</AllowedHeader><ExposeHeader>Content-Length</ExposeHeader><ExposeHeader>ETag</ExposeHeader><ExposeHeader>x-cos-meta-author</ExposeHeader><MaxAgeSeconds>600</MaxAgeSeconds></CORSRule></CORSConfiguration>";

fn single_thread_runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .context("starting a tokio runtime")
}

/// A bare hyper server answering every request with the same fixed
/// response (the headers of seed 003 exchange 1's answer).
async fn bare_hyper(listener: TcpListener) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        tokio::spawn(async move {
            let svc = service_fn(|_req: Request<hyper::body::Incoming>| async {
                let mut r = Response::new(Full::new(Bytes::new()));
                let h = r.headers_mut();
                for (n, v) in [
                    ("access-control-allow-credentials", "true"),
                    (
                        "access-control-allow-headers",
                        "content-md5,content-type,x-cos-meta-author",
                    ),
                    ("access-control-allow-methods", "PUT,GET,POST,DELETE,HEAD"),
                    ("access-control-allow-origin", ORIGIN),
                    (
                        "access-control-expose-headers",
                        "Content-Length,ETag,x-cos-meta-author",
                    ),
                    ("access-control-max-age", "600"),
                    ("server", "tencent-cos"),
                    (
                        "x-cos-request-id",
                        "NWYwNzJlNzJfODRjOTJhMDlfMjU0MWNfMTNmZDM5MTI0",
                    ),
                ] {
                    h.insert(n, hyper::header::HeaderValue::from_static(v));
                }
                Ok::<_, Infallible>(r)
            });
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), svc)
                .await;
        });
    }
}

/// Run the benchmark and return one measurement per server, bare hyper first.
pub fn run(config: &BenchConfig) -> Result<Vec<Measurement>> {
    let bare_rt = single_thread_runtime()?;
    let bare_addr = bare_rt.block_on(async {
        let l = TcpListener::bind("127.0.0.1:0").await?;
        let a = l.local_addr()?;
        tokio::spawn(bare_hyper(l));
        anyhow::Ok(a)
    })?;
    let emu_rt = single_thread_runtime()?;
    let emu = emu_rt.block_on(emulator::spawn(
        SocketAddr::from(([127, 0, 0, 1], 0)),
        EmulatorConfig {
            profile: Profile::Cos,
            region: DEFAULT_REGION.into(),
            buckets: vec![DEFAULT_BUCKET.into()],
            credentials: None,
        },
    ))?;
    let host = format!("{DEFAULT_BUCKET}.cos.{DEFAULT_REGION}.myqcloud.com");
    let load_rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    load_rt.block_on(put_cors(emu.addr, &host, "/?cors"))?;
    for p in &config.peers {
        if let Some(b) = &p.bucket {
            load_rt
                .block_on(async {
                    create_bucket(p.addr, &p.host, &format!("/{b}")).await?;
                    put_cors(p.addr, &p.host, &format!("/{b}?cors")).await
                })
                .with_context(|| format!("configuring {}", p.label))?;
        }
    }
    let mut servers = vec![
        Peer {
            label: "bare hyper, fixed response".into(),
            addr: bare_addr,
            host: host.clone(),
            target: "/exampleobject".into(),
            bucket: None,
        },
        Peer {
            label: "coscors emulator (cos)".into(),
            addr: emu.addr,
            host: host.clone(),
            target: "/exampleobject".into(),
            bucket: None,
        },
    ];
    servers.extend(config.peers.iter().cloned());
    let rounds = config.rounds.max(1);
    let window = config.duration / rounds;
    let mut out: Vec<Measurement> = servers
        .iter()
        .map(|s| Measurement {
            label: s.label.clone(),
            requests: 0,
            errors: 0,
            statuses: Vec::new(),
            elapsed: Duration::ZERO,
        })
        .collect();
    for _ in 0..rounds {
        for (s, total) in servers.iter().zip(out.iter_mut()) {
            let m = load_rt.block_on(measure(s, config, window))?;
            total.requests += m.requests;
            total.errors += m.errors;
            total.elapsed += m.elapsed;
            for (status, n) in m.statuses {
                match total.statuses.iter_mut().find(|(s, _)| *s == status) {
                    Some((_, c)) => *c += n,
                    None => total.statuses.push((status, n)),
                }
            }
        }
    }
    drop(emu);
    Ok(out)
}

async fn create_bucket(addr: SocketAddr, host: &str, path: &str) -> Result<()> {
    let mut sender = connect(addr).await?;
    let req = Request::put(path)
        .header("host", host)
        .body(Full::new(Bytes::new()))?;
    let resp = sender.send_request(req).await?;
    // 409: it exists already.
    anyhow::ensure!(
        resp.status().is_success() || resp.status() == 409,
        "PUT {path} answered {}",
        resp.status()
    );
    Ok(())
}

async fn put_cors(addr: SocketAddr, host: &str, path: &str) -> Result<()> {
    let mut sender = connect(addr).await?;
    let req = Request::put(path)
        .header("host", host)
        .header("content-type", "application/xml")
        .header("content-md5", content_md5_of(CORS_XML.as_bytes()))
        .body(Full::new(Bytes::from_static(CORS_XML.as_bytes())))?;
    let resp = sender.send_request(req).await?;
    anyhow::ensure!(resp.status() == 200, "PUT ?cors answered {}", resp.status());
    Ok(())
}

type Sender<B> = hyper::client::conn::http1::SendRequest<B>;

async fn connect<B>(addr: SocketAddr) -> Result<Sender<B>>
where
    B: hyper::body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let stream = TcpStream::connect(addr)
        .await
        .with_context(|| format!("connecting to {addr}"))?;
    stream.set_nodelay(true).ok();
    let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(conn);
    Ok(sender)
}

async fn measure(server: &Peer, config: &BenchConfig, window: Duration) -> Result<Measurement> {
    let count = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let counting = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let statuses = Arc::new(std::sync::Mutex::new(
        std::collections::BTreeMap::<u16, u64>::new(),
    ));
    let mut tasks = Vec::new();
    for _ in 0..config.connections.max(1) {
        let (count, errors, counting, stop, statuses) = (
            count.clone(),
            errors.clone(),
            counting.clone(),
            stop.clone(),
            statuses.clone(),
        );
        let s = server.clone();
        tasks.push(tokio::spawn(async move {
            let mut sender: Option<Sender<Empty<Bytes>>> = None;
            while !stop.load(Ordering::Relaxed) {
                if sender
                    .as_ref()
                    .is_none_or(hyper::client::conn::http1::SendRequest::is_closed)
                {
                    if let Ok(c) = connect(s.addr).await {
                        sender = Some(c);
                    } else {
                        errors.fetch_add(1, Ordering::Relaxed);
                        tokio::time::sleep(Duration::from_millis(5)).await;
                        continue;
                    }
                }
                let Some(tx) = sender.as_mut() else { continue };
                if tx.ready().await.is_err() {
                    sender = None;
                    continue;
                }
                let req = Request::options(s.target.as_str())
                    .header("host", s.host.as_str())
                    .header(crate::model::headers::ORIGIN, ORIGIN)
                    .header("access-control-request-method", "PUT")
                    .header(
                        "access-control-request-headers",
                        "content-md5,content-type,x-cos-meta-author",
                    )
                    .body(Empty::<Bytes>::new());
                let Ok(req) = req else { break };
                if let Ok(resp) = tx.send_request(req).await {
                    let status = resp.status().as_u16();
                    let ok = resp.into_body().collect().await.is_ok();
                    if counting.load(Ordering::Relaxed) {
                        if ok {
                            count.fetch_add(1, Ordering::Relaxed);
                            if let Ok(mut m) = statuses.lock() {
                                *m.entry(status).or_default() += 1;
                            }
                        } else {
                            errors.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                } else {
                    errors.fetch_add(1, Ordering::Relaxed);
                    sender = None;
                }
            }
        }));
    }
    tokio::time::sleep(config.warmup).await;
    count.store(0, Ordering::Relaxed);
    errors.store(0, Ordering::Relaxed);
    counting.store(true, Ordering::Relaxed);
    let started = Instant::now();
    tokio::time::sleep(window).await;
    let requests = count.load(Ordering::Relaxed);
    let elapsed = started.elapsed();
    counting.store(false, Ordering::Relaxed);
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        let _ = tokio::time::timeout(Duration::from_secs(5), t).await;
    }
    let statuses = statuses
        .lock()
        .map_err(|_| anyhow!("status counter poisoned"))?
        .iter()
        .map(|(k, v)| (*k, *v))
        .collect();
    Ok(Measurement {
        label: server.label.clone(),
        requests,
        errors: errors.load(Ordering::Relaxed),
        statuses,
        elapsed,
    })
}

/// CPU time this process has used, user and system, in seconds (from
/// `/proc/self/stat`, in the kernel's 1/100 s ticks; 0 where there is
/// none).
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // The fields after the command name (which may hold spaces, in
    // parentheses): utime and stime are the 12th and 13th of them.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    (ticks(11) + ticks(12)) as f64 / 100.0
}

/// A line naming this machine: CPU model, cores, memory.
pub fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("MemTotal"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map_or_else(
            || "unknown memory".into(),
            |kb| format!("{:.0} GiB", kb as f64 / 1024.0 / 1024.0),
        );
    format!("{cpu}, {cores} cores, {mem}")
}

/// The report table.
pub fn render(config: &BenchConfig, results: &[Measurement]) -> String {
    let mut out = format!(
        "machine: {}\nload: {} keep-alive connections over loopback, {:?} per server in {} interleaved windows (each after {:?} warm-up); one OPTIONS preflight (seed 003 exchange 1)\n\n",
        machine(),
        config.connections,
        config.duration,
        config.rounds.max(1),
        config.warmup
    );
    let base = results.first().map_or(0.0, Measurement::rate);
    out.push_str(&format!(
        "{:<34} {:>12} {:>10} {:>8}  statuses\n",
        "server", "req/s", "vs bare", "errors"
    ));
    for m in results {
        let statuses: Vec<String> = m.statuses.iter().map(|(s, n)| format!("{s}×{n}")).collect();
        out.push_str(&format!(
            "{:<34} {:>12.0} {:>9.3}× {:>8}  {}\n",
            m.label,
            m.rate(),
            if base > 0.0 { m.rate() / base } else { 0.0 },
            m.errors,
            statuses.join(" ")
        ));
    }
    if let Some(emu) = results.get(1) {
        let mut line = String::from("\nthe emulator answers");
        for (i, m) in results.iter().enumerate() {
            if i == 1 || m.rate() <= 0.0 {
                continue;
            }
            line.push_str(&format!(" {:.2}× {};", emu.rate() / m.rate(), m.label));
        }
        line.pop();
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// The fuzzer's speed, every figure of one run on one machine:
///
/// - in process (model vs model), `--jobs 1` and `--jobs 2` in alternating
///   windows (campaigns of seeds 0, 1, ...): median and best of each, and
///   the ratio of their medians;
/// - over loopback HTTP (emulator vs emulator, one worker; `--connections
///   1`: one keep-alive connection per target, both in flight at once, and
///   the default `--connections`: that many inputs in flight, two
///   connections each), beside a bare hyper request/response round trip
///   on one keep-alive connection from the same client, in alternating
///   windows: requests/s per connection and in total vs the bare round
///   trips/s. The emulators run on the worker's server thread, the bare
///   server on a thread of its own: the same arrangement;
/// - against moto and s3rver, when the targets file
///   (`$COSCORS_TARGETS`, else `tests/peers/targets.yaml`) names them and
///   they answer: execs/s with `--jobs 1`, `--jobs 4`, and `--jobs 1` with
///   the default inputs in flight against such a peer, side by side, in
///   buckets of the benchmark's own.
///
/// On a shared machine a window can lose a fifth of its speed to another
/// tenant: the spread of the windows shows how much did.
pub fn fuzz_speed(seconds: u64, rounds: u32) -> Result<String> {
    use crate::fuzz::{campaign, FuzzOptions, ScaleOptions, TargetKind};
    use crate::target::wire::{WireClient, WireRequest};
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let out_dir = std::env::temp_dir().join(format!("coscors-bench-fuzz-{}", std::process::id()));
    let targets_file = crate::target::config::targets_path(None)
        .or_else(|| Some(std::path::PathBuf::from("tests/peers/targets.yaml")))
        .filter(|p| p.exists());
    let opts = |a: &str, b: &str, seed: u64, time: Duration, jobs: usize| FuzzOptions {
        a: a.into(),
        b: b.into(),
        targets_file: targets_file.clone(),
        seed,
        time: Some(time),
        iterations: None,
        out: out_dir.join(format!("{b}-{jobs}")),
        shrink_budget: 0,
        date: String::new(),
        state_dir: out_dir.join("state"),
        owned: false,
        scale: ScaleOptions {
            jobs: Some(jobs),
            own_buckets: true,
            ..ScaleOptions::default()
        },
    };
    let rounds = rounds.max(1);
    let window = Duration::from_secs_f64(seconds as f64 / f64::from(rounds));
    let (mut one, mut two) = (Vec::new(), Vec::new());
    // Execs per CPU-second of this process, and CPU-seconds per second:
    // what another tenant's load does not change (it takes cores away,
    // not work per core).
    let mut per_cpu = [(0u64, 0.0f64, Duration::ZERO); 2];
    for seed in 0..u64::from(rounds) {
        for (k, (jobs, rates)) in [(1, &mut one), (2, &mut two)].into_iter().enumerate() {
            let cpu = cpu_seconds();
            let report = rt.block_on(campaign(
                &opts("model", "model", seed, window, jobs),
                |_| {},
            ))?;
            rates.push(report.rate());
            per_cpu[k].0 += report.execs;
            per_cpu[k].1 += cpu_seconds() - cpu;
            per_cpu[k].2 += report.elapsed;
        }
    }
    let per_cpu_rate = |k: usize| per_cpu[k].0 as f64 / per_cpu[k].1.max(1e-9);
    let cores_used = |k: usize| per_cpu[k].1 / per_cpu[k].2.as_secs_f64().max(1e-9);
    let spread = |rates: &mut Vec<f64>| {
        rates.sort_by(f64::total_cmp);
        (rates[rates.len() / 2], rates[rates.len() - 1])
    };
    let ((one_median, one_best), (two_median, two_best)) = (spread(&mut one), spread(&mut two));
    // Loopback and the bare round trip take turns, window by window, so
    // that a slow spell of the machine weighs on both alike, in two
    // arrangements, the bare server in the same one as the emulators: all
    // on this one thread (the client on a current-thread runtime, as a
    // fuzz worker's, and its servers on the same runtime), or the servers
    // on a runtime of their own with one worker thread (`server_threads`).
    let lanes = [
        1usize,
        crate::fuzz::default_connections(&TargetKind::Embedded, &TargetKind::Embedded, true),
    ];
    let req = WireRequest {
        method: "OPTIONS".into(),
        target: "/exampleobject".into(),
        headers: vec![
            (
                "Host".into(),
                "examplebucket-1250000000.cos.ap-beijing.myqcloud.com".into(),
            ),
            (crate::model::headers::ORIGIN.into(), ORIGIN.into()),
            (crate::model::headers::REQUEST_METHOD.into(), "PUT".into()),
        ],
        body: Vec::new(),
    };
    let bare_rt = single_thread_runtime()?;
    let bare_own = bare_rt.block_on(async {
        let l = TcpListener::bind("127.0.0.1:0").await?;
        let addr = l.local_addr()?;
        tokio::spawn(bare_hyper(l));
        anyhow::Ok(addr)
    })?;
    let bare_same = rt.block_on(async {
        let l = TcpListener::bind("127.0.0.1:0").await?;
        let addr = l.local_addr()?;
        tokio::spawn(bare_hyper(l));
        anyhow::Ok(addr)
    })?;
    // Per arrangement: (execs, requests, time) per lane count; the bare
    // round trips and time on one connection; on two in flight at once.
    #[derive(Default, Clone, Copy)]
    struct Figures {
        http: [(u64, u64, Duration); 2],
        bare: (u64, Duration),
        pair: (u64, Duration),
    }
    let mut figures = [Figures::default(); 2];
    for seed in 0..u64::from(rounds) {
        for (k, (server_threads, bare_addr)) in [(false, bare_same), (true, bare_own)]
            .into_iter()
            .enumerate()
        {
            let f = &mut figures[k];
            for (j, c) in lanes.into_iter().enumerate() {
                let mut o = opts("emulator", "emulator", seed, window, 1);
                o.scale.connections = Some(c);
                o.scale.server_threads = server_threads;
                let r = rt.block_on(campaign(&o, |_| {}))?;
                f.http[j].0 += r.execs;
                f.http[j].1 += r.requests;
                f.http[j].2 += r.elapsed;
            }
            rt.block_on(async {
                let (one, two) = (WireClient::new(bare_addr), WireClient::new(bare_addr));
                let started = Instant::now();
                while started.elapsed() < window {
                    one.send(&req, Duration::from_secs(10)).await?;
                    f.bare.0 += 1;
                }
                f.bare.1 += started.elapsed();
                let started = Instant::now();
                while started.elapsed() < window {
                    let (a, b) = tokio::join!(
                        one.send(&req, Duration::from_secs(10)),
                        two.send(&req, Duration::from_secs(10))
                    );
                    a?;
                    b?;
                    f.pair.0 += 2;
                }
                f.pair.1 += started.elapsed();
                anyhow::Ok(())
            })?;
        }
    }
    bare_rt.shutdown_background();
    let mut out = format!(
        "machine: {}\nfuzz loop, {seconds}s per figure in {rounds} alternating windows:\n\n\
         {:<52} {:>10.0} execs/s  (median; best {one_best:.0})\n\
         {:<52} {:>10.0} execs/s  (median; best {two_best:.0})\n\
         {:<52} {:>10.2}×\n\
         {:<52} {:>10.0} {:>10.0}  ({:.2}×; cores used {:.2} and {:.2})\n",
        machine(),
        "model vs model, in process, --jobs 1",
        one_median,
        "model vs model, in process, --jobs 2",
        two_median,
        "in process: --jobs 2 vs --jobs 1 (medians)",
        two_median / one_median.max(1e-9),
        "in process: execs per CPU-second, --jobs 1 and 2",
        per_cpu_rate(0),
        per_cpu_rate(1),
        per_cpu_rate(1) / per_cpu_rate(0).max(1e-9),
        cores_used(0),
        cores_used(1),
    );
    let arrangements = [
        "one thread (the default): the client (a current-thread runtime), the emulators\n\
         and the bare hyper server all on the worker's thread",
        "server threads (--server-threads): the client on the worker's thread, the\n\
         emulators on its server thread, the bare hyper server on a thread of its own\n\
         (each a runtime of one worker thread)",
    ];
    for (f, arrangement) in figures.iter().zip(arrangements) {
        let rate = |(n, t): (u64, Duration)| n as f64 / t.as_secs_f64().max(1e-9);
        let bare_rate = rate(f.bare);
        let pair_rate = rate(f.pair) / 2.0;
        out.push_str(&format!(
            "\nloopback HTTP, emulator vs emulator, --jobs 1, {arrangement}:\n"
        ));
        let mut ratios = String::new();
        for (j, c) in lanes.into_iter().enumerate() {
            let (execs, requests, time) = f.http[j];
            let secs = time.as_secs_f64().max(1e-9);
            // Each input in flight has a connection to each target.
            let conns = 2 * c;
            let rps = requests as f64 / secs;
            let per_connection = rps / conns as f64;
            out.push_str(&format!(
                "{:<52} {:>10.0} execs/s  ({rps:.0} requests/s on {conns} connections, {per_connection:.0} per connection)\n",
                format!("--connections {c}"),
                execs as f64 / secs,
            ));
            ratios.push_str(&format!(
                "{:<52} {:>10.2}×  (total {:.2}×)\n",
                format!("--connections {c}: per connection vs bare"),
                per_connection / bare_rate.max(1e-9),
                rps / bare_rate.max(1e-9),
            ));
        }
        out.push_str(&format!(
            "{:<52} {:>10.0} round trips/s\n{ratios}\
             (context: the bare server with two connections in flight, as --connections 1 has:\n\
             {pair_rate:.0} round trips/s per connection, {:.2}× its one connection)\n",
            "bare hyper, one keep-alive connection",
            bare_rate,
            pair_rate / bare_rate.max(1e-9),
        ));
    }
    let peers: Vec<&str> = ["moto", "s3rver"]
        .into_iter()
        .filter(|p| {
            crate::target::TargetSpec::resolve(p, targets_file.as_deref())
                .ok()
                .and_then(|spec| match spec.endpoint {
                    crate::target::Endpoint::Url { host, port, .. } => {
                        std::net::TcpStream::connect_timeout(
                            &std::net::ToSocketAddrs::to_socket_addrs(&(host.as_str(), port))
                                .ok()?
                                .next()?,
                            Duration::from_millis(300),
                        )
                        .ok()
                    }
                    crate::target::Endpoint::Emulator => None,
                })
                .is_some()
        })
        .collect();
    // Workers, and inputs in flight per worker (the default against a peer
    // that creates buckets).
    let lanes =
        crate::fuzz::default_connections(&TargetKind::Embedded, &TargetKind::External, false);
    let configs = [(1usize, 1usize), (4, 1), (1, lanes)];
    if peers.is_empty() {
        out.push_str("\nmoto, s3rver: not running (no targets file naming them, or no answer): not measured\n");
    } else {
        out.push_str(&format!(
            "\nemulator-s3 vs peer, loopback HTTP, execs/s ({}s each; -j: --jobs, -c: --connections)\n{:<32} {:>10} {:>10} {:>10}  ratios to -j 1 -c 1\n",
            seconds.max(1),
            "",
            "-j 1 -c 1",
            "-j 4 -c 1",
            format!("-j 1 -c {lanes}"),
        ));
    }
    for peer in peers {
        let mut rates = [0.0f64; 3];
        let mut notes = Vec::new();
        for (k, (jobs, c)) in configs.into_iter().enumerate() {
            let mut o = opts(
                "emulator-s3",
                peer,
                0,
                Duration::from_secs(seconds.max(1)),
                jobs,
            );
            o.shrink_budget = 0;
            o.scale.connections = Some(c);
            match rt.block_on(campaign(&o, |_| {})) {
                Ok(r) => {
                    rates[k] = r.rate();
                    if !r.wedged.is_empty() {
                        notes.push(format!(
                            "-j {jobs} -c {c}: {} buckets broken and replaced",
                            r.wedged.len()
                        ));
                    }
                }
                Err(e) => notes.push(format!("-j {jobs} -c {c}: {e:#}")),
            }
        }
        // No ratio to a base that did not run.
        let ratio = |k: usize| {
            if rates[0] > 0.0 {
                format!("{:.2}×", rates[k] / rates[0])
            } else {
                "-".to_string()
            }
        };
        out.push_str(&format!(
            "{:<32} {:>10.0} {:>10.0} {:>10.0}  {} {}{}\n",
            format!("emulator-s3 vs {peer}"),
            rates[0],
            rates[1],
            rates[2],
            ratio(1),
            ratio(2),
            if notes.is_empty() {
                String::new()
            } else {
                format!("  ({})", notes.join("; "))
            }
        ));
    }
    let _ = std::fs::remove_dir_all(&out_dir);
    Ok(out)
}

#[cfg(test)]
mod peer_tests {
    use super::Peer;

    #[test]
    fn a_peer_is_label_equals_a_path_style_http_url() {
        let p = Peer::parse("moto=http://127.0.0.1:25000/bucket/").unwrap();
        assert_eq!(p.label, "moto");
        assert_eq!(p.addr.to_string(), "127.0.0.1:25000");
        assert_eq!(p.host, "127.0.0.1:25000");
        assert_eq!(p.target, "/bucket/exampleobject");
        assert_eq!(p.bucket.as_deref(), Some("bucket"));
    }

    #[test]
    fn a_peer_without_label_scheme_or_bucket_is_refused() {
        for bad in [
            "http://127.0.0.1:25000/b",
            "moto=https://127.0.0.1:25000/b",
            "moto=http://127.0.0.1:25000",
            "moto=http://127.0.0.1:25000/",
        ] {
            assert!(Peer::parse(bad).is_err(), "{bad}");
        }
    }
}

/// Replace (or add) the block `name` of the generated figures file at
/// `path` (`reports/bench.md`) with `figures`, as `coscors bench --write`
/// does: the one place speed figures are kept, written by the benchmark,
/// never by hand. Other blocks of the file are kept as they are.
pub fn write_block(
    path: &std::path::Path,
    name: &str,
    command: &str,
    date: &str,
    figures: &str,
) -> Result<()> {
    let old = std::fs::read_to_string(path).unwrap_or_default();
    std::fs::write(path, with_block(&old, name, command, date, figures))
        .with_context(|| format!("writing {}", path.display()))
}

/// [`write_block`]'s text.
pub fn with_block(old: &str, name: &str, command: &str, date: &str, figures: &str) -> String {
    const HEAD: &str = "# Speed figures\n\nWritten by `coscors bench --write reports/bench.md` (each block by the command above it); not\nedited by hand. Figures compare only within one run on one machine: the ratios are the result.\n";
    let (open, close) = (
        format!("<!-- bench:{name} -->"),
        format!("<!-- /bench:{name} -->"),
    );
    let block = format!(
        "{open}\n## {name}\n\n`{command}`, {date}\n\n```\n{}\n```\n{close}",
        figures.trim_end()
    );
    let body = if old.is_empty() {
        HEAD.to_string()
    } else {
        old.to_string()
    };
    match (body.find(&open), body.find(&close)) {
        (Some(a), Some(b)) if b > a => format!("{}{block}{}", &body[..a], &body[b + close.len()..]),
        _ => format!("{}\n\n{block}\n", body.trim_end()),
    }
}

#[cfg(test)]
mod write_tests {
    use super::with_block;

    #[test]
    fn a_block_is_replaced_in_place_and_others_are_kept() {
        let one = with_block("", "preflight", "coscors bench", "2026-12-01", "a 1\n");
        assert!(one.starts_with("# Speed figures"));
        assert!(one.contains("<!-- bench:preflight -->\n## preflight\n\n`coscors bench`, 2026-12-01\n\n```\na 1\n```\n<!-- /bench:preflight -->"));
        let two = with_block(&one, "fuzz", "coscors bench --fuzz", "2026-12-01", "f 2");
        let three = with_block(&two, "preflight", "coscors bench", "2026-12-02", "a 3");
        assert!(three.contains("a 3") && !three.contains("a 1"));
        assert!(three.contains("f 2"));
        assert!(three.find("bench:preflight").unwrap() < three.find("bench:fuzz").unwrap());
        assert_eq!(three.matches("# Speed figures").count(), 1);
    }
}
