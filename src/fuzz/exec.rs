//! Executing a generated input on a target and reducing each answer to
//! what the differential comparison looks at.

use std::sync::Arc;

use anyhow::{Context as _, Result};
use bytes::Bytes;
use hyper::header::{HeaderMap, HeaderName, HeaderValue, HOST};
use hyper::Method;

use super::gen::{FuzzInput, FuzzRequest, Md5};
use crate::diff;
use crate::emulator::{self, Emulator, EmulatorConfig};
use std::borrow::Cow;

use crate::model::{
    self, content_md5_of, headers, xml, ApiError, CorsConfiguration, CorsHeaders, ErrorCode,
    Preflight, PreflightOutcome, Profile, Text, MAX_BODY_BYTES,
};
use crate::safety::{self, Saved};
use crate::target::{Observed, Session, Shared, TargetSpec};

/// A Content-MD5 that is well formed but not the body's: the digest of
/// `other`.
const WRONG_MD5: &str = "eV8yArF8trw9S3cdjGyerw==";

/// The object actual requests are made on; every execution puts it first.
pub const OBJECT: &str = "/fuzz/object";

/// The CORS response headers compared.
pub const CORS_HEADERS: [&str; 7] = [
    headers::ALLOW_ORIGIN,
    headers::ALLOW_CREDENTIALS,
    headers::ALLOW_METHODS,
    headers::ALLOW_HEADERS,
    headers::EXPOSE_HEADERS,
    headers::MAX_AGE,
    headers::VARY,
];

/// What a step of an execution is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StepKind {
    /// the reset that starts every execution (DELETE `?cors`); its answer belongs to the previous input.
    SetupReset,
    /// the input's configuration, PUT `?cors` (or a DELETE without one).
    Setup,
    /// the object actual requests are made on.
    SetupObject,
    /// an OPTIONS preflight.
    Preflight,
    /// an actual request on the object.
    Actual,
    /// PUT `?cors` with a generated body.
    PutCors,
    /// GET `?cors`.
    GetCors,
    /// DELETE `?cors`.
    DeleteCors,
}

impl StepKind {
    /// The name in signatures and found cases' step names.
    pub fn name(self) -> &'static str {
        match self {
            StepKind::SetupReset => "setup-reset",
            StepKind::Setup => "setup",
            StepKind::SetupObject => "setup-object",
            StepKind::Preflight => "preflight",
            StepKind::Actual => "actual",
            StepKind::PutCors => "put-cors",
            StepKind::GetCors => "get-cors",
            StepKind::DeleteCors => "delete-cors",
        }
    }
}

impl std::fmt::Display for StepKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One request as it goes on the wire (relative to the bucket). Built once
/// per execution and shared by both targets: names and paths come from the
/// generator's dictionaries, and a body is shared, not copied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireStep {
    pub kind: StepKind,
    pub method: &'static str,
    pub path: &'static str,
    pub query: Option<&'static str>,
    pub headers: Vec<(&'static str, Text)>,
    /// Always UTF-8 (the generator writes text).
    pub body: Bytes,
    /// The index of the input's request this step sends (`None` for the
    /// setup steps).
    pub request: Option<usize>,
    /// The setup step: the length of the configuration written as XML
    /// when that is over the 64 KB a PUT body may have. Measured once per
    /// input, for both targets (the body itself only [`wire_form`] writes).
    pub oversize: Option<usize>,
}

impl WireStep {
    /// The request's Origin (the first), to recognise an echo.
    pub fn origin(&self) -> Option<&str> {
        self.first(headers::ORIGIN)
    }

    /// The request's Access-Control-Request-Headers (the first), to
    /// recognise an echo.
    pub fn requested(&self) -> Option<&str> {
        self.first(headers::REQUEST_HEADERS)
    }

    /// The request's Access-Control-Request-Method (the first).
    pub fn requested_method(&self) -> Option<&str> {
        self.first(headers::REQUEST_METHOD)
    }

    fn first(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_ref())
    }
}

/// The steps of an input: set the configuration (or delete it), put the
/// object, then the generated requests.
pub fn steps(input: &FuzzInput) -> Vec<WireStep> {
    let mut out = Vec::new();
    steps_into(input, &mut out);
    out
}

