"""Where the connector's events are printed, when the application has not said so itself.

:func:`configure_logging` is called explicitly (``LeanConnector.from_spec``, the CLI, the
Lambda container), never on import. If the application already has ``logging`` handlers,
it owns the output and only the level is set; otherwise one handler renders events as
JSON (Lambda, pipes, CI) or as console lines (a terminal) on stderr.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import IO, Any, TextIO

import structlog

from lean_connector.errors import SpecError
from lean_connector.logs._events import LOGGER_NAME, EventMessage, is_capturing
from lean_connector.logs._redaction import redact_secrets, redact_text

__all__ = [
    "NOISY_STDLIB_LOGGERS",
    "RedactingFilter",
    "configure_logging",
    "hold_noisy_loggers",
    "is_own_handler",
    "unconfigure_logging",
]

_LEVELS = {
    "DEBUG": logging.DEBUG,
    "INFO": logging.INFO,
    "WARNING": logging.WARNING,
    "WARN": logging.WARNING,
    "ERROR": logging.ERROR,
    "CRITICAL": logging.CRITICAL,
}
_FORMATS = ("auto", "json", "console")
_format_exc_info = structlog.processors.format_exc_info

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

# Handlers that are on the root logger without the application having chosen an output:
# the Lambda runtime's own (it prints plain text lines) and pytest's log capture.
_LAMBDA_RUNTIME_MODULES = frozenset({"bootstrap", "awslambdaric.bootstrap"})
_AMBIENT_HANDLER_MODULES = _LAMBDA_RUNTIME_MODULES | {"_pytest.logging"}


def hold_noisy_loggers() -> None:
    """Hold urllib3/botocore/boto3/oauthlib stdlib loggers at WARNING.

    Their DEBUG output carries request and response bodies: GetSecretValue answers, token
    forms. Called by :func:`configure_logging` and before the first boto3 client or HTTP
    session exists, because an application may set its root logger to DEBUG itself.
    """
    for name in NOISY_STDLIB_LOGGERS:
        logger = logging.getLogger(name)
        if logger.level < logging.WARNING:  # NOTSET included: it would inherit DEBUG
            logger.setLevel(logging.WARNING)


class RedactingFilter(logging.Filter):
    """Redact records that did not come from a connector logger (urllib3, botocore, yours).

    The connector's own events are redacted before they become records; attach this filter
    to a handler that also receives other libraries' records to get the same rules there.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, EventMessage):
            return True
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not stop the line
            message = str(record.msg)
        record.msg, record.args = redact_text(message), ()
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact_text(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        if record.stack_info:
            record.stack_info = redact_text(record.stack_info)
        return True


def _event_from_record(
    logger: Any, method_name: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """foreign_pre_chain: a connector record carries its event dict, already redacted;
    another library's record gets one built from it, then redacted here."""
    record: logging.LogRecord = event_dict["_record"]
    if isinstance(record.msg, EventMessage):
        rebuilt = dict(record.msg.event_dict)
        rebuilt["_record"], rebuilt["_from_structlog"] = record, False
        return rebuilt
    event_dict.setdefault("level", record.levelname.lower())
    event_dict.setdefault("logger", record.name)
    if record.exc_text and "exc_info" not in event_dict:
        event_dict["exception"] = record.exc_text  # already redacted by RedactingFilter
    return redact_secrets(logger, method_name, _format_exc_info(logger, method_name, event_dict))


class _ConnectorHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler :func:`configure_logging` installs; it knows it is ours.

    With ``stream=None`` it writes to whatever ``sys.stderr`` is at each event, so a
    replaced stream (pytest capture, a CLI redirect) is honoured.
    """

    def __init__(self, stream: IO[str] | None, stands_down: bool) -> None:
        super().__init__(stream if stream is not None else sys.stderr)
        self._fixed = stream
        # Outside Lambda our handler gives way once the application adds its own handlers
        # to the root logger, which then receives the events by propagation.
        self._stands_down = stands_down
        self.addFilter(RedactingFilter())

    def emit(self, record: logging.LogRecord) -> None:
        if self._stands_down and _application_handlers(logging.getLogger()):
            return
        if self._fixed is None:
            self.stream = sys.stderr
        super().emit(record)


def is_own_handler(handler: logging.Handler) -> bool:
    """True for a handler installed by :func:`configure_logging`."""
    return isinstance(handler, _ConnectorHandler)


def _application_handlers(logger: logging.Logger) -> list[logging.Handler]:
    return [
        handler
        for handler in logger.handlers
        if not is_own_handler(handler) and type(handler).__module__ not in _AMBIENT_HANDLER_MODULES
    ]


def _is_tty(stream: IO[str] | None) -> bool:
    target = stream if stream is not None else sys.stderr
    isatty = getattr(target, "isatty", None)
    try:
        return bool(callable(isatty) and isatty())
    except ValueError:  # closed stream
        return False


def _wants_json(fmt: str, stream: IO[str] | None) -> bool:
    if fmt != "auto":
        return fmt == "json"
    if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
        return True
    return not _is_tty(stream)


def _renderer(json_output: bool, stream: IO[str] | None) -> Any:
    if json_output:
        return structlog.processors.JSONRenderer()
    # Imported only for a terminal: a Lambda never loads the console renderer.
    from structlog.dev import ConsoleRenderer

    return ConsoleRenderer(colors=_is_tty(stream))


class _ConnectorFormatter(structlog.stdlib.ProcessorFormatter):
    """structlog's ProcessorFormatter, with a short way for the connector's own records:
    their event dict is rendered as it is (no record copy, no message text built)."""

    def __init__(self, renderer: Any) -> None:
        self._final = [structlog.processors.TimeStamper(fmt="iso", utc=True), renderer]
        super().__init__(
            foreign_pre_chain=[_event_from_record],
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *self._final],
        )

    def format(self, record: logging.LogRecord) -> str:
        message = record.msg
        if not isinstance(message, EventMessage):
            return super().format(record)
        event_dict: Any = dict(message.event_dict)
        for processor in self._final:
            event_dict = processor(None, record.levelname.lower(), event_dict)
        return str(event_dict)


def _formatter(json_output: bool, stream: IO[str] | None) -> logging.Formatter:
    return _ConnectorFormatter(_renderer(json_output, stream))


@dataclass
class _Installed:
    """What configure_logging changed, so a later call (or unconfigure) can undo it."""

    logger: logging.Logger | None = None
    handler: logging.Handler | None = None
    propagate: bool | None = None
    level_set: bool = False


_installed = _Installed()


def _remove_handler() -> None:
    target, handler = _installed.logger, _installed.handler
    # Someone else may have replaced our handler since (Powertools' copy of its config
    # does): then propagation is theirs too and stays as they set it.
    if target is not None and handler is not None and handler in target.handlers:
        target.removeHandler(handler)
        if _installed.propagate is not None:
            target.propagate = _installed.propagate
    _installed.logger = _installed.handler = _installed.propagate = None


def configure_logging(
    level: str | None = "INFO",
    fmt: str = "auto",
    *,
    stream: IO[str] | TextIO | None = None,
    logger: str = LOGGER_NAME,
) -> bool:
    """Set the connector's log level and, unless the application has, where events go.

    ``level`` is set on the ``lean_connector`` logger; ``None`` keeps the level the
    application gave it (or INFO when the connector installs the output). When the root
    logger (or ``lean_connector``) has handlers of the application's, they receive the
    events and nothing else changes. Otherwise one handler is installed on ``logger``
    (``lean_connector``; the CLI passes ``""``, the root logger): ``fmt`` ``json``,
    ``console`` or ``auto`` (JSON on Lambda or when the stream is not a terminal, console
    lines on a terminal), to ``stream`` (stderr by default). Idempotent: a later call
    replaces what an earlier one installed. Returns True when the handler was installed.

    urllib3, botocore, boto3, s3transfer and oauthlib are held at WARNING, because their
    debug output carries credentials.
    """
    level_no = _LEVELS.get(str(level).upper()) if level is not None else None
    if level is not None and level_no is None:
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
    if is_capturing():
        # A test is capturing events: code under test that configures logging (a Lambda
        # cold start, from_spec) must not change the output the test restores afterwards.
        return False
    hold_noisy_loggers()
    connector_logger = logging.getLogger(LOGGER_NAME)
    root = logging.getLogger()
    _remove_handler()
    app_owns_output = bool(_application_handlers(connector_logger)) or (
        connector_logger.propagate and bool(_application_handlers(root))
    )
    if level_no is None and (connector_logger.level == logging.NOTSET or _installed.level_set):
        # No level asked for and none chosen by the application: INFO when the output is
        # ours, else whatever the application's root logger lets through.
        level_no = logging.NOTSET if app_owns_output else logging.INFO
    if level_no is not None:
        connector_logger.setLevel(level_no)
        _installed.level_set = level_no != logging.NOTSET
    if app_owns_output:
        return False
    target = logging.getLogger(logger)
    on_lambda_runtime = any(type(h).__module__ in _LAMBDA_RUNTIME_MODULES for h in root.handlers)
    handler = _ConnectorHandler(stream, stands_down=not on_lambda_runtime and target is not root)
    handler.setFormatter(_formatter(_wants_json(fmt, stream), stream))
    _installed.logger, _installed.handler = target, handler
    if target is not root and on_lambda_runtime:
        # The runtime's root handler would print each event a second time, as plain text.
        _installed.propagate = target.propagate
        target.propagate = False
    target.addHandler(handler)
    return True


def unconfigure_logging() -> None:
    """Undo :func:`configure_logging`: remove its handler, restore propagation and level."""
    _remove_handler()
    if _installed.level_set:
        logging.getLogger(LOGGER_NAME).setLevel(logging.NOTSET)
        _installed.level_set = False
