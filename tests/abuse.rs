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

/// A request given as its request line (`METHOD TARGET HTTP/1.1`): the same
/// bytes as [`raw_request`], to this file's `HOST`.
fn request_bytes(request_line: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut parts = request_line.splitn(3, ' ');
    let method = parts.next().unwrap_or_default();
    let target = parts.next().unwrap_or_default();
    raw_request(method, target, HOST, headers, body)
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
    // COS requires Content-MD5 on PUT ?cors (436/8279).
    let md5 = coscors::model::content_md5_of(xml.as_bytes());
    let req = request_bytes(
        "PUT /?cors HTTP/1.1",
        &[("Content-MD5", &md5)],
        xml.as_bytes(),
    );
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

/// Defect 1, its second half: the work a preflight asks of a rule is
/// bounded before any rule is evaluated (requested headers × allowed ones).
#[tokio::test]
async fn requested_header_work_is_bounded_before_any_rule_is_evaluated() {
    let served = serve_with(&[], &[]);
    let addr = served.addr;
    // A rule with as many AllowedHeaders as 64 KB holds (about 1,700).
    let allowed: String = (0..1_700)
        .map(|i| format!("<AllowedHeader>x-h{i}</AllowedHeader>"))
        .collect();
    put_cors(
        addr,
        &format!("<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>{allowed}</CORSRule></CORSConfiguration>"),
    )
    .await;
    let ask = |n: usize| {
        let list = vec!["x-nope"; n].join(",");
        request_bytes(
            "OPTIONS /exampleobject HTTP/1.1",
            &[
                ("Origin", "https://a.example"),
                ("Access-Control-Request-Method", "GET"),
                ("Access-Control-Request-Headers", &list),
            ],
            b"",
        )
    };
    // 50,000 requested headers against 1,700 patterns would be 85 million
    // matches: refused before any rule is looked at.
    let (_, r) = timed(addr, &ask(50_000), Duration::from_secs(10)).await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body.contains("<Code>InvalidRequest</Code>"), "{}", r.body);
    assert!(r.body.contains("at most 1024"), "{}", r.body);
    // At the limit the request is evaluated (and refused by the rule).
    let (_, r) = timed(addr, &ask(1_024), Duration::from_secs(10)).await;
    assert_eq!(r.status, 403, "{}", r.body);
}

/// Defect 1: a rule of `*` and 60 KB of literal text, and a 300 KB `Origin`
/// that backtracking matching tried at each of its places (minutes of a
/// debug build's worker; ~20 s of a release one). Its preflight now costs
/// a small multiple of an ordinary 300 KB origin's (one the rule allows),
/// in one run; and the server answers another client meanwhile.
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
    // Not asserted here: the 3 KB request carries 100 times fewer bytes,
    // and a debug build's header parsing makes this ratio one of bytes
    // (20 to 35). The matcher's own 300 KB / 3 KB ratio is asserted in
    // process (`model::glob`'s tests), where only matching is timed.
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

const ID: &str = "AKIDabuse";
const KEY: &str = "abuse-test-secret-key";

