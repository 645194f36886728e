//! `coscors doctor`: with this bucket CORS configuration, can a page on
//! this origin do what the COS JavaScript SDK (cos-js-sdk-v5) does, in each
//! browser engine, and if not, what is the smallest change that fixes it?
//!
//! Each operation is the list of requests the SDK sends (read from
//! cos-js-sdk-v5 1.10.1's `src/base.js` and `src/advance.js`, and checked
//! against the real SDK in three engines by `tests/doctor.rs`). Each request
//! is judged by the COS model (`model::preflight`, `model::actual_request`:
//! what COS answers) and then by the engine (`model::browser`: what the
//! browser does with that answer). No CORS rule is written here.

use std::collections::BTreeSet;

use anyhow::{bail, Context as _, Result};
use serde::Serialize;

use crate::model::browser::{self, Credentials, Engine};
use crate::model::{self, xml, CorsConfiguration, CorsHeaders, CorsRule, Preflight, Profile};

/// One request of an operation, as the SDK sends it.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub name: &'static str,
    pub method: &'static str,
    /// Path and query, for display (`{key}` for the object key).
    pub target: &'static str,
    /// The request headers a page sets (values matter where Fetch decides
    /// by value: `Range`, `Content-Type`).
    pub headers: Vec<(String, String)>,
    /// Does the SDK need to read this answer's `ETag`?
    pub needs_etag: bool,
    /// Does the SDK stop here when it cannot read that `ETag`
    /// (sliceUploadFile's "get ETag error"), instead of going on without
    /// it (a multipart upload made call by call)?
    pub stops_without_etag: bool,
}

/// An SDK operation: its requests, in order.
#[derive(Debug, Clone, Serialize)]
pub struct Operation {
    pub name: &'static str,
    /// With a temporary credential (`x-cos-security-token`).
    pub token: bool,
    pub steps: Vec<Step>,
}

fn hv(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
}

