//! The CORS configuration of a bucket, as COS documents it.
//!
//! Source: PUT Bucket cors, <https://www.tencentcloud.com/document/product/436/8279>
//! (elements `ID`, `AllowedOrigin`, `AllowedMethod`, `AllowedHeader`,
//! `ExposeHeader`, `MaxAgeSeconds`, and the configuration-level
//! `ResponseVary`).

use std::borrow::Cow;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The methods a rule may allow (PUT Bucket cors: "Enumerated values: GET,
/// PUT, HEAD, POST, DELETE"; seed 000 repeats the list).
pub const ALLOWED_METHODS: [&str; 5] = ["GET", "PUT", "POST", "DELETE", "HEAD"];

/// At most this many `CORSRule` elements (PUT Bucket cors: "up to 100").
pub const MAX_RULES: usize = 100;

/// A value in a rule: owned when parsed from a body, borrowed when it is a
/// fixed word (the fuzzer's dictionaries), so that a generated
/// configuration costs no allocation per value.
pub type Text = Cow<'static, str>;

/// A bucket's CORS configuration: its rules in the order they were put, and
/// COS's `ResponseVary` switch.
///
/// Order, duplicates and the case of every string are kept exactly as put:
/// the COS JS SDK's own test suite expects GET to return the rules verbatim.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CorsConfiguration {
    /// The rules, first match wins.
    pub rules: Vec<CorsRule>,
    /// `<ResponseVary>`: whether CORS answers carry `Vary: Origin`.
    /// `None` when the element was not sent (COS's default is false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_vary: Option<bool>,
}

/// One `CORSRule`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CorsRule {
    /// `<ID>`, optional.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Text>,
    /// `<AllowedOrigin>`, one or more; each may hold one `*`.
    #[serde(default)]
    pub allowed_origins: Vec<Text>,
    /// `<AllowedMethod>`, one or more of [`ALLOWED_METHODS`].
    #[serde(default)]
    pub allowed_methods: Vec<Text>,
    /// `<AllowedHeader>`, zero or more; `*` and patterns such as `x-cos-meta-*`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed_headers: Vec<Text>,
    /// `<ExposeHeader>`, zero or more.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expose_headers: Vec<Text>,
    /// `<MaxAgeSeconds>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_age_seconds: Option<u64>,
}
