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
    let expected = format!(
        "{} passed, 0 failed, 0 skipped",
        2 * common::suite_case_count()
    );
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
    // A recorded divergence is not a pass: it shows as skipped, with its
    // reason; the target is in the class names.
    let recorded = common::vendor_record_count("s3");
    assert!(junit.contains("<skipped message=\"diverges as recorded: AWS S3"));
    assert_eq!(junit.matches("<skipped ").count(), recorded, "{junit}");
    assert!(junit.contains("classname=\"emulator-s3.preflight\""));
    let md = std::fs::read_to_string(dir.join("summary.md")).expect("summary");
    let conforming = cases - recorded;
    let pct = 100.0 * conforming as f64 / cases as f64;
    assert!(
        md.contains(&format!(
            "| emulator-s3 | s3 | s3 | {pct:.1}% ({conforming}/{cases}) | 100.0% ({cases}/{cases}) | {conforming} | {recorded} | 0 | 0 | 0 |"
        )),
        "{md}"
    );
    assert!(
        md.contains(&format!(
            "| emulator | cos | - | 100.0% ({cases}/{cases}) | - | {cases} | 0 | 0 | 0 | 0 |"
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
            r["verdict"] = "fails".into();
        }
        if r["target"] == "emulator-s3" && r["case_id"] == "preflight/seed-exchange-1-put-object" {
            r["verdict"] = "conforms".into();
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
            && l.contains("preflight/max-age-zero on emulator: conforms -> fails")),
        "{text}"
    );
    assert!(
        lines.iter().any(|l| l.contains(
            "preflight/seed-exchange-1-put-object on emulator-s3: diverges-as-recorded -> conforms"
        )),
        "{text}"
    );
    assert!(
        text.contains("2 changed cell(s): 1 new failure(s), 0 fixed"),
        "{text}"
    );
}

/// A report folder whose results.json has `n` targets: emulator and
/// emulator-s3 as run, then copies of emulator-s3 (its divergences and
/// their diffs) under other names, rendered by `coscors report`.
fn report_with_targets(n: usize) -> std::path::PathBuf {
    let run = scratch("report-run");
    make_report(&run);
    let mut results: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("results.json")).expect("read"))
            .expect("json");
    let s3: Vec<serde_json::Value> = results["records"]
        .as_array()
        .expect("records")
        .iter()
        .filter(|r| r["target"] == "emulator-s3")
        .cloned()
        .collect();
    let info = results["targets"][1].clone();
    for i in 2..n {
        let name = format!("s3-peer-{}", i - 1);
        let mut t = info.clone();
        t["name"] = name.clone().into();
        results["targets"].as_array_mut().expect("targets").push(t);
        for r in &s3 {
            let mut r = r.clone();
            r["target"] = name.clone().into();
            results["records"].as_array_mut().expect("records").push(r);
        }
    }
    let dir = scratch(&format!("report-{n}-targets"));
    std::fs::write(
        dir.join("results.json"),
        serde_json::to_string(&results).expect("json"),
    )
    .expect("write");
    let (ok, text) = coscors(&["report", dir.to_str().unwrap_or_default()]);
    assert!(ok, "{text}");
    dir
}

