//! Evaluation of a preflight (OPTIONS) and of an actual request carrying an
//! `Origin`, against a bucket's CORS configuration.
//!
//! Sources: OPTIONS Object (<https://www.tencentcloud.com/document/product/436/8288>)
//! and the four exchanges of seed 003, which pin down:
//! 1. a specific AllowedOrigin that matches is echoed, with
//!    `Access-Control-Allow-Credentials: true` (exchanges 1 and 3);
//! 2. an AllowedOrigin `*` answers `*` and no credentials header (exchange 2);
//! 3. `Access-Control-Allow-Methods` lists the rule's methods (all exchanges);
//! 4. `AllowedHeader: *` echoes the requested headers (exchanges 1 and 3), an
//!    explicit list is returned whole, lower-cased (exchange 2 against the
//!    rule of 436/8279's sample; [`Profile::lowercases_allowed_header_list`]);
//! 5. `Access-Control-Expose-Headers` and `Access-Control-Max-Age` come from
//!    the rule;
//! 6. no allowing rule: 403 `AccessForbidden` with the message of exchange 4.

use std::borrow::Cow;

use super::config::{CorsConfiguration, CorsRule};
use super::error::{ApiError, ErrorCode};
use super::glob::{wildcard_match, wildcard_match_ignore_ascii_case};
use super::headers;
use super::profile::Profile;

/// COS's refusal message (in `profile`, beside the `s3` profile's).
pub use super::profile::FORBIDDEN_MESSAGE;

/// The CORS-relevant parts of a preflight request.
#[derive(Debug, Clone, Copy, Default)]
pub struct Preflight<'a> {
    /// `Origin`, if sent.
    pub origin: Option<&'a str>,
    /// `Access-Control-Request-Method`, if sent.
    pub method: Option<&'a str>,
    /// `Access-Control-Request-Headers`, if sent (comma-separated).
    pub request_headers: Option<&'a str>,
}

/// What a preflight gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PreflightOutcome {
    /// 200 with these headers.
    Allowed(CorsHeaders),
    /// An error answer.
    Refused(ApiError),
}

/// The `Access-Control-*` (and `Vary`) headers of a CORS answer. With no
/// `allow_origin`, an answer that carries no CORS headers but `Vary`
/// ([`Profile::vary_without_cors`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CorsHeaders {
    pub allow_origin: Option<String>,
    pub allow_credentials: bool,
    pub allow_methods: Option<String>,
    pub allow_headers: Option<String>,
    pub expose_headers: Option<String>,
    pub max_age: Option<u64>,
    pub vary: Option<&'static str>,
}

impl CorsHeaders {
    /// Call `f` with each header (name, value), in the order COS writes them
    /// in seed 003 (alphabetical), `Vary` last. Borrowing, for the hot path.
    pub fn for_each(&self, mut f: impl FnMut(&'static str, &str)) {
        let mut age = itoa_buf();
        if self.allow_credentials {
            f(headers::ALLOW_CREDENTIALS, "true");
        }
        if let Some(h) = &self.allow_headers {
            f(headers::ALLOW_HEADERS, h);
        }
        if let Some(m) = &self.allow_methods {
            f(headers::ALLOW_METHODS, m);
        }
        if let Some(o) = &self.allow_origin {
            f(headers::ALLOW_ORIGIN, o);
        }
        if let Some(e) = &self.expose_headers {
            f(headers::EXPOSE_HEADERS, e);
        }
        if let Some(a) = self.max_age {
            f(headers::MAX_AGE, fmt_u64(&mut age, a));
        }
        if let Some(v) = self.vary {
            f(headers::VARY, v);
        }
    }

    /// Every header name with its value, if sent, in [`Self::for_each`]'s
    /// order, taking the values instead of copying them (the fuzzer keeps
    /// them). Tested to agree with [`Self::for_each`].
    pub fn into_values(self) -> [(&'static str, Option<Cow<'static, str>>); 7] {
        let mut age = itoa_buf();
        [
            (
                headers::ALLOW_CREDENTIALS,
                self.allow_credentials.then_some(Cow::Borrowed("true")),
            ),
            (headers::ALLOW_HEADERS, self.allow_headers.map(Cow::Owned)),
            (headers::ALLOW_METHODS, self.allow_methods.map(Cow::Owned)),
            (headers::ALLOW_ORIGIN, self.allow_origin.map(Cow::Owned)),
            (headers::EXPOSE_HEADERS, self.expose_headers.map(Cow::Owned)),
            (
                headers::MAX_AGE,
                self.max_age
                    .map(|a| Cow::Owned(fmt_u64(&mut age, a).to_string())),
            ),
            (headers::VARY, self.vary.map(Cow::Borrowed)),
        ]
    }

    /// The headers as owned (name, value) pairs, in [`Self::for_each`]'s order.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::with_capacity(7);
        self.for_each(|n, v| out.push((n, v.to_string())));
        out
    }
}

