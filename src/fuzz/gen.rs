//! The generator: a CORS configuration and a sequence of requests, from
//! bytes: an `arbitrary::Unstructured`'s (cargo-fuzz), or a campaign
//! iteration's (made as they are drawn; see [`seed_bytes`]).
//!
//! Values come from small dictionaries, biased toward where implementations
//! disagree (a `*` at the start, middle or end of an origin; scheme, port
//! and case variants; `null`; methods in other cases; header lists with
//! spaces, duplicates, empty items; `x-cos-meta-*`; MaxAgeSeconds edges),
//! mixed with raw bytes so that both structure and garbage are explored.
//! The same bytes always give the same input.

use arbitrary::{Result, Unstructured};
use bytes::Bytes;

use std::borrow::Cow;
use std::sync::LazyLock;

use crate::model::{CorsConfiguration, CorsRule, Text};

/// One generated input: the bucket's configuration and what is sent to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FuzzInput {
    pub config: Option<CorsConfiguration>,
    pub requests: Vec<FuzzRequest>,
}

/// A request of a generated input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FuzzRequest {
    /// OPTIONS, with each CORS request header absent, once, or repeated.
    Preflight {
        path: &'static str,
        origin: Vec<Text>,
        method: Vec<&'static str>,
        headers: Vec<Text>,
    },
    /// An actual request with an Origin (or several, or none).
    Actual {
        method: &'static str,
        path: &'static str,
        origin: Vec<Text>,
    },
    /// PUT ?cors with a raw body (valid or not; always UTF-8) and perhaps a
    /// Content-MD5. `Bytes`, so that the steps share a near-limit body
    /// instead of copying it.
    PutCors {
        body: Bytes,
        md5: Md5,
        /// The configuration the body is the written form of (`xml::write`),
        /// when it is exactly that: the in-process model takes it instead
        /// of parsing the body, as it does for the setup (HTTP targets get
        /// the body).
        written_from: Option<CorsConfiguration>,
    },
    GetCors,
    DeleteCors,
}

/// How PUT ?cors carries `Content-MD5`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Md5 {
    None,
    Correct,
    Wrong,
    Garbage,
}

const SCHEMES: &[&str] = &["https://", "http://", "HTTPS://", "", "ftp://"];
const HOSTS: &[&str] = &[
    "example.com",
    "www.example.com",
    "a.b.example.com",
    "EXAMPLE.com",
    "localhost",
    "127.0.0.1",
    "bar.com",
    "xn--fsq.example",
    "例子.example",
];
const PORTS: &[&str] = &["", ":443", ":8080", ":3000", ":*", ":0"];
const ORIGIN_PATTERNS: &[&str] = &[
    "*",
    "https://*.example.com",
    "http://*",
    "*://example.com",
    "https://example.com:*",
    "https://*",
    "*.example.com",
    "https://exa*le.com",
    "null",
    "https://example.com",
    "https://*.*.example.com",
    "**",
];
const METHODS: &[&str] = &[
    "GET", "PUT", "POST", "DELETE", "HEAD", "get", "put", "Post", "PATCH", "OPTIONS", "TRACE", "",
];
const HEADER_NAMES: &[&str] = &[
    "*",
    "content-type",
    "Content-Type",
    "content-md5",
    "range",
    "x-cos-meta-*",
    "x-cos-meta-author",
    "X-COS-META-AUTHOR",
    "x-cos-acl",
    "x-cos-security-token",
    "authorization",
    "x-custom",
    "x-*",
    "*-md5",
    "",
];
const EXPOSE: &[&str] = &[
    "ETag",
    "Content-Length",
    "x-cos-meta-author",
    "x-cos-request-id",
    "etag",
];
const MAX_AGES: &[u64] = &[0, 1, 5, 600, 86_400, 31_536_000, 4_294_967_295, u64::MAX];
const PATHS: &[&str] = &["/", "/exampleobject", "/dir/a.txt", "/%E4%BD%A0", "/a%20b"];

