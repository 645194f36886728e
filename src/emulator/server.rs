//! The accept loop: hyper's HTTP/1.1 server on a tokio listener.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONNECTION, HOST};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Version};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpSocket};
use tokio::sync::{watch, Notify, Semaphore, SemaphorePermit};

use super::handler::{handle_with, Request, Unread, MAX_REQUEST_BODY};
use super::reply::HttpResponse;
use super::{auth, route, Emulator, EmulatorConfig, Limits};
use crate::model::{headers, ApiError, ErrorCode};

/// The response header names in the case COS writes them (seed 003; the
/// COS API pages' sample responses): `ETag`, `x-cos-request-id`, and so on.
/// Each is listed twice so that a repeated header keeps its case too.
const COS_HEADER_CASE: &[&str] = &[
    headers::ALLOW_CREDENTIALS,
    headers::ALLOW_HEADERS,
    headers::ALLOW_METHODS,
    headers::ALLOW_ORIGIN,
    headers::EXPOSE_HEADERS,
    headers::MAX_AGE,
    "Connection",
    "Content-Length",
    "Content-Type",
    "Date",
    "ETag",
    "Last-Modified",
    "Location",
    "Server",
    headers::VARY,
    "x-cos-request-id",
    "x-cos-trace-id",
    "x-amz-request-id",
    "x-amz-id-2",
];

/// A header name as hyper's `title_case_headers` writes a name that its
/// case map lacks: each letter at the start or after a `-` upper case, the
/// others as they are (lower case, in a `HeaderName`).
fn title_case(name: &str) -> String {
    let mut prev = '-';
    name.chars()
        .map(|c| {
            let c = if prev == '-' {
                c.to_ascii_uppercase()
            } else {
                c
            };
            prev = c;
            c
        })
        .collect()
}

/// hyper writes a response's header names in the case recorded in its
/// extensions (the map it fills from a request when `preserve_header_case`
/// is on), and that map's type is private. So: have hyper parse, once, a
/// request whose headers are spelled as COS spells them, keep its
/// extensions, and give every response a copy. Names not in the map are
/// written in title case.
async fn cos_header_case() -> std::io::Result<hyper::http::Extensions> {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let (client, server) = tokio::io::duplex(16 * 1024);
    let (tx, rx) = tokio::sync::oneshot::channel();
    let tx = std::sync::Mutex::new(Some(tx));
    let svc = service_fn(move |req: hyper::Request<Incoming>| {
        if let Some(tx) = tx.lock().ok().and_then(|mut t| t.take()) {
            let _ = tx.send(req.extensions().clone());
        }
        async { Ok::<_, Infallible>(hyper::Response::new(http_body_util::Empty::<Bytes>::new())) }
    });
    let conn = http1::Builder::new()
        .preserve_header_case(true)
        .serve_connection(TokioIo::new(server), svc);
    let mut head = String::from("GET / HTTP/1.1\r\nHost: x\r\n");
    // Only the names title case would spell otherwise (`ETag`, the ids):
    // the map is cloned into every response, and the others come out the
    // same without it.
    let differ = COS_HEADER_CASE
        .iter()
        .filter(|n| title_case(&n.to_ascii_lowercase()) != **n);
    for name in differ.clone().chain(differ) {
        let value = match *name {
            "Content-Length" => "0",
            "Connection" => "keep-alive",
            _ => "x",
        };
        head.push_str(name);
        head.push_str(": ");
        head.push_str(value);
        head.push_str("\r\n");
    }
    head.push_str("Connection: close\r\n\r\n");
    let mut client = client;
    let talk = async move {
        client.write_all(head.as_bytes()).await?;
        let mut sink = Vec::new();
        client.read_to_end(&mut sink).await?;
        std::io::Result::Ok(())
    };
    let (_, talked) = tokio::join!(conn, talk);
    talked?;
    rx.await
        .map_err(|_| std::io::Error::other("hyper did not hand over the request"))
}

/// Serve until `shutdown` turns true, with the default [`Limits`]. Each
/// connection is its own task.
pub async fn serve(
    listener: TcpListener,
    emu: Arc<Emulator>,
    shutdown: watch::Receiver<bool>,
) -> std::io::Result<()> {
    let header_case = Arc::new(cos_header_case().await?);
    serve_with(listener, emu, header_case, Limits::default(), shutdown).await
}