fn names(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str())
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn the_page_reads_at_420_and_1600_px_with_six_targets_and_without_javascript() {
    if !common::require_browser(&["playwright-core"]) {
        return;
    }
    let dir = report_with_targets(6);
    let shots = dir.join("matrix");
    let (v, text) = common::node_json("tests/report/check_html.js", &[&dir, &shots], &[]);
    let all: Vec<String> = ["emulator", "emulator-s3"]
        .into_iter()
        .map(String::from)
        .chain((1..=4).map(|i| format!("s3-peer-{i}")))
        .collect();
    let cases = common::suite_case_count();
    assert_eq!(names(&v["targets"]), all, "{text}");
    assert_eq!(v["rows"], cases, "{text}");
    // Every view: every target column in view (the header row stays on
    // top when the page scrolls), no sideways scrolling; the totals, six
    // rows, in view on opening the page.
    for view in [
        "before",
        "wide",
        "permalink",
        "narrow",
        "narrow_closed",
        "nojs_1600",
        "nojs_420",
    ] {
        let l = &v[view];
        assert_eq!(l["totals_rows"], 6, "{view}: {text}");
        assert_eq!(names(&l["columns_in_view"]), all, "{view}: {text}");
        assert_eq!(l["horizontal_scroll"], false, "{view}: {text}");
    }
    for view in ["before", "narrow"] {
        assert_eq!(v[view]["totals_visible"], true, "{view}: {text}");
    }
    // Wide: the detail opens beside the matrix, covering no column; the
    // address is the cell's permalink, which opens it again in a new page.
    let hash = v["hash"].as_str().unwrap_or_default();
    assert!(
        hash.starts_with("#case=") && hash.contains("&target="),
        "{text}"
    );
    let id = hash.trim_start_matches('#');
    for view in ["wide", "permalink", "nojs_1600"] {
        let l = &v[view];
        assert_eq!(l["detail_open"], id, "{view}: {text}");
        assert_eq!(l["detail_overlay"], false, "{view}: {text}");
        assert_eq!(
            l["columns_covered"],
            serde_json::json!([]),
            "{view}: {text}"
        );
        assert!(
            l["detail_lines_differing"].as_u64().unwrap_or(0) > 0,
            "{view}: a divergence shows its differing lines: {text}"
        );
    }
    // Narrow: the detail covers the page and closes back to it.
    assert_eq!(v["narrow_detail"]["detail_open"], id, "{text}");
    assert_eq!(v["narrow_detail"]["detail_overlay"], true, "{text}");
    assert_eq!(v["narrow_closed"]["detail_open"], serde_json::Value::Null);
    assert_eq!(v["nojs_420"]["detail_open"], id, "{text}");
    // Without JavaScript: the whole table; the filters (script-driven) hidden.
    for view in ["nojs_1600", "nojs_420"] {
        assert_eq!(v[view]["rows"], cases, "{view}: {text}");
        assert_eq!(names(&v[view]["targets"]), all, "{view}: {text}");
        assert_eq!(v[view]["filters_hidden"], true, "{view}: {text}");
    }
    // The totals: emulator passes and answers as COS in every case.
    let totals = v["before"]["totals_text"].as_str().unwrap_or_default();
    assert!(
        totals.contains(&format!("100.0% ({cases}/{cases})")),
        "{totals}"
    );
    // The filters, and a conforming cell's detail built on click.
    let recorded = common::vendor_record_count("s3");
    assert_eq!(v["filtered_rows"], recorded, "{text}");
    assert_eq!(
        v["inferred_rows"],
        common::suite_cases_graded(coscors::case::Evidence::Inferred),
        "{text}"
    );
    assert!(
        v["conforming_hash"]
            .as_str()
            .is_some_and(|h| h.starts_with("#case=")),
        "a click on a conforming cell gives it a permalink: {text}"
    );
    let conforming = v["conforming_detail"].as_str().unwrap_or_default();
    assert!(
        conforming.contains(": conforms") && conforming.contains("step 1:"),
        "{text}"
    );
    assert_eq!(v["external_requests"], serde_json::json!([]), "{text}");
    assert_eq!(v["errors"], serde_json::json!([]), "{text}");
    for s in ["1600", "420", "nojs-1600", "nojs-420"] {
        assert!(dir.join(format!("matrix-{s}.png")).exists(), "{s}");
    }
}

