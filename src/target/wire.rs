//! A plain HTTP/1.1 client that keeps what it is sent byte for byte.
//!
//! General-purpose clients (reqwest, hyper's client) fold header names to
//! lower case and merge or reorder them; a conformance harness must be able
//! to see `Access-Control-Allow-Origin` exactly as the server wrote it, in
//! the order it wrote it, and to send requests a browser would never send
//! (repeated `Origin`, odd methods). [`send`] uses one connection per
//! request, closed after it, as seed 003's exchanges do; [`WireClient`]
//! keeps one connection alive across requests (the fuzzer's loop).

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{anyhow, bail, Context as _, Result};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A request to put on the wire.
#[derive(Debug, Clone)]
pub struct WireRequest {
    pub method: String,
    /// The request target: path and query.
    pub target: String,
    /// Headers in order, names as given.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

pub use crate::http::Observed;

/// The `Content-Length` a request gets when its headers name none: the
/// body's length, for a request with a body or a PUT or POST (an empty
/// PUT says `0`); `None` otherwise (a GET or OPTIONS without body sends no
/// length). The one place this is decided: [`crate::target::Session::send`]
/// adds it before signing, and [`send`]/[`WireClient`] for requests built
/// without a session.
pub fn default_content_length(
    method: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> Option<usize> {
    let named = headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("content-length"));
    (!named && (!body.is_empty() || matches!(method, "PUT" | "POST"))).then_some(body.len())
}

/// The largest response the client reads.
const MAX_RESPONSE: usize = 64 * 1024 * 1024;

/// Send one request to `addr` on a new connection (`Connection: close`)
/// and read the whole response.
pub async fn send(addr: SocketAddr, req: &WireRequest, timeout: Duration) -> Result<Observed> {
    tokio::time::timeout(timeout, async {
        let mut stream = connect(addr).await?;
        Ok(exchange(&mut stream, req, true).await?.0)
    })
    .await
    .map_err(|_| anyhow!("no complete answer from {addr} within {timeout:?}"))?
}

/// A client that keeps one connection to `addr` alive across requests.
#[derive(Debug)]
pub struct WireClient {
    addr: SocketAddr,
    conn: tokio::sync::Mutex<Option<TcpStream>>,
}

impl WireClient {
    pub fn new(addr: SocketAddr) -> Self {
        WireClient {
            addr,
            conn: tokio::sync::Mutex::new(None),
        }
    }

    /// Send a request on the kept connection (opening one if needed; a
    /// request that says `Connection: close` gets one of its own).
    pub async fn send(&self, req: &WireRequest, timeout: Duration) -> Result<Observed> {
        if req
            .headers
            .iter()
            .any(|(n, v)| n.eq_ignore_ascii_case("connection") && v.eq_ignore_ascii_case("close"))
        {
            return send(self.addr, req, timeout).await;
        }
        let addr = self.addr;
        tokio::time::timeout(timeout, async {
            let mut slot = self.conn.lock().await;
            // A kept connection the server closed in between: one retry on a
            // fresh one.
            for attempt in 0..2 {
                let reused = slot.is_some();
                let mut stream = match slot.take() {
                    Some(s) => s,
                    None => connect(addr).await?,
                };
                match exchange(&mut stream, req, false).await {
                    Ok((o, keep)) => {
                        if keep {
                            *slot = Some(stream);
                        }
                        return Ok(o);
                    }
                    // A kept connection the server had closed: once more,
                    // on a new one.
                    Err(e) if reused && attempt == 0 && e.downcast_ref::<Stale>().is_some() => {}
                    Err(e) => return Err(e),
                }
            }
            Err(anyhow!("no answer from {addr}"))
        })
        .await
        .map_err(|_| anyhow!("no complete answer from {addr} within {timeout:?}"))?
    }
}

/// A kept connection that was closed before any byte of an answer came.
#[derive(Debug, thiserror::Error)]
#[error("connection closed before a complete response head")]
struct Stale;

async fn connect(addr: SocketAddr) -> Result<TcpStream> {
    let stream = TcpStream::connect(addr)
        .await
        .with_context(|| format!("connecting to {addr}"))?;
    stream.set_nodelay(true).ok();
    Ok(stream)
}

/// Write a request and read its response; the flag says whether the
/// connection can carry another request.
async fn exchange(
    stream: &mut TcpStream,
    req: &WireRequest,
    close: bool,
) -> Result<(Observed, bool)> {
    // Head and body in one buffer, sized once: one write, one allocation.
    let head_room: usize = req
        .headers
        .iter()
        .map(|(n, v)| n.len() + v.len() + 4)
        .sum::<usize>()
        + req.method.len()
        + req.target.len()
        + 64;
    let mut msg = Vec::with_capacity(head_room + req.body.len());
    for part in [
        req.method.as_str(),
        " ",
        req.target.as_str(),
        " HTTP/1.1\r\n",
    ] {
        msg.extend_from_slice(part.as_bytes());
    }
    for (n, v) in &req.headers {
        msg.extend_from_slice(n.as_bytes());
        msg.extend_from_slice(b": ");
        msg.extend_from_slice(v.as_bytes());
        msg.extend_from_slice(b"\r\n");
    }
    if let Some(len) = default_content_length(&req.method, &req.headers, &req.body) {
        msg.extend_from_slice(format!("Content-Length: {len}\r\n").as_bytes());
    }
    if close
        && !req
            .headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("connection"))
    {
        msg.extend_from_slice(b"Connection: close\r\n");
    }
    msg.extend_from_slice(b"\r\n");
    msg.extend_from_slice(&req.body);
    // A server may answer (and close) before reading an oversized body:
    // that is an answer, not a failure.
    let body_write = stream.write_all(&msg).await;
    let mut buf = Vec::with_capacity(4096);
    // Parsed once, when complete: the head's length, status and headers.
    let (head_len, status, headers) = loop {
        if let Some(head) = parse_head(&buf)? {
            break head;
        }
        if buf.len() > 1024 * 1024 {
            bail!("response head larger than 1 MiB");
        }
        // Read into the buffer's spare room: no zeroed chunk to copy from
        // (zeroing 8 KB per request was a tenth of a loopback fuzz loop).
        buf.reserve(8192);
        let n = match stream.read_buf(&mut buf).await {
            Ok(n) => n,
            Err(_) if buf.is_empty() => return Err(Stale.into()),
            Err(e) => return Err(e).context("reading the response"),
        };
        if n == 0 {
            if buf.is_empty() {
                if let Err(e) = body_write {
                    if !close {
                        return Err(Stale.into());
                    }
                    return Err(e).context("sending the request");
                }
                return Err(Stale.into());
            }
            bail!("connection closed before a complete response head");
        }
    };
    let mut rest = buf.split_off(head_len);
    let no_body = req.method == "HEAD" || status / 100 == 1 || status == 204 || status == 304;
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    let mut keep = !close
        && !header("connection").is_some_and(|c| c.eq_ignore_ascii_case("close"))
        && body_write.is_ok();
    let body = if no_body {
        Vec::new()
    } else if header("transfer-encoding")
        .is_some_and(|t| t.to_ascii_lowercase().contains("chunked"))
    {
        keep = false;
        read_to_end(stream, &mut rest).await?;
        dechunk(&rest)?
    } else if let Some(len) = header("content-length") {
        let len: usize = len
            .trim()
            .parse()
            .context("bad Content-Length in the response")?;
        if len > MAX_RESPONSE {
            bail!("response body of {len} bytes is larger than {MAX_RESPONSE}");
        }
        while rest.len() < len {
            let want = (len - rest.len()).min(64 * 1024);
            let mut chunk = (&mut *stream).take(want as u64);
            rest.reserve(want);
            let n = chunk
                .read_buf(&mut rest)
                .await
                .context("reading the body")?;
            if n == 0 {
                bail!("connection closed after {} of {len} body bytes", rest.len());
            }
        }
        if rest.len() > len {
            // Bytes past the answer: nothing is pipelined, so do not reuse.
            keep = false;
        }
        rest.truncate(len);
        rest
    } else {
        keep = false;
        read_to_end(stream, &mut rest).await?;
        rest
    };
    Ok((
        Observed {
            status,
            headers,
            body,
        },
        keep,
    ))
}

