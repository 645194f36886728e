//! Comparing what a step expects with what it observed, and showing the
//! difference.
//!
//! Every normalisation is named ([`Normalisation`]), reported in the
//! comparison when it made a difference, and can be turned off per case with
//! `exact:`. Nothing else is forgiven.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use quick_xml::events::Event;
use quick_xml::Reader;
use similar::{ChangeTag, TextDiff};

use crate::case::{Expect, Normalisation};
use crate::http::Observed;
use crate::model::{self, headers, CorsConfiguration};

/// Headers whose value changes from request to request.
pub const VOLATILE_HEADERS: [&str; 7] = [
    "date",
    "last-modified",
    "x-cos-request-id",
    "x-cos-trace-id",
    "x-amz-request-id",
    "x-amz-id-2",
    "x-request-id",
];

/// Elements of an XML error body whose value changes per request.
const VOLATILE_ELEMENTS: [&str; 3] = ["RequestId", "TraceId", "HostId"];

/// What a line of a comparison checks. Shown as `status`, `header NAME`,
/// `header name NAME`, `absent NAME`, `error body`, `error ELEMENT`, `cors`, `body`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Checked {
    Status,
    /// A header's value (or pattern), by the name the case spells.
    Header(String),
    /// A header name's spelling (`exact: [header-name-case]`).
    HeaderName(String),
    /// That a header is absent.
    Absent(String),
    /// That the body is an error document at all.
    ErrorBody,
    /// An element of the error document.
    Error(String),
    /// The `?cors` configuration read back.
    Cors,
    /// The body, byte for byte.
    Body,
}

impl std::fmt::Display for Checked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Checked::Status => f.write_str("status"),
            Checked::Header(n) => write!(f, "header {n}"),
            Checked::HeaderName(n) => write!(f, "header name {n}"),
            Checked::Absent(n) => write!(f, "absent {n}"),
            Checked::ErrorBody => f.write_str("error body"),
            Checked::Error(n) => write!(f, "error {n}"),
            Checked::Cors => f.write_str("cors"),
            Checked::Body => f.write_str("body"),
        }
    }
}

/// One expectation that was not met.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// What was checked.
    pub what: Checked,
    pub expected: String,
    pub observed: String,
}

/// The result of comparing one step.
#[derive(Debug, Clone, Default)]
pub struct Comparison {
    pub mismatches: Vec<Mismatch>,
    /// Normalisations that made a difference here, with what they forgave.
    pub applied: Vec<(Normalisation, String)>,
    /// The checked items, one line each, as expected and as observed.
    pub expected_lines: Vec<String>,
    pub observed_lines: Vec<String>,
}

impl Comparison {
    pub fn passed(&self) -> bool {
        self.mismatches.is_empty()
    }

    fn check(&mut self, what: Checked, expected: String, observed: String, ok: bool) {
        self.expected_lines.push(format!("{what}: {expected}"));
        if ok {
            self.observed_lines.push(format!("{what}: {expected}"));
        } else {
            self.observed_lines.push(format!("{what}: {observed}"));
            self.mismatches.push(Mismatch {
                what,
                expected,
                observed,
            });
        }
    }

    /// A unified diff (expected `-`, observed `+`) of the checked items,
    /// followed by the normalisations that were applied.
    pub fn render(&self) -> String {
        let exp = self.expected_lines.join("\n") + "\n";
        let obs = self.observed_lines.join("\n") + "\n";
        let diff = TextDiff::from_lines(&exp, &obs);
        let mut out = String::new();
        out.push_str("--- expected\n+++ observed\n");
        for change in diff.iter_all_changes() {
            let sign = match change.tag() {
                ChangeTag::Delete => '-',
                ChangeTag::Insert => '+',
                ChangeTag::Equal => ' ',
            };
            let _ = write!(out, "{sign}{change}");
        }
        for (n, what) in &self.applied {
            let _ = writeln!(out, "normalised ({}): {what}", n.name());
        }
        out
    }
}

fn on(exact: &BTreeSet<Normalisation>, n: Normalisation) -> bool {
    !exact.contains(&n)
}

