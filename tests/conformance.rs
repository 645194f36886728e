//! Every case under `cases/` as a test (libtest-mimic), named after its id,
//! so that `cargo test preflight` and `cargo nextest run` filter and list
//! them. The target is the embedded emulator unless `COSCORS_TARGET` names
//! another; a target where cases share a bucket runs them one at a time.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use coscors::case;
use coscors::runner::run_case;
use coscors::target::{Shared, TargetSpec};
use libtest_mimic::{Arguments, Failed, Trial};

fn main() {
    let args = Arguments::from_args();
    let target = std::env::var("COSCORS_TARGET").unwrap_or_else(|_| "emulator".to_string());
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
    let divergences = Arc::new(match &spec.vendor {
        Some(v) => match coscors::case::load_vendor(&root, v) {
            Ok(d) => d,
            Err(e) => {
                let msg = e.to_string();
                trials.push(Trial::test("vendor-file", move || Err(Failed::from(msg))));
                Default::default()
            }
        },
        None => Default::default(),
    });
    // One lock for targets where cases share a bucket.
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
                    let (spec, shared, lock, div) = (
                        spec.clone(),
                        shared.clone(),
                        lock.clone(),
                        divergences.clone(),
                    );
                    let id = c.id.clone();
                    trials.push(Trial::test(id, move || {
                        let _guard = (!spec.isolated())
                            .then(|| lock.lock().unwrap_or_else(|p| p.into_inner()));
                        let rt = tokio::runtime::Builder::new_current_thread()
                            .enable_all()
                            .build()
                            .map_err(|e| Failed::from(format!("tokio runtime: {e}")))?;
                        let outcome = rt.block_on(run_case(&spec, &shared, &c, div.get(&c.id)));
                        if outcome.verdict.ok() {
                            Ok(())
                        } else {
                            Err(Failed::from(outcome.report()))
                        }
                    }));
                }
            }
        }
    }
    // On a shared bucket: save its CORS configuration first, put it back and
    // delete what the tests wrote afterwards (as `coscors run` does).
    let guard = if spec.isolated() || args.list {
        None
    } else {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("tokio runtime");
        let saved = rt.block_on(async {
            let control = coscors::target::Session::open(&spec, &shared).await?;
            let out = coscors::suite::default_out_dir();
            let owned = std::env::var("COSCORS_I_OWN_THIS_BUCKET").as_deref() == Ok("1");
            let saved = coscors::safety::save(&control, &out, owned).await?;
            anyhow::Ok((control, saved))
        });
        match saved {
            Ok(s) => Some((rt, s)),
            Err(e) => {
                eprintln!("coscors: {e:#}");
                std::process::exit(2);
            }
        }
    };
    let conclusion = libtest_mimic::run(&args, trials);
    if let Some((rt, (control, saved))) = guard {
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
