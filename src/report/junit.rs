//! JUnit XML, as GitHub Actions and GitLab display it: one testsuite per
//! target, one testcase per case, the diff as the failure message.

use std::collections::BTreeMap;

use quick_xml::escape::escape;

use super::{Record, Results, VerdictKind};

pub fn render(results: &Results, target: &str) -> String {
    let mut cases: BTreeMap<&str, Vec<&Record>> = BTreeMap::new();
    for r in results.records.iter().filter(|r| r.target == target) {
        cases.entry(&r.case_id).or_default().push(r);
    }
    let failures = cases
        .values()
        .filter(|rs| {
            matches!(
                rs[0].verdict,
                VerdictKind::Fail | VerdictKind::DivergenceFixed
            )
        })
        .count();
    let errors = cases
        .values()
        .filter(|rs| rs[0].verdict == VerdictKind::Error)
        .count();
    let time: f64 = cases.values().map(|rs| rs[0].duration_ms / 1000.0).sum();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"coscors\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\" time=\"{time:.3}\">\n",
        cases.len()
    ));
    out.push_str(&format!(
        "  <testsuite name=\"coscors on {}\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"0\" time=\"{time:.3}\" timestamp=\"{}\">\n",
        escape(target),
        cases.len(),
        escape(results.generated_at.as_str())
    ));
    for (id, rs) in &cases {
        let first = rs[0];
        out.push_str(&format!(
            "    <testcase classname=\"{}\" name=\"{}\" file=\"{}\" time=\"{:.3}\"",
            escape(first.api.as_str()),
            escape(*id),
            escape(first.case_file.as_str()),
            first.duration_ms / 1000.0
        ));
        let diff: String = rs
            .iter()
            .filter(|r| !r.step_passed)
            .map(|r| {
                format!(
                    "step {}: {}\n{}",
                    r.step,
                    r.request.as_deref().unwrap_or(""),
                    r.diff
                )
            })
            .collect();
        match first.verdict {
            VerdictKind::Pass => out.push_str("/>\n"),
            VerdictKind::KnownDivergence => out.push_str(&format!(
                ">\n      <system-out>known divergence: {}</system-out>\n    </testcase>\n",
                escape(first.reason.as_deref().unwrap_or(""))
            )),
            VerdictKind::DivergenceFixed => out.push_str(
                ">\n      <failure message=\"divergence fixed: remove it from the vendor file\" type=\"divergence-fixed\"/>\n    </testcase>\n",
            ),
            VerdictKind::Fail => out.push_str(&format!(
                ">\n      <failure message=\"{}\" type=\"mismatch\">{}</failure>\n    </testcase>\n",
                escape(diff.lines().take(3).collect::<Vec<_>>().join(" | ").as_str()),
                escape(diff.as_str())
            )),
            VerdictKind::Error => out.push_str(&format!(
                ">\n      <error message=\"{}\" type=\"error\"/>\n    </testcase>\n",
                escape(first.error.as_deref().unwrap_or(""))
            )),
        }
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}
