"""Plain-HTTP helpers for tests that talk to the local sandbox without the connector."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any

import requests

from lean_connector.testing.certs import issue_cert, make_ca
from lean_connector.testing.sandbox import LeanSandbox

_ERROR_KEYS = {"timestamp", "status", "message", "metadata"}


def session(verify: Path, cert: tuple[Path, Path] | None = None) -> requests.Session:
    """A Session trusting exactly ``verify``: trust_env off, else REQUESTS_CA_BUNDLE wins."""
    http = requests.Session()
    http.trust_env = False
    http.verify = str(verify)
    http.cert = (str(cert[0]), str(cert[1])) if cert else None
    return http


def assert_lean_error(response: requests.Response, status: int, code: str, text: str) -> None:
    """Lean's error body (data errors add a ``results_id``) with this code and text."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) - {"results_id"} == _ERROR_KEYS
    assert body["status"] == code
    assert text in body["message"], body["message"]
    dt.datetime.strptime(body["timestamp"], "%Y-%m-%dT%H:%M:%S.%fZ")
    assert uuid.UUID(response.headers["lean-correlation-id"]).version == 4
    assert uuid.UUID(response.headers["lean-trace-id"]).version == 4


def token(sandbox: LeanSandbox, http: requests.Session, **form: str) -> requests.Response:
    """A token request to the sandbox (api scope unless ``form`` says otherwise)."""
    fields = {
        "client_id": sandbox.client_id,
        "client_secret": sandbox.client_secret,
        "grant_type": "client_credentials",
        "scope": "api",
    }
    return http.post(sandbox.token_url, data={**fields, **form}, headers={"lean-app-token": None})


class Pems:
    """The sandbox's PEMs (and a stranger's) written where ``requests`` can read them."""

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


def page_of(body: dict[str, Any]) -> dict[str, Any]:
    """The ``page`` object wherever the family puts it (data calls nest it in ``data``)."""
    return dict(body["data"]["page"] if "results_id" in body else body["page"])
