//! `coscors record`: what a real endpoint answered, written down as
//! expectations, so that the suite's documented expectations can be
//! confirmed or corrected from the real service, and a vendor's divergences
//! kept in its file.
//!
//! Only what a case checks is recorded (status, the headers it names, the
//! error fields, the `?cors` body); volatile values are masked as
//! `(volatile)`.

use std::collections::BTreeMap;

use crate::case::{Divergence, Expect, ExpectError, Headers, Identity, LoadedCase};
use crate::diff::{self, Comparison};
use crate::model::xml;
use crate::runner::{CaseOutcome, Verdict};
use crate::target::Observed;

/// What `observed` says about the fields `original` checks. Where the
/// comparison found no difference, the original's wording is kept (so that
/// recordings stay stable across runs and targets).
pub fn observed_as_expect(original: &Expect, observed: &Observed, cmp: &Comparison) -> Expect {
    let differs = |what: &str| cmp.mismatches.iter().any(|m| m.what == what);
    let mut e = Expect {
        status: observed.status,
        ..Default::default()
    };
    let mut present = Vec::new();
    let mut absent = Vec::new();
    let names = original
        .headers
        .0
        .iter()
        .map(|(n, _)| n.clone())
        .chain(original.absent.iter().cloned());
    for name in names {
        let values: Vec<String> = observed.all(&name).map(|(_, v)| v.to_string()).collect();
        let expected = original.headers.0.iter().find(|(n, _)| *n == name);
        if let (Some((_, v)), false) = (expected, differs(&format!("header {name}"))) {
            present.push((name, v.clone()));
        } else if values.is_empty() {
            absent.push(name);
        } else if diff::VOLATILE_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
            present.push((name, vec!["(volatile)".to_string()]));
        } else {
            present.push((name, vec![values.join(", ")]));
        }
    }
    e.headers = Headers(present);
    e.absent = absent;
    // Patterns (identity headers) stay patterns while they hold.
    for (name, patterns) in &original.matching.0 {
        if !differs(&format!("header {name}")) {
            e.matching.0.push((name.clone(), patterns.clone()));
        } else {
            let values: Vec<String> = observed.all(name).map(|(_, v)| v.to_string()).collect();
            if values.is_empty() {
                e.absent.push(name.clone());
            } else {
                e.headers.0.push((name.clone(), vec![values.join(", ")]));
            }
        }
    }
    if original.error.is_some() || observed.status >= 400 {
        if let Some(fields) = diff::parse_error_body(&observed.body) {
            let get = |n: &str| fields.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
            let want = original.error.clone().unwrap_or_default();
            let keep = |what: &str, w: &Option<String>, n: &str| match w {
                Some(v) if !differs(what) => Some(v.clone()),
                Some(_) => get(n),
                None => None,
            };
            // Elements beyond COS's five are recorded with their values
            // (the ids are volatile); those COS's expectation names that
            // the answer lacks are recorded as absent.
            let known = [
                "Code",
                "Message",
                "Resource",
                "RequestId",
                "TraceId",
                "HostId",
            ];
            let elements = fields
                .iter()
                .filter(|(k, _)| !known.contains(&k.as_str()))
                .cloned()
                .collect();
            let absent_elements = want
                .resource
                .iter()
                .map(|_| "Resource".to_string())
                .chain(want.present.iter().cloned())
                .filter(|n| get(n).is_none())
                .collect();
            e.error = Some(ExpectError {
                code: get("Code").unwrap_or_default(),
                message: keep("error Message", &want.message, "Message"),
                resource: keep("error Resource", &want.resource, "Resource"),
                present: want
                    .present
                    .iter()
                    .filter(|n| get(n).is_some_and(|v| !v.is_empty()))
                    .cloned()
                    .collect(),
                elements,
                absent_elements,
            });
        } else if original.error.is_some() {
            e.body = Some(String::from_utf8_lossy(&observed.body).into_owned());
        }
    }
    if original.cors.is_some() {
        match xml::parse(&observed.body) {
            Ok(c) => e.cors = Some(c),
            // An error answer is recorded by its fields above: its body
            // holds request ids that change on every run.
            Err(_) if e.error.is_some() => {}
            Err(_) => e.body = Some(String::from_utf8_lossy(&observed.body).into_owned()),
        }
    }
    if original.body.is_some() && e.body.is_none() {
        e.body = Some(String::from_utf8_lossy(&observed.body).into_owned());
    }
    e
}

