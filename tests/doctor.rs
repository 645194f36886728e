//! The proof of `coscors doctor`: the real cos-js-sdk-v5 (npm) in three real
//! engines (tests/browser/doctor.js) against `coscors serve`, on generated
//! configurations × two page origins × the SDK's operations × with and
//! without `x-cos-security-token`. Each outcome (request let through, ETag
//! readable, x-cos-request-id readable, upload completed) is compared with
//! doctor's prediction (`coscors::doctor`, the library the CLI prints), and
//! every configuration doctor finds failing is run again with doctor's fix
//! applied: each of its operations must then pass.
//! Also: the CLI's exit codes and JSON on a broken configuration and its fix.

mod common;

use std::collections::BTreeMap;
use std::process::Command;

use common::{repo, scratch, serve};
use coscors::doctor;
use coscors::model::browser::{Credentials, Engine};
use coscors::model::{xml, CorsConfiguration, CorsRule, Profile};
use serde_json::{json, Value};

const CONFIGS: usize = 120;

/// A small deterministic generator (xorshift), so that a failure names a
/// configuration that the next run makes again.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// Configurations of the kinds teams write: exact origins, patterns, `*`,
/// another site's origin; method subsets; `*`, the SDK's headers listed
/// exactly (with or without the token, in either case), a pattern, none;
/// ExposeHeader with or without ETag.
fn configurations(origins: &[String]) -> Vec<CorsConfiguration> {
    let mut rng = Rng(0x00c0_5c05_d0c7_0001);
    let origin_choices: Vec<String> = vec![
        origins[0].clone(),
        origins[1].clone(),
        "http://127.0.0.1:*".into(),
        "*".into(),
        "https://other.example.com".into(),
        "http://localhost:*".into(),
    ];
    let headers: [&[&str]; 8] = [
        &["*"],
        &[],
        &["authorization"],
        &["authorization", "content-type", "cache-control"],
        &[
            "authorization",
            "content-type",
            "cache-control",
            "content-md5",
            "x-cos-security-token",
        ],
        &[
            "Authorization",
            "Content-Type",
            "Cache-Control",
            "Content-MD5",
        ],
        &["authorization", "x-cos-*"],
        &["*", "x-cos-security-token"],
    ];
    let exposes: [&[&str]; 5] = [
        &[],
        &["ETag"],
        &["x-cos-request-id"],
        &["ETag", "x-cos-request-id"],
        &["etag"],
    ];
    const METHODS: [&str; 5] = ["GET", "PUT", "POST", "HEAD", "DELETE"];
    let mut out = Vec::new();
    while out.len() < CONFIGS {
        let mut c = CorsConfiguration::default();
        for _ in 0..=rng.below(3) {
            let mut r = CorsRule::default();
            for _ in 0..=rng.below(2) {
                let o = &origin_choices[rng.below(origin_choices.len())];
                if !r.allowed_origins.iter().any(|x| x == o) {
                    r.allowed_origins.push(o.clone().into());
                }
            }
            for m in METHODS {
                if rng.chance(70) {
                    r.allowed_methods.push(m.into());
                }
            }
            if r.allowed_methods.is_empty() {
                r.allowed_methods.push(METHODS[rng.below(5)].into());
            }
            r.allowed_headers = headers[rng.below(headers.len())]
                .iter()
                .map(|h| h.to_string().into())
                .collect();
            r.expose_headers = exposes[rng.below(exposes.len())]
                .iter()
                .map(|h| h.to_string().into())
                .collect();
            if rng.chance(30) {
                r.max_age_seconds = Some([5, 600, 7200, 86400][rng.below(4)]);
            }
            c.rules.push(r);
        }
        if rng.chance(30) {
            c.response_vary = Some(true);
        }
        if coscors::model::validate_config(&c, Profile::Cos).is_ok() {
            out.push(c);
        }
    }
    out
}

/// The SDK operations the driver runs (sliceUploadFile also lists the
/// bucket's uploads first, which the emulator does not answer: the proof
/// runs the three requests after that list, `multipartUpload`).
const RUN: [&str; 7] = [
    "putObject",
    "multipartUpload",
    "sliceUploadFile",
    "getObject",
    "headObject",
    "deleteObject",
    "postObject",
];

