"""Secret redaction: by key name, by shape and by registered value.

:func:`redact_secrets` is a structlog processor; every event the connector emits passes
through it after tracebacks became text, so a secret cannot reach a log line by key name
(``client_secret=...``), by shape (PEM blocks, JWTs, ``Bearer ...``) or by value (anything
given to :func:`register_secret`, which the secret resolver does for every value it
resolves). :func:`redact_text` does the same to one string.
"""

from __future__ import annotations

import functools
import json
import re
import threading
import urllib.parse
from collections.abc import Mapping, MutableMapping
from typing import Any

__all__ = [
    "REDACTED",
    "redact_secrets",
    "redact_text",
    "register_secret",
]

# The schemes of a secret reference (the spec's REFERENCE_PREFIXES; a test keeps them equal).
# A reference names where a secret lives, not the secret: logs show it. Repeated here
# because the spec and secrets packages sit above this module.
_REFERENCE_PREFIXES = ("aws-sm://", "aws-ssm://", "env://", "file://")

REDACTED = "[REDACTED]"
REDACTED_PEM = "[REDACTED PEM]"
REDACTED_JWT = "[REDACTED JWT]"

# --- redaction by key name ------------------------------------------------------------
# Names are compared after lower-casing and turning "-" into "_" (HTTP headers).
_SECRET_KEY_NAMES = frozenset(
    {
        "password",
        "passwd",
        "passphrase",
        "secret",
        "client_secret",
        "webhook_secret",
        "secret_key",
        "aws_secret_access_key",
        "secret_access_key",
        "credential",
        "credentials",
        "token",
        "app_token",
        "access_token",
        "refresh_token",
        "id_token",
        "session_token",
        "aws_session_token",
        "lean_app_token",
        "authorization",
        "proxy_authorization",
        "private_key",
        "private_key_password",
        "api_key",
        "apikey",
        "x_api_key",
        "cookie",
        "set_cookie",
        "signature",
        "lean_signature",
    }
)
# Suffixes catch e.g. customer_token, key_password, oauth_client_secret. "_token" is a
# suffix on purpose, not a substring: token_type, token_requests, token_url stay visible.
_SECRET_KEY_SUFFIXES = ("_password", "_passwd", "_secret", "_token", "_api_key", "_private_key")
# camelCase and PascalCase names (clientSecret, SecretAccessKey) are compared as snake_case.
_CAMEL_BOUNDARY_RE = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")

# --- redaction by shape ---------------------------------------------------------------
# A PEM block up to its END line; a block cut off before END (truncated log) is redacted to
# the end of its base64 body. Escaped newlines ("\\n" in JSON/repr text) are covered too.
_PEM_RE = re.compile(
    r"-----BEGIN [A-Z0-9 ]+-----"
    r"(?:.*?-----END [A-Z0-9 ]+-----|[A-Za-z0-9+/=\s\\:,.\-]*)",
    re.DOTALL,
)
_BEARER_RE = re.compile(r"\b(bearer)\s+(?!\[REDACTED)[^\s'\"<>,;)\]}]+", re.IGNORECASE)
_JWT_RE = re.compile(r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*){2,4}")
# "name=value", "name: value" and '"name": "value"' inside text (form bodies, reprs, JSON
# dumps): the value is redacted when the name is a secret key name. The name must end in
# one of these words, which keeps the regex from running its callback on most text.
_ASSIGNMENT_WORDS = (
    "secret",
    "token",
    "password",
    "passwd",
    "passphrase",
    "key",
    "authorization",
    "signature",
    "cookie",
    "credential",
)
# Not after ':' or '/': "...:secret:lean/dev/app" inside an ARN names no secret.
_ASSIGNMENT_RE = re.compile(
    r"(?<![A-Za-z0-9_:/-])(?P<name>[A-Za-z0-9_-]*?(?:"
    + "|".join(_ASSIGNMENT_WORDS)
    + r")s?)(?P<sep>[\"']?[ \t]*[=:][ \t]*)"
    r"(?P<value>\"[^\"]*\"|'[^']*'|[^\s&\"',;)}\]]+)",
    re.IGNORECASE,
)
_VISIBLE_ASSIGNED_VALUES = frozenset({"null", "none", "true", "false", '""', "''"})
# After "name: " in prose ("no token: Lean answered 401"), a short plain word is a word,
# not a credential: secrets carry digits or symbols, or are long.
_PROSE_WORD_RE = re.compile(r"[A-Za-z]{1,15}")

_MIN_SECRET_LENGTH = 6
_PASS_THROUGH_TYPES = frozenset({int, float, bool})
_MAX_DEPTH = 32


