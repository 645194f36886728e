//! Running a case on a target: set the bucket up, send each step, compare.

use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};

use std::collections::BTreeMap;

use crate::case::{
    self, CorsSetup, Divergence, Expect, Identity, LoadError, LoadedCase, Step, VendorRecords,
};
use crate::diff::{self, Comparison};
use crate::model::browser::Engine;
use crate::model::seen::{seen, Seen};
use crate::model::{content_md5_of, xml, Profile};
use std::sync::Arc;

use crate::target::{Observed, Session, Shared, TargetSpec};

/// How a case ended on a target, in the words of the verdict table
/// (README, "Verdicts"): *conforms*, *diverges as recorded*, *fails*,
/// *not run*, and *divergence fixed*.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every step answered as COS does (identity headers aside).
    Conforms,
    /// The target differs from COS exactly as its vendor file records; the
    /// record's reason.
    DivergesAsRecorded(String),
    /// The vendor file records a divergence, but the target now answers as
    /// COS does: the entry should go.
    DivergenceFixed,
    /// A step's answer matched neither COS's expectation nor the vendor's
    /// record.
    Fails,
    /// The case could not be run (setup failed, the target did not answer):
    /// a failure too.
    Error(CaseError),
    /// Not sent to the target, for the vendor file's reason.
    NotRun(String),
}

/// Why a case could not run: the whole account, and the part of it that
/// stays the same from run to run (what a vendor file records).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseError {
    /// Every context and cause (`{:#}`), a refused setup's body included.
    pub message: String,
    /// A refused setup's request and status (no body); else the cause under
    /// the failing request (without `METHOD /path on target NAME`, which
    /// holds the run's key prefix and the target's name); else the message.
    pub stable: String,
}

impl CaseError {
    pub fn of(e: &anyhow::Error) -> CaseError {
        let stable = if let Some(s) = e.downcast_ref::<SetupRefused>() {
            s.stable()
        } else if e.downcast_ref::<crate::target::RequestFailed>().is_some() {
            e.root_cause().to_string()
        } else {
            format!("{e:#}")
        };
        CaseError {
            message: format!("{e:#}"),
            stable,
        }
    }
}

impl std::fmt::Display for CaseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// A setup request (PUT or DELETE `?cors`) the target answered with an
/// error status.
#[derive(Debug, Clone, thiserror::Error)]
#[error("setup: {request} answered {status} (body: {body})")]
pub struct SetupRefused {
    /// `PUT ?cors` or `DELETE ?cors`.
    pub request: &'static str,
    pub status: u16,
    pub body: String,
}

impl SetupRefused {
    /// Without the body (it holds request ids).
    pub fn stable(&self) -> String {
        format!("setup: {} answered {}", self.request, self.status)
    }
}

impl Verdict {
    /// The verdict's word, as reports print it.
    pub fn word(&self) -> &'static str {
        match self {
            Verdict::Conforms => "conforms",
            Verdict::DivergesAsRecorded(_) => "diverges as recorded",
            Verdict::DivergenceFixed => "divergence fixed",
            Verdict::Fails | Verdict::Error(_) => "fails",
            Verdict::NotRun(_) => "not run",
        }
    }

    /// Does this verdict fail the run? Only *fails* does; a fixed divergence
    /// does too when `strict` (a vendor file must stay true).
    pub fn gates(&self, strict: bool) -> bool {
        match self {
            Verdict::Fails | Verdict::Error(_) => true,
            Verdict::DivergenceFixed => strict,
            _ => false,
        }
    }

    /// The vendor file's reason, where one applied.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Verdict::DivergesAsRecorded(r) | Verdict::NotRun(r) => Some(r),
            _ => None,
        }
    }
}

/// One target's counts, as `coscors run` and `coscors::harness` print
/// them: the verdicts, and the cases answered as COS and as the s3
/// profile. One place, so that the two lines cannot drift apart.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub conforms: usize,
    pub diverges_as_recorded: usize,
    /// *fails*, and *error* (a failure too).
    pub fails: usize,
    pub not_run: usize,
    pub divergence_fixed: usize,
    pub as_cos: usize,
    pub as_s3: usize,
    pub cases: usize,
}

