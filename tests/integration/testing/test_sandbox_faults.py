"""The sandbox's fault switches and counters, exercised with plain requests and sockets.

Each switch misbehaves the way Lean or the network can (latency, 429, 5xx, resets before or
after acting, delays that run out, PENDING, a disconnected entity, a revoked credential, a
token endpoint down), counts down, and is cleared by ``reset()``.
"""

from __future__ import annotations

import socket
import ssl
import threading
import uuid
from typing import Any

import pytest
import requests

from lean_connector.testing.sandbox import LeanSandbox
from tests.support.sandbox_http import Pems, assert_lean_error, session, token
from tests.support.waiting import wait_for

pytestmark = pytest.mark.integration


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
    wait_for(lambda: lean_sandbox.counters.in_flight == 0)  # the abandoned call finishes


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


def test_latency_makes_an_impatient_client_time_out(
    lean_sandbox: LeanSandbox, api: requests.Session
) -> None:
    lean_sandbox.faults.latency_s = 2
    with pytest.raises(requests.exceptions.ReadTimeout):
        api.get(f"{lean_sandbox.api_url}/banks/v1/", timeout=(5, 0.1))
    with pytest.raises(ValueError, match="non-negative number of seconds, got -1"):
        lean_sandbox.faults.latency_s = -1
    wait_for(lambda: lean_sandbox.counters.in_flight == 0)  # the abandoned call finishes


def test_rate_limit_then_ok(lean_sandbox: LeanSandbox, api: requests.Session) -> None:
    lean_sandbox.faults.rate_limit(2, retry_after_s=3)
    url = f"{lean_sandbox.api_url}/banks/v1/"
    for _ in range(2):
        limited = api.get(url)
        assert_lean_error(limited, 429, "RATE_LIMIT_EXCEEDED", "Too many requests")
        assert limited.headers["Retry-After"] == "3"
    assert api.get(url).status_code == 200
    lean_sandbox.faults.rate_limit(1, retry_after_s=None)
    assert "Retry-After" not in api.get(url).headers
    with pytest.raises(ValueError, match="whole seconds"):
        lean_sandbox.faults.rate_limit(1, retry_after_s=0.5)  # type: ignore[arg-type]


def test_unavailable_then_ok(lean_sandbox: LeanSandbox, api: requests.Session) -> None:
    lean_sandbox.faults.unavailable(2, status=502)
    url = f"{lean_sandbox.api_url}/banks/v1/"
    assert_lean_error(api.get(url), 502, "BAD_GATEWAY", "unavailable")
    assert_lean_error(api.get(url), 502, "BAD_GATEWAY", "unavailable")
    assert api.get(url).status_code == 200
    with pytest.raises(ValueError, match="status must be 500-599, got 404"):
        lean_sandbox.faults.unavailable(1, status=404)


def test_reset_connections_only_for_the_chosen_method(
    lean_sandbox: LeanSandbox, api: requests.Session
) -> None:
    lean_sandbox.faults.reset_connections(1, method="POST")
    url = f"{lean_sandbox.api_url}/customers/v1/"
    assert api.get(url).status_code == 200
    with pytest.raises(requests.exceptions.ConnectionError, match="without response"):
        api.post(url, json={"app_user_id": f"user-{uuid.uuid4()}"})
    assert api.post(url, json={"app_user_id": f"user-{uuid.uuid4()}"}).status_code == 200
    assert lean_sandbox.counters.calls[("POST", "/customers/v1/")] == 2


def read_raw_until_closed(connection: socket.socket) -> None:
    while socket.socket.recv(connection, 4096):
        pass


def test_reset_is_a_tcp_rst_after_the_request_is_read(lean_sandbox: LeanSandbox) -> None:
    lean_sandbox.faults.reset_connections(1)
    context = ssl.create_default_context(cadata=lean_sandbox.bundle.ca_chain_pem.decode())
    port = int(lean_sandbox.api_url.rsplit(":", 1)[1])
    with (
        socket.create_connection(("127.0.0.1", port)) as raw,
        context.wrap_socket(raw, server_hostname="127.0.0.1") as tls,
    ):
        tls.sendall(b"GET /banks/v1/ HTTP/1.1\r\nHost: x\r\nlean-app-token: t\r\n\r\n")
        # Below TLS (Python's ssl reports a reset as a ragged EOF): a FIN would end the loop
        # with b"", an RST raises.
        with pytest.raises(ConnectionResetError):
            read_raw_until_closed(tls)
    assert lean_sandbox.counters.calls[("GET", "/banks/v1/")] == 1


def test_pending_then_ready(lean_sandbox: LeanSandbox, api: requests.Session) -> None:
    entity = lean_sandbox.seeded.entity_ids[0]
    url = f"{lean_sandbox.api_url}/data/v2/accounts"
    lean_sandbox.faults.pending(3)
    first = api.get(url, params={"entity_id": entity}).json()
    assert first["status"] == "PENDING"
    assert "data" not in first
    results = f"{lean_sandbox.api_url}/data/v2/results/{first['results_id']}"
    assert [api.get(results).json()["status"] for _ in range(3)] == ["PENDING", "PENDING", "OK"]
    ready = api.get(results).json()
    assert ready["results_id"] == first["results_id"]
    assert len(ready["data"]["accounts"]) == 2
    assert api.get(url, params={"entity_id": entity}).json()["status"] == "OK"
    unknown = api.get(f"{lean_sandbox.api_url}/data/v2/results/{uuid.uuid4()}")
    assert_lean_error(unknown, 404, "UNKNOWN_RESULTS_ID", "has not been recognized")


