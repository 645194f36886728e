//! `*` wildcard matching, as COS uses it in `AllowedOrigin` and
//! `AllowedHeader`.
//!
//! Source: PUT Bucket cors (436/8279): "the single `*` may stand anywhere,
//! protocol and port included, matching zero or more characters".

/// Does `text` match `pattern`, where each `*` in the pattern matches zero or
/// more characters and everything else must match exactly?
///
/// Validation allows only one `*` in an origin, but headers are not limited,
/// so this handles any number of stars (greedy with backtracking to the last
/// star, linear in practice).
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    match_bytes(pattern.as_bytes(), text.as_bytes(), |a, b| a == b)
}

/// [`wildcard_match`] with ASCII letters compared case-insensitively, as
/// header names are (436/8288); the same as lower-casing both first, without
/// allocating.
pub fn wildcard_match_ignore_ascii_case(pattern: &str, text: &str) -> bool {
    match_bytes(pattern.as_bytes(), text.as_bytes(), |a, b| {
        a.eq_ignore_ascii_case(&b)
    })
}

fn match_bytes(p: &[u8], t: &[u8], eq: impl Fn(u8, u8) -> bool) -> bool {
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && eq(p[pi], t[ti]) {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&b| b == b'*')
}

#[cfg(test)]
mod tests {
    use super::wildcard_match as m;

    #[test]
    fn literal() {
        assert!(m("https://example.com", "https://example.com"));
        assert!(!m("https://example.com", "https://example.com:8443"));
        assert!(!m("https://example.com", "http://example.com"));
    }

    #[test]
    fn star_anywhere() {
        assert!(m("*", ""));
        assert!(m("*", "https://a.b"));
        assert!(m("https://*.example.com", "https://www.example.com"));
        assert!(m("https://*.example.com", "https://a.b.example.com"));
        assert!(!m("https://*.example.com", "https://example.com"));
        assert!(m("http://*", "http://localhost:3000"));
        assert!(!m("http://*", "https://localhost"));
        assert!(m("https://example.com:*", "https://example.com:8080"));
        assert!(m("*.example.com", "http://x.example.com"));
        assert!(m("x-cos-meta-*", "x-cos-meta-author"));
        assert!(m("x-cos-meta-*", "x-cos-meta-"));
        assert!(!m("x-cos-meta-*", "x-cos-acl"));
    }

    #[test]
    fn several_stars_backtrack() {
        assert!(m("a*b*c", "aXbYbZc"));
        assert!(!m("a*b*c", "aXbYbZ"));
        assert!(m("**", "anything"));
    }

    #[test]
    fn ignoring_case_is_lower_casing_both() {
        use super::wildcard_match_ignore_ascii_case as mi;
        let words = [
            "x-cos-meta-*",
            "X-COS-META-AUTHOR",
            "*-MD5",
            "content-md5",
            "",
            "*",
            "a*B*c",
            "AxbYbZC",
            "é*",
        ];
        for p in words {
            for t in words {
                assert_eq!(
                    mi(p, t),
                    m(&p.to_ascii_lowercase(), &t.to_ascii_lowercase()),
                    "{p:?} {t:?}"
                );
            }
        }
    }
}
