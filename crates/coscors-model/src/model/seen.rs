//! What a page sees of one exchange, in each browser engine: the
//! conformance report's engine columns (wpt.fyi style) are built from it.
//!
//! A case's step with an `Origin` is one of two things to a page:
//!
//! - a preflight (`OPTIONS` with `Access-Control-Request-Method`): the
//!   browser sends it for the page's request of that method with the
//!   headers named in `Access-Control-Request-Headers`; the page sees
//!   whether its request goes, and the engine caches the answer for a
//!   while ([`super::browser::preflight_cache_seconds`]);
//! - any other request: the page sees whether it may read the response
//!   (the CORS check) and which headers beyond the safelisted ones it can
//!   read (`Access-Control-Expose-Headers`).
//!
//! Both are judged for a `fetch()` in its default credentials mode
//! (`same-origin`: no cookies across origins), as the COS SDKs send them.
//! The algorithm itself is [`super::browser`]'s; this module only says,
//! for one answer, what it comes to, and why engines differ.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::browser::{
    cors_check, preflight_allows_names, preflight_cache_seconds, readable_headers, AnswerHeaders,
    Credentials, Engine, SAFELISTED_RESPONSE_HEADERS,
};
use super::headers;

/// What a page in one engine sees of one exchange.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Seen {
    /// A preflight: does the page's request go, and how long does the
    /// engine keep the answer (`None`: a `Max-Age` the engines read
    /// differently, see [`preflight_cache_seconds`]).
    Preflight {
        allowed: bool,
        cached_seconds: Option<u64>,
    },
    /// A response: may the page read it, and which headers beyond the
    /// CORS-safelisted ones (lower-cased, sorted; empty when not readable).
    Response {
        readable: bool,
        exposed: Vec<String>,
    },
}

impl Seen {
    /// A few words for a person: `allowed, cached 600 s`, `blocked`,
    /// `readable, exposes etag`.
    pub fn words(&self) -> String {
        match self {
            Seen::Preflight { allowed: false, .. } => "blocked".into(),
            Seen::Preflight {
                allowed: true,
                cached_seconds: Some(s),
            } => format!("allowed, cached {s} s"),
            Seen::Preflight {
                allowed: true,
                cached_seconds: None,
            } => "allowed, cache time read differently by each engine".into(),
            Seen::Response {
                readable: false, ..
            } => "not readable".into(),
            Seen::Response { exposed, .. } if exposed.is_empty() => {
                "readable, no header exposed".into()
            }
            Seen::Response { exposed, .. } => format!("readable, exposes {}", exposed.join(", ")),
        }
    }

    /// Does the page's request get through (a preflight that lets it go,
    /// a response the page may read)?
    pub fn passes(&self) -> bool {
        match self {
            Seen::Preflight { allowed, .. } => *allowed,
            Seen::Response { readable, .. } => *readable,
        }
    }
}

/// What a page in `engine` sees of this exchange; `None` when the request
/// has no `Origin` (no page sent it).
///
/// `request_headers` are the headers the step sent; `answer` the response's.
pub fn seen(
    engine: Engine,
    method: &str,
    request_headers: &[(String, String)],
    status: u16,
    answer: &[(String, String)],
) -> Option<Seen> {
    let origin = request_headers.header(headers::ORIGIN)?;
    let requested = request_headers.header(headers::REQUEST_METHOD);
    if method.eq_ignore_ascii_case("OPTIONS") {
        if let Some(requested) = requested {
            let names: Vec<String> = request_headers
                .header(headers::REQUEST_HEADERS)
                .map(|v| {
                    headers::split_list(&v)
                        .map(str::to_ascii_lowercase)
                        .collect::<BTreeSet<_>>()
                        .into_iter()
                        .collect()
                })
                .unwrap_or_default();
            let allowed = preflight_allows_names(
                engine,
                &origin,
                Credentials::SameOrigin,
                &requested,
                &names,
                status,
                answer,
            );
            let cached_seconds =
                preflight_cache_seconds(engine, answer.header(headers::MAX_AGE).as_deref());
            return Some(Seen::Preflight {
                allowed,
                cached_seconds: if allowed { cached_seconds } else { None },
            });
        }
    }
    let readable = cors_check(&origin, Credentials::SameOrigin, answer);
    let exposed = if readable {
        readable_headers(engine, Credentials::SameOrigin, answer)
            .into_iter()
            .filter(|n| !SAFELISTED_RESPONSE_HEADERS.contains(&n.as_str()))
            .collect()
    } else {
        Vec::new()
    };
    Some(Seen::Response { readable, exposed })
}

