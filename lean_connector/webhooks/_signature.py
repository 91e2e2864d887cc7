"""The ``lean-signature`` header: how Lean signs a webhook, and how a receiver checks it."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping

from lean_connector.errors import WebhookVerificationError

__all__ = ["SIGNATURE_HEADER", "body_bytes", "find_signature_header", "sign", "verify"]

SIGNATURE_HEADER = "lean-signature"
_SIGNATURE_RE = re.compile(r"sha512=([0-9a-fA-F]{128})", re.IGNORECASE)
_EXPECTED_FORMAT = "'sha512=<128 hex digits>' (the HMAC-SHA512 of the raw body)"


def _key(secret: str | bytes) -> bytes:
    key = secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)
    if not key:
        raise WebhookVerificationError(
            "the webhook secret is empty: set webhooks.secret to the webhook secret from the "
            "Lean dashboard"
        )
    return key


def body_bytes(raw_body: bytes | str) -> bytes:
    return raw_body.encode("utf-8") if isinstance(raw_body, str) else bytes(raw_body)


def sign(raw_body: bytes | str, secret: str | bytes) -> str:
    """The ``lean-signature`` header value Lean sends for ``raw_body``: ``sha512=<hex>``."""
    digest = hmac.new(_key(secret), body_bytes(raw_body), hashlib.sha512).hexdigest()
    return f"sha512={digest}"


def _describe_malformed(header: str) -> str:
    # Say what is wrong without echoing the value back (it may be long or hostile).
    if "=" not in header:
        return f"a value of {len(header)} characters with no 'sha512=' prefix"
    algorithm, digest = header.split("=", 1)
    if algorithm.strip().lower() != "sha512":
        return f"algorithm {algorithm.strip()[:20]!r}"
    if len(digest) != 128:
        return f"{len(digest)} characters after 'sha512=' instead of 128"
    return "characters that are not hexadecimal after 'sha512='"


def verify(raw_body: bytes | str, signature_header: str | None, secret: str | bytes) -> None:
    """Check ``signature_header`` against the HMAC-SHA512 of ``raw_body``; return or raise.

    ``raw_body`` must be the bytes as received (a ``str`` is encoded as UTF-8), never JSON
    parsed and dumped again. Raises :class:`WebhookVerificationError` when the header is
    missing, malformed or does not match; the message never contains the secret or the
    expected signature.
    """
    key = _key(secret)  # a missing secret is a configuration error: report it first
    if signature_header is None or not signature_header.strip():
        raise WebhookVerificationError(
            f"the webhook has no {SIGNATURE_HEADER} header: Lean signs every webhook, so the "
            "request did not come from Lean or a proxy dropped the header"
        )
    header = signature_header.strip()
    match = _SIGNATURE_RE.fullmatch(header)
    if match is None:
        raise WebhookVerificationError(
            f"the {SIGNATURE_HEADER} header is malformed: expected {_EXPECTED_FORMAT}, "
            f"got {_describe_malformed(header)}"
        )
    expected = hmac.new(key, body_bytes(raw_body), hashlib.sha512).hexdigest()
    if not hmac.compare_digest(expected, match.group(1).lower()):
        raise WebhookVerificationError(
            "signature does not match the body: check webhooks.secret is the current webhook "
            "secret from the Lean dashboard and that the RAW body is verified, not "
            "re-serialized JSON"
        )


def find_signature_header(headers: Mapping[str, str] | None) -> str | None:
    """The ``lean-signature`` value from request headers, whatever their case (API Gateway)."""
    if not isinstance(headers, Mapping):
        return None
    for name, value in headers.items():
        if isinstance(name, str) and name.lower() == SIGNATURE_HEADER:
            return value if isinstance(value, str) else None
    return None
