//! From `Host` and request target to a typed route.
//!
//! COS addresses a bucket by virtual host (`<bucket>.cos.<region>.myqcloud.com`,
//! seed 003) or, for S3-style clients, by path (`/<bucket>/<key>`). The TCP
//! peer does not matter: a client on 127.0.0.1 that sends the COS `Host`
//! header (as cos-python-sdk-v5's `CosConfig(IP=..., Port=...)` does) gets
//! virtual-host addressing.

pub use crate::http::{parse_query, percent_decode, Addressing};

/// A parsed request target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The bucket, if the request names one.
    pub bucket: Option<String>,
    /// The object key, percent-decoded; empty for a bucket-level request.
    pub key: String,
    /// The region named by the host, if any.
    pub region: Option<String>,
    pub addressing: Addressing,
    /// Query parameters in order, names and values percent-decoded.
    pub query: Vec<(String, Option<String>)>,
}

impl Route {
    /// Is `name` among the query parameters (a sub-resource such as `cors`)?
    pub fn has_param(&self, name: &str) -> bool {
        self.query.iter().any(|(k, _)| k == name)
    }

    /// The first sub-resource named in the query, if any (`?cors`,
    /// `?lifecycle`, ...): a parameter given without a value, other than
    /// GET Bucket's own parameters (`?prefix=&max-keys=2` lists).
    pub fn subresource(&self) -> Option<&str> {
        const LISTING: &[&str] = &[
            "prefix",
            "marker",
            "max-keys",
            "delimiter",
            "encoding-type",
            "key-marker",
            "upload-id-marker",
            "max-uploads",
        ];
        self.query
            .iter()
            .find(|(k, v)| v.as_deref().is_none_or(str::is_empty) && !LISTING.contains(&k.as_str()))
            .map(|(k, _)| k.as_str())
    }
}

/// Parse a route from the `Host` header (if any) and the request target's
/// path and query.
pub fn parse(host: Option<&str>, path: &str, query: Option<&str>) -> Route {
    let query = query.map(parse_query).unwrap_or_default();
    if let Some((bucket, region)) = host.and_then(virtual_host) {
        return Route {
            bucket: Some(bucket),
            key: percent_decode(path.strip_prefix('/').unwrap_or(path)),
            region,
            addressing: Addressing::VirtualHost,
            query,
        };
    }
    let rest = path.strip_prefix('/').unwrap_or(path);
    let (bucket, key) = match rest.split_once('/') {
        Some((b, k)) => (b, k),
        None => (rest, ""),
    };
    Route {
        bucket: (!bucket.is_empty()).then(|| percent_decode(bucket)),
        key: percent_decode(key),
        region: None,
        addressing: Addressing::Path,
        query,
    }
}

/// `<bucket>.cos.<region>.myqcloud.com[:port]` (COS), or S3's
/// `<bucket>.s3.<region>.amazonaws.com` / `<bucket>.s3.amazonaws.com`.
fn virtual_host(host: &str) -> Option<(String, Option<String>)> {
    let host = strip_port(host).to_ascii_lowercase();
    if let Some(prefix) = host.strip_suffix(".myqcloud.com") {
        let (bucket, rest) = prefix.split_once(".cos.")?;
        if bucket.is_empty() || rest.is_empty() || rest.contains('.') {
            return None;
        }
        return Some((bucket.to_string(), Some(rest.to_string())));
    }
    if let Some(prefix) = host.strip_suffix(".amazonaws.com") {
        if let Some(bucket) = prefix.strip_suffix(".s3") {
            return (!bucket.is_empty()).then(|| (bucket.to_string(), None));
        }
        let (bucket, region) = prefix.split_once(".s3.")?;
        return (!bucket.is_empty()).then(|| (bucket.to_string(), Some(region.to_string())));
    }
    None
}

fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        // [::1]:port
        return host.split_once(']').map_or(host, |(h, _)| &h[1..]);
    }
    match host.rsplit_once(':') {
        Some((h, p)) if p.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn virtual_host_cos() {
        let r = parse(
            Some("examplebucket-1250000000.cos.ap-beijing.myqcloud.com"),
            "/exampleobject",
            None,
        );
        assert_eq!(r.bucket.as_deref(), Some("examplebucket-1250000000"));
        assert_eq!(r.key, "exampleobject");
        assert_eq!(r.region.as_deref(), Some("ap-beijing"));
        assert_eq!(r.addressing, Addressing::VirtualHost);
        let r = parse(
            Some("b-1.cos.ap-guangzhou.myqcloud.com:8080"),
            "/",
            Some("lifecycle"),
        );
        assert_eq!(r.bucket.as_deref(), Some("b-1"));
        assert_eq!(r.key, "");
        assert_eq!(r.subresource(), Some("lifecycle"));
    }

    #[test]
    fn path_style() {
        let r = parse(
            Some("127.0.0.1:9000"),
            "/b-1/dir/a%20b.txt",
            Some("x=1&cors"),
        );
        assert_eq!(r.bucket.as_deref(), Some("b-1"));
        assert_eq!(r.key, "dir/a b.txt");
        assert!(r.has_param("cors"));
        assert_eq!(r.subresource(), Some("cors"));
        let r = parse(None, "/", None);
        assert_eq!(r.bucket, None);
        let r = parse(Some("[::1]:80"), "/b", None);
        assert_eq!(r.bucket.as_deref(), Some("b"));
    }

    #[test]
    fn percent_decoding_is_total() {
        assert_eq!(percent_decode("%"), "%");
        assert_eq!(percent_decode("a%2"), "a%2");
        assert_eq!(percent_decode("%zz"), "%zz");
        assert_eq!(percent_decode("%41%42"), "AB");
        assert_eq!(percent_decode("%ff"), "\u{fffd}");
    }
}
