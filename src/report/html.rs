//! `index.html`: one self-contained page (no network, no CDN), rendered
//! here as static HTML that reads without JavaScript: per-target totals
//! at the top, then the matrix of cases (rows, grouped by API) × targets
//! (columns), coloured by verdict. Every cell links to `#case=ID&target=T`;
//! the details of the cells that do not conform (the step diffs, side by
//! side) are in the page and open by CSS `:target` alone. The script only
//! enhances: filters, details without a scroll jump, and a detail built
//! for a conforming cell from the little data embedded for it.
//!
//! Only what the page shows is in it (not results.json): lines longer than
//! [`MAX_LINE`] characters are cut, and passing steps show their request
//! line only.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use anyhow::Result;
use quick_xml::escape::escape;

use super::{Record, Results, Score, VerdictKind};

/// The page around the rendered parts.
const PAGE: &str = include_str!("matrix.html");

/// Characters of an expected or observed line the page shows.
pub const MAX_LINE: usize = 80;

struct Case<'a> {
    api: &'a str,
    source: &'a str,
    evidence: &'a str,
    file: &'a str,
    by: BTreeMap<&'a str, Vec<&'a Record>>,
}

/// `#case=ID&target=T`, with what a fragment cannot hold percent-encoded
/// (the element's id is the decoded form).
pub fn permalink(case: &str, target: &str) -> String {
    format!("#case={}&target={}", encode(case), encode(target))
}

/// The id of a cell's detail: the permalink's fragment, decoded.
fn detail_id(case: &str, target: &str) -> String {
    format!("case={case}&target={target}")
}

fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/!$'()*+,;:@".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

fn esc(s: &str) -> std::borrow::Cow<'_, str> {
    escape(s)
}

/// A case's sources, each a link where it is a URL.
fn sources(out: &mut String, source: &str) {
    for (i, s) in source.split(" ; ").enumerate() {
        if i > 0 {
            out.push_str(" · ");
        }
        if s.starts_with("https://") || s.starts_with("http://") {
            let _ = write!(out, "<a href=\"{}\">{}</a>", esc(s), esc(&link_text(s)));
        } else {
            out.push_str(&esc(s));
        }
    }
}

/// A source URL as a short link text: its host and its last path segment
/// (percent-escapes decoded), e.g. `tencentcloud.com/…/8288`; the link
/// itself keeps the whole URL.
fn link_text(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let host = host.strip_prefix("www.").unwrap_or(host);
    let path = path.split(['?', '#']).next().unwrap_or("");
    let last = path.trim_end_matches('/').rsplit('/').next().unwrap_or("");
    let last = crate::http::percent_decode(last);
    let fragment = url
        .split_once('#')
        .map(|(_, f)| format!("#{f}"))
        .unwrap_or_default();
    match (last.is_empty(), path.trim_end_matches('/').contains('/')) {
        (true, _) => host.to_string(),
        (false, true) => format!("{host}/…/{last}{fragment}"),
        (false, false) => format!("{host}/{last}{fragment}"),
    }
}

/// At most [`MAX_LINE`] characters of `line` from byte `start` (a char
/// boundary), with `…` where something was left out.
fn window(line: &str, start: usize) -> String {
    let rest = &line[start..];
    let head = if start > 0 { "…" } else { "" };
    match rest.char_indices().nth(MAX_LINE) {
        None => format!("{head}{rest}"),
        Some((at, _)) => format!("{head}{}… ({} more bytes)", &rest[..at], rest.len() - at),
    }
}

/// An expected and an observed line cut to the same window: the one around
/// their first difference, so that long lines (messages, bodies) that differ
/// late still show how.
fn cut_pair(e: &str, o: &str) -> (String, String) {
    let common = e
        .char_indices()
        .zip(o.chars())
        .find(|((_, a), b)| a != b)
        .map_or(e.len().min(o.len()), |((i, _), _)| i);
    // Start a little before the difference, on a character boundary.
    let mut start = common.saturating_sub(40);
    while !e.is_char_boundary(start) {
        start -= 1;
    }
    if e.len().max(o.len()) - start <= MAX_LINE || common <= MAX_LINE / 2 {
        start = 0;
    }
    (window(e, start), window(o, start.min(o.len())))
}

