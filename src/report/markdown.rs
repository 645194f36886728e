//! `summary.md`: a table fit for `$GITHUB_STEP_SUMMARY`, then the failures.

use super::{Results, VerdictKind};

pub fn render(results: &Results) -> String {
    let mut out = format!(
        "# coscors conformance: {} case(s) × {} target(s)\n\nGenerated {} by coscors {}.\n\n",
        results.matrix().len(),
        results.targets.len(),
        results.generated_at,
        results.coscors_version
    );
    out.push_str("| target | profile | vendor | score vs COS | score vs S3 | conforms | diverges as recorded | divergence fixed | fails | not run |\n");
    out.push_str("|---|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
    let counts = results.counts();
    let scores = results.scores();
    for t in &results.targets {
        let c = counts.get(t.name.as_str()).cloned().unwrap_or_default();
        let n = |v| c.get(&v).copied().unwrap_or(0);
        let (cos, s3) = scores.get(t.name.as_str()).copied().unzip();
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            t.name,
            t.profile,
            t.vendor.as_deref().unwrap_or("-"),
            cos.map_or("-".into(), |s| s.to_string()),
            s3.flatten().map_or("-".into(), |s| s.to_string()),
            n(VerdictKind::Conforms),
            n(VerdictKind::DivergesAsRecorded),
            n(VerdictKind::DivergenceFixed),
            n(VerdictKind::Fails) + n(VerdictKind::Error),
            n(VerdictKind::NotRun)
        ));
    }
    let grades = results.grades();
    out.push_str(&format!(
        "\nEvidence: {}.\n",
        crate::case::Evidence::ALL
            .iter()
            .map(|e| format!("{} {}", grades.get(e).copied().unwrap_or(0), e.name()))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    let bad: Vec<_> = results
        .records
        .iter()
        .filter(|r| !r.verdict.ok() && (!r.step_passed || r.step == 0))
        .collect();
    if bad.is_empty() {
        out.push_str("\nNo failures.\n");
        return out;
    }
    out.push_str("\n## Failures\n\n");
    for r in bad {
        out.push_str(&format!(
            "<details><summary><b>{}</b> on <b>{}</b>: {}{}</summary>\n\n",
            r.case_id,
            r.target,
            r.verdict.words(),
            r.request
                .as_deref()
                .map(|q| format!(", step {} `{q}`", r.step))
                .unwrap_or_default()
        ));
        out.push_str(&format!(
            "Source ({}): {} · file `{}`\n\n",
            r.evidence, r.source, r.case_file
        ));
        if let Some(reason) = r.reason.as_deref().filter(|_| r.expected_from == "vendor") {
            out.push_str(&format!(
                "Expected as the vendor file records it: {reason}\n\n"
            ));
        }
        if let Some(e) = &r.error {
            out.push_str(&format!("```\n{e}\n```\n"));
        }
        if !r.diff.is_empty() {
            out.push_str(&format!("```diff\n{}```\n", r.diff));
        }
        out.push_str("</details>\n\n");
    }
    out
}
