//! AWS Signature Version 4 for S3 (header-based), as documented in
//! "Authenticating Requests: Using the Authorization Header (AWS Signature
//! Version 4)", whose GET Object example is the test vector below.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use super::{constant_time_eq, hex, uri_encode, Credentials};

type HmacSha256 = Hmac<Sha256>;

/// SHA-256 of the empty body.
pub const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

fn hmac(key: &[u8], msg: &[u8]) -> Vec<u8> {
    match HmacSha256::new_from_slice(key) {
        Ok(mut m) => {
            m.update(msg);
            m.finalize().into_bytes().to_vec()
        }
        Err(_) => Vec::new(),
    }
}

pub fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

/// The intermediate values, for tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigV4 {
    pub canonical_request: String,
    pub string_to_sign: String,
    pub signed_headers: String,
    pub scope: String,
    pub signature: String,
}

/// Sign. `path` is the URI path as sent (already percent-encoded the way
/// S3 clients send it); `query` the decoded parameters; `headers` the headers
/// to sign; `amz_date` `YYYYMMDDTHHMMSSZ`; `payload_hash` the
/// `x-amz-content-sha256` value.
#[allow(clippy::too_many_arguments)]
pub fn sign(
    secret: &str,
    amz_date: &str,
    region: &str,
    method: &str,
    path: &str,
    query: &[(String, String)],
    headers: &[(String, String)],
    payload_hash: &str,
) -> SigV4 {
    let date = amz_date.get(..8).unwrap_or(amz_date);
    let mut q: Vec<(String, String)> = query
        .iter()
        .map(|(k, v)| (uri_encode(k, false), uri_encode(v, false)))
        .collect();
    q.sort();
    let canonical_query = q
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let mut h: Vec<(String, String)> = headers
        .iter()
        .map(|(k, v)| {
            let v = v.split_whitespace().collect::<Vec<_>>().join(" ");
            (k.to_ascii_lowercase(), v)
        })
        .collect();
    h.sort();
    let canonical_headers: String = h.iter().map(|(k, v)| format!("{k}:{v}\n")).collect();
    let signed_headers = h
        .iter()
        .map(|(k, _)| k.as_str())
        .collect::<Vec<_>>()
        .join(";");
    let canonical_request = format!(
        "{method}\n{path}\n{canonical_query}\n{canonical_headers}\n{signed_headers}\n{payload_hash}"
    );
    let scope = format!("{date}/{region}/s3/aws4_request");
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        sha256_hex(canonical_request.as_bytes())
    );
    let k_signing = signing_key(secret, date, region);
    let signature = hex(&hmac(&k_signing, string_to_sign.as_bytes()));
    SigV4 {
        canonical_request,
        string_to_sign,
        signed_headers,
        scope,
        signature,
    }
}

/// The `Authorization` header value.
pub fn authorization(creds: &Credentials, sig: &SigV4) -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential={}/{}, SignedHeaders={}, Signature={}",
        creds.id, sig.scope, sig.signed_headers, sig.signature
    )
}

/// A parsed SigV4 `Authorization` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedSigV4 {
    pub access_key: String,
    pub date: String,
    pub region: String,
    pub signed_headers: Vec<String>,
    pub signature: String,
}

pub fn parse_authorization(value: &str) -> Option<ParsedSigV4> {
    let rest = value.trim().strip_prefix("AWS4-HMAC-SHA256")?.trim();
    let (mut cred, mut signed, mut sig) = (None, None, None);
    for part in rest.split(',') {
        let (k, v) = part.trim().split_once('=')?;
        match k {
            "Credential" => cred = Some(v),
            "SignedHeaders" => signed = Some(v),
            "Signature" => sig = Some(v),
            _ => {}
        }
    }
    let mut c = cred?.split('/');
    let access_key = c.next()?.to_string();
    let date = c.next()?.to_string();
    let region = c.next()?.to_string();
    (c.next()? == "s3" && c.next()? == "aws4_request").then_some(())?;
    Some(ParsedSigV4 {
        access_key,
        date,
        region,
        signed_headers: signed?.split(';').map(str::to_string).collect(),
        signature: sig?.to_string(),
    })
}