/// Draws from an input's bytes, read from the front. `Unstructured`'s own
/// `int_in_range`, `choose` and `ratio` cost a 64-bit division, a generic
/// byte loop and a call each; an input takes dozens of draws, and they were
/// a fifth of a campaign's time. A draw here takes one byte (two or three
/// for larger ranges) and scales it by a multiplication. Past the end of
/// the bytes every draw is 0, the smallest choice, as `Unstructured` does.
struct Draws<'a> {
    source: Source<'a>,
    /// Bytes drawn so far (past the end once the input ran out).
    at: usize,
}

/// Where draws take their bytes from.
enum Source<'a> {
    /// Bytes given: a cargo-fuzz input, through `Unstructured`.
    Slice(&'a [u8]),
    /// A campaign iteration's [`seed_bytes`], made eight at a time as
    /// they are drawn: most inputs take a hundred bytes or so, a few take
    /// two thousand.
    Stream { words: SeedWords, word: [u8; 8] },
}

impl<'a> Draws<'a> {
    fn new(data: &'a [u8]) -> Self {
        Draws {
            source: Source::Slice(data),
            at: 0,
        }
    }

    /// The draws of iteration `i` of a campaign with `seed`.
    fn stream(seed: u64, i: u64) -> Self {
        Draws {
            source: Source::Stream {
                words: SeedWords::new(seed, i),
                word: [0; 8],
            },
            at: 0,
        }
    }

    /// The next byte, or 0 past the end.
    #[inline]
    fn byte(&mut self) -> u8 {
        let at = self.at;
        self.at += 1;
        match &mut self.source {
            Source::Slice(data) => data.get(at).copied().unwrap_or(0),
            Source::Stream { .. } if at >= SEED_BYTES => 0,
            Source::Stream { words, word } => {
                if at.is_multiple_of(8) {
                    *word = words.next_word();
                }
                word[at % 8]
            }
        }
    }

    /// A number in `0..n` (`1 <= n <= 2^24`).
    #[inline]
    fn below(&mut self, n: usize) -> usize {
        debug_assert!((1..=1 << 24).contains(&n));
        // k bytes make a number x < 2^(8k) >= n; x * n >> 8k is in 0..n.
        let mut x = u64::from(self.byte());
        let mut bits = 8;
        while (1u64 << bits) < n as u64 {
            x = x << 8 | u64::from(self.byte());
            bits += 8;
        }
        ((x * n as u64) >> bits) as usize
    }

    /// A number in `lo..=hi`.
    fn within(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    /// True `num` times in `den`.
    fn chance(&mut self, num: usize, den: usize) -> bool {
        self.below(den) < num
    }

    /// One element of a non-empty list.
    fn pick<T: Copy>(&mut self, list: &[T]) -> T {
        list[self.below(list.len())]
    }
}

/// A short string that is sometimes garbage.
fn garbage(u: &mut Draws<'_>) -> String {
    let len = u.below(13);
    let mut s = String::with_capacity(len);
    for _ in 0..len {
        // Visible ASCII, mostly: header values must stay sendable.
        s.push(char::from(b' ' + (u.byte() % 95)));
    }
    s
}

/// A dictionary word, borrowed: no allocation.
fn word(u: &mut Draws<'_>, list: &[&'static str]) -> Text {
    Cow::Borrowed(u.pick(list))
}

/// Every scheme + host + port, written once, so that composing an origin
/// borrows instead of formatting.
static COMPOSED: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    let mut all = Vec::with_capacity(SCHEMES.len() * HOSTS.len() * PORTS.len());
    for s in SCHEMES {
        for h in HOSTS {
            for p in PORTS {
                all.push(&*Box::leak(format!("{s}{h}{p}").into_boxed_str()));
            }
        }
    }
    all
});