class _SecretRegistry:
    """Values to redact wherever they occur: a set behind a lock, read lock-free.

    Readers scan a tuple of the textual forms, longest first (so a secret that contains
    another is replaced whole), with ``str.replace``: no regular expression is compiled, as
    compiling an alternation of PEM-sized literals costs tens of milliseconds per
    registration, on every cold start.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._forms: set[str] = set()
        self.forms: tuple[str, ...] = ()

    def add(self, value: str | bytes) -> None:
        if len(value) < _MIN_SECRET_LENGTH:
            return
        forms = _textual_forms(value)
        with self._lock:
            if forms <= self._forms:
                return
            self._forms |= forms
            self.forms = tuple(sorted(self._forms, key=len, reverse=True))


def _textual_forms(value: str | bytes) -> set[str]:
    """The ways a secret can show up inside a log string.

    As text, as bytes repr, JSON-escaped, and URL-encoded (a form body or query string).
    """
    if isinstance(value, bytes):
        text = value.decode("utf-8", "backslashreplace")
        raw = value
    else:
        text = value
        raw = value.encode("utf-8", "surrogatepass")
    forms = {text, repr(raw)[2:-1], json.dumps(text)[1:-1]}
    forms |= {form.strip() for form in list(forms)}
    for plain in (raw, raw.strip()):
        forms |= {urllib.parse.quote(plain, safe=""), urllib.parse.quote_plus(plain, safe="")}
    return {form for form in forms if len(form) >= _MIN_SECRET_LENGTH}


_registry = _SecretRegistry()


def register_secret(value: str | bytes) -> None:
    """Redact ``value`` from every later log event, wherever it appears inside a string.

    Values shorter than 6 characters are ignored: redacting them would blank out ordinary
    words and numbers. Both the text and bytes forms of the value are matched.
    """
    _registry.add(value)


@functools.lru_cache(maxsize=4096)  # the same few dozen keys come back in every event
def _is_secret_key_name(key: str) -> bool:
    name = _CAMEL_BOUNDARY_RE.sub("_", key).lower().replace("-", "_")
    if name in _SECRET_KEY_NAMES or name.endswith(_SECRET_KEY_SUFFIXES):
        return True
    plain = key.lower().replace("-", "_")  # APIKey, ACCESS_TOKEN: no camel boundary inside
    return plain in _SECRET_KEY_NAMES or plain.endswith(_SECRET_KEY_SUFFIXES)


def _is_secret_key(key: object) -> bool:
    return _is_secret_key_name(key if type(key) is str else str(key))


def redact_text(text: str) -> str:
    """``text`` with PEM blocks, JWTs, Bearer values and registered secrets removed."""
    return _redact_text(text)


def _redact_text(text: str) -> str:
    if len(text) < _MIN_SECRET_LENGTH:
        return text
    for form in _registry.forms:
        if form in text:
            text = text.replace(form, REDACTED)
    if "-----BEGIN " in text:
        text = _PEM_RE.sub(REDACTED_PEM, text)
    # Bearer before JWT, so "Bearer eyJ..." reads "Bearer [REDACTED]", not half of each.
    if "bearer" in text.lower():
        text = _BEARER_RE.sub(r"\1 " + REDACTED, text)
    if "eyJ" in text:
        text = _JWT_RE.sub(REDACTED_JWT, text)
    if "=" in text or ":" in text:
        text = _ASSIGNMENT_RE.sub(_redact_assignment, text)
    return text


def _redact_assignment(match: re.Match[str]) -> str:
    name, value = match.group("name"), match.group("value")
    quote = value[0] if value[0] in "\"'" and len(value) > 1 else ""
    inner = value[1:-1] if quote else value
    if (
        not _is_secret_key_name(name)
        or inner.lower() in _VISIBLE_ASSIGNED_VALUES
        or not inner
        or inner.startswith(("[REDACTED", *_REFERENCE_PREFIXES))
        or inner.lower() in ("bearer", "basic")  # the Bearer rule already took the value
        or (not quote and ":" in match.group("sep") and _PROSE_WORD_RE.fullmatch(inner))
    ):
        return match.group(0)
    return f"{name}{match.group('sep')}{quote}{REDACTED}{quote}"


def _redact_value(value: Any, depth: int) -> Any:
    kind = type(value)
    if kind is str:
        return _redact_text(value)
    if value is None or kind in _PASS_THROUGH_TYPES:
        return value
    if isinstance(value, str):
        return _redact_text(value)
    if isinstance(value, bool | int | float):
        return value
    if depth >= _MAX_DEPTH:
        return "[NESTED TOO DEEP]"
    if isinstance(value, Mapping):
        return {
            (_redact_text(k) if isinstance(k, str) else k): _redact_item(k, v, depth + 1)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_redact_value(item, depth + 1) for item in value]
    if isinstance(value, tuple):
        return tuple(_redact_value(item, depth + 1) for item in value)
    if isinstance(value, set | frozenset):
        return [_redact_value(item, depth + 1) for item in value]
    if isinstance(value, bytes | bytearray):
        return _redact_text(bytes(value).decode("utf-8", "backslashreplace"))
    # Renderers would repr() anything else after this processor has run, so turn it into
    # text here, where the text can still be redacted.
    try:
        if isinstance(value, BaseException):
            text = f"{type(value).__name__}: {value}"
        else:
            text = repr(value)
    except Exception:  # a broken __repr__ must not break logging
        text = f"<unrepresentable {type(value).__name__}>"
    return _redact_text(text)


def _redact_item(key: object, value: Any, depth: int) -> Any:
    if _is_secret_key(key):
        if value is None or isinstance(value, bool):
            return value  # "not set" / a flag reveals nothing and helps debugging
        # A reference names where a secret lives; it is what operators need to see in logs.
        if isinstance(value, str) and value.startswith(_REFERENCE_PREFIXES):
            return _redact_text(value)
        return REDACTED
    return _redact_value(value, depth)


def redact_secrets(
    logger: Any, method_name: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: replace secrets by key name, by shape and by registered value.

    Nested dicts, lists and tuples are copied, never changed in place (they may be live
    objects such as request headers). Values of other types become their (redacted) text.
    """
    for key in list(event_dict):
        event_dict[key] = _redact_item(key, event_dict[key], 0)
    return event_dict
