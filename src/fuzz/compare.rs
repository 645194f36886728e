//! Comparing two targets' answers, and naming each difference by a
//! signature: which step kind, which field, and the shape of each side's
//! value (not the value itself), so that one cause found a thousand times
//! counts once.

use super::exec::{Answer, WireStep};

/// One difference between the two answers to a step.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Signature(pub String);

fn list_norm(v: &str) -> Vec<String> {
    let mut items: Vec<String> = v
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
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
    if name == "Access-Control-Allow-Headers" {
        if let Some(r) = step.requested() {
            if list_norm(&r.to_ascii_lowercase()) == list_norm(&v.to_ascii_lowercase()) {
                return "=requested".into();
            }
        }
    }
    match name {
        "Access-Control-Allow-Credentials" => v.to_string(),
        "Access-Control-Max-Age" => "number".into(),
        "Vary" => list_norm(v).join(","),
        _ => "list".into(),
    }
}

/// The differences between two answers to the same step, as signatures.
/// Values equal up to the runner's normalisations (spaces and order inside
/// lists, header-name case) are not differences.
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
            (Some(x), Some(y)) => x == y || list_norm(x) == list_norm(y),
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
        .filter(|(_, (s, (x, y)))| s.kind != "setup-reset" && x != y)
        .flat_map(|(i, (s, (x, y)))| differences(s, x, y).into_iter().map(move |d| (i, d)))
        .collect()
}
