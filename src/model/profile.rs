//! Vendor profiles: whose documented behaviour the model follows.
//!
//! `cos` is the reference. `s3` (AWS S3) differs only where a source says so;
//! each difference is a method here, so the list of differences is this file.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use super::config::{CorsConfiguration, CorsRule};
use super::error::{ApiError, ErrorCode};

/// A vendor whose CORS behaviour the model can reproduce.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Profile {
    /// Tencent COS, the reference.
    #[default]
    Cos,
    /// AWS S3.
    S3,
}

impl Profile {
    pub const ALL: [Profile; 2] = [Profile::Cos, Profile::S3];

    pub fn name(self) -> &'static str {
        match self {
            Profile::Cos => "cos",
            Profile::S3 => "s3",
        }
    }

    /// With an explicit `AllowedHeader` list, does `Access-Control-Allow-Headers`
    /// echo only the requested headers (S3) or list the rule's headers (COS)?
    ///
    /// COS: seed 003 exchange 2 returns `range` and three
    /// `x-cos-server-side-encryption-customer-*` headers when only `range` was
    /// requested. S3: "Access-Control-Allow-Headers echoes the requested
    /// headers" (AWS S3 user guide, cors.html).
    pub fn echoes_requested_headers_only(self) -> bool {
        matches!(self, Profile::S3)
    }

    /// The `Vary` value on a CORS answer, given the bucket's `ResponseVary`.
    ///
    /// COS: `Vary: Origin` only when `<ResponseVary>true</ResponseVary>` (PUT
    /// Bucket cors, 436/8279); the seeds' answers have no `Vary`. S3: always
    /// `Origin, Access-Control-Request-Headers, Access-Control-Request-Method`.
    pub fn vary(self, response_vary: Option<bool>) -> Option<&'static str> {
        match self {
            Profile::Cos => (response_vary == Some(true)).then_some("Origin"),
            Profile::S3 => {
                Some("Origin, Access-Control-Request-Headers, Access-Control-Request-Method")
            }
        }
    }

    /// Does a preflight missing `Origin` or `Access-Control-Request-Method`
    /// get S3's 400 `BadRequest` (true) or the ordinary 403 refusal (false)?
    ///
    /// S3: 400 "Insufficient information. Origin request header needed."
    /// (AWS S3 CORS troubleshooting). COS (inferred): COS documents both
    /// headers as required (436/8288) and its refusal message names "the
    /// evalution of Origin, request method / Access-Control-Request-Method"
    /// (seed 003 exchange 4), so a missing one is refused the same way.
    pub fn rejects_incomplete_preflight_as_bad_request(self) -> bool {
        matches!(self, Profile::S3)
    }

    /// The prologue of XML documents this vendor writes.
    pub fn xml_prologue(self) -> &'static str {
        match self {
            // Seed 003 exchange 4 and 436/7730.
            Profile::Cos => "<?xml version='1.0' encoding='utf-8' ?>",
            Profile::S3 => "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
        }
    }
}

impl Profile {
    /// Does PUT Bucket cors refuse a request without `Content-MD5` (400
    /// `InvalidRequest`)?
    ///
    /// COS: PUT Bucket cors lists Content-MD5 as a required request header
    /// (436/8279 as of 2018 and 2020: "必选请求头部 … Content-MD5 … 是"), and
    /// Common Request Headers (436/7728) makes it "required for PUT and POST
    /// requests (except POST Object)"; every official COS SDK sends it. The
    /// answer is COS's observed one where it enforces the header
    /// (lobehub/lobehub#14927, Moonlark-Dev/Moonlark#1416). Unrecorded for
    /// PUT ?cors itself: `coscors record --plan` lists it first.
    pub fn requires_content_md5_on_put_cors(self) -> bool {
        matches!(self, Profile::Cos)
    }

    /// Is an explicit `AllowedHeader` list written lower-cased in
    /// `Access-Control-Allow-Headers`?
    ///
    /// COS: seed 003 exchange 2 answers
    /// `range,…,x-cos-server-side-encryption-customer-key-md5` for the rule
    /// that PUT Bucket cors (436/8279) and GET Bucket cors (436/8274) show as
    /// `Range`, …, `x-cos-server-side-encryption-customer-key-MD5`: the list
    /// is lower-cased in the preflight answer, kept as put in GET.
    pub fn lowercases_allowed_header_list(self) -> bool {
        matches!(self, Profile::Cos)
    }