fn itoa_buf() -> [u8; 20] {
    [0u8; 20]
}

/// Format a u64 into `buf` without allocating.
fn fmt_u64(buf: &mut [u8; 20], mut n: u64) -> &str {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    // Only ASCII digits were written.
    std::str::from_utf8(&buf[i..]).unwrap_or("0")
}

fn forbidden() -> ApiError {
    ApiError::new(ErrorCode::AccessForbidden, FORBIDDEN_MESSAGE)
}

/// Evaluate a preflight. `config` is `None` when the bucket has no CORS
/// configuration: the profile's default rule answers
/// ([`Profile::default_rule`], COS's console origin), and anything else is
/// refused like a non-matching preflight ("If the bucket does not have CORS
/// configuration, or the preflight request does not match the
/// configuration, COS returns the 403 Forbidden error", 436/8288;
/// cos-nodejs-sdk-v5's real-COS test `delete cors, optionsObject()`).
pub fn preflight(
    config: Option<&CorsConfiguration>,
    req: &Preflight<'_>,
    profile: Profile,
) -> PreflightOutcome {
    if config.is_none() && req.origin.is_some() && profile.refuses_unconfigured_bucket_first() {
        return PreflightOutcome::Refused(profile.no_configuration_refusal(req.method));
    }
    let (origin, method) = match (req.origin, req.method) {
        (Some(o), Some(m)) => (o, m),
        (None, _) if profile.rejects_incomplete_preflight_as_bad_request() => {
            return PreflightOutcome::Refused(ApiError::new(
                ErrorCode::BadRequest,
                "Insufficient information. Origin request header needed.",
            ))
        }
        (Some(_), None) if profile.rejects_incomplete_preflight_as_bad_request() => {
            return PreflightOutcome::Refused(ApiError::new(
                ErrorCode::BadRequest,
                "Insufficient information. Access-Control-Request-Method header needed.",
            ))
        }
        _ => return PreflightOutcome::Refused(forbidden()),
    };
    let Some(config) = config.or_else(|| profile.default_rule()) else {
        return PreflightOutcome::Refused(profile.no_configuration_refusal(Some(method)));
    };
    // Source 436/8288: "You can use commas (,) to separate multiple headers
    // (case-insensitive)". Empty items (`a,,b`, a trailing comma, an empty
    // header) request nothing.
    let requested: Vec<&str> = req
        .request_headers
        .map(|h| headers::split_list(h).collect())
        .unwrap_or_default();

    // First matching rule wins: "会从第一条开始逐条匹配，以最早匹配上的规则为准"
    // (rules are matched from the first; the earliest match wins; COS best
    // practice 436/11488), and cos-js-sdk-v5#56's maintainer answer. A rule
    // matches when origin, method and every requested header do (436/8279:
    // every requested header "must have a corresponding one").
    for rule in &config.rules {
        let Some(origin_pattern) = matching_origin(rule, origin) else {
            continue;
        };
        // HTTP methods are case-sensitive (RFC 9110 §9.1).
        if !rule.allowed_methods.iter().any(|m| m == method) {
            continue;
        }
        if !requested
            .iter()
            .all(|h| rule.allowed_headers.iter().any(|p| header_matches(p, h)))
        {
            continue;
        }
        let mut headers = base_headers(rule, origin_pattern, origin, profile, config);
        let star = rule.allowed_headers.iter().any(|p| p == "*");
        let sep = profile.list_separator();
        let list = || {
            let list = rule.allowed_headers.join(sep);
            if profile.lowercases_allowed_header_list() {
                list.to_ascii_lowercase()
            } else {
                list
            }
        };
        headers.allow_headers = if requested.is_empty() {
            (!star && !profile.echoes_requested_headers_only() && !rule.allowed_headers.is_empty())
                .then(list)
        } else if star || profile.echoes_requested_headers_only() {
            let echoed = requested.join(sep);
            Some(if profile.lower_cases_requested_headers() {
                echoed.to_ascii_lowercase()
            } else {
                echoed
            })
        } else {
            Some(list())
        };
        return PreflightOutcome::Allowed(headers);
    }
    PreflightOutcome::Refused(profile.refusal(method))
}