/// The first 12 hex digits of a commit, and what follows them (`+modified`).
fn short_commit(c: &str) -> String {
    let hex = c.bytes().take_while(u8::is_ascii_hexdigit).count();
    if hex > 12 {
        format!("{}{}", &c[..12], &c[hex..])
    } else {
        c.to_string()
    }
}

fn score_cell(s: Score) -> String {
    format!(
        "{:.1}%<span class=\"n\"> ({}/{})</span>",
        s.percent(),
        s.conforming,
        s.of
    )
}

pub fn render(results: &Results) -> Result<String> {
    let mut cases: BTreeMap<&str, Case> = BTreeMap::new();
    for r in &results.records {
        let c = cases.entry(&r.case_id).or_insert_with(|| Case {
            api: &r.api,
            source: &r.source,
            evidence: r.evidence.name(),
            file: &r.case_file,
            by: BTreeMap::new(),
        });
        c.by.entry(&r.target).or_default().push(r);
    }
    let targets: Vec<&str> = results.targets.iter().map(|t| t.name.as_str()).collect();
    let scores = results.scores();
    let counts = results.counts();
    // Per target: (cases that pass the gate, cases run).
    let gate: BTreeMap<&str, Score> = targets
        .iter()
        .map(|t| {
            let c = counts.get(t).cloned().unwrap_or_default();
            let n = |v: VerdictKind| c.get(&v).copied().unwrap_or(0);
            let run: usize = c.values().sum::<usize>() - n(VerdictKind::NotRun);
            let failing = n(VerdictKind::Fails) + n(VerdictKind::Error);
            (
                *t,
                Score {
                    conforming: run - failing,
                    of: run,
                },
            )
        })
        .collect();

    let commit = results.suite_commit.as_deref().unwrap_or("unknown");
    let mut meta = format!(
        "{} cases × {} targets · suite commit <code title=\"{}\">{}</code> · coscors {} · generated {}",
        cases.len(),
        targets.len(),
        esc(commit),
        esc(&short_commit(commit)),
        esc(&results.coscors_version),
        esc(&results.generated_at)
    );
    meta.push('\n');

    // The totals, one row per target.
    let mut totals = String::new();
    totals.push_str("<table id=\"totals\"><thead><tr><th>target</th><th class=\"x\">product</th><th class=\"x\">profile</th><th class=\"x\">vendor file</th>");
    for v in VerdictKind::ALL {
        let _ = write!(
            totals,
            "<th class=\"x v {}\">{}</th>",
            v.name(),
            esc(v.words())
        );
    }
    totals.push_str(
        "<th>passes</th><th>answers as COS</th><th>answers as S3</th></tr></thead><tbody>\n",
    );
    for t in &results.targets {
        let c = counts.get(t.name.as_str()).cloned().unwrap_or_default();
        let _ = write!(
            totals,
            "<tr><th>{}</th><td class=\"x\">{}</td><td class=\"x\">{}</td><td class=\"x\">{}</td>",
            esc(&t.name),
            esc(results.products.get(&t.name).map_or("—", String::as_str)),
            esc(&t.profile),
            esc(t.vendor.as_deref().unwrap_or("—"))
        );
        for v in VerdictKind::ALL {
            let _ = write!(
                totals,
                "<td class=\"x num\">{}</td>",
                c.get(&v).copied().unwrap_or(0)
            );
        }
        let (cos, s3) = scores.get(t.name.as_str()).copied().unwrap_or((
            Score {
                conforming: 0,
                of: 0,
            },
            None,
        ));
        let _ = writeln!(
            totals,
            "<td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            score_cell(gate[t.name.as_str()]),
            score_cell(cos),
            s3.map_or("—".to_string(), score_cell)
        );
    }
    totals.push_str("</tbody></table>\n<p class=\"meta\">passes: the cases that answer as COS or as the target's vendor file records, out of those run (what the gate counts); answers as COS, as S3: out of all its cases.</p>\n");

    // The matrix.
    let mut m = String::new();
    m.push_str("<table id=\"matrix\"><thead><tr><th class=\"case\">case</th><th class=\"grade\">evidence</th>");
    for t in &targets {
        let _ = write!(m, "<th class=\"t\" scope=\"col\">{}</th>", esc(t));
    }
    m.push_str(
        "</tr>\n<tr class=\"scores\"><th class=\"case\">passes</th><th class=\"grade\"></th>",
    );
    for t in &targets {
        let _ = write!(m, "<th>{}</th>", score_cell(gate[t]));
    }
    m.push_str("</tr>\n<tr class=\"scores\"><th class=\"case\">answers as COS</th><th class=\"grade\"></th>");
    for t in &targets {
        let _ = write!(m, "<th>{}</th>", score_cell(scores[t].0));
    }
    m.push_str("</tr>\n<tr class=\"scores\"><th class=\"case\">answers as S3</th><th class=\"grade\"></th>");
    for t in &targets {
        let s = scores[t].1.map_or("—".to_string(), score_cell);
        let _ = write!(m, "<th>{s}</th>");
    }
    m.push_str("</tr></thead>\n<tbody>\n");
    let mut details = String::new();
    let mut steps: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let mut files: BTreeMap<&str, &str> = BTreeMap::new();
    let mut last_api = None;
    for (id, c) in &cases {
        if last_api != Some(c.api) {
            let _ = writeln!(
                m,
                "<tr class=\"group\"><td colspan=\"{1}\">{0}</td></tr>",
                esc(c.api),
                targets.len() + 2
            );
            last_api = Some(c.api);
        }
        let verdicts: Vec<Option<VerdictKind>> = targets
            .iter()
            .map(|t| c.by.get(t).map(|rs| rs[0].verdict))
            .collect();
        let mut src = String::new();
        sources(&mut src, c.source);
        let _ = write!(
            m,
            "<tr><td class=\"case\">{}<div class=\"src\">{}</div></td><td class=\"grade\">{}</td>",
            esc(id),
            src,
            c.evidence
        );
        for (t, v) in targets.iter().zip(&verdicts) {
            match v {
                None => m.push_str("<td class=\"cell none\">—</td>"),
                // A conforming cell has no detail in the page (nothing
                // differs): no link without JavaScript; the script opens its
                // small detail (and its permalink) on a click.
                Some(VerdictKind::Conforms) => {
                    m.push_str("<td class=\"cell conforms\">conforms</td>");
                }
                Some(v) => {
                    let _ = write!(
                        m,
                        "<td class=\"cell {}\"><a href=\"{}\">{}</a></td>",
                        v.name(),
                        esc(&permalink(id, t)),
                        esc(v.short())
                    );
                    if *v != VerdictKind::Conforms {
                        detail(&mut details, id, t, c);
                    }
                }
            }
        }
        m.push_str("</tr>\n");
        if let Some(rs) = c.by.values().find(|rs| rs.iter().any(|r| r.step > 0)) {
            steps.insert(id, rs.iter().filter_map(|r| r.request.as_deref()).collect());
        }
        // The page gives a file's path only where it is not the usual one.
        if !c.file.ends_with(&format!("{id}.yaml")) {
            files.insert(id, c.file);
        }
    }
    m.push_str("</tbody></table>\n");
    // `</` inside the JSON would end the script element.
    let data = serde_json::json!({ "targets": targets, "steps": steps, "files": files });
    // Where a case's file is when it is not in `files`: `<root><id>.yaml`.
    let root = cases
        .iter()
        .find_map(|(id, c)| c.file.strip_suffix(&format!("{id}.yaml")))
        .unwrap_or("");
    let mut data = data;
    data["root"] = root.into();
    let data = serde_json::to_string(&data)?.replace("</", "<\\/");
    Ok(PAGE
        .replace("__ENGINES__", &engines(results))
        .replace("__META__", &meta)
        .replace("__TOTALS__", &totals)
        .replace("__MATRIX__", &m)
        .replace("__DETAILS__", &details)
        .replace("__DATA__", &data))
}

