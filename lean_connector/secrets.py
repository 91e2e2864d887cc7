"""Secret references: parse them, resolve them (Secrets Manager, SSM, env, file), cache them.

Forms: ``aws-sm://<name or ARN>[#json.key][?stage=<stage>|version=<id>]``,
``aws-ssm://<parameter name>``, ``env://VAR``, ``file:///abs/path`` (``#json.key`` on any of
them); anything else is a literal. The cache is keyed by the secret (scheme, name, stage,
version), not by the reference, because several spec fields usually name keys of one JSON
secret and must cost one GetSecretValue, not one each (price, and the store's throttling
limits). JSON keys are extracted locally. Values never appear in a repr, a message or a log line.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import functools
import json
import os
import random
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from lean_connector import aws_clients
from lean_connector.errors import (
    SecretAccessDeniedError,
    SecretError,
    SecretNotFoundError,
    SecretUnavailableError,
    SpecError,
)
from lean_connector.logs import get_logger, register_secret

if TYPE_CHECKING:
    from lean_connector.spec import LeanSpec

__all__ = ["SecretReference", "SecretResolver", "SecretValue", "parse_reference"]

log = get_logger(__name__)

Scheme = Literal["aws-sm", "aws-ssm", "env", "file", "literal"]
CacheKey = tuple[str, str, str | None, str | None]

_FORMS: dict[str, str] = {
    "aws-sm": "aws-sm://<name or ARN>[#json.key][?stage=AWSCURRENT|version=<id>]",
    "aws-ssm": "aws-ssm://<parameter name>[#json.key]",
    "env": "env://VAR_NAME[#json.key]",
    "file": "file:///absolute/path[#json.key]",
}
_SM_ARN = re.compile(r"arn:aws[a-z-]*:secretsmanager:(?P<region>[a-z0-9-]+):\d{12}:secret:.+")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_BASE64_PEM_PREFIX = b"LS0tLS1CRUdJTi"  # base64 of "-----BEGIN"
# After a failed refresh the last good value is served; wait this long before asking the
# store again, so a store outage does not add a timeout to every call.
_RETRY_AFTER_FAILURE_S = 30.0


@dataclass(frozen=True)
class SecretReference:
    """A parsed reference. For a literal, ``text`` is the value: str()/repr() hide it."""

    scheme: Scheme
    name: str
    json_key: str | None = None
    stage: str | None = None
    version: str | None = None
    text: str = ""

    def __str__(self) -> str:
        return "<literal>" if self.scheme == "literal" else self.text

    def __repr__(self) -> str:
        return f"SecretReference({self})"

    @property
    def region(self) -> str | None:
        """The region named by a Secrets Manager ARN (it must be asked there), else None."""
        match = _SM_ARN.fullmatch(self.name) if self.scheme == "aws-sm" else None
        return match.group("region") if match else None

    @property
    def cache_key(self) -> CacheKey:
        """What one store call fetches: no stage and no version means AWSCURRENT."""
        stage = self.stage
        if self.scheme == "aws-sm" and stage is None and self.version is None:
            stage = "AWSCURRENT"
        return (self.scheme, self.name, stage, self.version)


def parse_reference(text: str, *, field: str | None = None) -> SecretReference:
    """Parse a reference; SecretError naming the field and the valid form if malformed."""
    scheme, sep, _ = text.partition("://")
    if not sep or scheme not in _FORMS:
        # Not cached: a literal is the value itself, and a module-level cache of secret
        # values would outlive every resolver.
        return SecretReference("literal", "", text=text)
    try:
        return _parse_cached(text)
    except SecretError:
        if field is None:
            raise
    return _parse(text, field)  # malformed: raises again, this time naming the field


# Parsing is pure, and resolve() parses on every call: cached, a cache hit stays cheap.
# Exceptions are not cached by lru_cache, so a malformed reference is parsed (and refused)
# each time it is used.
@functools.lru_cache(maxsize=1024)
def _parse_cached(text: str) -> SecretReference:
    return _parse(text, None)


def _parse(text: str, field: str | None) -> SecretReference:
    """Parse text whose scheme is one of _FORMS."""
    scheme, _, rest = text.partition("://")

    def malformed(problem: str) -> SecretError:
        return SecretError(
            f"{_where(text, field)}: malformed secret reference: {problem}; "
            f"expected {_FORMS[scheme]}",
            reference=text,
        )

    if scheme in ("env", "file"):
        # '#json.key' works here too, so a local JSON file can mirror a Secrets Manager secret.
        name, hash_sign, json_key = rest.partition("#")
        if hash_sign and not json_key:
            raise malformed("'#' must be followed by a JSON key")
        if scheme == "env" and not name:
            raise malformed("the variable name is empty")
        if scheme == "env" and not _ENV_NAME.fullmatch(name):
            raise malformed(f"{name!r} is not an environment variable name")
        if scheme == "file" and not name.startswith("/"):
            raise malformed("the path must be absolute (three slashes: file:///path)")
        kind: Scheme = "env" if scheme == "env" else "file"
        return SecretReference(kind, name, json_key=json_key or None, text=text)

    body, question, query = rest.partition("?")
    if "#" in query:  # accept "name?stage=X#key" as well as "name#key?stage=X"
        query, _, key_after = query.partition("#")
        body = f"{body}#{key_after}"
    name, hash_sign, json_key = body.partition("#")
    if not name:
        raise malformed("the secret name is empty")
    if hash_sign and not json_key:
        raise malformed("'#' must be followed by a JSON key")
    if scheme == "aws-sm" and name.startswith("arn:") and not _SM_ARN.fullmatch(name):
        raise malformed("not a Secrets Manager ARN (arn:aws:secretsmanager:<region>:<account>:…)")
    options: dict[str, str] = {}
    if question:
        if scheme == "aws-ssm":
            raise malformed("aws-ssm references take no ?query")
        for item in query.split("&"):
            key, _, value = item.partition("=")
            if key not in ("stage", "version"):
                raise malformed(f"unknown query key {key!r} (only stage= or version=)")
            if not value or key in options:
                raise malformed(f"{key}= must be given once, with a value")
            options[key] = value
        if len(options) > 1:
            raise malformed("give stage= or version=, not both")
    return SecretReference(
        "aws-sm" if scheme == "aws-sm" else "aws-ssm",
        name,
        json_key=json_key or None,
        stage=options.get("stage"),
        version=options.get("version"),
        text=text,
    )


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
    def from_spec(cls, spec: LeanSpec) -> SecretResolver:
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
            literal = ref.text.encode()
            if literal not in self._registered_literals:
                _register_secret(literal)
                self._registered_literals.add(literal)
            value = SecretValue(literal, reference=ref, source="literal", version_id=None)
            cached = False
        else:
            entry, cached = self._entry(ref, field)
            known = entry.values.get(ref.json_key)
            if known is None:
                known = _decode_base64_pem(_extract_json_key(ref, entry, field))
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

    def resolve_spec(self, spec: LeanSpec) -> dict[str, SecretValue]:
        """Resolve every set reference field of the spec: dotted field -> value."""
        from lean_connector.spec import secret_references  # lazy: spec imports nothing here

        return {
            field: self.resolve(text, field=field)
            for field, text in secret_references(spec).items()
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
        region = ref.region or self.aws_region
        kwargs: dict[str, Any] = {"SecretId": ref.name, "SecretString": value}
        if ref.stage:
            kwargs["VersionStages"] = [ref.stage]
        self._count("PutSecretValue")
        try:
            store = aws_clients.client(
                "secretsmanager", region=region, endpoint_url=self.aws_endpoint_url
            )
            response = store.put_secret_value(**kwargs)
        except Exception as exc:
            translated = self._aws_error(exc, ref, None, region, "PutSecretValue")
            if translated is None:
                raise
            raise translated from exc
        version_id = response.get("VersionId")
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
                    error=_error_code(exc),
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
        where, fix = _where(ref.text, field), field or "the reference"
        if ref.scheme == "env":
            self._count("ReadEnv")
            text = os.environ.get(ref.name)
            if text is None:
                raise SecretNotFoundError(
                    f"{where}: environment variable {ref.name} is not set: export it or fix {fix}",
                    reference=ref.text,
                )
            return text.encode(), None
        if ref.scheme == "file":
            self._count("ReadFile")
            try:
                with open(ref.name, "rb") as handle:
                    return handle.read(), None
            except FileNotFoundError:
                raise SecretNotFoundError(
                    f"{where}: file {ref.name} does not exist: create it or fix {fix}",
                    reference=ref.text,
                ) from None
            except PermissionError:
                raise SecretAccessDeniedError(
                    f"{where}: file {ref.name} is not readable by this process: "
                    f"fix its permissions or fix {fix}",
                    reference=ref.text,
                ) from None
            except OSError as exc:
                raise SecretError(
                    f"{where}: cannot read file {ref.name} ({exc.strerror}): fix {fix}",
                    reference=ref.text,
                ) from None
        sm = ref.scheme == "aws-sm"
        operation = "GetSecretValue" if sm else "GetParameter"
        region = ref.region or self.aws_region
        self._count(operation)
        try:
            store = aws_clients.client(
                "secretsmanager" if sm else "ssm", region=region, endpoint_url=self.aws_endpoint_url
            )
            if sm:
                kwargs = {"SecretId": ref.name}
                if ref.version:
                    kwargs["VersionId"] = ref.version
                if ref.stage:
                    kwargs["VersionStage"] = ref.stage
                response = store.get_secret_value(**kwargs)
            else:
                response = store.get_parameter(Name=ref.name, WithDecryption=True)
        except Exception as exc:
            translated = self._aws_error(exc, ref, field, region, operation)
            if translated is None:
                raise
            raise translated from exc
        if not sm:
            parameter = response["Parameter"]
            return str(parameter["Value"]).encode(), str(parameter.get("Version"))
        if "SecretString" in response:
            return str(response["SecretString"]).encode(), response.get("VersionId")
        return bytes(response["SecretBinary"]), response.get("VersionId")

    def _aws_error(
        self,
        exc: Exception,
        ref: SecretReference,
        field: str | None,
        region: str,
        operation: str,
    ) -> SecretError | None:
        """Translate a botocore error into the errors.py tree; None if it is not one."""
        sm = ref.scheme == "aws-sm"
        store, service = ("Secrets Manager", "secretsmanager") if sm else ("SSM", "ssm")
        what = f"secret '{ref.name}'" if sm else f"parameter '{ref.name}'"
        if ref.version or ref.stage:
            what += f" version '{ref.version}'" if ref.version else f" stage '{ref.stage}'"
        where, fix, text = _where(ref.text, field), field or "the reference", ref.text
        code = _aws_code(exc)
        after = "the value was not stored" if operation == "PutSecretValue" else "nothing cached"
        if aws_clients.is_connection_error(exc):
            endpoint = self.aws_endpoint_url or f"https://{service}.{region}.amazonaws.com"
            if aws_clients.is_tls_error(exc):
                return SecretUnavailableError(
                    f"{where}: the TLS handshake with {store} at {endpoint} failed (region "
                    f"{region}; {after}): check that secrets.aws_endpoint_url is an HTTPS "
                    "endpoint whose certificate this host trusts, and any TLS-inspecting proxy",
                    reference=text,
                )
            return SecretUnavailableError(
                f"{where}: could not reach {store} at {endpoint} (region {region}; {after}): "
                f"check network access from here (NAT, or a VPC endpoint for {service}) "
                "and secrets.aws_region / secrets.aws_endpoint_url",
                reference=text,
            )
        if code in aws_clients.CREDENTIAL_CODES:
            problem = "found no" if code.endswith("CredentialsError") else "AWS rejected the"
            return SecretAccessDeniedError(
                f"{where}: {problem} AWS credentials for {what} in {store} (region {region}, "
                f"{code}): check the IAM role or the AWS_* keys/profile this process runs with",
                reference=text,
            )
        # Not is_aws_client_error(): it misses botocore's modeled subclasses of ClientError
        # (ResourceNotFoundException, ...); an AWS error code is what matters here.
        if aws_clients.error_code(exc) is None:
            return None
        if code in aws_clients.NOT_FOUND_CODES:
            return SecretNotFoundError(
                f"{where}: {what} not found in {store} (region {region}): create it or fix {fix}",
                reference=text,
            )
        if code in aws_clients.ACCESS_DENIED_CODES:
            action = f"secretsmanager:{operation}" if sm else "ssm:GetParameter"
            return SecretAccessDeniedError(
                f"{where}: access denied to {what} in {store} (region {region}, {code}): "
                f"grant {action} on it, and kms:Decrypt on its KMS key, to the role this runs as",
                reference=text,
            )
        if code in aws_clients.THROTTLING_CODES:
            return SecretUnavailableError(
                f"{where}: {store} (region {region}) answered {code} for {what} ({after}): "
                "retry later",
                reference=text,
            )
        message = getattr(exc, "response", {}).get("Error", {}).get("Message", "")
        return SecretError(
            f"{where}: {store} (region {region}) refused {operation} for {what}: {code}: {message}",
            reference=text,
        )


def _where(text: str, field: str | None) -> str:
    shown = text if "://" in text else "<literal>"
    return f"{field} ({shown})" if field else shown


def _aws_code(exc: BaseException) -> str:
    code = aws_clients.error_code(exc)
    if code is None:
        return type(exc).__name__
    if code.isdigit():
        # An XML error body on a JSON-protocol service (moto's IAM layer answers so; so do
        # some proxies): botocore leaves the real code inside the message.
        message = str(getattr(exc, "response", {}).get("Error", {}).get("Message", ""))
        inner = re.search(r"<Code>([A-Za-z.]+)</Code>", message)
        return inner.group(1) if inner else code
    return code


def _error_code(exc: SecretError) -> str:
    return _aws_code(exc.__cause__) if exc.__cause__ is not None else type(exc).__name__


def _extract_json_key(ref: SecretReference, entry: _Entry, field: str | None) -> bytes:
    key = ref.json_key
    if key is None:
        return entry.payload
    if entry.parsed_json is _UNPARSED:
        try:
            entry.parsed_json = json.loads(entry.payload)
        except ValueError:  # includes UnicodeDecodeError (binary secret)
            entry.parsed_json = None
    where, fix = _where(ref.text, field), field or "the reference"
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
    return (node if isinstance(node, str) else json.dumps(node)).encode()


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
