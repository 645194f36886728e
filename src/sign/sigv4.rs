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
    let k_date = hmac(format!("AWS4{secret}").as_bytes(), date.as_bytes());
    let k_region = hmac(&k_date, region.as_bytes());
    let k_service = hmac(&k_region, b"s3");
    let k_signing = hmac(&k_service, b"aws4_request");
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
    let payload = header("x-amz-content-sha256").unwrap_or_else(|| EMPTY_SHA256.to_string());
    let headers: Vec<(String, String)> = auth
        .signed_headers
        .iter()
        .map(|h| (h.clone(), header(h).unwrap_or_default()))
        .collect();
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
}
