//! Finding and loading case files.

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use annotate_snippets::{Level, Renderer, Snippet};
use serde::Deserialize;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

use super::Case;

/// A case with where it came from.
#[derive(Debug, Clone)]
pub struct LoadedCase {
    /// The case's id: its file's path below `cases/` without `.yaml`, plus
    /// `::<name>` when the file holds several cases. Test names, vendor
    /// files and reports use it.
    pub id: String,
    pub path: PathBuf,
    pub case: Case,
}

/// All the cases of one file.
#[derive(Debug, Clone)]
pub struct CaseFile {
    pub path: PathBuf,
    pub cases: Vec<LoadedCase>,
}

/// A file that could not be read or is not a valid case file: its first
/// problem, and every other one found in it.
#[derive(Debug, Clone, Default, thiserror::Error)]
pub struct LoadError {
    pub path: PathBuf,
    /// 1-based line and column, when the YAML parser knows them.
    pub line_col: Option<(usize, usize)>,
    pub message: String,
    /// The other problems of the file, in the order of the file.
    pub more: Vec<Problem>,
    /// The file's text, to show each problem's line.
    pub text: Option<Arc<str>>,
}

/// One problem in a file: where (1-based line and column) and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line_col: Option<(usize, usize)>,
    pub message: String,
}

impl LoadError {
    /// A problem of the whole file (no line).
    pub fn plain(path: &Path, message: impl Into<String>) -> LoadError {
        LoadError {
            path: path.to_path_buf(),
            message: message.into(),
            ..LoadError::default()
        }
    }

    /// All the problems, the first one first.
    pub fn problems(&self) -> Vec<Problem> {
        let mut out = vec![Problem {
            line_col: self.line_col,
            message: self.message.clone(),
        }];
        out.extend(self.more.iter().cloned());
        out
    }

    pub(crate) fn of(path: &Path, text: &str, mut problems: Vec<Problem>) -> Option<LoadError> {
        problems.sort_by_key(|p| p.line_col.unwrap_or((usize::MAX, 0)));
        problems.dedup();
        let mut it = problems.into_iter();
        let first = it.next()?;
        Some(LoadError {
            path: path.to_path_buf(),
            line_col: first.line_col,
            message: first.message,
            more: it.collect(),
            text: Some(Arc::from(text)),
        })
    }
}

/// Each problem as `error: MESSAGE`, then `--> FILE:LINE:COL` and the line
/// with a caret under the column (as rustc shows its errors).
impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let origin = self.path.display().to_string();
        let problems = self.problems();
        if problems.len() > 1 {
            writeln!(f, "{origin}: {} problems", problems.len())?;
        }
        for (i, p) in problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            let line = p.line_col.and_then(|(l, c)| {
                let text = self.text.as_deref()?;
                Some((l, c, text.lines().nth(l.checked_sub(1)?)?))
            });
            match line {
                Some((l, c, src)) => {
                    // The caret's span: the character at the column (or the
                    // line's end).
                    let start = src
                        .char_indices()
                        .nth(c.saturating_sub(1))
                        .map_or(src.len(), |(b, _)| b);
                    let end = src[start..]
                        .chars()
                        .next()
                        .map_or(start, |ch| start + ch.len_utf8());
                    let message = Level::Error.title(&p.message).snippet(
                        Snippet::source(src)
                            .line_start(l)
                            .origin(&origin)
                            .annotation(Level::Error.span(start..end)),
                    );
                    write!(f, "{}", Renderer::plain().render(message))?;
                }
                None => match p.line_col {
                    Some((l, c)) => write!(f, "error: {}\n  --> {origin}:{l}:{c}", p.message)?,
                    None => write!(f, "error: {}\n  --> {origin}", p.message)?,
                },
            }
        }
        Ok(())
    }
}

/// Every `*.yaml` / `*.yml` file under the given paths (files are taken as
/// they are), sorted, skipping `vendors/` (divergence files), `recorded/`
/// (recordings of real endpoints) and `found/` (untriaged fuzz finds)
/// directories, which run only when named, and the recording plan
/// ([`crate::record::PLAN_FILE`]). Where no `cases/` folder is, a path below
/// `cases/` is the built-in suite's (see [`super::builtin`]).
pub fn discover(paths: &[PathBuf]) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        let p = &super::builtin::locate(p)?;
        if p.is_dir() {
            walk(p, &mut out)?;
        } else {
            out.push(p.clone());
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            if path
                .file_name()
                .is_some_and(|n| n == "vendors" || n == "recorded" || n == "found")
            {
                continue;
            }
            walk(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml")
            && path
                .file_name()
                .is_none_or(|n| n != crate::record::PLAN_FILE)
        {
            out.push(path);
        }
    }
    Ok(())
}

