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
use crate::diff::{self, Checked, Comparison};
use crate::http::Observed;
use crate::model::xml;
use crate::runner::{CaseOutcome, Verdict};

/// What `observed` says about the fields `original` checks. Where the
/// comparison found no difference, the original's wording is kept (so that
/// recordings stay stable across runs and targets).
fn observed_as_expect(original: &Expect, observed: &Observed, cmp: &Comparison) -> Expect {
    let differs = |what: Checked| cmp.mismatches.iter().any(|m| m.what == what);
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
        if let (Some((_, v)), false) = (expected, differs(Checked::Header(name.clone()))) {
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
        if differs(Checked::Header(name.clone())) {
            let values: Vec<String> = observed.all(name).map(|(_, v)| v.to_string()).collect();
            if values.is_empty() {
                e.absent.push(name.clone());
            } else {
                e.headers.0.push((name.clone(), vec![values.join(", ")]));
            }
        } else {
            e.matching.0.push((name.clone(), patterns.clone()));
        }
    }
    if original.error.is_some() || observed.status >= 400 {
        if let Some(fields) = diff::parse_error_body(&observed.body) {
            let get = |n: &str| fields.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
            let want = original.error.clone().unwrap_or_default();
            let keep = |what: Checked, w: &Option<String>, n: &str| match w {
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
                message: keep(Checked::Error("Message".into()), &want.message, "Message"),
                resource: keep(
                    Checked::Error("Resource".into()),
                    &want.resource,
                    "Resource",
                ),
                present: want
                    .present
                    .iter()
                    .filter(|n| get(n).is_some_and(|v| !v.is_empty()))
                    .cloned()
                    .collect(),
                elements,
                absent_elements,
            });
        } else if original.error.is_some() && observed.status >= 400 {
            // An error answer without an error document: its body is what
            // there is to say. (A success where the case expects an error is
            // recorded by its status alone: what the case checks is the
            // error, and a success's body may hold anything, such as the
            // memory addresses LocalStack writes into a two-ID rule.)
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

/// An error's `<Key>` as the case writes it: without the run's key prefix
/// (the runner adds it back when comparing).
fn unprefix_key(e: &mut Expect, prefix: &str) {
    if prefix.is_empty() {
        return;
    }
    if let Some(k) = e.error.as_mut().and_then(|err| err.elements.get_mut("Key")) {
        if let Some(rest) = k.strip_prefix(prefix) {
            *k = rest.to_string();
        }
    }
}

/// A path-style `Resource` the endpoint answered (`/bucket/<run prefix>key`)
/// in the documents' form (`/examplebucket-1250000000/key`), which the
/// runner maps back to the target's bucket and the run's key prefix; `None`
/// when `observed` is not that form of `documented`, the case's own
/// `Resource` (`examplebucket-1250000000.cos.<region>.myqcloud.com/key`).
fn doc_path_resource(observed: &str, bucket: &str, documented: &str) -> Option<String> {
    let key = documented.split_once(".myqcloud.com/")?.1;
    let rest = observed.strip_prefix(&format!("/{bucket}"))?;
    let doc = format!("/{}", crate::emulator::DEFAULT_BUCKET);
    if key.is_empty() {
        return (rest.is_empty() || rest == "/").then(|| format!("{doc}{rest}"));
    }
    // `/<run prefix>key`: the run prefix is the session's, ending in '/'.
    if let Some(tail) = rest.strip_suffix(key) {
        return (tail.starts_with('/') && tail.ends_with('/')).then(|| format!("{doc}/{key}"));
    }
    // The key percent-encoded (Garage): the prefix has no escapes, so it is
    // as long in `rest` as in its decoded form; the key stays as observed.
    let decoded = crate::http::percent_decode(rest);
    let tail = decoded.strip_suffix(key)?;
    let encoded_key = rest.get(tail.len()..)?;
    (tail.starts_with('/') && tail.ends_with('/') && rest.starts_with(tail))
        .then(|| format!("{doc}/{encoded_key}"))
}

/// Keep the error messages a person pinned in the vendor file before
/// (`prior`) where the new recording pins none for the same step and code:
/// a case that does not check COS's message records none of its own, and
/// re-recording must not drop what the vendor file says (AWS's recorded
/// messages in cases/vendors/s3.yaml). If the endpoint's message changed,
/// the next run says so.
fn keep_prior_messages(new: &mut Divergence, prior: &Divergence) {
    for (n, step) in &mut new.steps {
        let (Some(err), Some(old)) = (
            step.error.as_mut(),
            prior.steps.get(n).and_then(|p| p.error.as_ref()),
        ) else {
            continue;
        };
        if err.message.is_none() && err.code == old.code {
            err.message.clone_from(&old.message);
        }
    }
}

/// The divergence an outcome shows, or `None` if the target answered as the
/// case expects. The outcome was compared with COS's expectations under the
/// vendor's `identity`, which the record is written under too.
fn divergence_of(
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
            error: Some(e.stable.clone()),
            skip: false,
        }),
        _ => {
            let mut steps = BTreeMap::new();
            for (i, (step, s)) in case.case.steps.iter().zip(&outcome.steps).enumerate() {
                if let Some(o) = &s.observed {
                    if !s.comparison.passed() {
                        let original = identity.apply(&step.expect);
                        let mut e = observed_as_expect(&original, o, &s.comparison);
                        unprefix_key(&mut e, &outcome.key_prefix);
                        // An error body's length follows the target's bucket
                        // name and the run's key prefix: not a vendor's CORS
                        // behaviour, and not stable from run to run.
                        if e.error.is_some() {
                            e.forget_header("Content-Length");
                        }
                        steps.insert(i + 1, e);
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
mod message_tests {
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

/// The recording plan's file name, under the cases root (skipped by
/// [`crate::case::discover`]).
pub const PLAN_FILE: &str = "recording-plan.yaml";

/// How long a recording of a real endpoint waits after a change to the
/// CORS configuration by default. Every official SDK's test against real
/// COS waits between PUT `?cors` and the next request: cos-js-sdk-v5
/// `test/test.js` 2 s (`setTimeout(…, 2000)`), cos-python-sdk-v5
/// `ut/test.py` 4 s (`time.sleep(4)  # wait for sync`), cos-java-sdk-v5
/// `CORSTest.java` 5 s (`Thread.sleep(5000L)`), cos-cpp-sdk-v5
/// `unittest/src/bucket_op_test.cpp` 5 s (`sleep(5)`); the longest is taken.
pub const DEFAULT_SETTLE: std::time::Duration = std::time::Duration::from_secs(5);

/// The wait a recording of `spec` uses: `flag` if given, else none for the
/// embedded emulator and loopback servers (they apply a change at once),
/// [`DEFAULT_SETTLE`] for anything else.
pub fn settle_for(
    spec: &crate::target::TargetSpec,
    flag: Option<std::time::Duration>,
) -> std::time::Duration {
    use crate::target::Endpoint;
    flag.unwrap_or(match &spec.endpoint {
        Endpoint::Emulator => std::time::Duration::ZERO,
        Endpoint::Url { host, .. } if is_loopback(host) => std::time::Duration::ZERO,
        Endpoint::Url { .. } => DEFAULT_SETTLE,
    })
}

fn is_loopback(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost")
        || h.parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// One entry of the recording plan.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanEntry {
    /// The case's id.
    pub id: String,
    /// The audit's "suggested next recordings" number, 11 for the rest.
    pub rank: u32,
    /// The audit finding the case belongs to.
    pub audit: String,
    /// What the recording will tell, in one line.
    pub tells: String,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct PlanFile {
    plan: Vec<PlanEntry>,
}

/// Read `<cases root>/recording-plan.yaml`.
pub fn load_plan(cases_root: &std::path::Path) -> anyhow::Result<Vec<PlanEntry>> {
    use anyhow::Context as _;
    let path = cases_root.join(PLAN_FILE);
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("reading the recording plan {}", path.display()))?;
    let file: PlanFile = serde_norway::from_str(&text)
        .with_context(|| format!("parsing the recording plan {}", path.display()))?;
    Ok(file.plan)
}

/// One line of `coscors record --plan`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanLine {
    pub id: String,
    pub evidence: crate::case::Evidence,
    pub rank: u32,
    pub audit: String,
    pub tells: String,
}

/// The plan for `cases`: the entries whose case is graded below
/// `settled` (a recording of real COS would raise it), inferred first, then
/// supported, each by rank and then in the file's order. An entry naming
/// no case, or naming one twice, is an error.
pub fn plan(entries: &[PlanEntry], cases: &[LoadedCase]) -> anyhow::Result<Vec<PlanLine>> {
    let mut seen = std::collections::BTreeSet::new();
    let mut lines = Vec::new();
    for e in entries {
        anyhow::ensure!(
            seen.insert(e.id.as_str()),
            "recording plan: {} is listed twice",
            e.id
        );
        anyhow::ensure!(
            !e.tells.trim().is_empty() && !e.tells.contains('\n'),
            "recording plan: {} needs one line saying what the recording tells",
            e.id
        );
        let case = cases
            .iter()
            .find(|c| c.id == e.id)
            .ok_or_else(|| anyhow::anyhow!("recording plan: no case {}", e.id))?;
        if case.case.evidence != crate::case::Evidence::Settled {
            lines.push(PlanLine {
                id: e.id.clone(),
                evidence: case.case.evidence,
                rank: e.rank,
                audit: e.audit.clone(),
                tells: e.tells.clone(),
            });
        }
    }
    // Stable: equal keys keep the file's order.
    lines.sort_by_key(|l| (std::cmp::Reverse(l.evidence), l.rank));
    Ok(lines)
}

/// The plan as text, one numbered line per case.
pub fn render_plan(lines: &[PlanLine], settle: std::time::Duration) -> String {
    let mut out = format!(
        "Recording plan: {} case(s) a recording against real COS would raise, inferred first, then supported, by the audit's suggested order.\nRecord with `coscors record --target <cos target> --filter <id>`; after each change to the CORS configuration it waits {} s (--settle).\n",
        lines.len(),
        settle.as_secs_f64()
    );
    for (i, l) in lines.iter().enumerate() {
        out.push_str(&format!(
            "{:>3}. [{}] {} ({}): {}\n",
            i + 1,
            l.evidence,
            l.id,
            l.audit,
            l.tells
        ));
    }
    out
}

#[cfg(test)]
mod plan_tests {
    use super::*;
    use crate::case::{discover, load_file, Evidence};

    fn suite() -> (std::path::PathBuf, Vec<LoadedCase>) {
        let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("cases");
        let mut cases = Vec::new();
        for f in discover(std::slice::from_ref(&root)).expect("cases") {
            cases.extend(load_file(&f).expect("a case file").cases);
        }
        (root, cases)
    }

    #[test]
    fn every_plan_id_is_a_case_and_every_inferred_case_is_planned() {
        let (root, cases) = suite();
        let entries = load_plan(&root).expect("the plan loads");
        let lines = plan(&entries, &cases).expect("every id is a case");
        for c in cases
            .iter()
            .filter(|c| c.case.evidence == Evidence::Inferred)
        {
            assert!(
                entries.iter().any(|e| e.id == c.id),
                "{} is inferred but not in {PLAN_FILE}",
                c.id
            );
        }
        // Inferred first, then supported; within a grade by rank.
        let keys: Vec<_> = lines
            .iter()
            .map(|l| (std::cmp::Reverse(l.evidence), l.rank))
            .collect();
        assert!(keys.windows(2).all(|w| w[0] <= w[1]), "{keys:?}");
        assert!(lines.iter().all(|l| l.evidence != Evidence::Settled));
        assert_eq!(lines[0].evidence, Evidence::Inferred);
        let text = render_plan(&lines, DEFAULT_SETTLE);
        assert_eq!(text.lines().count(), lines.len() + 2);
    }

    #[test]
    fn unknown_or_repeated_ids_are_errors() {
        let (_, cases) = suite();
        let entry = |id: &str| PlanEntry {
            id: id.into(),
            rank: 1,
            audit: "C1".into(),
            tells: "x".into(),
        };
        assert!(plan(&[entry("no/such-case")], &cases).is_err());
        let e = entry("put-cors/missing-content-md5");
        assert!(plan(&[e.clone(), e], &cases).is_err());
    }

    #[test]
    fn settle_is_five_seconds_for_real_endpoints_only() {
        let emu = crate::target::TargetSpec::resolve("emulator", None).expect("built in");
        assert!(settle_for(&emu, None).is_zero());
        let local = crate::target::TargetSpec::resolve("http://127.0.0.1:9000", None).expect("url");
        assert!(settle_for(&local, None).is_zero());
        let remote = crate::target::TargetSpec::resolve(
            "https://examplebucket-1250000000.cos.ap-beijing.myqcloud.com",
            None,
        )
        .expect("url");
        assert_eq!(settle_for(&remote, None), DEFAULT_SETTLE);
        let two = std::time::Duration::from_secs(2);
        assert_eq!(settle_for(&remote, Some(two)), two);
    }
}

#[cfg(test)]
mod resource_tests {
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
    fn a_percent_encoded_key_keeps_its_encoding() {
        let documented = format!("{DOC}dir/Screen Shot 1.png");
        assert_eq!(
            doc_path_resource(
                "/coscors-garage/coscors-1796122561-4939/0031/dir/Screen%20Shot%201.png",
                "coscors-garage",
                &documented
            )
            .as_deref(),
            Some("/examplebucket-1250000000/dir/Screen%20Shot%201.png")
        );
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

/// The vendor file a recording under `--vendor NAME` writes: the cases of
/// `outcomes` where the endpoint differs from COS, merged with the file as
/// it was (`old`). A person's words are kept: what was observed, the
/// identity, each case's reason and link, and pinned error messages; a case
/// the file says not to send (`skip`) stays. A new case's reason is
/// `UNTRIAGED:` and the first thing that differed.
pub struct VendorRecording<'a> {
    /// The vendor's name (the file's stem).
    pub name: &'a str,
    /// The target recorded (its name and bucket).
    pub spec: &'a crate::target::TargetSpec,
    /// The identity the outcomes were compared under (the target's own
    /// vendor file's, if it has one).
    pub identity: &'a Identity,
    /// `YYYY-MM-DD` of the recording.
    pub date: &'a str,
}

impl VendorRecording<'_> {
    /// The merged file.
    pub fn merge(
        &self,
        old: &crate::case::VendorFile,
        cases: &[LoadedCase],
        outcomes: &[CaseOutcome],
    ) -> crate::case::VendorFile {
        let by_id: std::collections::HashMap<&str, &LoadedCase> =
            cases.iter().map(|c| (c.id.as_str(), c)).collect();
        // What was observed (software, version) is a person's words: kept
        // when the file has them.
        let mut file = crate::case::VendorFile {
            vendor: self.name.to_string(),
            observed: if old.observed.is_empty() {
                format!("{}, recorded {}", self.spec.name, self.date)
            } else {
                old.observed.clone()
            },
            base: None,
            identity: old.identity.clone(),
            divergences: BTreeMap::new(),
        };
        for o in outcomes {
            let Some(case) = by_id.get(o.id.as_str()) else {
                continue;
            };
            let first = o
                .steps
                .iter()
                .find_map(|s| s.comparison.mismatches.first())
                .map_or_else(|| "error".into(), |m| m.what.to_string());
            let prior: Option<&Divergence> = old.divergences.get(&o.id);
            let reason = prior.map_or_else(|| format!("UNTRIAGED: {first}"), |d| d.reason.clone());
            if let Some(mut d) = divergence_of(case, o, &reason, self.identity) {
                d.link = prior.and_then(|p| p.link.clone());
                if let Some(p) = prior {
                    keep_prior_messages(&mut d, p);
                }
                // A path-style Resource holds the run's key prefix:
                // recorded in the documents' form instead.
                for (n, e) in &mut d.steps {
                    let documented = case
                        .case
                        .steps
                        .get(n - 1)
                        .and_then(|s| s.expect.error.as_ref())
                        .and_then(|e| e.resource.clone());
                    if let (Some(err), Some(documented)) = (e.error.as_mut(), documented) {
                        if let Some(r) = err
                            .resource
                            .as_ref()
                            .and_then(|r| doc_path_resource(r, &self.spec.bucket, &documented))
                        {
                            err.resource = Some(r);
                        }
                    }
                }
                file.divergences.insert(o.id.clone(), d);
            }
        }
        for (id, d) in &old.divergences {
            if d.skip {
                file.divergences.insert(id.clone(), d.clone());
            }
        }
        file
    }

    /// The file's opening comment: the old file's (a person's) when it has
    /// one, else one saying how it was written.
    pub fn header(&self, old_text: &str) -> String {
        let old_header: String = old_text
            .lines()
            .take_while(|l| l.starts_with('#'))
            .map(|l| format!("{l}\n"))
            .collect();
        if old_header.is_empty() {
            format!(
                "# What {name} does where it differs from COS, case by case. Written by\n# `coscors record --target {} --vendor {name}`; the reasons are a person's.\n",
                self.spec.name,
                name = self.name
            )
        } else {
            old_header
        }
    }

    /// Merge into `path` (read if it exists) and write it; returns the
    /// number of divergences written.
    pub fn write(
        &self,
        path: &std::path::Path,
        cases: &[LoadedCase],
        outcomes: &[CaseOutcome],
    ) -> anyhow::Result<usize> {
        use anyhow::Context as _;
        let old_text = std::fs::read_to_string(path).ok();
        let old: crate::case::VendorFile = match &old_text {
            Some(t) => {
                serde_norway::from_str(t).with_context(|| format!("reading {}", path.display()))?
            }
            None => crate::case::VendorFile::default(),
        };
        let file = self.merge(&old, cases, outcomes);
        let text = format!(
            "{}{}",
            self.header(old_text.as_deref().unwrap_or_default()),
            serde_norway::to_string(&file)?
        );
        std::fs::create_dir_all(path.parent().unwrap_or(std::path::Path::new(".")))?;
        std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
        Ok(file.divergences.len())
    }
}

/// A case re-written with what `spec` answered (`coscors record` without
/// `--vendor`): its expectations replaced by the observed answers, its
/// source `recorded:<target>@<date>`, and its grade *settled* for a real
/// COS bucket, *inferred* for anything else.
pub fn recording(
    case: &LoadedCase,
    outcome: &CaseOutcome,
    spec: &crate::target::TargetSpec,
    date: &str,
) -> crate::case::Case {
    let mut c = case.case.clone();
    c.source = crate::case::Sources::one(crate::case::Source(format!(
        "recorded:{}@{date}",
        spec.name
    )));
    // A recording of a real COS bucket settles what it shows; a recording
    // of anything else says nothing about COS.
    c.evidence = if spec.profile == crate::model::Profile::Cos
        && !matches!(spec.endpoint, crate::target::Endpoint::Emulator)
    {
        crate::case::Evidence::Settled
    } else {
        crate::case::Evidence::Inferred
    };
    c.description = format!(
        "{} (Recorded from {} on {date}; the case's documented source is {}.)",
        c.description, spec.name, case.case.source
    );
    for (step, s) in c.steps.iter_mut().zip(&outcome.steps) {
        if let Some(obs) = &s.observed {
            step.expect = observed_as_expect(&step.expect, obs, &s.comparison);
            unprefix_key(&mut step.expect, &outcome.key_prefix);
        }
    }
    c
}

/// Write [`recording`] of every outcome under `dir` (`<id>.yaml`, `::`
/// written `--`); returns how many were written.
pub fn write_recordings(
    dir: &std::path::Path,
    spec: &crate::target::TargetSpec,
    cases: &[LoadedCase],
    outcomes: &[CaseOutcome],
    date: &str,
) -> anyhow::Result<usize> {
    use anyhow::Context as _;
    let by_id: std::collections::HashMap<&str, &LoadedCase> =
        cases.iter().map(|c| (c.id.as_str(), c)).collect();
    let mut written = 0;
    for o in outcomes {
        let Some(case) = by_id.get(o.id.as_str()) else {
            continue;
        };
        let c = recording(case, o, spec, date);
        let path = dir.join(format!("{}.yaml", o.id.replace("::", "--")));
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, serde_norway::to_string(&c)?)
            .with_context(|| format!("writing {}", path.display()))?;
        written += 1;
    }
    Ok(written)
}

#[cfg(test)]
mod vendor_merge_tests {
    use super::*;
    use crate::case::VendorFile;

    fn spec() -> crate::target::TargetSpec {
        crate::target::TargetSpec::resolve("emulator-s3", None).expect("built in")
    }

    fn rec<'a>(spec: &'a crate::target::TargetSpec, identity: &'a Identity) -> VendorRecording<'a> {
        VendorRecording {
            name: "moto",
            spec,
            identity,
            date: "2026-12-01",
        }
    }

    #[test]
    fn a_persons_words_and_skips_survive_a_re_recording() {
        let (spec, identity) = (spec(), Identity::default());
        let mut old = VendorFile {
            vendor: "moto".into(),
            observed: "moto 5.1, by hand".into(),
            ..Default::default()
        };
        old.divergences.insert(
            "a/skipped".into(),
            Divergence {
                reason: "breaks the server".into(),
                skip: true,
                ..Default::default()
            },
        );
        old.divergences.insert(
            "a/gone".into(),
            Divergence {
                reason: "fixed since".into(),
                ..Default::default()
            },
        );
        let merged = rec(&spec, &identity).merge(&old, &[], &[]);
        assert_eq!(merged.observed, "moto 5.1, by hand");
        // A skip is kept though the case was not run; a divergence no
        // outcome shows any more goes.
        assert!(merged.divergences["a/skipped"].skip);
        assert!(!merged.divergences.contains_key("a/gone"));
    }

    #[test]
    fn a_new_file_says_who_wrote_it_and_an_old_header_stays() {
        let (spec, identity) = (spec(), Identity::default());
        let r = rec(&spec, &identity);
        let fresh = r.merge(&VendorFile::default(), &[], &[]);
        assert_eq!(fresh.vendor, "moto");
        assert_eq!(fresh.observed, "emulator-s3, recorded 2026-12-01");
        let header = r.header("");
        assert!(header.starts_with("# What moto does where it differs from COS"));
        assert!(header.contains("`coscors record --target emulator-s3 --vendor moto`"));
        assert_eq!(r.header("# mine\n# two\nvendor: moto\n"), "# mine\n# two\n");
    }
}
