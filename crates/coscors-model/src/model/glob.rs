//! `*` wildcard matching, as COS uses it in `AllowedOrigin` and
//! `AllowedHeader`.
//!
//! Source: PUT Bucket cors (436/8279): "the single `*` may stand anywhere,
//! protocol and port included, matching zero or more characters".
//!
//! The text is an attacker's (`Origin` and `Access-Control-Request-Headers`
//! of a preflight, which is never authenticated), so matching is linear in
//! pattern + text whatever both are (issue 16): the pattern is cut at its
//! stars; the part before the first star must be a prefix of the text, the
//! part after the last a suffix (each one comparison, so a pattern with one
//! star costs its own length, not the text's); the parts between are found
//! left to right, each at its leftmost place after the one before, with
//! `memchr::memmem` (worst case linear in needle + haystack). Leftmost
//! placement is enough: if the parts can be placed at all, placing each as
//! early as possible leaves the most room for the rest.

use memchr::memmem;

/// Does `text` match `pattern`, where each `*` in the pattern matches zero or
/// more characters and everything else must match exactly?
///
/// Validation allows only one `*` in an origin, but headers are not limited,
/// so this handles any number of stars.
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    match_bytes(pattern.as_bytes(), text.as_bytes(), false)
}

/// [`wildcard_match`] with ASCII letters compared case-insensitively, as
/// header names are (436/8288); the same as lower-casing both first. Only a
/// pattern with two stars or more, whose middle parts are searched for,
/// lower-cases copies (of those parts and the text between prefix and
/// suffix); the common patterns (`*`, `x-cos-meta-*`) allocate nothing.
pub fn wildcard_match_ignore_ascii_case(pattern: &str, text: &str) -> bool {
    match_bytes(pattern.as_bytes(), text.as_bytes(), true)
}

fn same(a: &[u8], b: &[u8], fold: bool) -> bool {
    if fold {
        a.eq_ignore_ascii_case(b)
    } else {
        a == b
    }
}

fn match_bytes(p: &[u8], t: &[u8], fold: bool) -> bool {
    let Some(first_star) = memchr::memchr(b'*', p) else {
        return same(p, t, fold);
    };
    // `memrchr` cannot fail: there is a star.
    let last_star = memchr::memrchr(b'*', p).unwrap_or(first_star);
    let (prefix, suffix) = (&p[..first_star], &p[last_star + 1..]);
    if t.len() < prefix.len() + suffix.len()
        || !same(&t[..prefix.len()], prefix, fold)
        || !same(&t[t.len() - suffix.len()..], suffix, fold)
    {
        return false;
    }
    if first_star == last_star {
        return true;
    }
    let inner = &p[first_star + 1..last_star];
    let between = &t[prefix.len()..t.len() - suffix.len()];
    if fold {
        let inner = inner.to_ascii_lowercase();
        let between = between.to_ascii_lowercase();
        place_in_order(&inner, &between)
    } else {
        place_in_order(inner, between)
    }
}

