"""Small S3 client for the backup test (boto3 from the moto venv).

  s3_objects.py ENDPOINT create BUCKET@REGION...
  s3_objects.py ENDPOINT put BUCKET KEY TEXT
  s3_objects.py ENDPOINT list BUCKET PREFIX   -> JSON {key without prefix: sha256 of the body}
"""

import hashlib
import json
import sys

import boto3

endpoint, verb, *args = sys.argv[1:]
s3 = boto3.client(
    "s3",
    endpoint_url=endpoint,
    region_name="us-east-1",
    aws_access_key_id="test-key-id",
    aws_secret_access_key="test-secret-key",
)
if verb == "create":
    for spec in args:
        bucket, region = spec.split("@")
        if region == "us-east-1":
            s3.create_bucket(Bucket=bucket)
        else:
            s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
elif verb == "put":
    bucket, key, text = args
    s3.put_object(Bucket=bucket, Key=key, Body=text.encode())
elif verb == "list":
    bucket, prefix = args
    out = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            body = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
            out[item["Key"][len(prefix):]] = hashlib.sha256(body).hexdigest()
    print(json.dumps(out, sort_keys=True))
else:
    sys.exit(f"unknown verb {verb}")
