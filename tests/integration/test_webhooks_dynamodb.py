"""DynamoDBDedupeStore against a real moto_server: conditional writes, TTL, races, errors."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from lean_connector.errors import ConnectorError
from lean_connector.webhooks import DedupeStore, DynamoDBDedupeStore
from tests.support.moto_process import MotoProcess, free_port

pytestmark = pytest.mark.integration

REGION = "me-central-1"
TABLE = "lean-webhook-dedupe"


def dynamodb(endpoint_url: str) -> Any:
    make_client: Any = boto3.client
    return make_client("dynamodb", region_name=REGION, endpoint_url=endpoint_url)


def create_table(endpoint_url: str, *, key: str = "event_id", name: str = TABLE) -> None:
    dynamodb(endpoint_url).create_table(
        TableName=name,
        KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )


@pytest.fixture
def table(aws: MotoProcess) -> str:
    create_table(aws.endpoint_url)
    return aws.endpoint_url


def test_first_time_then_replay_then_another_id(table: str, aws: MotoProcess) -> None:
    store = DynamoDBDedupeStore(TABLE, region=REGION, endpoint_url=table)
    assert isinstance(store, DedupeStore)
    aws.reset_counts()
    assert store.first_time("ev-1") is True
    assert store.first_time("ev-1") is False
    assert store.first_time("ev-2") is True
    assert aws.counts() == {"PutItem": 3}  # one conditional write per check, no reads


def test_item_carries_an_epoch_ttl_attribute(table: str) -> None:
    before = int(time.time())
    DynamoDBDedupeStore(TABLE, region=REGION, endpoint_url=table, ttl_s=3600).first_time("ev-9")
    item = dynamodb(table).get_item(TableName=TABLE, Key={"event_id": {"S": "ev-9"}})["Item"]
    expires_at = int(item["expires_at"]["N"])
    assert before + 3600 <= expires_at <= int(time.time()) + 3600


def test_an_expired_item_not_yet_deleted_by_dynamodb_counts_as_gone(table: str) -> None:
    now = [1_700_000_000.0]
    store = DynamoDBDedupeStore(
        TABLE, region=REGION, endpoint_url=table, ttl_s=600, clock=lambda: now[0]
    )
    assert store.first_time("ev-1") is True
    now[0] += 599
    assert store.first_time("ev-1") is False
    now[0] += 2  # past expires_at; DynamoDB's TTL sweeper may take up to days to delete
    assert store.first_time("ev-1") is True


def test_a_retry_of_our_own_write_is_not_mistaken_for_a_replay(
    table: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """botocore resends a PutItem whose answer was lost; the second send finds our own item.

    The lost answer cannot be produced on demand, so the resend is reproduced by making
    two calls share one claim id (the only thing patched: uuid4 in the webhooks module).
    """
    store = DynamoDBDedupeStore(TABLE, region=REGION, endpoint_url=table)
    with monkeypatch.context() as patch:
        patch.setattr(uuid, "uuid4", lambda: uuid.UUID(int=42))
        assert store.first_time("ev-lost-answer") is True
        assert store.first_time("ev-lost-answer") is True  # same claim: our own write
    assert store.first_time("ev-lost-answer") is False  # a genuine replay


# No concurrent-delivery test here: exactly-one-winner comes from DynamoDB's atomic
# conditional write, which moto does not serialise (its threaded server checks and writes
# without a lock), so such a test would measure moto and flake under load. The one
# conditional PutItem per call is asserted above; the in-memory store's race is tested in
# tests/unit/test_webhooks.py.


def test_missing_table_names_it_and_says_how_to_create_it(aws: MotoProcess) -> None:
    store = DynamoDBDedupeStore("no-such-table", region=REGION, endpoint_url=aws.endpoint_url)
    with pytest.raises(ConnectorError) as caught:
        store.first_time("ev-1")
    assert str(caught.value) == (
        "DynamoDB table 'no-such-table' does not exist in me-central-1: create it (partition "
        "key 'event_id' of type S, TTL on 'expires_at') or fix webhooks.dedupe_table"
    )
    assert caught.value.retryable is False


def test_table_with_another_partition_key_is_explained(aws: MotoProcess) -> None:
    create_table(aws.endpoint_url, key="id", name="wrong-key")
    store = DynamoDBDedupeStore("wrong-key", region=REGION, endpoint_url=aws.endpoint_url)
    with pytest.raises(ConnectorError) as caught:
        store.first_time("ev-1")
    assert str(caught.value).startswith(
        "DynamoDB table 'wrong-key' rejected the dedupe item: its partition key must be "
        "'event_id' of type S with no sort key ("
    )


def test_unreachable_dynamodb_is_a_retryable_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    endpoint = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    store = DynamoDBDedupeStore(TABLE, region=REGION, endpoint_url=endpoint)
    with pytest.raises(ConnectorError) as caught:
        store.first_time("ev-1")
    assert str(caught.value).startswith(
        f"cannot reach DynamoDB in {REGION} to record the webhook event_id in table "
        f"'{TABLE}': EndpointConnectionError; answer non-200 so Lean redelivers"
    )
    assert caught.value.retryable is True


def test_missing_credentials_are_reported_as_such(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/config")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    endpoint = f"http://127.0.0.1:{free_port()}"
    store = DynamoDBDedupeStore(TABLE, region=REGION, endpoint_url=endpoint)
    with pytest.raises(ConnectorError) as caught:
        store.first_time("ev-1")
    assert str(caught.value) == (
        f"DynamoDB PutItem on table '{TABLE}' in {REGION} could not be sent "
        "(NoCredentialsError: Unable to locate credentials): check the AWS credentials and "
        "region of the role this runs as"
    )


@pytest.fixture
def own_moto(monkeypatch: pytest.MonkeyPatch) -> Iterator[MotoProcess]:
    """A moto server of this test's own, because switching on IAM auth is process-wide."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    server = MotoProcess().start()
    try:
        yield server
    finally:
        server.stop()


def test_missing_put_item_permission_names_the_table_and_the_action(
    own_moto: MotoProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_table(own_moto.endpoint_url)
    make_client: Any = boto3.client
    iam = make_client("iam", region_name=REGION, endpoint_url=own_moto.endpoint_url)
    iam.create_user(UserName="webhook-role")
    read_only = {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*"}
    iam.put_user_policy(
        UserName="webhook-role",
        PolicyName="read-only",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [read_only]}),
    )
    key = iam.create_access_key(UserName="webhook-role")["AccessKey"]
    own_moto.enable_iam_auth()
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])
    store = DynamoDBDedupeStore(TABLE, region=REGION, endpoint_url=own_moto.endpoint_url)
    with pytest.raises(ConnectorError) as caught:
        store.first_time("ev-1")
    assert str(caught.value) == (
        f"DynamoDB refused PutItem on table '{TABLE}' in {REGION}: grant the role "
        f"dynamodb:PutItem on arn:aws:dynamodb:{REGION}:<account>:table/{TABLE}"
    )
    assert key["SecretAccessKey"] not in str(caught.value)


def test_dynamodb_forget_lets_the_redelivery_through(table: str, aws: MotoProcess) -> None:
    store = DynamoDBDedupeStore(TABLE, region=REGION, endpoint_url=table)
    assert store.first_time("evt-forget") is True
    aws.reset_counts()
    store.forget("evt-forget")
    assert aws.counts() == {"DeleteItem": 1}
    assert store.first_time("evt-forget") is True
    assert store.first_time("evt-forget") is False