fn creds() -> coscors::sign::Credentials {
    coscors::sign::Credentials {
        id: ID.into(),
        secret: KEY.into(),
        token: None,
    }
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn signed_serve(profile: &str) -> common::Served {
    serve_with(
        &["--profile", profile, "--secret-id", ID, "--secret-key", KEY],
        &[],
    )
}

/// A COS-signed request: `signed` are the headers the signature covers
/// (they are sent too), `extra` headers are sent unsigned.
#[allow(clippy::too_many_arguments)]
fn cos_signed(
    method: &str,
    path: &str,
    params: &[(&str, &str)],
    host: &str,
    key_time: &str,
    extra_params: &str,
    body: &[u8],
    sign_host: bool,
) -> (Vec<u8>, String) {
    let len = body.len().to_string();
    let mut signed = vec![("content-length".to_string(), len)];
    if sign_host {
        signed.push(("host".to_string(), host.to_string()));
    }
    let params: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let sig = coscors::sign::cos::sign(KEY, key_time, method, path, &params, &signed);
    let auth = coscors::sign::cos::authorization(&creds(), &sig);
    let query: Vec<String> = params
        .iter()
        .map(|(k, v)| {
            if v.is_empty() {
                k.clone()
            } else {
                format!("{k}={v}")
            }
        })
        .collect();
    let mut target = path.to_string();
    let q = [query.join("&"), extra_params.to_string()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("&");
    if !q.is_empty() {
        target.push('?');
        target.push_str(&q);
    }
    (
        raw_request(method, &target, host, &[("Authorization", &auth)], body),
        auth,
    )
}

/// A request with an explicit Host.
fn raw_request(
    method: &str,
    target: &str,
    host: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Vec<u8> {
    let mut r = format!("{method} {target} HTTP/1.1\r\nHost: {host}\r\n");
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

async fn send(addr: SocketAddr, req: &[u8]) -> Resp {
    timed(addr, req, Duration::from_secs(20)).await.1
}

fn code(r: &Resp) -> String {
    r.body
        .split_once("<Code>")
        .and_then(|(_, rest)| rest.split_once("</Code>"))
        .map(|(c, _)| c.to_string())
        .unwrap_or_default()
}

/// Defect 3: a COS-signed PUT valid an hour ago, replayed as captured, or
/// with `q-sign-time` (not signed) moved to now, or with both times moved,
/// or with any other field rewritten, is refused; a fresh one is accepted.
#[tokio::test]
async fn replayed_cos_signature_is_refused() {
    let served = signed_serve("cos");
    let addr = served.addr;
    let t = now();
    let old = format!("{};{}", t - 7200, t - 3600);
    let fresh = format!("{};{}", t - 60, t + 3600);
    let body = b"replayed body";
    let (ok, _) = cos_signed("PUT", "/replayed", &[], HOST, &fresh, "", body, true);
    let r = send(addr, &ok).await;
    assert_eq!(r.status, 200, "a fresh signature is accepted: {}", r.body);
    let (captured, auth) = cos_signed("PUT", "/replayed", &[], HOST, &old, "", body, true);
    let r = send(addr, &captured).await;
    assert_eq!(
        (r.status, code(&r).as_str()),
        (403, "AccessDenied"),
        "{}",
        r.body
    );
    let text = String::from_utf8_lossy(&captured).into_owned();
    let rewrites = [
        (
            "q-sign-time",
            format!("q-sign-time={old}"),
            format!("q-sign-time={fresh}"),
        ),
        (
            "q-key-time",
            format!("q-key-time={old}"),
            format!("q-key-time={fresh}"),
        ),
        (
            "both times",
            format!("q-sign-time={old}&q-key-time={old}"),
            format!("q-sign-time={fresh}&q-key-time={fresh}"),
        ),
        (
            "q-header-list",
            "q-header-list=content-length;host".into(),
            "q-header-list=content-length".into(),
        ),
        (
            "q-url-param-list",
            "q-url-param-list=&".into(),
            "q-url-param-list=x&".into(),
        ),
        (
            "a repeated q-key-time",
            auth.clone(),
            format!("{auth}&q-key-time={fresh}"),
        ),
    ];
    for (what, from, to) in rewrites {
        assert!(text.contains(&from), "{what}: {from} in {auth}");
        let forged = text.replacen(&from, &to, 1);
        let r = send(addr, forged.as_bytes()).await;
        assert_eq!(r.status, 403, "{what} rewritten is accepted: {}", r.body);
    }
}

/// Defect 5: a signature for `PUT /x` is refused for `PUT /x?acl`
/// (a parameter it does not list), and one that signs no Host is refused
/// on a virtual-host request (it would do for any bucket).
#[tokio::test]
async fn signature_scope_is_bound() {
    let served = signed_serve("cos");
    let addr = served.addr;
    let t = now();
    let kt = format!("{};{}", t - 60, t + 3600);
    let (req, _) = cos_signed("PUT", "/scoped", &[], HOST, &kt, "acl", b"", true);
    let r = send(addr, &req).await;
    assert_eq!(
        (r.status, code(&r).as_str()),
        (403, "SignatureDoesNotMatch"),
        "{}",
        r.body
    );
    let (req, _) = cos_signed("PUT", "/", &[], HOST, &kt, "cors", b"", true);
    let r = send(addr, &req).await;
    assert_eq!(
        r.status, 403,
        "PUT /?cors under PUT /'s signature: {}",
        r.body
    );
    // Signed with its parameter, it is accepted (and reaches the handler).
    let (req, _) = cos_signed(
        "PUT",
        "/scoped",
        &[("x-param", "1")],
        HOST,
        &kt,
        "",
        b"",
        true,
    );
    let r = send(addr, &req).await;
    assert_eq!(r.status, 200, "{}", r.body);
    // No Host signed: refused on the bucket it was meant for and on another.
    let other = "otherbucket-1250000000.cos.ap-beijing.myqcloud.com";
    for host in [HOST, other] {
        let (req, _) = cos_signed("PUT", "/unbound", &[], host, &kt, "", b"", false);
        let r = send(addr, &req).await;
        assert_eq!(r.status, 403, "{host}: {}", r.body);
    }
}

/// A SigV4-signed PUT (path-style, `host` signed) of `signed_body`'s hash
/// or of `payload`, sending `body`.
fn sigv4_put(
    addr: SocketAddr,
    path: &str,
    payload: &str,
    body: &[u8],
    extra: &[(&str, &str)],
) -> (Vec<u8>, String, String) {
    let host = addr.to_string();
    let amz_date = coscors::sign::sigv4::format_amz_date(now());
    let mut signed: Vec<(String, String)> = vec![
        ("host".into(), host.clone()),
        ("x-amz-content-sha256".into(), payload.into()),
        ("x-amz-date".into(), amz_date.clone()),
    ];
    for (n, v) in extra {
        signed.push((n.to_string(), v.to_string()));
    }
    let sig = coscors::sign::sigv4::sign(
        KEY,
        &amz_date,
        "us-east-1",
        "PUT",
        path,
        &[],
        &signed,
        payload,
    );
    let auth = coscors::sign::sigv4::authorization(&creds(), &sig);
    let mut headers: Vec<(&str, &str)> = vec![
        ("Authorization", &auth),
        ("x-amz-content-sha256", payload),
        ("x-amz-date", &amz_date),
    ];
    headers.extend_from_slice(extra);
    (
        raw_request("PUT", path, &host, &headers, body),
        sig.signature,
        amz_date,
    )
}

/// Defect 4: a SigV4 request whose body is not the one its
/// `x-amz-content-sha256` names is refused with S3's 400
/// `XAmzContentSHA256Mismatch`; `UNSIGNED-PAYLOAD` is accepted; a signed
/// aws-chunked upload is decoded (the object is the payload, not the
/// framing) and one forged chunk is refused; a value S3 does not know is
/// 400 `InvalidArgument`.
#[tokio::test]
async fn sigv4_payload_hash_is_compared() {
    use coscors::sign::sigv4;
    let served = signed_serve("s3");
    let addr = served.addr;
    let bucket = "/examplebucket-1250000000";
    let signed_hash = sigv4::sha256_hex(b"the signed body");
    let (req, _, _) = sigv4_put(
        addr,
        &format!("{bucket}/a"),
        &signed_hash,
        b"the signed body",
        &[],
    );
    assert_eq!(send(addr, &req).await.status, 200);
    let (req, _, _) = sigv4_put(
        addr,
        &format!("{bucket}/a"),
        &signed_hash,
        b"another body!!!",
        &[],
    );
    let r = send(addr, &req).await;
    assert_eq!(
        (r.status, code(&r).as_str()),
        (400, "XAmzContentSHA256Mismatch"),
        "{}",
        r.body
    );
    let (req, _, _) = sigv4_put(
        addr,
        &format!("{bucket}/u"),
        "UNSIGNED-PAYLOAD",
        b"anything",
        &[],
    );
    assert_eq!(send(addr, &req).await.status, 200);
    let (req, _, _) = sigv4_put(
        addr,
        &format!("{bucket}/u"),
        "SHA256-OF-SOMETHING",
        b"x",
        &[],
    );
    let r = send(addr, &req).await;
    assert_eq!(
        (r.status, code(&r).as_str()),
        (400, "InvalidArgument"),
        "{}",
        r.body
    );
    // aws-chunked, two chunks and the last, each signed in a chain.
    let payload = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
    let data = [vec![b'a'; 8192], b"tail".to_vec()];
    let decoded_len = (8192 + 4).to_string();
    let chunked = |seed: &str, amz_date: &str, forge: bool| {
        let signer = sigv4::ChunkSigner {
            key: sigv4::signing_key(KEY, &amz_date[..8], "us-east-1"),
            amz_date: amz_date.to_string(),
            scope: format!("{}/us-east-1/s3/aws4_request", &amz_date[..8]),
            seed: seed.to_string(),
        };
        let mut prev = seed.to_string();
        let mut body = Vec::new();
        for d in data.iter().map(Vec::as_slice).chain([&b""[..]]) {
            let sig = signer.chunk(&prev, d);
            body.extend_from_slice(format!("{:x};chunk-signature={sig}\r\n", d.len()).as_bytes());
            body.extend_from_slice(d);
            body.extend_from_slice(b"\r\n");
            prev = sig;
        }
        if forge {
            body[200] = b'b';
        }
        body
    };
    for forge in [false, true] {
        let extra = [
            ("content-encoding", "aws-chunked"),
            ("x-amz-decoded-content-length", decoded_len.as_str()),
        ];
        let (head, seed, amz_date) =
            sigv4_put(addr, &format!("{bucket}/chunked"), payload, b"", &extra);
        let body = chunked(&seed, &amz_date, forge);
        // Content-Length is not signed here: put the framing in the place
        // of the empty body.
        let mut req = String::from_utf8(head)
            .expect("ascii")
            .replace(
                "Content-Length: 0\r\n",
                &format!("Content-Length: {}\r\n", body.len()),
            )
            .into_bytes();
        req.extend_from_slice(&body);
        let r = send(addr, &req).await;
        if forge {
            assert_eq!(
                (r.status, code(&r).as_str()),
                (403, "SignatureDoesNotMatch"),
                "{}",
                r.body
            );
        } else {
            assert_eq!(r.status, 200, "{}", r.body);
        }
    }
    // What was stored is the payload.
    let amz_date = sigv4::format_amz_date(now());
    let host = addr.to_string();
    let signed: Vec<(String, String)> = vec![
        ("host".into(), host.clone()),
        ("x-amz-content-sha256".into(), sigv4::EMPTY_SHA256.into()),
        ("x-amz-date".into(), amz_date.clone()),
    ];
    let path = format!("{bucket}/chunked");
    let sig = sigv4::sign(
        KEY,
        &amz_date,
        "us-east-1",
        "GET",
        &path,
        &[],
        &signed,
        sigv4::EMPTY_SHA256,
    );
    let auth = sigv4::authorization(&creds(), &sig);
    let req = raw_request(
        "GET",
        &path,
        &host,
        &[
            ("Authorization", &auth),
            ("x-amz-content-sha256", sigv4::EMPTY_SHA256),
            ("x-amz-date", &amz_date),
        ],
        b"",
    );
    let r = send(addr, &req).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body, format!("{}tail", "a".repeat(8192)));
}

/// Open a connection and send a PUT head announcing `len` bytes, then
/// `send` of them (within `limit`; the server may stop reading), then stall.
async fn stalled_upload(
    addr: SocketAddr,
    key: String,
    len: usize,
    send: usize,
    limit: Duration,
) -> TcpStream {
    let mut s = TcpStream::connect(addr).await.expect("connect");
    let head = format!("PUT /{key} HTTP/1.1\r\nHost: {HOST}\r\nContent-Length: {len}\r\n\r\n");
    s.write_all(head.as_bytes()).await.expect("head");
    let chunk = vec![b'x'; 256 * 1024];
    let deadline = Instant::now() + limit;
    let mut sent = 0;
    while sent < send {
        let n = chunk.len().min(send - sent);
        match tokio::time::timeout_at(deadline.into(), s.write_all(&chunk[..n])).await {
            Ok(Ok(())) => sent += n,
            _ => break,
        }
    }
    s
}

/// Read one answer on a stalled connection (until the server closes it).
async fn answer_of(mut s: TcpStream, limit: Duration) -> Option<Resp> {
    let mut out = Vec::new();
    tokio::time::timeout(limit, s.read_to_end(&mut out))
        .await
        .ok()?
        .ok()?;
    (!out.is_empty()).then(|| parse(&out))
}

/// Defect 6: 64 uploads of 16 MB that stall one byte short. Before, the
/// server held every byte (~1 GB); now it holds at most
/// `--max-buffered-bytes` (the default, 256 MiB) of bodies: its RSS stays
/// under that plus what it held before they began plus 64 MiB of slack,
/// it answers another client meanwhile, and at `--body-timeout` each
/// stalled upload gets 400 `RequestTimeout`.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn stalled_uploads_stay_within_the_buffer_budget() {
    let served = serve_with(&["--body-timeout", "6"], &[]);
    let addr = served.addr;
    let pid = served.child.id();
    let before = rss_kib(pid);
    let size = 16 * 1024 * 1024;
    let start = Instant::now();
    let uploads: Vec<_> = (0..64)
        .map(|i| {
            tokio::spawn(stalled_upload(
                addr,
                format!("stalled-{i}"),
                size,
                size - 1,
                Duration::from_secs(4),
            ))
        })
        .collect();
    let mut conns = Vec::new();
    for u in uploads {
        conns.push(u.await.expect("joined"));
    }
    let during = rss_kib(pid);
    let (_, r) = timed(
        addr,
        &preflight("https://example.com"),
        Duration::from_secs(5),
    )
    .await;
    assert_eq!(r.status, 403, "another client is answered");
    let bound = before + 256 * 1024 + 64 * 1024;
    eprintln!(
        "RSS before {before} KiB, with 64 stalled 16 MB uploads {during} KiB (bound {bound} KiB)"
    );
    assert!(during < bound, "RSS {during} KiB over {bound} KiB");
    // At the body timeout (6 s from the last byte, or from waiting for
    // budget), each is answered 400 RequestTimeout.
    let left = Duration::from_secs(30).saturating_sub(start.elapsed());
    let answers = futures_join(conns.into_iter().map(|c| answer_of(c, left))).await;
    let timeouts = answers
        .iter()
        .flatten()
        .filter(|r| r.status == 400 && code(r) == "RequestTimeout")
        .count();
    assert_eq!(
        timeouts,
        64,
        "answers: {:?}",
        answers
            .iter()
            .map(|a| a.as_ref().map(|r| (r.status, code(r))))
            .collect::<Vec<_>>()
    );
}

async fn futures_join<F: std::future::Future + Send + 'static>(
    fs: impl Iterator<Item = F>,
) -> Vec<F::Output>
where
    F::Output: Send + 'static,
{
    let handles: Vec<_> = fs.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.expect("joined"));
    }
    out
}

