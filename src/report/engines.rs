//! The report's engine columns, wpt.fyi style: per case, target and
//! browser engine, does a page see on the target what it sees on COS; and
//! where the engines see COS's own answer differently, which and why.
//!
//! Everything here is read from each step's `browser` in `results.json`
//! (what `model::seen` made of the target's answer and of COS's answer as
//! the case expects it); no CORS rule is written here.

use std::collections::BTreeMap;

use crate::model::browser::Engine;
use crate::model::seen::{why_engines_differ, Seen};

use super::{Record, Results, Score, VerdictKind};

/// One case on one target in one engine.
#[derive(Debug, Clone, PartialEq)]
pub struct BrowserCell {
    /// Steps a page sees (with an `Origin`).
    pub steps: usize,
    /// The steps where a page sees something else than on COS:
    /// (step, request line, on the target, on COS).
    pub differs: Vec<(usize, String, Seen, Seen)>,
}

impl BrowserCell {
    /// Does a page in this engine see on the target what it sees on COS?
    pub fn as_cos(&self) -> bool {
        self.differs.is_empty()
    }

    /// One line per differing step, for a list: its number and method
    /// (the matrix's detail has the whole request).
    pub fn explain(&self) -> Vec<String> {
        self.differs
            .iter()
            .map(|(step, request, target, cos)| {
                format!(
                    "step {step} ({}): on COS {}, here {}",
                    request.split(' ').next().unwrap_or(""),
                    cos.words(),
                    target.words()
                )
            })
            .collect()
    }
}

/// One line per (case, way a page sees the target otherwise than COS) on
/// `target`, with the engines that see it (`every engine` when all do):
/// `` `case` (chromium, firefox): step 1 (OPTIONS): on COS ..., here ... ``.
pub fn differences_on(matrix: &BrowserMatrix<'_>, target: &str) -> Vec<String> {
    let mut lines = Vec::new();
    for (case, by_target) in matrix {
        let Some(by_engine) = by_target.get(target) else {
            continue;
        };
        // Cells that differ alike in several engines are one line.
        let mut alike: Vec<(Vec<Engine>, Vec<String>)> = Vec::new();
        for (e, cell) in by_engine.iter().filter(|(_, c)| !c.as_cos()) {
            let how = cell.explain();
            match alike.iter_mut().find(|(_, h)| *h == how) {
                Some((es, _)) => es.push(*e),
                None => alike.push((vec![*e], how)),
            }
        }
        for (es, how) in alike {
            let who = if es.len() == Engine::ALL.len() {
                "every engine".to_string()
            } else {
                es.iter().map(|e| e.name()).collect::<Vec<_>>().join(", ")
            };
            lines.push(format!("`{case}` ({who}): {}", how.join("; ")));
        }
    }
    lines
}

/// A step of a case whose answer from COS the engines see differently.
#[derive(Debug, Clone, PartialEq)]
pub struct EngineDifference {
    pub step: usize,
    pub request: String,
    /// Which engines see what, and the source of their difference.
    pub why: String,
}

/// Case → target → engine → cell.
pub type BrowserMatrix<'a> = BTreeMap<&'a str, BTreeMap<&'a str, BTreeMap<Engine, BrowserCell>>>;

