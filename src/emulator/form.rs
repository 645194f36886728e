//! A small `multipart/form-data` reader for POST Object (browser form
//! upload, COS "POST Object"): enough to take the `key`, `file` and
//! `success_action_status` fields that browsers and the COS JS SDK send.

use bytes::Bytes;

/// One form field.
#[derive(Debug)]
pub struct Field {
    pub name: String,
    pub filename: Option<String>,
    pub content_type: Option<String>,
    pub data: Bytes,
}

/// The boundary of a `multipart/form-data` content type.
pub fn boundary(content_type: &str) -> Option<&str> {
    let (mime, params) = content_type.split_once(';')?;
    if !mime.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params.split(';').find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| v.trim().trim_matches('"'))
            .filter(|b| !b.is_empty())
    })
}

/// Split a body into fields; `None` if it is not well-formed.
pub fn parse(body: &Bytes, boundary: &str) -> Option<Vec<Field>> {
    let delim = format!("--{boundary}");
    let d = delim.as_bytes();
    let mut pos = find(body, d, 0)? + d.len();
    let mut fields = Vec::new();
    loop {
        if body.get(pos..pos + 2) == Some(b"--") {
            return Some(fields);
        }
        // CRLF after the delimiter.
        pos = find(body, b"\r\n", pos)? + 2;
        let head_end = find(body, b"\r\n\r\n", pos)?;
        let head = std::str::from_utf8(&body[pos..head_end]).ok()?;
        let data_start = head_end + 4;
        let next = find(body, format!("\r\n{delim}").as_bytes(), data_start)?;
        let mut field = Field {
            name: String::new(),
            filename: None,
            content_type: None,
            data: body.slice(data_start..next),
        };
        for line in head.split("\r\n") {
            let (k, v) = line.split_once(':')?;
            if k.trim().eq_ignore_ascii_case("content-disposition") {
                for param in v.split(';').skip(1) {
                    if let Some((pk, pv)) = param.split_once('=') {
                        let pv = pv.trim().trim_matches('"').to_string();
                        match pk.trim() {
                            "name" => field.name = pv,
                            "filename" => field.filename = Some(pv),
                            _ => {}
                        }
                    }
                }
            } else if k.trim().eq_ignore_ascii_case("content-type") {
                field.content_type = Some(v.trim().to_string());
            }
        }
        fields.push(field);
        pos = next + 2 + d.len();
    }
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if from > hay.len() || needle.is_empty() {
        return None;
    }
    hay[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_fields() {
        let body = Bytes::from_static(
            b"--XX\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\na/${filename}\r\n--XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f.txt\"\r\nContent-Type: text/plain\r\n\r\nhello\r\n--XX--\r\n",
        );
        assert_eq!(boundary("multipart/form-data; boundary=XX"), Some("XX"));
        let f = parse(&body, "XX").expect("parses");
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].name, "key");
        assert_eq!(&f[0].data[..], b"a/${filename}");
        assert_eq!(f[1].filename.as_deref(), Some("f.txt"));
        assert_eq!(&f[1].data[..], b"hello");
        assert!(parse(&Bytes::from_static(b"--XX\r\nbad"), "XX").is_none());
    }
}
