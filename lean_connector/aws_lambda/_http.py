"""The handler decorator, and API Gateway events in and responses out.

An error answered to an API Gateway caller says what kind of failure it was and carries
the invocation's correlation id (its ``aws_request_id``, on every log line of the
invocation); what went wrong in detail, Lean's own message and any hint about the
configuration go to the logs only, under that id.
"""

from __future__ import annotations

import base64
import functools
import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from lean_connector.aws_lambda._container import CONTAINER, get_connector
from lean_connector.errors import (
    AuthError,
    ConnectorError,
    InvalidRequestError,
    LeanAPIError,
    ReadTimeoutError,
    TransportError,
    WebhookVerificationError,
)
from lean_connector.logs import bind_context, clear_context, get_logger

if TYPE_CHECKING:
    from lean_connector.client import LeanConnector

__all__ = ["LambdaHandler", "http_response", "json_body", "lean_handler", "raw_body", "wrap"]

log = get_logger("lean_connector.aws_lambda")

LambdaHandler = Callable[[Any, Any], Any]

# The types the decorated function declares for its event, context and result: a decorated
# handler keeps them, so a type checker sees (event: EventT, context: ContextT) -> ResultT.
# (TypeVars rather than a ParamSpec: Concatenate can add leading parameters only, and the
# connector is the last one.)
EventT = TypeVar("EventT")
ContextT = TypeVar("ContextT")
ResultT = TypeVar("ResultT")


def _is_api_gateway(event: Any) -> bool:
    return isinstance(event, Mapping) and (
        "httpMethod" in event or "routeKey" in event or "requestContext" in event
    )


def _http_status(exc: ConnectorError) -> int:
    if isinstance(exc, InvalidRequestError):
        return 400
    if isinstance(exc, WebhookVerificationError):
        return 401
    if isinstance(exc, LeanAPIError):
        # The caller's own mistakes keep Lean's status; our credentials or Lean's outage
        # are a bad gateway from the caller's point of view.
        return exc.http_status if exc.http_status in {400, 404, 409, 429} else 502
    if isinstance(exc, ReadTimeoutError):
        return 504
    if isinstance(exc, TransportError | AuthError):
        return 502  # Lean unreachable, or refusing our credentials: not the caller's doing
    return 500


def http_response(status: int, body: Mapping[str, Any]) -> dict[str, Any]:
    """An API Gateway proxy response with a JSON body."""
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(body),
    }


# What a caller is told, by status: the kind of failure, never its details.
_PUBLIC_ERRORS = {
    400: ("bad_request", "the request was not accepted"),
    401: ("unauthorized", "unauthorized"),
    404: ("not_found", "not found"),
    409: ("conflict", "the request conflicts with the current state"),
    429: ("rate_limited", "too many requests: try again later"),
    500: ("internal_error", "internal error"),
    502: ("bad_gateway", "an upstream service failed"),
    504: ("gateway_timeout", "an upstream service did not answer in time"),
}


def _error_response(exc: ConnectorError, correlation_id: str | None) -> dict[str, Any]:
    status = _http_status(exc)
    code, message = _PUBLIC_ERRORS[status]
    if isinstance(exc, InvalidRequestError):
        # Raised only for the caller's own input (a body that is not JSON, a missing field),
        # before anything is sent to Lean: telling them what to fix is the point.
        message = exc.message
    body = {"error": code, "message": message, "correlation_id": correlation_id}
    return http_response(status, body)


def _failure_fields(exc: ConnectorError) -> dict[str, Any]:
    fields: dict[str, Any] = {"error": type(exc).__name__, "message": exc.message}
    if isinstance(exc, LeanAPIError):
        fields.update(
            http_status=exc.http_status,
            lean_status=exc.lean_status,
            lean_correlation_id=exc.correlation_id,
        )
    return fields


def _bind_invocation(context: Any) -> None:
    clear_context()
    bind_context(
        aws_request_id=getattr(context, "aws_request_id", None),
        function_name=getattr(context, "function_name", None),
        cold_start=CONTAINER.cold,
    )
    CONTAINER.cold = False


def wrap(
    fn: Callable[[EventT, ContextT], ResultT],
) -> Callable[[EventT, ContextT], ResultT | dict[str, Any]]:
    """Bind the invocation to the logs and turn connector errors into results for HTTP:
    for an API Gateway event, an error response (see the module docstring)."""

    @functools.wraps(fn)
    def handler(event: EventT, context: ContextT) -> ResultT | dict[str, Any]:
        _bind_invocation(context)
        try:
            return fn(event, context)
        except ConnectorError as exc:
            log.error("lambda.failed", **_failure_fields(exc))
            if _is_api_gateway(event):
                correlation_id = getattr(context, "aws_request_id", None)
                return _error_response(exc, correlation_id)
            raise  # scheduled/SQS events: let Lambda's own retry and DLQ apply
        finally:
            clear_context()

    return handler


def lean_handler(
    fn: Callable[[EventT, ContextT, LeanConnector], ResultT],
) -> Callable[[EventT, ContextT], ResultT | dict[str, Any]]:
    """Decorate ``fn(event, context, connector)`` into a Lambda handler ``(event, context)``.

    The connector is the container's cached one, built on the first (cold) invocation.
    The aws_request_id, function name and cold_start flag are bound to every log line. A
    connector error is logged in full (``lambda.failed``: Lean's status, message and
    correlation id); for an API Gateway event the caller then gets a JSON error response
    with a generic message and the invocation's ``correlation_id``, and for other events
    (schedules, SQS) the error is re-raised so Lambda's retries and DLQ apply.

    Type checkers see the decorated function's own event and context types; the result
    is its result, or the error response (a dict) for an API Gateway event.
    """

    def with_connector(event: EventT, context: ContextT) -> ResultT:
        return fn(event, context, get_connector())

    functools.update_wrapper(with_connector, fn)
    return wrap(with_connector)


def json_body(event: Mapping[str, Any]) -> tuple[bytes, Any]:
    raw = raw_body(event)
    if not raw.strip():
        raise InvalidRequestError("request body is empty: send a JSON object")
    try:
        return raw, json.loads(raw)
    except ValueError as exc:
        raise InvalidRequestError("request body is not valid JSON") from exc


def raw_body(event: Mapping[str, Any]) -> bytes:
    """The request body as bytes, as the caller sent them (base64 decoded when flagged).

    InvalidRequestError when the event's ``body`` is not text or ``isBase64Encoded`` is not
    a boolean: API Gateway never sends those, a hand-made event might.
    """
    body = event.get("body")
    if body is None:
        raw = b""
    elif isinstance(body, str):
        # surrogatepass: a lone surrogate from a JSON escape becomes bytes, not a crash.
        raw = body.encode("utf-8", "surrogatepass")
    elif isinstance(body, bytes | bytearray):
        raw = bytes(body)
    else:
        raise InvalidRequestError("the event's body must be text, as API Gateway sends it")
    flag = event.get("isBase64Encoded")
    if flag is not None and not isinstance(flag, bool):
        raise InvalidRequestError("the event's isBase64Encoded must be true or false")
    if flag:
        try:
            return base64.b64decode(raw, validate=True)
        except ValueError as exc:
            raise InvalidRequestError("isBase64Encoded is set but the body is not base64") from exc
    return raw
