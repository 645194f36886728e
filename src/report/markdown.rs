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
    engines(&mut out, results);
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

/// The engine columns: per target and engine, the cases in which a page
/// sees what it sees on COS; the cells where it does not, and how; and the
/// cases whose COS answer the engines see differently, and why.
fn engines(out: &mut String, results: &Results) {
    use crate::model::browser::Engine;
    let scores = results.browser_scores();
    if scores.values().all(|m| m.values().all(|s| s.of == 0)) {
        return;
    }
    out.push_str("\n## In the browsers\n\nWhat a page at the case's `Origin` sees in each engine (a `fetch()` in its default credentials mode): the cases in which it sees on the target what it sees on COS, out of those with a step a page sees.\n\n| target |");
    for e in Engine::ALL {
        out.push_str(&format!(" {e} |"));
    }
    out.push_str("\n|---|");
    for _ in Engine::ALL {
        out.push_str("---:|");
    }
    out.push('\n');
    for t in &results.targets {
        out.push_str(&format!("| {} |", t.name));
        for e in Engine::ALL {
            let s = scores.get(t.name.as_str()).and_then(|m| m.get(&e));
            out.push_str(&format!(" {} |", s.map_or("-".into(), ToString::to_string)));
        }
        out.push('\n');
    }
    let differ = results.engine_differences();
    if !differ.is_empty() {
        out.push_str("\nWhere the engines see COS's answer differently:\n\n");
        for (case, steps) in &differ {
            for d in steps {
                out.push_str(&format!(
                    "- `{case}` step {} `{}`: {}\n",
                    d.step, d.request, d.why
                ));
            }
        }
    }
    let matrix = results.browser_matrix();
    for t in &results.targets {
        let lines: Vec<String> = super::engines::differences_on(&matrix, &t.name)
            .into_iter()
            .map(|l| format!("- {l}"))
            .collect();
        if !lines.is_empty() {
            out.push_str(&format!(
                "\n<details><summary>Where a page sees <b>{}</b> otherwise than COS: {} case(s)</summary>\n\n{}\n\n</details>\n",
                t.name,
                lines.len(),
                lines.join("\n")
            ));
        }
    }
}