impl Results {
    /// Case → target → engine → cell, for the cases with at least one step
    /// a page sees, on the targets that ran them.
    pub fn browser_matrix(&self) -> BrowserMatrix<'_> {
        let mut m: BrowserMatrix<'_> = BTreeMap::new();
        for r in self.records.iter().filter(|r| !r.browser.is_empty()) {
            let by_engine = m
                .entry(&r.case_id)
                .or_default()
                .entry(&r.target)
                .or_default();
            for (engine, step) in &r.browser {
                let cell = by_engine.entry(*engine).or_insert(BrowserCell {
                    steps: 0,
                    differs: Vec::new(),
                });
                cell.steps += 1;
                if !step.as_cos() {
                    cell.differs.push((
                        r.step,
                        r.request.clone().unwrap_or_default(),
                        step.target.clone(),
                        step.cos.clone(),
                    ));
                }
            }
        }
        m
    }

    /// Per target, per engine: the cases in which a page sees what it sees
    /// on COS, out of the cases with a step a page sees.
    pub fn browser_scores(&self) -> BTreeMap<&str, BTreeMap<Engine, Score>> {
        let mut out: BTreeMap<&str, BTreeMap<Engine, Score>> = self
            .targets
            .iter()
            .map(|t| {
                let zero = Score {
                    conforming: 0,
                    of: 0,
                };
                (t.name.as_str(), Engine::ALL.map(|e| (e, zero)).into())
            })
            .collect();
        for by_target in self.browser_matrix().into_values() {
            for (target, by_engine) in by_target {
                for (engine, cell) in by_engine {
                    let s = out
                        .entry(target)
                        .or_default()
                        .entry(engine)
                        .or_insert(Score {
                            conforming: 0,
                            of: 0,
                        });
                    s.of += 1;
                    s.conforming += usize::from(cell.as_cos());
                }
            }
        }
        out
    }

    /// Case → the steps whose answer from COS the engines see differently.
    /// COS's answer is taken from a target that conforms on the case where
    /// there is one (its answer is then COS's as far as the case says), else
    /// from the first target that ran it.
    pub fn engine_differences(&self) -> BTreeMap<&str, Vec<EngineDifference>> {
        let mut chosen: BTreeMap<(&str, usize), &Record> = BTreeMap::new();
        for t in &self.targets {
            for r in self
                .records
                .iter()
                .filter(|r| r.target == t.name && !r.browser.is_empty())
            {
                let slot = chosen.entry((&r.case_id, r.step)).or_insert(r);
                if slot.verdict != VerdictKind::Conforms && r.verdict == VerdictKind::Conforms {
                    *slot = r;
                }
            }
        }
        let mut out: BTreeMap<&str, Vec<EngineDifference>> = BTreeMap::new();
        for ((case, step), r) in chosen {
            let views: Vec<(Engine, Seen)> =
                r.browser.iter().map(|(e, s)| (*e, s.cos.clone())).collect();
            if let Some(why) = why_engines_differ(&views) {
                out.entry(case).or_default().push(EngineDifference {
                    step,
                    request: r.request.clone().unwrap_or_default(),
                    why,
                });
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::Evidence;
    use crate::report::TargetInfo;
    use crate::runner::BrowserStep;

    fn record(target: &str, case: &str, verdict: VerdictKind, target_age: u64) -> Record {
        let seen = |age| Seen::Preflight {
            allowed: true,
            cached_seconds: Some(age),
        };
        let browser = Engine::ALL
            .into_iter()
            .map(|e| {
                let cap = |a: u64| a.min(e.max_age_cap());
                (
                    e,
                    BrowserStep {
                        target: seen(cap(target_age)),
                        cos: seen(cap(86400)),
                    },
                )
            })
            .collect();
        Record {
            target: target.into(),
            case_id: case.into(),
            case_file: format!("cases/{case}.yaml"),
            api: "preflight".into(),
            source: "seed".into(),
            evidence: Evidence::Settled,
            verdict,
            as_cos: Some(true),
            as_s3: None,
            reason: None,
            error: None,
            step: 1,
            request: Some("OPTIONS /k".into()),
            step_passed: true,
            expected_from: "cos".into(),
            expected: Vec::new(),
            observed: Vec::new(),
            observed_status: Some(200),
            diff: String::new(),
            normalised: Vec::new(),
            duration_ms: 1.0,
            browser,
        }
    }

    fn results(records: Vec<Record>) -> Results {
        Results {
            schema_version: crate::report::SCHEMA_VERSION,
            coscors_version: "0".into(),
            generated_at: "now".into(),
            suite_commit: None,
            products: BTreeMap::new(),
            targets: ["a", "b"]
                .map(|n| TargetInfo {
                    name: n.into(),
                    profile: "cos".into(),
                    vendor: None,
                })
                .into(),
            records,
        }
    }

    #[test]
    fn a_cell_differs_only_in_the_engines_that_see_the_difference() {
        // Target b sends Max-Age 3600 where COS sends 86400: Chromium (cap
        // 7200) and Firefox (86400) see it, WebKit (cap 600) does not.
        let r = results(vec![
            record("a", "p/one", VerdictKind::Conforms, 86400),
            record("b", "p/one", VerdictKind::Fails, 3600),
        ]);
        let m = r.browser_matrix();
        let b = &m["p/one"]["b"];
        assert!(!b[&Engine::Chromium].as_cos());
        assert!(!b[&Engine::Firefox].as_cos());
        assert!(b[&Engine::WebKit].as_cos());
        assert!(m["p/one"]["a"].values().all(BrowserCell::as_cos));
        assert_eq!(
            b[&Engine::Chromium].explain(),
            ["step 1 (OPTIONS): on COS allowed, cached 7200 s, here allowed, cached 3600 s"]
        );
        let scores = r.browser_scores();
        assert_eq!(scores["b"][&Engine::WebKit].conforming, 1);
        assert_eq!(scores["b"][&Engine::Firefox].conforming, 0);
        assert_eq!(scores["a"][&Engine::Chromium].of, 1);
    }

    #[test]
    fn engines_that_cache_cos_answer_differently_are_named_with_why() {
        let r = results(vec![
            record("b", "p/one", VerdictKind::Fails, 3600),
            record("a", "p/one", VerdictKind::Conforms, 86400),
        ]);
        let d = r.engine_differences();
        assert_eq!(d["p/one"].len(), 1);
        assert!(
            d["p/one"][0]
                .why
                .contains("chromium 7200 s, firefox 86400 s, webkit 600 s"),
            "{:?}",
            d["p/one"][0]
        );
    }
}