/// Load one case file.
pub fn load_file(path: &Path) -> Result<CaseFile, LoadError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| LoadError::plain(path, format!("cannot read: {e}")))?;
    load_str(path, &text)
}

/// Load case text as if it were the file at `path`: every problem of the
/// file is reported (tabs, duplicate keys, and each document's first
/// error), each at its line.
pub fn load_str(path: &Path, text: &str) -> Result<CaseFile, LoadError> {
    let mut problems = tabs(text);
    let mut cases = Vec::new();
    // Each document on its own, so that one's syntax error does not hide
    // the next one's problems.
    for (offset, doc) in documents(text) {
        let shift = |p: Problem| Problem {
            line_col: p.line_col.map(|(l, c)| (l + offset, c)),
            ..p
        };
        problems.extend(duplicate_keys(doc).into_iter().map(shift));
        match Case::deserialize(serde_norway::Deserializer::from_str(doc)) {
            Ok(c) => cases.push(c),
            Err(e) => problems.extend(document_problems(doc, e).into_iter().map(shift)),
        }
    }
    // A tab or a duplicate key is also the YAML parser's (or serde's)
    // error, in vaguer words or at the wrong place: say it once, clearly.
    let clear =
        |p: &Problem| p.message.starts_with("a tab") || p.message.starts_with("duplicate key");
    let has_tab = problems.iter().any(|p| p.message.starts_with("a tab"));
    let has_dup = problems
        .iter()
        .any(|p| p.message.starts_with("duplicate key"));
    problems.retain(|p| {
        clear(p)
            || !(has_tab && p.message.contains("cannot start any token")
                || has_dup
                    && (p.message.contains("duplicate field") || p.message.contains("given twice")))
    });
    let line_of = |needle: &str, nth: usize| {
        text.lines()
            .enumerate()
            .filter(|(_, l)| l.starts_with(needle))
            .nth(nth)
            .map(|(i, l)| (i + 1, l.len().min(needle.len()) + 1))
    };
    if cases.is_empty() && problems.is_empty() {
        problems.push(Problem {
            line_col: None,
            message: "no case in this file".into(),
        });
    }
    for (i, c) in cases.iter().enumerate() {
        if cases[..i].iter().any(|o| o.name == c.name) {
            problems.push(Problem {
                line_col: line_of("name:", i),
                message: format!("two cases are named {:?}", c.name),
            });
        }
    }
    if let Some(e) = LoadError::of(path, text, problems) {
        return Err(e);
    }
    let base = case_id(path);
    let several = cases.len() > 1;
    let cases = cases
        .into_iter()
        .map(|case| LoadedCase {
            id: if several {
                format!("{base}::{}", slug(&case.name))
            } else {
                base.clone()
            },
            path: path.to_path_buf(),
            case,
        })
        .collect();
    Ok(CaseFile {
        path: path.to_path_buf(),
        cases,
    })
}

/// A part of a case document whose lines can be set aside to find the
/// next error: a top-level field, or one step.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Field(String),
    Step(usize),
}

