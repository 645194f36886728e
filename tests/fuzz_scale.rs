//! Fuzzing at scale: `--jobs` is deterministic for a seed and a number of
//! workers (and `--jobs 1` is the one-thread loop's stream), `--shard`
//! splits the seed's inputs so that merged shards find what one run over
//! all of them finds, and `--corpus` keeps inputs that reach new model
//! features and resumes from them.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use common::scratch;
use coscors::fuzz::{campaign, FuzzOptions, FuzzReport, ScaleOptions};

fn options(out: &Path, seed: u64, iterations: u64, scale: ScaleOptions) -> FuzzOptions {
    FuzzOptions {
        a: "model".into(),
        b: "model-s3".into(),
        targets_file: None,
        seed,
        time: None,
        iterations: Some(iterations),
        out: out.to_path_buf(),
        shrink_budget: 100,
        date: "2026-12-01".into(),
        state_dir: out.join("state"),
        owned: false,
        scale,
    }
}

fn run(opts: &FuzzOptions) -> FuzzReport {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(campaign(opts, |_| {})).expect("campaign")
}

/// Signature → (count, first iteration).
fn classes(r: &FuzzReport) -> BTreeMap<String, (u64, u64)> {
    r.found
        .iter()
        .map(|(s, f)| (s.0.clone(), (f.count, f.first_iteration)))
        .collect()
}

/// File name → text of every find in a folder.
fn files(dir: &Path) -> BTreeMap<String, String> {
    std::fs::read_dir(dir)
        .expect("finds folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .map(|p| {
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned());
            (
                name.unwrap_or_default(),
                std::fs::read_to_string(&p).expect("find"),
            )
        })
        .collect()
}

fn signatures_in(dir: &Path) -> BTreeSet<String> {
    files(dir)
        .values()
        .filter_map(|t| {
            t.lines()
                .next()?
                .strip_prefix("# coscors fuzz: ")
                .map(str::to_string)
        })
        .collect()
}

#[test]
fn same_seed_and_jobs_same_inputs_and_finds() {
    let n = 2400;
    let scale = |jobs| ScaleOptions {
        jobs: Some(jobs),
        record_streams: true,
        ..ScaleOptions::default()
    };
    let (d1, d2, d0) = (scratch("jobs2-a"), scratch("jobs2-b"), scratch("jobs1"));
    let first = run(&options(&d1, 5, n, scale(2)));
    let second = run(&options(&d2, 5, n, scale(2)));
    assert_eq!(first.jobs, 2);
    assert_eq!(first.workers.len(), 2);
    // The same stream per worker, run after run: worker w takes the seed's
    // iterations w, w + 2, w + 4, ...
    for (w, (a, b)) in first.workers.iter().zip(&second.workers).enumerate() {
        assert_eq!(a.iterations, b.iterations, "worker {w}");
        let want: Vec<u64> = (0..n).filter(|i| i % 2 == w as u64).collect();
        assert_eq!(a.iterations, want, "worker {w}");
        assert_eq!(a.execs, n / 2, "worker {w}");
    }
    // The same classes, counts and first iterations, and the same files.
    assert!(first.found.len() >= 10, "{}", first.found.len());
    assert_eq!(classes(&first), classes(&second));
    assert_eq!(files(&d1), files(&d2));
    // One worker: the one-thread loop's stream (0, 1, 2, ...), and over the
    // same inputs the same classes, counts and first iterations.
    let one = run(&options(&d0, 5, n, scale(1)));
    assert_eq!(one.workers.len(), 1);
    assert_eq!(one.workers[0].iterations, (0..n).collect::<Vec<_>>());
    assert_eq!(classes(&one), classes(&first));
    assert_eq!(files(&d0), files(&d1));
}

/// Over HTTP a worker keeps several inputs in flight (`connections`), each
/// lane with emulators of its own and its own iterations: the same seed,
/// `--jobs` and `--connections` give the same inputs and finds, and over
/// the same inputs the finds of one connection and one worker.
#[test]
fn same_seed_jobs_and_connections_same_finds() {
    let n = 240;
    let http = |out: &Path, jobs, connections, server_threads| FuzzOptions {
        a: "emulator".into(),
        b: "emulator-s3".into(),
        shrink_budget: 20,
        ..options(
            out,
            7,
            n,
            ScaleOptions {
                jobs: Some(jobs),
                connections: Some(connections),
                server_threads,
                record_streams: true,
                ..ScaleOptions::default()
            },
        )
    };
    let d = ["c3-a", "c3-b", "c2-j2", "c1"].map(scratch);
    let first = run(&http(&d[0], 1, 3, false));
    let second = run(&http(&d[1], 1, 3, false));
    assert_eq!((first.jobs, first.connections), (1, 3));
    // Lane j takes the seed's iterations j, j + 3, j + 6, ...; the
    // worker's list is its lanes' one after the other.
    let want: Vec<u64> = (0..3u64)
        .flat_map(|j| (0..n).filter(move |i| i % 3 == j))
        .collect();
    assert_eq!(first.workers[0].iterations, want);
    assert_eq!(second.workers[0].iterations, want);
    assert_eq!(first.workers[0].execs, n);
    assert!(first.found.len() >= 5, "{}", first.found.len());
    assert_eq!(classes(&first), classes(&second));
    assert_eq!(files(&d[0]), files(&d[1]));
    // Two workers of two lanes each (their emulators on server threads of
    // their own), and one of one: the same inputs, the same classes,
    // counts, first iterations and files.
    let four = run(&http(&d[2], 2, 2, true));
    assert_eq!(four.workers.len(), 2);
    assert_eq!(
        four.workers.iter().map(|w| w.execs).sum::<u64>(),
        n,
        "every iteration once"
    );
    let one = run(&http(&d[3], 1, 1, false));
    assert_eq!(one.workers[0].iterations, (0..n).collect::<Vec<_>>());
    for other in [&four, &one] {
        assert_eq!(classes(other), classes(&first));
    }
    assert_eq!(files(&d[2]), files(&d[0]));
    assert_eq!(files(&d[3]), files(&d[0]));
}

