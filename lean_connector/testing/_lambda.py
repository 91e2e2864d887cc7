"""Invoke a Lambda handler the way the runtime does, against the local Lean sandbox.

:class:`LeanLambda` (the ``lean_lambda`` pytest fixture) points the function's spec at the
sandbox through ``LEAN_*`` environment variables, as Terraform does on AWS, starts every
test from a cold container, and calls ``handler(event, context)`` with a
:class:`FakeLambdaContext`. API Gateway events come from :meth:`LeanLambda.api_event`.
"""

from __future__ import annotations

import base64
import json
import os
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from lean_connector.testing.aws import spec_env

if TYPE_CHECKING:
    import pytest

    from lean_connector.client import LeanConnector
    from lean_connector.testing.sandbox import LeanSandbox

__all__ = ["FakeLambdaContext", "LeanLambda"]

EventT = TypeVar("EventT")
ResultT = TypeVar("ResultT")

_REGION = "me-central-1"


@dataclass
class FakeLambdaContext:
    """What a handler reads from the runtime's ``LambdaContext``; a fresh request id each."""

    function_name: str = "lean-test-function"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 512
    timeout_s: float = 30.0
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    invoked_function_arn: str = ""
    log_group_name: str = ""
    log_stream_name: str = "2026/01/01/[$LATEST]0123456789abcdef"
    _started: float = field(default_factory=time.monotonic, repr=False)

    def __post_init__(self) -> None:
        account = "123456789012"
        self.invoked_function_arn = self.invoked_function_arn or (
            f"arn:aws:lambda:{_REGION}:{account}:function:{self.function_name}"
        )
        self.log_group_name = self.log_group_name or f"/aws/lambda/{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left of ``timeout_s`` since the context was made."""
        left = self.timeout_s - (time.monotonic() - self._started)
        return max(0, int(left * 1000))


class LeanLambda:
    """One Lambda function under test: its spec in the environment, its container, its calls.

    Built by the ``lean_lambda`` fixture: the spec is the sandbox's in ``mode`` (``oauth``
    unless :meth:`configure` says otherwise), the container starts cold, and everything is
    undone after the test.
    """

    def __init__(
        self,
        sandbox: LeanSandbox,
        monkeypatch: pytest.MonkeyPatch,
        *,
        function_name: str = "lean-test-function",
    ) -> None:
        self.sandbox = sandbox
        self.function_name = function_name
        self._monkeypatch = monkeypatch
        self.mode = ""

    def configure(self, mode: str = "oauth", **spec: Any) -> LeanLambda:
        """Set the function's ``LEAN_*`` env to the sandbox's spec in ``mode`` (``mtls``,
        ``oauth`` or ``app_token``), with ``spec`` overrides on top (``logging={"level":
        "DEBUG"}``), and start from a cold container. Other ``LEAN_*`` variables are removed."""
        from lean_connector import aws_lambda

        overrides = self.sandbox.spec_overrides(mode)
        for section, value in spec.items():
            if isinstance(value, Mapping) and isinstance(overrides.get(section), dict):
                overrides[section] = {**overrides[section], **value}
            else:
                overrides[section] = value
        for name in list(os.environ):
            if name.startswith("LEAN_"):
                self._monkeypatch.delenv(name)
        for name, value in spec_env(overrides).items():
            self._monkeypatch.setenv(name, value)
        self._monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", self.function_name)
        self.mode = mode
        aws_lambda.reset()
        return self

    def context(self, **fields: Any) -> FakeLambdaContext:
        """A new context for one invocation (``aws_request_id=...`` to choose the id)."""
        return FakeLambdaContext(function_name=self.function_name, **fields)

    def invoke(
        self,
        handler: Callable[[EventT, Any], ResultT],
        event: EventT,
        context: FakeLambdaContext | None = None,
    ) -> ResultT:
        """``handler(event, context)``, as the runtime calls it (a new context by default)."""
        return handler(event, context if context is not None else self.context())

    def cold_start(self) -> None:
        """Drop the container's spec, resolver and connector: the next call is a cold start."""
        from lean_connector import aws_lambda

        aws_lambda.reset()

    @property
    def connector(self) -> LeanConnector:
        """The container's connector (built now if no invocation built it yet)."""
        from lean_connector import aws_lambda

        return aws_lambda.get_connector()

    @staticmethod
    def api_event(
        method: str = "GET",
        path: str = "/",
        body: Any = None,
        *,
        headers: Mapping[str, str] | None = None,
        query: Mapping[str, str] | None = None,
        claims: Mapping[str, Any] | None = None,
        base64_body: bool = False,
    ) -> dict[str, Any]:
        """An API Gateway HTTP API event (payload format 2.0).

        ``body`` is sent as JSON unless it is ``str``/``bytes``; ``claims`` are what a JWT
        authorizer verified (``{"sub": "user-1"}``), in ``requestContext.authorizer``.
        """
        if body is None:
            raw = b""
        elif isinstance(body, bytes):
            raw = body
        elif isinstance(body, str):
            raw = body.encode()
        else:
            raw = json.dumps(body).encode()
        request_context: dict[str, Any] = {
            "http": {"method": method.upper(), "path": path, "sourceIp": "192.0.2.10"},
            "requestId": str(uuid.uuid4()),
            "stage": "$default",
            "routeKey": f"{method.upper()} {path}",
        }
        if claims is not None:
            request_context["authorizer"] = {"jwt": {"claims": dict(claims), "scopes": None}}
        event: dict[str, Any] = {
            "version": "2.0",
            "routeKey": f"{method.upper()} {path}",
            "rawPath": path,
            "rawQueryString": "&".join(f"{k}={v}" for k, v in (query or {}).items()),
            "headers": {"content-type": "application/json", **(headers or {})},
            "requestContext": request_context,
            "isBase64Encoded": base64_body,
            "body": base64.b64encode(raw).decode() if base64_body else raw.decode(),
        }
        if query:
            event["queryStringParameters"] = dict(query)
        return event