/// [`steps`], written into `out`, whose steps' memory (their header lists)
/// is reused: a campaign builds a few steps for each of hundreds of
/// thousands of inputs a second.
pub fn steps_into(input: &FuzzInput, out: &mut Vec<WireStep>) {
    let mut w = StepWriter { out, used: 0 };
    // Every execution starts from no configuration, whatever the previous
    // one left (a refused PUT keeps the old configuration).
    w.step(StepKind::SetupReset, "DELETE", "/", Some("cors"));
    if let Some(c) = &input.config {
        // The body (the configuration as XML) and its Content-MD5 are
        // written only when the step goes on the wire: see `wire_form`.
        let s = w.step(StepKind::Setup, "PUT", "/", Some("cors"));
        s.headers
            .push(("Content-Type", Cow::Borrowed("application/xml")));
        // The bound first: it does not scan the values.
        if xml::written_len_bound(c, Profile::Cos) > MAX_BODY_BYTES {
            let len = xml::written_len(c, Profile::Cos);
            s.oversize = (len > MAX_BODY_BYTES).then_some(len);
        }
    }
    w.step(StepKind::SetupObject, "PUT", OBJECT, None).body = Bytes::from_static(b"fuzz");
    for (i, r) in input.requests.iter().enumerate() {
        let s = match r {
            FuzzRequest::Preflight {
                path,
                origin,
                method,
                headers,
            } => {
                let s = w.step(StepKind::Preflight, "OPTIONS", path, None);
                for o in origin {
                    s.headers.push((headers::ORIGIN, o.clone()));
                }
                for m in method {
                    s.headers.push((headers::REQUEST_METHOD, Cow::Borrowed(*m)));
                }
                for h in headers {
                    s.headers.push((headers::REQUEST_HEADERS, h.clone()));
                }
                s
            }
            FuzzRequest::Actual { method, origin, .. } => {
                let s = w.step(StepKind::Actual, method, OBJECT, None);
                if *method == "PUT" {
                    s.body = Bytes::from_static(b"fuzz");
                }
                for o in origin {
                    s.headers.push((headers::ORIGIN, o.clone()));
                }
                s
            }
            FuzzRequest::PutCors { body, md5, .. } => {
                let s = w.step(StepKind::PutCors, "PUT", "/", Some("cors"));
                s.headers
                    .push(("Content-Type", Cow::Borrowed("application/xml")));
                match md5 {
                    Md5::None => {}
                    Md5::Correct => s.headers.push(("Content-MD5", content_md5_of(body).into())),
                    Md5::Wrong => s.headers.push(("Content-MD5", WRONG_MD5.into())),
                    Md5::Garbage => s.headers.push(("Content-MD5", "not-a-digest".into())),
                }
                s.body = body.clone();
                s
            }
            FuzzRequest::GetCors => w.step(StepKind::GetCors, "GET", "/", Some("cors")),
            FuzzRequest::DeleteCors => w.step(StepKind::DeleteCors, "DELETE", "/", Some("cors")),
        };
        s.request = Some(i);
    }
    w.out.truncate(w.used);
}

/// Writes steps over the ones a vector already holds.
struct StepWriter<'a> {
    out: &'a mut Vec<WireStep>,
    used: usize,
}

impl StepWriter<'_> {
    /// The next step, new but for the memory of the header list of the
    /// step it replaces.
    fn step(
        &mut self,
        kind: StepKind,
        method: &'static str,
        path: &'static str,
        query: Option<&'static str>,
    ) -> &mut WireStep {
        let mut headers = match self.out.get_mut(self.used) {
            Some(old) => std::mem::take(&mut old.headers),
            None => Vec::with_capacity(4),
        };
        headers.clear();
        let step = WireStep {
            kind,
            method,
            path,
            query,
            headers,
            body: Bytes::new(),
            request: None,
            oversize: None,
        };
        match self.out.get_mut(self.used) {
            Some(old) => *old = step,
            None => self.out.push(step),
        }
        self.used += 1;
        &mut self.out[self.used - 1]
    }
}

/// A step as it goes on the wire: the setup's body and digest filled in.
pub fn wire_form(input: &FuzzInput, s: &WireStep) -> WireStep {
    let mut s = s.clone();
    if let (Some(c), StepKind::Setup) = (&input.config, s.kind) {
        s.body = Bytes::from(xml::write(c, Profile::Cos));
        s.headers
            .push(("Content-MD5", content_md5_of(&s.body).into()));
    }
    s
}

