"""Ready handlers: the scheduled token refresher and the LinkSDK session endpoint."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from lean_connector.aws_lambda._container import get_connector, get_spec
from lean_connector.aws_lambda._http import http_response, json_body, lean_handler, wrap
from lean_connector.errors import InvalidRequestError, SpecError
from lean_connector.logs import get_logger

if TYPE_CHECKING:
    from lean_connector.client import LeanConnector

__all__ = ["authenticated_claim", "link_session_handler", "refresh_token_handler"]

log = get_logger("lean_connector.aws_lambda")

# Lean refuses a longer app_user_id; a claim past it is no usable identity.
_MAX_APP_USER_ID_LENGTH = 255


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


def _mapping(value: Any, key: str) -> Mapping[str, Any] | None:
    found = value.get(key) if isinstance(value, Mapping) else None
    return found if isinstance(found, Mapping) else None


def authenticated_claim(event: Any, claim: str) -> str | None:
    """The value of ``claim`` that API Gateway's authorizer verified, or None.

    Read from ``requestContext.authorizer``: ``jwt.claims`` (HTTP API JWT authorizer),
    ``claims`` (REST API Cognito authorizer) or ``lambda`` (HTTP API Lambda authorizer).
    API Gateway fills these in itself, after checking the token; nothing else in the event
    (headers, body, query) is trusted for an identity. A value that is not a non-empty
    string of printable characters counts as no identity.
    """
    authorizer = _mapping(_mapping(event, "requestContext"), "authorizer")
    if authorizer is None:
        return None
    for claims in (
        _mapping(_mapping(authorizer, "jwt"), "claims"),
        _mapping(authorizer, "claims"),
        _mapping(authorizer, "lambda"),
    ):
        if claims is None or claim not in claims:
            continue
        value = claims[claim]
        if (
            isinstance(value, str)
            and value.strip()
            and len(value) <= _MAX_APP_USER_ID_LENGTH
            and value.isprintable()
        ):
            return value
        return None
    return None


def _link_session(event: Any, context: Any) -> dict[str, Any]:
    """API Gateway POST ``{permissions?, bank_identifier?}`` -> LinkSDK connect() config.

    The customer is the caller's: ``app_user_id`` is the ``link.app_user_id_claim`` claim
    (default ``sub``) of the JWT the API Gateway authorizer verified. Without one the answer
    is 401 before any secret or Lean call; an ``app_user_id`` in the body is ignored.
    """
    claim = get_spec().link.app_user_id_claim
    app_user_id = authenticated_claim(event, claim)
    if app_user_id is None:
        log.warning(
            "link_session.unauthenticated",
            reason=f"no usable {claim!r} claim from the API Gateway authorizer",
        )
        return http_response(401, {"error": "unauthorized"})
    _, body = json_body(event) if (event.get("body") or "").strip() else (b"", {})
    if not isinstance(body, dict):
        raise InvalidRequestError("request body must be a JSON object")
    if "app_user_id" in body and body["app_user_id"] != app_user_id:
        # Never honoured: the caller could otherwise name any user's customer.
        log.warning("link_session.body_app_user_id_ignored", claim=claim)
    permissions = body.get("permissions", ["identity", "accounts", "balance", "transactions"])
    if not isinstance(permissions, list) or not all(isinstance(p, str) for p in permissions):
        raise InvalidRequestError("permissions must be a list of strings")
    bank = body.get("bank_identifier")
    if bank is not None and not isinstance(bank, str):
        raise InvalidRequestError("bank_identifier must be a string")
    config = get_connector().link_session(app_user_id, permissions, bank_identifier=bank)
    return http_response(200, config)


link_session_handler = wrap(_link_session)