/// The parts of a document, each with its lines (1-based, end exclusive).
fn parts(doc: &str) -> Vec<(Part, usize, usize)> {
    #[derive(Default)]
    struct Walk {
        depth: usize,
        /// At depth 1: whether the next scalar is a key.
        next_is_key: bool,
        in_steps: bool,
        fields: Vec<(String, usize)>,
        steps: Vec<usize>,
    }
    impl MarkedEventReceiver for Walk {
        fn on_event(&mut self, ev: Event, mark: Marker) {
            let line = mark.line();
            // A value starting right inside the steps sequence is a step.
            let starts_step = self.in_steps && self.depth == 2;
            match ev {
                Event::MappingStart(..) | Event::SequenceStart(..) => {
                    if starts_step {
                        self.steps.push(line);
                    }
                    // The document's mapping starts with a key; after a
                    // field's value (this collection) comes a key.
                    if self.depth <= 1 {
                        self.next_is_key = true;
                    }
                    self.depth += 1;
                }
                Event::MappingEnd | Event::SequenceEnd => {
                    self.depth = self.depth.saturating_sub(1);
                    if self.depth == 1 {
                        self.in_steps = false;
                    }
                }
                Event::Scalar(v, ..) => {
                    if starts_step {
                        self.steps.push(line);
                    }
                    if self.depth == 1 {
                        if self.next_is_key {
                            self.in_steps = v == "steps";
                            self.fields.push((v, line));
                        }
                        self.next_is_key = !self.next_is_key;
                    }
                }
                Event::Alias(_) if self.depth == 1 => self.next_is_key = !self.next_is_key,
                _ => {}
            }
        }
    }
    let mut w = Walk::default();
    if Parser::new_from_str(doc).load(&mut w, false).is_err() {
        return Vec::new();
    }
    let end = doc.lines().count() + 1;
    let mut out = Vec::new();
    for (i, (name, start)) in w.fields.iter().enumerate() {
        let stop = w.fields.get(i + 1).map_or(end, |f| f.1);
        out.push((Part::Field(name.clone()), *start, stop));
        if name == "steps" {
            for (j, s) in w.steps.iter().enumerate() {
                let s_stop = w.steps.get(j + 1).copied().unwrap_or(stop);
                out.push((Part::Step(j), *s, s_stop));
            }
        }
    }
    out
}

/// Every problem of a case document that failed to load: serde stops at
/// the first, so the part (step or field) it is in is set aside (its lines
/// blanked, the numbering kept) and the document read again, until it
/// loads or no part holds the error.
fn document_problems(doc: &str, first: serde_norway::Error) -> Vec<Problem> {
    let parts = parts(doc);
    let mut lines: Vec<&str> = doc.lines().collect();
    let mut set_aside: Vec<Part> = Vec::new();
    let mut out = Vec::new();
    let mut err = first;
    for _ in 0..64 {
        let mut p = Problem {
            line_col: err.location().map(|l| (l.line(), l.column())),
            message: strip_location(&err.to_string()),
        };
        // Step numbers in the message count the steps left.
        let aside: Vec<usize> = set_aside
            .iter()
            .filter_map(|p| match p {
                Part::Step(i) => Some(*i),
                Part::Field(_) => None,
            })
            .collect();
        if let Some(rest) = p.message.strip_prefix("steps[") {
            if let Some((n, tail)) = rest.split_once(']') {
                if let Ok(n) = n.parse::<usize>() {
                    let original = (0..).filter(|i| !aside.contains(i)).nth(n).unwrap_or(n);
                    p.message = format!("steps[{original}]{tail}");
                }
            }
        }
        // What setting a part aside caused is no problem of the file.
        let caused = set_aside.iter().any(|a| match a {
            Part::Field(f) => p.message.contains(&format!("missing field `{f}`")),
            Part::Step(_) => false,
        }) || (!aside.is_empty() && p.message.contains("at least one step"));
        if caused {
            break;
        }
        if p.message.contains("expected at least one step") {
            // serde_norway places it at the document's start.
            p.message = "steps: a case needs at least one step".into();
            p.line_col = doc
                .lines()
                .enumerate()
                .filter(|(_, l)| l.starts_with("steps:"))
                .find(|(_, l)| l["steps:".len()..].trim() == "[]")
                .map(|(i, _)| (i + 1, "steps: ".len() + 1))
                .or(p.line_col);
        }
        let line = p.line_col.map(|(l, _)| l);
        out.push(p);
        // The innermost part holding the error's line: a step before its field.
        let Some(line) = line else { break };
        let holding = parts
            .iter()
            .filter(|(part, a, b)| *a <= line && line < *b && !set_aside.contains(part))
            .min_by_key(|(_, a, b)| b - a);
        let Some((part, a, b)) = holding else { break };
        for l in lines.iter_mut().take(b - 1).skip(a - 1) {
            *l = "";
        }
        set_aside.push(part.clone());
        let text = lines.join("\n");
        match Case::deserialize(serde_norway::Deserializer::from_str(&text)) {
            Ok(_) => break,
            Err(e) => err = e,
        }
    }
    out
}

