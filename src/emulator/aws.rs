//! The error document of the `s3` profile, as AWS S3 writes it.
//!
//! `<?xml version="1.0" encoding="UTF-8"?>`, a line break, then
//! `<Error><Code/><Message/>`, the code's own elements, `<RequestId/>` and
//! `<HostId/>`; no `Resource`. The order and the line break are those of the
//! raw AWS body quoted in versitygw issue #2083
//! (`...</Message><Method>OPTIONS</Method><ResourceType>BUCKET</ResourceType><RequestId>...`);
//! which elements each code has, and the messages, are the model's
//! ([`Profile::error_details`], [`Profile::fixed_message`]), from
//! LocalStack's AWS-validated snapshots.

use quick_xml::escape::partial_escape as escape;

use crate::model::{ApiError, Profile};

/// The bucket and the key of an error's `resource` as
/// `handler::Ctx::resource` writes it (`<bucket>.cos.<region>.myqcloud.com/<key>`,
/// or `service.cos.myqcloud.com/<key>` without a bucket).
fn bucket_and_key(resource: &str) -> (&str, &str) {
    let (host, key) = resource.split_once('/').unwrap_or((resource, ""));
    let bucket = match host.split_once(".cos.") {
        Some((b, _)) if host != "service.cos.myqcloud.com" => b,
        _ => "",
    };
    (bucket, key)
}

/// The body of an error answer of `profile` (the s3 profile; see
/// [`Profile::error_names_resource`]).
pub fn error_body(
    err: &ApiError,
    resource: &str,
    request_id: &str,
    host_id: &str,
    profile: Profile,
) -> String {
    let (bucket, key) = bucket_and_key(resource);
    let message = profile
        .fixed_message(err.code)
        .unwrap_or(err.message.as_ref());
    let mut xml = String::with_capacity(512);
    xml.push_str(profile.xml_prologue());
    xml.push_str("\n<Error><Code>");
    xml.push_str(err.code.as_str());
    xml.push_str("</Code><Message>");
    xml.push_str(&escape(message));
    xml.push_str("</Message>");
    for (name, value) in profile.error_details(err, bucket, key) {
        xml.push('<');
        xml.push_str(name);
        xml.push('>');
        xml.push_str(&escape(value.as_ref()));
        xml.push_str("</");
        xml.push_str(name);
        xml.push('>');
    }
    xml.push_str("<RequestId>");
    xml.push_str(&escape(request_id));
    xml.push_str("</RequestId><HostId>");
    xml.push_str(&escape(host_id));
    xml.push_str("</HostId></Error>");
    xml
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ErrorCode;

    #[test]
    fn resource_is_split_into_bucket_and_key() {
        assert_eq!(
            bucket_and_key("examplebucket-1250000000.cos.ap-beijing.myqcloud.com/a/b/"),
            ("examplebucket-1250000000", "a/b/")
        );
        assert_eq!(
            bucket_and_key("examplebucket-1250000000.cos.ap-beijing.myqcloud.com/"),
            ("examplebucket-1250000000", "")
        );
        assert_eq!(bucket_and_key("service.cos.myqcloud.com/"), ("", ""));
    }

    // versitygw issue #2083: AWS's answer to `OPTIONS /test` with only an
    // `Origin`, on a bucket without CORS configuration, byte for byte but
    // for the ids.
    #[test]
    fn no_configuration_refusal_as_aws_writes_it() {
        let err = Profile::S3.no_configuration_refusal(None);
        let body = error_body(
            &err,
            "test.cos.us-east-1.myqcloud.com/",
            "Z4ERRATSVNEC7WS7",
            "vs0X",
            Profile::S3,
        );
        assert_eq!(
            body,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessForbidden</Code><Message>CORSResponse: CORS is not enabled for this bucket.</Message><Method>OPTIONS</Method><ResourceType>BUCKET</ResourceType><RequestId>Z4ERRATSVNEC7WS7</RequestId><HostId>vs0X</HostId></Error>"
        );
    }

    #[test]
    fn code_elements_and_fixed_messages() {
        let r = "b.cos.r.myqcloud.com/k";
        let body = |e: ApiError| error_body(&e, r, "id", "host", Profile::S3);
        let refused = body(Profile::S3.refusal("PUT"));
        assert!(
            refused.contains(
                "spec.</Message><Method>PUT</Method><ResourceType>OBJECT</ResourceType><RequestId>"
            ),
            "{refused}"
        );
        let at_root = error_body(
            &Profile::S3.refusal("GET"),
            "b.cos.r.myqcloud.com/",
            "id",
            "h",
            Profile::S3,
        );
        assert!(
            at_root.contains("<ResourceType>BUCKET</ResourceType>"),
            "{at_root}"
        );
        let none = body(ApiError::new(ErrorCode::NoSuchCorsConfiguration, "x"));
        assert!(none.contains("<Message>The CORS configuration does not exist</Message><BucketName>b</BucketName><RequestId>"), "{none}");
        let key = body(ApiError::new(
            ErrorCode::NoSuchKey,
            "The specified key does not exist.",
        ));
        assert!(key.contains("</Message><Key>k</Key><RequestId>"), "{key}");
        assert!(!key.contains("<Resource>"));
    }
}
