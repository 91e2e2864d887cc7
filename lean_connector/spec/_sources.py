"""Where the spec's data comes from: the YAML file and the checked ``LEAN_*`` environment.

Part of the spec (``_model`` builds the model and merges these sources, the package
re-exports the public names). A YAML file is parsed by ``_yaml`` (PyYAML, imported only
when there is a file) with duplicate keys refused and without echoing its lines (they may
hold a secret); a ``LEAN_*`` variable that names no spec field is an error, not ignored.

The environment is read here rather than by pydantic-settings, with the rules its env
source had (names case-insensitive, ``__`` between levels, empty = unset, ``null`` = None, a
section as one JSON object whose keys its nested variables override): importing
pydantic-settings (its CLI, dotenv and cloud sources come along) cost a Lambda cold start
more than the whole spec model.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, get_args, get_origin

from pydantic import BaseModel

from lean_connector.errors import SpecError
from lean_connector.spec._fields import printable
from lean_connector.spec._rules import unknown_key_message

__all__ = [
    "ENV_PREFIX",
    "SPEC_PATH_ENV",
    "TOOL_ENV_PREFIX",
    "check_env",
    "deep_merge",
    "env_data",
    "read_spec_file",
    "section_model",
    "spec_file_data",
]

SPEC_PATH_ENV = "LEAN_CONNECTOR_SPEC"
# A spec is three levels deep; anything far deeper is a mistake or an attack on the parser.
MAX_NESTING = 32
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
    """Refuse LEAN_* variables naming no field of ``spec_model``, a non-JSON section value,
    JSON nested too deeply, or two names that differ only in case."""
    _refuse_case_twins(environ)
    for raw_name, value in sorted(environ.items()):
        upper = raw_name.upper()
        name = printable(raw_name)
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
            if last and section is not None and _too_deep(value):
                raise SpecError(
                    f"env {name}: its JSON is nested too deeply (more than {MAX_NESTING} "
                    f"levels): {dotted} is a section of plain keys",
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


def _refuse_case_twins(environ: Mapping[str, str]) -> None:
    """Two set LEAN_* names that differ only in case: which one wins would depend on the
    order the environment lists them, so neither is taken."""
    by_upper: dict[str, list[str]] = {}
    for name, value in environ.items():
        upper = name.upper()
        if upper.startswith(ENV_PREFIX) and not upper.startswith(TOOL_ENV_PREFIX) and value:
            by_upper.setdefault(upper, []).append(name)
    for upper, names in sorted(by_upper.items()):
        if len(names) > 1:
            dotted = ".".join(upper[len(ENV_PREFIX) :].lower().split("__"))
            raise SpecError(
                f"env {' and '.join(printable(n) for n in sorted(names))} both set "
                f"{printable(dotted)} (names differ only in "
                "case): unset all but one",
                field=dotted,
            )


def _too_deep(text: str) -> bool:
    """True when JSON ``text`` opens more than MAX_NESTING arrays/objects at once.

    Counted on the text, so json.loads never recurses into it."""
    depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > MAX_NESTING:
                return True
        elif char in "]}":
            depth -= 1
    return False


def _depth(data: Any) -> int:
    """Nesting depth of parsed YAML, without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        if deepest > MAX_NESTING:
            break
        if isinstance(node, dict):
            stack.extend((child, level + 1) for child in node.values())
        elif isinstance(node, list):
            stack.extend((child, level + 1) for child in node)
    return deepest


def _is_json_object(text: str) -> bool:
    try:
        return isinstance(json.loads(text), dict)
    except ValueError:
        return False


_NULL = "null"
_COMPLEX_ORIGINS = (list, tuple, set, frozenset, dict)


def _is_spec_variable(name: str, value: str) -> bool:
    upper = name.upper()
    return upper.startswith(ENV_PREFIX) and not upper.startswith(TOOL_ENV_PREFIX) and value != ""


def _is_complex(annotation: Any) -> bool:
    """A value given as JSON in the environment: a model, a list, a dict, ..."""
    for candidate in (annotation, *get_args(annotation)):
        if section_model(candidate) is not None or get_origin(candidate) in _COMPLEX_ORIGINS:
            return True
        if isinstance(candidate, type) and issubclass(candidate, _COMPLEX_ORIGINS):
            return True
    return False


def _match_field_names(model: type[BaseModel], data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with its keys matched to ``model``'s field names whatever their case."""
    by_lower = {name.lower(): name for name in model.model_fields}
    matched = {}
    for key, value in data.items():
        name = by_lower.get(key.lower(), key) if isinstance(key, str) else key
        field = model.model_fields.get(name)
        section = section_model(field.annotation) if field is not None else None
        matched[name] = (
            _match_field_names(section, value)
            if section is not None and isinstance(value, dict)
            else value
        )
    return matched


def env_data(environ: Mapping[str, str], spec_model: type[BaseModel]) -> dict[str, Any]:
    """The spec's ``LEAN_*`` variables as nested data; SpecError for one that names no field.

    ``LEAN_AUTH__MODE=oauth`` is ``{"auth": {"mode": "oauth"}}``. Names are case-insensitive,
    an empty value is unset, ``null`` is None, and a section or other structured value may
    be given whole as JSON (``LEAN_AUTH='{"mode": "oauth"}'``); variables nested under a
    section given whole override its keys.
    """
    check_env(environ, spec_model)
    data: dict[str, Any] = {}
    nested: list[tuple[list[str], str]] = []
    for name, value in sorted(environ.items()):
        if not _is_spec_variable(name, value):
            continue
        path = name.upper()[len(ENV_PREFIX) :].lower().split("__")
        if len(path) > 1:
            nested.append((path, value))
            continue
        data[path[0]] = _env_value(spec_model, path[0], value)
    for path, value in nested:
        model, node = spec_model, data
        for key in path[:-1]:
            section = section_model(model.model_fields[key].annotation)
            assert section is not None  # check_env refused a path through a value
            child = node.get(key)
            if not isinstance(child, dict):
                child = node[key] = {}
            model, node = section, child
        node[path[-1]] = _env_value(model, path[-1], value)
    return data


def _env_value(model: type[BaseModel], name: str, value: str) -> Any:
    if value == _NULL:
        return None
    annotation = model.model_fields[name].annotation
    if not _is_complex(annotation):
        return value
    try:
        decoded = json.loads(value)
    except ValueError:
        return value  # pydantic says what the field expects
    section = section_model(annotation)
    if section is not None and isinstance(decoded, dict):
        return _match_field_names(section, decoded)
    return decoded


def deep_merge(*layers: Mapping[str, Any]) -> dict[str, Any]:
    """The layers merged, later ones winning; mappings merge key by key, other values replace."""
    merged: dict[str, Any] = {}
    for layer in layers:
        for key, value in layer.items():
            current = merged.get(key)
            if isinstance(value, Mapping) and isinstance(current, Mapping):
                merged[key] = deep_merge(current, value)
            else:
                merged[key] = value
    return merged


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
    if _depth(data) > MAX_NESTING:
        raise SpecError(
            f"{where}: the YAML is nested too deeply (more than {MAX_NESTING} levels): a spec "
            "is sections of plain keys; fix the file"
        )
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