impl Counts {
    /// Count one case.
    pub fn add(&mut self, verdict: &Verdict, as_cos: Option<bool>, as_s3: Option<bool>) {
        let n = match verdict {
            Verdict::Conforms => &mut self.conforms,
            Verdict::DivergesAsRecorded(_) => &mut self.diverges_as_recorded,
            Verdict::Fails | Verdict::Error(_) => &mut self.fails,
            Verdict::NotRun(_) => &mut self.not_run,
            Verdict::DivergenceFixed => &mut self.divergence_fixed,
        };
        *n += 1;
        self.as_cos += usize::from(as_cos == Some(true));
        self.as_s3 += usize::from(as_s3 == Some(true));
        self.cases += 1;
    }

    /// The counts of these outcomes.
    pub fn of<'a>(outcomes: impl IntoIterator<Item = &'a CaseOutcome>) -> Counts {
        let mut c = Counts::default();
        for o in outcomes {
            c.add(&o.verdict, o.as_cos, o.as_s3);
        }
        c
    }

    /// `target T: N conforms, ...; answers as COS in a/b (p%)[, as the s3
    /// profile in ...][ [records: FILE]]`.
    pub fn line(&self, target: &str, profile: Profile, records: Option<&str>) -> String {
        let score = |n: usize| crate::report::Score {
            conforming: n,
            of: self.cases,
        };
        let mut line = format!(
            "target {target}: {} conforms, {} diverges as recorded, {} fails, {} not run, {} divergence fixed; answers as COS in {}/{} ({:.1}%)",
            self.conforms,
            self.diverges_as_recorded,
            self.fails,
            self.not_run,
            self.divergence_fixed,
            self.as_cos,
            self.cases,
            score(self.as_cos).percent(),
        );
        if profile == Profile::S3 {
            line.push_str(&format!(
                ", as the s3 profile in {}/{} ({:.1}%)",
                self.as_s3,
                self.cases,
                score(self.as_s3).percent()
            ));
        }
        if let Some(r) = records {
            line.push_str(&format!(" [records: {r}]"));
        }
        line
    }
}

/// One step's result.
#[derive(Debug, Clone)]
pub struct StepOutcome {
    /// `METHOD /path?query`
    pub request_line: String,
    /// The headers the step sent (the case's, plus `Content-MD5`; not the
    /// signature, which the session adds).
    pub request_headers: Vec<(String, String)>,
    pub label: Option<String>,
    pub observed: Option<Observed>,
    pub comparison: Comparison,
    /// When a vendor's expectation applied: the comparison with the case's
    /// own (COS) expectation, which shows how the vendor differs from COS.
    pub vs_cos: Option<Comparison>,
    /// What a page sees of this step in each browser engine, on this
    /// target's answer and on COS's (the case's expectation); empty when
    /// the step has no `Origin`.
    pub browser: BTreeMap<Engine, BrowserStep>,
}

/// What a page in one engine sees of one step: on the target's answer, and
/// on COS's answer as the case expects it (`cos_answer`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BrowserStep {
    pub target: Seen,
    pub cos: Seen,
}

impl BrowserStep {
    /// Does the page see the same on the target as on COS?
    pub fn as_cos(&self) -> bool {
        self.target == self.cos
    }
}

/// COS's answer to a step as far as the case says it: the expected status,
/// the headers the case expects with their values, without the ones it
/// expects absent, and for every header the case does not pin (or pins by
/// a pattern only) the target's own. A page's view of it differs from its
/// view of the target's answer only where the case says COS answers
/// otherwise.
fn cos_answer(expect: &Expect, observed: &Observed) -> (u16, Vec<(String, String)>) {
    let pinned = |n: &str| {
        expect
            .headers
            .0
            .iter()
            .any(|(e, _)| e.eq_ignore_ascii_case(n))
            || expect.absent.iter().any(|a| a.eq_ignore_ascii_case(n))
    };
    let mut headers: Vec<(String, String)> = observed
        .headers
        .iter()
        .filter(|(n, _)| !pinned(n))
        .cloned()
        .collect();
    headers.extend(
        expect
            .headers
            .pairs()
            .map(|(n, v)| (n.to_string(), v.to_string())),
    );
    (expect.status, headers)
}