/// `--connections` is for HTTP targets: in process there is no connection,
/// and a target that cannot create buckets cannot give each lane one.
#[test]
fn connections_need_a_target_with_connections() {
    let d = scratch("conn-refused");
    let mut o = options(
        &d,
        1,
        1,
        ScaleOptions {
            connections: Some(2),
            ..ScaleOptions::default()
        },
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let e = rt
        .block_on(campaign(&o, |_| {}))
        .expect_err("in process, two connections");
    assert!(format!("{e:#}").contains("with no connection"), "{e:#}");
    // Left out: one lane in process, and with embedded emulators on the
    // worker's thread; four with their own server threads.
    o.scale.connections = None;
    assert_eq!(
        rt.block_on(campaign(&o, |_| {}))
            .expect("model")
            .connections,
        1
    );
    o.a = "emulator".into();
    o.b = "emulator-s3".into();
    assert_eq!(
        rt.block_on(campaign(&o, |_| {})).expect("http").connections,
        1
    );
    o.scale.server_threads = true;
    assert_eq!(
        rt.block_on(campaign(&o, |_| {})).expect("http").connections,
        4
    );
}

#[test]
fn merged_shards_find_what_one_run_over_their_inputs_finds() {
    let n = 1500;
    let base = scratch("shards");
    let dir = |name: &str| base.join(name);
    let mut reports = Vec::new();
    for k in 1..=2u64 {
        let scale = ScaleOptions {
            jobs: Some(2),
            shard: format!("{k}/2").parse().expect("shard"),
            record_streams: true,
            ..ScaleOptions::default()
        };
        let r = run(&options(&dir(&format!("shard{k}")), 11, n, scale));
        // Shard k runs the seed's iterations i with i % 2 == k - 1.
        let mut ran: Vec<u64> = r
            .workers
            .iter()
            .flat_map(|w| w.iterations.clone())
            .collect();
        ran.sort_unstable();
        assert_eq!(
            ran,
            (0..2 * n).filter(|i| i % 2 == k - 1).collect::<Vec<_>>()
        );
        reports.push(r);
    }
    let whole = run(&options(
        &dir("whole"),
        11,
        2 * n,
        ScaleOptions {
            jobs: Some(2),
            ..ScaleOptions::default()
        },
    ));
    // Each shard's finds name their shard.
    for (k, text) in files(&dir("shard2")) {
        assert!(
            text.contains("shard=2/2") && text.contains("--shard 2/2"),
            "{k}"
        );
    }
    let merged = dir("merged");
    let text = common::coscors_output(&[
        "found",
        "merge",
        dir("shard1").to_str().unwrap_or_default(),
        dir("shard2").to_str().unwrap_or_default(),
        "--out",
        merged.to_str().unwrap_or_default(),
    ])
    .1;
    let by_shards: BTreeSet<String> = reports
        .iter()
        .flat_map(|r| r.found.keys().map(|s| s.0.clone()))
        .collect();
    let by_whole: BTreeSet<String> = whole.found.keys().map(|s| s.0.clone()).collect();
    assert!(by_whole.len() >= 10, "{}", by_whole.len());
    assert_eq!(signatures_in(&merged), by_whole, "{text}");
    assert_eq!(by_shards, by_whole);
    assert_eq!(
        files(&merged).len(),
        by_whole.len(),
        "one file per signature"
    );
    // Counts add up across shards to the whole run's.
    for (sig, f) in &whole.found {
        let sum: u64 = reports
            .iter()
            .filter_map(|r| r.found.get(sig))
            .map(|f| f.count)
            .sum();
        assert_eq!(sum, f.count, "{}", sig.0);
    }
    // Each merged file is the smallest of its signature's files.
    for text in files(&merged).values() {
        assert!(text.contains("# provenance: seed=11 "), "{text}");
    }
}

#[test]
fn a_corpus_grows_and_a_campaign_resumes_from_it() {
    let n = 4000;
    let corpus: PathBuf = scratch("corpus").join("corpus");
    let scale = |corpus: Option<PathBuf>| ScaleOptions {
        jobs: Some(1),
        corpus,
        coverage: true,
        ..ScaleOptions::default()
    };
    let without = run(&options(&scratch("nocorpus"), 3, n, scale(None)));
    let with = run(&options(
        &scratch("withcorpus"),
        3,
        n,
        scale(Some(corpus.clone())),
    ));
    assert!(without.features > 50, "{}", without.features);
    assert!(
        with.features >= without.features,
        "with a corpus {} features, without {}",
        with.features,
        without.features
    );
    let kept = with.workers[0].kept;
    let on_disk = std::fs::read_dir(&corpus).expect("corpus folder").count();
    assert!(kept > 10, "{kept}");
    assert_eq!(on_disk, kept);
    // Resuming replays every entry: with no further inputs, it reaches
    // every feature the first campaign did (each was first reached by an
    // input the corpus kept).
    let resumed = run(&options(
        &scratch("resumed"),
        3,
        0,
        scale(Some(corpus.clone())),
    ));
    assert_eq!(resumed.corpus_loaded, kept);
    assert_eq!(resumed.workers[0].replayed, kept);
    assert_eq!(resumed.features, with.features);
    // And a corpus is for in-process targets only.
    let mut http = options(&scratch("http"), 1, 1, scale(Some(corpus)));
    http.a = "emulator".into();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    assert!(rt.block_on(campaign(&http, |_| {})).is_err());
}
