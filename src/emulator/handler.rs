//! The emulator's request handler: one request in, one response out.
//!
//! No I/O happens here (the body is already read), so the same function
//! serves the HTTP server, in-process benchmarks and the fuzz target. CORS
//! decisions are the model's: this file only routes, stores and writes.

use std::sync::Arc;
use std::time::SystemTime;

use bytes::Bytes;
use std::borrow::Cow;

use hyper::header::{
    HeaderMap, HeaderName, ACCESS_CONTROL_REQUEST_HEADERS, ACCESS_CONTROL_REQUEST_METHOD,
    CONTENT_TYPE, HOST, ORIGIN,
};
use hyper::Method;
use md5::{Digest, Md5};

use super::reply::{self, HttpResponse, Reply};
use super::route::{self, Route};
use super::store::Object;
use super::{auth, form, multipart, Emulator};
use crate::model::{
    self, xml, ApiError, CorsConfiguration, ErrorCode, Preflight, PreflightOutcome, Profile,
};

/// The largest body the emulator reads (objects included). Larger bodies are
/// answered 400 `EntityTooLarge` without being kept.
pub const MAX_REQUEST_BODY: usize = 16 * 1024 * 1024;

/// At most this many items in `Access-Control-Request-Headers`. Evaluation
/// checks each requested header against a rule's `AllowedHeader`s (up to a
/// few thousand in a 64 KB configuration), and preflights are never
/// authenticated, so the count bounds the work anyone can ask of a rule
/// before one is evaluated. Browsers send a handful; COS documents no
/// limit: this is the emulator's (README, "Limits of `coscors serve`").
pub const MAX_REQUESTED_HEADERS: usize = 1024;

pub use super::request::Request;

/// A header as text. Non-UTF-8 bytes are replaced rather than refused, so a
/// garbled `Origin` simply matches no specific origin.
fn header<'h>(headers: &'h HeaderMap, name: &HeaderName) -> Option<Cow<'h, str>> {
    let mut values = headers.get_all(name).iter();
    let first = values.next()?;
    let mut text = match first.to_str() {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(first.as_bytes()),
    };
    // A repeated field is one comma-separated list (RFC 9110 §5.3).
    for more in values {
        let t = text.to_mut();
        t.push_str(", ");
        t.push_str(&String::from_utf8_lossy(more.as_bytes()));
    }
    Some(text)
}

/// `Content-MD5` (no constant in `http`).
static CONTENT_MD5: HeaderName = HeaderName::from_static("content-md5");

/// Why the server hands over a request it could not take whole.
#[derive(Debug, Clone)]
pub enum Unread {
    /// The request breaks HTTP/1.1's rules (a missing or repeated `Host`):
    /// answered before anything else.
    Request(ApiError),
    /// The body could not be read or kept (too slow, malformed, over a
    /// limit): answered where a too-large body is, after authentication.
    Body(ApiError),
}

/// Answer one request.
pub fn handle(emu: &Emulator, req: Request<'_>) -> HttpResponse {
    handle_with(emu, req, None)
}

/// Answer one request that the server could not take whole (`unread`).
pub fn handle_with(emu: &Emulator, req: Request<'_>, unread: Option<&Unread>) -> HttpResponse {
    let profile = emu.config.profile;
    let id = emu.ids.request_id();
    let request_id = id.as_str();
    let host = req
        .headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .or(req.authority);
    let route = route::parse(host, req.path, req.query);
    let ctx = Ctx {
        emu,
        profile,
        request_id,
        route: &route,
    };
    let reply = match dispatch(&ctx, &req, unread) {
        Ok(reply) => reply,
        Err(e) => ctx.error(&e),
    };
    reply.finish(profile, request_id)
}

struct Ctx<'a> {
    emu: &'a Emulator,
    profile: Profile,
    request_id: &'a str,
    route: &'a Route,
}