#[test]
fn the_page_for_four_targets_is_under_300_kb_and_static() {
    let dir = report_with_targets(4);
    let html = std::fs::read_to_string(dir.join("index.html")).expect("html");
    let kb = html.len() as f64 / 1024.0;
    eprintln!("index.html for four targets: {kb:.1} KB");
    assert!(html.len() < 300 * 1024, "{kb:.1} KB");
    // The table is in the page, not built by the script: every case and
    // every cell, each cell a permalink, a diverging one with its detail.
    let cases = common::suite_case_count();
    assert_eq!(html.matches("<td class=\"case\">").count(), cases);
    assert_eq!(html.matches("<td class=\"cell ").count(), 4 * cases);
    let recorded = common::vendor_record_count("s3");
    assert_eq!(
        html.matches("<section id=\"case=").count(),
        3 * recorded,
        "one detail per cell that does not conform"
    );
    // A conforming cell has nothing to show without JavaScript: no link
    // (the script gives it its detail and permalink); the others link.
    assert!(html.contains("<td class=\"cell conforms\">conforms</td>"));
    assert!(html.contains(
        "<a href=\"#case=preflight/seed-exchange-1-put-object&amp;target=emulator-s3\">"
    ));
    // Sources that are URLs are links; the product each target named.
    assert!(html.contains("<a href=\"https://www.tencentcloud.com/document/product/436/"));
    assert!(
        html.contains("<td class=\"x\">tencent-cos</td>"),
        "the emulator's Server"
    );
    assert!(html.contains("suite commit <code"));
}

#[test]
fn a_report_into_an_old_report_folder_replaces_its_files_and_keeps_others() {
    let dir = scratch("report-reuse");
    std::fs::write(dir.join("junit-gone-target.xml"), "<old/>").expect("write");
    std::fs::write(dir.join("notes.txt"), "mine").expect("write");
    make_report(&dir);
    assert!(
        !dir.join("junit-gone-target.xml").exists(),
        "an old report file stays"
    );
    assert!(
        dir.join("notes.txt").exists(),
        "a file coscors does not own was removed"
    );
    assert!(dir.join("junit-emulator.xml").exists());
    let results: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("results.json")).expect("read"))
            .expect("json");
    assert_eq!(results["products"]["emulator"], "tencent-cos");
    assert!(
        results["suite_commit"].is_string(),
        "run inside a git checkout"
    );
}

#[test]
fn compare_names_added_and_removed_targets() {
    let old = report_with_targets(3);
    let new = scratch("report-fewer");
    let mut results: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(old.join("results.json")).expect("read"))
            .expect("json");
    for r in results["records"].as_array_mut().expect("records") {
        if r["target"] == "s3-peer-1" {
            r["target"] = "s3-peer-9".into();
        }
    }
    results["targets"][2]["name"] = "s3-peer-9".into();
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
    let cases = common::suite_case_count();
    assert!(
        text.contains(&format!("target removed: s3-peer-1 ({cases} cases)")),
        "{text}"
    );
    assert!(
        text.contains(&format!("target added: s3-peer-9 ({cases} cases)")),
        "{text}"
    );
    // A removed target's cells are not each a line; an added target's
    // failing cells would be new failures (here none fail).
    assert!(!text.contains("on s3-peer-1:"), "{text}");
    assert!(ok, "{text}");
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
    // It builds once, partitions the suite with nextest, publishes the
    // summary and JUnit, compares with the previous night; the real-bucket
    // job runs one at a time, on the secrets, with a time limit.
    assert!(text.contains("cargo nextest archive"));
    assert!(text.contains("cargo nextest run --archive-file nextest-archive.tar.zst"));
    assert!(text.contains("--partition hash:"));
    assert!(text.contains("$GITHUB_STEP_SUMMARY"));
    assert!(text.contains("actions/upload-artifact"));
    assert!(text.contains("mikepenz/action-junit-report"));
    assert!(text.contains("coscors report --compare previous-report report"));
    for (name, job) in jobs {
        assert!(job["timeout-minutes"].is_u64(), "{name}: timeout-minutes");
    }
    let cos = &v["jobs"]["cos"];
    assert!(cos["concurrency"]["group"].is_string());
    assert_eq!(cos["if"], "needs.secrets.outputs.cos == 'true'");
    let check = serde_json::to_string(&v["jobs"]["secrets"]).expect("json");
    assert!(
        check.contains("secrets.COS_SECRET_ID != ''")
            && check.contains("secrets.COS_SECRET_KEY != ''")
    );
}