/// The documents of a YAML stream (split at `---` lines), each with the
/// number of lines before it; those holding nothing but comments are left out.
fn documents<'t>(text: &'t str) -> Vec<(usize, &'t str)> {
    let mut out = Vec::new();
    let (mut start, mut start_line, mut at) = (0, 0, 0);
    let push = |from: usize, to: usize, line: usize, out: &mut Vec<(usize, &'t str)>| {
        let doc = &text[from..to];
        if doc
            .lines()
            .any(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        {
            out.push((line, doc));
        }
    };
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let bare = line.trim_end();
        if bare == "---" || bare.starts_with("--- ") {
            push(start, at, start_line, &mut out);
            start = at + line.len();
            start_line = i + 1;
        }
        at += line.len();
    }
    push(start, text.len(), start_line, &mut out);
    out
}

/// Every line indented with a tab (YAML indents with spaces only).
pub(crate) fn tabs(text: &str) -> Vec<Problem> {
    text.lines()
        .enumerate()
        .filter_map(|(i, l)| {
            let col = l
                .chars()
                .take_while(|c| *c == ' ' || *c == '\t')
                .position(|c| c == '\t')?;
            Some(Problem {
                line_col: Some((i + 1, col + 1)),
                message: "a tab in the indentation: YAML indents with spaces only".into(),
            })
        })
        .collect()
}

/// Every key given twice in one mapping, at the second one's line.
pub(crate) fn duplicate_keys(text: &str) -> Vec<Problem> {
    #[derive(Default)]
    struct Walk {
        /// Per open collection: the keys seen (a mapping), and whether the
        /// next scalar is a key.
        stack: Vec<Option<(BTreeSet<String>, bool)>>,
        out: Vec<Problem>,
    }
    impl Walk {
        /// A value (scalar or collection) begins: in a mapping, a key or a
        /// value; whether it was a key.
        fn item(&mut self) -> bool {
            match self.stack.last_mut() {
                Some(Some((_, next_is_key))) => {
                    let was = *next_is_key;
                    *next_is_key = !was;
                    was
                }
                _ => false,
            }
        }
    }
    impl MarkedEventReceiver for Walk {
        fn on_event(&mut self, ev: Event, mark: Marker) {
            match ev {
                Event::Scalar(v, ..) if self.item() => {
                    if let Some(Some((keys, _))) = self.stack.last_mut() {
                        if !keys.insert(v.clone()) {
                            self.out.push(Problem {
                                line_col: Some((mark.line(), mark.col() + 1)),
                                message: format!("duplicate key `{v}`: it is given twice here"),
                            });
                        }
                    }
                }
                Event::MappingStart(..) => {
                    self.item();
                    self.stack.push(Some((BTreeSet::new(), true)));
                }
                Event::SequenceStart(..) => {
                    self.item();
                    self.stack.push(None);
                }
                Event::Alias(_) => {
                    self.item();
                }
                Event::MappingEnd | Event::SequenceEnd => {
                    self.stack.pop();
                }
                _ => {}
            }
        }
    }
    let mut w = Walk::default();
    // A syntax error stops the walk; serde's parser reports it.
    let _ = Parser::new_from_str(text).load(&mut w, true);
    w.out
}

/// The YAML error's text without its trailing " at line L column C", which
/// the `file:line:col:` prefix already says.
fn strip_location(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) if msg[i..].contains(" column ") => msg[..i].to_string(),
        _ => msg.to_string(),
    }
}

/// `cases/preflight/seed-1.yaml` -> `preflight/seed-1`.
pub fn case_id(path: &Path) -> String {
    let s = path.with_extension("").to_string_lossy().replace('\\', "/");
    match s.rfind("cases/") {
        Some(i) => s[i + "cases/".len()..].to_string(),
        None => s.rsplit('/').next().unwrap_or(&s).to_string(),
    }
}

