"""Where a run writes: a local directory or ``s3://bucket/prefix`` (see ``_layout``)."""

from __future__ import annotations

from lean_connector.errors import InvalidRequestError
from lean_connector.sync._local import LocalOutput
from lean_connector.sync._s3 import S3Output
from lean_connector.sync._sink import SyncOutput

__all__ = ["open_output"]


def open_output(
    output: str,
    run_id: str,
    *,
    aws_region: str | None = None,
    aws_endpoint_url: str | None = None,
) -> SyncOutput:
    """A :class:`LocalOutput` for a path, an :class:`S3Output` for ``s3://bucket/prefix``."""
    if not isinstance(output, str) or not output.strip():
        raise InvalidRequestError("sync output is empty: pass --output or set sync.output")
    if output.startswith("s3://"):
        return S3Output(output, run_id, region=aws_region, endpoint_url=aws_endpoint_url)
    if "://" in output:
        raise InvalidRequestError(
            f"sync output {output!r} is neither a directory nor s3://bucket/prefix"
        )
    return LocalOutput(output, run_id)
