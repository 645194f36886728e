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

/// Serve until `shutdown` turns true. Each connection is its own task.
pub async fn serve(
    listener: TcpListener,
    emu: Arc<Emulator>,
    mut shutdown: watch::Receiver<bool>,
) -> std::io::Result<()> {
    let mut http = http1::Builder::new();
    // COS writes `Access-Control-Allow-Origin`, `Content-Length`, ... in
    // title case (seed 003).
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
        tokio::spawn(async move {
            let svc = service_fn(move |req| {
                let emu = emu.clone();
                async move { Ok::<_, Infallible>(answer(&emu, req).await) }
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
    tokio::spawn(serve(listener, emulator.clone(), rx));
    Ok(EmulatorHandle {
        addr,
        emulator,
        stop,
    })
}
