//! The COS CORS suite against this store, as `cargo test`'s tests: one per
//! case of the suite built into coscors, held to `vendor.yaml` (what this
//! store does differently from COS, and why).
//!
//! `cargo test --test cors` starts the store in this process;
//! `VENDOR_STORE_BIN=/path/to/coscors cargo test` starts `coscors serve`
//! as a child process instead. libtest's arguments work as usual
//! (`cargo test -- preflight`, `-- --list`); so do the harness's
//! variables (`COSCORS_STRICT=1`, `COSCORS_VERDICTS=DIR`, ...).

use coscors::harness::Harness;
use coscors::model::Profile;
use coscors::target::TargetSpec;
use vendor_store::{Store, BUCKET};

fn main() {
    let code = match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("vendor-store: {e:#}");
            2
        }
    };
    std::process::exit(code);
}

fn run() -> anyhow::Result<i32> {
    let store = match std::env::var("VENDOR_STORE_BIN") {
        Ok(bin) if !bin.is_empty() => Store::spawn(&bin)?,
        _ => Store::start()?,
    };
    let target = TargetSpec::at(store.url(), BUCKET)?
        .with_profile(Profile::S3)
        .with_name("vendor-store");
    let run = Harness::from_env()
        .target(target)
        .vendor_file(concat!(env!("CARGO_MANIFEST_DIR"), "/vendor.yaml"))
        .run();
    // The store stops here (a child is killed), then the process exits.
    drop(store);
    Ok(run.exit_code())
}