/// Per engine, what a page sees of a step on the target and on COS.
fn browser_views(
    method: &str,
    request_headers: &[(String, String)],
    observed: &Observed,
    cos: &Expect,
) -> BTreeMap<Engine, BrowserStep> {
    let (cos_status, cos_headers) = cos_answer(cos, observed);
    Engine::ALL
        .into_iter()
        .filter_map(|e| {
            let target = seen(
                e,
                method,
                request_headers,
                observed.status,
                &observed.headers,
            )?;
            let cos = seen(e, method, request_headers, cos_status, &cos_headers)?;
            Some((e, BrowserStep { target, cos }))
        })
        .collect()
}

/// One case's result.
#[derive(Debug, Clone)]
pub struct CaseOutcome {
    pub id: String,
    pub path: std::path::PathBuf,
    pub source: String,
    pub evidence: crate::case::Evidence,
    pub target: String,
    pub verdict: Verdict,
    /// Did the target answer every step as COS does (identity headers
    /// aside)? `None` when the case did not run.
    pub as_cos: Option<bool>,
    /// On a target of the `s3` profile: did it answer as the `s3` profile
    /// expects (`cases/vendors/s3.yaml` over COS's expectations)?
    pub as_s3: Option<bool>,
    /// The vendor record that applied to this case, if any: its reason.
    pub vendor_reason: Option<String>,
    /// The key prefix the case's session used (empty on the emulator):
    /// recordings take it out of what they write.
    pub key_prefix: String,
    pub steps: Vec<StepOutcome>,
    pub duration: Duration,
}

impl CaseOutcome {
    /// A readable account of what went wrong, with the diff of each failing
    /// step against what was expected of this target (the vendor's record
    /// where one applied, with its reason); empty when nothing went wrong.
    pub fn report(&self) -> String {
        let mut out = String::new();
        match &self.verdict {
            Verdict::Conforms | Verdict::DivergesAsRecorded(_) | Verdict::NotRun(_) => return out,
            Verdict::DivergenceFixed => {
                out.push_str(&format!(
                    "{} on {}: DIVERGENCE FIXED: the target now answers as COS does; remove the case from the vendor file\n  file: {}\n",
                    self.id,
                    self.target,
                    self.path.display()
                ));
                if let Some(r) = &self.vendor_reason {
                    out.push_str(&format!("  the record said: {r}\n"));
                }
                return out;
            }
            Verdict::Error(e) => {
                out.push_str(&format!(
                    "{} on {}: error: {e}\n  file: {}\n  source: {}\n",
                    self.id,
                    self.target,
                    self.path.display(),
                    self.source
                ));
            }
            Verdict::Fails => {
                out.push_str(&format!(
                    "{} on {}: FAILED\n  file: {}\n  source: {}\n",
                    self.id,
                    self.target,
                    self.path.display(),
                    self.source
                ));
                if let Some(r) = &self.vendor_reason {
                    out.push_str(&format!(
                        "  the vendor's record for this case: {r}\n  (steps marked `as recorded` are compared with that record, the others with COS's expectation)\n"
                    ));
                }
            }
        }
        for (i, s) in self.steps.iter().enumerate() {
            if s.comparison.passed() {
                continue;
            }
            let label = s
                .label
                .as_deref()
                .map(|l| format!(" ({l})"))
                .unwrap_or_default();
            let against = if s.vs_cos.is_some() {
                " [expected: as recorded for the vendor]"
            } else {
                " [expected: as COS]"
            };
            out.push_str(&format!(
                "  step {}{label}: {}{against}\n",
                i + 1,
                s.request_line
            ));
            for line in s.comparison.render().lines() {
                out.push_str("    ");
                out.push_str(line);
                out.push('\n');
            }
        }
        out
    }
}

/// What a case is held to on one target besides its own (COS)
/// expectations: the target vendor's record and identity, and the `s3`
/// profile's record (for the score against S3).
#[derive(Debug, Clone, Copy, Default)]
pub struct Records<'a> {
    /// The target's vendor record for this case.
    pub vendor: Option<&'a Divergence>,
    /// The vendor's identity headers.
    pub identity: Option<&'a Identity>,
    /// On a target of the `s3` profile: the `s3` vendor file's record for
    /// this case (`None` there means S3 answers as COS does).
    pub s3: Option<&'a Divergence>,
    /// Whether the target is of the `s3` profile (so `as_s3` is computed).
    pub s3_profile: bool,
}

