//! The CORS vocabulary, written once: the header names as COS writes them,
//! which headers hold lists, and how a list is read.
//!
//! Every other part of coscors (the model's evaluation, the emulator, the
//! runner's comparison, the fuzzer) names these headers through these
//! constants and splits lists through [`split_list`] or [`list_items`].

/// `Origin` (request).
pub const ORIGIN: &str = "Origin";
/// `Access-Control-Request-Method` (preflight request).
pub const REQUEST_METHOD: &str = "Access-Control-Request-Method";
/// `Access-Control-Request-Headers` (preflight request).
pub const REQUEST_HEADERS: &str = "Access-Control-Request-Headers";

/// `Access-Control-Allow-Credentials`.
pub const ALLOW_CREDENTIALS: &str = "Access-Control-Allow-Credentials";
/// `Access-Control-Allow-Headers`.
pub const ALLOW_HEADERS: &str = "Access-Control-Allow-Headers";
/// `Access-Control-Allow-Methods`.
pub const ALLOW_METHODS: &str = "Access-Control-Allow-Methods";
/// `Access-Control-Allow-Origin`.
pub const ALLOW_ORIGIN: &str = "Access-Control-Allow-Origin";
/// `Access-Control-Expose-Headers`.
pub const EXPOSE_HEADERS: &str = "Access-Control-Expose-Headers";
/// `Access-Control-Max-Age`.
pub const MAX_AGE: &str = "Access-Control-Max-Age";
/// `Vary`.
pub const VARY: &str = "Vary";

/// The seven CORS response headers, in the order COS writes them (seed
/// 003: alphabetical, `Vary` last).
pub const RESPONSE_HEADERS: [&str; 7] = [
    ALLOW_CREDENTIALS,
    ALLOW_HEADERS,
    ALLOW_METHODS,
    ALLOW_ORIGIN,
    EXPOSE_HEADERS,
    MAX_AGE,
    VARY,
];

/// Headers whose value is a comma-separated list of tokens (lower-cased):
/// where the runner forgives spaces around items and their order.
/// `Access-Control-Allow-Origin` is no list: it names one origin, and a
/// comma in it is a difference.
pub const LIST_HEADERS: [&str; 5] = [
    "access-control-allow-methods",
    "access-control-allow-headers",
    "access-control-expose-headers",
    "vary",
    "allow",
];

/// Is `name` (any case) one of [`LIST_HEADERS`]?
pub fn is_list_header(name: &str) -> bool {
    LIST_HEADERS.iter().any(|l| l.eq_ignore_ascii_case(name))
}

/// A list's items as COS reads a request's list: split at commas, spaces
/// around each trimmed, empty items dropped. Source 436/8288: "You can use
/// commas (,) to separate multiple headers"; empty items (`a,,b`, a
/// trailing comma, an empty header) request nothing.
pub fn split_list(v: &str) -> impl Iterator<Item = &str> {
    v.split(',').map(str::trim).filter(|s| !s.is_empty())
}

/// A list's items as an answer wrote them, for comparing two answers:
/// split at commas, trimmed when `trim`, empty items kept (`GET,,PUT` is
/// not `GET,PUT`).
pub fn list_items(v: &str, trim: bool) -> impl Iterator<Item = &str> {
    v.split(',').map(move |s| if trim { s.trim() } else { s })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_list_drops_spaces_and_empty_items() {
        let items: Vec<_> = split_list(" a,,b , ,c,").collect();
        assert_eq!(items, ["a", "b", "c"]);
        assert_eq!(split_list("").count(), 0);
    }

    #[test]
    fn an_answer_list_keeps_empty_items() {
        let items: Vec<_> = list_items("GET,, PUT", true).collect();
        assert_eq!(items, ["GET", "", "PUT"]);
        let raw: Vec<_> = list_items("GET, PUT", false).collect();
        assert_eq!(raw, ["GET", " PUT"]);
    }

    #[test]
    fn allow_origin_is_no_list_and_names_compare_in_any_case() {
        assert!(is_list_header("Access-Control-Allow-Methods"));
        assert!(is_list_header("VARY"));
        assert!(!is_list_header(ALLOW_ORIGIN));
        for h in RESPONSE_HEADERS {
            assert_eq!(
                is_list_header(h),
                LIST_HEADERS.contains(&h.to_ascii_lowercase().as_str())
            );
        }
    }
}