impl Ctx<'_> {
    /// `Resource` of an error: the bucket's COS host and the key, as in seed
    /// 003 exchange 4 (`examplebucket-1250000000.cos.ap-beijing.myqcloud.com/exampleobject`).
    fn resource(&self) -> String {
        let region = self
            .route
            .region
            .as_deref()
            .unwrap_or(&self.emu.config.region);
        match &self.route.bucket {
            Some(b) => format!("{b}.cos.{region}.myqcloud.com/{}", self.route.key),
            None => format!("service.cos.myqcloud.com/{}", self.route.key),
        }
    }

    fn error(&self, e: &ApiError) -> Reply {
        let trace = self.emu.ids.trace_id(self.request_id);
        reply::error(e, &self.resource(), self.request_id, &trace, self.profile)
    }
}

type Result<T> = std::result::Result<T, ApiError>;

fn no_such_bucket() -> ApiError {
    ApiError::new(
        ErrorCode::NoSuchBucket,
        "The specified bucket does not exist.",
    )
}

fn dispatch(ctx: &Ctx<'_>, req: &Request<'_>, unread: Option<&Unread>) -> Result<Reply> {
    if let Some(Unread::Request(e)) = unread {
        return Err(e.clone());
    }
    let route = ctx.route;
    let authenticate = || match &ctx.emu.config.credentials {
        Some(creds) => auth::check(creds, req, route),
        None => Ok(()),
    };
    let Some(bucket) = route.bucket.as_deref() else {
        authenticate()?;
        return service(ctx, req);
    };
    // `None`: no such bucket; `Some(cors)`: the bucket's configuration.
    let cors = ctx.emu.store.cors(bucket);
    if let Some(h) = header(req.headers, &ACCESS_CONTROL_REQUEST_HEADERS) {
        let items = crate::model::headers::split_list(&h).count();
        if items > MAX_REQUESTED_HEADERS {
            return Err(ApiError::new(
                ErrorCode::InvalidRequest,
                format!(
                    "Access-Control-Request-Headers lists {items} headers; the emulator evaluates at most {MAX_REQUESTED_HEADERS}."
                ),
            ));
        }
    }
    if req.method == Method::OPTIONS {
        let cors = cors.ok_or_else(|| {
            let (o, m) = (
                header(req.headers, &ORIGIN),
                header(req.headers, &ACCESS_CONTROL_REQUEST_METHOD),
            );
            let refusal = ctx
                .profile
                .missing_bucket_preflight(o.as_deref(), m.as_deref());
            refusal.unwrap_or_else(no_such_bucket)
        })?;
        return Ok(preflight(ctx, req, cors.as_deref()));
    }
    // CORS headers of an actual request go on every answer to it, errors
    // included, so that a browser can read the error.
    let origin = header(req.headers, &ORIGIN);
    // Read only where the profile looks at them (s3).
    let preflight_headers = if ctx.profile.reads_preflight_headers_on_actual_requests() {
        (
            header(req.headers, &ACCESS_CONTROL_REQUEST_METHOD),
            header(req.headers, &ACCESS_CONTROL_REQUEST_HEADERS),
        )
    } else {
        (None, None)
    };
    let cors_headers = cors.as_ref().and_then(|c| {
        model::actual_request_with(
            c.as_deref(),
            origin.as_deref(),
            req.method.as_str(),
            (
                preflight_headers.0.as_deref(),
                preflight_headers.1.as_deref(),
            ),
            ctx.profile,
        )
    });
    let result = if let Err(e) = authenticate() {
        Err(e)
    } else if req.body.is_none() {
        Err(match unread {
            Some(Unread::Body(e)) => e.clone(),
            _ => ApiError::new(
                ErrorCode::EntityTooLarge,
                format!("Your proposed upload exceeds the maximum allowed size of {MAX_REQUEST_BODY} bytes."),
            ),
        })
    } else if route.key.is_empty() {
        bucket_op(ctx, req, bucket, cors.is_some())
    } else if cors.is_none() {
        Err(no_such_bucket())
    } else {
        object_op(ctx, req, bucket)
    };
    let reply = result.unwrap_or_else(|e| ctx.error(&e));
    Ok(reply.cors(cors_headers.as_ref()))
}

