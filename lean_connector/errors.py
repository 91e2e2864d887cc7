"""The one exception tree of lean-connector.

Every error the connector raises is a :class:`ConnectorError`; third-party errors
(botocore, requests, ssl, pydantic, yaml) are translated at the module boundary with
``raise ... from exc`` so callers never need to import those libraries to catch them.
Each class knows whether retrying the same call can help (``retryable``), and every
message names the field or reference involved and says what to do next.

::

    ConnectorError
    ├── SpecError                    the spec is wrong (exit code 2 in the CLI)
    ├── SecretError                  a secret reference could not be resolved
    │   ├── SecretNotFoundError        the secret, version or JSON key does not exist
    │   ├── SecretAccessDeniedError    IAM / KMS refused the read
    │   └── SecretUnavailableError     store unreachable, nothing cached          [retryable]
    ├── TLSConfigError               certificate / key / chain unusable (mismatch, expired)
    ├── AuthError                    credentials rejected or no token could be obtained
    ├── TransportError               the request did not get an HTTP answer
    │   ├── ConnectError               could not connect (DNS, refused, timeout)  [retryable]
    │   ├── ReadTimeoutError           connected, no answer in time   [retryable if idempotent]
    │   ├── ConnectionDroppedError     reset mid-request              [retryable if idempotent]
    │   └── TLSVerificationError       server not trusted or client certificate refused
    ├── LeanAPIError                 Lean answered with an error body
    │   ├── LeanBadRequestError        400 INVALID_PARAMETERS / MISSING_PARAMETERS
    │   ├── LeanUnauthorizedError      401 (e.g. CERTIFICATE_TOKEN_MISMATCH)
    │   ├── LeanForbiddenError         403 INVALID_CERTIFICATE / *_ACCESS_LEVEL
    │   ├── LeanNotFoundError          404 UNKNOWN_ENTITY
    │   ├── LeanConflictError          409 CUSTOMER_ALREADY_EXISTS
    │   ├── LeanRateLimitError         429 RATE_LIMIT_EXCEEDED                    [retryable]
    │   └── LeanServerError            5xx         [500/502/503/504 if idempotent]
    ├── InvalidRequestError          bad arguments to a connector call (also a ValueError)
    ├── ResultsPendingError          a data call stayed PENDING past the deadline
    ├── WebhookVerificationError     a webhook signature is missing or wrong
    └── AWSStoreError                DynamoDB, SQS or S3 refused or could not be reached
                                                        [retryable when throttled/unreachable]

``retryable`` is the class's default; an instance built with ``retryable=`` overrides it
(an unreachable token endpoint is a retryable :class:`AuthError`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any, Literal

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
    "LeanForbiddenError",
    "LeanNotFoundError",
    "LeanRateLimitError",
    "LeanServerError",
    "LeanUnauthorizedError",
    "ReadTimeoutError",
    "ResultsPendingError",
    "SecretAccessDeniedError",
    "SecretError",
    "SecretNotFoundError",
    "SecretUnavailableError",
    "SpecError",
    "TLSConfigError",
    "TLSFailureReason",
    "TLSVerificationError",
    "TransportError",
    "WebhookVerificationError",
    "drop_request_payloads",
    "lean_api_error",
]


class ConnectorError(Exception):
    """Base class of every error raised by lean-connector.

    ``retryable`` says whether repeating the same call can help; the class sets the
    default and ``retryable=`` overrides it for one instance.
    """

    retryable: bool = False

    def __init__(self, message: str, *, retryable: bool | None = None) -> None:
        super().__init__(message)
        self.message = message
        if retryable is not None:
            self.retryable = retryable

    def __str__(self) -> str:
        return self.message


class SpecError(ConnectorError):
    """The spec is invalid. ``field`` is the dotted path of the offending field, if known."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class SecretError(ConnectorError):
    """A secret reference could not be resolved. ``reference`` never contains a value."""

    def __init__(self, message: str, *, reference: str | None = None) -> None:
        super().__init__(message)
        self.reference = reference


class SecretNotFoundError(SecretError):
    """The secret, its version/stage or the requested JSON key does not exist."""