/// The engine columns, wpt.fyi style: per case (the ones with a step a
/// page sees) and target, one cell per engine: ✓ where a page sees on the
/// target what it sees on COS, ✗ where not (the title says how); then the
/// cases whose COS answer the engines themselves see differently, and why.
fn engines(results: &Results) -> String {
    use crate::model::browser::Engine;
    let matrix = results.browser_matrix();
    let scores = results.browser_scores();
    let differ = results.engine_differences();
    let targets: Vec<&str> = results.targets.iter().map(|t| t.name.as_str()).collect();
    let mut out = String::from(
        "<h2>In the browsers</h2>\n<p class=\"meta\">What a page at the case's <code>Origin</code> sees in each engine (a <code>fetch()</code> in its default credentials mode): of a preflight, whether its request goes and how long the answer is cached; of a response, whether it may read it and which headers beyond the safelisted ones. ✓: as on COS (the case's expectation); ✗: otherwise (listed below the table, per target); ≠ beside a case: the engines see COS's own answer differently. Each engine's profile is checked against the real engine by <code>tests/browser.rs</code>.</p>\n<div class=\"scroll\"><table id=\"engines\"><thead><tr><th rowspan=\"2\">case</th>",
    );
    for t in &targets {
        let _ = write!(out, "<th colspan=\"{}\">{}</th>", Engine::ALL.len(), esc(t));
    }
    out.push_str("</tr>\n<tr>");
    for _ in &targets {
        for e in Engine::ALL {
            let _ = write!(out, "<th class=\"e\">{}</th>", e.name());
        }
    }
    out.push_str("</tr>\n<tr class=\"scores\"><th>as on COS</th>");
    for t in &targets {
        for e in Engine::ALL {
            let s = scores.get(t).and_then(|m| m.get(&e)).copied();
            let _ = write!(
                out,
                "<th>{}</th>",
                s.map_or("—".to_string(), |s| format!(
                    "<span title=\"{:.1}%\">{}/{}</span>",
                    s.percent(),
                    s.conforming,
                    s.of
                ))
            );
        }
    }
    // Cells are as small as HTML allows (end tags left out, a class only
    // where the cell is not ✓): the page stays small with many targets.
    out.push_str("</tr></thead>\n<tbody>\n");
    // Only the rows with something to show: a ✗ or a ≠ (the scores count
    // every case; the rest are ✓ throughout, said once below).
    let mut all_same = 0;
    for (case, by_target) in &matrix {
        if !differ.contains_key(case)
            && by_target
                .values()
                .all(|m| m.values().all(super::BrowserCell::as_cos))
        {
            all_same += 1;
            continue;
        }
        let mark = if differ.contains_key(case) {
            "<span class=\"ne\">≠</span>"
        } else {
            ""
        };
        let _ = write!(out, "<tr><th>{}{mark}", esc(case));
        for t in &targets {
            for e in Engine::ALL {
                match by_target.get(t).and_then(|m| m.get(&e)) {
                    None => out.push_str("<td class=n>—"),
                    Some(c) if c.as_cos() => out.push_str("<td>✓"),
                    Some(_) => out.push_str("<td class=d>✗"),
                }
            }
        }
        out.push('\n');
    }
    out.push_str("</tbody></table></div>\n");
    if all_same > 0 {
        let _ = writeln!(
            out,
            "<p class=\"meta\">The table lists the cases with a ✗ or a ≠; in the other {all_same} case(s) with a step a page sees, every engine sees every target as COS.</p>"
        );
    }
    if differ.is_empty() {
        out.push_str(
            "<p class=\"meta\">The three engines see every case's COS answer alike.</p>\n",
        );
    } else {
        out.push_str("<h3>≠ Where the engines see COS's answer differently</h3>\n<ul>\n");
        for (case, steps) in &differ {
            for d in steps {
                let _ = writeln!(
                    out,
                    "<li><code>{}</code> step {} <code>{}</code>: {}</li>",
                    esc(case),
                    d.step,
                    esc(&d.request),
                    esc(&d.why)
                );
            }
        }
        out.push_str("</ul>\n");
    }
    for t in &targets {
        let lines = super::engines::differences_on(&matrix, t);
        if lines.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "<details><summary>✗ Where a page sees <b>{}</b> otherwise than COS: {} case(s)</summary><ul>",
            esc(t),
            lines.len()
        );
        for l in lines {
            let _ = writeln!(out, "<li>{}</li>", ticks_to_code(&l));
        }
        out.push_str("</ul></details>\n");
    }
    out
}

