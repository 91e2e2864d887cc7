"""Logging: structlog events through the standard ``logging`` module, always redacted.

The connector logs under the ``lean_connector`` logger tree (``lean_connector.client``,
``lean_connector.transport``, ...). Importing it configures nothing: an application's
``logging`` set-up (``basicConfig``, Powertools Logger, dictConfig) receives the events,
and :func:`configure_logging` prints them itself where nobody else does (the CLI, the
Lambda container and ``LeanConnector.from_spec`` call it).

Redaction happens before an event becomes a ``LogRecord``, whatever handlers or structlog
configuration the application has: by key name, by shape (PEM, JWT, ``Bearer``) and by
every value given to :func:`register_secret`.

``_redaction`` holds the rules, ``_events`` the loggers and :func:`capture_logs`,
``_output`` the handler and formatter :func:`configure_logging` installs.
"""

from __future__ import annotations

from lean_connector.logs._events import (
    LOGGER_NAME,
    bind_context,
    capture_logs,
    clear_context,
    get_logger,
)
from lean_connector.logs._output import (
    NOISY_STDLIB_LOGGERS,
    RedactingFilter,
    configure_logging,
    hold_noisy_loggers,
    unconfigure_logging,
)
from lean_connector.logs._redaction import (
    REDACTED,
    redact_secrets,
    redact_text,
    register_secret,
)

__all__ = [
    "LOGGER_NAME",
    "NOISY_STDLIB_LOGGERS",
    "REDACTED",
    "RedactingFilter",
    "bind_context",
    "capture_logs",
    "clear_context",
    "configure_logging",
    "get_logger",
    "hold_noisy_loggers",
    "redact_secrets",
    "redact_text",
    "register_secret",
    "unconfigure_logging",
]
