//! Browser truth, in three engines (Chromium, Firefox, WebKit; see
//! tests/browser/launch.js): each real engine, given the emulator's answers,
//! allows and blocks exactly what the harness predicts from those answers
//! (`coscors::model::browser` with that engine's profile: the Fetch
//! standard's CORS algorithm plus the engine's deviations), sends a
//! preflight exactly when predicted, and lets JavaScript read exactly the
//! response headers predicted. Run on the suite's browser-relevant cases,
//! on 300 inputs of the fuzzer's generator (seed 42) and on engine probes
//! (values Fetch decides by value, and fixed answers with `*`).

mod common;

use std::collections::BTreeSet;
use std::process::Command;

use common::{repo, scratch, serve};
use coscors::case::{self, CorsSetup};
use coscors::fuzz::gen::{FuzzInput, FuzzRequest};
use coscors::model::browser::{self, Credentials, Engine};
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

/// The value a page sets for a header named by the suite or the generator.
/// `Range` and `Content-Type` take turns among values whose safelisting the
/// Fetch standard (and each engine) decides by value.
fn header_value(name: &str, i: usize) -> String {
    const CONTENT_TYPES: [&str; 4] = [
        "application/x-coscors",
        "text/plain;charset=utf-8",
        "application/octet-stream",
        "multipart/form-data; boundary=coscors",
    ];
    const RANGES: [&str; 4] = ["bytes=0-", "bytes=0-99", "bytes=-5", "x"];
    if name.eq_ignore_ascii_case("content-type") {
        CONTENT_TYPES[i % CONTENT_TYPES.len()].to_string()
    } else if name.eq_ignore_ascii_case("range") {
        RANGES[i % RANGES.len()].to_string()
    } else {
        "x".to_string()
    }
}

fn token(n: &str) -> bool {
    !n.is_empty()
        && n.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

fn usable_headers(list: &str, i: usize) -> Vec<(String, String)> {
    list.split(',')
        .map(str::trim)
        .filter(|n| token(n))
        .filter(|n| !browser::is_forbidden_header(n))
        .map(|n| (n.to_string(), header_value(n, i)))
        .collect()
}

fn usable_method(m: &str) -> bool {
    token(m) && !browser::is_forbidden_method(m)
}

/// One request a page makes.
struct Item {
    label: String,
    /// The bucket's configuration (XML with the origin placeholder) or
    /// null (no configuration); ignored when `answer` is set.
    config: Value,
    /// A fixed answer instead of the emulator's: `{"preflight": [[name,
    /// value], ...], "actual": [...]}`, for answers COS never gives (a `*`
    /// in `Access-Control-Allow-Headers`) whose handling differs by engine.
    answer: Value,
    method: String,
    headers: Vec<(String, String)>,
    credentials: Credentials,
}

const GENERATED: usize = 300;

fn item(
    label: String,
    config: Value,
    method: String,
    headers: Vec<(String, String)>,
    n: usize,
) -> Item {
    Item {
        label,
        config,
        answer: Value::Null,
        method,
        headers,
        credentials: if n.is_multiple_of(2) {
            Credentials::Include
        } else {
            Credentials::Omit
        },
    }
}

fn suite_items() -> Vec<Item> {
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
                    (m, usable_headers(&h, out.len()))
                } else {
                    (r.method.0.clone(), Vec::new())
                };
                if !usable_method(&method) {
                    continue;
                }
                let n = out.len();
                out.push(item(
                    c.id.clone(),
                    json!(mapped(&config, &origin)),
                    method,
                    headers,
                    n,
                ));
            }
        }
    }
    out
}

fn generated_items(count: usize, start: usize) -> Vec<Item> {
    let mut out = Vec::new();
    let mut i = 0u64;
    while out.len() < count {
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
        let n = start + out.len();
        let h = headers
            .first()
            .map(|h| usable_headers(h, n))
            .unwrap_or_default();
        out.push(item(
            format!("generated/{i}"),
            config,
            method[0].to_string(),
            h,
            n,
        ));
    }
    out
}