    /// The rule that answers preflights on a bucket with no CORS
    /// configuration, if any.
    ///
    /// COS: cos-cpp-sdk-v5 `unittest/src/object_misc_test.cpp`
    /// `ObjectOptionsDefault`, run against real COS on a fresh bucket: a
    /// preflight from `https://console.cloud.tencent.com` (GET,
    /// `Content-Length`) is allowed with `Access-Control-Allow-Methods:
    /// GET,PUT,POST,HEAD,DELETE` and `Access-Control-Allow-Headers:
    /// Content-Length` (the request echoed). What else the answer holds
    /// (credentials, Expose-Headers, Max-Age) is inferred: as for any
    /// specific origin, no Expose-Headers and no Max-Age.
    pub fn default_rule(self) -> Option<&'static CorsConfiguration> {
        match self {
            Profile::Cos => {
                static CONSOLE: OnceLock<CorsConfiguration> = OnceLock::new();
                Some(CONSOLE.get_or_init(|| CorsConfiguration {
                    rules: vec![CorsRule {
                        allowed_origins: vec![Cow::Borrowed(CONSOLE_ORIGIN)],
                        allowed_methods: ["GET", "PUT", "POST", "HEAD", "DELETE"]
                            .map(Cow::Borrowed)
                            .to_vec(),
                        allowed_headers: vec![Cow::Borrowed("*")],
                        ..Default::default()
                    }],
                    response_vary: None,
                }))
            }
            Profile::S3 => None,
        }
    }

    /// `Vary` on an answer that carries no CORS headers (no `Origin`, or
    /// no rule allows it), given the bucket's `ResponseVary`.
    ///
    /// COS: `ResponseVary` exists so that "the browser has both CORS and
    /// non-CORS requests" without "cross-origin access issues" (console
    /// guide, 436/13318), i.e. an `<img>` load (no `Origin`) and an ajax load
    /// of one URL are cached apart (cos-nodejs-sdk-v5 `index.d.ts`); that
    /// needs `Vary: Origin` on the answer without CORS headers too. Inferred
    /// from that documented purpose; no capture. S3: unchanged (only CORS
    /// answers carry `Vary`).
    pub fn vary_without_cors(self, response_vary: Option<bool>) -> Option<&'static str> {
        match self {
            Profile::Cos => (response_vary == Some(true)).then_some("Origin"),
            Profile::S3 => None,
        }
    }

    /// Are XML answers (error bodies, GET Bucket cors) indented with a
    /// newline and tabs, and `'`/`"` escaped?
    ///
    /// COS: OPTIONS Object (436/8288) example 4 prints the error body
    /// `<?xml …?>\n<Error>\n\t<Code>…` with `resource&apos;s`, and its
    /// `Content-Length: 687` is exactly that form's length; bodies quoted
    /// in tencentyun/cos-js-sdk-v5#150 and zhangruiyu/tencent_cos#3 have the
    /// same layout; GET Bucket cors (436/8274) prints its body tab-indented.
    pub fn indents_xml(self) -> bool {
        matches!(self, Profile::Cos)
    }

    /// The code of a PUT Bucket cors body over 64 KB.
    ///
    /// COS: Error Codes (436/7730) has `XMLSizeLimit` "The length of XML
    /// exceeds the limit", closer than `EntityTooLarge` ("the size of the
    /// uploaded object exceeds the upper threshold"). Which one COS answers
    /// is unrecorded.
    pub fn xml_too_large(self) -> ErrorCode {
        match self {
            Profile::Cos => ErrorCode::XmlSizeLimit,
            Profile::S3 => ErrorCode::EntityTooLarge,
        }
    }

    /// The error for an empty PUT Bucket cors body, or `None` when it is
    /// parsed (and refused as MalformedXML) like any other.
    ///
    /// COS: Error Codes (436/7730) has `MissingRequestBodyError` "The
    /// request body is missing". Unrecorded.
    pub fn empty_body_error(self) -> Option<ApiError> {
        match self {
            Profile::Cos => Some(ApiError::new(
                ErrorCode::MissingRequestBodyError,
                "The request body is missing.",
            )),
            Profile::S3 => None,
        }
    }

    /// The error for a CORS rule PUT Bucket cors refuses (more than 100
    /// rules, an unsupported method, two wildcards in an origin); `detail`
    /// is the s3 profile's wording.
    ///
    /// COS: 400 `InvalidArgument` with COS's message "Invalid Argument", the
    /// only wording of that code in a real COS answer found
    /// (tencentyun/cos-js-sdk-v5#150). S3: 400 `InvalidRequest` (AWS
    /// PutBucketCors) with AWS's wording.
    pub fn rule_error(self, detail: String) -> ApiError {
        match self {
            Profile::Cos => ApiError::new(ErrorCode::InvalidArgument, "Invalid Argument"),
            Profile::S3 => ApiError::new(ErrorCode::InvalidRequest, detail),
        }
    }
}

/// The Tencent Cloud console's origin (see [`Profile::default_rule`]).
pub const CONSOLE_ORIGIN: &str = "https://console.cloud.tencent.com";

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The error for an unknown profile name.
#[derive(Debug, Clone, thiserror::Error)]
#[error("unknown profile `{0}` (known: cos, s3)")]
pub struct UnknownProfile(pub String);

impl FromStr for Profile {
    type Err = UnknownProfile;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "cos" => Ok(Profile::Cos),
            "s3" => Ok(Profile::S3),
            other => Err(UnknownProfile(other.to_string())),
        }
    }
}
