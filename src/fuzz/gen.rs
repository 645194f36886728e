//! The generator: a CORS configuration and a sequence of requests, from
//! bytes, through `arbitrary::Unstructured`.
//!
//! Values come from small dictionaries, biased toward where implementations
//! disagree (a `*` at the start, middle or end of an origin; scheme, port
//! and case variants; `null`; methods in other cases; header lists with
//! spaces, duplicates, empty items; `x-cos-meta-*`; MaxAgeSeconds edges),
//! mixed with raw bytes so that both structure and garbage are explored.
//! The same bytes always give the same input.

use arbitrary::{Result, Unstructured};

use crate::model::{CorsConfiguration, CorsRule};

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
        path: String,
        origin: Vec<String>,
        method: Vec<String>,
        headers: Vec<String>,
    },
    /// An actual request with an Origin (or several, or none).
    Actual {
        method: String,
        path: String,
        origin: Vec<String>,
    },
    /// PUT ?cors with a raw body (valid or not) and perhaps a Content-MD5.
    PutCors {
        body: String,
        md5: Md5,
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

/// A short string that is sometimes garbage.
fn garbage(u: &mut Unstructured<'_>) -> Result<String> {
    let len = u.int_in_range(0..=12)?;
    let mut s = String::with_capacity(len);
    for _ in 0..len {
        let b: u8 = u.arbitrary()?;
        // Visible ASCII, mostly: header values must stay sendable.
        s.push(char::from(b' ' + (b % 95)));
    }
    Ok(s)
}

fn pick<'a>(u: &mut Unstructured<'_>, list: &[&'a str]) -> Result<&'a str> {
    Ok(*u.choose(list)?)
}

fn origin(u: &mut Unstructured<'_>) -> Result<String> {
    Ok(match u.int_in_range(0..=9)? {
        0 => "null".into(),
        1 => garbage(u)?,
        _ => format!(
            "{}{}{}",
            pick(u, SCHEMES)?,
            pick(u, HOSTS)?,
            pick(u, &PORTS[..PORTS.len() - 2])?
        ),
    })
}

fn origin_pattern(u: &mut Unstructured<'_>) -> Result<String> {
    Ok(match u.int_in_range(0..=5)? {
        0..=2 => pick(u, ORIGIN_PATTERNS)?.to_string(),
        3 => garbage(u)?,
        _ => format!(
            "{}{}{}",
            pick(u, SCHEMES)?,
            pick(u, HOSTS)?,
            pick(u, PORTS)?
        ),
    })
}

fn header_list(u: &mut Unstructured<'_>) -> Result<String> {
    let n = u.int_in_range(0..=4)?;
    let mut items = Vec::with_capacity(n);
    for _ in 0..n {
        let name = pick(u, &HEADER_NAMES[1..])?;
        items.push(name.to_string());
    }
    let sep = *u.choose(&[",", ", ", " , ", ",,"])?;
    Ok(items.join(sep))
}

fn list<T>(
    u: &mut Unstructured<'_>,
    max: usize,
    mut f: impl FnMut(&mut Unstructured<'_>) -> Result<T>,
) -> Result<Vec<T>> {
    let n = u.int_in_range(0..=max)?;
    (0..n).map(|_| f(u)).collect()
}

fn rule(u: &mut Unstructured<'_>) -> Result<CorsRule> {
    let mut r = CorsRule {
        id: if u.ratio(1, 4)? {
            Some(garbage(u)?)
        } else {
            None
        },
        allowed_origins: list(u, 3, origin_pattern)?,
        allowed_methods: list(u, 4, |u| Ok(pick(u, &METHODS[..5])?.to_string()))?,
        allowed_headers: list(u, 3, |u| Ok(pick(u, HEADER_NAMES)?.to_string()))?,
        expose_headers: list(u, 2, |u| Ok(pick(u, EXPOSE)?.to_string()))?,
        max_age_seconds: if u.ratio(1, 2)? {
            Some(*u.choose(MAX_AGES)?)
        } else {
            None
        },
    };
    // Mostly valid rules, so that evaluation (not validation) is exercised.
    if r.allowed_origins.is_empty() && u.ratio(3, 4)? {
        r.allowed_origins.push(origin_pattern(u)?);
    }
    if r.allowed_methods.is_empty() && u.ratio(3, 4)? {
        r.allowed_methods.push(pick(u, &METHODS[..5])?.to_string());
    }
    Ok(r)
}

fn one_or_more(
    u: &mut Unstructured<'_>,
    mut f: impl FnMut(&mut Unstructured<'_>) -> Result<String>,
) -> Result<Vec<String>> {
    Ok(match u.int_in_range(0..=9)? {
        0 => Vec::new(),
        1 => vec![f(u)?, f(u)?],
        _ => vec![f(u)?],
    })
}

fn request(u: &mut Unstructured<'_>, config: Option<&CorsConfiguration>) -> Result<FuzzRequest> {
    // Origins and methods that the configuration names are likelier to match.
    let near_origin = |u: &mut Unstructured<'_>| -> Result<String> {
        let named: Vec<&String> = config
            .iter()
            .flat_map(|c| c.rules.iter().flat_map(|r| r.allowed_origins.iter()))
            .filter(|o| !o.contains('*'))
            .collect();
        if !named.is_empty() && u.ratio(1, 2)? {
            Ok((*u.choose(&named)?).clone())
        } else {
            origin(u)
        }
    };
    Ok(match u.int_in_range(0..=11)? {
        0..=6 => FuzzRequest::Preflight {
            path: pick(u, PATHS)?.to_string(),
            origin: one_or_more(u, near_origin)?,
            method: one_or_more(u, |u| Ok(pick(u, METHODS)?.to_string()))?,
            headers: match u.int_in_range(0..=3)? {
                0 => Vec::new(),
                _ => vec![header_list(u)?],
            },
        },
        7..=8 => FuzzRequest::Actual {
            method: pick(u, &["GET", "PUT", "HEAD"])?.to_string(),
            path: pick(u, &PATHS[1..])?.to_string(),
            origin: one_or_more(u, near_origin)?,
        },
        9 => FuzzRequest::PutCors {
            body: cors_body(u)?,
            md5: *u.choose(&[Md5::None, Md5::Correct, Md5::Wrong, Md5::Garbage])?,
        },
        10 => FuzzRequest::GetCors,
        _ => FuzzRequest::DeleteCors,
    })
}

/// A PUT ?cors body: a written configuration, a broken one, or a large one.
fn cors_body(u: &mut Unstructured<'_>) -> Result<String> {
    let n = u.int_in_range(1..=3)?;
    let mut c = CorsConfiguration::default();
    for _ in 0..n {
        c.rules.push(rule(u)?);
    }
    let xml = crate::model::xml::write(&c, crate::model::Profile::Cos);
    Ok(match u.int_in_range(0..=31)? {
        0..=3 => {
            // Cut short, on a character boundary.
            let keep = u.int_in_range(0..=xml.chars().count())?;
            xml.chars().take(keep).collect()
        }
        4..=7 => xml.replace("<CORSRule>", "<CORSRule><Bogus>1</Bogus>"),
        8 => {
            // Near the 64 KB limit.
            let target = *u.choose(&[65_535usize, 65_536, 65_537, 70_000])?;
            let pad = target.saturating_sub(xml.len() + 9);
            xml.replacen(
                "<CORSRule>",
                &format!("<CORSRule><ID>{}</ID>", "x".repeat(pad)),
                1,
            )
        }
        _ => xml,
    })
}

/// The bytes iteration `i` of a campaign with `seed` generates from:
/// enough for a hundred rules; past the end `Unstructured` gives the
/// smallest values, which is still a valid input.
pub fn seed_bytes(seed: u64, i: u64) -> [u8; 2048] {
    let mut bytes = [0u8; 2048];
    let mut x = seed ^ i.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    for chunk in bytes.chunks_mut(8) {
        x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = x;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        chunk.copy_from_slice(&z.to_le_bytes()[..chunk.len()]);
    }
    bytes
}

impl FuzzInput {
    /// Generate an input from bytes.
    pub fn generate(u: &mut Unstructured<'_>) -> Result<FuzzInput> {
        let config = if u.ratio(1, 8)? {
            None
        } else {
            // 1 to 100 rules, mostly few.
            let n = match u.int_in_range(0..=19)? {
                0 => u.int_in_range(10..=100)?,
                1..=4 => u.int_in_range(3..=9)?,
                _ => u.int_in_range(1..=2)?,
            };
            let mut c = CorsConfiguration::default();
            for _ in 0..n {
                c.rules.push(rule(u)?);
            }
            if u.ratio(1, 6)? {
                c.response_vary = Some(u.arbitrary()?);
            }
            Some(c)
        };
        let n = u.int_in_range(1..=4)?;
        let mut requests = Vec::with_capacity(n);
        for _ in 0..n {
            requests.push(request(u, config.as_ref())?);
        }
        Ok(FuzzInput { config, requests })
    }

    /// The input for iteration `i` of a campaign with `seed`: deterministic.
    pub fn for_iteration(seed: u64, i: u64) -> FuzzInput {
        let bytes = seed_bytes(seed, i);
        let mut u = Unstructured::new(&bytes);
        FuzzInput::generate(&mut u).unwrap_or(FuzzInput {
            config: None,
            requests: vec![FuzzRequest::GetCors],
        })
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
}
