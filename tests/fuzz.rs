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

/// One found class's triage (cases/found/triage.yaml).
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Triage {
    verdict: String,
    cause: String,
    covered_by: Vec<String>,
    /// For `verdict: model`: the document that says how COS behaves.
    #[serde(default)]
    source: Option<String>,
}

/// Every class a peer campaign found is triaged: the peer's behaviour is
/// recorded as a divergence on a suite case (or the model was fixed, with a
/// source), and no vendor entry is left with a placeholder reason.
#[test]
fn every_found_class_is_triaged() {
    use std::collections::BTreeMap;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("cases");
    let text = std::fs::read_to_string(root.join("found/triage.yaml")).expect("triage.yaml");
    let triage: BTreeMap<String, BTreeMap<String, Triage>> =
        serde_norway::from_str(&text).expect("triage.yaml parses");
    let mut peers = 0;
    for entry in std::fs::read_dir(root.join("found")).expect("cases/found") {
        let dir = entry.expect("entry").path();
        if !dir.is_dir() {
            continue;
        }
        peers += 1;
        let peer = dir.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let classes = triage
            .get(peer)
            .unwrap_or_else(|| panic!("no triage for the {peer} finds"));
        let divergences = coscors::case::load_vendor(&root, peer).expect("vendor file");
        let mut files = Vec::new();
        for f in std::fs::read_dir(&dir).expect("found dir") {
            let path = f.expect("entry").path();
            if path.extension().is_some_and(|e| e == "yaml") {
                let stem = path
                    .file_stem()
                    .and_then(|s| s.to_str())
                    .unwrap_or_default();
                files.push(stem.to_string());
            }
        }
        files.sort();
        let triaged: Vec<String> = classes.keys().cloned().collect();
        assert_eq!(
            files, triaged,
            "{peer}: found files and triage entries differ"
        );
        for (class, t) in classes {
            assert!(!t.cause.trim().is_empty(), "{peer}/{class}: no cause");
            assert!(
                !t.covered_by.is_empty(),
                "{peer}/{class}: covered by no case"
            );
            for id in &t.covered_by {
                assert!(
                    root.join(format!("{id}.yaml")).is_file(),
                    "{peer}/{class}: no suite case {id}"
                );
            }
            match t.verdict.as_str() {
                "peer" => {
                    for id in &t.covered_by {
                        assert!(
                            divergences.contains_key(id),
                            "{peer}/{class}: cases/vendors/{peer}.yaml records nothing for {id}"
                        );
                    }
                }
                "model" => assert!(
                    t.source.as_deref().is_some_and(|s| s.starts_with("http")),
                    "{peer}/{class}: a model fix needs a source"
                ),
                other => panic!("{peer}/{class}: verdict {other:?} is neither peer nor model"),
            }
        }
    }
    assert!(peers >= 2, "the moto and s3rver finds are missing");
    for vendor in ["moto", "s3rver", "s3"] {
        for (id, d) in coscors::case::load_vendor(&root, vendor).expect("vendor file") {
            assert!(
                !d.reason.starts_with("UNTRIAGED"),
                "cases/vendors/{vendor}.yaml: {id} is untriaged"
            );
        }
    }
}