/// The CORS response headers of an answer, as [`CORS_HEADERS`] orders
/// them: values as received, `None` when absent.
pub type CorsValues = [Option<Text>; 7];

/// An answer without CORS headers.
static NO_CORS: CorsValues = [None, None, None, None, None, None, None];

/// What the comparison looks at in one answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    /// The CORS headers; boxed, and `None` when there is none (most
    /// answers), so that an answer is small to move and drop. Built with
    /// [`Answer::with_cors`], which keeps "some" meaning "at least one".
    cors: Option<Box<CorsValues>>,
    /// The error Code, if the body is an `<Error>`.
    pub code: Option<Text>,
    /// GET ?cors: the configuration read back, written canonically.
    pub config: Option<String>,
}

impl Answer {
    /// An answer with a status and nothing else.
    pub fn status(status: u16) -> Answer {
        Answer {
            status,
            cors: None,
            code: None,
            config: None,
        }
    }

    /// This answer with these CORS headers.
    pub fn with_cors(self, values: CorsValues) -> Answer {
        Answer {
            cors: values.iter().any(Option::is_some).then(|| Box::new(values)),
            ..self
        }
    }

    /// The CORS headers, as [`CORS_HEADERS`] orders them.
    pub fn cors(&self) -> &CorsValues {
        self.cors.as_deref().unwrap_or(&NO_CORS)
    }

    /// A CORS header's value, by name (one of [`CORS_HEADERS`]).
    pub fn header(&self, name: &str) -> Option<&str> {
        let i = CORS_HEADERS
            .iter()
            .position(|n| n.eq_ignore_ascii_case(name))?;
        self.cors()[i].as_deref()
    }

    pub fn from_observed(step: &WireStep, o: &Observed) -> Answer {
        let cors = CORS_HEADERS.map(|name| {
            let values: Vec<&str> = o.all(name).map(|(_, v)| v).collect();
            (!values.is_empty()).then(|| Cow::Owned(values.join(", ")))
        });
        let code = diff::parse_error_body(&o.body)
            .and_then(|f| f.into_iter().find(|(k, _)| k == "Code").map(|(_, v)| v))
            .map(Cow::Owned);
        let config = (step.kind == StepKind::GetCors && o.status == 200)
            .then(|| xml::parse(&o.body).ok())
            .flatten()
            .map(|c| xml::write(&c, Profile::Cos));
        Answer {
            code,
            config,
            ..Answer::status(o.status)
        }
        .with_cors(cors)
    }
}

/// Where a campaign sends its inputs.
pub enum Executor {
    /// In process, straight to the model: no HTTP, no XML for the setup.
    Model(Profile),
    /// In process: the emulator's request handler, no HTTP.
    InProcess(Profile),
    /// Over HTTP, through a target session kept for the whole campaign.
    Http(Box<HttpTarget>),
}

/// An HTTP target of a campaign: its session, and what the campaign must
/// put back when it ends.
pub struct HttpTarget {
    spec: TargetSpec,
    /// The bucket named in the targets file; fresh buckets are named after it.
    base_bucket: String,
    session: Session,
    /// The bucket's CORS configuration before the campaign (a real bucket
    /// is left as it was found).
    saved: Saved,
    /// How many times the campaign moved to a fresh bucket.
    moves: u32,
}

impl HttpTarget {
    /// Connect to the target's bucket, creating it when the target may;
    /// nothing is saved, so nothing will be put back.
    async fn connect(spec: TargetSpec, base_bucket: String, moves: u32) -> Result<HttpTarget> {
        let shared: Arc<Shared> = Shared::new(&spec)?;
        let session = Session::open(&spec, &shared).await?;
        if spec.create_bucket {
            // 409 (it exists) is fine.
            let _ = session.ensure_bucket().await;
        }
        Ok(HttpTarget {
            spec,
            base_bucket,
            session,
            saved: Saved::Unknown,
            moves,
        })
    }

    /// Connect, and save the bucket's configuration to put back at the end
    /// (unless the bucket is an emulator's this process started).
    async fn open(spec: TargetSpec, out_dir: &std::path::Path, owned: bool) -> Result<HttpTarget> {
        let base = spec.bucket.clone();
        let mut t = HttpTarget::connect(spec, base, 0).await?;
        if !t.spec.isolated() {
            t.saved = safety::save(&t.session, out_dir, owned).await?;
        }
        Ok(t)
    }
}

