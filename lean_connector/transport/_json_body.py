"""Request bodies as JSON bytes, with :class:`~decimal.Decimal` sent as an exact JSON number.

Money is best held as ``Decimal`` (``Decimal("100.10")``), and the stdlib encoder refuses it.
Converting it to ``str`` would send ``"100.10"`` (a JSON string, which Lean does not take
as an amount) and converting it to ``float`` could change its digits; so a Decimal is written
as its own digits, unquoted: ``{"amount": 100.10}``. Any other type the stdlib cannot encode
is refused with an :class:`~lean_connector.errors.InvalidRequestError` that names the type
and where it sits, before anything is sent.

The output matches ``json.dumps`` with its default separators, which is what requests sent.
:func:`dumps_json` is the same encoder for output (the CLI's results, the sync job's JSON
Lines): answers parse numbers as ``Decimal``, and they must be written back as the same
digits, not as strings and not through a float.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from lean_connector.errors import InvalidRequestError

__all__ = ["dumps_json", "encode_json"]

_MAX_DEPTH = 100  # deeper than any Lean body; stops a self-referencing structure


@dataclass(frozen=True)
class _Style:
    indent: int | None = None
    sort_keys: bool = False
    item_separator: str = ", "
    key_separator: str = ": "


_BODY = _Style()


def encode_json(value: Any) -> bytes:
    """``value`` as UTF-8 JSON bytes; InvalidRequestError naming any value JSON cannot hold."""
    return _encode(value, "json", 0, _BODY).encode("utf-8")


def dumps_json(
    value: Any, *, indent: int | None = None, sort_keys: bool = False, compact: bool = False
) -> str:
    """``json.dumps`` with ``Decimal`` written as its exact digits.

    ``indent`` and ``sort_keys`` as in ``json.dumps``; ``compact`` uses the separators
    ``(",", ":")``. The text equals ``json.dumps`` for every value it can encode.
    """
    if compact:
        style = _Style(indent, sort_keys, ",", ":")
    else:
        style = _Style(indent, sort_keys, "," if indent is not None else ", ", ": ")
    return _encode(value, "json", 0, style)


def _refuse(value: Any, where: str, why: str) -> InvalidRequestError:
    # The type and the path only: the value may be a secret or personal data.
    return InvalidRequestError(
        f"json body is not JSON-serializable: {type(value).__name__} at {where} {why}"
    )


def _join(parts: list[str], open_: str, close: str, depth: int, style: _Style) -> str:
    if not parts:
        return open_ + close
    if style.indent is None:
        return open_ + style.item_separator.join(parts) + close
    inner = "\n" + " " * (style.indent * (depth + 1))
    return (
        open_
        + inner
        + (style.item_separator + inner).join(parts)
        + "\n"
        + " " * (style.indent * depth)
        + close
    )


def _encode(value: Any, where: str, depth: int, style: _Style) -> str:
    if depth > _MAX_DEPTH:
        raise InvalidRequestError(
            f"json body is nested more than {_MAX_DEPTH} levels at {where}: is it circular?"
        )
    if value is None or isinstance(value, str | bool | int):
        return json.dumps(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _refuse(value, where, "(NaN and infinity are not JSON numbers)")
        return json.dumps(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise _refuse(value, where, "(NaN and infinity are not JSON numbers)")
        # str() of a finite Decimal is a valid JSON number ("100.10", "-0", "1E+2").
        return str(value)
    if isinstance(value, Mapping):
        items = []
        pairs = list(value.items())
        if style.sort_keys:
            pairs.sort(key=lambda pair: str(pair[0]))
        for key, item in pairs:
            if not isinstance(key, str):
                raise _refuse(key, where, "(object keys must be strings)")
            encoded = _encode(item, f"{where}[{key!r}]", depth + 1, style)
            items.append(f"{json.dumps(key)}{style.key_separator}{encoded}")
        return _join(items, "{", "}", depth, style)
    if isinstance(value, list | tuple):
        parts = [_encode(item, f"{where}[{i}]", depth + 1, style) for i, item in enumerate(value)]
        return _join(parts, "[", "]", depth, style)
    raise _refuse(value, where, "(send str, int, float, Decimal, bool, None, dicts and lists only)")
