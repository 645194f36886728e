//! Reports: one command writes results.json (valid against its schema),
//! JUnit XML per target, summary.md and index.html; the page works in
//! headless Chromium with no external request; `report --compare` lists
//! exactly the changed cells; `report DIR` re-renders from results.json.

mod common;

use std::path::Path;
use std::process::Command;

use common::{python_has, repo, require, scratch};

fn coscors(args: &[&str]) -> (bool, String) {
    common::coscors_output(args)
}

fn make_report(dir: &Path) {
    let (ok, text) = coscors(&[
        "run",
        "--target",
        "emulator",
        "--target",
        "emulator-s3",
        "--report",
        dir.to_str().unwrap_or_default(),
    ]);
    assert!(ok, "{text}");
    let expected = format!("{} passed, 0 failed", 2 * common::suite_case_count());
    assert!(text.contains(&expected), "{text}");
}

#[test]
fn writes_all_four_files_and_results_validate() {
    let dir = scratch("report");
    make_report(&dir);
    for f in [
        "results.json",
        "junit-emulator.xml",
        "junit-emulator-s3.xml",
        "summary.md",
        "index.html",
    ] {
        assert!(dir.join(f).exists(), "{f} missing");
    }
    let junit = std::fs::read_to_string(dir.join("junit-emulator-s3.xml")).expect("junit");
    let cases = common::suite_case_count();
    assert_eq!(junit.matches("<testcase ").count(), cases);
    assert!(junit.contains("known divergence: AWS S3"));
    let md = std::fs::read_to_string(dir.join("summary.md")).expect("summary");
    let s3 = s3_divergences();
    assert!(
        md.contains(&format!(
            "| emulator-s3 | s3 | s3 | {} | {s3} | 0 | 0 | 0 |",
            cases - s3
        )),
        "{md}"
    );
    let html = std::fs::read_to_string(dir.join("index.html")).expect("html");
    assert!(
        !html.contains("http://") || !html.contains("<script src"),
        "external script"
    );
    assert!(!html.contains("<link") && !html.contains("src=\"http"));
    if require("python jsonschema (PyPI)", python_has("jsonschema")) {
        let out = Command::new("python3")
            .args([
                "-c",
                "import json,sys,jsonschema; jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))); print('valid')",
            ])
            .arg(dir.join("results.json"))
            .arg(repo().join("reports/results.schema.json"))
            .output()
            .expect("python3");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // Re-render from results.json alone.
    std::fs::remove_file(dir.join("index.html")).expect("rm");
    std::fs::remove_file(dir.join("summary.md")).expect("rm");
    let (ok, text) = coscors(&["report", dir.to_str().unwrap_or_default()]);
    assert!(ok, "{text}");
    assert_eq!(
        std::fs::read_to_string(dir.join("summary.md")).expect("re-rendered"),
        md
    );
    assert!(dir.join("index.html").exists());
}

#[test]
fn compare_lists_exactly_the_changed_cells() {
    let old = scratch("report-old");
    make_report(&old);
    // A second run where two cells changed: one case newly fails, one
    // known divergence becomes a pass.
    let new = scratch("report-new");
    std::fs::create_dir_all(&new).expect("dir");
    let mut results: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(old.join("results.json")).expect("read"))
            .expect("json");
    for r in results["records"].as_array_mut().expect("records") {
        if r["target"] == "emulator" && r["case_id"] == "preflight/max-age-zero" {
            r["verdict"] = "fail".into();
        }
        if r["target"] == "emulator-s3" && r["case_id"] == "preflight/seed-exchange-1-put-object" {
            r["verdict"] = "pass".into();
        }
    }
    std::fs::write(
        new.join("results.json"),
        serde_json::to_string(&results).expect("json"),
    )
    .expect("write");
    let (ok, text) = coscors(&[
        "report",
        "--compare",
        old.to_str().unwrap_or_default(),
        new.to_str().unwrap_or_default(),
    ]);
    assert!(!ok, "a new failure makes the comparison fail:\n{text}");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(
        lines.iter().any(|l| l.starts_with("NEW FAILURE")
            && l.contains("preflight/max-age-zero on emulator: pass -> fail")),
        "{text}"
    );
    assert!(
        lines.iter().any(|l| l.contains(
            "preflight/seed-exchange-1-put-object on emulator-s3: known-divergence -> pass"
        )),
        "{text}"
    );
    assert!(
        text.contains("2 changed cell(s): 1 new failure(s), 0 fixed"),
        "{text}"
    );
}

