"""AWS Lambda: one connector per container, a handler decorator and ready handlers.

The spec comes from the function's environment (``LEAN_*``, optionally
``LEAN_CONNECTOR_SPEC``); Terraform's module sets it. Everything expensive — secrets,
the TLS context, the token — is built on the first (cold) invocation and reused by warm
ones, so a warm call costs no secret, token or TLS-handshake round trip.

Ready handlers, by dotted name (Terraform names these paths)::

    lean_connector.aws_lambda.refresh_token_handler   scheduled: writes the shared api token
    lean_connector.aws_lambda.link_session_handler    API Gateway + JWT authorizer: LinkSDK config
    lean_connector.aws_lambda.webhook_handler         API Gateway: verified, deduped Lean events
    lean_connector.aws_lambda.sync_plan_handler       scheduled: plans a run onto the sync queue
    lean_connector.aws_lambda.sync_handler            SQS worker (partial batch response) or one run

``_container`` holds the container state, ``_http`` the decorator and API Gateway shapes,
``_handlers``, ``_webhook`` and ``_sync`` the ready handlers. A ready handler's module is
imported on first access (PEP 562; the Lambda runtime's ``getattr`` on this module is one),
so a function that uses ``@lean_handler`` pays for none of them on its cold start.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from lean_connector.aws_lambda._container import (
    get_connector,
    get_resolver,
    get_spec,
    reset,
    set_webhook_callback,
)
from lean_connector.aws_lambda._http import http_response, lean_handler

if TYPE_CHECKING:
    from lean_connector.aws_lambda._handlers import (
        authenticated_claim,
        link_session_handler,
        refresh_token_handler,
    )
    from lean_connector.aws_lambda._sync import sync_handler, sync_plan_handler
    from lean_connector.aws_lambda._webhook import webhook_handler

# name -> module that defines it; imported on first attribute access.
_LAZY = {
    "authenticated_claim": "lean_connector.aws_lambda._handlers",
    "link_session_handler": "lean_connector.aws_lambda._handlers",
    "refresh_token_handler": "lean_connector.aws_lambda._handlers",
    "sync_handler": "lean_connector.aws_lambda._sync",
    "sync_plan_handler": "lean_connector.aws_lambda._sync",
    "webhook_handler": "lean_connector.aws_lambda._webhook",
}

__all__ = [
    "authenticated_claim",
    "get_connector",
    "get_resolver",
    "get_spec",
    "http_response",
    "lean_handler",
    "link_session_handler",
    "refresh_token_handler",
    "reset",
    "set_webhook_callback",
    "sync_handler",
    "sync_plan_handler",
    "webhook_handler",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'lean_connector.aws_lambda' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
