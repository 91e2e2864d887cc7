"""link_session_handler mints a customer token only for the caller API Gateway authenticated.

The user comes from the JWT authorizer's claims (HTTP API v2 ``requestContext.authorizer.
jwt.claims``, REST ``requestContext.authorizer.claims``), never from the request body; with
no identity the answer is 401 and Lean is not called. Real sandbox and moto, as in
test_handlers.py, whose fixtures these tests share.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from lean_connector import aws_lambda
from lean_connector.client import LeanConnector
from lean_connector.spec import load_spec
from lean_connector.testing.sandbox import LeanSandbox
from tests.integration.aws_lambda.test_handlers import Context, lambda_env  # noqa: F401


def _v2_event(body: Any, claims: dict[str, Any] | None) -> dict[str, Any]:
    context: dict[str, Any] = {"http": {"method": "POST", "path": "/link-session"}}
    if claims is not None:
        context["authorizer"] = {"jwt": {"claims": claims, "scopes": None}}
    return {
        "version": "2.0",
        "routeKey": "POST /link-session",
        "headers": {"content-type": "application/json"},
        "body": json.dumps(body),
        "isBase64Encoded": False,
        "requestContext": context,
    }


def _rest_event(body: Any, claims: dict[str, Any]) -> dict[str, Any]:
    return {
        "httpMethod": "POST",
        "headers": {},
        "body": json.dumps(body),
        "requestContext": {"authorizer": {"claims": claims}},
    }


def _app_user_of(response: dict[str, Any]) -> str:
    customer_id = json.loads(response["body"])["customer_id"]
    lean = LeanConnector(load_spec())
    try:
        return str(lean.customers.get(customer_id)["app_user_id"])
    finally:
        lean.close()


def test_the_user_comes_from_the_jwt_claims_and_the_body_cannot_name_another(
    lambda_env: Any,  # noqa: F811
) -> None:
    lambda_env("oauth")
    event = _v2_event({"app_user_id": "victim-user", "permissions": ["identity"]}, {"sub": "alice"})
    response = aws_lambda.link_session_handler(event, Context())
    assert response["statusCode"] == 200
    assert _app_user_of(response) == "alice"


def test_rest_api_authorizer_claims_are_read_too(lambda_env: Any) -> None:  # noqa: F811
    lambda_env("app_token")
    response = aws_lambda.link_session_handler(_rest_event({}, {"sub": "bob"}), Context())
    assert response["statusCode"] == 200
    assert _app_user_of(response) == "bob"


def test_the_claim_name_comes_from_the_spec(lambda_env: Any) -> None:  # noqa: F811
    lambda_env("app_token", link={"app_user_id_claim": "custom:user_id"})
    claims = {"sub": "idp-subject-1", "custom:user_id": "carol"}
    response = aws_lambda.link_session_handler(_v2_event({}, claims), Context())
    assert response["statusCode"] == 200
    assert _app_user_of(response) == "carol"


@pytest.mark.parametrize(
    "claims",
    [None, {}, {"sub": ""}, {"sub": "   "}, {"sub": 42}, {"email": "a@example.com"}],
    ids=["no-authorizer", "no-claims", "empty", "blank", "not-a-string", "other-claim"],
)
def test_no_identity_is_a_401_and_lean_is_not_called(
    lambda_env: Any,  # noqa: F811
    lean_sandbox: LeanSandbox,
    claims: dict[str, Any] | None,
) -> None:
    lambda_env("app_token")
    lean_sandbox.reset()
    event = _v2_event({"app_user_id": "victim-user"}, claims)
    response = aws_lambda.link_session_handler(event, Context())
    assert response["statusCode"] == 401
    assert json.loads(response["body"]) == {"error": "unauthorized"}
    assert "victim-user" not in response["body"]
    assert sum(lean_sandbox.counters.calls.values()) == 0
