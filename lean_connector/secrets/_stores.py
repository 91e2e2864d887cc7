"""Secret stores: one read per scheme (Secrets Manager, SSM, env, file), the Secrets Manager
write, and the translation of store failures into the errors.py tree.

Part of the secrets package: no caching and no redaction here (``secrets.py`` does both);
each function does one store call, counted through ``count(operation)``. boto3 is reached
only through ``aws_clients`` (lazily), so env:// and file:// never import it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import Any

from lean_connector import _aws as aws_clients
from lean_connector.errors import (
    SecretAccessDeniedError,
    SecretError,
    SecretNotFoundError,
    SecretUnavailableError,
    drop_request_payloads,
)
from lean_connector.secrets._refs import SecretReference, describe_reference

__all__ = ["failure_code", "put_secret_string", "read_secret", "translate_aws_error"]

Count = Callable[[str], None]


def read_secret(
    ref: SecretReference,
    field: str | None,
    *,
    aws_region: str,
    aws_endpoint_url: str | None,
    count: Count,
) -> tuple[bytes, str | None]:
    """The payload and version id the reference's store holds; SecretError if it cannot."""
    where, fix = describe_reference(ref.text, field), field or "the reference"
    if ref.scheme == "env":
        count("ReadEnv")
        text = os.environ.get(ref.name)
        if text is None:
            raise SecretNotFoundError(
                f"{where}: environment variable {ref.name} is not set: export it or fix {fix}",
                reference=ref.text,
            )
        return text.encode(), None
    if ref.scheme == "file":
        count("ReadFile")
        try:
            with open(ref.name, "rb") as handle:
                return handle.read(), None
        except FileNotFoundError:
            raise SecretNotFoundError(
                f"{where}: file {ref.name} does not exist: create it or fix {fix}",
                reference=ref.text,
            ) from None
        except PermissionError:
            raise SecretAccessDeniedError(
                f"{where}: file {ref.name} is not readable by this process: "
                f"fix its permissions or fix {fix}",
                reference=ref.text,
            ) from None
        except OSError as exc:
            raise SecretError(
                f"{where}: cannot read file {ref.name} ({exc.strerror}): fix {fix}",
                reference=ref.text,
            ) from None
    sm = ref.scheme == "aws-sm"
    operation = "GetSecretValue" if sm else "GetParameter"
    region = ref.region or aws_region
    count(operation)
    try:
        store = aws_clients.client(
            "secretsmanager" if sm else "ssm", region=region, endpoint_url=aws_endpoint_url
        )
        if sm:
            kwargs = {"SecretId": ref.name}
            if ref.version:
                kwargs["VersionId"] = ref.version
            if ref.stage:
                kwargs["VersionStage"] = ref.stage
            response = store.get_secret_value(**kwargs)
        else:
            response = store.get_parameter(Name=ref.name, WithDecryption=True)
    except Exception as exc:
        translated = translate_aws_error(
            exc, ref, field, region, operation, aws_endpoint_url=aws_endpoint_url
        )
        drop_request_payloads(exc)  # botocore's .request holds the call's body
        if translated is None:
            raise
        raise translated from exc
    if not sm:
        parameter = response["Parameter"]
        return str(parameter["Value"]).encode(), str(parameter.get("Version"))
    if "SecretString" in response:
        return str(response["SecretString"]).encode(), response.get("VersionId")
    return bytes(response["SecretBinary"]), response.get("VersionId")


def put_secret_string(
    ref: SecretReference,
    value: str,
    *,
    aws_region: str,
    aws_endpoint_url: str | None,
    count: Count,
) -> Any:
    """PutSecretValue of ``value`` to the aws-sm secret ``ref`` names; the new VersionId."""
    region = ref.region or aws_region
    kwargs: dict[str, Any] = {"SecretId": ref.name, "SecretString": value}
    if ref.stage:
        kwargs["VersionStages"] = [ref.stage]
    count("PutSecretValue")
    try:
        store = aws_clients.client("secretsmanager", region=region, endpoint_url=aws_endpoint_url)
        response = store.put_secret_value(**kwargs)
    except Exception as exc:
        translated = translate_aws_error(
            exc, ref, None, region, "PutSecretValue", aws_endpoint_url=aws_endpoint_url
        )
        drop_request_payloads(exc)  # botocore's .request holds the call's body
        if translated is None:
            raise
        raise translated from exc
    return response.get("VersionId")