#[test]
fn the_page_works_in_headless_chromium() {
    if !common::require_browser(&["playwright-core"]) {
        return;
    }
    let dir = scratch("report-html");
    make_report(&dir);
    let shot = dir.join("matrix.png");
    let (v, text) = common::node_json("tests/report/check_html.js", &[&dir, &shot], &[]);
    assert_eq!(v["rows"], common::suite_case_count(), "{text}");
    assert_eq!(
        v["targets"],
        serde_json::json!(["emulator", "emulator-s3"]),
        "{text}"
    );
    assert_eq!(v["filtered_rows"], s3_divergences(), "{text}");
    assert!(
        v["bad_lines"].as_u64().unwrap_or(0) > 0,
        "a known divergence shows differing lines: {text}"
    );
    assert_eq!(v["external_requests"], serde_json::json!([]), "{text}");
    assert!(shot.exists());
}

#[test]
fn the_case_schema_accepts_every_case_and_refuses_an_unknown_field() {
    if !require("python jsonschema (PyPI)", python_has("jsonschema")) {
        return;
    }
    let dir = scratch("schema");
    let (ok, schema) = coscors(&["schema"]);
    assert!(ok, "{schema}");
    std::fs::write(dir.join("case.schema.json"), &schema).expect("write schema");
    let mut docs = Vec::new();
    let files = coscors::case::discover(&[repo().join("cases")]).expect("cases");
    for f in &files {
        let text = std::fs::read_to_string(f).expect("read");
        for doc in serde_norway::Deserializer::from_str(&text) {
            let v: serde_json::Value = serde::Deserialize::deserialize(doc).expect("yaml");
            docs.push(v);
        }
    }
    assert!(docs.len() >= common::suite_case_count());
    let mut bad = docs[0].clone();
    bad["steps"][0]["request"]["bogus"] = 1.into();
    std::fs::write(
        dir.join("docs.json"),
        serde_json::to_string(&docs).expect("json"),
    )
    .expect("write");
    std::fs::write(
        dir.join("bad.json"),
        serde_json::to_string(&vec![bad]).expect("json"),
    )
    .expect("write");
    let check = |docs: &str| {
        Command::new("python3")
            .args([
                "-c",
                "import json,sys,jsonschema\nschema=json.load(open(sys.argv[1]))\nfor d in json.load(open(sys.argv[2])): jsonschema.validate(d, schema)\nprint('valid')",
            ])
            .arg(dir.join("case.schema.json"))
            .arg(dir.join(docs))
            .output()
            .expect("python3")
    };
    let good = check("docs.json");
    assert!(
        good.status.success(),
        "{}",
        String::from_utf8_lossy(&good.stderr)
    );
    let refused = check("bad.json");
    assert!(
        !refused.status.success(),
        "an unknown field must be refused"
    );
}

#[test]
fn the_nightly_workflow_is_a_github_actions_workflow() {
    let text =
        std::fs::read_to_string(repo().join(".github/workflows/nightly.yml")).expect("workflow");
    let v: serde_json::Value = serde_norway::from_str(&text).expect("valid YAML");
    assert!(v["on"]["schedule"].is_array(), "scheduled");
    let jobs = v["jobs"].as_object().expect("jobs");
    assert!(jobs.len() >= 3);
    for (name, job) in jobs {
        assert!(job["runs-on"].is_string(), "{name}: runs-on");
        for step in job["steps"].as_array().expect("steps") {
            assert!(
                step.get("uses").is_some() != step.get("run").is_some(),
                "{name}: a step uses an action or runs a command"
            );
        }
    }
    // It partitions the suite with nextest and publishes the summary.
    assert!(text.contains("cargo nextest run --test conformance --partition hash:"));
    assert!(text.contains("$GITHUB_STEP_SUMMARY"));
    assert!(text.contains("actions/upload-artifact"));
}

/// How many divergences cases/vendors/s3.yaml records (the known
/// divergences of emulator-s3).
fn s3_divergences() -> usize {
    coscors::case::load_vendor(&common::repo().join("cases"), "s3")
        .expect("cases/vendors/s3.yaml")
        .len()
}
