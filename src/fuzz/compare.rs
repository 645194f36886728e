//! Comparing two targets' answers, and naming each difference by a
//! signature: which step kind, which field, and the shape of each side's
//! value (not the value itself), so that one cause found a thousand times
//! counts once.

use super::exec::{Answer, StepKind, WireStep};
use crate::model::headers;

/// One difference between the two answers to a step.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Signature(pub String);

/// A list's items as COS reads them ([`headers::split_list`]), sorted: to
/// name a value's shape only (sameness is [`crate::diff::same_value`]'s).
fn list_norm(v: &str) -> Vec<String> {
    let mut items: Vec<String> = headers::split_list(v).map(str::to_string).collect();
    items.sort();
    items
}

/// The shape of a header value: what it is relative to the request.
fn shape(step: &WireStep, name: &str, v: Option<&str>) -> String {
    let Some(v) = v else {
        return "absent".into();
    };
    if v == "*" {
        return "*".into();
    }
    if step.origin() == Some(v) {
        return "=origin".into();
    }
    if name == headers::ALLOW_HEADERS {
        if let Some(r) = step.requested() {
            if list_norm(&r.to_ascii_lowercase()) == list_norm(&v.to_ascii_lowercase()) {
                return "=requested".into();
            }
        }
    }
    match name {
        headers::ALLOW_CREDENTIALS => v.to_string(),
        headers::MAX_AGE => "number".into(),
        headers::VARY => list_norm(v).join(","),
        _ => "list".into(),
    }
}

/// The differences between two answers to the same step, as signatures.
/// Values equal up to the runner's normalisations (spaces and order inside
/// list headers, header-name case: [`crate::diff::same_value`]) are not
/// differences.
pub fn differences(step: &WireStep, a: &Answer, b: &Answer) -> Vec<Signature> {
    let mut out = Vec::new();
    let k = step.kind;
    if a.status != b.status {
        out.push(Signature(format!(
            "{k}: status {} vs {}",
            a.status, b.status
        )));
    }
    if a.code != b.code {
        out.push(Signature(format!(
            "{k}: error code {} vs {}",
            a.code.as_deref().unwrap_or("none"),
            b.code.as_deref().unwrap_or("none")
        )));
    }
    for (i, name) in super::exec::CORS_HEADERS.into_iter().enumerate() {
        let (va, vb) = (a.cors()[i].as_deref(), b.cors()[i].as_deref());
        let same = match (va, vb) {
            // The runner's own rule, so that the fuzzer calls a difference
            // exactly what a case would (`GET,,PUT` is not `GET,PUT`, and
            // Allow-Origin is no list).
            (Some(x), Some(y)) => crate::diff::same_value(name, x, y),
            (None, None) => true,
            _ => false,
        };
        if !same {
            let (sa, sb) = (shape(step, name, va), shape(step, name, vb));
            let detail = if sa == sb {
                "different values".to_string()
            } else {
                format!("{sa} vs {sb}")
            };
            out.push(Signature(format!("{k}: {name} {detail}")));
        }
    }
    if a.config != b.config {
        out.push(Signature(format!("{k}: configuration read back differs")));
    }
    out
}

/// All differences of an execution: (step index, signature). The reset
/// that starts every execution is not compared: its answer belongs to the
/// previous input's state (a target that adds CORS headers from the stored
/// configuration does so to the reset too), so a difference there could not
/// be reproduced from this input alone. A broken reset is caught apart
/// (see `Wedged` in `fuzz/mod.rs`).
pub fn all_differences(steps: &[WireStep], a: &[Answer], b: &[Answer]) -> Vec<(usize, Signature)> {
    steps
        .iter()
        .zip(a.iter().zip(b))
        .enumerate()
        // Equal answers (nearly all of them) have no differences.
        .filter(|(_, (s, (x, y)))| s.kind != StepKind::SetupReset && x != y)
        .flat_map(|(i, (s, (x, y)))| differences(s, x, y).into_iter().map(move |d| (i, d)))
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::case::{Expect, Headers};
    use crate::target::Observed;

    /// The fuzzer's sameness and the runner's verdict agree on every pair
    /// of values drawn from the shapes where they once drifted (empty items,
    /// spaces, order, `*`, origins), for list and non-list headers.
    #[test]
    fn the_fuzzer_forgives_exactly_what_the_runner_forgives() {
        const PARTS: [&str; 9] = [
            "GET",
            "PUT",
            "",
            " ",
            ",",
            ", ",
            "*",
            "https://a.example",
            "x-a",
        ];
        let mut values = Vec::new();
        for a in PARTS {
            for b in PARTS {
                for c in ["", ",", ", GET", ",,PUT"] {
                    values.push(format!("{a}{b}{c}"));
                }
            }
        }
        values.sort();
        values.dedup();
        let mut compared = 0;
        for name in super::super::exec::CORS_HEADERS {
            for x in &values {
                for y in values.iter().step_by(7) {
                    let expect = Expect {
                        status: 200,
                        headers: Headers(vec![(name.to_string(), vec![x.clone()])]),
                        ..Default::default()
                    };
                    let observed = Observed {
                        status: 200,
                        headers: vec![(name.to_string(), y.clone())],
                        body: Vec::new(),
                    };
                    let runner =
                        crate::diff::compare(&expect, &observed, &Default::default()).passed();
                    assert_eq!(
                        crate::diff::same_value(name, x, y),
                        runner,
                        "{name}: {x:?} vs {y:?}"
                    );
                    compared += 1;
                }
            }
        }
        assert!(compared > 10_000, "{compared}");
        // The drift this replaced: empty items and Allow-Origin lists.
        assert!(!crate::diff::same_value(
            "Access-Control-Allow-Methods",
            "GET,,PUT",
            "GET,PUT"
        ));
        assert!(crate::diff::same_value(
            "Access-Control-Allow-Methods",
            "PUT, GET",
            "GET,PUT"
        ));
        assert!(!crate::diff::same_value(
            "Access-Control-Allow-Origin",
            "b, a",
            "a,b"
        ));
    }
}
