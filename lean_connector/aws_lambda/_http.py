"""The handler decorator, and API Gateway events in and responses out."""

from __future__ import annotations

import base64
import functools
import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from lean_connector.aws_lambda._container import CONTAINER, get_connector
from lean_connector.errors import (
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
ConnectorHandler = Callable[[Any, Any, "LeanConnector"], Any]


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
    if isinstance(exc, TransportError):
        return 502
    return 500


def http_response(status: int, body: Mapping[str, Any]) -> dict[str, Any]:
    """An API Gateway proxy response with a JSON body."""
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(body),
    }


def _error_response(exc: ConnectorError) -> dict[str, Any]:
    status = _http_status(exc)
    body: dict[str, Any] = {"error": type(exc).__name__, "message": exc.message}
    if isinstance(exc, LeanAPIError):
        body["lean_status"] = exc.lean_status
        body["lean_correlation_id"] = exc.correlation_id
    if status >= 500 and not isinstance(exc, LeanAPIError | TransportError):
        body["message"] = "internal error: see the function's logs"
    return http_response(status, body)


def _bind_invocation(context: Any) -> None:
    clear_context()
    bind_context(
        aws_request_id=getattr(context, "aws_request_id", None),
        function_name=getattr(context, "function_name", None),
        cold_start=CONTAINER.cold,
    )
    CONTAINER.cold = False


def wrap(fn: LambdaHandler) -> LambdaHandler:
    """Bind the invocation to the logs and turn connector errors into results for HTTP."""

    @functools.wraps(fn)
    def handler(event: Any, context: Any) -> Any:
        _bind_invocation(context)
        try:
            return fn(event, context)
        except ConnectorError as exc:
            log.error("lambda.failed", error=type(exc).__name__, message=exc.message)
            if _is_api_gateway(event):
                return _error_response(exc)
            raise  # scheduled/SQS events: let Lambda's own retry and DLQ apply
        finally:
            clear_context()

    return handler


def lean_handler(fn: ConnectorHandler) -> LambdaHandler:
    """Decorate ``fn(event, context, connector)`` into a Lambda handler ``(event, context)``.

    The connector is the container's cached one. The aws_request_id, function name and
    cold_start flag are bound to every log line. Connector errors become a JSON error
    response (with Lean's correlation id) for API Gateway events and are re-raised for
    other events.
    """

    def with_connector(event: Any, context: Any) -> Any:
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
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        try:
            return base64.b64decode(body, validate=True)
        except ValueError as exc:
            raise InvalidRequestError("isBase64Encoded is set but the body is not base64") from exc
    return body.encode() if isinstance(body, str) else bytes(body)