/// A scheme, a host and one of the first `ports` ports.
fn composed(u: &mut Draws<'_>, ports: usize) -> Text {
    let s = u.below(SCHEMES.len());
    let h = u.below(HOSTS.len());
    let p = u.below(ports);
    Cow::Borrowed(COMPOSED[(s * HOSTS.len() + h) * PORTS.len() + p])
}

fn origin(u: &mut Draws<'_>) -> Text {
    match u.below(10) {
        0 => Cow::Borrowed("null"),
        1 => Cow::Owned(garbage(u)),
        _ => composed(u, PORTS.len() - 2),
    }
}

fn origin_pattern(u: &mut Draws<'_>) -> Text {
    match u.below(6) {
        0..=2 => word(u, ORIGIN_PATTERNS),
        3 => Cow::Owned(garbage(u)),
        _ => composed(u, PORTS.len()),
    }
}

fn header_list(u: &mut Draws<'_>) -> Text {
    let n = u.below(5);
    let sep = |u: &mut Draws<'_>| u.pick(&[",", ", ", " , ", ",,"]);
    match n {
        0 => {
            sep(u);
            Cow::Borrowed("")
        }
        1 => {
            let name = u.pick(&HEADER_NAMES[1..]);
            sep(u);
            Cow::Borrowed(name)
        }
        _ => {
            let mut items = [""; 4];
            for item in &mut items[..n] {
                *item = u.pick(&HEADER_NAMES[1..]);
            }
            Cow::Owned(items[..n].join(sep(u)))
        }
    }
}

/// Fill `list` (emptied first, its memory kept) with up to `max` values.
fn fill<T>(
    u: &mut Draws<'_>,
    list: &mut Vec<T>,
    max: usize,
    mut f: impl FnMut(&mut Draws<'_>) -> T,
) {
    list.clear();
    let n = u.below(max + 1);
    for _ in 0..n {
        list.push(f(u));
    }
}

/// Push a rule onto `rules`, written into one taken from `spare` (an
/// earlier input's) when there is one, so that its lists' memory is reused.
fn rule(u: &mut Draws<'_>, rules: &mut Vec<CorsRule>, spare: &mut Vec<CorsRule>) {
    rules.push(spare.pop().unwrap_or_default());
    let Some(r) = rules.last_mut() else { return };
    r.id = u.chance(1, 4).then(|| Cow::Owned(garbage(u)));
    fill(u, &mut r.allowed_origins, 3, origin_pattern);
    fill(u, &mut r.allowed_methods, 4, |u| word(u, &METHODS[..5]));
    fill(u, &mut r.allowed_headers, 3, |u| word(u, HEADER_NAMES));
    fill(u, &mut r.expose_headers, 2, |u| word(u, EXPOSE));
    r.max_age_seconds = u.chance(1, 2).then(|| u.pick(MAX_AGES));
    // Mostly valid rules, so that evaluation (not validation) is exercised.
    if r.allowed_origins.is_empty() && u.chance(3, 4) {
        r.allowed_origins.push(origin_pattern(u));
    }
    if r.allowed_methods.is_empty() && u.chance(3, 4) {
        r.allowed_methods.push(word(u, &METHODS[..5]));
    }
}

fn one_or_more<T>(u: &mut Draws<'_>, mut f: impl FnMut(&mut Draws<'_>) -> T) -> Vec<T> {
    match u.below(10) {
        0 => Vec::new(),
        1 => vec![f(u), f(u)],
        _ => vec![f(u)],
    }
}

/// Half the time, an origin one of the rules names (picked by rule, then
/// among its origins), to be likelier to match; a pattern with a `*`, or
/// no rule to pick from, gives a generated origin instead.
fn near_origin(u: &mut Draws<'_>, rules: &[CorsRule]) -> Text {
    if !rules.is_empty() && u.chance(1, 2) {
        let origins = &rules[u.below(rules.len())].allowed_origins;
        if !origins.is_empty() {
            let o = &origins[u.below(origins.len())];
            if !o.contains('*') {
                return o.clone();
            }
        }
    }
    origin(u)
}

