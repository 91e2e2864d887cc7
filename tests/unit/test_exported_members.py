"""The public API is what ``lean_connector.__all__`` says, and importing it stays cheap."""

from __future__ import annotations

import subprocess
import sys

import pytest

import lean_connector


def test_all_exports_resolve() -> None:
    for name in lean_connector.__all__:
        assert getattr(lean_connector, name) is not None, name


def test_public_names_are_exactly_all() -> None:
    public = {name for name in dir(lean_connector) if not name.startswith("_")}
    assert public == {name for name in lean_connector.__all__ if not name.startswith("_")}


def test_unknown_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'NoSuchThing'"):
        lean_connector.NoSuchThing  # type: ignore[attr-defined]  # noqa: B018


def test_errors_all_subclass_connector_error() -> None:
    from lean_connector import errors

    for name in errors.__all__:
        obj = getattr(errors, name)
        if isinstance(obj, type):
            assert issubclass(obj, errors.ConnectorError), name


def test_import_does_not_load_heavy_libraries() -> None:
    # Lambda cold starts pay for every import: boto3, requests and cryptography load only
    # when a feature needs them.
    code = (
        "import sys, lean_connector;"
        "heavy = [m for m in ('boto3', 'botocore', 'requests', 'cryptography', 'structlog',"
        " 'pydantic') if m in sys.modules];"
        "print(','.join(heavy))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == ""


def test_drop_request_payloads_detaches_requests_along_the_chain() -> None:
    import requests
    from botocore.exceptions import ConnectionClosedError

    from lean_connector.errors import drop_request_payloads

    prepared = requests.Request(
        "POST", "https://x.test/t", data={"client_secret": "s3cr3t"}
    ).prepare()
    inner = ConnectionClosedError(endpoint_url="https://sm.test", request=prepared)
    outer = requests.exceptions.ConnectionError("reset", request=prepared)
    outer.__cause__ = inner
    aws_error_dict = {"Error": {"Code": "AccessDenied"}}
    outer.response = aws_error_dict  # type: ignore[assignment]  # a parsed AWS dict stays
    drop_request_payloads(outer)
    assert outer.request is None
    assert inner.request is None
    assert "request" not in inner.kwargs
    assert outer.response is aws_error_dict