/// A target's records, loaded once per run.
#[derive(Debug, Clone, Default)]
pub struct TargetRecords {
    /// The target vendor's divergences and identity (empty without one).
    pub vendor: VendorRecords,
    /// On a target of the `s3` profile, the `s3` vendor file's divergences.
    pub s3: Option<BTreeMap<String, Divergence>>,
}

impl TargetRecords {
    /// Load what applies to `spec`. With `divergences` false (recording),
    /// only the vendor's identity and `skip` entries are kept: the run is
    /// compared with COS's expectations alone.
    pub fn load(
        cases_root: &std::path::Path,
        spec: &TargetSpec,
        divergences: bool,
    ) -> Result<TargetRecords, LoadError> {
        let mut vendor = match &spec.vendor {
            Some(v) => case::load_records(cases_root, v)?,
            None => VendorRecords::default(),
        };
        if !divergences {
            vendor.divergences.retain(|_, d| d.skip);
        }
        let s3 = match spec.profile.vendor_file() {
            Some(name) if case::vendor::vendor_path(cases_root, name).exists() => {
                Some(case::load_vendor(cases_root, name)?)
            }
            Some(_) => Some(BTreeMap::new()),
            None => None,
        };
        Ok(TargetRecords { vendor, s3 })
    }

    /// The records that apply to case `id`.
    pub fn for_case(&self, id: &str) -> Records<'_> {
        Records {
            vendor: self.vendor.divergences.get(id),
            identity: (!self.vendor.identity.is_empty()).then_some(&self.vendor.identity),
            s3: self.s3.as_ref().and_then(|m| m.get(id)),
            s3_profile: self.s3.is_some(),
        }
    }
}

/// Run one case on a target, held to its records.
pub async fn run_case(
    spec: &TargetSpec,
    shared: &Arc<Shared>,
    case: &LoadedCase,
    records: Records<'_>,
) -> CaseOutcome {
    let started = Instant::now();
    let divergence = records.vendor;
    let mut outcome = CaseOutcome {
        id: case.id.clone(),
        path: case.path.clone(),
        source: case.case.source.to_string(),
        evidence: case.case.evidence,
        target: spec.name.clone(),
        verdict: Verdict::Conforms,
        as_cos: None,
        as_s3: None,
        vendor_reason: divergence.map(|d| d.reason.clone()),
        key_prefix: String::new(),
        steps: Vec::new(),
        duration: Duration::ZERO,
    };
    if let Some(d) = divergence.filter(|d| d.skip) {
        outcome.verdict = Verdict::NotRun(d.reason.clone());
        return outcome;
    }
    // Each step is compared with what applies to this target (the vendor's
    // record where it has one for the step, else COS's expectation); beside
    // that, whether it also met COS's expectation and the s3 profile's.
    let (mut as_cos, mut as_s3, mut all_met) = (true, true, true);
    let result = async {
        let session = Session::open(spec, shared).await?;
        outcome.key_prefix = session.key_prefix().to_string();
        setup(&session, case).await?;
        for (i, step) in case.case.steps.iter().enumerate() {
            let n = i + 1;
            let expect = Expectations {
                vendor: divergence.and_then(|d| d.steps.get(&n)),
                s3: records
                    .s3_profile
                    .then(|| records.s3.and_then(|d| d.steps.get(&n)))
                    .map(|e| e.unwrap_or(&step.expect)),
                identity: records.identity,
            };
            let r = run_step(&session, step, expect, case).await?;
            as_cos &= r.cos_ok;
            as_s3 &= r.s3_ok.unwrap_or(true);
            all_met &= r.outcome.comparison.passed();
            outcome.steps.push(r.outcome);
        }
        anyhow::Ok(())
    }
    .await;
    let error_matches = |d: Option<&Divergence>, e: &anyhow::Error| {
        d.and_then(|d| d.error.as_deref())
            .is_some_and(|t| format!("{e:#}").contains(t))
    };
    if records.s3_profile {
        outcome.as_s3 = Some(match &result {
            Err(e) => error_matches(records.s3, e),
            Ok(()) => as_s3 && records.s3.is_none_or(|d| d.error.is_none()),
        });
    }
    outcome.verdict = match (result, divergence) {
        (Err(e), d) if error_matches(d, &e) => {
            outcome.as_cos = Some(false);
            Verdict::DivergesAsRecorded(d.map(|d| d.reason.clone()).unwrap_or_default())
        }
        (Err(e), _) => Verdict::Error(CaseError::of(&e)),
        (Ok(()), d) => {
            outcome.as_cos = Some(as_cos);
            match d {
                None if all_met => Verdict::Conforms,
                None => Verdict::Fails,
                // The record expected an error (or a difference) and the
                // target now answers as COS does.
                Some(_) if as_cos => Verdict::DivergenceFixed,
                Some(d) if d.error.is_none() && all_met => {
                    Verdict::DivergesAsRecorded(d.reason.clone())
                }
                Some(_) => Verdict::Fails,
            }
        }
    };
    outcome.duration = started.elapsed();
    outcome
}

