//! `coscors record`: what a real endpoint answered, written down as
//! expectations, so that the suite's documented expectations can be
//! confirmed or corrected from the real service, and a vendor's divergences
//! kept in its file.
//!
//! Only what a case checks is recorded (status, the headers it names, the
//! error fields, the `?cors` body); volatile values are masked as
//! `(volatile)`.

use std::collections::BTreeMap;

use crate::case::{Divergence, Expect, ExpectError, Headers, LoadedCase};
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
    if original.error.is_some() || observed.status >= 400 {
        if let Some(fields) = diff::parse_error_body(&observed.body) {
            let get = |n: &str| fields.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
            let want = original.error.clone().unwrap_or_default();
            let keep = |what: &str, w: &Option<String>, n: &str| match w {
                Some(v) if !differs(what) => Some(v.clone()),
                Some(_) => get(n),
                None => None,
            };
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

/// A path-style `Resource` the endpoint answered (`/bucket/<run prefix>key`)
/// in the documents' form (`/examplebucket-1250000000/key`), which the
/// runner maps back to the target's bucket and the run's key prefix; `None`
/// when `observed` is not that form of `documented`, the case's own
/// `Resource` (`examplebucket-1250000000.cos.<region>.myqcloud.com/key`).
pub fn doc_path_resource(observed: &str, bucket: &str, documented: &str) -> Option<String> {
    let key = documented.split_once(".myqcloud.com/")?.1;
    let rest = observed.strip_prefix(&format!("/{bucket}"))?;
    let doc = format!("/{}", crate::emulator::DEFAULT_BUCKET);
    if key.is_empty() {
        return (rest.is_empty() || rest == "/").then(|| format!("{doc}{rest}"));
    }
    // `/<run prefix>key`: the run prefix is the session's, ending in '/'.
    let tail = rest.strip_suffix(key)?;
    (tail.starts_with('/') && tail.ends_with('/')).then(|| format!("{doc}/{key}"))
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

/// The divergence an outcome shows, or `None` if the target answered as the
/// case expects.
pub fn divergence_of(case: &LoadedCase, outcome: &CaseOutcome, reason: &str) -> Option<Divergence> {
    match &outcome.verdict {
        Verdict::Pass => None,
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
                        steps.insert(i + 1, observed_as_expect(&step.expect, o, &s.comparison));
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
    use super::doc_path_resource;

    const DOC: &str = "examplebucket-1250000000.cos.ap-beijing.myqcloud.com/";

    #[test]
    fn a_path_style_resource_is_recorded_in_the_documents_form() {
        let documented = format!("{DOC}exampleobject");
        assert_eq!(
            doc_path_resource(
                "/coscors-garage/coscors-1796120473-8449/0016/exampleobject",
                "coscors-garage",
                &documented
            )
            .as_deref(),
            Some("/examplebucket-1250000000/exampleobject")
        );
        for (observed, doc) in [
            ("/coscors-garage", "/examplebucket-1250000000"),
            ("/coscors-garage/", "/examplebucket-1250000000/"),
        ] {
            assert_eq!(
                doc_path_resource(observed, "coscors-garage", DOC).as_deref(),
                Some(doc)
            );
        }
    }

    #[test]
    fn anything_else_is_left_as_observed() {
        let documented = format!("{DOC}exampleobject");
        // Another bucket, another key, a key glued to the bucket, COS's own form.
        for observed in [
            "/other/coscors-1/0001/exampleobject",
            "/coscors-garage/coscors-1/0001/otherobject",
            "/coscors-garageexampleobject",
            "coscors-garage.cos.garage.myqcloud.com/coscors-1/0001/exampleobject",
        ] {
            assert_eq!(
                doc_path_resource(observed, "coscors-garage", &documented),
                None,
                "{observed}"
            );
        }
        assert_eq!(doc_path_resource("/x", "coscors-garage", "no-host"), None);
    }
}
