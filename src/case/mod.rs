//! The YAML case format: what a case file says, and loading it with
//! `file:line:col` errors.
//!
//! One file holds one case, or a few closely related ones as several YAML
//! documents separated by `---`. Unknown fields are errors. The reference of
//! every field is in README.md ("Case format reference"); the types below are
//! that reference's source of truth.

pub mod builtin;
mod load;
pub(crate) mod problems;
pub mod vendor;

pub use load::{case_id, discover, load_file, load_str, CaseFile, LoadError, LoadedCase, Problem};
pub use vendor::{load_records, load_vendor, Divergence, Identity, VendorFile, VendorRecords};

use std::collections::BTreeSet;
use std::fmt;

use schemars::JsonSchema;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

use crate::model::CorsConfiguration;

/// One case: one behaviour, who says so, the bucket it needs, the steps.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// What must hold, in a few words.
    pub name: String,
    /// Why, in a sentence or two.
    pub description: String,
    /// Who said so: a documentation URL, `seed:<file>[#part]`, or
    /// `recorded:<target>@<date>`; one, or a list of several.
    pub source: Sources,
    /// How strongly the sources bear the expectation out.
    pub evidence: Evidence,
    /// The bucket's state before the steps run.
    #[serde(default)]
    pub bucket: BucketSetup,
    /// Normalisations this case turns off.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub exact: BTreeSet<Normalisation>,
    /// Requests and what they must get, in order: at least one.
    #[serde(deserialize_with = "non_empty")]
    #[schemars(length(min = 1))]
    pub steps: Vec<Step>,
}

/// A list that must hold something.
fn non_empty<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    let v = Vec::<T>::deserialize(d)?;
    if v.is_empty() {
        return Err(de::Error::invalid_length(0, &"at least one step"));
    }
    Ok(v)
}

/// An HTTP status code: 100 to 599.
fn status_code<'de, D: Deserializer<'de>>(d: D) -> Result<u16, D::Error> {
    let n = u64::deserialize(d)?;
    match u16::try_from(n) {
        Ok(s) if (100..=599).contains(&s) => Ok(s),
        _ => Err(de::Error::invalid_value(
            de::Unexpected::Unsigned(n),
            &"an HTTP status code, 100 to 599",
        )),
    }
}

/// How strong a case's sources are, strongest first.
///
/// `settled`: COS's own page states it, or a test run against real COS
/// (an official SDK's real-service test, a recording) shows it.
/// `supported`: a COS source points the same way without stating it.
/// `inferred`: no COS source speaks; the description says why.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Evidence {
    Settled,
    Supported,
    Inferred,
}

impl Evidence {
    pub const ALL: [Evidence; 3] = [Evidence::Settled, Evidence::Supported, Evidence::Inferred];

    pub fn name(self) -> &'static str {
        match self {
            Evidence::Settled => "settled",
            Evidence::Supported => "supported",
            Evidence::Inferred => "inferred",
        }
    }
}

impl fmt::Display for Evidence {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Evidence {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Evidence::ALL
            .into_iter()
            .find(|e| e.name() == s)
            .ok_or_else(|| format!("{s:?} is not an evidence grade (settled, supported, inferred)"))
    }
}

/// A case's `source:`: one source, or a list of them (strongest first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sources(pub Vec<Source>);

impl Sources {
    pub fn one(s: Source) -> Sources {
        Sources(vec![s])
    }

    /// Whether some source is COS's own: a COS page, a seed (COS pages), a
    /// COS SDK's source or test, a recording of a COS target, or a COS issue
    /// thread. Only those can raise a grade above `inferred`.
    pub fn has_cos_source(&self) -> bool {
        self.0.iter().any(Source::is_cos)
    }
}

impl fmt::Display for Sources {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        for (i, s) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ; ")?;
            }
            f.write_str(&s.0)?;
        }
        Ok(())
    }
}