/// The fuzz targets that run in this process, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InProcessTarget {
    /// `model`: the model called directly, `cos` profile.
    Model,
    /// `model-s3`: the model, `s3` profile.
    ModelS3,
    /// `handler`: the emulator's request handler, `cos` profile.
    Handler,
    /// `handler-s3`: the handler, `s3` profile.
    HandlerS3,
}

impl InProcessTarget {
    pub const ALL: [InProcessTarget; 4] = [
        InProcessTarget::Model,
        InProcessTarget::ModelS3,
        InProcessTarget::Handler,
        InProcessTarget::HandlerS3,
    ];

    /// The name `--a`/`--b` gives.
    pub fn name(self) -> &'static str {
        match self {
            InProcessTarget::Model => "model",
            InProcessTarget::ModelS3 => "model-s3",
            InProcessTarget::Handler => "handler",
            InProcessTarget::HandlerS3 => "handler-s3",
        }
    }

    pub fn from_name(name: &str) -> Option<InProcessTarget> {
        InProcessTarget::ALL.into_iter().find(|t| t.name() == name)
    }

    fn executor(self) -> Executor {
        match self {
            InProcessTarget::Model => Executor::Model(Profile::Cos),
            InProcessTarget::ModelS3 => Executor::Model(Profile::S3),
            InProcessTarget::Handler => Executor::InProcess(Profile::Cos),
            InProcessTarget::HandlerS3 => Executor::InProcess(Profile::S3),
        }
    }
}

/// Is this target name one that runs in process (no HTTP)?
pub fn in_process(name: &str) -> bool {
    InProcessTarget::from_name(name).is_some()
}

impl Executor {
    /// `model` and `model-s3` run in process; anything else is a target.
    /// `place`: the campaign has several workers or connections and this
    /// is the executor of one lane (`w<k>`, or `w<k>-c<j>`): on a shared
    /// HTTP target it works in a bucket of its own (`<bucket>-<place>`,
    /// created; nothing in it to save or put back) under a key prefix of
    /// its own; an emulator target is the lane's own server anyway.
    pub async fn open(
        name: &str,
        targets_file: Option<&std::path::Path>,
        out_dir: &std::path::Path,
        owned: bool,
        place: Option<&str>,
    ) -> Result<(Executor, String)> {
        if let Some(t) = InProcessTarget::from_name(name) {
            return Ok((t.executor(), name.into()));
        }
        let mut spec: TargetSpec = TargetSpec::resolve(name, targets_file)?;
        let name = spec.name.clone();
        let target = match place {
            Some(place) if !spec.isolated() => {
                if !spec.create_bucket {
                    anyhow::bail!(
                        "target {name} cannot create buckets: a campaign with several workers or connections needs one for each"
                    );
                }
                spec.bucket = format!("{}-{place}", spec.bucket);
                let prefix = spec.key_prefix.as_deref().unwrap_or("coscors-fuzz");
                spec.key_prefix = Some(format!("{}-{place}", prefix.trim_matches('/')));
                let base = spec.bucket.clone();
                HttpTarget::connect(spec, base, 0).await?
            }
            _ => HttpTarget::open(spec, out_dir, owned).await?,
        };
        Ok((Executor::Http(Box::new(target)), name))
    }

    /// The profile of an in-process target (`None` over HTTP).
    pub fn profile(&self) -> Option<Profile> {
        match self {
            Executor::Model(p) | Executor::InProcess(p) => Some(*p),
            Executor::Http(_) => None,
        }
    }

    /// Does the target keep state from one execution to the next (so that
    /// an input can leave it broken)? In-process targets start afresh.
    pub fn keeps_state(&self) -> bool {
        matches!(self, Executor::Http(_))
    }

    /// Move to a fresh bucket, when the target may create buckets (a
    /// scratch peer): the way on after an input left the bucket broken.
    /// Returns the new bucket's name, or `None` when the target cannot.
    pub async fn fresh_bucket(&mut self) -> Result<Option<String>> {
        let Executor::Http(t) = self else {
            return Ok(None);
        };
        if !t.spec.create_bucket {
            return Ok(None);
        }
        let mut spec = t.spec.clone();
        spec.bucket = format!("{}-{}", t.base_bucket, t.moves + 1);
        // A bucket this campaign creates: nothing of anybody's to put back.
        let next = HttpTarget::connect(spec, t.base_bucket.clone(), t.moves + 1).await?;
        let bucket = next.spec.bucket.clone();
        **t = next;
        Ok(Some(bucket))
    }

