"""Cold path by hand, OAuth: the least a Lambda can do for the same call.

boto3 ``GetSecretValue`` once (client secret and CA chain in one JSON secret), the CA to a
temp file, the client_credentials form POSTed with requests, then the GET with the bearer
token. No checks, no retries, no token cache, no logging. Prints the number of banks.
"""

from __future__ import annotations

import json
import os
import tempfile
from typing import Any

import boto3
import requests


def handler(event: Any, context: Any) -> Any:
    sm = boto3.client("secretsmanager", endpoint_url=os.environ["BENCH_AWS_ENDPOINT_URL"])
    secret = json.loads(sm.get_secret_value(SecretId=os.environ["BENCH_SECRET_ID"])["SecretString"])
    with tempfile.TemporaryDirectory() as directory:
        ca = os.path.join(directory, "ca")
        with open(ca, "w") as f:
            f.write(secret["ca_chain"])
        # One session: the token endpoint and the API share a host here, so the GET reuses
        # the POST's connection (the cheapest a hand-written client can be).
        with requests.Session() as session:
            token = session.post(
                os.environ["BENCH_TOKEN_URL"],
                data={
                    "grant_type": "client_credentials",
                    "client_id": os.environ["BENCH_CLIENT_ID"],
                    "client_secret": secret["client_secret"],
                    "scope": "api",
                },
                verify=ca,
                timeout=30,
            )
            token.raise_for_status()
            response = session.get(
                os.environ["BENCH_API_URL"] + "/banks/v1/",
                headers={"Authorization": f"Bearer {token.json()['access_token']}"},
                verify=ca,
                timeout=30,
            )
    response.raise_for_status()
    return response.json()


if __name__ == "__main__":
    print(f"ok {len(handler({}, None))} banks")
