//! The fuzz targets' seed corpus, written from the case files
//! (`coscors corpus`): each configuration as XML for `xml_roundtrip`, each
//! request as raw HTTP/1.1 for `emulator_handler`, generator inputs for
//! `model_eval`.

use std::path::Path;

use anyhow::{Context as _, Result};

use crate::case::{Body, CorsSetup, LoadedCase, Request};
use crate::emulator::{DEFAULT_BUCKET, DEFAULT_REGION};
use crate::model::{xml, Profile};

/// How many `model_eval` seeds are written.
pub const MODEL_EVAL_SEEDS: u64 = 64;

/// A case's request body as bytes; generated (large) bodies are left to the
/// fuzzer, and come out empty.
fn body_bytes(r: &Request) -> Vec<u8> {
    match &r.body {
        Some(Body::Text(t)) => t.clone().into_bytes(),
        _ => Vec::new(),
    }
}

/// `r` as the raw HTTP/1.1 request `emulator_handler` reads: virtual-hosted
/// on the emulator's default bucket and region, the case's headers in order,
/// then `Content-Length` and the body.
pub fn raw_request(r: &Request) -> Vec<u8> {
    let body = body_bytes(r);
    let mut raw = format!(
        "{} {}{} HTTP/1.1\r\nHost: {DEFAULT_BUCKET}.cos.{DEFAULT_REGION}.myqcloud.com\r\n",
        r.method.0,
        r.path.0,
        r.query
            .as_deref()
            .map(|q| format!("?{q}"))
            .unwrap_or_default(),
    );
    for (k, v) in r.headers.pairs() {
        raw.push_str(&format!("{k}: {v}\r\n"));
    }
    raw.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let mut raw = raw.into_bytes();
    raw.extend_from_slice(&body);
    raw
}

/// Every seed file of `cases` (folder under the corpus root, file name,
/// bytes), in the order they are written.
pub fn seeds(cases: &[LoadedCase]) -> Vec<(&'static str, String, Vec<u8>)> {
    let mut out = Vec::new();
    for c in cases {
        let id = c.id.replace(['/', ':'], "_");
        if let CorsSetup::Config(cfg) = &c.case.bucket.cors {
            out.push((
                "xml_roundtrip",
                format!("{id}.setup.xml"),
                xml::write(cfg, Profile::Cos).into_bytes(),
            ));
        }
        for (i, s) in c.case.steps.iter().enumerate() {
            let r = &s.request;
            let body = body_bytes(r);
            if r.query.as_deref() == Some("cors") && r.method.0 == "PUT" && !body.is_empty() {
                out.push(("xml_roundtrip", format!("{id}.{i}.xml"), body));
            }
            out.push(("emulator_handler", format!("{id}.{i}.http"), raw_request(r)));
        }
    }
    for i in 0..MODEL_EVAL_SEEDS {
        out.push((
            "model_eval",
            format!("seed-{i}"),
            crate::fuzz::gen::seed_bytes::<{ crate::fuzz::gen::SEED_BYTES }>(0, i).to_vec(),
        ));
    }
    out
}

/// Write [`seeds`] under `out`; returns how many files were written.
pub fn write(cases: &[LoadedCase], out: &Path) -> Result<usize> {
    let seeds = seeds(cases);
    for (dir, name, bytes) in &seeds {
        let d = out.join(dir);
        std::fs::create_dir_all(&d).with_context(|| format!("creating {}", d.display()))?;
        let path = d.join(name);
        std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(seeds.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(yaml: &str) -> Request {
        serde_norway::from_str(yaml).unwrap()
    }

    #[test]
    fn a_request_as_raw_http_keeps_its_headers_in_order_and_counts_its_body() {
        let r = request(
            "method: PUT\npath: /\nquery: cors\nheaders:\n  Origin: [a, b]\n  X-Y: z\nbody: <x/>\n",
        );
        let raw = String::from_utf8(raw_request(&r)).unwrap();
        assert_eq!(
            raw,
            format!(
                "PUT /?cors HTTP/1.1\r\nHost: {DEFAULT_BUCKET}.cos.{DEFAULT_REGION}.myqcloud.com\r\n\
                 Origin: a\r\nOrigin: b\r\nX-Y: z\r\nContent-Length: 4\r\n\r\n<x/>"
            )
        );
    }

    #[test]
    fn a_request_without_body_or_query_has_content_length_zero() {
        let r = request("method: OPTIONS\npath: /a.txt\n");
        let raw = String::from_utf8(raw_request(&r)).unwrap();
        assert!(raw.starts_with("OPTIONS /a.txt HTTP/1.1\r\n"), "{raw}");
        assert!(raw.ends_with("Content-Length: 0\r\n\r\n"), "{raw}");
    }
}