fn h(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
}

/// Requests and answers chosen where the Fetch standard decides by value
/// or where engines are known to differ: `Range` values (safelisted only as
/// one simple range), `Content-Type` values, and `*` in the
/// `Access-Control-Allow-*`/`Expose-Headers` answers, with and without
/// credentials, and `Authorization` under `*`.
/// (label, fixed answer, method, request headers).
type Probe = (&'static str, Value, &'static str, Vec<(String, String)>);

fn probe_items() -> Vec<Item> {
    let mut out = Vec::new();
    let all = r"<CORSConfiguration><CORSRule><AllowedOrigin>{{ORIGIN}}</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod><AllowedMethod>POST</AllowedMethod><AllowedMethod>HEAD</AllowedMethod><AllowedMethod>DELETE</AllowedMethod><AllowedHeader>*</AllowedHeader><ExposeHeader>ETag</ExposeHeader></CORSRule></CORSConfiguration>";
    // A rule without AllowedHeader: a request that is preflighted with a
    // header is refused, one that is not preflighted goes through.
    let no_headers = r"<CORSConfiguration><CORSRule><AllowedOrigin>{{ORIGIN}}</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedMethod>POST</AllowedMethod><AllowedMethod>PUT</AllowedMethod></CORSRule></CORSConfiguration>";
    let ranges = [
        "bytes=0-",
        "bytes=0-99",
        "bytes=5-1",
        "bytes=-5",
        "bytes=0-1,3-4",
        "bytes= 0-1",
        "bytes=00000000000000000000001-",
        "x",
    ];
    let content_types = [
        "text/plain",
        "text/plain;charset=utf-8",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/octet-stream",
        "application/xml",
        "text/plain; charset=\"utf-8\"",
        "text/plain, application/json",
    ];
    for cred in [Credentials::Omit, Credentials::Include] {
        for cfg in [all, no_headers] {
            for r in ranges {
                out.push(Item {
                    label: format!("probe/range {r:?}"),
                    config: json!(cfg),
                    answer: Value::Null,
                    method: "GET".into(),
                    headers: h(&[("Range", r)]),
                    credentials: cred,
                });
            }
            for t in content_types {
                out.push(Item {
                    label: format!("probe/content-type {t:?}"),
                    config: json!(cfg),
                    answer: Value::Null,
                    method: "POST".into(),
                    headers: h(&[("Content-Type", t)]),
                    credentials: cred,
                });
            }
        }
        // Fixed answers with `*`.
        let star = |allow_headers: &str, allow_methods: &str, expose: &str, with_cred: bool| {
            let mut p = vec![
                ("Access-Control-Allow-Origin", "{{ORIGIN}}"),
                ("Access-Control-Allow-Methods", allow_methods),
                ("Access-Control-Allow-Headers", allow_headers),
            ];
            let mut a = vec![
                ("Access-Control-Allow-Origin", "{{ORIGIN}}"),
                ("Access-Control-Expose-Headers", expose),
                ("ETag", "\"0123456789abcdef0123456789abcdef\""),
                ("x-cos-request-id", "coscors-probe"),
            ];
            if with_cred {
                p.push(("Access-Control-Allow-Credentials", "true"));
                a.push(("Access-Control-Allow-Credentials", "true"));
            }
            json!({"preflight": p, "actual": a})
        };
        let with_cred = cred == Credentials::Include;
        let cases: [Probe; 7] = [
            (
                "probe/allow-headers * x-cos-meta",
                star("*", "PUT", "ETag", with_cred),
                "PUT",
                h(&[("x-cos-meta-a", "1")]),
            ),
            (
                "probe/allow-headers * authorization",
                star("*", "PUT", "ETag", with_cred),
                "PUT",
                h(&[("Authorization", "q-sign-algorithm=sha1")]),
            ),
            (
                "probe/allow-headers *,authorization",
                star("*, authorization", "PUT", "ETag", with_cred),
                "PUT",
                h(&[("Authorization", "q-sign-algorithm=sha1"), ("x-a", "1")]),
            ),
            (
                "probe/allow-methods *",
                star("x-a", "*", "ETag", with_cred),
                "PUT",
                h(&[("x-a", "1")]),
            ),
            (
                "probe/allow-methods lower-case put",
                star("x-a", "put", "ETag", with_cred),
                "PUT",
                h(&[("x-a", "1")]),
            ),
            (
                "probe/expose *",
                star("x-a", "PUT", "*", with_cred),
                "PUT",
                h(&[("x-a", "1")]),
            ),
            (
                "probe/expose * GET",
                star("", "GET", "*", with_cred),
                "GET",
                Vec::new(),
            ),
        ];
        for (label, answer, method, headers) in cases {
            out.push(Item {
                label: label.into(),
                config: Value::Null,
                answer,
                method: method.into(),
                headers,
                credentials: cred,
            });
        }
    }
    out
}