/// The operations, as cos-js-sdk-v5 1.10.1 sends them from a browser.
///
/// - Every request carries `Authorization` (the SDK signs into the header,
///   `base.js` `_submitRequest`: `opt.headers.Authorization =
///   AuthData.Authorization`), and with temporary credentials
///   `x-cos-security-token` (same place: `opt.headers[token] =
///   AuthData.SecurityToken`).
/// - Uploads set `Content-Type` from the body's type (`headers['Content-Type']
///   = (params.Body && params.Body.type) || ''`) and an empty
///   `Cache-Control` (`headers['Cache-Control'] = ''`, kept by XHR, so
///   `cache-control` is in the preflight's list); a Blob of type
///   `application/octet-stream` is taken here (a File's type is what the
///   user picked; any non-form type is the same to CORS).
/// - Complete Multipart Upload sends `Content-Type: application/xml` and
///   `Content-MD5` (`multipartComplete`).
/// - `getObject` with `Range: bytes=0-4`: a simple range, safelisted.
/// - `sliceUploadFile` first lists the bucket's multipart uploads (`advance.js`
///   `getUploadIdAndPartList` → `wholeMultipartList`, GET `/?uploads`), then
///   initiates, uploads the parts and completes with their ETags; `uploadFile`
///   is `putObject` below its `SliceSize` and `sliceUploadFile` above. Its
///   parts are `Blob.slice(start, end)` (`util.js` `fileSlice`), which have no
///   type (File API), so UploadPart carries no `Content-Type` there (seen in
///   the browsers: its preflight asks for `authorization` alone); without a
///   readable part ETag it stops with "get ETag error" (`advance.js`).
/// - `postObject`: cos-js-sdk-v5 1.10.1 has no such method, so a browser
///   form upload is the page's own `fetch` of a `FormData` to the bucket
///   root, as COS's POST Object page describes it (436/14690: `key`,
///   `policy`, `q-sign-algorithm`, `q-ak`, `q-key-time`, `q-signature`, with
///   a temporary credential `x-cos-security-token`, all form fields, the
///   file last). Its only header is the browser's own `multipart/form-data`
///   type, safelisted: no preflight, whatever the token; the answer (204 by
///   default) must carry `Access-Control-Allow-Origin` for the page to see
///   that the upload worked.
pub fn operations() -> Vec<Operation> {
    let mut out = Vec::new();
    for token in [false, true] {
        let with = |pairs: &[(&str, &str)]| {
            let mut h = hv(&[("Authorization", "q-sign-algorithm=sha1&q-ak=AKID")]);
            h.extend(hv(pairs));
            if token {
                h.push(("x-cos-security-token".into(), "token".into()));
            }
            h
        };
        let upload = [
            ("Cache-Control", ""),
            ("Content-Type", "application/octet-stream"),
        ];
        let step = |name, method, target, headers, needs_etag| Step {
            name,
            method,
            target,
            headers,
            needs_etag,
            stops_without_etag: false,
        };
        let initiate = step("initiate", "POST", "/{key}?uploads", with(&upload), false);
        let part = step(
            "uploadPart",
            "PUT",
            "/{key}?partNumber=1&uploadId=…",
            with(&[("Content-Type", "application/octet-stream")]),
            true,
        );
        let complete = step(
            "complete",
            "POST",
            "/{key}?uploadId=…",
            with(&[("Content-MD5", "x"), ("Content-Type", "application/xml")]),
            false,
        );
        out.push(Operation {
            name: "putObject",
            token,
            steps: vec![step("putObject", "PUT", "/{key}", with(&upload), true)],
        });
        out.push(Operation {
            name: "multipartUpload",
            token,
            steps: vec![initiate.clone(), part.clone(), complete.clone()],
        });
        out.push(Operation {
            name: "sliceUploadFile",
            token,
            steps: vec![
                step(
                    "listUploads",
                    "GET",
                    "/?uploads&prefix={key}",
                    with(&[]),
                    false,
                ),
                initiate,
                Step {
                    stops_without_etag: true,
                    ..step(
                        "uploadPart",
                        "PUT",
                        "/{key}?partNumber=1&uploadId=…",
                        with(&[]),
                        true,
                    )
                },
                complete,
            ],
        });
        out.push(Operation {
            name: "getObject",
            token,
            steps: vec![step(
                "getObject",
                "GET",
                "/{key} (Range: bytes=0-4)",
                with(&[("Range", "bytes=0-4")]),
                false,
            )],
        });
        out.push(Operation {
            name: "headObject",
            token,
            steps: vec![step("headObject", "HEAD", "/{key}", with(&[]), false)],
        });
        out.push(Operation {
            name: "deleteObject",
            token,
            steps: vec![step("deleteObject", "DELETE", "/{key}", with(&[]), false)],
        });
        out.push(Operation {
            name: "postObject",
            token,
            steps: vec![step(
                "postObject",
                "POST",
                "/ (form: key, policy, q-signature, file)",
                hv(&[(
                    "Content-Type",
                    "multipart/form-data; boundary=----coscorsFormBoundary",
                )]),
                false,
            )],
        });
    }
    out
}

/// What one request gets in one engine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepVerdict {
    pub step: &'static str,
    /// A preflight is sent (and its `Access-Control-Request-Headers`).
    pub preflight: Option<String>,
    /// The browser hands the answer to the page.
    pub let_through: bool,
    /// Why not, when not.
    pub reason: Option<String>,
    pub etag_readable: bool,
    pub request_id_readable: bool,
    /// The SDK stops after this request: it was let through but its ETag
    /// is not readable, and the SDK cannot go on without it (NO-ETAG:
    /// sliceUploadFile's "get ETag error"); the later requests are not
    /// sent.
    pub stopped_without_etag: bool,
}