fn op(name: &str, token: bool) -> doctor::Operation {
    doctor::operations()
        .into_iter()
        .find(|o| o.name == name && o.token == token)
        .expect("operation")
}

/// (let through, ETag readable, x-cos-request-id readable, completed).
type Outcome = (bool, Option<bool>, Option<bool>, Option<bool>);

/// Doctor's verdict in the driver's terms, read off the verdict (no walk
/// of its own): the driver reads ETag and x-cos-request-id from the answer
/// the SDK returns, the operation's own or, for a multipart upload made
/// call by call, UploadPart's (read even when Complete is then blocked).
/// sliceUploadFile returns Complete's document: its ETag is there when the
/// upload completed, and where doctor says it stops at an unreadable part
/// ETag (NO-ETAG) the SDK says "get ETag error".
fn predicted(v: &doctor::Verdict) -> Outcome {
    let part = v.steps.get(1);
    match v.operation {
        "putObject" => (
            v.let_through,
            Some(v.etag_readable),
            Some(v.request_id_readable),
            v.completed,
        ),
        "multipartUpload" => (
            v.let_through,
            Some(part.is_some_and(|s| s.let_through && s.etag_readable)),
            Some(part.is_some_and(|s| s.let_through && s.request_id_readable)),
            v.completed,
        ),
        "sliceUploadFile" => (v.let_through, Some(v.etag_readable), None, v.completed),
        _ => (
            v.let_through,
            None,
            Some(v.request_id_readable),
            v.completed,
        ),
    }
}

/// The operation passes: let through, its ETag read (where it has one),
/// and completed (where it is an upload in parts).
fn passes(o: Outcome) -> bool {
    o.0 && o.1 != Some(false) && o.3 != Some(false)
}

fn observed(r: &Value) -> Outcome {
    let blocked = !r["err"].is_null() && r["status"].as_u64().unwrap_or(0) == 0;
    let op = r["op"].as_str().unwrap_or("");
    if op == "sliceUploadFile" {
        let done = r["completed"].as_bool().unwrap_or(false);
        let etag_error = r["etagError"].as_bool().unwrap_or(false);
        return (!blocked || etag_error, Some(done), None, Some(done));
    }
    let etag = match op {
        "putObject" | "multipartUpload" => Some(!r["etag"].as_str().unwrap_or("").is_empty()),
        _ => None,
    };
    let rid = Some(!r["requestId"].as_str().unwrap_or("").is_empty());
    let completed = (op == "multipartUpload").then(|| r["completed"].as_bool().unwrap_or(false));
    (!blocked, etag, rid, completed)
}

fn engine_available(engine: Engine) -> bool {
    let (files, npm): (&[&str], &[&str]) = match engine {
        Engine::Chromium => (&["/usr/bin/chromium"], &["playwright-core"]),
        Engine::Firefox => (&["/usr/bin/firefox-esr"], &["puppeteer-core"]),
        Engine::WebKit => (
            &[
                "/usr/bin/WebKitWebDriver",
                "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser",
                "/usr/bin/Xvfb",
            ],
            &[],
        ),
    };
    let present = files.iter().all(|f| std::path::Path::new(f).exists())
        && npm.iter().chain(&["cos-js-sdk-v5"]).all(|p| {
            repo()
                .join("tests/peers/node_modules")
                .join(p)
                .join("package.json")
                .exists()
        });
    common::require(&format!("{engine} and cos-js-sdk-v5"), present)
}