/// OPTIONS on any key or sub-resource of a bucket (436/8288: "OPTIONS / or
/// OPTIONS /?lifecycle").
fn preflight(ctx: &Ctx<'_>, req: &Request<'_>, cors: Option<&CorsConfiguration>) -> Reply {
    let origin = header(req.headers, &ORIGIN);
    let method = header(req.headers, &ACCESS_CONTROL_REQUEST_METHOD);
    let request_headers = header(req.headers, &ACCESS_CONTROL_REQUEST_HEADERS);
    let question = Preflight {
        origin: origin.as_deref(),
        method: method.as_deref(),
        request_headers: request_headers.as_deref(),
    };
    match model::preflight(cors, &question, ctx.profile) {
        PreflightOutcome::Allowed(h) => Reply::new(200).cors(Some(&h)),
        PreflightOutcome::Refused(e) => ctx.error(&e),
    }
}

fn service(ctx: &Ctx<'_>, req: &Request<'_>) -> Result<Reply> {
    if req.method != Method::GET {
        return Err(method_not_allowed(req.method));
    }
    let names: Vec<String> = {
        let mut v: Vec<String> = ctx.emu.store.read().keys().cloned().collect();
        v.sort();
        v
    };
    let mut body = String::from(ctx.profile.xml_prologue());
    body.push_str("<ListAllMyBucketsResult><Buckets>");
    for n in names {
        body.push_str("<Bucket><Name>");
        body.push_str(&quick_xml::escape::escape(n.as_str()));
        body.push_str("</Name></Bucket>");
    }
    body.push_str("</Buckets></ListAllMyBucketsResult>");
    Ok(Reply::new(200).body("application/xml", body))
}

fn method_not_allowed(m: &Method) -> ApiError {
    ApiError::new(
        ErrorCode::MethodNotAllowed,
        format!(
            "The specified method {} is not allowed against this resource.",
            m.as_str()
        ),
    )
}

fn bucket_op(ctx: &Ctx<'_>, req: &Request<'_>, bucket: &str, exists: bool) -> Result<Reply> {
    let route = ctx.route;
    let m = req.method;
    if *m == Method::PUT && route.subresource().is_none() {
        return create_bucket(ctx, bucket);
    }
    if !exists {
        return Err(no_such_bucket());
    }
    match route.subresource() {
        Some("cors") => cors_op(ctx, req, bucket),
        Some("uploads") if *m == Method::GET => list_uploads(ctx, bucket),
        Some(other) => Err(ApiError::new(
            ErrorCode::MethodNotAllowed,
            format!("The emulator does not implement the ?{other} sub-resource."),
        )),
        None => match *m {
            Method::HEAD => Ok(Reply::new(200)),
            Method::GET => list_objects(ctx, bucket),
            Method::DELETE => {
                let mut store = ctx.emu.store.write();
                match store.get(bucket) {
                    Some(b) if !b.objects.is_empty() => Err(ApiError::new(
                        ErrorCode::BucketNotEmpty,
                        "The bucket you tried to delete is not empty.",
                    )),
                    Some(_) => {
                        store.remove(bucket);
                        Ok(Reply::new(204))
                    }
                    None => Err(no_such_bucket()),
                }
            }
            Method::POST => post_object(ctx, req, bucket),
            _ => Err(method_not_allowed(m)),
        },
    }
}

fn create_bucket(ctx: &Ctx<'_>, bucket: &str) -> Result<Reply> {
    let valid = !bucket.is_empty()
        && bucket.len() <= 63
        && bucket
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !bucket.starts_with('-')
        && !bucket.ends_with('-');
    if !valid {
        return Err(ApiError::new(
            ErrorCode::InvalidBucketName,
            "The specified bucket name is not valid.",
        ));
    }
    if ctx.emu.store.create_bucket(bucket) {
        Ok(Reply::new(200))
    } else {
        Err(ApiError::new(
            ErrorCode::BucketAlreadyExists,
            "The requested bucket name is not available.",
        ))
    }
}

