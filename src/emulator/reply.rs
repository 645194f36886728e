//! Building responses: COS's common headers and error XML.
//!
//! Common response headers (COS "Common Response Headers" page; seed 003):
//! `Server: tencent-cos`, `x-cos-request-id` on every answer, and on errors
//! `Content-Type: application/xml` and `x-cos-trace-id`. The error body is
//! `<Error><Code/><Message/><Resource/><RequestId/><TraceId/></Error>`
//! after the `<?xml version='1.0' encoding='utf-8' ?>` prologue (436/7730;
//! seed 003 exchange 4). On COS the body is laid out as OPTIONS Object
//! (436/8288) example 4 prints it: a newline after the prologue and after
//! `<Error>`, each child on its own line after a tab, `'` escaped as
//! `&apos;`; with the seed's ids that is 687 bytes, the example's
//! `Content-Length` ([`Profile::indents_xml`]). The s3 profile's body is
//! compact.

use bytes::Bytes;
use http_body_util::Full;
use std::time::SystemTime;

use hyper::header::{
    HeaderMap, HeaderName, HeaderValue, CONTENT_LENGTH, CONTENT_TYPE, DATE, SERVER,
};
use hyper::{Response, StatusCode};
use quick_xml::escape::{escape as full_escape, partial_escape};

use crate::model::{ApiError, CorsHeaders, Profile};

/// The response type of the emulator.
pub type HttpResponse = Response<Full<Bytes>>;

/// A response under construction. Headers go straight into the response's
/// `HeaderMap` (one allocation), in the order they are added; the common
/// headers follow in [`Reply::finish`].
pub struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    trace_id: Option<HeaderValue>,
    body: Bytes,
    /// Set for HEAD: the length of the body that is not sent.
    head_length: Option<usize>,
}

impl Reply {
    pub fn new(status: u16) -> Self {
        Reply {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
            headers: HeaderMap::with_capacity(16),
            trace_id: None,
            body: Bytes::new(),
            head_length: None,
        }
    }

    /// Add a header; a value that is not a valid header value (it can only
    /// come from echoing a client's bytes) is left out rather than panicking.
    pub fn header(mut self, name: &'static str, value: impl AsRef<str>) -> Self {
        if let Ok(v) = HeaderValue::from_str(value.as_ref()) {
            self.headers.append(HeaderName::from_static(name), v);
        }
        self
    }

    pub fn body(mut self, content_type: &'static str, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self.headers
            .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        self
    }

    /// A body whose `Content-Type` was set as a header already.
    pub fn body_raw(mut self, body: Bytes) -> Self {
        self.body = body;
        self
    }

    /// A HEAD answer: headers of a `len`-byte body, no body.
    pub fn head_of(mut self, len: usize) -> Self {
        self.head_length = Some(len);
        self
    }

    /// Add the CORS headers the model decided on.
    pub fn cors(mut self, cors: Option<&CorsHeaders>) -> Self {
        if let Some(c) = cors {
            let h = &mut self.headers;
            c.for_each(|name, value| {
                let value = match value {
                    "true" => HeaderValue::from_static("true"),
                    other => match HeaderValue::from_str(other) {
                        Ok(v) => v,
                        Err(_) => return,
                    },
                };
                h.append(cors_header_name(name), value);
            });
        }
        self
    }

    /// Finish: add the common headers and build the hyper response:
    /// `Content-Length`, `Date`, `Server`, `x-cos-request-id` and, on
    /// errors, `x-cos-trace-id` (seed 003; COS "Common Response Headers").
    pub fn finish(self, profile: Profile, request_id: &str) -> HttpResponse {
        let len = self.head_length.unwrap_or(self.body.len());
        let mut resp = Response::new(Full::new(self.body));
        *resp.status_mut() = self.status;
        let mut h = self.headers;
        h.insert(CONTENT_LENGTH, HeaderValue::from(len));
        h.insert(DATE, cached_date());
        h.insert(SERVER, HeaderValue::from_static(profile.server()));
        if let Ok(v) = HeaderValue::from_str(request_id) {
            h.insert(HeaderName::from_static(profile.request_id_header()), v);
        }
        if let Some(t) = self.trace_id {
            h.insert(HeaderName::from_static(profile.trace_header()), t);
        }
        *resp.headers_mut() = h;
        resp
    }
}

