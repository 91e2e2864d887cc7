"""``sync`` without customers against a server that ignores the paging names it is sent.

Such a server answers page 0 to every page request, with a ``total_pages`` that promises
more. The connector is real; only its transport is scripted (``MockTransport``): the
listing must end after the repeat, and each customer is synced once.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lean_connector.auth import AppTokenCredential
from lean_connector.client import LeanConnector
from lean_connector.spec import load_spec
from lean_connector.sync import run_sync
from lean_connector.testing import MockTransport
from lean_connector.testing._mock_transport import RecordedRequest, response
from lean_connector.transport import HttpResponse

CUSTOMERS = [{"customer_id": f"c-{i}", "app_user_id": f"u-{i}"} for i in range(45)]


def ignores_paging_names(request: RecordedRequest) -> HttpResponse:
    if request.path == "/customers/v1":
        page = {"number": 0, "size": 10, "total_elements": 45, "total_pages": 5}
        return response(200, {"data": CUSTOMERS[:10], "page": page})
    assert request.path.endswith("/entities"), request.path
    return response(200, [])  # no entities: the listing is what is under test


def test_sync_without_customers_neither_loops_nor_duplicates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LEAN_CONNECTOR_SPEC", raising=False)
    spec = load_spec(None, environment="sandbox", auth={"mode": "app_token", "app_token": "t"})
    transport = MockTransport(handler=ignores_paging_names)
    connector = LeanConnector(spec, transport=transport, credential=AppTokenCredential(lambda: "t"))

    run_sync(connector, output=str(tmp_path), run_id="r1", progress=False)

    listings = [r for r in transport.requests if r.path == "/customers/v1"]
    assert [r.params for r in listings] == [
        {"page_number": 0, "page_size": 50},
        {"page_number": 1, "page_size": 50},
    ]
    per_customer = [r.path for r in transport.requests if r.path.endswith("/entities")]
    assert sorted(per_customer) == sorted(f"/customers/v1/c-{i}/entities" for i in range(10))
