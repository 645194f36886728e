//! Multipart upload, minimally but really: Initiate (`POST <key>?uploads`),
//! Upload Part (`PUT <key>?partNumber=N&uploadId=ID`), Complete (`POST
//! <key>?uploadId=ID`), Abort (`DELETE <key>?uploadId=ID`), List Multipart
//! Uploads (`GET /?uploads`) and List Parts (`GET <key>?uploadId=ID`): the
//! JS SDK's `sliceUploadFile` lists the bucket's uploads for its key first,
//! to resume one, and lists a found upload's parts. The emulator
//! has them because COS's CORS check covers them ("Multipart 相关的接口目前也
//! 已经完全支持 CORS 验证", best practice 436/11488) and the COS JS SDK's
//! browser uploads depend on it (it reads each part's `ETag`).
//!
//! Answers follow COS's Initiate/Complete Multipart Upload pages (436/7746,
//! 436/7742): `InitiateMultipartUploadResult` (`Bucket`, `Key`,
//! `UploadId`), `CompleteMultipartUploadResult` (`Location`, `Bucket`,
//! `Key`, `ETag`). The completed object's ETag is the MD5 of the parts'
//! MD5s with `-<count>`, as S3-style stores write it.

use std::collections::BTreeMap;
use std::time::SystemTime;

use bytes::{Bytes, BytesMut};
use md5::{Digest, Md5};
use quick_xml::events::Event;
use quick_xml::Reader;

use crate::model::{ApiError, ErrorCode};

/// An upload in progress.
#[derive(Debug, Clone)]
pub struct Upload {
    pub key: String,
    pub content_type: Option<String>,
    /// When Initiate made it (List Multipart Uploads' `Initiated`, and the
    /// order of one key's uploads there).
    pub initiated: SystemTime,
    /// Part number → the part.
    pub parts: BTreeMap<u32, Part>,
}

impl Upload {
    /// An upload of `key` initiated now, without parts.
    pub fn new(key: impl Into<String>, content_type: Option<String>) -> Self {
        Upload {
            key: key.into(),
            content_type,
            initiated: SystemTime::now(),
            parts: BTreeMap::new(),
        }
    }
}

/// An uploaded part.
#[derive(Debug, Clone)]
pub struct Part {
    pub body: Bytes,
    pub etag: String,
    /// When it was uploaded (List Parts' `LastModified`).
    pub last_modified: SystemTime,
}

impl Part {
    pub fn new(body: Bytes, etag: String) -> Self {
        Part {
            body,
            etag,
            last_modified: SystemTime::now(),
        }
    }
}

/// The largest part number (COS Upload Part: 1 to 10000).
pub const MAX_PART_NUMBER: u32 = 10_000;

pub fn no_such_upload() -> ApiError {
    ApiError::new(
        ErrorCode::NoSuchUpload,
        "The specified upload does not exist.",
    )
}

/// Parse `partNumber`: 1 to [`MAX_PART_NUMBER`].
pub fn part_number(v: Option<&str>) -> Result<u32, ApiError> {
    v.and_then(|v| v.parse::<u32>().ok())
        .filter(|n| (1..=MAX_PART_NUMBER).contains(n))
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidArgument,
                "Part number must be an integer between 1 and 10000, inclusive.",
            )
        })
}

