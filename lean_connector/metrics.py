"""CloudWatch metrics as Embedded Metric Format (EMF) lines on stdout.

On Lambda, a JSON line in the EMF shape written to stdout becomes a CloudWatch metric with
no PutMetricData call, no extra IAM permission and no latency. Off Lambda the line is
harmless JSON. Logs go to stderr (see ``logs.py``), so stdout carries only data and metrics.
"""

from __future__ import annotations

import json
import math
import os
import sys
import threading
import time
from collections.abc import Mapping

__all__ = ["NAMESPACE", "STANDARD_UNITS", "emit_metric"]

NAMESPACE = "LeanConnector"

# CloudWatch's StandardUnit values; EMF rejects the whole document for any other unit.
STANDARD_UNITS = frozenset(
    {
        "Seconds",
        "Microseconds",
        "Milliseconds",
        "Bytes",
        "Kilobytes",
        "Megabytes",
        "Gigabytes",
        "Terabytes",
        "Bits",
        "Kilobits",
        "Megabits",
        "Gigabits",
        "Terabits",
        "Percent",
        "Count",
        "Bytes/Second",
        "Kilobytes/Second",
        "Megabytes/Second",
        "Gigabytes/Second",
        "Terabytes/Second",
        "Bits/Second",
        "Kilobits/Second",
        "Megabits/Second",
        "Gigabits/Second",
        "Terabits/Second",
        "Count/Second",
        "None",
    }
)

# Limits from the EMF specification.
_MAX_DIMENSIONS = 30
_MAX_DIMENSION_NAME = 250
_MAX_NAME = 1024

_write_lock = threading.Lock()


def _function_name() -> str:
    return os.environ.get("AWS_LAMBDA_FUNCTION_NAME") or "local"


def _check(name: str, value: float, unit: str, dimensions: Mapping[str, str]) -> None:
    if not isinstance(name, str) or not name or len(name) > _MAX_NAME:
        raise ValueError(f"metric name must be 1 to {_MAX_NAME} characters, got {name!r}")
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"metric {name} needs a finite number as value, got {value!r}")
    if unit not in STANDARD_UNITS:
        raise ValueError(
            f"metric {name}: unit {unit!r} is not a CloudWatch unit: use one of "
            + ", ".join(sorted(STANDARD_UNITS))
        )
    if len(dimensions) > _MAX_DIMENSIONS:
        raise ValueError(f"metric {name}: at most {_MAX_DIMENSIONS} dimensions are allowed")
    for key, dim_value in dimensions.items():
        if not isinstance(key, str) or not key or len(key) > _MAX_DIMENSION_NAME:
            raise ValueError(
                f"metric {name}: dimension names must be 1 to {_MAX_DIMENSION_NAME} "
                f"characters, got {key!r}"
            )
        if not isinstance(dim_value, str) or not dim_value:
            raise ValueError(
                f"metric {name}: dimension {key} needs a non-empty string value, got {dim_value!r}"
            )
        if key in (name, "_aws"):
            raise ValueError(f"metric {name}: dimension name {key!r} clashes with the metric")


def emit_metric(
    name: str,
    value: float,
    *,
    unit: str = "None",
    dimensions: dict[str, str] | None = None,
) -> None:
    """Print one EMF JSON line to stdout: metric ``name`` in namespace ``LeanConnector``.

    The ``FunctionName`` dimension is the Lambda function's name (``local`` off Lambda)
    unless ``dimensions`` sets it. Raises ValueError for a unit CloudWatch does not know,
    a non-finite value, or a dimension that is not a non-empty string.
    """
    merged = {"FunctionName": _function_name(), **(dimensions or {})}
    _check(name, value, unit, merged)
    document = {
        "_aws": {
            "Timestamp": int(time.time() * 1000),
            "CloudWatchMetrics": [
                {
                    "Namespace": NAMESPACE,
                    "Dimensions": [list(merged)],
                    "Metrics": [{"Name": name, "Unit": unit}],
                }
            ],
        },
        **merged,
        name: value,
    }
    line = json.dumps(document, separators=(",", ":"), allow_nan=False) + "\n"
    # One write per line under a lock: two threads must never interleave half-lines, or
    # CloudWatch drops both documents.
    with _write_lock:
        sys.stdout.write(line)
        sys.stdout.flush()
