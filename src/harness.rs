//! The COS CORS suite inside another project's `cargo test`: one libtest
//! trial per case (libtest-mimic), with the cases built into coscors, the
//! verdicts of `coscors run`, and the project's own vendor file.
//!
//! A store's repository adds a test target with `harness = false`:
//!
//! ```toml
//! [dev-dependencies]
//! coscors = { git = "https://github.com/...", default-features = true }
//!
//! [[test]]
//! name = "cors"
//! harness = false
//! ```
//!
//! and in `tests/cors.rs` starts its server and calls the harness:
//!
//! ```no_run
//! use coscors::harness::Harness;
//! use coscors::model::Profile;
//! use coscors::target::TargetSpec;
//!
//! fn main() -> anyhow::Result<()> {
//!     let url = "http://127.0.0.1:9000"; // the store this test started
//!     let target = TargetSpec::at(url, "cors-test")?.with_profile(Profile::S3);
//!     Harness::from_env()
//!         .target(target)
//!         .vendor_file(concat!(env!("CARGO_MANIFEST_DIR"), "/vendor.yaml"))
//!         .run()
//!         .exit()
//! }
//! ```
//!
//! or, with everything from the environment, `fn main() {
//! coscors::harness::main() }`.
//!
//! A case *conforms* (test `ok`), *diverges as recorded* (`ignored`, with
//! the record's reason), is *not run* (`ignored`, the vendor file's
//! `skip:` reason), *fails* (`FAILED`, with the diff), or its record is no
//! longer needed (*divergence fixed*: `ok`, `FAILED` when strict). After
//! the trials a line counts the verdicts as `coscors run` prints them.
//!
//! On a target where cases share a bucket (anything but the embedded
//! emulator), every process holds the bucket's cross-process lock while it
//! talks to it (`cargo nextest` runs one per test), the bucket's CORS
//! configuration is saved once per run and put back, and the cases of one
//! process run one at a time.
//!
//! The environment ([`Harness::from_env`]):
//!
//! | variable | meaning |
//! |---|---|
//! | `COSCORS_TARGET` | a target name: `emulator` (default), `emulator-s3`, a name of the targets file, or `http(s)://host:port` |
//! | `COSCORS_TARGETS` | the targets file (else `./targets.yaml`) |
//! | `COSCORS_ENDPOINT` | instead of `COSCORS_TARGET`: the server's `http(s)://host[:port]`, with the variables below |
//! | `COSCORS_BUCKET` | the bucket (default `examplebucket-1250000000`) |
//! | `COSCORS_REGION` | the region (default `ap-beijing` for the `cos` profile, `us-east-1` for `s3`) |
//! | `COSCORS_ADDRESSING` | `path` (default) or `virtual-host` |
//! | `COSCORS_PROFILE` | whose documented behaviour applies: `s3` (default for an endpoint) or `cos` |
//! | `COSCORS_SIGNER` | `none`, `sigv4` or `cos` (default: `none`, or by profile when a key id is set) |
//! | `COSCORS_KEY_ID`, `COSCORS_SECRET_KEY`, `COSCORS_SESSION_TOKEN` | the credentials (else the signer's usual variables: `AWS_ACCESS_KEY_ID`... or `COS_SECRET_ID`...) |
//! | `COSCORS_VENDOR` | a vendor file of the suite (`cases/vendors/<name>.yaml`) |
//! | `COSCORS_VENDOR_FILE` | a vendor file of your own, anywhere (its `base:` is looked up in the suite) |
//! | `COSCORS_CREATE_BUCKET` | `1`: create the bucket first (a 409 is fine) |
//! | `COSCORS_CASES` | a `cases/` folder to run instead of the built-in suite |
//! | `COSCORS_STRICT` | `1`: a divergence the target no longer shows fails |
//! | `COSCORS_I_OWN_THIS_BUCKET` | `1`: run even if the bucket's CORS configuration cannot be read |
//! | `COSCORS_VERDICTS` | a folder: each case's verdict is written to `DIR/<target>/<case id>.verdict` |

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::{anyhow, bail, Context as _, Result};
use libtest_mimic::{Arguments, Completion, Conclusion, Failed, Trial};

