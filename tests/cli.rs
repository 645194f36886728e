//! The `run` command line as a user meets it: exit codes (0, 1, 2, 4),
//! case ids as arguments, filters (substring, glob, regex, exclude),
//! `--list`, `--format json`, `--fail-fast`, and an unrelated malformed
//! file not failing a filtered run.

mod common;

use common::{coscors_command, scratch};

/// (exit code, stdout, stderr)
fn run(args: &[&str]) -> (i32, String, String) {
    let out = coscors_command(args, &[]).output().expect("coscors runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn nothing_matched_exits_4() {
    let (code, _, err) = run(&["run", "--filter", "no-case-has-this-id"]);
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("no case matched"), "{err}");
    let (code, _, _) = run(&["run", "--list", "--regex", "^nothing$"]);
    assert_eq!(code, 4);
}

#[test]
fn a_case_id_runs_that_case_and_a_typo_is_a_usage_error() {
    let (code, out, err) = run(&["run", "preflight/origin-null"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("conforms"), "{out}");
    assert!(out.contains("preflight/origin-null"), "{out}");
    assert!(out.ends_with("1 passed, 0 failed, 0 skipped\n"), "{out}");
    let (code, _, err) = run(&["run", "preflight/orign-nul"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("did you mean preflight/origin-null"), "{err}");
}

#[test]
fn filters_glob_regex_and_exclude_select_ids() {
    let ids = |args: &[&str]| -> Vec<String> {
        let mut a = vec!["run", "--list"];
        a.extend_from_slice(args);
        let (code, out, err) = run(&a);
        assert_eq!(code, 0, "{err}");
        out.lines()
            .map(|l| l.split_whitespace().next().unwrap_or_default().to_string())
            .collect()
    };
    let seeds = ids(&["--filter", "preflight/seed-exchange-*"]);
    assert_eq!(seeds.len(), 4, "{seeds:?}");
    assert!(seeds
        .iter()
        .all(|i| i.starts_with("preflight/seed-exchange-")));
    let re = ids(&["--regex", "^preflight/seed-exchange-[12]-"]);
    assert_eq!(re.len(), 2, "{re:?}");
    let ex = ids(&[
        "--filter",
        "preflight/seed-exchange-*",
        "--exclude",
        "refused",
    ]);
    assert_eq!(ex.len(), 3, "{ex:?}");
    assert!(!ex.iter().any(|i| i.contains("refused")));
}

#[test]
fn list_and_results_as_json_lines() {
    let (code, out, _) = run(&["run", "--list", "--format", "json", "--filter", "actual/"]);
    assert_eq!(code, 0);
    for line in out.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
        assert!(v["id"].as_str().is_some_and(|i| i.starts_with("actual/")));
        assert!(
            ["settled", "supported", "inferred"].contains(&v["evidence"].as_str().unwrap_or(""))
        );
        assert!(v["source"].as_array().is_some_and(|s| !s.is_empty()));
    }
    let (code, out, err) = run(&["run", "--format", "json", "--filter", "actual/"]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("stdout holds only JSON lines"))
        .collect();
    let (summary, cases) = lines.split_last().expect("some lines");
    assert!(cases.iter().all(|c| c["verdict"] == "conforms"));
    assert_eq!(summary["summary"]["passed"], cases.len());
    assert_eq!(summary["summary"]["failed"], 0);
    assert!(
        err.contains("passed, 0 failed"),
        "the human account goes to stderr: {err}"
    );
}

fn write_case(dir: &std::path::Path, name: &str, status: u16) -> std::path::PathBuf {
    let p = dir.join(format!("{name}.yaml"));
    std::fs::write(
        &p,
        format!(
            "name: {name}\ndescription: d\nsource: seed:003_026eb4affb8874a1.txt\nevidence: inferred\nsteps:\n  - request: {{method: GET, path: /}}\n    expect: {{status: {status}}}\n"
        ),
    )
    .expect("write");
    p
}

#[test]
fn failures_exit_1_fail_fast_stops_and_load_errors_exit_2() {
    let dir = scratch("cli-cases");
    write_case(&dir, "a-fails", 599);
    write_case(&dir, "b-fails", 598);
    write_case(&dir, "c-passes", 200);
    let d = dir.to_str().unwrap_or_default();
    let (code, out, _) = run(&["run", d, "--jobs", "1"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.ends_with("1 passed, 2 failed, 0 skipped\n"), "{out}");
    let (code, out, _) = run(&["run", d, "--jobs", "1", "--fail-fast"]);
    assert_eq!(code, 1, "{out}");
    let ran = out.lines().filter(|l| l.contains(" [ ")).count();
    assert!(ran < 3, "--fail-fast stops after the first failure:\n{out}");
    // A malformed file: exit 2 when the run takes it...
    std::fs::write(dir.join("z-broken.yaml"), "name: [\n").expect("write");
    let (code, _, err) = run(&["run", d]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("z-broken.yaml:"), "{err}");
    // ...but a filtered run that cannot take it is not failed by it.
    let (code, out, err) = run(&["run", d, "--filter", "c-passes"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(err.contains("not selected, so not counted"), "{err}");
}

#[test]
fn in_a_pipe_the_lines_are_plain_and_no_progress_bar_is_drawn() {
    let cmd = |env: &[(&str, &str)]| {
        let out = coscors_command(&["run", "--filter", "preflight/seed-exchange-*"], env)
            .env_remove("NO_COLOR")
            .env_remove("CLICOLOR_FORCE")
            .envs(env.iter().copied())
            .output()
            .expect("coscors runs");
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (out, err) = cmd(&[]);
    let lines: Vec<&str> = out.lines().filter(|l| l.contains("conforms [")).collect();
    assert_eq!(lines.len(), 4, "a line per case: {out}");
    assert!(
        !out.contains('\x1b') && !out.contains('\r'),
        "plain: {out:?}"
    );
    // No bar: nothing redrawn on stderr, no position counter.
    assert!(!err.contains('\r') && !err.contains('\x1b'), "{err:?}");
    assert!(!err.contains("/4"), "{err:?}");
    // Colour forced on: coloured lines, still no bar (stderr is no terminal).
    let (out, err) = cmd(&[("CLICOLOR_FORCE", "1")]);
    assert!(out.contains("\x1b[32m"), "coloured: {out:?}");
    let case_lines = out
        .lines()
        .filter(|l| l.contains(" ms] emulator preflight/"));
    assert_eq!(case_lines.count(), 4, "{out}");
    assert!(!err.contains('\r') && !err.contains("/4"), "{err:?}");
}

#[test]
fn a_targets_file_with_three_problems_shows_all_three_and_exits_2() {
    let dir = scratch("targets-problems");
    let file = dir.join("targets.yaml");
    std::fs::write(
        &file,
        "targets:
  a:
    endpoint: ftp://example.com
    bucket: b
    addressing: path
    signer: none
    profile: s3
  b:
    endpoint: http://127.0.0.1:1
    bucket: b
    addressing: sideways
    signer: none
    profile: s3
  c:
    endpoint: http://127.0.0.1:1
    bucket: b
    addressing: path
    signer: none
    profile: s3
    max_rps: fast
",
    )
    .expect("write");
    let path = file.to_string_lossy().into_owned();
    let (code, _, err) = run(&["run", "--targets", &path, "--target", "a"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("targets.yaml: 3 problems"), "{err}");
    for (line, what) in [
        (3, "must start with http://"),
        (11, "unknown variant `sideways`"),
        (20, "invalid type"),
    ] {
        assert!(
            err.contains(&format!("targets.yaml:{line}:")),
            "line {line}: {err}"
        );
        assert!(err.contains(what), "{what}: {err}");
    }
    assert!(err.contains("11 |     addressing: sideways"), "{err}");
}
