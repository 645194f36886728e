//! What a browser does with a CORS answer: the Fetch standard's CORS
//! algorithm, so that the harness can say, from an endpoint's answers,
//! whether a browser would send a preflight, allow the request, and which
//! response headers JavaScript could read.
//!
//! Source: the Fetch standard (<https://fetch.spec.whatwg.org/>): "CORS-safelisted
//! method", "CORS-unsafe request-header names", "CORS-preflight fetch",
//! "CORS check", "CORS-safelisted response-header name". Only the parts a
//! `fetch()` from a page with a different origin exercises are written.

use std::collections::BTreeSet;

/// `fetch()`'s credentials mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credentials {
    Omit,
    SameOrigin,
    Include,
}

/// `fetch()` upper-cases the six standard methods whatever their case
/// (Fetch: "normalize a method"); others are sent as written.
pub fn normalize_method(method: &str) -> String {
    const STANDARD: [&str; 6] = ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"];
    match STANDARD.iter().find(|m| m.eq_ignore_ascii_case(method)) {
        Some(m) => m.to_string(),
        None => method.to_string(),
    }
}

/// Methods `fetch()` refuses to send.
pub fn is_forbidden_method(method: &str) -> bool {
    ["CONNECT", "TRACE", "TRACK"]
        .iter()
        .any(|m| m.eq_ignore_ascii_case(method))
}

/// Header names `fetch()` does not let a page set.
pub fn is_forbidden_header(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    const FORBIDDEN: [&str; 20] = [
        "accept-charset",
        "accept-encoding",
        "access-control-request-headers",
        "access-control-request-method",
        "connection",
        "content-length",
        "cookie",
        "cookie2",
        "date",
        "dnt",
        "expect",
        "host",
        "keep-alive",
        "origin",
        "referer",
        "set-cookie",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    ];
    FORBIDDEN.contains(&n.as_str())
        || n == "via"
        || n.starts_with("proxy-")
        || n.starts_with("sec-")
}

/// GET, HEAD and POST need no preflight (Fetch: CORS-safelisted method).
pub fn is_safelisted_method(method: &str) -> bool {
    matches!(method, "GET" | "HEAD" | "POST")
}

/// Is a request header, with this value, CORS-safelisted (no preflight)?
/// The simple forms only: `accept`, `accept-language`, `content-language`
/// with plain values, and `content-type` with one of the three form types.
pub fn is_safelisted_request_header(name: &str, value: &str) -> bool {
    let value_ok = value.len() <= 128
        && value
            .bytes()
            .all(|b| b == b'\t' || (0x20..0x7f).contains(&b) && !b"\"():<>?@[\\]{}".contains(&b));
    match name.to_ascii_lowercase().as_str() {
        "accept" => value.len() <= 128 && !value.bytes().any(|b| b"\"():<>?@[\\]{}".contains(&b)),
        "accept-language" | "content-language" => {
            value_ok
                && value
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b" *,-.;=".contains(&b))
        }
        "content-type" => {
            let essence = value
                .split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            value_ok
                && matches!(
                    essence.as_str(),
                    "application/x-www-form-urlencoded" | "multipart/form-data" | "text/plain"
                )
        }
        _ => false,
    }
}

/// The sorted, lower-cased, unique names a browser puts in
/// `Access-Control-Request-Headers` for these request headers.
pub fn unsafe_header_names(headers: &[(String, String)]) -> Vec<String> {
    let set: BTreeSet<String> = headers
        .iter()
        .filter(|(n, v)| !is_safelisted_request_header(n, v))
        .map(|(n, _)| n.to_ascii_lowercase())
        .collect();
    set.into_iter().collect()
}

/// Does this request need a preflight?
pub fn needs_preflight(method: &str, headers: &[(String, String)]) -> bool {
    !is_safelisted_method(method) || !unsafe_header_names(headers).is_empty()
}

/// The headers of an answer, looked up case-insensitively; repeated ones
/// combined with `, `.
pub trait AnswerHeaders {
    fn header(&self, name: &str) -> Option<String>;
    /// All header names present (lower-cased).
    fn names(&self) -> Vec<String>;
}

impl AnswerHeaders for [(String, String)] {
    fn header(&self, name: &str) -> Option<String> {
        let v: Vec<&str> = self
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect();
        (!v.is_empty()).then(|| v.join(", "))
    }

    fn names(&self) -> Vec<String> {
        self.iter().map(|(n, _)| n.to_ascii_lowercase()).collect()
    }
}

fn list(v: Option<String>) -> Vec<String> {
    v.map(|v| super::headers::split_list(&v).map(str::to_string).collect())
        .unwrap_or_default()
}

/// The CORS check of a response (preflight or actual).
pub fn cors_check(origin: &str, credentials: Credentials, answer: &[(String, String)]) -> bool {
    let Some(allow_origin) = answer.header(super::headers::ALLOW_ORIGIN) else {
        return false;
    };
    let include = credentials == Credentials::Include;
    if allow_origin == "*" && !include {
        return true;
    }
    if allow_origin != origin {
        return false;
    }
    !include || answer.header(super::headers::ALLOW_CREDENTIALS).as_deref() == Some("true")
}