    /// End the campaign on this target: delete the objects it wrote and put
    /// the bucket's CORS configuration back as it was.
    pub async fn finish(&self) -> Result<()> {
        if let Executor::Http(t) = self {
            t.session.cleanup().await;
            safety::restore(&t.session, &t.saved)
                .await
                .with_context(|| format!("restoring {}'s bucket {}", t.spec.name, t.spec.bucket))?;
        }
        Ok(())
    }

    /// Execute every step of an input; the answers replace `out`'s.
    pub async fn run(
        &self,
        input: &FuzzInput,
        steps: &[WireStep],
        out: &mut Vec<Answer>,
    ) -> Result<()> {
        out.clear();
        match self {
            Executor::Model(profile) => run_model(*profile, input, steps, out),
            Executor::InProcess(profile) => {
                let wire: Vec<WireStep> = steps.iter().map(|s| wire_form(input, s)).collect();
                out.extend(run_in_process(*profile, &wire));
            }
            Executor::Http(t) => {
                let session = &t.session;
                for s in steps {
                    // Only the setup has more to write (its body).
                    let s = match (&input.config, s.kind) {
                        (Some(_), StepKind::Setup) => Cow::Owned(wire_form(input, s)),
                        _ => Cow::Borrowed(s),
                    };
                    let s = s.as_ref();
                    let headers: Vec<(String, String)> = s
                        .headers
                        .iter()
                        .map(|(n, v)| ((*n).to_string(), v.to_string()))
                        .collect();
                    let o = session
                        .send(s.method, s.path, s.query, &headers, s.body.to_vec())
                        .await?;
                    out.push(Answer::from_observed(s, &o));
                }
            }
        }
        Ok(())
    }
}

fn error_answer(e: &ApiError) -> Answer {
    Answer {
        code: Some(Cow::Borrowed(e.code.as_str())),
        ..Answer::status(e.status())
    }
}

fn cors_answer(status: u16, h: Option<CorsHeaders>) -> Answer {
    let Some(h) = h else {
        return Answer::status(status);
    };
    let mut cors: CorsValues = Default::default();
    for (name, value) in h.into_values() {
        if let Some(i) = CORS_HEADERS.iter().position(|n| *n == name) {
            cors[i] = value;
        }
    }
    Answer::status(status).with_cors(cors)
}

/// A request header's value; repeated headers joined as one (RFC 9110
/// §5.3), borrowed when there is one.
fn header<'s>(s: &'s WireStep, name: &str) -> Option<Cow<'s, str>> {
    let mut values = s.headers.iter().filter(|(n, _)| *n == name);
    let first = values.next()?;
    Some(
        values.fold(Cow::Borrowed(first.1.as_ref()), |mut all, (_, v)| {
            let joined = all.to_mut();
            joined.push_str(", ");
            joined.push_str(v);
            all
        }),
    )
}

/// Run the steps straight on the model: the same answers the emulator
/// gives (the emulator only routes to these calls), at in-process speed.
pub fn run_model(profile: Profile, input: &FuzzInput, steps: &[WireStep], out: &mut Vec<Answer>) {
    let mut config: Option<Cow<'_, CorsConfiguration>> = None;
    out.extend(steps.iter().map(|s| {
        // Every answer but a preflight's carries what the configuration in
        // force when the request arrives says of an actual request (the
        // emulator decides before it acts): at most `Vary` for requests
        // without an Origin. The setup's answers belong to no input (the
        // reset) or follow it (no configuration yet).
        let before = match s.kind {
            StepKind::Preflight | StepKind::Actual | StepKind::Setup | StepKind::SetupReset => None,
            _ => model::actual_request(
                config.as_deref(),
                header(s, headers::ORIGIN).as_deref(),
                s.method,
                profile,
            ),
        };
        let answer = model_step(profile, input, s, &mut config);
        match before {
            Some(h) => with_headers(answer, h),
            None => answer,
        }
    }));
}