use crate::bucket_lock::{self, BucketLock};
use crate::case::{self, LoadedCase};
use crate::model::Profile;
use crate::runner::{run_case, TargetRecords, Verdict};
use crate::target::{Addressing, CredentialEnv, Endpoint, Session, Shared, SignerKind, TargetSpec};

/// Run the suite as `cargo test`'s trials, everything from the environment
/// (see the module's table), and exit.
pub fn main() -> ! {
    Harness::from_env().run().exit()
}

/// Which target: given, named, or described by the environment.
#[derive(Debug, Clone)]
enum Choice {
    Spec(Box<TargetSpec>),
    Named {
        name: String,
        targets_file: Option<PathBuf>,
    },
    Endpoint,
    Both,
}

/// The suite as libtest trials: a builder.
#[derive(Debug, Clone)]
pub struct Harness {
    target: Choice,
    vendor_file: Option<PathBuf>,
    cases: Option<PathBuf>,
    strict: bool,
    owned: bool,
    verdicts: Option<PathBuf>,
    args: Option<Arguments>,
}

impl Default for Harness {
    fn default() -> Self {
        Harness::new()
    }
}

impl Harness {
    /// The built-in suite against the embedded emulator; nothing read from
    /// the environment (the test binary's arguments aside).
    pub fn new() -> Harness {
        Harness {
            target: Choice::Named {
                name: "emulator".into(),
                targets_file: None,
            },
            vendor_file: None,
            cases: None,
            strict: false,
            owned: false,
            verdicts: None,
            args: None,
        }
    }

    /// Everything from the environment (the module's table); builder calls
    /// after this one override it.
    pub fn from_env() -> Harness {
        let var = |v: &str| std::env::var(v).ok().filter(|s| !s.is_empty());
        let flag = |v: &str| var(v).as_deref() == Some("1");
        let target = match (var("COSCORS_TARGET"), var("COSCORS_ENDPOINT")) {
            (Some(_), Some(_)) => Choice::Both,
            (None, Some(_)) => Choice::Endpoint,
            (name, None) => Choice::Named {
                name: name.unwrap_or_else(|| "emulator".into()),
                targets_file: None,
            },
        };
        Harness {
            target,
            vendor_file: var("COSCORS_VENDOR_FILE").map(PathBuf::from),
            cases: var("COSCORS_CASES").map(PathBuf::from),
            strict: flag("COSCORS_STRICT"),
            owned: flag("COSCORS_I_OWN_THIS_BUCKET"),
            verdicts: var("COSCORS_VERDICTS").map(PathBuf::from),
            args: None,
        }
    }

    /// Run against this target.
    pub fn target(mut self, spec: TargetSpec) -> Harness {
        self.target = Choice::Spec(Box::new(spec));
        self
    }

    /// Run against a target by name (`emulator`, `emulator-s3`, a name of
    /// the targets file, `http://host:port`).
    pub fn target_name(mut self, name: &str, targets_file: Option<&Path>) -> Harness {
        self.target = Choice::Named {
            name: name.into(),
            targets_file: targets_file.map(Path::to_path_buf),
        };
        self
    }

    /// Hold the target to this vendor file (yours, anywhere), over its
    /// `base:` chain from the suite.
    pub fn vendor_file(mut self, path: impl Into<PathBuf>) -> Harness {
        self.vendor_file = Some(path.into());
        self
    }

    /// Run the cases of this `cases/` folder instead of the built-in suite.
    pub fn cases(mut self, dir: impl Into<PathBuf>) -> Harness {
        self.cases = Some(dir.into());
        self
    }

    /// A divergence the target no longer shows fails its test.
    pub fn strict(mut self, strict: bool) -> Harness {
        self.strict = strict;
        self
    }

    /// Run even if the bucket's CORS configuration cannot be read (and so
    /// cannot be put back).
    pub fn i_own_this_bucket(mut self, owned: bool) -> Harness {
        self.owned = owned;
        self
    }

    /// Write each case's verdict to `DIR/<target>/<case id>.verdict`.
    pub fn verdicts(mut self, dir: impl Into<PathBuf>) -> Harness {
        self.verdicts = Some(dir.into());
        self
    }