/// Does a preflight answer let the actual request go?
pub fn preflight_allows(
    origin: &str,
    credentials: Credentials,
    method: &str,
    headers: &[(String, String)],
    status: u16,
    answer: &[(String, String)],
) -> bool {
    if !(200..300).contains(&status) || !cors_check(origin, credentials, answer) {
        return false;
    }
    let include = credentials == Credentials::Include;
    let methods = list(answer.header(super::headers::ALLOW_METHODS));
    // Methods compare byte for byte.
    if !methods.iter().any(|m| m == method)
        && !is_safelisted_method(method)
        && (include || !methods.iter().any(|m| m == "*"))
    {
        return false;
    }
    let allowed: Vec<String> = list(answer.header(super::headers::ALLOW_HEADERS))
        .into_iter()
        .map(|h| h.to_ascii_lowercase())
        .collect();
    let star = allowed.iter().any(|h| h == "*") && !include;
    for name in unsafe_header_names(headers) {
        let listed = allowed.contains(&name);
        // `Authorization` is never covered by `*`.
        if !listed && (!star || name == "authorization") {
            return false;
        }
    }
    true
}

/// Response header names a page can read from an allowed response.
pub fn readable_headers(credentials: Credentials, answer: &[(String, String)]) -> BTreeSet<String> {
    const SAFELISTED: [&str; 7] = [
        "cache-control",
        "content-language",
        "content-length",
        "content-type",
        "expires",
        "last-modified",
        "pragma",
    ];
    let exposed: Vec<String> = list(answer.header(super::headers::EXPOSE_HEADERS))
        .into_iter()
        .map(|h| h.to_ascii_lowercase())
        .collect();
    let all = exposed.iter().any(|h| h == "*") && credentials != Credentials::Include;
    answer
        .names()
        .into_iter()
        .filter(|n| SAFELISTED.contains(&n.as_str()) || all || exposed.contains(n))
        // Never exposed to pages, whatever the server says.
        .filter(|n| n != "set-cookie" && n != "set-cookie2")
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn preflight_needed() {
        assert!(!needs_preflight("GET", &[]));
        assert!(!needs_preflight(
            "POST",
            &h(&[("Content-Type", "text/plain;charset=utf-8")])
        ));
        assert!(needs_preflight(
            "POST",
            &h(&[("Content-Type", "application/json")])
        ));
        assert!(needs_preflight("PUT", &[]));
        assert!(needs_preflight("GET", &h(&[("x-cos-meta-a", "1")])));
        assert_eq!(
            unsafe_header_names(&h(&[
                ("X-B", "1"),
                ("x-a", "2"),
                ("x-b", "3"),
                ("Accept", "*/*")
            ])),
            ["x-a", "x-b"]
        );
    }

    #[test]
    fn preflight_checks() {
        let o = "http://127.0.0.1:9";
        let ok = h(&[
            ("Access-Control-Allow-Origin", o),
            ("Access-Control-Allow-Credentials", "true"),
            ("Access-Control-Allow-Methods", "PUT,GET"),
            ("Access-Control-Allow-Headers", "content-md5,x-cos-meta-*"),
        ]);
        let md5 = h(&[("Content-MD5", "x")]);
        assert!(preflight_allows(
            o,
            Credentials::Include,
            "PUT",
            &md5,
            200,
            &ok
        ));
        assert!(!preflight_allows(
            o,
            Credentials::Include,
            "DELETE",
            &md5,
            200,
            &ok
        ));
        assert!(!preflight_allows(
            o,
            Credentials::Include,
            "PUT",
            &md5,
            403,
            &ok
        ));
        // A pattern in Allow-Headers is not a pattern to a browser.
        let meta = h(&[("x-cos-meta-author", "x")]);
        assert!(!preflight_allows(
            o,
            Credentials::Include,
            "PUT",
            &meta,
            200,
            &ok
        ));
        // `*` origin: fine without credentials, refused with them.
        let star = h(&[
            ("Access-Control-Allow-Origin", "*"),
            ("Access-Control-Allow-Methods", "PUT"),
            ("Access-Control-Allow-Headers", "*"),
        ]);
        assert!(preflight_allows(
            o,
            Credentials::Omit,
            "PUT",
            &meta,
            200,
            &star
        ));
        assert!(!preflight_allows(
            o,
            Credentials::Include,
            "PUT",
            &meta,
            200,
            &star
        ));
        // `*` never covers Authorization.
        let auth = h(&[("Authorization", "q-sign-algorithm=sha1")]);
        assert!(!preflight_allows(
            o,
            Credentials::Omit,
            "PUT",
            &auth,
            200,
            &star
        ));
    }

    #[test]
    fn readable() {
        let a = h(&[
            ("Content-Length", "3"),
            ("ETag", "\"x\""),
            ("x-cos-request-id", "r"),
            ("Access-Control-Expose-Headers", "ETag"),
        ]);
        let r = readable_headers(Credentials::Omit, &a);
        assert!(
            r.contains("etag") && r.contains("content-length") && !r.contains("x-cos-request-id")
        );
        let none = h(&[("ETag", "\"x\"")]);
        assert!(!readable_headers(Credentials::Omit, &none).contains("etag"));
    }
}