/// One operation in one engine from one origin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    pub operation: &'static str,
    pub token: bool,
    pub engine: Engine,
    pub origin: String,
    /// Every request was let through.
    pub let_through: bool,
    /// The ETag the SDK needs (putObject, UploadPart) is readable; true
    /// where none is needed.
    pub etag_readable: bool,
    /// `x-cos-request-id` readable on every request let through.
    pub request_id_readable: bool,
    /// For uploads in parts: Complete can be sent with the parts' ETags
    /// and is let through.
    pub completed: Option<bool>,
    pub steps: Vec<StepVerdict>,
}

impl Verdict {
    pub fn ok(&self) -> bool {
        self.let_through && self.etag_readable && self.completed != Some(false)
    }
}

/// The headers COS puts on an object answer besides the CORS ones.
const OBJECT_HEADERS: [(&str, &str); 4] = [
    ("Content-Type", "application/octet-stream"),
    ("Content-Length", "0"),
    ("ETag", "\"d41d8cd98f00b204e9800998ecf8427e\""),
    ("x-cos-request-id", "NjAwMDAwMDBfY29zY29ycw=="),
];

fn pairs(h: &CorsHeaders) -> Vec<(String, String)> {
    let mut v = Vec::new();
    h.for_each(|n, val| v.push((n.to_string(), val.to_string())));
    v
}

/// Judge one request: COS's answer from the model, then the engine.
pub fn judge_step(
    config: &CorsConfiguration,
    origin: &str,
    engine: Engine,
    credentials: Credentials,
    step: &Step,
) -> StepVerdict {
    let method = step.method;
    let mut v = StepVerdict {
        step: step.name,
        preflight: None,
        let_through: false,
        reason: None,
        etag_readable: false,
        request_id_readable: false,
        stopped_without_etag: false,
    };
    if browser::needs_preflight(engine, method, &step.headers) {
        let names = browser::unsafe_header_names(engine, &step.headers).join(",");
        v.preflight = Some(names.clone());
        let req = Preflight {
            origin: Some(origin),
            method: Some(method),
            request_headers: (!names.is_empty()).then_some(names.as_str()),
        };
        match model::preflight(Some(config), &req, Profile::Cos) {
            model::PreflightOutcome::Refused(e) => {
                v.reason = Some(format!(
                    "preflight refused by COS ({} {}): no rule allows origin {origin}, method {method} and headers [{names}] together",
                    e.code.status(),
                    e.code.as_str()
                ));
                return v;
            }
            model::PreflightOutcome::Allowed(h) => {
                let answer = pairs(&h);
                if !browser::preflight_allows(
                    engine,
                    origin,
                    credentials,
                    method,
                    &step.headers,
                    200,
                    &answer,
                ) {
                    v.reason = Some(format!(
                        "preflight answered 200 but {engine} refuses it: {}",
                        answer
                            .iter()
                            .map(|(n, v)| format!("{n}: {v}"))
                            .collect::<Vec<_>>()
                            .join("; ")
                    ));
                    return v;
                }
            }
        }
    }
    let mut answer: Vec<(String, String)> = OBJECT_HEADERS
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    if let Some(h) = model::actual_request(Some(config), Some(origin), method, Profile::Cos) {
        answer.extend(pairs(&h));
    } else {
        v.reason = Some(format!(
            "COS's answer to {method} carries no Access-Control-Allow-Origin for {origin}"
        ));
        return v;
    }
    if !browser::cors_check(origin, credentials, &answer) {
        v.reason = Some(format!(
            "{engine} refuses the answer's Access-Control-Allow-Origin for {origin}"
        ));
        return v;
    }
    v.let_through = true;
    let readable = browser::readable_headers(engine, credentials, &answer);
    v.etag_readable = readable.contains("etag");
    v.request_id_readable = readable.contains("x-cos-request-id");
    if step.stops_without_etag && !v.etag_readable {
        v.stopped_without_etag = true;
        v.reason = Some(
            "NO-ETAG: ETag not readable (not in ExposeHeader): the SDK stops here (\"get ETag error\"), the later requests are not sent".into(),
        );
    }
    v
}

