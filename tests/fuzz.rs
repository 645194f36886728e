//! The differential fuzzer finds the known differences between the `cos`
//! and `s3` profiles over loopback HTTP, shrinks each to at most one rule
//! and one request, and the cases it writes reproduce with `coscors run`
//! against either target.

mod common;

use common::scratch;

fn coscors(args: &[&str]) -> String {
    common::coscors_output(args).1
}

#[test]
fn finds_shrinks_and_reproduces_the_profile_differences() {
    let out = scratch("fuzz");
    let text = coscors(&[
        "fuzz",
        "--a",
        "emulator",
        "--b",
        "emulator-s3",
        "--seed",
        "7",
        "--iterations",
        "1500",
        "--out",
        out.to_str().unwrap_or_default(),
    ]);
    // The documented cos/s3 differences (src/model/profile.rs).
    for sig in [
        "preflight: status 403 vs 400",
        "preflight: error code AccessForbidden vs BadRequest",
        "preflight: Access-Control-Allow-Headers list vs =requested",
        "preflight: Vary absent vs Access-Control-Request-Headers,Access-Control-Request-Method,Origin",
        "setup: error code InvalidArgument vs InvalidRequest",
    ] {
        assert!(text.contains(sig), "{sig:?} not found:\n{text}");
    }
    // Each shrunk to at most one rule and one request.
    for line in text.lines().filter(|l| l.contains("shrunk to")) {
        let rules: usize = line
            .split("shrunk to ")
            .nth(1)
            .and_then(|r| r.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(99);
        let requests: usize = line
            .split(", ")
            .nth(1)
            .and_then(|r| r.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(99);
        if line.contains("Access-Control-Allow-Headers")
            || line.contains("status 403 vs 400")
            || line.contains("setup:")
        {
            assert!(rules <= 1 && requests <= 1, "not shrunk enough: {line}");
        }
    }
    // Every written case reproduces on both targets: the document of that
    // target passes, the other's fails with the difference.
    let mut files = 0;
    for f in std::fs::read_dir(&out).expect("found cases") {
        let path = f.expect("entry").path();
        files += 1;
        for target in ["emulator", "emulator-s3"] {
            let r = coscors(&["run", path.to_str().unwrap_or_default(), "--target", target]);
            assert!(
                r.contains("1 passed, 1 failed"),
                "{} on {target}:\n{r}",
                path.display()
            );
        }
    }
    assert!(files >= 5, "{text}");
}
