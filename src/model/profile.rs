//! Vendor profiles: whose documented behaviour the model follows.
//!
//! `cos` is the reference. `s3` (AWS S3) differs only where a source says so;
//! each difference is a method here, so the list of differences is this file.

use std::fmt;
use std::str::FromStr;

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