/// Are two values of header `name` the same under the runner's default
/// normalisations (all of them on)? Exactly what [`compare`] forgives in a
/// header's value: for a list header, spaces around items, then their
/// order; nothing for any other header. The fuzzer compares two targets'
/// answers with this, so that it calls a difference what a case would.
pub fn same_value(name: &str, a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    if !headers::is_list_header(name) {
        return false;
    }
    let (mut x, mut y) = (items(a, true), items(b, true));
    if x == y {
        return true;
    }
    x.sort();
    y.sort();
    x == y
}

/// A list header's items as written ([`headers::list_items`]), owned.
fn items(v: &str, trim: bool) -> Vec<String> {
    headers::list_items(v, trim).map(str::to_string).collect()
}

/// Compare one step's expectation with what was observed.
pub fn compare(
    expect: &Expect,
    observed: &Observed,
    exact: &BTreeSet<Normalisation>,
) -> Comparison {
    let mut c = Comparison::default();
    c.check(
        Checked::Status,
        expect.status.to_string(),
        observed.status.to_string(),
        expect.status == observed.status,
    );
    for (name, values) in &expect.headers.0 {
        let want = values.join(", ");
        compare_header(&mut c, name, &want, observed, exact);
    }
    for (name, patterns) in &expect.matching.0 {
        for pattern in patterns {
            compare_pattern(&mut c, name, pattern, observed);
        }
    }
    for name in &expect.absent {
        let found: Vec<String> = observed
            .all(name)
            .map(|(n, v)| format!("{n}: {v}"))
            .collect();
        c.check(
            Checked::Absent(name.clone()),
            "(absent)".into(),
            found.join(" | "),
            found.is_empty(),
        );
    }
    if let Some(err) = &expect.error {
        compare_error(&mut c, err, observed, exact);
    }
    if let Some(cors) = &expect.cors {
        compare_cors(&mut c, cors, observed);
    }
    if let Some(body) = &expect.body {
        let got = String::from_utf8_lossy(&observed.body);
        c.check(Checked::Body, body.clone(), got.to_string(), *body == got);
    }
    c
}

fn compare_header(
    c: &mut Comparison,
    name: &str,
    want: &str,
    observed: &Observed,
    exact: &BTreeSet<Normalisation>,
) {
    let lname = name.to_ascii_lowercase();
    let what = Checked::Header(name.to_string());
    let found: Vec<(&str, &str)> = observed.all(name).collect();
    let Some(&(got_name, _)) = found.first() else {
        c.check(what, want.into(), "(absent)".into(), false);
        return;
    };
    // Repeated fields are one list (RFC 9110 §5.3).
    let got = found.iter().map(|(_, v)| *v).collect::<Vec<_>>().join(", ");
    if got_name != name {
        if on(exact, Normalisation::HeaderNameCase) {
            c.applied.push((
                Normalisation::HeaderNameCase,
                format!("{name} was sent as {got_name}"),
            ));
        } else {
            c.check(
                Checked::HeaderName(name.to_string()),
                name.into(),
                got_name.into(),
                false,
            );
        }
    }
    if VOLATILE_HEADERS.contains(&lname.as_str()) && on(exact, Normalisation::Volatile) {
        c.applied.push((
            Normalisation::Volatile,
            format!("{name}: only its presence is checked"),
        ));
        c.check(what, want.into(), got, true);
        return;
    }
    if got == want {
        c.check(what, want.into(), got, true);
        return;
    }
    if headers::is_list_header(&lname) {
        let trim = on(exact, Normalisation::ListSpace);
        let (mut w, mut g) = (items(want, trim), items(&got, trim));
        if w == g {
            c.applied.push((
                Normalisation::ListSpace,
                format!("{name}: {got:?} read as {want:?}"),
            ));
            c.check(what, want.into(), got, true);
            return;
        }
        if on(exact, Normalisation::ListOrder) {
            w.sort();
            g.sort();
            if w == g {
                c.applied.push((
                    Normalisation::ListOrder,
                    format!("{name}: {got:?} read as {want:?}"),
                ));
                c.check(what, want.into(), got, true);
                return;
            }
        }
    }
    c.check(what, want.into(), got, false);
}

