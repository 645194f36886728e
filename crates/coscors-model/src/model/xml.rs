//! The XML codec of a CORS configuration.
//!
//! Reading accepts what COS SDKs send: with or without an `xmlns` (any
//! prefix), elements in any order, surrounding whitespace and comments.
//! Writing: [`write()`] produces a compact request body every vendor accepts
//! (the runner's and the fuzzer's PUT ?cors); [`write_answer`] produces what
//! GET Bucket cors answers, on COS as 436/8274 prints it (tab-indented,
//! `ExposeHeader` before `MaxAgeSeconds`). Both keep the rules in the order
//! they were put.

use std::borrow::Cow;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use super::config::{CorsConfiguration, CorsRule, Text};
use super::profile::Profile;

/// Why a body is not a CORS configuration document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} (at byte {position})")]
pub struct XmlError {
    pub message: String,
    pub position: u64,
}

/// Parse a `<CORSConfiguration>` document.
pub fn parse(body: &[u8]) -> Result<CorsConfiguration, XmlError> {
    // Text is kept verbatim (XML says its whitespace is data), so that
    // write → parse is the identity; whitespace-only text between elements
    // is layout and is skipped.
    let reader = Reader::from_reader(body);
    let mut p = Parser { reader };
    p.document()
}

struct Parser<'a> {
    reader: Reader<&'a [u8]>,
}

impl<'a> Parser<'a> {
    fn err(&self, message: impl Into<String>) -> XmlError {
        XmlError {
            message: message.into(),
            position: self.reader.buffer_position(),
        }
    }

