//! The abuse suite (issue 16): `coscors serve` as a child process, tried as
//! an attacker would over loopback. Every loop is bounded in count and in
//! time; timings are ratios measured in one run; memory is the child's RSS
//! as /proc/<pid>/status reports it.

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::{parse, serve_with, Resp, HOST};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

/// Send `bytes` on a new connection and read the answer until the server
/// closes (every request here says `Connection: close`), within `limit`.
async fn exchange(addr: SocketAddr, bytes: &[u8], limit: Duration) -> Result<Vec<u8>, String> {
    let talk = async {
        let mut s = TcpStream::connect(addr)
            .await
            .map_err(|e| format!("connect: {e}"))?;
        s.write_all(bytes)
            .await
            .map_err(|e| format!("write: {e}"))?;
        let mut out = Vec::new();
        s.read_to_end(&mut out)
            .await
            .map_err(|e| format!("read: {e}"))?;
        Ok(out)
    };
    tokio::time::timeout(limit, talk)
        .await
        .map_err(|_| format!("no answer within {limit:?}"))?
}

/// A request's bytes: `head` lines (without the request line's CRLF) and a
/// body, with `Host`, `Content-Length` and `Connection: close` added.
fn request_bytes(request_line: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut r = format!("{request_line}\r\nHost: {HOST}\r\n");
    for (n, v) in headers {
        r.push_str(&format!("{n}: {v}\r\n"));
    }
    r.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    ));
    let mut r = r.into_bytes();
    r.extend_from_slice(body);
    r
}

/// Time one exchange; the answer must come within `limit`.
async fn timed(addr: SocketAddr, bytes: &[u8], limit: Duration) -> (Duration, Resp) {
    let t = Instant::now();
    let out = exchange(addr, bytes, limit)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    (t.elapsed(), parse(&out))
}

/// The server's resident memory in KiB (VmRSS of /proc/<pid>/status).
fn rss_kib(pid: u32) -> u64 {
    let status =
        std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc/<pid>/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("a VmRSS line")
}

async fn put_cors(addr: SocketAddr, xml: &str) {
    let req = request_bytes("PUT /?cors HTTP/1.1", &[], xml.as_bytes());
    let (_, r) = timed(addr, &req, Duration::from_secs(10)).await;
    assert_eq!(r.status, 200, "PUT cors: {}", r.body);
}

fn preflight(origin: &str) -> Vec<u8> {
    request_bytes(
        "OPTIONS /exampleobject HTTP/1.1",
        &[("Origin", origin), ("Access-Control-Request-Method", "GET")],
        b"",
    )
}

/// Defect 1: a rule of `*` and 60 KB of literal text, and a 300 KB `Origin`
/// that backtracking matching tried at each of its places (minutes of a
/// debug build's worker; ~20 s of a release one). Its preflight now costs
/// a small multiple of an ordinary 300 KB origin's (one the rule allows) and
/// of a 3 KB one made the same way, in one run; and the server answers
/// another client meanwhile.
#[tokio::test]
async fn wildcard_attack_costs_what_an_ordinary_origin_costs() {
    let served = serve_with(&[], &[]);
    let addr = served.addr;
    let literal = "a".repeat(60 * 1024);
    put_cors(
        addr,
        &format!("<CORSConfiguration><CORSRule><AllowedOrigin>*{literal}</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>"),
    )
    .await;
    let attack = |len: usize| format!("{}b", "a".repeat(len - 1));
    let ordinary = format!(
        "https://{}{literal}",
        "x".repeat(300_000 - 8 - literal.len())
    );
    let inputs = [
        preflight(&attack(300_000)),
        preflight(&attack(3_000)),
        preflight(&ordinary),
    ];
    let limit = Duration::from_secs(20);
    let mut best = [Duration::MAX; 3];
    for _ in 0..3 {
        for (i, req) in inputs.iter().enumerate() {
            let (t, r) = timed(addr, req, limit).await;
            assert_eq!(
                r.status,
                if i == 2 { 200 } else { 403 },
                "input {i}: {}",
                r.body
            );
            best[i] = best[i].min(t);
        }
    }
    let vs_ordinary = best[0].as_secs_f64() / best[2].as_secs_f64();
    let vs_3k = best[0].as_secs_f64() / best[1].as_secs_f64();
    eprintln!("300 KB attack / 300 KB ordinary origin {vs_ordinary:.2}; / 3 KB attack {vs_3k:.2}");
    assert!(vs_ordinary < 10.0, "{vs_ordinary:.2}× ({best:?})");
    // The 3 KB request carries 100 times fewer bytes; over loopback the
    // 300 KB ones pay for their transfer, so this ratio is about bytes.
    assert!(vs_3k < 30.0, "{vs_3k:.2}× ({best:?})");
    // Two attacks at once, and an ordinary client is still answered.
    let a = tokio::spawn({
        let req = inputs[0].clone();
        async move { exchange(addr, &req, limit).await }
    });
    let b = tokio::spawn({
        let req = inputs[0].clone();
        async move { exchange(addr, &req, limit).await }
    });
    let (_, r) = timed(
        addr,
        &preflight("https://example.com"),
        Duration::from_secs(5),
    )
    .await;
    assert_eq!(r.status, 403);
    for h in [a, b] {
        h.await.expect("joined").expect("answered");
    }
}

/// Defect 2: POST Object with a 100 KB boundary over a 4 MB body of near
/// misses took 12 s of a release build's worker (quadratic search); now a
/// small multiple of a well-formed upload of the same size.
#[tokio::test]
async fn long_multipart_boundary_costs_what_an_upload_costs() {
    let served = serve_with(&[], &[]);
    let addr = served.addr;
    let boundary = "-".repeat(100 * 1024);
    let content_type = format!("multipart/form-data; boundary={boundary}");
    let size = 4 * 1024 * 1024;
    let mut run = "-".repeat(boundary.len() - 1);
    run.push('x');
    let hostile = run.repeat(size / run.len() + 1).into_bytes();
    let mut plain = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nup.txt\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n\r\n"
    )
    .into_bytes();
    plain.resize(hostile.len() - boundary.len() - 8, b'z');
    plain.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let reqs = [
        request_bytes(
            "POST / HTTP/1.1",
            &[("Content-Type", &content_type)],
            &hostile,
        ),
        request_bytes(
            "POST / HTTP/1.1",
            &[("Content-Type", &content_type)],
            &plain,
        ),
    ];
    let mut best = [Duration::MAX; 2];
    for _ in 0..3 {
        for (i, req) in reqs.iter().enumerate() {
            let (t, r) = timed(addr, req, Duration::from_secs(30)).await;
            assert_eq!(
                r.status,
                if i == 0 { 400 } else { 204 },
                "input {i}: {}",
                r.body
            );
            best[i] = best[i].min(t);
        }
    }
    let ratio = best[0].as_secs_f64() / best[1].as_secs_f64();
    eprintln!("POST Object, 100 KB boundary, 4 MB: near misses / upload {ratio:.2}");
    assert!(ratio < 10.0, "{ratio:.2}× ({best:?})");
}
