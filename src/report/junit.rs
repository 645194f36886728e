//! JUnit XML, as GitHub Actions and GitLab display it: one file per target,
//! its testsuite named after it, one testcase per case with the target in
//! its class name (`<target>.<api>`: files of several targets uploaded
//! together have no duplicate names), the diff as the failure's text.
//! Valid against the common JUnit schema (the Jenkins xunit plugin's
//! `junit-10.xsd`, checked in tests/report.rs): so no `file` attribute on a
//! testcase and no `skipped` count on testsuites; the case file and its
//! source are in the testcase's `system-out`.

use std::collections::BTreeMap;

use quick_xml::escape::escape;

use super::{Record, Results, VerdictKind};

pub fn render(results: &Results, target: &str) -> String {
    let mut cases: BTreeMap<&str, Vec<&Record>> = BTreeMap::new();
    for r in results.records.iter().filter(|r| r.target == target) {
        cases.entry(&r.case_id).or_default().push(r);
    }
    let count = |f: fn(VerdictKind) -> bool| cases.values().filter(|rs| f(rs[0].verdict)).count();
    let failures = count(|v| v == VerdictKind::Fails);
    let errors = count(|v| v == VerdictKind::Error);
    // A divergence, even a recorded one, is not a pass: JUnit readers show
    // it as skipped, with the vendor file's reason.
    let skipped = count(|v| matches!(v, VerdictKind::DivergesAsRecorded | VerdictKind::NotRun));
    let time: f64 = cases.values().map(|rs| rs[0].duration_ms / 1000.0).sum();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"coscors on {}\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\" time=\"{time:.3}\">\n",
        escape(target),
        cases.len()
    ));
    out.push_str(&format!(
        "  <testsuite name=\"coscors on {}\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\" time=\"{time:.3}\" timestamp=\"{}\">\n",
        escape(target),
        cases.len(),
        escape(results.generated_at.as_str())
    ));
    for (id, rs) in &cases {
        let first = rs[0];
        out.push_str(&format!(
            "    <testcase classname=\"{}.{}\" name=\"{}\" time=\"{:.3}\">\n",
            escape(target),
            escape(first.api.as_str()),
            escape(*id),
            first.duration_ms / 1000.0
        ));
        let failing: Vec<&&Record> = rs.iter().filter(|r| !r.step_passed).collect();
        let diff: String = failing
            .iter()
            .map(|r| {
                format!(
                    "step {}: {} (expected: {})\n{}",
                    r.step,
                    r.request.as_deref().unwrap_or(""),
                    if r.expected_from == "vendor" {
                        "as the vendor file records"
                    } else {
                        "as COS"
                    },
                    r.diff
                )
            })
            .collect();
        let reason = first.reason.as_deref().unwrap_or("");
        let mut system_out = format!("file: {}\nsource: {}", first.case_file, first.source);
        match first.verdict {
            VerdictKind::Conforms => {}
            VerdictKind::DivergenceFixed => system_out.push_str(&format!(
                "\ndivergence fixed: the target now answers as COS does; remove the vendor file's record ({reason})"
            )),
            VerdictKind::DivergesAsRecorded => out.push_str(&format!(
                "      <skipped message=\"diverges as recorded: {}\"/>\n",
                escape(reason)
            )),
            VerdictKind::NotRun => out.push_str(&format!(
                "      <skipped message=\"not run: {}\"/>\n",
                escape(reason)
            )),
            VerdictKind::Fails => {
                let mut message = failure_message(&failing);
                if !reason.is_empty() {
                    message.push_str(&format!(" (vendor record: {reason})"));
                }
                out.push_str(&format!(
                    "      <failure message=\"{}\" type=\"mismatch\">{}</failure>\n",
                    escape(message.as_str()),
                    escape(diff.as_str())
                ));
            }
            VerdictKind::Error => out.push_str(&format!(
                "      <error message=\"{}\" type=\"error\"/>\n",
                escape(first.error.as_deref().unwrap_or(""))
            )),
        }
        out.push_str(&format!(
            "      <system-out>{}</system-out>\n    </testcase>\n",
            escape(system_out.as_str())
        ));
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

/// One line: the first step that failed and its first differing item, as
/// expected and as observed.
fn failure_message(failing: &[&&Record]) -> String {
    let Some(r) = failing.first() else {
        return "failed".to_string();
    };
    let changed = |sign: char| {
        r.diff
            .lines()
            .find(|l| l.starts_with(sign) && !l.starts_with("---") && !l.starts_with("+++"))
            .map(|l| l[1..].to_string())
            .unwrap_or_default()
    };
    format!(
        "step {} {}: expected {}, observed {}",
        r.step,
        r.request.as_deref().unwrap_or(""),
        changed('-'),
        changed('+')
    )
}