/// `answer` with the CORS headers `h` added.
fn with_headers(answer: Answer, h: CorsHeaders) -> Answer {
    let cors = cors_answer(answer.status, Some(h));
    Answer {
        cors: cors.cors,
        ..answer
    }
}

/// One step of [`run_model`].
fn model_step<'i>(
    profile: Profile,
    input: &'i FuzzInput,
    s: &WireStep,
    config: &mut Option<Cow<'i, CorsConfiguration>>,
) -> Answer {
    match s.kind {
        StepKind::Setup => {
            if let Some(c) = &input.config {
                // What PUT ?cors with the written configuration checks,
                // without writing it: its size, then the configuration
                // (the digest is right by construction, and parsing
                // what was written gives `c` back: see the
                // `xml_roundtrip` fuzz target).
                let size = s
                    .oversize
                    .map_or(Ok(()), |len| model::check_body_size(len, profile));
                match size.and_then(|()| model::validate_config(c, profile)) {
                    Ok(()) => {
                        *config = Some(Cow::Borrowed(c));
                        cors_answer(200, None)
                    }
                    Err(e) => error_answer(&e),
                }
            } else {
                *config = None;
                cors_answer(204, None)
            }
        }
        StepKind::SetupObject => cors_answer(200, None),
        StepKind::SetupReset => {
            *config = None;
            cors_answer(204, None)
        }
        StepKind::Preflight => {
            let (o, m, h) = (
                header(s, headers::ORIGIN),
                header(s, headers::REQUEST_METHOD),
                header(s, headers::REQUEST_HEADERS),
            );
            let q = Preflight {
                origin: o.as_deref(),
                method: m.as_deref(),
                request_headers: h.as_deref(),
            };
            match model::preflight(config.as_deref(), &q, profile) {
                PreflightOutcome::Allowed(h) => cors_answer(200, Some(h)),
                PreflightOutcome::Refused(e) => error_answer(&e),
            }
        }
        StepKind::Actual => {
            let o = header(s, headers::ORIGIN);
            let h = model::actual_request(config.as_deref(), o.as_deref(), s.method, profile);
            cors_answer(200, h)
        }
        StepKind::PutCors => {
            let md5 = header(s, "Content-MD5");
            let written_from = match s.request.and_then(|i| input.requests.get(i)) {
                Some(FuzzRequest::PutCors {
                    written_from: Some(c),
                    ..
                }) => Some(c),
                _ => None,
            };
            // A body written from a configuration is not parsed back (as
            // for the setup): the checks are the same.
            let checked = match written_from {
                Some(c) => model::validate_put_written(&s.body, md5.as_deref(), c, profile)
                    .map(|()| Cow::Borrowed(c)),
                None => model::validate_put(&s.body, md5.as_deref(), profile).map(Cow::Owned),
            };
            match checked {
                Ok(c) => {
                    *config = Some(c);
                    cors_answer(200, None)
                }
                Err(e) => error_answer(&e),
            }
        }
        StepKind::GetCors => match &config {
            Some(c) => Answer {
                config: Some(xml::write(c, Profile::Cos)),
                ..cors_answer(200, None)
            },
            None => error_answer(&ApiError::new(ErrorCode::NoSuchCorsConfiguration, "")),
        },
        StepKind::DeleteCors => {
            *config = None;
            cors_answer(204, None)
        }
    }
}

/// Run the steps on a fresh in-process emulator.
pub fn run_in_process(profile: Profile, steps: &[WireStep]) -> Vec<Answer> {
    let emu = Emulator::new(EmulatorConfig {
        profile,
        ..EmulatorConfig::default()
    });
    let host = format!(
        "{}.cos.{}.myqcloud.com",
        emulator::DEFAULT_BUCKET,
        emulator::DEFAULT_REGION
    );
    steps
        .iter()
        .map(|s| {
            let mut headers = HeaderMap::new();
            if let Ok(h) = HeaderValue::from_str(&host) {
                headers.insert(HOST, h);
            }
            for (n, v) in &s.headers {
                if let (Ok(n), Ok(v)) = (
                    HeaderName::from_bytes(n.as_bytes()),
                    HeaderValue::from_str(v),
                ) {
                    headers.append(n, v);
                }
            }
            let method = Method::from_bytes(s.method.as_bytes()).unwrap_or(Method::GET);
            let resp = emulator::handle(
                &emu,
                emulator::Request {
                    method: &method,
                    path: s.path,
                    query: s.query,
                    authority: None,
                    headers: &headers,
                    body: Some(s.body.clone()),
                },
            );
            let status = resp.status().as_u16();
            let observed = Observed {
                status,
                headers: resp
                    .headers()
                    .iter()
                    .map(|(n, v)| {
                        (
                            n.as_str().to_string(),
                            String::from_utf8_lossy(v.as_bytes()).into_owned(),
                        )
                    })
                    .collect(),
                body: body_bytes(resp),
            };
            Answer::from_observed(s, &observed)
        })
        .collect()
}