/// Judge an operation.
pub fn judge(
    config: &CorsConfiguration,
    origin: &str,
    engine: Engine,
    credentials: Credentials,
    op: &Operation,
) -> Verdict {
    let mut steps = Vec::new();
    let mut etag_readable = true;
    let mut stopped = false;
    for s in &op.steps {
        let v = judge_step(config, origin, engine, credentials, s);
        let through = v.let_through;
        if s.needs_etag && !v.etag_readable {
            etag_readable = false;
        }
        stopped = v.stopped_without_etag;
        steps.push(v);
        if !through || stopped {
            break;
        }
    }
    // Let through: every request the SDK sends was (when it stops for an
    // ETag, the rest are not sent: NO-ETAG, not BLOCKED).
    let let_through =
        (stopped || steps.len() == op.steps.len()) && steps.iter().all(|s| s.let_through);
    let request_id_readable = steps.iter().all(|s| s.request_id_readable);
    let multipart = op.steps.iter().any(|s| s.name == "complete");
    Verdict {
        operation: op.name,
        token: op.token,
        engine,
        origin: origin.to_string(),
        let_through,
        etag_readable: if let_through { etag_readable } else { false },
        request_id_readable,
        // Complete is sent with the parts' ETags as read: an unreadable
        // ETag makes it name an empty part, which COS refuses (InvalidPart);
        // sliceUploadFile does not send it at all (stopped above).
        completed: multipart.then_some(let_through && etag_readable),
        steps,
    }
}

/// A warning about a configuration, not an operation that fails.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    pub kind: &'static str,
    pub message: String,
}

/// Known pitfalls.
pub fn warnings(config: &CorsConfiguration, origins: &[String]) -> Vec<Warning> {
    let mut out = Vec::new();
    for (i, r) in config.rules.iter().enumerate() {
        let n = i + 1;
        if r.allowed_origins.iter().any(|o| o == "*") {
            out.push(Warning {
                kind: "star-origin-with-credentials",
                message: format!(
                    "rule {n}: AllowedOrigin * makes COS answer `Access-Control-Allow-Origin: *` without Allow-Credentials; a page that sends cookies or HTTP auth (XHR withCredentials, fetch credentials: 'include') is refused by every browser. Name the origins instead if it does."
                ),
            });
        }
        if let Some(age) = r.max_age_seconds {
            let capped: Vec<String> = Engine::ALL
                .into_iter()
                .filter(|e| age > e.max_age_cap())
                .map(|e| format!("{e} caps it at {} s", e.max_age_cap()))
                .collect();
            if !capped.is_empty() {
                out.push(Warning {
                    kind: "max-age-above-engine-cap",
                    message: format!(
                        "rule {n}: MaxAgeSeconds {age}: {} (each engine then preflights again sooner than the configuration says)",
                        capped.join(", ")
                    ),
                });
            }
        }
        if !r.expose_headers.is_empty()
            && !r
                .expose_headers
                .iter()
                .any(|h| h.eq_ignore_ascii_case("etag") || h == "*")
        {
            out.push(Warning {
                kind: "expose-without-etag",
                message: format!(
                    "rule {n}: ExposeHeader lists {} but not ETag: the SDK cannot read an upload's ETag (multipart Complete needs it)",
                    r.expose_headers.join(", ")
                ),
            });
        }
    }
    if config.response_vary != Some(true) {
        out.push(Warning {
            kind: "no-response-vary",
            message: "no <ResponseVary>true</ResponseVary>: COS then sends no `Vary: Origin`, and a CDN in front of the bucket may serve one origin's CORS answer (or an answer without CORS headers) to another".into(),
        });
    }
    // A rule that names none of the origins is not wrong, only unused here.
    let unused: Vec<String> = config
        .rules
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            !origins.is_empty()
                && !r
                    .allowed_origins
                    .iter()
                    .any(|p| origins.iter().any(|o| model::wildcard_match(p, o)))
        })
        .map(|(i, _)| (i + 1).to_string())
        .collect();
    if !unused.is_empty() {
        out.push(Warning {
            kind: "rule-names-no-origin",
            message: format!(
                "rule(s) {} name none of the origins given",
                unused.join(", ")
            ),
        });
    }
    out
}