fn slug(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"name: a
description: d
source: seed:003_026eb4affb8874a1.txt
evidence: settled
bucket:
  cors:
    rules:
      - allowed_origins: ["*"]
        allowed_methods: [GET]
steps:
  - request:
      method: OPTIONS
      path: /x
      headers:
        Origin: https://example.com
        Access-Control-Request-Method: GET
    expect:
      status: 200
      headers:
        Access-Control-Allow-Origin: "*"
"#;

    #[test]
    fn loads_and_names() {
        let f = load_str(Path::new("cases/preflight/x.yaml"), GOOD).expect("loads");
        assert_eq!(f.cases.len(), 1);
        assert_eq!(f.cases[0].id, "preflight/x");
        let two = format!("{GOOD}---\n{}", GOOD.replace("name: a", "name: B c"));
        let f = load_str(Path::new("cases/p/y.yaml"), &two).expect("loads");
        assert_eq!(f.cases[1].id, "p/y::b-c");
    }

    fn error_of(text: &str) -> String {
        load_str(Path::new("cases/t.yaml"), text)
            .expect_err("must fail")
            .to_string()
    }

    /// The error names FILE:LINE:COL as rustc does (`--> `).
    fn at(e: &str, loc: &str) -> bool {
        e.contains(&format!("--> {loc}\n"))
    }

    #[test]
    fn unknown_field_names_file_line_col_with_the_line_and_a_caret() {
        let bad = GOOD.replace("      path: /x", "      path: /x\n      bogus: 1");
        let e = error_of(&bad);
        assert!(
            e.starts_with("error: steps[0].request: unknown field `bogus`"),
            "{e}"
        );
        assert!(at(&e, "cases/t.yaml:14:7"), "{e}");
        assert!(!e.contains("at line"), "{e}");
        // The source line, and a caret under column 7.
        assert!(e.contains("14 |       bogus: 1\n   |       ^"), "{e}");
    }

    #[test]
    fn bad_values_are_located() {
        let e = error_of(&GOOD.replace("path: /x", "path: x"));
        assert!(at(&e, "cases/t.yaml:13:13"), "{e}");
        assert!(e.contains("must start with `/`"), "{e}");
        let e =
            error_of(&GOOD.replace("source: seed:003_026eb4affb8874a1.txt", "source: trust me"));
        assert!(at(&e, "cases/t.yaml:3:9"), "{e}");
        let e = error_of(&GOOD.replace("status: 200", "status: ok"));
        assert!(at(&e, "cases/t.yaml:18:15"), "{e}");
        let e = error_of(&GOOD.replace("evidence: settled", "evidence: sure"));
        assert!(at(&e, "cases/t.yaml:4:11"), "{e}");
        let e = error_of(&GOOD.replace("evidence: settled\n", ""));
        assert!(e.contains("missing field `evidence`"), "{e}");
        let two = GOOD.replace(
            "source: seed:003_026eb4affb8874a1.txt",
            "source: [seed:003_026eb4affb8874a1.txt, 'https://github.com/tencentyun/cos-js-sdk-v5']",
        );
        let f = load_str(Path::new("cases/t.yaml"), &two).expect("a list of sources loads");
        assert_eq!(f.cases[0].case.source.0.len(), 2);
        let e = error_of(&GOOD.replace("source: seed:003_026eb4affb8874a1.txt", "source: []"));
        assert!(e.contains("names no source"), "{e}");
        let e = error_of("name: [");
        assert!(e.contains("--> cases/t.yaml:"), "{e}");
        let e = error_of(&GOOD.replace(
            "allowed_methods: [GET]",
            "allowed_methods: [GET]\n        allowed_origin: [x]",
        ));
        assert!(e.contains("unknown field `allowed_origin`"), "{e}");
    }

    #[test]
    fn a_status_outside_100_to_599_and_no_steps_are_refused_where_they_are() {
        for bad in ["99999", "700", "99"] {
            let e = error_of(&GOOD.replace("status: 200", &format!("status: {bad}")));
            assert!(
                e.contains(&format!(
                    "integer `{bad}`, expected an HTTP status code, 100 to 599"
                )),
                "{e}"
            );
            assert!(e.contains(&format!("   status: {bad}\n")), "{e}");
        }
        let none = format!(
            "{}steps: []\n",
            &GOOD[..GOOD.find("steps:").expect("steps")]
        );
        let e = error_of(&none);
        assert!(
            e.starts_with("error: steps: a case needs at least one step"),
            "{e}"
        );
        assert!(at(&e, "cases/t.yaml:10:8"), "{e}");
    }

    #[test]
    fn a_tab_says_so_on_each_line_it_indents() {
        let bad = GOOD
            .replace("      method: OPTIONS", "\tmethod: OPTIONS")
            .replace("      status: 200", "  \t  status: 200");
        let e = error_of(&bad);
        assert!(
            e.starts_with("cases/t.yaml: 2 problems\nerror: a tab in the indentation: YAML indents with spaces only"),
            "{e}"
        );
        assert!(at(&e, "cases/t.yaml:12:1"), "{e}");
        assert!(at(&e, "cases/t.yaml:18:3"), "{e}");
        assert!(!e.contains("cannot start any token"), "{e}");
    }

    #[test]
    fn a_duplicate_key_is_reported_at_its_own_line() {
        let bad = GOOD.replace("evidence: settled\n", "evidence: settled\nname: again\n");
        let e = error_of(&bad);
        assert!(e.starts_with("error: duplicate key `name`"), "{e}");
        assert!(at(&e, "cases/t.yaml:5:1"), "{e}");
        assert!(!e.contains(":1:1"), "{e}");
        let nested = GOOD.replace(
            "        Origin: https://example.com\n",
            "        Origin: https://example.com\n        Origin: https://other.example\n",
        );
        let e = error_of(&nested);
        assert!(e.starts_with("error: duplicate key `Origin`"), "{e}");
        assert!(at(&e, "cases/t.yaml:16:9"), "{e}");
        // The same key in two mappings is no duplicate.
        load_str(
            Path::new("cases/t.yaml"),
            &format!("{GOOD}---\n{}", GOOD.replace("name: a", "name: b")),
        )
        .expect("two documents with the same keys load");
    }

    #[test]
    fn every_problem_of_a_file_is_reported() {
        // Three documents: the first wrong, a tab in the second, two
        // problems in the third; all four, in the order of the file.
        let one = GOOD.replace("path: /x", "path: x");
        let two = GOOD
            .replace("name: a", "name: b")
            .replace("      method: OPTIONS", "\tmethod: OPTIONS");
        let three = GOOD
            .replace("name: a", "name: c")
            .replace("evidence: settled", "evidence: sure")
            .replace("status: 200", "status: 99999");
        let text = format!("{one}---\n{two}---\n{three}");
        let err = load_str(Path::new("cases/t.yaml"), &text).expect_err("must fail");
        let problems = err.problems();
        let lines: Vec<usize> = problems
            .iter()
            .filter_map(|p| p.line_col.map(|(l, _)| l))
            .collect();
        assert_eq!(problems.len(), 4, "{err}");
        assert!(lines.windows(2).all(|w| w[0] < w[1]), "{lines:?}");
        let e = err.to_string();
        assert!(e.starts_with("cases/t.yaml: 4 problems\n"), "{e}");
        assert!(
            e.contains("steps[0].expect: invalid value: integer `99999`"),
            "{e}"
        );
        assert!(at(&e, "cases/t.yaml:13:13"), "{e}");
        assert!(e.contains("a tab in the indentation"), "{e}");
        assert!(e.contains("unknown variant `sure`"), "{e}");
    }

    #[test]
    fn every_problem_of_one_document_is_reported_with_its_step() {
        // Three steps: the first and third wrong, the second right; a wrong
        // grade; an unknown field at the top.
        let head = &GOOD[..GOOD.find("steps:").expect("steps")];
        let step = &GOOD[GOOD.find("steps:").expect("steps") + "steps:\n".len()..];
        let text = format!(
            "{}comment: not a field\nsteps:\n{}{}{}",
            head.replace("evidence: settled", "evidence: sure"),
            step.replace("path: /x", "path: x"),
            step,
            step.replace("status: 200", "status: 99999"),
        );
        let err = load_str(Path::new("cases/t.yaml"), &text).expect_err("must fail");
        let e = err.to_string();
        let messages: Vec<String> = err.problems().into_iter().map(|p| p.message).collect();
        assert_eq!(messages.len(), 4, "{e}");
        assert!(
            messages[0].starts_with("evidence: unknown variant `sure`"),
            "{e}"
        );
        assert!(messages[1].starts_with("unknown field `comment`"), "{e}");
        assert!(messages[2].starts_with("steps[0].request.path:"), "{e}");
        // The third step keeps its number though the first was set aside.
        assert!(
            messages[3].starts_with("steps[2].expect: invalid value: integer `99999`"),
            "{e}"
        );
        assert!(e.contains("   status: 99999\n"), "{e}");
        assert!(
            !e.contains("missing field"),
            "no problem of our making: {e}"
        );
    }
}
