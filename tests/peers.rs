//! The whole suite against the real S3 peers (moto, s3rver, Ceph RGW, Garage,
//! LocalStack), each started here on a loopback port of its own: a run passes
//! only when the peer behaves exactly as its vendor file
//! (`cases/vendors/<peer>.yaml`) records. RGW, Garage and LocalStack are
//! started by their scripts in tests/peers/ from what `.ci/run` installed
//! (the RGW chroot, the Garage binary, the LocalStack venv under
//! /var/cache/coscors); when that is missing, the test fails under
//! `COSCORS_REQUIRE_PEERS=1` and says "skipped" otherwise.

mod common;

use std::path::{Path, PathBuf};
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
            .is_ok_and(|s| s.success())
}

fn s3rver_bin() -> std::path::PathBuf {
    repo().join("tests/peers/node_modules/s3rver/bin/s3rver.js")
}

/// Run the suite against one peer, described by `entry` (the lines of its
/// targets-file entry below `endpoint:`), with `env` set.
fn run_suite(peer: &str, port: u16, entry: &str, env: &[(&str, &str)], dir: &Path) -> String {
    let targets = dir.join("targets.yaml");
    std::fs::write(
        &targets,
        format!("targets:\n  {peer}:\n    endpoint: http://127.0.0.1:{port}\n{entry}"),
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
        env,
    ));
    assert!(ok, "the suite against {peer} failed:\n{text}");
    text
}

/// The entry of an emulator-like peer: any bucket may be created.
fn scratch_peer_entry(peer: &str) -> String {
    format!(
        "    bucket: coscors-{peer}\n    region: us-east-1\n    addressing: path\n    signer: sigv4\n    credentials: {{id: PEER_KEY_ID, secret: PEER_SECRET}}\n    profile: s3\n    vendor: {peer}\n    create_bucket: true\n"
    )
}

const S3RVER_KEYS: &[(&str, &str)] = &[("PEER_KEY_ID", "S3RVER"), ("PEER_SECRET", "S3RVER")];

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
    let text = run_suite(
        "moto",
        port,
        &scratch_peer_entry("moto"),
        S3RVER_KEYS,
        &scratch("moto"),
    );
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
    let text = run_suite(
        "s3rver",
        port,
        &scratch_peer_entry("s3rver"),
        S3RVER_KEYS,
        &dir,
    );
    assert_all_as_recorded("s3rver", &text);
}

/// Where `.ci/run` caches the slow installs (the start scripts' default).
fn cache() -> PathBuf {
    std::env::var_os("COSCORS_CACHE")
        .map_or_else(|| PathBuf::from("/var/cache/coscors"), PathBuf::from)
}

/// A peer started by `tests/peers/start-<peer>.sh` with `env`, its pid file
/// and state under `run_dir`; stopped by the same script (by its pid) on
/// drop.
struct ScriptPeer {
    script: PathBuf,
    env: Vec<(String, String)>,
}

impl ScriptPeer {
    fn start(peer: &str, run_dir: &Path, env: &[(&str, String)]) -> ScriptPeer {
        let script = repo().join(format!("tests/peers/start-{peer}.sh"));
        let mut env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        env.push(("RUN_DIR".into(), run_dir.to_string_lossy().into_owned()));
        let p = ScriptPeer { script, env };
        let (ok, text) = output_text(&mut p.command("start"));
        assert!(ok, "start-{peer}.sh failed:\n{text}");
        p
    }

    fn command(&self, action: &str) -> Command {
        let mut c = Command::new("bash");
        c.arg(&self.script).arg(action);
        for (k, v) in &self.env {
            c.env(k, v);
        }
        c
    }
}

impl Drop for ScriptPeer {
    fn drop(&mut self) {
        let _ = self.command("stop").output();
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

#[test]
fn rgw_behaves_as_recorded() {
    let chroot = cache().join("rgw-18.2.7-trixie/.coscors-ready");
    if !require(
        "Ceph RGW 18.2.7 in its trixie chroot (tests/peers/start-rgw.sh, as root)",
        chroot.exists() && is_root(),
    ) {
        return;
    }
    let (port, dir) = (free_port(), scratch("rgw"));
    let _rgw = ScriptPeer::start("rgw", &dir, &[("RGW_PORT", port.to_string())]);
    let entry = "    bucket: coscors-rgw\n    region: us-east-1\n    addressing: path\n    signer: sigv4\n    credentials: {id: RGW_KEY_ID, secret: RGW_SECRET}\n    profile: s3\n    vendor: rgw\n    create_bucket: true\n";
    let keys = [
        ("RGW_KEY_ID", "AKIATESTRGW000000001"),
        ("RGW_SECRET", "rgwsecretrgwsecretrgwsecretrgwsecret0001"),
    ];
    let text = run_suite("rgw", port, entry, &keys, &dir);
    assert_all_as_recorded("rgw", &text);
}

#[test]
fn garage_behaves_as_recorded() {
    let binary = cache().join("garage-2.5.0/bin/garage");
    if !require(
        "Garage 2.5.0 (cargo install garage@2.5.0; tests/peers/start-garage.sh build)",
        binary.exists(),
    ) {
        return;
    }
    let (port, dir) = (free_port(), scratch("garage"));
    // A released port may come back: the RPC port must differ from the S3 one.
    let rpc = (0..100)
        .map(|_| free_port())
        .find(|p| *p != port)
        .expect("a second free port");
    let _garage = ScriptPeer::start(
        "garage",
        &dir,
        &[
            ("GARAGE_PORT", port.to_string()),
            ("GARAGE_RPC_PORT", rpc.to_string()),
            ("GARAGE_BUCKETS", "coscors-garage".to_string()),
        ],
    );
    // Buckets come from the script (a global alias); no create_bucket.
    let entry = "    bucket: coscors-garage\n    region: garage\n    addressing: path\n    signer: sigv4\n    credentials: {id: GARAGE_KEY_ID, secret: GARAGE_SECRET}\n    profile: s3\n    vendor: garage\n";
    let keys = [
        ("GARAGE_KEY_ID", "GK0123456789abcdef01234567"),
        (
            "GARAGE_SECRET",
            "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        ),
    ];
    let text = run_suite("garage", port, entry, &keys, &dir);
    assert_all_as_recorded("garage", &text);
}

#[test]
fn localstack_behaves_as_recorded() {
    let installed = std::fs::read_dir(cache()).is_ok_and(|d| {
        d.flatten().any(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("localstack-2026.3.0-py3.")
                && e.path().join(".coscors-ready").exists()
        })
    });
    if !require(
        "LocalStack 2026.3.0 in its venv (tests/peers/start-localstack.sh)",
        installed,
    ) {
        return;
    }
    let (port, dir) = (free_port(), scratch("localstack"));
    let _localstack =
        ScriptPeer::start("localstack", &dir, &[("LOCALSTACK_PORT", port.to_string())]);
    let entry = "    bucket: coscors-localstack\n    region: us-east-1\n    addressing: path\n    signer: sigv4\n    credentials: {id: LOCALSTACK_KEY_ID, secret: LOCALSTACK_SECRET}\n    profile: s3\n    vendor: localstack\n    create_bucket: true\n";
    let keys = [("LOCALSTACK_KEY_ID", "test"), ("LOCALSTACK_SECRET", "test")];
    let text = run_suite("localstack", port, entry, &keys, &dir);
    assert_all_as_recorded("localstack", &text);
}
