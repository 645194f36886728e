//! Shrinking: make an input smaller while the same signature still shows.

use super::gen::{FuzzInput, FuzzRequest};

/// Smaller variants of an input, most aggressive first.
pub fn candidates(input: &FuzzInput) -> Vec<FuzzInput> {
    let mut out = Vec::new();
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
                    let items: Vec<&str> = h
                        .split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .collect();
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

/// A size, to prefer smaller inputs: requests, rules, list items.
pub fn size(input: &FuzzInput) -> usize {
    let cfg = input.config.as_ref().map_or(0, |c| {
        c.rules.len() * 10
            + c.rules
                .iter()
                .map(|r| {
                    r.allowed_origins.len()
                        + r.allowed_methods.len()
                        + r.allowed_headers.len()
                        + r.expose_headers.len()
                        + usize::from(r.id.is_some())
                        + usize::from(r.max_age_seconds.is_some())
                })
                .sum::<usize>()
            + 1
    });
    input.requests.len() * 100 + cfg
}
