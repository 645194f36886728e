//! The errors the model can answer, with COS's codes and statuses.
//!
//! Source for codes and statuses: COS "Error Codes",
//! <https://intl.cloud.tencent.com/document/api/436/7730> . The messages of
//! `AccessForbidden` come verbatim from seed 003 (typos included); the others
//! are the table's descriptions, because COS publishes no other wording.

use std::borrow::Cow;
use std::fmt;

/// An error code with the HTTP status it is answered with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// 403: a preflight that no rule allows (seed 003, exchange 4).
    AccessForbidden,
    /// 400: a body that is not the XML the API expects.
    MalformedXml,
    /// 400: a parameter with a value COS does not accept.
    InvalidArgument,
    /// 400: AWS's code for an invalid CORS rule (s3 profile); on COS, a
    /// missing required header ("Missing required header for this request:
    /// Content-MD5").
    InvalidRequest,
    /// 400: a `Content-MD5` that is not the base64 of 16 bytes.
    InvalidDigest,
    /// 400: a `Content-MD5` that does not match the body (7730: BadDigest).
    BadDigest,
    /// 400: a body larger than the API accepts (64 KB for PUT Bucket cors).
    EntityTooLarge,
    /// 400: a PUT Bucket cors body over 64 KB (cos profile; 7730:
    /// "The length of XML exceeds the limit").
    XmlSizeLimit,
    /// 400: an empty PUT Bucket cors body (cos profile; 7730: "The request
    /// body is missing").
    MissingRequestBodyError,
    /// 400 (s3 profile): AWS's answer to a preflight missing a required header.
    BadRequest,
    /// 404: GET Bucket cors on a bucket with no configuration.
    NoSuchCorsConfiguration,
    /// 404
    NoSuchBucket,
    /// 404
    NoSuchKey,
    /// 404: a multipart upload id that does not exist.
    NoSuchUpload,
    /// 400: Complete Multipart Upload names a part not uploaded as listed.
    InvalidPart,
    /// 400: Complete Multipart Upload lists parts out of order.
    InvalidPartOrder,
    /// 409
    BucketAlreadyExists,
    /// 409
    BucketNotEmpty,
    /// 405
    MethodNotAllowed,
    /// 400
    InvalidBucketName,
    /// 403
    AccessDenied,
    /// 403
    InvalidAccessKeyId,
    /// 403
    SignatureDoesNotMatch,
    /// 403
    RequestTimeTooSkewed,
    /// 400 (S3's code, which COS's S3-compatible API also answers): a body
    /// whose SHA-256 is not its `x-amz-content-sha256`.
    XAmzContentSha256Mismatch,
    /// 400: a body shorter than announced, or framing that cannot be read.
    IncompleteBody,
    /// 411: a streaming upload without `x-amz-decoded-content-length`.
    MissingContentLength,
    /// 400: a body not sent within the read timeout (7730: RequestTimeout).
    RequestTimeout,
    /// 503: more connections than the emulator takes (7730: SlowDown).
    SlowDown,
}

