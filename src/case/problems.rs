//! Every problem of a YAML file read into a serde type, not only the first:
//! for the vendor and targets files (case files have their own, per step,
//! in [`super::load`]). serde stops at the first error, so the entry holding
//! it (a top-level field, or an entry of a map such as `divergences:` or
//! `targets:`) is set aside (its lines blanked, the numbering kept) and the
//! file read again, until it loads or no entry holds the error. Where each
//! key and value is comes from yaml-rust2's events, for the checks serde
//! cannot make (a case id that does not exist, a glob that does not compile).

use std::path::Path;

use serde::de::DeserializeOwned;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

use super::load::{self, LoadError, Problem};

/// Load a YAML file's text as a `T` with every problem it has: tabs,
/// duplicate keys, each serde error (entries directly below each of
/// `entry_parents`, and the top-level fields, are what gets set aside), and
/// what `check` finds in what loaded.
pub fn load_yaml<T: DeserializeOwned>(
    path: &Path,
    text: &str,
    entry_parents: &[&[&str]],
    check: impl FnOnce(&T, &Marks) -> Vec<Problem>,
) -> Result<T, LoadError> {
    let marks = marks(text);
    let mut parts = marks.entries(&[]);
    for parent in entry_parents {
        parts.extend(marks.entries(parent));
    }
    let mut problems = load::tabs(text);
    problems.extend(load::duplicate_keys(text));
    let has_tab = !problems.is_empty() && problems.iter().any(|p| p.message.starts_with("a tab"));
    let has_dup = problems
        .iter()
        .any(|p| p.message.starts_with("duplicate key"));
    let (value, found) = deserialize_all::<T>(text, &parts);
    // A tab or a duplicate key is also serde's error, in vaguer words or at
    // the wrong place: said once, clearly.
    problems.extend(found.into_iter().filter(|p| {
        !(has_tab && p.message.contains("cannot start any token")
            || has_dup && p.message.contains("duplicate field"))
    }));
    if let Some(v) = &value {
        problems.extend(check(v, &marks));
    }
    match (LoadError::of(path, text, problems), value) {
        (Some(e), _) => Err(e),
        (None, Some(v)) => Ok(v),
        (None, None) => Err(LoadError::plain(path, "the file does not load")),
    }
}

/// A key's or a value's path from the document's root: mapping keys, and
/// sequence indices as numbers.
pub type YamlPath = Vec<String>;

/// Where the keys and scalar values of a document are (1-based line and
/// column).
#[derive(Debug, Default)]
pub struct Marks {
    pub keys: Vec<(YamlPath, (usize, usize))>,
    pub values: Vec<(YamlPath, (usize, usize))>,
    /// Lines in the text, for the last entry's end.
    pub lines: usize,
}

impl Marks {
    /// Where the key at `path` is.
    pub fn key(&self, path: &[&str]) -> Option<(usize, usize)> {
        self.keys
            .iter()
            .find(|(p, _)| p.iter().map(String::as_str).eq(path.iter().copied()))
            .map(|(_, at)| *at)
    }

    /// Where the scalar value at `path` is (else its key).
    pub fn value(&self, path: &[&str]) -> Option<(usize, usize)> {
        self.values
            .iter()
            .find(|(p, _)| p.iter().map(String::as_str).eq(path.iter().copied()))
            .map(|(_, at)| *at)
            .or_else(|| self.key(path))
    }

    /// The entries directly below `parent` (the root when empty), each with
    /// its lines (start, end exclusive): an entry runs to the next one.
    pub fn entries(&self, parent: &[&str]) -> Vec<(String, usize, usize)> {
        let depth = parent.len();
        let end = if parent.is_empty() {
            self.lines + 1
        } else {
            let Some((name, up)) = parent.split_last() else {
                return Vec::new();
            };
            match self
                .entries(up)
                .into_iter()
                .find(|(n, ..)| n == name)
                .map(|(_, _, e)| e)
            {
                Some(e) => e,
                None => return Vec::new(),
            }
        };
        let mut below: Vec<(String, usize)> = self
            .keys
            .iter()
            .filter(|(p, _)| {
                p.len() == depth + 1
                    && p.iter()
                        .map(String::as_str)
                        .take(depth)
                        .eq(parent.iter().copied())
            })
            .map(|(p, (l, _))| (p[depth].clone(), *l))
            .collect();
        below.sort_by_key(|(_, l)| *l);
        let mut out = Vec::new();
        for (i, (name, start)) in below.iter().enumerate() {
            let stop = below.get(i + 1).map_or(end, |n| n.1);
            out.push((name.clone(), *start, stop));
        }
        out
    }
}