/// What every connection shares: the limits, the budget of body bytes held
/// at once, and the open connections.
struct Shared {
    emu: Arc<Emulator>,
    header_case: Arc<hyper::http::Extensions>,
    limits: Limits,
    /// One permit per body byte that may be held at once.
    budget: Semaphore,
    conns: Mutex<Conns>,
}

/// The open connections, for shedding idle ones.
#[derive(Default)]
struct Conns {
    next: u64,
    open: HashMap<u64, Conn>,
}

struct Conn {
    /// Requests in flight.
    busy: usize,
    /// Since when it has had none.
    idle_since: Instant,
    shed: Arc<Notify>,
}

impl Shared {
    fn conns(&self) -> std::sync::MutexGuard<'_, Conns> {
        self.conns
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn open(&self) -> (u64, Arc<Notify>) {
        let mut c = self.conns();
        let id = c.next;
        c.next += 1;
        let shed = Arc::new(Notify::new());
        c.open.insert(
            id,
            Conn {
                busy: 0,
                idle_since: Instant::now(),
                shed: shed.clone(),
            },
        );
        (id, shed)
    }

    fn close(&self, id: u64) {
        self.conns().open.remove(&id);
    }

    fn busy(&self, id: u64, starts: bool) {
        if let Some(c) = self.conns().open.get_mut(&id) {
            if starts {
                c.busy += 1;
            } else {
                c.busy = c.busy.saturating_sub(1);
                if c.busy == 0 {
                    c.idle_since = Instant::now();
                }
            }
        }
    }

    /// Ask the connection idle the longest to close; false if none is idle.
    fn shed_idlest(&self) -> bool {
        let mut c = self.conns();
        let idlest = c
            .open
            .iter()
            .filter(|(_, c)| c.busy == 0)
            .min_by_key(|(_, c)| c.idle_since)
            .map(|(id, _)| *id);
        match idlest.and_then(|id| c.open.remove(&id)) {
            Some(conn) => {
                conn.shed.notify_one();
                true
            }
            None => false,
        }
    }

    fn count(&self) -> usize {
        self.conns().open.len()
    }
}

/// A listener with `backlog` pending connections (the system's default,
/// 128 on Linux before 5.4, is too few for a suite that opens hundreds at
/// once).
pub fn bind(addr: SocketAddr, backlog: u32) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(backlog)
}

async fn serve_with(
    listener: TcpListener,
    emu: Arc<Emulator>,
    header_case: Arc<hyper::http::Extensions>,
    limits: Limits,
    mut shutdown: watch::Receiver<bool>,
) -> std::io::Result<()> {
    let mut http = http1::Builder::new();
    // Header names as COS writes them (see `cos_header_case`), others in
    // title case. A client that sends its request and shuts its write side
    // (half-close) still gets its answer. The header read timeout also
    // bounds how long a kept-alive connection may sit idle (hyper starts it
    // whenever it waits for a request head).
    http.title_case_headers(true)
        .half_close(true)
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    // Past the connection limit, with no idle connection to shed: one
    // answer (503 SlowDown, COS's "reduce your request rate") and close.
    let mut refuse = http.clone();
    refuse
        .keep_alive(false)
        .header_read_timeout(Duration::from_secs(2));
    let shared = Arc::new(Shared {
        emu,
        header_case,
        budget: Semaphore::new(limits.max_buffered_bytes.min(Semaphore::MAX_PERMITS)),
        limits,
        conns: Mutex::new(Conns::default()),
    });
    loop {
        let (stream, _) = tokio::select! {
            r = listener.accept() => if let Ok(conn) = r { conn } else {
                // Out of file descriptors and the like: free one if an idle
                // connection holds it, wait, do not die.
                shared.shed_idlest();
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            },
            _ = shutdown.changed() => return Ok(()),
        };
        let _ = stream.set_nodelay(true);
        if shared.count() >= shared.limits.max_connections && !shared.shed_idlest() {
            let shared = shared.clone();
            let refuse = refuse.clone();
            tokio::spawn(async move {
                let svc = service_fn(move |req: hyper::Request<Incoming>| {
                    let shared = shared.clone();
                    async move { Ok::<_, Infallible>(slow_down(&shared, req)) }
                });
                let conn = refuse.serve_connection(TokioIo::new(stream), svc);
                let _ = tokio::time::timeout(Duration::from_secs(5), conn).await;
            });
            continue;
        }
        let (id, shed) = shared.open();
        let shared = shared.clone();
        let http = http.clone();
        tokio::spawn(async move {
            let svc = {
                let shared = shared.clone();
                service_fn(move |req| {
                    let shared = shared.clone();
                    async move {
                        shared.busy(id, true);
                        let mut resp = answer(&shared, req).await;
                        shared.busy(id, false);
                        *resp.extensions_mut() = (*shared.header_case).clone();
                        Ok::<_, Infallible>(resp)
                    }
                })
            };
            // A connection error (client went away, bad request line) ends
            // only that connection; hyper answers 400 itself where it can.
            let conn = http.serve_connection(TokioIo::new(stream), svc);
            tokio::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                () = shed.notified() => {
                    // Shed: finish what is in flight, take nothing new.
                    conn.as_mut().graceful_shutdown();
                    let _ = tokio::time::timeout(Duration::from_secs(30), conn).await;
                }
            }
            shared.close(id);
        });
    }
}

