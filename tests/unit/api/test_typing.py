"""The typed answers and webhook payloads reach a user's type checker: ``mypy --strict``
catches a misspelt key.

mypy runs as a subprocess from the venv over two small user snippets, one with a typo in a
response key and one without; only the first may fail, naming the key.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SNIPPET = """\
from decimal import Decimal

from lean_connector import LeanConnector
from lean_connector.webhooks import PaymentUpdated, parse_event


def pay(lean: LeanConnector) -> str:
    intent = lean.payments.create_intent(
        amount=Decimal("10.00"), currency="AED", customer_id="c-1"
    )
    total = intent["amount"] + Decimal("1")
    for transaction in lean.data.transactions(
        "a-1", entity_id="e-1", start_date="2026-01-01", end_date="2026-01-31"
    ):
        total += transaction["amount"]["amount"]
    return str(total) + intent[{key!r}]


def status(raw: bytes) -> str:
    event = parse_event(raw)
    if isinstance(event, PaymentUpdated):
        return event.payload[{event_key!r}]
    return event.type
"""

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.timeout(600)
def test_mypy_strict_catches_a_misspelt_response_key(tmp_path: Path) -> None:
    (tmp_path / "typo.py").write_text(SNIPPET.format(key="paymnet_id", event_key="staus"))
    (tmp_path / "right.py").write_text(SNIPPET.format(key="payment_intent_id", event_key="status"))

    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-error-summary",
            "--cache-dir",
            str(ROOT / ".mypy_cache"),
            str(tmp_path / "typo.py"),
            str(tmp_path / "right.py"),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )

    errors = [line for line in run.stdout.splitlines() if ": error:" in line]
    assert run.returncode == 1, run.stdout + run.stderr
    assert errors, textwrap.indent(run.stdout, "  ")
    assert all("typo.py:" in line for line in errors), run.stdout  # right.py passes
    assert any('TypedDict "PaymentIntent" has no key "paymnet_id"' in line for line in errors)
    assert any('TypedDict "PaymentEventPayload" has no key "staus"' in line for line in errors)
