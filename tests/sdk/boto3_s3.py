"""boto3 (SigV4) against the coscors emulator with the s3 profile.

Env: COSCORS_PORT, COSCORS_SECRET_ID, COSCORS_SECRET_KEY, COSCORS_EXPECT
("ok" or "denied").
"""
import os
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

BUCKET = "coscors-boto3"
s3 = boto3.client(
    "s3",
    endpoint_url=f"http://127.0.0.1:{os.environ['COSCORS_PORT']}",
    aws_access_key_id=os.environ["COSCORS_SECRET_ID"],
    aws_secret_access_key=os.environ["COSCORS_SECRET_KEY"],
    region_name="us-east-1",
    config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}, signature_version="s3v4"),
)
cors = {
    "CORSRules": [
        {
            "ID": "boto3",
            "AllowedOrigins": ["https://example.com"],
            "AllowedMethods": ["GET", "PUT"],
            "AllowedHeaders": ["*"],
            "ExposeHeaders": ["ETag"],
            "MaxAgeSeconds": 300,
        }
    ]
}

if os.environ.get("COSCORS_EXPECT") == "denied":
    try:
        s3.put_bucket_cors(Bucket=BUCKET, CORSConfiguration=cors)
    except ClientError as e:
        status = e.response["ResponseMetadata"]["HTTPStatusCode"]
        code = e.response["Error"]["Code"]
        print(f"denied: {status} {code}")
        sys.exit(0 if (status, code) == (403, "SignatureDoesNotMatch") else 1)
    print("put_bucket_cors succeeded with a wrong key")
    sys.exit(1)

s3.put_bucket_cors(Bucket=BUCKET, CORSConfiguration=cors)
print("put_bucket_cors: ok")
got = s3.get_bucket_cors(Bucket=BUCKET)["CORSRules"]
assert got[0]["AllowedOrigins"] == ["https://example.com"], got
assert got[0]["AllowedMethods"] == ["GET", "PUT"], got
assert got[0]["MaxAgeSeconds"] == 300, got
print("get_bucket_cors: ok")
s3.delete_bucket_cors(Bucket=BUCKET)
try:
    s3.get_bucket_cors(Bucket=BUCKET)
    print("get_bucket_cors after delete succeeded")
    sys.exit(1)
except ClientError as e:
    assert e.response["Error"]["Code"] == "NoSuchCORSConfiguration", e.response
print("delete_bucket_cors: ok")
put = s3.put_object(Bucket=BUCKET, Key="sdk/boto3.txt", Body=b"hello from boto3")
assert put["ETag"], put
print("put_object: ok")
body = s3.get_object(Bucket=BUCKET, Key="sdk/boto3.txt")["Body"].read()
assert body == b"hello from boto3", body
print("get_object: ok")
