"""The ``lean_lambda`` fixture: a handler invoked as the Lambda runtime would, on the sandbox."""

from __future__ import annotations

import json
import os
from typing import Any

import pytest

from lean_connector.aws_lambda import lean_handler, link_session_handler
from lean_connector.client import LeanConnector
from lean_connector.logs import capture_logs
from lean_connector.testing import FakeLambdaContext, LeanLambda
from lean_connector.testing.sandbox import LeanSandbox

pytestmark = pytest.mark.integration


@lean_handler
def count_banks(event: dict[str, Any], context: Any, connector: LeanConnector) -> dict[str, Any]:
    return {"statusCode": 200, "body": json.dumps({"banks": len(connector.banks.list())})}


def test_a_handler_runs_against_the_sandbox_cold_then_warm(
    lean_lambda: LeanLambda, lean_sandbox: LeanSandbox
) -> None:
    assert os.environ["LEAN_AUTH__MODE"] == "oauth"
    with capture_logs() as logged:
        cold = lean_lambda.invoke(count_banks, lean_lambda.api_event("GET", "/banks"))
        warm = lean_lambda.invoke(count_banks, lean_lambda.api_event("GET", "/banks"))
    assert cold["statusCode"] == warm["statusCode"] == 200
    assert json.loads(cold["body"])["banks"] > 0
    assert lean_sandbox.counters.token_requests["api"] == 1  # the warm call reused it
    requests = [e for e in logged if e["event"] == "http.request"]
    assert [e["cold_start"] for e in requests] == [True, False]
    assert requests[0]["aws_request_id"] != requests[1]["aws_request_id"]


def test_each_invocation_gets_a_fresh_context_like_the_runtimes(lean_lambda: LeanLambda) -> None:
    context = lean_lambda.context()
    assert isinstance(context, FakeLambdaContext)
    assert context.function_name == os.environ["AWS_LAMBDA_FUNCTION_NAME"]
    assert context.invoked_function_arn.endswith(f":function:{context.function_name}")
    assert 0 < context.get_remaining_time_in_millis() <= 30_000
    assert lean_lambda.context().aws_request_id != context.aws_request_id


@pytest.mark.parametrize("mode", ["mtls", "app_token"])
def test_configure_switches_the_spec_and_starts_cold(lean_lambda: LeanLambda, mode: str) -> None:
    lean_lambda.configure(mode, http={"read_timeout_s": 9})
    assert lean_lambda.connector.spec.auth.mode.value == mode
    assert lean_lambda.connector.spec.http.read_timeout_s == 9
    response = lean_lambda.invoke(count_banks, lean_lambda.api_event("GET", "/banks"))
    assert response["statusCode"] == 200


def test_api_events_carry_the_authorizers_claims_for_the_ready_handlers(
    lean_lambda: LeanLambda,
) -> None:
    event = lean_lambda.api_event(
        "POST", "/link-session", {"permissions": ["identity"]}, claims={"sub": "fixture-user-1"}
    )
    response = lean_lambda.invoke(link_session_handler, event)
    assert response["statusCode"] == 200, response
    assert json.loads(response["body"])["permissions"] == ["identity"]
    unauthenticated = lean_lambda.invoke(
        link_session_handler, lean_lambda.api_event("POST", "/link-session", {})
    )
    assert unauthenticated["statusCode"] == 401


def test_a_connector_error_reaches_the_caller_as_a_generic_body_with_the_request_id(
    lean_lambda: LeanLambda,
) -> None:
    @lean_handler
    def missing(event: Any, context: Any, connector: LeanConnector) -> Any:
        return connector.customers.get("no-such-customer")

    context = lean_lambda.context(aws_request_id="req-404")
    response = lean_lambda.invoke(missing, lean_lambda.api_event(), context)
    assert response["statusCode"] == 404
    assert json.loads(response["body"]) == {
        "error": "not_found",
        "message": "not found",
        "correlation_id": "req-404",
    }
