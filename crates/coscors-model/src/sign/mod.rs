//! Request signing: COS's `q-sign-algorithm=sha1` Authorization and AWS
//! Signature Version 4, for clients (the runner) and for the emulator's
//! checks alike. Each algorithm is tested against its document's own worked
//! example, byte for byte.

pub mod cos;
pub mod sigv4;

use std::fmt;

/// Credentials for signing. `Debug` never shows the secret or the token.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// COS SecretId / AWS access key id.
    pub id: String,
    /// COS SecretKey / AWS secret access key.
    pub secret: String,
    /// Temporary credentials' token (`x-cos-security-token` /
    /// `x-amz-security-token`).
    pub token: Option<String>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("id", &self.id)
            .field("secret", &"<redacted>")
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// Percent-encode everything but `A-Z a-z 0-9 - _ . ~` (RFC 3986 unreserved),
/// upper-case hex: COS's UrlEncode and AWS's UriEncode (with `/` encoded).
pub fn uri_encode(s: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        let unreserved = b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~');
        if unreserved || (keep_slash && b == b'/') {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(char::from(b"0123456789ABCDEF"[(b >> 4) as usize]));
            out.push(char::from(b"0123456789ABCDEF"[(b & 15) as usize]));
        }
    }
    out
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(b"0123456789abcdef"[(b >> 4) as usize]));
        s.push(char::from(b"0123456789abcdef"[(b & 15) as usize]));
    }
    s
}

/// Compare two strings in time independent of where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_secrets() {
        let c = Credentials {
            id: "AKID".into(),
            secret: "s3cr3t".into(),
            token: Some("tok3n".into()),
        };
        let d = format!("{c:?}");
        assert!(!d.contains("s3cr3t") && !d.contains("tok3n"), "{d}");
    }

    #[test]
    fn encoding() {
        assert_eq!(uri_encode("a b/c=d~", false), "a%20b%2Fc%3Dd~");
        assert_eq!(uri_encode("a b/c", true), "a%20b/c");
    }
}
