//! Real-endpoint behaviour proven on `coscors serve`: a run on a shared
//! bucket restores its CORS configuration (also when interrupted) and
//! deletes what it wrote; signed runs work and leak no secret; the emulator
//! checks COS and SigV4 signatures.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::{coscors_command, output_text, request, scratch, serve, serve_with};
use coscors::model::xml;
use coscors::sign::{self, Credentials};

const ORIGINAL: &str = "<CORSConfiguration><CORSRule><ID>keep-me</ID><AllowedOrigin>https://owner.example</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedHeader>x-owner</AllowedHeader><MaxAgeSeconds>77</MaxAgeSeconds></CORSRule><ResponseVary>true</ResponseVary></CORSConfiguration>";

fn targets_file(dir: &Path, addr: std::net::SocketAddr, extra: &str) -> std::path::PathBuf {
    let path = dir.join("targets.yaml");
    std::fs::write(
        &path,
        format!(
            "targets:\n  served:\n    endpoint: http://{addr}\n    bucket: examplebucket-1250000000\n    region: ap-beijing\n    addressing: virtual-host\n    profile: cos\n{extra}"
        ),
    )
    .expect("write targets file");
    path
}

async fn current_config(addr: std::net::SocketAddr) -> coscors::model::CorsConfiguration {
    let r = request(addr, "GET", "/?cors", &[], "").await;
    assert_eq!(r.status, 200, "{}", r.body);
    xml::parse(r.body.as_bytes()).expect("a configuration")
}

async fn object_count(addr: std::net::SocketAddr) -> usize {
    let r = request(addr, "GET", "/", &[], "").await;
    assert_eq!(r.status, 200);
    r.body.matches("<Key>").count()
}

/// `coscors serve`, its bucket holding the owner's configuration
/// (`ORIGINAL`), and that configuration as read back.
async fn served_with_owners_configuration() -> (common::Served, coscors::model::CorsConfiguration) {
    let served = serve("cos");
    assert_eq!(
        request(
            served.addr,
            "PUT",
            "/?cors",
            &[(
                "Content-MD5",
                &coscors::model::content_md5_of(ORIGINAL.as_bytes())
            )],
            ORIGINAL
        )
        .await
        .status,
        200
    );
    let before = current_config(served.addr).await;
    (served, before)
}

#[tokio::test]
async fn interrupted_run_restores_the_configuration() {
    let (served, before) = served_with_owners_configuration().await;
    let addr = served.addr;
    let dir = scratch("interrupted");
    // 25 requests/s: the whole suite would take about 15 s.
    let targets = targets_file(&dir, addr, "    signer: none\n    max_rps: 25\n");
    let out = dir.join("run");
    let child = coscors_command(
        &[
            "run",
            "--targets",
            targets.to_str().unwrap_or_default(),
            "--target",
            "served",
            "--out",
            out.to_str().unwrap_or_default(),
        ],
        &[],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .expect("coscors run starts");
    tokio::time::sleep(Duration::from_millis(2500)).await;
    // Mid-run, the configuration is the suite's, not the owner's.
    assert_ne!(current_config_or_none(addr).await, Some(before.clone()));
    let pid = child.id().to_string();
    let killed = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    assert!(killed.success());
    let output = child.wait_with_output().expect("coscors run ends");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(130), "{stdout}");
    assert!(stdout.contains("interrupted after"), "{stdout}");
    assert!(stdout.contains("restored"), "{stdout}");
    assert_eq!(current_config(addr).await, before);
    assert_eq!(object_count(addr).await, 0, "objects left behind");
    let saved = std::fs::read(out.join("saved-cors.xml")).expect("saved copy");
    assert_eq!(xml::parse(&saved).expect("saved parses"), before);
}

async fn current_config_or_none(
    addr: std::net::SocketAddr,
) -> Option<coscors::model::CorsConfiguration> {
    let r = request(addr, "GET", "/?cors", &[], "").await;
    (r.status == 200)
        .then(|| xml::parse(r.body.as_bytes()).ok())
        .flatten()
}

#[tokio::test]
async fn completed_run_restores_no_configuration_and_deletes_objects() {
    let served = serve("cos");
    let addr = served.addr;
    let dir = scratch("completed");
    let targets = targets_file(&dir, addr, "    signer: none\n");
    let (ok, all) = output_text(&mut coscors_command(
        &[
            "run",
            "--targets",
            targets.to_str().unwrap_or_default(),
            "--target",
            "served",
            "--out",
            dir.join("run").to_str().unwrap_or_default(),
            "cases/actual",
            "cases/objects",
            "cases/preflight/seed-exchange-4-refused.yaml",
        ],
        &[],
    ));
    assert!(ok, "{all}");
    // Every case of those folders, and the one file.
    let cases = coscors::case::discover(&[
        common::repo().join("cases/actual"),
        common::repo().join("cases/objects"),
    ])
    .expect("cases/ can be read")
    .len()
        + 1;
    assert!(all.contains(&format!("{cases} passed, 0 failed")), "{all}");
    // It had none before the run: none after.
    assert_eq!(request(addr, "GET", "/?cors", &[], "").await.status, 404);
    assert_eq!(object_count(addr).await, 0);
    assert!(dir.join("run/saved-cors.none").exists());
}

