"""AWS clients, created lazily: the one module that imports botocore.

``import lean_connector`` must not import the AWS SDK (Lambda cold starts, and users who
only use ``env://``/``file://`` references), so the import happens on the first client
asked for. Clients are cached per (service, region, endpoint) because creating one costs
~50 ms and they are thread-safe.

Clients come from a botocore session, which is what a boto3 session hands its clients
to: boto3 adds resources and S3 transfer helpers the connector does not use, and importing
it (with s3transfer, concurrent.futures, multiprocessing) costs a cold start about a tenth
of its time. The clients, credentials chain, regions and retries are botocore's either way.
"""

from __future__ import annotations

import sys
import threading
from typing import Any

__all__ = [
    "ACCESS_DENIED_CODES",
    "CREDENTIAL_CODES",
    "NOT_FOUND_CODES",
    "THROTTLING_CODES",
    "client",
    "credentials_problem",
    "error_code",
    "is_aws_client_error",
    "is_connection_error",
    "is_tls_error",
]

# AWS error codes (and botocore exception names) grouped by what the user has to do about
# them, shared by every module that translates AWS failures (secrets.py, webhooks.py).
NOT_FOUND_CODES = frozenset(
    {"ResourceNotFoundException", "ParameterNotFound", "ParameterVersionNotFound"}
)
# The caller's identity is known but lacks a permission (IAM or KMS): grant it.
ACCESS_DENIED_CODES = frozenset(
    {
        "AccessDeniedException",
        "AccessDenied",
        "DecryptionFailure",
        "KMSAccessDenied",
        "KMSAccessDeniedException",
        "InvalidKeyId",
    }
)
# No usable credentials at all, or AWS does not recognise them: fix the role/keys/profile.
CREDENTIAL_CODES = frozenset(
    {
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "InvalidSignatureException",
        "SignatureDoesNotMatch",
        "ExpiredTokenException",
        "NoCredentialsError",
        "PartialCredentialsError",
    }
)
# botocore raises these before any call, when the credential chain finds nothing usable.
_MISSING_CREDENTIALS = frozenset(
    {
        "NoCredentialsError",
        "PartialCredentialsError",
        "CredentialRetrievalError",
        "UnauthorizedSSOTokenError",
        "SSOTokenLoadError",
        "TokenRetrievalError",
    }
)
# Throttled, or the service is briefly failing: the same call may succeed later.
THROTTLING_CODES = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "InternalServiceError",
        "InternalServerError",
        "InternalFailure",
        "ServiceUnavailable",
        "ProvisionedThroughputExceededException",
    }
)

_clients: dict[tuple[str, str | None, str | None], Any] = {}
_lock = threading.Lock()


def client(service: str, *, region: str | None = None, endpoint_url: str | None = None) -> Any:
    """A cached botocore client with short timeouts, so an unreachable store fails fast."""
    key = (service, region, endpoint_url)
    cached = _clients.get(key)
    if cached is not None:
        return cached
    with _lock:
        cached = _clients.get(key)
        if cached is None:
            # botocore's DEBUG log holds response bodies (secret values): mute it first.
            from lean_connector.logs import hold_noisy_loggers

            hold_noisy_loggers()
            try:
                import botocore.session
                from botocore.config import Config
            except ImportError as exc:  # pragma: no cover - boto3 (and botocore) is a dependency
                raise ImportError("aws-* secret references need boto3: pip install boto3") from exc
            config = Config(
                connect_timeout=3,
                read_timeout=10,
                retries={"max_attempts": 2, "mode": "standard"},
            )
            cached = botocore.session.Session().create_client(
                service,
                region_name=region,
                endpoint_url=endpoint_url,
                config=config,
            )
            _clients[key] = cached
    return cached


def is_aws_client_error(exc: BaseException) -> bool:
    """True for botocore's ClientError and its generated subclasses (AWS answered a code)."""
    # botocore is loaded whenever such an error exists, so this never imports it itself.
    client_error = getattr(sys.modules.get("botocore.exceptions"), "ClientError", None)
    return client_error is not None and isinstance(exc, client_error)


def error_code(exc: BaseException) -> str | None:
    """The AWS error code of a ClientError (e.g. ``ResourceNotFoundException``), else None."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        code = response.get("Error", {}).get("Code")
        return str(code) if code is not None else None
    return None


def credentials_problem(exc: BaseException) -> str | None:
    """What is wrong with this process's AWS credentials, and what to do about it, when they
    are why ``exc`` happened; None when the credentials are not the cause."""
    code = error_code(exc) or type(exc).__name__
    if code in _MISSING_CREDENTIALS:
        return (
            f"no usable AWS credentials were found ({code}): set AWS_PROFILE (after "
            "`aws sso login` for SSO), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run "
            "where an IAM role is attached (Lambda, ECS, EC2)"
        )
    if code in CREDENTIAL_CODES:
        return (
            f"AWS rejected this process's credentials ({code}): they are unknown, expired or "
            "mistyped; refresh them (a new session token, `aws sso login`) or check AWS_PROFILE"
        )
    return None


def is_connection_error(exc: BaseException) -> bool:
    """True when no answer came from AWS: DNS, refused, TLS, proxy, timeouts, cut connections.

    botocore has two unrelated roots for these: ``ConnectionError`` (EndpointConnectionError,
    SSLError, ConnectTimeoutError, ProxyConnectionError) and ``HTTPClientError``
    (ReadTimeoutError, ConnectionClosedError, ResponseStreamingError).
    """
    # botocore is loaded whenever such an error exists, so this never imports it itself.
    module = sys.modules.get("botocore.exceptions")
    if module is None:
        return False
    return isinstance(exc, (module.ConnectionError, module.HTTPClientError))


def is_tls_error(exc: BaseException) -> bool:
    """True when the TLS handshake with AWS (or the endpoint given instead) failed."""
    ssl_error = getattr(sys.modules.get("botocore.exceptions"), "SSLError", None)
    return ssl_error is not None and isinstance(exc, ssl_error)