/// Defect 6: a body in one-byte chunks is held as its bytes, not as one
/// allocation per chunk (about 40 times its size before): 8 uploads of
/// 1 MiB in one-byte chunks, stalled before their last chunk, grow the
/// server's RSS by less than 8 times what they sent (measured: about 3.6;
/// a body of unknown length is one buffer that doubles as it grows, the
/// allocator keeps the blocks it outgrew, and each connection has hyper's
/// read buffer; on main: about 35).
#[tokio::test]
async fn one_byte_chunks_are_held_as_bytes() {
    let served = serve_with(&[], &[]);
    let addr = served.addr;
    let pid = served.child.id();
    let before = rss_kib(pid);
    let per = 1024 * 1024;
    let mut conns = Vec::new();
    for i in 0..8 {
        let mut s = TcpStream::connect(addr).await.expect("connect");
        let head = format!(
            "PUT /chunks-{i} HTTP/1.1\r\nHost: {HOST}\r\nTransfer-Encoding: chunked\r\n\r\n"
        );
        s.write_all(head.as_bytes()).await.expect("head");
        let body = b"1\r\nx\r\n".repeat(per);
        tokio::time::timeout(Duration::from_secs(20), s.write_all(&body))
            .await
            .expect("sent within 20 s")
            .expect("sent");
        conns.push(s);
    }
    // Let the server read what was sent.
    let mut during = rss_kib(pid);
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = rss_kib(pid);
        if now == during {
            break;
        }
        during = now;
    }
    let grown = during.saturating_sub(before);
    let sent = (8 * per / 1024) as u64;
    eprintln!("8 MiB held in one-byte chunks: RSS {before} → {during} KiB (+{grown} KiB)");
    assert!(grown < 8 * sent, "RSS grew {grown} KiB for {sent} KiB held");
    drop(conns);
}

