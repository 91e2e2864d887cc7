"""Streaming S3 output against a real moto S3: parts uploaded as they fill, nothing visible
before the commit, aborted and abandoned uploads cleaned up, memory bounded by one part.

The writer is driven directly with rows (no Lean calls): what is tested is the sink.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from lean_connector._aws import client as aws_client
from lean_connector.errors import InvalidRequestError
from lean_connector.sync import open_output
from lean_connector.sync._s3 import MIN_PART_SIZE, S3Output

pytestmark = pytest.mark.integration

REGION = "me-central-1"
ROW = {"transaction_id": "t", "description": "x" * 900}  # ~1 KB a line


@pytest.fixture
def s3(aws: Any) -> Any:
    client = aws_client("s3", region=REGION, endpoint_url=aws.endpoint_url)
    client.create_bucket(Bucket="out", CreateBucketConfiguration={"LocationConstraint": REGION})
    return client


def _output(aws: Any, run_id: str = "r1") -> S3Output:
    output = open_output(
        "s3://out/sync", run_id, aws_region=REGION, aws_endpoint_url=aws.endpoint_url
    )
    assert isinstance(output, S3Output)
    return output


def _uploads(s3: Any) -> list[str]:
    return [u["Key"] for u in s3.list_multipart_uploads(Bucket="out").get("Uploads", [])]


def test_a_large_file_is_uploaded_in_parts_as_it_fills_and_appears_at_commit(
    aws: Any, s3: Any
) -> None:
    writer = _output(aws).entity_writer("entity=e1")
    rows = (2 * MIN_PART_SIZE) // 900 + 50  # a little over two parts
    for number in range(rows):
        writer.add("transactions", {**ROW, "transaction_id": f"t{number}"})
    # Two parts went up while rows came in; nothing is visible yet.
    assert _uploads(s3) == ["sync/r1/entity=e1/transactions.jsonl"]
    assert "Contents" not in s3.list_objects_v2(Bucket="out", Prefix="sync/r1/")
    writer.add("accounts", {"account_id": "a1"})
    writer.commit({"entity_id": "e1"})
    assert _uploads(s3) == []
    head = s3.head_object(Bucket="out", Key="sync/r1/entity=e1/transactions.jsonl")
    assert head["ETag"].strip('"').endswith("-3")  # two full parts and the rest
    body = s3.get_object(Bucket="out", Key="sync/r1/entity=e1/transactions.jsonl")["Body"].read()
    lines = body.decode().splitlines()
    assert [json.loads(line)["transaction_id"] for line in lines] == [f"t{n}" for n in range(rows)]
    small = s3.get_object(Bucket="out", Key="sync/r1/entity=e1/accounts.jsonl")
    assert small["ETag"].count("-") == 0  # under one part: a plain PutObject
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket="out", Prefix="sync/r1/")["Contents"]}
    assert keys == {
        f"sync/r1/entity=e1/{name}"
        for name in ("accounts.jsonl", "balances.jsonl", "transactions.jsonl", "_done")
    }


def test_a_failed_entity_aborts_its_uploads(aws: Any, s3: Any) -> None:
    writer = _output(aws).entity_writer("entity=e2")
    for number in range(MIN_PART_SIZE // 900 + 10):
        writer.add("transactions", {**ROW, "transaction_id": f"t{number}"})
    assert len(_uploads(s3)) == 1
    writer.abort()
    assert _uploads(s3) == []
    assert "Contents" not in s3.list_objects_v2(Bucket="out", Prefix="sync/r1/")


def test_uploads_left_by_a_killed_attempt_are_found_and_aborted(aws: Any, s3: Any) -> None:
    output = _output(aws)
    s3.create_multipart_upload(Bucket="out", Key="sync/r1/entity=e3/transactions.jsonl")
    s3.create_multipart_upload(Bucket="out", Key="sync/r1/entity=e4/transactions.jsonl")
    state = output.scan()  # a resumed one-process run sees e3 and e4 as partial
    assert state.partial == {"entity=e3", "entity=e4"}
    output.clean_up_entity("entity=e3")
    assert _uploads(s3) == ["sync/r1/entity=e4/transactions.jsonl"]


def test_a_part_size_below_the_s3_minimum_is_refused() -> None:
    with pytest.raises(InvalidRequestError, match="part_size must be >= 5242880 bytes"):
        S3Output("s3://out/p", "r1", part_size=1024)