fn request(u: &mut Draws<'_>, rules: &[CorsRule], spare: &mut Vec<CorsRule>) -> FuzzRequest {
    let near_origin = |u: &mut Draws<'_>| near_origin(u, rules);
    match u.below(12) {
        0..=6 => FuzzRequest::Preflight {
            path: u.pick(PATHS),
            origin: one_or_more(u, near_origin),
            method: one_or_more(u, |u| u.pick(METHODS)),
            headers: match u.below(4) {
                0 => Vec::new(),
                _ => vec![header_list(u)],
            },
        },
        7..=8 => FuzzRequest::Actual {
            method: u.pick(&["GET", "PUT", "HEAD"]),
            path: u.pick(&PATHS[1..]),
            origin: one_or_more(u, near_origin),
        },
        9 => {
            let (body, written_from) = cors_body(u, spare);
            FuzzRequest::PutCors {
                body,
                md5: u.pick(&[Md5::None, Md5::Correct, Md5::Wrong, Md5::Garbage]),
                written_from,
            }
        }
        10 => FuzzRequest::GetCors,
        _ => FuzzRequest::DeleteCors,
    }
}

/// A PUT ?cors body: a written configuration, a broken one, or one near
/// the 64 KB limit. Near-limit bodies are one in 512: each costs about as
/// much as fifty ordinary inputs (written, hashed, and parsed by both
/// targets), and four sizes need no more than the thousands of times a
/// minute this still explores them in process.
///
/// The configuration comes with the body when the body is its written
/// form.
fn cors_body(u: &mut Draws<'_>, spare: &mut Vec<CorsRule>) -> (Bytes, Option<CorsConfiguration>) {
    let n = u.within(1, 3);
    let mut c = CorsConfiguration::default();
    c.rules.reserve_exact(n);
    for _ in 0..n {
        rule(u, &mut c.rules, spare);
    }
    let xml = crate::model::xml::write(&c, crate::model::Profile::Cos);
    let variant = u.below(512);
    if variant > 128 {
        return (Bytes::from(xml), Some(c));
    }
    spare.append(&mut c.rules);
    let body = match variant {
        0..=63 => {
            // Cut short, on a character boundary.
            let keep = u.below(xml.chars().count() + 1);
            let end = xml.char_indices().nth(keep).map_or(xml.len(), |(i, _)| i);
            Bytes::copy_from_slice(&xml.as_bytes()[..end])
        }
        64..=127 => Bytes::from(xml.replace("<CORSRule>", "<CORSRule><Bogus>1</Bogus>")),
        _ => {
            // Near the 64 KB limit.
            let target = u.pick(&[65_535usize, 65_536, 65_537, 70_000]);
            let pad = target.saturating_sub(xml.len() + 9);
            // Written once into a buffer of the final size.
            let at = xml.find("<CORSRule>").map_or(0, |i| i + "<CORSRule>".len());
            let mut big = Vec::with_capacity(xml.len() + pad + 9);
            big.extend_from_slice(&xml.as_bytes()[..at]);
            big.extend_from_slice(b"<ID>");
            big.resize(big.len() + pad, b'x');
            big.extend_from_slice(b"</ID>");
            big.extend_from_slice(&xml.as_bytes()[at..]);
            Bytes::from(big)
        }
    };
    (body, None)
}

/// How many bytes an input is generated from: enough for a hundred rules;
/// past the end `Unstructured` gives the smallest values, which is still a
/// valid input.
pub const SEED_BYTES: usize = 2048;

/// The words of a campaign iteration's bytes (splitmix64).
struct SeedWords {
    x: u64,
}

impl SeedWords {
    fn new(seed: u64, i: u64) -> Self {
        SeedWords {
            x: seed ^ i.wrapping_mul(0x9E37_79B9_7F4A_7C15),
        }
    }

    fn next_word(&mut self) -> [u8; 8] {
        self.x = self.x.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.x;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)).to_le_bytes()
    }
}