/// Defect 6: `--max-stored-bytes`: past it PUT Object gets 400
/// `EntityTooLarge`; deleting makes room again.
#[tokio::test]
async fn stored_bytes_are_capped() {
    let served = serve_with(&["--max-stored-bytes", "4194304"], &[]);
    let addr = served.addr;
    let body = vec![b's'; 3 * 1024 * 1024];
    let put = |key: &str| request_bytes(&format!("PUT /{key} HTTP/1.1"), &[], &body);
    assert_eq!(send(addr, &put("one")).await.status, 200);
    let r = send(addr, &put("two")).await;
    assert_eq!(
        (r.status, code(&r).as_str()),
        (400, "EntityTooLarge"),
        "{}",
        r.body
    );
    // Overwriting the same key counts its new size only once stored, but the
    // check is of the total plus the body: refused too.
    let del = request_bytes("DELETE /one HTTP/1.1", &[], b"");
    assert_eq!(send(addr, &del).await.status, 204);
    assert_eq!(send(addr, &put("two")).await.status, 200);
}

/// Defect 6 and 7: `--max-connections`: at the limit, the connection idle
/// the longest is closed to make room, and the newcomer is served; when
/// none is idle (all are uploading), the newcomer gets 503 `SlowDown`.
#[tokio::test]
async fn connection_limit_sheds_the_idlest() {
    let served = serve_with(&["--max-connections", "16"], &[]);
    let addr = served.addr;
    let mut idle = Vec::new();
    for _ in 0..16 {
        idle.push(TcpStream::connect(addr).await.expect("connect"));
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (_, r) = timed(
        addr,
        &preflight("https://example.com"),
        Duration::from_secs(5),
    )
    .await;
    assert_eq!(r.status, 403, "served past the limit: {}", r.body);
    // The first (idlest) was closed: it reads end of stream.
    let mut first = idle.remove(0);
    let mut buf = [0u8; 16];
    let n = tokio::time::timeout(Duration::from_secs(5), first.read(&mut buf))
        .await
        .expect("closed within 5 s")
        .unwrap_or(0);
    assert_eq!(n, 0, "the idlest connection was closed");
    drop(idle);
    tokio::time::sleep(Duration::from_millis(300)).await;
    // Now 16 busy uploads, and one more client.
    let mut busy = Vec::new();
    for i in 0..16 {
        busy.push(
            stalled_upload(addr, format!("busy-{i}"), 1024, 10, Duration::from_secs(2)).await,
        );
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (_, r) = timed(
        addr,
        &preflight("https://example.com"),
        Duration::from_secs(5),
    )
    .await;
    assert_eq!(
        (r.status, code(&r).as_str()),
        (503, "SlowDown"),
        "{}",
        r.body
    );
    drop(busy);
}

/// Defect 7: a client that sends its request and shuts its write side
/// gets its answer, every time (100 tries).
#[tokio::test]
async fn half_closed_clients_are_answered() {
    let served = serve_with(&[], &[]);
    let addr = served.addr;
    // A request the server needs a moment for (a 1 MiB body to read and
    // store): the end of the client's stream arrives before the answer.
    let mut req = format!("PUT /half HTTP/1.1\r\nHost: {HOST}\r\nContent-Length: 1048576\r\n\r\n")
        .into_bytes();
    req.resize(req.len() + 1024 * 1024, b'h');
    let mut answered = 0;
    for _ in 0..100 {
        let mut s = TcpStream::connect(addr).await.expect("connect");
        s.write_all(&req).await.expect("write");
        s.shutdown().await.expect("shutdown");
        let mut out = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut out)).await;
        if out.starts_with(b"HTTP/1.1 200") {
            answered += 1;
        }
    }
    assert_eq!(answered, 100);
}

