//! `coscors::harness` as another crate's test calls it: against a served
//! store (a shared bucket: its CORS configuration saved and put back),
//! with a vendor file of its own outside the suite; a vendor file that
//! does not hold fails the trials.

mod common;

use coscors::harness::Harness;
use coscors::model::Profile;
use coscors::target::TargetSpec;
use libtest_mimic::Arguments;

const BUCKET: &str = "examplebucket-1250000000";
const SAVED: &str = "<CORSConfiguration><CORSRule><AllowedOrigin>https://saved.example</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>";

/// libtest's arguments for a run of the cases matching `filter`, its
/// output into `log` (not this test's stdout, where a run expected to fail
/// would print `test result: FAILED`).
fn args(filter: &str, log: &std::path::Path) -> Arguments {
    let log = log.to_string_lossy().into_owned();
    Arguments::from_iter([
        "harness",
        "--test-threads",
        "2",
        "--logfile",
        log.as_str(),
        filter,
    ])
}

fn vendor_file(name: &str, text: &str) -> std::path::PathBuf {
    let path = common::scratch(name).join("vendor.yaml");
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).expect("scratch folder");
    }
    std::fs::write(&path, text).expect("write the vendor file");
    path
}

#[tokio::test(flavor = "multi_thread")]
async fn a_served_store_with_its_own_vendor_file_and_its_bucket_put_back() {
    let served = common::serve("s3");
    let put = common::request(served.addr, "PUT", "/?cors", &[], SAVED).await;
    assert_eq!(put.status, 200, "{}", put.body);
    let own = vendor_file(
        "harness-own",
        "vendor: mystore\nobserved: coscors serve --profile s3\nbase: s3\ndivergences:\n  preflight/seed-exchange-2-get-object-range:\n    reason: mystore's own entry\n    skip: true\n",
    );
    let log = own.with_file_name("libtest.log");
    let url = format!("http://{}", served.addr);
    let target = TargetSpec::at(&url, BUCKET)
        .expect("a URL")
        .with_profile(Profile::S3)
        .with_name("mystore");
    let arguments = args("preflight/seed-exchange-", &log);
    let run = tokio::task::spawn_blocking(move || {
        Harness::new()
            .target(target)
            .vendor_file(own)
            .args(arguments)
            .run()
    })
    .await
    .expect("the harness ran");
    let c = &run.conclusion;
    assert_eq!(run.exit_code(), 0, "{c:?}");
    assert_eq!(c.num_failed, 0, "{c:?}");
    // The four seed exchanges diverge as s3.yaml records (ignored, with
    // the reason); the file's own entry (`skip:` over s3.yaml's record of
    // the same case) makes one of them not run (ignored too).
    assert_eq!(c.num_ignored, 4, "{c:?}");
    assert_eq!(c.num_passed, 0, "{c:?}");
    let mut verdicts = run.verdicts.clone();
    verdicts.sort();
    assert_eq!(
        verdicts,
        vec![
            (
                "preflight/seed-exchange-1-put-object".to_string(),
                "diverges as recorded"
            ),
            (
                "preflight/seed-exchange-2-get-object-range".to_string(),
                "not run"
            ),
            (
                "preflight/seed-exchange-3-put-bucket-lifecycle".to_string(),
                "diverges as recorded"
            ),
            (
                "preflight/seed-exchange-4-refused".to_string(),
                "diverges as recorded"
            ),
        ]
    );
    let shown = std::fs::read_to_string(&log).expect("libtest's log");
    // The reason is shown: the file's own, over s3.yaml's.
    assert!(
        shown.lines().any(
            |l| l.starts_with("test preflight/seed-exchange-2-get-object-range ")
                && l.contains("... ignored (not run: mystore's own entry (over: AWS S3")
        ),
        "{shown}"
    );
    assert!(
        shown.contains("ignored (diverges as recorded: AWS S3"),
        "{shown}"
    );
    // What the bucket held before is there again.
    let get = common::request(served.addr, "GET", "/?cors", &[], "").await;
    assert_eq!(get.status, 200, "{}", get.body);
    assert!(get.body.contains("https://saved.example"), "{}", get.body);
}

#[test]
fn a_vendor_file_that_does_not_hold_fails_and_one_that_does_not_load_fails_every_trial() {
    // Without `base: s3`, the s3 profile's divergences are no longer
    // recorded: those cases fail.
    let bare = vendor_file(
        "harness-bare",
        "vendor: bare\nobserved: nothing recorded\ndivergences: {}\n",
    );
    let log = bare.with_file_name("libtest.log");
    let run = Harness::new()
        .target_name("emulator-s3", None)
        .vendor_file(bare)
        .args(args("preflight/missing-origin", &log))
        .run();
    assert_eq!(run.conclusion.num_failed, 1, "{:?}", run.conclusion);
    assert_eq!(run.exit_code(), 101);
    // A typo in a case id: the file does not load, and every selected
    // trial says so (no filter turns the run green on nothing).
    let typo = vendor_file(
        "harness-typo",
        "vendor: typo\nobserved: x\nbase: s3\ndivergences:\n  preflight/origin-nul:\n    reason: typo\n",
    );
    let log = typo.with_file_name("libtest.log");
    let run = Harness::new()
        .target_name("emulator-s3", None)
        .vendor_file(typo)
        .args(args("preflight/seed-exchange-", &log))
        .run();
    assert_eq!(run.conclusion.num_failed, 4, "{:?}", run.conclusion);
    assert_eq!(run.conclusion.num_passed, 0, "{:?}", run.conclusion);
    let shown = std::fs::read_to_string(&log).expect("libtest's log");
    assert!(
        shown.contains("did you mean preflight/origin-null?"),
        "{shown}"
    );
}
