"""Transport: the TLS context built in memory, one pooled session, the retry policy.

The only package that imports requests, urllib3, tenacity and cryptography. ``_tls``
checks the client certificate and builds the SSLContext; ``_session`` sends one request on
a pooled session that cannot widen trust; ``_retry`` decides what may be sent again;
``_responses`` turns Lean's error answers into :class:`~lean_connector.errors.LeanAPIError`;
``_json_body`` encodes request bodies (exact ``Decimal``). Each name is imported from its
module on first access (PEP 562), so a process pays only for the parts it uses (a test
with ``MockTransport`` imports no requests, a process that builds no TLS context no ``_tls``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lean_connector.transport._json_body import dumps_json, encode_json
    from lean_connector.transport._responses import error_from_response, parse_retry_after
    from lean_connector.transport._retry import (
        RetryBudget,
        RetryPolicy,
        backoff_wait_s,
        call_with_retry,
        is_retryable,
    )
    from lean_connector.transport._session import Transport
    from lean_connector.transport._tls import (
        EXPIRY_WARNING_DAYS,
        ClientIdentity,
        build_ssl_context,
        check_certificates_pem,
        check_private_key_pem,
        load_client_identity,
    )
    from lean_connector.transport._types import CertificateReport, HttpResponse, HttpTransport

# name -> module that defines it; imported on first attribute access.
_LAZY = {
    "dumps_json": "lean_connector.transport._json_body",
    "encode_json": "lean_connector.transport._json_body",
    "error_from_response": "lean_connector.transport._responses",
    "parse_retry_after": "lean_connector.transport._responses",
    "RetryBudget": "lean_connector.transport._retry",
    "RetryPolicy": "lean_connector.transport._retry",
    "backoff_wait_s": "lean_connector.transport._retry",
    "call_with_retry": "lean_connector.transport._retry",
    "is_retryable": "lean_connector.transport._retry",
    "Transport": "lean_connector.transport._session",
    "EXPIRY_WARNING_DAYS": "lean_connector.transport._tls",
    "CertificateReport": "lean_connector.transport._types",
    "ClientIdentity": "lean_connector.transport._tls",
    "build_ssl_context": "lean_connector.transport._tls",
    "check_certificates_pem": "lean_connector.transport._tls",
    "check_private_key_pem": "lean_connector.transport._tls",
    "load_client_identity": "lean_connector.transport._tls",
    "HttpResponse": "lean_connector.transport._types",
    "HttpTransport": "lean_connector.transport._types",
}

__all__ = [
    "EXPIRY_WARNING_DAYS",
    "CertificateReport",
    "ClientIdentity",
    "HttpResponse",
    "HttpTransport",
    "RetryBudget",
    "RetryPolicy",
    "Transport",
    "backoff_wait_s",
    "build_ssl_context",
    "call_with_retry",
    "check_certificates_pem",
    "check_private_key_pem",
    "dumps_json",
    "encode_json",
    "error_from_response",
    "is_retryable",
    "load_client_identity",
    "parse_retry_after",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'lean_connector.transport' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
