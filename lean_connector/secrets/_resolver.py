"""The resolver: references to values, a cache, the last good value served on failure.

A reference (``aws-sm://``, ``aws-ssm://``, ``env://``, ``file://``, or a literal) is parsed
by ``_refs`` and read by ``_stores``; this module owns the cache and the values. The
cache is keyed by the secret (scheme, name, stage, version), not by the
reference, because several spec fields usually name keys of one JSON secret and must cost
one GetSecretValue, not one each (price, and the store's throttling limits). JSON keys are
extracted locally. Values never appear in a repr, a message or a log line.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from lean_connector.errors import SecretError, SecretNotFoundError, SpecError
from lean_connector.logs import get_logger, register_secret
from lean_connector.secrets import _stores as secret_stores
from lean_connector.secrets._refs import (
    CacheKey,
    SecretReference,
    describe_reference,
    parse_reference,
)

__all__ = ["SecretResolver", "SecretValue"]


class _SecretsSettings(Protocol):
    @property
    def aws_region(self) -> str: ...
    @property
    def aws_endpoint_url(self) -> str | None: ...
    @property
    def cache_ttl_s(self) -> float: ...


class _SpecWithSecrets(Protocol):
    """What the resolver reads of a spec (the spec package sits above this one)."""

    @property
    def secrets(self) -> _SecretsSettings: ...
    def secret_references(self) -> dict[str, str]: ...


log = get_logger(__name__)

_BASE64_PEM_PREFIX = b"LS0tLS1CRUdJTi"  # base64 of "-----BEGIN"
# After a failed refresh the last good value is served; wait this long before asking the
# store again, so a store outage does not add a timeout to every call.
_RETRY_AFTER_FAILURE_S = 30.0


class SecretValue:
    """A resolved secret. repr/str show the reference, version and length, never the value."""

    __slots__ = ("_value", "reference", "source", "version_id")

    def __init__(
        self, value: bytes, *, reference: SecretReference, source: str, version_id: str | None
    ) -> None:
        self._value = value
        self.reference = reference
        self.source = source
        self.version_id = version_id

    def reveal(self) -> str:
        """The value as text; SecretError if it is binary (use reveal_bytes())."""
        try:
            return self._value.decode("utf-8")
        except UnicodeDecodeError:
            # "from None": the decode error quotes a byte of the secret.
            raise SecretError(
                f"{self.reference}: the secret is binary, not UTF-8 text: use reveal_bytes()",
                reference=str(self.reference),
            ) from None

    def reveal_bytes(self) -> bytes:
        """The value as bytes."""
        return self._value

    def __len__(self) -> int:
        return len(self._value)

    def __repr__(self) -> str:
        return f"SecretValue({self.reference}, version={self.version_id}, {len(self)} bytes)"

    __str__ = __repr__


_UNPARSED: Any = object()


@dataclass
class _Entry:
    payload: bytes
    version_id: str | None
    expires_at: float
    parsed_json: Any = _UNPARSED
    # json key (None: the whole payload) -> the value handed out, already registered with
    # logs: a cache hit neither re-extracts nor re-registers it. A new version is a new entry.
    values: dict[str | None, bytes] = dataclasses.field(default_factory=dict)


class SecretResolver:
    """Resolves references with one store call per distinct secret per TTL, thread-safely."""

    def __init__(
        self,
        *,
        aws_region: str = "me-central-1",
        aws_endpoint_url: str | None = None,
        cache_ttl_s: float = 300.0,
        jitter_ratio: float = 0.1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if cache_ttl_s < 0:
            raise SpecError(
                f"secrets.cache_ttl_s must be >= 0, got {cache_ttl_s}", field="secrets.cache_ttl_s"
            )
        if not 0 <= jitter_ratio < 1:
            raise SpecError(f"jitter_ratio must be in [0, 1), got {jitter_ratio}")
        self.aws_region = aws_region
        self.aws_endpoint_url = aws_endpoint_url
        self.cache_ttl_s = cache_ttl_s
        self.jitter_ratio = jitter_ratio
        self.call_counts: dict[str, int] = {}
        self._clock = clock
        self._random = random.Random()
        self._cache: dict[CacheKey, _Entry] = {}
        self._registered_literals: set[bytes] = set()
        self._locks: dict[CacheKey, threading.Lock] = {}
        self._guard = threading.Lock()

    @classmethod
    def from_spec(cls, spec: _SpecWithSecrets) -> SecretResolver:
        """A resolver configured by ``spec.secrets``."""
        return cls(
            aws_region=spec.secrets.aws_region,
            aws_endpoint_url=spec.secrets.aws_endpoint_url,
            cache_ttl_s=spec.secrets.cache_ttl_s,
        )

    def resolve(self, reference: str, *, field: str | None = None) -> SecretValue:
        """Resolve one reference (cached); ``field`` is named in errors and logs."""
        ref = parse_reference(reference, field=field)
        if ref.scheme == "literal":
            literal = _refuse_empty(ref.text.encode(), ref, field)
            if literal not in self._registered_literals:
                _register_secret(literal)
                self._registered_literals.add(literal)
            value = SecretValue(literal, reference=ref, source="literal", version_id=None)
            cached = False
        else:
            entry, cached = self._entry(ref, field)
            known = entry.values.get(ref.json_key)
            if known is None:
                extracted = _extract_json_key(ref, entry, field)
                known = _decode_base64_pem(_refuse_empty(extracted, ref, field))
                _register_secret(known)  # before it is handed out and can reach a log line
                entry.values[ref.json_key] = known
            value = SecretValue(
                known, reference=ref, source=ref.scheme, version_id=entry.version_id
            )
        (log.debug if cached else log.info)(
            "secret.resolved",
            field=field,
            reference=str(ref),
            source=value.source,
            version_id=value.version_id,
            cached=cached,
        )
        return value

    def resolve_spec(self, spec: _SpecWithSecrets) -> dict[str, SecretValue]:
        """Resolve every set reference field of the spec: dotted field -> value."""
        return {
            field: self.resolve(text, field=field)
            for field, text in spec.secret_references().items()
        }

    def refresh(self, reference: str | None = None) -> None:
        """Make the next use re-read that secret (every cached version of it), or all."""
        target = parse_reference(reference) if reference is not None else None
        for key, entry in list(self._cache.items()):
            if target is None or key[:2] == (target.scheme, target.name):
                # Expire rather than drop: the old value is still served if the re-read fails.
                entry.expires_at = float("-inf")

    def put(self, reference: str, value: str) -> str | None:
        """Store ``value`` as a new version of an aws-sm secret; returns its version id."""
        ref = parse_reference(reference)
        if ref.scheme != "aws-sm" or ref.json_key or ref.version:
            raise SecretError(
                f"{ref}: put() writes a whole Secrets Manager secret: use "
                "aws-sm://<name or ARN>[?stage=<stage>] without #key or version=",
                reference=str(ref),
            )
        version_id = secret_stores.put_secret_string(
            ref,
            value,
            aws_region=self.aws_region,
            aws_endpoint_url=self.aws_endpoint_url,
            count=self._count,
        )
        _register_secret(value.encode())
        with self._lock_for(ref.cache_key):
            self._cache[ref.cache_key] = _Entry(value.encode(), version_id, self._expiry())
        log.info("secret.stored", reference=str(ref), version_id=version_id)
        return str(version_id) if version_id is not None else None

    # -- cache -----------------------------------------------------------------------------

    def _entry(self, ref: SecretReference, field: str | None) -> tuple[_Entry, bool]:
        key = ref.cache_key
        entry = self._cache.get(key)
        if entry is not None and self._clock() < entry.expires_at:
            return entry, True
        with self._lock_for(key):
            entry = self._cache.get(key)
            now = self._clock()
            if entry is not None and now < entry.expires_at:
                return entry, True  # another thread re-read it while this one waited
            try:
                payload, version_id = self._fetch(ref, field)
            except SecretError as exc:
                if entry is None:
                    raise
                entry.expires_at = now + min(_RETRY_AFTER_FAILURE_S, self._ttl())
                log.warning(
                    "secret.refresh_failed",
                    field=field,
                    reference=str(ref),
                    error=secret_stores.failure_code(exc),
                    serving_version_id=entry.version_id,
                )
                return entry, True
            fresh = _Entry(payload, version_id, self._expiry())
            self._cache[key] = fresh
            return fresh, False

    def _lock_for(self, key: CacheKey) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())

    def _ttl(self) -> float:
        return self.cache_ttl_s * self._random.uniform(1 - self.jitter_ratio, 1)

    def _expiry(self) -> float:
        return self._clock() + self._ttl()

    def _count(self, operation: str) -> None:
        with self._guard:
            self.call_counts[operation] = self.call_counts.get(operation, 0) + 1

    # -- stores ----------------------------------------------------------------------------

    def _fetch(self, ref: SecretReference, field: str | None) -> tuple[bytes, str | None]:
        return secret_stores.read_secret(
            ref,
            field,
            aws_region=self.aws_region,
            aws_endpoint_url=self.aws_endpoint_url,
            count=self._count,
        )

    def _aws_error(
        self,
        exc: Exception,
        ref: SecretReference,
        field: str | None,
        region: str,
        operation: str,
    ) -> SecretError | None:
        """Translate a botocore error into the errors.py tree; None if it is not one."""
        return secret_stores.translate_aws_error(
            exc, ref, field, region, operation, aws_endpoint_url=self.aws_endpoint_url
        )


def _extract_json_key(ref: SecretReference, entry: _Entry, field: str | None) -> bytes:
    key = ref.json_key
    if key is None:
        return entry.payload
    if entry.parsed_json is _UNPARSED:
        try:
            entry.parsed_json = json.loads(entry.payload)
        except ValueError:  # includes UnicodeDecodeError (binary secret)
            entry.parsed_json = None
    where, fix = describe_reference(ref.text, field), field or "the reference"
    document = entry.parsed_json
    if not isinstance(document, dict):
        raise SecretError(
            f"{where}: secret '{ref.name}' is not a JSON object, so '#{key}' cannot be read "
            f"from it: remove '#{key}' from {fix} or store the secret as JSON "
            f'like {{"{key}": "..."}}',
            reference=ref.text,
        )
    node: Any = document
    if key in document:  # a top-level key may itself contain dots
        node = document[key]
    else:
        parts = key.split(".")
        for depth, part in enumerate(parts):
            if not isinstance(node, dict) or part not in node:
                present = ", ".join(sorted(node)) if isinstance(node, dict) else "none"
                under = f" under '{'.'.join(parts[:depth])}'" if depth else ""
                raise SecretNotFoundError(
                    f"{where}: JSON key '{key}' not found in secret '{ref.name}'; "
                    f"keys present{under}: {present or 'none'}: "
                    f"fix the key in {fix} or add it to the secret",
                    reference=ref.text,
                )
            node = node[part]
    if not isinstance(node, str):
        # json.dumps would make null the secret "null" (a webhook key anyone can guess).
        raise SecretError(
            f"{where}: JSON key '{key}' is {_json_kind(node)}, not a string, in secret "
            f'\'{ref.name}\': store the value as a JSON string, e.g. {{"{key}": "..."}}',
            reference=ref.text,
        )
    return node.encode()


def _json_kind(node: Any) -> str:
    if node is None:
        return "null"
    if isinstance(node, bool):
        return "a boolean"
    if isinstance(node, int | float):
        return "a number"
    return "an object" if isinstance(node, dict) else "a list"


def _refuse_empty(value: bytes, ref: SecretReference, field: str | None) -> bytes:
    if not value.strip():
        key = f" (JSON key '{ref.json_key}')" if ref.json_key else ""
        raise SecretError(
            f"{describe_reference(ref.text, field)}: the secret{key} is empty: store the value "
            f"there, or fix {field or 'the reference'}",
            reference=ref.text if ref.scheme != "literal" else None,
        )
    return value


def _decode_base64_pem(payload: bytes) -> bytes:
    """PEM stored base64-encoded (common for SecretBinary or env vars) is decoded to PEM."""
    compact = b"".join(payload.split())
    if not compact.startswith(_BASE64_PEM_PREFIX):
        return payload
    try:
        decoded = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        return payload
    return decoded if decoded.startswith(b"-----BEGIN") else payload


def _register_secret(value: bytes) -> None:
    try:
        register_secret(value.decode("utf-8"))
    except UnicodeDecodeError:
        register_secret(value)
