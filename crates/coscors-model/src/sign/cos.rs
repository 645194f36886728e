//! COS request signature (<https://www.tencentcloud.com/document/product/436/7778>):
//! KeyTime → SignKey = HMAC-SHA1(SecretKey, KeyTime) → UrlParamList and
//! HttpParameters → HeaderList and HttpHeaders → HttpString →
//! StringToSign = `sha1\n<KeyTime>\n<SHA1(HttpString)>\n` →
//! Signature = HMAC-SHA1(SignKey, StringToSign).

use hmac::{Hmac, Mac};
use sha1::{Digest, Sha1};

use super::{constant_time_eq, hex, uri_encode, Credentials};

type HmacSha1 = Hmac<Sha1>;

fn hmac_sha1_hex(key: &[u8], msg: &[u8]) -> String {
    // HMAC takes keys of any length; `new_from_slice` cannot fail for it.
    let Ok(mut mac) = HmacSha1::new_from_slice(key) else {
        return String::new();
    };
    mac.update(msg);
    hex(&mac.finalize().into_bytes())
}

/// Every intermediate value of the algorithm, so that tests can compare
/// each against the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CosSignature {
    pub key_time: String,
    pub sign_key: String,
    pub url_param_list: String,
    pub http_parameters: String,
    pub header_list: String,
    pub http_headers: String,
    pub http_string: String,
    pub string_to_sign: String,
    pub signature: String,
}

/// `(list, joined)`: keys lower-cased and encoded, sorted; `k=v&...` with
/// encoded values (steps 3 and 4 of the document).
fn canonical(pairs: &[(String, String)]) -> (String, String) {
    let mut kv: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| {
            (
                uri_encode(k, false).to_ascii_lowercase(),
                uri_encode(v, false),
            )
        })
        .collect();
    kv.sort();
    let list = kv
        .iter()
        .map(|(k, _)| k.as_str())
        .collect::<Vec<_>>()
        .join(";");
    let joined = kv
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    (list, joined)
}

/// Compute the signature of a request.
///
/// `path` is the decoded UriPathname (`/exampleobject(腾讯云)`), `params` the
/// decoded query parameters (a parameter without value has value ""),
/// `headers` the headers to sign.
pub fn sign(
    secret_key: &str,
    key_time: &str,
    method: &str,
    path: &str,
    params: &[(String, String)],
    headers: &[(String, String)],
) -> CosSignature {
    let sign_key = hmac_sha1_hex(secret_key.as_bytes(), key_time.as_bytes());
    let (url_param_list, http_parameters) = canonical(params);
    let (header_list, http_headers) = canonical(headers);
    let http_string = format!(
        "{}\n{path}\n{http_parameters}\n{http_headers}\n",
        method.to_ascii_lowercase()
    );
    let string_to_sign = format!(
        "sha1\n{key_time}\n{}\n",
        hex(&Sha1::digest(http_string.as_bytes()))
    );
    let signature = hmac_sha1_hex(sign_key.as_bytes(), string_to_sign.as_bytes());
    CosSignature {
        key_time: key_time.to_string(),
        sign_key,
        url_param_list,
        http_parameters,
        header_list,
        http_headers,
        http_string,
        string_to_sign,
        signature,
    }
}

/// The `Authorization` header value for a signed request.
pub fn authorization(creds: &Credentials, sig: &CosSignature) -> String {
    format!(
        "q-sign-algorithm=sha1&q-ak={}&q-sign-time={kt}&q-key-time={kt}&q-header-list={}&q-url-param-list={}&q-signature={}",
        creds.id, sig.header_list, sig.url_param_list, sig.signature,
        kt = sig.key_time
    )
}

/// Which request headers a client signs: `Host`, `Content-*`, `Date` and
/// every `x-cos-*` (what the COS SDKs sign).
pub fn signs_header(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n == "host"
        || n == "date"
        || n == "content-type"
        || n == "content-md5"
        || n == "content-length"
        || n.starts_with("x-cos-")
}

/// A parsed COS `Authorization` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CosAuthorization {
    pub ak: String,
    pub sign_time: String,
    pub key_time: String,
    pub header_list: Vec<String>,
    pub url_param_list: Vec<String>,
    pub signature: String,
}

