"""Command results are printed as JSON with Lean's numbers exactly as they arrived."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from lean_connector.cli._common import print_json


def test_decimal_amounts_print_as_the_same_digits(capsys: pytest.CaptureFixture[str]) -> None:
    print_json({"amount": {"amount": Decimal("100.10"), "currency": "AED"}, "count": 2})

    out = capsys.readouterr().out
    assert '"amount": 100.10' in out
    assert json.loads(out, parse_float=Decimal)["amount"]["amount"] == Decimal("100.10")
    assert (
        out
        == json.dumps(
            {"amount": {"amount": 100.1, "currency": "AED"}, "count": 2}, indent=2
        ).replace("100.1", "100.10")
        + "\n"
    )
