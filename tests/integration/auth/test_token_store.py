"""The shared token store against a real Secrets Manager (moto_server in its own process).

Each "container" is its own OAuthCredential with its own SecretResolver (own cache), as
separate Lambdas would be. The token endpoint is a counting function standing in for
``Transport.post_form``: what is under test is how many times it is called.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from typing import Any

import pytest

from lean_connector import _aws as aws_clients
from lean_connector.auth import OAuthCredential, SecretTokenStore
from lean_connector.logs import capture_logs
from lean_connector.secrets import SecretResolver
from tests.support.clock import T0
from tests.support.clock import FakeClock as Clock
from tests.support.moto_process import MotoProcess

pytestmark = pytest.mark.integration

STORE = "aws-sm://lean/dev/api-token"
TOKEN_URL = "https://auth.sandbox.example.test/oauth2/token"
REGION = "me-central-1"


class CountingTokenEndpoint:
    def __init__(self) -> None:
        self.scopes: list[str] = []
        self.lock = threading.Lock()

    def __call__(self, url: str, form: Mapping[str, str]) -> tuple[int, Mapping[str, Any]]:
        with self.lock:
            self.scopes.append(form["scope"])
            n = len(self.scopes)
        return 200, {"access_token": f"jwt-{n}", "expires_in": 3599, "scope": form["scope"]}


def make_store_secret(aws: MotoProcess) -> None:
    # As Terraform creates it: the secret exists, with no value until the first refresh.
    sm = aws_clients.client("secretsmanager", region=REGION, endpoint_url=aws.endpoint_url)
    sm.create_secret(Name="lean/dev/api-token")


def container(
    aws: MotoProcess, endpoint: CountingTokenEndpoint, clock: Clock, resolver: SecretResolver
) -> OAuthCredential:
    return OAuthCredential(
        client_id="app-id",
        client_secret=lambda: "client-secret-value",
        token_url=TOKEN_URL,
        post_form=endpoint,
        token_store=SecretTokenStore(resolver, STORE, clock=clock),
        clock=clock,
    )


def resolver_for(aws: MotoProcess) -> SecretResolver:
    return SecretResolver(aws_region=REGION, aws_endpoint_url=aws.endpoint_url)


@pytest.mark.parametrize("resolvers", ["one shared resolver", "a resolver per container"])
def test_two_credentials_sharing_a_store_make_one_token_request(
    aws: MotoProcess, resolvers: str
) -> None:
    make_store_secret(aws)
    aws.reset_counts()
    endpoint, clock = CountingTokenEndpoint(), Clock(T0)
    first_resolver = resolver_for(aws)
    second_resolver = first_resolver if resolvers.startswith("one") else resolver_for(aws)
    first = container(aws, endpoint, clock, first_resolver)
    second = container(aws, endpoint, clock, second_resolver)

    assert first.headers() == {"Authorization": "Bearer jwt-1"}
    assert second.headers() == {"Authorization": "Bearer jwt-1"}
    assert endpoint.scopes == ["api"]
    assert (first.token_requests, second.token_requests) == (1, 0)
    assert aws.counts().get("PutSecretValue") == 1

    stored = aws_clients.client(
        "secretsmanager", region=REGION, endpoint_url=aws.endpoint_url
    ).get_secret_value(SecretId="lean/dev/api-token")
    assert json.loads(stored["SecretString"]) == {
        "access_token": "jwt-1",
        "scope": "api",
        "expires_at": T0 + 3599,
    }


def test_a_container_picks_up_the_refreshers_new_token_before_its_copy_expires(
    aws: MotoProcess,
) -> None:
    make_store_secret(aws)
    endpoint, clock = CountingTokenEndpoint(), Clock(T0)
    refresher = container(aws, endpoint, clock, resolver_for(aws))
    worker = container(aws, endpoint, clock, resolver_for(aws))

    assert refresher.api_token().value == "jwt-1"
    assert worker.api_token().value == "jwt-1"  # read from the store, cached by its resolver

    clock.now = T0 + 3599 - 200  # inside the 300 s margin for both
    aws.reset_counts()
    assert refresher.api_token().value == "jwt-2"
    # The worker's resolver still caches jwt-1: the store re-reads because it is about to expire.
    assert worker.api_token().value == "jwt-2"
    assert endpoint.scopes == ["api", "api"]
    assert worker.token_requests == 0
    # One re-read each (the refresher's own copy was stale too), one write: no token request
    # from the worker and no store call beyond those.
    assert aws.counts() == {"GetSecretValue": 2, "PutSecretValue": 1}


def test_a_missing_store_secret_does_not_block_the_call(aws: MotoProcess) -> None:
    # No secret at all (Terraform not applied yet): the credential still gets a token.
    endpoint, clock = CountingTokenEndpoint(), Clock(T0)
    credential = container(aws, endpoint, clock, resolver_for(aws))
    with capture_logs() as logged:
        assert credential.headers() == {"Authorization": "Bearer jwt-1"}
    assert endpoint.scopes == ["api"]
    failed = [e for e in logged if e["event"] == "auth.token_store_write_failed"]
    assert len(failed) == 1
    assert failed[0]["error"] == "SecretNotFoundError"
    assert "jwt-1" not in repr(logged)
