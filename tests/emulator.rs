//! The emulator on the wire: the four exchanges of seed 003 sent as raw
//! bytes to `coscors serve`, and bad input that must never get a 5xx or
//! crash it.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::{parse, raw, request, serve, Resp, HOST};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

/// Seed 003 exchange 4's message, verbatim (typos included).
const FORBIDDEN: &str = "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Requet-Headers are not whitelisted by the resource's CORS spec";

fn sorted_list(v: &str) -> Vec<String> {
    let mut items: Vec<String> = v.split(',').map(|s| s.trim().to_string()).collect();
    items.sort();
    items
}

fn assert_headers(r: &Resp, want: &[(&str, &str)], absent: &[&str]) {
    for (n, v) in want {
        let got = r
            .header(n)
            .unwrap_or_else(|| panic!("{n} missing in {:?}", r.headers));
        assert_eq!(sorted_list(got), sorted_list(v), "{n}");
    }
    for n in absent {
        assert!(r.header(n).is_none(), "{n} must be absent: {:?}", r.headers);
    }
}

async fn put_cors(addr: SocketAddr, xml: &str) {
    // Content-MD5 is required on PUT Bucket cors (436/8279).
    let md5 = coscors::model::content_md5_of(xml.as_bytes());
    let req = format!(
        "PUT /?cors HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: application/xml\r\nContent-MD5: {md5}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{xml}",
        xml.len()
    );
    let r = parse(&raw(addr, req.as_bytes()).await);
    assert_eq!(r.status, 200, "{}", r.body);
}

const RULE_STAR: &str = "<CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedMethod>HEAD</AllowedMethod><AllowedHeader>range</AllowedHeader><AllowedHeader>x-cos-server-side-encryption-customer-algorithm</AllowedHeader><AllowedHeader>x-cos-server-side-encryption-customer-key</AllowedHeader><AllowedHeader>x-cos-server-side-encryption-customer-key-md5</AllowedHeader><ExposeHeader>Content-Length</ExposeHeader><ExposeHeader>ETag</ExposeHeader><ExposeHeader>x-cos-meta-author</ExposeHeader><MaxAgeSeconds>600</MaxAgeSeconds></CORSRule>";

