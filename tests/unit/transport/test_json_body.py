"""Request bodies: Decimal as an exact JSON number, the stdlib's output otherwise."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from lean_connector.errors import InvalidRequestError
from lean_connector.transport import dumps_json, encode_json


@pytest.mark.parametrize(
    ("amount", "wire"),
    [
        (Decimal("100.10"), "100.10"),
        (Decimal("0.00"), "0.00"),
        (Decimal("-0"), "-0"),
        (Decimal("1E+2"), "1E+2"),
        (Decimal("12345678901234567890.123456789"), "12345678901234567890.123456789"),
    ],
)
def test_decimal_is_sent_with_its_own_digits_as_a_json_number(amount: Decimal, wire: str) -> None:
    encoded = encode_json({"amount": amount})
    assert encoded == f'{{"amount": {wire}}}'.encode()
    assert json.loads(encoded, parse_float=Decimal)["amount"] == amount


@pytest.mark.parametrize(
    "body",
    [
        {"app_user_id": "u-1"},
        {"a": [1, 2.5, True, None, 'é\n"q"'], "b": {"c": []}, "d": {}},
        [],
        "text",
        7,
    ],
)
def test_other_bodies_match_the_stdlib_byte_for_byte(body: Any) -> None:
    assert encode_json(body) == json.dumps(body).encode()


def test_circular_body_is_refused() -> None:
    body: dict[str, Any] = {}
    body["self"] = body
    with pytest.raises(InvalidRequestError, match=r"nested more than 100 levels .*circular"):
        encode_json(body)


def test_refusal_names_the_type_and_place_not_the_value() -> None:
    class Secretish:
        def __repr__(self) -> str:
            return "SECRET-VALUE-123"

    with pytest.raises(InvalidRequestError) as caught:
        encode_json({"payer": [{"token": Secretish()}]})
    assert str(caught.value) == (
        "json body is not JSON-serializable: Secretish at json['payer'][0]['token'] "
        "(send str, int, float, Decimal, bool, None, dicts and lists only)"
    )


# -- output: the same encoder for what the CLI prints and the sync job writes --------------

SAMPLES: list[Any] = [
    {},
    [],
    {"a": [], "b": {}, "c": [1, {"d": None}], "é": 'ü\n"', "z": True, "y": False},
    [1, 2.5, "x", None, [[], [{}]]],
    {"b": 1, "a": {"d": 2, "c": [3, 4]}},
    "text",
    3,
]


@pytest.mark.parametrize("value", SAMPLES)
@pytest.mark.parametrize(
    "options",
    [
        {},
        {"indent": 2},
        {"sort_keys": True},
        {"indent": 2, "sort_keys": True},
        {"compact": True, "sort_keys": True},
    ],
)
def test_dumps_json_equals_json_dumps_without_decimals(value: Any, options: dict[str, Any]) -> None:
    expected_options = dict(options)
    if expected_options.pop("compact", False):
        expected_options["separators"] = (",", ":")
    assert dumps_json(value, **options) == json.dumps(value, **expected_options)


def test_dumps_json_writes_decimals_as_their_digits() -> None:
    row = {"amount": {"amount": Decimal("112429.70"), "currency": "AED"}, "n": 3}

    assert dumps_json(row, compact=True, sort_keys=True) == (
        '{"amount":{"amount":112429.70,"currency":"AED"},"n":3}'
    )
    assert dumps_json([Decimal("0.1")], indent=2) == "[\n  0.1\n]"