/// Defect 7: under `ulimit -n 256`, 400 idle connections do not lock other
/// clients out: idle ones are shed before descriptors run out, and a new
/// client is answered at once (before: after the 30 s header timeout).
#[tokio::test]
async fn idle_connections_are_shed_before_descriptors_run_out() {
    let mut child = std::process::Command::new("sh")
        .args([
            "-c",
            &format!(
                "ulimit -n 256 && exec {} serve --listen 127.0.0.1:0",
                env!("CARGO_BIN_EXE_coscors")
            ),
        ])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("sh starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line)
        .expect("first line");
    let served = common::Served {
        addr: line
            .trim()
            .strip_prefix("listening on http://")
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("first line is {line:?}")),
        child,
    };
    let addr = served.addr;
    let mut idle = Vec::new();
    for _ in 0..400 {
        match tokio::time::timeout(Duration::from_secs(2), TcpStream::connect(addr)).await {
            Ok(Ok(s)) => idle.push(s),
            _ => break,
        }
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (_, r) = timed(
        addr,
        &preflight("https://example.com"),
        Duration::from_secs(5),
    )
    .await;
    assert_eq!(r.status, 403, "{}", r.body);
    drop(idle);
}

/// Defect 7: the listen queue holds 600 connections while the server does
/// not accept (stopped with SIGSTOP); with the old 128 most of them timed
/// out.
#[tokio::test]
async fn listen_backlog_holds_600_connections() {
    let served = serve_with(&[], &[]);
    let addr = served.addr;
    let pid = served.child.id().to_string();
    let signal = |sig: &str| {
        let ok = std::process::Command::new("kill")
            .args([sig, &pid])
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "kill {sig} {pid}");
    };
    signal("-STOP");
    let tries: Vec<_> = (0..600)
        .map(|_| {
            tokio::spawn(async move {
                tokio::time::timeout(Duration::from_secs(3), TcpStream::connect(addr)).await
            })
        })
        .collect();
    let mut connected = Vec::new();
    for t in tries {
        if let Ok(Ok(Ok(s))) = t.await {
            connected.push(s);
        }
    }
    signal("-CONT");
    // The kernel caps every backlog at net.core.somaxconn (4096 since Linux
    // 5.4, 128 before): expect what it allows (a queue takes backlog + 1).
    let somaxconn: usize = std::fs::read_to_string("/proc/sys/net/core/somaxconn")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(4096);
    let expected = 600.min(somaxconn + 1);
    if expected < 600 {
        eprintln!("net.core.somaxconn is {somaxconn}: the listen queue cannot hold 600 here");
    }
    assert!(
        connected.len() >= expected,
        "{} connections queued while the server accepted none (expected {expected})",
        connected.len()
    );
}

