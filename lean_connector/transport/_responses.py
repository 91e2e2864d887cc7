"""Lean's HTTP error responses -> the :class:`~lean_connector.errors.LeanAPIError` subclass.

Part of the client (``client.py`` raises what this returns): Lean's ``status``, ``message``
and ``metadata`` fields, its correlation and trace ids, and Retry-After on the statuses
that honour it, so retry.py can wait as long as Lean asked.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lean_connector.errors import LeanAPIError, lean_api_error

if TYPE_CHECKING:
    from lean_connector.transport._types import HttpResponse

__all__ = ["error_from_response", "parse_retry_after"]

# Statuses whose Retry-After is honoured; the errors carry retry_after_s.
_RETRY_AFTER_STATUSES = frozenset({429, 502, 503, 504})


def error_from_response(response: HttpResponse, method: str, path: str) -> LeanAPIError:
    """Map a response that is not 2xx (an error, or a redirect) to its LeanAPIError subclass."""
    body: Any = None
    try:
        body = response.json()
    except ValueError:
        body = None
    lean_status = lean_message = None
    metadata = None
    if isinstance(body, dict):
        lean_status = body.get("status") if isinstance(body.get("status"), str) else None
        lean_message = body.get("message") if isinstance(body.get("message"), str) else None
        metadata = body.get("metadata")
    kwargs: dict[str, Any] = {
        "lean_status": lean_status,
        "lean_message": lean_message,
        "metadata": metadata,
        "correlation_id": response.headers.get("lean-correlation-id"),
        "trace_id": response.headers.get("lean-trace-id"),
        "method": method,
        "path": path,
    }
    if response.status in _RETRY_AFTER_STATUSES:
        kwargs["retry_after_s"] = parse_retry_after(response.headers.get("Retry-After"))
    if 300 <= response.status < 400:
        # Following it would send our credentials wherever the Location points.
        kwargs["hint"] = (
            "a redirect, which is never followed: check that endpoints.api is this Lean "
            "environment's API host and that no proxy rewrites the answer"
        )
    return lean_api_error(response.status, **kwargs)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds a Retry-After header asks for (delta-seconds or an HTTP date), else None."""
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            import time

            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return None