/// Parse an `Authorization` value; `None` if it is not the COS form, or if
/// a field is given twice (which of two `q-key-time`s would be meant?).
pub fn parse_authorization(value: &str) -> Option<CosAuthorization> {
    let mut a = CosAuthorization {
        ak: String::new(),
        sign_time: String::new(),
        key_time: String::new(),
        header_list: Vec::new(),
        url_param_list: Vec::new(),
        signature: String::new(),
    };
    let mut algo = false;
    let mut seen: Vec<&str> = Vec::with_capacity(7);
    for part in value.trim().split('&') {
        let (k, v) = part.split_once('=')?;
        if seen.contains(&k) {
            return None;
        }
        seen.push(k);
        let list = |v: &str| {
            v.split(';')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        };
        match k {
            "q-sign-algorithm" => algo = v == "sha1",
            "q-ak" => a.ak = v.to_string(),
            "q-sign-time" => a.sign_time = v.to_string(),
            "q-key-time" => a.key_time = v.to_string(),
            "q-header-list" => a.header_list = list(v),
            "q-url-param-list" => a.url_param_list = list(v),
            "q-signature" => a.signature = v.to_string(),
            _ => {}
        }
    }
    (algo && !a.ak.is_empty() && !a.key_time.is_empty() && !a.signature.is_empty()).then_some(a)
}

/// Why a COS signature was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    UnknownKey,
    Expired,
    Malformed,
    Mismatch,
}

/// `start;end` in seconds, `start <= end`.
fn time_range(s: &str) -> Option<(u64, u64)> {
    let (start, end) = s.split_once(';')?;
    let (start, end) = (start.parse().ok()?, end.parse().ok()?);
    (start <= end).then_some((start, end))
}

/// Lower-cased and sorted: a list as the canonical form writes it.
fn canonical_list(list: &[String]) -> Vec<String> {
    let mut l: Vec<String> = list.iter().map(|s| s.to_ascii_lowercase()).collect();
    l.sort();
    l
}