/// The `(PartNumber, ETag)` list of a `CompleteMultipartUpload` body, in
/// the body's order.
pub fn parse_complete(body: &[u8]) -> Result<Vec<(u32, String)>, ApiError> {
    let malformed = |why: &str| {
        ApiError::new(
            ErrorCode::MalformedXml,
            format!("The XML you provided was not well-formed or did not validate against our published schema: {why}."),
        )
    };
    let mut r = Reader::from_reader(body);
    r.config_mut().trim_text(true);
    let mut parts = Vec::new();
    let mut current: Option<(Option<u32>, Option<String>)> = None;
    let mut field: Option<Vec<u8>> = None;
    let mut saw_root = false;
    loop {
        match r.read_event() {
            Err(_) => return Err(malformed("not well-formed XML")),
            Ok(Event::Start(e)) => {
                let name = e.local_name().as_ref().to_vec();
                match name.as_slice() {
                    b"CompleteMultipartUpload" => saw_root = true,
                    b"Part" => current = Some((None, None)),
                    _ => field = Some(name),
                }
            }
            Ok(Event::Text(t)) => {
                let text = t.unescape().map_err(|_| malformed("bad text"))?;
                match (field.as_deref(), current.as_mut()) {
                    (Some(b"PartNumber"), Some(p)) => {
                        p.0 = Some(text.trim().parse().map_err(|_| malformed("PartNumber"))?);
                    }
                    (Some(b"ETag"), Some(p)) => p.1 = Some(text.trim().to_string()),
                    _ => {}
                }
            }
            Ok(Event::End(e)) => {
                if e.local_name().as_ref() == b"Part" {
                    match current.take() {
                        Some((Some(n), Some(etag))) => parts.push((n, etag)),
                        _ => return Err(malformed("a <Part> needs <PartNumber> and <ETag>")),
                    }
                }
                field = None;
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
        }
    }
    if !saw_root || parts.is_empty() {
        return Err(malformed("no <CompleteMultipartUpload> with parts"));
    }
    Ok(parts)
}

/// Assemble the parts `list` names, in order: the object's body and ETag.
/// Every part must have been uploaded with that ETag (400 `InvalidPart`),
/// in ascending order (400 `InvalidPartOrder`).
pub fn assemble(upload: &Upload, list: &[(u32, String)]) -> Result<(Bytes, String), ApiError> {
    if list.windows(2).any(|w| w[0].0 >= w[1].0) {
        return Err(ApiError::new(
            ErrorCode::InvalidPartOrder,
            "The list of parts was not in ascending order.",
        ));
    }
    let mut body = BytesMut::new();
    let mut digests = Md5::new();
    for (n, etag) in list {
        let unquote = |s: &str| s.trim_matches('"').to_string();
        match upload.parts.get(n) {
            Some(part) if unquote(&part.etag) == unquote(etag) => {
                body.extend_from_slice(&part.body);
                digests.update(Md5::digest(&part.body));
            }
            _ => {
                return Err(ApiError::new(
                    ErrorCode::InvalidPart,
                    "One or more of the specified parts could not be found.",
                ))
            }
        }
    }
    let hex: String = digests
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok((body.freeze(), format!("\"{hex}-{}\"", list.len())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn complete_assembles_the_listed_parts() {
        let mut up = Upload::new("k", None);
        up.parts.insert(
            1,
            Part::new(Bytes::from_static(b"ab"), "\"e1\"".to_string()),
        );
        up.parts.insert(
            2,
            Part::new(Bytes::from_static(b"cd"), "\"e2\"".to_string()),
        );
        let list = parse_complete(
            b"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>\"e1\"</ETag></Part><Part><PartNumber>2</PartNumber><ETag>e2</ETag></Part></CompleteMultipartUpload>",
        )
        .expect("parses");
        assert_eq!(list, [(1, "\"e1\"".to_string()), (2, "e2".to_string())]);
        let (body, etag) = assemble(&up, &list).expect("assembles");
        assert_eq!(&body[..], b"abcd");
        assert!(etag.ends_with("-2\""), "{etag}");
        let e = assemble(&up, &[(1, "wrong".into())]).expect_err("bad etag");
        assert_eq!(e.code, ErrorCode::InvalidPart);
        let e = assemble(&up, &[(2, "e2".into()), (1, "e1".into())]).expect_err("order");
        assert_eq!(e.code, ErrorCode::InvalidPartOrder);
        assert!(parse_complete(b"<CompleteMultipartUpload/>").is_err());
        assert!(part_number(Some("0")).is_err());
        assert_eq!(part_number(Some("10000")).ok(), Some(10_000));
    }
}