/// The first `N` bytes iteration `i` of a campaign with `seed` generates
/// from (a prefix of the longer sequence for any larger `N`); a campaign
/// draws them one by one (see `Source::Stream`), and gets the same input.
pub fn seed_bytes<const N: usize>(seed: u64, i: u64) -> [u8; N] {
    let mut bytes = [0u8; N];
    let mut words = SeedWords::new(seed, i);
    for chunk in bytes.chunks_mut(8) {
        let n = chunk.len();
        chunk.copy_from_slice(&words.next_word()[..n]);
    }
    bytes
}

/// Generates inputs, reusing the memory of the ones given back with
/// [`Generator::recycle`]: a campaign makes hundreds of thousands of
/// inputs a second, and a configuration's rules and their lists are most
/// of what each one would otherwise allocate. The input for given bytes is
/// the same whatever was recycled.
#[derive(Debug, Default)]
pub struct Generator {
    rules: Vec<CorsRule>,
    configs: Vec<CorsConfiguration>,
    requests: Vec<Vec<FuzzRequest>>,
}

/// Spare memory kept at most: a hundred-rule configuration's worth.
const SPARE_RULES: usize = 128;

impl Generator {
    /// Generate an input from bytes; the bytes it used are consumed.
    pub fn generate(&mut self, u: &mut Unstructured<'_>) -> Result<FuzzInput> {
        let data = u.peek_bytes(u.len()).unwrap_or_default();
        let mut d = Draws::new(data);
        let input = self.generate_from(&mut d);
        u.bytes(d.at.min(data.len()))?;
        Ok(input)
    }

    fn generate_from(&mut self, u: &mut Draws<'_>) -> FuzzInput {
        let config = if u.chance(1, 8) {
            None
        } else {
            // 1 to 100 rules, mostly few.
            let n = match u.below(20) {
                0 => u.within(10, 100),
                1..=4 => u.within(3, 9),
                _ => u.within(1, 2),
            };
            let mut c = self.configs.pop().unwrap_or_default();
            c.rules.reserve(n);
            for _ in 0..n {
                rule(u, &mut c.rules, &mut self.rules);
            }
            c.response_vary = u.chance(1, 6).then(|| u.chance(1, 2));
            Some(c)
        };
        let rules = config.as_ref().map_or(&[][..], |c| &c.rules[..]);
        let n = u.within(1, 4);
        let mut requests = self.requests.pop().unwrap_or_default();
        for _ in 0..n {
            requests.push(request(u, rules, &mut self.rules));
        }
        FuzzInput { config, requests }
    }

    /// The input for iteration `i` of a campaign with `seed`: deterministic,
    /// and the one [`Generator::generate`] makes of [`seed_bytes`].
    pub fn input(&mut self, seed: u64, i: u64) -> FuzzInput {
        self.generate_from(&mut Draws::stream(seed, i))
    }

    /// [`Generator::input`], and how many of [`seed_bytes`] it drew (at most
    /// [`SEED_BYTES`]): those bytes alone give the same input (a corpus
    /// keeps them).
    pub fn input_with_len(&mut self, seed: u64, i: u64) -> (FuzzInput, usize) {
        let mut d = Draws::stream(seed, i);
        let input = self.generate_from(&mut d);
        (input, d.at.min(SEED_BYTES))
    }

    /// The input of `data` (a corpus entry, a cargo-fuzz input); `used`
    /// gets the bytes it drew.
    pub fn from_bytes(&mut self, data: &[u8], used: &mut Vec<u8>) -> FuzzInput {
        let mut d = Draws::new(data);
        let input = self.generate_from(&mut d);
        used.clear();
        used.extend_from_slice(&data[..d.at.min(data.len())]);
        input
    }

    /// Take a configuration's rules as spares, as many as are kept.
    fn keep_rules(&mut self, c: &mut CorsConfiguration) {
        let room = SPARE_RULES.saturating_sub(self.rules.len());
        self.rules.extend(c.rules.drain(..).take(room));
    }

