//! What the client and the emulator both speak, below either of them:
//! how a bucket is addressed, percent-decoding and query parsing, and an
//! HTTP answer as it was received ([`Observed`]). Nothing here knows COS's
//! rules or does I/O; `target` and `emulator` import it, not each other.

use schemars::JsonSchema;
use serde::Deserialize;

/// How the bucket is named in a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Addressing {
    /// `Host: <bucket>.<endpoint host>` for COS endpoints
    /// (`cos.<region>.myqcloud.com`), or `Host: <bucket>.cos.<region>.myqcloud.com`
    /// sent to a loopback endpoint; the path is the key.
    VirtualHost,
    /// `Host: <endpoint>`, path `/<bucket>/<key>` (S3-style peers).
    Path,
}

/// What came back.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Observed {
    pub status: u16,
    /// Headers in the order received, names in the case received.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Observed {
    /// All values of a header, names compared case-insensitively.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// The first value of a header.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Query parameters in order, names and values percent-decoded; `a` (no
/// `=`) has no value, `a=` an empty one.
pub fn parse_query(q: &str) -> Vec<(String, Option<String>)> {
    q.split('&')
        .filter(|s| !s.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((k, v)) => (percent_decode(k), Some(percent_decode(v))),
            None => (percent_decode(pair), None),
        })
        .collect()
}

/// Decode `%XX` escapes (and `+` is kept: COS keys may contain it). Invalid
/// escapes are kept as they are; invalid UTF-8 is replaced.
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    if !b.contains(&b'%') {
        return s.to_string();
    }
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = |c: u8| (c as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding_keeps_invalid_escapes_and_plus() {
        assert_eq!(percent_decode("a%20b+c"), "a b+c");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
        assert_eq!(percent_decode("%E4%BD%A0"), "\u{4f60}");
        assert_eq!(percent_decode("plain"), "plain");
    }

    #[test]
    fn query_parameters_in_order_with_and_without_values() {
        assert_eq!(
            parse_query("cors&a=1&&b=&c%20d=e%2Bf"),
            [
                ("cors".to_string(), None),
                ("a".to_string(), Some("1".to_string())),
                ("b".to_string(), Some(String::new())),
                ("c d".to_string(), Some("e+f".to_string())),
            ]
        );
    }

    #[test]
    fn observed_headers_by_name_in_any_case() {
        let o = Observed {
            status: 200,
            headers: vec![
                ("Vary".into(), "Origin".into()),
                ("vary".into(), "Accept".into()),
            ],
            body: Vec::new(),
        };
        assert_eq!(o.get("VARY"), Some("Origin"));
        assert_eq!(o.all("vary").count(), 2);
        assert_eq!(o.get("Server"), None);
    }
}
