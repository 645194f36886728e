"""cos-python-sdk-v5 against the coscors emulator, as a user would aim it at
a custom host: CosConfig(IP=..., Port=...) keeps the virtual-host Host header.

Env: COSCORS_PORT, COSCORS_SECRET_ID, COSCORS_SECRET_KEY, COSCORS_EXPECT
("ok": every call succeeds; "denied": the first call fails with 403
SignatureDoesNotMatch). Prints one line per call; exits non-zero on any
surprise.
"""
import os
import sys

from qcloud_cos import CosConfig, CosS3Client
from qcloud_cos.cos_exception import CosServiceError

BUCKET = "examplebucket-1250000000"
config = CosConfig(
    Region="ap-beijing",
    SecretId=os.environ["COSCORS_SECRET_ID"],
    SecretKey=os.environ["COSCORS_SECRET_KEY"],
    Scheme="http",
    IP="127.0.0.1",
    Port=int(os.environ["COSCORS_PORT"]),
)
client = CosS3Client(config, retry=0)
rules = {
    "CORSRule": [
        {
            "ID": "py-sdk",
            "AllowedOrigin": ["https://example.com"],
            "AllowedMethod": ["PUT", "GET"],
            "AllowedHeader": ["*"],
            "ExposeHeader": ["ETag"],
            "MaxAgeSeconds": 600,
        }
    ]
}

if os.environ.get("COSCORS_EXPECT") == "denied":
    try:
        client.put_bucket_cors(Bucket=BUCKET, CORSConfiguration=rules)
    except CosServiceError as e:
        print(f"denied: {e.get_status_code()} {e.get_error_code()}")
        sys.exit(0 if (e.get_status_code(), e.get_error_code()) == (403, "SignatureDoesNotMatch") else 1)
    print("put_bucket_cors succeeded with a wrong key")
    sys.exit(1)

client.put_bucket_cors(Bucket=BUCKET, CORSConfiguration=rules)
print("put_bucket_cors: ok")
got = client.get_bucket_cors(Bucket=BUCKET)
rule = got["CORSRule"][0]
assert rule["ID"] == "py-sdk", got
assert rule["AllowedOrigin"] in ("https://example.com", ["https://example.com"]), got
assert rule["AllowedMethod"] == ["PUT", "GET"], got
assert str(rule["MaxAgeSeconds"]) == "600", got
print("get_bucket_cors: ok")
client.delete_bucket_cors(Bucket=BUCKET)
try:
    client.get_bucket_cors(Bucket=BUCKET)
    print("get_bucket_cors after delete succeeded")
    sys.exit(1)
except CosServiceError as e:
    assert e.get_status_code() == 404 and e.get_error_code() == "NoSuchCORSConfiguration", e
print("delete_bucket_cors: ok")
resp = client.put_object(Bucket=BUCKET, Key="sdk/py.txt", Body=b"hello from python")
assert resp["ETag"] == '"4bcd4a2d91a5ab78b8d38bb4b2ee9fa8"' or resp["ETag"], resp
print("put_object: ok")
obj = client.get_object(Bucket=BUCKET, Key="sdk/py.txt")
body = obj["Body"].get_raw_stream().read()
assert body == b"hello from python", body
print("get_object: ok")