/// PUT/GET/DELETE Bucket cors (436/8279, 436/8274, DELETE Bucket cors).
fn cors_op(ctx: &Ctx<'_>, req: &Request<'_>, bucket: &str) -> Result<Reply> {
    match *req.method {
        Method::PUT => {
            let body = req.body.as_deref().unwrap_or_default();
            let md5 = header(req.headers, &CONTENT_MD5);
            let config = model::validate_put(body, md5.as_deref(), ctx.profile)?;
            let mut store = ctx.emu.store.write();
            let b = store.get_mut(bucket).ok_or_else(no_such_bucket)?;
            b.cors = Some(Arc::new(config));
            Ok(Reply::new(200))
        }
        Method::GET => {
            let cors = ctx.emu.store.cors(bucket).ok_or_else(no_such_bucket)?;
            let cors = cors.ok_or_else(|| {
                ApiError::new(
                    ErrorCode::NoSuchCorsConfiguration,
                    "The CORS configuration does not exist.",
                )
            })?;
            Ok(Reply::new(200).body("application/xml", xml::write_answer(&cors, ctx.profile)))
        }
        Method::DELETE => {
            let mut store = ctx.emu.store.write();
            let b = store.get_mut(bucket).ok_or_else(no_such_bucket)?;
            b.cors = None;
            Ok(Reply::new(204))
        }
        ref m => Err(method_not_allowed(m)),
    }
}

/// GET Bucket (List Objects, 436/7734): `prefix`, `marker`, `max-keys`
/// (1 to 1000, default 1000) with `IsTruncated` and `NextMarker` for the
/// next page, and `encoding-type=url`, which URL-encodes `Prefix`,
/// `Marker`, `NextMarker` and each `Key` so that keys with characters XML
/// cannot carry (control characters) can be listed. `delimiter` is not
/// implemented (no `CommonPrefixes`).
fn list_objects(ctx: &Ctx<'_>, bucket: &str) -> Result<Reply> {
    let param = |name: &str| {
        ctx.route
            .query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_deref().unwrap_or(""))
    };
    let invalid = |m: &'static str| ApiError::new(ErrorCode::InvalidArgument, m);
    let max_keys = match param("max-keys") {
        None => 1000,
        Some(v) => match v.parse::<usize>() {
            Ok(n) if n <= 1000 => n,
            _ => return Err(invalid("max-keys must be an integer from 0 to 1000.")),
        },
    };
    let url = match param("encoding-type") {
        None => false,
        Some(v) if v.eq_ignore_ascii_case("url") => true,
        Some(_) => return Err(invalid("encoding-type must be url.")),
    };
    let prefix = param("prefix").unwrap_or("");
    let marker = param("marker").filter(|m| !m.is_empty());
    let text = |s: &str| -> String {
        if url {
            crate::sign::uri_encode(s, true)
        } else {
            quick_xml::escape::escape(s).into_owned()
        }
    };
    let store = ctx.emu.store.read();
    let mut body = String::from(ctx.profile.xml_prologue());
    body.push_str("<ListBucketResult><Name>");
    body.push_str(bucket);
    body.push_str("</Name>");
    if url {
        body.push_str("<EncodingType>url</EncodingType>");
    }
    body.push_str(&format!(
        "<Prefix>{}</Prefix><Marker>{}</Marker><MaxKeys>{max_keys}</MaxKeys>",
        text(prefix),
        text(marker.unwrap_or(""))
    ));
    let mut contents = String::new();
    let mut last = None;
    let mut truncated = false;
    if let Some(b) = store.get(bucket) {
        let mut matching = b
            .objects
            .after(marker)
            .filter(|(k, _)| k.starts_with(prefix));
        for (k, o) in matching.by_ref().take(max_keys) {
            contents.push_str("<Contents><Key>");
            contents.push_str(&text(k));
            contents.push_str("</Key><ETag>");
            contents.push_str(&quick_xml::escape::escape(o.etag.as_str()));
            contents.push_str(&format!("</ETag><Size>{}</Size></Contents>", o.body.len()));
            last = Some(k.as_str());
        }
        truncated = matching.next().is_some();
    }
    body.push_str(if truncated {
        "<IsTruncated>true</IsTruncated>"
    } else {
        "<IsTruncated>false</IsTruncated>"
    });
    if let (true, Some(next)) = (truncated, last) {
        body.push_str(&format!("<NextMarker>{}</NextMarker>", text(next)));
    }
    body.push_str(&contents);
    body.push_str("</ListBucketResult>");
    Ok(Reply::new(200).body("application/xml", body))
}