class SecretAccessDeniedError(SecretError):
    """The caller's IAM role (or the KMS key policy) does not allow reading the secret."""


class SecretUnavailableError(SecretError):
    """The secret store could not be reached and no previous value is cached."""

    retryable = True


class TLSConfigError(ConnectorError):
    """The client certificate, private key or CA chain cannot be used."""


class AuthError(ConnectorError):
    """Lean (or its token endpoint) rejected the credentials, or no token could be obtained.

    Not retryable, unless built with ``retryable=True`` (the token endpoint was unreachable).
    """


class TransportError(ConnectorError):
    """The request got no HTTP response. ``method`` and ``url`` say which call failed."""

    def __init__(self, message: str, *, method: str | None = None, url: str | None = None) -> None:
        super().__init__(message)
        self.method = method
        self.url = url


class ConnectError(TransportError):
    """The connection could not be opened; nothing reached Lean, so retrying is safe."""

    retryable = True


class ReadTimeoutError(TransportError):
    """Lean did not answer in time. The request may have been applied."""

    retryable = True


class ConnectionDroppedError(TransportError):
    """The connection was reset after the request was sent. The request may have been applied."""

    retryable = True


TLSFailureReason = Literal["server_untrusted", "client_certificate_refused", "handshake_failed"]


class TLSVerificationError(TransportError):
    """The TLS handshake failed: the server is not trusted or our certificate was refused.

    ``reason`` says which, when the transport could tell: ``"server_untrusted"`` (our check
    of the server failed: re-reading secrets cannot help), ``"client_certificate_refused"``
    (the server refused our certificate: maybe rotated) or ``"handshake_failed"``.
    """

    retryable = False

    def __init__(
        self,
        message: str,
        *,
        method: str | None = None,
        url: str | None = None,
        reason: TLSFailureReason | None = None,
    ) -> None:
        super().__init__(message, method=method, url=url)
        self.reason: TLSFailureReason | None = reason


_HINTS: Mapping[str, str] = {
    "CERTIFICATE_TOKEN_MISMATCH": (
        "the client certificate does not belong to this app token: check that mtls.certificate "
        "and auth.app_token come from the same Lean application and environment"
    ),
    "INVALID_CERTIFICATE": (
        "Lean refused the client certificate: check it is the current one from the Lean portal "
        "and that mtls.certificate includes the chain"
    ),
    "INCORRECT_ACCESS_LEVEL": "the application lacks the permission for this call: ask Lean",
    "INSUFFICIENT_ACCESS_LEVEL": "the application lacks the permission for this call: ask Lean",
    "CUSTOMER_ALREADY_EXISTS": (
        "a customer with this app_user_id exists: use customers.get_by_app_user_id()"
    ),
    "INVALID_PARAMETERS": "fix the request parameters named in the message",
    "MISSING_PARAMETERS": "add the parameters named in the message",
    "UNKNOWN_ENTITY": "check the id: it does not exist for this application and environment",
    "RATE_LIMIT_EXCEEDED": "slow down; the connector retries these with backoff",
    "INTERNAL_SERVER_ERROR": "retry later; if it persists, send the correlation id to Lean",
}


class LeanAPIError(ConnectorError):
    """Lean answered with an HTTP error.

    Attributes: ``http_status``, ``lean_status`` (Lean's machine code such as
    ``UNKNOWN_ENTITY``), ``lean_message``, ``correlation_id``, ``trace_id``, ``metadata``,
    ``method`` and ``path``.
    """

    def __init__(
        self,
        *,
        http_status: int,
        lean_status: str | None = None,
        lean_message: str | None = None,
        correlation_id: str | None = None,
        trace_id: str | None = None,
        metadata: Any = None,
        method: str | None = None,
        path: str | None = None,
        retryable: bool | None = None,
        hint: str | None = None,
    ) -> None:
        self.http_status = http_status
        self.lean_status = lean_status
        self.lean_message = lean_message
        self.correlation_id = correlation_id
        self.trace_id = trace_id
        self.metadata = metadata
        self.method = method
        self.path = path
        what = f"{method} {path}" if method and path else "request"
        code = lean_status or "no Lean status code"
        text = f"Lean answered {http_status} {code} to {what}"
        if lean_message:
            text += f": {lean_message}"
        advice = hint or _HINTS.get(lean_status or "")
        if advice:
            text += f" ({advice})"
        if correlation_id:
            text += f" [lean-correlation-id={correlation_id}]"
        super().__init__(text, retryable=retryable)