fn slow_down(shared: &Shared, req: hyper::Request<Incoming>) -> HttpResponse {
    let (parts, _) = req.into_parts();
    let mut resp = handle_with(
        &shared.emu,
        request_of(&parts, None),
        Some(&Unread::Request(ApiError::new(
            ErrorCode::SlowDown,
            "Please reduce your request rate.",
        ))),
    );
    resp.headers_mut()
        .insert(CONNECTION, HeaderValue::from_static("close"));
    *resp.extensions_mut() = (*shared.header_case).clone();
    resp
}

fn request_of(parts: &hyper::http::request::Parts, body: Option<Bytes>) -> Request<'_> {
    Request {
        method: &parts.method,
        path: parts.uri.path(),
        query: parts.uri.query(),
        authority: parts
            .uri
            .authority()
            .map(hyper::http::uri::Authority::as_str),
        headers: &parts.headers,
        body,
    }
}

/// HTTP/1.1's `Host` rules (RFC 9112 §3.2): a request without one, or
/// with more than one, is answered 400; an absolute-form target's
/// authority replaces whatever `Host` says (§3.2.2), so that routing and
/// signatures see the same host.
fn check_host(parts: &mut hyper::http::request::Parts) -> Result<(), ApiError> {
    if let Some(authority) = parts.uri.authority() {
        let value = HeaderValue::from_str(authority.as_str()).map_err(|_| {
            ApiError::new(
                ErrorCode::BadRequest,
                "The request target's authority is not a valid host.",
            )
        })?;
        parts.headers.insert(HOST, value);
        return Ok(());
    }
    match parts.headers.get_all(HOST).iter().count() {
        1 => Ok(()),
        0 if parts.version < Version::HTTP_11 => Ok(()),
        0 => Err(ApiError::new(
            ErrorCode::BadRequest,
            "An HTTP/1.1 request must have a Host header (RFC 9112 section 3.2).",
        )),
        _ => Err(ApiError::new(
            ErrorCode::BadRequest,
            "A request must not have more than one Host header (RFC 9112 section 3.2).",
        )),
    }
}

/// Why a body was not taken.
enum BodyFail {
    /// Larger than [`MAX_REQUEST_BODY`]: the rest is not read.
    TooLarge,
    /// Anything else, with its answer.
    Error(ApiError),
}