fn items() -> (Vec<Item>, usize, usize) {
    let mut out = suite_items();
    let suite = out.len();
    let generated = generated_items(GENERATED, suite);
    out.extend(generated);
    out.extend(probe_items());
    let probes = out.len() - suite - GENERATED;
    (out, suite, probes)
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

/// Does `engine` run here (its Debian package and npm driver)? Fails
/// instead of answering false under `COSCORS_REQUIRE_PEERS=1`.
fn engine_available(engine: Engine, npm: &[&str]) -> bool {
    let (files, driver): (&[&str], &str) = match engine {
        Engine::Chromium => (&["/usr/bin/chromium"], "playwright-core"),
        Engine::Firefox => (&["/usr/bin/firefox-esr"], "puppeteer-core"),
        Engine::WebKit => (
            &[
                "/usr/bin/WebKitWebDriver",
                "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser",
                "/usr/bin/Xvfb",
            ],
            "",
        ),
    };
    let present = files.iter().all(|f| std::path::Path::new(f).exists())
        && npm
            .iter()
            .chain((!driver.is_empty()).then_some(&driver))
            .all(|p| {
                repo()
                    .join("tests/peers/node_modules")
                    .join(p)
                    .join("package.json")
                    .exists()
            });
    common::require(
        &format!(
            "{engine} ({}{}{})",
            files.join(", "),
            if driver.is_empty() { "" } else { ", npm " },
            driver
        ),
        present,
    )
}

fn check(engine: Engine) {
    if !engine_available(engine, &[]) {
        return;
    }
    let served = serve("cos");
    let (items, suite, probes) = items();
    let list: Vec<Value> = items
        .iter()
        .enumerate()
        .map(|(n, it)| {
            json!({
                "n": n,
                "config": it.config,
                "answer": it.answer,
                "method": it.method,
                "headers": it.headers,
                "credentials": match it.credentials {
                    Credentials::Include => "include",
                    Credentials::SameOrigin => "same-origin",
                    Credentials::Omit => "omit",
                },
            })
        })
        .collect();
    let dir = scratch(&format!("browser-{engine}"));
    let items_path = dir.join("items.json");
    std::fs::write(&items_path, serde_json::to_string(&list).expect("json")).expect("write");
    let started = std::time::Instant::now();
    let out = Command::new("node")
        .arg(repo().join("tests/browser/check.js"))
        .env("EMULATOR_PORT", served.addr.port().to_string())
        .env("ITEMS_JSON", &items_path)
        .env("ENGINE", engine.name())
        .output()
        .expect("node");
    assert!(
        out.status.success(),
        "{engine}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let took = started.elapsed();
    let v: Value = serde_json::from_slice(&out.stdout).expect("results");
    let results = v["results"].as_array().cloned().unwrap_or_default();
    assert_eq!(results.len(), items.len());
    let mut disagreements = Vec::new();
    let (mut allowed, mut preflighted) = (0, 0);
    for (r, it) in results.iter().zip(&items) {
        let credentials = it.credentials;
        let headers = &it.headers;
        let origin = r["origin"].as_str().unwrap_or_default();
        let method = browser::normalize_method(&it.method);
        let exchanges = r["exchanges"].as_array().cloned().unwrap_or_default();
        let preflight = exchanges.iter().find(|e| e["method"] == "OPTIONS");
        let actual = exchanges.iter().find(|e| e["method"] != "OPTIONS");
        // The harness's prediction, from the answers.
        let predicted_preflight = browser::needs_preflight(engine, &method, headers);
        let predicted_allowed = match (predicted_preflight, preflight, actual) {
            (true, Some(p), a) => {
                let ok = browser::preflight_allows(
                    engine,
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
                .map(|a| browser::readable_headers(engine, credentials, &pairs(&a["answer"])))
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
            disagreements.push(format!(
                "{} ({method} {headers:?}, credentials {credentials:?}): {}\n    browser: {}\n    exchanges: {}",
                it.label,
                problems.join("; "),
                outcome,
                serde_json::to_string(
                    &exchanges
                        .iter()
                        .map(|e| json!({"method": e["method"], "status": e["status"], "answer": e["answer"]}))
                        .collect::<Vec<_>>()
                )
                .unwrap_or_default()
            ));
        }
    }
    common::summary(
        &format!("browser-check-{engine}"),
        &format!(
        "browser check ({engine}): {} requests compared ({suite} from the suite, {GENERATED} generated, {probes} engine probes), {allowed} allowed, {preflighted} preflighted, {} disagreement(s); {} {}, {:.1} s",
        items.len(),
        disagreements.len(),
        v["engine"].as_str().unwrap_or("?"),
        v["version"].as_str().unwrap_or("?"),
        took.as_secs_f64()
    ),
    );
    assert!(
        disagreements.is_empty(),
        "the harness and {engine} disagree on {} request(s):\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
}

#[test]
fn chromium_agrees_with_every_verdict() {
    check(Engine::Chromium);
}

#[test]
fn firefox_agrees_with_every_verdict() {
    check(Engine::Firefox);
}

#[test]
fn webkit_agrees_with_every_verdict() {
    check(Engine::WebKit);
}

/// The seed's browser SDK in a real page, in each engine: `putBucketCors`
/// with `ExposeHeader: ETag`, then `putObject`, and JavaScript reads the
/// ETag; without the expose header the browser hides it.
fn sdk_reads_the_etag_only_when_exposed(engine: Engine) {
    if !engine_available(engine, &["cos-js-sdk-v5"]) {
        return;
    }
    let served = serve("cos");
    let port = served.addr.port().to_string();
    let (v, text) = common::node_json(
        "tests/browser/sdk.js",
        &[],
        &[("EMULATOR_PORT", &port), ("ENGINE", engine.name())],
    );
    assert_eq!(v["exposed"]["putObject"], "ok", "{engine}: {text}");
    assert!(
        v["exposed"]["etag"].as_str().is_some_and(|e| e.len() >= 32),
        "{engine}: ETag read with ExposeHeader: {text}"
    );
    assert_eq!(v["hidden"]["putObject"], "ok", "{engine}: {text}");
    assert_eq!(
        v["hidden"]["etag"], "",
        "{engine}: the ETag must stay hidden without ExposeHeader: {text}"
    );
    common::summary(
        &format!("sdk-etag-{engine}"),
        &format!(
            "cos-js-sdk-v5 in {engine} ({}): ETag {} with ExposeHeader ETag; {:?} without",
            v["version"].as_str().unwrap_or("?"),
            v["exposed"]["etag"],
            v["hidden"]["etag"]
        ),
    );
}

#[test]
fn cos_js_sdk_reads_the_etag_only_when_exposed_chromium() {
    sdk_reads_the_etag_only_when_exposed(Engine::Chromium);
}

#[test]
fn cos_js_sdk_reads_the_etag_only_when_exposed_firefox() {
    sdk_reads_the_etag_only_when_exposed(Engine::Firefox);
}

#[test]
fn cos_js_sdk_reads_the_etag_only_when_exposed_webkit() {
    sdk_reads_the_etag_only_when_exposed(Engine::WebKit);
}