class LeanBadRequestError(LeanAPIError):
    """400: INVALID_PARAMETERS / MISSING_PARAMETERS."""


class LeanUnauthorizedError(LeanAPIError):
    """401: the app token, bearer token or certificate/token pair was rejected."""


class LeanForbiddenError(LeanAPIError):
    """403: INVALID_CERTIFICATE or an access-level problem."""


class LeanNotFoundError(LeanAPIError):
    """404: UNKNOWN_ENTITY."""


class LeanConflictError(LeanAPIError):
    """409: e.g. CUSTOMER_ALREADY_EXISTS."""


class LeanRateLimitError(LeanAPIError):
    """429: RATE_LIMIT_EXCEEDED. ``retry_after_s`` is Lean's Retry-After, if sent."""

    retryable = True

    def __init__(self, *, retry_after_s: float | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.retry_after_s = retry_after_s


class LeanServerError(LeanAPIError):
    """5xx from Lean. ``retry_after_s`` is Lean's Retry-After (sent with 502/503/504), if any."""

    retryable = True

    def __init__(self, *, retry_after_s: float | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.retry_after_s = retry_after_s


_BY_STATUS: Mapping[int, type[LeanAPIError]] = {
    400: LeanBadRequestError,
    401: LeanUnauthorizedError,
    403: LeanForbiddenError,
    404: LeanNotFoundError,
    409: LeanConflictError,
    429: LeanRateLimitError,
}


def lean_api_error(http_status: int, **kwargs: Any) -> LeanAPIError:
    """Build the most specific :class:`LeanAPIError` subclass for ``http_status``."""
    cls = LeanServerError if http_status >= 500 else _BY_STATUS.get(http_status, LeanAPIError)
    return cls(http_status=http_status, **kwargs)


class InvalidRequestError(ConnectorError, ValueError):
    """The arguments of a connector call are invalid; nothing was sent to Lean."""


class ResultsPendingError(ConnectorError):
    """A data call was still PENDING when the polling deadline passed.

    ``results_id`` can be fetched later with ``connector.data.results(results_id)``.
    """

    retryable = True

    def __init__(self, message: str, *, results_id: str) -> None:
        super().__init__(message)
        self.results_id = results_id


class WebhookVerificationError(ConnectorError):
    """A webhook's ``lean-signature`` header is missing, malformed or does not match."""


class AWSStoreError(ConnectorError):
    """An AWS store the connector writes to (DynamoDB, SQS, S3) refused or was unreachable.

    ``service`` names it (``"dynamodb"``, ``"sqs"``, ``"s3"``) and ``code`` is AWS's error
    code when there was one. Retryable when built so (throttling, an unreachable endpoint).
    """

    def __init__(
        self,
        message: str,
        *,
        service: str,
        code: str | None = None,
        retryable: bool | None = None,
    ) -> None:
        super().__init__(message, retryable=retryable)
        self.service = service
        self.code = code


def drop_request_payloads(exc: BaseException) -> None:
    """Detach the HTTP requests (and raw responses) that ``exc`` and its chain carry.

    requests and botocore keep the prepared request on their exceptions: its headers and
    body hold tokens, the OAuth client secret, a secret being written. Chained as a
    ``__cause__`` they would reach any error tracker that walks causes or locals. The
    exception types and messages stay for debugging; parsed AWS error dicts stay too.
    """
    seen: set[int] = set()
    node: BaseException | None = exc
    while node is not None and id(node) not in seen:
        seen.add(id(node))
        for attr in ("request", "response"):
            value = getattr(node, attr, None)
            if value is not None and not isinstance(value, dict):
                with contextlib.suppress(AttributeError):  # a read-only attribute stays
                    setattr(node, attr, None)
        kwargs = getattr(node, "kwargs", None)
        if isinstance(kwargs, dict):
            kwargs.pop("request", None)
        node = node.__cause__ or node.__context__
