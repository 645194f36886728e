//! Every case under `cases/` as a test (libtest-mimic), named after its id,
//! so that `cargo test preflight` and `cargo nextest run` filter and list
//! them: [`coscors::harness`] on this checkout's `cases/` folder, the
//! target from the environment (`COSCORS_TARGET`, the targets file from
//! `COSCORS_TARGETS`; the module documents the others).
//!
//! A test passes unless its case *fails* (answers neither as COS nor as the
//! vendor file records), as `coscors run` counts; a recorded divergence is
//! `ignored`, with the record's reason. On a target where cases share a
//! bucket, every process (nextest runs one per test) holds the bucket's
//! cross-process lock while it talks to it; the bucket's configuration is
//! saved once per run (the first process of a nextest run saves it, the
//! others find it) and put back by each process before it lets the lock
//! go. `COSCORS_VERDICTS=DIR` writes each case's verdict to
//! `DIR/<target>/<case id>.verdict`, to compare with `coscors run`.

fn main() {
    coscors::harness::Harness::from_env()
        .cases(concat!(env!("CARGO_MANIFEST_DIR"), "/cases"))
        .run()
        .exit()
}