/// What one step is held to, besides its own expectation.
#[derive(Clone, Copy)]
struct Expectations<'a> {
    /// The vendor's record for this step.
    vendor: Option<&'a Expect>,
    /// The s3 profile's expectation for this step (its record, or COS's),
    /// on targets of that profile.
    s3: Option<&'a Expect>,
    identity: Option<&'a Identity>,
}

/// One step's result with how it compared with COS and with the s3 profile.
struct StepResult {
    outcome: StepOutcome,
    cos_ok: bool,
    s3_ok: Option<bool>,
}

/// Put the bucket in the case's starting state.
async fn setup(session: &Session, case: &LoadedCase) -> Result<()> {
    match &case.case.bucket.cors {
        CorsSetup::None => {
            let o = session.delete_cors().await.context("setup: DELETE ?cors")?;
            if o.status / 100 != 2 {
                return Err(SetupRefused {
                    request: "DELETE ?cors",
                    status: o.status,
                    body: String::from_utf8_lossy(&o.body).into_owned(),
                }
                .into());
            }
        }
        CorsSetup::Config(cfg) => {
            // The body every vendor accepts: COS's own GET format.
            let body = xml::write(cfg, Profile::Cos).into_bytes();
            let o = session.put_cors(body).await.context("setup: PUT ?cors")?;
            if o.status / 100 != 2 {
                return Err(SetupRefused {
                    request: "PUT ?cors",
                    status: o.status,
                    body: String::from_utf8_lossy(&o.body).into_owned(),
                }
                .into());
            }
        }
    }
    let method = match &case.case.bucket.cors {
        CorsSetup::None => "DELETE",
        CorsSetup::Config(_) => "PUT",
    };
    settle(session, method, Some("cors"), 200).await;
    Ok(())
}

/// After a request that changed the CORS configuration (a 2xx to PUT or
/// DELETE `?cors`), wait the target's `settle` time (zero but when
/// recording a real endpoint: `record::settle_for`).
async fn settle(session: &Session, method: &str, query: Option<&str>, status: u16) {
    let wait = session.spec().settle;
    if !wait.is_zero()
        && query == Some("cors")
        && matches!(method, "PUT" | "DELETE")
        && status / 100 == 2
    {
        tokio::time::sleep(wait).await;
    }
}