impl Serialize for Sources {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0.as_slice() {
            [one] => one.serialize(s),
            many => many.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for Sources {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Sources;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a source or a list of sources")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Sources, E> {
                Source::try_from(v.to_string())
                    .map(Sources::one)
                    .map_err(E::custom)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Sources, A::Error> {
                let mut out = Vec::new();
                while let Some(s) = seq.next_element::<Source>()? {
                    out.push(s);
                }
                if out.is_empty() {
                    return Err(de::Error::custom("source: the list names no source"));
                }
                Ok(Sources(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// One of a case's sources.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(into = "String")]
pub struct Source(pub String);

impl<'de> Deserialize<'de> for Source {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        checked_string(d, Source::try_from)
    }
}

impl TryFrom<String> for Source {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        let ok = s.starts_with("https://")
            || s.starts_with("http://")
            || s.strip_prefix("seed:").is_some_and(|r| !r.is_empty())
            || s.strip_prefix("recorded:").is_some_and(|r| r.contains('@'));
        if ok {
            Ok(Source(s))
        } else {
            Err(format!(
                "source {s:?} must be a URL, `seed:<file>` or `recorded:<target>@<date>`"
            ))
        }
    }
}

impl From<Source> for String {
    fn from(s: Source) -> String {
        s.0
    }
}

impl Source {
    /// See [`Sources::has_cos_source`].
    pub fn is_cos(&self) -> bool {
        const COS: [&str; 8] = [
            "https://www.tencentcloud.com/",
            "https://intl.cloud.tencent.com/",
            "https://cloud.tencent.com/",
            "https://www-sg.tencentcloud.com/",
            "https://github.com/tencentyun/",
            "https://github.com/TencentCloud/",
            "seed:",
            "recorded:cos",
        ];
        COS.iter().any(|p| self.0.starts_with(p))
    }
}

/// Deserialize a string and check it while the parser still points at it,
/// so that the error carries the value's own line and column.
fn checked_string<'de, D, T>(d: D, check: fn(String) -> Result<T, String>) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
{
    struct V<T>(fn(String) -> Result<T, String>);
    impl<T> Visitor<'_> for V<T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a string")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
            (self.0)(v.to_string()).map_err(E::custom)
        }
    }
    d.deserialize_str(V(check))
}

/// The bucket's CORS state before the first step.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BucketSetup {
    /// `none` (the default): no configuration (DELETE `?cors` first);
    /// otherwise the configuration to PUT.
    #[serde(default)]
    pub cors: CorsSetup,
}

/// `cors: none` or a configuration.
#[derive(Debug, Clone, Default)]
pub enum CorsSetup {
    #[default]
    None,
    Config(CorsConfiguration),
}

impl Serialize for CorsSetup {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            CorsSetup::None => s.serialize_str("none"),
            CorsSetup::Config(c) => c.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for CorsSetup {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = CorsSetup;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("`none` or a CORS configuration (`rules:` ...)")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<CorsSetup, E> {
                match v {
                    "none" => Ok(CorsSetup::None),
                    other => Err(E::invalid_value(de::Unexpected::Str(other), &self)),
                }
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<CorsSetup, A::Error> {
                CorsConfiguration::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(CorsSetup::Config)
            }
        }
        d.deserialize_any(V)
    }
}

/// A normalisation the diff applies unless the case lists it in `exact:`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Normalisation {
    /// Header names compare case-insensitively (RFC 9110 §5.1).
    HeaderNameCase,
    /// Spaces around the items of a comma-separated list are ignored.
    ListSpace,
    /// The order of the items of a comma-separated list is ignored.
    ListOrder,
    /// Volatile values (`Date`, request and trace ids, `Last-Modified`,
    /// `RequestId`/`TraceId` in XML) are checked for presence, not value.
    Volatile,
}

impl Normalisation {
    pub const ALL: [Normalisation; 4] = [
        Normalisation::HeaderNameCase,
        Normalisation::ListSpace,
        Normalisation::ListOrder,
        Normalisation::Volatile,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Normalisation::HeaderNameCase => "header-name-case",
            Normalisation::ListSpace => "list-space",
            Normalisation::ListOrder => "list-order",
            Normalisation::Volatile => "volatile",
        }
    }
}