    /// libtest's arguments (default: the process's, `cargo test -- ...`).
    pub fn args(mut self, args: Arguments) -> Harness {
        self.args = Some(args);
        self
    }

    /// The target this harness runs against.
    pub fn resolve_target(&self) -> Result<TargetSpec> {
        match &self.target {
            Choice::Spec(s) => Ok((**s).clone()),
            Choice::Named { name, targets_file } => {
                TargetSpec::resolve(name, targets_file.as_deref())
            }
            Choice::Endpoint => endpoint_from_env(),
            Choice::Both => bail!("set COSCORS_TARGET or COSCORS_ENDPOINT, not both"),
        }
    }

    /// Run every case as a trial, then put a shared bucket back.
    pub fn run(self) -> Run {
        let args = self.args.clone().unwrap_or_else(Arguments::from_args);
        let tally = Arc::new(Mutex::new(Vec::new()));
        let (trials, target) = self.trials(&tally);
        let Ok(target) = target else {
            return Run {
                conclusion: libtest_mimic::run(&args, trials),
                verdicts: Vec::new(),
                exit_code: None,
            };
        };
        // On a shared bucket: hold it (across processes), save its CORS
        // configuration once per run, put it back and delete what the
        // tests wrote before letting it go (as `coscors run` does).
        let runs_a_case = !args.list && trials.iter().any(|t| !args.is_filtered_out(t));
        let guard = if target.spec.isolated() || !runs_a_case {
            None
        } else {
            match hold_bucket(&target.spec, &target.shared, self.owned) {
                Ok(g) => Some(g),
                Err(e) => {
                    eprintln!("coscors: {e:#}");
                    return Run {
                        conclusion: Conclusion {
                            num_filtered_out: 0,
                            num_passed: 0,
                            num_failed: 1,
                            num_ignored: 0,
                            num_measured: 0,
                        },
                        verdicts: Vec::new(),
                        exit_code: Some(2),
                    };
                }
            }
        };
        let conclusion = libtest_mimic::run(&args, trials);
        let mut exit_code = None;
        if let Some((rt, control, saved, _lock)) = guard {
            let leftover = rt.block_on(control.cleanup());
            if !leftover.is_empty() {
                eprintln!("coscors: could not delete {leftover:?}");
            }
            match rt.block_on(crate::safety::restore(&control, &saved)) {
                Ok(()) => println!("coscors: the bucket's CORS configuration was restored"),
                Err(e) => {
                    eprintln!("coscors: RESTORE FAILED: {e:#}");
                    exit_code = Some(3);
                }
            }
        }
        let seen = tally
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if !seen.is_empty() {
            println!("{}", summary(&target.spec, target.vendor.as_deref(), &seen));
        }
        Run {
            conclusion,
            verdicts: seen
                .iter()
                .map(|s| (s.id.clone(), s.verdict.word()))
                .collect(),
            exit_code,
        }
    }

    /// The trials, and the target they run against (or why there is none:
    /// then every case's trial fails with that reason, so that no filter
    /// turns the run green on nothing).
    fn trials(&self, tally: &Arc<Mutex<Vec<Seen>>>) -> (Vec<Trial>, Result<Ready>) {
        let mut trials = Vec::new();
        let root = match &self.cases {
            Some(dir) => Ok(dir.clone()),
            None => case::builtin::extracted()
                .map_err(|e| anyhow!("writing out the built-in suite: {e}")),
        };
        let root = match root {
            Ok(r) => r,
            Err(e) => {
                let msg = format!("{e:#}");
                trials.push(Trial::test("cases-present", move || Err(Failed::from(msg))));
                return (trials, Err(e));
            }
        };
        let mut cases = Vec::new();
        let files = case::discover(std::slice::from_ref(&root)).unwrap_or_default();
        if files.is_empty() {
            let msg = format!("no case file found under {}", root.display());
            trials.push(Trial::test("cases-present", move || Err(Failed::from(msg))));
        }
        for path in files {
            match case::load_file(&path) {
                Err(e) => {
                    let msg = e.to_string();
                    let name = format!("load::{}", case::case_id(&path));
                    trials.push(Trial::test(name, move || Err(Failed::from(msg))));
                }
                Ok(file) => cases.extend(file.cases),
            }
        }
        let ready = self.ready(&root);
        match &ready {
            Err(e) => {
                let msg = format!("{e:#}");
                for c in cases {
                    let msg = msg.clone();
                    trials.push(Trial::test(c.id, move || Err(Failed::from(msg))));
                }
            }
            Ok(r) => {
                // Cases of one process that share a bucket run one at a time.
                let lock = Arc::new(Mutex::new(()));
                for c in cases {
                    trials.push(self.trial(r, c, lock.clone(), tally.clone()));
                }
            }
        }
        (trials, ready)
    }