/// `Date`, formatted once a second per thread: formatting it for every
/// answer costs as much as the rest of a preflight.
fn cached_date() -> HeaderValue {
    use std::cell::RefCell;
    use std::time::UNIX_EPOCH;
    thread_local! {
        static CACHE: RefCell<(u64, Option<HeaderValue>)> = const { RefCell::new((u64::MAX, None)) };
    }
    let now = SystemTime::now();
    let secs = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        if c.0 != secs || c.1.is_none() {
            let v = HeaderValue::from_str(&httpdate::fmt_http_date(now))
                .unwrap_or_else(|_| HeaderValue::from_static("Thu, 01 Jan 1970 00:00:00 GMT"));
            *c = (secs, Some(v));
        }
        c.1.clone()
            .unwrap_or_else(|| HeaderValue::from_static("Thu, 01 Jan 1970 00:00:00 GMT"))
    })
}

/// The header name constant for a name [`CorsHeaders::for_each`] gives.
fn cors_header_name(name: &'static str) -> HeaderName {
    use crate::model::headers;
    use hyper::header::{
        ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_HEADERS,
        ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_EXPOSE_HEADERS,
        ACCESS_CONTROL_MAX_AGE, VARY,
    };
    match name {
        headers::ALLOW_CREDENTIALS => ACCESS_CONTROL_ALLOW_CREDENTIALS,
        headers::ALLOW_HEADERS => ACCESS_CONTROL_ALLOW_HEADERS,
        headers::ALLOW_METHODS => ACCESS_CONTROL_ALLOW_METHODS,
        headers::ALLOW_ORIGIN => ACCESS_CONTROL_ALLOW_ORIGIN,
        headers::EXPOSE_HEADERS => ACCESS_CONTROL_EXPOSE_HEADERS,
        headers::MAX_AGE => ACCESS_CONTROL_MAX_AGE,
        _ => VARY,
    }
}

/// An error answer with the vendor's XML body.
pub fn error(
    err: &ApiError,
    resource: &str,
    request_id: &str,
    trace_id: &str,
    profile: Profile,
) -> Reply {
    if !profile.error_names_resource() {
        let body = super::aws::error_body(err, resource, request_id, trace_id, profile);
        let mut reply = Reply::new(err.status()).body("application/xml", body);
        reply.trace_id = HeaderValue::from_str(trace_id).ok();
        return reply;
    }
    let trace_tag = profile.trace_element();
    let pretty = profile.indents_xml();
    let (indent, close) = if pretty {
        ("\n\t", "\n</Error>")
    } else {
        ("", "</Error>")
    };
    let esc = |v: &str| -> String {
        if pretty {
            full_escape(v).into_owned()
        } else {
            partial_escape(v).into_owned()
        }
    };
    let mut xml = String::with_capacity(720);
    xml.push_str(profile.xml_prologue());
    xml.push_str(if profile.indents_xml() {
        "\n<Error>"
    } else {
        "<Error>"
    });
    for (name, value) in [
        ("Code", esc(err.code.as_str())),
        ("Message", esc(err.message.as_ref())),
        ("Resource", esc(resource)),
        ("RequestId", esc(request_id)),
        (trace_tag, esc(trace_id)),
    ] {
        xml.push_str(indent);
        xml.push('<');
        xml.push_str(name);
        xml.push('>');
        xml.push_str(&value);
        xml.push_str("</");
        xml.push_str(name);
        xml.push('>');
    }
    xml.push_str(close);
    let mut reply = Reply::new(err.status()).body("application/xml", xml);
    reply.trace_id = HeaderValue::from_str(trace_id).ok();
    reply
}