/// Walk a document's events, noting where each key and value is. A syntax
/// error stops the walk (serde reports it).
pub fn marks(text: &str) -> Marks {
    enum Frame {
        Map {
            key: Option<String>,
            next_is_key: bool,
        },
        Seq {
            index: usize,
        },
    }
    #[derive(Default)]
    struct Walk {
        stack: Vec<Frame>,
        out: Marks,
    }
    impl Walk {
        fn path(&self) -> YamlPath {
            self.stack
                .iter()
                .filter_map(|f| match f {
                    Frame::Map { key, .. } => key.clone(),
                    Frame::Seq { index } => Some(index.to_string()),
                })
                .collect()
        }
        /// A value (scalar or collection) has ended.
        fn value_done(&mut self) {
            match self.stack.last_mut() {
                Some(Frame::Map { next_is_key, .. }) => *next_is_key = true,
                Some(Frame::Seq { index }) => *index += 1,
                None => {}
            }
        }
    }
    impl MarkedEventReceiver for Walk {
        fn on_event(&mut self, ev: Event, mark: Marker) {
            let at = (mark.line(), mark.col() + 1);
            match ev {
                Event::Scalar(v, ..) => {
                    if let Some(Frame::Map { key, next_is_key }) = self.stack.last_mut() {
                        if *next_is_key {
                            *key = Some(v);
                            *next_is_key = false;
                            let p = self.path();
                            self.out.keys.push((p, at));
                            return;
                        }
                    }
                    let p = self.path();
                    self.out.values.push((p, at));
                    self.value_done();
                }
                Event::Alias(_) => self.value_done(),
                Event::MappingStart(..) => self.stack.push(Frame::Map {
                    key: None,
                    next_is_key: true,
                }),
                Event::SequenceStart(..) => self.stack.push(Frame::Seq { index: 0 }),
                Event::MappingEnd | Event::SequenceEnd => {
                    self.stack.pop();
                    self.value_done();
                }
                _ => {}
            }
        }
    }
    let mut w = Walk::default();
    let _ = Parser::new_from_str(text).load(&mut w, false);
    w.out.lines = text.lines().count();
    w.out
}

/// Read `text` as a `T`, collecting every serde error: the entry (of
/// `parts`, line ranges, the smallest holding the error first) is set aside
/// and the text read again. Returns what finally loaded (without the
/// entries set aside) and the problems, in the order found.
pub fn deserialize_all<T: DeserializeOwned>(
    text: &str,
    parts: &[(String, usize, usize)],
) -> (Option<T>, Vec<Problem>) {
    let mut lines: Vec<&str> = text.lines().collect();
    let mut set_aside: Vec<&(String, usize, usize)> = Vec::new();
    let mut problems = Vec::new();
    let mut err = match serde_norway::from_str::<T>(text) {
        Ok(v) => return (Some(v), problems),
        Err(e) => e,
    };
    for _ in 0..64 {
        let p = Problem {
            line_col: err.location().map(|l| (l.line(), l.column())),
            message: strip_location(&err.to_string()),
        };
        // A field missing because its entry was set aside is no problem of
        // the file.
        if set_aside
            .iter()
            .any(|(name, ..)| p.message.contains(&format!("missing field `{name}`")))
        {
            return (None, problems);
        }
        let line = p.line_col.map(|(l, _)| l);
        problems.push(p);
        let Some(line) = line else {
            return (None, problems);
        };
        let holding = parts
            .iter()
            .filter(|part| part.1 <= line && line < part.2 && !set_aside.contains(part))
            .min_by_key(|part| part.2 - part.1);
        let Some(part) = holding else {
            return (None, problems);
        };
        for l in lines.iter_mut().take(part.2 - 1).skip(part.1 - 1) {
            *l = "";
        }
        set_aside.push(part);
        match serde_norway::from_str::<T>(&lines.join("\n")) {
            Ok(v) => return (Some(v), problems),
            Err(e) => err = e,
        }
    }
    (None, problems)
}

/// The YAML error's text without its trailing " at line L column C".
pub fn strip_location(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) if msg[i..].contains(" column ") => msg[..i].to_string(),
        _ => msg.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_name_keys_and_values_by_path() {
        let text = "a: 1\nb:\n  c: [x, y]\n  d:\n    - e: z\n";
        let m = marks(text);
        assert_eq!(m.key(&["a"]), Some((1, 1)));
        assert_eq!(m.value(&["a"]), Some((1, 4)));
        assert_eq!(m.value(&["b", "c", "1"]), Some((3, 10)));
        assert_eq!(m.key(&["b", "d", "0", "e"]), Some((5, 7)));
        let top = m.entries(&[]);
        assert_eq!(top, vec![("a".into(), 1, 2), ("b".into(), 2, 6)]);
        let below_b = m.entries(&["b"]);
        assert_eq!(below_b, vec![("c".into(), 3, 4), ("d".into(), 4, 6)]);
    }
}
