"""The sandbox's fault switches that make a call fail after Lean acted on it.

Plain requests against the running sandbox: a reset after acting still creates the
customer, a delayed call is handled after the client gave up, and both run out.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from lean_connector.testing.sandbox import LeanSandbox

pytestmark = pytest.mark.integration


@pytest.fixture
def api(lean_sandbox: LeanSandbox, tmp_path: Path) -> Iterator[requests.Session]:
    ca_chain = tmp_path / "ca_chain.pem"
    ca_chain.write_bytes(lean_sandbox.bundle.ca_chain_pem)
    with requests.Session() as http:
        http.trust_env = False
        http.verify = str(ca_chain)
        http.headers["lean-app-token"] = lean_sandbox.app_token
        yield http


def test_reset_after_acting_creates_the_customer_but_loses_the_answer(
    lean_sandbox: LeanSandbox, api: requests.Session
) -> None:
    lean_sandbox.faults.reset_connections(1, method="POST", after_acting=True)
    app_user_id = f"acted-{uuid.uuid4()}"
    url = f"{lean_sandbox.api_url}/customers/v1/"

    with pytest.raises(requests.exceptions.ConnectionError):
        api.post(url, json={"app_user_id": app_user_id})

    found = api.get(f"{lean_sandbox.api_url}/customers/v1/app-user-id/{app_user_id}")
    assert found.status_code == 200
    assert found.json()["app_user_id"] == app_user_id
    again = api.post(url, json={"app_user_id": app_user_id})
    assert again.status_code == 409
    assert again.json()["status"] == "CUSTOMER_ALREADY_EXISTS"


def test_plain_reset_creates_nothing(lean_sandbox: LeanSandbox, api: requests.Session) -> None:
    lean_sandbox.faults.reset_connections(1, method="POST")
    app_user_id = f"not-acted-{uuid.uuid4()}"

    with pytest.raises(requests.exceptions.ConnectionError):
        api.post(f"{lean_sandbox.api_url}/customers/v1/", json={"app_user_id": app_user_id})

    missing = api.get(f"{lean_sandbox.api_url}/customers/v1/app-user-id/{app_user_id}")
    assert missing.status_code == 404


def test_delay_runs_out_and_still_handles_the_abandoned_call(
    lean_sandbox: LeanSandbox, api: requests.Session
) -> None:
    lean_sandbox.faults.delay(1, 1.0, method="GET")
    url = f"{lean_sandbox.api_url}/banks/v1/"

    with pytest.raises(requests.exceptions.ReadTimeout):
        api.get(url, timeout=(5, 0.2))
    assert api.get(url, timeout=(5, 5)).status_code == 200  # the delay is used up
    assert lean_sandbox.counters.calls[("GET", "/banks/v1/")] == 2


def test_delay_only_for_the_chosen_method_and_checks_its_arguments(
    lean_sandbox: LeanSandbox, api: requests.Session
) -> None:
    lean_sandbox.faults.delay(1, 5.0, method="POST")
    assert api.get(f"{lean_sandbox.api_url}/banks/v1/", timeout=(5, 2)).status_code == 200
    lean_sandbox.reset()
    with pytest.raises(ValueError, match=r"faults\.delay: n must be a non-negative int, got -1"):
        lean_sandbox.faults.delay(-1, 1.0)
    with pytest.raises(ValueError, match="non-negative number of seconds, got -2"):
        lean_sandbox.faults.delay(1, -2)