/// The index of the rule [`preflight`] answers from for this origin,
/// method and requested headers (comma-separated), if one allows them: the
/// first whose origin, method and every requested header match. Pure; the
/// fuzzer counts it among the behaviours an input reached.
pub fn matching_rule(
    config: &CorsConfiguration,
    origin: &str,
    method: &str,
    request_headers: Option<&str>,
) -> Option<usize> {
    let requested = || {
        request_headers
            .into_iter()
            .flat_map(|h| h.split(','))
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    config.rules.iter().position(|rule| {
        matching_origin(rule, origin).is_some()
            && rule.allowed_methods.iter().any(|m| m == method)
            && requested().all(|h| rule.allowed_headers.iter().any(|p| header_matches(p, h)))
    })
}

/// The CORS headers added to an actual (non-OPTIONS) request that carries an
/// `Origin`: those of the first rule that allows the origin and the request's
/// method, without `Access-Control-Allow-Headers`. That the answer carries
/// `Access-Control-Allow-Origin` is COS's (best practice 436/11488: a `HEAD`
/// XHR fails for want of it without a rule, works with one); the rest of the
/// set is inferred (what the preflight rules imply and what AWS S3 does).
/// The request itself is answered as usual either way: "COS 的 CORS 规则仅仅是
/// 用来决定是否附加 CORS 相关的 Header 的一个规则" (436/11488).
///
/// Without an allowing rule (or without `Origin`): `None`, or only the
/// profile's [`Profile::vary_without_cors`] when the bucket has a
/// configuration.
pub fn actual_request(
    config: Option<&CorsConfiguration>,
    origin: Option<&str>,
    method: &str,
    profile: Profile,
) -> Option<CorsHeaders> {
    actual_request_with(config, origin, method, (None, None), profile)
}

/// [`actual_request`] for a request that may also carry a preflight's
/// `Access-Control-Request-Method` and `-Headers` (`preflight_headers`).
/// Where [`Profile::reads_preflight_headers_on_actual_requests`], the rule
/// must allow those as it would in a preflight; otherwise they are ignored.
pub fn actual_request_with(
    config: Option<&CorsConfiguration>,
    origin: Option<&str>,
    method: &str,
    preflight_headers: (Option<&str>, Option<&str>),
    profile: Profile,
) -> Option<CorsHeaders> {
    let config = config?;
    let (method, requested) = match preflight_headers {
        (m, h) if profile.reads_preflight_headers_on_actual_requests() => (
            m.unwrap_or(method),
            h.map(|h| headers::split_list(h).collect())
                .unwrap_or_default(),
        ),
        _ => (method, Vec::new()),
    };
    let matched = origin.and_then(|origin| {
        config.rules.iter().find_map(|rule| {
            let pattern = matching_origin(rule, origin)?;
            (rule.allowed_methods.iter().any(|m| m == method)
                && requested
                    .iter()
                    .all(|h| rule.allowed_headers.iter().any(|p| header_matches(p, h))))
            .then(|| base_headers(rule, pattern, origin, profile, config))
        })
    });
    matched.or_else(|| {
        profile
            .vary_without_cors(config.response_vary)
            .map(|vary| CorsHeaders {
                vary: Some(vary),
                ..CorsHeaders::default()
            })
    })
}

/// The first of the rule's origins that matches, in the rule's order.
/// Origins are compared case-sensitively (inferred: browsers serialise origins
/// in lower case, and COS documents no folding).
///
/// A value holding a comma is two `Origin` fields combined (RFC 9110 §5.3),
/// which is no origin (RFC 6454 §7: one serialised origin): no rule matches
/// it, wildcard rules included (`actual/two-origin-headers`; found by the
/// Garage campaign, where `http://*` matched such a pair).
fn matching_origin<'r>(rule: &'r CorsRule, origin: &str) -> Option<&'r str> {
    if origin.contains(',') {
        return None;
    }
    rule.allowed_origins
        .iter()
        .find(|p| wildcard_match(p, origin))
        .map(std::convert::AsRef::as_ref)
}

