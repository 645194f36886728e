use super::*;

const ORIGIN: &str = "https://www.example.com";

fn config(xml_text: &str) -> CorsConfiguration {
    parse_config(xml_text).expect("valid configuration")
}

fn op(name: &str, token: bool) -> Operation {
    operations()
        .into_iter()
        .find(|o| o.name == name && o.token == token)
        .expect("operation")
}

const NO_ETAG: &str = "<CORSConfiguration><CORSRule><AllowedOrigin>https://www.example.com</AllowedOrigin><AllowedMethod>PUT</AllowedMethod><AllowedMethod>POST</AllowedMethod><AllowedMethod>GET</AllowedMethod><AllowedMethod>HEAD</AllowedMethod><AllowedMethod>DELETE</AllowedMethod><AllowedHeader>*</AllowedHeader><ExposeHeader>x-cos-request-id</ExposeHeader></CORSRule></CORSConfiguration>";

#[test]
fn etag_not_exposed_fails_uploads_and_the_fix_adds_it() {
    let c = config(NO_ETAG);
    for e in Engine::ALL {
        let put = judge(&c, ORIGIN, e, Credentials::Omit, &op("putObject", false));
        assert!(
            put.let_through && !put.etag_readable && !put.ok(),
            "{put:?}"
        );
        let mp = judge(
            &c,
            ORIGIN,
            e,
            Credentials::Omit,
            &op("multipartUpload", true),
        );
        assert_eq!(mp.completed, Some(false));
        let get = judge(&c, ORIGIN, e, Credentials::Omit, &op("getObject", false));
        assert!(get.ok() && get.request_id_readable, "{get:?}");
    }
    let fixed = fix_all(&c, &[ORIGIN.to_string()], &Engine::ALL).expect("a fix");
    assert_eq!(fixed.rules.len(), 1);
    assert_eq!(fixed.rules[0].expose_headers, ["x-cos-request-id", "ETag"]);
    let d = diff(&c, &fixed);
    assert!(d.contains("+\t\t<ExposeHeader>ETag</ExposeHeader>"), "{d}");
    let report = examine(&fixed, &[ORIGIN.to_string()], &Engine::ALL);
    assert_eq!(report.failing, 0);
    // Each failing operation's own fix: the uploads (with and without the
    // token), each the same one-line change.
    let before = examine(&c, &[ORIGIN.to_string()], &Engine::ALL);
    let names: Vec<(&str, bool)> = before
        .fixes
        .iter()
        .map(|f| (f.operation, f.token))
        .collect();
    assert_eq!(
        names,
        [
            ("putObject", false),
            ("multipartUpload", false),
            ("sliceUploadFile", false),
            ("putObject", true),
            ("multipartUpload", true),
            ("sliceUploadFile", true)
        ]
    );
    assert!(before.fixes.iter().all(|f| f.diff == d));
}

#[test]
fn a_listed_header_set_without_the_token_blocks_temporary_credentials() {
    let c = config("<CORSConfiguration><CORSRule><AllowedOrigin>https://*.example.com</AllowedOrigin><AllowedMethod>PUT</AllowedMethod><AllowedHeader>authorization</AllowedHeader><AllowedHeader>content-type</AllowedHeader><AllowedHeader>cache-control</AllowedHeader><ExposeHeader>ETag</ExposeHeader></CORSRule></CORSConfiguration>");
    let plain = judge(
        &c,
        ORIGIN,
        Engine::Firefox,
        Credentials::Omit,
        &op("putObject", false),
    );
    assert!(plain.ok(), "{plain:?}");
    let token = judge(
        &c,
        ORIGIN,
        Engine::Firefox,
        Credentials::Omit,
        &op("putObject", true),
    );
    assert!(!token.let_through);
    assert!(token.steps[0]
        .reason
        .as_deref()
        .unwrap_or("")
        .contains("x-cos-security-token"));
    let fixed = fix(&c, ORIGIN, &op("putObject", true), &Engine::ALL).expect("fix");
    assert!(fixed.rules[0]
        .allowed_headers
        .iter()
        .any(|h| h == "x-cos-security-token"));
    assert_eq!(fixed.rules.len(), 1, "edited in place, no new rule");
}

#[test]
fn an_unknown_origin_gets_a_rule_of_its_own() {
    let c = config("<CORSConfiguration><CORSRule><AllowedOrigin>https://other.example.org</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>");
    let v = judge(
        &c,
        ORIGIN,
        Engine::WebKit,
        Credentials::Omit,
        &op("deleteObject", false),
    );
    assert!(!v.let_through);
    let fixed = fix(&c, ORIGIN, &op("deleteObject", false), &Engine::ALL).expect("fix");
    assert_eq!(fixed.rules.len(), 2);
    assert_eq!(fixed.rules[1].allowed_origins, [ORIGIN]);
    assert_eq!(fixed.rules[1].allowed_methods, ["DELETE"]);
}

#[test]
fn a_header_pattern_is_no_pattern_to_a_browser() {
    // COS allows the preflight (the pattern matches), answers the list as
    // configured, and the browser finds no `x-cos-security-token` in it.
    let c = config("<CORSConfiguration><CORSRule><AllowedOrigin>https://www.example.com</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedHeader>authorization</AllowedHeader><AllowedHeader>x-cos-*</AllowedHeader><ExposeHeader>ETag</ExposeHeader></CORSRule></CORSConfiguration>");
    let v = judge(
        &c,
        ORIGIN,
        Engine::Chromium,
        Credentials::Omit,
        &op("getObject", true),
    );
    assert!(!v.let_through);
    assert!(
        v.steps[0]
            .reason
            .as_deref()
            .unwrap_or("")
            .contains("refuses it"),
        "{v:?}"
    );
    let fixed = fix(&c, ORIGIN, &op("getObject", true), &Engine::ALL).expect("fix");
    assert!(judge(
        &fixed,
        ORIGIN,
        Engine::Chromium,
        Credentials::Omit,
        &op("getObject", true)
    )
    .ok());
}

