"""Put a sandbox's credentials into AWS Secrets Manager and describe them as a spec.

The production shape, locally: the mTLS bundle is one JSON secret (certificate,
private_key, ca_chain), the OAuth client secret and app token others, and every spec field
is an ``aws-sm://<ARN>#key`` reference — what Terraform's module sets on the Lambdas. Used
by the Lambda tests and ``make demo`` against a moto server.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from lean_connector._aws import client

if TYPE_CHECKING:
    from lean_connector.testing.sandbox import LeanSandbox

__all__ = ["spec_env", "store_sandbox_secrets"]


def _put(sm: Any, name: str, value: Mapping[str, str]) -> str:
    """Create (or update) secret ``name`` with a JSON value; return its ARN."""
    text = json.dumps(dict(value))
    try:
        arn: str = sm.create_secret(Name=name, SecretString=text)["ARN"]
    except Exception as exc:
        if getattr(exc, "response", {}).get("Error", {}).get("Code") != "ResourceExistsException":
            raise
        arn = sm.put_secret_value(SecretId=name, SecretString=text)["ARN"]
    return arn


def store_sandbox_secrets(
    sandbox: LeanSandbox,
    *,
    mode: str,
    region: str,
    endpoint_url: str | None,
    prefix: str = "lean/demo",
    token_store: bool = False,
) -> dict[str, Any]:
    """Store the sandbox's secrets; return ``load_spec`` overrides whose secrets are aws-sm refs.

    ``token_store`` also creates an empty shared-token secret (oauth mode) for the refresher.
    """
    sm = client("secretsmanager", region=region, endpoint_url=endpoint_url)
    bundle = sandbox.bundle
    mtls_arn = _put(
        sm,
        f"{prefix}/mtls",
        {
            "certificate": bundle.client.cert_pem.decode(),
            "private_key": bundle.client.key_pem.decode(),
            "ca_chain": bundle.ca_chain_pem.decode(),
        },
    )
    app_arn = _put(sm, f"{prefix}/app", {"app_token": sandbox.app_token})
    oauth_arn = _put(sm, f"{prefix}/oauth", {"client_secret": sandbox.client_secret})
    overrides = sandbox.spec_overrides(mode)
    overrides["secrets"] = {"aws_region": region, "aws_endpoint_url": endpoint_url}
    auth = overrides["auth"]
    if "app_token" in auth:
        auth["app_token"] = f"aws-sm://{app_arn}#app_token"
    if "client_secret" in auth:
        auth["client_secret"] = f"aws-sm://{oauth_arn}#client_secret"
    if token_store:
        store_arn = _put(sm, f"{prefix}/api-token", {})
        auth["token_store"] = f"aws-sm://{store_arn}"
    mtls = overrides.get("mtls") or {}
    for field in ("certificate", "private_key", "ca_chain"):
        if field in mtls:
            mtls[field] = f"aws-sm://{mtls_arn}#{field}"
    return overrides


def spec_env(overrides: Mapping[str, Any], prefix: str = "LEAN_") -> dict[str, str]:
    """Flatten nested spec overrides into ``LEAN_*`` env vars (``__`` between levels)."""
    env: dict[str, str] = {}
    for key, value in overrides.items():
        name = f"{prefix}{key.upper()}"
        if isinstance(value, Mapping):
            env.update(spec_env(value, prefix=f"{name}__"))
        elif value is not None:
            env[name] = str(value)
    return env
