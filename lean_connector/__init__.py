"""lean-connector: call the Lean Technologies open-banking API from one declarative spec.

::

    from lean_connector import LeanConnector

    with LeanConnector.from_spec("lean.yaml") as lean:
        banks = lean.banks.list()

The error classes are importable from here; everything else is loaded on first use
(PEP 562), so ``import lean_connector`` stays cheap for Lambda cold starts and never
imports boto3, requests or cryptography by itself.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from lean_connector._version import __version__
from lean_connector.errors import (
    AuthError,
    AWSStoreError,
    ConnectError,
    ConnectionDroppedError,
    ConnectorError,
    InvalidRequestError,
    LeanAPIError,
    LeanBadRequestError,
    LeanConflictError,
    LeanForbiddenError,
    LeanNotFoundError,
    LeanRateLimitError,
    LeanServerError,
    LeanUnauthorizedError,
    ReadTimeoutError,
    ResultsPendingError,
    SecretAccessDeniedError,
    SecretError,
    SecretNotFoundError,
    SecretUnavailableError,
    SpecError,
    TLSConfigError,
    TLSVerificationError,
    TransportError,
    WebhookVerificationError,
)

if TYPE_CHECKING:
    from lean_connector.aws_lambda import get_connector, lean_handler
    from lean_connector.client import LeanConnector
    from lean_connector.logs import configure_logging
    from lean_connector.secrets import SecretResolver, SecretValue
    from lean_connector.spec import LeanSpec, load_spec
    from lean_connector.sync import run_sync
    from lean_connector.webhooks import WebhookEvent, parse_event, verify


# name -> module that defines it; imported on first attribute access.
_LAZY = {
    "LeanConnector": "lean_connector.client",
    "LeanSpec": "lean_connector.spec",
    "load_spec": "lean_connector.spec",
    "SecretResolver": "lean_connector.secrets",
    "SecretValue": "lean_connector.secrets",
    "configure_logging": "lean_connector.logs",
    "get_connector": "lean_connector.aws_lambda",
    "lean_handler": "lean_connector.aws_lambda",
    "run_sync": "lean_connector.sync",
    "WebhookEvent": "lean_connector.webhooks",
    "parse_event": "lean_connector.webhooks",
    "verify": "lean_connector.webhooks",
}

__all__ = [
    "AWSStoreError",
    "AuthError",
    "ConnectError",
    "ConnectionDroppedError",
    "ConnectorError",
    "InvalidRequestError",
    "LeanAPIError",
    "LeanBadRequestError",
    "LeanConflictError",
    "LeanConnector",
    "LeanForbiddenError",
    "LeanNotFoundError",
    "LeanRateLimitError",
    "LeanServerError",
    "LeanSpec",
    "LeanUnauthorizedError",
    "ReadTimeoutError",
    "ResultsPendingError",
    "SecretAccessDeniedError",
    "SecretError",
    "SecretNotFoundError",
    "SecretResolver",
    "SecretUnavailableError",
    "SecretValue",
    "SpecError",
    "TLSConfigError",
    "TLSVerificationError",
    "TransportError",
    "WebhookEvent",
    "WebhookVerificationError",
    "__version__",
    "configure_logging",
    "get_connector",
    "lean_handler",
    "load_spec",
    "parse_event",
    "run_sync",
    "verify",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'lean_connector' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