#[test]
fn warnings_name_the_pitfalls() {
    let c = config("<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><ExposeHeader>x-cos-request-id</ExposeHeader><MaxAgeSeconds>3600</MaxAgeSeconds></CORSRule></CORSConfiguration>");
    let kinds: Vec<&str> = warnings(&c, &[]).iter().map(|w| w.kind).collect();
    assert_eq!(
        kinds,
        [
            "star-origin-with-credentials",
            "max-age-above-engine-cap",
            "expose-without-etag",
            "no-response-vary"
        ]
    );
    let w = warnings(&c, &[]);
    assert!(w[1].message.contains("webkit caps it at 600 s") && !w[1].message.contains("chromium"));
    // With credentials, `*` is refused (the model says so, not the warning).
    let get = judge(
        &c,
        ORIGIN,
        Engine::Chromium,
        Credentials::Include,
        &op("headObject", false),
    );
    assert!(!get.let_through);
}

#[test]
fn the_js_sdk_json_form_reads_as_the_xml() {
    // Seed 000's putBucketCors parameters.
    let json = r#"{"CORSRules": [{"AllowedOrigin": ["*"], "AllowedMethod": ["GET", "POST", "PUT", "DELETE", "HEAD"], "AllowedHeader": ["*"], "ExposeHeader": ["ETag", "x-cos-acl", "x-cos-version-id", "x-cos-delete-marker", "x-cos-server-side-encryption"], "MaxAgeSeconds": "5"}]}"#;
    let c = parse_config(json).expect("json");
    let x = config("<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedMethod>POST</AllowedMethod><AllowedMethod>PUT</AllowedMethod><AllowedMethod>DELETE</AllowedMethod><AllowedMethod>HEAD</AllowedMethod><AllowedHeader>*</AllowedHeader><ExposeHeader>ETag</ExposeHeader><ExposeHeader>x-cos-acl</ExposeHeader><ExposeHeader>x-cos-version-id</ExposeHeader><ExposeHeader>x-cos-delete-marker</ExposeHeader><ExposeHeader>x-cos-server-side-encryption</ExposeHeader><MaxAgeSeconds>5</MaxAgeSeconds></CORSRule></CORSConfiguration>");
    assert_eq!(c, x);
    assert!(parse_config(r#"{"CORSRules": [{"AllowedOrigin": 5}]}"#).is_err());
    assert!(parse_config("{").is_err());
    assert!(parse_config("<CORSConfiguration>").is_err());
    let r = examine(&c, &[ORIGIN.to_string()], &Engine::ALL);
    assert_eq!(r.failing, 0, "{}", render(&r));
}

/// sliceUploadFile stops at an UploadPart whose ETag it cannot read ("get
/// ETag error", advance.js): a Complete the configuration would block is
/// never sent, so the verdict is NO-ETAG at that step, not BLOCKED. A
/// multipart upload made call by call sends Complete anyway (and is
/// blocked there).
#[test]
fn slice_upload_stops_at_an_unreadable_part_etag() {
    // Lets the listing, Initiate and UploadPart through; Complete's
    // preflight (content-md5) is refused; no ExposeHeader.
    let c = config("<CORSConfiguration><CORSRule><AllowedOrigin>https://www.example.com</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod><AllowedMethod>POST</AllowedMethod><AllowedHeader>authorization</AllowedHeader><AllowedHeader>cache-control</AllowedHeader><AllowedHeader>content-type</AllowedHeader></CORSRule></CORSConfiguration>");
    for e in Engine::ALL {
        let slice = judge(
            &c,
            ORIGIN,
            e,
            Credentials::Omit,
            &op("sliceUploadFile", false),
        );
        let names: Vec<&str> = slice.steps.iter().map(|s| s.step).collect();
        assert_eq!(names, ["listUploads", "initiate", "uploadPart"], "{e}");
        let last = slice.steps.last().expect("a step");
        assert!(
            last.let_through && last.stopped_without_etag,
            "{e}: {last:?}"
        );
        assert!(
            last.reason
                .as_deref()
                .is_some_and(|r| r.contains("get ETag error")),
            "{e}: {last:?}"
        );
        assert!(slice.let_through && !slice.etag_readable, "{e}: {slice:?}");
        assert_eq!(slice.completed, Some(false));
        assert!(!slice.ok());
        let calls = judge(
            &c,
            ORIGIN,
            e,
            Credentials::Omit,
            &op("multipartUpload", false),
        );
        assert_eq!(calls.steps.len(), 3, "{e}: {calls:?}");
        assert!(!calls.let_through && !calls.steps[2].let_through, "{e}");
        assert!(calls.steps.iter().all(|s| !s.stopped_without_etag));
    }
    // The text says NO-ETAG for it, and why.
    let report = examine(&c, &[ORIGIN.to_string()], &Engine::ALL);
    let text = render(&report);
    let row = text
        .lines()
        .find(|l| l.trim_start().starts_with("sliceUploadFile "))
        .expect("a sliceUploadFile row");
    assert!(row.contains("NO-ETAG") && !row.contains("BLOCKED"), "{row}");
    assert!(text.contains("uploadPart: NO-ETAG"), "{text}");
    // Its fix exposes ETag (and lets Complete's headers in for the
    // multipart calls).
    let fixed = fix(&c, ORIGIN, &op("sliceUploadFile", false), &Engine::ALL).expect("a fix");
    assert!(fixed.rules[0].expose_headers.iter().any(|h| h == "ETag"));
}