fn proof(engine: Engine) {
    if !engine_available(engine) {
        return;
    }
    let origins = vec![
        format!("http://127.0.0.1:{}", common::free_port()),
        format!("http://localhost:{}", common::free_port()),
    ];
    let configs = configurations(&origins);
    // Doctor's fix for each configuration it finds failing (for these
    // origins, in all three engines).
    let fixes: BTreeMap<usize, CorsConfiguration> = configs
        .iter()
        .enumerate()
        .filter_map(|(i, c)| doctor::fix_all(c, &origins, &Engine::ALL).map(|f| (i, f)))
        .collect();
    // And for each failing configuration, its first failing operation's
    // own fix (the JSON's `fixes`): that operation must then pass.
    let mut own: BTreeMap<usize, (String, &'static str, bool, CorsConfiguration)> = BTreeMap::new();
    for (i, c) in configs.iter().enumerate() {
        'found: for o in &origins {
            for op in doctor::operations()
                .into_iter()
                .filter(|op| RUN.contains(&op.name))
            {
                let failing = Engine::ALL
                    .iter()
                    .any(|&e| !doctor::judge(c, o, e, Credentials::Omit, &op).ok());
                if failing {
                    if let Some(f) = doctor::fix(c, o, &op, &Engine::ALL) {
                        own.insert(i, (o.clone(), op.name, op.token, f));
                    }
                    break 'found;
                }
            }
        }
    }
    let mut items = Vec::new();
    let mut by_id: BTreeMap<String, (CorsConfiguration, bool)> = BTreeMap::new();
    for (i, c) in configs.iter().enumerate() {
        let id = format!("c{i}");
        items.push(json!({"id": id, "xml": xml::write(c, Profile::Cos)}));
        by_id.insert(id, (c.clone(), false));
    }
    for (i, f) in &fixes {
        let id = format!("c{i}-fixed");
        items.push(json!({"id": id, "xml": xml::write(f, Profile::Cos)}));
        by_id.insert(id, (f.clone(), true));
    }
    for (i, (_, _, _, f)) in &own {
        let id = format!("c{i}-own");
        items.push(json!({"id": id, "xml": xml::write(f, Profile::Cos)}));
        by_id.insert(id, (f.clone(), false));
    }
    let served = serve("cos");
    let dir = scratch(&format!("doctor-{engine}"));
    let input = dir.join("configs.json");
    std::fs::write(
        &input,
        serde_json::to_string(&json!({"origins": origins, "items": items})).expect("json"),
    )
    .expect("write");
    let started = std::time::Instant::now();
    let out = Command::new("node")
        .arg(repo().join("tests/browser/doctor.js"))
        .env("EMULATOR_PORT", served.addr.port().to_string())
        .env("CONFIGS_JSON", &input)
        .env("ENGINE", engine.name())
        .output()
        .expect("node");
    let took = started.elapsed();
    assert!(
        out.status.success(),
        "{engine}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("the driver's JSON");
    let results = v["results"].as_array().cloned().unwrap_or_default();
    let expected = items.len() * origins.len() * 2 * RUN.len();
    assert_eq!(results.len(), expected, "{engine}: one result per run");
    let mut disagreements = Vec::new();
    let (mut compared, mut failing_before, mut fixed_pass, mut fixed_total) = (0, 0, 0, 0);
    let (mut own_pass, mut own_total) = (0, 0);
    for r in &results {
        let id = r["id"].as_str().unwrap_or("");
        let Some((config, is_fix)) = by_id.get(id) else {
            panic!("unknown id {id}");
        };
        let origin = r["origin"].as_str().unwrap_or("");
        let token = r["token"].as_bool().unwrap_or(false);
        let name = r["op"].as_str().unwrap_or("");
        let verdict = doctor::judge(config, origin, engine, Credentials::Omit, &op(name, token));
        let (p, o) = (predicted(&verdict), observed(r));
        compared += 1;
        let own_fix = id
            .strip_suffix("-own")
            .and_then(|n| n.strip_prefix('c')?.parse::<usize>().ok())
            .and_then(|n| own.get(&n));
        if let Some((fo, fop, ftoken, _)) = own_fix {
            if fo == origin && *fop == name && *ftoken == token {
                own_total += 1;
                if passes(o) {
                    own_pass += 1;
                } else {
                    disagreements.push(format!(
                        "{id} {origin} {name} token={token}: the operation's own fix does not make it pass: observed {o:?}\n{}",
                        xml::write(config, Profile::Cos)
                    ));
                }
            }
        } else if !is_fix && !verdict.ok() {
            failing_before += 1;
        }
        if *is_fix {
            fixed_total += 1;
            if passes(o) {
                fixed_pass += 1;
            } else {
                disagreements.push(format!(
                    "{id} {origin} {name} token={token}: the fixed configuration does not pass: observed {o:?}\n{}",
                    xml::write(config, Profile::Cos)
                ));
            }
        }
        if p != o {
            disagreements.push(format!(
                "{id} {origin} {name} token={token}: doctor predicted (let through, ETag, request id, completed) {p:?}, the SDK in {engine} got {o:?} (err {}, status {}); requests {}\n  reasons: {:?}\n  {}",
                r["err"],
                r["status"],
                r["requests"],
                verdict.steps.iter().filter_map(|s| s.reason.clone()).collect::<Vec<_>>(),
                xml::write(config, Profile::Cos)
            ));
        }
    }
    common::summary(
        &format!("doctor-proof-{engine}"),
        &format!(
        "doctor proof ({engine}, {}): {} configurations ({} fixed by doctor) × {} origins × {} operations × 2 (with and without x-cos-security-token): {compared} outcomes compared, {} disagreement(s); {failing_before} failing before the fix, {fixed_pass}/{fixed_total} runs of configurations fixed for everything pass, {own_pass}/{own_total} operations pass with their own fix; {:.1} s",
        v["version"].as_str().unwrap_or("?"),
        configs.len(),
        fixes.len(),
        origins.len(),
        RUN.len(),
        disagreements.len(),
        took.as_secs_f64()
    ),
    );
    assert_eq!(own_total, own.len(), "each own fix was run");
    assert!(
        failing_before > 0 && !fixes.is_empty() && !own.is_empty(),
        "the generated configurations must include failing ones"
    );
    assert!(
        disagreements.is_empty(),
        "doctor and cos-js-sdk-v5 in {engine} disagree on {}:\n{}",
        disagreements.len(),
        disagreements
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// The three engines at once, each in a thread of its own (each proof is
/// one browser working through its configurations one at a time, so three
/// at once keep two cores busier than libtest's two test threads, which
/// ran the third engine only after one of the others had ended). Every
/// engine runs to its end; then each one that failed is named (its panic
/// message above).
#[test]
fn doctor_agrees_with_the_sdk_in_every_engine() {
    let failed: Vec<Engine> = std::thread::scope(|s| {
        let runs: Vec<_> = Engine::ALL
            .into_iter()
            .map(|e| (e, s.spawn(move || proof(e))))
            .collect();
        runs.into_iter()
            .filter_map(|(e, h)| h.join().is_err().then_some(e))
            .collect()
    });
    assert!(
        failed.is_empty(),
        "the proof failed in {failed:?} (each engine's message is above)"
    );
}

/// The CLI: exit 1 and a diff that adds ETag on the README's broken
/// configuration, exit 0 on the fixed one it wrote, 2 on bad input.
#[test]
fn cli_exit_codes_json_and_the_fix() {
    let dir = scratch("doctor-cli");
    let broken = dir.join("cors.xml");
    std::fs::write(
        &broken,
        "<CORSConfiguration><CORSRule><AllowedOrigin>https://app.example.com</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod><AllowedMethod>POST</AllowedMethod><AllowedMethod>HEAD</AllowedMethod><AllowedMethod>DELETE</AllowedMethod><AllowedHeader>*</AllowedHeader><ExposeHeader>x-cos-request-id</ExposeHeader></CORSRule></CORSConfiguration>",
    )
    .expect("write");
    let fixed = dir.join("fixed.xml");
    let bin = env!("CARGO_BIN_EXE_coscors");
    let o = Command::new(bin)
        .args([
            "doctor",
            "--format",
            "json",
            "--origin",
            "https://app.example.com",
        ])
        .arg(&broken)
        .arg("--write-fixed")
        .arg(&fixed)
        .output()
        .expect("doctor runs");
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert!(v["failing"].as_u64().unwrap_or(0) > 0);
    let d = v["diff"].as_str().unwrap_or("");
    assert!(d.contains("+\t\t<ExposeHeader>ETag</ExposeHeader>"), "{d}");
    let o = Command::new(bin)
        .args(["doctor", "--origin", "https://app.example.com"])
        .arg(&fixed)
        .output()
        .expect("doctor runs");
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    // The JS SDK's JSON form, as seed 000 writes it.
    let json_form = dir.join("cors.json");
    std::fs::write(&json_form, r#"{"CORSRules": [{"AllowedOrigin": ["*"], "AllowedMethod": ["GET", "POST", "PUT", "DELETE", "HEAD"], "AllowedHeader": ["*"], "ExposeHeader": ["ETag", "x-cos-acl", "x-cos-version-id", "x-cos-delete-marker", "x-cos-server-side-encryption"], "MaxAgeSeconds": "5"}]}"#).expect("write");
    let o = Command::new(bin)
        .args(["doctor", "--origin", "https://app.example.com"])
        .arg(&json_form)
        .output()
        .expect("doctor runs");
    assert_eq!(o.status.code(), Some(0));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("star-origin-with-credentials"), "{text}");
    for bad in [
        vec![
            "doctor",
            "--origin",
            "https://a.example",
            "/nonexistent.xml",
        ],
        vec!["doctor", "--origin", "app.example.com"],
    ] {
        let mut cmd = Command::new(bin);
        cmd.args(&bad);
        if bad.len() == 3 {
            cmd.arg(&broken);
        }
        let o = cmd.output().expect("doctor runs");
        assert_eq!(o.status.code(), Some(2), "{bad:?}");
    }
}

/// `--target NAME`: the configuration read from a live bucket with GET
/// ?cors (here `coscors serve`, through a targets file), judged the same
/// as the file it was put from; a bucket without configuration is bad
/// input (2).
#[tokio::test]
async fn doctor_reads_a_live_bucket_with_target() {
    let served = serve("cos");
    let dir = scratch("doctor-target");
    let targets = dir.join("targets.yaml");
    std::fs::write(
        &targets,
        format!(
            "targets:\n  served:\n    endpoint: http://{}\n    bucket: examplebucket-1250000000\n    region: ap-beijing\n    addressing: virtual-host\n    profile: cos\n    signer: none\n",
            served.addr
        ),
    )
    .expect("write");
    let bin = env!("CARGO_BIN_EXE_coscors");
    let run = || {
        Command::new(bin)
            .args(["doctor", "--target", "served", "--targets"])
            .arg(&targets)
            .args(["--origin", "https://app.example.com", "--format", "json"])
            .output()
            .expect("doctor runs")
    };
    let o = run();
    assert_eq!(o.status.code(), Some(2), "no configuration yet");
    assert!(String::from_utf8_lossy(&o.stderr).contains("no CORS configuration"));
    let xml_text = "<CORSConfiguration><CORSRule><AllowedOrigin>https://app.example.com</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedMethod>HEAD</AllowedMethod><AllowedHeader>*</AllowedHeader><ExposeHeader>ETag</ExposeHeader></CORSRule></CORSConfiguration>";
    let put = common::request(
        served.addr,
        "PUT",
        "/?cors",
        &[(
            "Content-MD5",
            &coscors::model::content_md5_of(xml_text.as_bytes()),
        )],
        xml_text,
    )
    .await;
    assert_eq!(put.status, 200);
    let o = run();
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v: Value = serde_json::from_slice(&o.stdout).expect("JSON");
    let local = doctor::examine(
        &doctor::parse_config(xml_text).expect("config"),
        &["https://app.example.com".to_string()],
        &Engine::ALL,
    );
    assert_eq!(v["failing"].as_u64(), Some(local.failing as u64));
    // GET and HEAD pass; uploads and DELETE need PUT/POST/DELETE added.
    let d = v["diff"].as_str().unwrap_or("");
    for m in ["PUT", "POST", "DELETE"] {
        assert!(
            d.contains(&format!("+\t\t<AllowedMethod>{m}</AllowedMethod>")),
            "{d}"
        );
    }
}
