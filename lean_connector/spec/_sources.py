"""Where the spec's data comes from: the YAML file and the checked ``LEAN_*`` environment.

Part of the spec (``_model`` builds the model, the package re-exports the public names), so
it imports pydantic-settings; a YAML file is parsed by ``_yaml`` (PyYAML, imported only
when there is a file) with duplicate keys refused and without echoing its lines (they may
hold a secret); a ``LEAN_*`` variable that names no spec field is an error, not ignored.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any, get_args

from pydantic import BaseModel
from pydantic_settings import EnvSettingsSource, PydanticBaseSettingsSource

from lean_connector.errors import SpecError
from lean_connector.spec._rules import unknown_key_message

__all__ = [
    "ENV_PREFIX",
    "SPEC_PATH_ENV",
    "TOOL_ENV_PREFIX",
    "CheckedEnvSource",
    "YamlFileSource",
    "check_env",
    "read_spec_file",
    "section_model",
    "spec_file_data",
    "yaml_source_data",
]

SPEC_PATH_ENV = "LEAN_CONNECTOR_SPEC"
ENV_PREFIX = "LEAN_"
# Reserved for the tool itself (LEAN_CONNECTOR_SPEC, LEAN_CONNECTOR_DEBUG): not spec fields.
TOOL_ENV_PREFIX = "LEAN_CONNECTOR_"


def section_model(annotation: Any) -> type[BaseModel] | None:
    """The section model behind a field annotation (``MTLSSpec | None`` -> MTLSSpec)."""
    for candidate in (annotation, *get_args(annotation)):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def check_env(environ: Mapping[str, str], spec_model: type[BaseModel]) -> None:
    """Refuse LEAN_* variables naming no field of ``spec_model``, or a non-JSON section value."""
    for name, value in sorted(environ.items()):
        upper = name.upper()
        if not upper.startswith(ENV_PREFIX) or upper.startswith(TOOL_ENV_PREFIX) or not value:
            continue
        parts = upper[len(ENV_PREFIX) :].lower().split("__")
        model: type[BaseModel] = spec_model
        for depth, part in enumerate(parts):
            path = parts[: depth + 1]
            dotted = ".".join(path)
            if part not in model.model_fields:
                origin = f"env {name}"
                raise SpecError(unknown_key_message(path, model.model_fields, origin), field=dotted)
            section = section_model(model.model_fields[part].annotation)
            last = depth == len(parts) - 1
            if not last and section is None:
                raise SpecError(
                    f"env {name}: {dotted} is a value, not a section; "
                    f"set {ENV_PREFIX}{'__'.join(path).upper()} instead",
                    field=dotted,
                )
            if last and section is not None and not _is_json_object(value):
                raise SpecError(
                    f"env {name}: {dotted} is a section: set its keys one by one "
                    f"({name}__<KEY>=...) or give a JSON object",
                    field=dotted,
                )
            if section is not None:
                model = section


def _is_json_object(text: str) -> bool:
    try:
        return isinstance(json.loads(text), dict)
    except ValueError:
        return False


class CheckedEnvSource(EnvSettingsSource):
    """pydantic-settings' env source, but a LEAN_* typo is an error instead of ignored."""

    def __call__(self) -> dict[str, Any]:
        check_env(os.environ, self.settings_cls)
        return super().__call__()


# The YAML data of the load_spec() call in progress; a ContextVar keeps concurrent
# loads (threads, asyncio tasks) from seeing each other's file.
_yaml_data: ContextVar[dict[str, Any] | None] = ContextVar("lean_spec_yaml", default=None)


@contextmanager
def yaml_source_data(data: dict[str, Any]) -> Iterator[None]:
    """Make ``data`` what :class:`YamlFileSource` returns within this block (this context)."""
    token = _yaml_data.set(data)
    try:
        yield
    finally:
        _yaml_data.reset(token)


class YamlFileSource(PydanticBaseSettingsSource):
    """The YAML spec: the file given to load_spec(), else the one named by LEAN_CONNECTOR_SPEC."""

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # unused: __call__ returns the whole mapping

    def __call__(self) -> dict[str, Any]:
        data = _yaml_data.get()
        if data is None:
            path = os.environ.get(SPEC_PATH_ENV)
            data = read_spec_file(path, origin=SPEC_PATH_ENV) if path else {}
        return data


def read_spec_file(path: str | os.PathLike[str], *, origin: str = "--spec") -> dict[str, Any]:
    """Parse a YAML spec file into a mapping; SpecError names the path and line."""
    where = f"spec file {os.fspath(path)} (from {origin})"
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError(f"{where} does not exist: check the path") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "it is not UTF-8 text"
        raise SpecError(f"{where} cannot be read: {reason}") from None
    # PyYAML only when there is a file: a Lambda configured by LEAN_* alone never imports it.
    from lean_connector.spec._yaml import parse_yaml

    data = parse_yaml(text, where)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise SpecError(f"{where}: the top level must be a mapping of keys (environment: ...)")
    return data


def spec_file_data(path: str | os.PathLike[str] | None) -> dict[str, Any]:
    """The YAML data of ``path``, else of the file LEAN_CONNECTOR_SPEC names, else {}."""
    if path is not None:
        return read_spec_file(path)
    if os.environ.get(SPEC_PATH_ENV):
        return read_spec_file(os.environ[SPEC_PATH_ENV], origin=SPEC_PATH_ENV)
    return {}