async fn read_to_end(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Result<()> {
    let mut chunk = [0u8; 16 * 1024];
    loop {
        let n = stream.read(&mut chunk).await.context("reading the body")?;
        if n == 0 {
            return Ok(());
        }
        if buf.len() + n > MAX_RESPONSE {
            bail!("response body larger than {MAX_RESPONSE} bytes");
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// The head's length, status and headers (names and values as received,
/// in order) if `buf` starts with a complete one.
type Head = (usize, u16, Vec<(String, String)>);

fn parse_head(buf: &[u8]) -> Result<Option<Head>> {
    let mut headers = [httparse::EMPTY_HEADER; 128];
    let mut resp = httparse::Response::new(&mut headers);
    let len = match resp.parse(buf) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(e) => return Err(anyhow!("malformed response head: {e}")),
    };
    let status = resp
        .code
        .ok_or_else(|| anyhow!("response without a status"))?;
    let headers = resp
        .headers
        .iter()
        .map(|h| {
            (
                h.name.to_string(),
                String::from_utf8_lossy(h.value).into_owned(),
            )
        })
        .collect();
    Ok(Some((len, status, headers)))
}

fn dechunk(mut data: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = data
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or_else(|| anyhow!("truncated chunked body"))?;
        let size_text = std::str::from_utf8(&data[..line_end])?;
        let size_text = size_text.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_text, 16).context("bad chunk size")?;
        data = &data[line_end + 2..];
        if size == 0 {
            return Ok(out);
        }
        if data.len() < size + 2 {
            bail!("truncated chunk");
        }
        out.extend_from_slice(&data[..size]);
        data = &data[size + 2..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dechunks() {
        assert_eq!(
            dechunk(b"3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n").expect("ok"),
            b"abcde"
        );
        assert!(dechunk(b"5\r\nab").is_err());
    }

    #[test]
    fn head_keeps_case_and_order() {
        let raw =
            b"HTTP/1.1 200 OK\r\nx-cos-request-id: a\r\nAccess-Control-Allow-Origin: *\r\n\r\n";
        let (n, s, h) = parse_head(raw).expect("ok").expect("complete");
        assert_eq!((n, s), (raw.len(), 200));
        assert!(parse_head(&raw[..n - 1]).expect("ok").is_none());
        assert_eq!(h[0].0, "x-cos-request-id");
        assert_eq!(h[1].0, "Access-Control-Allow-Origin");
    }
}
