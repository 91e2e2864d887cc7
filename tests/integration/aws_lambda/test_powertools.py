"""The connector inside AWS Lambda Powertools: an Event Handler route, and Powertools Logger.

The recipe in docs/lambda.md, run against the local sandbox through the ``lean_lambda``
fixture. Powertools is not a dependency of lean-connector; these tests skip without it.
"""

from __future__ import annotations

import io
import json
import logging
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from lean_connector.aws_lambda import lean_handler
from lean_connector.client import LeanConnector
from lean_connector.testing import LeanLambda
from lean_connector.testing.sandbox import LeanSandbox

powertools = pytest.importorskip("aws_lambda_powertools", reason="aws-lambda-powertools absent")

from aws_lambda_powertools import Logger  # noqa: E402
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver  # noqa: E402
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers  # noqa: E402

pytestmark = pytest.mark.integration


class PaymentsFunction:
    """docs/lambda.md's recipe: a Powertools app whose routes use the container's connector."""

    def __init__(self, stream: io.StringIO, service: str) -> None:
        self.logger = Logger(service=service, stream=stream)
        # The connector logs under "lean_connector": give it Powertools' handler and format.
        copy_config_to_registered_loggers(source_logger=self.logger, include={"lean_connector"})
        self.app = app = APIGatewayHttpResolver()

        @app.get("/banks")
        def banks() -> dict[str, Any]:
            connector: LeanConnector = app.context["connector"]
            return {"banks": [bank["identifier"] for bank in connector.banks.list()]}

        @app.get("/customers/<customer_id>")
        def customer(customer_id: str) -> dict[str, Any]:
            connector: LeanConnector = app.context["connector"]
            return dict(connector.customers.get(customer_id))

        @self.logger.inject_lambda_context
        @lean_handler
        def handler(event: dict[str, Any], context: Any, connector: LeanConnector) -> Any:
            app.append_context(connector=connector)
            return app.resolve(event, context)

        self.handler = handler


@pytest.fixture
def function() -> Iterator[tuple[PaymentsFunction, io.StringIO]]:
    # Powertools keeps a Logger's set-up per service name for the process: one per test.
    stream = io.StringIO()
    yield PaymentsFunction(stream, f"payments-{uuid.uuid4().hex[:8]}"), stream
    connector_logger = logging.getLogger("lean_connector")
    connector_logger.handlers.clear()
    connector_logger.propagate = True
    connector_logger.setLevel(logging.NOTSET)


def _lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_route_uses_the_containers_connector_and_logs_go_through_powertools(
    function: tuple[PaymentsFunction, io.StringIO],
    lean_lambda: LeanLambda,
    lean_sandbox: LeanSandbox,
    capsys: pytest.CaptureFixture[str],
) -> None:
    payments, stream = function
    context = lean_lambda.context(aws_request_id="req-pt-1")
    response = lean_lambda.invoke(payments.handler, lean_lambda.api_event("GET", "/banks"), context)
    assert response["statusCode"] == 200
    assert json.loads(response["body"])["banks"]

    lines = _lines(stream)
    requests = [line for line in lines if line["message"].startswith("http.request ")]
    assert requests, lines
    for line in requests:
        # Powertools' own JSON: its keys, the connector's fields as keys, the caller's
        # location, the Lambda context it injected, the connector's bound request id.
        assert line["service"].startswith("payments-")
        assert line["name"] == "lean_connector.client"
        assert line["function_request_id"] == line["aws_request_id"] == "req-pt-1"
        assert line["path"] in {"/banks/v1/", "/oauth2/token"} or line["path"].startswith("/")
        assert isinstance(line["status"], int)
        assert line["location"].split(":")[0] not in {"_proxy_to_logger", "_process_event"}
    output = stream.getvalue()
    assert lean_sandbox.client_secret not in output
    assert lean_sandbox.app_token not in output.replace(f'"{lean_sandbox.client_id}"', "")
    # The connector printed nothing of its own: Powertools owns the output.
    assert '"event": "http.request"' not in capsys.readouterr().err


def test_a_lean_error_in_a_route_is_a_generic_response_and_a_detailed_powertools_line(
    function: tuple[PaymentsFunction, io.StringIO], lean_lambda: LeanLambda
) -> None:
    payments, stream = function
    context = lean_lambda.context(aws_request_id="req-pt-2")
    event = lean_lambda.api_event("GET", "/customers/no-such-customer")
    response = lean_lambda.invoke(payments.handler, event, context)
    assert response["statusCode"] == 404
    assert json.loads(response["body"]) == {
        "error": "not_found",
        "message": "not found",
        "correlation_id": "req-pt-2",
    }
    [failed] = [line for line in _lines(stream) if line["message"].startswith("lambda.failed ")]
    assert failed["level"] == "ERROR"
    assert failed["lean_status"] == "UNKNOWN_ENTITY"
    assert failed["function_request_id"] == "req-pt-2"