fn etag_of(body: &[u8]) -> String {
    let d = Md5::digest(body);
    let mut s = String::with_capacity(34);
    s.push('"');
    for b in d {
        s.push_str(&format!("{b:02x}"));
    }
    s.push('"');
    s
}

fn check_md5(req: &Request<'_>, body: &[u8]) -> Result<()> {
    match header(req.headers, &CONTENT_MD5) {
        Some(md5) => model::check_content_md5(body, &md5),
        None => Ok(()),
    }
}

fn put(
    ctx: &Ctx<'_>,
    bucket: &str,
    key: &str,
    body: Bytes,
    content_type: Option<String>,
) -> Result<String> {
    let etag = etag_of(&body);
    let mut store = ctx.emu.store.write();
    let b = store.get_mut(bucket).ok_or_else(no_such_bucket)?;
    b.objects.insert(
        key.to_string(),
        Object {
            body,
            etag: etag.clone(),
            content_type,
            last_modified: SystemTime::now(),
        },
    );
    Ok(etag)
}

/// A query parameter's value (`""` when given without one).
fn param<'r>(route: &'r Route, name: &str) -> Option<&'r str> {
    route
        .query
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_deref().unwrap_or(""))
}

fn object_op(ctx: &Ctx<'_>, req: &Request<'_>, bucket: &str) -> Result<Reply> {
    let key = ctx.route.key.as_str();
    match (req.method, param(ctx.route, "uploadId")) {
        (&Method::POST, None) if ctx.route.has_param("uploads") => {
            return initiate_upload(ctx, req, bucket)
        }
        (&Method::PUT, Some(id)) => return upload_part(ctx, req, bucket, id),
        (&Method::GET, Some(id)) => return list_parts(ctx, bucket, id),
        (&Method::POST, Some(id)) => return complete_upload(ctx, req, bucket, id),
        (&Method::DELETE, Some(id)) => {
            let mut store = ctx.emu.store.write();
            let b = store.get_mut(bucket).ok_or_else(no_such_bucket)?;
            if b.uploads.get(id).is_none_or(|u| u.key != key) {
                return Err(multipart::no_such_upload());
            }
            b.uploads.remove(id);
            return Ok(Reply::new(204));
        }
        _ => {}
    }
    match *req.method {
        Method::PUT => {
            let body = req.body.clone().unwrap_or_default();
            check_md5(req, &body)?;
            let ct = header(req.headers, &CONTENT_TYPE).map(std::borrow::Cow::into_owned);
            let etag = put(ctx, bucket, key, body, ct)?;
            Ok(Reply::new(200).header("etag", etag))
        }
        Method::GET | Method::HEAD => {
            let obj = ctx
                .emu
                .store
                .read()
                .get(bucket)
                .ok_or_else(no_such_bucket)?
                .objects
                .get(key)
                .cloned()
                .ok_or_else(|| {
                    ApiError::new(ErrorCode::NoSuchKey, "The specified key does not exist.")
                })?;
            let len = obj.body.len();
            let ct = obj
                .content_type
                .clone()
                .unwrap_or_else(|| "application/octet-stream".into());
            let mut r = Reply::new(200)
                .header("etag", &obj.etag)
                .header("last-modified", httpdate::fmt_http_date(obj.last_modified));
            r = if *req.method == Method::HEAD {
                r.header("content-type", ct).head_of(len)
            } else {
                r.header("content-type", ct).body_raw(obj.body)
            };
            Ok(r)
        }
        Method::DELETE => {
            let mut store = ctx.emu.store.write();
            let b = store.get_mut(bucket).ok_or_else(no_such_bucket)?;
            b.objects.remove(key);
            Ok(Reply::new(204))
        }
        ref m => Err(method_not_allowed(m)),
    }
}

