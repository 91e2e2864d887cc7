"""Fuzz the spec loader: any YAML text and any LEAN_* environment gives a LeanSpec or a
one-line SpecError; nothing else escapes, and no planted secret reaches the message, the
spec's repr or the dump `validate` prints."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from lean_connector.errors import SpecError
from lean_connector.spec import LeanSpec, load_spec, redacted_dump
from tests.fuzz.strategies import (
    PLANTED,
    PLANTED_ENV_NAME,
    PLANTED_ENV_VALUE,
    PROFILE,
    lean_environments,
    spec_documents,
    yaml_texts,
)


@contextmanager
def only_env(extra: Mapping[str, str]) -> Iterator[None]:
    """os.environ without LEAN_* and AWS endpoint variables, plus ``extra``, restored after."""
    saved = dict(os.environ)
    try:
        for name in list(os.environ):
            if name.upper().startswith(("LEAN_", "AWS_ENDPOINT_URL")):
                del os.environ[name]
        os.environ[PLANTED_ENV_NAME] = PLANTED_ENV_VALUE
        os.environ.update(extra)
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def assert_no_planted(*texts: str) -> None:
    for text in texts:
        for planted in PLANTED:
            assert planted not in text, f"planted secret {planted!r} leaked into {text!r}"


def check_outcome(load: Any) -> LeanSpec | None:
    """The property: a spec, or a one-line SpecError; no planted secret shown either way."""
    try:
        spec = load()
    except SpecError as exc:
        message = str(exc)
        assert message, "an error says what is wrong"
        assert "\n" not in message, message
        assert "\x00" not in message, message
        assert_no_planted(message, repr(exc))
        return None
    assert isinstance(spec, LeanSpec)
    assert_no_planted(repr(spec), json.dumps(redacted_dump(spec)))
    return spec


@PROFILE
@given(text=yaml_texts())
def test_any_yaml_text_is_a_spec_or_a_spec_error(tmp_path_factory: Any, text: str) -> None:
    path: Path = tmp_path_factory.mktemp("fuzz-yaml") / "spec.yaml"
    path.write_text(text, encoding="utf-8")
    with only_env({}):
        check_outcome(lambda: load_spec(path))


@PROFILE
@given(document=spec_documents())
def test_any_spec_data_is_a_spec_or_a_spec_error(document: dict[str, Any]) -> None:
    with only_env({}):
        check_outcome(lambda: load_spec(**document))


@PROFILE
@given(env=lean_environments(), document=st.none() | spec_documents())
def test_any_lean_environment_is_a_spec_or_a_spec_error(
    tmp_path_factory: Any, env: dict[str, str], document: dict[str, Any] | None
) -> None:
    path = None
    if document is not None:
        import yaml

        path = tmp_path_factory.mktemp("fuzz-env") / "spec.yaml"
        path.write_text(yaml.safe_dump(document), encoding="utf-8")
    with only_env(env):
        check_outcome(lambda: load_spec(path))