    /// The next event, borrowing from the body (no copy per element).
    fn next(&mut self) -> Result<Event<'a>, XmlError> {
        match self.reader.read_event() {
            Ok(ev) => Ok(ev),
            Err(e) => Err(self.err(format!("not well-formed XML: {e}"))),
        }
    }

    fn document(&mut self) -> Result<CorsConfiguration, XmlError> {
        let mut config = None;
        loop {
            match self.next()? {
                Event::Decl(_) | Event::Comment(_) | Event::PI(_) | Event::DocType(_) => {}
                Event::Start(e) if config.is_none() => {
                    expect_name(self, &e, "CORSConfiguration")?;
                    config = Some(self.configuration()?);
                }
                Event::Empty(e) if config.is_none() => {
                    expect_name(self, &e, "CORSConfiguration")?;
                    config = Some(CorsConfiguration::default());
                }
                Event::Eof => {
                    return config.ok_or_else(|| self.err("no <CORSConfiguration> element"));
                }
                Event::Text(t) if is_blank(&t) => {}
                Event::Text(_) | Event::CData(_) => {
                    return Err(self.err("text outside the root element"))
                }
                Event::Start(_) | Event::Empty(_) => {
                    return Err(self.err("more than one root element"))
                }
                Event::End(_) => return Err(self.err("unexpected end tag")),
            }
        }
    }

    fn configuration(&mut self) -> Result<CorsConfiguration, XmlError> {
        let mut config = CorsConfiguration::default();
        let mut seen_vary = false;
        loop {
            match self.next()? {
                Event::Comment(_) | Event::PI(_) => {}
                Event::Start(e) => match local(&e) {
                    b"CORSRule" => config.rules.push(self.rule()?),
                    b"ResponseVary" => {
                        if seen_vary {
                            return Err(self.err("<ResponseVary> given twice"));
                        }
                        seen_vary = true;
                        let t = self.leaf(b"ResponseVary")?;
                        config.response_vary = Some(parse_bool(self, &t)?);
                    }
                    other => return Err(self.unknown(other, "CORSConfiguration")),
                },
                Event::Empty(e) => match local(&e) {
                    b"CORSRule" => config.rules.push(CorsRule::default()),
                    b"ResponseVary" => return Err(self.err("<ResponseVary> is empty")),
                    other => return Err(self.unknown(other, "CORSConfiguration")),
                },
                Event::End(_) => return Ok(config),
                Event::Text(t) if is_blank(&t) => {}
                Event::Text(_) | Event::CData(_) => {
                    return Err(self.err("text directly inside <CORSConfiguration>"))
                }
                Event::Eof => return Err(self.err("document ends inside <CORSConfiguration>")),
                Event::Decl(_) | Event::DocType(_) => {
                    return Err(self.err("declaration inside <CORSConfiguration>"))
                }
            }
        }
    }

    fn rule(&mut self) -> Result<CorsRule, XmlError> {
        let mut rule = CorsRule::default();
        loop {
            let event = self.next()?;
            let (name, value) = match &event {
                Event::Comment(_) | Event::PI(_) => continue,
                Event::Start(e) => (local(e), self.leaf(local(e))?),
                Event::Empty(e) => (local(e), Cow::Borrowed("")),
                Event::End(_) => return Ok(rule),
                Event::Text(t) if is_blank(t) => continue,
                Event::Text(_) | Event::CData(_) => {
                    return Err(self.err("text directly inside <CORSRule>"))
                }
                Event::Eof => return Err(self.err("document ends inside <CORSRule>")),
                Event::Decl(_) | Event::DocType(_) => {
                    return Err(self.err("declaration inside <CORSRule>"))
                }
            };
            match name {
                b"ID" if rule.id.is_none() => rule.id = Some(value),
                b"ID" => return Err(self.err("<ID> given twice in one <CORSRule>")),
                b"AllowedOrigin" => rule.allowed_origins.push(value),
                b"AllowedMethod" => rule.allowed_methods.push(value),
                b"AllowedHeader" => rule.allowed_headers.push(value),
                b"ExposeHeader" => rule.expose_headers.push(value),
                b"MaxAgeSeconds" if rule.max_age_seconds.is_none() => {
                    let n = value.trim().parse::<u64>().map_err(|_| {
                        self.err(format!(
                            "<MaxAgeSeconds> is not a non-negative integer: {value:?}"
                        ))
                    })?;
                    rule.max_age_seconds = Some(n);
                }
                b"MaxAgeSeconds" => {
                    return Err(self.err("<MaxAgeSeconds> given twice in one <CORSRule>"))
                }
                other => return Err(self.unknown(other, "CORSRule")),
            }
        }
    }

    fn unknown(&self, name: &[u8], parent: &str) -> XmlError {
        self.err(format!("unknown element <{}> in <{parent}>", lossy(name)))
    }

    /// Read the text of a leaf element whose start tag was just read, up to
    /// and including its end tag. One piece of text (the usual case) is
    /// copied once, or not at all when it is one of the words most
    /// configurations are made of.
    fn leaf(&mut self, name: &[u8]) -> Result<Text, XmlError> {
        let mut text: Option<Cow<'a, str>> = None;
        let mut append = |piece: Cow<'a, str>| match &mut text {
            None => text = Some(piece),
            Some(t) => t.to_mut().push_str(&piece),
        };
        loop {
            match self.next()? {
                Event::Text(t) => match t.unescape() {
                    Ok(s) => append(s),
                    Err(e) => return Err(self.err(format!("bad text in <{}>: {e}", lossy(name)))),
                },
                Event::CData(c) => match c.decode() {
                    Ok(s) => append(s),
                    Err(_) => return Err(self.err(format!("<{}> is not UTF-8", lossy(name)))),
                },
                Event::Comment(_) | Event::PI(_) => {}
                Event::End(_) => {
                    return Ok(match text {
                        None => Cow::Borrowed(""),
                        Some(t) => {
                            intern(&t).map_or_else(|| Cow::Owned(t.into_owned()), Cow::Borrowed)
                        }
                    })
                }
                Event::Start(_) | Event::Empty(_) => {
                    return Err(self.err(format!(
                        "element inside <{}>, which holds text",
                        lossy(name)
                    )))
                }
                Event::Eof => {
                    return Err(self.err(format!("document ends inside <{}>", lossy(name))))
                }
                Event::Decl(_) | Event::DocType(_) => {
                    return Err(self.err(format!("declaration inside <{}>", lossy(name))))
                }
            }
        }
    }
}