def test_fail_entity_unauthorized_and_token_endpoint_down(
    lean_sandbox: LeanSandbox, api: requests.Session
) -> None:
    broken, working = lean_sandbox.seed_customers(2, 1, 1, 1).entity_ids
    lean_sandbox.faults.fail_entity(broken)
    url = f"{lean_sandbox.api_url}/data/v2/accounts"
    failed = api.get(url, params={"entity_id": broken})
    assert_lean_error(failed, 404, "UNKNOWN_ENTITY", "no longer connected")
    assert api.get(url, params={"entity_id": working}).status_code == 200
    lean_sandbox.faults.unauthorized(1)
    assert_lean_error(api.get(url, params={"entity_id": working}), 401, "UNAUTHORIZED", "revoked")
    assert api.get(url, params={"entity_id": working}).status_code == 200
    lean_sandbox.faults.token_endpoint_down = True
    assert_lean_error(token(lean_sandbox, api), 503, "SERVICE_UNAVAILABLE", "token service")
    lean_sandbox.faults.token_lifetime_s = 60
    lean_sandbox.faults.token_endpoint_down = False
    assert token(lean_sandbox, api).json()["expires_in"] == 60
    assert lean_sandbox.counters.token_requests == {"api": 2}


def test_reset_clears_faults_and_counters_but_keeps_data(
    lean_sandbox: LeanSandbox, api: requests.Session
) -> None:
    customer = api.post(
        f"{lean_sandbox.api_url}/customers/v1/", json={"app_user_id": f"user-{uuid.uuid4()}"}
    ).json()
    faults = lean_sandbox.faults
    faults.rate_limit(5)
    faults.latency_s = 1
    faults.fail_entity(lean_sandbox.seeded.entity_ids[0])
    lean_sandbox.reset()
    assert lean_sandbox.counters.calls == {}
    assert lean_sandbox.counters.handshakes == {}
    assert faults.latency_s == 0
    assert not faults.entity_failed(lean_sandbox.seeded.entity_ids[0])
    found = api.get(f"{lean_sandbox.api_url}/customers/v1/{customer['customer_id']}")
    assert found.status_code == 200


def test_keep_alive_session_makes_one_handshake(
    lean_sandbox: LeanSandbox, mtls: requests.Session
) -> None:
    entity, account = lean_sandbox.seeded.entity_ids[0], lean_sandbox.seeded.account_ids[0]
    url = f"{lean_sandbox.mtls_url}/data/v2/accounts/{account}/balances"
    for _ in range(20):
        assert mtls.get(url, params={"entity_id": entity}).status_code == 200
    assert lean_sandbox.counters.handshakes == {"mtls": 1}
    assert lean_sandbox.counters.calls == {("GET", "/data/v2/accounts/{account_id}/balances"): 20}


def test_peak_concurrent_requests_counts_calls_served_at_once(
    lean_sandbox: LeanSandbox, pems: Pems
) -> None:
    # Connections are opened (TLS handshakes done) before the timed calls start together,
    # so a slow handshake on a loaded machine cannot keep the three calls apart.
    warmed, go = threading.Barrier(4), threading.Barrier(4)
    url = f"{lean_sandbox.api_url}/banks/v1/"

    def call() -> int:
        with session(pems.ca_chain) as http:
            http.headers["lean-app-token"] = lean_sandbox.app_token
            http.get(url, timeout=10)
            warmed.wait()
            go.wait()
            return http.get(url, timeout=10).status_code

    threads = [threading.Thread(target=call) for _ in range(3)]
    for thread in threads:
        thread.start()
    warmed.wait()
    lean_sandbox.counters.reset()
    lean_sandbox.faults.latency_s = 1.0
    go.wait()
    for thread in threads:
        thread.join()
    assert lean_sandbox.counters.peak_concurrent_requests == 3
    assert lean_sandbox.counters.in_flight == 0
    lean_sandbox.counters.reset()
    assert lean_sandbox.counters.peak_concurrent_requests == 0


def test_malformed_data_breaks_only_that_entitys_transaction_pages(
    lean_sandbox: LeanSandbox, api: requests.Session
) -> None:
    seeded = lean_sandbox.seed_customers(2, 1, 1, 3)
    (broken, fine), accounts = seeded.entity_ids, seeded.account_ids

    def page(entity: str, account: str, number: int = 0) -> Any:
        url = f"{lean_sandbox.api_url}/data/v2/accounts/{account}/transactions"
        return api.get(url, params={"entity_id": entity, "page": number}).json()["data"]

    lean_sandbox.faults.malformed_data(broken, "item_not_object")
    assert page(broken, accounts[0])["transactions"][-1] == 42
    assert all(isinstance(t, dict) for t in page(fine, accounts[1])["transactions"])
    lean_sandbox.faults.malformed_data(broken, "total_pages_not_number")
    assert page(broken, accounts[0])["page"]["total_pages"] == "many"
    lean_sandbox.faults.malformed_data(broken, "page_ignored")
    ignored = page(broken, accounts[0], 7)
    assert ignored["page"]["number"] == 7
    assert ignored["page"]["total_pages"] == 10**9
    assert len(ignored["transactions"]) == 3  # page 0's, whatever was asked