/// POST Object: a browser form upload to the bucket root.
fn post_object(ctx: &Ctx<'_>, req: &Request<'_>, bucket: &str) -> Result<Reply> {
    let malformed = || {
        ApiError::new(
            ErrorCode::MalformedXml,
            "The body of your POST request is not well-formed multipart/form-data.",
        )
    };
    let ct = header(req.headers, &CONTENT_TYPE).ok_or_else(malformed)?;
    let boundary = form::boundary(&ct).ok_or_else(malformed)?;
    let body = req.body.clone().unwrap_or_default();
    let fields = form::parse(&body, boundary).ok_or_else(malformed)?;
    let field = |n: &str| fields.iter().find(|f| f.name.eq_ignore_ascii_case(n));
    let file = field("file").ok_or_else(|| {
        ApiError::new(
            ErrorCode::InvalidArgument,
            "POST requires exactly one file upload per request.",
        )
    })?;
    let key_tpl = field("key")
        .map(|f| String::from_utf8_lossy(&f.data).into_owned())
        .filter(|k| !k.is_empty())
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidArgument,
                "Bucket POST must contain a field named 'key'.",
            )
        })?;
    let key = key_tpl.replace("${filename}", file.filename.as_deref().unwrap_or(""));
    let content_type = field("Content-Type")
        .map(|f| String::from_utf8_lossy(&f.data).into_owned())
        .or_else(|| file.content_type.clone());
    let status = field("success_action_status")
        .and_then(|f| {
            std::str::from_utf8(&f.data)
                .ok()?
                .trim()
                .parse::<u16>()
                .ok()
        })
        .filter(|s| matches!(s, 200 | 201 | 204))
        .unwrap_or(204);
    let etag = put(ctx, bucket, &key, file.data.clone(), content_type)?;
    let region = ctx
        .route
        .region
        .as_deref()
        .unwrap_or(&ctx.emu.config.region);
    let location = format!("http://{bucket}.cos.{region}.myqcloud.com/{key}");
    Ok(Reply::new(status)
        .header("etag", etag)
        .header("location", location))
}

/// Initiate Multipart Upload (`POST <key>?uploads`).
fn initiate_upload(ctx: &Ctx<'_>, req: &Request<'_>, bucket: &str) -> Result<Reply> {
    let key = ctx.route.key.as_str();
    // An id of COS's shape (digits, then hex), unique per request.
    let id = {
        let d = Md5::digest(format!("{}/{bucket}/{key}", ctx.request_id));
        let hex: String = d.iter().map(|b| format!("{b:02x}")).collect();
        let secs = SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        format!("{secs}{hex}")
    };
    let upload = multipart::Upload::new(
        key,
        header(req.headers, &CONTENT_TYPE).map(std::borrow::Cow::into_owned),
    );
    let mut store = ctx.emu.store.write();
    let b = store.get_mut(bucket).ok_or_else(no_such_bucket)?;
    b.uploads.insert(id.clone(), upload);
    let mut body = String::from(ctx.profile.xml_prologue());
    body.push_str("<InitiateMultipartUploadResult><Bucket>");
    body.push_str(&quick_xml::escape::escape(bucket));
    body.push_str("</Bucket><Key>");
    body.push_str(&quick_xml::escape::escape(key));
    body.push_str("</Key><UploadId>");
    body.push_str(&id);
    body.push_str("</UploadId></InitiateMultipartUploadResult>");
    Ok(Reply::new(200).body("application/xml", body))
}

/// The owner and initiator of uploads, as COS's List Multipart Uploads and
/// List Parts pages show them (436/7736, 436/7747: `qcs::cam::uin/<uin>:uin/<uin>`,
/// the pages' example account); the emulator has no accounts.
const OWNER: &str =
    "<ID>qcs::cam::uin/100000000001:uin/100000000001</ID><DisplayName>100000000001</DisplayName>";

/// A query parameter as a count in `1..=max` (`default` when absent).
fn count_param(ctx: &Ctx<'_>, name: &str, default: usize, max: usize) -> Result<usize> {
    match param(ctx.route, name) {
        None => Ok(default),
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| {
                ApiError::new(
                    ErrorCode::InvalidArgument,
                    format!("{name} must be an integer from 1 to {max}."),
                )
            }),
    }
}