/// The stable part of a run error: up to a body or a target-specific tail.
fn stable_error(e: &str) -> String {
    let e = e.split(" (body:").next().unwrap_or(e);
    // `METHOD /path on target NAME: cause` -> `cause`
    match e.rsplit_once(": ") {
        Some((head, cause)) if head.contains(" on target ") => cause.to_string(),
        _ => e.to_string(),
    }
}

/// Keep the error messages a person pinned in the vendor file before
/// (`prior`) where the new recording pins none for the same step and code:
/// a case that does not check COS's message records none of its own, and
/// re-recording must not drop what the vendor file says (AWS's recorded
/// messages in cases/vendors/s3.yaml). If the endpoint's message changed,
/// the next run says so.
pub fn keep_prior_messages(new: &mut Divergence, prior: &Divergence) {
    for (n, step) in new.steps.iter_mut() {
        let (Some(err), Some(old)) = (
            step.error.as_mut(),
            prior.steps.get(n).and_then(|p| p.error.as_ref()),
        ) else {
            continue;
        };
        if err.message.is_none() && err.code == old.code {
            err.message = old.message.clone();
        }
    }
}

/// The divergence an outcome shows, or `None` if the target answered as the
/// case expects. The outcome was compared with COS's expectations under the
/// vendor's `identity`, which the record is written under too.
pub fn divergence_of(
    case: &LoadedCase,
    outcome: &CaseOutcome,
    reason: &str,
    identity: &Identity,
) -> Option<Divergence> {
    match &outcome.verdict {
        Verdict::Conforms | Verdict::NotRun(_) => None,
        Verdict::Error(e) => Some(Divergence {
            reason: reason.to_string(),
            link: None,
            steps: BTreeMap::new(),
            error: Some(stable_error(e)),
            skip: false,
        }),
        _ => {
            let mut steps = BTreeMap::new();
            for (i, (step, s)) in case.case.steps.iter().zip(&outcome.steps).enumerate() {
                if let Some(o) = &s.observed {
                    if !s.comparison.passed() {
                        let original = identity.apply(&step.expect);
                        steps.insert(i + 1, observed_as_expect(&original, o, &s.comparison));
                    }
                }
            }
            Some(Divergence {
                reason: reason.to_string(),
                link: None,
                steps,
                error: None,
                skip: false,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_error(code: &str, message: Option<&str>) -> Divergence {
        let mut d = Divergence::default();
        d.steps.insert(
            1,
            Expect {
                status: 400,
                error: Some(ExpectError {
                    code: code.into(),
                    message: message.map(str::to_string),
                    ..Default::default()
                }),
                ..Default::default()
            },
        );
        d
    }

    fn message(d: &Divergence) -> Option<&str> {
        d.steps[&1].error.as_ref()?.message.as_deref()
    }

    #[test]
    fn a_pinned_message_survives_re_recording_of_the_same_code() {
        let prior = with_error(
            "MalformedXML",
            Some("The XML you provided was not well-formed"),
        );
        let mut new = with_error("MalformedXML", None);
        keep_prior_messages(&mut new, &prior);
        assert_eq!(
            message(&new),
            Some("The XML you provided was not well-formed")
        );
        // Another code: the old message does not apply.
        let mut other = with_error("InvalidRequest", None);
        keep_prior_messages(&mut other, &prior);
        assert_eq!(message(&other), None);
        // A message the new recording has wins.
        let mut fresh = with_error("MalformedXML", Some("new"));
        keep_prior_messages(&mut fresh, &prior);
        assert_eq!(message(&fresh), Some("new"));
    }
}
