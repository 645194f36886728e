//! Validation of a PUT Bucket cors request, in the order COS checks it.
//!
//! Sources: PUT Bucket cors (436/8279) for the limits (64 KB body, 100 rules,
//! one `*` per origin, the five methods, required AllowedOrigin and
//! AllowedMethod); Error Codes (436/7730) for the codes and statuses
//! (`BadDigest` when Content-MD5 does not match). Which code COS picks for a
//! rule-level violation is not published; the choice made here is named at
//! each check, and `coscors record` against a real bucket confirms or
//! corrects it.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use md5::{Digest, Md5};

use super::config::{CorsConfiguration, ALLOWED_METHODS, MAX_RULES};
use super::error::{ApiError, ErrorCode};
use super::profile::Profile;
use super::xml;

/// "a configuration file in XML format of up to 64 KB" (seed 000, 436/8279).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The `Content-MD5` value of a body: base64 of its MD5 digest.
pub fn content_md5_of(body: &[u8]) -> String {
    B64.encode(Md5::digest(body))
}

/// Check a `Content-MD5` header against a body: 400 `InvalidDigest` if it is
/// not the base64 of 16 bytes, 400 `BadDigest` if it does not match (436/7730).
pub fn check_content_md5(body: &[u8], content_md5: &str) -> Result<(), ApiError> {
    let digest = B64
        .decode(content_md5.trim())
        .ok()
        .filter(|d| d.len() == 16)
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidDigest,
                "The Content-MD5 you specified is not valid.",
            )
            .with("Content-MD5", content_md5.to_string())
        })?;
    let calculated = Md5::digest(body);
    if digest.as_slice() != calculated.as_slice() {
        // The elements AWS adds (LS-s3 test_s3_invalid_content_md5,
        // src/model/profile.rs); only the s3 profile writes them.
        let expected: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        return Err(ApiError::new(
            ErrorCode::BadDigest,
            "The Content-MD5 you specified did not match what we received.",
        )
        .with("ExpectedDigest", expected)
        .with("CalculatedDigest", B64.encode(calculated)));
    }
    Ok(())
}

/// Check a parsed configuration against the limits of PUT Bucket cors
/// (everything but the body's size, digest and syntax).
pub fn validate_config(config: &CorsConfiguration, profile: Profile) -> Result<(), ApiError> {
    if config.rules.is_empty() {
        return Err(ApiError::new(
            ErrorCode::MalformedXml,
            "The XML you provided was not well-formed or did not validate against our published schema: no <CORSRule>.",
        ));
    }
    // The code and wording of a rule violation are the profile's.
    if config.rules.len() > MAX_RULES {
        return Err(profile.rule_error(format!(
            "The number of CORS rules should not exceed allowed limit of {MAX_RULES} rules."
        )));
    }
    for rule in &config.rules {
        // A rule without origin or method does not follow the schema
        // (both are "Required: Yes" on 436/8279): MalformedXML.
        if rule.allowed_origins.is_empty() || rule.allowed_methods.is_empty() {
            return Err(ApiError::new(
                ErrorCode::MalformedXml,
                "The XML you provided was not well-formed or did not validate against our published schema: a <CORSRule> needs <AllowedOrigin> and <AllowedMethod>.",
            ));
        }
        if let Some(m) = rule
            .allowed_methods
            .iter()
            .find(|m| !ALLOWED_METHODS.contains(&m.as_ref()))
        {
            return Err(profile.rule_error(format!(
                "Found unsupported HTTP method in CORS config. Unsupported method is {m}"
            )));
        }
        if let Some(o) = rule
            .allowed_origins
            .iter()
            .find(|o| o.bytes().filter(|&b| b == b'*').count() > 1)
        {
            return Err(profile.rule_error(format!(
                "AllowedOrigin \"{o}\" can not have more than one wildcard."
            )));
        }
    }
    Ok(())
}

/// Check the size of a PUT Bucket cors body: 400 past 64 KB (the
/// profile's code: [`Profile::xml_too_large`]), the first check of
/// [`validate_put`].
pub fn check_body_size(len: usize, profile: Profile) -> Result<(), ApiError> {
    if len > MAX_BODY_BYTES {
        return Err(ApiError::new(
            profile.xml_too_large(),
            format!(
                "Your proposed upload exceeds the maximum allowed size: the CORS configuration is {len} bytes, the limit is {MAX_BODY_BYTES} bytes."
            ),
        ));
    }
    Ok(())
}

/// What PUT Bucket cors checks before it reads the body: its size, then
/// its digest (required on COS: [`Profile::requires_content_md5_on_put_cors`]),
/// then that there is a body ([`Profile::empty_body_error`]). The order is
/// inferred: nothing public shows it.
fn check_envelope(
    body: &[u8],
    content_md5: Option<&str>,
    profile: Profile,
) -> Result<(), ApiError> {
    check_body_size(body.len(), profile)?;
    match content_md5 {
        Some(md5) => check_content_md5(body, md5)?,
        None if profile.requires_content_md5_on_put_cors() => {
            return Err(ApiError::new(
                ErrorCode::InvalidRequest,
                MISSING_CONTENT_MD5,
            ))
        }
        None => {}
    }
    match profile.empty_body_error() {
        Some(e) if body.is_empty() => Err(e),
        _ => Ok(()),
    }
}