/// The words most configurations are made of, shared instead of copied.
fn intern(value: &str) -> Option<&'static str> {
    ["*", "GET", "PUT", "POST", "DELETE", "HEAD"]
        .into_iter()
        .find(|w| *w == value)
}

fn is_blank(t: &quick_xml::events::BytesText<'_>) -> bool {
    t.iter().all(u8::is_ascii_whitespace)
}

/// A name for a message.
fn lossy(name: &[u8]) -> Cow<'_, str> {
    String::from_utf8_lossy(name)
}

/// An element's local name (its prefix, if any, dropped).
fn local<'e>(e: &'e BytesStart<'_>) -> &'e [u8] {
    e.local_name().into_inner()
}

fn expect_name(p: &Parser<'_>, e: &BytesStart<'_>, want: &str) -> Result<(), XmlError> {
    let got = local(e);
    if got == want.as_bytes() {
        Ok(())
    } else {
        let got = lossy(got);
        Err(p.err(format!("root element is <{got}>, expected <{want}>")))
    }
}

fn parse_bool(p: &Parser<'_>, t: &str) -> Result<bool, XmlError> {
    match t.trim() {
        "true" => Ok(true),
        "false" => Ok(false),
        other => Err(p.err(format!(
            "<ResponseVary> is {other:?}, expected true or false"
        ))),
    }
}

/// Write a configuration compactly, after the vendor's prologue: the body
/// the runner and the fuzzer PUT, and the s3 profile's GET answer.
///
/// Per rule: `ID`, `AllowedOrigin`, `AllowedMethod`, `AllowedHeader`,
/// `MaxAgeSeconds`, `ExposeHeader`, then `ResponseVary`: the order of the
/// 2020 PUT Bucket cors request sample (436/8279). It is not GET's order
/// (436/8274 puts `ExposeHeader` before `MaxAgeSeconds`): see
/// [`write_answer`]. COS accepts elements in any order (the official SDKs
/// send very different orders and their real-COS tests pass).
pub fn write(config: &CorsConfiguration, profile: Profile) -> String {
    let mut out = String::with_capacity(256 + config.rules.len() * 256);
    out.push_str(profile.xml_prologue());
    out.push_str("<CORSConfiguration>");
    for rule in &config.rules {
        out.push_str("<CORSRule>");
        if let Some(id) = &rule.id {
            element(&mut out, "ID", id);
        }
        for v in &rule.allowed_origins {
            element(&mut out, "AllowedOrigin", v);
        }
        for v in &rule.allowed_methods {
            element(&mut out, "AllowedMethod", v);
        }
        for v in &rule.allowed_headers {
            element(&mut out, "AllowedHeader", v);
        }
        if let Some(n) = rule.max_age_seconds {
            element(&mut out, "MaxAgeSeconds", &n.to_string());
        }
        for v in &rule.expose_headers {
            element(&mut out, "ExposeHeader", v);
        }
        out.push_str("</CORSRule>");
    }
    if let Some(v) = config.response_vary {
        element(&mut out, "ResponseVary", if v { "true" } else { "false" });
    }
    out.push_str("</CORSConfiguration>");
    out
}

