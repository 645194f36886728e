//! Helpers shared by the integration tests: `coscors serve` as a child
//! process, raw HTTP, scratch folders.

#![allow(dead_code)]

use std::io::{BufRead as _, BufReader};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

pub const HOST: &str = "examplebucket-1250000000.cos.ap-beijing.myqcloud.com";

/// `coscors serve` as a child process, killed on drop.
pub struct Served {
    pub child: Child,
    pub addr: SocketAddr,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Start `coscors serve` with extra arguments and environment.
pub fn serve_with(args: &[&str], env: &[(&str, &str)]) -> Served {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_coscors"));
    cmd.args(["serve", "--listen", "127.0.0.1:0"]).args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd
        .stdout(Stdio::piped())
        .spawn()
        .expect("coscors serve starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("first line");
    let url = line
        .trim()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("first line is {line:?}"));
    Served {
        addr: url.parse().expect("IP:PORT"),
        child,
    }
}

pub fn serve(profile: &str) -> Served {
    serve_with(
        &["--profile", profile, "--bucket", "examplebucket-1250000000"],
        &[],
    )
}

/// Send raw bytes, read until the server closes.
pub async fn raw(addr: SocketAddr, bytes: &[u8]) -> Vec<u8> {
    let mut s = TcpStream::connect(addr).await.expect("connect");
    s.write_all(bytes).await.expect("write");
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut out))
        .await
        .expect("answer within 10 s")
        .expect("read");
    out
}

pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

pub fn parse(bytes: &[u8]) -> Resp {
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut r = httparse::Response::new(&mut headers);
    let n = match r.parse(bytes).expect("well-formed response") {
        httparse::Status::Complete(n) => n,
        httparse::Status::Partial => {
            panic!("partial response: {:?}", String::from_utf8_lossy(bytes))
        }
    };
    Resp {
        status: r.code.expect("status"),
        headers: r
            .headers
            .iter()
            .map(|h| {
                (
                    h.name.to_string(),
                    String::from_utf8_lossy(h.value).into_owned(),
                )
            })
            .collect(),
        body: String::from_utf8_lossy(&bytes[n..]).into_owned(),
    }
}

/// One request with `Connection: close`, parsed.
pub async fn request(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Resp {
    let mut req = format!("{method} {target} HTTP/1.1\r\nHost: {HOST}\r\n");
    for (n, v) in headers {
        req.push_str(&format!("{n}: {v}\r\n"));
    }
    req.push_str(&format!(
        "Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    ));
    parse(&raw(addr, req.as_bytes()).await)
}

/// A fresh scratch folder under the target directory.
pub fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "{name}-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    ));
    std::fs::create_dir_all(&dir).expect("scratch folder");
    dir
}

/// Is a peer or client that CI must have missing here? With
/// `COSCORS_REQUIRE_PEERS=1` (set by .ci/run) that is a failure; otherwise
/// the test says why it did nothing and passes.
pub fn require(what: &str, available: bool) -> bool {
    if available {
        return true;
    }
    assert!(
        std::env::var("COSCORS_REQUIRE_PEERS").as_deref() != Ok("1"),
        "{what} is required (COSCORS_REQUIRE_PEERS=1) but not installed; .ci/run installs it"
    );
    eprintln!(
        "skipped: {what} is not installed (set COSCORS_REQUIRE_PEERS=1 to make this a failure)"
    );
    false
}

/// Does `python3 -c "import MODULE"` work?
pub fn python_has(module: &str) -> bool {
    Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The repository's folder.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A free loopback port (bound, then released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Wait until something accepts connections on `port`.
pub fn wait_for_port(port: u16, what: &str) {
    for _ in 0..300 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("{what} did not start listening on port {port} within 30 s");
}

/// A child process killed on drop.
pub struct Daemon(pub Child);

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The `coscors` binary, run from the repository's folder, with `env` set
/// and the user's target selection cleared.
pub fn coscors_command(args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_coscors"));
    c.current_dir(repo())
        .args(args)
        .env_remove("COSCORS_TARGET")
        .env_remove("COSCORS_TARGETS");
    for (k, v) in env {
        c.env(k, v);
    }
    c
}

/// Run a command to its end; (success, stdout + stderr).
pub fn output_text(cmd: &mut Command) -> (bool, String) {
    let out = cmd.output().expect("the command runs");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// Run `coscors`; (success, stdout + stderr).
pub fn coscors_output(args: &[&str]) -> (bool, String) {
    output_text(&mut coscors_command(args, &[]))
}

/// Run a Node script of the tests that prints a JSON line last: the
/// script must succeed; returns that line, parsed, and the whole output.
pub fn node_json(
    script: &str,
    args: &[&std::path::Path],
    env: &[(&str, &str)],
) -> (serde_json::Value, String) {
    let mut cmd = Command::new("node");
    cmd.arg(repo().join(script)).args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let (ok, text) = output_text(&mut cmd);
    assert!(ok, "{script} failed:\n{text}");
    let v = serde_json::from_str(text.lines().last().unwrap_or("{}"))
        .unwrap_or_else(|e| panic!("{script}: no JSON line ({e}):\n{text}"));
    (v, text)
}

/// Are Debian's Chromium and the npm packages named (in tests/peers) here?
/// Fails instead of answering false under `COSCORS_REQUIRE_PEERS=1`.
pub fn require_browser(npm_packages: &[&str]) -> bool {
    let chromium = std::path::Path::new("/usr/bin/chromium").exists();
    let packages = npm_packages.iter().all(|p| {
        repo()
            .join("tests/peers/node_modules")
            .join(p)
            .join("package.json")
            .exists()
    });
    require(
        &format!(
            "chromium (Debian) and {} (npm, in tests/peers)",
            npm_packages.join(", ")
        ),
        chromium && packages,
    )
}

/// How many cases the default suite holds (what `coscors run` discovers
/// under `cases/`), so that tests need no update when a case is added.
pub fn suite_case_count() -> usize {
    coscors::case::discover(&[repo().join("cases")])
        .expect("cases/ can be read")
        .len()
}

/// How many cases `cases/vendors/<vendor>.yaml` records.
pub fn vendor_record_count(vendor: &str) -> usize {
    coscors::case::load_vendor(&repo().join("cases"), vendor)
        .expect("the vendor file loads")
        .len()
}

/// How many suite cases have this evidence grade.
pub fn suite_cases_graded(grade: coscors::case::Evidence) -> usize {
    let files = coscors::case::discover(&[repo().join("cases")]).expect("cases/ can be read");
    files
        .iter()
        .flat_map(|f| coscors::case::load_file(f).expect("case loads").cases)
        .filter(|c| c.case.evidence == grade)
        .count()
}

/// A test's figures: printed to stderr (seen with `--nocapture`) and kept in
/// `target/tmp/summaries/<name>.txt`, so that `.ci/run` can show the figures of
/// the passing tests of `cargo test` without running them a second time.
pub fn summary(name: &str, line: &str) {
    eprintln!("{line}");
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("summaries");
    let written = std::fs::create_dir_all(&dir)
        .and_then(|()| std::fs::write(dir.join(format!("{name}.txt")), format!("{line}\n")));
    if let Err(e) = written {
        eprintln!("(could not keep this summary under {}: {e})", dir.display());
    }
}
