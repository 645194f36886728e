//! Running a case on a target: set the bucket up, send each step, compare.

use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};

use crate::case::{CorsSetup, Divergence, Expect, LoadedCase, Step};
use crate::diff::{self, Comparison};
use crate::model::{content_md5_of, xml, Profile};
use std::sync::Arc;

use crate::target::{Observed, Session, Shared, TargetSpec};

/// How a case ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    /// The target differs from COS exactly as its vendor file records.
    KnownDivergence(String),
    /// The vendor file records a divergence, but the target now answers as
    /// COS does: the entry should go.
    DivergenceFixed,
    /// A step's answer differed from its expectation.
    Fail,
    /// The case could not be run (setup failed, the target did not answer).
    Error(String),
}

/// One step's result.
#[derive(Debug, Clone)]
pub struct StepOutcome {
    /// `METHOD /path?query`
    pub request_line: String,
    pub label: Option<String>,
    pub observed: Option<Observed>,
    pub comparison: Comparison,
    /// When a vendor's expectation applied: the comparison with the case's
    /// own (COS) expectation, which shows how the vendor differs from COS.
    pub vs_cos: Option<Comparison>,
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
    pub steps: Vec<StepOutcome>,
    pub duration: Duration,
}

impl Verdict {
    /// Does this verdict let the run pass?
    pub fn ok(&self) -> bool {
        matches!(self, Verdict::Pass | Verdict::KnownDivergence(_))
    }
}

impl CaseOutcome {
    /// A readable account of what went wrong, with the diff of each failing
    /// step; empty for a pass.
    pub fn report(&self) -> String {
        let mut out = String::new();
        match &self.verdict {
            Verdict::Pass | Verdict::KnownDivergence(_) => return out,
            Verdict::DivergenceFixed => {
                out.push_str(&format!(
                    "{} on {}: DIVERGENCE FIXED: the target now answers as the case expects; remove the case from the vendor file\n  file: {}\n",
                    self.id,
                    self.target,
                    self.path.display()
                ));
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
            Verdict::Fail => {
                out.push_str(&format!(
                    "{} on {}: FAILED\n  file: {}\n  source: {}\n",
                    self.id,
                    self.target,
                    self.path.display(),
                    self.source
                ));
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
            out.push_str(&format!("  step {}{label}: {}\n", i + 1, s.request_line));
            for line in s.comparison.render().lines() {
                out.push_str("    ");
                out.push_str(line);
                out.push('\n');
            }
        }
        out
    }
}

/// Run one case on a target, with the vendor's recorded divergence for it,
/// if any.
pub async fn run_case(
    spec: &TargetSpec,
    shared: &Arc<Shared>,
    case: &LoadedCase,
    divergence: Option<&Divergence>,
) -> CaseOutcome {
    let started = Instant::now();
    let mut outcome = CaseOutcome {
        id: case.id.clone(),
        path: case.path.clone(),
        source: case.case.source.to_string(),
        evidence: case.case.evidence,
        target: spec.name.clone(),
        verdict: Verdict::Pass,
        steps: Vec::new(),
        duration: Duration::ZERO,
    };
    if let Some(d) = divergence.filter(|d| d.skip) {
        outcome.verdict = Verdict::KnownDivergence(format!("not run: {}", d.reason));
        return outcome;
    }
    // Steps compared with the vendor's expectation; `as_cos` records whether
    // each also met the case's own (COS) expectation.
    let mut as_cos = true;
    let result = async {
        let session = Session::open(spec, shared).await?;
        setup(&session, case).await?;
        for (i, step) in case.case.steps.iter().enumerate() {
            let vendor_expect = divergence.and_then(|d| d.steps.get(&(i + 1)));
            let (s, cos_ok) = run_step(&session, step, vendor_expect, case).await?;
            as_cos &= cos_ok;
            let failed = !s.comparison.passed();
            outcome.steps.push(s);
            if failed {
                outcome.verdict = Verdict::Fail;
            }
        }
        anyhow::Ok(())
    }
    .await;
    outcome.verdict = match (result, divergence) {
        (Err(e), Some(d))
            if d.error
                .as_deref()
                .is_some_and(|t| format!("{e:#}").contains(t)) =>
        {
            Verdict::KnownDivergence(d.reason.clone())
        }
        (Err(e), _) => Verdict::Error(format!("{e:#}")),
        (Ok(()), Some(d)) if d.error.is_some() => {
            if as_cos {
                Verdict::DivergenceFixed
            } else {
                Verdict::Fail
            }
        }
        (Ok(()), Some(d)) => match outcome.verdict {
            Verdict::Pass if d.steps.is_empty() || !as_cos => {
                Verdict::KnownDivergence(d.reason.clone())
            }
            Verdict::Pass => Verdict::DivergenceFixed,
            _ if as_cos => Verdict::DivergenceFixed,
            v => v,
        },
        (Ok(()), None) => outcome.verdict,
    };
    outcome.duration = started.elapsed();
    outcome
}

/// Put the bucket in the case's starting state.
async fn setup(session: &Session, case: &LoadedCase) -> Result<()> {
    match &case.case.bucket.cors {
        CorsSetup::None => {
            let o = session
                .send("DELETE", "/", Some("cors"), &[], Vec::new())
                .await
                .context("setup: DELETE ?cors")?;
            anyhow::ensure!(
                o.status / 100 == 2,
                "setup: DELETE ?cors answered {} (body: {})",
                o.status,
                String::from_utf8_lossy(&o.body)
            );
        }
        CorsSetup::Config(cfg) => {
            // The body every vendor accepts: COS's own GET format.
            let body = xml::write(cfg, Profile::Cos).into_bytes();
            let headers = vec![
                ("Content-Type".to_string(), "application/xml".to_string()),
                ("Content-MD5".to_string(), content_md5_of(&body)),
            ];
            let o = session
                .send("PUT", "/", Some("cors"), &headers, body)
                .await
                .context("setup: PUT ?cors")?;
            anyhow::ensure!(
                o.status / 100 == 2,
                "setup: PUT ?cors answered {} (body: {})",
                o.status,
                String::from_utf8_lossy(&o.body)
            );
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
    vendor_expect: Option<&Expect>,
    case: &LoadedCase,
) -> Result<(StepOutcome, bool)> {
    let req = &step.request;
    let body = req.body.as_ref().map(|b| b.bytes()).unwrap_or_default();
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
        let mut e = e.clone();
        let mut delta = 0;
        if let Some(err) = e.error.as_mut() {
            if let Some(r) = err.resource.as_mut() {
                let target = session.expected_resource(r);
                delta = target.len() as i64 - r.len() as i64;
                *r = target;
            }
        }
        follow_error_length(&mut e, delta, &observed, &case.case.exact);
        e
    };
    let cos = diff::compare(&for_target(&step.expect), &observed, &case.case.exact);
    let cos_ok = cos.passed();
    let (comparison, vs_cos) = match vendor_expect {
        Some(v) => (
            diff::compare(&for_target(v), &observed, &case.case.exact),
            Some(cos),
        ),
        None => (cos, None),
    };
    Ok((
        StepOutcome {
            request_line,
            label: step.name.clone(),
            observed: Some(observed),
            comparison,
            vs_cos,
        },
        cos_ok,
    ))
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