/// Write a configuration as the vendor's GET Bucket cors answers it.
///
/// COS (GET Bucket cors, 436/8274, syntax and example; the 2019 page
/// agrees): the prologue, a newline, then one element per line indented
/// with tabs; per rule `ID` (only if one was put), `AllowedOrigin`,
/// `AllowedMethod`, `AllowedHeader`, `ExposeHeader`, `MaxAgeSeconds`; then
/// `ResponseVary` if it was put. Text is escaped as COS escapes its error
/// bodies (`'` as `&apos;`, 436/8288 example 4). S3: [`write()`].
pub fn write_answer(config: &CorsConfiguration, profile: Profile) -> String {
    if !profile.indents_xml() {
        return write(config, profile);
    }
    let mut out = String::with_capacity(256 + config.rules.len() * 320);
    out.push_str(profile.xml_prologue());
    out.push_str("\n<CORSConfiguration>");
    let line = |out: &mut String, name: &str, value: &str| {
        out.push_str("\n\t\t<");
        out.push_str(name);
        out.push('>');
        out.push_str(&quick_xml::escape::escape(value));
        out.push_str("</");
        out.push_str(name);
        out.push('>');
    };
    for rule in &config.rules {
        out.push_str("\n\t<CORSRule>");
        if let Some(id) = &rule.id {
            line(&mut out, "ID", id);
        }
        for (name, values) in repeated_elements(rule) {
            for v in values {
                line(&mut out, name, v);
            }
        }
        if let Some(n) = rule.max_age_seconds {
            line(&mut out, "MaxAgeSeconds", &n.to_string());
        }
        out.push_str("\n\t</CORSRule>");
    }
    if let Some(v) = config.response_vary {
        out.push_str("\n\t<ResponseVary>");
        out.push_str(if v { "true" } else { "false" });
        out.push_str("</ResponseVary>");
    }
    out.push_str("\n</CORSConfiguration>");
    out
}

/// The length in bytes of [`write()`]'s answer, without writing it: the
/// fuzzer's model target checks the 64 KB limit of a configuration it never
/// needs as text.
pub fn written_len(config: &CorsConfiguration, profile: Profile) -> usize {
    written_len_with(config, profile, escaped_len)
}

/// At least [`written_len`], at a fraction of its cost (no value is
/// scanned): what a limit is checked against first.
pub fn written_len_bound(config: &CorsConfiguration, profile: Profile) -> usize {
    // An escaped character takes at most 5 bytes (`&amp;`).
    written_len_with(config, profile, |v| v.len() * 5)
}

fn written_len_with(
    config: &CorsConfiguration,
    profile: Profile,
    escaped_len: impl Fn(&str) -> usize,
) -> usize {
    // `<Name>` + `</Name>` around the escaped value.
    let element = |name: &str, value: &str| 2 * name.len() + 5 + escaped_len(value);
    let mut n =
        profile.xml_prologue().len() + "<CORSConfiguration>".len() + "</CORSConfiguration>".len();
    for rule in &config.rules {
        n += "<CORSRule>".len() + "</CORSRule>".len();
        n += rule.id.as_ref().map_or(0, |id| element("ID", id));
        for (name, values) in repeated_elements(rule) {
            n += values.iter().map(|v| element(name, v)).sum::<usize>();
        }
        if let Some(age) = rule.max_age_seconds {
            n += element("MaxAgeSeconds", "") + age.checked_ilog10().map_or(1, |d| d as usize + 1);
        }
    }
    if let Some(v) = config.response_vary {
        n += element("ResponseVary", if v { "true" } else { "false" });
    }
    n
}

/// The length of `value` once escaped as [`write()`] escapes it (`<`, `>`
/// and `&` become `&lt;`, `&gt;` and `&amp;`).
fn escaped_len(value: &str) -> usize {
    // Branch-free, so that it vectorises: `<` and `>` add 3, `&` adds 4.
    let extra: usize = value
        .bytes()
        .map(|b| 3 * usize::from(b == b'<' || b == b'>') + 4 * usize::from(b == b'&'))
        .sum();
    value.len() + extra
}

/// Append `value` escaped as quick-xml's `partial_escape` does (`<`, `>`
/// and `&`; quotes are left, as COS leaves them), without an intermediate
/// string: most values have nothing to escape and are copied at once.
fn escape_into(out: &mut String, value: &str) {
    let mut rest = value;
    // The three are ASCII: a byte index of one is a character boundary.
    while let Some(i) = rest.bytes().position(|b| matches!(b, b'<' | b'>' | b'&')) {
        out.push_str(&rest[..i]);
        out.push_str(match rest.as_bytes()[i] {
            b'<' => "&lt;",
            b'>' => "&gt;",
            _ => "&amp;",
        });
        rest = &rest[i + 1..];
    }
    out.push_str(rest);
}