/// The files of one of seed 003's exchanges (tests/vectors/seed-003/).
fn vector(n: usize, part: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/vectors/seed-003/exchange-{n}.{part}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Seed 003's four exchanges, from tests/vectors/seed-003/: each request
/// sent byte for byte, each answer compared with the recorded one.
#[tokio::test]
async fn seed_003_exchanges_on_coscors_serve() {
    let served = serve("cos");
    let addr = served.addr;
    for n in 1..=4 {
        let setup = String::from_utf8(vector(n, "setup.xml")).expect("UTF-8");
        put_cors(addr, &setup).await;
        let r = parse(&raw(addr, &vector(n, "request.http")).await);
        let want = parse(&vector(n, "response.http"));
        assert_eq!(r.status, want.status, "exchange {n}: {}", r.body);
        let names: Vec<&str> = r.headers.iter().map(|(n, _)| n.as_str()).collect();
        for (name, value) in &want.headers {
            // Header names byte for byte as in the seed.
            assert!(
                names.contains(&name.as_str()),
                "exchange {n}: {name} not written as in the seed: {names:?}"
            );
            let got = r.header(name).unwrap_or_default();
            match name.as_str() {
                "Date" => {}
                // On an error answer the ids are in the body, whose length
                // the seed gives: the same shapes as the seed's (44
                // characters; 172 for the trace id). The seed masks the
                // ids of exchanges 2 and 3 to 40 characters, so on success
                // answers only their presence is checked.
                "x-cos-request-id" | "x-cos-trace-id" if want.status >= 400 => {
                    assert_eq!(got.len(), value.len(), "exchange {n}: {name} {got}");
                }
                "x-cos-request-id" | "x-cos-trace-id" => {}
                _ => assert_headers(&r, &[(name, value)], &[]),
            }
        }
        // The CORS headers the seed's answer lacks, the emulator's lacks.
        for cors in coscors::model::headers::RESPONSE_HEADERS {
            if want.header(cors).is_none() {
                assert!(
                    r.header(cors).is_none(),
                    "exchange {n}: {cors}: {:?}",
                    r.headers
                );
            }
        }
        // With the seed's own ids, the body is the seed's byte for byte.
        let mut body = r.body.clone();
        for id in ["x-cos-request-id", "x-cos-trace-id"] {
            if let (Some(mine), Some(seed)) = (r.header(id), want.header(id)) {
                body = body.replace(mine, seed);
            }
        }
        assert_eq!(body, want.body, "exchange {n}");
    }
    // Exchange 4's body as 436/8288 prints it: the message verbatim (typos
    // included), `'` escaped, 687 bytes.
    let want = parse(&vector(4, "response.http"));
    assert!(want.body.contains(&FORBIDDEN.replace('\'', "&apos;")));
    assert_eq!(want.body.len(), 687);
}

/// A whole multipart upload from a page (audit U5): initiate, two parts,
/// complete, each answer carrying the CORS headers; the object is the parts
/// in order, and the upload is gone afterwards.
#[tokio::test]
async fn multipart_upload_carries_cors_and_assembles_the_object() {
    let served = serve("cos");
    let addr = served.addr;
    put_cors(
        addr,
        "<CORSConfiguration><CORSRule><AllowedOrigin>https://example.com</AllowedOrigin><AllowedMethod>PUT</AllowedMethod><AllowedMethod>POST</AllowedMethod><AllowedMethod>GET</AllowedMethod><AllowedHeader>*</AllowedHeader><ExposeHeader>ETag</ExposeHeader></CORSRule></CORSConfiguration>",
    )
    .await;
    let origin = [("Origin", "https://example.com")];
    let cors_ok = |r: &Resp, what: &str| {
        assert_eq!(
            r.header("Access-Control-Allow-Origin"),
            Some("https://example.com"),
            "{what}: {:?}",
            r.headers
        );
        assert_eq!(
            r.header("Access-Control-Expose-Headers"),
            Some("ETag"),
            "{what}"
        );
    };
    let r = request(addr, "POST", "/big.bin?uploads", &origin, "").await;
    assert_eq!(r.status, 200, "{}", r.body);
    cors_ok(&r, "initiate");
    let id = r
        .body
        .split("<UploadId>")
        .nth(1)
        .and_then(|t| t.split("</UploadId>").next())
        .expect("an UploadId")
        .to_string();
    assert!(r.body.contains("<Key>big.bin</Key>"), "{}", r.body);
    let mut etags = Vec::new();
    for (n, data) in [(1, "part one "), (2, "part two")] {
        let r = request(
            addr,
            "PUT",
            &format!("/big.bin?partNumber={n}&uploadId={id}"),
            &origin,
            data,
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);
        cors_ok(&r, "upload part");
        etags.push(r.header("ETag").expect("part ETag").to_string());
    }
    // What the JS SDK's sliceUploadFile asks first (to resume an upload):
    // the bucket's uploads for its key, then a found upload's parts.
    let second = request(addr, "POST", "/big.bin?uploads", &origin, "").await;
    let second_id = second
        .body
        .split("<UploadId>")
        .nth(1)
        .and_then(|t| t.split("</UploadId>").next())
        .expect("a second UploadId")
        .to_string();
    request(addr, "POST", "/other.bin?uploads", &origin, "").await;
    let r = request(addr, "GET", "/?uploads&prefix=big.bin", &origin, "").await;
    assert_eq!(r.status, 200, "{}", r.body);
    cors_ok(&r, "list uploads");
    assert!(
        r.body.contains("<ListMultipartUploadsResult>"),
        "{}",
        r.body
    );
    assert_eq!(r.body.matches("<Upload>").count(), 2, "{}", r.body);
    assert!(!r.body.contains("other.bin"), "{}", r.body);
    assert!(
        r.body.contains(&format!("<UploadId>{id}</UploadId>")),
        "{}",
        r.body
    );
    assert!(
        r.body.contains("<IsTruncated>false</IsTruncated>"),
        "{}",
        r.body
    );
    // One upload per page: the markers lead from the first to the second.
    let r = request(
        addr,
        "GET",
        "/?uploads&prefix=big.bin&max-uploads=1",
        &[],
        "",
    )
    .await;
    assert!(
        r.body.contains("<IsTruncated>true</IsTruncated>"),
        "{}",
        r.body
    );
    let next = |tag: &str| {
        r.body
            .split(&format!("<{tag}>"))
            .nth(1)
            .and_then(|t| t.split(&format!("</{tag}>")).next())
            .unwrap_or_default()
            .to_string()
    };
    let (key_marker, id_marker) = (next("NextKeyMarker"), next("NextUploadIdMarker"));
    assert_eq!(key_marker, "big.bin");
    let r = request(
        addr,
        "GET",
        &format!("/?uploads&prefix=big.bin&max-uploads=1&key-marker={key_marker}&upload-id-marker={id_marker}"),
        &[],
        "",
    )
    .await;
    assert_eq!(r.body.matches("<Upload>").count(), 1, "{}", r.body);
    assert!(
        r.body.contains("<IsTruncated>false</IsTruncated>"),
        "{}",
        r.body
    );
    assert!(
        !r.body
            .contains(&format!("<UploadId>{id_marker}</UploadId>")),
        "{}",
        r.body
    );
    let r = request(addr, "GET", "/?uploads&max-uploads=0", &[], "").await;
    assert_eq!(r.status, 400, "{}", r.body);
    let r = request(addr, "GET", &format!("/big.bin?uploadId={id}"), &origin, "").await;
    assert_eq!(r.status, 200, "{}", r.body);
    cors_ok(&r, "list parts");
    assert_eq!(r.body.matches("<Part>").count(), 2, "{}", r.body);
    assert!(
        r.body.contains(&format!("<ETag>{}</ETag>", etags[1])),
        "{}",
        r.body
    );
    assert!(r.body.contains("<Size>9</Size>"), "{}", r.body);
    let r = request(
        addr,
        "GET",
        &format!("/big.bin?uploadId={id}&part-number-marker=1"),
        &[],
        "",
    )
    .await;
    assert_eq!(r.body.matches("<Part>").count(), 1, "{}", r.body);
    assert!(r.body.contains("<PartNumber>2</PartNumber>"), "{}", r.body);
    let r = request(
        addr,
        "GET",
        &format!("/other.bin?uploadId={second_id}"),
        &[],
        "",
    )
    .await;
    assert_eq!(r.status, 404, "another key's upload: {}", r.body);
    let complete = format!(
        "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>{}</ETag></Part><Part><PartNumber>2</PartNumber><ETag>{}</ETag></Part></CompleteMultipartUpload>",
        etags[0], etags[1]
    );
    let r = request(
        addr,
        "POST",
        &format!("/big.bin?uploadId={id}"),
        &origin,
        &complete,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    cors_ok(&r, "complete");
    assert!(r.body.contains("-2\"</ETag>"), "{}", r.body);
    let r = request(addr, "GET", "/big.bin", &origin, "").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body, "part one part two");
    assert!(
        r.header("ETag").is_some_and(|e| e.ends_with("-2\"")),
        "{:?}",
        r.headers
    );
    // The upload is complete: its id is gone, and the error carries CORS.
    let r = request(
        addr,
        "PUT",
        &format!("/big.bin?partNumber=3&uploadId={id}"),
        &origin,
        "late",
    )
    .await;
    assert_eq!(r.status, 404);
    assert!(r.body.contains("<Code>NoSuchUpload</Code>"), "{}", r.body);
    cors_ok(&r, "late part");
    // POST Object, a form upload from the page, carries them too.
    let form = "--b\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nform.txt\r\n--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f\"\r\n\r\nhello\r\n--b--\r\n";
    let r = request(
        addr,
        "POST",
        "/",
        &[
            ("Origin", "https://example.com"),
            ("Content-Type", "multipart/form-data; boundary=b"),
        ],
        form,
    )
    .await;
    assert_eq!(r.status, 204, "{}", r.body);
    cors_ok(&r, "POST Object");
    assert_eq!(
        r.header("ETag"),
        Some("\"5d41402abc4b2a76b9719d911017c592\"")
    );
    assert_eq!(
        request(addr, "GET", "/form.txt", &[], "").await.body,
        "hello"
    );
}

fn assert_no_5xx(bytes: &[u8], what: &str) -> u16 {
    let r = parse(bytes);
    assert!(r.status < 500, "{what}: {} {}", r.status, r.body);
    r.status
}

#[tokio::test]
async fn bad_input_never_gets_5xx() {
    let served = serve("cos");
    let addr = served.addr;
    let h = format!("Host: {HOST}\r\n");

    // Malformed XML.
    let body = "<CORSConfiguration><CORSRule>";
    let req = format!(
        "PUT /?cors HTTP/1.1\r\n{h}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    assert_eq!(
        assert_no_5xx(&raw(addr, req.as_bytes()).await, "malformed XML"),
        400
    );

    // A 1 MB body to ?cors.
    let big = vec![b'<'; 1024 * 1024];
    let mut req = format!(
        "PUT /?cors HTTP/1.1\r\n{h}Content-Length: {}\r\nConnection: close\r\n\r\n",
        big.len()
    )
    .into_bytes();
    req.extend_from_slice(&big);
    let r = raw(addr, &req).await;
    assert_eq!(assert_no_5xx(&r, "1 MB body"), 400);
    assert!(parse(&r).body.contains("<Code>XMLSizeLimit</Code>"));

    // A 20 MB object body: over the emulator's read limit.
    let huge = vec![b'x'; 20 * 1024 * 1024];
    let mut req = format!(
        "PUT /big HTTP/1.1\r\n{h}Content-Length: {}\r\nConnection: close\r\n\r\n",
        huge.len()
    )
    .into_bytes();
    req.extend_from_slice(&huge);
    let mut s = TcpStream::connect(addr).await.expect("connect");
    // The server may answer and close before the whole body is written.
    let _ = s.write_all(&req).await;
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut out)).await;
    assert_eq!(assert_no_5xx(&out, "20 MB body"), 400);

    // No Host header at all (HTTP/1.0 allows it): path-style routing.
    let r = raw(
        addr,
        b"GET /examplebucket-1250000000/?cors HTTP/1.0\r\n\r\n",
    )
    .await;
    assert_eq!(assert_no_5xx(&r, "missing Host"), 404);
    let r = raw(addr, b"OPTIONS /nobucket/key HTTP/1.0\r\nOrigin: https://a\r\nAccess-Control-Request-Method: GET\r\n\r\n").await;
    assert_eq!(assert_no_5xx(&r, "missing Host, unknown bucket"), 404);

    // Methods the API does not have.
    for m in ["FOO", "PATCH", "TRACE", "CONNECTX"] {
        let req = format!("{m} /exampleobject HTTP/1.1\r\n{h}Connection: close\r\n\r\n");
        assert_eq!(
            assert_no_5xx(&raw(addr, req.as_bytes()).await, m),
            405,
            "{m}"
        );
    }

    // Non-UTF-8 header values, on a preflight and on an actual request.
    put_cors(
        addr,
        &format!("<CORSConfiguration>{RULE_STAR}</CORSConfiguration>"),
    )
    .await;
    let mut req = format!("OPTIONS /k HTTP/1.1\r\n{h}Origin: https://").into_bytes();
    req.extend_from_slice(b"\xC3\x28bad\xff\xfe\r\nAccess-Control-Request-Method: GET\r\nAccess-Control-Request-Headers: ra\xffnge\r\nConnection: close\r\n\r\n");
    assert_eq!(
        assert_no_5xx(&raw(addr, &req).await, "non-UTF-8 preflight"),
        403
    );
    let mut req = format!("GET /k HTTP/1.1\r\n{h}Connection: close\r\nOrigin: ").into_bytes();
    req.extend_from_slice(b"\xff\xfe\xfd\r\n\r\n");
    assert_no_5xx(&raw(addr, &req).await, "non-UTF-8 Origin on GET");

    // Garbage instead of HTTP: hyper answers 400 or closes; either way the
    // server lives on.
    let r = raw(addr, b"\x00\x01\x02 not http at all\r\n\r\n").await;
    if !r.is_empty() {
        assert_no_5xx(&r, "garbage");
    }
    // Percent-escapes that decode to invalid UTF-8, odd queries.
    for target in [
        "/%ff%fe?cors",
        "/%zz%",
        "/?cors&cors=1&&=",
        "/a/../../b",
        "//",
        "/?&",
    ] {
        let req = format!("GET {target} HTTP/1.1\r\n{h}Connection: close\r\n\r\n");
        assert_no_5xx(&raw(addr, req.as_bytes()).await, target);
    }
    // Bad Content-MD5 on an object, bad multipart on POST.
    let req = format!(
        "PUT /o HTTP/1.1\r\n{h}Content-MD5: !!!\r\nContent-Length: 1\r\nConnection: close\r\n\r\nx"
    );
    assert_eq!(
        assert_no_5xx(&raw(addr, req.as_bytes()).await, "bad md5"),
        400
    );
    let req = format!("POST / HTTP/1.1\r\n{h}Content-Type: multipart/form-data; boundary=zz\r\nContent-Length: 7\r\nConnection: close\r\n\r\n--zz\r\nx");
    assert_eq!(
        assert_no_5xx(&raw(addr, req.as_bytes()).await, "bad multipart"),
        400
    );

    // Still alive and correct afterwards.
    let r = raw(
        addr,
        format!("GET /?cors HTTP/1.1\r\n{h}Connection: close\r\n\r\n").as_bytes(),
    )
    .await;
    assert_eq!(parse(&r).status, 200);
}

/// 10,000 connections, each with one preflight, at most 256 open at once:
/// every one is answered, none with a 5xx.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_connections() {
    let served = serve("cos");
    let addr = served.addr;
    put_cors(
        addr,
        &format!("<CORSConfiguration>{RULE_STAR}</CORSConfiguration>"),
    )
    .await;
    let sem = std::sync::Arc::new(tokio::sync::Semaphore::new(256));
    let mut set = tokio::task::JoinSet::new();
    for i in 0..10_000u32 {
        let permit = sem.clone().acquire_owned().await.expect("semaphore");
        set.spawn(async move {
            let _permit = permit;
            let req = format!(
                "OPTIONS /k{i} HTTP/1.1\r\nHost: {HOST}\r\nOrigin: https://o{i}.example\r\nAccess-Control-Request-Method: GET\r\nConnection: close\r\n\r\n"
            );
            parse(&raw(addr, req.as_bytes()).await).status
        });
    }
    let mut ok = 0;
    while let Some(status) = set.join_next().await {
        assert_eq!(status.expect("task"), 200);
        ok += 1;
    }
    assert_eq!(ok, 10_000);
}