#[test]
fn junit_of_four_targets_validates_against_the_common_junit_schema_with_no_duplicate_names() {
    // Four targets, with a case of each verdict somewhere.
    let dir = report_with_targets(4);
    let mut results: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("results.json")).expect("read"))
            .expect("json");
    for r in results["records"].as_array_mut().expect("records") {
        let (t, c) = (r["target"].clone(), r["case_id"].clone());
        if t == "s3-peer-1" && c == "preflight/max-age-zero" {
            r["verdict"] = "fails".into();
            r["step_passed"] = false.into();
            r["diff"] = "--- expected\n+++ observed\n-status: 200\n+status: 403\n".into();
        }
        if t == "s3-peer-2" && c == "preflight/max-age-zero" {
            r["verdict"] = "error".into();
            r["error"] = "connection refused".into();
        }
        if t == "s3-peer-2" && c == "preflight/seed-exchange-1-put-object" {
            r["verdict"] = "divergence-fixed".into();
        }
        if t == "emulator" && c == "preflight/max-age-zero" {
            r["verdict"] = "not-run".into();
            r["reason"] = "breaks the target".into();
        }
    }
    std::fs::write(
        dir.join("results.json"),
        serde_json::to_string(&results).expect("json"),
    )
    .expect("write");
    let (ok, text) = coscors(&["report", dir.to_str().unwrap_or_default()]);
    assert!(ok, "{text}");
    let files: Vec<std::path::PathBuf> = ["emulator", "emulator-s3", "s3-peer-1", "s3-peer-2"]
        .iter()
        .map(|t| dir.join(format!("junit-{t}.xml")))
        .collect();
    let all: Vec<String> = files
        .iter()
        .map(|f| std::fs::read_to_string(f).expect("junit"))
        .collect();
    assert!(all[2].contains("<failure message=\"step 1 "), "{}", all[2]);
    assert!(all[3].contains("<error message=\"connection refused\""));
    assert!(all[3].contains("divergence fixed: the target now answers as COS does"));
    assert!(all[0].contains("<skipped message=\"not run: breaks the target\"/>"));
    // No duplicate (class name, name) over the four files together, nor
    // suite names; the target is in both.
    let mut names = std::collections::BTreeSet::new();
    let mut suites = std::collections::BTreeSet::new();
    let mut count = 0;
    for (text, t) in all
        .iter()
        .zip(["emulator", "emulator-s3", "s3-peer-1", "s3-peer-2"])
    {
        for tc in text.split("<testcase").skip(1) {
            let attr = |a: &str| {
                let at = tc.find(&format!(" {a}=\"")).expect("attribute") + a.len() + 3;
                tc[at..at + tc[at..].find('"').expect("quote")].to_string()
            };
            assert!(attr("classname").starts_with(&format!("{t}.")), "{tc}");
            assert!(!tc[..tc.find('>').unwrap_or(0)].contains(" file="), "{tc}");
            assert!(
                names.insert((attr("classname"), attr("name"))),
                "duplicate: {tc}"
            );
            count += 1;
        }
        assert!(suites.insert(format!("coscors on {t}")));
        assert!(text.contains(&format!("<testsuite name=\"coscors on {t}\"")));
    }
    assert_eq!(count, 4 * common::suite_case_count());
    if !require("python xmlschema (PyPI)", python_has("xmlschema")) {
        return;
    }
    let out = Command::new("python3")
        .args([
            "-c",
            "import sys, xmlschema\nschema = xmlschema.XMLSchema(sys.argv[1])\nfor f in sys.argv[2:]:\n    schema.validate(f)\nprint('valid', len(sys.argv) - 2)",
        ])
        .arg(repo().join("tests/report/junit-10.xsd"))
        .args(&files)
        .output()
        .expect("python3");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && said.contains("valid 4"),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The schema is not a rubber stamp: the old `file` attribute fails it.
    let bad = dir.join("junit-bad.xml");
    std::fs::write(
        &bad,
        all[0].replacen("<testcase ", "<testcase file=\"cases/x.yaml\" ", 1),
    )
    .expect("write");
    let out = Command::new("python3")
        .args([
            "-c",
            "import sys, xmlschema\nxmlschema.XMLSchema(sys.argv[1]).validate(sys.argv[2])",
        ])
        .arg(repo().join("tests/report/junit-10.xsd"))
        .arg(&bad)
        .output()
        .expect("python3");
    assert!(!out.status.success(), "a file attribute must be refused");
}