/// Defect 8: RFC 9112 §3.2: no Host (HTTP/1.1) or two Host headers: 400;
/// an absolute-form target's authority wins over Host; a malformed chunk is
/// answered as such, not as `EntityTooLarge`.
#[tokio::test]
async fn http11_host_rules_and_body_errors() {
    let served = serve_with(&[], &[]);
    let addr = served.addr;
    let r = send(addr, b"GET /x HTTP/1.1\r\nConnection: close\r\n\r\n").await;
    assert_eq!(r.status, 400, "no Host: {}", r.body);
    let two = format!(
        "GET /x HTTP/1.1\r\nHost: {HOST}\r\nHost: other.example\r\nConnection: close\r\n\r\n"
    );
    let r = send(addr, two.as_bytes()).await;
    assert_eq!(r.status, 400, "two Hosts: {}", r.body);
    // HTTP/1.0 needs none.
    let r = send(addr, b"GET /examplebucket-1250000000/none HTTP/1.0\r\n\r\n").await;
    assert_eq!(r.status, 404, "{}", r.body);
    let put = request_bytes("PUT /abs HTTP/1.1", &[], b"absolute");
    assert_eq!(send(addr, &put).await.status, 200);
    let abs =
        format!("GET http://{HOST}/abs HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    let r = send(addr, abs.as_bytes()).await;
    assert_eq!((r.status, r.body.as_str()), (200, "absolute"));
    let bad_chunk = format!("PUT /c HTTP/1.1\r\nHost: {HOST}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\nabc\r\n0\r\n\r\n");
    let r = send(addr, bad_chunk.as_bytes()).await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert_ne!(code(&r), "EntityTooLarge", "{}", r.body);
}

/// Defect 9: GET Bucket pages with max-keys (IsTruncated, NextMarker,
/// marker) and lists keys with control characters as valid XML under
/// encoding-type=url.
#[tokio::test]
async fn listing_pages_and_url_encodes() {
    let served = serve_with(&[], &[]);
    let addr = served.addr;
    let keys = ["a", "b%01c", "d", "e", "f"];
    for k in keys {
        let put = request_bytes(&format!("PUT /{k} HTTP/1.1"), &[], b"x");
        assert_eq!(send(addr, &put).await.status, 200);
    }
    let mut seen = Vec::new();
    let mut marker = String::new();
    for page in 0..5 {
        let target = format!("GET /?max-keys=2&encoding-type=url&marker={marker} HTTP/1.1");
        let r = send(addr, &request_bytes(&target, &[], b"")).await;
        assert_eq!(r.status, 200, "{}", r.body);
        // Valid XML, whatever the keys hold.
        let mut reader = quick_xml::Reader::from_str(&r.body);
        let (mut path, mut truncated, mut next) = (Vec::<String>::new(), None, None);
        let mut page_keys = Vec::new();
        loop {
            match reader
                .read_event()
                .unwrap_or_else(|e| panic!("page {page} is not XML ({e}): {}", r.body))
            {
                quick_xml::events::Event::Start(e) => {
                    path.push(String::from_utf8_lossy(e.name().as_ref()).into_owned());
                }
                quick_xml::events::Event::End(_) => {
                    path.pop();
                }
                quick_xml::events::Event::Text(t) => {
                    let t = t.unescape().expect("text").into_owned();
                    match path.last().map(String::as_str) {
                        Some("Key") => page_keys.push(t),
                        Some("IsTruncated") => truncated = Some(t),
                        Some("NextMarker") => next = Some(t),
                        _ => {}
                    }
                }
                quick_xml::events::Event::Eof => break,
                _ => {}
            }
        }
        assert!(page_keys.len() <= 2, "{}", r.body);
        seen.extend(page_keys);
        if truncated.as_deref() != Some("true") {
            break;
        }
        marker = next.expect("NextMarker when truncated");
    }
    assert_eq!(seen, keys, "every key once, in order, URL-encoded");
    let r = send(
        addr,
        &request_bytes("GET /?max-keys=1001 HTTP/1.1", &[], b""),
    )
    .await;
    assert_eq!((r.status, code(&r).as_str()), (400, "InvalidArgument"));
}