/// The rule index COS uses for a preflight (first match), if any.
fn preflight_rule(
    config: &CorsConfiguration,
    origin: &str,
    method: &str,
    names: &str,
) -> Option<usize> {
    (0..config.rules.len()).find(|&i| {
        let one = CorsConfiguration {
            rules: vec![config.rules[i].clone()],
            response_vary: config.response_vary,
        };
        let req = Preflight {
            origin: Some(origin),
            method: Some(method),
            request_headers: (!names.is_empty()).then_some(names),
        };
        matches!(
            model::preflight(Some(&one), &req, Profile::Cos),
            model::PreflightOutcome::Allowed(_)
        )
    })
}

/// The rule index COS uses for an actual request (first match), if any.
fn actual_rule(config: &CorsConfiguration, origin: &str, method: &str) -> Option<usize> {
    (0..config.rules.len()).find(|&i| {
        let one = CorsConfiguration {
            rules: vec![config.rules[i].clone()],
            response_vary: config.response_vary,
        };
        model::actual_request(Some(&one), Some(origin), method, Profile::Cos)
            .is_some_and(|h| h.allow_origin.is_some())
    })
}

/// The first rule naming this origin (by COS's matching), if any.
fn origin_rule(config: &CorsConfiguration, origin: &str) -> Option<usize> {
    config.rules.iter().position(|r| {
        r.allowed_origins
            .iter()
            .any(|p| model::wildcard_match(p, origin))
    })
}

fn add(list: &mut Vec<model::Text>, value: &str, case_insensitive: bool) {
    let has = list.iter().any(|v| {
        if case_insensitive {
            v.eq_ignore_ascii_case(value)
        } else {
            v == value
        }
    });
    if !has {
        list.push(value.to_string().into());
    }
}

/// One change to the configuration, for each failing step, until the
/// operation passes in every engine: the smallest edit first (add the
/// missing method, header names or `ETag` to the rule COS picks for that
/// request, or to the first rule naming the origin), a new rule for the
/// origin when no rule names it. Returns the fixed configuration, or None
/// when the operation already passes.
pub fn fix(
    config: &CorsConfiguration,
    origin: &str,
    op: &Operation,
    engines: &[Engine],
) -> Option<CorsConfiguration> {
    let passes = |c: &CorsConfiguration| {
        engines
            .iter()
            .all(|&e| judge(c, origin, e, Credentials::Omit, op).ok())
    };
    if passes(config) {
        return None;
    }
    let mut c = config.clone();
    // Each round fixes one step in one way; bounded by the steps' needs.
    for _ in 0..4 * op.steps.len() + 4 {
        if passes(&c) {
            return Some(c);
        }
        let Some((step, verdict)) = engines.iter().find_map(|&e| {
            let v = judge(&c, origin, e, Credentials::Omit, op);
            op.steps
                .iter()
                .zip(v.steps)
                .find(|(s, sv)| !sv.let_through || (s.needs_etag && !sv.etag_readable))
        }) else {
            break;
        };
        let names = browser::unsafe_header_names(Engine::Chromium, &step.headers);
        let names_joined = names.join(",");
        if !verdict.let_through {
            let target = preflight_rule(&c, origin, step.method, &names_joined)
                .or_else(|| actual_rule(&c, origin, step.method))
                .or_else(|| origin_rule(&c, origin));
            match target {
                Some(i) => {
                    let r = &mut c.rules[i];
                    let before = r.clone();
                    add(&mut r.allowed_methods, step.method, false);
                    if !r.allowed_headers.iter().any(|h| h == "*") {
                        for n in &names {
                            // An exact name: a pattern (`x-cos-meta-*`) in
                            // the answer's list is not a pattern to a
                            // browser.
                            if !r.allowed_headers.iter().any(|h| h.eq_ignore_ascii_case(n)) {
                                r.allowed_headers.push(n.clone().into());
                            }
                        }
                    }
                    if *r == before {
                        // Nothing to add here (e.g. an earlier rule matches
                        // and answers what the browser refuses): a rule of
                        // its own for the origin, first.
                        c.rules.insert(0, new_rule(origin, op));
                    }
                }
                None => c.rules.push(new_rule(origin, op)),
            }
        } else if let Some(i) = actual_rule(&c, origin, step.method) {
            add(&mut c.rules[i].expose_headers, "ETag", true);
        }
    }
    passes(&c).then_some(c)
}