/// Validate each JSON document of `docs` against `schema` with Python's
/// jsonschema; the indexes of those refused.
fn refused_by(schema: &str, docs: &[serde_json::Value]) -> Vec<usize> {
    let dir = scratch("schema-check");
    std::fs::write(dir.join("schema.json"), schema).expect("write");
    std::fs::write(
        dir.join("docs.json"),
        serde_json::to_string(docs).expect("json"),
    )
    .expect("write");
    let out = Command::new("python3")
        .args([
            "-c",
            "import json,sys,jsonschema\nv=jsonschema.Draft7Validator(json.load(open(sys.argv[1])))\nprint(json.dumps([i for i,d in enumerate(json.load(open(sys.argv[2]))) if not v.is_valid(d)]))",
        ])
        .arg(dir.join("schema.json"))
        .arg(dir.join("docs.json"))
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("a JSON list")
}

fn yaml_docs(path: &Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(path).expect("read");
    serde_norway::Deserializer::from_str(&text)
        .map(|d| serde::Deserialize::deserialize(d).expect("yaml"))
        .collect()
}

#[test]
fn the_case_schema_refuses_no_steps_and_a_status_out_of_range() {
    if !require("python jsonschema (PyPI)", python_has("jsonschema")) {
        return;
    }
    let (ok, schema) = coscors(&["schema"]);
    assert!(ok, "{schema}");
    let good = yaml_docs(&repo().join("cases/preflight/max-age-zero.yaml"))[0].clone();
    let mut no_steps = good.clone();
    no_steps["steps"] = serde_json::json!([]);
    let mut big = good.clone();
    big["steps"][0]["expect"]["status"] = 99999.into();
    let mut low = good.clone();
    low["steps"][0]["expect"]["status"] = 99.into();
    assert_eq!(
        refused_by(&schema, &[good, no_steps, big, low]),
        vec![1, 2, 3]
    );
}

#[test]
fn vendor_and_targets_schemas_accept_the_repository_files_and_refuse_unknown_fields() {
    if !require("python jsonschema (PyPI)", python_has("jsonschema")) {
        return;
    }
    let (ok, vendor_schema) = coscors(&["schema", "--vendor"]);
    assert!(ok, "{vendor_schema}");
    let mut vendors: Vec<serde_json::Value> = std::fs::read_dir(repo().join("cases/vendors"))
        .expect("cases/vendors")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .flat_map(|p| yaml_docs(&p))
        .collect();
    assert!(vendors.len() >= 3, "s3, moto, s3rver");
    let n = vendors.len();
    let mut bad = vendors[0].clone();
    bad["divergences"]
        .as_object_mut()
        .and_then(|m| m.values_mut().next())
        .expect("a divergence")["reasn"] = "typo".into();
    vendors.push(bad);
    assert_eq!(refused_by(&vendor_schema, &vendors), vec![n]);
    // The case schema is not the vendor files' (an editor set up with one
    // schema for all of cases/ marks them all invalid).
    let (_, case_schema) = coscors(&["schema"]);
    assert_eq!(refused_by(&case_schema, &vendors[..1]), vec![0]);

    let (ok, targets_schema) = coscors(&["schema", "--targets"]);
    assert!(ok, "{targets_schema}");
    let mut targets = yaml_docs(&repo().join("tests/peers/targets.yaml"));
    let mut bad = targets[0].clone();
    bad["targets"]["moto"]["vendr"] = "moto".into();
    let mut bad_signer = targets[0].clone();
    bad_signer["targets"]["moto"]["signer"] = "sigv5".into();
    targets.push(bad);
    targets.push(bad_signer);
    assert_eq!(refused_by(&targets_schema, &targets), vec![1, 2]);
}

