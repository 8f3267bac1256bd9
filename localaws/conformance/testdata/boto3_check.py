"""Drives localaws's SQS with the boto3 of the system's Python (Debian 12's
python3-boto3 1.26 and botocore 1.29 speak the query protocol) and prints
what it saw as one JSON object, which TestDebianClients checks.

usage: boto3_check.py ENDPOINT_URL NAME_PREFIX
"""
import base64
import json
import sys

import boto3
import botocore

endpoint, prefix = sys.argv[1], sys.argv[2]
sqs = boto3.client("sqs", endpoint_url=endpoint, region_name="us-east-1",
                   aws_access_key_id="local", aws_secret_access_key="local")
report = {"boto3": boto3.__version__, "botocore": botocore.__version__}


def received(messages):
    """Messages as JSON can carry them: binary values in base64."""
    out = []
    for m in messages:
        m = dict(m)
        attrs = {}
        for name, v in m.get("MessageAttributes", {}).items():
            v = dict(v)
            if "BinaryValue" in v:
                v["BinaryValue"] = base64.b64encode(v["BinaryValue"]).decode()
            attrs[name] = v
        if attrs:
            m["MessageAttributes"] = attrs
        out.append(m)
    return out


dlq = sqs.create_queue(QueueName=prefix + "-dlq")["QueueUrl"]
dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
url = sqs.create_queue(QueueName=prefix, Attributes={
    "VisibilityTimeout": "0",
    "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 1}),
})["QueueUrl"]
report["queue_url"] = url
report["attributes"] = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]

report["sent"] = sqs.send_message(QueueUrl=url, MessageBody="hello <boto3> & \"friends\" ✓", MessageAttributes={
    "color": {"DataType": "String", "StringValue": "blue"},
    "count": {"DataType": "Number", "StringValue": "42"},
    "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01\xff"},
})
got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=5,
                          AttributeNames=["All"], MessageAttributeNames=["All"])
report["received"] = received(got.get("Messages", []))

# The second receive passes maxReceiveCount: the message moves to the DLQ.
sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)
dead = sqs.receive_message(QueueUrl=dlq, WaitTimeSeconds=5, AttributeNames=["All"], MessageAttributeNames=["All"])
report["dead_letters"] = received(dead.get("Messages", []))

report["batch_sent"] = sqs.send_message_batch(QueueUrl=dlq, Entries=[
    {"Id": "a", "MessageBody": "one"},
    {"Id": "b", "MessageBody": "two", "DelaySeconds": 901},
])
batch = sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10, WaitTimeSeconds=5, VisibilityTimeout=60)
handles = [m["ReceiptHandle"] for m in batch.get("Messages", [])]
report["batch_visibility"] = sqs.change_message_visibility_batch(QueueUrl=dlq, Entries=[
    {"Id": "v%d" % i, "ReceiptHandle": h, "VisibilityTimeout": 60} for i, h in enumerate(handles)])
report["batch_deleted"] = sqs.delete_message_batch(QueueUrl=dlq, Entries=[
    {"Id": "d%d" % i, "ReceiptHandle": h} for i, h in enumerate(handles)] + [{"Id": "bad", "ReceiptHandle": "garbage"}])

try:
    sqs.get_queue_url(QueueName=prefix + "-missing")
    report["typed_error"] = None
except sqs.exceptions.QueueDoesNotExist as e:
    report["typed_error"] = {"class": type(e).__name__, "code": e.response["Error"]["Code"]}

for q in (url, dlq):
    sqs.delete_queue(QueueUrl=q)
for r in report.values():
    if isinstance(r, dict):
        r.pop("ResponseMetadata", None)
print(json.dumps(report))