    /// The target, its shared state and its records.
    fn ready(&self, root: &Path) -> Result<Ready> {
        let mut spec = self.resolve_target()?;
        let shared = Shared::new(&spec)?;
        let vendor = match &self.vendor_file {
            Some(path) => {
                // The records come from the file; the spec names no suite file.
                spec.vendor = None;
                let mut records = TargetRecords::load(root, &spec, true)?;
                records.vendor = case::vendor::load_records_file(root, path)?;
                let shown = path.display().to_string();
                return Ok(Ready {
                    spec: Arc::new(spec),
                    shared,
                    records: Arc::new(records),
                    vendor: Some(shown),
                });
            }
            None => spec
                .vendor
                .as_ref()
                .map(|v| case::vendor::vendor_path(root, v).display().to_string()),
        };
        let records = TargetRecords::load(root, &spec, true)?;
        Ok(Ready {
            spec: Arc::new(spec),
            shared,
            records: Arc::new(records),
            vendor,
        })
    }

    fn trial(
        &self,
        r: &Ready,
        c: LoadedCase,
        lock: Arc<Mutex<()>>,
        tally: Arc<Mutex<Vec<Seen>>>,
    ) -> Trial {
        let (spec, shared, records) = (r.spec.clone(), r.shared.clone(), r.records.clone());
        let (strict, verdicts) = (self.strict, self.verdicts.clone());
        Trial::ignorable_test(c.id.clone(), move || {
            let _guard = (!spec.isolated()).then(|| {
                lock.lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
            });
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| Failed::from(format!("tokio runtime: {e}")))?;
            let outcome = rt.block_on(run_case(&spec, &shared, &c, records.for_case(&c.id)));
            if let Some(dir) = &verdicts {
                write_verdict(dir, &spec.name, &c.id, outcome.verdict.word())
                    .map_err(|e| Failed::from(format!("{e:#}")))?;
            }
            tally
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(Seen {
                    id: c.id.clone(),
                    verdict: outcome.verdict.clone(),
                    as_cos: outcome.as_cos == Some(true),
                    as_s3: outcome.as_s3 == Some(true),
                });
            if outcome.verdict.gates(strict) {
                return Err(Failed::from(outcome.report()));
            }
            Ok(match &outcome.verdict {
                Verdict::DivergesAsRecorded(reason) => {
                    Completion::ignored_with(format!("diverges as recorded: {reason}"))
                }
                Verdict::NotRun(reason) => Completion::ignored_with(format!("not run: {reason}")),
                _ => Completion::Completed,
            })
        })
    }
}

/// What a run gave: libtest's counts, and an exit code of the harness's own
/// where the bucket could not be held (2) or put back (3).
#[derive(Debug)]
pub struct Run {
    pub conclusion: Conclusion,
    /// Each case run: its id and its verdict's word (`conforms`,
    /// `diverges as recorded`, `fails`, `not run`, `divergence fixed`), in
    /// the order they ended.
    pub verdicts: Vec<(String, &'static str)>,
    exit_code: Option<u8>,
}

impl Run {
    /// The process's exit code: 0, 101 (a test failed, as libtest), 2 (the
    /// bucket could not be held or saved), 3 (it could not be put back).
    pub fn exit_code(&self) -> i32 {
        match self.exit_code {
            Some(c) => i32::from(c),
            None if self.conclusion.has_failed() => 101,
            None => 0,
        }
    }