/// Read a body into one buffer, holding a permit of `shared.budget` for
/// each byte held: when the budget is spent, reading waits (the client's
/// sends stall in TCP's window) rather than memory growing. Each wait, for
/// a frame or for budget, is bounded by the body timeout.
async fn read_body(
    shared: &Shared,
    mut body: Incoming,
) -> Result<(Bytes, Option<SemaphorePermit<'_>>), BodyFail> {
    use http_body_util::BodyExt as _;
    use hyper::body::Body as _;
    let timeout = shared.limits.body_timeout;
    let timed_out = || {
        BodyFail::Error(ApiError::new(
            ErrorCode::RequestTimeout,
            "Your socket connection to the server was not read from or written to within the timeout period.",
        ))
    };
    // A body larger than the whole budget takes all of it (alone).
    let whole = shared.limits.max_buffered_bytes.min(Semaphore::MAX_PERMITS);
    let acquire = |n: usize| async move {
        let n = u32::try_from(n.min(whole)).map_err(|_| BodyFail::TooLarge)?;
        match tokio::time::timeout(timeout, shared.budget.acquire_many(n)).await {
            Ok(Ok(p)) => Ok(p),
            _ => Err(timed_out()),
        }
    };
    let exact = body.size_hint().exact();
    if exact.is_some_and(|n| n > MAX_REQUEST_BODY as u64) {
        return Err(BodyFail::TooLarge);
    }
    if exact == Some(0) {
        // No body (a preflight, a GET): nothing to wait for or to hold.
        return Ok((Bytes::new(), None));
    }
    // Content-Length known: take its whole budget at once (no request holds
    // part of the budget while waiting for the rest); else frame by frame.
    let declared = exact.map(|n| n as usize);
    let mut permit = acquire(declared.unwrap_or(0)).await?;
    let mut buf = BytesMut::with_capacity(declared.unwrap_or(0));
    loop {
        let frame = match tokio::time::timeout(timeout, body.frame()).await {
            Err(_) => return Err(timed_out()),
            Ok(None) => break,
            Ok(Some(Err(e))) => return Err(BodyFail::Error(body_error(&e))),
            Ok(Some(Ok(f))) => f,
        };
        let Ok(data) = frame.into_data() else {
            continue; // trailers
        };
        let len = buf.len() + data.len();
        if len > MAX_REQUEST_BODY {
            return Err(BodyFail::TooLarge);
        }
        if declared.is_none() {
            permit.merge(acquire(data.len()).await?);
        }
        buf.extend_from_slice(&data);
    }
    Ok((buf.freeze(), Some(permit)))
}

/// What a body read error is, for the client: a body cut short (the
/// connection closed early) or a chunked coding that cannot be read.
fn body_error(e: &hyper::Error) -> ApiError {
    if e.is_incomplete_message() {
        ApiError::new(
            ErrorCode::IncompleteBody,
            "You did not provide the number of bytes specified by the Content-Length HTTP header.",
        )
    } else {
        ApiError::new(
            ErrorCode::InvalidRequest,
            format!("The request body cannot be read: {e}."),
        )
    }
}

/// Would storing this request's body pass `--max-stored-bytes`? Only PUT
/// Object and POST Object store bodies.
fn over_store_cap(shared: &Shared, parts: &hyper::http::request::Parts, len: usize) -> bool {
    let stores = match parts.method {
        Method::PUT => {
            let host = parts.headers.get(HOST).and_then(|h| h.to_str().ok());
            let r = route::parse(host, parts.uri.path(), parts.uri.query());
            !r.key.is_empty()
        }
        Method::POST => true,
        _ => false,
    };
    stores
        && shared.emu.store.stored_bytes().saturating_add(len as u64)
            > shared.limits.max_stored_bytes
}

async fn answer(shared: &Shared, req: hyper::Request<Incoming>) -> HttpResponse {
    let emu = &shared.emu;
    let (mut parts, body) = req.into_parts();
    if let Err(e) = check_host(&mut parts) {
        let mut resp = handle_with(emu, request_of(&parts, None), Some(&Unread::Request(e)));
        resp.headers_mut()
            .insert(CONNECTION, HeaderValue::from_static("close"));
        return resp;
    }
    let (body, unread, _permit) = match read_body(shared, body).await {
        Ok((b, permit)) => {
            if over_store_cap(shared, &parts, b.len()) {
                let e = ApiError::new(
                    ErrorCode::EntityTooLarge,
                    format!(
                        "The emulator holds {} bytes of objects, its limit (serve --max-stored-bytes); delete some first.",
                        shared.limits.max_stored_bytes
                    ),
                );
                (None, Some(Unread::Body(e)), permit)
            } else if auth::is_streaming(&parts.headers) {
                match auth::decode_streaming(emu.config.credentials.as_ref(), &parts.headers, &b) {
                    Ok(decoded) => (Some(decoded), None, permit),
                    Err(e) => (None, Some(Unread::Body(e)), permit),
                }
            } else {
                (Some(b), None, permit)
            }
        }
        Err(BodyFail::TooLarge) => (None, None, None),
        Err(BodyFail::Error(e)) => (None, Some(Unread::Body(e)), None),
    };
    let unanswered_body = body.is_none();
    let mut resp = handle_with(emu, request_of(&parts, body), unread.as_ref());
    if unanswered_body {
        // The rest of the body was not read (or cannot be trusted): close
        // the connection.
        resp.headers_mut()
            .insert(CONNECTION, HeaderValue::from_static("close"));
    }
    resp
}

