//! The official COS SDKs (cos-python-sdk-v5, cos-nodejs-sdk-v5) and boto3
//! against `coscors serve` with signature checking on: every call
//! completes with the right key and fails with the documented error
//! (403 SignatureDoesNotMatch) with a wrong one.

mod common;

use std::process::Command;

use common::{python_has, repo, require, serve_with};

const ID: &str = "AKIDcoscorsClientTest00000000000000";
const KEY: &str = "client-test-secret-key-0123456789";

fn run_client(program: &str, script: &str, port: u16, key: &str, expect: &str) -> String {
    let out = Command::new(program)
        .arg(repo().join("tests/sdk").join(script))
        .env("COSCORS_PORT", port.to_string())
        .env("COSCORS_SECRET_ID", ID)
        .env("COSCORS_SECRET_KEY", key)
        .env("COSCORS_EXPECT", expect)
        .output()
        .unwrap_or_else(|e| panic!("running {program} {script}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{script} ({expect}) failed:\n{text}");
    text
}

fn check(program: &str, script: &str, profile: &str, bucket: &str, calls: &[&str]) {
    let served = serve_with(
        &[
            "--profile",
            profile,
            "--bucket",
            bucket,
            "--secret-id",
            ID,
            "--secret-key",
            KEY,
        ],
        &[],
    );
    let port = served.addr.port();
    let ok = run_client(program, script, port, KEY, "ok");
    for call in calls {
        assert!(ok.contains(&format!("{call}: ok")), "{call} missing:\n{ok}");
    }
    let denied = run_client(program, script, port, "not-the-key", "denied");
    assert!(
        denied.contains("denied: 403 SignatureDoesNotMatch"),
        "{denied}"
    );
}

#[test]
fn cos_python_sdk_v5() {
    if !require("cos-python-sdk-v5 (PyPI)", python_has("qcloud_cos")) {
        return;
    }
    check(
        "python3",
        "cos_python.py",
        "cos",
        "examplebucket-1250000000",
        &[
            "put_bucket_cors",
            "get_bucket_cors",
            "delete_bucket_cors",
            "put_object",
            "get_object",
        ],
    );
}

#[test]
fn cos_nodejs_sdk_v5() {
    let installed = repo()
        .join("tests/peers/node_modules/cos-nodejs-sdk-v5/package.json")
        .exists()
        && Command::new("node").arg("--version").output().is_ok();
    if !require("cos-nodejs-sdk-v5 (npm, in tests/peers)", installed) {
        return;
    }
    check(
        "node",
        "cos_node.js",
        "cos",
        "examplebucket-1250000000",
        &[
            "putBucketCors",
            "getBucketCors",
            "deleteBucketCors",
            "putObject",
            "getObject",
        ],
    );
}

#[test]
fn boto3_against_the_s3_profile() {
    if !require("boto3 (PyPI)", python_has("boto3")) {
        return;
    }
    check(
        "python3",
        "boto3_s3.py",
        "s3",
        "coscors-boto3",
        &[
            "put_bucket_cors",
            "get_bucket_cors",
            "delete_bucket_cors",
            "put_object",
            "get_object",
        ],
    );
}