/// Text with `code` spans (as the lists of `report::engines` write
/// them) as escaped HTML with `<code>` elements.
fn ticks_to_code(text: &str) -> String {
    let mut out = String::new();
    for (i, part) in text.split('`').enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "<code>{}</code>", esc(part));
        } else {
            out.push_str(&esc(part));
        }
    }
    out
}

/// A cell's detail: verdict, sources, the vendor's reason, and each step
/// (a failing or diverging one with the lines that differ side by side:
/// `<del>` expected, `<ins>` observed).
fn detail(out: &mut String, id: &str, target: &str, c: &Case) {
    let Some(recs) = c.by.get(target) else {
        return;
    };
    let first = recs[0];
    let _ = write!(
        out,
        "<section id=\"{}\"><h2>{} on {}: {}</h2>",
        esc(&detail_id(id, target)),
        esc(id),
        esc(target),
        esc(first.verdict.words()),
    );
    if let Some(r) = &first.reason {
        let _ = write!(out, "<p>vendor record: {}</p>", esc(r));
    }
    if let Some(e) = &first.error {
        let _ = write!(out, "<pre>{}</pre>", esc(e));
    }
    // Steps without a difference are named once, at the end: the page
    // shows what differs.
    let mut same = Vec::new();
    for r in recs.iter().filter(|r| r.step > 0) {
        if r.diff.is_empty() {
            same.push(r.step.to_string());
            continue;
        }
        let _ = write!(
            out,
            "<h3>step {}: {} {}</h3>",
            r.step,
            esc(r.request.as_deref().unwrap_or("")),
            if r.step_passed { "✓" } else { "✗" }
        );
        if r.expected_from == "vendor" {
            out.push_str("<p class=\"meta\">expected: as the vendor file records (the step fails against that record)</p>");
        }
        out.push_str("<div class=\"sbs\">");
        // The lines that differ, side by side; a run of equal lines as
        // its count (results.json has them all).
        let mut equal = 0;
        let n = r.expected.len().max(r.observed.len());
        for i in 0..=n {
            let e = r.expected.get(i).map(String::as_str);
            let o = r.observed.get(i).map(String::as_str);
            if i < n && e == o {
                equal += 1;
                continue;
            }
            if equal > 0 {
                let _ = write!(out, "<i>{equal} as expected</i>");
                equal = 0;
            }
            if i < n {
                let (e, o) = (e.unwrap_or(""), o.unwrap_or(""));
                // The item's name is on the expected side; the observed side
                // shows only what it was instead (`… true`).
                let (what, e, o) = match e.split_once(": ") {
                    Some((what, ev)) => match o
                        .strip_prefix(what)
                        .and_then(|rest| rest.strip_prefix(": "))
                    {
                        Some(ov) => (Some(what), ev, ov),
                        None => (None, e, o),
                    },
                    None => (None, e, o),
                };
                let (e, o) = cut_pair(e, o);
                let (e, o) = match what {
                    Some(w) => (format!("{w}: {e}"), format!("… {o}")),
                    None => (e, o),
                };
                let _ = write!(out, "<del>{}</del><ins>{}</ins>", esc(&e), esc(&o));
            }
        }
        out.push_str("</div>");
        if !r.normalised.is_empty() && !r.step_passed {
            let _ = write!(
                out,
                "<p class=\"meta\">normalised: {}</p>",
                esc(&r.normalised.join("; "))
            );
        }
    }
    if !same.is_empty() {
        let _ = write!(
            out,
            "<p class=\"meta\">step{} {}: no difference</p>",
            if same.len() == 1 { "" } else { "s" },
            same.join(", ")
        );
    }
    out.push_str("</section>\n");
}