/// One request and what it must get.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// An optional label for the step in reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub request: Request,
    pub expect: Expect,
}

/// A request, relative to the target's bucket.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Request {
    pub method: Method,
    /// The path inside the bucket, starting with `/`.
    #[serde(default = "root")]
    pub path: Path,
    /// The raw query string without `?` (`cors`, `lifecycle`, `a=1&b`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// Headers in order; a list value sends the header once per item.
    #[serde(default)]
    pub headers: Headers,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Body>,
    /// Add `Content-MD5` computed from the body.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub content_md5: bool,
}

fn root() -> Path {
    Path("/".into())
}

/// An HTTP method token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(into = "String")]
pub struct Method(pub String);

impl<'de> Deserialize<'de> for Method {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        checked_string(d, Method::try_from)
    }
}

impl TryFrom<String> for Method {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        // RFC 9110 §9.1: method = token.
        if !s.is_empty() && s.bytes().all(is_tchar) {
            Ok(Method(s))
        } else {
            Err(format!("{s:?} is not an HTTP method token"))
        }
    }
}

impl From<Method> for String {
    fn from(m: Method) -> String {
        m.0
    }
}

/// A request path inside the bucket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(into = "String")]
pub struct Path(pub String);

impl<'de> Deserialize<'de> for Path {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        checked_string(d, Path::try_from)
    }
}

impl TryFrom<String> for Path {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        if !s.starts_with('/') {
            return Err(format!("path {s:?} must start with `/`"));
        }
        if s.contains('?') || s.contains('#') || s.bytes().any(|b| b <= b' ' || b == 0x7f) {
            return Err(format!(
                "path {s:?} must not hold `?`, `#`, spaces or control characters (use `query:` and %-escapes)"
            ));
        }
        Ok(Path(s))
    }
}

impl From<Path> for String {
    fn from(p: Path) -> String {
        p.0
    }
}

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Headers in order, each name once, a value or several.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers(pub Vec<(String, Vec<String>)>);

impl Serialize for Headers {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (name, values) in &self.0 {
            match values.as_slice() {
                [one] => m.serialize_entry(name, one)?,
                many => m.serialize_entry(name, many)?,
            }
        }
        m.end()
    }
}

impl Headers {
    /// The (name, value) pairs to send, repeated names repeated.
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0
            .iter()
            .flat_map(|(n, vs)| vs.iter().map(move |v| (n.as_str(), v.as_str())))
    }

    pub fn contains(&self, name: &str) -> bool {
        self.0.iter().any(|(n, _)| n.eq_ignore_ascii_case(name))
    }
}

impl<'de> Deserialize<'de> for Headers {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Headers;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map of header names to a value or a list of values")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Headers, A::Error> {
                let mut out: Vec<(String, Vec<String>)> = Vec::new();
                while let Some(name) = map.next_key::<String>()? {
                    if name.is_empty() || !name.bytes().all(is_tchar) {
                        return Err(de::Error::custom(format!("{name:?} is not a header name")));
                    }
                    if out.iter().any(|(n, _)| n.eq_ignore_ascii_case(&name)) {
                        return Err(de::Error::custom(format!(
                            "header {name:?} given twice; give a list of values instead"
                        )));
                    }
                    let values = map.next_value::<OneOrMany>()?.0;
                    for v in &values {
                        if v.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0) {
                            return Err(de::Error::custom(format!(
                                "the value of header {name:?} holds CR, LF or NUL"
                            )));
                        }
                    }
                    out.push((name, values));
                }
                Ok(Headers(out))
            }
        }
        d.deserialize_map(V)
    }
}

/// A header value: a scalar (string, number, boolean) or a list of them.
struct OneOrMany(Vec<String>);

