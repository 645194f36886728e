//! The COS CORS model: the one place where CORS semantics are written.
//!
//! Everything here is pure: no I/O, no async, no clocks. The emulator, the
//! runner's diagnostics and the fuzzer call into this module; none of them
//! re-implements a CORS rule. Each behaviour carries a comment naming the
//! source it comes from (a COS documentation page, a seed exchange, or the
//! AWS documentation for the `s3` profile). Where no source speaks and a
//! choice had to be made, the comment says "inferred" and why.

pub mod browser;
mod config;
mod error;
mod eval;
mod glob;
pub mod headers;
mod profile;
pub mod seen;
mod validate;
pub mod xml;

pub use config::{CorsConfiguration, CorsRule, Text, ALLOWED_METHODS, MAX_RULES};
pub use error::{ApiError, ErrorCode};
pub use eval::{
    actual_request, actual_request_with, matching_rule, preflight, CorsHeaders, Preflight,
    PreflightOutcome,
};
pub use glob::wildcard_match;
pub use profile::{Profile, CONSOLE_ORIGIN};
pub use validate::{
    check_body_size, check_content_md5, content_md5_of, validate_config, validate_put,
    validate_put_written, MAX_BODY_BYTES, MISSING_CONTENT_MD5,
};
