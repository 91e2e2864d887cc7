"""The local Lean sandbox, exercised with plain requests/ssl (not lean_connector.transport).

Everything is real: two HTTPS listeners on 127.0.0.1, real TLS handshakes with the test PKI,
real RSA-signed JWTs. A client that is wrong must fail here the way it would against Lean.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import signal
import socket
import ssl
import stat
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from lean_connector.spec import load_spec, resolve_endpoints
from lean_connector.testing.certs import issue_cert, make_ca
from lean_connector.testing.sandbox import DataStore, LeanSandbox
from tests.support.waiting import wait_for

pytestmark = pytest.mark.integration

# The fixtures come from the pytest11 entry point once the package is installed (`make
# install`); from a plain checkout, register the plugin here instead (never both: pluggy
# refuses the same module twice).

TODAY = dt.date.today()


def session(verify: Path, cert: tuple[Path, Path] | None = None) -> requests.Session:
    """A Session trusting exactly ``verify``: trust_env off, else REQUESTS_CA_BUNDLE wins."""
    http = requests.Session()
    http.trust_env = False
    http.verify = str(verify)
    http.cert = (str(cert[0]), str(cert[1])) if cert else None
    return http


def assert_lean_error(response: requests.Response, status: int, code: str, text: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"timestamp", "status", "message", "metadata"}
    assert body["status"] == code
    assert text in body["message"]
    dt.datetime.strptime(body["timestamp"], "%Y-%m-%dT%H:%M:%S.%fZ")
    assert uuid.UUID(response.headers["lean-correlation-id"]).version == 4
    assert uuid.UUID(response.headers["lean-trace-id"]).version == 4


class Pems:
    def __init__(self, sandbox: LeanSandbox, directory: Path) -> None:
        def write(name: str, data: bytes) -> Path:
            (directory / name).write_bytes(data)
            return directory / name

        bundle = sandbox.bundle
        self.ca_chain = write("ca_chain.pem", bundle.ca_chain_pem)
        self.root = write("root.pem", bundle.root.cert_pem)
        self.leaf = write("leaf.pem", bundle.client.cert_pem)
        self.leaf_chain = write("leaf_chain.pem", bundle.client_cert_with_chain_pem)
        self.key = write("key.pem", bundle.client.key_pem)
        other = issue_cert(make_ca("Someone Else's Root"), "intruder")
        self.other_cert = write("other.pem", other.cert_pem)
        self.other_key = write("other_key.pem", other.key_pem)


@pytest.fixture
def pems(lean_sandbox: LeanSandbox, tmp_path: Path) -> Pems:
    return Pems(lean_sandbox, tmp_path)


@pytest.fixture
def mtls(lean_sandbox: LeanSandbox, pems: Pems) -> Iterator[requests.Session]:
    with session(pems.ca_chain, (pems.leaf_chain, pems.key)) as http:
        http.headers["lean-app-token"] = lean_sandbox.app_token
        yield http


@pytest.fixture
def api(lean_sandbox: LeanSandbox, pems: Pems) -> Iterator[requests.Session]:
    with session(pems.ca_chain) as http:
        http.headers["lean-app-token"] = lean_sandbox.app_token
        yield http


def token(sandbox: LeanSandbox, http: requests.Session, **form: str) -> requests.Response:
    fields = {
        "client_id": sandbox.client_id,
        "client_secret": sandbox.client_secret,
        "grant_type": "client_credentials",
        "scope": "api",
    }
    return http.post(sandbox.token_url, data={**fields, **form}, headers={"lean-app-token": None})


# -- mTLS listener ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("verify", "cert", "alert"),
    [
        ("ca_chain", None, "certificate required"),  # no client certificate at all
        ("ca_chain", ("other_cert", "other_key"), "unknown ca"),  # from another CA
        ("root", ("leaf", "key"), "unknown ca"),  # leaf only; the server trusts only the root
    ],
    ids=["no-cert", "other-ca", "leaf-without-intermediate"],
)
def test_mtls_listener_refuses_clients_it_cannot_chain_to_its_root(
    lean_sandbox: LeanSandbox,
    pems: Pems,
    verify: str,
    cert: tuple[str, str] | None,
    alert: str,
) -> None:
    client_cert = (getattr(pems, cert[0]), getattr(pems, cert[1])) if cert else None
    with (
        session(getattr(pems, verify), client_cert) as http,
        pytest.raises(requests.exceptions.ConnectionError) as refused,
    ):
        http.get(f"{lean_sandbox.mtls_url}/banks/v1/", headers={"lean-app-token": "x"})
    assert alert in str(refused.value).lower()
    wait_for(lambda: lean_sandbox.counters.handshake_failures["mtls"] == 1)
    assert lean_sandbox.counters.handshakes["mtls"] == 0
    assert lean_sandbox.counters.calls == {}


@pytest.mark.parametrize(("verify", "cert"), [("root", "leaf_chain"), ("ca_chain", "leaf")])
def test_mtls_listener_accepts_a_complete_chain(
    lean_sandbox: LeanSandbox, pems: Pems, verify: str, cert: str
) -> None:
    # leaf+intermediate sent explicitly, or OpenSSL completing the chain from the verify store
    with session(getattr(pems, verify), (getattr(pems, cert), pems.key)) as http:
        response = http.get(
            f"{lean_sandbox.mtls_url}/banks/v1/", headers={"lean-app-token": lean_sandbox.app_token}
        )
    assert response.status_code == 200
    assert {bank["identifier"] for bank in response.json()} >= {"ENBD_UAE", "ALRAJHI_KSA"}
    assert lean_sandbox.counters.handshakes["mtls"] == 1


def test_mtls_listener_requires_the_matching_app_token(
    lean_sandbox: LeanSandbox, mtls: requests.Session
) -> None:
    url = f"{lean_sandbox.mtls_url}/banks/v1/"
    assert_lean_error(
        mtls.get(url, headers={"lean-app-token": None}), 401, "UNAUTHORIZED", "lean-app-token"
    )
    wrong = mtls.get(url, headers={"lean-app-token": "not-the-token"})
    assert_lean_error(wrong, 401, "CERTIFICATE_TOKEN_MISMATCH", "does not belong")
    assert mtls.get(url).status_code == 200


def test_both_auth_headers_together_are_refused_on_both_listeners(
    lean_sandbox: LeanSandbox, mtls: requests.Session, api: requests.Session
) -> None:
    bearer = token(lean_sandbox, api).json()["access_token"]
    for http, base in ((mtls, lean_sandbox.mtls_url), (api, lean_sandbox.api_url)):
        both = http.get(f"{base}/banks/v1/", headers={"Authorization": f"Bearer {bearer}"})
        assert_lean_error(both, 400, "INVALID_PARAMETERS", "not both")


def test_api_listener_takes_the_app_token_or_nothing(
    lean_sandbox: LeanSandbox, api: requests.Session
) -> None:
    url = f"{lean_sandbox.api_url}/banks/v1/"
    assert api.get(url).status_code == 200
    assert_lean_error(
        api.get(url, headers={"lean-app-token": "wrong"}), 401, "UNAUTHORIZED", "not valid"
    )
    anonymous = api.get(url, headers={"lean-app-token": None})
    assert_lean_error(anonymous, 401, "UNAUTHORIZED", "Authentication required")
    assert lean_sandbox.counters.handshakes["api"] == 1


# -- OAuth -----------------------------------------------------------------------------------


def test_token_flow_issues_verifiable_rs256_jwts(
    lean_sandbox: LeanSandbox, api: requests.Session
) -> None:
    response = token(lean_sandbox, api)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "scope"}
    assert (body["token_type"], body["expires_in"], body["scope"]) == ("bearer", 3599, "api")
    header = json.loads(base64.urlsafe_b64decode(body["access_token"].split(".")[0] + "=="))
    assert (header["alg"], header["typ"]) == ("RS256", "JWT")
    claims = lean_sandbox.verify_jwt(body["access_token"])
    assert claims["sub"] == lean_sandbox.client_id
    assert claims["scope"] == "api"
    assert claims["exp"] - claims["iat"] == 3599
    assert claims["iss"] == lean_sandbox.auth_url
    uuid.UUID(claims["jti"])
    bearer = {"lean-app-token": None, "Authorization": f"Bearer {body['access_token']}"}
    assert api.get(f"{lean_sandbox.api_url}/banks/v1/", headers=bearer).status_code == 200
    assert lean_sandbox.counters.token_requests == {"api": 1}


def test_customer_tokens_are_for_the_link_sdk_not_the_api(
    lean_sandbox: LeanSandbox, api: requests.Session
) -> None:
    customer_id = lean_sandbox.seeded.customer_ids[0]
    response = token(lean_sandbox, api, scope=f"customer.{customer_id}")
    assert response.json()["scope"] == f"customer.{customer_id}"
    bearer = {"lean-app-token": None, "Authorization": f"Bearer {response.json()['access_token']}"}
    refused = api.get(f"{lean_sandbox.api_url}/banks/v1/", headers=bearer)
    assert_lean_error(refused, 403, "INSUFFICIENT_ACCESS_LEVEL", "use scope=api")


@pytest.mark.parametrize(
    ("form", "status", "error"),
    [
        ({"client_secret": "regenerated-in-dashboard"}, 401, "invalid_client"),
        ({"client_id": str(uuid.uuid4())}, 401, "invalid_client"),
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
        ({"scope": "admin"}, 400, "invalid_scope"),
        ({"scope": f"customer.{uuid.uuid4()}"}, 400, "invalid_scope"),
        ({"scope": ""}, 400, "invalid_request"),
    ],
)
def test_token_endpoint_errors_are_oauth_shaped(
    lean_sandbox: LeanSandbox, api: requests.Session, form: dict[str, str], status: int, error: str
) -> None:
    response = token(lean_sandbox, api, **form)
    assert response.status_code == status
    assert response.json()["error"] == error
    assert response.json()["error_description"]
    assert lean_sandbox.counters.token_requests.total() == 1


def test_token_endpoint_wants_a_form_not_json(
    lean_sandbox: LeanSandbox, api: requests.Session
) -> None:
    response = api.post(lean_sandbox.token_url, json={"client_id": lean_sandbox.client_id})
    assert response.status_code == 400
    assert "x-www-form-urlencoded" in response.json()["error_description"]


@pytest.mark.parametrize(
    ("make_token", "reason"),
    [
        (lambda s: "not.a.jwt", "header is not JSON"),
        (lambda s: "a.b", "three dot-separated parts"),
        (lambda s: s.sign_jwt({"iss": s.auth_url, "exp": 1, "scope": "api"}), "expired"),
        (lambda s: s.sign_jwt({"iss": "elsewhere", "exp": 2**40}), "another issuer"),
    ],
)
def test_bad_bearer_tokens_get_401_with_the_reason(
    lean_sandbox: LeanSandbox,
    api: requests.Session,
    make_token: Callable[[LeanSandbox], str],
    reason: str,
) -> None:
    bearer = {"lean-app-token": None, "Authorization": f"Bearer {make_token(lean_sandbox)}"}
    response = api.get(f"{lean_sandbox.api_url}/banks/v1/", headers=bearer)
    assert_lean_error(response, 401, "UNAUTHORIZED", reason)


def test_forged_tokens_fail_verification(lean_sandbox: LeanSandbox, api: requests.Session) -> None:
    head, claims, signature = token(lean_sandbox, api).json()["access_token"].split(".")
    forged_claims = json.loads(base64.urlsafe_b64decode(claims + "=="))
    forged_claims["sub"] = "someone-else"
    forged = base64.urlsafe_b64encode(json.dumps(forged_claims).encode()).rstrip(b"=").decode()
    with pytest.raises(ValueError, match="signature does not match"):
        lean_sandbox.verify_jwt(f"{head}.{forged}.{signature}")
    unsigned = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode()
    with pytest.raises(ValueError, match="'none' is not RS256"):
        lean_sandbox.verify_jwt(f"{unsigned}.{claims}.")


# -- endpoints and data ----------------------------------------------------------------------


def test_customers_create_get_and_conflict(
    lean_sandbox: LeanSandbox, api: requests.Session
) -> None:
    base, app_user_id = f"{lean_sandbox.api_url}/customers/v1", f"user-{uuid.uuid4()}"
    created = api.post(f"{base}/", json={"app_user_id": app_user_id})
    assert created.status_code == 200
    customer = created.json()
    assert set(customer) == {"customer_id", "app_user_id"}
    assert api.get(f"{base}/app-user-id/{app_user_id}").json() == customer
    assert api.get(f"{base}/{customer['customer_id']}").json() == customer
    again = api.post(f"{base}/", json={"app_user_id": app_user_id})
    assert_lean_error(again, 409, "CUSTOMER_ALREADY_EXISTS", app_user_id)
    assert_lean_error(api.post(f"{base}/", json={}), 400, "MISSING_PARAMETERS", "app_user_id")
    form = api.post(f"{base}/", data={"app_user_id": "x"})
    assert_lean_error(form, 400, "INVALID_PARAMETERS", "application/json")
    unknown = api.get(f"{base}/{uuid.uuid4()}")
    assert_lean_error(unknown, 404, "UNKNOWN_ENTITY", "no customer")
    assert api.get(f"{base}/{customer['customer_id']}/entities").json() == []


def test_routes_are_exact(lean_sandbox: LeanSandbox, api: requests.Session) -> None:
    assert_lean_error(api.get(f"{lean_sandbox.api_url}/banks/v1"), 404, "NOT_FOUND", "/banks/v1")
    delete = api.delete(f"{lean_sandbox.api_url}/banks/v1/")
    assert_lean_error(delete, 405, "METHOD_NOT_ALLOWED", "DELETE")
    assert lean_sandbox.counters.calls[("GET", "<unmatched>")] == 1


def test_pagination_of_customers_and_transactions(
    lean_sandbox: LeanSandbox, api: requests.Session
) -> None:
    seeded = lean_sandbox.seed_customers(1, 1, 1, 120)
    entity, account = seeded.entity_ids[0], seeded.account_ids[0]
    url = f"{lean_sandbox.api_url}/data/v2/accounts/{account}/transactions"
    window = {
        "entity_id": entity,
        "start_date": str(TODAY - dt.timedelta(days=100)),
        "end_date": str(TODAY),
    }
    pages = [api.get(url, params={**window, "page": str(n), "size": "50"}).json() for n in range(4)]
    assert [len(p["data"]) for p in pages] == [50, 50, 20, 0]
    assert pages[0]["page"] == {"number": 0, "size": 50, "total_elements": 120, "total_pages": 3}
    assert {p["status"] for p in pages} == {"OK"}
    assert len({p["results_id"] for p in pages}) == 4
    assert len({t["transaction_id"] for p in pages for t in p["data"]}) == 120
    listed = api.get(f"{lean_sandbox.api_url}/customers/v1/", params={"page": 1, "size": 1}).json()
    assert listed["page"]["number"] == 1
    assert len(listed["data"]) == 1
    assert listed["page"]["total_elements"] == listed["page"]["total_pages"] >= 3
    cases: list[tuple[dict[str, str], str, str]] = [
        ({"size": "101"}, "INVALID_PARAMETERS", "size must be an integer from 1 to 100"),
        ({"page": "-1"}, "INVALID_PARAMETERS", "page must be an integer"),
        ({"start_date": "01/02/2025"}, "INVALID_PARAMETERS", "start_date must be a date"),
        ({"end_date": ""}, "MISSING_PARAMETERS", "end_date is required"),
        ({"entity_id": ""}, "MISSING_PARAMETERS", "entity_id is required"),
    ]
    for params, code, text in cases:
        assert_lean_error(api.get(url, params={**window, **params}), 400, code, text)


def test_data_endpoints_check_that_ids_belong_together(
    lean_sandbox: LeanSandbox, api: requests.Session
) -> None:
    seeded = lean_sandbox.seed_customers(2, 1, 1, 3)
    base = f"{lean_sandbox.api_url}/data/v2/accounts"
    accounts = api.get(base, params={"entity_id": seeded.entity_ids[0]}).json()
    assert [a["account_id"] for a in accounts["data"]] == [seeded.account_ids[0]]
    balances = api.get(
        f"{base}/{seeded.account_ids[0]}/balances", params={"entity_id": seeded.entity_ids[0]}
    ).json()
    assert {b["type"] for b in balances["data"]} == {"CLOSING_AVAILABLE", "INTERIM_BOOKED"}
    foreign = api.get(
        f"{base}/{seeded.account_ids[1]}/balances", params={"entity_id": seeded.entity_ids[0]}
    )
    assert_lean_error(foreign, 404, "UNKNOWN_ENTITY", "under entity")
    entities = api.get(f"{lean_sandbox.api_url}/customers/v1/{seeded.customer_ids[0]}/entities")
    assert [e["id"] for e in entities.json()] == [seeded.entity_ids[0]]


def test_seeded_data_is_deterministic() -> None:
    first, second = DataStore(7), DataStore(7)
    assert first.seed_customers(3, 2, 2, 5) == second.seed_customers(3, 2, 2, 5)
    assert first.customers() == second.customers()
    assert DataStore(8).seed_customers(3, 2, 2, 5) != DataStore(7).seed_customers(3, 2, 2, 5)


def test_payment_intents_honour_idempotency_keys(
    lean_sandbox: LeanSandbox, api: requests.Session
) -> None:
    url = f"{lean_sandbox.api_url}/payments/v1/intents"
    intent = {
        "amount": 250.5,
        "currency": "AED",
        "customer_id": lean_sandbox.seeded.customer_ids[0],
    }
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first, repeat = api.post(url, json=intent, headers=key), api.post(url, json=intent, headers=key)
    assert first.status_code == repeat.status_code == 200
    assert first.json() == repeat.json()
    assert first.json()["amount"] == 250.5
    assert lean_sandbox.counters.idempotency_keys[key["Idempotency-Key"]] == 2
    changed = api.post(url, json={**intent, "amount": 1}, headers=key)
    assert_lean_error(changed, 400, "INVALID_PARAMETERS", "different request body")
    unkeyed = [api.post(url, json=intent).json()["payment_intent_id"] for _ in range(2)]
    assert len(set(unkeyed)) == 2
    missing = api.post(url, json={"currency": "AED"})
    assert_lean_error(missing, 400, "MISSING_PARAMETERS", "amount, customer_id")
    bad = api.post(url, json={**intent, "currency": "EUR"})
    assert_lean_error(bad, 400, "INVALID_PARAMETERS", "currency must be AED or SAR")
    unknown = api.post(url, json={**intent, "customer_id": str(uuid.uuid4())})
    assert_lean_error(unknown, 404, "UNKNOWN_ENTITY", "no customer")


# -- faults ----------------------------------------------------------------------------------


def test_latency_makes_an_impatient_client_time_out(
    lean_sandbox: LeanSandbox, api: requests.Session
) -> None:
    lean_sandbox.faults.latency_s = 2
    with pytest.raises(requests.exceptions.ReadTimeout):
        api.get(f"{lean_sandbox.api_url}/banks/v1/", timeout=(5, 0.1))
    with pytest.raises(ValueError, match="non-negative number of seconds, got -1"):
        lean_sandbox.faults.latency_s = -1


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
    assert len(ready["data"]) == 2
    assert api.get(url, params={"entity_id": entity}).json()["status"] == "OK"
    unknown = api.get(f"{lean_sandbox.api_url}/data/v2/results/{uuid.uuid4()}")
    assert_lean_error(unknown, 404, "UNKNOWN_ENTITY", "no results")


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


# -- counters --------------------------------------------------------------------------------


def test_keep_alive_session_makes_one_handshake(
    lean_sandbox: LeanSandbox, mtls: requests.Session
) -> None:
    entity, account = lean_sandbox.seeded.entity_ids[0], lean_sandbox.seeded.account_ids[0]
    url = f"{lean_sandbox.mtls_url}/data/v2/accounts/{account}/balances"
    for _ in range(20):
        assert mtls.get(url, params={"entity_id": entity}).status_code == 200
    assert lean_sandbox.counters.handshakes == {"mtls": 1}
    assert lean_sandbox.counters.calls == {("GET", "/data/v2/accounts/{id}/balances"): 20}


# -- specs, files, CLI and the pytest plugin -------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "listener"), [("mtls", "mtls_url"), ("oauth", "api_url"), ("app_token", "api_url")]
)
def test_spec_overrides_load_as_a_spec(lean_sandbox: LeanSandbox, mode: str, listener: str) -> None:
    overrides = lean_sandbox.spec_overrides(mode)
    spec = load_spec(**overrides)
    assert spec.auth.mode == mode
    assert resolve_endpoints(spec).api == getattr(lean_sandbox, listener)
    assert resolve_endpoints(spec).token_url == lean_sandbox.token_url
    references = [
        v
        for section in overrides.values()
        if isinstance(section, dict)
        for v in section.values()
        if str(v).startswith("file://")
    ]
    assert references
    for reference in references:
        path = Path(reference.removeprefix("file://"))
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    with pytest.raises(ValueError, match="mode must be one of mtls, oauth, app_token, got 'basic'"):
        lean_sandbox.spec_overrides("basic")


def test_work_directory_is_removed_on_stop() -> None:
    sandbox = LeanSandbox().start()
    key = Path(sandbox.spec_overrides("mtls")["mtls"]["private_key"].removeprefix("file://"))
    assert key.parent == sandbox.workdir
    assert key.exists()
    sandbox.stop()
    assert not key.parent.exists()
    assert sandbox.workdir is None
    with pytest.raises(RuntimeError, match="not started"):
        _ = sandbox.mtls_url


def test_write_bundle_specs_are_valid_and_usable(lean_sandbox: LeanSandbox, tmp_path: Path) -> None:
    written = lean_sandbox.write_bundle(tmp_path / "bundle")
    assert {p.name for p in written.values()} == {
        "ca_chain.pem",
        "client_cert.pem",
        "client_key.pem",
        "app_token.txt",
        "client_secret.txt",
        "spec-mtls.yaml",
        "spec-oauth.yaml",
        "spec-app-token.yaml",
        "lean-connector-spec.schema.json",
    }
    assert stat.S_IMODE((tmp_path / "bundle").stat().st_mode) == 0o700
    for mode in ("mtls", "oauth", "app_token"):
        spec = load_spec(written[f"spec-{mode.replace('_', '-')}"])
        assert spec.auth.mode == mode
        assert spec.environment == "sandbox"
    app_token = Path(str(load_spec(written["spec-mtls"]).auth.app_token).removeprefix("file://"))
    assert app_token.read_text() == lean_sandbox.app_token


def test_serve_forever_cli_runs_until_sigterm_and_cleans_up(tmp_path: Path) -> None:
    out = tmp_path / "sandbox"
    code = "from pathlib import Path; import sys; from lean_connector.testing.sandbox import "
    code += f"serve_forever_cli; sys.exit(serve_forever_cli(Path({str(out)!r})))"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[3])}
    with subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=env
    ) as child:
        try:
            assert child.stdout is not None
            summary = json.loads(child.stdout.readline())
            app_token = Path(summary["files"]["app_token"]).read_text()
            assert app_token not in json.dumps(summary)
            with session(Path(summary["files"]["ca_chain"])) as http:
                response = http.get(
                    f"{summary['api_url']}/banks/v1/", headers={"lean-app-token": app_token}
                )
            assert response.status_code == 200
            assert load_spec(summary["specs"]["oauth"]).endpoints.auth == summary["auth_url"]
        finally:
            child.send_signal(signal.SIGTERM)
            assert child.wait(timeout=30) == 0
    assert not out.exists()


def test_lean_sandbox_fixture_resets_the_shared_sandbox(
    lean_sandbox_session: LeanSandbox, request: pytest.FixtureRequest
) -> None:
    lean_sandbox_session.faults.rate_limit(3)
    lean_sandbox_session.counters.record_token_request("api")
    fresh: LeanSandbox = request.getfixturevalue("lean_sandbox")
    assert fresh is lean_sandbox_session
    assert fresh.faults.take_api_fault("GET") is None
    assert fresh.counters.token_requests == {}


def test_plugin_import_is_cheap() -> None:
    code = (
        "import sys, lean_connector.testing.pytest_plugin; "
        "print(sorted(m for m in ('cryptography', 'lean_connector.testing.sandbox', 'requests') "
        "if m in sys.modules))"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[3])}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert result.stdout.strip() == "[]"


def test_peak_concurrent_requests_counts_calls_served_at_once(
    lean_sandbox: LeanSandbox, pems: Pems
) -> None:
    lean_sandbox.faults.latency_s = 0.3
    barrier = threading.Barrier(3)

    def call() -> int:
        with session(pems.ca_chain) as http:
            http.headers["lean-app-token"] = lean_sandbox.app_token
            barrier.wait()
            return http.get(f"{lean_sandbox.api_url}/banks/v1/", timeout=10).status_code

    threads = [threading.Thread(target=call) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert lean_sandbox.counters.peak_concurrent_requests == 3
    assert lean_sandbox.counters.in_flight == 0
    lean_sandbox.counters.reset()
    assert lean_sandbox.counters.peak_concurrent_requests == 0


def test_all_entities_are_listed_with_lean_page_number_and_page_size(
    lean_sandbox: LeanSandbox, api: requests.Session
) -> None:
    lean_sandbox.seed_customers(3, 2, 1, 1)
    every = [e["id"] for e in lean_sandbox.data.all_entities()]
    url = f"{lean_sandbox.api_url}/customers/v1/entities"
    size = 4
    pages = [
        api.get(url, params={"page_number": n, "page_size": size}).json()
        for n in range((len(every) + size - 1) // size + 1)
    ]
    assert [e["id"] for p in pages for e in p["data"]] == every
    assert pages[-1]["data"] == []
    assert pages[0]["page"]["total_elements"] == len(every)
    assert lean_sandbox.counters.calls[("GET", "/customers/v1/entities")] == len(pages)
