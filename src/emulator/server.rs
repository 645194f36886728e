//! The accept loop: hyper's HTTP/1.1 server on a tokio listener.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::watch;

use super::handler::{handle, Request, MAX_REQUEST_BODY};
use super::reply::HttpResponse;
use super::{Emulator, EmulatorConfig};

/// The response header names in the case COS writes them (seed 003; the
/// COS API pages' sample responses): `ETag`, `x-cos-request-id`, and so on.
/// Each is listed twice so that a repeated header keeps its case too.
const COS_HEADER_CASE: &[&str] = &[
    "Access-Control-Allow-Credentials",
    "Access-Control-Allow-Headers",
    "Access-Control-Allow-Methods",
    "Access-Control-Allow-Origin",
    "Access-Control-Expose-Headers",
    "Access-Control-Max-Age",
    "Connection",
    "Content-Length",
    "Content-Type",
    "Date",
    "ETag",
    "Last-Modified",
    "Location",
    "Server",
    "Vary",
    "x-cos-request-id",
    "x-cos-trace-id",
    "x-amz-request-id",
    "x-amz-id-2",
];

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
    for name in COS_HEADER_CASE.iter().chain(COS_HEADER_CASE) {
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

/// Serve until `shutdown` turns true. Each connection is its own task.
pub async fn serve(
    listener: TcpListener,
    emu: Arc<Emulator>,
    shutdown: watch::Receiver<bool>,
) -> std::io::Result<()> {
    let header_case = Arc::new(cos_header_case().await?);
    serve_with(listener, emu, header_case, shutdown).await
}

async fn serve_with(
    listener: TcpListener,
    emu: Arc<Emulator>,
    header_case: Arc<hyper::http::Extensions>,
    mut shutdown: watch::Receiver<bool>,
) -> std::io::Result<()> {
    let mut http = http1::Builder::new();
    // Header names as COS writes them (see `cos_header_case`), others in
    // title case.
    http.title_case_headers(true)
        .timer(TokioTimer::new())
        .header_read_timeout(Duration::from_secs(30));
    loop {
        let (stream, _) = tokio::select! {
            r = listener.accept() => match r {
                Ok(conn) => conn,
                // Out of file descriptors and the like: wait, do not die.
                Err(_) => { tokio::time::sleep(Duration::from_millis(10)).await; continue; }
            },
            _ = shutdown.changed() => return Ok(()),
        };
        let _ = stream.set_nodelay(true);
        let emu = emu.clone();
        let http = http.clone();
        let header_case = header_case.clone();
        tokio::spawn(async move {
            let svc = service_fn(move |req| {
                let emu = emu.clone();
                let header_case = header_case.clone();
                async move {
                    let mut resp = answer(&emu, req).await;
                    *resp.extensions_mut() = (*header_case).clone();
                    Ok::<_, Infallible>(resp)
                }
            });
            // A connection error (client went away, bad request line) ends
            // only that connection; hyper answers 400 itself where it can.
            let _ = http.serve_connection(TokioIo::new(stream), svc).await;
        });
    }
}

async fn answer(emu: &Emulator, req: hyper::Request<Incoming>) -> HttpResponse {
    let (parts, body) = req.into_parts();
    let body: Option<Bytes> = match Limited::new(body, MAX_REQUEST_BODY).collect().await {
        Ok(c) => Some(c.to_bytes()),
        Err(_) => None,
    };
    let mut resp = handle(
        emu,
        Request {
            method: &parts.method,
            path: parts.uri.path(),
            query: parts.uri.query(),
            authority: parts.uri.authority().map(|a| a.as_str()),
            headers: &parts.headers,
            body: body.clone(),
        },
    );
    if body.is_none() {
        // The rest of an oversized body was not read: close the connection.
        resp.headers_mut().insert(
            hyper::header::CONNECTION,
            hyper::header::HeaderValue::from_static("close"),
        );
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
/// tokio runtime.
pub async fn spawn(listen: SocketAddr, config: EmulatorConfig) -> std::io::Result<EmulatorHandle> {
    let listener = TcpListener::bind(listen).await?;
    let addr = listener.local_addr()?;
    let emulator = Arc::new(Emulator::new(config));
    let (stop, rx) = watch::channel(false);
    let header_case = Arc::new(cos_header_case().await?);
    tokio::spawn(serve_with(listener, emulator.clone(), header_case, rx));
    Ok(EmulatorHandle {
        addr,
        emulator,
        stop,
    })
}