/// Can the star-separated parts of `inner` be found in `text` in order,
/// without overlapping? Each is searched once, from where the one before
/// ended, so the whole costs O(|inner| + |text|).
fn place_in_order(inner: &[u8], text: &[u8]) -> bool {
    let mut at = 0usize;
    for part in inner.split(|&b| b == b'*').filter(|s| !s.is_empty()) {
        match memmem::find(&text[at..], part) {
            Some(i) => at += i + part.len(),
            None => return false,
        }
    }
    true
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
    fn several_stars() {
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

    /// The matcher against a reference: the pattern as an anchored regex
    /// (each part escaped, each star `.*`, `.` matching newlines too), on
    /// random patterns and texts over a small alphabet (so that parts often
    /// recur and stars have choices), and on texts made from the pattern
    /// itself (so that many match).
    mod against_regex {
        use super::super::{wildcard_match, wildcard_match_ignore_ascii_case};
        use proptest::prelude::*;

        fn reference(pattern: &str, text: &str) -> bool {
            let body: Vec<String> = pattern.split('*').map(regex::escape).collect();
            let re = regex::Regex::new(&format!("(?s)^{}$", body.join(".*")))
                .expect("an escaped pattern is a valid regex");
            re.is_match(text)
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

            #[test]
            fn random_texts(pattern in "[ab*Aé\n]{0,10}", text in "[abAé\n]{0,16}") {
                prop_assert_eq!(wildcard_match(&pattern, &text), reference(&pattern, &text));
                prop_assert_eq!(
                    wildcard_match_ignore_ascii_case(&pattern, &text),
                    reference(&pattern.to_ascii_lowercase(), &text.to_ascii_lowercase())
                );
            }

            #[test]
            fn texts_from_the_pattern(
                pattern in "[ab*]{0,10}",
                fills in proptest::collection::vec("[abB]{0,4}", 0..8),
                cut in 0usize..3,
            ) {
                // Each star replaced by a fill, then maybe a byte cut from
                // either end: near misses as well as matches.
                let mut fills = fills.into_iter();
                let mut text = String::new();
                for c in pattern.chars() {
                    if c == '*' {
                        text.push_str(&fills.next().unwrap_or_default());
                    } else {
                        text.push(c);
                    }
                }
                match cut {
                    1 if !text.is_empty() => { text.remove(0); }
                    2 => { text.pop(); }
                    _ => {}
                }
                prop_assert_eq!(wildcard_match(&pattern, &text), reference(&pattern, &text));
                prop_assert_eq!(
                    wildcard_match_ignore_ascii_case(&pattern, &text),
                    reference(&pattern.to_ascii_lowercase(), &text.to_ascii_lowercase())
                );
            }
        }
    }

    /// The least of some batch times, in seconds.
    fn least(times: &[std::time::Duration]) -> f64 {
        times
            .iter()
            .map(std::time::Duration::as_secs_f64)
            .fold(f64::INFINITY, f64::min)
    }

    /// Time each input's matching in batches, interleaved (a, b, c, a, b,
    /// c, ...), and return each one's least batch time.
    fn interleaved(inputs: &[(&str, &str, bool)], batches: usize, n: usize) -> Vec<f64> {
        let mut times = vec![Vec::new(); inputs.len()];
        for _ in 0..batches {
            for (i, (p, t, fold)) in inputs.iter().enumerate() {
                let start = std::time::Instant::now();
                let mut hits = 0usize;
                for _ in 0..n {
                    let r = if *fold {
                        super::wildcard_match_ignore_ascii_case(std::hint::black_box(p), t)
                    } else {
                        m(std::hint::black_box(p), t)
                    };
                    hits += usize::from(r);
                }
                std::hint::black_box(hits);
                times[i].push(start.elapsed());
            }
        }
        times.iter().map(|t| least(t)).collect()
    }

    /// Issue 16's attack: a rule of `*` and 64 KB of literal text, and a
    /// 300 KB `Origin` that backtracking matching tried at each of its
    /// 300,000 places (~20 s). Measured in one run, as ratios: the 300 KB
    /// origin costs at most a small multiple of a 3 KB one made the same
    /// way, and of a 300 KB origin the rule allows (an ordinary input of the
    /// same length). Likewise for a header pattern of several stars.
    #[test]
    fn worst_inputs_cost_a_small_multiple_of_ordinary_ones() {
        let literal = "a".repeat(64 * 1024);
        let rule = format!("*{literal}");
        let attack = |len: usize| format!("{}b", "a".repeat(len - 1));
        let (worst_300k, worst_3k) = (attack(300_000), attack(3_000));
        let ordinary_300k = format!(
            "https://{}{literal}",
            "x".repeat(300_000 - 8 - literal.len())
        );
        assert_eq!(worst_300k.len(), ordinary_300k.len());
        assert!(!m(&rule, &worst_300k) && !m(&rule, &worst_3k) && m(&rule, &ordinary_300k));
        // Several stars (headers may have any number): the middle part is
        // searched for through text made of its own first byte.
        let header_rule = format!("x-*{}b*-y", "a".repeat(4096));
        // Near misses everywhere: 4,095 `a` and a `b`, over and over.
        let near = format!("{}b", "a".repeat(4095));
        let mut header_worst = format!("x-{}", near.repeat(300_000 / near.len()));
        header_worst.push_str(&"a".repeat(300_000 - 2 - header_worst.len()));
        header_worst.push_str("-y");
        let header_ordinary = format!(
            "x-{}b{}-y",
            "q".repeat(150_000),
            "a".repeat(300_000 - 150_005)
        );
        assert_eq!(header_worst.len(), header_ordinary.len());
        assert!(!super::wildcard_match_ignore_ascii_case(
            &header_rule,
            &header_worst
        ));
        assert!(!m(&header_rule, &header_ordinary));
        let costs = interleaved(
            &[
                (&rule, &worst_300k, false),
                (&rule, &worst_3k, false),
                (&rule, &ordinary_300k, false),
                (&header_rule, &header_worst, false),
                (&header_rule, &header_ordinary, false),
                (&header_rule, &header_worst, true),
                (&header_rule, &header_ordinary, true),
            ],
            9,
            20,
        );
        let origin_vs_3k = costs[0] / costs[1];
        let origin_vs_ordinary = costs[0] / costs[2];
        let header_vs_ordinary = costs[3] / costs[4];
        let folded_vs_ordinary = costs[5] / costs[6];
        eprintln!(
            "300 KB attack / 3 KB attack {origin_vs_3k:.2}; / 300 KB ordinary origin {origin_vs_ordinary:.2}; \
             several stars {header_vs_ordinary:.2}, ignoring case {folded_vs_ordinary:.2}"
        );
        // (The 3 KB origin is shorter than the rule's literal, but finding
        // the pattern's stars reads the pattern once: both pay its length.)
        for (what, r) in [
            ("300 KB origin vs 3 KB", origin_vs_3k),
            ("300 KB origin vs ordinary", origin_vs_ordinary),
            ("header pattern vs ordinary", header_vs_ordinary),
            (
                "header pattern, ignoring case, vs ordinary",
                folded_vs_ordinary,
            ),
        ] {
            assert!(r < 10.0, "{what}: {r:.2}× (costs {costs:?})");
        }
    }
}
