//! Signature checks, when the emulator is given credentials.
//!
//! COS treats an unsigned request to a private bucket as anonymous and
//! refuses it (403 `AccessDenied`); preflights are never signed (browsers
//! send them without credentials) and are never checked. Both COS's
//! `q-sign-algorithm=sha1` and AWS SigV4 are accepted, so SDKs of either
//! family work against either profile. Error codes and statuses: COS
//! "Error Codes" (436/7730).

use std::time::{SystemTime, UNIX_EPOCH};

use hyper::header::HeaderMap;

use super::handler::Request;
use super::route::{percent_decode, Route};
use crate::model::{ApiError, ErrorCode};
use crate::sign::{cos, sigv4, Credentials};

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    let v = headers.get(name)?;
    Some(String::from_utf8_lossy(v.as_bytes()).into_owned())
}

fn denied(message: &'static str) -> ApiError {
    ApiError::new(ErrorCode::AccessDenied, message)
}

/// Check the request's signature against `creds`.
pub fn check(creds: &Credentials, req: &Request<'_>, route: &Route) -> Result<(), ApiError> {
    let Some(auth) = header_text(req.headers, "authorization") else {
        return Err(denied("Access Denied."));
    };
    let lookup = |name: &str| header_text(req.headers, name);
    let params: Vec<(String, String)> = route
        .query
        .iter()
        .map(|(k, v)| (k.clone(), v.clone().unwrap_or_default()))
        .collect();
    if let Some(a) = cos::parse_authorization(&auth) {
        let path = percent_decode(req.path);
        cos::verify(
            &a,
            creds,
            now(),
            req.method.as_str(),
            &path,
            &params,
            lookup,
        )
        .map_err(|r| match r {
            cos::Rejection::UnknownKey => ApiError::new(
                ErrorCode::InvalidAccessKeyId,
                "The SecretId that you provided does not exist.",
            ),
            cos::Rejection::Expired => denied("Request has expired"),
            cos::Rejection::Malformed => denied("Authorization is malformed."),
            cos::Rejection::Mismatch => ApiError::new(
                ErrorCode::SignatureDoesNotMatch,
                "The Signature you specified is invalid.",
            ),
        })?;
        return check_token(creds, req.headers, "x-cos-security-token");
    }
    if let Some(a) = sigv4::parse_authorization(&auth) {
        sigv4::verify(
            &a,
            creds,
            now(),
            req.method.as_str(),
            req.path,
            &params,
            lookup,
        )
        .map_err(|r| match r {
            sigv4::Rejection::UnknownKey => ApiError::new(
                ErrorCode::InvalidAccessKeyId,
                "The AWS Access Key Id you provided does not exist in our records.",
            ),
            sigv4::Rejection::Skewed => ApiError::new(
                ErrorCode::RequestTimeTooSkewed,
                "The difference between the request time and the server's time is too large.",
            ),
            sigv4::Rejection::Malformed => denied("Authorization is malformed."),
            sigv4::Rejection::Mismatch => ApiError::new(
                ErrorCode::SignatureDoesNotMatch,
                "The request signature we calculated does not match the signature you provided.",
            ),
        })?;
        return check_token(creds, req.headers, "x-amz-security-token");
    }
    Err(denied("Authorization is malformed."))
}

/// Temporary credentials: the request must carry the session's token.
fn check_token(creds: &Credentials, headers: &HeaderMap, name: &str) -> Result<(), ApiError> {
    match &creds.token {
        None => Ok(()),
        Some(t) if header_text(headers, name).as_deref() == Some(t.as_str()) => Ok(()),
        Some(_) => Err(ApiError::new(
            ErrorCode::InvalidAccessKeyId,
            "The security token is missing or does not belong to the key.",
        )),
    }
}