/// A header whose value must match a glob pattern (`matching:`). Header
/// names compare case-insensitively here: a pattern is for values that
/// carry a version, not for the name's spelling.
fn compare_pattern(c: &mut Comparison, name: &str, pattern: &str, observed: &Observed) {
    let what = Checked::Header(name.to_string());
    let want = format!("(matching) {pattern}");
    let got = observed
        .all(name)
        .map(|(_, v)| v)
        .collect::<Vec<_>>()
        .join(", ");
    if got.is_empty() && observed.all(name).next().is_none() {
        c.check(what, want, "(absent)".into(), false);
        return;
    }
    match glob::Pattern::new(pattern) {
        Ok(p) => {
            let ok = p.matches(&got);
            c.check(what, want, got, ok);
        }
        Err(e) => c.check(
            what,
            want,
            format!("{got} (the pattern is invalid: {e})"),
            false,
        ),
    }
}

/// The children of an `<Error>` body, in order.
pub fn parse_error_body(body: &[u8]) -> Option<Vec<(String, String)>> {
    let mut r = Reader::from_reader(body);
    r.config_mut().trim_text(true);
    let mut out = Vec::new();
    let mut depth = 0;
    let mut current: Option<String> = None;
    let mut saw_root = false;
    loop {
        match r.read_event().ok()? {
            Event::Start(e) => {
                depth += 1;
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if depth == 1 {
                    if name != "Error" {
                        return None;
                    }
                    saw_root = true;
                } else if depth == 2 {
                    out.push((name.clone(), String::new()));
                    current = Some(name);
                }
            }
            Event::Empty(e) if depth == 1 => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                out.push((name, String::new()));
            }
            Event::Text(t) if depth == 2 && current.is_some() => {
                let text = t.unescape().ok()?;
                if let Some(last) = out.last_mut() {
                    last.1.push_str(&text);
                }
            }
            Event::End(_) => {
                depth -= 1;
                if depth < 2 {
                    current = None;
                }
            }
            Event::Eof => return saw_root.then_some(out),
            _ => {}
        }
    }
}

fn compare_error(
    c: &mut Comparison,
    err: &crate::case::ExpectError,
    observed: &Observed,
    exact: &BTreeSet<Normalisation>,
) {
    let Some(fields) = parse_error_body(&observed.body) else {
        let body = String::from_utf8_lossy(&observed.body);
        c.check(
            Checked::ErrorBody,
            format!("<Error><Code>{}</Code>...", err.code),
            format!("{body:?}"),
            false,
        );
        return;
    };
    let field = |n: &str| fields.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
    let one = |c: &mut Comparison, name: &str, want: &str| {
        let got = field(name);
        c.check(
            Checked::Error(name.to_string()),
            want.to_string(),
            got.unwrap_or("(absent)").to_string(),
            got == Some(want),
        );
    };
    one(c, "Code", &err.code);
    if let Some(m) = &err.message {
        one(c, "Message", m);
    }
    if let Some(r) = &err.resource {
        one(c, "Resource", r);
    }
    for (name, want) in &err.elements {
        one(c, name, want);
    }
    for name in &err.absent_elements {
        let got = field(name);
        c.check(
            Checked::Error(name.clone()),
            "(absent)".into(),
            got.unwrap_or("(absent)").to_string(),
            got.is_none(),
        );
    }
    for name in &err.present {
        let got = field(name).filter(|v| !v.is_empty());
        let volatile =
            VOLATILE_ELEMENTS.contains(&name.as_str()) && on(exact, Normalisation::Volatile);
        if volatile && got.is_some() {
            c.applied.push((
                Normalisation::Volatile,
                format!("error {name}: only its presence is checked"),
            ));
        }
        c.check(
            Checked::Error(name.clone()),
            "(present)".into(),
            got.unwrap_or("(absent or empty)").to_string(),
            got.is_some(),
        );
    }
}

