"""structlog set-up and secret redaction: the one module that imports structlog.

Every log event passes through :func:`redact_secrets` as the last processor before the
renderer, so a secret cannot reach a log line by key name (``client_secret=...``), by
shape (PEM blocks, JWTs, ``Bearer ...``) or by value (anything given to
:func:`register_secret`, which the secret resolver does for every value it resolves).

Logs go to stderr: stdout belongs to the CLI's data and to EMF metric lines.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import re
import sys
import threading
import urllib.parse
from collections.abc import Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from typing import IO, Any, TextIO, cast

import structlog

from lean_connector.errors import SpecError

__all__ = [
    "bind_context",
    "capture_logs",
    "clear_context",
    "configure_logging",
    "get_logger",
    "hold_noisy_loggers",
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

_LEVELS: Mapping[str, int] = {
    "DEBUG": logging.DEBUG,
    "INFO": logging.INFO,
    "WARNING": logging.WARNING,
    "WARN": logging.WARNING,
    "ERROR": logging.ERROR,
    "CRITICAL": logging.CRITICAL,
}
_FORMATS = ("auto", "json", "console")

# Their DEBUG output includes request headers and bodies (tokens, secrets), so they stay at
# WARNING whatever level the connector logs at.
NOISY_STDLIB_LOGGERS = (
    "urllib3",
    "botocore",
    "boto3",
    "s3transfer",
    "oauthlib",
    "requests_oauthlib",
)

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
_ASSIGNMENT_RE = re.compile(
    r"(?<![A-Za-z0-9_-])(?P<name>[A-Za-z0-9_-]*?(?:"
    + "|".join(_ASSIGNMENT_WORDS)
    + r")s?)(?P<sep>[\"']?[ \t]*[=:][ \t]*)"
    r"(?P<value>\"[^\"]*\"|'[^']*'|[^\s&\"',;)}\]]+)",
    re.IGNORECASE,
)
_VISIBLE_ASSIGNED_VALUES = frozenset({"null", "none", "true", "false", '""', "''"})

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


# --- configuration --------------------------------------------------------------------


class _NamedPrintLogger(structlog.PrintLogger):
    """A PrintLogger that remembers the name given to get_logger(), for the ``logger`` key."""

    def __init__(self, file: TextIO, name: str | None) -> None:
        super().__init__(file)
        self.name = name


class _PrintLoggerFactory:
    def __init__(self, stream: IO[str] | None) -> None:
        self._stream = stream

    def __call__(self, *args: Any) -> _NamedPrintLogger:
        # sys.stderr is looked up per event, so a replaced stream (pytest capture, a CLI
        # redirect) is honoured after configure_logging ran.
        stream = self._stream if self._stream is not None else sys.stderr
        return _NamedPrintLogger(cast(TextIO, stream), str(args[0]) if args else None)


def _add_logger_name(
    logger: Any, method_name: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    name = getattr(logger, "name", None)
    if isinstance(name, str):
        event_dict.setdefault("logger", name)
    return event_dict


def _pre_render_processors() -> list[Any]:
    return [
        structlog.contextvars.merge_contextvars,
        _add_logger_name,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
        # Tracebacks become text here so redact_secrets sees them before any renderer.
        structlog.processors.format_exc_info,
        redact_secrets,
    ]


def _wants_json(fmt: str, stream: IO[str] | None) -> bool:
    if fmt != "auto":
        return fmt == "json"
    if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
        return True
    target = stream if stream is not None else sys.stderr
    isatty = getattr(target, "isatty", None)
    try:
        return not (callable(isatty) and isatty())
    except ValueError:  # closed stream
        return True


# One list object for the lifetime of the process: loggers cached by an application's own
# structlog settings keep a reference to it, so it is changed in place, never replaced.
_processors: list[Any] = []


_capturing = 0  # capture_logs() nesting depth


def configure_logging(
    level: str = "INFO", fmt: str = "auto", *, stream: IO[str] | None = None
) -> None:
    """Configure structlog for the connector (idempotent: call it again to change settings).

    ``fmt`` is ``json``, ``console`` or ``auto`` (JSON on Lambda or when the stream is not a
    terminal, coloured console output on a terminal). Events go to ``stream``, stderr by
    default. The stdlib loggers of urllib3, botocore, boto3 and s3transfer are held at
    WARNING even at DEBUG, because their debug output carries credentials.
    """
    level_no = _LEVELS.get(str(level).upper())
    if _capturing:
        # A test is capturing events: code under test that configures logging (a Lambda
        # cold start, from_spec) must not end the capture.
        return
    if level_no is None:
        raise SpecError(
            f"logging.level {level!r} is not a log level: use one of "
            "DEBUG, INFO, WARNING, ERROR or CRITICAL",
            field="logging.level",
        )
    if fmt not in _FORMATS:
        raise SpecError(
            f"logging.format {fmt!r} is not supported: use auto, json or console",
            field="logging.format",
        )
    if _wants_json(fmt, stream):
        renderer: Any = structlog.processors.JSONRenderer()
    else:
        target = stream if stream is not None else sys.stderr
        colors = bool(getattr(target, "isatty", lambda: False)())
        renderer = structlog.dev.ConsoleRenderer(colors=colors)
    _processors[:] = [*_pre_render_processors(), renderer]
    structlog.configure(
        processors=_processors,
        wrapper_class=structlog.make_filtering_bound_logger(level_no),
        context_class=dict,
        logger_factory=_PrintLoggerFactory(stream),
        # Not cached, so module-level loggers follow a later configure_logging() call.
        cache_logger_on_first_use=False,
    )
    hold_noisy_loggers()


def get_logger(name: str | None = None) -> Any:
    """A structlog logger; events carry ``logger=name``. Usable before configure_logging()."""
    # A lazy proxy: the logger is built per event from the configuration of the moment, so
    # module-level loggers follow configure_logging(). The name goes to the logger factory
    # (structlog's convention, and what a stdlib LoggerFactory expects).
    if name is None:
        return structlog.get_logger()
    return structlog.get_logger(name)


def bind_context(**values: Any) -> None:
    """Add key/values to every event logged from this context (thread / task), e.g. request id."""
    structlog.contextvars.bind_contextvars(**values)


def clear_context() -> None:
    """Drop everything bound with :func:`bind_context` in this context."""
    structlog.contextvars.clear_contextvars()


@contextmanager
def capture_logs() -> Iterator[list[dict[str, Any]]]:
    """Test helper: collect events (all levels) as dicts, AFTER redaction, instead of printing.

    Each event has ``event``, ``level`` and ``log_level`` (the same value; structlog's own
    helper uses the latter), bound context and an ``exception`` text for ``exc_info``.
    Not thread-safe: it swaps the global structlog configuration while it is active.
    """
    entries: list[dict[str, Any]] = []

    def collect(_logger: Any, method_name: str, event_dict: MutableMapping[str, Any]) -> Any:
        captured = dict(event_dict)
        captured.setdefault("log_level", captured.get("level", method_name))
        entries.append(captured)
        raise structlog.DropEvent

    config = structlog.get_config()
    configured = config["processors"]
    processors = configured if isinstance(configured, list) else list(configured)
    saved_processors = list(processors)
    saved_wrapper = config["wrapper_class"]
    processors[:] = [
        structlog.contextvars.merge_contextvars,
        _add_logger_name,
        structlog.processors.add_log_level,
        structlog.processors.StackInfoRenderer(),
        structlog.processors.format_exc_info,
        redact_secrets,
        collect,
    ]
    structlog.configure(
        processors=processors, wrapper_class=structlog.make_filtering_bound_logger(logging.DEBUG)
    )
    global _capturing
    _capturing += 1
    try:
        yield entries
    finally:
        _capturing -= 1
        processors[:] = saved_processors
        structlog.configure(processors=processors, wrapper_class=saved_wrapper)


def hold_noisy_loggers() -> None:
    """Hold urllib3/botocore/boto3/oauthlib stdlib loggers at WARNING.

    Their DEBUG output carries request and response bodies: GetSecretValue answers, token
    forms. Done at import and by aws_clients before any boto3 client exists, not only in
    configure_logging(), because an application may configure logging (root at DEBUG) itself.
    """
    for name in NOISY_STDLIB_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


hold_noisy_loggers()

# Safe defaults for code that logs before (or without) configure_logging(): an application
# that configured structlog itself keeps its own settings (see docs/logging.md).
if not structlog.is_configured():
    configure_logging()