/// A running emulator started with [`spawn`]; stops when dropped.
pub struct EmulatorHandle {
    pub addr: SocketAddr,
    pub emulator: Arc<Emulator>,
    stop: watch::Sender<bool>,
}

impl EmulatorHandle {
    /// `http://IP:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for EmulatorHandle {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// Start an emulator on `listen` (port 0: any free port) on the current
/// tokio runtime, with the default [`Limits`].
pub async fn spawn(listen: SocketAddr, config: EmulatorConfig) -> std::io::Result<EmulatorHandle> {
    spawn_with(listen, config, Limits::default()).await
}

thread_local! {
    /// Where [`spawn`] called on this thread starts its emulators: `None`,
    /// the caller's runtime.
    static SERVE_ON: std::cell::RefCell<Option<tokio::runtime::Handle>> =
        const { std::cell::RefCell::new(None) };
}

/// Have [`spawn`] and [`spawn_with`], called on this thread, start their
/// emulators (listener, accept loop, connections) on `rt` instead of the
/// caller's runtime; `None`: on the caller's again. A fuzz worker gives its
/// emulator targets a server thread of their own this way, so that a
/// request's handling and the worker's client work run on two cores.
pub fn serve_on(rt: Option<tokio::runtime::Handle>) {
    SERVE_ON.with(|s| *s.borrow_mut() = rt);
}

/// [`spawn`] with other limits (`coscors serve`'s flags).
pub async fn spawn_with(
    listen: SocketAddr,
    config: EmulatorConfig,
    limits: Limits,
) -> std::io::Result<EmulatorHandle> {
    match SERVE_ON.with(|s| s.borrow().clone()) {
        Some(rt) => rt
            .spawn(start(listen, config, limits))
            .await
            .map_err(std::io::Error::other)?,
        None => start(listen, config, limits).await,
    }
}

/// [`spawn_with`] on the current runtime.
async fn start(
    listen: SocketAddr,
    config: EmulatorConfig,
    limits: Limits,
) -> std::io::Result<EmulatorHandle> {
    let listener = bind(listen, limits.backlog)?;
    let addr = listener.local_addr()?;
    let emulator = Arc::new(Emulator::new(config));
    let (stop, rx) = watch::channel(false);
    let header_case = Arc::new(cos_header_case().await?);
    tokio::spawn(serve_with(
        listener,
        emulator.clone(),
        header_case,
        limits,
        rx,
    ));
    Ok(EmulatorHandle {
        addr,
        emulator,
        stop,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_case_is_hypers() {
        assert_eq!(title_case("x-cos-request-id"), "X-Cos-Request-Id");
        assert_eq!(
            title_case("access-control-allow-origin"),
            "Access-Control-Allow-Origin"
        );
        assert_eq!(title_case("etag"), "Etag");
    }

    /// Every name COS spells comes out as COS spells it: those title case
    /// would spell otherwise from the map, the others by title case.
    #[tokio::test]
    async fn answers_spell_header_names_as_cos() {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let emu = spawn(
            SocketAddr::from(([127, 0, 0, 1], 0)),
            EmulatorConfig::default(),
        )
        .await
        .expect("emulator");
        let host = format!(
            "{}.cos.{}.myqcloud.com",
            super::super::DEFAULT_BUCKET,
            super::super::DEFAULT_REGION
        );
        let mut s = tokio::net::TcpStream::connect(emu.addr)
            .await
            .expect("connect");
        let req = format!(
            "PUT /k HTTP/1.1\r\nHost: {host}\r\nContent-Length: 1\r\nConnection: close\r\n\r\nx"
        );
        s.write_all(req.as_bytes()).await.expect("write");
        let mut raw = String::new();
        s.read_to_string(&mut raw).await.expect("read");
        for name in [
            "ETag: ",
            "x-cos-request-id: ",
            "Content-Length: ",
            "Server: ",
            "Date: ",
        ] {
            assert!(raw.contains(&format!("\r\n{name}")), "{name}: {raw}");
        }
    }
}
