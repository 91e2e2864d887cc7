"""What a Lambda cold start imports: nothing its mode and its handler do not use.

Each check runs in a fresh interpreter (``sys.modules`` of this test process holds
everything the suite imported) and reads ``sys.modules`` after the import. Not timed:
``bench/coldstart.py`` measures what these modules cost.
"""

from __future__ import annotations

import pytest

from tests.support.imports import ONLY_ELSEWHERE, loaded, modules_after


def test_importing_aws_lambda_loads_no_aws_sdk_http_spec_or_tooling() -> None:
    modules = modules_after("import lean_connector.aws_lambda")
    assert "lean_connector.aws_lambda._http" in modules  # proves the check sees the import
    heavy = (
        "boto3",
        "botocore",
        "requests",
        "urllib3",
        "tenacity",
        "pydantic",
        "pydantic_settings",
        "lean_connector.client",
        "lean_connector.spec",
        "lean_connector.transport",
        "lean_connector._aws",
    )
    assert loaded(modules, (*heavy, *ONLY_ELSEWHERE)) == []


def test_a_ready_handler_is_imported_on_first_access() -> None:
    modules = modules_after(
        "import lean_connector.aws_lambda as aws_lambda\naws_lambda.sync_handler"
    )
    assert "lean_connector.aws_lambda._sync" in modules
    assert "lean_connector.aws_lambda._webhook" not in modules


def test_importing_the_package_loads_only_errors_and_version() -> None:
    modules = modules_after("import lean_connector")
    assert loaded(modules, ("lean_connector",)) == [
        "lean_connector",
        "lean_connector._version",
        "lean_connector.errors",
    ]


@pytest.mark.parametrize(
    ("code", "expected", "absent"),
    [
        ("import lean_connector.transport", [], ["requests", "tenacity", "cryptography"]),
        (
            "from lean_connector.transport import HttpResponse",
            ["lean_connector.transport._types"],
            ["requests", "tenacity", "lean_connector.transport._tls"],
        ),
        (
            "from lean_connector.transport import build_ssl_context",
            ["lean_connector.transport._tls"],
            ["requests", "cryptography", "lean_connector.transport._cert_checks"],
        ),
    ],
    ids=["package", "types", "tls"],
)
def test_transport_loads_a_part_when_it_is_used(
    code: str, expected: list[str], absent: list[str]
) -> None:
    modules = modules_after(code)
    assert set(expected) <= modules
    assert loaded(modules, absent) == []


def test_loading_a_spec_from_the_environment_needs_no_yaml(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LEAN_ENVIRONMENT", "sandbox")
    monkeypatch.setenv("LEAN_AUTH__MODE", "app_token")
    monkeypatch.setenv("LEAN_AUTH__APP_TOKEN", "env://LEAN_TEST_APP_TOKEN")
    monkeypatch.delenv("LEAN_CONNECTOR_SPEC", raising=False)
    modules = modules_after("from lean_connector.spec import load_spec\nload_spec()")
    assert "lean_connector.spec._model" in modules
    assert loaded(modules, ("yaml", "lean_connector.spec._yaml")) == []


def test_a_call_that_succeeds_at_once_needs_no_retry_machinery() -> None:
    call = (
        "from lean_connector.errors import ConnectError\n"
        "from lean_connector.transport import RetryPolicy, call_with_retry\n"
        "policy = RetryPolicy(max_attempts=3, base_s=0.0)\n"
        "assert call_with_retry(lambda n: n, idempotent=True, policy=policy) == 1\n"
    )
    assert "tenacity" not in modules_after(call)
    retried = (
        "def flaky(n):\n"
        "    if n == 1:\n"
        "        raise ConnectError('refused')\n"
        "    return n\n"
        "assert call_with_retry(flaky, idempotent=True, policy=policy, sleep=lambda s: None) == 2\n"
    )
    assert "tenacity" in modules_after(call + retried)
