"""lean_connector._aws: which botocore errors count as 'AWS could not be reached'.

The exceptions are real botocore instances, built the way botocore raises them; no AWS
call is needed to classify them.
"""

from __future__ import annotations

import pytest
from botocore import exceptions as boto_errors

from lean_connector import _aws as aws_clients

ENDPOINT = "https://secretsmanager.me-central-1.amazonaws.com"


@pytest.mark.parametrize(
    "exc",
    [
        boto_errors.EndpointConnectionError(endpoint_url=ENDPOINT),
        boto_errors.SSLError(endpoint_url=ENDPOINT, error="CERTIFICATE_VERIFY_FAILED"),
        boto_errors.ProxyConnectionError(proxy_url="http://proxy.internal:3128", error="refused"),
        boto_errors.ConnectTimeoutError(endpoint_url=ENDPOINT, error="timed out"),
        boto_errors.ConnectionError(error="connection reset"),
        boto_errors.ReadTimeoutError(endpoint_url=ENDPOINT, error="timed out"),
        boto_errors.ConnectionClosedError(endpoint_url=ENDPOINT),
        boto_errors.ResponseStreamingError(error="incomplete read"),
        boto_errors.HTTPClientError(error="an unhandled urllib3 error"),
    ],
    ids=lambda exc: type(exc).__name__,
)
def test_every_transport_failure_is_a_connection_error(exc: Exception) -> None:
    assert aws_clients.is_connection_error(exc)
    assert not aws_clients.is_aws_client_error(exc)
    assert aws_clients.error_code(exc) is None


@pytest.mark.parametrize(
    "exc",
    [
        boto_errors.ClientError(
            {"Error": {"Code": "ResourceNotFoundException", "Message": "gone"}}, "GetSecretValue"
        ),
        boto_errors.NoCredentialsError(),
        boto_errors.NoRegionError(),
        ConnectionError("the builtin, not botocore's"),
        OSError("disk"),
    ],
    ids=lambda exc: type(exc).__name__,
)
def test_answers_and_local_problems_are_not_connection_errors(exc: Exception) -> None:
    assert not aws_clients.is_connection_error(exc)


def test_only_a_tls_failure_is_a_tls_error() -> None:
    assert aws_clients.is_tls_error(boto_errors.SSLError(endpoint_url=ENDPOINT, error="x"))
    assert not aws_clients.is_tls_error(boto_errors.EndpointConnectionError(endpoint_url=ENDPOINT))


def test_error_code_sets_are_disjoint_so_each_code_has_one_meaning() -> None:
    sets = [
        aws_clients.NOT_FOUND_CODES,
        aws_clients.ACCESS_DENIED_CODES,
        aws_clients.CREDENTIAL_CODES,
        aws_clients.THROTTLING_CODES,
    ]
    assert all(isinstance(codes, frozenset) for codes in sets)
    assert sum(len(codes) for codes in sets) == len(frozenset().union(*sets))


@pytest.mark.parametrize(
    ("exc", "start"),
    [
        (
            boto_errors.NoCredentialsError(),
            "no usable AWS credentials were found (NoCredentialsError)",
        ),
        (
            boto_errors.PartialCredentialsError(provider="env", cred_var="AWS_SECRET_ACCESS_KEY"),
            "no usable AWS credentials were found (PartialCredentialsError)",
        ),
        (
            boto_errors.ClientError(
                {"Error": {"Code": "ExpiredTokenException", "Message": "expired"}}, "HeadBucket"
            ),
            "AWS rejected this process's credentials (ExpiredTokenException)",
        ),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, Exception) else "",
)
def test_credentials_problem_names_the_cause_and_what_to_do(exc: Exception, start: str) -> None:
    problem = aws_clients.credentials_problem(exc)
    assert problem is not None
    assert problem.startswith(start)
    assert "AWS_PROFILE" in problem


def test_credentials_are_not_blamed_for_other_failures() -> None:
    denied = boto_errors.ClientError({"Error": {"Code": "AccessDenied"}}, "HeadBucket")
    assert aws_clients.credentials_problem(denied) is None
    assert (
        aws_clients.credentials_problem(boto_errors.EndpointConnectionError(endpoint_url=ENDPOINT))
        is None
    )