impl ErrorCode {
    /// The code as it is written in `<Code>`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::AccessForbidden => "AccessForbidden",
            ErrorCode::MalformedXml => "MalformedXML",
            ErrorCode::InvalidArgument => "InvalidArgument",
            ErrorCode::InvalidRequest => "InvalidRequest",
            ErrorCode::InvalidDigest => "InvalidDigest",
            ErrorCode::BadDigest => "BadDigest",
            ErrorCode::EntityTooLarge => "EntityTooLarge",
            ErrorCode::BadRequest => "BadRequest",
            ErrorCode::XmlSizeLimit => "XMLSizeLimit",
            ErrorCode::MissingRequestBodyError => "MissingRequestBodyError",
            ErrorCode::NoSuchCorsConfiguration => "NoSuchCORSConfiguration",
            ErrorCode::NoSuchBucket => "NoSuchBucket",
            ErrorCode::NoSuchKey => "NoSuchKey",
            ErrorCode::NoSuchUpload => "NoSuchUpload",
            ErrorCode::InvalidPart => "InvalidPart",
            ErrorCode::InvalidPartOrder => "InvalidPartOrder",
            ErrorCode::BucketAlreadyExists => "BucketAlreadyExists",
            ErrorCode::BucketNotEmpty => "BucketNotEmpty",
            ErrorCode::MethodNotAllowed => "MethodNotAllowed",
            ErrorCode::InvalidBucketName => "InvalidBucketName",
            ErrorCode::AccessDenied => "AccessDenied",
            ErrorCode::InvalidAccessKeyId => "InvalidAccessKeyId",
            ErrorCode::SignatureDoesNotMatch => "SignatureDoesNotMatch",
            ErrorCode::RequestTimeTooSkewed => "RequestTimeTooSkewed",
            ErrorCode::XAmzContentSha256Mismatch => "XAmzContentSHA256Mismatch",
            ErrorCode::IncompleteBody => "IncompleteBody",
            ErrorCode::MissingContentLength => "MissingContentLength",
            ErrorCode::RequestTimeout => "RequestTimeout",
            ErrorCode::SlowDown => "SlowDown",
        }
    }

    /// The HTTP status this code is answered with (7730's table).
    pub fn status(self) -> u16 {
        match self {
            ErrorCode::MalformedXml
            | ErrorCode::InvalidArgument
            | ErrorCode::InvalidRequest
            | ErrorCode::InvalidDigest
            | ErrorCode::BadDigest
            | ErrorCode::EntityTooLarge
            | ErrorCode::BadRequest
            | ErrorCode::XmlSizeLimit
            | ErrorCode::InvalidPart
            | ErrorCode::InvalidPartOrder
            | ErrorCode::MissingRequestBodyError
            | ErrorCode::InvalidBucketName
            | ErrorCode::XAmzContentSha256Mismatch
            | ErrorCode::IncompleteBody
            | ErrorCode::RequestTimeout => 400,
            ErrorCode::MissingContentLength => 411,
            ErrorCode::SlowDown => 503,
            ErrorCode::AccessForbidden
            | ErrorCode::AccessDenied
            | ErrorCode::InvalidAccessKeyId
            | ErrorCode::SignatureDoesNotMatch
            | ErrorCode::RequestTimeTooSkewed => 403,
            ErrorCode::NoSuchCorsConfiguration
            | ErrorCode::NoSuchBucket
            | ErrorCode::NoSuchKey
            | ErrorCode::NoSuchUpload => 404,
            ErrorCode::MethodNotAllowed => 405,
            ErrorCode::BucketAlreadyExists | ErrorCode::BucketNotEmpty => 409,
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error answer: code (hence status) and message. The emulator adds
/// `Resource`, `RequestId` and `TraceId` when it writes the XML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub code: ErrorCode,
    /// Mostly a fixed text: borrowed, so that a refusal allocates nothing.
    pub message: Cow<'static, str>,
    /// Further elements of the error document, in order, between `Message`
    /// and `RequestId` (AWS's `Method`, `ResourceType`, `ExpectedDigest`...).
    /// Only the s3 profile writes them ([`super::Profile::error_details`]);
    /// empty (no allocation) for every error the cos profile answers.
    pub details: Vec<(&'static str, Cow<'static, str>)>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<Cow<'static, str>>) -> Self {
        ApiError {
            code,
            message: message.into(),
            details: Vec::new(),
        }
    }

    /// The same error with one more element after the ones it has.
    pub fn with(mut self, name: &'static str, value: impl Into<Cow<'static, str>>) -> Self {
        self.details.push((name, value.into()));
        self
    }

    pub fn status(&self) -> u16 {
        self.code.status()
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.status(), self.code, self.message)
    }
}

impl std::error::Error for ApiError {}
