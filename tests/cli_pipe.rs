//! A closed stdout (`coscors run --list | head -1`): coscors stops quietly,
//! exit 0 and nothing on stderr, both where it writes with `writeln!` and
//! an error comes back (`run --list`, `man`) and where it prints with
//! `println!`, which panics on EPIPE (`schema`).

mod common;

use std::process::Stdio;

use common::coscors_command;

/// Run coscors with stdout a pipe whose reading end is already closed:
/// every write gets EPIPE. (exit code, stderr)
fn into_closed_pipe(args: &[&str]) -> (Option<i32>, String) {
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    let out = coscors_command(args, &[])
        .stdout(Stdio::from(writer))
        .stderr(Stdio::piped())
        .output()
        .expect("coscors runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_closed_stdout_ends_quietly() {
    for args in [&["run", "--list"][..], &["man"], &["schema"]] {
        let (code, err) = into_closed_pipe(args);
        assert_eq!(code, Some(0), "{args:?}: {err}");
        assert!(err.is_empty(), "{args:?} printed on stderr: {err}");
    }
}

/// The same commands with an open stdout write what they always did (the
/// quiet exit is for EPIPE only).
#[test]
fn an_open_stdout_gets_the_output() {
    for args in [&["run", "--list"][..], &["man"], &["schema"]] {
        let out = coscors_command(args, &[]).output().expect("coscors runs");
        assert!(out.status.success(), "{args:?}");
        assert!(
            out.stdout.len() > 100,
            "{args:?}: {} bytes",
            out.stdout.len()
        );
    }
}