def translate_aws_error(
    exc: Exception,
    ref: SecretReference,
    field: str | None,
    region: str,
    operation: str,
    *,
    aws_endpoint_url: str | None,
) -> SecretError | None:
    """Translate a botocore error into the errors.py tree; None if it is not one."""
    sm = ref.scheme == "aws-sm"
    store, service = ("Secrets Manager", "secretsmanager") if sm else ("SSM", "ssm")
    what = f"secret '{ref.name}'" if sm else f"parameter '{ref.name}'"
    if ref.version or ref.stage:
        what += f" version '{ref.version}'" if ref.version else f" stage '{ref.stage}'"
    where, fix, text = describe_reference(ref.text, field), field or "the reference", ref.text
    code = _aws_code(exc)
    after = "the value was not stored" if operation == "PutSecretValue" else "nothing cached"
    if aws_clients.is_connection_error(exc):
        endpoint = aws_endpoint_url or f"https://{service}.{region}.amazonaws.com"
        if aws_clients.is_tls_error(exc):
            return SecretUnavailableError(
                f"{where}: the TLS handshake with {store} at {endpoint} failed (region "
                f"{region}; {after}): check that secrets.aws_endpoint_url is an HTTPS "
                "endpoint whose certificate this host trusts, and any TLS-inspecting proxy",
                reference=text,
            )
        return SecretUnavailableError(
            f"{where}: could not reach {store} at {endpoint} (region {region}; {after}): "
            f"check network access from here (NAT, or a VPC endpoint for {service}) "
            "and secrets.aws_region / secrets.aws_endpoint_url",
            reference=text,
        )
    if code in aws_clients.CREDENTIAL_CODES:
        problem = "found no" if code.endswith("CredentialsError") else "AWS rejected the"
        return SecretAccessDeniedError(
            f"{where}: {problem} AWS credentials for {what} in {store} (region {region}, "
            f"{code}): check the IAM role or the AWS_* keys/profile this process runs with",
            reference=text,
        )
    if any(cls.__name__ == "ParamValidationError" for cls in type(exc).__mro__):
        # botocore refused the call before sending it; its text may quote the parameters.
        return SecretError(
            f"{where}: the AWS SDK refused the parameters of {operation} for {what} before "
            f"sending it: check the name, version= and stage= in {fix}",
            reference=text,
        )
    # Not is_aws_client_error(): it misses botocore's modeled subclasses of ClientError
    # (ResourceNotFoundException, ...); an AWS error code is what matters here.
    if aws_clients.error_code(exc) is None:
        return None
    if code in aws_clients.NOT_FOUND_CODES:
        return SecretNotFoundError(
            f"{where}: {what} not found in {store} (region {region}): create it or fix {fix}",
            reference=text,
        )
    if code in aws_clients.ACCESS_DENIED_CODES:
        action = f"secretsmanager:{operation}" if sm else "ssm:GetParameter"
        return SecretAccessDeniedError(
            f"{where}: access denied to {what} in {store} (region {region}, {code}): "
            f"grant {action} on it, and kms:Decrypt on its KMS key, to the role this runs as",
            reference=text,
        )
    if code in aws_clients.THROTTLING_CODES:
        return SecretUnavailableError(
            f"{where}: {store} (region {region}) answered {code} for {what} ({after}): retry later",
            reference=text,
        )
    message = getattr(exc, "response", {}).get("Error", {}).get("Message", "")
    return SecretError(
        f"{where}: {store} (region {region}) refused {operation} for {what}: {code}: {message}",
        reference=text,
    )


def _aws_code(exc: BaseException) -> str:
    code = aws_clients.error_code(exc)
    if code is None:
        return type(exc).__name__
    if code.isdigit():
        # An XML error body on a JSON-protocol service (moto's IAM layer answers so; so do
        # some proxies): botocore leaves the real code inside the message.
        message = str(getattr(exc, "response", {}).get("Error", {}).get("Message", ""))
        inner = re.search(r"<Code>([A-Za-z.]+)</Code>", message)
        return inner.group(1) if inner else code
    return code


def failure_code(exc: SecretError) -> str:
    """The AWS error code behind a store failure (for logs), else the error's class name."""
    return _aws_code(exc.__cause__) if exc.__cause__ is not None else type(exc).__name__