fn body_bytes(resp: emulator::HttpResponse) -> Vec<u8> {
    use http_body_util::BodyExt;
    use std::future::Future;
    // A `Full` body is ready at once: poll it without a runtime.
    let fut = resp.into_body().collect();
    let waker = std::task::Waker::noop();
    let mut cx = std::task::Context::from_waker(waker);
    let mut fut = std::pin::pin!(fut);
    match fut.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(Ok(c)) => c.to_bytes().to_vec(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_found_by_name_in_any_case() {
        let mut cors: CorsValues = Default::default();
        cors[0] = Some(Cow::Borrowed("*"));
        let a = Answer::status(200).with_cors(cors);
        assert_eq!(a.header("access-control-allow-origin"), Some("*"));
        assert_eq!(a.header("Vary"), None);
        assert_eq!(a.header("X-Other"), None);
    }

    #[test]
    fn answers_without_cors_headers_are_equal_however_built() {
        assert_eq!(
            Answer::status(200).with_cors(Default::default()),
            Answer::status(200)
        );
        assert_eq!(Answer::status(200).cors(), &NO_CORS);
    }

    /// The setup's size is the written configuration's: over 64 KB is
    /// refused as PUT ?cors refuses it, and a bound that overshoots (values
    /// full of characters that could need escaping) refuses nothing.
    #[test]
    fn the_setup_is_refused_only_when_its_xml_is_over_the_limit() {
        use crate::model::{CorsRule, MAX_BODY_BYTES};
        let setup_status = |id: String| {
            let rule = CorsRule {
                id: Some(id.into()),
                allowed_origins: vec!["*".into()],
                allowed_methods: vec!["GET".into()],
                ..CorsRule::default()
            };
            let input = FuzzInput {
                config: Some(CorsConfiguration {
                    rules: vec![rule],
                    ..CorsConfiguration::default()
                }),
                requests: vec![FuzzRequest::GetCors],
            };
            let steps = steps(&input);
            let written = wire_form(&input, &steps[1]).body.len();
            let mut out = Vec::new();
            run_model(Profile::Cos, &input, &steps, &mut out);
            (written, out[1].status, out[1].code.clone())
        };
        let (written, status, code) = setup_status("x".repeat(MAX_BODY_BYTES));
        assert!(written > MAX_BODY_BYTES);
        assert_eq!((status, code.as_deref()), (400, Some("XMLSizeLimit")));
        // Five times 14,000 bytes bounds over 64 KB; written, it is under.
        let (written, status, _) = setup_status("'".repeat(14_000));
        assert!(written < MAX_BODY_BYTES);
        assert_eq!(status, 200);
    }

    /// The model target's shortcuts (a setup or PUT body written from a
    /// configuration is not parsed back) give the answers of the
    /// emulator's handler, which parses every body it gets.
    #[test]
    fn the_model_answers_as_the_handler_parsing_every_body() {
        let mut written = 0;
        for i in 0..3000 {
            let input = FuzzInput::for_iteration(13, i);
            written += input
                .requests
                .iter()
                .filter(|r| {
                    matches!(
                        r,
                        FuzzRequest::PutCors {
                            written_from: Some(_),
                            ..
                        }
                    )
                })
                .count();
            let steps = steps(&input);
            let wire: Vec<WireStep> = steps.iter().map(|s| wire_form(&input, s)).collect();
            for profile in Profile::ALL {
                let mut model = Vec::new();
                run_model(profile, &input, &steps, &mut model);
                assert_eq!(model, run_in_process(profile, &wire), "iteration {i}");
            }
        }
        assert!(written > 100, "{written}");
    }

    #[test]
    fn the_wrong_digest_is_the_digest_of_other() {
        assert_eq!(WRONG_MD5, content_md5_of(b"other"));
    }
}
