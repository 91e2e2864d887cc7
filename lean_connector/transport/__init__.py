"""Transport: the TLS context built in memory, one pooled session, the retry policy.

The only package that imports requests, urllib3, tenacity and cryptography. ``_tls``
checks the client certificate and builds the SSLContext; ``_session`` sends one request on
a pooled session that cannot widen trust; ``_retry`` decides what may be sent again;
``_responses`` turns Lean's error answers into :class:`~lean_connector.errors.LeanAPIError`;
``_json_body`` encodes request bodies (exact ``Decimal``).
"""

from __future__ import annotations

from lean_connector.transport._json_body import encode_json
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
    CertificateReport,
    ClientIdentity,
    build_ssl_context,
    check_certificates_pem,
    check_private_key_pem,
    load_client_identity,
)
from lean_connector.transport._types import HttpResponse, HttpTransport

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
    "encode_json",
    "error_from_response",
    "is_retryable",
    "load_client_identity",
    "parse_retry_after",
]