/// List Multipart Uploads (`GET /?uploads`, COS 436/7736): the uploads in
/// progress whose key starts with `prefix`, by key and then by initiation
/// time, after `key-marker` (and, within that key, after
/// `upload-id-marker`), at most `max-uploads` (1 to 1000, default 1000).
fn list_uploads(ctx: &Ctx<'_>, bucket: &str) -> Result<Reply> {
    let max = count_param(ctx, "max-uploads", 1000, 1000)?;
    let prefix = param(ctx.route, "prefix").unwrap_or("");
    let key_marker = param(ctx.route, "key-marker").unwrap_or("");
    let id_marker = param(ctx.route, "upload-id-marker").filter(|m| !m.is_empty());
    let store = ctx.emu.store.read();
    let b = store.get(bucket).ok_or_else(no_such_bucket)?;
    let mut all: Vec<(&str, &multipart::Upload)> = b
        .uploads
        .iter()
        .filter(|(_, u)| u.key.starts_with(prefix))
        .collect();
    all.sort_by(|(a_id, a), (b_id, b)| {
        (a.key.as_str(), a.initiated, *a_id).cmp(&(b.key.as_str(), b.initiated, *b_id))
    });
    // Past the markers: keys after key-marker; with upload-id-marker, also
    // the marker key's uploads after that one.
    let start = if key_marker.is_empty() {
        0
    } else {
        let after_id = id_marker.and_then(|m| {
            all.iter()
                .position(|(id, u)| *id == m && u.key == key_marker)
        });
        match after_id {
            Some(at) => at + 1,
            None => all
                .iter()
                .position(|(_, u)| u.key.as_str() > key_marker)
                .unwrap_or(all.len()),
        }
    };
    let page = &all[start..];
    let truncated = page.len() > max;
    let page = &page[..page.len().min(max)];
    let esc = |v: &str| quick_xml::escape::escape(v).into_owned();
    let mut body = String::from(ctx.profile.xml_prologue());
    body.push_str(&format!(
        "<ListMultipartUploadsResult><Bucket>{}</Bucket><KeyMarker>{}</KeyMarker><UploadIdMarker>{}</UploadIdMarker>",
        esc(bucket),
        esc(key_marker),
        esc(id_marker.unwrap_or("")),
    ));
    let (next_key, next_id) = match (truncated, page.last()) {
        (true, Some((id, u))) => (u.key.as_str(), *id),
        _ => ("", ""),
    };
    body.push_str(&format!(
        "<NextKeyMarker>{}</NextKeyMarker><NextUploadIdMarker>{}</NextUploadIdMarker><MaxUploads>{max}</MaxUploads><IsTruncated>{truncated}</IsTruncated><Prefix>{}</Prefix>",
        esc(next_key),
        esc(next_id),
        esc(prefix),
    ));
    for (id, u) in page {
        body.push_str(&format!(
            "<Upload><Key>{}</Key><UploadId>{}</UploadId><StorageClass>STANDARD</StorageClass><Initiator>{OWNER}</Initiator><Owner>{OWNER}</Owner><Initiated>{}</Initiated></Upload>",
            esc(&u.key),
            esc(id),
            crate::clock::rfc3339_millis(u.initiated),
        ));
    }
    body.push_str("</ListMultipartUploadsResult>");
    Ok(Reply::new(200).body("application/xml", body))
}

