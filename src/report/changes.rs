//! `coscors report --compare OLD NEW`: what changed between two runs, in
//! the order it is printed.

use super::{compare, target_changes, Results, TargetCounts, VerdictKind};

/// What a changed cell means for the gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    /// Passed (or absent) before, fails now.
    NewFailure,
    /// Failed before, passes (or is absent) now.
    Fixed,
    /// Another verdict, on the same side of the gate.
    Changed,
}

impl ChangeKind {
    /// The word printed at the start of the line.
    pub fn label(self) -> &'static str {
        match self {
            ChangeKind::NewFailure => "NEW FAILURE",
            ChangeKind::Fixed => "fixed",
            ChangeKind::Changed => "changed",
        }
    }

    fn of(old: Option<VerdictKind>, new: Option<VerdictKind>) -> ChangeKind {
        match (old.map(VerdictKind::ok), new.map(VerdictKind::ok)) {
            (Some(true) | None, Some(false)) => ChangeKind::NewFailure,
            (Some(false), Some(true) | None) => ChangeKind::Fixed,
            _ => ChangeKind::Changed,
        }
    }
}

/// One cell (case, target) whose verdict differs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub case: String,
    pub target: String,
    pub old: Option<VerdictKind>,
    pub new: Option<VerdictKind>,
    pub kind: ChangeKind,
}

impl Change {
    /// `NEW FAILURE  case on target: conforms -> fails`.
    pub fn line(&self) -> String {
        let name = |v: Option<VerdictKind>| v.map_or("absent", VerdictKind::name);
        format!(
            "{:<12} {} on {}: {} -> {}",
            self.kind.label(),
            self.case,
            self.target,
            name(self.old),
            name(self.new)
        )
    }
}

/// Everything that changed between two runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changes {
    /// Targets only in the old run, with their number of cases.
    pub removed: TargetCounts,
    /// Targets only in the new run.
    pub added: TargetCounts,
    /// Changed cells. A removed target's cells are left out (its line says
    /// it); of an added target's, only those that fail (new failures).
    pub cells: Vec<Change>,
}

impl Changes {
    pub fn between(old: &Results, new: &Results) -> Changes {
        let (removed, added) = target_changes(old, new);
        let cells = compare(old, new)
            .into_iter()
            .filter(|(_, t, _, vb)| {
                !removed.iter().any(|(r, _)| r == t)
                    && (!added.iter().any(|(a, _)| a == t) || vb.is_some_and(|v| !v.ok()))
            })
            .map(|(case, target, old, new)| Change {
                kind: ChangeKind::of(old, new),
                case,
                target,
                old,
                new,
            })
            .collect();
        Changes {
            removed,
            added,
            cells,
        }
    }

    pub fn count(&self, kind: ChangeKind) -> usize {
        self.cells.iter().filter(|c| c.kind == kind).count()
    }

    /// The whole listing, as `report --compare` prints it.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for (t, n) in &self.removed {
            out.push_str(&format!("target removed: {t} ({n} cases)\n"));
        }
        for (t, n) in &self.added {
            out.push_str(&format!("target added: {t} ({n} cases)\n"));
        }
        for c in &self.cells {
            out.push_str(&c.line());
            out.push('\n');
        }
        out.push_str(&format!(
            "{} changed cell(s): {} new failure(s), {} fixed\n",
            self.cells.len(),
            self.count(ChangeKind::NewFailure),
            self.count(ChangeKind::Fixed)
        ));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::Evidence;
    use crate::report::{Record, TargetInfo};

    fn results(cells: &[(&str, &str, VerdictKind)]) -> Results {
        let mut targets: Vec<TargetInfo> = Vec::new();
        let mut records = Vec::new();
        for (case, target, verdict) in cells {
            if !targets.iter().any(|t| t.name == *target) {
                targets.push(TargetInfo {
                    name: target.to_string(),
                    profile: "cos".into(),
                    vendor: None,
                });
            }
            records.push(Record {
                target: target.to_string(),
                case_id: case.to_string(),
                case_file: format!("cases/{case}.yaml"),
                api: "preflight".into(),
                source: "seed".into(),
                evidence: Evidence::Settled,
                verdict: *verdict,
                as_cos: None,
                as_s3: None,
                reason: None,
                error: None,
                step: 1,
                request: None,
                step_passed: verdict.ok(),
                expected_from: "cos".into(),
                expected: Vec::new(),
                observed: Vec::new(),
                observed_status: None,
                diff: String::new(),
                normalised: Vec::new(),
                duration_ms: 0.0,
                browser: std::collections::BTreeMap::new(),
            });
        }
        Results {
            schema_version: crate::report::SCHEMA_VERSION,
            coscors_version: "test".into(),
            generated_at: "1970-01-01T00:00:00Z".into(),
            suite_commit: None,
            products: Default::default(),
            targets,
            records,
        }
    }

    use VerdictKind::{Conforms, DivergesAsRecorded, Fails};

    #[test]
    fn cells_are_classed_new_failure_fixed_or_changed() {
        let old = results(&[
            ("a", "emu", Conforms),
            ("b", "emu", Fails),
            ("c", "emu", Conforms),
            ("d", "emu", Conforms),
        ]);
        let new = results(&[
            ("a", "emu", Fails),
            ("b", "emu", Conforms),
            ("c", "emu", DivergesAsRecorded),
            ("d", "emu", Conforms),
            ("e", "emu", Fails),
        ]);
        let ch = Changes::between(&old, &new);
        let kinds: Vec<_> = ch.cells.iter().map(|c| (c.case.as_str(), c.kind)).collect();
        assert_eq!(
            kinds,
            [
                ("a", ChangeKind::NewFailure),
                ("b", ChangeKind::Fixed),
                ("c", ChangeKind::Changed),
                ("e", ChangeKind::NewFailure),
            ]
        );
        assert_eq!(ch.count(ChangeKind::NewFailure), 2);
        assert_eq!(
            ch.render().lines().last(),
            Some("4 changed cell(s): 2 new failure(s), 1 fixed")
        );
        assert_eq!(ch.cells[3].line(), "NEW FAILURE  e on emu: absent -> fails");
    }

    #[test]
    fn an_added_target_shows_only_its_failures_and_a_removed_one_nothing() {
        let old = results(&[("a", "emu", Conforms), ("a", "gone", Fails)]);
        let new = results(&[
            ("a", "emu", Conforms),
            ("a", "moto", Conforms),
            ("b", "moto", Fails),
        ]);
        let ch = Changes::between(&old, &new);
        assert_eq!(ch.removed, [("gone".to_string(), 1)]);
        assert_eq!(ch.added, [("moto".to_string(), 2)]);
        assert_eq!(ch.cells.len(), 1);
        assert_eq!(ch.cells[0].case, "b");
        assert!(ch
            .render()
            .starts_with("target removed: gone (1 cases)\ntarget added: moto (2 cases)\n"));
    }
}