async fn run_step(
    session: &Session,
    step: &Step,
    expect: Expectations<'_>,
    case: &LoadedCase,
) -> Result<StepResult> {
    let req = &step.request;
    let body = req
        .body
        .as_ref()
        .map(super::case::Body::bytes)
        .unwrap_or_default();
    let mut headers: Vec<(String, String)> = req
        .headers
        .pairs()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    if req.content_md5 {
        headers.push(("Content-MD5".into(), content_md5_of(&body)));
    }
    let request_line = match &req.query {
        Some(q) => format!("{} {}?{q}", req.method.0, req.path.0),
        None => format!("{} {}", req.method.0, req.path.0),
    };
    let observed = session
        .send(
            &req.method.0,
            &req.path.0,
            req.query.as_deref(),
            &headers,
            body,
        )
        .await?;
    settle(
        session,
        &req.method.0,
        req.query.as_deref(),
        observed.status,
    )
    .await;
    let for_target = |e: &Expect| {
        let mut e = match expect.identity {
            Some(id) => id.apply(e),
            None => e.clone(),
        };
        let mut delta = 0;
        if let Some(err) = e.error.as_mut() {
            // AWS-style `<Key>` names the key as the target stores it.
            if let Some(k) = err.elements.get_mut("Key") {
                *k = format!("{}{k}", session.key_prefix());
            }
            // AWS-style `<BucketName>`: the documents' bucket is the target's.
            if let Some(b) = err.elements.get_mut("BucketName") {
                if b == crate::emulator::DEFAULT_BUCKET {
                    let bucket = &session.spec().bucket;
                    delta += bucket.len() as i64 - b.len() as i64;
                    b.clone_from(bucket);
                }
            }
            if let Some(r) = err.resource.as_mut() {
                let target = session.expected_resource(r);
                delta += target.len() as i64 - r.len() as i64;
                *r = target;
            }
        }
        follow_error_length(&mut e, delta, &observed, &case.case.exact);
        e
    };
    let browser = browser_views(
        &req.method.0,
        &headers,
        &observed,
        &for_target(&step.expect),
    );
    let compare = |e: &Expect| diff::compare(&for_target(e), &observed, &case.case.exact);
    let cos = compare(&step.expect);
    let cos_ok = cos.passed();
    let s3_ok = expect.s3.map(|e| compare(e).passed());
    let (comparison, vs_cos) = match expect.vendor {
        Some(v) => (compare(v), Some(cos)),
        None => (cos, None),
    };
    Ok(StepResult {
        outcome: StepOutcome {
            request_line,
            request_headers: headers,
            label: step.name.clone(),
            observed: Some(observed),
            comparison,
            vs_cos,
            browser,
        },
        cos_ok,
        s3_ok,
    })
}

/// An expected `Content-Length` of an error body (seed 003 exchange 4's
/// 687) is the length of the body written with the case's `Resource` and
/// ids. It follows the target: the `Resource` the expectation was
/// rewritten to (`delta` bytes longer: a shared bucket's key prefix) and,
/// under the `volatile` normalisation, the ids the target sent
/// (`x-cos-request-id`, `x-cos-trace-id`; the body repeats them).
fn follow_error_length(
    e: &mut Expect,
    mut delta: i64,
    observed: &Observed,
    exact: &std::collections::BTreeSet<crate::case::Normalisation>,
) {
    if e.error.is_none() {
        return;
    }
    if !exact.contains(&crate::case::Normalisation::Volatile) {
        for id in ["x-cos-request-id", "x-cos-trace-id"] {
            let want = e
                .headers
                .0
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(id))
                .and_then(|(_, v)| v.first());
            if let (Some(w), Some(o)) = (want, observed.get(id)) {
                delta += o.len() as i64 - w.len() as i64;
            }
        }
    }
    if delta == 0 {
        return;
    }
    for (name, values) in &mut e.headers.0 {
        if name.eq_ignore_ascii_case("content-length") {
            for v in values.iter_mut() {
                if let Ok(len) = v.parse::<i64>() {
                    *v = (len + delta).to_string();
                }
            }
        }
    }
}

#[cfg(test)]
mod case_error_tests {
    use super::{CaseError, SetupRefused};
    use crate::target::RequestFailed;

    #[test]
    fn a_refused_setup_is_recorded_without_its_body() {
        let e = anyhow::Error::from(SetupRefused {
            request: "PUT ?cors",
            status: 400,
            body: "<Error><RequestId>abc</RequestId></Error>".into(),
        });
        let c = CaseError::of(&e);
        assert_eq!(c.stable, "setup: PUT ?cors answered 400");
        assert!(c
            .message
            .ends_with("(body: <Error><RequestId>abc</RequestId></Error>)"));
    }

    #[test]
    fn a_failed_request_is_recorded_by_its_cause() {
        let e = anyhow::anyhow!("connection refused")
            .context(RequestFailed {
                method: "PUT".into(),
                target: "/coscors-1/key".into(),
                name: "moto".into(),
            })
            .context("setup: PUT ?cors");
        let c = CaseError::of(&e);
        assert_eq!(c.stable, "connection refused");
        assert_eq!(
            c.message,
            "setup: PUT ?cors: PUT /coscors-1/key on target moto: connection refused"
        );
    }

    #[test]
    fn any_other_error_is_recorded_whole() {
        let e = anyhow::anyhow!("inner").context("outer");
        assert_eq!(CaseError::of(&e).stable, "outer: inner");
    }
}
