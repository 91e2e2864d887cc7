"""`secrets put` never stores a private key in a certificate field (a real subprocess and a
real moto server, with the helpers of test_secrets_put.py).

A cert + key bundle is what many CAs hand out; stored in mtls.certificate the key would sit
in a field every reader treats as public (doctor prints its subject, logs may show it).
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

from lean_connector.testing.certs import CertBundle
from tests.integration.cli.test_secrets_put import MTLS, error_line, sm, spec_env  # noqa: F401
from tests.support.cli import run_cli as run
from tests.support.moto_process import MotoProcess

pytestmark = pytest.mark.integration


def _bundles(bundle: CertBundle) -> dict[str, bytes]:
    cert, key = bundle.client_cert_with_chain_pem, bundle.client.key_pem
    return {
        "cert+key": cert + key,
        "key+cert": key + cert,
        "cert+base64-key": cert + base64.encodebytes(key),
    }


@pytest.mark.parametrize("kind", ["cert+key", "key+cert", "cert+base64-key"])
@pytest.mark.parametrize("field", ["mtls.certificate", "mtls.ca_chain"])
def test_a_certificate_file_holding_a_private_key_is_refused(
    aws: MotoProcess,
    sm: Any,  # noqa: F811
    bundle: CertBundle,
    tmp_path: Path,
    kind: str,
    field: str,
) -> None:
    sm.create_secret(Name=MTLS)
    path = tmp_path / "bundle.pem"
    path.write_bytes(_bundles(bundle)[kind])
    aws.reset_counts()
    result = run("secrets", "put", field, "--from-file", str(path), env=spec_env(aws.endpoint_url))
    line = error_line(result, 2)
    assert "private key" in line
    assert "mtls.private_key" in line  # where the key belongs
    assert aws.counts().get("PutSecretValue", 0) == 0
    key_body = bundle.client.key_pem.decode().splitlines()[1]
    assert key_body not in result.stdout + result.stderr
