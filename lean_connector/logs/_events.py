"""The connector's loggers: structlog in front, the standard ``logging`` module behind.

Each logger is a ``structlog.stdlib.BoundLogger`` with its own processor chain, wrapped
around ``logging.getLogger(name)``. Nothing here reads or changes structlog's global
configuration, so an application's own ``structlog.configure()`` neither removes our
redaction nor is changed by us, and importing this module configures nothing.

An event becomes one stdlib ``LogRecord``, already redacted:

- ``record.getMessage()`` is readable on its own: ``http.request method=GET status=200``,
  so a plain ``logging.basicConfig()`` handler shows everything;
- each field is also a record attribute (``record.method``), for JSON formatters such as
  Powertools Logger's, which put record attributes into their output;
- the message object carries the whole event dict, so the handler installed by
  :func:`~lean_connector.logs.configure_logging` renders the same JSON/console line the
  connector always wrote.

The traceback of ``log.exception()`` travels as redacted text (``exception``), never as
``exc_info``: a formatter the application chose would print the raw one.
"""

from __future__ import annotations

import json
import logging
import sys
import threading
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from typing import Any

import structlog

from lean_connector.logs._redaction import redact_secrets

__all__ = [
    "LOGGER_NAME",
    "EventMessage",
    "bind_context",
    "capture_logs",
    "clear_context",
    "get_logger",
]

#: The root of the connector's logger tree: every module logs under ``lean_connector.*``.
LOGGER_NAME = "lean_connector"

_LEVEL_NUMBERS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "warn": logging.WARNING,
    "error": logging.ERROR,
    "exception": logging.ERROR,
    "critical": logging.CRITICAL,
    "fatal": logging.CRITICAL,
}
# Attributes every LogRecord has (plus the two Formatter adds): an event field of that name
# goes to the record as "<name>_" instead, since logging refuses to overwrite them.
_RECORD_ATTRIBUTES = frozenset(
    {*logging.makeLogRecord({}).__dict__, "message", "asctime", "taskName"}
)
# Keys the record already says in its own way (levelname, name, created).
_NOT_EXTRA = frozenset({"event", "level", "logger", "timestamp"})
_STRUCTLOG_DIR = structlog.__file__.rsplit("/", 1)[0] + "/"


class EventMessage:
    """A record's message: the (redacted) event dict, read as one line of text.

    ``str()`` of it (which is what ``record.getMessage()`` returns) is the readable line,
    built the first time a handler asks for it; the connector's own formatter never does,
    it renders :attr:`event_dict` as JSON or console output instead.
    """

    __slots__ = ("_text", "event_dict")

    def __init__(self, event_dict: dict[str, Any]) -> None:
        self.event_dict = event_dict
        self._text: str | None = None

    def __str__(self) -> str:
        if self._text is None:
            self._text = _readable(self.event_dict)
        return self._text

    def __repr__(self) -> str:
        return repr(str(self))


_PLAIN = frozenset(' "=\n')


def _text(value: Any) -> str:
    kind = type(value)
    if kind is str:
        return json.dumps(value) if (not value or not _PLAIN.isdisjoint(value)) else value
    if kind is int or kind is float or kind is bool or value is None:
        return json.dumps(value)
    try:
        return json.dumps(value, default=str)
    except ValueError:  # a circular structure
        return str(value)


def _readable(event_dict: dict[str, Any]) -> str:
    parts = [str(event_dict.get("event", ""))]
    parts += [
        f"{key}={_text(value)}"
        for key, value in event_dict.items()
        if key not in _NOT_EXTRA and key not in ("exception", "stack")
    ]
    line = " ".join(parts)
    for key in ("exception", "stack"):
        if isinstance(event_dict.get(key), str):
            line += "\n" + event_dict[key]
    return line


# --- capture (tests) --------------------------------------------------------------------

_capture_lock = threading.Lock()
_captures: list[list[dict[str, Any]]] = []


def is_capturing() -> bool:
    """True inside :func:`capture_logs` (configuring output then changes nothing)."""
    return bool(_captures)


@contextmanager
def capture_logs() -> Iterator[list[dict[str, Any]]]:
    """Test helper: collect events (all levels) as dicts, AFTER redaction, instead of logging.

    Each event has ``event``, ``level`` and ``log_level`` (the same value; structlog's own
    helper uses the latter), ``logger``, bound context and an ``exception`` text for
    ``exc_info``. Events logged from any thread are collected while the block runs; none
    reaches a ``logging`` handler.
    """
    entries: list[dict[str, Any]] = []
    with _capture_lock:
        _captures.append(entries)
    try:
        yield entries
    finally:
        with _capture_lock:
            _captures.remove(entries)


# --- the processor chain ----------------------------------------------------------------


def _drop_below_level(
    logger: logging.Logger, method_name: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    # First, so a disabled level costs one dict lookup and no redaction.
    if not _captures and not logger.isEnabledFor(_LEVEL_NUMBERS.get(method_name, logging.INFO)):
        raise structlog.DropEvent
    return event_dict


def _add_logger_name(
    logger: logging.Logger, method_name: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    event_dict.setdefault("logger", logger.name)
    return event_dict


def _add_level(
    logger: logging.Logger, method_name: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    level = "error" if method_name == "exception" else method_name
    event_dict["level"] = "warning" if level == "warn" else level
    return event_dict


def _stacklevel() -> int:
    # The caller of log.info() is the first frame outside structlog above this processor;
    # logging counts from the frame that calls Logger.info (structlog's), one below ours.
    frame = sys._getframe(2)  # structlog's _process_event, which called the processors
    level = 0
    while frame is not None and frame.f_code.co_filename.startswith(_STRUCTLOG_DIR):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    return level


def _to_logging_record(
    logger: logging.Logger, method_name: str, event_dict: MutableMapping[str, Any]
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """Last processor: the arguments of ``Logger.<method>()`` (or a captured event)."""
    if _captures:
        captured = dict(event_dict)
        captured.setdefault("log_level", captured.get("level", method_name))
        for entries in list(_captures):
            entries.append(captured)
        raise structlog.DropEvent
    event = dict(event_dict)
    extra = {
        (f"{key}_" if key in _RECORD_ATTRIBUTES else key): value
        for key, value in event.items()
        if key not in _NOT_EXTRA
    }
    # exc_info=False: Logger.exception() would attach the raw exception otherwise.
    return (EventMessage(event),), {
        "extra": extra,
        "exc_info": False,
        "stacklevel": _stacklevel(),
    }


_PROCESSORS: list[Any] = [
    _drop_below_level,
    structlog.contextvars.merge_contextvars,
    _add_logger_name,
    _add_level,
    structlog.processors.StackInfoRenderer(),
    # Tracebacks become text here so redact_secrets sees them before any handler does.
    structlog.processors.format_exc_info,
    redact_secrets,
    _to_logging_record,
]


def get_logger(name: str | None = None) -> structlog.stdlib.BoundLogger:
    """A logger for ``name`` (default ``lean_connector``) whose events always pass redaction.

    Events go to ``logging.getLogger(name)``, so the level and the handlers are whatever
    the application (or :func:`~lean_connector.logs.configure_logging`) set. Usable at any
    time; configures nothing.
    """
    return structlog.stdlib.BoundLogger(
        logging.getLogger(name or LOGGER_NAME), _PROCESSORS, context={}
    )


def bind_context(**values: Any) -> None:
    """Add key/values to every event logged from this context (thread / task), e.g. request id."""
    structlog.contextvars.bind_contextvars(**values)


def clear_context() -> None:
    """Drop everything bound with :func:`bind_context` in this context."""
    structlog.contextvars.clear_contextvars()