/// The real thing: emulator, emulator-s3, moto and s3rver (started here on
/// loopback ports) in one run; the page stays under 300 KB and every JUnit
/// file validates.
#[test]
fn a_real_four_target_report_is_under_300_kb_and_its_junit_validates() {
    use std::process::Stdio;
    let moto = Command::new("moto_server")
        .arg("--help")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    let s3rver = repo().join("tests/peers/node_modules/s3rver/bin/s3rver.js");
    if !require(
        "moto[server] (PyPI) and s3rver (npm, in tests/peers)",
        moto && s3rver.exists(),
    ) {
        return;
    }
    let (moto_port, s3rver_port) = (common::free_port(), common::free_port());
    let data = scratch("report-s3rver-data");
    let _moto = common::Daemon(
        Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &moto_port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server starts"),
    );
    let _s3rver = common::Daemon(
        Command::new("node")
            .arg(&s3rver)
            .args(["-d", &data.to_string_lossy(), "-a", "127.0.0.1"])
            .args(["-p", &s3rver_port.to_string(), "--silent"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("s3rver starts"),
    );
    common::wait_for_port(moto_port, "moto_server");
    common::wait_for_port(s3rver_port, "s3rver");
    let dir = scratch("report-real-four");
    let peers = std::fs::read_to_string(repo().join("tests/peers/targets.yaml"))
        .expect("targets")
        .replace("127.0.0.1:25000", &format!("127.0.0.1:{moto_port}"))
        .replace("127.0.0.1:25001", &format!("127.0.0.1:{s3rver_port}"));
    std::fs::write(dir.join("targets.yaml"), peers).expect("write");
    let report = dir.join("report");
    let (ok, text) = common::output_text(&mut common::coscors_command(
        &[
            "run",
            "--targets",
            &dir.join("targets.yaml").to_string_lossy(),
            "--target",
            "emulator",
            "--target",
            "emulator-s3",
            "--target",
            "moto",
            "--target",
            "s3rver",
            "--out",
            &dir.join("run").to_string_lossy(),
            "--report",
            &report.to_string_lossy(),
        ],
        &[("PEER_KEY_ID", "S3RVER"), ("PEER_SECRET", "S3RVER")],
    ));
    assert!(ok, "{text}");
    let size = std::fs::metadata(report.join("index.html"))
        .expect("index.html")
        .len();
    eprintln!(
        "index.html of a real four-target run: {:.1} KB",
        size as f64 / 1024.0
    );
    assert!(size < 300 * 1024, "{size} bytes");
    let html = std::fs::read_to_string(report.join("index.html")).expect("html");
    assert!(
        html.contains("Werkzeug/"),
        "moto's Server header as its product"
    );
    if !require("python xmlschema (PyPI)", python_has("xmlschema")) {
        return;
    }
    let files: Vec<std::path::PathBuf> = ["emulator", "emulator-s3", "moto", "s3rver"]
        .iter()
        .map(|t| report.join(format!("junit-{t}.xml")))
        .collect();
    let out = Command::new("python3")
        .args([
            "-c",
            "import sys, xmlschema\nschema = xmlschema.XMLSchema(sys.argv[1])\nfor f in sys.argv[2:]:\n    schema.validate(f)\nprint('valid', len(sys.argv) - 2)",
        ])
        .arg(repo().join("tests/report/junit-10.xsd"))
        .args(&files)
        .output()
        .expect("python3");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("valid 4"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The engine columns: each step with an `Origin` carries, per engine, what
/// a page sees on the target and on COS (the case's expectation); the
/// summary and the page show them per engine, and say where the engines
/// see COS's own answer differently and why (their Max-Age caps, from their
/// source files: Chromium 7200 s, Firefox 86400 s, WebKit 600 s).
#[test]
fn the_report_has_a_column_per_engine_and_says_where_engines_differ() {
    let dir = scratch("report-engines");
    make_report(&dir);
    let results: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("results.json")).expect("read"))
            .expect("json");
    let step = |target: &str, case: &str, n: u64| {
        results["records"]
            .as_array()
            .expect("records")
            .iter()
            .find(|r| r["target"] == target && r["case_id"] == case && r["step"] == n)
            .cloned()
            .unwrap_or_else(|| panic!("no record of {case} step {n} on {target}"))
    };
    // Seed 003 exchange 1: MaxAgeSeconds 600, which no engine caps.
    let seed = step("emulator", "preflight/seed-exchange-1-put-object", 1);
    for engine in ["chromium", "firefox", "webkit"] {
        let b = &seed["browser"][engine];
        assert_eq!(b["cos"]["kind"], "preflight", "{b}");
        assert_eq!(b["cos"]["allowed"], true, "{b}");
        assert_eq!(b["cos"]["cached_seconds"], 600, "{b}");
        assert_eq!(b["target"], b["cos"], "{engine}");
    }
    // One year of MaxAgeSeconds: each engine keeps it for its own cap.
    let year = step("emulator", "preflight/max-age-large", 1);
    let cached: Vec<u64> = ["chromium", "firefox", "webkit"]
        .iter()
        .map(|e| {
            year["browser"][e]["cos"]["cached_seconds"]
                .as_u64()
                .unwrap_or(0)
        })
        .collect();
    assert_eq!(cached, [7200, 86400, 600], "{year}");
    // The s3 profile answers a prefix wildcard in AllowedHeader that COS
    // does not match: a page is let through where COS blocks it.
    let prefix = step("emulator-s3", "preflight/headers-prefix-wildcard", 1);
    assert_eq!(
        prefix["browser"]["webkit"]["cos"]["allowed"], false,
        "{prefix}"
    );
    assert_eq!(
        prefix["browser"]["webkit"]["target"]["allowed"], true,
        "{prefix}"
    );
    // A step without Origin has no browser view.
    let no_origin = step("emulator", "get-cors/several-rules", 1);
    assert!(no_origin.get("browser").is_none(), "{no_origin}");

    let summary = std::fs::read_to_string(dir.join("summary.md")).expect("summary");
    assert!(summary.contains("## In the browsers"), "{summary}");
    assert!(
        summary.contains("| target | chromium | firefox | webkit |"),
        "{summary}"
    );
    let emulator_row = summary
        .lines()
        .find(|l| l.starts_with("| emulator |") && l.contains('%') && l.matches('|').count() == 5)
        .unwrap_or_else(|| panic!("no engine row for the emulator: {summary}"));
    assert_eq!(emulator_row.matches("100.0%").count(), 3, "{emulator_row}");
    assert!(
        summary.contains("- `preflight/max-age-large` step 1 `OPTIONS /exampleobject`: the preflight is cached for chromium 7200 s, firefox 86400 s, webkit 600 s"),
        "{summary}"
    );
    assert!(
        summary.contains("preflight_result.cc"),
        "the why names the source"
    );
    assert!(
        summary.contains("- `preflight/headers-prefix-wildcard` (every engine): step 1 (OPTIONS): on COS blocked, here allowed"),
        "{summary}"
    );

    let html = std::fs::read_to_string(dir.join("index.html")).expect("html");
    assert!(html.contains("<table id=\"engines\">"));
    assert_eq!(
        html.matches("<th class=\"e\">").count(),
        2 * 3,
        "a column per engine per target"
    );
    assert!(html.contains("preflight/max-age-large<span class=\"ne\">≠</span>"));
    assert!(
        html.contains("<td class=d>✗"),
        "emulator-s3 differs in some cell"
    );
}

#[test]
fn a_version_2_results_json_still_renders() {
    let dir = scratch("report-v2");
    make_report(&dir);
    let path = dir.join("results.json");
    let mut results: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json");
    results["schema_version"] = 2.into();
    for r in results["records"].as_array_mut().expect("records") {
        r.as_object_mut().expect("record").remove("browser");
    }
    std::fs::write(&path, serde_json::to_string(&results).expect("json")).expect("write");
    let (ok, text) = coscors(&["report", dir.to_str().unwrap_or_default()]);
    assert!(ok, "{text}");
    let summary = std::fs::read_to_string(dir.join("summary.md")).expect("summary");
    assert!(
        !summary.contains("## In the browsers"),
        "no browser data, no section"
    );
}
