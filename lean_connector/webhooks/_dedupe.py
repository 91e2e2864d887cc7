"""Event id dedupe stores: Lean redelivers until it gets a 200, so a receiver drops replays.

:class:`InMemoryDedupeStore` is stdlib-only; :class:`DynamoDBDedupeStore` shares the ids
between every container of a Lambda fleet.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from typing import Protocol, runtime_checkable

from lean_connector import _aws as aws_clients
from lean_connector.errors import AWSStoreError
from lean_connector.webhooks._events import DEFAULT_DEDUPE_TTL_S

__all__ = ["DedupeStore", "DynamoDBDedupeStore", "InMemoryDedupeStore"]


@runtime_checkable
class DedupeStore(Protocol):
    """Remembers event ids: ``first_time`` is True once per id, False for its replays."""

    def first_time(self, event_id: str) -> bool:
        """Record ``event_id``; True if it was not seen (within the store's TTL)."""
        ...

    def forget(self, event_id: str) -> None:
        """Drop ``event_id`` after its delivery failed, so Lean's redelivery gets through."""
        ...


def _check_event_id(event_id: str) -> None:
    if not isinstance(event_id, str) or not event_id:
        raise ValueError(f"event_id must be a non-empty string, got {event_id!r}")


class InMemoryDedupeStore:
    """Event ids in process memory: enough for one long-lived server, not for a Lambda fleet.

    Ids are forgotten ``ttl_s`` after first seen; beyond ``max_entries`` the oldest go first
    (a replay of an evicted id would then pass). Thread-safe.
    """

    def __init__(
        self,
        ttl_s: float = DEFAULT_DEDUPE_TTL_S,
        max_entries: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if ttl_s <= 0:
            raise ValueError(f"ttl_s must be positive, got {ttl_s!r}")
        if max_entries < 1:
            raise ValueError(f"max_entries must be at least 1, got {max_entries!r}")
        self._ttl_s = ttl_s
        self._max_entries = max_entries
        self._clock = clock
        # event_id -> expiry. One TTL and a monotonic clock keep insertion order equal to
        # expiry order, so expired ids are always at the front.
        self._expiry: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def first_time(self, event_id: str) -> bool:
        """True the first time ``event_id`` is seen within ``ttl_s``, else False."""
        _check_event_id(event_id)
        with self._lock:
            now = self._clock()
            while self._expiry and next(iter(self._expiry.values())) <= now:
                self._expiry.popitem(last=False)
            if event_id in self._expiry:
                return False
            self._expiry[event_id] = now + self._ttl_s
            if len(self._expiry) > self._max_entries:
                self._expiry.popitem(last=False)
            return True

    def forget(self, event_id: str) -> None:
        """Drop ``event_id`` (its delivery failed): a redelivery is then first_time again."""
        with self._lock:
            self._expiry.pop(event_id, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._expiry)


class DynamoDBDedupeStore:
    """Event ids in a DynamoDB table shared by every container: one conditional PutItem each.

    The table needs partition key ``event_id`` (string) and no sort key; turn on TTL on the
    ``expires_at`` attribute so old ids are deleted. An item whose ``expires_at`` has passed
    but that DynamoDB has not deleted yet counts as gone. The role needs ``dynamodb:PutItem``.
    """

    def __init__(
        self,
        table_name: str,
        *,
        region: str,
        endpoint_url: str | None = None,
        ttl_s: float = DEFAULT_DEDUPE_TTL_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not table_name:
            raise ValueError("table_name must name the DynamoDB dedupe table")
        if ttl_s <= 0:
            raise ValueError(f"ttl_s must be positive, got {ttl_s!r}")
        self.table_name = table_name
        self.region = region
        self.endpoint_url = endpoint_url
        self._ttl_s = ttl_s
        self._clock = clock  # epoch seconds: DynamoDB TTL reads expires_at as epoch time

    def __repr__(self) -> str:
        return f"DynamoDBDedupeStore(table={self.table_name!r}, region={self.region!r})"

    def first_time(self, event_id: str) -> bool:
        """True if this call recorded ``event_id``; False if it is already in the table."""
        _check_event_id(event_id)
        now = int(self._clock())
        # botocore retries a PutItem whose answer got lost; the claim id lets that retry
        # recognise its own first write instead of reporting the event as a replay.
        claim_id = uuid.uuid4().hex
        dynamodb = aws_clients.client(
            "dynamodb", region=self.region, endpoint_url=self.endpoint_url
        )
        try:
            dynamodb.put_item(
                TableName=self.table_name,
                Item={
                    "event_id": {"S": event_id},
                    "expires_at": {"N": str(now + int(self._ttl_s))},
                    "first_seen_at": {"N": str(now)},
                    "claim_id": {"S": claim_id},
                },
                ConditionExpression="attribute_not_exists(#id) OR #exp < :now",
                ExpressionAttributeNames={"#id": "event_id", "#exp": "expires_at"},
                ExpressionAttributeValues={":now": {"N": str(now)}},
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except Exception as exc:
            code = aws_clients.error_code(exc)
            if code == "ConditionalCheckFailedException":
                existing = getattr(exc, "response", {}).get("Item") or {}
                return bool(existing.get("claim_id", {}).get("S") == claim_id)
            if code is None and not _is_botocore_error(exc):
                raise
            raise _dynamodb_error(exc, self.table_name, self.region) from exc
        return True

    def forget(self, event_id: str) -> None:
        """Delete ``event_id`` (its delivery failed) so Lean's redelivery is not deduped.

        Needs ``dynamodb:DeleteItem`` on the table.
        """
        _check_event_id(event_id)
        dynamodb = aws_clients.client(
            "dynamodb", region=self.region, endpoint_url=self.endpoint_url
        )
        try:
            dynamodb.delete_item(TableName=self.table_name, Key={"event_id": {"S": event_id}})
        except Exception as exc:
            if aws_clients.error_code(exc) is None and not _is_botocore_error(exc):
                raise
            raise _dynamodb_error(exc, self.table_name, self.region, "DeleteItem") from exc


def _is_botocore_error(exc: BaseException) -> bool:
    # By name: botocore is imported only in aws_clients.py, and only when AWS is used.
    return any(cls.__name__ == "BotoCoreError" for cls in type(exc).__mro__)


def _dynamodb_error(
    exc: BaseException, table: str, region: str, operation: str = "PutItem"
) -> AWSStoreError:
    """Translate a botocore error from ``operation`` on the dedupe table into AWSStoreError."""
    code = aws_clients.error_code(exc)
    response = getattr(exc, "response", None) or {}
    aws_message = str(response.get("Error", {}).get("Message", ""))
    http_status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    retryable = False
    if code is None and aws_clients.is_connection_error(exc):
        retryable = True
        text = (
            f"cannot reach DynamoDB in {region} to record the webhook event_id in table "
            f"{table!r}: {type(exc).__name__}; answer non-200 so Lean redelivers, and check "
            "the network route (VPC endpoint or NAT) to DynamoDB"
        )
    elif code is None:
        text = (
            f"DynamoDB {operation} on table {table!r} in {region} could not be sent "
            f"({type(exc).__name__}: {exc}): check the AWS credentials and region of the "
            "role this runs as"
        )
    elif (
        code in aws_clients.ACCESS_DENIED_CODES | aws_clients.CREDENTIAL_CODES or http_status == 403
    ):
        text = (
            f"DynamoDB refused {operation} on table {table!r} in {region}: grant the role "
            f"dynamodb:{operation} on arn:aws:dynamodb:{region}:<account>:table/{table}"
        )
    elif code == "ResourceNotFoundException":
        text = (
            f"DynamoDB table {table!r} does not exist in {region}: create it (partition key "
            "'event_id' of type S, TTL on 'expires_at') or fix webhooks.dedupe_table"
        )
    elif code == "ValidationException":
        text = (
            f"DynamoDB table {table!r} rejected the dedupe item: its partition key must be "
            f"'event_id' of type S with no sort key ({aws_message})"
        )
    elif code in aws_clients.THROTTLING_CODES:
        retryable = True
        text = (
            f"DynamoDB throttled {operation} on table {table!r} ({code}): answer non-200 so Lean "
            "redelivers, and give the table on-demand capacity"
        )
    else:
        text = (
            f"DynamoDB {operation} on table {table!r} in {region} failed with {code}: {aws_message}"
        )
    return AWSStoreError(text, service="dynamodb", code=code, retryable=retryable)
