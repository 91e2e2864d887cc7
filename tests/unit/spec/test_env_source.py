"""The LEAN_* environment as a spec source: the rules of spec/_sources.env_data.

Precedence against arguments and the YAML file, unknown names and sections without JSON
are in test_spec.py; these pin the details a Terraform- or console-made environment hits.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator

import pytest

from lean_connector.errors import SpecError
from lean_connector.spec import LeanSpec, load_spec
from lean_connector.spec._sources import deep_merge, env_data


@pytest.fixture(autouse=True)
def app_token_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A minimal valid spec in the environment, and nothing else of the developer's."""
    for name in list(os.environ):
        if name.upper().startswith("LEAN_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("LEAN_ENVIRONMENT", "sandbox")
    monkeypatch.setenv("LEAN_AUTH__MODE", "app_token")
    monkeypatch.setenv("LEAN_AUTH__APP_TOKEN", "env://T")
    return


def test_nested_variables_override_keys_of_a_section_given_as_json(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("LEAN_AUTH__MODE")
    monkeypatch.delenv("LEAN_AUTH__APP_TOKEN")
    oauth = {"mode": "oauth", "client_id": "from-json", "client_secret": "env://S"}
    monkeypatch.setenv("LEAN_AUTH", json.dumps(oauth))
    monkeypatch.setenv("LEAN_AUTH__CLIENT_ID", "from-variable")
    auth = load_spec().auth
    assert (auth.mode.value, auth.client_id, auth.client_secret) == (
        "oauth",
        "from-variable",
        "env://S",
    )


def test_names_and_json_keys_are_case_insensitive(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("lean_region", "sa")
    monkeypatch.setenv("Lean_Http__Pool_Size", "7")
    monkeypatch.setenv("LEAN_RETRY", json.dumps({"MAX_ATTEMPTS": 2, "Budget_Ratio": 0.5}))
    spec = load_spec()
    assert (spec.region.value, spec.http.pool_size) == ("sa", 7)
    assert (spec.retry.max_attempts, spec.retry.budget_ratio) == (2, 0.5)


def test_text_becomes_the_field_type(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEAN_HTTP__READ_TIMEOUT_S", "12.5")
    monkeypatch.setenv("LEAN_AUTH__TOKEN_STORE_WRITE", "false")
    monkeypatch.setenv("LEAN_LOGGING__LEVEL", "warning")
    spec = load_spec()
    assert spec.http.read_timeout_s == 12.5
    assert spec.auth.token_store_write is False
    assert spec.logging.level == "WARNING"


def test_text_that_is_not_the_field_type_names_the_field(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEAN_HTTP__POOL_SIZE", "lots")
    with pytest.raises(SpecError) as caught:
        load_spec()
    assert caught.value.field == "http.pool_size"
    assert str(caught.value) == "http.pool_size must be a whole number"


def test_null_is_none_and_empty_is_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEAN_ENDPOINTS__API", "null")
    monkeypatch.setenv("LEAN_HTTP__POOL_SIZE", "")
    assert env_data(os.environ, LeanSpec)["endpoints"] == {"api": None}
    assert "http" not in env_data(os.environ, LeanSpec)
    monkeypatch.setenv("LEAN_REGION", "null")  # None where a value is required: an error
    with pytest.raises(SpecError, match=r"^region must be one of 'ae' or 'sa'"):
        load_spec()


def test_the_tool_variables_are_not_spec_fields(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEAN_CONNECTOR_DEBUG", "1")
    assert set(env_data(os.environ, LeanSpec)) == {"environment", "auth"}


def test_the_constructor_reads_no_environment() -> None:
    with pytest.raises(Exception, match="environment"):
        LeanSpec()  # type: ignore[call-arg]


def test_deep_merge_later_layers_win_and_sections_merge_key_by_key() -> None:
    merged = deep_merge(
        {"auth": {"mode": "oauth", "client_id": "a"}, "region": "ae"},
        {"auth": {"client_id": "b"}, "mtls": None},
        {"auth": "replaced?", "region": "sa"},
    )
    assert merged == {"auth": "replaced?", "region": "sa", "mtls": None}
    two = deep_merge({"auth": {"mode": "oauth", "client_id": "a"}}, {"auth": {"client_id": "b"}})
    assert two == {"auth": {"mode": "oauth", "client_id": "b"}}