    /// Exit with [`Run::exit_code`].
    pub fn exit(&self) -> ! {
        std::process::exit(self.exit_code())
    }
}

/// A target ready to take cases.
struct Ready {
    spec: Arc<TargetSpec>,
    shared: Arc<Shared>,
    records: Arc<TargetRecords>,
    /// Where its vendor records come from, to say so.
    vendor: Option<String>,
}

/// A case's verdict, for the closing line.
struct Seen {
    id: String,
    verdict: Verdict,
    as_cos: bool,
    as_s3: bool,
}

/// `coscors: target T: N conforms, ...; answers as COS in a/b (p%)`, as
/// `coscors run` counts (`runner::Counts`).
fn summary(spec: &TargetSpec, vendor: Option<&str>, seen: &[Seen]) -> String {
    let mut counts = crate::runner::Counts::default();
    for s in seen {
        counts.add(&s.verdict, Some(s.as_cos), Some(s.as_s3));
    }
    format!("coscors: {}", counts.line(&spec.name, spec.profile, vendor))
}

/// `COSCORS_ENDPOINT` and its companions as a target.
fn endpoint_from_env() -> Result<TargetSpec> {
    let var = |v: &str| std::env::var(v).ok().filter(|s| !s.is_empty());
    let url = var("COSCORS_ENDPOINT").context("COSCORS_ENDPOINT is not set")?;
    let profile: Profile = match var("COSCORS_PROFILE") {
        Some(p) => p.parse().map_err(|e| anyhow!("COSCORS_PROFILE={p}: {e}"))?,
        None => Profile::S3,
    };
    let bucket =
        var("COSCORS_BUCKET").unwrap_or_else(|| crate::emulator::DEFAULT_BUCKET.to_string());
    let mut spec = TargetSpec::at(&url, &bucket)?.with_profile(profile);
    if let Some(r) = var("COSCORS_REGION") {
        spec = spec.with_region(&r);
    }
    if let Some(a) = var("COSCORS_ADDRESSING") {
        let addressing: Addressing = serde_norway::from_str(&a)
            .map_err(|_| anyhow!("COSCORS_ADDRESSING={a}: `path` or `virtual-host`"))?;
        spec = spec.with_addressing(addressing);
    }
    let own_key = var("COSCORS_KEY_ID").is_some();
    let signer = match var("COSCORS_SIGNER") {
        Some(s) => serde_norway::from_str(&s)
            .map_err(|_| anyhow!("COSCORS_SIGNER={s}: `none`, `sigv4` or `cos`"))?,
        None if own_key => match profile {
            Profile::Cos => SignerKind::Cos,
            Profile::S3 => SignerKind::Sigv4,
        },
        None => SignerKind::None,
    };
    let env = own_key.then(|| CredentialEnv {
        id: "COSCORS_KEY_ID".into(),
        secret: "COSCORS_SECRET_KEY".into(),
        token: Some("COSCORS_SESSION_TOKEN".into()),
    });
    spec = spec.with_signer(signer, env);
    if let Some(v) = var("COSCORS_VENDOR") {
        spec = spec.with_vendor(&v);
    }
    spec.create_bucket = var("COSCORS_CREATE_BUCKET").as_deref() == Some("1");
    Ok(spec)
}

/// Building a target in code, for [`Harness::target`].
impl TargetSpec {
    /// A server at `url` (`http(s)://host[:port]`), bucket `bucket`:
    /// path-style, unsigned, profile `s3`, no vendor file; named after the
    /// URL. Change what differs with the `with_` methods.
    pub fn at(url: &str, bucket: &str) -> Result<TargetSpec> {
        let endpoint = crate::target::parse_url(url)?;
        let https = matches!(endpoint, Endpoint::Url { https: true, .. });
        let mut spec = TargetSpec::resolve("emulator-s3", None)?;
        spec.name = url.to_string();
        spec.endpoint = endpoint;
        spec.bucket = bucket.to_string();
        spec.region = "us-east-1".into();
        spec.vendor = None;
        spec.retries = if https { 3 } else { 1 };
        Ok(spec)
    }

