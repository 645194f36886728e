//! The emulator's request handler fed raw HTTP: whatever parses as a
//! request is answered, never with a 5xx, never with a panic.
#![no_main]

use bytes::Bytes;
use coscors::emulator::{handle, Emulator, EmulatorConfig, Request};
use hyper::header::{HeaderMap, HeaderName, HeaderValue};
use hyper::Method;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut req = httparse::Request::new(&mut headers);
    let Ok(httparse::Status::Complete(head_len)) = req.parse(data) else {
        return;
    };
    let (Some(method), Some(target)) = (req.method, req.path) else {
        return;
    };
    let Ok(method) = Method::from_bytes(method.as_bytes()) else {
        return;
    };
    let mut map = HeaderMap::new();
    for h in req.headers.iter() {
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(h.name.as_bytes()),
            HeaderValue::from_bytes(h.value),
        ) {
            map.append(n, v);
        }
    }
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (target, None),
    };
    let emu = Emulator::new(EmulatorConfig::default());
    let body = Bytes::copy_from_slice(&data[head_len..]);
    // The same request twice: once on an empty bucket, once after a CORS
    // configuration exists (the second PUT may have set one).
    for _ in 0..2 {
        let resp = handle(
            &emu,
            Request {
                method: &method,
                path,
                query,
                authority: None,
                headers: &map,
                body: Some(body.clone()),
            },
        );
        assert!(
            resp.status().as_u16() < 500,
            "5xx for {:?}",
            String::from_utf8_lossy(data)
        );
    }
});
