"""A whole Lambda cold start, in a new interpreter: what it imports to serve one request.

The spec comes from ``LEAN_*`` env with ``aws-sm://`` references into moto's Secrets
Manager, the request goes to the local Lean sandbox over mTLS (or OAuth), as in
``bench/coldstart.py``. Not timed: this checks that what is made lazy stays lazy.
"""

from __future__ import annotations

import os

import pytest

from lean_connector.testing.aws import spec_env, store_sandbox_secrets
from lean_connector.testing.sandbox import LeanSandbox
from tests.support.imports import ONLY_ELSEWHERE, loaded, modules_after
from tests.support.moto_process import MotoProcess

REGION = "me-central-1"

HANDLER = """
from lean_connector.aws_lambda import lean_handler

@lean_handler
def handler(event, context, connector):
    return connector.request("GET", "/banks/v1/")

class Context:
    aws_request_id = "cold-1"
    function_name = "cold-imports"

assert len(handler({}, Context())) > 0
"""


@pytest.mark.parametrize("mode", ["mtls", "oauth"])
def test_a_cold_request_imports_only_what_its_mode_uses(
    aws: MotoProcess, lean_sandbox: LeanSandbox, mode: str
) -> None:
    overrides = store_sandbox_secrets(
        lean_sandbox, mode=mode, region=REGION, endpoint_url=aws.endpoint_url
    )
    env = {name: value for name, value in os.environ.items() if not name.startswith("LEAN_")}
    env.update(spec_env(overrides))
    modules = modules_after(HANDLER, env)
    assert {"botocore.client", "requests", "lean_connector.transport._tls"} <= modules
    # botocore makes the client; tenacity only judges a failed attempt, and none failed.
    assert loaded(modules, (*ONLY_ELSEWHERE, "boto3", "s3transfer", "tenacity")) == []
