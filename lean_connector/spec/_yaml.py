"""YAML spec files: PyYAML with duplicate keys refused and no line of the file echoed.

Imported only when a spec file is read, so a process configured by ``LEAN_*`` alone (a
Lambda function) never imports PyYAML.
"""

from __future__ import annotations

from typing import Any

import yaml

from lean_connector.errors import SpecError

__all__ = ["parse_yaml"]


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys (PyYAML silently keeps the last one)."""


_MERGE_TAG = "tag:yaml.org,2002:merge"


def _construct_unique_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        if key_node.tag == _MERGE_TAG:
            continue  # "<<: *anchor": merged keys may be overridden by the explicit ones
        if isinstance(key_node, yaml.MappingNode | yaml.SequenceNode):
            raise yaml.constructor.ConstructorError(
                None, None, "a mapping or list cannot be a key", key_node.start_mark
            )
        key = loader.construct_object(key_node)
        try:
            duplicate = key in seen
        except TypeError:  # an unhashable key some other way
            raise yaml.constructor.ConstructorError(
                None, None, "a mapping or list cannot be a key", key_node.start_mark
            ) from None
        if duplicate:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_unique_mapping,
)


# A spec is three levels deep. PyYAML's scanner slows down badly (seconds) on thousands of
# nested flow brackets or indentation levels before its composer gives up, so text like
# that is refused before it reaches PyYAML.
_MAX_FLOW_DEPTH = 32
_MAX_INDENT = 128


def _too_deep(text: str) -> bool:
    depth = 0
    quote = ""
    for char in text:
        if quote:
            if char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char in "[{":
            depth += 1
            if depth > _MAX_FLOW_DEPTH:
                return True
        elif char in "]}":
            depth = max(depth - 1, 0)
        elif char == "\n":
            quote = ""  # a stray quote does not hide the rest of the file
    return any(len(line) - len(line.lstrip(" ")) > _MAX_INDENT for line in text.splitlines())


def parse_yaml(text: str, where: str) -> Any:
    """The YAML document in ``text``; SpecError naming ``where`` and the line, not its text."""
    if _too_deep(text):
        raise SpecError(
            f"{where}: the YAML is nested too deeply (more than {_MAX_FLOW_DEPTH} brackets or "
            f"{_MAX_INDENT} spaces of indentation): a spec is sections of plain keys; fix the file"
        )
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        # Only the problem and position: PyYAML's own text quotes the offending line,
        # which may hold a secret.
        mark = exc.problem_mark
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise SpecError(f"{where}: YAML error{at}: {exc.problem}; fix the YAML there") from None
    except yaml.YAMLError:
        raise SpecError(f"{where}: not valid YAML; fix the file") from None
    except RecursionError:  # PyYAML composes nested nodes recursively
        raise SpecError(
            f"{where}: the YAML is nested too deeply: a spec is sections of plain keys; "
            "fix the file"
        ) from None