fn element(out: &mut String, name: &str, value: &str) {
    out.push('<');
    out.push_str(name);
    out.push('>');
    escape_into(out, value);
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

/// A rule's repeated elements in the order COS writes them, each with its
/// values (the answer writer and the size bound walk the same list).
fn repeated_elements(rule: &CorsRule) -> [(&'static str, &[Text]); 4] {
    [
        ("AllowedOrigin", &rule.allowed_origins),
        ("AllowedMethod", &rule.allowed_methods),
        ("AllowedHeader", &rule.allowed_headers),
        ("ExposeHeader", &rule.expose_headers),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    const SDK_BODY: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<CORSConfiguration xmlns="http://www.qcloud.com/document/product/436/7751">
  <CORSRule>
    <MaxAgeSeconds>5</MaxAgeSeconds>
    <AllowedOrigin>*</AllowedOrigin>
    <AllowedMethod>GET</AllowedMethod>
    <AllowedMethod>POST</AllowedMethod>
    <AllowedHeader>*</AllowedHeader>
    <ExposeHeader>ETag</ExposeHeader>
    <ID>r1</ID>
  </CORSRule>
  <ResponseVary>true</ResponseVary>
</CORSConfiguration>"#;

    #[test]
    fn reads_any_order_with_namespace() {
        let c = parse(SDK_BODY.as_bytes()).expect("parses");
        assert_eq!(c.rules.len(), 1);
        let r = &c.rules[0];
        assert_eq!(r.id.as_deref(), Some("r1"));
        assert_eq!(r.allowed_origins, ["*"]);
        assert_eq!(r.allowed_methods, ["GET", "POST"]);
        assert_eq!(r.max_age_seconds, Some(5));
        assert_eq!(c.response_vary, Some(true));
    }

    #[test]
    fn prefixed_namespace() {
        let body = r#"<c:CORSConfiguration xmlns:c="urn:x"><c:CORSRule><c:AllowedOrigin>a</c:AllowedOrigin><c:AllowedMethod>GET</c:AllowedMethod></c:CORSRule></c:CORSConfiguration>"#;
        let c = parse(body.as_bytes()).expect("parses");
        assert_eq!(c.rules[0].allowed_origins, ["a"]);
    }

    #[test]
    fn write_then_read_is_identity() {
        let c = parse(SDK_BODY.as_bytes()).expect("parses");
        let written = write(&c, Profile::Cos);
        assert!(written.starts_with("<?xml version='1.0' encoding='utf-8' ?><CORSConfiguration>"));
        assert_eq!(parse(written.as_bytes()).expect("reparses"), c);
    }

    // C6: GET's layout and order as 436/8274 prints its example.
    #[test]
    fn answer_is_laid_out_as_get_bucket_cors_prints_it() {
        let c = CorsConfiguration {
            rules: vec![CorsRule {
                allowed_origins: vec!["*".into()],
                allowed_methods: vec!["GET".into(), "HEAD".into()],
                allowed_headers: vec!["Range".into()],
                expose_headers: vec!["ETag".into()],
                max_age_seconds: Some(600),
                ..Default::default()
            }],
            response_vary: None,
        };
        let want = "<?xml version='1.0' encoding='utf-8' ?>\n<CORSConfiguration>\n\t<CORSRule>\n\t\t<AllowedOrigin>*</AllowedOrigin>\n\t\t<AllowedMethod>GET</AllowedMethod>\n\t\t<AllowedMethod>HEAD</AllowedMethod>\n\t\t<AllowedHeader>Range</AllowedHeader>\n\t\t<ExposeHeader>ETag</ExposeHeader>\n\t\t<MaxAgeSeconds>600</MaxAgeSeconds>\n\t</CORSRule>\n</CORSConfiguration>";
        assert_eq!(write_answer(&c, Profile::Cos), want);
        assert_eq!(write_answer(&c, Profile::S3), write(&c, Profile::S3));
        let mut odd = parse(SDK_BODY.as_bytes()).expect("parses");
        odd.rules[0].id = Some(" a'b\"<&> ".into());
        assert_eq!(
            parse(write_answer(&odd, Profile::Cos).as_bytes()).expect("reparses"),
            odd
        );
    }

    #[test]
    fn escapes_values() {
        let mut c = parse(SDK_BODY.as_bytes()).expect("parses");
        c.rules[0].id = Some("a<b&\"c\"".into());
        let w = write(&c, Profile::Cos);
        assert!(w.contains("<ID>a&lt;b&amp;\"c\"</ID>"));
        assert_eq!(parse(w.as_bytes()).expect("reparses"), c);
    }

    #[test]
    fn cdata_is_text_and_must_be_utf8() {
        let body = "<CORSConfiguration><CORSRule><AllowedOrigin>a<![CDATA[<b>&]]>c</AllowedOrigin><AllowedMethod><![CDATA[GET]]></AllowedMethod></CORSRule></CORSConfiguration>";
        let c = parse(body.as_bytes()).expect("parses");
        assert_eq!(c.rules[0].allowed_origins, ["a<b>&c"]);
        assert_eq!(c.rules[0].allowed_methods, ["GET"]);
        let mut bad = body.as_bytes().to_vec();
        let at = body.find("GET").expect("GET");
        bad[at] = 0xff;
        let e = parse(&bad).expect_err("not UTF-8");
        assert!(e.message.contains("<AllowedMethod> is not UTF-8"), "{e}");
    }

    #[test]
    fn escaping_is_quick_xmls_partial_escape() {
        for v in ["", "plain", "a<b>c&d", "<<&&>>", "\"q\" 'a' 例<", "&amp;"] {
            let mut out = String::new();
            escape_into(&mut out, v);
            assert_eq!(out, quick_xml::escape::partial_escape(v));
        }
    }

    #[test]
    fn written_len_is_the_length_written() {
        let mut c = parse(SDK_BODY.as_bytes()).expect("parses");
        let check = |c: &CorsConfiguration| {
            for profile in [Profile::Cos, Profile::S3] {
                assert_eq!(written_len(c, profile), write(c, profile).len());
                assert!(written_len_bound(c, profile) >= written_len(c, profile));
            }
        };
        check(&c);
        c.rules[0].id = Some("a<b&>\"c\" 例".into());
        c.rules[0].max_age_seconds = Some(u64::MAX);
        c.rules.push(CorsRule::default());
        c.rules[1].max_age_seconds = Some(0);
        c.response_vary = Some(false);
        check(&c);
    }

    #[test]
    fn values_keep_their_whitespace() {
        let body = "<CORSConfiguration>\n  <CORSRule>\n    <AllowedOrigin> a b </AllowedOrigin>\n    <AllowedMethod>GET</AllowedMethod>\n  </CORSRule>\n</CORSConfiguration>\n";
        let c = parse(body.as_bytes()).expect("parses");
        assert_eq!(c.rules[0].allowed_origins, [" a b "]);
        assert_eq!(
            parse(write(&c, Profile::Cos).as_bytes()).expect("reparses"),
            c
        );
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "",
            "<CORSConfiguration>",
            "<CORSConfiguration><CORSRule></CORSConfiguration>",
            "<Other/>",
            "<CORSConfiguration><CORSRule><Bogus>1</Bogus></CORSRule></CORSConfiguration>",
            "<CORSConfiguration><CORSRule><MaxAgeSeconds>-1</MaxAgeSeconds></CORSRule></CORSConfiguration>",
            "<CORSConfiguration/><CORSConfiguration/>",
            "<CORSConfiguration>text</CORSConfiguration>",
            "<CORSConfiguration><CORSRule><ID><x/></ID></CORSRule></CORSConfiguration>",
        ] {
            assert!(parse(bad.as_bytes()).is_err(), "accepted {bad:?}");
        }
    }
}