/// A fuzz campaign against a shared bucket puts its configuration back
/// and deletes the object it wrote.
#[tokio::test]
async fn fuzz_campaign_restores_the_configuration() {
    let (served, before) = served_with_owners_configuration().await;
    let addr = served.addr;
    let dir = scratch("fuzz-restores");
    let targets = targets_file(&dir, addr, "    signer: none\n");
    let (ok, all) = output_text(&mut coscors_command(
        &[
            "fuzz",
            "--targets",
            targets.to_str().unwrap_or_default(),
            "--a",
            "emulator",
            "--b",
            "served",
            "--iterations",
            "40",
            "--out",
            dir.join("found").to_str().unwrap_or_default(),
        ],
        &[],
    ));
    assert!(ok, "{all}");
    assert!(all.contains("40 execs"), "{all}");
    assert_eq!(current_config(addr).await, before);
    assert_eq!(object_count(addr).await, 0, "objects left behind");
}

const SECRET_ID: &str = "AKIDcoscorsTEST0000000000000000000000";
const SECRET_KEY: &str = "Zm9vYmFyLXNlY3JldC1rZXktZm9yLXRlc3Rz";
const TOKEN: &str = "session-token-that-must-not-leak-1234567890";

#[tokio::test]
async fn signed_run_passes_and_leaks_no_secret() {
    let served = serve_with(
        &["--profile", "cos", "--bucket", "examplebucket-1250000000"],
        &[
            ("COSCORS_EMULATOR_SECRET_ID", SECRET_ID),
            ("COSCORS_EMULATOR_SECRET_KEY", SECRET_KEY),
            ("COSCORS_EMULATOR_SESSION_TOKEN", TOKEN),
        ],
    );
    let addr = served.addr;
    let dir = scratch("signed");
    let targets = targets_file(
        &dir,
        addr,
        "    signer: cos\n    credentials: {id: T_ID, secret: T_KEY, token: T_TOKEN}\n",
    );
    // A case that fails on purpose, so that a diff is printed too.
    let failing = dir.join("failing.yaml");
    std::fs::write(
        &failing,
        "name: fails on purpose\ndescription: d\nsource: seed:003_026eb4affb8874a1.txt\nevidence: settled\nsteps:\n  - request: {method: PUT, path: /x, body: hi, headers: {Origin: https://a.example}}\n    expect: {status: 418, headers: {Authorization: shown?}}\n",
    )
    .expect("write case");
    let env = [
        ("T_ID", SECRET_ID),
        ("T_KEY", SECRET_KEY),
        ("T_TOKEN", TOKEN),
    ];
    let (ok, all) = output_text(&mut coscors_command(
        &[
            "run",
            "--targets",
            targets.to_str().unwrap_or_default(),
            "--target",
            "served",
            "--out",
            dir.join("run").to_str().unwrap_or_default(),
            "cases",
            failing.to_str().unwrap_or_default(),
        ],
        &env,
    ));
    assert!(!ok, "a failing case makes the run fail");
    let expected = format!("{} passed, 1 failed", common::suite_case_count());
    assert!(all.contains(&expected), "{all}");
    // Every output: stdout, stderr, and the files the run wrote.
    let mut outputs = vec![all.clone()];
    for f in std::fs::read_dir(dir.join("run")).expect("run folder") {
        let p = f.expect("entry").path();
        outputs.push(String::from_utf8_lossy(&std::fs::read(&p).expect("read")).into_owned());
    }
    for o in &outputs {
        for secret in [
            SECRET_KEY,
            TOKEN,
            "q-signature",
            "Signature=",
            "q-sign-algorithm",
        ] {
            assert!(!o.contains(secret), "{secret:?} leaked into output:\n{o}");
        }
    }
    // A wrong key: refused with COS's documented error, still no secret shown.
    let (ok, all) = output_text(&mut coscors_command(
        &[
            "run",
            "--targets",
            targets.to_str().unwrap_or_default(),
            "--target",
            "served",
            "--out",
            dir.join("run2").to_str().unwrap_or_default(),
            "cases/preflight/seed-exchange-1-put-object.yaml",
        ],
        &[
            ("T_ID", SECRET_ID),
            ("T_KEY", "wrong-key"),
            ("T_TOKEN", TOKEN),
        ],
    ));
    assert!(!ok);
    assert!(
        all.contains("403") && all.contains("SignatureDoesNotMatch"),
        "{all}"
    );
    assert!(
        !all.contains(SECRET_KEY) && !all.contains("wrong-key") && !all.contains(TOKEN),
        "{all}"
    );
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn cos_auth(
    creds: &Credentials,
    method: &str,
    path: &str,
    params: &[(String, String)],
    key_time: &str,
) -> String {
    let headers = vec![("Host".to_string(), common::HOST.to_string())];
    let s = sign::cos::sign(&creds.secret, key_time, method, path, params, &headers);
    sign::cos::authorization(creds, &s)
}

#[tokio::test]
async fn emulator_checks_signatures() {
    let served = serve_with(
        &[
            "--profile",
            "cos",
            "--bucket",
            "examplebucket-1250000000",
            "--secret-id",
            SECRET_ID,
            "--secret-key",
            SECRET_KEY,
        ],
        &[],
    );
    let addr = served.addr;
    let creds = Credentials {
        id: SECRET_ID.into(),
        secret: SECRET_KEY.into(),
        token: None,
    };
    let cors = vec![("cors".to_string(), String::new())];
    let t = now();
    let valid = format!("{};{}", t - 10, t + 600);

    // Anonymous: a private bucket refuses it.
    let r = request(addr, "GET", "/?cors", &[], "").await;
    assert_eq!(r.status, 403);
    assert!(r.body.contains("<Code>AccessDenied</Code>"), "{}", r.body);
    // Signed: accepted (404: no configuration yet).
    let auth = cos_auth(&creds, "GET", "/", &cors, &valid);
    let r = request(addr, "GET", "/?cors", &[("Authorization", &auth)], "").await;
    assert_eq!(r.status, 404, "{}", r.body);
    assert!(r.body.contains("NoSuchCORSConfiguration"));
    // Wrong key.
    let wrong = Credentials {
        secret: "nope".into(),
        ..creds.clone()
    };
    let auth = cos_auth(&wrong, "GET", "/", &cors, &valid);
    let r = request(addr, "GET", "/?cors", &[("Authorization", &auth)], "").await;
    assert_eq!(r.status, 403);
    assert!(
        r.body.contains("<Code>SignatureDoesNotMatch</Code>"),
        "{}",
        r.body
    );
    // Signed for another path or parameter set.
    let auth = cos_auth(&creds, "GET", "/other", &cors, &valid);
    let r = request(addr, "GET", "/?cors", &[("Authorization", &auth)], "").await;
    assert!(
        r.body.contains("<Code>SignatureDoesNotMatch</Code>"),
        "{}",
        r.body
    );
    // Expired.
    let auth = cos_auth(
        &creds,
        "GET",
        "/",
        &cors,
        &format!("{};{}", t - 7200, t - 3600),
    );
    let r = request(addr, "GET", "/?cors", &[("Authorization", &auth)], "").await;
    assert_eq!(r.status, 403);
    assert!(
        r.body.contains("<Code>AccessDenied</Code>") && r.body.contains("expired"),
        "{}",
        r.body
    );
    // Unknown SecretId.
    let other = Credentials {
        id: "AKIDother".into(),
        ..creds.clone()
    };
    let auth = cos_auth(&other, "GET", "/", &cors, &valid);
    let r = request(addr, "GET", "/?cors", &[("Authorization", &auth)], "").await;
    assert!(
        r.body.contains("<Code>InvalidAccessKeyId</Code>"),
        "{}",
        r.body
    );
    // A preflight needs no signature.
    let r = request(
        addr,
        "OPTIONS",
        "/x",
        &[
            ("Origin", "https://a.example"),
            ("Access-Control-Request-Method", "GET"),
        ],
        "",
    )
    .await;
    assert_eq!(r.status, 403);
    assert!(
        r.body.contains("<Code>AccessForbidden</Code>"),
        "{}",
        r.body
    );

    // SigV4: good, then skewed by an hour.
    for (offset, want) in [
        (0i64, "NoSuchCORSConfiguration"),
        (3600, "RequestTimeTooSkewed"),
    ] {
        let when = (t as i64 - offset) as u64;
        let amz_date = sign::sigv4::format_amz_date(when);
        let headers = vec![
            ("host".to_string(), common::HOST.to_string()),
            (
                "x-amz-content-sha256".to_string(),
                sign::sigv4::EMPTY_SHA256.to_string(),
            ),
            ("x-amz-date".to_string(), amz_date.clone()),
        ];
        let s = sign::sigv4::sign(
            SECRET_KEY,
            &amz_date,
            "ap-beijing",
            "GET",
            "/",
            &cors,
            &headers,
            sign::sigv4::EMPTY_SHA256,
        );
        let auth = sign::sigv4::authorization(&creds, &s);
        let r = request(
            addr,
            "GET",
            "/?cors",
            &[
                ("Authorization", &auth),
                ("x-amz-date", &amz_date),
                ("x-amz-content-sha256", sign::sigv4::EMPTY_SHA256),
            ],
            "",
        )
        .await;
        assert!(r.body.contains(want), "offset {offset}: {}", r.body);
    }
}