/// Header names are case-insensitive (436/8288).
fn header_matches(pattern: &str, header: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    wildcard_match_ignore_ascii_case(pattern, header)
}

fn base_headers(
    rule: &CorsRule,
    origin_pattern: &str,
    origin: &str,
    profile: Profile,
    config: &CorsConfiguration,
) -> CorsHeaders {
    let any_origin = origin_pattern == "*";
    CorsHeaders {
        allow_origin: Some(if any_origin {
            "*".into()
        } else {
            origin.into()
        }),
        allow_credentials: !any_origin,
        allow_methods: Some(rule.allowed_methods.join(profile.list_separator())),
        allow_headers: None,
        expose_headers: (!rule.expose_headers.is_empty())
            .then(|| rule.expose_headers.join(profile.list_separator())),
        max_age: rule.max_age_seconds,
        vary: profile.vary(config.response_vary),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(origins: &[&str], methods: &[&str], headers: &[&str]) -> CorsRule {
        CorsRule {
            allowed_origins: origins.iter().map(|s| s.to_string().into()).collect(),
            allowed_methods: methods.iter().map(|s| s.to_string().into()).collect(),
            allowed_headers: headers.iter().map(|s| s.to_string().into()).collect(),
            expose_headers: vec![
                "Content-Length".into(),
                "ETag".into(),
                "x-cos-meta-author".into(),
            ],
            max_age_seconds: Some(600),
            ..Default::default()
        }
    }

    fn cfg(rules: Vec<CorsRule>) -> CorsConfiguration {
        CorsConfiguration {
            rules,
            response_vary: None,
        }
    }

    fn allowed(o: PreflightOutcome) -> CorsHeaders {
        match o {
            PreflightOutcome::Allowed(h) => h,
            PreflightOutcome::Refused(e) => panic!("refused: {e}"),
        }
    }

    /// Two Origin fields joined are no origin: even a wildcard rule does not
    /// take them (a Garage campaign found `http://*` matching such a pair).
    #[test]
    fn a_comma_joined_origin_matches_no_rule() {
        let c = cfg(vec![rule(&["http://*", "*"], &["GET", "PUT"], &["*"])]);
        for profile in [Profile::Cos, Profile::S3] {
            let pre = preflight(
                Some(&c),
                &Preflight {
                    origin: Some("http://a.example, http://b.example"),
                    method: Some("PUT"),
                    request_headers: None,
                },
                profile,
            );
            assert!(matches!(pre, PreflightOutcome::Refused(_)), "{profile}");
            let actual = actual_request(Some(&c), Some("http://a.example, x"), "GET", profile);
            assert!(actual.is_none_or(|h| h.allow_origin.is_none()), "{profile}");
        }
        // One origin still matches.
        let one = preflight(
            Some(&c),
            &Preflight {
                origin: Some("http://a.example"),
                method: Some("PUT"),
                request_headers: None,
            },
            Profile::Cos,
        );
        assert!(matches!(one, PreflightOutcome::Allowed(_)));
    }

    // Seed 003, exchange 1.
    #[test]
    fn into_values_agrees_with_for_each() {
        let full = CorsHeaders {
            allow_origin: Some("https://a.example".into()),
            allow_credentials: true,
            allow_methods: Some("GET,PUT".into()),
            allow_headers: Some("x-a".into()),
            expose_headers: Some("ETag".into()),
            max_age: Some(18_446_744_073_709_551_615),
            vary: Some("Origin"),
        };
        let bare = CorsHeaders {
            allow_origin: None,
            allow_credentials: false,
            allow_methods: None,
            allow_headers: None,
            expose_headers: None,
            max_age: None,
            vary: None,
        };
        for h in [full, bare] {
            let sent: Vec<(&str, String)> = h
                .clone()
                .into_values()
                .into_iter()
                .filter_map(|(n, v)| Some((n, v?.into_owned())))
                .collect();
            assert_eq!(sent, h.pairs());
        }
    }

    #[test]
    fn seed_exchange_1() {
        let c = cfg(vec![rule(
            &["https://example.com"],
            &["PUT", "GET", "POST", "DELETE", "HEAD"],
            &["*"],
        )]);
        let h = allowed(preflight(
            Some(&c),
            &Preflight {
                origin: Some("https://example.com"),
                method: Some("PUT"),
                request_headers: Some("content-md5,content-type,x-cos-meta-author"),
            },
            Profile::Cos,
        ));
        assert_eq!(h.allow_origin.as_deref(), Some("https://example.com"));
        assert!(h.allow_credentials);
        assert_eq!(h.allow_methods.as_deref(), Some("PUT,GET,POST,DELETE,HEAD"));
        assert_eq!(
            h.allow_headers.as_deref(),
            Some("content-md5,content-type,x-cos-meta-author")
        );
        assert_eq!(
            h.expose_headers.as_deref(),
            Some("Content-Length,ETag,x-cos-meta-author")
        );
        assert_eq!(h.max_age, Some(600));
        assert_eq!(h.vary, None);
    }

    // Seed 003, exchange 2: `*` origin, explicit header list returned whole.
    #[test]
    fn seed_exchange_2() {
        let list = [
            "range",
            "x-cos-server-side-encryption-customer-algorithm",
            "x-cos-server-side-encryption-customer-key",
            "x-cos-server-side-encryption-customer-key-md5",
        ];
        let c = cfg(vec![rule(&["*"], &["GET", "HEAD"], &list)]);
        let req = Preflight {
            origin: Some("https://example.com"),
            method: Some("GET"),
            request_headers: Some("range"),
        };
        let h = allowed(preflight(Some(&c), &req, Profile::Cos));
        assert_eq!(h.allow_origin.as_deref(), Some("*"));
        assert!(!h.allow_credentials);
        assert_eq!(h.allow_headers.as_deref(), Some(list.join(",").as_str()));
        // The s3 profile echoes only what was asked for.
        let h = allowed(preflight(Some(&c), &req, Profile::S3));
        assert_eq!(h.allow_headers.as_deref(), Some("range"));
    }

    // Seed 003, exchange 4: no rule allows it.
    #[test]
    fn seed_exchange_4_refused() {
        let c = cfg(vec![rule(&["https://other.example"], &["PUT"], &["*"])]);
        let out = preflight(
            Some(&c),
            &Preflight {
                origin: Some("https://example.com"),
                method: Some("PUT"),
                request_headers: None,
            },
            Profile::Cos,
        );
        assert_eq!(out, PreflightOutcome::Refused(forbidden()));
        assert_eq!(forbidden().status(), 403);
    }

    #[test]
    fn first_match_wins_and_headers_must_all_match() {
        let c = cfg(vec![
            rule(&["https://a.example"], &["GET"], &["x-cos-meta-*"]),
            rule(&["*"], &["GET"], &["*"]),
        ]);
        let h = allowed(preflight(
            Some(&c),
            &Preflight {
                origin: Some("https://a.example"),
                method: Some("GET"),
                request_headers: Some("X-Cos-Meta-Author"),
            },
            Profile::Cos,
        ));
        assert_eq!(h.allow_origin.as_deref(), Some("https://a.example"));
        // One header not allowed by rule 1: rule 2 answers.
        let h = allowed(preflight(
            Some(&c),
            &Preflight {
                origin: Some("https://a.example"),
                method: Some("GET"),
                request_headers: Some("x-cos-meta-a, range"),
            },
            Profile::Cos,
        ));
        assert_eq!(h.allow_origin.as_deref(), Some("*"));
        assert_eq!(h.allow_headers.as_deref(), Some("x-cos-meta-a,range"));
    }

    #[test]
    fn method_is_case_sensitive_and_required() {
        let c = cfg(vec![rule(&["*"], &["GET"], &[])]);
        let p = |m: Option<&'static str>| Preflight {
            origin: Some("https://x"),
            method: m,
            request_headers: None,
        };
        assert!(matches!(
            preflight(Some(&c), &p(Some("get")), Profile::Cos),
            PreflightOutcome::Refused(_)
        ));
        match preflight(Some(&c), &p(None), Profile::S3) {
            PreflightOutcome::Refused(e) => assert_eq!(e.code, ErrorCode::BadRequest),
            PreflightOutcome::Allowed(h) => panic!("{h:?}"),
        }
        match preflight(None, &p(Some("GET")), Profile::Cos) {
            PreflightOutcome::Refused(e) => assert_eq!(e.code, ErrorCode::AccessForbidden),
            PreflightOutcome::Allowed(h) => panic!("{h:?}"),
        }
    }

    #[test]
    fn actual_request_headers() {
        let mut c = cfg(vec![rule(&["https://*.example.com"], &["GET"], &["*"])]);
        c.response_vary = Some(true);
        let h = actual_request(Some(&c), Some("https://w.example.com"), "GET", Profile::Cos)
            .expect("allowed");
        assert_eq!(h.allow_origin.as_deref(), Some("https://w.example.com"));
        assert_eq!(h.vary, Some("Origin"));
        assert!(h.allow_headers.is_none());
        // ResponseVary true: no allowing rule, or no Origin, still varies
        // on COS (only `Vary`), never on S3.
        let vary_only = CorsHeaders {
            vary: Some("Origin"),
            ..CorsHeaders::default()
        };
        assert_eq!(
            actual_request(Some(&c), Some("https://w.example.com"), "PUT", Profile::Cos),
            Some(vary_only.clone())
        );
        assert_eq!(
            actual_request(Some(&c), None, "GET", Profile::Cos),
            Some(vary_only.clone())
        );
        assert_eq!(vary_only.pairs(), [("Vary", "Origin".to_string())]);
        assert!(actual_request(Some(&c), None, "GET", Profile::S3).is_none());
        c.response_vary = None;
        assert!(actual_request(Some(&c), None, "GET", Profile::Cos).is_none());
        assert!(actual_request(None, Some("https://w.example.com"), "GET", Profile::Cos).is_none());
    }

    // C3: an explicit list comes back lower-cased on COS, as put on S3's
    // echo; a `*` rule echoes the request's own case.
    #[test]
    fn explicit_list_is_lower_cased() {
        let c = cfg(vec![
            rule(
                &["https://a.example"],
                &["GET"],
                &["X-Custom-Header", "Range"],
            ),
            rule(&["*"], &["GET"], &["*"]),
        ]);
        let ask = |origin, headers| Preflight {
            origin: Some(origin),
            method: Some("GET"),
            request_headers: Some(headers),
        };
        let h = allowed(preflight(
            Some(&c),
            &ask("https://a.example", "range"),
            Profile::Cos,
        ));
        assert_eq!(h.allow_headers.as_deref(), Some("x-custom-header,range"));
        let h = allowed(preflight(
            Some(&c),
            &ask("https://b.example", "X-Mixed"),
            Profile::Cos,
        ));
        assert_eq!(h.allow_headers.as_deref(), Some("X-Mixed"));
    }

    // U1: the console origin is answered on a bucket without configuration.
    #[test]
    fn console_origin_default() {
        let q = Preflight {
            origin: Some(crate::model::CONSOLE_ORIGIN),
            method: Some("GET"),
            request_headers: Some("Content-Length"),
        };
        let h = allowed(preflight(None, &q, Profile::Cos));
        assert_eq!(
            h.allow_origin.as_deref(),
            Some(crate::model::CONSOLE_ORIGIN)
        );
        assert_eq!(h.allow_methods.as_deref(), Some("GET,PUT,POST,HEAD,DELETE"));
        assert_eq!(h.allow_headers.as_deref(), Some("Content-Length"));
        assert!(matches!(
            preflight(None, &q, Profile::S3),
            PreflightOutcome::Refused(_)
        ));
        let other = Preflight {
            origin: Some("https://example.com"),
            ..q
        };
        assert!(matches!(
            preflight(None, &other, Profile::Cos),
            PreflightOutcome::Refused(_)
        ));
    }
}