fn new_rule(origin: &str, op: &Operation) -> CorsRule {
    let mut r = CorsRule {
        allowed_origins: vec![origin.to_string().into()],
        ..CorsRule::default()
    };
    for s in &op.steps {
        add(&mut r.allowed_methods, s.method, false);
        for n in browser::unsafe_header_names(Engine::Chromium, &s.headers) {
            add(&mut r.allowed_headers, &n, true);
        }
        if s.needs_etag {
            add(&mut r.expose_headers, "ETag", true);
        }
    }
    r
}

/// The fix for every failing operation from these origins at once: each
/// failing operation's fix applied in turn.
pub fn fix_all(
    config: &CorsConfiguration,
    origins: &[String],
    engines: &[Engine],
) -> Option<CorsConfiguration> {
    let mut c = config.clone();
    let mut changed = false;
    for origin in origins {
        for op in operations() {
            if let Some(f) = fix(&c, origin, &op, engines) {
                c = f;
                changed = true;
            }
        }
    }
    changed.then_some(c)
}

/// The unified diff between two configurations as COS writes them.
pub fn diff(before: &CorsConfiguration, after: &CorsConfiguration) -> String {
    let a = xml::write_answer(before, Profile::Cos) + "\n";
    let b = xml::write_answer(after, Profile::Cos) + "\n";
    similar::TextDiff::from_lines(&a, &b)
        .unified_diff()
        .context_radius(3)
        .header("cors.xml (now)", "cors.xml (fixed)")
        .to_string()
}

