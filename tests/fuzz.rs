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
    // The documented cos/s3 differences (crates/coscors-model/src/model/profile.rs).
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
    assert!(
        peers >= 5,
        "the finds of moto, s3rver, rgw, garage or localstack are missing"
    );
    for vendor in ["moto", "s3rver", "s3", "rgw", "garage", "localstack"] {
        for (id, d) in coscors::case::load_vendor(&root, vendor).expect("vendor file") {
            assert!(
                !d.reason.starts_with("UNTRIAGED"),
                "cases/vendors/{vendor}.yaml: {id} is untriaged"
            );
        }
    }
}

/// A stand-in for a peer that breaks: every bucket answers its first 15
/// requests 200 (204 to DELETE, 404 to GET ?cors: no configuration) and
/// every later one 500, as s3rver does once it has stored a configuration
/// it cannot read.
fn breaking_server() -> u16 {
    use std::collections::HashMap;
    use std::io::{BufRead as _, BufReader, Read as _, Write as _};
    use std::sync::{Arc, Mutex};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let counts: Arc<Mutex<HashMap<String, u32>>> = Arc::default();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let counts = counts.clone();
            std::thread::spawn(move || {
                let mut write = stream.try_clone().expect("clone");
                let mut read = BufReader::new(stream);
                loop {
                    let mut line = String::new();
                    if read.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let mut parts = line.split_whitespace();
                    let method = parts.next().unwrap_or_default().to_string();
                    let target = parts.next().unwrap_or_default().to_string();
                    let mut length = 0usize;
                    loop {
                        let mut h = String::new();
                        if read.read_line(&mut h).unwrap_or(0) == 0 {
                            return;
                        }
                        if h.trim().is_empty() {
                            break;
                        }
                        if let Some((k, v)) = h.split_once(':') {
                            if k.eq_ignore_ascii_case("content-length") {
                                length = v.trim().parse().unwrap_or(0);
                            }
                        }
                    }
                    let mut body = vec![0; length];
                    if read.read_exact(&mut body).is_err() {
                        return;
                    }
                    let bucket = target
                        .trim_start_matches('/')
                        .split(['/', '?'])
                        .next()
                        .unwrap_or_default()
                        .to_string();
                    let n = {
                        let mut c = counts.lock().expect("lock");
                        let n = c.entry(bucket).or_default();
                        *n += 1;
                        *n
                    };
                    let status = match (n > 15, method.as_str()) {
                        (true, _) => "500 Internal Server Error",
                        (false, "DELETE") => "204 No Content",
                        (false, "GET") if target.ends_with("?cors") => "404 Not Found",
                        _ => "200 OK",
                    };
                    let reply = format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\n\r\n");
                    if write.write_all(reply.as_bytes()).is_err() {
                        return;
                    }
                }
            });
        }
    });
    port
}

/// When an input leaves a target broken (its reset answers 5xx), the
/// campaign writes the input that did it, moves to a fresh bucket when the
/// target may create one, goes on, and says so.
#[test]
fn a_broken_target_is_named_and_left_for_a_fresh_bucket() {
    let port = breaking_server();
    let dir = scratch("fuzz-broken");
    let targets = dir.join("targets.yaml");
    std::fs::write(
        &targets,
        format!(
            "targets:\n  breaks:\n    endpoint: http://127.0.0.1:{port}\n    bucket: fragile\n    addressing: path\n    signer: none\n    profile: s3\n    create_bucket: true\n"
        ),
    )
    .expect("targets file");
    let out = dir.join("found");
    let text = coscors(&[
        "fuzz",
        "--targets",
        targets.to_str().unwrap_or_default(),
        "--a",
        "emulator-s3",
        "--b",
        "breaks",
        "--iterations",
        "12",
        // One worker, one input in flight: its bucket is the one named
        // (several would work in fragile-w0, fragile-w1, ..., or
        // fragile-w0-c0, ...: see below).
        "--jobs",
        "1",
        "--connections",
        "1",
        "--shrink-budget",
        "0",
        "--out",
        out.to_str().unwrap_or_default(),
    ]);
    assert!(
        text.contains("breaks answers its reset (DELETE ?cors) with a 5xx; the campaign went on in a fresh bucket, fragile-1"),
        "{text}"
    );
    assert!(text.contains("fragile-2"), "moved only once:\n{text}");
    assert!(out.join("wedged-breaks.yaml").is_file(), "{text}");
    assert!(out.join("wedged-breaks-2.yaml").is_file(), "{text}");
}

/// With several workers, each works in a bucket of its own on an HTTP
/// target (`<bucket>-w<k>`), and moves on to fresh ones of its own.
#[test]
fn workers_have_buckets_of_their_own() {
    let port = breaking_server();
    let dir = scratch("fuzz-workers");
    let targets = dir.join("targets.yaml");
    std::fs::write(
        &targets,
        format!(
            "targets:\n  breaks:\n    endpoint: http://127.0.0.1:{port}\n    bucket: fragile\n    addressing: path\n    signer: none\n    profile: s3\n    create_bucket: true\n"
        ),
    )
    .expect("targets file");
    let out = dir.join("found");
    let text = coscors(&[
        "fuzz",
        "--targets",
        targets.to_str().unwrap_or_default(),
        "--a",
        "emulator-s3",
        "--b",
        "breaks",
        "--iterations",
        "12",
        "--jobs",
        "2",
        "--connections",
        "1",
        "--shrink-budget",
        "0",
        "--out",
        out.to_str().unwrap_or_default(),
    ]);
    for w in ["w0", "w1"] {
        assert!(
            text.contains(&format!("went on in a fresh bucket, fragile-{w}-1")),
            "{w}:\n{text}"
        );
        assert!(
            out.join(format!("wedged-breaks-{w}.yaml")).is_file(),
            "{text}"
        );
    }
    assert!(text.contains("2 workers: w0 "), "{text}");
    // Several inputs in flight (the default against a server that creates
    // buckets): a bucket for each, `<bucket>-w<k>-c<j>`.
    let lanes = dir.join("lanes");
    let text = coscors(&[
        "fuzz",
        "--targets",
        targets.to_str().unwrap_or_default(),
        "--a",
        "emulator-s3",
        "--b",
        "breaks",
        "--iterations",
        "12",
        "--jobs",
        "1",
        "--connections",
        "2",
        "--shrink-budget",
        "0",
        "--out",
        lanes.to_str().unwrap_or_default(),
    ]);
    for c in ["w0-c0", "w0-c1"] {
        assert!(
            text.contains(&format!("went on in a fresh bucket, fragile-{c}-1")),
            "{c}:\n{text}"
        );
        assert!(
            lanes.join(format!("wedged-breaks-{c}.yaml")).is_file(),
            "{text}"
        );
    }
    assert!(text.contains("2 inputs in flight per worker"), "{text}");
    // A target that cannot create buckets cannot have workers.
    std::fs::write(
        &targets,
        format!(
            "targets:\n  shared:\n    endpoint: http://127.0.0.1:{port}\n    bucket: theirs\n    addressing: path\n    signer: none\n    profile: s3\n"
        ),
    )
    .expect("targets file");
    let (ok, text) = common::coscors_output(&[
        "fuzz",
        "--targets",
        targets.to_str().unwrap_or_default(),
        "--a",
        "emulator-s3",
        "--b",
        "shared",
        "--iterations",
        "1",
        "--jobs",
        "2",
        "--out",
        out.to_str().unwrap_or_default(),
    ]);
    assert!(!ok && text.contains("cannot create buckets"), "{text}");
}
