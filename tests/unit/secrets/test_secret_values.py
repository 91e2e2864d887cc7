"""A secret is a non-empty string: JSON null, numbers, booleans, objects and empty values in a
store are errors naming the field and the fix, never turned into the text "null" or "42".

Real files and env vars (no fakes): the JSON-key path is the same for every store.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lean_connector.errors import SecretError
from lean_connector.secrets import SecretResolver


@pytest.fixture
def resolver() -> SecretResolver:
    return SecretResolver(cache_ttl_s=0)


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (None, "null"),
        (42, "a number"),
        (4.2, "a number"),
        (True, "a boolean"),
        ({"nested": "x"}, "an object"),
        (["x"], "a list"),
    ],
)
def test_a_json_key_that_is_not_a_string_is_refused(
    resolver: SecretResolver, tmp_path: Path, value: object, kind: str
) -> None:
    path = tmp_path / "webhook.json"
    path.write_text(json.dumps({"secret": value}))
    with pytest.raises(SecretError) as caught:
        resolver.resolve(f"file://{path}#secret", field="webhooks.secret")
    message = str(caught.value)
    assert message.startswith(f"webhooks.secret (file://{path}#secret): ")
    assert f"JSON key 'secret' is {kind}, not a string" in message
    assert "store the value as a JSON string" in message


@pytest.mark.parametrize("value", ["", "   ", "\n"])
def test_an_empty_json_key_is_refused(resolver: SecretResolver, tmp_path: Path, value: str) -> None:
    path = tmp_path / "webhook.json"
    path.write_text(json.dumps({"secret": value}))
    with pytest.raises(SecretError, match="is empty"):
        resolver.resolve(f"file://{path}#secret", field="webhooks.secret")


def test_an_empty_file_env_var_or_literal_is_refused(
    resolver: SecretResolver, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "empty"
    empty.write_text("\n")
    monkeypatch.setenv("LEAN_TEST_EMPTY_SECRET", "")
    for reference in (f"file://{empty}", "env://LEAN_TEST_EMPTY_SECRET", ""):
        with pytest.raises(SecretError, match="is empty"):
            resolver.resolve(reference, field="auth.client_secret")


def test_a_string_is_still_a_secret(resolver: SecretResolver, tmp_path: Path) -> None:
    path = tmp_path / "webhook.json"
    path.write_text(json.dumps({"secret": "whsec-1", "n": "42"}))
    assert resolver.resolve(f"file://{path}#secret").reveal() == "whsec-1"
    assert resolver.resolve(f"file://{path}#n").reveal() == "42"
