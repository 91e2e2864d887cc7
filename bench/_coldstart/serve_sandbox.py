"""The benchmark's Lean sandbox and its secrets, in a process of its own.

``python serve_sandbox.py AWS_ENDPOINT_URL REGION``: starts a ``LeanSandbox``, stores one
Secrets Manager secret per auth mode in the moto server at ``AWS_ENDPOINT_URL`` (everything
that mode needs, so each program reads exactly one secret), prints one JSON line describing
both modes (spec env for the connector, parameters for the hand-written programs; ARNs and
URLs only, no secret value), then serves until its stdin is closed.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import boto3

from lean_connector.testing.aws import spec_env
from lean_connector.testing.sandbox import LeanSandbox


def _put_secret(sm: Any, name: str, value: dict[str, str]) -> str:
    arn: str = sm.create_secret(Name=name, SecretString=json.dumps(value))["ARN"]
    return arn


def _describe(sandbox: LeanSandbox, endpoint_url: str, region: str) -> dict[str, Any]:
    sm = boto3.client("secretsmanager", region_name=region, endpoint_url=endpoint_url)
    bundle = sandbox.bundle
    ca_chain = bundle.ca_chain_pem.decode()
    mtls_arn = _put_secret(
        sm,
        "lean/coldstart/mtls",
        {
            # The leaf alone, as Lean's portal hands it out.
            "certificate": bundle.client.cert_pem.decode(),
            "private_key": bundle.client.key_pem.decode(),
            "ca_chain": ca_chain,
            "app_token": sandbox.app_token,
        },
    )
    oauth_arn = _put_secret(
        sm,
        "lean/coldstart/oauth",
        {"client_secret": sandbox.client_secret, "ca_chain": ca_chain},
    )
    secrets = {"aws_region": region, "aws_endpoint_url": endpoint_url}

    mtls = sandbox.spec_overrides("mtls")
    mtls["auth"]["app_token"] = f"aws-sm://{mtls_arn}#app_token"
    mtls["mtls"] = {field: f"aws-sm://{mtls_arn}#{field}" for field in mtls["mtls"]}
    mtls["secrets"] = secrets

    oauth = sandbox.spec_overrides("oauth")
    oauth["auth"]["client_secret"] = f"aws-sm://{oauth_arn}#client_secret"
    oauth["mtls"] = {"ca_chain": f"aws-sm://{oauth_arn}#ca_chain"}
    oauth["secrets"] = secrets

    return {
        "mtls": {
            "connector_env": spec_env(mtls),
            "handwritten_env": {
                "BENCH_SECRET_ID": mtls_arn,
                "BENCH_API_URL": sandbox.mtls_url,
            },
        },
        "oauth": {
            "connector_env": spec_env(oauth),
            "handwritten_env": {
                "BENCH_SECRET_ID": oauth_arn,
                "BENCH_API_URL": sandbox.api_url,
                "BENCH_TOKEN_URL": sandbox.token_url,
                "BENCH_CLIENT_ID": sandbox.client_id,
            },
        },
        "common_env": {"BENCH_AWS_ENDPOINT_URL": endpoint_url, "AWS_DEFAULT_REGION": region},
    }


def main(endpoint_url: str, region: str) -> int:
    with LeanSandbox() as sandbox:
        print(json.dumps(_describe(sandbox, endpoint_url, region)), flush=True)
        sys.stdin.read()  # the benchmark closes our stdin when it is done
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