/// Why engines see one answer differently, from each engine's profile: a
/// sentence naming the engines and the source of their difference; `None`
/// when every engine sees the same.
pub fn why_engines_differ(views: &[(Engine, Seen)]) -> Option<String> {
    let first = &views.first()?.1;
    if views.iter().all(|(_, s)| s == first) {
        return None;
    }
    let mut why = Vec::new();
    let cached: Vec<(Engine, Option<u64>)> = views
        .iter()
        .filter_map(|(e, s)| match s {
            Seen::Preflight {
                allowed: true,
                cached_seconds,
            } => Some((*e, *cached_seconds)),
            _ => None,
        })
        .collect();
    if cached.windows(2).any(|w| w[0].1 != w[1].1) {
        let each: Vec<String> = cached
            .iter()
            .map(|(e, s)| match s {
                Some(s) => format!("{} {s} s", e.name()),
                None => format!("{} (read differently)", e.name()),
            })
            .collect();
        let caps: Vec<String> = cached
            .iter()
            .map(|(e, _)| {
                format!(
                    "{} at {} s ({})",
                    e.name(),
                    e.max_age_cap(),
                    e.max_age_cap_source()
                )
            })
            .collect();
        why.push(format!(
            "the preflight is cached for {}, as each engine caps Access-Control-Max-Age: {}",
            each.join(", "),
            caps.join("; ")
        ));
    }
    let verdicts: BTreeSet<bool> = views.iter().map(|(_, s)| s.passes()).collect();
    if verdicts.len() > 1 || why.is_empty() {
        let each: Vec<String> = views
            .iter()
            .map(|(e, s)| format!("{}: {}", e.name(), s.words()))
            .collect();
        why.push(each.join("; "));
    }
    Some(why.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    const O: &str = "https://www.example.com";

    fn preflight(headers_: &str) -> Vec<(String, String)> {
        h(&[
            ("Origin", O),
            ("Access-Control-Request-Method", "PUT"),
            ("Access-Control-Request-Headers", headers_),
        ])
    }

    #[test]
    fn no_origin_is_no_page() {
        assert_eq!(seen(Engine::Chromium, "GET", &[], 200, &[]), None);
    }

    #[test]
    fn a_preflight_is_allowed_and_cached_per_engine() {
        let answer = h(&[
            ("Access-Control-Allow-Origin", O),
            ("Access-Control-Allow-Methods", "PUT,GET"),
            ("Access-Control-Allow-Headers", "x-cos-meta-a"),
            ("Access-Control-Max-Age", "86400"),
        ]);
        let views: Vec<(Engine, Seen)> = Engine::ALL
            .into_iter()
            .map(|e| {
                let s = seen(e, "OPTIONS", &preflight("X-Cos-Meta-A"), 200, &answer);
                (e, s.expect("an origin"))
            })
            .collect();
        let cached: Vec<Option<u64>> = views
            .iter()
            .map(|(_, s)| match s {
                Seen::Preflight { cached_seconds, .. } => *cached_seconds,
                Seen::Response { .. } => None,
            })
            .collect();
        assert_eq!(cached, [Some(7200), Some(86400), Some(600)]);
        assert!(views.iter().all(|(_, s)| s.passes()));
        let why = why_engines_differ(&views).expect("the caps differ");
        assert!(
            why.contains("chromium 7200 s, firefox 86400 s, webkit 600 s"),
            "{why}"
        );
        assert!(why.contains("preflight_result.cc"), "{why}");
    }

    #[test]
    fn a_header_not_allowed_blocks_in_every_engine_alike() {
        let answer = h(&[
            ("Access-Control-Allow-Origin", O),
            ("Access-Control-Allow-Methods", "PUT"),
        ]);
        let views: Vec<(Engine, Seen)> = Engine::ALL
            .into_iter()
            .map(|e| {
                let s = seen(e, "OPTIONS", &preflight("x-cos-meta-a"), 200, &answer);
                (e, s.expect("an origin"))
            })
            .collect();
        assert!(views.iter().all(|(_, s)| !s.passes()));
        assert_eq!(why_engines_differ(&views), None);
    }

    #[test]
    fn a_refused_preflight_blocks() {
        let s = seen(Engine::WebKit, "OPTIONS", &preflight(""), 403, &[]);
        assert_eq!(
            s,
            Some(Seen::Preflight {
                allowed: false,
                cached_seconds: None
            })
        );
    }

    #[test]
    fn a_response_shows_what_it_exposes_beyond_the_safelist() {
        let answer = h(&[
            ("Access-Control-Allow-Origin", "*"),
            ("Access-Control-Expose-Headers", "ETag, Content-Length"),
            ("ETag", "\"abc\""),
            ("Content-Length", "3"),
            ("x-cos-request-id", "id"),
        ]);
        let s = seen(Engine::Firefox, "GET", &h(&[("Origin", O)]), 200, &answer);
        assert_eq!(
            s,
            Some(Seen::Response {
                readable: true,
                exposed: vec!["etag".into()]
            })
        );
        let other = h(&[("Access-Control-Allow-Origin", "https://other.example")]);
        let s = seen(Engine::Firefox, "GET", &h(&[("Origin", O)]), 200, &other);
        assert_eq!(s.map(|s| s.passes()), Some(false));
    }
}