fn compare_cors(c: &mut Comparison, want: &CorsConfiguration, observed: &Observed) {
    let to_yaml = |cfg: &CorsConfiguration| {
        serde_norway::to_string(cfg).unwrap_or_else(|e| format!("(cannot show: {e})"))
    };
    let want_text = to_yaml(want);
    match model::xml::parse(&observed.body) {
        Ok(got) => {
            let ok = &got == want;
            let got_text = to_yaml(&got);
            for (i, line) in want_text.lines().enumerate() {
                c.expected_lines.push(format!("cors {i:>2}| {line}"));
            }
            for (i, line) in (if ok { &want_text } else { &got_text })
                .lines()
                .enumerate()
            {
                c.observed_lines.push(format!("cors {i:>2}| {line}"));
            }
            if !ok {
                c.mismatches.push(Mismatch {
                    what: Checked::Cors,
                    expected: want_text,
                    observed: got_text,
                });
            }
        }
        Err(e) => c.check(
            Checked::Cors,
            want_text.replace('\n', " "),
            format!("(not a CORS configuration: {e})"),
            false,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::Headers;

    fn obs(headers: &[(&str, &str)]) -> Observed {
        Observed {
            status: 200,
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            body: Vec::new(),
        }
    }

    fn expect(headers: &[(&str, &str)]) -> Expect {
        Expect {
            status: 200,
            headers: Headers(
                headers
                    .iter()
                    .map(|(n, v)| (n.to_string(), vec![v.to_string()]))
                    .collect(),
            ),
            ..Default::default()
        }
    }

    #[test]
    fn list_order_and_space_are_named_and_can_be_turned_off() {
        let e = expect(&[("Access-Control-Allow-Methods", "PUT,GET")]);
        let o = obs(&[("Access-Control-Allow-Methods", "GET, PUT")]);
        let c = compare(&e, &o, &BTreeSet::new());
        assert!(c.passed());
        assert!(c
            .applied
            .iter()
            .any(|(n, _)| *n == Normalisation::ListOrder));
        let exact = BTreeSet::from([Normalisation::ListOrder]);
        assert!(!compare(&e, &o, &exact).passed());
        let exact = BTreeSet::from([Normalisation::ListSpace]);
        assert!(!compare(&e, &o, &exact).passed());
    }

    #[test]
    fn header_name_case() {
        let e = expect(&[("Access-Control-Allow-Origin", "*")]);
        let o = obs(&[("access-control-allow-origin", "*")]);
        let c = compare(&e, &o, &BTreeSet::new());
        assert!(c.passed());
        assert_eq!(c.applied[0].0, Normalisation::HeaderNameCase);
        let exact = BTreeSet::from([Normalisation::HeaderNameCase]);
        let c = compare(&e, &o, &exact);
        assert!(!c.passed());
        assert!(c
            .render()
            .contains("-header name Access-Control-Allow-Origin"));
    }

    #[test]
    fn volatile_and_absent() {
        let mut e = expect(&[("Date", "Thu, 09 Jul 2020 14:49:22 GMT")]);
        e.absent = vec!["Vary".into()];
        let o = obs(&[
            ("Date", "Fri, 01 Jan 2027 00:00:00 GMT"),
            ("vary", "Origin"),
        ]);
        let c = compare(&e, &o, &BTreeSet::new());
        assert_eq!(c.mismatches.len(), 1);
        assert_eq!(c.mismatches[0].what, Checked::Absent("Vary".into()));
        assert_eq!(c.mismatches[0].what.to_string(), "absent Vary");
        let r = c.render();
        assert!(r.contains("-absent Vary: (absent)"), "{r}");
        assert!(r.contains("+absent Vary: vary: Origin"), "{r}");
        assert!(r.contains("normalised (volatile)"), "{r}");
        let exact = BTreeSet::from([Normalisation::Volatile]);
        assert_eq!(compare(&e, &o, &exact).mismatches.len(), 2);
    }

    #[test]
    fn error_body() {
        let body = b"<?xml version='1.0' encoding='utf-8' ?><Error><Code>AccessForbidden</Code><Message>m</Message><RequestId>r</RequestId><TraceId></TraceId></Error>";
        let mut o = obs(&[]);
        o.status = 403;
        o.body = body.to_vec();
        let mut e = Expect {
            status: 403,
            ..Default::default()
        };
        e.error = Some(crate::case::ExpectError {
            code: "AccessForbidden".into(),
            message: Some("m".into()),
            resource: None,
            present: vec!["RequestId".into(), "TraceId".into()],
            ..Default::default()
        });
        let c = compare(&e, &o, &BTreeSet::new());
        assert_eq!(c.mismatches.len(), 1, "{:?}", c.mismatches);
        assert_eq!(c.mismatches[0].what, Checked::Error("TraceId".into()));
    }
}