/// The JS SDK's JSON form (`putBucketCors`'s parameters, seed 000):
/// `{"CORSRules": [{"AllowedOrigin": [...], "AllowedMethod": [...],
/// "AllowedHeader": [...], "ExposeHeader": [...], "MaxAgeSeconds": "5",
/// "ID": "..."}], "ResponseVary": "true"}`, or the same object under
/// `CORSConfiguration` with `CORSRule` (getBucketCors's answer). Plural
/// key names (`AllowedOrigins`, as seed 000's parameter table spells them)
/// are accepted too; a single string stands for a list of one.
pub fn parse_json(text: &str) -> Result<CorsConfiguration> {
    let v: serde_json::Value = serde_json::from_str(text).context("not JSON")?;
    let root = v.get("CORSConfiguration").unwrap_or(&v);
    let rules = root
        .get("CORSRules")
        .or_else(|| root.get("CORSRule"))
        .context(
            "no CORSRules (the JS SDK's form: {\"CORSRules\": [{\"AllowedOrigin\": [...], ...}]})",
        )?;
    let rules: Vec<&serde_json::Value> = match rules {
        serde_json::Value::Array(a) => a.iter().collect(),
        o @ serde_json::Value::Object(_) => vec![o],
        _ => bail!("CORSRules is neither a list nor an object"),
    };
    let strings = |r: &serde_json::Value, keys: &[&str]| -> Result<Vec<model::Text>> {
        let Some(v) = keys.iter().find_map(|k| r.get(*k)) else {
            return Ok(Vec::new());
        };
        match v {
            serde_json::Value::String(s) => Ok(vec![s.clone().into()]),
            serde_json::Value::Array(a) => a
                .iter()
                .map(|x| {
                    x.as_str()
                        .map(|s| s.to_string().into())
                        .with_context(|| format!("{}: {x} is not a string", keys[0]))
                })
                .collect(),
            other => bail!("{}: {other} is neither a string nor a list", keys[0]),
        }
    };
    let mut config = CorsConfiguration::default();
    for (i, r) in rules.into_iter().enumerate() {
        let n = i + 1;
        let max_age = match r.get("MaxAgeSeconds") {
            None | Some(serde_json::Value::Null) => None,
            Some(serde_json::Value::Number(x)) => Some(
                x.as_u64()
                    .with_context(|| format!("rule {n}: MaxAgeSeconds {x}"))?,
            ),
            Some(serde_json::Value::String(s)) => Some(
                s.trim()
                    .parse()
                    .with_context(|| format!("rule {n}: MaxAgeSeconds {s:?}"))?,
            ),
            Some(other) => bail!("rule {n}: MaxAgeSeconds {other}"),
        };
        config.rules.push(CorsRule {
            id: r
                .get("ID")
                .and_then(|x| x.as_str())
                .map(|s| s.to_string().into()),
            allowed_origins: strings(r, &["AllowedOrigin", "AllowedOrigins"])
                .with_context(|| format!("rule {n}"))?,
            allowed_methods: strings(r, &["AllowedMethod", "AllowedMethods"])
                .with_context(|| format!("rule {n}"))?,
            allowed_headers: strings(r, &["AllowedHeader", "AllowedHeaders"])
                .with_context(|| format!("rule {n}"))?,
            expose_headers: strings(r, &["ExposeHeader", "ExposeHeaders"])
                .with_context(|| format!("rule {n}"))?,
            max_age_seconds: max_age,
        });
    }
    config.response_vary = match root.get("ResponseVary") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::Bool(b)) => Some(*b),
        Some(serde_json::Value::String(s)) if s.eq_ignore_ascii_case("true") => Some(true),
        Some(serde_json::Value::String(s)) if s.eq_ignore_ascii_case("false") => Some(false),
        Some(other) => bail!("ResponseVary {other}: true or false"),
    };
    Ok(config)
}

/// A configuration from a file's text: XML (COS's form) or JSON (the JS
/// SDK's), told apart by the first character; checked as PUT Bucket cors
/// would check it.
pub fn parse_config(text: &str) -> Result<CorsConfiguration> {
    let config = if text.trim_start().starts_with('{') {
        parse_json(text)?
    } else {
        xml::parse(text.as_bytes())
            .map_err(|e| anyhow::anyhow!("{} (byte {})", e.message, e.position))?
    };
    if let Err(e) = model::validate_config(&config, Profile::Cos) {
        bail!(
            "COS would refuse this configuration: {} {}",
            e.code.as_str(),
            e.message
        );
    }
    Ok(config)
}

/// Everything doctor says about a configuration and origins.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub origins: Vec<String>,
    pub engines: Vec<Engine>,
    pub verdicts: Vec<Verdict>,
    pub warnings: Vec<Warning>,
    /// The fixed configuration (COS's XML) and the diff, when anything
    /// fails: every failure fixed at once.
    pub fixed: Option<String>,
    pub diff: Option<String>,
    /// Each failing operation's own smallest fix (for one origin, in every
    /// engine asked), as a diff.
    pub fixes: Vec<OperationFix>,
    pub failing: usize,
}

/// The smallest change that makes one operation pass from one origin.
#[derive(Debug, Clone, Serialize)]
pub struct OperationFix {
    pub origin: String,
    pub operation: &'static str,
    pub token: bool,
    pub diff: String,
}

