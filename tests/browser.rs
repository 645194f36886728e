//! Browser truth: a real Chromium, given the emulator's answers, allows and
//! blocks exactly what the harness predicts from those answers
//! (`coscors::model::browser`, the Fetch standard's CORS algorithm), sends a
//! preflight exactly when predicted, and lets JavaScript read exactly the
//! response headers predicted. Run on the suite's browser-relevant cases
//! and on 200 inputs of the fuzzer's generator (seed 42).

mod common;

use std::collections::BTreeSet;
use std::process::Command;

use common::{repo, scratch, serve};
use coscors::case::{self, CorsSetup};
use coscors::fuzz::gen::{FuzzInput, FuzzRequest};
use coscors::model::browser::{self, Credentials};
use coscors::model::{xml, CorsConfiguration, Profile};
use serde_json::{json, Value};

const PLACEHOLDER: &str = "{{ORIGIN}}";

/// A configuration with `origin` (the one the request used) replaced by the
/// page's origin wherever a rule names it exactly.
fn mapped(config: &CorsConfiguration, origin: &str) -> String {
    let mut c = config.clone();
    for r in &mut c.rules {
        for o in &mut r.allowed_origins {
            if o == origin {
                *o = PLACEHOLDER.into();
            }
        }
    }
    xml::write(&c, Profile::Cos)
}

fn header_value(name: &str) -> &'static str {
    if name.eq_ignore_ascii_case("content-type") {
        "application/x-coscors"
    } else {
        "x"
    }
}

fn usable_headers(list: &str) -> Vec<(String, String)> {
    list.split(',')
        .map(str::trim)
        .filter(|n| {
            !n.is_empty()
                && n.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
        })
        .filter(|n| !browser::is_forbidden_header(n))
        .map(|n| (n.to_string(), header_value(n).to_string()))
        .collect()
}

fn usable_method(m: &str) -> bool {
    !m.is_empty()
        && m.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
        && !browser::is_forbidden_method(m)
}

/// (label, configuration with the origin placeholder or null, method, headers).
type Item = (String, Value, String, Vec<(String, String)>);

fn items() -> Vec<Item> {
    let mut out = Vec::new();
    let files = case::discover(&[repo().join("cases")]).expect("cases");
    for f in files {
        for c in case::load_file(&f).expect("case").cases {
            let config = match &c.case.bucket.cors {
                CorsSetup::Config(cfg) => cfg.clone(),
                CorsSetup::None => continue,
            };
            for s in &c.case.steps {
                let r = &s.request;
                let origin = r
                    .headers
                    .pairs()
                    .find(|(n, _)| n.eq_ignore_ascii_case("origin"))
                    .map(|(_, v)| v.to_string());
                let Some(origin) = origin else { continue };
                let (method, headers) = if r.method.0 == "OPTIONS" {
                    let m = r
                        .headers
                        .pairs()
                        .find(|(n, _)| n.eq_ignore_ascii_case("access-control-request-method"))
                        .map(|(_, v)| v.to_string());
                    let Some(m) = m else { continue };
                    let h = r
                        .headers
                        .pairs()
                        .find(|(n, _)| n.eq_ignore_ascii_case("access-control-request-headers"))
                        .map(|(_, v)| v.to_string())
                        .unwrap_or_default();
                    (m, usable_headers(&h))
                } else {
                    (r.method.0.clone(), Vec::new())
                };
                if !usable_method(&method) {
                    continue;
                }
                out.push((
                    c.id.clone(),
                    json!(mapped(&config, &origin)),
                    method,
                    headers,
                ));
            }
        }
    }
    let suite = out.len();
    let mut i = 0u64;
    while out.len() < suite + 200 {
        let input = FuzzInput::for_iteration(42, i);
        i += 1;
        let Some(req) = input.requests.iter().find_map(|r| match r {
            FuzzRequest::Preflight {
                origin,
                method,
                headers,
                ..
            } if !origin.is_empty() && !method.is_empty() => Some((origin, method, headers)),
            _ => None,
        }) else {
            continue;
        };
        let (origin, method, headers) = req;
        if !usable_method(method[0]) {
            continue;
        }
        let config = match &input.config {
            Some(c) => json!(mapped(c, &origin[0])),
            None => Value::Null,
        };
        let h = headers
            .first()
            .map(|h| usable_headers(h))
            .unwrap_or_default();
        out.push((format!("generated/{i}"), config, method[0].to_string(), h));
    }
    out
}

