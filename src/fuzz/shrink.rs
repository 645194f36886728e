//! Shrinking: make an input smaller while the same signature still shows.

use std::borrow::Cow;

use super::gen::{FuzzInput, FuzzRequest};
use crate::model::Text;

/// Simpler forms of a string, toward short ASCII: without its non-ASCII
/// characters, and its first half.
fn simpler(s: &str) -> Vec<Text> {
    let mut out: Vec<Text> = Vec::new();
    if !s.is_ascii() {
        out.push(Cow::Owned(s.chars().filter(char::is_ascii).collect()));
    }
    let n = s.chars().count();
    if n > 1 {
        out.push(Cow::Owned(s.chars().take(n / 2).collect()));
    }
    out
}

/// Every simpler form of every free-text value of an input (origins,
/// header names, rule ids), each as a candidate of its own.
fn simpler_strings(input: &FuzzInput, out: &mut Vec<FuzzInput>) {
    if let Some(cfg) = &input.config {
        for (ri, rule) in cfg.rules.iter().enumerate() {
            let lists = [
                &rule.allowed_origins,
                &rule.allowed_headers,
                &rule.expose_headers,
            ];
            for (which, list) in lists.into_iter().enumerate() {
                for (j, v) in list.iter().enumerate() {
                    for simple in simpler(v) {
                        let mut c = input.clone();
                        if let Some(r) = c.config.as_mut().and_then(|cc| cc.rules.get_mut(ri)) {
                            let l = match which {
                                0 => &mut r.allowed_origins,
                                1 => &mut r.allowed_headers,
                                _ => &mut r.expose_headers,
                            };
                            l[j] = simple;
                        }
                        out.push(c);
                    }
                }
            }
            if let Some(id) = &rule.id {
                for simple in simpler(id) {
                    let mut c = input.clone();
                    if let Some(r) = c.config.as_mut().and_then(|cc| cc.rules.get_mut(ri)) {
                        r.id = Some(simple);
                    }
                    out.push(c);
                }
            }
        }
    }
    for (i, r) in input.requests.iter().enumerate() {
        let (origins, headers): (&[Text], &[Text]) = match r {
            FuzzRequest::Preflight {
                origin, headers, ..
            } => (origin, headers),
            FuzzRequest::Actual { origin, .. } => (origin, &[]),
            _ => continue,
        };
        for (which, list) in [origins, headers].into_iter().enumerate() {
            for (j, v) in list.iter().enumerate() {
                for simple in simpler(v) {
                    let mut c = input.clone();
                    match (&mut c.requests[i], which) {
                        (
                            FuzzRequest::Preflight { origin, .. }
                            | FuzzRequest::Actual { origin, .. },
                            0,
                        ) => origin[j] = simple,
                        (FuzzRequest::Preflight { headers, .. }, _) => headers[j] = simple,
                        _ => continue,
                    }
                    out.push(c);
                }
            }
        }
    }
}

/// How far a string is from short ASCII: its length, non-ASCII characters
/// counting four times.
fn string_cost(s: &str) -> usize {
    s.chars().map(|c| if c.is_ascii() { 1 } else { 4 }).sum()
}

