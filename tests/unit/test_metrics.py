"""lean_connector.metrics: one valid CloudWatch EMF document per line on stdout."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import jsonschema
import pytest

from lean_connector.metrics import STANDARD_UNITS, emit_metric

# The structure of AWS's "Specification: Embedded metric format" (CloudWatch user guide),
# written out as a JSON Schema; the cross-references it requires (every dimension and
# metric named in the directive is a root member of the right type) are checked in
# _assert_valid_emf because JSON Schema cannot express them.
EMF_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["_aws"],
    "properties": {
        "_aws": {
            "type": "object",
            "required": ["Timestamp", "CloudWatchMetrics"],
            "properties": {
                "Timestamp": {"type": "integer", "minimum": 0},
                "CloudWatchMetrics": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "required": ["Namespace", "Dimensions", "Metrics"],
                        "additionalProperties": False,
                        "properties": {
                            "Namespace": {"type": "string", "minLength": 1, "maxLength": 1024},
                            "Dimensions": {
                                "type": "array",
                                "items": {
                                    "type": "array",
                                    "minItems": 1,
                                    "maxItems": 30,
                                    "items": {"type": "string", "minLength": 1, "maxLength": 250},
                                },
                            },
                            "Metrics": {
                                "type": "array",
                                "minItems": 1,
                                "maxItems": 100,
                                "items": {
                                    "type": "object",
                                    "required": ["Name"],
                                    "additionalProperties": False,
                                    "properties": {
                                        "Name": {
                                            "type": "string",
                                            "minLength": 1,
                                            "maxLength": 1024,
                                        },
                                        "Unit": {"enum": sorted(STANDARD_UNITS)},
                                        "StorageResolution": {"enum": [1, 60]},
                                    },
                                },
                            },
                        },
                    },
                },
            },
        }
    },
}


def _assert_valid_emf(document: dict[str, Any]) -> None:
    jsonschema.validate(document, EMF_SCHEMA)
    for directive in document["_aws"]["CloudWatchMetrics"]:
        for dimension_set in directive["Dimensions"]:
            for key in dimension_set:
                assert isinstance(document[key], str), f"dimension {key} must be a string member"
        for metric in directive["Metrics"]:
            value = document[metric["Name"]]
            assert isinstance(value, int | float)
            assert not isinstance(value, bool)


def _lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    captured = capsys.readouterr()
    assert captured.err == ""
    return [json.loads(line) for line in captured.out.splitlines()]


def test_certificate_days_metric_is_valid_emf_with_local_function_name(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)
    before_ms = int(time.time() * 1000)
    emit_metric("ClientCertificateDaysToExpiry", 42, unit="Count")
    after_ms = int(time.time() * 1000)
    [document] = _lines(capsys)
    _assert_valid_emf(document)
    assert document["_aws"]["CloudWatchMetrics"] == [
        {
            "Namespace": "LeanConnector",
            "Dimensions": [["FunctionName"]],
            "Metrics": [{"Name": "ClientCertificateDaysToExpiry", "Unit": "Count"}],
        }
    ]
    assert document["FunctionName"] == "local"
    assert document["ClientCertificateDaysToExpiry"] == 42
    assert before_ms <= document["_aws"]["Timestamp"] <= after_ms


def test_function_name_comes_from_the_lambda_environment(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "lean-token-refresher")
    emit_metric("TokenRefreshes", 1.0)
    [document] = _lines(capsys)
    _assert_valid_emf(document)
    assert document["FunctionName"] == "lean-token-refresher"
    assert document["_aws"]["CloudWatchMetrics"][0]["Metrics"] == [
        {"Name": "TokenRefreshes", "Unit": "None"}
    ]


def test_extra_dimensions_join_the_dimension_set_and_may_override_function_name(
    capsys: pytest.CaptureFixture[str],
) -> None:
    emit_metric("SyncEntities", 7, unit="Count", dimensions={"Stage": "dev"})
    emit_metric("SyncEntities", 3, unit="Count", dimensions={"FunctionName": "batch"})
    first, second = _lines(capsys)
    _assert_valid_emf(first)
    _assert_valid_emf(second)
    assert first["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["FunctionName", "Stage"]]
    assert first["Stage"] == "dev"
    assert second["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["FunctionName"]]
    assert second["FunctionName"] == "batch"


def test_each_metric_is_exactly_one_line_even_from_many_threads(
    capsys: pytest.CaptureFixture[str],
) -> None:
    def emit_many(worker: int) -> None:
        for i in range(50):
            emit_metric("Calls", i, unit="Count", dimensions={"Worker": str(worker)})

    threads = [threading.Thread(target=emit_many, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    documents = _lines(capsys)
    assert len(documents) == 400
    for document in documents:
        _assert_valid_emf(document)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"name": "Latency", "value": 1, "unit": "ms"},
            r"unit 'ms' is not a CloudWatch unit: use one of .*Milliseconds",
        ),
        ({"name": "Latency", "value": float("nan")}, r"needs a finite number as value, got nan"),
        ({"name": "Latency", "value": True}, r"needs a finite number as value, got True"),
        ({"name": "", "value": 1}, r"metric name must be 1 to 1024 characters, got ''"),
        (
            {"name": "Latency", "value": 1, "dimensions": {"Stage": 3}},
            r"dimension Stage needs a non-empty string value, got 3",
        ),
        (
            {"name": "Latency", "value": 1, "dimensions": {"Latency": "x"}},
            r"dimension name 'Latency' clashes with the metric",
        ),
        (
            {"name": "Latency", "value": 1, "dimensions": {f"D{i}": "x" for i in range(30)}},
            r"at most 30 dimensions are allowed",
        ),
    ],
)
def test_invalid_metrics_are_refused_with_a_specific_message_and_print_nothing(
    capsys: pytest.CaptureFixture[str], kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        emit_metric(**kwargs)
    assert capsys.readouterr().out == ""