/// Why a SigV4 signature was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    UnknownKey,
    Skewed,
    Malformed,
    Mismatch,
    /// No `x-amz-content-sha256`.
    MissingPayloadHash,
    /// `host` is not among the signed headers.
    HostNotSigned,
}

/// Seconds since the epoch of an `x-amz-date` (`YYYYMMDDTHHMMSSZ`).
pub fn parse_amz_date(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<u64>().ok();
    let (y, m, d) = (num(0..4)?, num(4..6)?, num(6..8)?);
    let (hh, mm, ss) = (num(9..11)?, num(11..13)?, num(13..15)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    // Days from civil (Howard Hinnant's algorithm).
    let (y, m) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = y / 400;
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe;
    let days = days.checked_sub(719_468)?;
    Some(days * 86_400 + hh * 3600 + mm * 60 + ss)
}

/// `x-amz-date` for a time.
pub fn format_amz_date(secs: u64) -> String {
    let days = secs / 86_400;
    let rem = secs % 86_400;
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(m <= 2);
    format!(
        "{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Check a SigV4 request. `header` looks up a request header by lower-case name.
#[allow(clippy::too_many_arguments)]
pub fn verify(
    auth: &ParsedSigV4,
    creds: &Credentials,
    now: u64,
    method: &str,
    raw_path: &str,
    query: &[(String, String)],
    header: impl Fn(&str) -> Option<String>,
) -> Result<(), Rejection> {
    if auth.access_key != creds.id {
        return Err(Rejection::UnknownKey);
    }
    let amz_date = header("x-amz-date").ok_or(Rejection::Malformed)?;
    let t = parse_amz_date(&amz_date).ok_or(Rejection::Malformed)?;
    // S3 allows 15 minutes of skew.
    if t.abs_diff(now) > 15 * 60 {
        return Err(Rejection::Skewed);
    }
    // S3 requires the payload's hash on every header-signed request
    // (`x-amz-content-sha256`, "Authenticating Requests: Using the
    // Authorization Header"); what it may be is `Payload::parse`'s.
    let payload = header("x-amz-content-sha256").ok_or(Rejection::MissingPayloadHash)?;
    // "The host header must be included as a signed header" (SigV4,
    // "Create a canonical request"): else the signature names no bucket.
    if !auth.signed_headers.iter().any(|h| h == "host") {
        return Err(Rejection::HostNotSigned);
    }
    let mut headers: Vec<(String, String)> = Vec::with_capacity(auth.signed_headers.len());
    for h in &auth.signed_headers {
        // A signed header the request lacks: not the request that was signed.
        headers.push((h.clone(), header(h).ok_or(Rejection::Mismatch)?));
    }
    let expected = sign(
        &creds.secret,
        &amz_date,
        &auth.region,
        method,
        raw_path,
        query,
        &headers,
        &payload,
    );
    if constant_time_eq(&expected.signature, &auth.signature) {
        Ok(())
    } else {
        Err(Rejection::Mismatch)
    }
}

/// What `x-amz-content-sha256` says of the body (S3 "Authenticating
/// Requests: Using the Authorization Header", "Signature Calculations for
/// the Authorization Header: Transferring Payload in Multiple Chunks").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Payload<'a> {
    /// The body's SHA-256, lower-case hex: S3 compares it with the body
    /// (400 `XAmzContentSHA256Mismatch`).
    Hash(&'a str),
    /// `UNSIGNED-PAYLOAD`: the body is not covered.
    Unsigned,
    /// `STREAMING-AWS4-HMAC-SHA256-PAYLOAD`: aws-chunked, each chunk signed
    /// in a chain from the request's signature.
    SignedChunks,
    /// `STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER`: the same, then signed
    /// trailing headers.
    SignedChunksTrailer,
    /// `STREAMING-UNSIGNED-PAYLOAD-TRAILER`: aws-chunked without chunk
    /// signatures, then trailing headers (a checksum).
    UnsignedChunksTrailer,
    /// `STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD[-TRAILER]`: SigV4a, whose
    /// requests carry an `AWS4-ECDSA-P256-SHA256` authorization; with an
    /// HMAC one they cannot be checked.
    Ecdsa,
}

impl<'a> Payload<'a> {
    /// `None`: a value S3 refuses (400 `InvalidArgument`).
    pub fn parse(v: &'a str) -> Option<Self> {
        Some(match v {
            "UNSIGNED-PAYLOAD" => Payload::Unsigned,
            "STREAMING-AWS4-HMAC-SHA256-PAYLOAD" => Payload::SignedChunks,
            "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER" => Payload::SignedChunksTrailer,
            "STREAMING-UNSIGNED-PAYLOAD-TRAILER" => Payload::UnsignedChunksTrailer,
            "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD"
            | "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER" => Payload::Ecdsa,
            h if h.len() == 64
                && h.bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) =>
            {
                Payload::Hash(h)
            }
            _ => return None,
        })
    }

    /// Is the body aws-chunked?
    pub fn is_chunked(self) -> bool {
        matches!(
            self,
            Payload::SignedChunks | Payload::SignedChunksTrailer | Payload::UnsignedChunksTrailer
        )
    }
}

/// The signing key of a scope's day and region.
pub fn signing_key(secret: &str, date: &str, region: &str) -> Vec<u8> {
    let k_date = hmac(format!("AWS4{secret}").as_bytes(), date.as_bytes());
    let k_region = hmac(&k_date, region.as_bytes());
    let k_service = hmac(&k_region, b"s3");
    hmac(&k_service, b"aws4_request")
}

/// What checks the chunk signatures of a signed aws-chunked body: the key,
/// the request's date and scope, and the request's own signature (the seed).
#[derive(Debug, Clone)]
pub struct ChunkSigner {
    pub key: Vec<u8>,
    pub amz_date: String,
    pub scope: String,
    pub seed: String,
}

impl ChunkSigner {
    /// The signature of one chunk, given the previous one's.
    pub fn chunk(&self, previous: &str, data: &[u8]) -> String {
        let sts = format!(
            "AWS4-HMAC-SHA256-PAYLOAD\n{}\n{}\n{previous}\n{EMPTY_SHA256}\n{}",
            self.amz_date,
            self.scope,
            sha256_hex(data)
        );
        hex(&hmac(&self.key, sts.as_bytes()))
    }

    /// The signature of the trailing headers (`name:value\n` each), given the
    /// last chunk's.
    pub fn trailer(&self, previous: &str, trailer: &[u8]) -> String {
        let sts = format!(
            "AWS4-HMAC-SHA256-TRAILER\n{}\n{}\n{previous}\n{}",
            self.amz_date,
            self.scope,
            sha256_hex(trailer)
        );
        hex(&hmac(&self.key, sts.as_bytes()))
    }
}

/// Why an aws-chunked body was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChunkError {
    /// Framing that is not aws-chunked (S3: 400 `IncompleteBody` and the like).
    Malformed(&'static str),
    /// A chunk or trailer signature that does not chain (403 `SignatureDoesNotMatch`).
    Signature,
}

/// Decode an aws-chunked body: `hex-size[;chunk-signature=SIG]\r\n data
/// \r\n`, ..., a last chunk of size 0, then trailing headers if `trailer`,
/// then `\r\n`. With `signer`, each chunk's signature must be the one
/// computed from the previous (the first from the seed), and with a
/// trailer, `x-amz-trailer-signature` too. Trailing checksums
/// (`x-amz-checksum-*`) are not checked.
pub fn decode_chunked(
    body: &[u8],
    signer: Option<&ChunkSigner>,
    trailer: bool,
) -> Result<Vec<u8>, ChunkError> {
    let mut out = Vec::with_capacity(body.len());
    let mut previous = signer.map(|s| s.seed.clone()).unwrap_or_default();
    let mut rest = body;
    let line = |rest: &[u8]| -> Result<(usize, usize), ChunkError> {
        let end =
            memchr::memmem::find(rest, b"\r\n").ok_or(ChunkError::Malformed("no chunk header"))?;
        Ok((end, end + 2))
    };
    loop {
        let (end, next) = line(rest)?;
        let head =
            std::str::from_utf8(&rest[..end]).map_err(|_| ChunkError::Malformed("chunk header"))?;
        let (size, ext) = match head.split_once(';') {
            Some((s, e)) => (s, Some(e)),
            None => (head, None),
        };
        let size = usize::from_str_radix(size.trim(), 16)
            .map_err(|_| ChunkError::Malformed("chunk size"))?;
        rest = &rest[next..];
        if rest.len() < size {
            return Err(ChunkError::Malformed("chunk shorter than its size"));
        }
        let data = &rest[..size];
        if let Some(s) = signer {
            let sig = ext
                .and_then(|e| e.trim().strip_prefix("chunk-signature="))
                .ok_or(ChunkError::Malformed("chunk without signature"))?;
            let expected = s.chunk(&previous, data);
            if !constant_time_eq(&expected, sig) {
                return Err(ChunkError::Signature);
            }
            previous = expected;
        }
        out.extend_from_slice(data);
        rest = &rest[size..];
        if size == 0 {
            break;
        }
        rest = rest
            .strip_prefix(b"\r\n")
            .ok_or(ChunkError::Malformed("chunk without CRLF"))?;
    }
    if trailer {
        // Trailing header lines, then an empty line.
        let mut signed_part = Vec::new();
        let mut trailer_sig = None;
        loop {
            let (end, next) = line(rest)?;
            let l = &rest[..end];
            rest = &rest[next..];
            if l.is_empty() {
                break;
            }
            let text = std::str::from_utf8(l).map_err(|_| ChunkError::Malformed("trailer"))?;
            let (k, v) = text
                .split_once(':')
                .ok_or(ChunkError::Malformed("trailer"))?;
            if k.trim().eq_ignore_ascii_case("x-amz-trailer-signature") {
                trailer_sig = Some(v.trim().to_string());
            } else {
                signed_part.extend_from_slice(k.trim().to_ascii_lowercase().as_bytes());
                signed_part.push(b':');
                signed_part.extend_from_slice(v.trim().as_bytes());
                signed_part.push(b'\n');
            }
        }
        if let Some(s) = signer {
            let sig = trailer_sig.ok_or(ChunkError::Malformed("no trailer signature"))?;
            if !constant_time_eq(&s.trailer(&previous, &signed_part), &sig) {
                return Err(ChunkError::Signature);
            }
        }
    } else {
        rest = rest
            .strip_prefix(b"\r\n")
            .ok_or(ChunkError::Malformed("no final CRLF"))?;
    }
    if !rest.is_empty() {
        return Err(ChunkError::Malformed("bytes after the last chunk"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// AWS's published example: GET Object with a Range header
    /// (AmazonS3 API reference, "Example: GET Object").
    #[test]
    fn aws_get_object_example() {
        let headers: Vec<(String, String)> = [
            ("Host", "examplebucket.s3.amazonaws.com"),
            ("Range", "bytes=0-9"),
            ("x-amz-content-sha256", EMPTY_SHA256),
            ("x-amz-date", "20130524T000000Z"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let s = sign(
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "20130524T000000Z",
            "us-east-1",
            "GET",
            "/test.txt",
            &[],
            &headers,
            EMPTY_SHA256,
        );
        assert_eq!(
            s.canonical_request,
            "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\nx-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\nx-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            s.string_to_sign,
            "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972"
        );
        assert_eq!(
            s.signature,
            "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
        );
        let creds = Credentials {
            id: "AKIAIOSFODNN7EXAMPLE".into(),
            secret: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into(),
            token: None,
        };
        let auth = authorization(&creds, &s);
        assert_eq!(
            auth,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
        );
        let parsed = parse_authorization(&auth).expect("parses");
        let lookup = |n: &str| {
            headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(n))
                .map(|(_, v)| v.clone())
        };
        let t = parse_amz_date("20130524T000000Z").expect("date");
        assert_eq!(
            verify(&parsed, &creds, t + 60, "GET", "/test.txt", &[], lookup),
            Ok(())
        );
        assert_eq!(
            verify(&parsed, &creds, t + 3600, "GET", "/test.txt", &[], lookup),
            Err(Rejection::Skewed)
        );
        assert_eq!(
            verify(&parsed, &creds, t, "PUT", "/test.txt", &[], lookup),
            Err(Rejection::Mismatch)
        );
    }

    #[test]
    fn amz_dates_round_trip() {
        assert_eq!(parse_amz_date("19700101T000000Z"), Some(0));
        assert_eq!(parse_amz_date("20130524T000000Z"), Some(1_369_353_600));
        for t in [0u64, 1_369_353_600, 1_700_000_000, 4_102_444_799] {
            assert_eq!(parse_amz_date(&format_amz_date(t)), Some(t));
        }
        assert_eq!(parse_amz_date("2013-05-24"), None);
    }

    /// AWS's published example of a chunked upload ("Signature Calculations
    /// for the Authorization Header: Transferring Payload in Multiple
    /// Chunks", PUT Object of 65 KB + 1 KB of `a`): its seed signature and
    /// its three chunk signatures.
    #[test]
    fn aws_chunked_upload_example() {
        let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
        let headers: Vec<(String, String)> = [
            ("content-encoding", "aws-chunked"),
            ("content-length", "66824"),
            ("host", "s3.amazonaws.com"),
            ("x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"),
            ("x-amz-date", "20130524T000000Z"),
            ("x-amz-decoded-content-length", "66560"),
            ("x-amz-storage-class", "REDUCED_REDUNDANCY"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let seed = sign(
            secret,
            "20130524T000000Z",
            "us-east-1",
            "PUT",
            "/examplebucket/chunkObject.txt",
            &[],
            &headers,
            "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
        );
        assert_eq!(
            seed.signature,
            "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
        );
        let signer = ChunkSigner {
            key: signing_key(secret, "20130524", "us-east-1"),
            amz_date: "20130524T000000Z".into(),
            scope: seed.scope.clone(),
            seed: seed.signature.clone(),
        };
        let c1 = signer.chunk(&signer.seed, &[b'a'; 65536]);
        assert_eq!(
            c1,
            "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648"
        );
        let c2 = signer.chunk(&c1, &[b'a'; 1024]);
        assert_eq!(
            c2,
            "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497"
        );
        let c3 = signer.chunk(&c2, b"");
        assert_eq!(
            c3,
            "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"
        );
        let mut body = format!("10000;chunk-signature={c1}\r\n").into_bytes();
        body.extend_from_slice(&[b'a'; 65536]);
        body.extend_from_slice(format!("\r\n400;chunk-signature={c2}\r\n").as_bytes());
        body.extend_from_slice(&[b'a'; 1024]);
        body.extend_from_slice(format!("\r\n0;chunk-signature={c3}\r\n\r\n").as_bytes());
        assert_eq!(body.len(), 66824);
        let decoded = decode_chunked(&body, Some(&signer), false).expect("decodes");
        assert_eq!(decoded.len(), 66560);
        // One byte changed: the chain breaks.
        let mut forged = body.clone();
        forged[100] = b'b';
        assert_eq!(
            decode_chunked(&forged, Some(&signer), false),
            Err(ChunkError::Signature)
        );
        // Unsigned: the framing alone.
        assert_eq!(
            decode_chunked(&forged, None, false).map(|d| d.len()),
            Ok(66560)
        );
        assert!(matches!(
            decode_chunked(&body[..1000], Some(&signer), false),
            Err(ChunkError::Malformed(_))
        ));
    }

    #[test]
    fn payload_values() {
        assert_eq!(
            Payload::parse(EMPTY_SHA256),
            Some(Payload::Hash(EMPTY_SHA256))
        );
        assert_eq!(Payload::parse("UNSIGNED-PAYLOAD"), Some(Payload::Unsigned));
        assert_eq!(Payload::parse(&EMPTY_SHA256.to_ascii_uppercase()), None);
        assert_eq!(Payload::parse("abc"), None);
        assert!(
            Payload::parse("STREAMING-UNSIGNED-PAYLOAD-TRAILER").is_some_and(Payload::is_chunked)
        );
    }
}
