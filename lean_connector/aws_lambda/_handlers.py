"""Ready handlers: the scheduled token refresher and the LinkSDK session endpoint."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lean_connector.aws_lambda._http import http_response, json_body, lean_handler
from lean_connector.errors import InvalidRequestError, SpecError

if TYPE_CHECKING:
    from lean_connector.client import LeanConnector

__all__ = ["link_session_handler", "refresh_token_handler"]


@lean_handler
def refresh_token_handler(event: Any, context: Any, connector: LeanConnector) -> dict[str, Any]:
    """Scheduled: fetch a fresh api token and write it, with its expiry, to auth.token_store.

    Also emits the client certificate's days to expiry as a CloudWatch metric.
    """
    if not connector.spec.auth.token_store:
        raise SpecError(
            "refresh_token_handler needs auth.token_store (LEAN_AUTH__TOKEN_STORE)",
            field="auth.token_store",
        )
    token = connector.oauth().refresh()
    if connector.certificate is not None:
        from lean_connector.metrics import emit_metric

        emit_metric("ClientCertificateDaysToExpiry", connector.certificate.days_left, unit="Count")
    return {"scope": token.scope, "expires_at": int(token.expires_at)}


@lean_handler
def link_session_handler(event: Any, context: Any, connector: LeanConnector) -> dict[str, Any]:
    """API Gateway POST ``{app_user_id, permissions?, bank_identifier?}`` -> connect() config."""
    _, body = json_body(event)
    if not isinstance(body, dict):
        raise InvalidRequestError("request body must be a JSON object")
    app_user_id = body.get("app_user_id")
    if not isinstance(app_user_id, str) or not app_user_id.strip():
        raise InvalidRequestError("app_user_id is required: a non-empty string")
    permissions = body.get("permissions", ["identity", "accounts", "balance", "transactions"])
    if not isinstance(permissions, list) or not all(isinstance(p, str) for p in permissions):
        raise InvalidRequestError("permissions must be a list of strings")
    bank = body.get("bank_identifier")
    if bank is not None and not isinstance(bank, str):
        raise InvalidRequestError("bank_identifier must be a string")
    config = connector.link_session(app_user_id, permissions, bank_identifier=bank)
    return http_response(200, config)