/// COS's wording where it enforces Content-MD5 (lobehub/lobehub#14927,
/// Moonlark-Dev/Moonlark#1416).
pub const MISSING_CONTENT_MD5: &str = "Missing required header for this request: Content-MD5";

/// [`validate_put`] for a body known to be `config` as [`xml::write`]
/// writes it: the same checks in the same order, but the configuration is
/// taken as given instead of parsed from the body (parsing what `write`
/// wrote gives it back; the `model_eval` fuzz target holds the two ways
/// equal).
pub fn validate_put_written(
    body: &[u8],
    content_md5: Option<&str>,
    config: &CorsConfiguration,
    profile: Profile,
) -> Result<(), ApiError> {
    check_envelope(body, content_md5, profile)?;
    validate_config(config, profile)
}

/// Check a PUT Bucket cors request and return the configuration it sets.
pub fn validate_put(
    body: &[u8],
    content_md5: Option<&str>,
    profile: Profile,
) -> Result<CorsConfiguration, ApiError> {
    check_envelope(body, content_md5, profile)?;
    let config = xml::parse(body).map_err(|e| {
        ApiError::new(
            ErrorCode::MalformedXml,
            format!("The XML you provided was not well-formed or did not validate against our published schema: {}", e.message),
        )
    })?;
    validate_config(&config, profile)?;
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: &str = "<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>";

    /// The code COS refuses `body` with; `None` sends the body's own digest.
    fn code(body: &str, md5: Option<&str>) -> ErrorCode {
        let own = content_md5_of(body.as_bytes());
        validate_put(body.as_bytes(), Some(md5.unwrap_or(&own)), Profile::Cos)
            .expect_err("must be refused")
            .code
    }

    #[test]
    fn content_md5_is_required_on_cos_only() {
        let e = validate_put(OK.as_bytes(), None, Profile::Cos).expect_err("no digest");
        assert_eq!(e.code, ErrorCode::InvalidRequest);
        assert_eq!(e.message, MISSING_CONTENT_MD5);
        assert!(validate_put(OK.as_bytes(), None, Profile::S3).is_ok());
        let md5 = content_md5_of(OK.as_bytes());
        assert!(validate_put(OK.as_bytes(), Some(&md5), Profile::Cos).is_ok());
    }

    #[test]
    fn each_violation_has_its_code() {
        assert_eq!(code(OK, Some("not base64!")), ErrorCode::InvalidDigest);
        assert_eq!(code(OK, Some("AAAA")), ErrorCode::InvalidDigest);
        assert_eq!(
            code(OK, Some(&content_md5_of(b"other"))),
            ErrorCode::BadDigest
        );
        assert_eq!(code("<CORSConfiguration>", None), ErrorCode::MalformedXml);
        assert_eq!(code("<CORSConfiguration/>", None), ErrorCode::MalformedXml);
        assert_eq!(
            code("<CORSConfiguration><CORSRule><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>", None),
            ErrorCode::MalformedXml
        );
        assert_eq!(
            code(&OK.replace(">GET<", ">PATCH<"), None),
            ErrorCode::InvalidArgument
        );
        assert_eq!(
            code(&OK.replace(">*<", ">https://*.*.example.com<"), None),
            ErrorCode::InvalidArgument
        );
        let big = format!(
            "<CORSConfiguration><CORSRule><ID>{}</ID><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>",
            "x".repeat(MAX_BODY_BYTES)
        );
        assert_eq!(code(&big, None), ErrorCode::XmlSizeLimit);
        assert_eq!(code("", None), ErrorCode::MissingRequestBodyError);
        let s3 = validate_put(big.as_bytes(), None, Profile::S3).expect_err("too large");
        assert_eq!(s3.code, ErrorCode::EntityTooLarge);
        let s3 = validate_put(b"", None, Profile::S3).expect_err("empty");
        assert_eq!(s3.code, ErrorCode::MalformedXml);
        let many = format!(
            "<CORSConfiguration>{}</CORSConfiguration>",
            "<CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule>".repeat(101)
        );
        assert_eq!(code(&many, None), ErrorCode::InvalidArgument);
        let md5 = content_md5_of(many.as_bytes());
        let e = validate_put(many.as_bytes(), Some(&md5), Profile::Cos).expect_err("101 rules");
        assert_eq!(e.message, "Invalid Argument");
        let e = validate_put(many.as_bytes(), None, Profile::S3).expect_err("101 rules");
        assert_eq!(e.code, ErrorCode::InvalidRequest);
        assert!(e.message.contains("100 rules"), "{e}");
    }
}