impl<'de> Deserialize<'de> for OneOrMany {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = OneOrMany;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a header value or a list of header values")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<OneOrMany, E> {
                Ok(OneOrMany(vec![v.to_string()]))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<OneOrMany, E> {
                Ok(OneOrMany(vec![v.to_string()]))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<OneOrMany, E> {
                Ok(OneOrMany(vec![v.to_string()]))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<OneOrMany, E> {
                Ok(OneOrMany(vec![v.to_string()]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<OneOrMany, A::Error> {
                let mut out = Vec::new();
                while let Some(v) = seq.next_element::<String>()? {
                    out.push(v);
                }
                if out.is_empty() {
                    return Err(de::Error::custom("an empty list of header values"));
                }
                Ok(OneOrMany(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// A request body: literal text, or text built by repetition (for bodies
/// near and over size limits).
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum Body {
    Text(String),
    Repeat(RepeatBody),
}

/// `prefix` + `repeat` × `times` + `suffix`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RepeatBody {
    #[serde(default)]
    pub prefix: String,
    pub repeat: String,
    pub times: usize,
    #[serde(default)]
    pub suffix: String,
}

impl Body {
    pub fn bytes(&self) -> Vec<u8> {
        match self {
            Body::Text(t) => t.as_bytes().to_vec(),
            Body::Repeat(r) => {
                let mut s = String::with_capacity(
                    r.prefix.len() + r.repeat.len() * r.times + r.suffix.len(),
                );
                s.push_str(&r.prefix);
                for _ in 0..r.times {
                    s.push_str(&r.repeat);
                }
                s.push_str(&r.suffix);
                s.into_bytes()
            }
        }
    }
}

/// What a step's answer must be. Only what is named is checked.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// The status code, 100 to 599.
    #[serde(deserialize_with = "status_code")]
    #[schemars(range(min = 100, max = 599))]
    pub status: u16,
    /// Headers that must be present, with these values.
    #[serde(default, skip_serializing_if = "Headers::is_empty")]
    pub headers: Headers,
    /// Headers that must be present with a value matching a glob pattern
    /// (`*` any text, `?` one character, `[...]` a class): for values that
    /// carry a version, such as `Server: 'Werkzeug/* Python/*'`.
    #[serde(default, skip_serializing_if = "Headers::is_empty")]
    pub matching: Headers,
    /// Headers that must be absent.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub absent: Vec<String>,
    /// The XML error body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ExpectError>,
    /// The body of GET `?cors`, as a configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cors: Option<CorsConfiguration>,
    /// The exact body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
}

impl Headers {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Remove `name` (any case); whether it was there.
    pub fn remove(&mut self, name: &str) -> bool {
        let before = self.0.len();
        self.0.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.0.len() != before
    }
}

impl Expect {
    /// Drop every expectation about header `name` (value, pattern or
    /// absence); whether there was one.
    pub fn forget_header(&mut self, name: &str) -> bool {
        let before = self.absent.len();
        self.absent.retain(|n| !n.eq_ignore_ascii_case(name));
        let was_absent = self.absent.len() != before;
        let was_value = self.headers.remove(name);
        let was_pattern = self.matching.remove(name);
        was_absent || was_value || was_pattern
    }
}

/// The expected `<Error>` body.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExpectError {
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// Elements that must be present and non-empty, whatever their value
    /// (`RequestId`, `TraceId`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub present: Vec<String>,
    /// Further elements and their exact values (AWS's `Method`,
    /// `ResourceType`, `BucketName`, `Key`, ...).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub elements: std::collections::BTreeMap<String, String>,
    /// Elements that must not be there (AWS writes no `Resource`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub absent_elements: Vec<String>,
}

/// A JSON Schema for a string with a description and an optional pattern.
fn string_schema(description: &str, pattern: Option<&str>) -> schemars::schema::Schema {
    use schemars::schema::{InstanceType, Metadata, SchemaObject, StringValidation};
    SchemaObject {
        instance_type: Some(InstanceType::String.into()),
        metadata: Some(Box::new(Metadata {
            description: Some(description.to_string()),
            ..Default::default()
        })),
        string: pattern.map(|p| {
            Box::new(StringValidation {
                pattern: Some(p.to_string()),
                ..Default::default()
            })
        }),
        ..Default::default()
    }
    .into()
}

impl JsonSchema for Source {
    fn schema_name() -> String {
        "Source".into()
    }
    fn json_schema(_: &mut schemars::gen::SchemaGenerator) -> schemars::schema::Schema {
        string_schema(
            "Who says so: a documentation URL, `seed:<file>[#part]`, or `recorded:<target>@<date>`",
            Some("^(https?://.+|seed:.+|recorded:.+@.+)$"),
        )
    }
}

impl JsonSchema for Sources {
    fn schema_name() -> String {
        "Sources".into()
    }
    fn json_schema(g: &mut schemars::gen::SchemaGenerator) -> schemars::schema::Schema {
        use schemars::schema::{ArrayValidation, InstanceType, SchemaObject, SubschemaValidation};
        let list: schemars::schema::Schema = SchemaObject {
            instance_type: Some(InstanceType::Array.into()),
            array: Some(Box::new(ArrayValidation {
                items: Some(g.subschema_for::<Source>().into()),
                min_items: Some(1),
                ..Default::default()
            })),
            ..Default::default()
        }
        .into();
        SchemaObject {
            subschemas: Some(Box::new(SubschemaValidation {
                any_of: Some(vec![g.subschema_for::<Source>(), list]),
                ..Default::default()
            })),
            ..Default::default()
        }
        .into()
    }
}

impl JsonSchema for Method {
    fn schema_name() -> String {
        "Method".into()
    }
    fn json_schema(_: &mut schemars::gen::SchemaGenerator) -> schemars::schema::Schema {
        string_schema(
            "An HTTP method token, sent as written",
            Some("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$"),
        )
    }
}

impl JsonSchema for Path {
    fn schema_name() -> String {
        "Path".into()
    }
    fn json_schema(_: &mut schemars::gen::SchemaGenerator) -> schemars::schema::Schema {
        string_schema("The path inside the bucket, from `/`", Some("^/[^?# ]*$"))
    }
}

impl JsonSchema for Headers {
    fn schema_name() -> String {
        "Headers".into()
    }
    fn json_schema(g: &mut schemars::gen::SchemaGenerator) -> schemars::schema::Schema {
        use schemars::schema::{InstanceType, ObjectValidation, SchemaObject, SubschemaValidation};
        let value: schemars::schema::Schema = SchemaObject {
            subschemas: Some(Box::new(SubschemaValidation {
                any_of: Some(vec![
                    g.subschema_for::<String>(),
                    g.subschema_for::<i64>(),
                    g.subschema_for::<bool>(),
                    g.subschema_for::<Vec<String>>(),
                ]),
                ..Default::default()
            })),
            ..Default::default()
        }
        .into();
        SchemaObject {
            instance_type: Some(InstanceType::Object.into()),
            object: Some(Box::new(ObjectValidation {
                additional_properties: Some(Box::new(value)),
                ..Default::default()
            })),
            ..Default::default()
        }
        .into()
    }
}

impl JsonSchema for CorsSetup {
    fn schema_name() -> String {
        "CorsSetup".into()
    }
    fn json_schema(g: &mut schemars::gen::SchemaGenerator) -> schemars::schema::Schema {
        use schemars::schema::{SchemaObject, SubschemaValidation};
        let none: schemars::schema::Schema = SchemaObject {
            enum_values: Some(vec!["none".into()]),
            ..Default::default()
        }
        .into();
        SchemaObject {
            subschemas: Some(Box::new(SubschemaValidation {
                one_of: Some(vec![none, g.subschema_for::<CorsConfiguration>()]),
                ..Default::default()
            })),
            ..Default::default()
        }
        .into()
    }
}

/// The JSON Schema of a case file (each YAML document), from these types.
pub fn json_schema() -> schemars::schema::RootSchema {
    schemars::schema_for!(Case)
}
