//! Every case under `cases/` as a test (libtest-mimic), named after its id,
//! so that `cargo test preflight` and `cargo nextest run` filter and list
//! them. The target is the embedded emulator unless `COSCORS_TARGET` names
//! another (the targets file from `COSCORS_TARGETS`).
//!
//! A test passes unless its case *fails* (answers neither as COS nor as the
//! vendor file records), as `coscors run` counts. On a target where cases
//! share a bucket, every process (nextest runs one per test) holds the
//! bucket's cross-process lock while it talks to it; the bucket's
//! configuration is saved once per run (the first process of a nextest run
//! saves it, the others find it) and put back by each process before it
//! lets the lock go. `COSCORS_VERDICTS=DIR` writes each case's verdict to
//! `DIR/<target>/<case id>.verdict`, to compare with `coscors run`.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use coscors::bucket_lock::{self, BucketLock};
use coscors::case;
use coscors::runner::{run_case, TargetRecords};
use coscors::target::{Shared, TargetSpec};
use libtest_mimic::{Arguments, Failed, Trial};

fn main() {
    let args = Arguments::from_args();
    let target = std::env::var("COSCORS_TARGET").unwrap_or_else(|_| "emulator".to_string());
    let strict = std::env::var("COSCORS_STRICT").as_deref() == Ok("1");
    let verdicts = std::env::var_os("COSCORS_VERDICTS").map(PathBuf::from);
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("cases");
    let mut trials = Vec::new();
    let spec = match TargetSpec::resolve(&target, None) {
        Ok(s) => Arc::new(s),
        Err(e) => {
            let msg = format!("{e:#}");
            trials.push(Trial::test("target", move || Err(Failed::from(msg))));
            libtest_mimic::run(&args, trials).exit();
        }
    };
    let shared = match Shared::new(&spec) {
        Ok(s) => s,
        Err(e) => {
            let msg = format!("{e:#}");
            trials.push(Trial::test("target", move || Err(Failed::from(msg))));
            libtest_mimic::run(&args, trials).exit();
        }
    };
    let records = Arc::new(match TargetRecords::load(&root, &spec, true) {
        Ok(r) => r,
        Err(e) => {
            let msg = e.to_string();
            trials.push(Trial::test("vendor-file", move || Err(Failed::from(msg))));
            TargetRecords::default()
        }
    });
    // Cases of one process that share a bucket run one at a time.
    let lock = Arc::new(Mutex::new(()));
    let files = case::discover(std::slice::from_ref(&root)).unwrap_or_default();
    if files.is_empty() {
        trials.push(Trial::test("cases-present", || {
            Err(Failed::from("no case file found under cases/"))
        }));
    }
    for path in files {
        match case::load_file(&path) {
            Err(e) => {
                let msg = e.to_string();
                let name = format!("load::{}", path.display());
                trials.push(Trial::test(name, move || Err(Failed::from(msg))));
            }
            Ok(file) => {
                for c in file.cases {
                    let (spec, shared, lock, records, verdicts) = (
                        spec.clone(),
                        shared.clone(),
                        lock.clone(),
                        records.clone(),
                        verdicts.clone(),
                    );
                    let id = c.id.clone();
                    trials.push(Trial::test(id, move || {
                        let _guard = (!spec.isolated()).then(|| {
                            lock.lock()
                                .unwrap_or_else(std::sync::PoisonError::into_inner)
                        });
                        let rt = tokio::runtime::Builder::new_current_thread()
                            .enable_all()
                            .build()
                            .map_err(|e| Failed::from(format!("tokio runtime: {e}")))?;
                        let outcome =
                            rt.block_on(run_case(&spec, &shared, &c, records.for_case(&c.id)));
                        if let Some(dir) = &verdicts {
                            write_verdict(dir, &spec.name, &c.id, outcome.verdict.word())
                                .map_err(|e| Failed::from(format!("{e:#}")))?;
                        }
                        if outcome.verdict.gates(strict) {
                            Err(Failed::from(outcome.report()))
                        } else {
                            Ok(())
                        }
                    }));
                }
            }
        }
    }
    // On a shared bucket: hold it (across processes), save its CORS
    // configuration once per run, put it back and delete what the tests
    // wrote before letting it go (as `coscors run` does).
    let runs_a_case = !args.list && !trials.is_empty();
    let guard = if spec.isolated() || !runs_a_case {
        None
    } else {
        match hold_bucket(&spec, &shared) {
            Ok(g) => Some(g),
            Err(e) => {
                eprintln!("coscors: {e:#}");
                std::process::exit(2);
            }
        }
    };
    let conclusion = libtest_mimic::run(&args, trials);
    if let Some((rt, control, saved, _lock)) = guard {
        let leftover = rt.block_on(control.cleanup());
        if !leftover.is_empty() {
            eprintln!("coscors: could not delete {leftover:?}");
        }
        if let Err(e) = rt.block_on(coscors::safety::restore(&control, &saved)) {
            eprintln!("coscors: RESTORE FAILED: {e:#}");
            std::process::exit(3);
        }
    }
    conclusion.exit();
}

type Held = (
    tokio::runtime::Runtime,
    coscors::target::Session,
    coscors::safety::Saved,
    BucketLock,
);

/// Take the bucket's lock, then find this run's saved configuration or
/// save it.
fn hold_bucket(spec: &TargetSpec, shared: &Arc<Shared>) -> anyhow::Result<Held> {
    let lock = BucketLock::acquire(spec)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let dir = bucket_lock::run_dir(spec);
    let (control, saved) = rt.block_on(async {
        let control = coscors::target::Session::open(spec, shared).await?;
        if spec.create_bucket {
            // 409 (it exists) is fine.
            let _ = control.send("PUT", "/", None, &[], Vec::new()).await;
        }
        let saved = if let Some(s) = coscors::safety::load_saved(&dir)? {
            s
        } else {
            let owned = std::env::var("COSCORS_I_OWN_THIS_BUCKET").as_deref() == Ok("1");
            coscors::safety::save(&control, &dir, owned).await?
        };
        anyhow::Ok((control, saved))
    })?;
    Ok((rt, control, saved, lock))
}

fn write_verdict(dir: &std::path::Path, target: &str, id: &str, word: &str) -> anyhow::Result<()> {
    let path = dir.join(target).join(format!("{id}.verdict"));
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(&path, format!("{word}\n"))?;
    Ok(())
}