    /// The name reports and test output give the target.
    pub fn with_name(mut self, name: &str) -> TargetSpec {
        self.name = name.to_string();
        self
    }

    /// Whose documented behaviour applies; the region follows (`ap-beijing`
    /// for `cos`, `us-east-1` for `s3`) unless set after.
    pub fn with_profile(mut self, profile: Profile) -> TargetSpec {
        self.profile = profile;
        self.region = match profile {
            Profile::Cos => crate::emulator::DEFAULT_REGION.into(),
            Profile::S3 => "us-east-1".into(),
        };
        self
    }

    pub fn with_region(mut self, region: &str) -> TargetSpec {
        self.region = region.to_string();
        self
    }

    pub fn with_addressing(mut self, addressing: Addressing) -> TargetSpec {
        self.addressing = addressing;
        self
    }

    /// How requests are signed, and the environment variables holding the
    /// credentials (the signer's usual ones when `None`).
    pub fn with_signer(mut self, signer: SignerKind, env: Option<CredentialEnv>) -> TargetSpec {
        self.signer = signer;
        self.credential_env = env.or_else(|| CredentialEnv::default_for(signer));
        self
    }

    /// A vendor file of the suite (`cases/vendors/<vendor>.yaml`); for your
    /// own file, [`Harness::vendor_file`].
    pub fn with_vendor(mut self, vendor: &str) -> TargetSpec {
        self.vendor = Some(vendor.to_string());
        self
    }
}

type Held = (
    tokio::runtime::Runtime,
    Session,
    crate::safety::Saved,
    BucketLock,
);

/// Take the bucket's lock, then find this run's saved configuration or
/// save it.
fn hold_bucket(spec: &TargetSpec, shared: &Arc<Shared>, owned: bool) -> Result<Held> {
    let lock = BucketLock::acquire(spec)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let dir = bucket_lock::run_dir(spec);
    let (control, saved) = rt.block_on(async {
        let control = Session::open(spec, shared).await?;
        if spec.create_bucket {
            // 409 (it exists) is fine.
            let _ = control.send("PUT", "/", None, &[], Vec::new()).await;
        }
        let saved = match crate::safety::load_saved(&dir)? {
            Some(s) => s,
            None => crate::safety::save(&control, &dir, owned).await?,
        };
        anyhow::Ok((control, saved))
    })?;
    Ok((rt, control, saved, lock))
}

fn write_verdict(dir: &Path, target: &str, id: &str, word: &str) -> Result<()> {
    let path = dir.join(target).join(format!("{id}.verdict"));
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(&path, format!("{word}\n"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_target_built_in_code() {
        let t = TargetSpec::at("http://127.0.0.1:9000", "b")
            .expect("a URL")
            .with_profile(Profile::Cos)
            .with_addressing(Addressing::VirtualHost)
            .with_signer(SignerKind::Sigv4, None);
        assert!(!t.isolated());
        assert_eq!(t.bucket, "b");
        assert_eq!(t.region, "ap-beijing");
        assert_eq!(
            t.credential_env.map(|e| e.id),
            Some("AWS_ACCESS_KEY_ID".to_string())
        );
        assert!(TargetSpec::at("ftp://x", "b").is_err());
    }

    #[test]
    fn the_summary_counts_as_coscors_run() {
        let spec = TargetSpec::resolve("emulator-s3", None).expect("built in");
        let seen = vec![
            Seen {
                id: "a".into(),
                verdict: Verdict::Conforms,
                as_cos: true,
                as_s3: true,
            },
            Seen {
                id: "b".into(),
                verdict: Verdict::DivergesAsRecorded("r".into()),
                as_cos: false,
                as_s3: true,
            },
            Seen {
                id: "c".into(),
                verdict: Verdict::NotRun("r".into()),
                as_cos: false,
                as_s3: false,
            },
        ];
        assert_eq!(
            summary(&spec, Some("v.yaml"), &seen),
            "coscors: target emulator-s3: 1 conforms, 1 diverges as recorded, 0 fails, 1 not run, 0 divergence fixed; answers as COS in 1/3 (33.3%), as the s3 profile in 2/3 (66.7%) [records: v.yaml]"
        );
    }
}
