"""The sandbox's listeners and credentials, exercised with plain requests/ssl.

Everything is real: two HTTPS listeners on 127.0.0.1, real TLS handshakes with the test PKI,
real RSA-signed JWTs. A client that is wrong must fail here the way it would against Lean.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable

import pytest
import requests

from lean_connector.testing.sandbox import LeanSandbox
from tests.support.sandbox_http import Pems, assert_lean_error, session, token
from tests.support.waiting import wait_for

pytestmark = pytest.mark.integration


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
        assert_lean_error(both, 400, "INVALID_PARAMETERS", "Do not supply a 'lean-app-token'")


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
