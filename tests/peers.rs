//! The whole suite against the real S3 peers moto and s3rver, each started
//! here on a loopback port: a run passes only when the peer behaves exactly
//! as its vendor file (`cases/vendors/<peer>.yaml`) records.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};

use common::{
    coscors_command, free_port, output_text, python_has, repo, require, scratch, wait_for_port,
    Daemon,
};

fn moto_available() -> bool {
    python_has("moto.server")
        && Command::new("moto_server")
            .arg("--help")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
}

fn s3rver_bin() -> std::path::PathBuf {
    repo().join("tests/peers/node_modules/s3rver/bin/s3rver.js")
}

fn run_suite(peer: &str, port: u16, dir: &Path) -> String {
    let targets = dir.join("targets.yaml");
    std::fs::write(
        &targets,
        format!(
            "targets:\n  {peer}:\n    endpoint: http://127.0.0.1:{port}\n    bucket: coscors-{peer}\n    region: us-east-1\n    addressing: path\n    signer: sigv4\n    credentials: {{id: PEER_KEY_ID, secret: PEER_SECRET}}\n    profile: s3\n    vendor: {peer}\n    create_bucket: true\n"
        ),
    )
    .expect("targets file");
    let (targets, out) = (targets.to_string_lossy(), dir.join("run"));
    let (ok, text) = output_text(&mut coscors_command(
        &[
            "run",
            "--targets",
            &targets,
            "--target",
            peer,
            "--out",
            &out.to_string_lossy(),
        ],
        &[("PEER_KEY_ID", "S3RVER"), ("PEER_SECRET", "S3RVER")],
    ));
    assert!(ok, "the suite against {peer} failed:\n{text}");
    text
}

fn assert_all_as_recorded(peer: &str, text: &str) {
    let last = text.lines().last().unwrap_or_default();
    let counts: Vec<usize> = last
        .split(", ")
        .filter_map(|part| part.split_whitespace().next()?.parse().ok())
        .collect();
    let [passed, failed, _skipped] = counts[..] else {
        panic!("no closing line from the run against {peer}:\n{text}")
    };
    assert_eq!(failed, 0, "{text}");
    assert!(passed >= 80, "{text}");
    let summary = text
        .lines()
        .find(|l| l.starts_with(&format!("target {peer}: ")))
        .unwrap_or_else(|| panic!("no verdict counts for {peer}:\n{text}"));
    let known = summary
        .split(", ")
        .find_map(|p| p.strip_suffix(" diverges as recorded"))
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or_else(|| panic!("no diverges-as-recorded count:\n{text}"));
    assert!(known > 0, "{peer} shows no divergence at all? {text}");
    assert!(text.contains("restored"), "{text}");
}

#[test]
fn moto_behaves_as_recorded() {
    if !require("moto[server] (PyPI)", moto_available()) {
        return;
    }
    let port = free_port();
    let _moto = Daemon(
        Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server starts"),
    );
    wait_for_port(port, "moto_server");
    let text = run_suite("moto", port, &scratch("moto"));
    assert_all_as_recorded("moto", &text);
}

#[test]
fn s3rver_behaves_as_recorded() {
    let installed = s3rver_bin().exists() && Command::new("node").arg("--version").output().is_ok();
    if !require("s3rver (npm, in tests/peers)", installed) {
        return;
    }
    let port = free_port();
    let dir = scratch("s3rver");
    let data = dir.join("data");
    std::fs::create_dir_all(&data).expect("data folder");
    let _s3rver = Daemon(
        Command::new("node")
            .arg(s3rver_bin())
            .arg("-d")
            .arg(&data)
            .args(["-a", "127.0.0.1", "-p", &port.to_string(), "--silent"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("s3rver starts"),
    );
    wait_for_port(port, "s3rver");
    let text = run_suite("s3rver", port, &dir);
    assert_all_as_recorded("s3rver", &text);
}