fn pairs(v: &Value) -> Vec<(String, String)> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|p| Some((p[0].as_str()?.to_string(), p[1].as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn chromium_agrees_with_every_verdict() {
    if !common::require_browser(&["playwright-core"]) {
        return;
    }
    let served = serve("cos");
    let items = items();
    let list: Vec<Value> = items
        .iter()
        .enumerate()
        .map(|(n, (_, config, method, headers))| {
            json!({
                "n": n,
                "config": config,
                "method": method,
                "headers": headers,
                "credentials": if n % 2 == 0 { "include" } else { "omit" },
            })
        })
        .collect();
    let dir = scratch("browser");
    let items_path = dir.join("items.json");
    std::fs::write(&items_path, serde_json::to_string(&list).expect("json")).expect("write");
    let out = Command::new("node")
        .arg(repo().join("tests/browser/check.js"))
        .env("EMULATOR_PORT", served.addr.port().to_string())
        .env("ITEMS_JSON", &items_path)
        .output()
        .expect("node");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let results: Vec<Value> = serde_json::from_slice(&out.stdout).expect("results");
    assert_eq!(results.len(), items.len());
    let mut disagreements = Vec::new();
    let (mut allowed, mut preflighted) = (0, 0);
    for (r, (label, _, method, headers)) in results.iter().zip(&items) {
        let n = r["n"].as_u64().unwrap_or(0) as usize;
        let credentials = if n.is_multiple_of(2) {
            Credentials::Include
        } else {
            Credentials::Omit
        };
        let origin = r["origin"].as_str().unwrap_or_default();
        let method = browser::normalize_method(method);
        let exchanges = r["exchanges"].as_array().cloned().unwrap_or_default();
        let preflight = exchanges.iter().find(|e| e["method"] == "OPTIONS");
        let actual = exchanges.iter().find(|e| e["method"] != "OPTIONS");
        // The harness's prediction, from the emulator's answers.
        let predicted_preflight = browser::needs_preflight(&method, headers);
        let predicted_allowed = match (predicted_preflight, preflight, actual) {
            (true, Some(p), a) => {
                let ok = browser::preflight_allows(
                    origin,
                    credentials,
                    &method,
                    headers,
                    p["status"].as_u64().unwrap_or(0) as u16,
                    &pairs(&p["answer"]),
                );
                ok && a
                    .is_some_and(|a| browser::cors_check(origin, credentials, &pairs(&a["answer"])))
            }
            (false, _, Some(a)) => browser::cors_check(origin, credentials, &pairs(&a["answer"])),
            _ => false,
        };
        let outcome = &r["outcome"];
        let browser_allowed = outcome["allowed"].as_bool().unwrap_or(false);
        let mut problems = Vec::new();
        if predicted_preflight != preflight.is_some() {
            problems.push(format!(
                "preflight predicted {predicted_preflight}, browser sent one: {}",
                preflight.is_some()
            ));
        }
        if predicted_allowed != browser_allowed {
            problems.push(format!(
                "allowed predicted {predicted_allowed}, browser {browser_allowed} ({})",
                outcome["error"]
            ));
        }
        if predicted_allowed && browser_allowed {
            let predicted: BTreeSet<String> = actual
                .map(|a| browser::readable_headers(credentials, &pairs(&a["answer"])))
                .unwrap_or_default();
            // Connection-level headers (`Connection`, `Keep-Alive`) belong to
            // the browser's own connection, which the harness's recording of
            // the answer does not share: a page reads them only through
            // `Access-Control-Expose-Headers: *`, and they say nothing of CORS.
            let hop_by_hop = |h: &String| h != "connection" && h != "keep-alive";
            let predicted: BTreeSet<String> = predicted.into_iter().filter(hop_by_hop).collect();
            let seen: BTreeSet<String> = outcome["readable"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_ascii_lowercase))
                        .filter(hop_by_hop)
                        .collect()
                })
                .unwrap_or_default();
            if predicted != seen {
                problems.push(format!(
                    "readable headers predicted {predicted:?}, browser {seen:?}"
                ));
            }
            allowed += 1;
        }
        if preflight.is_some() {
            preflighted += 1;
        }
        if !problems.is_empty() {
            disagreements.push(format!("{label} ({method} {headers:?}, credentials {credentials:?}): {}\n    browser: {}\n    exchanges: {}", problems.join("; "), outcome, serde_json::to_string(&exchanges.iter().map(|e| json!({"method": e["method"], "status": e["status"]})).collect::<Vec<_>>()).unwrap_or_default()));
        }
    }
    eprintln!(
        "browser check: {} requests compared ({} from the suite, 200 generated), {allowed} allowed, {preflighted} preflighted, {} disagreement(s)",
        items.len(),
        items.len() - 200,
        disagreements.len()
    );
    assert!(
        disagreements.is_empty(),
        "the harness and Chromium disagree:\n{}",
        disagreements.join("\n")
    );
}

/// The seed's browser SDK in a real page: `putBucketCors` with
/// `ExposeHeader: ETag`, then `putObject`, and JavaScript reads the ETag;
/// without the expose header the browser hides it.
#[test]
fn cos_js_sdk_reads_the_etag_only_when_exposed() {
    if !common::require_browser(&["playwright-core", "cos-js-sdk-v5"]) {
        return;
    }
    let served = serve("cos");
    let port = served.addr.port().to_string();
    let (v, text) = common::node_json("tests/browser/sdk.js", &[], &[("EMULATOR_PORT", &port)]);
    assert_eq!(v["exposed"]["putObject"], "ok", "{text}");
    assert!(
        v["exposed"]["etag"].as_str().is_some_and(|e| e.len() >= 32),
        "ETag read with ExposeHeader: {text}"
    );
    assert_eq!(v["hidden"]["putObject"], "ok", "{text}");
    assert_eq!(
        v["hidden"]["etag"], "",
        "the ETag must stay hidden without ExposeHeader: {text}"
    );
    eprintln!(
        "cos-js-sdk-v5 in Chromium: ETag {} with ExposeHeader ETag; {:?} without",
        v["exposed"]["etag"], v["hidden"]["etag"]
    );
}