/// Check a parsed authorization against the request it came with.
/// `header` looks a request header up by lower-case name (all its values,
/// comma-joined; `None` if absent); `params` are all of the request's query
/// parameters, decoded.
///
/// What is bound, after "Request Signature" (436/7778):
/// - The validity window is `q-key-time`: it is KeyTime, which goes into
///   SignKey and StringToSign, so it is what the signature covers. The
///   document writes KeyTime into both `q-sign-time` and `q-key-time` (and
///   every official SDK's signer does: cos-python-sdk-v5 `cos_auth.py`,
///   cos-js-sdk-v5 `util.js` getAuth); `q-sign-time` is not signed, so a
///   `q-sign-time` other than `q-key-time` is refused rather than believed.
/// - The request's parameters: step 3 builds UrlParamList and
///   HttpParameters from the request's parameters, and the SDKs put every
///   one in. A parameter the request has and the list does not (`?cors` on
///   a signature for `/`), or one the list names and the request lacks, is
///   a mismatch: otherwise a signature would carry over to another
///   sub-resource. (COS does not say what it does with unlisted
///   parameters; refusing them is the choice that keeps the signature's
///   meaning.)
/// - The listed headers' values, as sent; a listed header the request lacks
///   is a mismatch (a signed `x-cos-acl` cannot be dropped). Which headers
///   must be listed is the caller's business (see `emulator::auth`: the
///   `Host` that names a bucket).
pub fn verify(
    auth: &CosAuthorization,
    creds: &Credentials,
    now: u64,
    method: &str,
    path: &str,
    params: &[(String, String)],
    header: impl Fn(&str) -> Option<String>,
) -> Result<(), Rejection> {
    if auth.ak != creds.id {
        return Err(Rejection::UnknownKey);
    }
    let (start, end) = time_range(&auth.key_time).ok_or(Rejection::Malformed)?;
    if auth.sign_time != auth.key_time {
        return Err(Rejection::Malformed);
    }
    if now < start || now > end {
        return Err(Rejection::Expired);
    }
    let mut headers: Vec<(String, String)> = Vec::with_capacity(auth.header_list.len());
    for h in &auth.header_list {
        let v = header(&h.to_ascii_lowercase()).ok_or(Rejection::Mismatch)?;
        headers.push((h.clone(), v));
    }
    let listed = canonical_list(&auth.url_param_list);
    if listed.windows(2).any(|w| w[0] == w[1])
        || canonical_list(&auth.header_list)
            .windows(2)
            .any(|w| w[0] == w[1])
    {
        return Err(Rejection::Malformed);
    }
    let expected = sign(
        &creds.secret,
        &auth.key_time,
        method,
        path,
        params,
        &headers,
    );
    let present: Vec<&str> = expected
        .url_param_list
        .split(';')
        .filter(|s| !s.is_empty())
        .collect();
    if present != listed.iter().map(String::as_str).collect::<Vec<_>>() {
        return Err(Rejection::Mismatch);
    }
    if constant_time_eq(&expected.signature, &auth.signature) {
        Ok(())
    } else {
        Err(Rejection::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The worked example of "Request Signature" (436/7778): uploading
    /// `exampleobject(腾讯云)` with SecretId AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q
    /// and the document's sample SecretKey.
    #[test]
    fn document_example() {
        let headers: Vec<(String, String)> = [
            ("Date", "Thu, 16 May 2019 06:45:51 GMT"),
            (
                "Host",
                "examplebucket-1250000000.cos.ap-beijing.myqcloud.com",
            ),
            ("Content-Type", "text/plain"),
            ("Content-Length", "13"),
            ("Content-MD5", "mQ/fVh815F3k6TAUm8m0eg=="),
            ("x-cos-acl", "private"),
            ("x-cos-grant-read", "uin=\"100000000011\""),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let s = sign(
            "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz",
            "1557989151;1557996351",
            "PUT",
            "/exampleobject(腾讯云)",
            &[],
            &headers,
        );
        assert_eq!(s.sign_key, "eb2519b498b02ac213cb1f3d1a3d27a3b3c9bc5f");
        assert_eq!(s.url_param_list, "");
        assert_eq!(s.http_parameters, "");
        assert_eq!(
            s.header_list,
            "content-length;content-md5;content-type;date;host;x-cos-acl;x-cos-grant-read"
        );
        assert_eq!(
            s.http_headers,
            "content-length=13&content-md5=mQ%2FfVh815F3k6TAUm8m0eg%3D%3D&content-type=text%2Fplain&date=Thu%2C%2016%20May%202019%2006%3A45%3A51%20GMT&host=examplebucket-1250000000.cos.ap-beijing.myqcloud.com&x-cos-acl=private&x-cos-grant-read=uin%3D%22100000000011%22"
        );
        assert_eq!(
            s.http_string,
            format!("put\n/exampleobject(腾讯云)\n\n{}\n", s.http_headers)
        );
        assert_eq!(
            s.string_to_sign,
            "sha1\n1557989151;1557996351\n8b2751e77f43a0995d6e9eb9477f4b685cca4172\n"
        );
        assert_eq!(s.signature, "3b8851a11a569213c17ba8fa7dcf2abec6935172");
        let creds = Credentials {
            id: "AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q".into(),
            secret: "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz".into(),
            token: None,
        };
        let auth = authorization(&creds, &s);
        assert_eq!(
            auth,
            "q-sign-algorithm=sha1&q-ak=AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q&q-sign-time=1557989151;1557996351&q-key-time=1557989151;1557996351&q-header-list=content-length;content-md5;content-type;date;host;x-cos-acl;x-cos-grant-read&q-url-param-list=&q-signature=3b8851a11a569213c17ba8fa7dcf2abec6935172"
        );
        // And the verifier accepts it inside its window, refuses it outside.
        let parsed = parse_authorization(&auth).expect("parses");
        let lookup = |n: &str| {
            headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(n))
                .map(|(_, v)| v.clone())
        };
        let ok = verify(
            &parsed,
            &creds,
            1557989200,
            "PUT",
            "/exampleobject(腾讯云)",
            &[],
            lookup,
        );
        assert_eq!(ok, Ok(()));
        let late = verify(
            &parsed,
            &creds,
            1557996352,
            "PUT",
            "/exampleobject(腾讯云)",
            &[],
            lookup,
        );
        assert_eq!(late, Err(Rejection::Expired));
        let other_path = verify(&parsed, &creds, 1557989200, "PUT", "/other", &[], lookup);
        assert_eq!(other_path, Err(Rejection::Mismatch));
        let wrong = Credentials {
            secret: "x".into(),
            ..creds.clone()
        };
        let bad = verify(
            &parsed,
            &wrong,
            1557989200,
            "PUT",
            "/exampleobject(腾讯云)",
            &[],
            lookup,
        );
        assert_eq!(bad, Err(Rejection::Mismatch));
    }

    #[test]
    fn parameters_are_canonical() {
        // Step 3's example: `/?versions&prefix=example-folder%2F&delimiter=%2F&max-keys=10`.
        let params: Vec<(String, String)> = [
            ("versions", ""),
            ("prefix", "example-folder/"),
            ("delimiter", "/"),
            ("max-keys", "10"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let (list, joined) = canonical(&params);
        assert_eq!(list, "delimiter;max-keys;prefix;versions");
        assert_eq!(
            joined,
            "delimiter=%2F&max-keys=10&prefix=example-folder%2F&versions="
        );
    }

    /// Issue 16, defect 3 and 5: a request signed for an hour that ended an
    /// hour ago, replayed with one field rewritten at a time, is refused;
    /// so is the same signature on another sub-resource, or without a
    /// header it signed.
    #[test]
    fn replays_and_rewrites_are_refused() {
        let creds = Credentials {
            id: "AKIDEXAMPLE".into(),
            secret: "secret".into(),
            token: None,
        };
        let now: u64 = 1_700_000_000;
        let old = format!("{};{}", now - 7200, now - 3600);
        let headers = vec![
            (
                "host".to_string(),
                "b-1.cos.ap-beijing.myqcloud.com".to_string(),
            ),
            ("x-cos-acl".to_string(), "private".to_string()),
        ];
        let lookup = |hs: Vec<(String, String)>| {
            move |n: &str| {
                hs.iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(n))
                    .map(|(_, v)| v.clone())
            }
        };
        let sig = sign(&creds.secret, &old, "PUT", "/", &[], &headers);
        let auth = authorization(&creds, &sig);
        let check =
            |auth: &str, now: u64, params: &[(String, String)], hs: Vec<(String, String)>| {
                let a = parse_authorization(auth).ok_or(Rejection::Malformed)?;
                verify(&a, &creds, now, "PUT", "/", params, lookup(hs))
            };
        // Valid then, refused now.
        assert_eq!(check(&auth, now - 5000, &[], headers.clone()), Ok(()));
        assert_eq!(
            check(&auth, now, &[], headers.clone()),
            Err(Rejection::Expired)
        );
        // q-sign-time moved to now: not what was signed.
        let fresh = format!("{};{}", now - 10, now + 3600);
        let moved = auth.replacen(
            &format!("q-sign-time={old}"),
            &format!("q-sign-time={fresh}"),
            1,
        );
        assert_ne!(moved, auth);
        assert_eq!(
            check(&moved, now, &[], headers.clone()),
            Err(Rejection::Malformed)
        );
        // Both times moved: KeyTime is signed.
        let both = moved.replacen(
            &format!("q-key-time={old}"),
            &format!("q-key-time={fresh}"),
            1,
        );
        assert_eq!(
            check(&both, now, &[], headers.clone()),
            Err(Rejection::Mismatch)
        );
        // A second q-key-time after the first.
        let twice = format!("{auth}&q-key-time={fresh}");
        assert_eq!(
            check(&twice, now - 5000, &[], headers.clone()),
            Err(Rejection::Malformed)
        );
        // Another sub-resource: `PUT /?cors` with the signature of `PUT /`.
        let cors = vec![("cors".to_string(), String::new())];
        assert_eq!(
            check(&auth, now - 5000, &cors, headers.clone()),
            Err(Rejection::Mismatch)
        );
        // A signed header dropped, or changed.
        let dropped = vec![headers[0].clone()];
        assert_eq!(
            check(&auth, now - 5000, &[], dropped),
            Err(Rejection::Mismatch)
        );
        let changed = vec![
            headers[0].clone(),
            ("x-cos-acl".into(), "public-read".into()),
        ];
        assert_eq!(
            check(&auth, now - 5000, &[], changed),
            Err(Rejection::Mismatch)
        );
        // A signature that lists `cors` for a request without it.
        let sig = sign(&creds.secret, &old, "PUT", "/", &cors, &headers);
        let listed = authorization(&creds, &sig);
        assert_eq!(check(&listed, now - 5000, &cors, headers.clone()), Ok(()));
        assert_eq!(
            check(&listed, now - 5000, &[], headers.clone()),
            Err(Rejection::Mismatch)
        );
    }
}