pub fn examine(config: &CorsConfiguration, origins: &[String], engines: &[Engine]) -> Report {
    let mut verdicts = Vec::new();
    for origin in origins {
        for op in operations() {
            for &e in engines {
                verdicts.push(judge(config, origin, e, Credentials::Omit, &op));
            }
        }
    }
    let failing = verdicts.iter().filter(|v| !v.ok()).count();
    let mut fixes = Vec::new();
    for origin in origins {
        for op in operations() {
            if verdicts.iter().any(|v| {
                &v.origin == origin && v.operation == op.name && v.token == op.token && !v.ok()
            }) {
                if let Some(f) = fix(config, origin, &op, engines) {
                    fixes.push(OperationFix {
                        origin: origin.clone(),
                        operation: op.name,
                        token: op.token,
                        diff: diff(config, &f),
                    });
                }
            }
        }
    }
    let fixed = if failing > 0 {
        fix_all(config, origins, engines)
    } else {
        None
    };
    Report {
        origins: origins.to_vec(),
        engines: engines.to_vec(),
        warnings: warnings(config, origins),
        diff: fixed.as_ref().map(|f| diff(config, f)),
        fixed: fixed.as_ref().map(|f| xml::write_answer(f, Profile::Cos)),
        fixes,
        failing,
        verdicts,
    }
}

/// The report as text: one line per origin and operation with a column
/// per engine, each failure's reason, the warnings, then the fix.
pub fn render(report: &Report) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let engines = &report.engines;
    for origin in &report.origins {
        let _ = writeln!(out, "origin {origin}");
        let _ = write!(out, "  {:<38}", "operation");
        for e in engines {
            let _ = write!(out, " {:<10}", e.name());
        }
        out.push('\n');
        let mut seen = BTreeSet::new();
        for v in report.verdicts.iter().filter(|v| &v.origin == origin) {
            let key = (v.operation, v.token);
            if !seen.insert(key) {
                continue;
            }
            let label = format!(
                "{}{}",
                v.operation,
                if v.token {
                    " +x-cos-security-token"
                } else {
                    ""
                }
            );
            let _ = write!(out, "  {label:<38}");
            let row: Vec<&Verdict> = report
                .verdicts
                .iter()
                .filter(|w| &w.origin == origin && (w.operation, w.token) == key)
                .collect();
            for w in &row {
                let cell = if !w.let_through {
                    "BLOCKED"
                } else if !w.etag_readable || w.completed == Some(false) {
                    "NO-ETAG"
                } else if !w.request_id_readable {
                    "ok*"
                } else {
                    "ok"
                };
                let _ = write!(out, " {cell:<10}");
            }
            out.push('\n');
            let mut reasons = BTreeSet::new();
            for w in &row {
                for s in &w.steps {
                    if let Some(r) = &s.reason {
                        reasons.insert(format!("{}: {r}", s.step));
                    }
                }
                if w.let_through
                    && !w.etag_readable
                    && !w.steps.iter().any(|s| s.stopped_without_etag)
                {
                    reasons.insert(
                        "ETag not readable (not in ExposeHeader): the SDK gets ETag \"\"".into(),
                    );
                }
            }
            for r in reasons {
                let _ = writeln!(out, "      {r}");
            }
        }
    }
    if report
        .verdicts
        .iter()
        .any(|v| v.let_through && !v.request_id_readable)
    {
        out.push_str("  ok*: works, but x-cos-request-id is not readable (not in ExposeHeader): support tickets need it\n");
    }
    for w in &report.warnings {
        let _ = writeln!(out, "warning ({}): {}", w.kind, w.message);
    }
    match &report.diff {
        Some(d) => {
            let _ = writeln!(
                out,
                "\n{} failing (operation, engine, origin) combination(s). The smallest change that fixes them all:\n\n{d}",
                report.failing
            );
            if report.fixes.len() > 1 {
                let _ = writeln!(
                    out,
                    "(each failing operation's own smallest fix: --format json, field \"fixes\")"
                );
            }
        }
        None if report.failing > 0 => {
            let _ = writeln!(out, "\n{} failing; no fix found", report.failing);
        }
        None => out.push_str("\nevery operation passes in every engine\n"),
    }
    out
}

#[cfg(test)]
mod tests;