/// Smaller variants of an input, most aggressive first; strings are made
/// simpler last.
pub fn candidates(input: &FuzzInput) -> Vec<FuzzInput> {
    let mut out = Vec::new();
    simpler_strings(input, &mut out);
    // Fewer requests.
    if input.requests.len() > 1 {
        for i in 0..input.requests.len() {
            let mut c = input.clone();
            c.requests = vec![input.requests[i].clone()];
            out.push(c);
        }
        for i in 0..input.requests.len() {
            let mut c = input.clone();
            c.requests.remove(i);
            out.push(c);
        }
    }
    if let Some(cfg) = &input.config {
        // No configuration at all.
        out.push(FuzzInput {
            config: None,
            requests: input.requests.clone(),
        });
        // Fewer rules: each one alone, then each one dropped.
        if cfg.rules.len() > 1 {
            for i in 0..cfg.rules.len() {
                let mut c = input.clone();
                if let Some(cc) = c.config.as_mut() {
                    cc.rules = vec![cfg.rules[i].clone()];
                }
                out.push(c);
            }
            for i in 0..cfg.rules.len() {
                let mut c = input.clone();
                if let Some(cc) = c.config.as_mut() {
                    cc.rules.remove(i);
                }
                out.push(c);
            }
        }
        if cfg.response_vary.is_some() {
            let mut c = input.clone();
            if let Some(cc) = c.config.as_mut() {
                cc.response_vary = None;
            }
            out.push(c);
        }
        // Fewer items inside each rule.
        for (ri, rule) in cfg.rules.iter().enumerate() {
            let lists: [(usize, &Vec<crate::model::Text>); 4] = [
                (0, &rule.allowed_origins),
                (1, &rule.allowed_methods),
                (2, &rule.allowed_headers),
                (3, &rule.expose_headers),
            ];
            for (which, list) in lists {
                for i in 0..list.len() {
                    let mut c = input.clone();
                    if let Some(r) = c.config.as_mut().and_then(|cc| cc.rules.get_mut(ri)) {
                        let l = match which {
                            0 => &mut r.allowed_origins,
                            1 => &mut r.allowed_methods,
                            2 => &mut r.allowed_headers,
                            _ => &mut r.expose_headers,
                        };
                        l.remove(i);
                    }
                    out.push(c);
                }
            }
            if rule.id.is_some() || rule.max_age_seconds.is_some() {
                let mut c = input.clone();
                if let Some(r) = c.config.as_mut().and_then(|cc| cc.rules.get_mut(ri)) {
                    r.id = None;
                    r.max_age_seconds = None;
                }
                out.push(c);
            }
        }
    }
    // Simpler requests: one value per header, fewer requested headers,
    // a short path.
    for (i, r) in input.requests.iter().enumerate() {
        if let FuzzRequest::Preflight {
            path,
            origin,
            method,
            headers,
        } = r
        {
            let mut variants = Vec::new();
            if origin.len() > 1 {
                variants.push(FuzzRequest::Preflight {
                    path,
                    origin: origin[..1].to_vec(),
                    method: method.clone(),
                    headers: headers.clone(),
                });
            }
            if method.len() > 1 {
                variants.push(FuzzRequest::Preflight {
                    path,
                    origin: origin.clone(),
                    method: method[..1].to_vec(),
                    headers: headers.clone(),
                });
            }
            if !headers.is_empty() {
                variants.push(FuzzRequest::Preflight {
                    path,
                    origin: origin.clone(),
                    method: method.clone(),
                    headers: Vec::new(),
                });
                if let Some(h) = headers.first() {
                    let items: Vec<&str> = crate::model::headers::split_list(h).collect();
                    for j in 0..items.len() {
                        let mut fewer = items.clone();
                        fewer.remove(j);
                        variants.push(FuzzRequest::Preflight {
                            path,
                            origin: origin.clone(),
                            method: method.clone(),
                            headers: vec![fewer.join(",").into()],
                        });
                    }
                    if items.join(",") != *h {
                        variants.push(FuzzRequest::Preflight {
                            path,
                            origin: origin.clone(),
                            method: method.clone(),
                            headers: vec![items.join(",").into()],
                        });
                    }
                }
            }
            if *path != "/exampleobject" {
                variants.push(FuzzRequest::Preflight {
                    path: "/exampleobject",
                    origin: origin.clone(),
                    method: method.clone(),
                    headers: headers.clone(),
                });
            }
            for v in variants {
                let mut c = input.clone();
                c.requests[i] = v;
                out.push(c);
            }
        }
        if let FuzzRequest::Actual {
            method,
            path,
            origin,
        } = r
        {
            if origin.len() > 1 {
                let mut c = input.clone();
                c.requests[i] = FuzzRequest::Actual {
                    method,
                    path,
                    origin: origin[..1].to_vec(),
                };
                out.push(c);
            }
        }
    }
    out
}

/// A size, to prefer smaller inputs: requests first, then rules, then list
/// items, then how far the strings are from short ASCII.
pub fn size(input: &FuzzInput) -> (usize, usize, usize, usize) {
    let mut items = 0;
    let mut strings = 0;
    let rules = input.config.as_ref().map_or(0, |c| {
        for r in &c.rules {
            items += r.allowed_origins.len()
                + r.allowed_methods.len()
                + r.allowed_headers.len()
                + r.expose_headers.len()
                + usize::from(r.id.is_some())
                + usize::from(r.max_age_seconds.is_some());
            strings += r
                .allowed_origins
                .iter()
                .chain(&r.allowed_headers)
                .chain(&r.expose_headers)
                .chain(&r.id)
                .map(|v| string_cost(v))
                .sum::<usize>();
        }
        c.rules.len() + 1
    });
    for r in &input.requests {
        let values: &[Text] = match r {
            FuzzRequest::Preflight { origin, .. } | FuzzRequest::Actual { origin, .. } => origin,
            _ => &[],
        };
        strings += values.iter().map(|v| string_cost(v)).sum::<usize>();
        if let FuzzRequest::Preflight { headers, .. } = r {
            strings += headers.iter().map(|v| string_cost(v)).sum::<usize>();
        }
    }
    (input.requests.len(), rules, items, strings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CorsConfiguration, CorsRule};

    #[test]
    fn strings_shrink_toward_short_ascii() {
        let input = FuzzInput {
            config: Some(CorsConfiguration {
                rules: vec![CorsRule {
                    allowed_origins: vec![Cow::Borrowed("https://例子.example:8080")],
                    allowed_methods: vec![Cow::Borrowed("GET")],
                    ..Default::default()
                }],
                response_vary: None,
            }),
            requests: vec![FuzzRequest::Actual {
                method: "GET",
                path: "/exampleobject",
                origin: vec![Cow::Borrowed("%Y(^y?5t4%")],
            }],
        };
        let cands = candidates(&input);
        let origin_of = |c: &FuzzInput| {
            c.config
                .as_ref()
                .map(|c| c.rules[0].allowed_origins[0].to_string())
        };
        assert!(cands
            .iter()
            .any(|c| origin_of(c).as_deref() == Some("https://.example:8080")));
        let request_origins: Vec<String> = cands
            .iter()
            .filter_map(|c| match &c.requests[0] {
                FuzzRequest::Actual { origin, .. } => Some(origin[0].to_string()),
                _ => None,
            })
            .collect();
        assert!(request_origins.iter().any(|o| o == "%Y(^y"));
        // Every simpler string makes the input smaller.
        for c in &cands {
            assert!(size(c) < size(&input), "{c:?}");
        }
    }
}