    /// Give an input back: its memory serves the next ones.
    pub fn recycle(&mut self, input: FuzzInput) {
        if let Some(mut c) = input.config {
            self.keep_rules(&mut c);
            if self.configs.len() < 4 {
                self.configs.push(c);
            }
        }
        let mut requests = input.requests;
        for r in requests.drain(..) {
            if let FuzzRequest::PutCors {
                written_from: Some(mut c),
                ..
            } = r
            {
                self.keep_rules(&mut c);
            }
        }
        if self.requests.len() < 4 {
            self.requests.push(requests);
        }
    }
}

impl FuzzInput {
    /// Generate an input from bytes.
    pub fn generate(u: &mut Unstructured<'_>) -> Result<FuzzInput> {
        Generator::default().generate(u)
    }

    /// The input for iteration `i` of a campaign with `seed`: deterministic.
    pub fn for_iteration(seed: u64, i: u64) -> FuzzInput {
        Generator::default().input(seed, i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_varied() {
        assert_eq!(
            FuzzInput::for_iteration(7, 3),
            FuzzInput::for_iteration(7, 3)
        );
        let distinct: std::collections::HashSet<String> = (0..200)
            .map(|i| format!("{:?}", FuzzInput::for_iteration(7, i)))
            .collect();
        assert!(distinct.len() > 190);
        let with_rules = (0..200)
            .filter(|i| FuzzInput::for_iteration(1, *i).config.is_some())
            .count();
        assert!(with_rules > 100);
    }

    #[test]
    fn the_stream_gives_the_input_of_the_seed_bytes() {
        let long: [u8; SEED_BYTES] = seed_bytes(3, 9);
        let short: [u8; 13] = seed_bytes(3, 9);
        assert_eq!(long[..13], short[..]);
        let mut large = 0;
        for i in 0..2000 {
            let long = seed_bytes::<SEED_BYTES>(5, i);
            let all = FuzzInput::generate(&mut Unstructured::new(&long)).ok();
            let streamed = FuzzInput::for_iteration(5, i);
            assert_eq!(all.as_ref(), Some(&streamed), "iteration {i}");
            large += usize::from(
                streamed
                    .config
                    .as_ref()
                    .is_some_and(|c| c.rules.len() >= 10),
            );
        }
        // Large inputs (which take many bytes) were generated too.
        assert!(large > 20, "{large}");
    }

    #[test]
    fn past_the_end_every_draw_is_zero() {
        let mut d = Draws::stream(1, 2);
        let bytes: Vec<u8> = (0..SEED_BYTES).map(|_| d.byte()).collect();
        assert_eq!(bytes, seed_bytes::<SEED_BYTES>(1, 2));
        assert_eq!((d.byte(), d.below(200), d.below(70_000)), (0, 0, 0));
        let mut d = Draws::new(&[255]);
        assert_eq!((d.below(10), d.below(10)), (9, 0));
    }

    #[test]
    fn recycled_memory_does_not_change_the_inputs() {
        let mut g = Generator::default();
        for i in 0..3000 {
            let input = g.input(9, i);
            assert_eq!(input, FuzzInput::for_iteration(9, i), "iteration {i}");
            g.recycle(input);
        }
        assert!(g.rules.len() <= SPARE_RULES);
    }

    #[test]
    fn near_limit_bodies_have_the_chosen_sizes() {
        let sizes: std::collections::BTreeSet<usize> = (0..80_000)
            .flat_map(|i| FuzzInput::for_iteration(11, i).requests)
            .filter_map(|r| match r {
                FuzzRequest::PutCors { body, .. } if body.len() > 60_000 => Some(body.len()),
                _ => None,
            })
            .collect();
        assert!(
            sizes.contains(&65_536) && sizes.contains(&70_000),
            "{sizes:?}"
        );
    }
}