/// List Parts (`GET <key>?uploadId=ID`, COS 436/7747): an upload's parts by
/// number, after `part-number-marker`, at most `max-parts` (1 to 1000,
/// default 1000).
fn list_parts(ctx: &Ctx<'_>, bucket: &str, id: &str) -> Result<Reply> {
    let key = ctx.route.key.as_str();
    let max = count_param(ctx, "max-parts", 1000, 1000)?;
    let marker = match param(ctx.route, "part-number-marker") {
        None | Some("") => 0,
        Some(v) => v.parse::<u32>().map_err(|_| {
            ApiError::new(
                ErrorCode::InvalidArgument,
                "part-number-marker must be an integer.",
            )
        })?,
    };
    let store = ctx.emu.store.read();
    let b = store.get(bucket).ok_or_else(no_such_bucket)?;
    let upload = b
        .uploads
        .get(id)
        .filter(|u| u.key == key)
        .ok_or_else(multipart::no_such_upload)?;
    let mut after = upload.parts.range(marker.saturating_add(1)..);
    let page: Vec<_> = after.by_ref().take(max).collect();
    let truncated = after.next().is_some();
    let esc = |v: &str| quick_xml::escape::escape(v).into_owned();
    let mut body = String::from(ctx.profile.xml_prologue());
    body.push_str(&format!(
        "<ListPartsResult><Bucket>{}</Bucket><Key>{}</Key><UploadId>{}</UploadId><Initiator>{OWNER}</Initiator><Owner>{OWNER}</Owner><StorageClass>STANDARD</StorageClass><PartNumberMarker>{marker}</PartNumberMarker><NextPartNumberMarker>{}</NextPartNumberMarker><MaxParts>{max}</MaxParts><IsTruncated>{truncated}</IsTruncated>",
        esc(bucket),
        esc(key),
        esc(id),
        page.last().map_or(0, |(n, _)| **n),
    ));
    for (n, part) in page {
        body.push_str(&format!(
            "<Part><PartNumber>{n}</PartNumber><LastModified>{}</LastModified><ETag>{}</ETag><Size>{}</Size></Part>",
            crate::clock::rfc3339_millis(part.last_modified),
            quick_xml::escape::partial_escape(&part.etag),
            part.body.len(),
        ));
    }
    body.push_str("</ListPartsResult>");
    Ok(Reply::new(200).body("application/xml", body))
}

/// Upload Part (`PUT <key>?partNumber=N&uploadId=ID`): the part is kept,
/// its ETag answered.
fn upload_part(ctx: &Ctx<'_>, req: &Request<'_>, bucket: &str, id: &str) -> Result<Reply> {
    let n = multipart::part_number(param(ctx.route, "partNumber"))?;
    let body = req.body.clone().unwrap_or_default();
    check_md5(req, &body)?;
    let etag = etag_of(&body);
    let mut store = ctx.emu.store.write();
    let b = store.get_mut(bucket).ok_or_else(no_such_bucket)?;
    b.uploads
        .add_part(id, &ctx.route.key, n, body, etag.clone())
        .ok_or_else(multipart::no_such_upload)?;
    Ok(Reply::new(200).header("etag", etag))
}

/// Complete Multipart Upload (`POST <key>?uploadId=ID`): the listed parts
/// become the object.
fn complete_upload(ctx: &Ctx<'_>, req: &Request<'_>, bucket: &str, id: &str) -> Result<Reply> {
    let key = ctx.route.key.as_str();
    let list = multipart::parse_complete(req.body.as_deref().unwrap_or_default())?;
    let mut store = ctx.emu.store.write();
    let b = store.get_mut(bucket).ok_or_else(no_such_bucket)?;
    let upload = b
        .uploads
        .get(id)
        .filter(|u| u.key == key)
        .ok_or_else(multipart::no_such_upload)?;
    let (data, etag) = multipart::assemble(upload, &list)?;
    let content_type = upload.content_type.clone();
    b.uploads.remove(id);
    b.objects.insert(
        key.to_string(),
        Object {
            body: data,
            etag: etag.clone(),
            content_type,
            last_modified: SystemTime::now(),
        },
    );
    drop(store);
    let region = ctx
        .route
        .region
        .as_deref()
        .unwrap_or(&ctx.emu.config.region);
    // Quotes stay as they are (the ETag is quoted, as COS writes it).
    let esc = |v: &str| quick_xml::escape::partial_escape(v).into_owned();
    let body = format!(
        "{}<CompleteMultipartUploadResult><Location>{}</Location><Bucket>{}</Bucket><Key>{}</Key><ETag>{}</ETag></CompleteMultipartUploadResult>",
        ctx.profile.xml_prologue(),
        esc(&format!("{bucket}.cos.{region}.myqcloud.com/{key}")),
        esc(bucket),
        esc(key),
        esc(&etag),
    );
    Ok(Reply::new(200).body("application/xml", body))
}
